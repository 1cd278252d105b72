// The C API's remote mode (engram.h, options->server) against a live engramd: exec with several
// statements (a parse error in the middle, positions in the caller's text), streaming, results
// as the embedded engine gives them, sessions bound to the user's tenant, refused credentials.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "engram/engram.h"
#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

int Collect(const char* text, size_t length, void* user_data) {
  static_cast<std::string*>(user_data)->append(text, length);
  return 0;
}

TEST(CApiRemoteTest, ExecThroughEngramd) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  engram_options options;
  engram_options_init(&options);
  const std::string address = server.tcp_address();
  options.server = address.c_str();
  engram_db* db = nullptr;
  engram_error* error = nullptr;
  ASSERT_EQ(engram_open(nullptr, &options, &db, &error), ENGRAM_OK) << engram_error_message(error);

  engram_results* results = nullptr;
  const char* script =
      "CREATE MEMORY agent; SHOW MEMORIEZ; WRITE agent 'Alice lives in Paris.'; READ ghost 'q'";
  EXPECT_EQ(engram_exec(db, script, &results), ENGRAM_SYNTAX);
  ASSERT_EQ(engram_results_count(results), 4u);
  EXPECT_TRUE(engram_result_ok(results, 0));
  EXPECT_STREQ(engram_result_statement(results, 0), "CREATE MEMORY");
  EXPECT_STREQ(engram_result_json(results, 0), "{\"ok\": true, \"version\": 1}");
  EXPECT_EQ(engram_result_error_code(results, 1), ENGRAM_SYNTAX);
  EXPECT_EQ(engram_result_error_position(results, 1), 26);  // in `script`
  EXPECT_STREQ(engram_result_source(results, 1, nullptr), "SHOW MEMORIEZ");
  EXPECT_TRUE(engram_result_ok(results, 2));
  EXPECT_EQ(engram_result_error_code(results, 3), ENGRAM_NOTFOUND);
  EXPECT_EQ(engram_result_error_position(results, 3), 78);  // the memory name, as embedded
  engram_results_free(results);

  std::string streamed;
  ASSERT_EQ(engram_exec_stream(db, "GENERATE 'Once upon a time' MAX 12 TEMPERATURE 0", &Collect,
                               &streamed, &results),
            ENGRAM_OK);
  EXPECT_EQ(streamed, ", there was a little girl named Lily. She");
  const int64_t text = engram_result_field_index(results, 0, "text");
  ASSERT_GE(text, 0);
  EXPECT_EQ(std::string(engram_result_field_text(results, 0, static_cast<size_t>(text), nullptr)),
            streamed);
  engram_results_free(results);

  ASSERT_EQ(engram_exec(db, "READ agent 'Where does Alice live?' TOP 1", &results), ENGRAM_OK);
  ASSERT_EQ(engram_result_row_count(results, 0), 1u);
  const int64_t column = engram_result_column_index(results, 0, "text");
  EXPECT_STREQ(engram_result_cell_text(results, 0, 0, static_cast<size_t>(column), nullptr),
               "Alice lives in Paris.");
  engram_results_free(results);

  ASSERT_EQ(engram_exec(db, "BEGIN", nullptr), ENGRAM_OK);
  EXPECT_EQ(engram_in_transaction(db), 1);
  ASSERT_EQ(engram_exec(db, "ABORT", nullptr), ENGRAM_OK);
  EXPECT_EQ(engram_in_transaction(db), 0);

  // A session is another connection in the same (default) tenant.
  engram_session* session = nullptr;
  ASSERT_EQ(engram_session_open(db, "default", &session, nullptr), ENGRAM_OK);
  EXPECT_STREQ(engram_session_tenant(session), "default");
  ASSERT_EQ(engram_session_exec(session, "SHOW MEMORIES", &results), ENGRAM_OK);
  EXPECT_EQ(engram_result_row_count(results, 0), 1u);
  engram_results_free(results);
  engram_session_close(session);
  EXPECT_EQ(engram_session_open(db, "other", &session, &error), ENGRAM_TENANT);
  engram_error_free(error);
  engram_close(db);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(CApiRemoteTest, CredentialsAndUnreachableServers) {
  TempDir dir;
  const std::string users = dir.path() + "/users";
  std::ofstream(users) << "alice pw team_a\n";
  EngramdProcess server({"--users", users});
  ASSERT_TRUE(server.started());
  engram_options options;
  engram_options_init(&options);
  const std::string address = "unix:" + server.unix_socket();
  options.server = address.c_str();
  options.user = "alice";
  options.password = "wrong";
  engram_db* db = nullptr;
  engram_error* error = nullptr;
  EXPECT_EQ(engram_open(nullptr, &options, &db, &error), ENGRAM_AUTH);
  EXPECT_EQ(db, nullptr);
  engram_error_free(error);
  options.password = "pw";
  ASSERT_EQ(engram_open(nullptr, &options, &db, nullptr), ENGRAM_OK);
  engram_session* session = nullptr;
  ASSERT_EQ(engram_session_open(db, "team_a", &session, nullptr), ENGRAM_OK);
  engram_session_close(session);
  engram_close(db);

  options.server = "resp://127.0.0.1:1";
  EXPECT_EQ(engram_open(nullptr, &options, &db, nullptr), ENGRAM_COMPUTE);
  options.server = "no-port";
  EXPECT_EQ(engram_open(nullptr, &options, &db, nullptr), ENGRAM_SYNTAX);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace engram::testing
