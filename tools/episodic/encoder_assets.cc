#include "tools/episodic/encoder_assets.h"

#include <cmath>
#include <utility>

#include "client/json_reader.h"
#include "compute/episodic/ngram_encoder.h"
#include "tools/episodic/book_text.h"

namespace engram::tools {
namespace {

namespace ep = compute::episodic;

constexpr std::string_view kSpaceMarker = "\xc4\xa0";  // "Ġ" (U+0120) in UTF-8

// True when `w` is one whole encoder word as NormalisedWords() produces it.
bool IsEncoderWord(std::string_view w) {
  const std::vector<std::string> words = ep::NormalisedWords(w);
  return words.size() == 1 && words[0] == w;
}

}  // namespace

Result<ep::IdfTable> BuildBooksIdf(const std::vector<std::string>& files,
                                   const BooksIdfOptions& options, BooksIdfStats* stats) {
  if (options.bucket_bits < 1 || options.bucket_bits > ep::kMaxBucketBits ||
      options.docs_per_window < 0) {
    return SyntaxError("idf build: bad bucket bits or window");
  }
  BooksIdfStats local;
  std::vector<std::string> paragraphs;
  for (const std::string& file : files) {
    Result<std::string> text = ReadFile(file);
    if (!text.ok()) return text.status();
    for (std::string& p : Paragraphs(*text)) {
      if (options.excluded_paragraphs.count(p) != 0) {
        ++local.excluded_paragraphs;
        continue;
      }
      paragraphs.push_back(std::move(p));
    }
  }
  std::vector<std::string> documents;
  if (options.docs_per_window == 0) {
    documents = std::move(paragraphs);
  } else {
    const auto window = static_cast<std::size_t>(options.docs_per_window);
    std::vector<std::string> sentences;
    for (const std::string& p : paragraphs) {
      for (std::string& s : Sentences(p)) sentences.push_back(std::move(s));
    }
    for (std::size_t j = 0; j < sentences.size(); j += window) {
      std::string doc;
      for (std::size_t k = j; k < sentences.size() && k < j + window; ++k) {
        if (k > j) doc.push_back(' ');
        doc += sentences[k];
      }
      documents.push_back(std::move(doc));
    }
  }
  if (documents.empty()) return SyntaxError("idf build: no documents");
  // The bucket function is the table's own (an empty table with the final parameters).
  const ep::IdfTable hasher(options.bucket_bits, 1.0, ep::kIdfHashSeed, 0, ep::kEncoderVersion);
  std::vector<std::uint32_t> df(std::size_t{1} << options.bucket_bits, 0);
  std::vector<std::uint32_t> last_doc(df.size(), 0);  // 1 + index of the last counting document
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const ep::TextFeatures features = ep::ExtractFeatures(documents[d]);
    for (const auto* block : {&features.word_block, &features.char_block}) {
      for (const auto& [key, occurrence] : *block) {
        const std::uint32_t b = hasher.BucketOf(key);
        if (last_doc[b] == d + 1) continue;
        last_doc[b] = static_cast<std::uint32_t>(d + 1);
        ++df[b];
      }
    }
  }
  local.documents = documents.size();
  for (const std::uint32_t x : df) local.nonzero_buckets += x != 0;
  if (stats != nullptr) *stats = local;
  return ep::IdfTable::FromDocumentFrequencies(df, documents.size(), ep::kIdfHashSeed,
                                               ep::kEncoderVersion);
}

Result<std::map<std::string, double>> Gpt2WordRankFactors(std::string_view encoder_json) {
  const std::optional<Json> json = ParseJson(encoder_json);
  if (!json || json->type != Json::Type::kObject) {
    return CorruptError("gpt2 vocabulary: not a JSON object");
  }
  std::map<std::string, std::uint64_t> exact, capitalised;  // word -> id of "Ġ"+w / "Ġ"+W
  for (const auto& [token, value] : json->members) {
    const std::optional<std::uint64_t> id = value.U64();
    if (!id || *id >= static_cast<std::uint64_t>(kGpt2VocabularySize)) {
      return CorruptError("gpt2 vocabulary: bad id for token '" + token + "'");
    }
    if (token.size() <= kSpaceMarker.size() || token.compare(0, 2, kSpaceMarker) != 0) continue;
    std::string word = token.substr(kSpaceMarker.size());
    if (IsEncoderWord(word)) {
      exact.emplace(word, *id);
    } else if (word[0] >= 'A' && word[0] <= 'Z') {
      word[0] = static_cast<char>(word[0] - 'A' + 'a');
      if (IsEncoderWord(word)) capitalised.emplace(std::move(word), *id);
    }
  }
  for (auto& [word, id] : capitalised) exact.emplace(word, id);  // "Ġ"+w wins
  std::map<std::string, double> factors;
  const double denominator = std::log(kGpt2VocabularySize);
  for (const auto& [word, id] : exact) {
    factors.emplace(word, std::log(1.0 + static_cast<double>(id)) / denominator);
  }
  return factors;
}

Result<ep::IdfTable> BuildGpt2RankTable(std::string_view encoder_json, std::uint32_t bucket_bits,
                                        WordRankStats* stats) {
  if (bucket_bits < 1 || bucket_bits > ep::kMaxBucketBits) {
    return SyntaxError("word-rank build: bad bucket bits");
  }
  Result<std::map<std::string, double>> factors = Gpt2WordRankFactors(encoder_json);
  if (!factors.ok()) return factors.status();
  ep::IdfTable table(bucket_bits, 1.0, ep::kIdfHashSeed, factors->size(), ep::kEncoderVersion);
  // Per bucket: the key of the word with the largest factor, and that factor.
  std::map<std::uint32_t, std::pair<std::string, double>> best;
  WordRankStats local;
  local.words = factors->size();
  for (const auto& [word, factor] : *factors) {
    std::string key = ep::kWordKind + word;
    const std::uint32_t bucket = table.BucketOf(key);
    auto [it, inserted] = best.try_emplace(bucket, key, factor);
    if (inserted) continue;
    ++local.shared_buckets;
    if (factor > it->second.second) it->second = {std::move(key), factor};
  }
  for (const auto& [bucket, entry] : best) table.SetWeight(entry.first, entry.second);
  local.nonzero_buckets = best.size();
  if (stats != nullptr) *stats = local;
  return table;
}

}  // namespace engram::tools
