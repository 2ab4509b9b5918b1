#include "core/protocol/transfer_receiver.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/base/file_io.h"
#include "core/crypto/sha256.h"
#include "tests/support/temp_dir.h"

namespace hotsplice::protocol {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kLimit = 1 << 20;

struct Bundle {
  std::string bytes;
  std::string sha256;
  explicit Bundle(std::string content) : bytes(std::move(content)), sha256(sha256_hex(bytes)) {}
};

Bundle sample_bundle() {
  std::string bytes;
  for (int i = 0; i < 10000; ++i) bytes += static_cast<char>(i * 7 % 251);
  return Bundle(bytes);
}

TransferReceiver open_receiver(const fs::path& dir) {
  auto receiver = TransferReceiver::open(dir, kLimit);
  REQUIRE(receiver);
  return std::move(*receiver);
}

// Sends bundle bytes [from, to) in chunks of chunk_size, each at its offset.
ChunkProgress send_range(TransferReceiver& receiver, const Bundle& bundle, std::uint64_t from,
                         std::uint64_t to, std::size_t chunk_size = 4096) {
  ChunkProgress progress;
  for (std::uint64_t offset = from; offset < to; offset += chunk_size) {
    std::string_view data = std::string_view(bundle.bytes)
                                .substr(offset, std::min<std::uint64_t>(chunk_size, to - offset));
    auto written = receiver.write_chunk(bundle.sha256, offset, data);
    REQUIRE(written);
    progress = *written;
  }
  return progress;
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST_CASE("a complete transfer publishes <sha256>.bundle") {
  testing::TempDir temp;
  fs::path staging = temp / "staging";
  TransferReceiver receiver = open_receiver(staging);
  Bundle bundle = sample_bundle();
  auto offset = receiver.offer(bundle.sha256, bundle.bytes.size());
  REQUIRE(offset);
  CHECK(*offset == 0);
  ChunkProgress progress = send_range(receiver, bundle, 0, bundle.bytes.size());
  CHECK(progress.staged == bundle.bytes.size());
  REQUIRE(progress.bundle);
  CHECK(*progress.bundle == staging / (bundle.sha256 + ".bundle"));
  auto stored = read_file(*progress.bundle, kLimit);
  REQUIRE(stored);
  CHECK(*stored == bundle.bytes);
  CHECK(files_in(staging) == 1);
  CHECK((fs::status(staging).permissions() & fs::perms::others_all) == fs::perms::none);

  // Offering it again needs no bytes; a late chunk is refused.
  auto again = receiver.offer(bundle.sha256, bundle.bytes.size());
  REQUIRE(again);
  CHECK(*again == bundle.bytes.size());
  auto late = receiver.write_chunk(bundle.sha256, 0, "x");
  REQUIRE_FALSE(late);
  CHECK(late.error().code() == "unexpected_chunk");
}

TEST_CASE("a transfer cut off resumes from the staged size, even with a new receiver") {
  testing::TempDir temp;
  Bundle bundle = sample_bundle();
  {
    TransferReceiver receiver = open_receiver(temp.path());
    REQUIRE(receiver.offer(bundle.sha256, bundle.bytes.size()));
    ChunkProgress progress = send_range(receiver, bundle, 0, 6000, 1000);
    CHECK(progress.staged == 6000);
    CHECK_FALSE(progress.bundle);
    // Same receiver, re-offered after a reconnect.
    auto offset = receiver.offer(bundle.sha256, bundle.bytes.size());
    REQUIRE(offset);
    CHECK(*offset == 6000);
  }
  TransferReceiver restarted = open_receiver(temp.path());  // the agent restarted
  auto offset = restarted.offer(bundle.sha256, bundle.bytes.size());
  REQUIRE(offset);
  CHECK(*offset == 6000);
  ChunkProgress progress = send_range(restarted, bundle, *offset, bundle.bytes.size());
  REQUIRE(progress.bundle);
  CHECK(*read_file(*progress.bundle, kLimit) == bundle.bytes);
}

TEST_CASE("a partial holding every byte is published at the re-offer") {
  testing::TempDir temp;
  Bundle bundle = sample_bundle();
  temp.write(bundle.sha256 + ".partial", bundle.bytes);  // crashed before publishing
  TransferReceiver receiver = open_receiver(temp.path());
  auto offset = receiver.offer(bundle.sha256, bundle.bytes.size());
  REQUIRE(offset);
  CHECK(*offset == bundle.bytes.size());
  CHECK(fs::exists(temp / (bundle.sha256 + ".bundle")));
  CHECK_FALSE(fs::exists(temp / (bundle.sha256 + ".partial")));
}

TEST_CASE("a chunk anywhere but at the staged size is bad_offset") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  Bundle bundle = sample_bundle();
  REQUIRE(receiver.offer(bundle.sha256, bundle.bytes.size()));
  send_range(receiver, bundle, 0, 2000, 1000);
  for (std::uint64_t offset : {0, 1000, 1999, 2001, 5000}) {  // overlap or hole
    auto written = receiver.write_chunk(bundle.sha256, offset, "data");
    REQUIRE_FALSE(written);
    CHECK(written.error().code() == "bad_offset");
  }
  ChunkProgress progress = send_range(receiver, bundle, 2000, bundle.bytes.size());
  CHECK(progress.bundle);
}

TEST_CASE("chunks for a bundle that was not offered are unexpected_chunk") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  auto written = receiver.write_chunk(std::string(64, 'b'), 0, "data");
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == "unexpected_chunk");
}

TEST_CASE("bundles over the limit or past the offered size are bundle_too_large") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  Bundle bundle = sample_bundle();
  auto offer = receiver.offer(bundle.sha256, kLimit + 1);
  REQUIRE_FALSE(offer);
  CHECK(offer.error().code() == "bundle_too_large");

  REQUIRE(receiver.offer(bundle.sha256, 100));
  auto written =
      receiver.write_chunk(bundle.sha256, 0, std::string_view(bundle.bytes).substr(0, 101));
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == "bundle_too_large");
  CHECK(fs::file_size(temp / (bundle.sha256 + ".partial")) == 0);
}

TEST_CASE("a sha256 mismatch leaves nothing behind") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  Bundle bundle = sample_bundle();
  std::string claimed = sha256_hex("something else");
  REQUIRE(receiver.offer(claimed, bundle.bytes.size()));
  auto written = receiver.write_chunk(claimed, 0, bundle.bytes);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == "sha256_mismatch");
  CHECK(files_in(temp.path()) == 0);
  // The host may offer again and start over.
  auto offset = receiver.offer(claimed, bundle.bytes.size());
  REQUIRE(offset);
  CHECK(*offset == 0);
}

TEST_CASE("offering another bundle drops the abandoned partial") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  Bundle first = sample_bundle();
  Bundle second(std::string(5000, 's'));
  REQUIRE(receiver.offer(first.sha256, first.bytes.size()));
  send_range(receiver, first, 0, 3000);
  temp.write("unrelated.txt", "kept");
  REQUIRE(receiver.offer(second.sha256, second.bytes.size()));
  CHECK_FALSE(fs::exists(temp / (first.sha256 + ".partial")));
  CHECK(fs::exists(temp / "unrelated.txt"));
  CHECK(send_range(receiver, second, 0, second.bytes.size()).bundle);
}

TEST_CASE("names come only from validated digests") {
  testing::TempDir temp;
  TransferReceiver receiver = open_receiver(temp.path());
  for (const std::string& bad :
       {std::string("../../etc/passwd"), std::string(64, 'A'), std::string(63, 'a') + "/"}) {
    auto offer = receiver.offer(bad, 10);
    REQUIRE_FALSE(offer);
    CHECK(offer.error().code() == "invalid_sha256");
  }
  auto empty = receiver.offer(std::string(64, 'a'), 0);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == "invalid_size");
  CHECK(files_in(temp.path()) == 0);
}

TEST_CASE("a partial that is a symlink is not followed") {
  testing::TempDir temp;
  fs::path target = temp.write("target", "precious");
  fs::create_directory(temp / "staging");
  std::string sha = std::string(64, 'c');
  fs::create_symlink(target, temp / "staging" / (sha + ".partial"));
  TransferReceiver receiver = open_receiver(temp / "staging");
  auto offer = receiver.offer(sha, 10);
  REQUIRE_FALSE(offer);
  CHECK(offer.error().code() == "io_error");
  CHECK(*read_file(target, 100) == "precious");
}

}  // namespace
}  // namespace hotsplice::protocol
