// engram-word-rank-build: builds the episodic encoder's GPT-2 word-rank factor table (a
// word-factor IdfTable, compute/episodic/idf_table.h) from GPT-2's encoder.json
// (encoder_assets.h BuildGpt2RankTable: factor = log(1 + id) / log(50257) of the token
// "Ġ" + word, 1 for words that are not a single token).
//
//   engram-word-rank-build --out FILE [--bits 19] ENCODER_JSON
#include <cstdio>
#include <cstdlib>
#include <string>

#include "client/flags.h"
#include "compute/episodic/idf_table.h"
#include "tools/episodic/book_text.h"
#include "tools/episodic/encoder_assets.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: engram-word-rank-build --out FILE [--bits 19] ENCODER_JSON\n");
  return 2;
}

}  // namespace

using engram::tools::Fail;

int main(int argc, char** argv) {
  auto flags = engram::Flags::Parse({argv + 1, argv + argc}, {"out", "bits"}, {});
  if (!flags.ok()) return Fail(flags.status());
  auto bits = flags->Int("bits", 19);  // the shipped gpt2_rank_v1.idf
  if (!bits.ok()) return Fail(bits.status());
  const std::string out_path = flags->String("out");
  if (out_path.empty() || flags->positional().size() != 1 || *bits < 1 ||
      *bits > engram::compute::episodic::kMaxBucketBits) {
    return Usage();
  }
  const std::string& json_path = flags->positional()[0];
  auto text = engram::tools::ReadFile(json_path);
  if (!text.ok()) return Fail(text.status());
  engram::tools::WordRankStats stats;
  auto table = engram::tools::BuildGpt2RankTable(*text, static_cast<std::uint32_t>(*bits), &stats);
  if (!table.ok()) return Fail(table.status().WithContext(json_path));
  const engram::Status saved = table->Save(out_path);
  if (!saved.ok()) return Fail(saved);
  std::printf("words=%zu shared_buckets=%zu buckets=%zu nonzero=%zu -> %s\n", stats.words,
              stats.shared_buckets, table->entries().size(), stats.nonzero_buckets,
              out_path.c_str());
  return 0;
}
