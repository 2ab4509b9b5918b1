// libFuzzer target: message sequences fed to the guest agent's session (guestagent/session.h)
// over the real transfer receiver, state store and patch manager, with the kernel replaced
// by FakeKernelForFuzzing (a fuzzer cannot load modules). A signed livepatch bundle is made
// once at start (gcc compiles its module object, as the unit tests do), so the fuzzer can
// transfer, apply and roll back a real bundle as well as send garbage.
//
// Input: operations, each one opcode byte and its operands:
//   0 raw bytes through the frame decoder     1 sync        2 hello        3 inventory request
//   4 offer the bundle (id or size bent)      5 a chunk of the bundle (offset, length bent;
//                                               length 0: the rest of the bundle)
//   6 apply       7 rollback (id bent)        8 heartbeat   9 offer of an unknown digest
//  10 offer and send a tampered bundle whole  11 restart the agent (kernel keeps its state)
// The agent's promises, checked on every reply:
//  - every reply is a well-formed message (it encodes);
//  - a result answers the request's id;
//  - truth: "applied" only when the untampered bundle is live in the kernel; a tampered or
//    incomplete bundle is never loaded; "rolled back" only when it is no longer live.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/apply/patch_manager.h"
#include "core/apply/state_store.h"
#include "core/base/file_io.h"
#include "core/base/log.h"
#include "core/base/subprocess.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/crypto/sha256.h"
#include "core/livepatch/module_syscalls.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/messages.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/session.h"
#include "tests/fuzz/support/fuzz_input.h"
#include "tests/fuzz/support/scratch_tree.h"

namespace {

using namespace hotsplice;
using namespace hotsplice::protocol;
using hotsplice::fuzzing::FuzzInput;

constexpr char kModule[] = "fuzz_livepatch";
constexpr char kBundleId[] = "hs-fuzz-0001";
const KernelIdentity kRunning{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
                              "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"};

[[noreturn]] void setup_failed(const std::string& what) {
  std::fprintf(stderr, "guest_session_fuzz setup: %s\n", what.c_str());
  std::abort();
}

// Stands in for finit_module/delete_module and the kernel's side of /sys/kernel/livepatch
// under the scratch root. Synchronous: a "loaded" patch has completed its transition at once,
// and a disabled one goes away when its module is deleted.
class FakeKernelForFuzzing final : public ModuleSyscalls {
 public:
  explicit FakeKernelForFuzzing(std::filesystem::path root) : root_(std::move(root)) {}
  int finit_module(int, const std::string&, int) override {
    auto dir = root_ / "sys/kernel/livepatch" / kModule;
    if (!ensure_directory(dir / "vmlinux/cmdline_proc_show,1") ||
        !write_file_atomically(dir / "enabled", "1\n") ||
        !write_file_atomically(dir / "transition", "0\n") ||
        !write_file_atomically(dir / "signal", "")) {
      return EIO;
    }
    loaded = true;
    return 0;
  }
  int delete_module(const std::string&, int) override {
    if (!loaded) return ENOENT;
    std::filesystem::remove_all(root_ / "sys/kernel/livepatch" / kModule);
    loaded = false;
    return 0;
  }
  bool loaded = false;

 private:
  std::filesystem::path root_;
};

struct Bundles {
  TrustedKeys keys;
  std::string good;
  std::string tampered;  // the same bundle with one module byte flipped: its signature fails
};

// A relocatable object whose .modinfo says what a livepatch module's does, compiled by gcc.
std::string compile_module(const std::filesystem::path& dir) {
  auto source = dir / "module.c";
  if (!write_file_atomically(source, std::string("__attribute__((section(\".modinfo\"), used, "
                                                 "aligned(1))) static const char info[] = "
                                                 "\"name=") +
                                         kModule + "\\0livepatch=Y\";\n")) {
    setup_failed("cannot write " + source.string());
  }
  auto object = dir / "module.o";
  auto built = run_checked(SubprocessSpec({"gcc", "-c", "-o", object.string(), source.string()}));
  if (!built) setup_failed("gcc: " + built.error().message());
  auto bytes = read_file(object, 1 << 20);
  if (!bytes) setup_failed(bytes.error().message());
  return *bytes;
}

const Bundles& bundles() {
  static const Bundles made = [] {
    Bundles result;
    auto key = Ed25519PrivateKey::generate();
    if (!key) setup_failed(key.error().message());
    result.keys.add(key->public_key());
    std::string module = compile_module(hotsplice::fuzzing::fresh_scratch_dir());
    Manifest manifest;
    manifest.id = kBundleId;
    manifest.description = "fuzz bundle";
    manifest.target = kRunning;
    manifest.replaces = {{"vmlinux", {"cmdline_proc_show"}}};
    manifest.module.name = kModule;
    manifest.created = "2026-11-30T08:00:00Z";
    auto parts = make_signed_bundle(manifest, module, *key);
    if (!parts) setup_failed(parts.error().message());
    result.good = encode_bundle(*parts);
    parts->module[parts->module.size() / 2] ^= 0x40;
    result.tampered = encode_bundle(*parts);
    return result;
  }();
  return made;
}

// Quiet while fuzzing; HOTSPLICE_FUZZ_VERBOSE=1 shows what the agent did with a seed.
const Logger& quiet_log() {
  static const Logger log("guest_session_fuzz", std::getenv("HOTSPLICE_FUZZ_VERBOSE")
                                                    ? LogLevel::debug
                                                    : LogLevel::error);
  return log;
}

// One guest agent over a root directory: what a restart throws away and rebuilds.
struct Agent {
  Agent(const std::filesystem::path& root, FakeKernelForFuzzing& kernel)
      : store(apply::StateStore::open(root / "state").value()),
        patches(root, kRunning, {Environment::Kind::vm, "kvm"}, bundles().keys, store, kernel,
                quiet_log(), {std::chrono::milliseconds(50), std::chrono::milliseconds(20)}),
        receiver(TransferReceiver::open(store.staging_dir(), kMaxBundleBytes).value()),
        session(patches, receiver, quiet_log()) {}
  apply::StateStore store;
  apply::PatchManager patches;
  TransferReceiver receiver;
  guestd::Session session;
};

// What the fuzzer asked for, so replies can be judged.
struct Checker {
  const FakeKernelForFuzzing& kernel;
  std::uint64_t staged = 0;  // the offset the agent last told us to send from

  void judge(const Message& request, const std::vector<Message>& replies) {
    for (const Message& reply : replies) {
      if (!encode_message(reply)) __builtin_trap();
      if (const auto* accept = std::get_if<OfferAccept>(&reply)) staged = accept->offset;
      const auto* result = std::get_if<Result>(&reply);
      if (!result) continue;
      if (const auto* apply = std::get_if<Apply>(&request)) {
        if (result->re != apply->id) __builtin_trap();
        if (result->ok && (apply->bundle_id != kBundleId || !kernel.loaded)) __builtin_trap();
      }
      if (const auto* rollback = std::get_if<Rollback>(&request)) {
        if (result->re != rollback->id) __builtin_trap();
        if (result->ok && kernel.loaded && rollback->bundle_id == kBundleId) __builtin_trap();
      }
    }
  }
};

std::string bent_id(FuzzInput& in) {
  const std::uint8_t how = in.byte();
  if (how % 4 != 0) return kBundleId;
  return std::string(in.bytes(how / 4 % 80));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)bundles();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bundles& made = bundles();
  const std::string good_digest = sha256_hex(made.good);
  FuzzInput in(data, size);
  const auto& root = hotsplice::fuzzing::fresh_scratch_dir();
  FakeKernelForFuzzing kernel(root);
  auto agent = std::make_unique<Agent>(root, kernel);
  Checker checker{kernel};
  FrameDecoder decoder;

  auto deliver = [&](Message message) {
    Message request = message;
    auto replies = agent->session.handle(Incoming{std::move(message), std::nullopt});
    checker.judge(request, replies);
  };

  for (int steps = 0; steps < 128 && !in.empty(); ++steps) {
    const std::uint32_t id = in.byte();
    switch (in.byte() % 12) {
      case 0: {
        std::string_view bytes = in.bytes(in.byte());
        while (auto frame = decoder.decode(bytes)) {
          auto replies = agent->session.handle(to_incoming(std::move(*frame)));
          for (const Message& reply : replies) {
            if (!encode_message(reply)) __builtin_trap();
          }
        }
        break;
      }
      case 1:
        deliver(Sync{id, in.u32()});
        break;
      case 2: {
        Hello hello;
        hello.correlation = in.byte() & 1 ? Correlation::request(id) : Correlation::reply_to(id);
        hello.role = Role::host;
        hello.agent_version = "fuzz";
        hello.kernel = kRunning;
        deliver(std::move(hello));
        break;
      }
      case 3:
        deliver(InventoryRequest{id});
        break;
      case 4: {
        std::uint64_t offered = made.good.size();
        if (in.byte() % 4 == 0) offered = in.u32() % (2 * made.good.size()) + 1;
        deliver(Offer{id, bent_id(in), good_digest, offered});
        break;
      }
      case 5: {
        std::uint64_t offset = in.byte() % 4 ? checker.staged : in.u32() % made.good.size();
        // Length 0 in the input: the rest of the bundle.
        std::size_t length = in.u32();
        length = length == 0 ? made.good.size() : length % made.good.size() + 1;
        std::string data_part =
            made.good.substr(std::min<std::uint64_t>(offset, made.good.size() - 1), length);
        deliver(Chunk{id, good_digest, offset, std::move(data_part)});
        break;
      }
      case 6:
        deliver(Apply{id, bent_id(in)});
        break;
      case 7:
        deliver(Rollback{id, bent_id(in)});
        break;
      case 8:
        deliver(Heartbeat{in.byte() & 1 ? Correlation::request(id) : Correlation::reply_to(id),
                          in.u32()});
        break;
      case 9:
        deliver(Offer{id, bent_id(in), sha256_hex(in.bytes(in.byte() % 8)), in.u32() % 4096 + 1});
        break;
      case 10: {
        // A host that signs nothing but offers a bundle whose digest matches its bytes: the
        // transfer completes, and the signature check must refuse it at apply.
        const std::string digest = sha256_hex(made.tampered);
        deliver(Offer{id, kBundleId, digest, made.tampered.size()});
        deliver(Chunk{id + 1, digest, 0, made.tampered});
        const bool was_loaded = kernel.loaded;
        Message apply = Apply{id + 2, kBundleId};
        auto replies = agent->session.handle(Incoming{apply, std::nullopt});
        for (const Message& reply : replies) {
          if (const auto* result = std::get_if<Result>(&reply); result && result->ok) {
            // Only an earlier, genuine apply may have left the patch live.
            if (!was_loaded) __builtin_trap();
          }
        }
        break;
      }
      default:
        agent.reset();
        agent = std::make_unique<Agent>(root, kernel);
        (void)agent->patches.apply_stored();
        break;
    }
  }
  return 0;
}
