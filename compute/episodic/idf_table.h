// IdfTable: a frozen, hashed per-feature weight table of the episodic text encoder
// (ngram_encoder.h). 2^bucket_bits one-byte entries, each a quantised weight; the entry of a
// feature is bucket  XXH3_64bits_withSeed(feature key, hash_seed) & (2^bucket_bits - 1)  (the
// feature key as ngram_encoder.h defines it). Entry q dequantises to q / 255 * max_value; q = 0
// means "not seen when the table was built" and dequantises to max_value (the weight of an
// unseen feature: the smoothed idf of df = 0, or a word factor of 1).
//
// Two uses: the IDF table (weights log((1+N)/(1+df)) + 1, N = document count, df per bucket)
// and the optional word-factor table (indexed by the word unigram key "w<word>").
//
// File format, version 1 (all integers little-endian, no padding; total 53 + 2^B bytes):
//
//   offset  size  field
//   0       9     magic "ENGRAMIDF" (ASCII, no terminator)
//   9       4     u32 format version (= 1)
//   13      4     u32 encoder_version the table was built for (ngram_encoder.h kEncoderVersion)
//   17      4     u32 bucket_bits B, 1..28
//   21      8     f64 max_value (idf_max), IEEE-754 binary64, finite and > 0
//   29      8     u64 hash_seed of the bucket hash
//   37      8     u64 document count N the table was built from (informational)
//   45      2^B   u8 entries
//   45+2^B  8     u64 XXH3_64bits (seed 0) of every preceding byte
//
// Load() returns NOTFOUND for a missing/unreadable file and CORRUPT for a bad magic, format
// version, size, field value or checksum; a table built for another encoder_version loads
// fine (NgramEncoder::Create refuses it). Immutable after construction: thread-safe.
#ifndef ENGRAM_COMPUTE_EPISODIC_IDF_TABLE_H_
#define ENGRAM_COMPUTE_EPISODIC_IDF_TABLE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::compute::episodic {

inline constexpr char kIdfTableMagic[] = "ENGRAMIDF";  // 9 bytes on disk
inline constexpr std::uint32_t kIdfTableFormatVersion = 1;
inline constexpr std::uint32_t kDefaultBucketBits = 20;
inline constexpr std::uint32_t kMaxBucketBits = 28;
// The default seed of the table's bucket hash; independent of the encoder's signed-hash seed.
inline constexpr std::uint64_t kIdfHashSeed = 0x454e4752414d4944ULL;  // "ENGRAMID"

class IdfTable {
 public:
  // A table of 2^bucket_bits entries, all 0 (every feature weighs max_value).
  // Requires 1 <= bucket_bits <= kMaxBucketBits and a finite max_value > 0.
  IdfTable(std::uint32_t bucket_bits, double max_value, std::uint64_t hash_seed,
           std::uint64_t documents, std::uint32_t encoder_version);

  // The smoothed-IDF table of a df count per bucket (df.size() == 2^bucket_bits) over N
  // documents: idf = log((1+N)/(1+df)) + 1, max_value = log(1+N) + 1 (df = 0); entries with
  // df = 0 stay 0, the others are round(idf / max_value * 255) clamped to [1, 255].
  static IdfTable FromDocumentFrequencies(std::span<const std::uint32_t> df,
                                          std::uint64_t documents, std::uint64_t hash_seed,
                                          std::uint32_t encoder_version);

  // Serialised bytes (the file format above) and their inverse.
  std::string Serialize() const;
  static Result<IdfTable> Parse(std::string_view bytes);
  Status Save(const std::string& path) const;
  static Result<IdfTable> Load(const std::string& path);

  // The bucket of a feature key, and its dequantised weight.
  std::uint32_t BucketOf(std::string_view feature_key) const;
  double Weight(std::string_view feature_key) const { return WeightAt(BucketOf(feature_key)); }
  double WeightAt(std::uint32_t bucket) const;

  // Sets an entry from a weight (quantised as FromDocumentFrequencies does; 0 <= weight).
  void SetWeight(std::string_view feature_key, double weight);

  std::uint32_t bucket_bits() const { return bucket_bits_; }
  double max_value() const { return max_value_; }
  std::uint64_t hash_seed() const { return hash_seed_; }
  std::uint64_t documents() const { return documents_; }
  std::uint32_t encoder_version() const { return encoder_version_; }
  const std::vector<std::uint8_t>& entries() const { return entries_; }

 private:
  std::uint8_t Quantise(double weight) const;

  std::uint32_t bucket_bits_;
  double max_value_;
  std::uint64_t hash_seed_;
  std::uint64_t documents_;
  std::uint32_t encoder_version_;
  std::vector<std::uint8_t> entries_;
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_IDF_TABLE_H_
