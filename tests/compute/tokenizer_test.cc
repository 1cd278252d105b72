#include "compute/model/tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>

#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::Book;
using testing::Model;

// A direct transcription of the algorithm llama2.c documents: one token per code point (byte
// fallback otherwise), then repeatedly merge the adjacent pair whose merged piece scores
// highest, leftmost first. Quadratic, but independent of the heap-based encoder under test.
std::vector<int> ReferenceEncode(const Tokenizer& t, const std::string& text) {
  std::map<std::string, int> ids;
  for (int i = t.vocab_size() - 1; i >= 0; --i) ids[t.piece(i)] = i;  // first id wins
  auto lookup = [&](const std::string& piece) {
    auto it = ids.find(piece);
    return it == ids.end() ? -1 : it->second;
  };
  std::vector<int> tokens = {Tokenizer::kBos};
  if (!text.empty()) tokens.push_back(lookup(" "));
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = 1;
    while (i + n < text.size() && n < 4 && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
      ++n;
    const int id = lookup(text.substr(i, n));
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (std::size_t k = 0; k < n; ++k)
        tokens.push_back(static_cast<unsigned char>(text[i + k]) + 3);
    }
    i += n;
  }
  for (;;) {
    float best = -1e10f;
    int best_id = -1;
    std::size_t best_at = 0;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int id = lookup(t.piece(tokens[i]) + t.piece(tokens[i + 1]));
      if (id >= 0 && t.score(id) > best) {
        best = t.score(id);
        best_id = id;
        best_at = i;
      }
    }
    if (best_id < 0) break;
    tokens[best_at] = best_id;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
  }
  return tokens;
}

// Up to `limit` paragraphs (separated by blank lines, LF or CRLF) of at most 400 bytes: the
// reference is quadratic.
std::vector<std::string> Paragraphs(const std::string& text, std::size_t limit) {
  std::vector<std::string> out;
  std::string current;
  std::size_t start = 0;
  while (out.size() < limit && start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start + 1);  // keeps the line ending
    start = end + 1;
    if (line == "\n" || line == "\r\n") {
      if (!current.empty() && current.size() <= 400) out.push_back(current);
      current.clear();
    } else {
      current += line;
    }
  }
  return out;
}

TEST(TokenizerTest, EmptyTextIsJustBos) {
  EXPECT_EQ(Model().tokenizer.Encode("", true, false), std::vector<int>({Tokenizer::kBos}));
  EXPECT_EQ(Model().tokenizer.Encode("", true, true),
            std::vector<int>({Tokenizer::kBos, Tokenizer::kEos}));
  EXPECT_TRUE(Model().tokenizer.Encode("", false, false).empty());
}

TEST(TokenizerTest, KnownPiecesOfASimpleSentence) {
  const Tokenizer& t = Model().tokenizer;
  const auto tokens = t.Encode("Once upon a time", true, false);
  ASSERT_GE(tokens.size(), 3u);
  EXPECT_EQ(tokens[0], Tokenizer::kBos);
  std::string joined;
  for (std::size_t i = 1; i < tokens.size(); ++i) joined += t.piece(tokens[i]);
  EXPECT_EQ(joined, " Once upon a time");  // the dummy prefix makes every word start with ' '
  EXPECT_EQ(t.Decode({tokens.data() + 1, tokens.size() - 1}), "Once upon a time");
}

TEST(TokenizerTest, ByteFallbackForCodePointsOutsideTheVocabulary) {
  const Tokenizer& t = Model().tokenizer;
  const std::string text = "ok \xE2\x9C\x93";  // U+2713 CHECK MARK, not in the 512-token vocab
  const auto tokens = t.Encode(text, false, false);
  ASSERT_GE(tokens.size(), 3u);
  // The last three tokens are the raw bytes E2 9C 93 (ids byte + 3).
  EXPECT_EQ(tokens[tokens.size() - 3], 0xE2 + 3);
  EXPECT_EQ(tokens[tokens.size() - 2], 0x9C + 3);
  EXPECT_EQ(tokens[tokens.size() - 1], 0x93 + 3);
  EXPECT_EQ(t.piece(0xE2 + 3), "<0xE2>");
  EXPECT_EQ(t.DecodePiece(0, 0xE2 + 3), "\xE2");
  std::vector<int> with_bos = {Tokenizer::kBos};
  with_bos.insert(with_bos.end(), tokens.begin(), tokens.end());
  EXPECT_EQ(t.Decode({with_bos.data() + 1, with_bos.size() - 1}), text);
}

TEST(TokenizerTest, LeadingSpaceStrippedOnlyAfterBos) {
  const Tokenizer& t = Model().tokenizer;
  const auto tokens = t.Encode("Lily", false, false);
  ASSERT_EQ(tokens.size(), 1u) << "' Lily' is one piece of this vocabulary";
  EXPECT_EQ(t.DecodePiece(Tokenizer::kBos, tokens[0]), "Lily");
  EXPECT_EQ(t.DecodePiece(100, tokens[0]), " Lily");
  EXPECT_EQ(t.DecodePiece(-1, 100000), "");  // out of range ids decode to nothing
}

TEST(TokenizerTest, MatchesTheReferenceAlgorithmOnBookParagraphs) {
  const Tokenizer& t = Model().tokenizer;
  int checked = 0;
  for (const char* book : {"pg11.txt", "pg16.txt", "pg1661.txt", "pg236.txt", "pg98.txt"}) {
    for (const std::string& paragraph : Paragraphs(Book(book, 100'000), 30)) {
      ASSERT_EQ(t.Encode(paragraph, true, false), ReferenceEncode(t, paragraph))
          << book << ": " << paragraph.substr(0, 80);
      ++checked;
    }
  }
  EXPECT_GE(checked, 100);
}

TEST(TokenizerTest, ReferenceAgreementOnUnusualText) {
  const Tokenizer& t = Model().tokenizer;
  for (const std::string& text :
       {std::string("  leading spaces"), std::string("tabs\tand\nnewlines\r\n"),
        std::string("caf\xC3\xA9 na\xC3\xAFve \xF0\x9F\x98\x80 emoji"),
        std::string("\x80\x80 stray continuation"), std::string("a\0b", 3),
        std::string("aaaaaaaaaaaaaaaaaaaaaaaa"), std::string("!!!???...")}) {
    EXPECT_EQ(t.Encode(text, true, false), ReferenceEncode(t, text)) << text;
  }
}

TEST(TokenizerTest, WholeBooksRoundTrip) {
  const Tokenizer& t = Model().tokenizer;
  for (const char* book : {"pg11.txt", "pg16.txt", "pg1661.txt", "pg236.txt", "pg98.txt"}) {
    const std::string text = Book(book, std::string::npos);
    const auto tokens = t.Encode(text, true, false);
    EXPECT_LT(tokens.size(), text.size()) << "merges must shorten " << book;
    EXPECT_EQ(t.Decode({tokens.data() + 1, tokens.size() - 1}), text) << book;
  }
}

TEST(TokenizerTest, RejectsBadFiles) {
  const std::string dir = testing::TempDir();
  // Missing.
  EXPECT_EQ(Tokenizer::Load(dir + "/none.bin", 512).status().code(), ErrorCode::kNotFound);
  const std::string good = testing::ReadFileOrDie(testing::ModelDir() + "/tok512.bin");
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
    return dir + "/" + name;
  };
  // Truncated, trailing garbage, and the wrong vocabulary size are all MODEL errors.
  auto truncated = Tokenizer::Load(write("t1.bin", good.substr(0, good.size() / 2)), 512);
  EXPECT_EQ(truncated.status().code(), ErrorCode::kModel);
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
  EXPECT_EQ(Tokenizer::Load(write("t2.bin", good + "xx"), 512).status().code(), ErrorCode::kModel);
  EXPECT_EQ(Tokenizer::Load(write("t3.bin", good), 1000).status().code(), ErrorCode::kModel);
  EXPECT_EQ(Tokenizer::Load(write("t4.bin", good), 100).status().code(), ErrorCode::kModel);
  // A negative piece length.
  std::string bad_len = good;
  const std::int32_t minus_one = -1;
  std::memcpy(bad_len.data() + 4 + 4, &minus_one, 4);  // first token's length
  EXPECT_EQ(Tokenizer::Load(write("t5.bin", bad_len), 512).status().code(), ErrorCode::kModel);
  EXPECT_TRUE(Tokenizer::Load(write("t6.bin", good), 512).ok());
}

}  // namespace
}  // namespace engram::compute
