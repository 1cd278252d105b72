// Edge cases of the C API (engram/engram.h) that the C program (c_api_test.c) does not cover:
// the codes against the C++ catalogue, NULL arguments, versioned option structs, value
// conversions, interrupts (from a callback and from another thread), sessions on several
// threads, read-only databases, concurrent JSON rendering.
#include "engram/engram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engram/status.h"
#include "tests/storage/test_store.h"

namespace {

using engram::storage::testing::TempDir;

const std::string kComputeBinary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";

engram_options TestOptions() {
  engram_options options;
  engram_options_init(&options);
  options.compute_binary = kComputeBinary.c_str();
  return options;
}

// An open database, closed at the end of the scope.
class Db {
 public:
  explicit Db(const std::string& path, engram_options options = TestOptions()) {
    engram_error* error = nullptr;
    EXPECT_EQ(engram_open(path.c_str(), &options, &db_, &error), ENGRAM_OK)
        << engram_error_message(error);
    engram_error_free(error);
  }
  ~Db() { engram_close(db_); }
  engram_db* get() const { return db_; }

 private:
  engram_db* db_ = nullptr;
};

// Owns a results object.
struct Results {
  engram_results* r = nullptr;
  ~Results() { engram_results_free(r); }
  engram_results** out() {
    engram_results_free(r);
    r = nullptr;
    return &r;
  }
};

std::string FieldText(const engram_results* r, size_t i, const char* name) {
  int64_t f = engram_result_field_index(r, i, name);
  const char* text =
      f < 0 ? nullptr : engram_result_field_text(r, i, static_cast<size_t>(f), nullptr);
  return text == nullptr ? "<missing>" : text;
}

uint64_t FieldU64(const engram_results* r, size_t i, const char* name) {
  int64_t f = engram_result_field_index(r, i, name);
  return f < 0 ? 0 : engram_result_field_uint64(r, i, static_cast<size_t>(f));
}

TEST(CApiEdgeTest, CodesAndNamesMatchTheCatalogue) {
  for (int code = 0; code <= ENGRAM_INTERNAL; ++code) {
    auto cxx = engram::ErrorCodeFromValue(static_cast<uint32_t>(code));
    ASSERT_TRUE(cxx.has_value()) << code;
    ASSERT_NE(engram_code_name(code), nullptr) << code;
    EXPECT_EQ(std::string(engram_code_name(code)), engram::ErrorCodeName(*cxx));
  }
  // The catalogue has no code past ENGRAM_INTERNAL; when one is appended, engram.h must name it.
  EXPECT_FALSE(engram::ErrorCodeFromValue(ENGRAM_INTERNAL + 1).has_value());
  EXPECT_EQ(engram_code_name(ENGRAM_INTERNAL + 1), nullptr);
  EXPECT_EQ(engram_code_name(-1), nullptr);
  EXPECT_STREQ(engram_version(), "0.1.0");
}

TEST(CApiEdgeTest, NullArgumentsAreRefusedWithSyntax) {
  TempDir dir;
  engram_db* db = reinterpret_cast<engram_db*>(0x1);  // must be overwritten with NULL
  engram_error* error = nullptr;
  EXPECT_EQ(engram_open(nullptr, nullptr, &db, &error), ENGRAM_SYNTAX);
  EXPECT_EQ(db, nullptr);
  EXPECT_EQ(engram_error_code(error), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_error_position(error), -1);
  EXPECT_NE(std::string(engram_error_message(error)).find("path"), std::string::npos);
  engram_error_free(error);
  EXPECT_EQ(engram_open(dir.Sub("db").c_str(), nullptr, nullptr, nullptr), ENGRAM_SYNTAX);

  Db open(dir.Sub("db"));
  ASSERT_NE(open.get(), nullptr);
  engram_session* session = reinterpret_cast<engram_session*>(0x1);
  EXPECT_EQ(engram_session_open(nullptr, "t", &session, nullptr), ENGRAM_SYNTAX);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(engram_session_open(open.get(), nullptr, &session, &error), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_error_code(error), ENGRAM_SYNTAX);
  engram_error_free(error);
  EXPECT_EQ(engram_session_open(open.get(), "t", nullptr, nullptr), ENGRAM_SYNTAX);

  Results results;
  EXPECT_EQ(engram_exec(open.get(), nullptr, results.out()), ENGRAM_SYNTAX);
  ASSERT_EQ(engram_results_count(results.r), 1u);
  EXPECT_EQ(engram_result_error_code(results.r, 0), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_result_source(results.r, 0, nullptr), nullptr);
  EXPECT_STREQ(engram_result_json(results.r, 0),
               "{\"ok\": false, \"error\": {\"code\": \"SYNTAX\", \"message\": \"the statement "
               "text is NULL\", \"position\": null}}");
  EXPECT_EQ(engram_exec_n(open.get(), nullptr, 3, nullptr, results.out()), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_session_exec(nullptr, "SHOW MEMORIES", results.out()), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_session_exec_n(nullptr, "x", 1, nullptr, nullptr), ENGRAM_SYNTAX);

  EXPECT_EQ(engram_session_tenant(nullptr), nullptr);
  EXPECT_EQ(engram_session_in_transaction(nullptr), 0);
  EXPECT_EQ(engram_in_transaction(nullptr), 0);

  EXPECT_EQ(engram_exec(open.get(), "SHOW MEMORIES", results.out()), ENGRAM_OK);
  EXPECT_EQ(engram_result_field_index(results.r, 0, nullptr), -1);
  EXPECT_EQ(engram_result_column_index(results.r, 0, nullptr), -1);
  engram_options_init(nullptr);
  engram_exec_options_init(nullptr);
}

TEST(CApiEdgeTest, OptionStructsAreVersionedBySize) {
  TempDir dir;
  // A caller compiled against a newer header: a larger struct whose extra fields are zero is
  // accepted, one that sets them is refused (their meaning is unknown to this library).
  struct Newer {
    engram_options base;
    uint64_t future_field;
  } newer;
  std::memset(&newer, 0, sizeof newer);
  newer.base = TestOptions();
  newer.base.size = sizeof newer;
  engram_db* db = nullptr;
  engram_error* error = nullptr;
  EXPECT_EQ(engram_open(dir.Sub("a").c_str(), &newer.base, &db, &error), ENGRAM_OK);
  engram_close(db);
  newer.future_field = 7;
  EXPECT_EQ(engram_open(dir.Sub("b").c_str(), &newer.base, &db, &error), ENGRAM_SYNTAX);
  EXPECT_EQ(db, nullptr);
  EXPECT_NE(std::string(engram_error_message(error)).find("does not know"), std::string::npos)
      << engram_error_message(error);
  engram_error_free(error);

  // A caller compiled against an older header: the fields it lacks keep their defaults
  // (create_if_missing stays 1 although the caller's bytes stop before it).
  engram_options older = TestOptions();
  older.create_if_missing = 0;
  older.size = offsetof(engram_options, create_if_missing);
  EXPECT_EQ(engram_open(dir.Sub("c").c_str(), &older, &db, nullptr), ENGRAM_OK);
  engram_close(db);

  engram_options broken = TestOptions();
  broken.size = 0;
  EXPECT_EQ(engram_open(dir.Sub("d").c_str(), &broken, &db, nullptr), ENGRAM_SYNTAX);

  broken = TestOptions();
  broken.compute_arg_count = 1;
  EXPECT_EQ(engram_open(dir.Sub("e").c_str(), &broken, &db, nullptr), ENGRAM_SYNTAX);
  const char* args[] = {"--max-slots", nullptr};
  broken.compute_args = args;
  broken.compute_arg_count = 2;
  EXPECT_EQ(engram_open(dir.Sub("e").c_str(), &broken, &db, nullptr), ENGRAM_SYNTAX);

  broken = TestOptions();
  broken.compute_connections = -1;
  EXPECT_EQ(engram_open(dir.Sub("e").c_str(), &broken, &db, nullptr), ENGRAM_SYNTAX);
  engram_options pooled = TestOptions();
  pooled.compute_connections = 2;
  EXPECT_EQ(engram_open(dir.Sub("h").c_str(), &pooled, &db, nullptr), ENGRAM_OK);
  engram_close(db);

  engram_options address = TestOptions();
  address.compute_address = "carrier-pigeon:somewhere";
  EXPECT_EQ(engram_open(dir.Sub("f").c_str(), &address, &db, nullptr), ENGRAM_SYNTAX);

  Db open(dir.Sub("g"));
  engram_exec_options exec_options;
  engram_exec_options_init(&exec_options);
  exec_options.size = 0;
  Results results;
  EXPECT_EQ(engram_exec_n(open.get(), "SHOW MEMORIES", 13, &exec_options, results.out()),
            ENGRAM_SYNTAX);
  EXPECT_EQ(engram_results_count(results.r), 1u);
}

TEST(CApiEdgeTest, ValuesConvertBetweenNumericTypes) {
  TempDir dir;
  Db db(dir.Sub("db"));
  Results results;
  ASSERT_EQ(engram_exec(db.get(), "CREATE MEMORY m; SHOW MEMORIES; HISTORY m", results.out()),
            ENGRAM_OK);
  // version: UINT 1, readable as every numeric type, not as text.
  ASSERT_EQ(engram_result_field_type(results.r, 0, 0), ENGRAM_UINT);
  EXPECT_EQ(engram_result_field_uint64(results.r, 0, 0), 1u);
  EXPECT_EQ(engram_result_field_int64(results.r, 0, 0), 1);
  EXPECT_EQ(engram_result_field_double(results.r, 0, 0), 1.0);
  size_t length = 99;
  EXPECT_EQ(engram_result_field_text(results.r, 0, 0, &length), nullptr);
  EXPECT_EQ(length, 0u);
  // HISTORY rows: time is text (RFC 3339), which the numeric accessors read as 0.
  int64_t time = engram_result_column_index(results.r, 2, "time");
  ASSERT_GE(time, 0);
  ASSERT_EQ(engram_result_cell_type(results.r, 2, 0, static_cast<size_t>(time)), ENGRAM_TEXT);
  const char* text = engram_result_cell_text(results.r, 2, 0, static_cast<size_t>(time), &length);
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(std::strlen(text), length);
  EXPECT_EQ(text[length - 1], 'Z');
  EXPECT_EQ(engram_result_cell_int64(results.r, 2, 0, static_cast<size_t>(time)), 0);
  EXPECT_EQ(engram_result_cell_double(results.r, 2, 0, static_cast<size_t>(time)), 0.0);
  EXPECT_EQ(engram_result_has_rows(results.r, 0), 0);
  EXPECT_EQ(engram_result_column_count(results.r, 0), 0u);
}

TEST(CApiEdgeTest, JsonIsBuiltOnceAndSafeFromSeveralThreads) {
  TempDir dir;
  Db db(dir.Sub("db"));
  Results results;
  ASSERT_EQ(engram_exec(db.get(), "CREATE MEMORY m; SHOW MEMORIES; SHOW STATS", results.out()),
            ENGRAM_OK);
  std::vector<std::thread> threads;
  std::vector<const char*> seen(8 * 3, nullptr);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < 3; ++i) seen[t * 3 + i] = engram_result_json(results.r, i);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) {
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(seen[t * 3 + i], engram_result_json(results.r, i));  // the same string
    }
  }
  EXPECT_EQ(std::string(engram_result_json(results.r, 1))
                .rfind("{\"ok\": true, \"rows\": [{\"name\": \"m\", \"version\": 1", 0),
            0u)
      << engram_result_json(results.r, 1);
}

TEST(CApiEdgeTest, ReadOnlyDatabasesRefuseWrites) {
  TempDir dir;
  { Db db(dir.Sub("db")); }
  engram_options options = TestOptions();
  options.read_only = 1;
  Db db(dir.Sub("db"), options);
  ASSERT_NE(db.get(), nullptr);
  Results results;
  EXPECT_EQ(engram_exec(db.get(), "SHOW MEMORIES; CREATE MEMORY m", results.out()),
            ENGRAM_READONLY);
  EXPECT_EQ(engram_result_ok(results.r, 0), 1);
  EXPECT_EQ(engram_result_error_code(results.r, 1), ENGRAM_READONLY);
}

// The callback may call engram_interrupt: unlike its return value, that stops the rest of the
// call's GENERATEs too.
struct InterruptFromCallback {
  engram_db* db;
  int pieces;
};

TEST(CApiEdgeTest, AnInterruptStopsEveryGenerateOfTheCall) {
  TempDir dir;
  Db db(dir.Sub("db"));
  InterruptFromCallback state{db.get(), 0};
  engram_exec_options options;
  engram_exec_options_init(&options);
  options.user_data = &state;
  options.on_text = [](const char*, size_t, void* user_data) -> int {
    auto* s = static_cast<InterruptFromCallback*>(user_data);
    if (++s->pieces == 2) engram_interrupt(s->db);
    return 0;
  };
  const std::string script =
      "GENERATE '' MAX 500 TEMPERATURE 0; SHOW MEMORIES; GENERATE '' MAX 500 TEMPERATURE 0";
  Results results;
  ASSERT_EQ(engram_exec_n(db.get(), script.data(), script.size(), &options, results.out()),
            ENGRAM_OK)
      << engram_result_json(results.r, 0);
  ASSERT_EQ(engram_results_count(results.r), 3u);
  EXPECT_EQ(FieldText(results.r, 0, "finish"), "cancelled");
  EXPECT_LT(FieldU64(results.r, 0, "tokens"), 500u);
  EXPECT_EQ(engram_result_ok(results.r, 1), 1);  // other statements run
  EXPECT_EQ(FieldText(results.r, 2, "finish"), "cancelled");
  EXPECT_LT(FieldU64(results.r, 2, "tokens"), 500u);

  // The next call starts afresh.
  ASSERT_EQ(engram_exec(db.get(), "GENERATE '' MAX 8 TEMPERATURE 0", results.out()), ENGRAM_OK);
  EXPECT_EQ(FieldText(results.r, 0, "finish"), "length");
}

struct SlowStream {
  std::atomic<int> pieces{0};
};

TEST(CApiEdgeTest, AnotherThreadInterruptsASessionsGenerate) {
  TempDir dir;
  Db db(dir.Sub("db"));
  engram_session* session = nullptr;
  ASSERT_EQ(engram_session_open(db.get(), "worker", &session, nullptr), ENGRAM_OK);
  SlowStream stream;
  Results results;
  int rc = -1;
  std::thread worker([&] {
    engram_exec_options options;
    engram_exec_options_init(&options);
    options.user_data = &stream;
    options.on_text = [](const char*, size_t, void* user_data) -> int {
      static_cast<SlowStream*>(user_data)->pieces++;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // 500 tokens: ~1 s
      return 0;
    };
    const char* script = "GENERATE '' MAX 500 TEMPERATURE 0";
    rc = engram_session_exec_n(session, script, std::strlen(script), &options, results.out());
  });
  while (stream.pieces.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  engram_session_interrupt(session);
  worker.join();
  ASSERT_EQ(rc, ENGRAM_OK) << engram_result_json(results.r, 0);
  EXPECT_EQ(FieldText(results.r, 0, "finish"), "cancelled");
  EXPECT_LT(FieldU64(results.r, 0, "tokens"), 500u);
  engram_session_close(session);
}

TEST(CApiEdgeTest, SessionsRunOnSeveralThreads) {
  TempDir dir;
  Db db(dir.Sub("db"));
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      engram_session* session = nullptr;
      std::string tenant = "tenant" + std::to_string(t);
      if (engram_session_open(db.get(), tenant.c_str(), &session, nullptr) != ENGRAM_OK) {
        failures[t]++;
        return;
      }
      for (int i = 0; i < 10; ++i) {
        std::string statement = "CREATE MEMORY m" + std::to_string(i);
        if (engram_session_exec(session, statement.c_str(), nullptr) != ENGRAM_OK) failures[t]++;
      }
      engram_results* results = nullptr;
      if (engram_session_exec(session, "SHOW MEMORIES", &results) != ENGRAM_OK ||
          engram_result_row_count(results, 0) != 10) {
        failures[t]++;
      }
      engram_results_free(results);
      engram_session_close(session);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(CApiEdgeTest, CloseAbortsTheDefaultSessionsTransactionEvenWithSessionsOpen) {
  TempDir dir;
  engram_db* db = nullptr;
  engram_options options = TestOptions();
  ASSERT_EQ(engram_open(dir.Sub("db").c_str(), &options, &db, nullptr), ENGRAM_OK);
  engram_session* session = nullptr;
  ASSERT_EQ(engram_session_open(db, "default", &session, nullptr), ENGRAM_OK);
  ASSERT_EQ(engram_exec(db, "BEGIN; CREATE MEMORY pending", nullptr), ENGRAM_OK);
  EXPECT_EQ(engram_in_transaction(db), 1);
  engram_close(db);
  engram_results* results = nullptr;
  ASSERT_EQ(engram_session_exec(session, "SHOW MEMORIES", &results), ENGRAM_OK);
  EXPECT_EQ(engram_result_row_count(results, 0), 0u);  // "pending" was never committed
  engram_results_free(results);
  engram_session_close(session);
}

}  // namespace

namespace {

// A C++ exception inside the engine must come out as ENGRAM_INTERNAL, not unwind into the C
// caller. The only way to throw one in from outside is a callback that breaks the contract (C++
// callbacks must not throw), so this test does that, then only checks the code and closes.
TEST(CApiEdgeTest, AnExceptionInsideBecomesInternal) {
  TempDir dir;
  Db db(dir.Sub("db"));
  engram_exec_options options;
  engram_exec_options_init(&options);
  options.on_text = [](const char*, size_t, void*) -> int {
    throw std::runtime_error("thrown by the callback");
  };
  const std::string script = "GENERATE '' MAX 5 TEMPERATURE 0";
  Results results;
  EXPECT_EQ(engram_exec_n(db.get(), script.data(), script.size(), &options, results.out()),
            ENGRAM_INTERNAL);
  ASSERT_EQ(engram_results_count(results.r), 1u);
  EXPECT_EQ(engram_result_error_code(results.r, 0), ENGRAM_INTERNAL);
  EXPECT_STREQ(engram_result_error_message(results.r, 0),
               "engram_exec: unexpected exception: thrown by the callback");
}

}  // namespace
