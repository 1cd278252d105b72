#include "tools/editing/edit_eval_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "compute/editing/routed_generator.h"
#include "compute/editing/side_memory.h"

namespace engram::tools {
namespace {

namespace ce = compute::editing;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Quantile(std::vector<double> xs, double q) {
  if (xs.empty()) return 0.0;
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1) + 0.5)];
}

std::vector<double> Summary(const std::vector<double>& xs) {
  return {Quantile(xs, 0.05), Quantile(xs, 0.5), Quantile(xs, 0.95)};
}

bool StartsWith(const std::vector<int>& tokens, const std::vector<int>& prefix) {
  return tokens.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), tokens.begin());
}

struct Routed {
  ce::RouteDecision route;
  ce::MemoryScore own;  // the scores of the memory holding the case's edit (Rel/Gen)
};

// Route decisions for `prompts`, and the own memory's scores (`memory_of_edit`).
Result<std::vector<Routed>> RouteAll(ce::SideMemory& memory,
                                     const std::vector<ScoredPrompt>& prompts,
                                     const std::vector<std::uint64_t>& edit_ids,
                                     std::map<std::uint64_t, std::uint64_t>& memory_of_edit) {
  std::vector<Routed> out;
  for (const ScoredPrompt& p : prompts) {
    Routed r;
    auto route = memory.Route(p.tokens);
    if (!route.ok()) return route.status();
    r.route = std::move(route).value();
    if (edit_ids[p.edit] != 0) {
      auto own = memory.ScoreOf(p.tokens, memory_of_edit[edit_ids[p.edit]]);
      if (!own.ok()) return own.status();
      r.own = *own;
    }
    out.push_back(std::move(r));
  }
  return out;
}

double Ratio(const ce::MemoryScore& s) {
  return s.threshold > 0 ? s.score / s.threshold : 0.0;
}

}  // namespace

Result<EditEvalReport> RunEditEval(const compute::ModelBundle& model,
                                   const ce::EditOptions& options, const EditEvalData& data,
                                   bool verbose) {
  const double start = Now();
  EditEvalReport report;
  auto memory = ce::SideMemory::Create(model, options);
  if (!memory.ok()) return memory.status();
  auto generator = ce::RoutedGenerator::Create(model, 16);
  if (!generator.ok()) return generator.status();

  // Before: does the unedited model already say the target?
  for (const ScoredPrompt& p : data.reliability) {
    auto out =
        (*generator)->GenerateWith(nullptr, 0, p.tokens, static_cast<int>(p.expected.size()));
    if (!out.ok()) return out.status();
    report.rel_before.total++;
    report.rel_before.hits += StartsWith(*out, p.expected);
  }

  // The edits, in order.
  std::vector<double> latency;
  std::vector<std::uint64_t> edit_ids(data.cases.size(), 0);
  double iterations = 0, ce_sum = 0;
  for (std::size_t i = 0; i < data.cases.size(); ++i) {
    const double t0 = Now();
    auto record = (*memory)->Edit(data.cases[i].request);
    latency.push_back(Now() - t0);
    if (!record.ok()) {
      if (record.status().code() == ErrorCode::kSyntax ||
          record.status().code() == ErrorCode::kLimit) {
        ++report.failed_edits;
        continue;
      }
      return record.status();
    }
    edit_ids[i] = record->id;
    iterations += record->iterations;
    ce_sum += record->ce_loss;
    report.act_edit_mean += record->act_edit;
    report.act_unrelated_mean += record->act_unrelated;
    if (verbose && (i + 1) % 50 == 0) {
      std::fprintf(stderr, "  %zu edits, %.2f s/edit\n", i + 1,
                   (Now() - start) / static_cast<double>(i + 1));
    }
  }
  report.edits = data.cases.size() - report.failed_edits;
  report.edit_p50 = Quantile(latency, 0.5);
  report.edit_p95 = Quantile(latency, 0.95);
  for (double l : latency) report.edit_mean += l / static_cast<double>(latency.size());
  report.iterations_mean = report.edits ? iterations / static_cast<double>(report.edits) : 0;
  report.final_ce_mean = report.edits ? ce_sum / static_cast<double>(report.edits) : 0;
  if (report.edits > 0) {
    report.act_edit_mean /= static_cast<double>(report.edits);
    report.act_unrelated_mean /= static_cast<double>(report.edits);
  }
  report.memories = (*memory)->state().memories.size();
  report.shards = (*memory)->state().shards.size();

  // Rel and Gen: route, then generate grouped by memory (engines are cached per memory).
  // The memory holding each edit (by edit id).
  std::map<std::uint64_t, std::uint64_t> memory_of_edit;
  for (const auto& m : (*memory)->state().memories) {
    for (std::uint64_t sid : m.shards) {
      for (std::uint64_t e : (*memory)->state().FindShard(sid)->edits) memory_of_edit[e] = m.id;
    }
  }
  auto score_targets = [&](const std::vector<ScoredPrompt>& prompts, Rate& rate, Rate& routed,
                           Rate& oracle, std::vector<double>& ratios) -> Status {
    auto routes = RouteAll(**memory, prompts, edit_ids, memory_of_edit);
    if (!routes.ok()) return routes.status();
    std::vector<std::size_t> order(prompts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return (*routes)[a].route.memory < (*routes)[b].route.memory;
    });
    for (std::size_t i : order) {
      const ScoredPrompt& p = prompts[i];
      const Routed& r = (*routes)[i];
      if (edit_ids[p.edit] == 0) continue;  // the edit itself failed
      ratios.push_back(Ratio(r.own));
      const auto& edits = r.route.edits;
      const bool routed_right =
          r.route.routed && std::find(edits.begin(), edits.end(), edit_ids[p.edit]) != edits.end();
      routed.total++;
      routed.hits += routed_right;
      auto out = (*generator)
                     ->GenerateWith(memory->get(), r.route.routed ? r.route.memory : 0, p.tokens,
                                    static_cast<int>(p.expected.size()));
      if (!out.ok()) return out.status();
      rate.total++;
      rate.hits += StartsWith(*out, p.expected);
      auto forced = (*generator)
                        ->GenerateWith(memory->get(), memory_of_edit[edit_ids[p.edit]], p.tokens,
                                       static_cast<int>(p.expected.size()));
      if (!forced.ok()) return forced.status();
      oracle.total++;
      oracle.hits += StartsWith(*forced, p.expected);
      report.dump.push_back(
          std::string(&rate == &report.rel ? "rel" : "gen") + "\t" + std::to_string(routed_right) +
          "\t" + std::to_string(r.own.key) + "\t" + std::to_string(Ratio(r.own)) + "\t" +
          std::to_string(StartsWith(*out, p.expected)) + "\t" +
          std::to_string(StartsWith(*forced, p.expected)) + "\t" + p.text + "\t" +
          model.tokenizer.Decode(p.expected, 0) + "\t" + model.tokenizer.Decode(*forced, 0));
    }
    return Status::Ok();
  };
  std::vector<double> own, para;
  ENGRAM_RETURN_IF_ERROR(
      score_targets(data.reliability, report.rel, report.rel_routed, report.rel_oracle, own));
  ENGRAM_RETURN_IF_ERROR(
      score_targets(data.generality, report.gen, report.gen_routed, report.gen_oracle, para));
  report.own_ratio = Summary(own);
  report.paraphrase_ratio = Summary(para);

  // Loc with the router on; timings of generation with and without the side memory.
  std::vector<double> unrelated;
  double agree_books = 0, agree_stories = 0, base_seconds = 0, routed_seconds = 0,
         route_seconds = 0;
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < data.locality.size(); ++i) {
    const ScoredPrompt& p = data.locality[i];
    double t0 = Now();
    auto base = (*generator)->GenerateWith(nullptr, 0, p.tokens, kLocalityTokens);
    base_seconds += Now() - t0;
    if (!base.ok()) return base.status();
    t0 = Now();
    auto route = (*memory)->Route(p.tokens);
    route_seconds += Now() - t0;
    if (!route.ok()) return route.status();
    auto out = (*generator)
                   ->GenerateWith(memory->get(), route->routed ? route->memory : 0, p.tokens,
                                  kLocalityTokens);
    routed_seconds += Now() - t0;
    if (!out.ok()) return out.status();
    tokens += base->size();
    report.loc_routed.total++;
    report.loc_routed.hits += route->routed;
    // The nearest memory's scores, Δ included even below the gate (for the trade-off table).
    ce::MemoryScore nearest_score;
    if (route->memory != 0) {
      auto s = (*memory)->ScoreOf(p.tokens, route->memory);
      if (!s.ok()) return s.status();
      nearest_score = *s;
    }
    unrelated.push_back(Ratio(nearest_score));
    std::size_t same = 0;
    for (std::size_t k = 0; k < p.expected.size(); ++k) {
      same += k < out->size() && (*out)[k] == p.expected[k];
    }
    const double agreement =
        p.expected.empty() ? 1.0 : static_cast<double>(same) / p.expected.size();
    (i < data.book_prompts ? agree_books : agree_stories) += agreement;
    const auto* nearest = (*memory)->state().FindEdit(route->nearest_edit);
    report.dump.push_back(
        "loc\t" + std::to_string(route->routed) + "\t" + std::to_string(nearest_score.key) + "\t" +
        std::to_string(Ratio(nearest_score)) + "\t" + std::to_string(agreement) + "\t" + p.text +
        "\t" + (nearest != nullptr ? nearest->request.prompt : ""));
  }
  const std::size_t books = data.book_prompts, stories = data.locality.size() - books;
  report.loc_books = books ? agree_books / books : 1.0;
  report.loc_stories = stories ? agree_stories / stories : 1.0;
  report.loc = data.locality.empty() ? 1.0 : (agree_books + agree_stories) / data.locality.size();
  report.unrelated_ratio = Summary(unrelated);
  report.route_seconds = data.locality.empty() ? 0 : route_seconds / data.locality.size();
  report.tokens_per_second_base = base_seconds > 0 ? tokens / base_seconds : 0;
  report.tokens_per_second_routed = routed_seconds > 0 ? tokens / routed_seconds : 0;
  report.state_hash = (*memory)->Hash().ToHex();
  report.state_bytes = (*memory)->Serialize().size();
  report.total_seconds = Now() - start;
  return report;
}

}  // namespace engram::tools
