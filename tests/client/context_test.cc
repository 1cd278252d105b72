// The context memory (LongMem) end to end through engram::Database, a real store and the real
// co-process: WRITE … CONTEXT, READ … CONTEXT, GENERATE … USING, FIFO eviction, FORGET by id and
// by source, rollback identity, a memory bound to another model, and bad input that changes
// nothing (docs/context.md, docs/query-language.md §5.5).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
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

// A passage from a book the model never saw, its opening line as a prompt, and how it goes on.
const std::string kPassage =
    "It was all very well to say 'Drink me,' but the wise little Alice was not going to do "
    "that in a hurry. 'No, I'll look first,' she said, 'and see whether it's marked poison or "
    "not'; for she had read several nice little histories about children who had got burnt, and "
    "eaten up by wild beasts and other unpleasant things.";
const std::string kPrompt = "It was all very well to say 'Drink me,' but the wise little";
const std::string kOther =
    "The Mock Turtle went on. 'We had the best of educations, in fact we went to school every "
    "day.' 'I've been to a day-school, too,' said Alice; 'you needn't be so proud as all that.'";

std::string Text(const StatementResult& result) {
  const Value* text = result.Find("text");
  return text != nullptr ? ValueToText(*text) : "";
}

std::uint64_t Field(const StatementResult& result, const char* name) {
  return result.U64(name).value_or(0);
}

// READ CONTEXT rows as text, scores at full precision (for bitwise comparisons).
std::string Rows(const StatementResult& read) {
  std::string rows;
  for (std::size_t r = 0; r < read.rows.size(); ++r) {
    char score[40];
    std::snprintf(score, sizeof(score), "%.17g", std::get<double>(*read.Cell(r, "score")));
    rows += ValueToText(*read.Cell(r, "chunk")) + "|" + ValueToText(*read.Cell(r, "id")) + "|" +
            ValueToText(*read.Cell(r, "text")) + "|" + score + "\n";
  }
  return rows;
}

TEST(ContextTest, WriteReadAndGenerateFromTheMemory) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY book WITH (context_window = 32)");
  const StatementResult written = Ok(*db, "WRITE book CONTEXT " + Quote(kPassage));
  const std::uint64_t tokens = Field(written, "tokens");
  EXPECT_GT(tokens, 31u);                       // more than one encoding segment
  EXPECT_EQ(Field(written, "chunks"), tokens);  // chunk_tokens 1
  EXPECT_EQ(Field(written, "blocks"), (tokens + 30) / 31);
  EXPECT_EQ(Field(written, "id"), 1u);
  Ok(*db, "WRITE book CONTEXT " + Quote(kOther));

  // READ CONTEXT: the chunk that continues the query, with its text around it.
  const StatementResult read = Ok(*db, "READ book CONTEXT " + Quote(kPrompt) + " TOP 3");
  ASSERT_FALSE(read.rows.empty());
  EXPECT_EQ(ValueToText(*read.Cell(0, "id")), "1");
  EXPECT_NE(ValueToText(*read.Cell(0, "text")).find("wise little Alice"), std::string::npos)
      << ValueToText(*read.Cell(0, "text"));
  EXPECT_GE(std::get<std::uint64_t>(*read.Cell(0, "match")), 8u);

  // GENERATE … USING: the memory's continuation, which the plain model does not produce.
  const std::string generate = "GENERATE " + Quote(kPrompt);
  const StatementResult plain = Ok(*db, generate + " MAX 12 TEMPERATURE 0");
  const StatementResult guided = Ok(*db, generate + " USING book MAX 12 TEMPERATURE 0");
  EXPECT_EQ(Text(guided).rfind(" Alice was not", 0), 0u) << Text(guided);
  EXPECT_NE(Text(plain), Text(guided));
  EXPECT_EQ(Field(guided, "context_memories"), 1u);
  // A prompt that is nowhere in the memory is generated as without it.
  const std::string unrelated = "GENERATE 'Once upon a time, a little bunny' MAX 24 TEMPERATURE 0";
  EXPECT_EQ(Text(Ok(*db, unrelated)),
            Text(Ok(*db,
                    "GENERATE 'Once upon a time, a little bunny' USING book MAX 24 "
                    "TEMPERATURE 0")));
}

TEST(ContextTest, AWriteReportsItsProgress) {
  // ExecuteOptions::on_progress (the CLI's progress bar) sees the encoding advance: the first
  // segment at once, then about every 100 ms, and the whole text at the end.
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY book WITH (context_window = 64)");
  std::string text;
  for (int i = 0; i < 20; ++i) text += kPassage + " " + kOther + " ";
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  ExecuteOptions options;
  options.on_progress = [&](std::uint64_t done, std::uint64_t total) {
    seen.emplace_back(done, total);
  };
  const StatementResult written = Ok(*db, "WRITE book CONTEXT " + Quote(text), options);
  const std::uint64_t tokens = Field(written, "tokens");
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front().first, 63u);  // the first segment: window - 1 tokens
  EXPECT_EQ(seen.back(), std::make_pair(tokens, tokens));
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].second, tokens);
    if (i > 0) {
      EXPECT_GT(seen[i].first, seen[i - 1].first);
    }
  }
  // Other statements report nothing.
  seen.clear();
  Ok(*db, "READ book CONTEXT 'Drink me' TOP 2", options);
  Ok(*db, "GENERATE 'Drink me' USING book MAX 4", options);
  EXPECT_TRUE(seen.empty());
}

TEST(ContextTest, OldestBlocksAreEvictedFirst) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY small WITH (context_window = 16, max_chunks = 40)");
  const std::uint64_t first = Field(Ok(*db, "WRITE small CONTEXT " + Quote(kPassage)), "chunks");
  ASSERT_GT(first, 40u);  // the write alone is over the limit: its own oldest blocks go
  const StatementResult second = Ok(*db, "WRITE small CONTEXT " + Quote(kOther));
  EXPECT_GT(Field(second, "evicted_chunks"), 0u);
  // SHOW STATS: the live chunks fit the limit; the evicted ones are counted.
  const StatementResult stats = Ok(*db, "SHOW STATS");
  const auto stat = [&](const char* name) { return std::get<std::uint64_t>(*stats.Cell(0, name)); };
  EXPECT_LE(stat("context_chunks"), 40u);
  EXPECT_GT(stat("context_chunks"), 0u);
  EXPECT_EQ(stat("context_chunks") + stat("context_evicted_chunks"),
            first + Field(second, "chunks"));
  // The first write's blocks are all gone (its record too); the newest text is still read.
  EXPECT_EQ(Err(*db, "FORGET small CONTEXT ID 1").code(), ErrorCode::kNotFound);
  const StatementResult read = Ok(*db, "READ small CONTEXT 'said Alice; ''you needn''t be so'");
  ASSERT_FALSE(read.rows.empty());
  EXPECT_EQ(ValueToText(*read.Cell(0, "id")), "2");
  for (std::size_t r = 0; r < read.rows.size(); ++r) {
    EXPECT_EQ(ValueToText(*read.Cell(r, "id")), "2");
  }
}

// A rollback past a purge restores a header that still counts the purged blocks: the counts
// (and so eviction and SHOW STATS) go by the blocks that are live.
TEST(ContextTest, ARollbackPastAPurgeCountsOnlyLiveBlocks) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY probe WITH (context_window = 16)");
  const std::uint64_t a = Field(Ok(*db, "WRITE probe CONTEXT " + Quote(kPassage)), "chunks");
  const std::uint64_t b = Field(Ok(*db, "WRITE probe CONTEXT " + Quote(kOther)), "chunks");
  Ok(*db, "DROP MEMORY probe PURGE");
  // Room for both writes, not for three.
  Ok(*db, "CREATE MEMORY m WITH (context_window = 16, max_chunks = " + std::to_string(a + b) + ")");
  Ok(*db, "WRITE m CONTEXT " + Quote(kPassage));
  Ok(*db, "WRITE m CONTEXT " + Quote(kOther));
  Ok(*db, "SNAPSHOT m AS s");
  Ok(*db, "FORGET m CONTEXT ID 1 PURGE");
  Ok(*db, "ROLLBACK m TO s");
  const auto chunks = [&] {
    return std::get<std::uint64_t>(*Ok(*db, "SHOW STATS").Cell(0, "context_chunks"));
  };
  EXPECT_EQ(chunks(), b);
  // The passage fits again beside the other text: nothing is evicted.
  const StatementResult again = Ok(*db, "WRITE m CONTEXT " + Quote(kPassage));
  EXPECT_EQ(Field(again, "evicted_chunks"), 0u);
  EXPECT_EQ(chunks(), a + b);
}

TEST(ContextTest, RollbackAndForgetRestoreReadsExactly) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::string file = dir.path() + "/other.txt";
  std::ofstream(file) << kOther;
  const std::string query = "READ book CONTEXT " + Quote(kPrompt) + " TOP 4";
  std::string at_snapshot;
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY book WITH (context_window = 32)");
    Ok(*db, "WRITE book CONTEXT " + Quote(kPassage));
    Ok(*db, "SNAPSHOT book AS s");
    at_snapshot = Rows(Ok(*db, query));
    ASSERT_FALSE(at_snapshot.empty());
    Ok(*db, "WRITE book CONTEXT FILE " + Quote(file));
    Ok(*db, "WRITE book CONTEXT " + Quote(kPassage));  // a second copy: reads change
    EXPECT_NE(Rows(Ok(*db, query)), at_snapshot);
    Ok(*db, "ROLLBACK book TO s");
    EXPECT_EQ(Rows(Ok(*db, query)), at_snapshot);
    // Forgetting by source finds the file's write in history only: it is gone after the
    // rollback.
    EXPECT_EQ(Err(*db, "FORGET book CONTEXT SOURCE " + Quote(file)).code(), ErrorCode::kNotFound);
    Ok(*db, "WRITE book CONTEXT FILE " + Quote(file));
    const StatementResult forgot = Ok(*db, "FORGET book CONTEXT SOURCE " + Quote(file));
    EXPECT_EQ(Field(forgot, "forgotten"), 1u);
    EXPECT_EQ(Rows(Ok(*db, query)), at_snapshot);
  }
  // A new engine and co-process read the same rows from the records alone.
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Rows(Ok(*db, query)), at_snapshot);
  // FORGET by id, with PURGE: nothing is left to read.
  Ok(*db, "FORGET book CONTEXT ID 1 PURGE");
  EXPECT_TRUE(Ok(*db, query).rows.empty());
  // A context memory's state is its live blocks: a rollback to the snapshot is allowed and
  // restores what remains of it (the purged write does not come back).
  const StatementResult rolled = Ok(*db, "ROLLBACK book TO s");
  EXPECT_EQ(Field(rolled, "records"), 1u);  // the header
  EXPECT_TRUE(Ok(*db, query).rows.empty());
  Ok(*db, "WRITE book CONTEXT " + Quote(kPassage));
  EXPECT_FALSE(Ok(*db, query).rows.empty());
}

TEST(ContextTest, BadInputFailsClearlyAndChangesNothing) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY m");
  const std::string binary = dir.path() + "/binary.bin";
  std::ofstream(binary, std::ios::binary) << std::string("abc\0def", 7);
  const std::vector<testing::ErrorCase> cases = {
      {"WRITE m CONTEXT FILE '/nonexistent/book.txt'", ErrorCode::kNotFound, 21, "no file"},
      {"WRITE m CONTEXT FILE " + Quote(dir.path()), ErrorCode::kNotFound, 21, "not a regular"},
      {"WRITE m CONTEXT FILE " + Quote(binary), ErrorCode::kSyntax, 21, "not text"},
      {"WRITE m CONTEXT '   '", ErrorCode::kSyntax, 16, "no text"},
      {"WRITE ghost CONTEXT 'x'", ErrorCode::kNotFound, 6, "ghost"},
      {"READ ghost CONTEXT 'x'", ErrorCode::kNotFound, 5, "ghost"},
      {"READ m CONTEXT ''", ErrorCode::kSyntax, 15, "no text"},
      {"FORGET m CONTEXT ID 9", ErrorCode::kNotFound, 20, "no context with id 9"},
      {"FORGET m CONTEXT SOURCE '/tmp/none.txt'", ErrorCode::kNotFound, 24, "no context from"},
  };
  testing::ExpectErrorsChangeNothing(*db, cases);
  // A memory without context reads no rows.
  EXPECT_TRUE(Ok(*db, "READ m CONTEXT 'anything'").rows.empty());
  // A context_layer beyond the model's layers is refused at the first write.
  Ok(*db, "CREATE MEMORY deep WITH (context_layer = 9)");
  EXPECT_EQ(Err(*db, "WRITE deep CONTEXT 'text'").code(), ErrorCode::kSyntax);
}

TEST(ContextTest, AMemoryBuiltWithAnotherModelIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY book");
    Ok(*db, "WRITE book CONTEXT " + Quote(kPassage));
  }
  // Rebind the memory's record to another fingerprint, as a memory made elsewhere would be.
  testing::RebindMemoryToAnotherModel(path, "book");
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  const std::uint64_t head = Head(*db);
  for (const std::string sql : {"WRITE book CONTEXT 'More text.'", "READ book CONTEXT 'Drink me'",
                                "GENERATE 'Drink me' USING book MAX 2"}) {
    EXPECT_EQ(Err(*db, sql).code(), ErrorCode::kModel) << sql;
  }
  EXPECT_EQ(Head(*db), head);
}

}  // namespace
}  // namespace engram
