/* The C API (engram/engram.h) from a real C11 program embedding the engine: a database in a
 * temporary directory, statements and their typed results, errors with positions, transactions
 * across calls, a tenant session, GENERATE through the co-process with streaming and stopping,
 * out-of-range accessors and NULL handles. Prints every check; exits 1 at the first failure.
 *
 * Built twice by tests/c_api/tests.cmake: against the static engram_c (c_api_test) and against
 * libengram.so (c_api_shared_test). ENGRAM_BIN_DIR is the directory of engram-compute. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engram/engram.h"

#ifndef ENGRAM_BIN_DIR
#error "ENGRAM_BIN_DIR (the directory of engram-compute) must be defined"
#endif

int c99_header_check(void); /* c99_header_check.c: engram.h compiled as C99 */

static int checks = 0;

#define CHECK(cond, ...)                                                     \
  do {                                                                       \
    ++checks;                                                                \
    if (cond) {                                                              \
      printf("ok   ");                                                       \
      printf(__VA_ARGS__);                                                   \
      printf("\n");                                                          \
    } else {                                                                 \
      printf("FAIL ");                                                       \
      printf(__VA_ARGS__);                                                   \
      printf("\n     %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      fflush(stdout);                                                        \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

static int streq(const char* a, const char* b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The results of `statements` run on `db`, which must all succeed. */
static engram_results* exec_ok(engram_db* db, const char* statements) {
  engram_results* results = NULL;
  int rc = engram_exec(db, statements, &results);
  CHECK(rc == ENGRAM_OK && results != NULL, "%s -> %s", statements,
        rc == ENGRAM_OK ? "OK" : engram_result_json(results, 0));
  return results;
}

/* Field `name` of statement i as an unsigned integer (0 when missing). */
static uint64_t field_u64(const engram_results* results, size_t i, const char* name) {
  int64_t f = engram_result_field_index(results, i, name);
  return f < 0 ? 0 : engram_result_field_uint64(results, i, (size_t)f);
}

static const char* field_text(const engram_results* results, size_t i, const char* name) {
  int64_t f = engram_result_field_index(results, i, name);
  return f < 0 ? NULL : engram_result_field_text(results, i, (size_t)f, NULL);
}

/* Whether SHOW MEMORIES (statement i of `results`) lists `name`. */
static int lists_memory(const engram_results* results, size_t i, const char* name) {
  int64_t column = engram_result_column_index(results, i, "name");
  if (column < 0) return 0;
  for (size_t row = 0; row < engram_result_row_count(results, i); ++row) {
    if (streq(engram_result_cell_text(results, i, row, (size_t)column, NULL), name)) return 1;
  }
  return 0;
}

/* Streaming: the pieces concatenated; with stop_after > 0, asks to stop at that piece. */
typedef struct stream_state {
  char text[65536];
  size_t length;
  int pieces;
  int stop_after;
  int bad_termination; /* a piece that was not NUL-terminated at `length` */
} stream_state;

static int on_text(const char* text, size_t length, void* user_data) {
  stream_state* state = (stream_state*)user_data;
  if (text[length] != '\0') state->bad_termination = 1;
  if (state->length + length < sizeof(state->text)) {
    memcpy(state->text + state->length, text, length);
    state->length += length;
    state->text[state->length] = '\0';
  }
  ++state->pieces;
  return state->stop_after > 0 && state->pieces == state->stop_after;
}

static int remove_entry(const char* path, const struct stat* sb, int flag, struct FTW* ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("engram C API test, library %s\n", engram_version());

  /* --- Codes and version --- */
  CHECK(c99_header_check() == ENGRAM_INTERNAL, "engram.h compiles as C99");
  CHECK(engram_version() != NULL && strlen(engram_version()) >= 5, "engram_version() = %s",
        engram_version());
  CHECK(streq(engram_code_name(ENGRAM_OK), "OK"), "engram_code_name(ENGRAM_OK) = OK");
  CHECK(streq(engram_code_name(ENGRAM_SYNTAX), "SYNTAX"), "engram_code_name(1) = SYNTAX");
  CHECK(streq(engram_code_name(ENGRAM_NOTFOUND), "NOTFOUND"), "engram_code_name(2) = NOTFOUND");
  CHECK(streq(engram_code_name(ENGRAM_INTERNAL), "INTERNAL"), "engram_code_name(13) = INTERNAL");
  CHECK(engram_code_name(14) == NULL && engram_code_name(-1) == NULL,
        "engram_code_name of unknown codes is NULL");

  /* --- NULL handles --- */
  engram_close(NULL);
  engram_session_close(NULL);
  engram_results_free(NULL);
  engram_error_free(NULL);
  engram_interrupt(NULL);
  engram_session_interrupt(NULL);
  CHECK(1, "close/free/interrupt of NULL are no-ops");
  CHECK(engram_results_count(NULL) == 0 && engram_result_ok(NULL, 0) == 0 &&
            engram_result_json(NULL, 0) == NULL && engram_result_error_position(NULL, 0) == -1 &&
            engram_error_code(NULL) == ENGRAM_OK && engram_error_message(NULL) == NULL,
        "accessors of NULL handles return 0 / NULL / -1");
  {
    engram_results* results = NULL;
    int rc = engram_exec(NULL, "SHOW MEMORIES", &results);
    CHECK(rc == ENGRAM_SYNTAX && engram_results_count(results) == 1 &&
              engram_result_error_code(results, 0) == ENGRAM_SYNTAX &&
              engram_result_error_message(results, 0) != NULL,
          "engram_exec(NULL db) -> SYNTAX with one failed result: %s",
          engram_result_error_message(results, 0));
    engram_results_free(results);
    CHECK(engram_exec(NULL, "SHOW MEMORIES", NULL) == ENGRAM_SYNTAX,
          "engram_exec(NULL db, out NULL) -> SYNTAX");
  }

  /* --- Open --- */
  char dir[] = "/tmp/engram-c-api-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "temporary directory %s", dir);
  char path[512];
  snprintf(path, sizeof path, "%s/db", dir);

  const char* compute_args[] = {"--max-slots", "4"};
  engram_options options;
  engram_options_init(&options);
  CHECK(options.size == sizeof options && options.create_if_missing == 1 &&
            options.read_only == 0 && options.model == NULL,
        "engram_options_init sets the defaults");
  options.compute_binary = ENGRAM_BIN_DIR "/engram-compute";
  options.compute_args = compute_args;
  options.compute_arg_count = 2;

  engram_db* db = NULL;
  engram_error* error = NULL;
  {
    engram_options missing = options;
    missing.create_if_missing = 0;
    int rc = engram_open(path, &missing, &db, &error);
    CHECK(rc == ENGRAM_NOTFOUND && db == NULL && engram_error_code(error) == ENGRAM_NOTFOUND &&
              engram_error_message(error) != NULL,
          "open of a missing database without create_if_missing -> NOTFOUND: %s",
          engram_error_message(error));
    engram_error_free(error);
    error = NULL;

    engram_options uninitialised;
    memset(&uninitialised, 0, sizeof uninitialised);
    rc = engram_open(path, &uninitialised, &db, &error);
    CHECK(rc == ENGRAM_SYNTAX && db == NULL && engram_error_code(error) == ENGRAM_SYNTAX,
          "open with options.size 0 -> SYNTAX: %s", engram_error_message(error));
    engram_error_free(error);
    error = NULL;
  }
  int rc = engram_open(path, &options, &db, &error);
  CHECK(rc == ENGRAM_OK && db != NULL && error == NULL, "engram_open(%s) -> OK", path);

  /* --- CREATE MEMORY, SHOW MEMORIES --- */
  engram_results* results = exec_ok(db, "CREATE MEMORY agent");
  CHECK(engram_results_count(results) == 1 && engram_result_ok(results, 0) == 1,
        "CREATE MEMORY: one successful result");
  CHECK(streq(engram_result_statement(results, 0), "CREATE MEMORY"),
        "CREATE MEMORY: statement = %s", engram_result_statement(results, 0));
  CHECK(field_u64(results, 0, "version") == 1, "CREATE MEMORY: version = %" PRIu64,
        field_u64(results, 0, "version"));
  CHECK(engram_result_field_type(results, 0, 0) == ENGRAM_UINT &&
            streq(engram_result_field_name(results, 0, 0), "version"),
        "CREATE MEMORY: field 0 is version, UINT");
  CHECK(streq(engram_result_source(results, 0, NULL), "CREATE MEMORY agent"),
        "CREATE MEMORY: source text");
  CHECK(streq(engram_result_json(results, 0), "{\"ok\": true, \"version\": 1}"),
        "CREATE MEMORY: json = %s", engram_result_json(results, 0));
  engram_results_free(results);

  results = exec_ok(db, "SHOW MEMORIES;");
  CHECK(engram_result_has_rows(results, 0) == 1 && engram_result_row_count(results, 0) == 1,
        "SHOW MEMORIES: one row");
  {
    int64_t name = engram_result_column_index(results, 0, "name");
    CHECK(name >= 0 && streq(engram_result_column_name(results, 0, (size_t)name), "name"),
          "SHOW MEMORIES: column name at %" PRId64 " of %zu", name,
          engram_result_column_count(results, 0));
    size_t length = 0;
    const char* text = engram_result_cell_text(results, 0, 0, (size_t)name, &length);
    CHECK(engram_result_cell_type(results, 0, 0, (size_t)name) == ENGRAM_TEXT &&
              streq(text, "agent") && length == 5,
          "SHOW MEMORIES: row 0 name = %s", text);
    CHECK(engram_result_column_index(results, 0, "no such column") == -1,
          "SHOW MEMORIES: an unknown column's index is -1");
  }

  /* --- Out-of-range indices --- */
  {
    size_t length = 99;
    CHECK(engram_result_field_name(results, 0, 99) == NULL &&
              engram_result_field_type(results, 0, 99) == ENGRAM_NULL &&
              engram_result_field_int64(results, 0, 99) == 0 &&
              engram_result_field_uint64(results, 0, 99) == 0 &&
              engram_result_field_double(results, 0, 99) == 0.0 &&
              engram_result_field_text(results, 0, 99, &length) == NULL && length == 0,
          "field accessors out of range: NULL / 0 / ENGRAM_NULL");
    length = 99;
    CHECK(engram_result_column_name(results, 0, 99) == NULL &&
              engram_result_cell_type(results, 0, 99, 0) == ENGRAM_NULL &&
              engram_result_cell_type(results, 0, 0, 99) == ENGRAM_NULL &&
              engram_result_cell_int64(results, 0, 99, 0) == 0 &&
              engram_result_cell_uint64(results, 0, 0, 99) == 0 &&
              engram_result_cell_double(results, 0, 99, 99) == 0.0 &&
              engram_result_cell_text(results, 0, 99, 0, &length) == NULL && length == 0,
          "column and cell accessors out of range: NULL / 0 / ENGRAM_NULL");
    CHECK(engram_result_ok(results, 1) == 0 && engram_result_error_code(results, 1) == ENGRAM_OK &&
              engram_result_error_message(results, 1) == NULL &&
              engram_result_error_position(results, 1) == -1 &&
              engram_result_statement(results, 1) == NULL &&
              engram_result_json(results, 1) == NULL &&
              engram_result_source(results, 1, NULL) == NULL &&
              engram_result_field_count(results, 1) == 0 &&
              engram_result_row_count(results, 1) == 0 &&
              engram_result_field_index(results, 1, "version") == -1,
          "statement accessors out of range: 0 / NULL / -1");
  }
  engram_results_free(results);

  /* --- Failures: SYNTAX with its position, NOTFOUND --- */
  {
    const char* script = "CREATE MEMORY b; SHOW MEMORIEZ; SHOW MEMORIES";
    rc = engram_exec(db, script, &results);
    CHECK(rc == ENGRAM_SYNTAX, "%s -> %s", script, engram_code_name(rc));
    CHECK(engram_results_count(results) == 3 && engram_result_ok(results, 0) &&
              !engram_result_ok(results, 1) && engram_result_ok(results, 2),
          "three results: ok, failed, ok (a failed statement fails alone)");
    CHECK(engram_result_error_code(results, 1) == ENGRAM_SYNTAX &&
              engram_result_error_position(results, 1) == 22,
          "SHOW MEMORIEZ: SYNTAX at byte %" PRId64 " of the script: %s",
          engram_result_error_position(results, 1), engram_result_error_message(results, 1));
    CHECK(engram_result_statement(results, 1) == NULL && engram_result_field_count(results, 1) == 0,
          "a failed statement has no form name and no fields");
    CHECK(streq(engram_result_source(results, 1, NULL), "SHOW MEMORIEZ"), "its source text is %s",
          engram_result_source(results, 1, NULL));
    CHECK(strstr(engram_result_json(results, 1), "\"code\": \"SYNTAX\"") != NULL &&
              strstr(engram_result_json(results, 1), "\"position\": 22") != NULL,
          "its json: %s", engram_result_json(results, 1));
    engram_results_free(results);

    script = "DROP MEMORY nosuch";
    rc = engram_exec(db, script, &results);
    CHECK(rc == ENGRAM_NOTFOUND && engram_result_error_code(results, 0) == ENGRAM_NOTFOUND,
          "%s -> NOTFOUND at %" PRId64 ": %s", script, engram_result_error_position(results, 0),
          engram_result_error_message(results, 0));
    CHECK(engram_result_error_position(results, 0) == 12, "NOTFOUND at the memory name");
    engram_results_free(results);
  }

  /* --- engram_exec_n: a length, options --- */
  {
    const char* text = "SHOW MEMORIES trailing bytes not passed";
    rc = engram_exec_n(db, text, strlen("SHOW MEMORIES"), NULL, &results);
    CHECK(rc == ENGRAM_OK && engram_result_row_count(results, 0) == 2,
          "engram_exec_n reads only `length` bytes");
    engram_results_free(results);

    engram_exec_options exec_options;
    engram_exec_options_init(&exec_options);
    exec_options.stop_on_error = 1;
    text = "SHOW MEMORIEZ; SHOW MEMORIES";
    rc = engram_exec_n(db, text, strlen(text), &exec_options, &results);
    CHECK(rc == ENGRAM_SYNTAX && engram_results_count(results) == 1,
          "stop_on_error: the statements after a failure do not run");
    engram_results_free(results);

    rc = engram_exec_n(db, NULL, 0, NULL, &results);
    CHECK(rc == ENGRAM_OK && engram_results_count(results) == 0,
          "an empty input succeeds with no results");
    engram_results_free(results);
  }

  /* --- BEGIN / COMMIT across calls --- */
  engram_results_free(exec_ok(db, "BEGIN"));
  CHECK(engram_in_transaction(db) == 1, "after BEGIN the default session is in a transaction");
  engram_results_free(exec_ok(db, "CREATE MEMORY in_txn"));
  results = exec_ok(db, "COMMIT");
  CHECK(engram_in_transaction(db) == 0 && field_u64(results, 0, "version") == 3,
        "COMMIT -> version %" PRIu64, field_u64(results, 0, "version"));
  engram_results_free(results);
  results = exec_ok(db, "SHOW MEMORIES");
  CHECK(lists_memory(results, 0, "in_txn") && engram_result_row_count(results, 0) == 3,
        "the committed memory is listed");
  engram_results_free(results);

  /* --- A tenant session --- */
  engram_session* alice = NULL;
  rc = engram_session_open(db, "no such tenant!", &alice, &error);
  CHECK(rc == ENGRAM_SYNTAX && alice == NULL && engram_error_code(error) == ENGRAM_SYNTAX,
        "a malformed tenant name -> SYNTAX: %s", engram_error_message(error));
  engram_error_free(error);
  error = NULL;
  rc = engram_session_open(db, "alice", &alice, &error);
  CHECK(rc == ENGRAM_OK && alice != NULL && error == NULL &&
            streq(engram_session_tenant(alice), "alice"),
        "engram_session_open(alice) -> OK");
  rc = engram_session_exec(alice, "SHOW MEMORIES", &results);
  CHECK(rc == ENGRAM_OK && engram_result_has_rows(results, 0) &&
            engram_result_row_count(results, 0) == 0,
        "alice does not see the default tenant's memories");
  engram_results_free(results);
  rc = engram_session_exec(alice, "DROP MEMORY agent", &results);
  CHECK(rc == ENGRAM_NOTFOUND, "alice cannot drop the default tenant's memory: %s",
        engram_code_name(rc));
  engram_results_free(results);
  rc = engram_session_exec(alice, "BEGIN; CREATE MEMORY agent", &results);
  CHECK(rc == ENGRAM_OK && engram_session_in_transaction(alice) == 1,
        "alice creates her own agent in a transaction");
  engram_results_free(results);

  /* --- GENERATE through the co-process, streamed --- */
  {
    stream_state* stream = calloc(1, sizeof *stream);
    CHECK(stream != NULL, "allocated the stream state");
    rc = engram_exec_stream(db, "GENERATE '' MAX 20 TEMPERATURE 0", on_text, stream, &results);
    CHECK(rc == ENGRAM_OK, "GENERATE '' MAX 20 TEMPERATURE 0 -> %s %s", engram_code_name(rc),
          rc == ENGRAM_OK ? "" : engram_result_error_message(results, 0));
    const char* text = field_text(results, 0, "text");
    CHECK(text != NULL && text[0] != '\0', "GENERATE: text = \"%s\"", text);
    CHECK(field_u64(results, 0, "tokens") == 20, "GENERATE: tokens = %" PRIu64,
          field_u64(results, 0, "tokens"));
    CHECK(streq(field_text(results, 0, "finish"), "length"), "GENERATE: finish = length");
    CHECK(stream->pieces > 0 && !stream->bad_termination && streq(stream->text, text),
          "GENERATE: the %d streamed pieces concatenate to the text", stream->pieces);
    char greedy[65536];
    snprintf(greedy, sizeof greedy, "%s", text);
    engram_results_free(results);

    /* The same on a session, through engram_session_exec_stream: greedy is deterministic. */
    memset(stream, 0, sizeof *stream);
    rc = engram_session_exec_stream(alice, "GENERATE '' MAX 20 TEMPERATURE 0", on_text, stream,
                                    &results);
    CHECK(rc == ENGRAM_OK && streq(field_text(results, 0, "text"), greedy) &&
              streq(stream->text, greedy),
          "GENERATE in alice's session gives the same greedy text");
    engram_results_free(results);

    /* A callback returning non-zero stops its GENERATE only, not the next one. */
    memset(stream, 0, sizeof *stream);
    stream->stop_after = 3;
    rc =
        engram_exec_stream(db, "GENERATE '' MAX 500 TEMPERATURE 0; GENERATE '' MAX 5 TEMPERATURE 0",
                           on_text, stream, &results);
    CHECK(rc == ENGRAM_OK && engram_results_count(results) == 2, "two GENERATEs -> OK");
    CHECK(streq(field_text(results, 0, "finish"), "cancelled") &&
              field_u64(results, 0, "tokens") < 500 && field_u64(results, 0, "tokens") >= 3,
          "the callback's stop cancels the first (finish = %s, %" PRIu64 " tokens)",
          field_text(results, 0, "finish"), field_u64(results, 0, "tokens"));
    CHECK(streq(field_text(results, 1, "finish"), "length") && field_u64(results, 1, "tokens") == 5,
          "and not the second (finish = %s, %" PRIu64 " tokens)", field_text(results, 1, "finish"),
          field_u64(results, 1, "tokens"));
    engram_results_free(results);

    /* An interrupt made between calls is dropped when the next call starts. */
    engram_interrupt(db);
    rc = engram_exec(db, "GENERATE '' MAX 5 TEMPERATURE 0", &results);
    CHECK(rc == ENGRAM_OK && streq(field_text(results, 0, "finish"), "length"),
          "an interrupt before the call does not stop it");
    engram_results_free(results);
    free(stream);
  }

  /* --- Closing the database before a session --- */
  engram_close(db);
  CHECK(1, "engram_close with alice's session still open");
  rc = engram_session_exec(alice, "COMMIT; SHOW MEMORIES", &results);
  CHECK(rc == ENGRAM_OK && lists_memory(results, 1, "agent"),
        "alice's session still works after engram_close: COMMIT and SHOW MEMORIES");
  CHECK(engram_result_row_count(results, 1) == 1, "alice has one memory");
  engram_results_free(results);
  engram_session_close(alice);
  CHECK(1, "closing the last session closes the database");

  /* The committed state is on disk: reopen and look. */
  rc = engram_open(path, &options, &db, NULL);
  CHECK(rc == ENGRAM_OK, "reopen -> OK");
  results = exec_ok(db, "SHOW MEMORIES");
  CHECK(lists_memory(results, 0, "agent") && lists_memory(results, 0, "b") &&
            lists_memory(results, 0, "in_txn"),
        "the default tenant's memories are there after reopening");
  engram_results_free(results);
  engram_close(db);

  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  printf("all %d checks passed\n", checks);
  return 0;
}
