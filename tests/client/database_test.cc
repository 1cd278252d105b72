// The embedded engine of engram/database.h on a real store and a real engram-compute co-process:
// GENERATE through the co-process (greedy output token-exact against llama2.c's), streaming,
// model binding, sessions per tenant, transactions across calls.
#include "engram/database.h"
#include "tests/client/test_database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/store.h"
#include "tests/storage/test_store.h"

namespace engram {
namespace {

using storage::testing::TempDir;

using testing::Ok;
using testing::OpenOrDie;
using testing::TestOptions;

std::string Text(const StatementResult& result, std::string_view field) {
  const Value* value = result.Find(field);
  return value != nullptr && std::holds_alternative<std::string>(*value)
             ? std::get<std::string>(*value)
             : "<missing>";
}

// What llama2.c's `run` printed for 200 greedy steps from BOS (the shared golden file).
std::string GoldenGreedy() {
  std::ifstream in(std::string(ENGRAM_SHARED_DIR) + "/models/stories260K/greedy_200.txt");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(DatabaseTest, GenerateGreedyMatchesTheReferenceAndStreams) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  std::string streamed;
  ExecuteOptions options;
  options.on_text = [&](std::string_view piece) { streamed += piece; };
  StatementResult result = Ok(*db, "GENERATE '' MAX 200 TEMPERATURE 0", options);
  const std::string text = Text(result, "text");
  EXPECT_EQ(streamed, text);
  const std::string golden = GoldenGreedy();
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(text, golden);
  EXPECT_EQ(Text(result, "finish"), "length");
  EXPECT_EQ(result.U64("tokens"), std::optional<std::uint64_t>(200));
  EXPECT_EQ(db->model_fingerprint().size(), 32u);
}

TEST(DatabaseTest, SeededSamplingIsReproducibleAndUnseededReturnsItsSeed) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  StatementResult a = Ok(*db, "GENERATE 'Lily and Ben' MAX 24 SEED 42");
  StatementResult b = Ok(*db, "GENERATE 'Lily and Ben' SEED 42 MAX 24");
  EXPECT_EQ(Text(a, "text"), Text(b, "text"));
  EXPECT_EQ(a.U64("seed"), std::optional<std::uint64_t>(42));
  StatementResult greedy = Ok(*db, "GENERATE 'Lily and Ben' MAX 4 TEMPERATURE 0");
  ASSERT_NE(greedy.Find("seed"), nullptr);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*greedy.Find("seed")));  // greedy: no seed
  StatementResult c = Ok(*db, "GENERATE 'Lily and Ben' MAX 24");
  auto seed = c.U64("seed");
  ASSERT_TRUE(seed.has_value());
  StatementResult d = Ok(*db, "GENERATE 'Lily and Ben' MAX 24 SEED " + std::to_string(*seed));
  EXPECT_EQ(Text(c, "text"), Text(d, "text"));
}

TEST(DatabaseTest, GenerateLimitsAndUnbuiltFormsFailAtTheirPosition) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  auto results = db->Execute("GENERATE 'Once' MAX 4000");
  ASSERT_FALSE(results[0].ok());
  EXPECT_EQ(results[0].status().code(), ErrorCode::kLimit);
  EXPECT_EQ(results[0].status().position(), 20);  // the number after MAX
  results = db->Execute("GENERATE 'Once' USING ghost");
  ASSERT_FALSE(results[0].ok());
  EXPECT_EQ(results[0].status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(results[0].status().position(), 22);
}

TEST(DatabaseTest, CancelStopsAGeneration) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  std::atomic<bool> cancel{false};
  int pieces = 0;
  std::string streamed;
  ExecuteOptions options;
  options.cancel = &cancel;
  options.on_text = [&](std::string_view piece) {
    streamed += piece;
    if (++pieces == 3) cancel = true;
  };
  // The cancel reaches the co-process within a round trip; tokens already on the way still
  // arrive, so only "well short of MAX" is certain.
  StatementResult result = Ok(*db, "GENERATE '' MAX 500 TEMPERATURE 0", options);
  EXPECT_EQ(Text(result, "finish"), "cancelled");
  EXPECT_LT(result.U64("tokens").value_or(999), 500u);
  EXPECT_GE(result.U64("tokens").value_or(0), 3u);
  // Tokens under way when the cancel went out reach on_text too.
  EXPECT_EQ(streamed, Text(result, "text"));
}

TEST(DatabaseTest, TheModelIsBoundAtFirstUse) {
  TempDir dir;
  std::string fingerprint;
  {
    auto db = OpenOrDie(dir.path() + "/db");
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(db->model_fingerprint(), "");
    Ok(*db, "CREATE MEMORY early");  // the default session exists since Open
    ASSERT_TRUE(db->StartCompute().ok());
    fingerprint = db->model_fingerprint();
    EXPECT_EQ(fingerprint.size(), 32u);
    Ok(*db, "CREATE MEMORY late");  // same session: sees the binding made since
  }
  {
    auto store = storage::Store::Open(dir.path() + "/db", {.read_only = true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto read = (*store)->BeginRead();
    ASSERT_TRUE(read.ok());
    const auto attrs_of = [&](const std::string& memory) {
      auto record = read->Get(storage::Tenant::Default(),
                              storage::RecordKey{memory, storage::RecordKind::kMemory, 0});
      EXPECT_TRUE(record.ok() && record->has_value()) << memory;
      if (!record.ok() || !record->has_value()) return std::string();
      const auto& bytes = (*record)->attrs;
      return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    };
    EXPECT_NE(attrs_of("early").find("\"model\": null"), std::string::npos) << attrs_of("early");
    EXPECT_NE(attrs_of("late").find("\"model\": \"" + fingerprint + "\""), std::string::npos)
        << attrs_of("late");
  }
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->model_fingerprint(), fingerprint);
}

TEST(DatabaseTest, SessionsSeparateTenantsAndKeepTransactionsAcrossCalls) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  auto alice = db->OpenSession("alice");
  auto bob = db->OpenSession("bob");
  ASSERT_TRUE(alice.ok() && bob.ok());
  EXPECT_TRUE((*alice)->Execute("CREATE MEMORY m")[0].ok());
  auto shown = (*bob)->Execute("SHOW MEMORIES");
  ASSERT_TRUE(shown[0].ok());
  EXPECT_TRUE(shown[0]->rows.empty());
  EXPECT_TRUE((*bob)->Execute("BEGIN; CREATE MEMORY m")[1].ok());
  EXPECT_TRUE((*bob)->in_transaction());
  auto committed = (*bob)->Execute("COMMIT");
  ASSERT_TRUE(committed[0].ok());
  EXPECT_EQ(committed[0]->U64("version"), std::optional<std::uint64_t>(2));
  EXPECT_FALSE(db->OpenSession("no such tenant!").ok());
}

TEST(DatabaseTest, OnResultSeesEachStatementWithItsText) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  std::vector<std::string> seen;
  ExecuteOptions options;
  options.on_result = [&](std::string_view text, const Result<StatementResult>& r) {
    seen.push_back(std::string(text) + (r.ok() ? " ok" : " failed"));
  };
  db->Execute("CREATE MEMORY a;  SHOW MEMORIEZ ; SHOW MEMORIES", options);
  EXPECT_EQ(seen, (std::vector<std::string>{"CREATE MEMORY a ok", "SHOW MEMORIEZ failed",
                                            "SHOW MEMORIES ok"}));
}

TEST(DatabaseTest, BadOptionsFailAtOpen) {
  TempDir dir;
  DatabaseOptions options = TestOptions();
  options.compute_address = "carrier-pigeon:somewhere";
  auto db = Database::Open(dir.path() + "/db", options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kSyntax);
  options = TestOptions();
  options.create_if_missing = false;
  db = Database::Open(dir.path() + "/missing", options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kNotFound);
  options = TestOptions();
  options.model = dir.path() + "/no-such-model";
  db = Database::Open(dir.path() + "/db", options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/db"));  // nothing created
}

}  // namespace
}  // namespace engram
