// The edit memory's statements end to end through engram::Database (parse, executor, store
// commit, co-process round trip, training or routing), with the co-process warm and a memory
// holding N edits of known_1000 (prompt → " " + attribute; N = 1,000, or ENGRAM_EDIT_BENCH_EDITS).
//
//   setup               the N edits, one WRITE EDIT each: p50 of the first and last 100 (how the
//                       engine's per-statement cost grows with the memory: it reads and diffs
//                       every edit and delta record, and the co-process publishes every delta);
//                       then, through the statements, Rel (GENERATE … USING m of each edited
//                       prompt starts with its target) and locality (200 book sentences: 32
//                       greedy tokens with USING m equal those without; an unrouted prompt runs
//                       the unedited model, so only a routed one can differ)
//   BM_WriteEdit        one more edit (a fact beyond the N), committed; FORGET brings it back
//   BM_ForgetEdit       FORGET EDIT ID of the edits BM_WriteEdit added
//   BM_ReadEdits        READ m EDITS 'an edited prompt' TOP 5
//   BM_Generate/...     32 greedy tokens: plain (no USING), USING m on an unrelated book
//                       sentence (routed nowhere: the shared engine), USING m on an edited prompt
//                       (routed: its memory's engine); items = tokens, so tokens/s
// Baselines in the same process: SHOW MEMORIES and GENERATE 'x' MAX 1. After the run the p50s
// and their ratios are printed (the target: edit p50 ≤ 0.5 s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/bench/statement_bench_support.h"
#include "tools/episodic/episodic_client.h"
#include "tools/episodic/eval_data.h"

namespace engram::tools {
namespace {

constexpr const char* kMemory = "m";
constexpr int kGenerateTokens = 32;

struct Fixture {
  Database* db = nullptr;
  std::vector<std::string> prompts;                        // the edited prompts
  std::vector<std::pair<std::string, std::string>> extra;  // edits for BM_WriteEdit
  std::vector<std::string> unrelated;                      // book sentences
  std::size_t next_extra = 0;
  std::vector<std::uint64_t> written;
  double setup_first_p50_ms = 0, setup_last_p50_ms = 0;
  double rel = 0, loc = 0;  // loc: the share of unrelated prompts with the unedited output
  std::size_t unrelated_routed = 0;
};

std::unique_ptr<BenchDatabase> g_database;

std::size_t EditCount() {
  const char* env = std::getenv("ENGRAM_EDIT_BENCH_EDITS");
  return env != nullptr ? std::max<std::size_t>(1, std::strtoull(env, nullptr, 10)) : 1000;
}

std::string WriteEditStatement(const std::string& prompt, const std::string& target) {
  return std::string("WRITE ") + kMemory + " EDIT " + QuoteString(prompt) + " -> " +
         QuoteString(target);
}

double P50(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

StatementResult Generate(Database& db, const std::string& prompt, bool edited, int max) {
  auto r = RunOne(db, "GENERATE " + QuoteString(prompt) +
                          (edited ? std::string(" USING ") + kMemory : std::string()) + " MAX " +
                          std::to_string(max) + " TEMPERATURE 0");
  if (!r.ok()) Die(r.status());
  return std::move(r).value();
}

std::string TextOf(const StatementResult& r) {
  const Value* text = r.Find("text");
  return text != nullptr ? ValueToText(*text) : "";
}

// Rel over the edited prompts; over the unrelated sentences, the share whose 32 greedy tokens
// are the unedited model's (the same text), and how many were routed.
void MeasureRelAndLoc(Fixture& f, const FactSet& set) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < f.prompts.size(); ++i) {
    const std::string target = " " + set.facts[i].attribute;
    const std::string text = TextOf(Generate(*f.db, f.prompts[i], true, 16));
    if (text.rfind(target, 0) == 0) ++hits;
  }
  f.rel = f.prompts.empty() ? 0 : static_cast<double>(hits) / f.prompts.size();
  std::size_t same = 0;
  const std::size_t n = std::min<std::size_t>(200, f.unrelated.size());
  for (std::size_t i = 0; i < n; ++i) {
    const StatementResult edited = Generate(*f.db, f.unrelated[i], true, 32);
    if (TextOf(edited) == TextOf(Generate(*f.db, f.unrelated[i], false, 32))) ++same;
    if (const Value* edit = edited.Find("edit");
        edit != nullptr && !std::holds_alternative<std::monostate>(*edit)) {
      ++f.unrelated_routed;
    }
  }
  f.loc = n == 0 ? 0 : static_cast<double>(same) / n;
}

Fixture& Shared() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    const std::string data = std::string(ENGRAM_SOURCE_DIR) + "/../shared/data";
    auto set = LoadFacts(data);
    if (!set.ok()) Die(set.status());
    auto books = LoadBookSentences(data);
    if (!books.ok()) Die(books.status());
    g_database = OpenBenchDatabase();
    f->db = g_database->db.get();
    if (auto r = RunOne(*f->db, std::string("CREATE MEMORY ") + kMemory); !r.ok()) {
      Die(r.status());
    }
    const std::size_t n = std::min(EditCount(), set->facts.size() - 50);
    std::vector<double> ms;
    std::fprintf(stderr, "writing %zu edits ...\n", n);
    for (std::size_t i = 0; i < n; ++i) {
      const Fact& fact = set->facts[i];
      const auto t0 = std::chrono::steady_clock::now();
      auto r = RunOne(*f->db, WriteEditStatement(fact.prompt, " " + fact.attribute));
      if (!r.ok()) Die(r.status());
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      f->prompts.push_back(fact.prompt);
    }
    const std::size_t k = std::min<std::size_t>(100, ms.size());
    f->setup_first_p50_ms = P50({ms.begin(), ms.begin() + k});
    f->setup_last_p50_ms = P50({ms.end() - k, ms.end()});
    for (std::size_t i = n; i < set->facts.size(); ++i) {
      f->extra.emplace_back(set->facts[i].prompt, " " + set->facts[i].attribute);
    }
    for (std::size_t c : books->candidates) f->unrelated.push_back(books->sentences[c].text);
    MeasureRelAndLoc(*f, *set);
    return f;
  }();
  return *fixture;
}

template <typename Statement>
void TimeEach(benchmark::State& state, const std::string& name, Statement statement) {
  TimeEachStatement(state, name, NoPrepare, statement);
}

void Must(Database& db, const std::string& statement) {
  if (auto r = RunOne(db, statement); !r.ok()) Die(r.status());
}

void BM_ShowMemories(benchmark::State& state) {
  TimeShowMemories(state, *Shared().db);
}
BENCHMARK(BM_ShowMemories)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_GenerateMax1(benchmark::State& state) {
  TimeGenerateMax1(state, *Shared().db);
}
BENCHMARK(BM_GenerateMax1)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_ReadEdits(benchmark::State& state) {
  Fixture& f = Shared();
  TimeEach(state, "READ EDITS", [&](std::size_t i) {
    Must(*f.db, std::string("READ ") + kMemory + " EDITS " +
                    QuoteString(f.prompts[i % f.prompts.size()]) + " TOP 5");
  });
  state.counters["edits"] = static_cast<double>(f.prompts.size());
}
BENCHMARK(BM_ReadEdits)->UseManualTime()->Unit(benchmark::kMicrosecond);

// 0: no USING; 1: USING m, an unrelated prompt (not routed); 2: USING m, an edited prompt.
void BM_Generate(benchmark::State& state) {
  Fixture& f = Shared();
  const int mode = static_cast<int>(state.range(0));
  static const char* kNames[] = {"GENERATE plain", "GENERATE unrouted", "GENERATE routed"};
  std::uint64_t tokens = 0;
  TimeEach(state, kNames[mode], [&](std::size_t i) {
    const std::string& prompt =
        mode == 2 ? f.prompts[i % f.prompts.size()] : f.unrelated[i % f.unrelated.size()];
    auto r = RunOne(*f.db, "GENERATE " + QuoteString(prompt) +
                               (mode == 0 ? "" : std::string(" USING ") + kMemory) + " MAX " +
                               std::to_string(kGenerateTokens) + " TEMPERATURE 0");
    if (!r.ok()) Die(r.status());
    tokens += r->U64("tokens").value_or(0);
  });
  state.SetItemsProcessed(static_cast<std::int64_t>(tokens));
}
BENCHMARK(BM_Generate)->Arg(0)->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_WriteEdit(benchmark::State& state) {
  Fixture& f = Shared();
  TimeEach(state, "WRITE EDIT", [&](std::size_t) {
    const auto& [prompt, target] = f.extra[f.next_extra++ % f.extra.size()];
    auto r = RunOne(*f.db, WriteEditStatement(prompt, target));
    if (!r.ok()) Die(r.status());
    f.written.push_back(r->U64("id").value_or(0));
  });
  state.counters["edits"] = static_cast<double>(f.prompts.size() + f.written.size());
}
BENCHMARK(BM_WriteEdit)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);

void BM_ForgetEdit(benchmark::State& state) {
  Fixture& f = Shared();
  TimeEach(state, "FORGET EDIT", [&](std::size_t) {
    if (f.written.empty()) return;
    Must(*f.db, std::string("FORGET ") + kMemory + " EDIT ID " + std::to_string(f.written.back()));
    f.written.pop_back();
  });
}
BENCHMARK(BM_ForgetEdit)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);

void PrintRatios() {
  const Fixture& f = Shared();
  const auto& p = P50s();
  std::printf("\nsetup: %zu WRITE EDITs, p50 of the first 100 %.1f ms, of the last 100 %.1f ms\n",
              f.prompts.size(), f.setup_first_p50_ms, f.setup_last_p50_ms);
  std::printf(
      "through the statements: Rel %.3f over %zu edits; unedited output for %.4f of %zu "
      "book sentences (%zu routed)\n",
      f.rel, f.prompts.size(), f.loc, std::min<std::size_t>(200, f.unrelated.size()),
      f.unrelated_routed);
  std::printf("p50 and ratios to the baselines:\n");
  for (const char* name : {"WRITE EDIT", "FORGET EDIT", "READ EDITS", "GENERATE plain",
                           "GENERATE unrouted", "GENERATE routed"}) {
    auto it = p.find(name);
    if (it == p.end()) continue;
    std::printf("  %-18s p50 %10.1f us", name, it->second);
    for (const char* base : {"GENERATE MAX 1", "GENERATE plain"}) {
      auto b = p.find(base);
      if (b != p.end() && b->second > 0 && std::string(base) != name) {
        std::printf("  x%.2f %s", it->second / b->second, base);
      }
    }
    if (std::string(name) == "WRITE EDIT") {
      std::printf("  target <= 500000 us: %s", it->second <= 500000.0 ? "PASS" : "FAIL");
    }
    std::printf("\n");
  }
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  return engram::tools::RunStatementBenchmarks(argc, argv, engram::tools::PrintRatios,
                                               engram::tools::g_database);
}
