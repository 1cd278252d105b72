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
// of ngram_encoder.h) in that bucket; idf = log((1+N)/(1+df)) + 1, quantised
// (encoder_assets.h BuildBooksIdf; models/episodic/README.md has the shipped table's command).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/flags.h"
#include "compute/episodic/idf_table.h"
#include "tools/episodic/book_text.h"
#include "tools/episodic/encoder_assets.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: engram-idf-build --out FILE [--bits 20] [--docs-per-window N] "
               "[--exclude-paragraphs FILE] FILES...\n");
  return 2;
}

}  // namespace

using engram::tools::Fail;

int main(int argc, char** argv) {
  engram::tools::BooksIdfOptions options;
  auto flags = engram::Flags::Parse({argv + 1, argv + argc},
                                    {"out", "bits", "docs-per-window", "exclude-paragraphs"}, {});
  if (!flags.ok()) return Fail(flags.status());
  auto bits = flags->Int("bits", options.bucket_bits);
  if (!bits.ok()) return Fail(bits.status());
  auto window = flags->Int("docs-per-window", options.docs_per_window);
  if (!window.ok()) return Fail(window.status());
  const std::string out_path = flags->String("out");
  const std::string exclude_path = flags->String("exclude-paragraphs");
  const std::vector<std::string>& files = flags->positional();
  if (out_path.empty() || files.empty() || *bits < 1 ||
      *bits > engram::compute::episodic::kMaxBucketBits || *window < 0) {
    return Usage();
  }
  options.docs_per_window = static_cast<int>(*window);
  options.bucket_bits = static_cast<std::uint32_t>(*bits);
  if (!exclude_path.empty()) {
    auto text = engram::tools::ReadFile(exclude_path);
    if (!text.ok()) return Fail(text.status());
    std::size_t start = 0;
    while (start < text->size()) {
      std::size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      options.excluded_paragraphs.insert(text->substr(start, end - start));
      start = end + 1;
    }
  }
  engram::tools::BooksIdfStats stats;
  auto table = engram::tools::BuildBooksIdf(files, options, &stats);
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", table.status().ToString().c_str());
    return 1;
  }
  const engram::Status saved = table->Save(out_path);
  if (!saved.ok()) {
    std::fprintf(stderr, "%s\n", saved.ToString().c_str());
    return 1;
  }
  std::printf("documents=%zu excluded_paragraphs=%zu buckets=%zu nonzero=%zu idf_max=%.4f -> %s\n",
              stats.documents, stats.excluded_paragraphs, table->entries().size(),
              stats.nonzero_buckets, table->max_value(), out_path.c_str());
  return 0;
}
