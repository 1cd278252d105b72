// engram/database.h — the embedded engine: open a database directory, run statements of the
// query language (docs/query-language.md) in sessions, get typed results.
//
//   auto db = engram::Database::Open("my.db");
//   if (!db.ok()) { ...db.status()... }
//   for (auto& r : (*db)->Execute("CREATE MEMORY agent; SHOW MEMORIES;")) { ... }
//
// A Database owns the store (one LMDB environment, docs/format.md) and the link to the model
// co-process, engram-compute. The co-process is started on the first statement that needs the
// model (GENERATE), not at open, and restarted by the next such statement if it dies. A
// database is bound to one model: its fingerprint is recorded the first time the model is used,
// and later a co-process serving another model makes model statements fail with MODEL.
//
// A Session is one tenant's statement stream with its own transaction state (BEGIN … COMMIT);
// Database::Execute runs in a built-in session of the tenant "default".
//
// Ownership and lifetime: Open returns the only owner of the Database. Sessions borrow it and
// must be destroyed before it. Destroying a session with an open transaction aborts it.
// Destroying the Database stops a co-process it spawned.
//
// Thread-safety: a Database may be shared between threads (OpenSession, Execute on different
// sessions); calls into one Session must not overlap. Database::Execute uses one built-in
// session and so must not be called concurrently. One process writes a database at a time
// (a second writer gets CONFLICT at open); read-only opens may share it.
//
// Errors are values (engram/status.h); no function here throws.
#ifndef ENGRAM_DATABASE_H_
#define ENGRAM_DATABASE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram {

struct DatabaseOptions {
  // Create the directory and an empty database when missing.
  bool create_if_missing = true;
  // Open read-only: statements that write fail with READONLY.
  bool read_only = false;
  // Model checkpoint (a directory or a .bin) for the co-process. Empty: the model recorded
  // when the database was created, else the shipped default (stories260K). Recorded (as an
  // absolute path) when a new database is created.
  std::string model;
  // A running co-process to use ("unix:/path" or "tcp://host:port") instead of spawning one.
  std::string compute_address;
  // The engram-compute binary to spawn. Empty: next to the running executable, else
  // $ENGRAM_COMPUTE, else the first on PATH.
  std::string compute_binary;
  // Extra arguments for a spawned co-process, e.g. {"--device", "cuda"}.
  std::vector<std::string> compute_args;
  // Connections to the co-process: how many sessions' model calls run at once (a session's
  // GENERATE, WRITE … CONTEXT, READ …; concurrent GENERATEs are batched by the co-process).
  // Calls beyond it wait for one to finish. 0: 8. Open fails with SYNTAX when negative.
  int compute_connections = 0;
  // The size the database's memory map starts at, in bytes (0: 1 GiB). The map doubles when it
  // fills, so this only sets how early the first growth comes (docs/format.md).
  std::uint64_t initial_map_bytes = 0;
  // SHOW STATS reports only the session's tenant (its memories and records), none of the
  // database-wide counters that reveal other tenants' activity. engramd sets it.
  bool tenant_scoped_stats = false;
};

// Observers and controls of one Execute call. All optional. A callback that runs statements of
// its own on another session of the same Database can deadlock: with one compute connection,
// or when that statement writes the memory this one is writing.
struct ExecuteOptions {
  // Stop after the first statement that fails (scripts, `-c` with .bail on).
  bool stop_on_error = false;
  // GENERATE: each piece of the continuation's text as it is produced. Called on the thread
  // running Execute.
  std::function<void(std::string_view text)> on_text;
  // After each statement: its source text (without the ';'; for one that failed to parse, the
  // text skipped up to its ';') and its result. Called on the
  // thread running Execute, before the next statement starts.
  std::function<void(std::string_view statement, const Result<StatementResult>& result)> on_result;
  // WRITE … CONTEXT: (tokens encoded, tokens in all) now and then while the model encodes the
  // text — about every 100 ms and once at the end — for a progress display. Called on the
  // thread running Execute.
  std::function<void(std::uint64_t tokens, std::uint64_t total)> on_progress;
  // Polled as each piece of a GENERATE's text arrives: when it is true the generation stops and
  // its result reports "finish": "cancelled", its text ending with the pieces given to on_text
  // so far (even when the model had generated further). Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

class Database;

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Parses and runs `script` (statements separated by ';'), returning one result per
  // statement, failures included: SYNTAX/LIMIT with the byte position in `script`, or the
  // executor's error (NOTFOUND, EXISTS, CONFLICT, READONLY, MAPFULL, COMPUTE, MODEL, LIMIT,
  // CORRUPT, INTERNAL) with the position of the argument it concerns. A failed statement
  // changes nothing. A transaction opened by BEGIN stays open across calls until COMMIT or
  // ABORT.
  std::vector<Result<StatementResult>> Execute(std::string_view script,
                                               const ExecuteOptions& options = {});

  const std::string& tenant() const;
  bool in_transaction() const;
  // Discards an open transaction's writes (no-op without one).
  void AbortTransaction();

 private:
  friend class Database;
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Database {
 public:
  // Opens (creating when missing, unless told not to) the database in directory `path`.
  // Errors: NOTFOUND (missing and create_if_missing is false; a `model` path that does not
  // exist), CONFLICT (another process has it open for writing), CORRUPT (not an engram
  // database or a newer format), SYNTAX (a malformed compute_address), INTERNAL (file system
  // errors).
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A new session for `tenant`: 1-64 bytes of letters, digits and "_", starting with a letter or
  // "_" (the rule of memory names). Errors: SYNTAX (bad name).
  Result<std::unique_ptr<Session>> OpenSession(std::string_view tenant = "default");

  // Runs `script` in the built-in session of the tenant "default" (see Session::Execute).
  std::vector<Result<StatementResult>> Execute(std::string_view script,
                                               const ExecuteOptions& options = {});
  // The built-in session (transaction state, tenant).
  Session& default_session();

  const std::string& path() const;
  bool read_only() const;

  // Starts (or connects to) the co-process now instead of at the first statement that needs
  // it, and checks its model. Errors: COMPUTE (it could not start or be reached), MODEL
  // (it serves another model than the database's).
  Status StartCompute();

  // The model fingerprint bound to the database (32 hex digits), or "" before the model was
  // first used.
  std::string model_fingerprint() const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Session> default_session_;
};

}  // namespace engram

#endif  // ENGRAM_DATABASE_H_
