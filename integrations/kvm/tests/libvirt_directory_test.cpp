// LibvirtDirectory against libvirt's test driver, in-process: enumeration of a recorded
// node (test:///<path>/node.xml) and lifecycle events on test:///default, whose state every
// connection of the process shares (the test defines, starts and stops domains on its own
// connection; the directory hears about it through libvirt's events on its loop thread).
// The test driver generates no channel paths and cannot hot-plug: the real daemon's
// behaviour is tested under the private libvirtd (libvirt_directory_vm_test.cpp).
#include <catch2/catch.hpp>

#include <libvirt/libvirt.h>

#include <filesystem>

#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libvirt_directory.h"
#include "integrations/kvm/libvirt_handles.h"
#include "integrations/kvm/tests/directory_recorder.h"

using namespace hotsplice;
using namespace hotsplice::kvm;
using namespace hotsplice::kvm::testing;

namespace {

std::string node_uri() {
  return "test://" + (std::filesystem::path(HOTSPLICE_KVM_FIXTURES) / "node.xml").string();
}

std::unique_ptr<LibvirtDirectory> open_directory(const std::string& uri,
                                                 DirectoryRecorder& recorder,
                                                 LibvirtOptions options = {}) {
  options.uri = uri;
  options.keepalive_interval_seconds = 0;  // the test driver has no keepalive
  auto directory = LibvirtDirectory::open(options, recorder.callbacks());
  if (!directory) FAIL(directory.error().code() << ": " << directory.error().message());
  return std::move(*directory);
}

// A domain for test:///default with the agent channel at an explicit path (the test
// driver keeps what it is given and generates nothing).
std::string test_domain(const std::string& name, const std::string& uuid) {
  return "<domain type='test'><name>" + name + "</name><uuid>" + uuid +
         "</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
         "<channel type='unix'><source mode='bind' path='/run/hotsplice-test/" +
         name +
         ".sock'/><target type='virtio' name='org.hotsplice.agent.0'/></channel>"
         "</devices></domain>";
}

}  // namespace

TEST_CASE("a recorded node's domains are enumerated with their agent channels", "[kvm]") {
  DirectoryRecorder recorder;
  auto directory = open_directory(node_uri(), recorder);
  CHECK(directory->connected());

  // open() returns after the first connection: "up" first, then every domain once.
  auto reports = recorder.reports();
  REQUIRE(reports.size() == 4);
  CHECK(reports[0].kind == Report::up);
  CHECK(reports[0].text.find("node.xml") != std::string::npos);

  auto domains = directory->list();
  REQUIRE(domains.size() == 3);  // ordered by name
  const DomainInfo& db = domains[0];
  CHECK(db.name == "db-02");
  CHECK(db.running);
  CHECK(db.state == DomainState::running);
  CHECK(db.hypervisor == "test");
  CHECK(db.id > 0);
  CHECK_FALSE(db.agent_channel);  // only qemu-ga's channel: "no_channel"

  const DomainInfo& stopped = domains[1];
  CHECK(stopped.name == "stopped-03");
  CHECK_FALSE(stopped.running);
  CHECK(stopped.state == DomainState::shutoff);
  CHECK(stopped.id == -1);
  REQUIRE(stopped.agent_channel);
  CHECK(stopped.agent_channel->source_path.empty());

  const DomainInfo& web = domains[2];
  CHECK(web.name == "web-01");
  CHECK(web.uuid == "2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  REQUIRE(web.agent_channel);
  CHECK(web.agent_channel->source_path ==
        "/run/libvirt/qemu/channel/1-web-01/org.hotsplice.agent.0");
  for (std::size_t i = 1; i < reports.size(); ++i) {
    CHECK(reports[i].kind == Report::seen);
    CHECK(reports[i].domain == domains[i - 1]);
  }
}

TEST_CASE("another channel name finds another channel", "[kvm]") {
  DirectoryRecorder recorder;
  LibvirtOptions options;
  options.channel_name = "org.qemu.guest_agent.0";
  auto directory = open_directory(node_uri(), recorder, options);
  auto domains = directory->list();
  REQUIRE(domains.size() == 3);
  REQUIRE(domains[0].agent_channel);
  CHECK(domains[0].agent_channel->target_name == "org.qemu.guest_agent.0");
  CHECK_FALSE(domains[2].agent_channel);
}

TEST_CASE("lifecycle events report domains defined, started, stopped and undefined", "[kvm]") {
  DirectoryRecorder recorder;
  auto directory = open_directory("test:///default", recorder);
  ConnectionRef control(virConnectOpen("test:///default"));
  REQUIRE(control);

  const std::string uuid = "11111111-2222-4333-8444-555555555555";
  std::size_t mark = recorder.size();
  DomainHandle domain(virDomainDefineXML(control.get(), test_domain("ev-a", uuid).c_str()));
  REQUIRE(domain);
  int defined = recorder.wait_for(mark, seen("ev-a", [](auto& d) { return !d.running; }));
  REQUIRE(defined >= 0);
  CHECK(recorder.reports()[defined].domain.uuid == uuid);

  mark = recorder.size();
  REQUIRE(virDomainCreate(domain.get()) == 0);
  int started = recorder.wait_for(mark, seen("ev-a", [](auto& d) { return d.running; }));
  REQUIRE(started >= 0);
  DomainInfo running = recorder.reports()[started].domain;
  CHECK(running.id > 0);
  CHECK(running.state == DomainState::running);
  REQUIRE(running.agent_channel);
  CHECK(running.agent_channel->source_path == "/run/hotsplice-test/ev-a.sock");

  mark = recorder.size();
  REQUIRE(virDomainDestroy(domain.get()) == 0);
  // Stopped: gone (its channel with it), then seen again as a defined, stopped domain.
  int stopped_gone = recorder.wait_for(mark, gone(uuid));
  REQUIRE(stopped_gone >= 0);
  CHECK(recorder.wait_for(stopped_gone, seen("ev-a", [](auto& d) { return !d.running; })) > 0);

  mark = recorder.size();
  REQUIRE(virDomainUndefine(domain.get()) == 0);
  CHECK(recorder.wait_for(mark, gone(uuid)) >= 0);
  auto listed = directory->list();
  CHECK(std::none_of(listed.begin(), listed.end(),
                     [&](const DomainInfo& d) { return d.uuid == uuid; }));
}

TEST_CASE("refresh reports a domain again even when nothing changed", "[kvm]") {
  DirectoryRecorder recorder;
  auto directory = open_directory(node_uri(), recorder);
  std::size_t mark = recorder.size();
  directory->refresh("2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  CHECK(recorder.wait_for(mark, seen("web-01")) >= 0);

  // A uuid libvirt does not know: reported gone if it had been seen, else nothing.
  mark = recorder.size();
  directory->refresh("00000000-0000-4000-8000-000000000000");
  directory->refresh("2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  REQUIRE(recorder.wait_for(mark, seen("web-01")) >= 0);
  for (const Report& report : recorder.reports()) CHECK(report.kind != Report::gone);
}

TEST_CASE("hot-plug on a driver without it fails with libvirt's reason", "[kvm]") {
  DirectoryRecorder recorder;
  auto directory = open_directory(node_uri(), recorder);
  Status attached = directory->attach_agent_channel("7c0d5b2a-9e8f-4a6b-8c1d-2e3f4a5b6c7d");
  REQUIRE_FALSE(attached);
  CHECK(attached.error().code() == errc::kChannelAttachFailed);
  CHECK(attached.error().message().find("db-02") != std::string::npos);

  Status unknown = directory->attach_agent_channel("00000000-0000-4000-8000-000000000000");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == errc::kDomainNotFound);

  // A domain that has the channel already needs no hot-plug: it is reported again.
  std::size_t mark = recorder.size();
  CHECK(directory->attach_agent_channel("2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f"));
  CHECK(recorder.wait_for(mark, seen("web-01")) >= 0);
}

TEST_CASE("a URI that cannot be opened is reported down once and retried", "[kvm]") {
  DirectoryRecorder recorder;
  LibvirtOptions options;
  options.reconnect_interval = std::chrono::milliseconds(50);
  options.reconnect_max_interval = std::chrono::milliseconds(100);
  auto directory = open_directory("test:///nonexistent/hotsplice-node.xml", recorder, options);
  CHECK_FALSE(directory->connected());
  CHECK(directory->list().empty());
  auto reports = recorder.reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].kind == Report::down);
  CHECK(reports[0].text.find("test:///nonexistent/hotsplice-node.xml") != std::string::npos);
  // Retries keep failing quietly: still one report after several retry intervals.
  CHECK(recorder.wait_for(
            1, [](const Report&) { return true; }, std::chrono::milliseconds(500)) == -1);
  Status attached = directory->attach_agent_channel("2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  REQUIRE_FALSE(attached);
  CHECK(attached.error().code() == errc::kNotConnected);
}

TEST_CASE("bad options are refused before connecting", "[kvm]") {
  DirectoryRecorder recorder;
  LibvirtOptions bad_name;
  bad_name.channel_name = "org/../x";
  auto refused = LibvirtDirectory::open(bad_name, recorder.callbacks());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::kChannelNameInvalid);

  LibvirtOptions bad_interval;
  bad_interval.uri = "test:///default";
  bad_interval.rescan_interval = std::chrono::milliseconds(0);
  auto refused_interval = LibvirtDirectory::open(bad_interval, recorder.callbacks());
  REQUIRE_FALSE(refused_interval);
  CHECK(refused_interval.error().code() == errc::kInvalidOptions);
  CHECK(recorder.size() == 0);
}

TEST_CASE("two directories share the process's libvirt event loop", "[kvm]") {
  DirectoryRecorder first_recorder;
  DirectoryRecorder second_recorder;
  auto first = open_directory("test:///default", first_recorder);
  auto second = open_directory(node_uri(), second_recorder);
  first.reset();  // the loop keeps running for the second
  std::size_t mark = second_recorder.size();
  second->refresh("2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  CHECK(second_recorder.wait_for(mark, seen("web-01")) >= 0);
}
