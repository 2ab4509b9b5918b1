// Guest-side staging of a bundle the host sends in chunks, resumable across disconnects.
//
// A bundle with digest D is staged as <dir>/D.partial and, once its SHA-256 is verified,
// fsynced and renamed to <dir>/D.bundle. File names are built only from validated digests.
// Chunks must arrive in order: each one starts exactly where the staged bytes end. A re-offer
// of the same digest after a cut resumes from the staged size. At most one partial file is
// kept: offering another digest removes any other partial, so a peer cannot fill the disk
// with abandoned transfers. Not thread-safe: one receiver per staging directory, used by the
// agent's channel loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::protocol {

struct ChunkProgress {
  std::uint64_t staged = 0;  // bytes staged after this chunk
  std::uint64_t size = 0;    // bytes offered
  // Set once the last chunk arrived and the bundle was verified and published.
  std::optional<std::filesystem::path> bundle;
};

class TransferReceiver {
 public:
  // Creates staging_dir (mode 0700) if needed. Offers larger than max_bundle_bytes are refused.
  static Expected<TransferReceiver> open(std::filesystem::path staging_dir,
                                         std::uint64_t max_bundle_bytes);
  ~TransferReceiver();
  TransferReceiver(TransferReceiver&& other) noexcept;
  TransferReceiver& operator=(TransferReceiver&& other) noexcept;
  TransferReceiver(const TransferReceiver&) = delete;
  TransferReceiver& operator=(const TransferReceiver&) = delete;

  // Starts or resumes receiving the bundle with this digest and size, and returns the offset
  // the sender must continue from: 0 for a new bundle, the staged size after a cut, or size
  // when the bundle is already published. Errors: invalid_sha256, invalid_size,
  // bundle_too_large, io_error.
  Expected<std::uint64_t> offer(std::string_view sha256, std::uint64_t size);

  // Stages data at offset. When it completes the bundle, verifies the whole file's SHA-256
  // and publishes it. Errors: unexpected_chunk (not the offered digest), bad_offset (not the
  // staged size), bundle_too_large (past the offered size), sha256_mismatch (the partial file
  // is deleted), io_error.
  Expected<ChunkProgress> write_chunk(std::string_view sha256, std::uint64_t offset,
                                      std::string_view data);

  std::filesystem::path partial_path(std::string_view sha256) const;
  std::filesystem::path bundle_path(std::string_view sha256) const;

 private:
  struct Transfer {
    std::string sha256;
    std::uint64_t size = 0;
    std::uint64_t staged = 0;
    int fd = -1;
  };

  TransferReceiver(std::filesystem::path staging_dir, std::uint64_t max_bundle_bytes)
      : staging_dir_(std::move(staging_dir)), max_bundle_bytes_(max_bundle_bytes) {}

  Status remove_other_partials(std::string_view keep_sha256) const;
  Expected<Transfer> open_partial(std::string_view sha256, std::uint64_t size) const;
  Status append(std::string_view data);
  Expected<std::filesystem::path> publish();
  void close_transfer();

  std::filesystem::path staging_dir_;
  std::uint64_t max_bundle_bytes_;
  std::optional<Transfer> transfer_;
};

}  // namespace hotsplice::protocol
