// engram-context-eval: does the long-term context memory help? (issue 7, docs/context.md)
//
//   engram-context-eval [--model PATH] [--data DIR] [--trials 5] [--passage 300] [--gap 1100]
//                       [--window 256] [--layer 2] [--top-k 32] [--csz 2] [--lambda 0.9]
//                       [--temperature 1] [--probe key|query|none] [--fuse] [--any-token]
//                       [--suffix-bonus 1] [--confident-suffix 4] [--inner-product] [--sweep]
//                       [--json FILE]
// (defaults: the library's, compute/context/stream_scorer.h and memory_reader.h)
//
// Per trial: a passage of --passage tokens from one of ../shared/data/books, then --gap tokens
// of the other books, then the passage again. The stream is scored by the model with a window
// of --window positions (stream_scorer.h): the first copy is far outside the window when the
// second is read. Reported: the mean NLL of the second copy without memory, with the memory
// (as configured), and their ratio (the target: <= 0.5). --sweep measures the grid of
// memory layer x top-k x csz for the fusion-only, proposal-only and combined readers.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/flags.h"
#include "client/json.h"
#include "compute/context/stream_scorer.h"
#include "compute/model/model_bundle.h"
#include "tools/episodic/book_text.h"
#include "tools/episodic/eval_report.h"

namespace engram::tools {
namespace {

using compute::context::ProposalProbe;
using compute::context::ScorerOptions;

struct Trial {
  std::vector<int> stream;
  std::size_t second_begin = 0;  // first token of the second copy
  std::size_t passage = 0;
};

// Tokens of book `b`'s paragraphs from `first` on, at least `count` of them (BOS-free).
Result<std::vector<int>> BookTokens(const compute::Tokenizer& tokenizer,
                                    const std::vector<std::string>& paragraphs, std::size_t first,
                                    std::size_t count) {
  std::vector<int> tokens;
  for (std::size_t p = first; p < paragraphs.size() && tokens.size() < count; ++p) {
    const std::vector<int> piece = tokenizer.Encode(paragraphs[p], false, false);
    tokens.insert(tokens.end(), piece.begin(), piece.end());
  }
  if (tokens.size() < count) return NotFoundError("a book is too short for the trial");
  tokens.resize(count);
  return tokens;
}

Result<std::vector<Trial>> MakeTrials(const compute::Tokenizer& tokenizer, const std::string& data,
                                      int trials, std::size_t passage, std::size_t gap) {
  const char* names[] = {"pg11.txt", "pg16.txt", "pg1661.txt", "pg236.txt", "pg98.txt"};
  std::vector<std::vector<std::string>> books;
  for (const char* name : names) {
    ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadFile(data + "/books/" + name));
    books.push_back(Paragraphs(text));
  }
  std::vector<Trial> out;
  for (int t = 0; t < trials; ++t) {
    const std::size_t b = static_cast<std::size_t>(t) % books.size();
    // Past the Gutenberg header; each trial further into its book.
    const std::size_t start = 40 + static_cast<std::size_t>(t) * 23;
    Trial trial;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<int> text, BookTokens(tokenizer, books[b], start, passage));
    ENGRAM_ASSIGN_OR_RETURN(std::vector<int> filler,
                            BookTokens(tokenizer, books[(b + 1) % books.size()], start + 200, gap));
    trial.stream = text;
    trial.stream.insert(trial.stream.end(), filler.begin(), filler.end());
    trial.second_begin = trial.stream.size();
    trial.stream.insert(trial.stream.end(), text.begin(), text.end());
    trial.passage = passage;
    out.push_back(std::move(trial));
  }
  return out;
}

struct StreamNll {
  double second_copy = 0;  // mean NLL of the second copies
  double other = 0;        // mean NLL of the other tokens after the first segment (the memory
                           // is not empty there): what the memory costs on text it does not hold
};

Result<StreamNll> MeanNll(const compute::LlamaWeights& weights, const std::vector<Trial>& trials,
                          const ScorerOptions& options) {
  double second = 0, other = 0;
  std::size_t n_second = 0, n_other = 0;
  for (const Trial& trial : trials) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<double> nll,
                            compute::context::ScoreStream(weights, trial.stream, options));
    for (std::size_t i = static_cast<std::size_t>(options.window); i < nll.size(); ++i) {
      if (i >= trial.second_begin && i < trial.second_begin + trial.passage) {
        second += nll[i];
        ++n_second;
      } else {
        other += nll[i];
        ++n_other;
      }
    }
  }
  return StreamNll{second / static_cast<double>(n_second), other / static_cast<double>(n_other)};
}

Result<ProposalProbe> ParseProbe(const std::string& name) {
  if (name == "key") return ProposalProbe::kKey;
  if (name == "query") return ProposalProbe::kQuery;
  if (name == "none") return ProposalProbe::kNone;
  return SyntaxError("--probe must be key, query or none");
}

int Run(int argc, char** argv) {
  auto flags =
      Flags::Parse({argv + 1, argv + argc},
                   {"model", "data", "trials", "passage", "gap", "window", "layer", "top-k", "csz",
                    "lambda", "temperature", "probe", "json", "suffix-bonus", "confident-suffix"},
                   {"fuse", "sweep", "any-token", "inner-product"});
  if (!flags.ok()) return Fail(flags.status());
  auto get = [&](const char* name, std::int64_t fallback) {
    auto v = flags->Int(name, fallback);
    return v.ok() ? *v : fallback;
  };
  const std::string data = flags->Has("data") ? flags->String("data")
                                              : std::string(ENGRAM_SOURCE_DIR) + "/../shared/data";
  auto model = compute::LoadModel(flags->Has("model") ? flags->String("model") : "");
  if (!model.ok()) return Fail(model.status());
  auto trials = MakeTrials(model->tokenizer, data, static_cast<int>(get("trials", 5)),
                           static_cast<std::size_t>(get("passage", 300)),
                           static_cast<std::size_t>(get("gap", 1100)));
  if (!trials.ok()) return Fail(trials.status());

  ScorerOptions base;  // the library's defaults unless a flag says otherwise
  base.window = static_cast<int>(get("window", base.window));
  base.memory_layer = static_cast<int>(get("layer", base.memory_layer));
  base.chunk_tokens = static_cast<int>(get("csz", base.chunk_tokens));
  base.reader.top_k = static_cast<int>(get("top-k", base.reader.top_k));
  base.reader.fuse = flags->Has("fuse");
  auto lambda = flags->Double("lambda", base.lambda);
  auto temperature = flags->Double("temperature", base.reader.temperature);
  if (!lambda.ok()) return Fail(lambda.status());
  if (!temperature.ok()) return Fail(temperature.status());
  base.lambda = static_cast<float>(*lambda);
  base.reader.temperature = static_cast<float>(*temperature);
  if (flags->Has("any-token")) base.reader.match_token = false;
  if (flags->Has("inner-product")) base.cosine = false;
  auto bonus = flags->Double("suffix-bonus", base.reader.suffix_bonus);
  if (!bonus.ok()) return Fail(bonus.status());
  base.reader.suffix_bonus = static_cast<float>(*bonus);
  base.reader.confident_suffix =
      static_cast<int>(get("confident-suffix", base.reader.confident_suffix));
  auto probe = ParseProbe(flags->Has("probe") ? flags->String("probe") : "key");
  if (!probe.ok()) return Fail(probe.status());
  base.reader.probe = *probe;

  ScorerOptions plain = base;
  plain.use_memory = false;
  auto plain_nll = MeanNll(model->checkpoint.weights, *trials, plain);
  if (!plain_nll.ok()) return Fail(plain_nll.status());
  const double* without = &plain_nll->second_copy;
  std::printf("without memory (window %d): second copy NLL %.4f, other text %.4f\n", base.window,
              plain_nll->second_copy, plain_nll->other);

  std::string runs;  // a JSON array of the runs
  auto number = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.6g", v);
    return std::string(buffer);
  };
  auto run = [&](const ScorerOptions& o, const char* reader) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(StreamNll nll, MeanNll(model->checkpoint.weights, *trials, o));
    const double with = nll.second_copy;
    std::printf(
        "%-9s layer %d  top-k %2d  csz %d  lambda %.2f  NLL %.4f  ratio %.3f  "
        "other %.4f (x%.3f)\n",
        reader, o.memory_layer, o.reader.top_k, o.chunk_tokens, o.lambda, with, with / *without,
        nll.other, nll.other / plain_nll->other);
    JsonObject item;
    item.Add("reader", reader)
        .Add("layer", o.memory_layer)
        .Add("top_k", o.reader.top_k)
        .Add("csz", o.chunk_tokens)
        .AddRaw("lambda", number(o.lambda))
        .AddRaw("nll", number(with))
        .AddRaw("ratio", number(with / *without))
        .AddRaw("other_nll", number(nll.other))
        .AddRaw("other_ratio", number(nll.other / plain_nll->other));
    runs += (runs.empty() ? "[" : ", ") + item.str();
    std::fflush(stdout);
    return Status::Ok();
  };
  if (!flags->Has("sweep")) {
    const char* name = base.reader.fuse
                           ? (base.reader.probe == ProposalProbe::kNone ? "fusion" : "both")
                           : "proposals";
    if (Status s = run(base, name); !s.ok()) return Fail(s);
  } else {
    const int layers = model->checkpoint.weights.config().n_layers;
    for (int layer = 0; layer < layers; ++layer) {
      for (int k : {4, 16, 32, 64}) {
        for (int csz : {1, 2, 4, 8}) {
          ScorerOptions o = base;
          o.memory_layer = layer;
          o.reader.top_k = k;
          o.chunk_tokens = csz;
          o.reader.fuse = false;
          if (Status s = run(o, "proposals"); !s.ok()) return Fail(s);
        }
      }
      // Training-free fusion alone, at LongMem's own chunk size and budget (64 tokens).
      ScorerOptions fusion = base;
      fusion.memory_layer = layer;
      fusion.reader.top_k = 16;
      fusion.chunk_tokens = 4;
      fusion.reader.fuse = true;
      fusion.reader.probe = ProposalProbe::kNone;
      if (Status s = run(fusion, "fusion"); !s.ok()) return Fail(s);
    }
  }
  if (flags->Has("json")) {
    JsonObject json;
    json.AddRaw("without_memory", number(*without))
        .AddRaw("runs", runs.empty() ? "[]" : runs + "]");
    if (Status s = WriteTextFile(flags->String("json"), json.str() + "\n"); !s.ok()) return Fail(s);
  }
  return 0;
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  return engram::tools::Run(argc, argv);
}
