// The episodic encoder's shipped frozen tables (models/episodic/, README.md there): they load,
// carry the expected header fields, are rebuilt byte for byte from ../shared/data by the
// builders' library code (tools/episodic/encoder_assets.h), and separate a known_1000
// paraphrase from an unrelated book sentence at the scope threshold 0.3 (docs/episodic.md §6).
#include "tools/episodic/encoder_assets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "compute/episodic/idf_table.h"
#include "compute/episodic/ngram_encoder.h"
#include "tools/episodic/book_text.h"

namespace engram::tools {
namespace {

namespace ep = compute::episodic;

const std::string kModels = std::string(ENGRAM_SOURCE_DIR) + "/models/episodic/";
const std::string kData = std::string(ENGRAM_SHARED_DIR) + "/data/";

// The shipped books table's inputs, in the order of its README command.
std::vector<std::string> BookFiles() {
  std::vector<std::string> files;
  for (const char* name : {"pg11", "pg16", "pg1661", "pg236", "pg98"}) {
    files.push_back(kData + "books/" + name + ".txt");
  }
  return files;
}

TEST(EncoderAssetsTest, ShippedTablesLoadWithExpectedHeaders) {
  auto books = ep::IdfTable::Load(kModels + "books_idf_v1.idf");
  ASSERT_TRUE(books.ok()) << books.status().ToString();
  EXPECT_EQ(books->encoder_version(), ep::kEncoderVersion);
  EXPECT_EQ(books->bucket_bits(), 20u);
  EXPECT_EQ(books->hash_seed(), ep::kIdfHashSeed);
  EXPECT_EQ(books->documents(), 1211u);  // 20-sentence windows over all paragraphs
  EXPECT_DOUBLE_EQ(books->max_value(), std::log(1.0 + 1211.0) + 1.0);

  auto rank = ep::IdfTable::Load(kModels + "gpt2_rank_v1.idf");
  ASSERT_TRUE(rank.ok()) << rank.status().ToString();
  EXPECT_EQ(rank->encoder_version(), ep::kEncoderVersion);
  EXPECT_EQ(rank->bucket_bits(), 19u);
  EXPECT_EQ(rank->hash_seed(), ep::kIdfHashSeed);
  EXPECT_EQ(rank->documents(), 24772u);  // words with a GPT-2 rank
  EXPECT_EQ(rank->max_value(), 1.0);
  // "Ġthe" is id 262; a word that is no single GPT-2 token weighs 1 (q = 0).
  EXPECT_NEAR(rank->Weight("wthe"), std::log(263.0) / std::log(kGpt2VocabularySize), 0.5 / 255);
  EXPECT_EQ(rank->Weight("wzzyzzqxq"), 1.0);
}

TEST(EncoderAssetsTest, Gpt2FactorsFollowTheStudy) {
  auto factors = Gpt2WordRankFactors(
      R"({"the": 5, "\u0120the": 262, "\u0120Paris": 6342, "\u0120paris": 99, "\u0120London": 3576,)"
      R"( "\u0120co-op": 7, "\u0120caf\u00c3\u00a9": 8})");
  ASSERT_TRUE(factors.ok());
  const double l = std::log(kGpt2VocabularySize);
  EXPECT_DOUBLE_EQ(factors->at("the"), std::log(263.0) / l);
  EXPECT_DOUBLE_EQ(factors->at("paris"), std::log(100.0) / l);  // "Ġ"+w before "Ġ"+W
  EXPECT_DOUBLE_EQ(factors->at("london"), std::log(3577.0) / l);
  EXPECT_EQ(factors->count("co-op"), 0u);                // not one encoder word
  EXPECT_EQ(factors->count("caf\xc3\x83\xc2\xa9"), 1u);  // \u escapes decoded to UTF-8
  EXPECT_EQ(factors->size(), 4u);
  EXPECT_EQ(Gpt2WordRankFactors(R"({"\u0120a": 50257})").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Gpt2WordRankFactors("[1]").status().code(), ErrorCode::kCorrupt);
}

TEST(EncoderAssetsTest, ShippedTablesRebuildByteForByte) {
  auto shipped_books = ReadFile(kModels + "books_idf_v1.idf");
  ASSERT_TRUE(shipped_books.ok());
  BooksIdfOptions options;
  options.bucket_bits = 20;
  options.docs_per_window = 20;
  auto books = BuildBooksIdf(BookFiles(), options);
  ASSERT_TRUE(books.ok()) << books.status().ToString();
  EXPECT_TRUE(books->Serialize() == *shipped_books) << "books_idf_v1.idf differs from a rebuild";

  auto shipped_rank = ReadFile(kModels + "gpt2_rank_v1.idf");
  ASSERT_TRUE(shipped_rank.ok());
  auto vocabulary = ReadFile(kData + "gpt2_bpe/encoder.json");
  ASSERT_TRUE(vocabulary.ok());
  auto rank = BuildGpt2RankTable(*vocabulary, 19);
  ASSERT_TRUE(rank.ok()) << rank.status().ToString();
  EXPECT_TRUE(rank->Serialize() == *shipped_rank) << "gpt2_rank_v1.idf differs from a rebuild";
}

TEST(EncoderAssetsTest, ShippedTablesSeparateParaphraseFromUnrelated) {
  auto books = ep::IdfTable::Load(kModels + "books_idf_v1.idf");
  auto rank = ep::IdfTable::Load(kModels + "gpt2_rank_v1.idf");
  ASSERT_TRUE(books.ok() && rank.ok());
  auto encoder =
      ep::NgramEncoder::Create({}, std::make_shared<const ep::IdfTable>(std::move(books).value()),
                               std::make_shared<const ep::IdfTable>(std::move(rank).value()));
  ASSERT_TRUE(encoder.ok());
  // known_1000 #0 (P30) as stored ("prompt attribute"), and its subject in another template.
  const ep::SparseCode fact =
      encoder->Encode("Vinson Massif is located in the continent of Antarctica");
  const double paraphrase =
      ep::Cosine(fact, encoder->Encode("Vinson Massif belongs to the continent of"));
  const double unrelated =
      ep::Cosine(fact, encoder->Encode("It was the best of times, it was the worst of times."));
  EXPECT_GT(paraphrase, 0.3);
  EXPECT_LT(unrelated, 0.3);
}

}  // namespace
}  // namespace engram::tools
