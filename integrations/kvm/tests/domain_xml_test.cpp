// The domain XML reader on recorded documents: QEMU domains with the agent channel
// connected, disconnected, absent and inactive; a Xen (libxl) domain with PV console
// channels; and malformed or hostile input, which must be refused with a message naming
// what was wrong.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "core/base/file_io.h"
#include "integrations/kvm/domain_xml.h"
#include "integrations/kvm/error_codes.h"

using namespace hotsplice;
using namespace hotsplice::kvm;

namespace {

std::string fixture(const std::string& name) {
  auto text = read_file(std::filesystem::path(HOTSPLICE_KVM_FIXTURES) / name, 1 << 20);
  REQUIRE(text);
  return *text;
}

DomainXml parsed(const std::string& name) {
  auto domain = parse_domain_xml(fixture(name));
  if (!domain) FAIL(name << ": " << domain.error().code() << ": " << domain.error().message());
  return *domain;
}

void check_refused(const std::string& xml, const char* code, const std::string& message_part) {
  auto domain = parse_domain_xml(xml);
  REQUIRE_FALSE(domain);
  CHECK(domain.error().code() == code);
  INFO("message: " << domain.error().message());
  CHECK(domain.error().message().find(message_part) != std::string::npos);
}

}  // namespace

TEST_CASE("a running QEMU domain with the agent channel connected", "[kvm]") {
  DomainXml domain = parsed("qemu_channel_connected.xml");
  CHECK(domain.name == "web-01");
  CHECK(domain.uuid == "2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f");
  CHECK(domain.id == 3);
  CHECK(domain.active());
  CHECK(domain.hypervisor == "qemu");
  REQUIRE(domain.channels.size() == 3);
  CHECK(domain.channels[0].target_name == "org.qemu.guest_agent.0");
  CHECK(domain.channels[2].source_type == ChannelSourceType::other);
  CHECK(domain.channels[2].source_type_name == "spicevmc");
  CHECK(domain.channels[2].source_path.empty());

  auto agent = find_agent_channel(domain);
  REQUIRE(agent);
  CHECK(agent->source_type == ChannelSourceType::unix_socket);
  CHECK(agent->source_path == "/run/libvirt/qemu/channel/3-web-01/org.hotsplice.agent.0");
  CHECK(agent->target_type == ChannelTargetType::virtio);
  CHECK(agent->target_name == "org.hotsplice.agent.0");
  CHECK(agent->state == ChannelState::connected);
}

TEST_CASE("the same domain with the agent channel disconnected", "[kvm]") {
  auto agent = find_agent_channel(fixture("qemu_channel_disconnected.xml"));
  REQUIRE(agent);
  REQUIRE(agent->has_value());
  CHECK((*agent)->state == ChannelState::disconnected);
  CHECK((*agent)->source_path == "/run/libvirt/qemu/channel/3-web-01/org.hotsplice.agent.0");
}

TEST_CASE("a domain without the agent channel has none, whatever other channels it has", "[kvm]") {
  DomainXml domain = parsed("qemu_no_channel.xml");
  CHECK(domain.name == "db-02");
  CHECK(domain.channels.size() == 2);  // qemu-ga and spice
  CHECK_FALSE(find_agent_channel(domain));
  // The channel name is a parameter: qemu-ga's channel is found under its own name.
  auto guest_agent = find_agent_channel(domain, "org.qemu.guest_agent.0");
  REQUIRE(guest_agent);
  CHECK(guest_agent->source_path == "/run/libvirt/qemu/channel/7-db-02/org.qemu.guest_agent.0");
}

TEST_CASE("an inactive domain has no id and its channel has no path or state", "[kvm]") {
  DomainXml domain = parsed("qemu_inactive.xml");
  CHECK_FALSE(domain.id);
  CHECK_FALSE(domain.active());
  auto agent = find_agent_channel(domain);
  REQUIRE(agent);
  CHECK(agent->source_path.empty());
  CHECK(agent->state == ChannelState::absent);
}

TEST_CASE("a Xen (libxl) domain's PV console channels are accepted", "[kvm]") {
  DomainXml domain = parsed("xen_libxl_channels.xml");
  CHECK(domain.hypervisor == "xen");
  CHECK(domain.id == 12);
  CHECK(domain.uuid == "45b60f51-88a9-47a8-a3b3-5e66d71b2283");  // libxl's uppercase, folded
  REQUIRE(domain.channels.size() == 2);                          // the <console> is not a channel
  CHECK(domain.channels[0].source_type == ChannelSourceType::pty);
  CHECK(domain.channels[0].source_path == "/dev/pts/4");
  auto agent = find_agent_channel(domain);
  REQUIRE(agent);
  CHECK(agent->target_type == ChannelTargetType::xen);
  CHECK(agent->source_type == ChannelSourceType::unix_socket);
  CHECK(agent->source_path ==
        "/var/lib/libvirt/libxl/channel/target/domain-app-03/org.hotsplice.agent.0");
  CHECK(agent->state == ChannelState::absent);

  auto pty = find_agent_channel(fixture("xen_libxl_pty_agent.xml"));
  REQUIRE(pty);
  REQUIRE(pty->has_value());
  CHECK((*pty)->source_type == ChannelSourceType::pty);
  CHECK((*pty)->source_path == "/dev/pts/5");
}

TEST_CASE("entities, either quote style and foreign namespaces are read as libvirt means them",
          "[kvm]") {
  std::string xml =
      R"(<domain type="kvm" id="0" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
    <name>a&amp;b &lt;test&gt;</name>
    <uuid>2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f</uuid>
    <metadata><app:channel xmlns:app="urn:x"><target name="org.hotsplice.agent.0"/></app:channel></metadata>
    <devices>
      <qemu:channel type="unix"><target type="virtio" name="org.hotsplice.agent.0"/></qemu:channel>
      <channel type="unix">
        <source mode="bind" path="/run/a&amp;b/org.hotsplice.agent.0"/>
        <target type="virtio" name="org.hotsplice.agent.0" state="connected"/>
      </channel>
    </devices></domain>)";
  auto domain = parse_domain_xml(xml);
  REQUIRE(domain);
  CHECK(domain->name == "a&b <test>");
  CHECK(domain->id == 0);
  REQUIRE(domain->channels.size() == 1);
  CHECK(domain->channels[0].source_path == "/run/a&b/org.hotsplice.agent.0");
}

TEST_CASE("a channel of an unusable type does not count as the agent channel", "[kvm]") {
  std::string xml = R"(<domain type='qemu'><name>a</name>
    <uuid>2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f</uuid><devices>
    <channel type='spicevmc'><target type='virtio' name='org.hotsplice.agent.0'/></channel>
    </devices></domain>)";
  auto agent = find_agent_channel(xml);
  REQUIRE(agent);
  CHECK_FALSE(agent->has_value());
}

TEST_CASE("malformed and hostile domain XML is refused with a message naming the fault", "[kvm]") {
  check_refused(fixture("malformed/truncated.xml"), errc::kDomainXmlMalformed, "line 1");
  check_refused(fixture("malformed/binary_garbage.xml"), errc::kDomainXmlMalformed,
                "not well-formed");
  check_refused(fixture("malformed/billion_laughs.xml"), errc::kDomainXmlMalformed, "entity");
  check_refused(fixture("malformed/external_entity.xml"), errc::kDomainXmlMalformed, "DTD");
  check_refused(fixture("malformed/not_a_domain.xml"), errc::kDomainXmlInvalid, "<network>");
  check_refused(fixture("malformed/bad_uuid.xml"), errc::kDomainXmlInvalid, "<uuid>");
  check_refused(fixture("malformed/missing_name.xml"), errc::kDomainXmlInvalid, "no <name>");
  check_refused(fixture("malformed/repeated_name.xml"), errc::kDomainXmlInvalid,
                "more than one <name>");
  check_refused(fixture("malformed/bad_id.xml"), errc::kDomainXmlInvalid, "id='x3'");
  check_refused(fixture("malformed/channel_without_target.xml"), errc::kDomainXmlInvalid,
                "no <target> in channel #1");
  check_refused(fixture("malformed/channel_without_type.xml"), errc::kDomainXmlInvalid,
                "channel #1 has no type");
  check_refused(fixture("malformed/bad_channel_state.xml"), errc::kDomainXmlInvalid,
                "state 'half-open'");
  check_refused("", errc::kDomainXmlMalformed, "empty");
  check_refused(
      "<domain type='qemu'><name></name><uuid>2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f"
      "</uuid></domain>",
      errc::kDomainXmlInvalid, "<name> is empty");
  check_refused("<domain><name>a</name><uuid>2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f</uuid></domain>",
                errc::kDomainXmlInvalid, "no type");
  check_refused("<x:domain xmlns:x='urn:x' type='qemu'/>", errc::kDomainXmlInvalid, "root");
}

TEST_CASE("domain XML over the size bound is refused before parsing", "[kvm]") {
  std::string xml = fixture("qemu_channel_connected.xml");
  std::string padding(kMaxDomainXmlBytes, ' ');
  xml.insert(xml.find("</domain>"), padding);
  check_refused(xml, errc::kDomainXmlTooLarge, "over the limit");
}
