// Errors as values: every fallible operation in hotsplice returns Expected<T> or Status.
// No exception crosses a component boundary; an Error carries a stable machine-readable
// code (for the wire protocol and scripts) and a human message that names what failed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hotsplice {

class Error {
 public:
  Error(std::string code, std::string message)
      : code_(std::move(code)), message_(std::move(message)) {}

  // Stable snake_case identifier, e.g. "signature_invalid". Never localised.
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with what the caller was doing: "loading bundle x: <message>".
  Error with_context(std::string_view context) const {
    return Error(code_, std::string(context) + ": " + message_);
  }

 private:
  std::string code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// The result of an operation that produces nothing but can fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Status ok() { return Status(); }
  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace hotsplice
