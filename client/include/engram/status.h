// engram/status.h — the one error catalogue of engram, and the Status / Result<T> value types.
//
// Every expected failure in engram is a value: a function that can fail returns a Status (no
// payload) or a Result<T> (a T or a Status). Exceptions never cross a public boundary.
//
// The same codes reach users everywhere: the C API, the CLI's JSON (`"code": "SYNTAX"`), RESP
// error replies (`-SYNTAX message`) and the engram-compute wire protocol. The numeric values of
// ErrorCode are frozen: they are written into protocol frames and returned by the C API.
//
// Thread-safety: Status and Result are plain values; distinct objects may be used from
// different threads, a single object needs external synchronisation like any std type.
#ifndef ENGRAM_STATUS_H_
#define ENGRAM_STATUS_H_

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace engram {

// The error catalogue. Frozen numeric values (wire and C API); add new codes at the end only.
enum class ErrorCode : std::uint8_t {
  kOk = 0,
  kSyntax = 1,     // malformed statement or argument; Status::position() tells where
  kNotFound = 2,   // unknown memory, record, snapshot, blob or file
  kExists = 3,     // the thing to create exists already
  kTenant = 4,     // the caller's tenant does not own the object
  kAuth = 5,       // authentication missing or wrong
  kConflict = 6,   // a concurrent writer or a stale version got in the way
  kReadOnly = 7,   // a write was attempted through a read-only handle
  kMapFull = 8,    // the store could not grow any further
  kCompute = 9,    // the compute co-process failed, died, or could not be reached
  kModel = 10,     // a model or tokenizer file is missing, malformed or incompatible
  kLimit = 11,     // a configured limit (size, count, length) was exceeded
  kCorrupt = 12,   // stored or received bytes failed verification
  kInternal = 13,  // a bug: an invariant did not hold
};

// The stable upper-case name of a code ("SYNTAX", ...); "OK" for kOk.
std::string_view ErrorCodeName(ErrorCode code);

// The code named by `name` (case-sensitive, as ErrorCodeName spells it), or nullopt.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

// The code whose numeric value is `value`, or nullopt when no such code exists (used when a
// number arrives from outside, e.g. in a protocol frame).
std::optional<ErrorCode> ErrorCodeFromValue(std::uint32_t value);

// A success, or a failure with a code, a message and (for SYNTAX) a byte position.
class Status {
 public:
  // A success.
  Status() = default;

  static Status Ok() { return Status(); }
  // A failure. `code` must not be kOk. `position` is a byte offset into the input that the
  // error refers to, or -1 when there is none.
  static Status Error(ErrorCode code, std::string message, std::int64_t position = -1);

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::int64_t position() const { return position_; }

  // "OK", or "CODE: message" with " (at byte N)" appended when a position is known.
  std::string ToString() const;

  // A copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  Status(ErrorCode code, std::string message, std::int64_t position)
      : code_(code), message_(std::move(message)), position_(position) {}

  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::int64_t position_ = -1;
};

// Shorthands used throughout the engine.
inline Status SyntaxError(std::string message, std::int64_t position = -1) {
  return Status::Error(ErrorCode::kSyntax, std::move(message), position);
}
inline Status NotFoundError(std::string message) {
  return Status::Error(ErrorCode::kNotFound, std::move(message));
}
inline Status ComputeError(std::string message) {
  return Status::Error(ErrorCode::kCompute, std::move(message));
}
inline Status ModelError(std::string message) {
  return Status::Error(ErrorCode::kModel, std::move(message));
}
inline Status LimitError(std::string message) {
  return Status::Error(ErrorCode::kLimit, std::move(message));
}
inline Status CorruptError(std::string message) {
  return Status::Error(ErrorCode::kCorrupt, std::move(message));
}
inline Status InternalError(std::string message) {
  return Status::Error(ErrorCode::kInternal, std::move(message));
}

// Either a value of type T or a failed Status.
//
// Constructing a Result from an ok() Status is a programmer error (asserted). Accessing
// value() of a failed Result is a programmer error (asserted).
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }

  // The failure, or an OK Status when this holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace engram

// Propagates a failed Status out of the enclosing function (which returns Status or Result).
// The temporary's name carries the line number so that a nested use (inside a lambda passed
// in `expr`) does not shadow the outer one.
#define ENGRAM_RETURN_IF_ERROR(expr) \
  ENGRAM_RETURN_IF_ERROR_IMPL_(ENGRAM_CONCAT_(engram_status_, __LINE__), expr)
#define ENGRAM_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                          \
    ::engram::Status tmp = (expr);              \
    if (!tmp.ok()) {                            \
      return tmp;                               \
    }                                           \
  } while (false)

#define ENGRAM_CONCAT_INNER_(a, b) a##b
#define ENGRAM_CONCAT_(a, b) ENGRAM_CONCAT_INNER_(a, b)

// `ENGRAM_ASSIGN_OR_RETURN(auto x, F());` declares x from a Result or returns its Status.
#define ENGRAM_ASSIGN_OR_RETURN(lhs, expr) \
  ENGRAM_ASSIGN_OR_RETURN_IMPL_(ENGRAM_CONCAT_(engram_result_, __LINE__), lhs, expr)
#define ENGRAM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) {                                    \
    return tmp.status();                              \
  }                                                   \
  lhs = std::move(tmp).value()

#endif  // ENGRAM_STATUS_H_
