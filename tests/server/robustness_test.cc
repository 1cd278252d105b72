// engramd under failure: a client that disconnects in the middle of a GENERATE, the co-process
// killed while a request waits on it (an error reply, then service as before), the limits
// (clients, idle time, GENERATEs in flight), and SIGTERM, after which every acknowledged write
// is in the database.
//
// To have a request reliably "in the middle", the co-process is frozen with SIGSTOP while the
// request is sent, so it cannot finish before the test acts.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

using remote::RespValue;
using Type = RespValue::Type;

constexpr const char* kExpected = ", there was a little girl named Lily. She";

// Starts the co-process (a first GENERATE) and returns its pid, or -1.
pid_t StartCoprocess(EngramdProcess& server) {
  auto c = Connect(server.tcp_address());
  if (c == nullptr) return -1;
  RespValue warm = Call(*c, {"GENERATE", "x", "MAX", "1"});
  EXPECT_EQ(warm.type, Type::kArray) << warm.text;
  std::vector<pid_t> children = ChildPids(server.pid());
  EXPECT_EQ(children.size(), 1u);
  return children.empty() ? -1 : children[0];
}

std::string InfoField(remote::RespConnection& c, const std::string& key) {
  const std::string info = Call(c, {"INFO"}).text;
  const std::size_t at = info.find(key + ":");
  if (at == std::string::npos) return "";
  return info.substr(at + key.size() + 1, info.find("\r\n", at) - at - key.size() - 1);
}

// Polls INFO until `key` is `value` (up to 10 s): the server has got as far as the test needs,
// however loaded the machine is.
bool WaitForInfo(remote::RespConnection& c, const std::string& key, const std::string& value) {
  for (int i = 0; i < 200; ++i) {
    if (InfoField(c, key) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ExpectGreedyGenerate(remote::RespConnection& c) {
  RespValue reply = Call(c, {"GENERATE", "Once upon a time", "MAX", "12", "TEMPERATURE", "0"});
  ASSERT_EQ(reply.type, Type::kArray) << reply.text;
  EXPECT_EQ(reply.elements.at(1).text, kExpected);
}

TEST(ServerRobustnessTest, ClientDisconnectingMidGenerate) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  const pid_t compute = StartCoprocess(server);
  ASSERT_GT(compute, 0);
  auto other = Connect(server.tcp_address());
  ASSERT_NE(other, nullptr);
  ASSERT_EQ(::kill(compute, SIGSTOP), 0);
  {
    auto leaver = Connect(server.tcp_address());
    ASSERT_NE(leaver, nullptr);
    ASSERT_EQ(Call(*leaver, {"HELLO", "3"}).type, Type::kMap);
    ASSERT_TRUE(leaver->Send({"GENERATE", "Once upon a time", "MAX", "400"}).ok());
    ASSERT_TRUE(WaitForInfo(*other, "generates_in_flight", "1"));
  }  // gone, with its GENERATE waiting on the frozen co-process
  EXPECT_EQ(Call(*other, {"PING"}).text, "PONG");  // the loop never waited
  ASSERT_EQ(::kill(compute, SIGCONT), 0);
  ExpectGreedyGenerate(*other);
  // The abandoned GENERATE has ended (cancelled or finished).
  EXPECT_TRUE(WaitForInfo(*other, "generates_in_flight", "0"));
  EXPECT_TRUE(WaitForInfo(*other, "connected_clients", "1"));
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerRobustnessTest, CoprocessKilledDuringARequest) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  const pid_t compute = StartCoprocess(server);
  ASSERT_GT(compute, 0);
  auto c = Connect(server.tcp_address());
  auto observer = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_NE(observer, nullptr);
  ASSERT_EQ(::kill(compute, SIGSTOP), 0);
  ASSERT_TRUE(c->Send({"GENERATE", "Once upon a time", "MAX", "64"}).ok());
  ASSERT_TRUE(WaitForInfo(*observer, "generates_in_flight", "1"));
  // Running on a worker, which then sends it to the frozen co-process.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(::kill(compute, SIGKILL), 0);
  Result<RespValue> reply = c->Receive();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->type, Type::kError);
  EXPECT_EQ(reply->text.rfind("COMPUTE ", 0), 0u) << reply->text;
  // The next request starts a new co-process and works, on the same connection.
  ExpectGreedyGenerate(*c);
  std::vector<pid_t> children = ChildPids(server.pid());
  ASSERT_EQ(children.size(), 1u);
  EXPECT_NE(children[0], compute);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerRobustnessTest, ClientAndGenerateLimits) {
  EngramdProcess server({"--maxclients", "2", "--max-generates", "1"});
  ASSERT_TRUE(server.started());
  const pid_t compute = StartCoprocess(server);
  ASSERT_GT(compute, 0);
  auto a = Connect(server.tcp_address());
  ASSERT_NE(a, nullptr);
  // StartCoprocess's client has gone once the server has seen it close.
  ASSERT_TRUE(WaitForInfo(*a, "connected_clients", "1"));
  auto b = Connect(server.tcp_address());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(Call(*b, {"PING"}).text, "PONG");
  auto third = Connect(server.tcp_address());
  ASSERT_NE(third, nullptr);
  Result<RespValue> refused = third->Receive();
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->text.rfind("LIMIT max number of clients", 0), 0u) << refused->text;
  EXPECT_FALSE(third->Receive().ok());  // closed

  // One GENERATE in flight at most: the second is refused at once, the first completes.
  ASSERT_EQ(::kill(compute, SIGSTOP), 0);
  ASSERT_TRUE(a->Send({"GENERATE", "Once upon a time", "MAX", "12", "TEMPERATURE", "0"}).ok());
  ASSERT_TRUE(WaitForInfo(*b, "generates_in_flight", "1"));
  RespValue second = Call(*b, {"GENERATE", "x", "MAX", "2"});
  EXPECT_EQ(second.text.rfind("LIMIT too many GENERATEs in flight", 0), 0u) << second.text;
  EXPECT_EQ(Call(*b, {"SHOW", "MEMORIES"}).type, Type::kArray);  // other statements still run
  ASSERT_EQ(::kill(compute, SIGCONT), 0);
  Result<RespValue> first = a->Receive();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->type, Type::kArray) << first->text;
  EXPECT_EQ(first->elements.at(1).text, kExpected);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerRobustnessTest, IdleClientsAreClosed) {
  EngramdProcess server({"--idle-timeout", "1"});
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Call(*c, {"PING"}).text, "PONG");
  Result<RespValue> nothing = c->Receive();  // blocks until the server closes it (~1-2 s)
  EXPECT_FALSE(nothing.ok());
  EXPECT_NE(nothing.status().message().find("closed"), std::string::npos)
      << nothing.status().ToString();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerRobustnessTest, SigtermDrainsAndLosesNoAcknowledgedWrite) {
  TempDir db_dir;
  const std::string db = db_dir.path() + "/db";
  std::set<std::string> acknowledged;
  constexpr int kClients = 4;
  constexpr int kPipelined = 300;
  {
    EngramdProcess server({}, db);
    ASSERT_TRUE(server.started());
    std::vector<std::unique_ptr<remote::RespConnection>> clients;
    for (int k = 0; k < kClients; ++k) {
      clients.push_back(Connect(server.tcp_address()));
      ASSERT_NE(clients.back(), nullptr);
      std::string frames;
      for (int i = 0; i < kPipelined; ++i) {
        const std::string name = "m_" + std::to_string(k) + "_" + std::to_string(i);
        frames += "*3\r\n$6\r\nCREATE\r\n$6\r\nMEMORY\r\n$" + std::to_string(name.size()) + "\r\n" +
                  name + "\r\n";
      }
      ASSERT_TRUE(clients.back()->SendRaw(frames).ok());
    }
    // Some replies, then SIGTERM while the rest are queued or running.
    for (int k = 0; k < kClients; ++k) {
      for (int i = 0; i < 10; ++i) {
        Result<RespValue> reply = clients[k]->Receive();
        ASSERT_TRUE(reply.ok() && reply->type == Type::kArray);
        acknowledged.insert("m_" + std::to_string(k) + "_" + std::to_string(i));
      }
    }
    ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
    for (int k = 0; k < kClients; ++k) {
      for (int i = 10; i < kPipelined; ++i) {
        Result<RespValue> reply = clients[k]->Receive();
        if (!reply.ok()) break;  // closed by the drain: the rest were never acknowledged
        ASSERT_EQ(reply->type, Type::kArray) << reply->text;
        acknowledged.insert("m_" + std::to_string(k) + "_" + std::to_string(i));
      }
    }
    EXPECT_EQ(server.Wait(), 0);
  }
  EngramdProcess server({}, db);
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Call(*c, {"HELLO", "3"}).type, Type::kMap);
  RespValue memories = Call(*c, {"SHOW", "MEMORIES"});
  std::set<std::string> stored;
  for (const RespValue& row : MapGet(memories, "rows")->elements) {
    stored.insert(MapGet(row, "name")->text);
  }
  for (const std::string& name : acknowledged) EXPECT_EQ(stored.count(name), 1u) << name;
  EXPECT_GE(acknowledged.size(), static_cast<std::size_t>(kClients * 10));
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace engram::testing
