// engramd's RESP layer against a real server on loopback: PING and pipelining, inline commands,
// RESP3 after HELLO 3, malformed and oversized frames (error reply, connection closed, other
// clients unaffected), unknown commands.
#include <gtest/gtest.h>

#include <string>

#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

using remote::RespValue;
using Type = RespValue::Type;

TEST(ServerProtocolTest, PingEchoAndPipelining) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  RespValue pong = Call(*c, {"PING"});
  EXPECT_EQ(pong.type, Type::kSimple);
  EXPECT_EQ(pong.text, "PONG");
  EXPECT_EQ(Call(*c, {"ping", "hello"}).text, "hello");
  EXPECT_EQ(Call(*c, {"ECHO", "x y"}).text, "x y");

  // 1,000 commands in one write, answered in order.
  std::string frames;
  for (int i = 0; i < 1000; ++i) {
    const std::string arg = std::to_string(i);
    frames += "*2\r\n$4\r\nECHO\r\n$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  ASSERT_TRUE(c->SendRaw(frames).ok());
  for (int i = 0; i < 1000; ++i) {
    Result<RespValue> reply = c->Receive();
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(reply->text, std::to_string(i));
  }

  // Inline commands (telnet style), quotes keep blanks.
  ASSERT_TRUE(c->SendRaw("PING\r\nECHO \"two words\"\r\n\r\nPING 'a b'\n").ok());
  EXPECT_EQ(c->Receive()->text, "PONG");
  EXPECT_EQ(c->Receive()->text, "two words");
  EXPECT_EQ(c->Receive()->text, "a b");

  // Over the unix socket too.
  auto u = Connect("unix:" + server.unix_socket());
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(Call(*u, {"PING"}).text, "PONG");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerProtocolTest, HelloSwitchesToResp3) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  // RESP2 first: a map is a flat array.
  RespValue hello2 = Call(*c, {"HELLO"});
  EXPECT_EQ(hello2.type, Type::kArray);
  RespValue hello3 = Call(*c, {"HELLO", "3"});
  ASSERT_EQ(hello3.type, Type::kMap);
  ASSERT_NE(MapGet(hello3, "proto"), nullptr);
  EXPECT_EQ(MapGet(hello3, "proto")->integer, 3);
  EXPECT_EQ(MapGet(hello3, "server")->text, "engramd");
  EXPECT_EQ(MapGet(hello3, "tenant")->text, "default");
  RespValue bad = Call(*c, {"HELLO", "4"});
  EXPECT_EQ(bad.type, Type::kError);
  EXPECT_EQ(bad.text.rfind("SYNTAX ", 0), 0u) << bad.text;
  RespValue unknown = Call(*c, {"FLUSHALL"});
  EXPECT_EQ(unknown.text, "SYNTAX unknown command 'FLUSHALL'");
  EXPECT_EQ(Call(*c, {"PING"}).text, "PONG");  // still served
  EXPECT_EQ(server.Stop(), 0);
}

// A frame that is not RESP: the error reply, then the server closes that connection only.
void ExpectRefusedAndClosed(EngramdProcess& server, const std::string& bytes,
                            const std::string& code) {
  auto bystander = Connect(server.tcp_address());
  ASSERT_NE(bystander, nullptr);
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendRaw("PING\r\n" + bytes).ok());
  EXPECT_EQ(c->Receive()->text, "PONG");  // the command before the bad frame is answered
  Result<RespValue> error = c->Receive();
  ASSERT_TRUE(error.ok()) << error.status().ToString();
  EXPECT_EQ(error->type, Type::kError);
  EXPECT_EQ(error->text.rfind(code + " protocol error", 0), 0u) << error->text;
  Result<RespValue> after = c->Receive();
  EXPECT_FALSE(after.ok());  // closed
  EXPECT_EQ(Call(*bystander, {"PING"}).text, "PONG");
}

TEST(ServerProtocolTest, MalformedAndOversizedFramesCloseOnlyThatConnection) {
  EngramdProcess server({"--max-bulk", "1024", "--max-request", "3000"});
  ASSERT_TRUE(server.started());
  ExpectRefusedAndClosed(server, "*2\r\n$4\r\nPING\r\n:12\r\n", "SYNTAX");
  ExpectRefusedAndClosed(server, "*x\r\n", "SYNTAX");
  ExpectRefusedAndClosed(server, "*1\r\n$-5\r\n", "SYNTAX");
  ExpectRefusedAndClosed(server, "*1\r\n$4\r\nPINGxx\r\n", "SYNTAX");
  ExpectRefusedAndClosed(server, "ECHO \"unbalanced\r\n", "SYNTAX");
  // Refused from the header alone: the 2 KiB never has to arrive.
  ExpectRefusedAndClosed(server, "*2\r\n$4\r\nECHO\r\n$2048\r\n", "LIMIT");
  // The whole command over --max-request, refused at the header that passes it.
  const std::string a1000 = std::string(1000, 'a');
  ExpectRefusedAndClosed(
      server, "*4\r\n$4\r\nECHO\r\n$1000\r\n" + a1000 + "\r\n$1000\r\n" + a1000 + "\r\n$1000\r\n",
      "LIMIT");
  ExpectRefusedAndClosed(server, std::string(70 * 1024, 'x'), "LIMIT");  // an endless line
  // A bulk within the limits is fine.
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Call(*c, {"ECHO", std::string(1024, 'b')}).text.size(), 1024u);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace engram::testing
