// libFuzzer target: the guest's transfer receiver (core/protocol/transfer_receiver.h) driven
// by a sequence of offers and chunks as a hostile or confused host would send them, with
// restarts of the agent in between (a new receiver on the same staging directory).
//
// Input: one byte picking the bundle's size, then operations (one opcode byte and operands):
//   0 offer the bundle (size optionally bent)     1 offer a digest made of input bytes
//   2 a chunk of the bundle at an offset/length    3 a chunk with one byte flipped
//   4 a chunk for a digest made of input bytes     5 restart (reopen the staging directory)
// The receiver's promises, checked after every step:
//  - a published bundle is exactly the offered bytes (its SHA-256 is its name, its size the
//    offered size); nothing unverified is ever published;
//  - at most one .partial file exists, and never one larger than its offer;
//  - offer() answers an offset within [0, size]; progress never passes the offered size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "core/crypto/sha256.h"
#include "core/protocol/transfer_receiver.h"
#include "tests/fuzz/support/fuzz_input.h"
#include "tests/fuzz/support/scratch_tree.h"

namespace {

using hotsplice::fuzzing::FuzzInput;
using hotsplice::protocol::TransferReceiver;

// Small, so the bundle_too_large paths are reachable with short inputs.
constexpr std::uint64_t kFuzzMaxBundleBytes = 64 * 1024;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void check_staging_dir(const std::filesystem::path& dir, std::uint64_t offered_size) {
  int partials = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto& path = entry.path();
    if (path.extension() == ".partial") {
      ++partials;
      if (entry.file_size() > offered_size) __builtin_trap();
    } else if (path.extension() == ".bundle") {
      std::string bytes = read_all(path);
      if (hotsplice::sha256_hex(bytes) != path.stem().string()) __builtin_trap();
    }
  }
  if (partials > 1) __builtin_trap();
}

// 64 hex digits from input bytes: well-formed digests of bundles that do not exist, and
// (when the input says so) malformed ones.
std::string digest_from(FuzzInput& in) {
  const std::uint8_t form = in.byte();
  std::string digest = hotsplice::sha256_hex(in.bytes(form & 0x0f));
  if (form & 0x10) digest.resize(form % 70);  // wrong length
  if (form & 0x20) digest[0] = 'G';           // not hex
  return digest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const auto& dir = hotsplice::fuzzing::fresh_scratch_dir();
  std::string bundle(1 + in.byte() * 300, 'x');
  for (std::size_t i = 0; i < bundle.size(); ++i) bundle[i] = static_cast<char>(i * 31 + i / 7);
  const std::string digest = hotsplice::sha256_hex(bundle);
  const std::filesystem::path staging = dir / "staging";
  std::optional<TransferReceiver> receiver(
      TransferReceiver::open(staging, kFuzzMaxBundleBytes).value());
  std::uint64_t offered_size = bundle.size();
  std::uint64_t next_offset = 0;

  for (int steps = 0; steps < 256 && !in.empty(); ++steps) {
    const int op = in.byte() % 6;
    switch (op) {
      case 0: {
        const std::uint8_t bend = in.byte();
        offered_size = bend & 1 ? bundle.size() + bend - 128 : bundle.size();
        if (bend & 2) offered_size = kFuzzMaxBundleBytes + bend;
        auto offset = receiver->offer(digest, offered_size);
        if (offset) {
          if (*offset > offered_size) __builtin_trap();
          next_offset = *offset;
        }
        break;
      }
      case 1:
        (void)receiver->offer(digest_from(in), in.u32() % (2 * kFuzzMaxBundleBytes));
        break;
      case 2:
      case 3: {
        const bool flip = op == 3;
        std::uint64_t offset = in.byte() & 1 ? next_offset : in.u32() % (bundle.size() + 16);
        // Length 0 in the input: the rest of the bundle.
        std::uint64_t length = in.u32();
        length = length == 0 ? bundle.size() : length % (bundle.size() + 64);
        std::string piece = offset < bundle.size() ? bundle.substr(offset, length) : std::string();
        if (flip && !piece.empty()) piece[length % piece.size()] ^= 1;
        auto progress = receiver->write_chunk(digest, offset, piece);
        if (progress) {
          if (progress->staged > progress->size) __builtin_trap();
          next_offset = progress->staged;
          // Published means verified: the file holds exactly the bundle.
          if (progress->bundle && read_all(*progress->bundle) != bundle) __builtin_trap();
        }
        break;
      }
      case 4:
        (void)receiver->write_chunk(digest_from(in), in.u32() % 1024, in.bytes(in.byte()));
        break;
      default:
        receiver.reset();
        receiver.emplace(TransferReceiver::open(staging, kFuzzMaxBundleBytes).value());
        break;
    }
    check_staging_dir(staging, std::max<std::uint64_t>(offered_size, kFuzzMaxBundleBytes));
  }
  return 0;
}
