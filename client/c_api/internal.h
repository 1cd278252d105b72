// What the pieces of the C API (engram/engram.h, client/c_api/*.cc) share: the definitions of
// the handle types the header declares as opaque C structs, and the helpers more than one piece
// uses (error objects, versioned options structs). Internal: no program outside client/c_api/
// includes it.
//
// The handle types live in the global namespace, where engram.h declares them; everything else
// is in engram::c_api. Every entry point that can allocate or reach the engine runs inside a try
// block (databases.cc, exec.cc): a C caller cannot catch C++ exceptions, and letting one unwind
// through a C frame is undefined.
#ifndef ENGRAM_CLIENT_C_API_INTERNAL_H_
#define ENGRAM_CLIENT_C_API_INTERNAL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engram/database.h"
#include "engram/engram.h"
#include "engram/remote.h"
#include "engram/statement_result.h"
#include "engram/status.h"

#ifndef ENGRAM_VERSION
#error "ENGRAM_VERSION must be defined by the build (client/c_api.cmake)"
#endif

namespace engram::c_api {

// Stop requests of one statement stream (the default session or a session). The engine polls one
// flag, `cancel`; `interrupted` remembers that engram_interrupt (rather than a text callback)
// raised it, so that a callback's request ends with its statement and an interrupt's does not.
struct StopFlags {
  std::atomic<bool> cancel{false};
  std::atomic<bool> interrupted{false};

  void Interrupt() {
    interrupted.store(true);
    cancel.store(true);
  }
  // Clears a text callback's request. Clears first and re-raises if an interrupt was seen, so
  // that an interrupt arriving concurrently is never lost (every interleaving of the two
  // seq_cst pairs ends with cancel set when interrupted is set).
  void EndStatement() {
    cancel.store(false);
    if (interrupted.load()) cancel.store(true);
  }
  void Reset() {
    interrupted.store(false);
    cancel.store(false);
  }
};

// engram_interrupt promises to be usable from a signal handler.
static_assert(std::atomic<bool>::is_always_lock_free);

// One statement's outcome, with everything the accessors hand out stored in it so that the
// returned pointers stay valid (Result::status() returns a copy, so the Status is kept here).
struct Entry {
  bool ok = false;
  engram::StatementResult value;  // when ok
  engram::Status status;          // when not ok
  bool has_source = false;
  std::string source;
};

// Remote mode (remote.cc): one connection to engramd, the options to open more (sessions), and
// whether a BEGIN is open on it (tracked from the statements that succeeded).
struct RemoteHandle {
  engram::RemoteOptions options;
  std::unique_ptr<engram::RemoteClient> client;
  bool in_transaction = false;
};

}  // namespace engram::c_api

// --- The handles (global namespace: the header declares them as C structs) ---

struct engram_error {
  int code;
  std::string message;
  std::int64_t position;
};

struct engram_db {
  // Shared with the sessions opened on it, so that the Database outlives every one of them
  // whatever order the caller closes them in. Null in remote mode.
  std::shared_ptr<engram::Database> database;
  // Remote mode only: the default session's connection.
  std::unique_ptr<engram::c_api::RemoteHandle> remote;
  engram::c_api::StopFlags stop;
};

struct engram_session {
  std::shared_ptr<engram::Database> database;  // keeps the engine open (null in remote mode)
  std::unique_ptr<engram::Session> session;    // declared after: destroyed before the database
  std::unique_ptr<engram::c_api::RemoteHandle> remote;  // remote mode: its own connection
  engram::c_api::StopFlags stop;
};

struct engram_results {
  std::vector<engram::c_api::Entry> entries;
  // JSON renderings, built on first request; guarded by json_mutex so that several threads may
  // read one results object. A built string is never changed, so its pointer stays valid.
  mutable std::mutex json_mutex;
  mutable std::vector<std::unique_ptr<std::string>> json;
};

namespace engram::c_api {

// Handed out when memory is too short for a new error object; never freed (errors.cc).
extern engram_error kOutOfMemoryError;

// Stores a new error object in *error (when error is non-NULL). Never throws.
void SetError(engram_error** error, int code, std::string_view message,
              std::int64_t position = -1) noexcept;
void SetError(engram_error** error, const engram::Status& status) noexcept;

// Remote mode (remote.cc). OpenRemote connects for engram_open / engram_session_open (an
// error object on failure); ExecRemote runs the statements of one exec call on `remote`, as
// engram_exec documents, storing the results in *out when out is non-NULL. Both may throw
// (bad_alloc); their callers stop exceptions at the C boundary.
int OpenRemote(const engram::RemoteOptions& options, std::unique_ptr<RemoteHandle>& out,
               engram_error** error);
int ExecRemote(RemoteHandle& remote, std::string_view text, const engram_exec_options& options,
               engram_results** out);

// Copies a caller's versioned options struct (engram_options, engram_exec_options) into `out`,
// which holds the defaults. `size` says how much of it the caller's header defined: fewer bytes
// than ours leave our newer fields at their defaults; more bytes are accepted only when the
// extra ones are zero, i.e. fields this library does not know are left at their defaults (later
// fields are added with zero defaults for this reason). Returns "" or what is wrong.
template <typename Options>
std::string CopyVersioned(const Options& in, Options& out) {
  static_assert(std::is_trivially_copyable_v<Options>);
  const std::size_t size = in.size;
  if (size < sizeof(in.size)) {
    return "size is " + std::to_string(size) + ": initialise the struct with its _init function";
  }
  if (size > sizeof(Options)) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&in);
    for (std::size_t i = sizeof(Options); i < size; ++i) {
      if (bytes[i] != 0) {
        return "sets fields this library (engram " ENGRAM_VERSION ") does not know (size " +
               std::to_string(size) + ", known " + std::to_string(sizeof(Options)) + ")";
      }
    }
  }
  std::memcpy(&out, &in, size < sizeof(Options) ? size : sizeof(Options));
  out.size = sizeof(Options);
  return "";
}

}  // namespace engram::c_api

#endif  // ENGRAM_CLIENT_C_API_INTERNAL_H_
