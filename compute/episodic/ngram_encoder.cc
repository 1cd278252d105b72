#include "compute/episodic/ngram_encoder.h"

#include <xxhash.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace engram::compute::episodic {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

// The code points of `s` (UTF-8 units: a continuation byte 10xxxxxx joins the preceding unit).
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xc0) == 0x80) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

void AddOccurrence(std::map<std::string, FeatureOccurrence>& block, std::string key,
                   const std::string& word) {
  FeatureOccurrence& occurrence = block[std::move(key)];
  ++occurrence.tf;
  if (std::find(occurrence.words.begin(), occurrence.words.end(), word) == occurrence.words.end()) {
    occurrence.words.push_back(word);
  }
}

void NormaliseInPlace(std::map<std::uint32_t, double>& v) {
  double sum = 0;
  for (const auto& [bucket, x] : v) sum += x * x;
  const double norm = std::sqrt(sum);
  if (norm > 0) {
    for (auto& [bucket, x] : v) x /= norm;
  } else {
    v.clear();
  }
}

}  // namespace

std::vector<double> ToDense(const SparseCode& code, std::uint32_t dim) {
  std::vector<double> out(dim, 0.0);
  for (std::size_t i = 0; i < code.index.size(); ++i) {
    assert(code.index[i] < dim);
    out[code.index[i]] = code.value[i];
  }
  return out;
}

double Dot(const SparseCode& a, const SparseCode& b) {
  double sum = 0;
  std::size_t i = 0, j = 0;
  while (i < a.index.size() && j < b.index.size()) {
    if (a.index[i] < b.index[j]) {
      ++i;
    } else if (a.index[i] > b.index[j]) {
      ++j;
    } else {
      sum += a.value[i++] * b.value[j++];
    }
  }
  return sum;
}

double Cosine(const SparseCode& a, const SparseCode& b) {
  const double na = std::sqrt(Dot(a, a));
  const double nb = std::sqrt(Dot(b, b));
  return na > 0 && nb > 0 ? Dot(a, b) / (na * nb) : 0.0;
}

std::vector<std::string> NormalisedWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (const char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    if (IsWordByte(c)) {
      current.push_back(static_cast<char>(c));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

TextFeatures ExtractFeatures(std::string_view text) {
  TextFeatures out;
  const std::vector<std::string> words = NormalisedWords(text);
  for (const std::string& word : words) {
    AddOccurrence(out.word_block, kWordKind + word, word);
    const std::string wrapped = "<" + word + ">";
    const std::vector<std::string_view> units = CodePoints(wrapped);
    for (std::size_t n = 3; n <= 5; ++n) {
      for (std::size_t i = 0; i + n <= units.size(); ++i) {
        std::string key(1, kCharKind);
        for (std::size_t k = i; k < i + n; ++k) key.append(units[k]);
        AddOccurrence(out.char_block, std::move(key), word);
      }
    }
  }
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    FeatureOccurrence& occurrence = out.word_block[kBigramKind + words[i] + " " + words[i + 1]];
    ++occurrence.tf;
    occurrence.words = {words[i], words[i + 1]};
  }
  return out;
}

SignedBucket HashFeature(std::string_view feature_key, std::uint32_t dim) {
  const std::uint64_t h =
      XXH3_64bits_withSeed(feature_key.data(), feature_key.size(), kFeatureHashSeed);
  return {static_cast<std::uint32_t>(h % dim), ((h >> 40) & 1) != 0 ? 1.0 : -1.0};
}

Result<NgramEncoder> NgramEncoder::Create(EncoderOptions options,
                                          std::shared_ptr<const IdfTable> idf,
                                          std::shared_ptr<const IdfTable> word_factor) {
  if (options.dim == 0) return SyntaxError("encoder: code dimension must be >= 1");
  for (const auto* table : {idf.get(), word_factor.get()}) {
    if (table != nullptr && table->encoder_version() != kEncoderVersion) {
      return ModelError("encoder: table built for encoder version " +
                        std::to_string(table->encoder_version()) + ", this is version " +
                        std::to_string(kEncoderVersion));
    }
  }
  return NgramEncoder(options, std::move(idf), std::move(word_factor));
}

double NgramEncoder::Weight(const std::string& key, const FeatureOccurrence& occurrence) const {
  double w = static_cast<double>(occurrence.tf);
  if (idf_ != nullptr) w *= idf_->Weight(key);
  if (word_factor_ != nullptr) {
    double factor = 0;
    for (const std::string& word : occurrence.words) {
      factor = std::max(factor, word_factor_->Weight(kWordKind + word));
    }
    w *= factor;
  }
  return w;
}

std::map<std::uint32_t, double> NgramEncoder::Block(
    const std::map<std::string, FeatureOccurrence>& features) const {
  std::map<std::uint32_t, double> v;
  for (const auto& [key, occurrence] : features) {
    const double x = Weight(key, occurrence);
    if (x == 0.0) continue;
    const SignedBucket sb = HashFeature(key, options_.dim);
    v[sb.bucket] += sb.sign * x;
  }
  NormaliseInPlace(v);
  return v;
}

SparseCode NgramEncoder::Encode(std::string_view text) const {
  const TextFeatures features = ExtractFeatures(text);
  std::map<std::uint32_t, double> v = Block(features.word_block);
  if (options_.use_char) {
    for (const auto& [bucket, x] : Block(features.char_block)) v[bucket] += x;
  }
  NormaliseInPlace(v);
  SparseCode code;
  for (const auto& [bucket, x] : v) {
    if (x == 0.0) continue;
    code.index.push_back(bucket);
    code.value.push_back(x);
  }
  return code;
}

}  // namespace engram::compute::episodic
