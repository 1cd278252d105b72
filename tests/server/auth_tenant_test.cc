// Authentication and tenant isolation through engramd: the users file and --requirepass, what
// an unauthenticated client may do, wrong and missing passwords, and two users of different
// tenants with a memory of the same name who can never see or touch each other's (reads,
// writes, snapshots, history), also across a restart.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "engram/remote.h"
#include "tests/server/engramd_process.h"

namespace engram::testing {
namespace {

using remote::RespValue;
using Type = RespValue::Type;

std::string WriteUsersFile(const TempDir& dir) {
  const std::string path = dir.path() + "/users";
  std::ofstream file(path);
  file << "# name password tenant\n"
       << "alice  alice-secret  team_a\n"
       << "\n"
       << "bob    bob-secret    team_b\n"
       << "carol  carol-secret  team_a\n";
  return path;
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(ServerAuthTest, PasswordsAreRequiredAndChecked) {
  TempDir users_dir;
  EngramdProcess server({"--users", WriteUsersFile(users_dir)});
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  // Before AUTH: PING, HELLO, AUTH and QUIT only.
  EXPECT_EQ(Call(*c, {"PING"}).text, "PONG");
  EXPECT_TRUE(StartsWith(Call(*c, {"SHOW", "MEMORIES"}).text, "AUTH authentication required"));
  EXPECT_TRUE(StartsWith(Call(*c, {"QUERY", "SHOW MEMORIES"}).text, "AUTH "));
  EXPECT_TRUE(StartsWith(Call(*c, {"INFO"}).text, "AUTH "));
  RespValue hello = Call(*c, {"HELLO", "3"});
  ASSERT_EQ(hello.type, Type::kMap);
  EXPECT_EQ(MapGet(hello, "tenant"), nullptr);  // nobody yet
  // Wrong password, unknown user, the one-argument form (no "default" user here).
  EXPECT_TRUE(StartsWith(Call(*c, {"AUTH", "alice", "wrong"}).text, "AUTH invalid"));
  EXPECT_TRUE(StartsWith(Call(*c, {"AUTH", "mallory", "alice-secret"}).text, "AUTH invalid"));
  EXPECT_TRUE(StartsWith(Call(*c, {"AUTH", "alice-secret"}).text, "AUTH invalid"));
  EXPECT_TRUE(StartsWith(Call(*c, {"HELLO", "3", "AUTH", "bob", "alice-secret"}).text, "AUTH "));
  EXPECT_TRUE(StartsWith(Call(*c, {"SHOW", "MEMORIES"}).text, "AUTH "));
  EXPECT_EQ(Call(*c, {"AUTH", "alice", "alice-secret"}).text, "OK");
  EXPECT_EQ(Call(*c, {"SHOW", "MEMORIES"}).type, Type::kMap);

  // The remote client: refused without or with a wrong password.
  RemoteOptions options;
  options.address = server.tcp_address();
  EXPECT_TRUE((RemoteClient::Connect(options)).ok());  // HELLO is allowed...
  auto anonymous = RemoteClient::Connect(options);
  EXPECT_EQ((*anonymous)->Query("SHOW MEMORIES").status().code(), ErrorCode::kAuth);  // ...not this
  options.user = "bob";
  options.password = "nope";
  EXPECT_EQ(RemoteClient::Connect(options).status().code(), ErrorCode::kAuth);
  options.password = "bob-secret";
  auto bob = RemoteClient::Connect(options);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ((*bob)->tenant(), "team_b");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerAuthTest, RequirepassMakesTheDefaultUser) {
  EngramdProcess server({"--requirepass", "s3cret"});
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(StartsWith(Call(*c, {"SHOW", "MEMORIES"}).text, "AUTH "));
  EXPECT_TRUE(StartsWith(Call(*c, {"AUTH", "wrong"}).text, "AUTH invalid"));
  EXPECT_EQ(Call(*c, {"AUTH", "s3cret"}).text, "OK");
  EXPECT_EQ(Call(*c, {"SHOW", "MEMORIES"}).type, Type::kArray);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerAuthTest, WithoutUsersAuthIsAnErrorAndEveryoneIsDefault) {
  EngramdProcess server;
  ASSERT_TRUE(server.started());
  auto c = Connect(server.tcp_address());
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(StartsWith(Call(*c, {"AUTH", "x"}).text, "AUTH AUTH called"));
  EXPECT_EQ(Call(*c, {"SHOW", "MEMORIES"}).type, Type::kArray);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerTenantTest, SameMemoryNameNeverCrossesTenants) {
  TempDir users_dir;
  const std::string users = WriteUsersFile(users_dir);
  TempDir db_dir;
  const std::string db = db_dir.path() + "/db";
  {
    EngramdProcess server({"--users", users}, db);
    ASSERT_TRUE(server.started());
    RemoteOptions options;
    options.address = server.tcp_address();
    options.user = "alice";
    options.password = "alice-secret";
    auto alice = RemoteClient::Connect(options);
    options.user = "bob";
    options.password = "bob-secret";
    auto bob = RemoteClient::Connect(options);
    options.user = "carol";  // alice's tenant
    options.password = "carol-secret";
    auto carol = RemoteClient::Connect(options);
    ASSERT_TRUE(alice.ok() && bob.ok() && carol.ok());

    ASSERT_TRUE((*alice)->Query("CREATE MEMORY notes").ok());
    ASSERT_TRUE((*alice)->Command({"WRITE", "notes", "Alice's secret is 42."}).ok());
    ASSERT_TRUE((*alice)->Query("SNAPSHOT notes AS before").ok());
    // bob: the same name is free in his tenant, and alice's memory does not exist for him.
    EXPECT_EQ((*bob)->Query("READ notes 'secret'").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*bob)->Query("HISTORY notes").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*bob)->Query("WRITE notes 'bob was here'").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*bob)->Query("ROLLBACK notes TO before").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ((*bob)->Query("DROP MEMORY notes").status().code(), ErrorCode::kNotFound);
    auto bob_snapshots = (*bob)->Query("SHOW SNAPSHOTS");
    ASSERT_TRUE(bob_snapshots.ok());
    EXPECT_TRUE(bob_snapshots->rows.empty());
    ASSERT_TRUE((*bob)->Query("CREATE MEMORY notes").ok());
    ASSERT_TRUE((*bob)->Command({"WRITE", "notes", "Bob likes tea."}).ok());
    auto bob_read = (*bob)->Query("READ notes 'secret' TOP 5");
    ASSERT_TRUE(bob_read.ok());
    for (std::size_t r = 0; r < bob_read->rows.size(); ++r) {
      EXPECT_NE(std::get<std::string>(*bob_read->Cell(r, "text")), "Alice's secret is 42.");
    }
    auto bob_history = (*bob)->Query("HISTORY notes");
    ASSERT_TRUE(bob_history.ok());
    EXPECT_EQ(bob_history->rows.size(), 2u);  // his CREATE and WRITE only
    auto bob_memories = (*bob)->Query("SHOW MEMORIES");
    EXPECT_EQ(bob_memories->rows.size(), 1u);

    // alice's memory is untouched by bob; carol shares alice's tenant and sees it.
    auto alice_history = (*alice)->Query("HISTORY notes");
    ASSERT_TRUE(alice_history.ok());
    EXPECT_EQ(alice_history->rows.size(), 2u);
    auto carol_read = (*carol)->Query("READ notes 'What is the secret?' TOP 5");
    ASSERT_TRUE(carol_read.ok()) << carol_read.status().ToString();
    ASSERT_EQ(carol_read->rows.size(), 1u);
    EXPECT_EQ(std::get<std::string>(*carol_read->Cell(0, "text")), "Alice's secret is 42.");
    auto stats = (*bob)->Query("SHOW STATS");
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(std::get<std::string>(*stats->Cell(0, "tenant")), "team_b");
    EXPECT_EQ(std::get<std::uint64_t>(*stats->Cell(0, "memories")), 1u);
    EXPECT_EQ(server.Stop(), 0);
  }
  // After a restart the tenants are still apart.
  EngramdProcess server({"--users", users}, db);
  ASSERT_TRUE(server.started());
  RemoteOptions options;
  options.address = "unix:" + server.unix_socket();
  options.user = "bob";
  options.password = "bob-secret";
  auto bob = RemoteClient::Connect(options);
  ASSERT_TRUE(bob.ok());
  auto read = (*bob)->Query("READ notes 'Alice secret' TOP 5");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(*read->Cell(0, "text")), "Bob likes tea.");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerTenantTest, BadUsersFilesAreRefusedAtStart) {
  TempDir dir;
  const std::string path = dir.path() + "/users";
  std::ofstream(path) << "alice secret\n";
  {
    // A line without a tenant: engramd exits with status 2 before its ready line.
    const std::string command = EngramdBinary() + " --db " + dir.path() + "/db --users " + path +
                                " > " + dir.path() + "/out 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 2);
    std::ifstream out(dir.path() + "/out");
    std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("users file line 1: expected 'name password tenant'"), std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace engram::testing
