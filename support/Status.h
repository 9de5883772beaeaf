// Status and Expected<T>: errors are values in ingot. A Status carries a
// message naming what went wrong (file, node, tensor, expected vs got); it is
// used by every layer, compiler and runtime alike, so it lives in support/.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace ingot {

// What kind of failure: lets the CLI map errors to exit codes (bad input -> 2,
// a run or test failure -> 1) without parsing messages.
enum class ErrorKind {
  InvalidInput,   // the user gave something wrong: a file, a flag, a tensor
  Unsupported,    // valid input that ingot does not handle (an op, a dtype)
  Internal,       // a bug in ingot: an invariant broke
  Runtime,        // a device or a run failed
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  static Status ok() { return Status(); }
  static Status error(ErrorKind kind, std::string message) {
    Status s;
    s.error_ = Error{kind, std::move(message)};
    return s;
  }

  bool isOk() const { return !error_.has_value(); }
  explicit operator bool() const { return isOk(); }
  ErrorKind kind() const { return error_ ? error_->kind : ErrorKind::Internal; }
  const std::string& message() const {
    static const std::string empty;
    return error_ ? error_->message : empty;
  }
  // Prepends context ("while importing model.onnx: ...").
  Status withContext(const std::string& context) const {
    if (isOk()) return *this;
    return error(error_->kind, context + ": " + error_->message);
  }

 private:
  struct Error {
    ErrorKind kind;
    std::string message;
  };
  std::optional<Error> error_;
};

template <typename... Args>
Status invalidInput(fmt::format_string<Args...> f, Args&&... args) {
  return Status::error(ErrorKind::InvalidInput, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status unsupported(fmt::format_string<Args...> f, Args&&... args) {
  return Status::error(ErrorKind::Unsupported, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status internalError(fmt::format_string<Args...> f, Args&&... args) {
  return Status::error(ErrorKind::Internal, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
Status runtimeError(fmt::format_string<Args...> f, Args&&... args) {
  return Status::error(ErrorKind::Runtime, fmt::format(f, std::forward<Args>(args)...));
}

// A value or an error Status. Accessing the value of an error is a bug in the
// caller, never a consequence of user input: check ok() first.
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).isOk())
      v_ = Status::error(ErrorKind::Internal, "Expected constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status okStatus;
    return ok() ? okStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ingot

// Propagate an error Status from an expression returning Status.
#define INGOT_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::ingot::Status ingot_status_ = (expr);      \
    if (!ingot_status_.isOk()) return ingot_status_; \
  } while (0)

#define INGOT_CONCAT_INNER(a, b) a##b
#define INGOT_CONCAT(a, b) INGOT_CONCAT_INNER(a, b)
// Declare `lhs` from an Expected<T> expression or return its error.
#define INGOT_ASSIGN_OR_RETURN(lhs, expr) \
  INGOT_ASSIGN_OR_RETURN_IMPL(INGOT_CONCAT(ingot_expected_, __LINE__), lhs, expr)
#define INGOT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
