// NgramEncoder: the episodic memory's fixed text encoder e(text) -> z in R^C (docs/episodic.md
// §6; reference definition: tools/research/episodic_encoder/study.py). Torch-free.
//
// The encoding below is the encoder's identity: stored memories hold codes made by it, so any
// change to it (normalisation, features, keys, hashes, seeds, weighting) must bump
// kEncoderVersion.
//
// 1. Normalisation: ASCII 'A'-'Z' are lowercased; every other byte is kept. A word is a maximal
//    run of [a-z0-9_] and bytes >= 0x80. On ASCII text this is exactly Python's
//    re.findall(r'\w+', s.lower()); non-ASCII code points all count as word characters (Python
//    would split at Unicode punctuation, and lowercase non-ASCII letters: not done here).
// 2. Features, each a byte string "feature key" = kind byte + text:
//      'w' + word                  every word (unigram);
//      'b' + word1 + ' ' + word2   every pair of adjacent words (bigram);
//      'c' + gram                  every n-gram, n = 3, 4, 5, of the code points of "<" word ">"
//                                  (code points = UTF-8 sequences: a byte 10xxxxxx joins the
//                                  preceding unit; on ASCII: bytes).
//    tf = the number of occurrences of the key in the text.
// 3. Signed hashing: h = XXH3_64bits_withSeed(key, kFeatureHashSeed); bucket = h mod C; sign =
//    +1 when bit 40 of h is set, else -1.
// 4. Weight of a feature: tf x idf x word_factor, where idf = idf_table.Weight(key) (1 without a
//    table) and word_factor = factor_table.Weight('w' + word) (1 without a table) of its word;
//    for a bigram the larger factor of its two words; for a char n-gram the largest over the
//    words of the text that contain it.
// 5. Blocks: word block = unigrams + bigrams, char block = char n-grams. Each block is
//    accumulated (features in ascending key order, per bucket: sum of sign x weight) and
//    L2-normalised on its own; z = normalise(word block + char block) (char block omitted when
//    use_char is false). Buckets whose value is exactly 0 are dropped. An empty text (no words)
//    encodes to the empty code.
//
// Thread-safe: an encoder is immutable after Create().
#ifndef ENGRAM_COMPUTE_EPISODIC_NGRAM_ENCODER_H_
#define ENGRAM_COMPUTE_EPISODIC_NGRAM_ENCODER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compute/episodic/idf_table.h"
#include "engram/status.h"

namespace engram::compute::episodic {

inline constexpr std::uint32_t kEncoderVersion = 1;
inline constexpr std::uint64_t kFeatureHashSeed = 0x454e4752414d4531ULL;  // "ENGRAME1"
inline constexpr std::uint32_t kDefaultCodeDim = 4096;
inline constexpr char kWordKind = 'w';
inline constexpr char kBigramKind = 'b';
inline constexpr char kCharKind = 'c';

// A sparse code: strictly ascending bucket indices and their values (same length).
struct SparseCode {
  std::vector<std::uint32_t> index;
  std::vector<double> value;
};

// The dense form (length dim; every index must be < dim).
std::vector<double> ToDense(const SparseCode& code, std::uint32_t dim);
// Dot product of two sparse codes.
double Dot(const SparseCode& a, const SparseCode& b);
// Cosine similarity; 0 when either code is empty.
double Cosine(const SparseCode& a, const SparseCode& b);

// The words of `text` (step 1).
std::vector<std::string> NormalisedWords(std::string_view text);

// One feature of a text: its count and the words it belongs to (for the word factor).
struct FeatureOccurrence {
  int tf = 0;
  std::vector<std::string> words;  // distinct, in order of first occurrence
};
// The features of a text (step 2), keyed by feature key, split by block.
struct TextFeatures {
  std::map<std::string, FeatureOccurrence> word_block;  // 'w' and 'b' keys
  std::map<std::string, FeatureOccurrence> char_block;  // 'c' keys
};
TextFeatures ExtractFeatures(std::string_view text);

// Step 3: the bucket (h mod dim) and sign of a feature key.
struct SignedBucket {
  std::uint32_t bucket;
  double sign;
};
SignedBucket HashFeature(std::string_view feature_key, std::uint32_t dim);

struct EncoderOptions {
  std::uint32_t dim = kDefaultCodeDim;  // C, >= 1
  bool use_char = true;                 // include the char n-gram block
};

class NgramEncoder {
 public:
  // `idf` and `word_factor` may be null (weight 1). Fails with kModel when a table was built
  // for another kEncoderVersion, kSyntax when dim is 0.
  static Result<NgramEncoder> Create(EncoderOptions options, std::shared_ptr<const IdfTable> idf,
                                     std::shared_ptr<const IdfTable> word_factor);

  // z = e(text): unit L2 norm, or empty when the text has no words.
  SparseCode Encode(std::string_view text) const;

  const EncoderOptions& options() const { return options_; }

 private:
  NgramEncoder(EncoderOptions options, std::shared_ptr<const IdfTable> idf,
               std::shared_ptr<const IdfTable> word_factor)
      : options_(options), idf_(std::move(idf)), word_factor_(std::move(word_factor)) {}
  double Weight(const std::string& key, const FeatureOccurrence& occurrence) const;
  std::map<std::uint32_t, double> Block(
      const std::map<std::string, FeatureOccurrence>& features) const;

  EncoderOptions options_;
  std::shared_ptr<const IdfTable> idf_;
  std::shared_ptr<const IdfTable> word_factor_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_NGRAM_ENCODER_H_
