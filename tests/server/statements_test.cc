// Statements through engramd: every statement as a command (arguments = its tokens, string
// literals as plain arguments) and QUERY "<text>", replies as maps of contract.md's fields in
// RESP3 and flat arrays in RESP2, errors as -CODE message, GENERATE streamed as RESP3 pushes,
// SHOW STATS scoped to the tenant, and the C++ remote client (engram/remote.h).
#include <gtest/gtest.h>

#include <string>

#include "engram/remote.h"
#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

using remote::RespValue;
using Type = RespValue::Type;

TEST(ServerStatementsTest, StatementsAsCommandsAndQuery) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Call(*c, {"HELLO", "3"}).type, Type::kMap);

  RespValue created = Call(*c, {"CREATE", "MEMORY", "agent"});
  ASSERT_EQ(created.type, Type::kMap) << created.text;
  EXPECT_EQ(MapGet(created, "version")->integer, 1);

  RespValue written = Call(*c, {"WRITE", "agent", "Alice lives in Paris."});
  ASSERT_EQ(written.type, Type::kMap) << written.text;
  EXPECT_EQ(MapGet(written, "version")->integer, 2);
  EXPECT_EQ(MapGet(written, "id")->integer, 1);
  // A fact with quotes and a ';' is one argument, taken verbatim.
  RespValue quoted = Call(*c, {"write", "agent", "Bob's cat is called 'Tom'; it is grey."});
  ASSERT_EQ(quoted.type, Type::kMap) << quoted.text;

  RespValue read = Call(*c, {"READ", "agent", "Where does Alice live?", "TOP", "1"});
  ASSERT_EQ(read.type, Type::kMap) << read.text;
  EXPECT_EQ(MapGet(read, "in_scope")->type, Type::kBool);
  const RespValue* rows = MapGet(read, "rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->elements.size(), 1u);
  EXPECT_EQ(MapGet(rows->elements[0], "text")->text, "Alice lives in Paris.");
  EXPECT_EQ(MapGet(rows->elements[0], "score")->type, Type::kDouble);

  // QUERY takes the statement text; the same reply shape.
  RespValue by_query = Call(*c, {"QUERY", "READ agent 'Where is Bob''s cat?' TOP 1"});
  ASSERT_EQ(by_query.type, Type::kMap) << by_query.text;
  EXPECT_EQ(MapGet(MapGet(by_query, "rows")->elements[0], "text")->text,
            "Bob's cat is called 'Tom'; it is grey.");

  RespValue history = Call(*c, {"HISTORY", "agent"});
  ASSERT_EQ(history.type, Type::kMap);
  std::string statements;
  for (const RespValue& row : MapGet(history, "rows")->elements) {
    statements += MapGet(row, "statement")->text + "\n";
  }
  ASSERT_EQ(MapGet(history, "rows")->elements.size(), 3u) << statements;
  // Commands are recorded in canonical text.
  EXPECT_EQ(MapGet(MapGet(history, "rows")->elements[1], "statement")->text,
            "WRITE agent 'Alice lives in Paris.'");

  EXPECT_EQ(Call(*c, {"SNAPSHOT", "agent", "AS", "clean"}).type, Type::kMap);
  EXPECT_EQ(Call(*c, {"BEGIN"}).text, "OK");
  EXPECT_EQ(Call(*c, {"FORGET", "agent", "ID", "1"}).type, Type::kMap);
  RespValue committed = Call(*c, {"COMMIT"});
  EXPECT_EQ(MapGet(committed, "version")->integer, 4);  // a snapshot is a name, not a commit
  RespValue rolled = Call(*c, {"ROLLBACK", "agent", "TO", "clean"});
  ASSERT_EQ(rolled.type, Type::kMap) << rolled.text;
  RespValue memories = Call(*c, {"SHOW", "MEMORIES"});
  ASSERT_EQ(MapGet(memories, "rows")->elements.size(), 1u);
  EXPECT_EQ(MapGet(MapGet(memories, "rows")->elements[0], "name")->text, "agent");

  // Errors: the catalogue's codes, positions where they help.
  EXPECT_EQ(Call(*c, {"READ", "nobody", "q"}).text.rfind("NOTFOUND ", 0), 0u);
  EXPECT_EQ(Call(*c, {"CREATE", "MEMORY", "agent"}).text.rfind("EXISTS ", 0), 0u);
  EXPECT_EQ(Call(*c, {"QUERY", "SHOW MEMORIEZ"}).text,
            "SYNTAX expected MEMORIES, SNAPSHOTS or STATS after SHOW, found 'MEMORIEZ' (at "
            "byte 5)");
  EXPECT_EQ(Call(*c, {"READ", "agent", "q", "TOP", "0"}).text,
            "SYNTAX TOP must be at least 1, found 0 (at byte 17)");
  EXPECT_EQ(Call(*c, {"QUERY", "SHOW MEMORIES; SHOW STATS"}).text.rfind("SYNTAX expected one", 0),
            0u);
  // The FILE forms would read the server's files.
  EXPECT_EQ(
      Call(*c, {"QUERY", "WRITE agent CONTEXT FILE '/etc/passwd'"}).text.rfind("AUTH FILE", 0), 0u);
  EXPECT_EQ(Call(*c, {"PING"}).text, "PONG");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerStatementsTest, Resp2FlatArraysAndGenerateText) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  RespValue generated = Call(*c, {"GENERATE", "Once upon a time", "MAX", "12", "TEMPERATURE", "0"});
  ASSERT_EQ(generated.type, Type::kArray) << generated.text;
  // text, tokens, seed, finish, prompt_tokens as key, value, ...
  ASSERT_GE(generated.elements.size(), 4u);
  EXPECT_EQ(generated.elements[0].text, "text");
  EXPECT_EQ(generated.elements[1].text, ", there was a little girl named Lily. She");
  EXPECT_EQ(generated.elements[2].text, "tokens");
  EXPECT_EQ(generated.elements[3].integer, 12);
  // null is a null bulk string, booleans integers.
  EXPECT_EQ(generated.elements[5].type, Type::kNull);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerStatementsTest, Resp3GenerateStreamsPushesBeforeTheReply) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Call(*c, {"HELLO", "3"}).type, Type::kMap);
  ASSERT_TRUE(c->Send({"GENERATE", "Once upon a time", "MAX", "12", "TEMPERATURE", "0"}).ok());
  std::string streamed;
  int pushes = 0;
  RespValue reply;
  while (true) {
    Result<RespValue> value = c->Receive();
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    if (value->type != Type::kPush) {
      reply = std::move(*value);
      break;
    }
    ASSERT_EQ(value->elements.size(), 2u);
    EXPECT_EQ(value->elements[0].text, "generate");
    streamed += value->elements[1].text;
    ++pushes;
  }
  ASSERT_EQ(reply.type, Type::kMap) << reply.text;
  EXPECT_GE(pushes, 2);
  EXPECT_EQ(streamed, MapGet(reply, "text")->text);
  EXPECT_EQ(streamed, ", there was a little girl named Lily. She");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerStatementsTest, ShowStatsIsScopedToTheTenant) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Call(*c, {"HELLO", "3"}).type, Type::kMap);
  Call(*c, {"CREATE", "MEMORY", "a"});
  RespValue stats = Call(*c, {"SHOW", "STATS"});
  ASSERT_EQ(stats.type, Type::kMap) << stats.text;
  const RespValue& row = MapGet(stats, "rows")->elements.at(0);
  EXPECT_EQ(MapGet(row, "tenant")->text, "default");
  EXPECT_EQ(MapGet(row, "memories")->integer, 1);
  // Nothing database-wide.
  for (const char* wide : {"head", "commits", "live_records", "tenants", "file_bytes"}) {
    EXPECT_EQ(MapGet(row, wide), nullptr) << wide;
  }
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerStatementsTest, RemoteClientGivesStatementResults) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  RemoteOptions options;
  options.address = "unix:" + server.unix_socket();
  auto client = RemoteClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->tenant(), "default");
  EXPECT_TRUE((*client)->Ping().ok());
  auto created = (*client)->Query("CREATE MEMORY agent");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->statement, "CREATE MEMORY");
  EXPECT_EQ(created->U64("version"), 1u);
  ASSERT_TRUE((*client)->Command({"WRITE", "agent", "Alice lives in Paris."}).ok());
  auto read = (*client)->Command({"READ", "agent", "Where does Alice live?", "TOP", "1"});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(ToJson(*read).find("\"text\": \"Alice lives in Paris.\"") != std::string::npos, true)
      << ToJson(*read);
  ASSERT_EQ(read->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(*read->Cell(0, "text")), "Alice lives in Paris.");

  std::string streamed;
  auto generated = (*client)->Query("GENERATE 'Once upon a time' MAX 12 TEMPERATURE 0",
                                    [&](std::string_view piece) { streamed += piece; });
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  EXPECT_EQ(streamed, ", there was a little girl named Lily. She");
  EXPECT_EQ(std::get<std::string>(*generated->Find("text")), streamed);

  auto failed = (*client)->Query("SHOW MEMORIEZ");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(failed.status().position(), 5);
  EXPECT_EQ(failed.status().message(),
            "expected MEMORIES, SNAPSHOTS or STATS after SHOW, found 'MEMORIEZ'");
  auto missing = (*client)->Command({"READ", "ghost", "q"});
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  options.address = "resp://127.0.0.1:1";  // nothing listens there
  auto unreachable = RemoteClient::Connect(options);
  EXPECT_EQ(unreachable.status().code(), ErrorCode::kCompute);
  options.address = "nonsense";
  EXPECT_EQ(RemoteClient::Connect(options).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace engram::testing
