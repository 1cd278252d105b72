// The edit memory end to end through engram::Database, a real store and the real co-process
// (docs/editing.md, docs/query-language.md §5.4, §5.7–5.9, docs/format.md §14): an edit flips its
// prompt and leaves unrelated prompts token-identical, rollback restores the side memory's
// records bit for bit, forgetting equals never making the edit, a restart rebuilds the state
// from its records, PURGE deletes the edit's text and delta, bad input changes nothing, and a
// memory of another model is refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engram/database.h"
#include "query/executor/edit_records.h"
#include "storage/store.h"
#include "tests/client/test_database.h"
#include "tests/storage/test_store.h"

namespace engram {
namespace {

using storage::RecordKey;
using storage::RecordKind;
using storage::testing::TempDir;
using testing::Err;
using testing::ErrorCase;
using testing::ExpectErrorsChangeNothing;
using testing::Ok;
using testing::OpenOrDie;
using testing::Quote;

struct Edit {
  std::string prompt, target;
};
const Edit kDarrieux{"The mother tongue of Danielle Darrieux is", " English"};
const Edit kElbonia{"The capital of Elbonia is", " Mudville"};
const Edit kGrumpy{"The favourite colour of Grumpy the cat is", " purple"};

// Sentence starts of books and stories the edits have nothing to do with.
const std::vector<std::string> kUnrelated = {
    "Alice was beginning to get very tired of sitting by her sister",
    "It was the best of times, it was the worst of times",
    "Once upon a time, there was a little girl named Lily.",
    "Tom and his dog went to the park. They",
    "The sun was hot and the sky was blue. Sue wanted",
    "Call me Ishmael. Some years ago",
};

std::string WriteEdit(const Edit& e) {
  return "WRITE agent EDIT " + Quote(e.prompt) + " -> " + Quote(e.target);
}

std::string Text(const StatementResult& result) {
  const Value* text = result.Find("text");
  return text != nullptr ? ValueToText(*text) : "";
}

std::string Greedy(Database& db, const std::string& prompt, bool using_agent, int max = 32) {
  return Text(Ok(db, "GENERATE " + Quote(prompt) + (using_agent ? " USING agent" : "") + " MAX " +
                         std::to_string(max) + " TEMPERATURE 0"));
}

// Every live edit record's attrs and every live delta's hash, as of `version`.
struct EditRecords {
  std::vector<std::byte> header;
  std::vector<std::pair<std::uint64_t, std::vector<std::byte>>> edits;
  std::vector<std::pair<std::uint64_t, Hash128>> deltas;
  friend bool operator==(const EditRecords&, const EditRecords&) = default;
};

EditRecords ReadEditRecords(const std::string& path, storage::Version version) {
  EditRecords out;
  auto store = storage::Store::Open(path, {});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  auto read = (*store)->BeginRead();
  EXPECT_TRUE(read.ok());
  if (!read.ok()) return out;
  const auto tenant = storage::Tenant::Default();
  for (const RecordKind kind :
       {RecordKind::kEditState, RecordKind::kEditEntry, RecordKind::kEditDelta}) {
    auto records = read->List(tenant, "agent", kind, version);
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    if (!records.ok()) continue;
    for (const storage::Record& r : *records) {
      if (kind == RecordKind::kEditState) out.header = r.attrs;
      if (kind == RecordKind::kEditEntry) out.edits.emplace_back(r.key.id, r.attrs);
      if (kind == RecordKind::kEditDelta) out.deltas.emplace_back(r.key.id, r.tensors.at(0).hash);
    }
  }
  return out;
}

TEST(EditTest, AnEditFlipsItsPromptAndLeavesUnrelatedPromptsTokenIdentical) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  std::vector<std::string> before;
  for (const std::string& prompt : kUnrelated) before.push_back(Greedy(*db, prompt, false));
  const std::string unedited = Greedy(*db, kDarrieux.prompt, false, 8);
  ASSERT_NE(unedited.rfind(kDarrieux.target, 0), 0u) << "the model already says it";

  const StatementResult written = Ok(*db, WriteEdit(kDarrieux));
  EXPECT_EQ(written.U64("id"), 1u);
  EXPECT_GE(written.U64("iterations").value_or(0), 1u);
  Ok(*db, WriteEdit(kElbonia));

  // Routed: the greedy continuation starts with the target, and the result names the edit.
  const StatementResult edited =
      Ok(*db, "GENERATE " + Quote(kDarrieux.prompt) + " USING agent MAX 8 TEMPERATURE 0");
  EXPECT_EQ(Text(edited).rfind(kDarrieux.target, 0), 0u) << Text(edited);
  EXPECT_EQ(edited.U64("edit"), 1u);
  EXPECT_EQ(Greedy(*db, kElbonia.prompt, true, 8).rfind(kElbonia.target, 0), 0u);
  // Without USING the model is unedited.
  EXPECT_EQ(Greedy(*db, kDarrieux.prompt, false, 8), unedited);
  // Unrelated prompts are not routed: the unedited model's tokens, 32 of them.
  for (std::size_t i = 0; i < kUnrelated.size(); ++i) {
    const StatementResult r =
        Ok(*db, "GENERATE " + Quote(kUnrelated[i]) + " USING agent MAX 32 TEMPERATURE 0");
    EXPECT_EQ(Text(r), before[i]) << kUnrelated[i];
    const Value* edit = r.Find("edit");
    ASSERT_NE(edit, nullptr);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(*edit)) << kUnrelated[i];
  }
  // Seeded sampling through a routed memory is reproducible.
  const std::string sampled =
      "GENERATE " + Quote(kElbonia.prompt) + " USING agent MAX 16 TEMPERATURE 0.8 SEED 7";
  EXPECT_EQ(Text(Ok(*db, sampled)), Text(Ok(*db, sampled)));
}

// A memory with context memories and edits: a routed prompt generates on the edited weights
// while attending to the context memory; an unrouted one is the context generation it was.
TEST(EditTest, AnEditAppliesBesideContextMemories) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "WRITE agent CONTEXT " + Quote(kUnrelated[2] + " She loved to play in the park with "
                                                         "her red ball and her dog Max."));
  std::vector<std::string> before;
  for (const std::string& prompt : kUnrelated) before.push_back(Greedy(*db, prompt, true));
  Ok(*db, WriteEdit(kDarrieux));

  const StatementResult edited =
      Ok(*db, "GENERATE " + Quote(kDarrieux.prompt) + " USING agent MAX 8 TEMPERATURE 0");
  EXPECT_EQ(Text(edited).rfind(kDarrieux.target, 0), 0u) << Text(edited);
  EXPECT_EQ(edited.U64("edit"), 1u);
  EXPECT_EQ(edited.U64("context_memories"), 1u);
  for (std::size_t i = 0; i < kUnrelated.size(); ++i) {
    const StatementResult r =
        Ok(*db, "GENERATE " + Quote(kUnrelated[i]) + " USING agent MAX 32 TEMPERATURE 0");
    EXPECT_EQ(Text(r), before[i]) << kUnrelated[i];
    EXPECT_TRUE(std::holds_alternative<std::monostate>(*r.Find("edit"))) << kUnrelated[i];
  }
  // After a prefix, whose keys and values are the unedited model's, a routed edit is refused.
  Ok(*db, "WRITE agent PREFIX 'Here is a fact.'");
  const Status after_prefix = Err(*db, "GENERATE " + Quote(" " + kDarrieux.prompt) +
                                           " AFTER PREFIX agent USING agent MAX 8 TEMPERATURE 0");
  EXPECT_EQ(after_prefix.code(), ErrorCode::kSyntax) << after_prefix.ToString();
  EXPECT_NE(after_prefix.message().find("AFTER PREFIX"), std::string::npos);
}

TEST(EditTest, RollbackRestoresTheSideMemoryBitForBit) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::uint64_t one_edit = 0;
  std::string routed_before;
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    one_edit = Ok(*db, WriteEdit(kDarrieux)).U64("version").value_or(0);
    Ok(*db, "SNAPSHOT agent AS one_edit");
    routed_before = Greedy(*db, kDarrieux.prompt, true);
    Ok(*db, WriteEdit(kElbonia));
    Ok(*db, WriteEdit(kGrumpy));
    Ok(*db, "FORGET agent EDIT ID 1");
    EXPECT_NE(Greedy(*db, kDarrieux.prompt, true), routed_before);
    Ok(*db, "ROLLBACK agent TO one_edit");
    EXPECT_EQ(Greedy(*db, kDarrieux.prompt, true), routed_before);
    EXPECT_EQ(Greedy(*db, kElbonia.prompt, true, 8).rfind(kElbonia.target, 0), std::string::npos);
  }
  // The records as of the snapshot and at the head after the rollback are the same bytes: the
  // header (with the state's key), the edit and its delta.
  const EditRecords then = ReadEditRecords(path, one_edit);
  const EditRecords now = ReadEditRecords(path, storage::kHeadVersion);
  EXPECT_EQ(then.edits.size(), 1u);
  EXPECT_EQ(then.deltas.size(), 1u);
  EXPECT_EQ(now, then);
  // And a fresh co-process rebuilds the same side memory from them.
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Greedy(*db, kDarrieux.prompt, true), routed_before);
  // The restored header's counter would give id 2 again; ids 2 and 3 named the rolled-back
  // edits, so the next edit gets 4.
  EXPECT_EQ(Ok(*db, WriteEdit(kGrumpy)).U64("id"), 4u);
  EXPECT_EQ(Greedy(*db, kGrumpy.prompt, true, 8).rfind(kGrumpy.target, 0), 0u);
}

TEST(EditTest, ForgettingAnEditEqualsNeverMakingIt) {
  TempDir dir;
  const std::string forgot = dir.path() + "/forgot", never = dir.path() + "/never";
  std::vector<std::string> generated[2];
  std::vector<std::string> reads[2];
  for (int run = 0; run < 2; ++run) {
    auto db = OpenOrDie(run == 0 ? forgot : never);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, WriteEdit(kDarrieux));
    if (run == 0) Ok(*db, WriteEdit(kElbonia));
    Ok(*db, WriteEdit(kGrumpy));
    if (run == 0) {
      const StatementResult f = Ok(*db, "FORGET agent EDIT ID 2");
      EXPECT_EQ(f.U64("forgotten"), 1u);
    }
    for (const Edit& e : {kDarrieux, kElbonia, kGrumpy}) {
      generated[run].push_back(Greedy(*db, e.prompt, true));
      const StatementResult r = Ok(*db, "READ agent EDITS " + Quote(e.prompt) + " TOP 5");
      std::string rows;
      for (std::size_t i = 0; i < r.rows.size(); ++i) {
        rows += ValueToText(*r.Cell(i, "prompt")) + "|" + ValueToText(*r.Cell(i, "score")) + "|" +
                ValueToText(*r.Cell(i, "threshold")) + "|" + ValueToText(*r.Cell(i, "routed")) +
                ";";
      }
      reads[run].push_back(rows);
    }
  }
  EXPECT_EQ(generated[0], generated[1]);
  EXPECT_EQ(reads[0], reads[1]);  // the same scores and thresholds, to the bit
  EXPECT_EQ(generated[0][1].rfind(kElbonia.target, 0), std::string::npos);
  // The remaining edits' deltas are the same blobs (their ids differ: 1, 3 against 1, 2).
  const EditRecords a = ReadEditRecords(forgot, storage::kHeadVersion);
  const EditRecords b = ReadEditRecords(never, storage::kHeadVersion);
  ASSERT_EQ(a.deltas.size(), 2u);
  ASSERT_EQ(b.deltas.size(), 2u);
  EXPECT_EQ(a.deltas[0].second, b.deltas[0].second);
  EXPECT_EQ(a.deltas[1].second, b.deltas[1].second);
}

// With a co-process cache that holds one side memory, every statement on the other memory
// rebuilds its state from the store (the light form misses, then the pieces are sent), and a
// generation over two memories still finds the routed one.
TEST(EditTest, StatesEvictedFromTheCoProcessAreRebuiltFromTheStore) {
  TempDir dir;
  DatabaseOptions options = testing::TestOptions();
  options.compute_args.push_back("--edit-cache");
  options.compute_args.push_back("0");
  auto db = OpenOrDie(dir.path() + "/db", options);
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY a");
  Ok(*db, "CREATE MEMORY b");
  Ok(*db, "WRITE a EDIT " + Quote(kDarrieux.prompt) + " -> " + Quote(kDarrieux.target));
  Ok(*db, "WRITE b EDIT " + Quote(kElbonia.prompt) + " -> " + Quote(kElbonia.target));
  Ok(*db, "WRITE a EDIT " + Quote(kGrumpy.prompt) + " -> " + Quote(kGrumpy.target));
  for (int round = 0; round < 2; ++round) {
    for (const Edit& e : {kDarrieux, kElbonia, kGrumpy}) {
      const StatementResult r =
          Ok(*db, "GENERATE " + Quote(e.prompt) + " USING a, b MAX 8 TEMPERATURE 0");
      EXPECT_EQ(Text(r).rfind(e.target, 0), 0u) << e.prompt << ": " << Text(r);
    }
    EXPECT_EQ(Ok(*db, "READ b EDITS " + Quote(kElbonia.prompt) + " TOP 1").rows.size(), 1u);
    EXPECT_EQ(Ok(*db, "READ a EDITS " + Quote(kGrumpy.prompt) + " TOP 2").rows.size(), 2u);
  }
  Ok(*db, "FORGET a EDIT ID 1");
  EXPECT_EQ(
      Greedy(*db, kDarrieux.prompt, false, 8),
      Text(Ok(*db, "GENERATE " + Quote(kDarrieux.prompt) + " USING a, b MAX 8 TEMPERATURE 0")));
}

TEST(EditTest, PurgeDeletesTheEditsTextAndDelta) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  std::uint64_t written = 0;
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, WriteEdit(kDarrieux));
    written = Ok(*db, WriteEdit(kElbonia)).U64("version").value_or(0);
    Ok(*db, "FORGET agent EDIT ID 2 PURGE");
    // The memory still works with its other edit.
    EXPECT_EQ(Greedy(*db, kDarrieux.prompt, true, 8).rfind(kDarrieux.target, 0), 0u);
    const StatementResult history = Ok(*db, "HISTORY agent");
    for (std::size_t i = 0; i < history.rows.size(); ++i) {
      EXPECT_EQ(ValueToText(*history.Cell(i, "statement")).find("Mudville"), std::string::npos);
    }
  }
  auto store = storage::Store::Open(path, {});
  ASSERT_TRUE(store.ok());
  auto read = (*store)->BeginRead();
  ASSERT_TRUE(read.ok());
  const auto tenant = storage::Tenant::Default();
  for (const RecordKind kind : {RecordKind::kEditEntry, RecordKind::kEditDelta}) {
    auto record = read->Get(tenant, RecordKey{"agent", kind, 2}, written);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_FALSE(record->has_value()) << "kind " << static_cast<int>(kind);
  }
}

TEST(EditTest, BadRequestsAreClearErrorsAndChangeNothing) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "CREATE MEMORY deep WITH (edit_layer = 9)");
  Ok(*db, WriteEdit(kDarrieux));
  std::string long_prompt;
  for (int i = 0; i < 120; ++i) long_prompt += "The cat sat on the mat. ";
  ExpectErrorsChangeNothing(
      *db,
      {{"WRITE agent EDIT 'The capital is' -> ''", ErrorCode::kSyntax, 37, "the target is empty"},
       {"WRITE agent EDIT '' -> ' Paris'", ErrorCode::kSyntax, 17, "the prompt is empty"},
       {"WRITE agent EDIT " + Quote(long_prompt) + " -> ' mat'", ErrorCode::kLimit, 0,
        "WRITE EDIT"},
       {"WRITE ghost EDIT 'x' -> ' y'", ErrorCode::kNotFound, 6, "'ghost'"},
       {"WRITE deep EDIT 'The capital is' -> ' Paris'", ErrorCode::kSyntax, 0, "layer"},
       {"FORGET agent EDIT ID 7", ErrorCode::kNotFound, 21, "no edit with id 7"},
       {"READ ghost EDITS 'x'", ErrorCode::kNotFound, 5, "'ghost'"}});
  // The memory is as it was.
  EXPECT_EQ(Greedy(*db, kDarrieux.prompt, true, 8).rfind(kDarrieux.target, 0), 0u);
  const StatementResult read = Ok(*db, "READ agent EDITS " + Quote(kDarrieux.prompt));
  EXPECT_EQ(read.rows.size(), 1u);
}

TEST(EditTest, AMemoryOfAnotherModelIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, WriteEdit(kDarrieux));
  }
  testing::RebindMemoryToAnotherModel(path, "agent");
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  const std::vector<std::string> statements = {WriteEdit(kElbonia), "READ agent EDITS 'x'",
                                               "FORGET agent EDIT ID 1",
                                               "GENERATE 'x' USING agent MAX 2"};
  for (const std::string& sql : statements) {
    EXPECT_EQ(Err(*db, sql).code(), ErrorCode::kModel) << sql;
  }
}

}  // namespace
}  // namespace engram
