#include "hostagent/api_token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/file_io.h"
#include "core/base/unique_fd.h"
#include "core/crypto/sha256.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

Expected<std::string> load_api_token(const std::filesystem::path& path) {
  // Open once and check what was opened, so the file cannot be swapped between check and read.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return Error(errc::kTokenFileUnreadable,
                 "API token file " + path.string() + ": " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(errc::kTokenFileUnreadable,
                 "API token file " + path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    return Error(errc::kTokenFileUnsafe,
                 "API token file " + path.string() +
                     " must be owned by hostd's user and not accessible by group or others "
                     "(chmod 600); the HTTP API is not started");
  }
  std::string text(kMaxTokenBytes + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Error(errc::kTokenFileUnreadable,
                   "reading API token file " + path.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxTokenBytes) {
    return Error(errc::kTokenFileUnreadable, "API token file " + path.string() +
                                                 " is larger than " +
                                                 std::to_string(kMaxTokenBytes) + " bytes");
  }
  text.resize(used);
  auto first = text.find_first_not_of(" \t\r\n");
  auto last = text.find_last_not_of(" \t\r\n");
  std::string token = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  if (token.size() < kMinTokenBytes || token.find_first_of(" \t\r\n") != std::string::npos) {
    return Error(errc::kTokenFileUnreadable,
                 "API token file " + path.string() + " must hold one token of at least " +
                     std::to_string(kMinTokenBytes) + " characters without spaces");
  }
  return token;
}

bool token_matches(std::string_view expected, std::string_view given) {
  auto a = sha256(expected);
  auto b = sha256(given);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hotsplice::hostd
