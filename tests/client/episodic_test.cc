// The episodic memory through the embedded engine (engram/database.h), a real store and a real
// engram-compute: WRITE / READ / FORGET / GENERATE … USING, exact forgetting (checked on the
// stored memory matrices), rollback identity (bit for bit, also after a restart), model
// binding, and bad input that changes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/database.h"
#include "storage/store.h"
#include "storage/write_batch.h"
#include "tests/client/test_database.h"
#include "tests/storage/test_store.h"

namespace engram {
namespace {

using storage::testing::TempDir;

using testing::Err;
using testing::Head;
using testing::Ok;
using testing::OpenOrDie;
using testing::Quote;

bool InScope(const StatementResult& read) {
  const Value* value = read.Find("in_scope");
  return value != nullptr && std::holds_alternative<bool>(*value) && std::get<bool>(*value);
}

std::uint64_t TopId(const StatementResult& read) {
  if (read.rows.empty()) return 0;
  return std::get<std::uint64_t>(*read.Cell(0, "id"));
}

const std::vector<std::string> kFacts = {
    "Vinson Massif is located in the continent of Antarctica.",
    "The Eiffel Tower is located in the city of Paris.",
    "Toyota is a car maker from Japan.",
    "The Danube flows into the Black Sea.",
    "Mount Kilimanjaro is located in Tanzania.",
    "The mother tongue of Jean Gabin is French.",
    "Nokia was founded in Finland.",
    "The official language of Brazil is Portuguese.",
    "Apple Inc. is headquartered in Cupertino.",
    "The Amazon River flows through Brazil and Peru.",
};

TEST(EpisodicTest, WriteReadForgetRoundTrip) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent WITH (slots = 64)");
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    StatementResult written = Ok(*db, "WRITE agent " + Quote(kFacts[i]));
    EXPECT_EQ(written.U64("id"), std::optional<std::uint64_t>(i + 1));
    EXPECT_EQ(written.U64("facts"), std::optional<std::uint64_t>(1));
  }
  // Every fact is recalled top-1 by its own text, and by a question about it.
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    StatementResult read = Ok(*db, "READ agent " + Quote(kFacts[i]) + " TOP 3");
    EXPECT_TRUE(InScope(read)) << kFacts[i];
    EXPECT_EQ(TopId(read), i + 1) << kFacts[i];
    EXPECT_EQ(ValueToText(*read.Cell(0, "text")), kFacts[i]);
  }
  StatementResult question = Ok(*db, "READ agent 'Which continent is Vinson Massif in?' TOP 3");
  EXPECT_TRUE(InScope(question));
  EXPECT_EQ(TopId(question), 1u);
  EXPECT_EQ(question.rows.size(), 3u);
  // Out of scope: an unrelated sentence.
  EXPECT_FALSE(
      InScope(Ok(*db, "READ agent 'The little dog ran after the red ball in the garden.'")));
  // Forget by id and by text: neither comes back, the others stay.
  Ok(*db, "FORGET agent ID 1");
  StatementResult forgotten = Ok(*db, "FORGET agent " + Quote(kFacts[2]));
  EXPECT_EQ(forgotten.U64("forgotten"), std::optional<std::uint64_t>(1));
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    StatementResult read = Ok(*db, "READ agent " + Quote(kFacts[i]) + " TOP 10");
    for (std::size_t row = 0; row < read.rows.size(); ++row) {
      const auto id = std::get<std::uint64_t>(*read.Cell(row, "id"));
      EXPECT_NE(id, 1u);
      EXPECT_NE(id, 3u);
    }
    if (i != 0 && i != 2) {
      EXPECT_EQ(TopId(read), i + 1) << kFacts[i];
    }
  }
  Status status = Err(*db, "FORGET agent ID 1");
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(status.position(), 16);
}

// A checkpoint tensor of `memory` (checkpoint_every = 1 writes them every statement): Bt, S or
// Q (format.md §11).
std::vector<double> CheckpointTensor(const std::string& path, const std::string& memory,
                                     const std::string& name) {
  auto store = storage::Store::Open(path, {});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  auto read = (*store)->BeginRead();
  EXPECT_TRUE(read.ok());
  auto record = read->Get(storage::Tenant::Default(),
                          storage::RecordKey{memory, storage::RecordKind::kEpisodicState, 1});
  EXPECT_TRUE(record.ok() && record->has_value());
  if (!record.ok() || !record->has_value()) return {};
  for (const storage::TensorRef& tensor : (*record)->tensors) {
    if (tensor.name != name) continue;
    auto bytes = read->Tensor(tensor);
    EXPECT_TRUE(bytes.ok());
    std::vector<double> values(bytes->size() / sizeof(double));
    std::memcpy(values.data(), bytes->data(), values.size() * sizeof(double));
    return values;
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

// M = (λI + S)^{-1}·B from a checkpoint's Bᵀ (C x K) and S (K x K), by a plain Cholesky solve
// (K is small here): the memory matrix Larimar reads, row-major K x C.
std::vector<double> MemoryMatrix(const std::vector<double>& bt, const std::vector<double>& s,
                                 double ridge) {
  const auto k = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(s.size()))));
  const std::size_t c = bt.size() / k;
  std::vector<double> l(k * k, 0.0);  // lower, (λI + S) = L·Lᵀ
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double v = s[i * k + j] + (i == j ? ridge : 0.0);
      for (std::size_t p = 0; p < j; ++p) v -= l[i * k + p] * l[j * k + p];
      l[i * k + j] = i == j ? std::sqrt(v) : v / l[j * k + j];
    }
  }
  std::vector<double> m(k * c);
  std::vector<double> y(k);
  for (std::size_t col = 0; col < c; ++col) {
    for (std::size_t i = 0; i < k; ++i) {  // L·y = b (column col of B = row col of Bᵀ)
      double v = bt[col * k + i];
      for (std::size_t p = 0; p < i; ++p) v -= l[i * k + p] * y[p];
      y[i] = v / l[i * k + i];
    }
    for (std::size_t i = k; i-- > 0;) {  // Lᵀ·x = y
      double v = y[i];
      for (std::size_t p = i + 1; p < k; ++p) v -= l[p * k + i] * m[p * c + col];
      m[i * c + col] = v / l[i * k + i];
    }
  }
  return m;
}

double RelativeDifference(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  return std::sqrt(diff) / std::sqrt(norm);
}

TEST(EpisodicTest, ForgettingEqualsNeverWriting) {
  TempDir dir;
  const std::string forgot_path = dir.path() + "/forgot", never_path = dir.path() + "/never";
  {
    auto forgot = OpenOrDie(forgot_path);
    auto never = OpenOrDie(never_path);
    ASSERT_NE(forgot, nullptr);
    ASSERT_NE(never, nullptr);
    Ok(*forgot, "CREATE MEMORY m WITH (slots = 32, checkpoint_every = 1)");
    Ok(*never, "CREATE MEMORY m WITH (slots = 32, checkpoint_every = 1)");
    // forgot: every fact, three of them in one two-fact episode plus one alone, then forget
    // those three; never: only the others, in the same order.
    for (std::size_t i = 0; i < kFacts.size(); ++i) {
      if (i == 4) {
        Ok(*forgot, "WRITE m " + Quote(kFacts[4]) + ", " + Quote(kFacts[5]));
        continue;
      }
      if (i == 5) continue;
      Ok(*forgot, "WRITE m " + Quote(kFacts[i]));
      if (i != 7) Ok(*never, "WRITE m " + Quote(kFacts[i]));
    }
    Ok(*forgot, "FORGET m ID 5");  // kFacts[4]: one row of a two-row episode
    Ok(*forgot, "FORGET m ID 6");  // kFacts[5]
    Ok(*forgot, "FORGET m " + Quote(kFacts[7]));
    // The forgotten facts are not recalled by their own text.
    for (std::size_t i : {4u, 5u, 7u}) {
      StatementResult read = Ok(*forgot, "READ m " + Quote(kFacts[i]) + " TOP 1");
      EXPECT_NE(ValueToText(*read.Cell(0, "text")), kFacts[i]);
    }
  }
  for (const char* name : {"Bt", "S", "Q"}) {
    const std::vector<double> forgot = CheckpointTensor(forgot_path, "m", name);
    const std::vector<double> never = CheckpointTensor(never_path, "m", name);
    ASSERT_FALSE(forgot.empty());
    const double difference = RelativeDifference(forgot, never);
    EXPECT_LE(difference, 1e-9) << name;
    EXPECT_GT(difference, 0.0) << name << ": identical bits: was anything forgotten?";
  }
  // The memory matrix itself, M = (λI + S)^{-1}·B (λ = 1e-3, the default ridge).
  const std::vector<double> forgot_m = MemoryMatrix(CheckpointTensor(forgot_path, "m", "Bt"),
                                                    CheckpointTensor(forgot_path, "m", "S"), 1e-3);
  const std::vector<double> never_m = MemoryMatrix(CheckpointTensor(never_path, "m", "Bt"),
                                                   CheckpointTensor(never_path, "m", "S"), 1e-3);
  const double m_difference = RelativeDifference(forgot_m, never_m);
  std::printf("[ measured ] forget ≡ never written: M relative difference %.3g\n", m_difference);
  EXPECT_LE(m_difference, 1e-9);
}

// Rows (id, text, score) of a READ as text, scores at full precision.
std::string Rows(const StatementResult& read) {
  std::string rows;
  for (const auto& row : read.rows) {
    char score[40];
    std::snprintf(score, sizeof(score), "%.17g", std::get<double>(row[2]));
    rows += ValueToText(row[0]) + "|" + ValueToText(row[1]) + "|" + score + "\n";
  }
  return rows;
}

// Writes, snapshots, changes the memory past checkpoints, rolls back: READ and GENERATE give
// the snapshot's results bit for bit, also from a new engine and co-process.
void CheckRollbackIdentity(int slots) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::string query = "READ m 'Where is the Eiffel Tower located?' TOP 5";
  const std::string prompt =
      "GENERATE 'The Eiffel Tower is located in the city of' USING m MAX 4 TEMPERATURE 0";
  std::string rows_at_snapshot, text_at_snapshot;
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY m WITH (slots = " + std::to_string(slots) + ", checkpoint_every = 3)");
    for (std::size_t i = 0; i < 5; ++i) Ok(*db, "WRITE m " + Quote(kFacts[i]));
    Ok(*db, "SNAPSHOT m AS s");
    rows_at_snapshot = Rows(Ok(*db, query));
    text_at_snapshot = ValueToText(*Ok(*db, prompt).Find("text"));
    EXPECT_NE(rows_at_snapshot.find("Eiffel"), std::string::npos);
    // Change the state past a checkpoint: more writes and a forget.
    for (std::size_t i = 5; i < kFacts.size(); ++i) Ok(*db, "WRITE m " + Quote(kFacts[i]));
    Ok(*db, "FORGET m ID 2");
    EXPECT_NE(Rows(Ok(*db, query)), rows_at_snapshot);
    Ok(*db, "ROLLBACK m TO s");
    EXPECT_EQ(Rows(Ok(*db, query)), rows_at_snapshot);
    EXPECT_EQ(ValueToText(*Ok(*db, prompt).Find("text")), text_at_snapshot);
  }
  // A new engine and co-process rebuild the state from the records alone.
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Rows(Ok(*db, query)), rows_at_snapshot) << "slots = " << slots;
  EXPECT_EQ(ValueToText(*Ok(*db, prompt).Find("text")), text_at_snapshot);
}

TEST(EpisodicTest, RollbackRestoresReadsBitForBitAlsoAfterARestart) {
  CheckRollbackIdentity(16);
}

// More facts than slots: reads go through the read factor, which follows each write by a rank-2
// update between checkpoints and is recomputed at each checkpoint and at a rebuild.
TEST(EpisodicTest, RollbackRestoresReadsBitForBitWithMoreFactsThanSlots) {
  CheckRollbackIdentity(3);
}

TEST(EpisodicTest, SeveralMemoriesAreReadTogether) {
  // The facts in three memories (a fourth has none): READ a, b, c ranks the facts of all of
  // them by the successor memory's readout; each fact's own text finds it, in its memory.
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  const std::vector<std::string> names = {"a", "b", "c", "none"};
  for (const std::string& name : names) Ok(*db, "CREATE MEMORY " + name + " WITH (slots = 4)");
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    Ok(*db, "WRITE " + names[i % 3] + " " + Quote(kFacts[i]));
  }
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    StatementResult read = Ok(*db, "READ a, b, c, none " + Quote(kFacts[i]) + " TOP 3");
    ASSERT_EQ(read.columns, (std::vector<std::string>{"memory", "id", "text", "score"}));
    ASSERT_FALSE(read.rows.empty());
    EXPECT_EQ(ValueToText(*read.Cell(0, "memory")), names[i % 3]) << kFacts[i];
    EXPECT_EQ(ValueToText(*read.Cell(0, "text")), kFacts[i]);
    EXPECT_EQ(ValueToText(*read.Find("in_scope")), "true");
    // Scores are cosines, best first.
    for (std::size_t r = 0; r < read.rows.size(); ++r) {
      const double score = std::get<double>(*read.Cell(r, "score"));
      EXPECT_LE(score, 1.0);
      EXPECT_GE(score, -1.0);
      if (r > 0) {
        EXPECT_LE(score, std::get<double>(*read.Cell(r - 1, "score")));
      }
    }
  }
  // A question in other words finds its fact across memories (c holds the Eiffel Tower).
  StatementResult question = Ok(*db, "READ a, b, c 'Which city is the Eiffel Tower in?' TOP 1");
  EXPECT_EQ(ValueToText(*question.Cell(0, "text")), kFacts[1]);
  EXPECT_EQ(ValueToText(*question.Cell(0, "memory")), "b");
  // Out of scope everywhere.
  EXPECT_FALSE(InScope(Ok(*db, "READ a, b, c 'The little dog ran after the red ball.'")));
  // Reading one memory alone keeps its single-memory shape.
  StatementResult alone = Ok(*db, "READ a " + Quote(kFacts[0]) + " TOP 1");
  EXPECT_EQ(alone.columns, (std::vector<std::string>{"id", "text", "score"}));
  // Errors: a memory named twice, several memories for EDITS, an unknown memory.
  EXPECT_EQ(Err(*db, "READ a, b, a 'x'").code(), ErrorCode::kSyntax);
  EXPECT_EQ(Err(*db, "READ a, b EDITS 'x'").code(), ErrorCode::kSyntax);
  Status unknown = Err(*db, "READ a, ghost 'x'");
  EXPECT_EQ(unknown.code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.position(), 8);
}

TEST(EpisodicTest, WritesThatGrowTheMapDoNotWaitForTheirOwnSnapshot) {
  // A 1 MiB map and a checkpoint of ~0.5 MiB per WRITE: commits must grow the map while the
  // statement that commits has read the memory. (They used to wait 10 s for the statement's own
  // read snapshot and fail with MAPFULL.)
  TempDir dir;
  DatabaseOptions options = testing::TestOptions();
  options.initial_map_bytes = 1u << 20;
  auto db = OpenOrDie(dir.path() + "/db", options);
  ASSERT_NE(db, nullptr);
  for (const std::string memory : {"m", "n", "o", "p"}) {  // first writes grow it too
    Ok(*db, "CREATE MEMORY " + memory + " WITH (slots = 16, checkpoint_every = 1)");
    for (std::size_t i = 0; i < kFacts.size(); ++i) {
      Ok(*db, "WRITE " + memory + " " + Quote(kFacts[i]));
    }
    Ok(*db, "FORGET " + memory + " ID 3");
    EXPECT_EQ(TopId(Ok(*db, "READ " + memory + " " + Quote(kFacts[9]) + " TOP 1")), 10u);
  }
}

TEST(EpisodicTest, SessionsWritingOneMemoryConcurrentlyLoseNothing) {
  // Four sessions write and read one memory at once: every WRITE succeeds with its own id, and
  // afterwards every fact is there and recalled by its text. (Sessions used to race between
  // reading the memory's header and committing: two facts got one id and the journal and the
  // entries disagreed.)
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY shared WITH (slots = 64, checkpoint_every = 8)");
  constexpr int kSessions = 4, kWrites = 8;
  std::vector<std::vector<std::uint64_t>> ids(kSessions);
  std::vector<std::string> failures(kSessions);
  std::vector<std::thread> threads;
  for (int t = 0; t < kSessions; ++t) {
    threads.emplace_back([&, t] {
      auto session = db->OpenSession();
      if (!session.ok()) {
        failures[t] = session.status().ToString();
        return;
      }
      for (int i = 0; i < kWrites; ++i) {
        const std::string fact = "Traveller " + std::to_string(t) + " visited city number " +
                                 std::to_string(i) + " in spring.";
        auto write = (*session)->Execute("WRITE shared " + Quote(fact));
        if (!write[0].ok()) {
          failures[t] = write[0].status().ToString();
          return;
        }
        ids[t].push_back(*write[0]->U64("id"));
        auto read = (*session)->Execute("READ shared " + Quote(fact) + " TOP 1");
        if (!read[0].ok()) {
          failures[t] = read[0].status().ToString();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::uint64_t> all;
  for (int t = 0; t < kSessions; ++t) {
    EXPECT_EQ(failures[t], "") << "session " << t;
    all.insert(ids[t].begin(), ids[t].end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kSessions * kWrites));
  for (int t = 0; t < kSessions; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      const std::string fact = "Traveller " + std::to_string(t) + " visited city number " +
                               std::to_string(i) + " in spring.";
      StatementResult read = Ok(*db, "READ shared " + Quote(fact) + " TOP 1");
      EXPECT_EQ(ValueToText(*read.Cell(0, "text")), fact);
    }
  }
}

TEST(EpisodicTest, GenerateUsingAnswersFromMemoryAndOutOfScopeIsThePlainModel) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "CREATE MEMORY empty");
  Ok(*db, "WRITE agent " + Quote(kFacts[0]) + ", " + Quote(kFacts[1]));
  const std::string prompt = "'Vinson Massif is located in the continent of'";
  // " Antarctica." is 10 tokens of stories260K's vocabulary.
  StatementResult plain = Ok(*db, "GENERATE " + prompt + " MAX 12 TEMPERATURE 0");
  StatementResult guided = Ok(*db, "GENERATE " + prompt + " USING agent MAX 12 TEMPERATURE 0");
  EXPECT_EQ(ValueToText(*guided.Find("text")).rfind(" Antarctica", 0), 0u)
      << ValueToText(*guided.Find("text"));
  EXPECT_NE(ValueToText(*plain.Find("text")), ValueToText(*guided.Find("text")));
  EXPECT_EQ(ValueToText(*guided.Find("in_scope")), "true");
  // Out of scope (and a memory without facts): token-identical to the plain model, also when
  // sampling.
  for (const std::string& tail :
       {std::string(" MAX 40 TEMPERATURE 0"), std::string(" MAX 40 TEMPERATURE 0.8 SEED 7")}) {
    const std::string base = "GENERATE 'Once upon a time, a little bunny'";
    StatementResult a = Ok(*db, base + tail);
    StatementResult b = Ok(*db, base + " USING agent, empty" + tail);
    EXPECT_EQ(ValueToText(*a.Find("text")), ValueToText(*b.Find("text")));
    EXPECT_EQ(ValueToText(*b.Find("in_scope")), "false");
    EXPECT_EQ(b.U64("guides"), std::optional<std::uint64_t>(0));
  }
}

TEST(EpisodicTest, BadInputFailsClearlyAndChangesNothing) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "WRITE agent 'Nokia was founded in Finland.'");
  const std::vector<testing::ErrorCase> cases = {
      {"WRITE agent ''", ErrorCode::kSyntax, 12, "no words"},
      {"WRITE agent 'fine', '?!. --'", ErrorCode::kSyntax, 20, "no words"},
      {"WRITE agent '" + std::string(20000, 'a') + "'", ErrorCode::kLimit, 12, "limit"},
      {"WRITE ghost 'x'", ErrorCode::kNotFound, 6, "ghost"},
      {"READ ghost 'x'", ErrorCode::kNotFound, 5, "ghost"},
      {"FORGET ghost ID 1", ErrorCode::kNotFound, 7, "ghost"},
      {"FORGET agent ID 99", ErrorCode::kNotFound, 16, "no fact with id 99"},
      {"FORGET agent 'Nokia was founded in Finland'", ErrorCode::kNotFound, 13, "exactly"},
      {"READ agent '" + std::string(20000, 'q') + "'", ErrorCode::kLimit, 11, "limit"},
  };
  testing::ExpectErrorsChangeNothing(*db, cases);
  // A query without words, and a memory without facts: no rows, not in scope.
  StatementResult empty = Ok(*db, "READ agent '...'");
  EXPECT_FALSE(InScope(empty));
  EXPECT_TRUE(empty.rows.empty());
  Ok(*db, "CREATE MEMORY blank");
  EXPECT_TRUE(Ok(*db, "READ blank 'Nokia'").rows.empty());
  // Transactions: a fact written in the open transaction cannot be forgotten before COMMIT;
  // PURGE is refused inside one; ABORT leaves the memory as it was.
  Ok(*db, "BEGIN");
  Ok(*db, "WRITE agent 'Toyota is a car maker from Japan.'");
  EXPECT_EQ(TopId(Ok(*db, "READ agent 'Toyota car maker' TOP 1")), 2u);
  EXPECT_EQ(Err(*db, "FORGET agent ID 2").code(), ErrorCode::kConflict);
  EXPECT_EQ(Err(*db, "FORGET agent ID 1 PURGE").code(), ErrorCode::kConflict);
  Ok(*db, "ABORT");
  EXPECT_NE(TopId(Ok(*db, "READ agent 'Toyota car maker' TOP 1")), 2u);
  // The next WRITE takes id 2: the aborted one never happened.
  EXPECT_EQ(Ok(*db, "WRITE agent 'The Danube flows into the Black Sea.'").U64("id"),
            std::optional<std::uint64_t>(2));
}

TEST(EpisodicTest, PurgeRemovesTheTextAndKeepsTheMemoryUsable) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "WRITE agent " + Quote(kFacts[0]));
  Ok(*db, "WRITE agent " + Quote(kFacts[1]));
  StatementResult purged = Ok(*db, "FORGET agent ID 1 PURGE");
  EXPECT_EQ(purged.U64("forgotten"), std::optional<std::uint64_t>(1));
  StatementResult history = Ok(*db, "HISTORY agent");
  for (std::size_t row = 0; row < history.rows.size(); ++row) {
    EXPECT_EQ(ValueToText(*history.Cell(row, "statement")).find("Vinson"), std::string::npos);
  }
  EXPECT_EQ(TopId(Ok(*db, "READ agent " + Quote(kFacts[1]) + " TOP 1")), 2u);
  Ok(*db, "WRITE agent " + Quote(kFacts[2]));
  EXPECT_EQ(TopId(Ok(*db, "READ agent " + Quote(kFacts[2]) + " TOP 1")), 3u);
}

TEST(EpisodicTest, AMemoryBuiltWithAnotherModelIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    // Created before the model's first use (its record says "model": null), the memory is
    // bound to the model by its first WRITE.
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, "WRITE agent 'Nokia was founded in Finland.'");
  }
  {
    // Rebind the memory's record to another fingerprint, as a memory made elsewhere would be.
    const std::string attrs = testing::RebindMemoryToAnotherModel(path, "agent");
    EXPECT_NE(attrs.find("\"model\": \""), std::string::npos) << attrs;     // bound by the WRITE
    EXPECT_NE(attrs.find("\"ridge\": 0.001"), std::string::npos) << attrs;  // options kept
  }
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  const std::uint64_t head = Head(*db);
  for (const std::string& sql :
       {std::string("WRITE agent 'Toyota is a car maker from Japan.'"),
        std::string("READ agent 'Nokia'"), std::string("FORGET agent ID 1"),
        std::string("GENERATE 'Nokia was founded in' USING agent MAX 2")}) {
    Status status = Err(*db, sql);
    EXPECT_EQ(status.code(), ErrorCode::kModel) << sql << ": " << status.ToString();
    EXPECT_NE(status.message().find("was built with model 000000"), std::string::npos)
        << status.message();
  }
  EXPECT_EQ(Head(*db), head);
}

}  // namespace
}  // namespace engram
