#include "engram/status.h"

#include <array>

namespace engram {
namespace {

// Indexed by the numeric value of ErrorCode; the order is the frozen catalogue order.
constexpr std::array<std::string_view, 14> kCodeNames = {
    "OK",       "SYNTAX",  "NOTFOUND", "EXISTS", "TENANT", "AUTH",    "CONFLICT",
    "READONLY", "MAPFULL", "COMPUTE",  "MODEL",  "LIMIT",  "CORRUPT", "INTERNAL",
};

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) {
  auto index = static_cast<std::size_t>(code);
  return index < kCodeNames.size() ? kCodeNames[index] : std::string_view("INTERNAL");
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (std::size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

std::optional<ErrorCode> ErrorCodeFromValue(std::uint32_t value) {
  if (value >= kCodeNames.size()) return std::nullopt;
  return static_cast<ErrorCode>(value);
}

Status Status::Error(ErrorCode code, std::string message, std::int64_t position) {
  assert(code != ErrorCode::kOk && "Status::Error needs a failure code");
  if (code == ErrorCode::kOk) code = ErrorCode::kInternal;
  return Status(code, std::move(message), position);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  if (position_ >= 0) {
    out += " (at byte ";
    out += std::to_string(position_);
    out += ")";
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message), position_);
}

}  // namespace engram
