// Unit tests of the harness pieces that need no guest.
#include <catch2/catch.hpp>

#include "tests/vm/harness/base64.h"
#include "tests/vm/harness/cpio_writer.h"
#include "tests/vm/harness/domain_xml.h"
#include "tests/vm/harness/guest_shell.h"

using namespace hotsplice::vm;

TEST_CASE("channel socket paths are read from libvirt's live XML", "[unit]") {
  std::string xml = R"(<domain type='qemu' id='3'>
    <devices>
      <channel type='pty'><target type='virtio' name='org.other.0'/></channel>
      <channel type="unix">
        <source mode="bind" path="/var/lib/libvirt/qemu/channel/target/domain-3-a&amp;b/org.hotsplice.agent.0"/>
        <target type="virtio" name="org.hotsplice.agent.0" state="connected"/>
        <alias name='channel0'/>
      </channel>
      <channel type='unix'>
        <source mode='bind'/>
        <target type='virtio' name='org.hotsplice.test.0'/>
      </channel>
    </devices></domain>)";
  auto paths = unix_channel_paths(xml);
  REQUIRE(paths.size() == 1);
  CHECK(paths.at("org.hotsplice.agent.0") ==
        "/var/lib/libvirt/qemu/channel/target/domain-3-a&b/org.hotsplice.agent.0");
}

TEST_CASE("base64 matches RFC 4648's test vectors", "[unit]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\xff\x00", 2)) == "/wA=");
}

TEST_CASE("cpio entries are newc records padded to four bytes", "[unit]") {
  CpioWriter writer;
  writer.add_file("/init", "abc", 0755);
  std::string archive = writer.finish();
  REQUIRE(archive.starts_with("070701"));
  // 110-byte header, "init\0" padded to 116, 3 bytes of data padded to 120.
  CHECK(archive.substr(110, 5) == std::string("init\0", 5));
  CHECK(archive.substr(116, 3) == "abc");
  CHECK(archive.substr(120, 6) == "070701");
  CHECK(archive.find("TRAILER!!!") != std::string::npos);
  CHECK(archive.size() % 4 == 0);
}

TEST_CASE("shell_quote survives single quotes", "[unit]") {
  CHECK(shell_quote("it's") == "'it'\\''s'");
}
