// engram-encoder-eval: the encoder study's main protocol (docs/episodic.md §6;
// tools/research/episodic_encoder/data.py + study.py evaluate()) on the C++ encoder.
//
//   engram-encoder-eval [--idf FILE] [--word-factor FILE] [--no-char] [--dim 4096]
//                       [--data DIR] [--write-held-out FILE]
//
// Memory: every known_1000 fact as "prompt attribute". Queries: each fact's prompt (prompt@1),
// its subject in every other template of its relation (paraphrase@1), and 1,000 book sentences
// of 5-40 words sampled exactly as data.py does (random.Random(12345).sample over the candidate
// sentences, replicated) whose best cosine is reported as percentiles. --write-held-out writes
// the paragraphs holding the sampled sentences (one per line) for engram-idf-build
// --exclude-paragraphs. --data defaults to ../shared/data relative to the source tree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "client/flags.h"
#include "compute/episodic/ngram_encoder.h"
#include "tools/episodic/book_text.h"
#include "tools/episodic/eval_data.h"

namespace {

namespace ep = engram::compute::episodic;

double Percentile(std::vector<double> xs, double p) {  // study.py pct(): linear interpolation
  std::sort(xs.begin(), xs.end());
  const double k = static_cast<double>(xs.size() - 1) * p / 100.0;
  const auto f = static_cast<std::size_t>(std::floor(k));
  const auto c = static_cast<std::size_t>(std::ceil(k));
  return xs[f] + (xs[c] - xs[f]) * (k - static_cast<double>(f));
}

}  // namespace

using engram::tools::Fail;

int main(int argc, char** argv) {
  auto flags =
      engram::Flags::Parse({argv + 1, argv + argc},
                           {"idf", "word-factor", "dim", "data", "write-held-out"}, {"no-char"});
  if (!flags.ok() || !flags->positional().empty()) {
    if (!flags.ok()) std::fprintf(stderr, "%s\n", flags.status().ToString().c_str());
    std::fprintf(stderr,
                 "usage: engram-encoder-eval [--idf FILE] [--word-factor FILE] [--no-char] "
                 "[--dim C] [--data DIR] [--write-held-out FILE]\n");
    return 2;
  }
  ep::EncoderOptions options;
  options.use_char = !flags->Has("no-char");
  auto dim = flags->Int("dim", options.dim);
  if (!dim.ok()) return Fail(dim.status());
  options.dim = static_cast<std::uint32_t>(*dim);
  const std::string idf_path = flags->String("idf");
  const std::string factor_path = flags->String("word-factor");
  const std::string held_out_path = flags->String("write-held-out");
  const std::string data_dir =
      flags->String("data", std::string(ENGRAM_SOURCE_DIR) + "/../shared/data");
  std::shared_ptr<const ep::IdfTable> idf, factor;
  for (auto [path, table] : {std::pair{&idf_path, &idf}, std::pair{&factor_path, &factor}}) {
    if (path->empty()) continue;
    auto loaded = ep::IdfTable::Load(*path);
    if (!loaded.ok()) return Fail(loaded.status());
    *table = std::make_shared<const ep::IdfTable>(std::move(loaded).value());
  }
  auto encoder = ep::NgramEncoder::Create(options, idf, factor);
  if (!encoder.ok()) return Fail(encoder.status());

  // Facts, templates, queries and the unrelated book sentences (data.py build()).
  auto fact_set = engram::tools::LoadFacts(data_dir);
  if (!fact_set.ok()) return Fail(fact_set.status());
  auto books = engram::tools::LoadBookSentences(data_dir);
  if (!books.ok()) return Fail(books.status());
  const std::vector<engram::tools::Fact>& facts = fact_set->facts;
  const std::vector<std::size_t>& pick = books->unrelated;
  const std::set<std::size_t>& held = books->held_paragraphs;
  if (!held_out_path.empty()) {
    std::ofstream out(held_out_path, std::ios::trunc);
    for (std::size_t pi : held) out << books->paragraphs[pi] << '\n';
  }

  // Memory and scoring (study.py evaluate(): first maximum wins).
  std::vector<std::vector<std::pair<std::size_t, double>>> postings(options.dim);
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const ep::SparseCode z = encoder->Encode(facts[i].prompt + " " + facts[i].attribute);
    for (std::size_t k = 0; k < z.index.size(); ++k)
      postings[z.index[k]].emplace_back(i, z.value[k]);
  }
  auto best = [&](const std::string& q) {
    std::vector<double> score(facts.size(), 0.0);
    const ep::SparseCode z = encoder->Encode(q);
    for (std::size_t k = 0; k < z.index.size(); ++k) {
      for (const auto& [i, y] : postings[z.index[k]]) score[i] += z.value[k] * y;
    }
    const std::size_t b =
        static_cast<std::size_t>(std::max_element(score.begin(), score.end()) - score.begin());
    return std::pair{b, score[b]};
  };
  std::size_t prompt_hits = 0, para_hits = 0;
  for (const auto& [i, q] : fact_set->prompt_queries) prompt_hits += best(q).first == i;
  std::vector<double> para_scores, unrel_scores;
  for (const auto& [i, q] : fact_set->paraphrase_queries) {
    const auto [b, s] = best(q);
    para_hits += b == i;
    para_scores.push_back(s);
  }
  for (std::size_t k : pick) unrel_scores.push_back(best(books->sentences[k].text).second);

  std::printf("facts=%zu paragraphs=%zu sentences=%zu candidates=%zu held_paragraphs=%zu\n",
              facts.size(), books->paragraphs.size(), books->sentences.size(),
              books->candidates.size(), held.size());
  const std::size_t n_prompt = fact_set->prompt_queries.size();
  const std::size_t n_para = fact_set->paraphrase_queries.size();
  std::printf("prompt@1=%.4f paraphrase@1=%.4f (n=%zu)\n",
              static_cast<double>(prompt_hits) / static_cast<double>(n_prompt),
              static_cast<double>(para_hits) / static_cast<double>(n_para), n_para);
  std::printf("paraphrase best p5/50/95 = %.3f %.3f %.3f\n", Percentile(para_scores, 5),
              Percentile(para_scores, 50), Percentile(para_scores, 95));
  std::printf("unrelated best p5/50/95 = %.3f %.3f %.3f\n", Percentile(unrel_scores, 5),
              Percentile(unrel_scores, 50), Percentile(unrel_scores, 95));
  for (double t : {0.15, 0.2, 0.25, 0.3}) {
    const double in = static_cast<double>(
        std::count_if(para_scores.begin(), para_scores.end(), [t](double s) { return s >= t; }));
    const double out = static_cast<double>(
        std::count_if(unrel_scores.begin(), unrel_scores.end(), [t](double s) { return s < t; }));
    std::printf("@%.2f paraphrase_in=%.3f unrelated_out=%.3f\n", t,
                in / static_cast<double>(para_scores.size()),
                out / static_cast<double>(unrel_scores.size()));
  }
  if (!held_out_path.empty()) std::printf("held-out paragraphs -> %s\n", held_out_path.c_str());
  return 0;
}
