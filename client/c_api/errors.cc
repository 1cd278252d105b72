// The C API's version, error codes and error objects (engram_version, engram_code_name,
// engram_error_*), and SetError, which every piece reporting through an engram_error uses.
//
// The C codes are checked here against the C++ catalogue (engram/status.h) at compile time.
#include <iterator>
#include <new>
#include <string>
#include <string_view>

#include "client/c_api/internal.h"
#include "engram/engram.h"
#include "engram/status.h"

// The C codes are the C++ catalogue's numeric values, which are frozen: check every one.
#define ENGRAM_CHECK_CODE(c_name, cxx_name)                                                \
  static_assert(static_cast<int>(c_name) == static_cast<int>(engram::ErrorCode::cxx_name), \
                #c_name " differs from engram::ErrorCode::" #cxx_name)
ENGRAM_CHECK_CODE(ENGRAM_OK, kOk);
ENGRAM_CHECK_CODE(ENGRAM_SYNTAX, kSyntax);
ENGRAM_CHECK_CODE(ENGRAM_NOTFOUND, kNotFound);
ENGRAM_CHECK_CODE(ENGRAM_EXISTS, kExists);
ENGRAM_CHECK_CODE(ENGRAM_TENANT, kTenant);
ENGRAM_CHECK_CODE(ENGRAM_AUTH, kAuth);
ENGRAM_CHECK_CODE(ENGRAM_CONFLICT, kConflict);
ENGRAM_CHECK_CODE(ENGRAM_READONLY, kReadOnly);
ENGRAM_CHECK_CODE(ENGRAM_MAPFULL, kMapFull);
ENGRAM_CHECK_CODE(ENGRAM_COMPUTE, kCompute);
ENGRAM_CHECK_CODE(ENGRAM_MODEL, kModel);
ENGRAM_CHECK_CODE(ENGRAM_LIMIT, kLimit);
ENGRAM_CHECK_CODE(ENGRAM_CORRUPT, kCorrupt);
ENGRAM_CHECK_CODE(ENGRAM_INTERNAL, kInternal);
#undef ENGRAM_CHECK_CODE

namespace engram::c_api {

engram_error kOutOfMemoryError{ENGRAM_INTERNAL, "out of memory", -1};

void SetError(engram_error** error, int code, std::string_view message,
              std::int64_t position) noexcept {
  if (error == nullptr) return;
  try {
    *error = new engram_error{code, std::string(message), position};
  } catch (...) {
    *error = &kOutOfMemoryError;
  }
}

void SetError(engram_error** error, const engram::Status& status) noexcept {
  SetError(error, static_cast<int>(status.code()), status.message(), status.position());
}

}  // namespace engram::c_api

namespace {

constexpr const char* kCodeNames[] = {
    "OK",       "SYNTAX",  "NOTFOUND", "EXISTS", "TENANT", "AUTH",    "CONFLICT",
    "READONLY", "MAPFULL", "COMPUTE",  "MODEL",  "LIMIT",  "CORRUPT", "INTERNAL",
};
static_assert(std::size(kCodeNames) == ENGRAM_INTERNAL + 1);

}  // namespace

extern "C" {

// --- Version and codes ---

const char* engram_version(void) {
  return ENGRAM_VERSION;
}

const char* engram_code_name(int code) {
  if (code < 0 || code >= static_cast<int>(std::size(kCodeNames))) return nullptr;
  return kCodeNames[code];
}

// --- Errors ---

int engram_error_code(const engram_error* error) {
  return error == nullptr ? ENGRAM_OK : error->code;
}

const char* engram_error_message(const engram_error* error) {
  return error == nullptr ? nullptr : error->message.c_str();
}

int64_t engram_error_position(const engram_error* error) {
  return error == nullptr ? -1 : error->position;
}

void engram_error_free(engram_error* error) {
  if (error == &engram::c_api::kOutOfMemoryError) return;
  delete error;
}

}  // extern "C"
