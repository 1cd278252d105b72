// engramd under load: 50 concurrent clients on loopback, each alternating WRITE and READ,
// request by request, each on its own memory. No request may fail, and every acknowledged
// WRITE must be in its memory's history, before and after a SIGTERM and restart.
//
// ENGRAM_SERVER_LOAD_SHARED=1 puts all clients on one memory (concurrent episodic WRITEs to one
// memory from several sessions are serialised by the engine and retried on a lost race; 50 x 40
// takes ~20 s). The CTest run keeps them apart, because one memory's WRITEs cannot overlap and a
// shared run is mostly waiting.
//
// The CTest run does 100 requests per client (5,000 in all, ~15 s on two cores) to stay within
// the suite's time budget; ENGRAM_SERVER_LOAD_REQUESTS=N runs N per client (the 2,000,
// 100,000 requests, took ~7 minutes: docs/server.md). Speed is measured by tools/bench, not
// asserted here.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

using remote::RespValue;
using Type = RespValue::Type;

constexpr int kClients = 50;

int RequestsPerClient() {
  const char* env = std::getenv("ENGRAM_SERVER_LOAD_REQUESTS");
  const int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 100;
}

bool Shared() {
  const char* env = std::getenv("ENGRAM_SERVER_LOAD_SHARED");
  return env != nullptr && std::string(env) == "1";
}

std::string MemoryOf(int client) {
  return Shared() ? "load" : "load_" + std::to_string(client);
}

// Every acknowledged WRITE is a commit of its own in `memory`'s history (after the CREATE),
// recording its fact.
void ExpectHistory(EngramdProcess& server, const std::string& memory,
                   const std::vector<std::string>& facts) {
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  RespValue history = Call(*c, {"HISTORY", memory, "LIMIT", "1000000"});
  ASSERT_EQ(history.type, Type::kArray) << history.text;
  // RESP2: ["rows", [row, ...]], each row a flat array of column, value.
  ASSERT_EQ(history.elements.size(), 2u);
  EXPECT_EQ(history.elements[1].elements.size(), facts.size() + 1);
  std::set<std::string> recorded;
  for (const RespValue& row : history.elements[1].elements) {
    for (std::size_t i = 0; i + 1 < row.elements.size(); i += 2) {
      if (row.elements[i].text == "statement") recorded.insert(row.elements[i + 1].text);
    }
  }
  for (const std::string& fact : facts) {
    EXPECT_EQ(recorded.count("WRITE " + memory + " '" + fact + "'"), 1u) << fact;
  }
}

void CheckHistories(EngramdProcess& server, const std::vector<std::vector<std::string>>& facts) {
  if (Shared()) {
    std::vector<std::string> all;
    for (const auto& client : facts) all.insert(all.end(), client.begin(), client.end());
    ExpectHistory(server, "load", all);
    return;
  }
  for (int k = 0; k < kClients; ++k) ExpectHistory(server, MemoryOf(k), facts[k]);
}

TEST(ServerLoadTest, FiftyClientsReadAndWriteWithoutErrorsOrLostWrites) {
  TempDir db_dir;
  const std::string db = db_dir.path() + "/db";
  const int requests = RequestsPerClient();
  std::vector<std::vector<std::string>> facts(kClients);
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex first_error_mutex;
  std::vector<std::string> all_facts;
  {
    EngramdProcess server({"--threads", "16"}, db);
    ASSERT_TRUE(server.started());
    {
      auto c = Connect(server.tcp_address());
      ASSERT_NE(c, nullptr);
      for (int k = 0; k < (Shared() ? 1 : kClients); ++k) {
        ASSERT_EQ(Call(*c, {"CREATE", "MEMORY", MemoryOf(k)}).type, Type::kArray);
      }
    }
    std::vector<std::thread> threads;
    for (int k = 0; k < kClients; ++k) {
      threads.emplace_back([&, k] {
        auto fail = [&](const std::string& what) {
          if (errors.fetch_add(1) == 0) {
            std::lock_guard lock(first_error_mutex);
            first_error = "client " + std::to_string(k) + ": " + what;
          }
        };
        Result<remote::RespAddress> address = remote::ParseRespAddress(server.tcp_address());
        auto c = remote::RespConnection::Open(*address, std::chrono::seconds(120));
        if (!c.ok()) return fail(c.status().ToString());
        for (int i = 0; i < requests; ++i) {
          RespValue reply;
          if (i % 2 == 0) {
            const std::string fact =
                "Client " + std::to_string(k) + " wrote fact " + std::to_string(i) + ".";
            reply = Call(**c, {"WRITE", MemoryOf(k), fact});
            if (reply.type == Type::kArray) facts[k].push_back(fact);
          } else {
            reply = Call(**c, {"READ", MemoryOf(k),
                               "What did client " + std::to_string(k) + " write?", "TOP", "3"});
          }
          if (reply.type != Type::kArray) return fail(reply.text);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(errors.load(), 0) << first_error;
    for (const auto& client_facts : facts)
      all_facts.insert(all_facts.end(), client_facts.begin(), client_facts.end());
    EXPECT_EQ(all_facts.size(), static_cast<std::size_t>(kClients * ((requests + 1) / 2)));
    CheckHistories(server, facts);
    EXPECT_EQ(server.Stop(std::chrono::seconds(60)), 0);
  }
  EngramdProcess server({}, db);
  ASSERT_TRUE(server.started());
  CheckHistories(server, facts);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace engram::testing
