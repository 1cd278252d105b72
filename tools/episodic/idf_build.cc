// engram-idf-build: builds the episodic encoder's frozen IDF table (compute/episodic/idf_table.h)
// from plain-text files.
//
//   engram-idf-build --out FILE [--bits 20] [--docs-per-window N] [--exclude-paragraphs FILE]
//                    FILES...
//
// Documents: the files' paragraphs (split at blank lines, whitespace collapsed), or with
// --docs-per-window N windows of N consecutive sentences over all paragraphs of all files in
// the order given (as the study's "20-sentence windows": sentences joined with one space,
// windows cross paragraph and file boundaries, the last window may be shorter).
// --exclude-paragraphs FILE drops the paragraphs equal to one of FILE's lines (as written by
// engram-encoder-eval --write-held-out) before documents are formed.
// df per bucket = the number of documents with at least one feature (word, bigram, char n-gram
// of ngram_encoder.h) in that bucket; idf = log((1+N)/(1+df)) + 1, quantised.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

#include "compute/episodic/idf_table.h"
#include "compute/episodic/ngram_encoder.h"
#include "tools/episodic/book_text.h"

namespace {

using engram::compute::episodic::ExtractFeatures;
using engram::compute::episodic::IdfTable;

int Usage() {
  std::fprintf(stderr,
               "usage: engram-idf-build --out FILE [--bits 20] [--docs-per-window N] "
               "[--exclude-paragraphs FILE] FILES...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path, exclude_path;
  unsigned bits = engram::compute::episodic::kDefaultBucketBits;
  int window = 0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--out" && has_value) {
      out_path = argv[++i];
    } else if (arg == "--bits" && has_value) {
      bits = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (arg == "--docs-per-window" && has_value) {
      window = std::atoi(argv[++i]);
    } else if (arg == "--exclude-paragraphs" && has_value) {
      exclude_path = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage();
    } else {
      files.push_back(arg);
    }
  }
  if (out_path.empty() || files.empty() || bits < 1 ||
      bits > engram::compute::episodic::kMaxBucketBits || window < 0) {
    return Usage();
  }
  std::unordered_set<std::string> excluded;
  if (!exclude_path.empty()) {
    auto text = engram::tools::ReadFile(exclude_path);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", text.status().ToString().c_str());
      return 1;
    }
    std::size_t start = 0;
    while (start < text->size()) {
      std::size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      excluded.insert(text->substr(start, end - start));
      start = end + 1;
    }
  }
  std::vector<std::string> paragraphs;
  std::size_t dropped = 0;
  for (const std::string& file : files) {
    auto text = engram::tools::ReadFile(file);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", text.status().ToString().c_str());
      return 1;
    }
    for (std::string& p : engram::tools::Paragraphs(*text)) {
      if (excluded.count(p) != 0) {
        ++dropped;
        continue;
      }
      paragraphs.push_back(std::move(p));
    }
  }
  std::vector<std::string> documents;
  if (window == 0) {
    documents = std::move(paragraphs);
  } else {
    std::vector<std::string> sentences;
    for (const std::string& p : paragraphs) {
      for (std::string& s : engram::tools::Sentences(p)) sentences.push_back(std::move(s));
    }
    for (std::size_t j = 0; j < sentences.size(); j += static_cast<std::size_t>(window)) {
      std::string doc;
      for (std::size_t k = j; k < sentences.size() && k < j + window; ++k) {
        if (k > j) doc.push_back(' ');
        doc += sentences[k];
      }
      documents.push_back(std::move(doc));
    }
  }
  // The bucket function is the table's own (an empty table with the final parameters).
  const IdfTable hasher(bits, 1.0, engram::compute::episodic::kIdfHashSeed, 0,
                        engram::compute::episodic::kEncoderVersion);
  std::vector<std::uint32_t> df(std::size_t{1} << bits, 0);
  std::vector<std::uint32_t> last_doc(df.size(), 0);  // 1 + index of the last counting document
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto features = ExtractFeatures(documents[d]);
    for (const auto* block : {&features.word_block, &features.char_block}) {
      for (const auto& [key, occurrence] : *block) {
        const std::uint32_t b = hasher.BucketOf(key);
        if (last_doc[b] == d + 1) continue;
        last_doc[b] = static_cast<std::uint32_t>(d + 1);
        ++df[b];
      }
    }
  }
  const IdfTable table = IdfTable::FromDocumentFrequencies(
      df, documents.size(), engram::compute::episodic::kIdfHashSeed,
      engram::compute::episodic::kEncoderVersion);
  const engram::Status saved = table.Save(out_path);
  if (!saved.ok()) {
    std::fprintf(stderr, "%s\n", saved.ToString().c_str());
    return 1;
  }
  std::size_t used = 0;
  for (std::uint32_t x : df) used += x != 0;
  std::printf("documents=%zu excluded_paragraphs=%zu buckets=%zu nonzero=%zu idf_max=%.4f -> %s\n",
              documents.size(), dropped, df.size(), used, table.max_value(), out_path.c_str());
  return 0;
}
