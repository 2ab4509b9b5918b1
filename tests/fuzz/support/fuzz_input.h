// Reading a fuzzer's input as a script: opcodes, numbers and byte strings, shared by the
// targets that drive a session or a receiver through a sequence of steps. Reading past the
// end yields zeros and empty strings, so every input is a complete script.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hotsplice::fuzzing {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t byte() { return empty() ? 0 : data_[at_++]; }
  // Big-endian, so a seed's hex dump reads as the number.
  std::uint32_t u32() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = value << 8 | byte();
    return value;
  }
  // Up to count bytes (fewer at the end of the input).
  std::string_view bytes(std::size_t count) {
    count = std::min(count, size_ - std::min(at_, size_));
    std::string_view out(reinterpret_cast<const char*>(data_) + at_, count);
    at_ += count;
    return out;
  }
  std::string_view rest() { return bytes(size_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace hotsplice::fuzzing
