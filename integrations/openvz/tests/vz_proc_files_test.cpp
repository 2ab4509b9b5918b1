// /proc/vz/veinfo in both formats and the /etc/vz/conf tree of a recorded Virtuozzo 7 node
// (tests/fixtures/openvz), malformed lines included.
#include <catch2/catch.hpp>

#include "integrations/openvz/tests/fixture_reading.h"
#include "integrations/openvz/vz_proc_files.h"

using namespace hotsplice::openvz;
using namespace hotsplice::openvz::testing;

TEST_CASE("recorded /proc/vz/veinfo, numeric CTIDs: the node left out, bad lines warned") {
  auto list = parse_veinfo(fixture_text("openvz/veinfo-numeric"));
  REQUIRE(list.containers.size() == 3);
  CHECK(list.containers[0].id == "101");
  CHECK(list.containers[1].id == "102");
  CHECK(list.containers[2].id == "105");
  CHECK_FALSE(find_container(list, "0"));
  for (const auto& container : list.containers) {
    CHECK(container.status == "running");
    CHECK(container.source == "veinfo");
  }
  REQUIRE(list.warnings.size() == 2);
  CHECK(list.warnings[0].find("line 5: expected \"<id> <class> <nproc>") != std::string::npos);
  CHECK(list.warnings[1].find("line 6:") != std::string::npos);
}

TEST_CASE("recorded /proc/vz/veinfo, Virtuozzo 7 UUIDs") {
  auto list = parse_veinfo(fixture_text("openvz/veinfo-uuid"));
  REQUIRE(list.containers.size() == 3);
  CHECK(find_container(list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab"));
  CHECK(find_container(list, "5d1e7c2a-8b3f-4e6d-a1c9-fedcba987654"));
  CHECK(find_container(list, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"));
  REQUIRE(list.warnings.size() == 1);  // a UUID one digit short
  CHECK(list.warnings[0].find("line 5") != std::string::npos);
}

TEST_CASE("shell-style variables: quotes, comments, repeats and lines that are not variables") {
  std::vector<std::string> warnings;
  auto variables = parse_shell_variables(
      "# comment\n\nA=\"one two\"\nB='three'\nC=four\nD=\"x\"  # trailing comment\n"
      "E=\"unterminated\nF=two words\n1X=\"bad name\"\nA=\"again\"\nG=\"x\"y\n",
      "test.conf", warnings);
  CHECK(variables == std::map<std::string, std::string>{
                         {"A", "again"}, {"B", "three"}, {"C", "four"}, {"D", "x"}});
  REQUIRE(warnings.size() == 4);
  CHECK(warnings[0] == "test.conf line 7: expected KEY=\"value\", skipped");
  CHECK(warnings[1].find("line 8:") != std::string::npos);
  CHECK(warnings[2].find("line 9:") != std::string::npos);
  CHECK(warnings[3].find("line 11:") != std::string::npos);
}

TEST_CASE("recorded node files: /etc/vz/conf merged with /proc/vz/veinfo") {
  auto list = read_openvz_files(kFixtures / "openvz/node-vz7");
  REQUIRE(list.containers.size() == 5);
  const Container* web = find_container(list, "101");
  REQUIRE(web);
  CHECK(web->name == "web");
  CHECK(web->hostname == "ct101.example.com");
  CHECK(web->status == "running");
  CHECK(web->source == "vz_conf");
  const Container* unnamed = find_container(list, "102");
  REQUIRE(unnamed);
  CHECK(unnamed->name == "102");
  CHECK(unnamed->hostname == "ct102.example.com");
  const Container* mail = find_container(list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab");
  REQUIRE(mail);
  CHECK(mail->name == "mail");
  CHECK(mail->status == "running");
  const Container* stopped = find_container(list, "107");
  REQUIRE(stopped);
  CHECK(stopped->status == "stopped");
  CHECK(stopped->hostname == "renamed107.example.com");  // the last assignment wins
  const Container* only_running = find_container(list, "108");
  REQUIRE(only_running);
  CHECK(only_running->source == "veinfo");
  CHECK_FALSE(find_container(list, "0"));  // 0.conf is the node's own
  CHECK(list.warnings.size() == 2);
  CHECK(has_warning(list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab.conf line 4"));
  CHECK(has_warning(list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab.conf line 5"));
}

TEST_CASE("a root without OpenVZ files lists nothing and warns of nothing") {
  auto list = read_openvz_files(kFixtures / "containers/host-mixed");
  CHECK(list.containers.empty());
  CHECK(list.warnings.empty());
}
