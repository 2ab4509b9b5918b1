#include "core/protocol/transfer_receiver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/hex.h"
#include "core/bundle/error_codes.h"
#include "core/crypto/sha256.h"
#include "core/protocol/error_codes.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::protocol {
namespace {

constexpr std::string_view kPartialSuffix = ".partial";
constexpr std::string_view kBundleSuffix = ".bundle";

bool is_sha256_hex(std::string_view text) {
  return is_lower_hex(text, kSha256HexLength);
}

}  // namespace

Expected<TransferReceiver> TransferReceiver::open(std::filesystem::path staging_dir,
                                                  std::uint64_t max_bundle_bytes) {
  if (Status created = ensure_directory(staging_dir, 0700); !created) return created.error();
  return TransferReceiver(std::move(staging_dir), max_bundle_bytes);
}

TransferReceiver::~TransferReceiver() {
  close_transfer();
}

TransferReceiver::TransferReceiver(TransferReceiver&& other) noexcept
    : staging_dir_(std::move(other.staging_dir_)),
      max_bundle_bytes_(other.max_bundle_bytes_),
      transfer_(std::exchange(other.transfer_, std::nullopt)) {}

TransferReceiver& TransferReceiver::operator=(TransferReceiver&& other) noexcept {
  if (this != &other) {
    close_transfer();
    staging_dir_ = std::move(other.staging_dir_);
    max_bundle_bytes_ = other.max_bundle_bytes_;
    transfer_ = std::exchange(other.transfer_, std::nullopt);
  }
  return *this;
}

std::filesystem::path TransferReceiver::partial_path(std::string_view sha256) const {
  return staging_dir_ / (std::string(sha256) + std::string(kPartialSuffix));
}

std::filesystem::path TransferReceiver::bundle_path(std::string_view sha256) const {
  return staging_dir_ / (std::string(sha256) + std::string(kBundleSuffix));
}

void TransferReceiver::close_transfer() {
  if (transfer_ && transfer_->fd >= 0) ::close(transfer_->fd);
  transfer_.reset();
}

Expected<std::uint64_t> TransferReceiver::offer(std::string_view sha256, std::uint64_t size) {
  if (!is_sha256_hex(sha256)) {
    return Error(errc::kInvalidSha256, "offered digest is not 64 lower-case hex digits");
  }
  if (size == 0)
    return Error(errc::kInvalidSize, "offered bundle " + std::string(sha256) + " is empty");
  if (size > max_bundle_bytes_) {
    return Error(bundle::errc::kBundleTooLarge, "offered bundle of " + std::to_string(size) +
                                                    " bytes exceeds the limit of " +
                                                    std::to_string(max_bundle_bytes_));
  }
  if (transfer_ && transfer_->sha256 == sha256 && transfer_->size == size) return transfer_->staged;
  close_transfer();

  struct stat published {};
  if (::stat(bundle_path(sha256).c_str(), &published) == 0 && S_ISREG(published.st_mode) &&
      static_cast<std::uint64_t>(published.st_size) == size) {
    return size;
  }
  if (Status removed = remove_other_partials(sha256); !removed) return removed.error();
  auto transfer = open_partial(sha256, size);
  if (!transfer) return transfer.error();
  transfer_ = std::move(*transfer);
  if (transfer_->staged < size) return transfer_->staged;

  // Every byte was staged before a crash or cut, but never published: finish now, since no
  // chunk will come to trigger it. A corrupt partial is deleted, so start over.
  auto bundle = publish();
  if (bundle) return size;
  if (bundle.error().code() != errc::kSha256Mismatch) return bundle.error();
  auto fresh = open_partial(sha256, size);
  if (!fresh) return fresh.error();
  transfer_ = std::move(*fresh);
  return transfer_->staged;
}

Expected<TransferReceiver::Transfer> TransferReceiver::open_partial(std::string_view sha256,
                                                                    std::uint64_t size) const {
  std::filesystem::path path = partial_path(sha256);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("open " + path.string(), errno);
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return Error(hotsplice::errc::kIoError, path.string() + " is not a regular file");
  }
  auto staged = static_cast<std::uint64_t>(status.st_size);
  if (staged > size) {  // cannot be a prefix of this bundle
    if (::ftruncate(fd, 0) != 0) {
      int saved = errno;
      ::close(fd);
      return io_error("truncate " + path.string(), saved);
    }
    staged = 0;
  }
  return Transfer{std::string(sha256), size, staged, fd};
}

Status TransferReceiver::remove_other_partials(std::string_view keep_sha256) const {
  std::error_code error;
  std::filesystem::directory_iterator entries(staging_dir_, error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    std::string name = entries->path().filename().string();
    if (name.size() != kSha256HexLength + kPartialSuffix.size() ||
        !name.ends_with(kPartialSuffix)) {
      continue;
    }
    std::string_view digest = std::string_view(name).substr(0, kSha256HexLength);
    if (is_sha256_hex(digest) && digest != keep_sha256) {
      if (::unlink(entries->path().c_str()) != 0 && errno != ENOENT) {
        return io_error("remove abandoned " + entries->path().string(), errno);
      }
    }
  }
  if (error)
    return Error(hotsplice::errc::kIoError,
                 "list " + staging_dir_.string() + ": " + error.message());
  return Status::ok();
}

Expected<ChunkProgress> TransferReceiver::write_chunk(std::string_view sha256, std::uint64_t offset,
                                                      std::string_view data) {
  if (!transfer_ || transfer_->sha256 != sha256) {
    return Error(errc::kUnexpectedChunk,
                 "chunk for a bundle that was not offered (or is complete)");
  }
  if (offset != transfer_->staged) {
    return Error(errc::kBadOffset, "chunk at offset " + std::to_string(offset) + ", expected " +
                                       std::to_string(transfer_->staged));
  }
  if (data.size() > transfer_->size - transfer_->staged) {
    return Error(bundle::errc::kBundleTooLarge,
                 "chunk ends at " + std::to_string(offset + data.size()) +
                     ", past the offered size " + std::to_string(transfer_->size));
  }
  if (Status appended = append(data); !appended) return appended.error();
  ChunkProgress progress{transfer_->staged, transfer_->size, std::nullopt};
  if (progress.staged == progress.size) {
    auto bundle = publish();
    if (!bundle) return bundle.error();
    progress.bundle = std::move(*bundle);
  }
  return progress;
}

Status TransferReceiver::append(std::string_view data) {
  const std::filesystem::path path = partial_path(transfer_->sha256);
  std::uint64_t position = transfer_->staged;
  while (!data.empty()) {
    ssize_t written =
        ::pwrite(transfer_->fd, data.data(), data.size(), static_cast<off_t>(position));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      int saved = errno;
      // Keep the file equal to what we report as staged, so a resume starts at the right byte.
      if (::ftruncate(transfer_->fd, static_cast<off_t>(transfer_->staged)) != 0) {
        close_transfer();
      }
      return io_error("write " + path.string(), saved);
    }
    position += static_cast<std::uint64_t>(written);
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  transfer_->staged = position;
  return Status::ok();
}

Expected<std::filesystem::path> TransferReceiver::publish() {
  const std::string sha256 = transfer_->sha256;
  std::filesystem::path partial = partial_path(sha256);
  auto digest = sha256_file(partial);
  if (!digest) {
    close_transfer();
    return digest.error();
  }
  if (to_hex(*digest) != sha256) {
    close_transfer();
    ::unlink(partial.c_str());
    return Error(errc::kSha256Mismatch, "staged bundle hashes to " + to_hex(*digest) +
                                            ", offered as " + sha256 + "; partial file deleted");
  }
  int fd = std::exchange(transfer_->fd, -1);
  close_transfer();
  int synced = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (synced != 0) return io_error("fsync " + partial.string(), saved);
  std::filesystem::path bundle = bundle_path(sha256);
  if (::rename(partial.c_str(), bundle.c_str()) != 0) {
    return io_error("rename " + partial.string() + " to " + bundle.string(), errno);
  }
  if (Status synced_dir = fsync_directory(staging_dir_); !synced_dir) return synced_dir.error();
  return bundle;
}

}  // namespace hotsplice::protocol
