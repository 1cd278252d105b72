// engram-edit-route-study: which prompt key can route edits (docs/editing.md §3)? For the
// first T edit requests, each key kind is computed for the edit prompts, their paraphrases and
// the 400 unrelated prompts of engram-edit-eval; reported: paraphrase@1 (the nearest edit
// prompt by cosine is the paraphrase's own), the own-paraphrase cosine, the best cosine of the
// unrelated prompts, and the share of paraphrases routed right when the gate threshold rejects
// 99 % of the unrelated prompts. No training: this measures the keys alone.
//
//   engram-edit-route-study [--edits T] [--layer L] [--data DIR] [--model DIR]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "client/flags.h"
#include "compute/editing/model_forward.h"
#include "compute/episodic/shipped_encoder.h"
#include "tools/editing/edit_eval_data.h"
#include "tools/episodic/book_text.h"

namespace engram::tools {
namespace {

using Vec = std::vector<double>;

double Cosine(const Vec& a, const Vec& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

double Quantile(std::vector<double> xs, double q) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1) + 0.5)];
}

struct KeyKind {
  std::string name;
  std::function<Result<Vec>(const ScoredPrompt&)> key;
  std::function<double(const Vec&, const Vec&)> similarity = Cosine;
};

int Main(int argc, char** argv) {
  auto flags = Flags::Parse({argv + 1, argv + argc}, {"edits", "layer", "data", "model"}, {});
  if (!flags.ok()) return Fail(flags.status());
  auto model = compute::LoadModel(flags->String("model"));
  if (!model.ok()) return Fail(model.status());
  EditEvalDataOptions data_options;
  data_options.data_dir = flags->String("data", std::string(ENGRAM_SOURCE_DIR) + "/../shared/data");
  data_options.edits = static_cast<std::size_t>(flags->Int("edits", 100).value());
  const int layer = static_cast<int>(flags->Int("layer", 4).value());
  auto data = LoadEditEvalData(*model, data_options);
  if (!data.ok()) return Fail(data.status());
  auto forward = compute::editing::ModelForward::Create(model->checkpoint.weights);
  if (!forward.ok()) return Fail(forward.status());
  auto encoder = compute::episodic::LoadShippedEncoder(
      compute::episodic::DefaultEpisodicAssetDir(model->checkpoint_path));
  if (!encoder.ok()) return Fail(encoder.status());
  const int dim = model->config().dim, hidden = model->config().hidden_dim;

  // Mean (or last) over the tokens after BOS of the FFN inputs.
  auto pooled = [&](const ScoredPrompt& p, bool use_hidden, bool last) -> Result<Vec> {
    auto in = (*forward)->LayerInputs(p.tokens, layer);
    if (!in.ok()) return in.status();
    const int width = use_hidden ? hidden : dim;
    const auto& v = use_hidden ? in->hidden : in->residual;
    const int n = static_cast<int>(p.tokens.size());
    Vec out(static_cast<std::size_t>(width), 0.0);
    const int from = last ? n - 1 : 1;
    for (int t = std::max(from, 0); t < n; ++t) {
      for (int i = 0; i < width; ++i) out[i] += v[static_cast<std::size_t>(t) * width + i];
    }
    return out;
  };
  std::vector<KeyKind> kinds = {
      {"text n-gram code (episodic encoder)",
       [&](const ScoredPrompt& p) -> Result<Vec> {
         const auto code = encoder->Encode(p.text);
         Vec v(compute::episodic::kDefaultCodeDim, 0.0);
         for (std::size_t k = 0; k < code.index.size(); ++k) v[code.index[k]] = code.value[k];
         return v;
       }},
      {"mean w2 input h", [&](const ScoredPrompt& p) { return pooled(p, true, false); }},
      {"last-token w2 input h", [&](const ScoredPrompt& p) { return pooled(p, true, true); }},
      {"mean residual", [&](const ScoredPrompt& p) { return pooled(p, false, false); }},
      {"last-token residual (GRACE)",
       [&](const ScoredPrompt& p) { return pooled(p, false, true); }},
  };
  std::printf("T=%zu edits, %zu paraphrases, %zu unrelated, layer %d\n", data->cases.size(),
              data->generality.size(), data->locality.size(), layer);
  for (const KeyKind& kind : kinds) {
    std::vector<Vec> keys;
    for (const ScoredPrompt& p : data->reliability) {
      auto k = kind.key(p);
      if (!k.ok()) return Fail(k.status());
      keys.push_back(std::move(k).value());
    }
    auto nearest = [&](const ScoredPrompt& p, std::size_t* best) -> Result<double> {
      auto k = kind.key(p);
      if (!k.ok()) return k.status();
      double top = -2;
      for (std::size_t e = 0; e < keys.size(); ++e) {
        const double s = kind.similarity(*k, keys[e]);
        if (s > top) {
          top = s;
          *best = e;
        }
      }
      return top;
    };
    std::vector<double> para_scores, unrelated_scores;
    std::vector<std::pair<double, bool>> para;  // best score, nearest is own
    std::size_t hits = 0;
    for (const ScoredPrompt& p : data->generality) {
      std::size_t best = 0;
      auto s = nearest(p, &best);
      if (!s.ok()) return Fail(s.status());
      hits += best == p.edit;
      para.emplace_back(*s, best == p.edit);
      para_scores.push_back(*s);
    }
    for (const ScoredPrompt& p : data->locality) {
      std::size_t best = 0;
      auto s = nearest(p, &best);
      if (!s.ok()) return Fail(s.status());
      unrelated_scores.push_back(*s);
    }
    const double gate = Quantile(unrelated_scores, 0.99);
    std::size_t routed_right = 0;
    for (const auto& [score, own] : para) routed_right += own && score > gate;
    std::printf(
        "%-38s para@1 %.3f  para best p5/p50 %.3f/%.3f  unrelated best p50/p95/p99 "
        "%.3f/%.3f/%.3f  para right above unrelated p99: %.3f\n",
        kind.name.c_str(), static_cast<double>(hits) / para.size(), Quantile(para_scores, 0.05),
        Quantile(para_scores, 0.5), Quantile(unrelated_scores, 0.5),
        Quantile(unrelated_scores, 0.95), gate, static_cast<double>(routed_right) / para.size());
  }
  return 0;
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  return engram::tools::Main(argc, argv);
}
