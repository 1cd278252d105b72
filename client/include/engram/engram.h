/* engram/engram.h — the C API of engram: open a database directory, run statements of the
 * query language (docs/query-language.md) in sessions, read typed results.
 *
 *   engram_db* db = NULL;
 *   engram_error* error = NULL;
 *   if (engram_open("my.db", NULL, &db, &error) != ENGRAM_OK) {
 *     fprintf(stderr, "%s\n", engram_error_message(error));
 *     engram_error_free(error);
 *     return 1;
 *   }
 *   engram_results* results = NULL;
 *   int rc = engram_exec(db, "CREATE MEMORY agent; SHOW MEMORIES", &results);
 *   for (size_t i = 0; i < engram_results_count(results); ++i)
 *     puts(engram_result_json(results, i));
 *   engram_results_free(results);
 *   engram_close(db);
 *
 * A complete example program is in docs/c-api.md.
 *
 * This header is plain C (C99 and later) and may also be included from C++. It is a thin layer
 * over the C++ API (engram/database.h): the same engine, the same results, the same error
 * catalogue. No C++ exception ever leaves a function declared here.
 *
 * Conventions, valid for every declaration below unless its comment says otherwise:
 *
 * - Handles (engram_db, engram_session, engram_results, engram_error) are opaque. The caller owns
 *   each one it receives and releases it with the one function of its type (engram_close,
 *   engram_session_close, engram_results_free, engram_error_free), each of which accepts NULL.
 * - Return codes: functions that can fail return an int holding an engram_code value;
 *   ENGRAM_OK (0) means success. The numeric values are frozen and are those of the C++
 *   engram::ErrorCode (engram/status.h); new codes are only ever appended.
 * - Strings in are UTF-8, NUL-terminated unless a length is passed, and are only read during the
 *   call: the library copies what it keeps.
 * - Strings out (const char*) are NUL-terminated and owned by the handle they came from; they
 *   stay valid, unchanged, until that handle is released. Never free them.
 * - Out-parameters (T** out) are always written when non-NULL: the new object on success, NULL
 *   on failure (except where a function says it returns an object on failure too).
 * - Accessors never crash on a NULL handle or an out-of-range index: they return NULL, 0,
 *   -1 (positions and index look-ups) or ENGRAM_NULL (types), as each one states.
 * - Thread-safety: an engram_db may be shared between threads to open sessions; each session
 *   (and the database's built-in default session, used by engram_exec*) must be used by one
 *   thread at a time. Results and error objects are immutable once returned and may be read from
 *   any number of threads at once; releasing one must not overlap its other uses. Functions that
 *   take no handle (engram_version, engram_code_name, engram_*_init) are safe from any thread.
 * - Callbacks are called on the thread that made the call, must return normally (no longjmp, and
 *   no C++ exception may escape them) and must not call back into the same session or database
 *   handle, except for engram_interrupt / engram_session_interrupt.
 */
#ifndef ENGRAM_ENGRAM_H_
#define ENGRAM_ENGRAM_H_

#include <stddef.h>
#include <stdint.h>

/* Symbols of the C API are exported from the shared library (libengram.so), which hides
 * everything else. */
#if defined(__GNUC__) || defined(__clang__)
#define ENGRAM_API __attribute__((visibility("default")))
#else
#define ENGRAM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Version and error codes                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The error catalogue, with the numeric values of engram::ErrorCode (frozen; the same codes as
 * the CLI's JSON "code", RESP errors and the co-process's wire protocol). Functions return
 * them as int. */
typedef enum engram_code {
  ENGRAM_OK = 0,       /* success */
  ENGRAM_SYNTAX = 1,   /* malformed statement or argument (a position tells where) */
  ENGRAM_NOTFOUND = 2, /* unknown memory, record, snapshot, blob or file */
  ENGRAM_EXISTS = 3,   /* the thing to create exists already */
  ENGRAM_TENANT = 4,   /* the caller's tenant does not own the object */
  ENGRAM_AUTH = 5,     /* authentication missing or wrong */
  ENGRAM_CONFLICT = 6, /* a concurrent writer, a stale version, or a misplaced BEGIN/COMMIT */
  ENGRAM_READONLY = 7, /* a write through a read-only database */
  ENGRAM_MAPFULL = 8,  /* the store could not grow any further */
  ENGRAM_COMPUTE = 9,  /* the co-process engram-compute failed, died or was unreachable */
  ENGRAM_MODEL = 10,   /* a model file is missing, malformed or not the database's model */
  ENGRAM_LIMIT = 11,   /* a size or count limit was exceeded */
  ENGRAM_CORRUPT = 12, /* stored or received bytes failed verification */
  ENGRAM_INTERNAL = 13 /* a bug, or memory exhausted inside the library */
} engram_code;

/* The library's version, "MAJOR.MINOR.PATCH" (a static string; never NULL). Thread-safe. */
ENGRAM_API const char* engram_version(void);

/* The stable upper-case name of a code: "OK", "SYNTAX", ..., "INTERNAL" — the spelling of the
 * CLI's JSON "code" field. Returns a static string, or NULL when `code` is not in the catalogue.
 * Thread-safe. */
ENGRAM_API const char* engram_code_name(int code);

/* ------------------------------------------------------------------------------------------ */
/* Error objects (failures of engram_open and engram_session_open)                            */
/* ------------------------------------------------------------------------------------------ */

/* A failure: a code, a message and, where the failure concerns a byte of some input, its
 * position. Statement failures are not error objects: they are part of engram_results. */
typedef struct engram_error engram_error;

/* The code of `error` (never ENGRAM_OK for an error a function returned); ENGRAM_OK for NULL. */
ENGRAM_API int engram_error_code(const engram_error* error);

/* The message of `error`, owned by it (valid until engram_error_free); NULL for NULL. */
ENGRAM_API const char* engram_error_message(const engram_error* error);

/* The byte position the error refers to, or -1 when there is none (and for NULL). */
ENGRAM_API int64_t engram_error_position(const engram_error* error);

/* Releases `error` and its message. NULL is a no-op. */
ENGRAM_API void engram_error_free(engram_error* error);

/* ------------------------------------------------------------------------------------------ */
/* Databases                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* An open database directory: the store, the link to the model co-process and the built-in
 * session of the tenant "default". */
typedef struct engram_db engram_db;

/* Options of engram_open. Initialise with engram_options_init, then set fields. The struct only
 * grows at its end, and `size` tells the library which fields the caller knows about: a program
 * built against an older header keeps working with a newer library (the fields it lacks keep
 * their defaults), and one built against a newer header works with an older library as long as
 * it leaves the fields that library lacks at their defaults (fields added later always default
 * to 0 / NULL; engram_open refuses non-zero bytes it does not know). */
typedef struct engram_options {
  /* sizeof(engram_options) as the caller compiled it; set by engram_options_init. */
  size_t size;
  /* Create the directory and an empty database when missing (default 1). */
  int create_if_missing;
  /* Open read-only: statements that write fail with ENGRAM_READONLY (default 0). */
  int read_only;
  /* Model checkpoint (a directory or a .bin) for the co-process. NULL or "": the model recorded
   * when the database was created, else the shipped default (stories260K). */
  const char* model;
  /* A running co-process to use ("unix:/path" or "tcp://host:port") instead of spawning one.
   * NULL or "": spawn one when a statement first needs the model. */
  const char* compute_address;
  /* The engram-compute binary to spawn. NULL or "": next to the running executable, else
   * $ENGRAM_COMPUTE, else the first on PATH. */
  const char* compute_binary;
  /* Extra arguments for a spawned co-process, e.g. {"--device", "cuda"}: an array of
   * `compute_arg_count` strings (may be NULL when the count is 0). */
  const char* const* compute_args;
  size_t compute_arg_count;
  /* Remote mode: a running engramd to talk to instead of opening a database directory
   * ("resp://host:port", "host:port" or "unix:/path"; docs/c-api.md, "Remote mode"). NULL or
   * "": the embedded engine on `path`. When set, `path` is not used (it may be NULL),
   * create_if_missing, read_only and the model and compute fields are ignored (the server has
   * its own), and statements run on the server in the tenant of `user`. */
  const char* server;
  /* Credentials for `server` (AUTH): none when password is NULL or ""; the user "default" when
   * only a password is given (engramd --requirepass). */
  const char* user;
  const char* password;
  /* Connections to the co-process: how many of the database's sessions can have a model call
   * (GENERATE, WRITE … CONTEXT, READ …) under way at once; others wait for one. 0: 8. Negative:
   * engram_open fails with ENGRAM_SYNTAX. Ignored in remote mode. */
  int compute_connections;
} engram_options;

/* Sets every field of `options` to its default, `size` included. NULL is a no-op. Thread-safe. */
ENGRAM_API void engram_options_init(engram_options* options);

/* Opens (creating when missing, unless options say otherwise) the database in directory `path`,
 * or connects to the engramd named by options->server (remote mode).
 *
 * path:    the database directory; read during the call only. May be NULL in remote mode.
 * options: NULL for the defaults, else a struct prepared by engram_options_init; read during the
 *          call only (its strings are copied). The co-process is not started here but by the
 *          first statement that needs the model.
 * out:     receives the new handle (release with engram_close), or NULL on failure. Required.
 * error:   may be NULL; else receives NULL on success, or on failure an error object that the
 *          caller releases with engram_error_free (when memory is exhausted, a shared static
 *          one, which engram_error_free recognises and leaves alone).
 *
 * Returns ENGRAM_OK, or
 *   ENGRAM_SYNTAX    path or out is NULL; options->size is 0 (not initialised) or is larger than
 *                    this library's struct with non-zero bytes beyond it (fields this library
 *                    does not know); a NULL entry in compute_args; a malformed compute_address;
 *   ENGRAM_NOTFOUND  the database is missing and create_if_missing is 0 (or read_only is set);
 *   ENGRAM_CONFLICT  another process has the database open for writing;
 *   ENGRAM_CORRUPT   the directory is not an engram database, or one of a newer format;
 *   ENGRAM_MAPFULL   the store could not be mapped;
 *   ENGRAM_INTERNAL  a file-system error, memory exhausted, or a bug;
 * and in remote mode
 *   ENGRAM_SYNTAX    a malformed server address;
 *   ENGRAM_COMPUTE   the server cannot be reached;
 *   ENGRAM_AUTH      the server refused the credentials.
 *
 * Thread-safety: safe from any thread. One process writes a database at a time; read-only opens
 * may share it. */
ENGRAM_API int engram_open(const char* path, const engram_options* options, engram_db** out,
                           engram_error** error);

/* Closes the handle: aborts an open transaction of the default session and, once the last
 * session opened on it is closed too (now, if none is open), closes the store and stops a
 * co-process it spawned. Sessions still open stay fully usable until they are closed. NULL is a
 * no-op. Must not overlap any other call on `db` (calls on its sessions may go on). */
ENGRAM_API void engram_close(engram_db* db);

/* 1 when the default session has a transaction open (BEGIN without COMMIT/ABORT yet), else 0
 * (and for NULL). Same thread rules as engram_exec. */
ENGRAM_API int engram_in_transaction(const engram_db* db);

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* One tenant's statement stream with its own transaction state (BEGIN ... COMMIT). Tenants see
 * only their own memories: another tenant's are reported as not existing (ENGRAM_NOTFOUND). */
typedef struct engram_session engram_session;

/* Opens a session of `tenant` on `db`. In remote mode a session is a new connection to the
 * server with the database's credentials, and its tenant is the one the server gives that user:
 * `tenant` must name it (else ENGRAM_TENANT); engram_session_tenant tells which it is.
 *
 * db:     the database; the session keeps it open (see engram_close) until the session is
 *         closed.
 * tenant: 1 to 64 bytes of [A-Za-z0-9_] starting with a letter or '_' (the rule of memory
 *         names); "default" is the tenant of engram_exec. Copied.
 * out:    receives the new session (release with engram_session_close), or NULL on failure.
 *         Required.
 * error:  as for engram_open.
 *
 * Returns ENGRAM_OK, or ENGRAM_SYNTAX (db, tenant or out is NULL; a malformed tenant name) or
 * ENGRAM_INTERNAL (memory exhausted, a bug); in remote mode also ENGRAM_TENANT (`tenant` is not
 * the user's tenant), ENGRAM_COMPUTE (the server cannot be reached) and ENGRAM_AUTH.
 *
 * Thread-safety: may be called from several threads at once on the same db, concurrently with
 * calls on other sessions; not concurrently with engram_close(db). */
ENGRAM_API int engram_session_open(engram_db* db, const char* tenant, engram_session** out,
                                   engram_error** error);

/* Closes the session, aborting a transaction it has open (its writes are discarded). NULL is a
 * no-op. Must not overlap any other call on `session`. */
ENGRAM_API void engram_session_close(engram_session* session);

/* The session's tenant name, owned by the session (valid until engram_session_close); NULL for
 * NULL. */
ENGRAM_API const char* engram_session_tenant(const engram_session* session);

/* 1 when the session has a transaction open, else 0 (and for NULL). */
ENGRAM_API int engram_session_in_transaction(const engram_session* session);

/* ------------------------------------------------------------------------------------------ */
/* Running statements                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* Results of one exec call: one result per statement, in order. */
typedef struct engram_results engram_results;

/* Receives the text of a running GENERATE as it is produced: `length` bytes at `text` (also
 * NUL-terminated; valid only during the call), `user_data` as given in the options. Return 0 to
 * go on, non-zero to stop the generation: the GENERATE then succeeds early with its field
 * "finish" = "cancelled" and its text ending with this piece, even when the model had already
 * generated further. The pieces of one GENERATE, concatenated, are exactly its result's "text"
 * field. */
typedef int (*engram_text_callback)(const char* text, size_t length, void* user_data);

/* Options of the exec functions. Initialise with engram_exec_options_init; `size` as in
 * engram_options. */
typedef struct engram_exec_options {
  /* sizeof(engram_exec_options) as the caller compiled it; set by engram_exec_options_init. */
  size_t size;
  /* Non-zero: stop after the first statement that fails; the later statements are not run and
   * have no results (default 0: every statement runs, each failure alone). */
  int stop_on_error;
  /* Streaming of GENERATE text (NULL: none) and the pointer passed to it. */
  engram_text_callback on_text;
  void* user_data;
} engram_exec_options;

/* Sets every field of `options` to its default, `size` included. NULL is a no-op. Thread-safe. */
ENGRAM_API void engram_exec_options_init(engram_exec_options* options);

/* Runs `statements` (statements separated by ';', the last one may omit it) in the default
 * session (tenant "default") of `db`.
 *
 * Each statement runs in turn and gets one result, failures included (a failed statement
 * changes nothing and the next one runs). Parse errors are ENGRAM_SYNTAX or ENGRAM_LIMIT with the
 * byte position in `statements`; execution errors (ENGRAM_NOTFOUND, EXISTS, CONFLICT, READONLY,
 * MAPFULL, COMPUTE, MODEL, LIMIT, CORRUPT, INTERNAL) carry the position of the argument they
 * concern. A transaction opened by BEGIN stays open across calls until COMMIT or ABORT.
 *
 * statements: NUL-terminated; read during the call only.
 * out:        may be NULL (results discarded); else always receives a results object, released
 *             with engram_results_free: the statements' results, or for a failure of the call
 *             itself (a NULL argument, memory exhausted) a single failed result with the
 *             returned code. It receives NULL only if memory ran out even for that.
 *
 * Returns ENGRAM_OK iff every statement succeeded (an input without statements succeeds with no
 * results), else the code of the first failed statement; ENGRAM_SYNTAX when db or statements
 * is NULL; ENGRAM_INTERNAL when memory ran out or a bug was caught during the call (the results
 * of the statements run before are then lost, though what they committed stays committed; the
 * session stays usable).
 *
 * Remote mode: the statements are split and parsed here (parse errors are reported as above,
 * without reaching the server), each one runs on the server in turn (QUERY), and its result is
 * rebuilt from the reply: the same fields, rows, codes and positions (in `statements`) as the
 * embedded engine's, except that integers are typed ENGRAM_UINT when not negative and a
 * statement that returned no rows has no columns. A lost connection fails the statement with
 * ENGRAM_COMPUTE, and so do the later ones. A text callback's stop request and engram_interrupt
 * do not reach the server: the generation completes there and its result is returned whole.
 *
 * Thread-safety: the default session is one statement stream: calls with the same db must not
 * overlap each other (use sessions for concurrency). */
ENGRAM_API int engram_exec(engram_db* db, const char* statements, engram_results** out);

/* engram_exec with a text callback (may be NULL) for the text of GENERATE statements as it is
 * produced (see engram_text_callback). */
ENGRAM_API int engram_exec_stream(engram_db* db, const char* statements,
                                  engram_text_callback on_text, void* user_data,
                                  engram_results** out);

/* engram_exec on `length` bytes at `text` (no terminating NUL needed; statements may be large),
 * with options (NULL: the defaults). ENGRAM_SYNTAX also when text is NULL with a non-zero
 * length, or options->size is 0 or covers unknown non-zero fields. */
ENGRAM_API int engram_exec_n(engram_db* db, const char* text, size_t length,
                             const engram_exec_options* options, engram_results** out);

/* The same three on a session: as engram_exec, engram_exec_stream and engram_exec_n, in the
 * session's tenant and transaction. Calls on one session must not overlap; different sessions
 * may run in parallel on different threads. */
ENGRAM_API int engram_session_exec(engram_session* session, const char* statements,
                                   engram_results** out);
ENGRAM_API int engram_session_exec_stream(engram_session* session, const char* statements,
                                          engram_text_callback on_text, void* user_data,
                                          engram_results** out);
ENGRAM_API int engram_session_exec_n(engram_session* session, const char* text, size_t length,
                                     const engram_exec_options* options, engram_results** out);

/* Asks a GENERATE running in an exec call on the default session of `db` to stop, as if its
 * text callback had returned non-zero; later GENERATE statements of the same call stop at once
 * too (other statements are not affected). The request lasts until that exec call returns; one
 * made while no exec call runs is dropped when the next one starts. NULL is a no-op.
 *
 * Thread-safety: may be called from any thread (that is its purpose), and from a signal handler:
 * it only stores to a lock-free atomic flag. Not concurrently with engram_close(db). */
ENGRAM_API void engram_interrupt(engram_db* db);

/* engram_interrupt for an exec call running on `session`. Not concurrently with
 * engram_session_close(session). */
ENGRAM_API void engram_session_interrupt(engram_session* session);

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The type of a field or cell value; a value read with another type's accessor is converted as
 * that accessor says. */
typedef enum engram_type {
  ENGRAM_NULL = 0,   /* null (also returned for any out-of-range index) */
  ENGRAM_BOOL = 1,   /* read with engram_*_int64 / _uint64 as 0 or 1 */
  ENGRAM_INT = 2,    /* a signed 64-bit integer */
  ENGRAM_UINT = 3,   /* an unsigned 64-bit integer (versions, ids, counts) */
  ENGRAM_DOUBLE = 4, /* a double (scores) */
  ENGRAM_TEXT = 5    /* UTF-8 text */
} engram_type;

/* Releases `results` and every string obtained from it. NULL is a no-op. */
ENGRAM_API void engram_results_free(engram_results* results);

/* The number of results (one per statement run); 0 for NULL. Statement i below is 0-based. */
ENGRAM_API size_t engram_results_count(const engram_results* results);

/* 1 when statement i succeeded; 0 when it failed, or results is NULL, or i is out of range. */
ENGRAM_API int engram_result_ok(const engram_results* results, size_t i);

/* The failure code of statement i: ENGRAM_OK when it succeeded (and for NULL or i out of
 * range). */
ENGRAM_API int engram_result_error_code(const engram_results* results, size_t i);

/* The failure message of statement i; NULL when it succeeded (and for NULL or out of range). */
ENGRAM_API const char* engram_result_error_message(const engram_results* results, size_t i);

/* The byte offset, in the text passed to exec, that the failure of statement i refers to; -1
 * when it has none, succeeded, or for NULL or out of range. */
ENGRAM_API int64_t engram_result_error_position(const engram_results* results, size_t i);

/* The form name of statement i ("CREATE MEMORY", "SHOW MEMORIES", "GENERATE", ...) when it
 * succeeded; NULL when it failed (and for NULL or out of range). */
ENGRAM_API const char* engram_result_statement(const engram_results* results, size_t i);

/* The source text of statement i as written (without its ';'; for one that failed to parse,
 * the text skipped up to its ';'), its length in *length when length is non-NULL. NULL (and
 * *length = 0) for NULL, out of range, or when the call itself failed (see engram_exec). */
ENGRAM_API const char* engram_result_source(const engram_results* results, size_t i,
                                            size_t* length);

/* Statement i as one line of JSON, exactly the CLI's --json line (contract.md):
 * {"ok": true, ...fields..., "rows": [...]} or {"ok": false, "error": {"code", "message",
 * "position"}}. Built on first use and kept by the results object; NULL for NULL, out of range,
 * or when memory ran out building it. Safe to call from several threads at once. */
ENGRAM_API const char* engram_result_json(const engram_results* results, size_t i);

/* Scalar fields of a successful statement i, in output order ("version", "text", "tokens", ...;
 * the names of docs/query-language.md §5). A failed statement has none. */

/* The number of fields; 0 for a failed statement, NULL or out of range. */
ENGRAM_API size_t engram_result_field_count(const engram_results* results, size_t i);

/* The name of field f; NULL when out of range. */
ENGRAM_API const char* engram_result_field_name(const engram_results* results, size_t i, size_t f);

/* The index of the field named `name` (case-sensitive), or -1 when there is none. */
ENGRAM_API int64_t engram_result_field_index(const engram_results* results, size_t i,
                                             const char* name);

/* The type of field f; ENGRAM_NULL when out of range. */
ENGRAM_API engram_type engram_result_field_type(const engram_results* results, size_t i, size_t f);

/* Field f as a signed integer: INT as is; UINT when it fits (else 0); BOOL as 0/1; 0 for DOUBLE,
 * TEXT, NULL and out of range. */
ENGRAM_API int64_t engram_result_field_int64(const engram_results* results, size_t i, size_t f);

/* Field f as an unsigned integer: UINT as is; INT when not negative (else 0); BOOL as 0/1; 0 for
 * DOUBLE, TEXT, NULL and out of range. */
ENGRAM_API uint64_t engram_result_field_uint64(const engram_results* results, size_t i, size_t f);

/* Field f as a double: DOUBLE as is; INT, UINT and BOOL converted; 0.0 for TEXT, NULL and out of
 * range. */
ENGRAM_API double engram_result_field_double(const engram_results* results, size_t i, size_t f);

/* Field f's text (TEXT only; it may contain NUL bytes, hence `length`), owned by results;
 * *length receives its byte length when length is non-NULL. NULL (and *length = 0) for other
 * types and out of range. */
ENGRAM_API const char* engram_result_field_text(const engram_results* results, size_t i, size_t f,
                                                size_t* length);

/* Rows of a successful statement i that returns rows (SHOW, HISTORY, DIFF, READ, ...). */

/* 1 when statement i returns rows (even none), else 0 (and for NULL or out of range). */
ENGRAM_API int engram_result_has_rows(const engram_results* results, size_t i);

/* The number of columns; 0 without rows, for NULL or out of range. */
ENGRAM_API size_t engram_result_column_count(const engram_results* results, size_t i);

/* The name of column c; NULL when out of range. */
ENGRAM_API const char* engram_result_column_name(const engram_results* results, size_t i, size_t c);

/* The index of the column named `name` (case-sensitive), or -1 when there is none. */
ENGRAM_API int64_t engram_result_column_index(const engram_results* results, size_t i,
                                              const char* name);

/* The number of rows; 0 without rows, for NULL or out of range. */
ENGRAM_API size_t engram_result_row_count(const engram_results* results, size_t i);

/* The cell at row `row`, column c: type and value, with the conversions of the field accessors
 * above; ENGRAM_NULL / 0 / 0.0 / NULL when any index is out of range. */
ENGRAM_API engram_type engram_result_cell_type(const engram_results* results, size_t i, size_t row,
                                               size_t c);
ENGRAM_API int64_t engram_result_cell_int64(const engram_results* results, size_t i, size_t row,
                                            size_t c);
ENGRAM_API uint64_t engram_result_cell_uint64(const engram_results* results, size_t i, size_t row,
                                              size_t c);
ENGRAM_API double engram_result_cell_double(const engram_results* results, size_t i, size_t row,
                                            size_t c);
ENGRAM_API const char* engram_result_cell_text(const engram_results* results, size_t i, size_t row,
                                               size_t c, size_t* length);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ENGRAM_ENGRAM_H_ */
