// A PatchManager on the fake kernel of fake_kernel.h under a temporary root, its log going
// to a pipe so the structured lines can be checked: what the apply component's tests share.
#pragma once

#include "core/apply/patch_manager.h"
#include "core/apply/tests/fake_kernel.h"
#include "tests/support/captured_fd.h"

namespace hotsplice::testing {

struct PatchManagerFixture {
  explicit PatchManagerFixture(platform::Environment environment = {platform::Environment::Kind::vm,
                                                                    "kvm"},
                               apply::PatchTimeouts timeouts = {200ms, 100ms})
      : key(Ed25519PrivateKey::generate().value()),
        store(apply::StateStore::open(dir / "state").value()),
        kernel(dir.path()),
        log("test", LogLevel::info, log_pipe.fd(), Logger::Format::journal),
        patches(dir.path(), kRunning, environment, keys, store, kernel, log, timeouts) {
    keys.add(key.public_key());
  }
  std::filesystem::path bundle_file(const std::string& bytes) { return dir.write("b.hsb", bytes); }

  TempDir dir;
  Ed25519PrivateKey key;
  TrustedKeys keys;
  apply::StateStore store;
  FakeKernel kernel;
  CapturedFd log_pipe;
  Logger log;
  apply::PatchManager patches;
};

}  // namespace hotsplice::testing
