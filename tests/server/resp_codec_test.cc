// The pieces of engramd without a server: the request reader (byte by byte, pipelined, inline,
// limits), the reply writer in RESP2 and RESP3, and the users file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/reply.h"
#include "server/resp_reader.h"
#include "server/resp_writer.h"
#include "server/users.h"

namespace engram::server {
namespace {

std::vector<std::vector<std::string>> ReadAll(RequestReader& reader) {
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> args;
  while (true) {
    Result<bool> next = reader.Next(args);
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !*next) return commands;
    commands.push_back(args);
  }
}

TEST(RespReaderTest, CommandsSplitAnywhereAndPipelined) {
  const std::string bytes =
      "*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n*1\r\n$4\r\nPING\r\nPING x 'y z' \"q\\\"\"\r\n\r\n";
  RequestReader reader;
  std::vector<std::vector<std::string>> commands;
  for (char c : bytes) {  // one byte at a time
    reader.Feed(std::string_view(&c, 1));
    for (auto& command : ReadAll(reader)) commands.push_back(command);
  }
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0], (std::vector<std::string>{"ECHO", "a\r\nb"}));
  EXPECT_EQ(commands[1], (std::vector<std::string>{"PING"}));
  EXPECT_EQ(commands[2], (std::vector<std::string>{"PING", "x", "y z", "q\""}));
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(RespReaderTest, LimitsAreCheckedAtTheHeader) {
  ReaderLimits limits;
  limits.max_bulk_bytes = 10;
  limits.max_arguments = 3;
  limits.max_request_bytes = 15;
  limits.max_inline_bytes = 8;
  std::vector<std::string> args;
  auto error = [&](const std::string& bytes) {
    RequestReader reader(limits);
    reader.Feed(bytes);
    Result<bool> next = reader.Next(args);
    return next.ok() ? Status::Ok() : next.status();
  };
  EXPECT_EQ(error("*1\r\n$11\r\n").code(), ErrorCode::kLimit);
  EXPECT_EQ(error("*4\r\n").code(), ErrorCode::kLimit);
  EXPECT_EQ(error("*2\r\n$8\r\n12345678\r\n$8\r\n").code(), ErrorCode::kLimit);
  EXPECT_EQ(error("123456789").code(), ErrorCode::kLimit);
  EXPECT_EQ(error("*0\r\n").code(), ErrorCode::kSyntax);
  EXPECT_EQ(error("*1\r\n:1\r\n").code(), ErrorCode::kSyntax);
  EXPECT_EQ(error("*1\r\n$-1\r\n").code(), ErrorCode::kSyntax);
  EXPECT_EQ(error("*1\r\n$1\r\nab\r\n").code(), ErrorCode::kSyntax);
  EXPECT_EQ(error("A 'b\r\n").code(), ErrorCode::kSyntax);
  EXPECT_TRUE(error("*1\r\n$10\r\n0123456789\r\n").ok());
}

TEST(RespWriterTest, Resp2AndResp3Spellings) {
  StatementResult result;
  result.Add("version", std::uint64_t{3}).Add("seed", Value{}).Add("in_scope", true);
  result.Add("score", 0.5).Add("big", std::uint64_t{18446744073709551615u});
  result.has_rows = true;
  result.columns = {"id", "text"};
  result.rows.push_back({std::uint64_t{1}, std::string("a")});
  std::string resp3;
  RespWriter writer3(resp3, 3);
  WriteResult(writer3, result);
  EXPECT_EQ(resp3,
            "%6\r\n$7\r\nversion\r\n:3\r\n$4\r\nseed\r\n_\r\n$8\r\nin_scope\r\n#t\r\n"
            "$5\r\nscore\r\n,0.5\r\n$3\r\nbig\r\n(18446744073709551615\r\n"
            "$4\r\nrows\r\n*1\r\n%2\r\n$2\r\nid\r\n:1\r\n$4\r\ntext\r\n$1\r\na\r\n");
  std::string resp2;
  RespWriter writer2(resp2, 2);
  WriteResult(writer2, result);
  EXPECT_EQ(resp2,
            "*12\r\n$7\r\nversion\r\n:3\r\n$4\r\nseed\r\n$-1\r\n$8\r\nin_scope\r\n:1\r\n"
            "$5\r\nscore\r\n$3\r\n0.5\r\n$3\r\nbig\r\n$20\r\n18446744073709551615\r\n"
            "$4\r\nrows\r\n*1\r\n*4\r\n$2\r\nid\r\n:1\r\n$4\r\ntext\r\n$1\r\na\r\n");
  std::string ok;
  RespWriter writer(ok, 3);
  WriteResult(writer, StatementResult{});
  EXPECT_EQ(ok, "+OK\r\n");
  std::string error;
  RespWriter error_writer(error, 2);
  WriteStatusError(error_writer, SyntaxError("bad\r\nthing", 7), true);
  EXPECT_EQ(error, "-SYNTAX bad  thing (at byte 7)\r\n");
}

TEST(UserTableTest, ParseAndAuthenticate) {
  Result<UserTable> users =
      UserTable::Parse("# comment\n\nalice  pw1 team_a\r\n  bob\tpw2\tteam_b  \n");
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  EXPECT_EQ(users->size(), 2u);
  EXPECT_EQ(users->Authenticate("alice", "pw1"), "team_a");
  EXPECT_EQ(users->Authenticate("bob", "pw2"), "team_b");
  EXPECT_EQ(users->Authenticate("alice", "pw2"), std::nullopt);
  EXPECT_EQ(users->Authenticate("alice", "pw1x"), std::nullopt);
  EXPECT_EQ(users->Authenticate("alice", ""), std::nullopt);
  EXPECT_EQ(users->Authenticate("carol", "pw1"), std::nullopt);
  EXPECT_EQ(UserTable::Parse("alice pw\n").status().message(),
            "users file line 1: expected 'name password tenant', found 2 fields");
  EXPECT_EQ(UserTable::Parse("a p t\na q t\n").status().message(),
            "users file line 2: user 'a' is listed twice");
  EXPECT_EQ(UserTable::Parse("a p 9tenant\n").status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(UserTable::Load("/nonexistent/users").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace engram::server
