#include "core/repository/tests/repository_fixture.h"

#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/repository/repository_writer.h"

namespace hotsplice::repository::testing {
namespace {

Ed25519PrivateKey new_key() {
  auto key = Ed25519PrivateKey::generate();
  REQUIRE(key);
  return std::move(*key);
}

}  // namespace

KernelIdentity newest_kernel() {
  return {"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)",
          "eb4fbcd037e7253717950bf2b93bd5566f47c56f"};
}

KernelIdentity older_kernel() {
  return {"6.1.0-53-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2026-09-20)",
          "0123456789abcdef0123456789abcdef01234567"};
}

Publisher::Publisher() : repo_(temp_ / "repo"), key_(new_key()) {
  std::filesystem::create_directories(repo_);
}

TrustedKeys Publisher::trusted_keys() const {
  TrustedKeys keys;
  keys.add(key_.public_key());
  return keys;
}

std::string Publisher::bundle(const std::string& id, const KernelIdentity& target,
                              const std::string& module) const {
  Manifest manifest;
  manifest.id = id;
  manifest.description = "test bundle " + id;
  manifest.cves = {"CVE-2024-1086"};
  manifest.target = target;
  manifest.replaces = {{"vmlinux", {"cmdline_proc_show"}}};
  manifest.module.name = "hotsplice_test";
  manifest.created = "2026-11-29T12:00:00Z";
  auto parts = make_signed_bundle(std::move(manifest), module, key_);
  REQUIRE(parts);
  return encode_bundle(*parts);
}

std::filesystem::path Publisher::add(const std::string& id, const KernelIdentity& target) {
  auto source = temp_.write("incoming/" + id + ".hsb", bundle(id, target));
  Status added = add_bundles(repo_, {source}, trusted_keys());
  INFO((added ? "" : added.error().message()));
  REQUIRE(added);
  return repo_ / (id + ".hsb");
}

RepositoryIndex Publisher::publish(Seconds now, std::chrono::seconds valid_for) {
  auto index = publish_index(repo_, key_, trusted_keys(), now, valid_for);
  INFO((index ? "" : index.error().message()));
  REQUIRE(index);
  return *index;
}

void Publisher::resign() const {
  auto bytes = read_file(repo_ / kIndexFileName, kMaxIndexBytes);
  REQUIRE(bytes);
  auto signature = sign_index(*bytes, key_);
  REQUIRE(signature);
  REQUIRE(write_file_atomically(repo_ / kIndexSignatureFileName, *signature));
}

}  // namespace hotsplice::repository::testing
