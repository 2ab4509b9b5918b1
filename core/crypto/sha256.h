// SHA-256 through OpenSSL's EVP interface: one-shot, incremental and over a file.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view bytes);
  Sha256Digest finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

Sha256Digest sha256(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

// Hashes a file in fixed-size blocks, whatever its size.
Expected<Sha256Digest> sha256_file(const std::filesystem::path& path);

}  // namespace hotsplice
