// Builders of the episodic encoder's frozen tables (models/episodic/, docs/episodic.md §6), as
// library code so that engram-idf-build, engram-word-rank-build and the asset test share them:
//
// - the books IDF table: df per hashed bucket over documents made from plain-text files;
// - the GPT-2 word-rank factor table: tools/research/episodic_encoder/study.py
//   gpt2_rank_factor(), factor(word) = log(1 + id) / log(50257), id = the GPT-2 BPE id of
//   "Ġ" + word (else of "Ġ" + Word, the first letter uppercased), 1 for a word that is neither
//   (so unseen = max_value = 1, the table format's q = 0).
//
// Both builders are deterministic: the same inputs give byte-identical Serialize() output.
// Thread-safety: pure functions.
#ifndef ENGRAM_TOOLS_EPISODIC_ENCODER_ASSETS_H_
#define ENGRAM_TOOLS_EPISODIC_ENCODER_ASSETS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "compute/episodic/idf_table.h"
#include "engram/status.h"

namespace engram::tools {

struct BooksIdfOptions {
  std::uint32_t bucket_bits = compute::episodic::kDefaultBucketBits;  // 1..kMaxBucketBits
  // 0: one document per paragraph; N > 0: windows of N consecutive sentences over all
  // paragraphs of all files in the order given (joined with one space; windows cross paragraph
  // and file boundaries; the last one may be shorter) — the study's "20-sentence windows".
  int docs_per_window = 0;
  // Paragraphs (as Paragraphs() returns them) dropped before documents are formed.
  std::unordered_set<std::string> excluded_paragraphs;
};

struct BooksIdfStats {
  std::size_t documents = 0;
  std::size_t excluded_paragraphs = 0;  // paragraphs dropped
  std::size_t nonzero_buckets = 0;      // buckets with df > 0
};

// The IDF table over the documents of `files` (read in the order given): df per bucket = the
// number of documents with at least one feature (ngram_encoder.h: word, bigram, char n-gram)
// in that bucket; IdfTable::FromDocumentFrequencies, seed kIdfHashSeed, kEncoderVersion.
// NOTFOUND when a file cannot be read, SYNTAX for bad options or no documents.
Result<compute::episodic::IdfTable> BuildBooksIdf(const std::vector<std::string>& files,
                                                  const BooksIdfOptions& options,
                                                  BooksIdfStats* stats = nullptr);

inline constexpr double kGpt2VocabularySize = 50257;  // the study's log(50257) denominator

// The word factors of the GPT-2 vocabulary `encoder_json` (the text of encoder.json: an object
// token -> id, byte-level tokens with "Ġ" = U+0120 for a leading space): every encoder word w
// (a maximal run of ngram_encoder.h word bytes, ASCII lowercase) whose "Ġ"+w or "Ġ"+W (first
// byte ASCII-uppercased) is a token, mapped to log(1 + id) / log(50257), "Ġ"+w preferred.
// CORRUPT when the text is not such an object or an id is not an integer in [0, 50257).
Result<std::map<std::string, double>> Gpt2WordRankFactors(std::string_view encoder_json);

struct WordRankStats {
  std::size_t words = 0;           // words with a factor (the table's `documents` field)
  std::size_t shared_buckets = 0;  // words whose bucket already held another word
  std::size_t nonzero_buckets = 0;
};

// The word-factor table of Gpt2WordRankFactors: max_value 1, each word's entry at its key
// 'w' + word (ngram_encoder.h), the largest factor when words share a bucket (order-free);
// every other word weighs 1 (q = 0).
Result<compute::episodic::IdfTable> BuildGpt2RankTable(std::string_view encoder_json,
                                                       std::uint32_t bucket_bits,
                                                       WordRankStats* stats = nullptr);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_ENCODER_ASSETS_H_
