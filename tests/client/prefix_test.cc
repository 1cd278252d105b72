// Prefix reuse end to end through engram::Database, a real store and the real co-process:
// WRITE … PREFIX, GENERATE … AFTER PREFIX (the same tokens as generating after the prefix's
// text), the newest prefix and ID, a restart with an empty blob cache, transactions, FORGET and
// ROLLBACK, PURGE, bad input that changes nothing, and a prefix of another model refused
// (docs/context.md §6, docs/query-language.md §5.6).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "engram/database.h"
#include "query/executor/prefix_header.h"
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

const std::string kSystem =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
    "park with her friends. One day, she saw a big red ball under a tree. She ran to get it, "
    "but a small dog got there first. The dog wagged its tail and looked at Lily. Lily smiled "
    "and said, \"Can we play together?\" The dog barked happily, and they played all day long.";
const std::string kOther = "Tom had a toy car. It was blue and fast. He liked to race it.";

std::string Text(const StatementResult& result) {
  const Value* text = result.Find("text");
  return text != nullptr ? ValueToText(*text) : "";
}

std::uint64_t Field(const StatementResult& result, const char* name) {
  return result.U64(name).value_or(0);
}

TEST(PrefixTest, GeneratingAfterAPrefixEqualsGeneratingAfterItsText) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  const StatementResult written = Ok(*db, "WRITE agent PREFIX " + Quote(kSystem));
  EXPECT_EQ(Field(written, "id"), 1u);
  const std::uint64_t tokens = Field(written, "tokens");
  const StatementResult full = Ok(*db, "GENERATE " + Quote(kSystem) + " MAX 40 TEMPERATURE 0");
  EXPECT_EQ(Field(full, "prompt_tokens"), tokens);  // BOS + the text, as the prefix holds them

  // Without a prompt: the prefix's own continuation, token for token.
  const StatementResult after = Ok(*db, "GENERATE '' AFTER PREFIX agent MAX 40 TEMPERATURE 0");
  EXPECT_EQ(Text(after), Text(full));
  EXPECT_EQ(Field(after, "prefix_tokens"), tokens);
  EXPECT_EQ(Field(after, "prompt_tokens"), 0u);
  // With one: the prompt continues the prefix as the next words (the tokenizer's leading space).
  const std::string prompt = "The next day, Lily";
  const StatementResult joined =
      Ok(*db, "GENERATE " + Quote(kSystem + " " + prompt) + " MAX 30 TEMPERATURE 0");
  const StatementResult continued =
      Ok(*db, "GENERATE " + Quote(prompt) + " AFTER PREFIX agent MAX 30 TEMPERATURE 0");
  EXPECT_EQ(Field(continued, "prefix_tokens") + Field(continued, "prompt_tokens"),
            Field(joined, "prompt_tokens"));
  EXPECT_EQ(Text(continued), Text(joined));
  // Seeded sampling draws the same tokens too.
  EXPECT_EQ(Text(Ok(*db, "GENERATE " + Quote(prompt) +
                             " AFTER PREFIX agent MAX 30 TEMPERATURE 0.8 SEED 11")),
            Text(Ok(*db, "GENERATE " + Quote(kSystem + " " + prompt) +
                             " MAX 30 TEMPERATURE 0.8 SEED 11")));

  // A second prefix is the newest; ID picks the first.
  Ok(*db, "WRITE agent PREFIX " + Quote(kOther));
  const std::string other = Text(Ok(*db, "GENERATE " + Quote(kOther) + " MAX 20 TEMPERATURE 0"));
  EXPECT_EQ(Text(Ok(*db, "GENERATE '' AFTER PREFIX agent MAX 20 TEMPERATURE 0")), other);
  EXPECT_EQ(Text(Ok(*db, "GENERATE '' AFTER PREFIX agent ID 1 MAX 40 TEMPERATURE 0")), Text(full));
}

TEST(PrefixTest, APrefixSurvivesARestartAndTransactions) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  const std::string file = dir.path() + "/system.txt";
  std::ofstream(file) << kSystem;
  std::string expected;
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, "WRITE agent PREFIX FILE " + Quote(file));
    expected = Text(Ok(*db, "GENERATE 'Lily' AFTER PREFIX agent MAX 25 TEMPERATURE 0"));
  }
  // A new co-process has none of the prefix's blobs: they are sent from the store.
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Text(Ok(*db, "GENERATE 'Lily' AFTER PREFIX agent MAX 25 TEMPERATURE 0")), expected);

  // Inside a transaction, a prefix written there is used before it is committed.
  Ok(*db, "BEGIN");
  const StatementResult pending = Ok(*db, "WRITE agent PREFIX " + Quote(kOther));
  EXPECT_EQ(Field(pending, "id"), 2u);
  const std::string other = Text(Ok(*db, "GENERATE " + Quote(kOther) + " MAX 20 TEMPERATURE 0"));
  EXPECT_EQ(Text(Ok(*db, "GENERATE '' AFTER PREFIX agent MAX 20 TEMPERATURE 0")), other);
  EXPECT_EQ(Err(*db, "FORGET agent PREFIX ID 2").code(), ErrorCode::kConflict);
  Ok(*db, "ABORT");
  EXPECT_EQ(Text(Ok(*db, "GENERATE 'Lily' AFTER PREFIX agent MAX 25 TEMPERATURE 0")), expected);
  EXPECT_EQ(Err(*db, "GENERATE 'x' AFTER PREFIX agent ID 2").code(), ErrorCode::kNotFound);
}

TEST(PrefixTest, ForgetRollbackAndPurge) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY agent");
  Ok(*db, "WRITE agent PREFIX " + Quote(kSystem));
  const std::string generate = "GENERATE 'Lily' AFTER PREFIX agent MAX 25 TEMPERATURE 0";
  const std::string expected = Text(Ok(*db, generate));
  Ok(*db, "SNAPSHOT agent AS kept");
  EXPECT_EQ(Field(Ok(*db, "FORGET agent PREFIX ID 1"), "forgotten"), 1u);
  const Status gone = Err(*db, generate);
  EXPECT_EQ(gone.code(), ErrorCode::kNotFound);
  EXPECT_NE(gone.message().find("has no prefix"), std::string::npos) << gone.message();
  Ok(*db, "ROLLBACK agent TO kept");
  EXPECT_EQ(Text(Ok(*db, generate)), expected);
  // A new prefix takes a new id, never the forgotten one's.
  Ok(*db, "FORGET agent PREFIX ID 1");
  EXPECT_EQ(Field(Ok(*db, "WRITE agent PREFIX " + Quote(kOther)), "id"), 2u);
  // PURGE removes every version: a rollback cannot bring it back.
  Ok(*db, "ROLLBACK agent TO kept");
  Ok(*db, "FORGET agent PREFIX ID 1 PURGE");
  Ok(*db, "ROLLBACK agent TO kept");
  EXPECT_EQ(Err(*db, "GENERATE 'x' AFTER PREFIX agent ID 1").code(), ErrorCode::kNotFound);
}

TEST(PrefixTest, BadInputFailsClearlyAndChangesNothing) {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/db");
  ASSERT_NE(db, nullptr);
  Ok(*db, "CREATE MEMORY m");
  Ok(*db, "CREATE MEMORY empty");
  const StatementResult written = Ok(*db, "WRITE m PREFIX " + Quote(kSystem));
  const std::uint64_t tokens = Field(written, "tokens");
  std::string long_text;
  while (long_text.size() < 4000) long_text += kSystem + " ";
  const std::vector<testing::ErrorCase> cases = {
      {"WRITE m PREFIX FILE '/nonexistent/system.txt'", ErrorCode::kNotFound, 20, "no file"},
      {"WRITE m PREFIX '  '", ErrorCode::kSyntax, 15, "no text"},
      {"WRITE ghost PREFIX 'x'", ErrorCode::kNotFound, 6, "ghost"},
      {"WRITE m PREFIX " + Quote(long_text), ErrorCode::kLimit, 0, "window"},
      {"GENERATE 'x' AFTER PREFIX ghost", ErrorCode::kNotFound, 26, "ghost"},
      {"GENERATE 'x' AFTER PREFIX empty", ErrorCode::kNotFound, 26, "has no prefix"},
      {"GENERATE 'x' AFTER PREFIX m ID 9", ErrorCode::kNotFound, 31, "no prefix with id 9"},
      {"GENERATE 'x' AFTER PREFIX m MAX 500", ErrorCode::kLimit, 32,
       "a prefix of " + std::to_string(tokens)},
      {"GENERATE " + Quote(long_text) + " AFTER PREFIX m", ErrorCode::kLimit, 9, "no room"},
      {"FORGET m PREFIX ID 9", ErrorCode::kNotFound, 19, "no prefix with id 9"},
      {"FORGET ghost PREFIX ID 1", ErrorCode::kNotFound, 7, "ghost"},
  };
  testing::ExpectErrorsChangeNothing(*db, cases);
}

TEST(PrefixTest, APrefixOfAnotherModelIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    auto db = OpenOrDie(path);
    ASSERT_NE(db, nullptr);
    Ok(*db, "CREATE MEMORY agent");
    Ok(*db, "WRITE agent PREFIX " + Quote(kSystem));
  }
  {
    // The prefix record's key as another model's fingerprint would make it (the memory itself
    // stays bound to this model, so only the prefix key can catch it).
    auto store = storage::Store::Open(path, {});
    ASSERT_TRUE(store.ok());
    const storage::RecordKey key{"agent", storage::RecordKind::kPrefix, 1};
    storage::RecordData data;
    {
      auto read = (*store)->BeginRead();
      ASSERT_TRUE(read.ok());
      auto record = read->Get(storage::Tenant::Default(), key);
      ASSERT_TRUE(record.ok() && record->has_value());
      auto header = query::DecodePrefixHeader((*record)->attrs);
      ASSERT_TRUE(header.ok()) << header.status().ToString();
      std::vector<int> tokens((*record)->tensors[2].nbytes / sizeof(int));
      auto bytes = read->Tensor((*record)->tensors[2]);
      ASSERT_TRUE(bytes.ok());
      std::memcpy(tokens.data(), bytes->data(), bytes->size());
      auto other = query::PrefixKey(std::string(32, '7'), tokens);
      ASSERT_TRUE(other.ok());
      ASSERT_NE(*other, header->key);
      header->key = *other;
      data.attrs = query::EncodePrefixHeader(*header);
      data.text = (*record)->text;
      for (const storage::TensorRef& t : (*record)->tensors) {
        auto payload = read->Tensor(t);
        ASSERT_TRUE(payload.ok());
        data.tensors.push_back(
            storage::TensorData::Copy(t.name, t.dtype, t.shape, payload->data(), payload->size()));
      }
    }
    storage::WriteBatch batch(storage::Tenant::Default());
    ASSERT_TRUE(batch.Put(key, std::move(data)).ok());
    ASSERT_TRUE((*store)->Commit(batch, "test: another model's prefix").ok());
  }
  auto db = OpenOrDie(path);
  ASSERT_NE(db, nullptr);
  const Status refused = Err(*db, "GENERATE 'Lily' AFTER PREFIX agent MAX 5");
  EXPECT_EQ(refused.code(), ErrorCode::kModel) << refused.ToString();
  EXPECT_NE(refused.message().find("another model"), std::string::npos) << refused.message();
  // A prefix written again on this model is served.
  Ok(*db, "WRITE agent PREFIX " + Quote(kSystem));
  Ok(*db, "GENERATE 'Lily' AFTER PREFIX agent MAX 5 TEMPERATURE 0");
}

}  // namespace
}  // namespace engram
