// Unit tests of the harness pieces that need no guest.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <catch2/catch.hpp>

#include <map>

#include "integrations/kvm/domain_xml.h"
#include "tests/vm/harness/base64.h"
#include "tests/vm/harness/cpio_writer.h"
#include "tests/vm/harness/domain_xml.h"
#include "tests/vm/harness/guest_shell.h"

using namespace hotsplice::vm;

TEST_CASE("the test domain XML reads back with the agent and test channels", "[unit]") {
  DomainSpec spec;
  spec.name = "a&b";
  spec.uuid = "2f3e8a61-4c1d-4b8e-9a4f-0c6a1b2d3e4f";
  spec.image.kernel = "/boot/vmlinuz";
  spec.image.initramfs = "/tmp/initramfs.cpio";
  spec.console_log = "/tmp/console.log";
  auto domain = hotsplice::kvm::parse_domain_xml(test_domain_xml(spec));
  REQUIRE(domain);
  CHECK(domain->name == "a&b");
  CHECK(domain->hypervisor == "qemu");
  CHECK(hotsplice::kvm::find_agent_channel(*domain, kAgentPortName));
  CHECK(hotsplice::kvm::find_agent_channel(*domain, kTestPortName));

  spec.agent_channel = false;
  auto without = hotsplice::kvm::parse_domain_xml(test_domain_xml(spec));
  REQUIRE(without);
  CHECK_FALSE(hotsplice::kvm::find_agent_channel(*without, kAgentPortName));
  CHECK(hotsplice::kvm::find_agent_channel(*without, kTestPortName));
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

TEST_CASE("a cpio archive reads back entry by entry: types, modes, targets, devices, data",
          "[unit]") {
  CpioWriter writer;
  writer.add_directory("/bin");
  writer.add_file("/bin/busybox", std::string(5000, 'x') + "end", 0755);
  writer.add_symlink("/bin/sh", "busybox");
  writer.add_char_device("/dev/console", 5, 1);
  std::string first = writer.finish();
  // Deterministic, and the writer starts over after finish().
  writer.add_directory("/bin");
  writer.add_file("/bin/busybox", std::string(5000, 'x') + "end", 0755);
  writer.add_symlink("/bin/sh", "busybox");
  writer.add_char_device("/dev/console", 5, 1);
  CHECK(writer.finish() == first);

  struct Read {
    mode_t mode = 0;
    std::string data, symlink;
    dev_t rdev = 0;
  };
  std::map<std::string, Read> entries;
  struct archive* reader = archive_read_new();
  archive_read_support_format_cpio(reader);
  REQUIRE(archive_read_open_memory(reader, first.data(), first.size()) == ARCHIVE_OK);
  struct archive_entry* entry = nullptr;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    Read& read = entries[archive_entry_pathname(entry)];
    read.mode = archive_entry_mode(entry);
    read.rdev = archive_entry_rdev(entry);
    if (archive_entry_symlink(entry)) read.symlink = archive_entry_symlink(entry);
    char buffer[4096];
    la_ssize_t n = 0;
    while ((n = archive_read_data(reader, buffer, sizeof(buffer))) > 0) read.data.append(buffer, n);
  }
  archive_read_free(reader);
  REQUIRE(entries.size() == 4);
  CHECK(S_ISDIR(entries["bin"].mode));
  CHECK(entries["bin/busybox"].mode == (S_IFREG | 0755));
  CHECK(entries["bin/busybox"].data == std::string(5000, 'x') + "end");
  CHECK(S_ISLNK(entries["bin/sh"].mode));
  CHECK(entries["bin/sh"].symlink == "busybox");
  CHECK(S_ISCHR(entries["dev/console"].mode));
  CHECK(major(entries["dev/console"].rdev) == 5);
  CHECK(minor(entries["dev/console"].rdev) == 1);
}

TEST_CASE("shell_quote survives single quotes", "[unit]") {
  CHECK(shell_quote("it's") == "'it'\\''s'");
}
