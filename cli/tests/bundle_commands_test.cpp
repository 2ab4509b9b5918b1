// The bundle commands end to end, in process, on modules that gcc compiles at test time
// with a real .modinfo section.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "cli/bundle_commands.h"
#include "cli/tests/command_runner.h"
#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "core/base/outside_text.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::TempDir;
namespace cli = hotsplice::cli;
using hotsplice::cli::testing::run;

namespace {

constexpr const char* kRelease = "6.1.0-56-amd64";
constexpr const char* kBuildId = "00112233445566778899aabbccddeeff00112233";

// Compiles an object whose .modinfo section looks like a kernel module's.
std::filesystem::path compile_module(const TempDir& dir, const std::string& name,
                                     const std::string& vermagic, bool livepatch) {
  std::string source = "int hotsplice_test_function(void) { return 42; }\n";
  auto modinfo = [&](const std::string& entry, int index) {
    return "static const char modinfo" + std::to_string(index) +
           "[] __attribute__((section(\".modinfo\"), used, aligned(1))) = \"" + entry + "\";\n";
  };
  source +=
      modinfo("license=GPL", 0) + modinfo("name=" + name, 1) + modinfo("vermagic=" + vermagic, 2);
  if (livepatch) source += modinfo("livepatch=Y", 3);
  auto source_path = dir.write(name + ".c", source);
  auto module_path = dir / (name + ".ko");
  auto compiled = hotsplice::testing::run_process(
      {"gcc", "-c", "-O2", "-o", module_path.string(), source_path.string()});
  REQUIRE(compiled.exit_code == 0);
  return module_path;
}

// A key pair under dir/keys (public half) and dir/signer.key (private half).
std::string make_key(const TempDir& dir) {
  auto made = run(cli::run_bundle_keygen, {"--out", (dir / "signer").string()});
  REQUIRE(made.exit_code == 0);
  std::filesystem::create_directories(dir / "keys");
  std::filesystem::copy_file(dir / "signer.pub", dir / "keys" / "signer.pub");
  return (dir / "signer.key").string();
}

std::vector<std::string> sign_arguments(const TempDir& dir, const std::filesystem::path& module) {
  return {"--key",
          (dir / "signer.key").string(),
          "--module",
          module.string(),
          "--id",
          "hs-test-1",
          "--replaces",
          "vmlinux:cmdline_proc_show,meminfo_proc_show",
          "--cve",
          "CVE-2024-1086",
          "--description",
          "test patch",
          "--target-release",
          kRelease,
          "--target-version",
          "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2",
          "--target-build-id",
          kBuildId,
          "--output",
          (dir / "patch.hsb").string()};
}

}  // namespace

TEST_CASE("bundle keygen writes a private key only its owner can read, and never overwrites") {
  TempDir dir;
  auto made = run(cli::run_bundle_keygen, {"--out", (dir / "ops").string()});
  REQUIRE(made.exit_code == 0);
  CHECK_THAT(made.out, Catch::StartsWith("key id "));
  struct stat info {};
  REQUIRE(::stat((dir / "ops.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto again = run(cli::run_bundle_keygen, {"--out", (dir / "ops").string()});
  CHECK(again.exit_code == cli::kExitFailure);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("[file_exists]"));
}

TEST_CASE("sign, verify and inspect a livepatch module bundle") {
  TempDir dir;
  make_key(dir);
  auto module =
      compile_module(dir, "hotsplice_test_1", std::string(kRelease) + " SMP mod_unload", true);
  auto signed_bundle = run(cli::run_bundle_sign, sign_arguments(dir, module));
  INFO(signed_bundle.err);
  REQUIRE(signed_bundle.exit_code == 0);

  std::string bundle = (dir / "patch.hsb").string();
  std::string keys = (dir / "keys").string();
  auto verified = run(cli::run_bundle_verify, {"--keys", keys, bundle});
  CHECK(verified.exit_code == 0);
  CHECK_THAT(verified.out, Catch::StartsWith("ok: hs-test-1 for 6.1.0-56-amd64"));

  auto inspected = run(cli::run_bundle_inspect, {"--keys", keys, bundle});
  CHECK(inspected.exit_code == 0);
  CHECK_THAT(inspected.out, Catch::Contains("Signature      valid, key "));
  CHECK_THAT(inspected.out,
             Catch::Contains("Replaces       vmlinux: cmdline_proc_show, meminfo_proc_show"));
  CHECK_THAT(inspected.out, Catch::Contains("Module         hotsplice_test_1.ko"));
  CHECK_THAT(inspected.out, Catch::Contains("CVEs           CVE-2024-1086"));

  auto as_json = run(cli::run_bundle_inspect, {"--keys", keys, "--json", bundle});
  auto json = hotsplice::parse_json(as_json.out, "inspect output");
  REQUIRE(json);
  CHECK((*json)["verified"] == true);
  CHECK((*json)["manifest"]["module"]["name"] == "hotsplice_test_1");
  CHECK((*json)["manifest"]["target"]["build_id"] == kBuildId);
}

TEST_CASE("a bundle with a flipped module byte fails verify and is marked in inspect") {
  TempDir dir;
  make_key(dir);
  auto module = compile_module(dir, "hotsplice_test_2", kRelease, true);
  REQUIRE(run(cli::run_bundle_sign, sign_arguments(dir, module)).exit_code == 0);
  auto bytes = *hotsplice::read_file(dir / "patch.hsb", 1 << 20);
  bytes[bytes.size() - 10] ^= 0x40;
  REQUIRE(hotsplice::write_file_atomically(dir / "patch.hsb", bytes));

  std::string keys = (dir / "keys").string();
  auto verified = run(cli::run_bundle_verify, {"--keys", keys, (dir / "patch.hsb").string()});
  CHECK(verified.exit_code == cli::kExitFailure);
  CHECK_THAT(verified.err, Catch::Contains("[module_sha256_mismatch]"));
  auto inspected = run(cli::run_bundle_inspect, {"--keys", keys, (dir / "patch.hsb").string()});
  CHECK(inspected.exit_code == cli::kExitFailure);
  CHECK_THAT(inspected.out, Catch::StartsWith("Signature      NOT VERIFIED: module sha256"));
  CHECK_THAT(inspected.out, Catch::Contains("Bundle         hs-test-1"));
}

TEST_CASE("verify refuses a bundle signed by a key that is not trusted") {
  TempDir dir;
  make_key(dir);
  auto module = compile_module(dir, "hotsplice_test_3", kRelease, true);
  REQUIRE(run(cli::run_bundle_sign, sign_arguments(dir, module)).exit_code == 0);
  std::filesystem::create_directories(dir / "empty-keys");
  auto verified = run(cli::run_bundle_verify,
                      {"--keys", (dir / "empty-keys").string(), (dir / "patch.hsb").string()});
  CHECK(verified.exit_code == cli::kExitFailure);
  CHECK_THAT(verified.err, Catch::Contains("[unknown_key]"));
}

TEST_CASE("sign refuses modules that would not do what the bundle says") {
  TempDir dir;
  make_key(dir);
  SECTION("not a livepatch module") {
    auto module = compile_module(dir, "plain_module", kRelease, false);
    auto refused = run(cli::run_bundle_sign, sign_arguments(dir, module));
    CHECK(refused.exit_code == cli::kExitFailure);
    CHECK_THAT(refused.err, Catch::Contains("[not_livepatch]"));
    CHECK_FALSE(std::filesystem::exists(dir / "patch.hsb"));
    auto arguments = sign_arguments(dir, module);
    arguments.push_back("--allow-non-livepatch");
    auto forced = run(cli::run_bundle_sign, arguments);
    CHECK(forced.exit_code == 0);
    CHECK_THAT(forced.err, Catch::Contains("warning: module plain_module is not a livepatch"));
  }
  SECTION("built for another kernel") {
    auto module = compile_module(dir, "other_kernel", "6.1.0-53-amd64 SMP", true);
    auto refused = run(cli::run_bundle_sign, sign_arguments(dir, module));
    CHECK(refused.exit_code == cli::kExitFailure);
    CHECK_THAT(refused.err, Catch::Contains("built for kernel 6.1.0-53-amd64 but the bundle "
                                            "targets 6.1.0-56-amd64"));
  }
  SECTION("a file that is not a module") {
    auto text = dir.write("notes.ko", "just text");
    auto refused = run(cli::run_bundle_sign, sign_arguments(dir, text));
    CHECK(refused.exit_code == cli::kExitFailure);
    CHECK_THAT(refused.err, Catch::Contains("[not_elf]"));
  }
  SECTION("an unsafe bundle id") {
    auto module = compile_module(dir, "hotsplice_test_4", kRelease, true);
    auto arguments = sign_arguments(dir, module);
    arguments[5] = "../../escape";
    auto refused = run(cli::run_bundle_sign, arguments);
    CHECK(refused.exit_code == cli::kExitFailure);
    CHECK_THAT(refused.err, Catch::Contains("[unsafe_name]"));
  }
  SECTION("a usage mistake") {
    auto refused = run(cli::run_bundle_sign, {"--key"});
    CHECK(refused.exit_code == cli::kExitUsage);
  }
}

TEST_CASE("sign --target-image takes the target identity from the kernel image") {
  TempDir dir;
  make_key(dir);
  auto module = compile_module(dir, "hotsplice_test_5", kRelease, true);
  std::vector<std::string> arguments = {"--key",          (dir / "signer.key").string(),
                                        "--module",       module.string(),
                                        "--id",           "hs-image",
                                        "--replaces",     "vmlinux:cmdline_proc_show",
                                        "--target-image", "/boot/vmlinuz-6.1.0-56-amd64",
                                        "--output",       (dir / "patch.hsb").string()};
  auto signed_bundle = run(cli::run_bundle_sign, arguments);
  INFO(signed_bundle.err);
  REQUIRE(signed_bundle.exit_code == 0);
  auto inspected = run(cli::run_bundle_inspect,
                       {"--keys", (dir / "keys").string(), "--json", (dir / "patch.hsb").string()});
  auto json = hotsplice::parse_json(inspected.out, "inspect");
  REQUIRE(json);
  CHECK((*json)["manifest"]["target"]["release"] == "6.1.0-56-amd64");
  CHECK((*json)["manifest"]["target"]["build_id"].get<std::string>().size() == 40);
}

TEST_CASE("inspect of a bundle whose manifest is not UTF-8 names the manifest") {
  // Used to abort with an uncaught nlohmann type_error 316 (exit 134).
  TempDir dir;
  make_key(dir);
  const std::string bundle =
      (std::filesystem::path(HOTSPLICE_HOSTILE_FIXTURES) / "manifest-one-latin1-byte.hsb").string();
  auto as_json =
      run(cli::run_bundle_inspect, {"--keys", (dir / "keys").string(), "--json", bundle});
  CHECK(as_json.exit_code == cli::kExitFailure);
  auto json = hotsplice::parse_json(as_json.out, "inspect output");
  REQUIRE(json);
  CHECK((*json)["verified"] == false);
  CHECK((*json)["manifest_error"]["code"] == "invalid_json");
  CHECK_THAT((*json)["manifest_error"]["message"].get<std::string>(),
             Catch::StartsWith("manifest: ") && Catch::Contains("\\xe9"));
  auto as_text = run(cli::run_bundle_inspect, {"--keys", (dir / "keys").string(), bundle});
  CHECK(as_text.exit_code == cli::kExitFailure);
  CHECK_THAT(as_text.out, Catch::Contains("Manifest       unreadable: manifest: "));
  CHECK(hotsplice::is_valid_utf8(as_text.out));
}

TEST_CASE("sign refuses option text that is not UTF-8, naming the field") {
  TempDir dir;
  make_key(dir);
  auto module = compile_module(dir, "hotsplice_test_6", kRelease, true);
  auto description = sign_arguments(dir, module);
  description[11] = "caf\xe9";  // the value of --description
  auto refused = run(cli::run_bundle_sign, description);
  CHECK(refused.exit_code == cli::kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("manifest.description: not valid UTF-8 text"));
  auto replaces = sign_arguments(dir, module);
  replaces[7] = "vmlinux:f\xff";  // the value of --replaces
  refused = run(cli::run_bundle_sign, replaces);
  CHECK(refused.exit_code == cli::kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("manifest.replaces[0].functions[0]: not valid UTF-8"));
  CHECK_FALSE(std::filesystem::exists(dir / "patch.hsb"));

  // The hostile image says it is 6.1.0-99-amd64: a module built for that release.
  auto image = sign_arguments(dir, compile_module(dir, "hotsplice_test_8", "6.1.0-99-amd64", true));
  image.resize(image.size() - 8);  // drop the --target-* options and --output
  const std::string hostile_image =
      std::string(HOTSPLICE_HOSTILE_FIXTURES) + "/kernel-version-not-utf8.img";
  image.insert(image.end(),
               {"--target-image", hostile_image, "--output", (dir / "patch.hsb").string()});
  refused = run(cli::run_bundle_sign, image);
  CHECK(refused.exit_code == cli::kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("manifest.target.version: not valid UTF-8"));
}

TEST_CASE("inspect escapes control characters of signed text") {
  TempDir dir;
  make_key(dir);
  auto module = compile_module(dir, "hotsplice_test_7", kRelease, true);
  auto arguments = sign_arguments(dir, module);
  arguments[11] =
      "fix \xc2\x9b"
      "2J for real";  // a C1 CSI passes the manifest's own rule
  auto signed_bundle = run(cli::run_bundle_sign, arguments);
  INFO(signed_bundle.err);
  REQUIRE(signed_bundle.exit_code == 0);
  auto inspected = run(cli::run_bundle_inspect,
                       {"--keys", (dir / "keys").string(), (dir / "patch.hsb").string()});
  CHECK(inspected.exit_code == 0);
  CHECK_THAT(inspected.out, Catch::Contains("Description    fix \\xc2\\x9b2J for real"));
}
