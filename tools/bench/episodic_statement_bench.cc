// Statement-to-result latency of the episodic memory statements through the public engine API
// (engram::Database::Execute: parse, executor, store commit, co-process round trip), with the
// co-process warm and a memory holding the first 1,000 known_1000 facts: a one-fact WRITE
// (committed), READ … TOP 5, and FORGET ID of the facts the WRITE benchmark added (so the
// memory returns to 1,000). The baselines in the same process: SHOW MEMORIES (no model, a read
// transaction) and GENERATE 'x' MAX 1 TEMPERATURE 0 (one co-process round trip with one decode
// step). Each benchmark reports p50/p99 over its iterations; after the run the ratios of the
// p50s to the baselines' are printed. The targets: WRITE and READ p50 ≤ 2 ms.
//
// Order matters and is the registration order: READ runs on exactly 1,000 facts; WRITE grows
// the memory by its iteration count (reported as "entries"), FORGET shrinks it back.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/bench/statement_bench_support.h"
#include "tools/episodic/episodic_client.h"
#include "tools/episodic/eval_data.h"

namespace engram::tools {
namespace {

constexpr std::size_t kFacts = 1000;
constexpr const char* kMemory = "m";

struct Fixture {
  Database* db = nullptr;
  std::vector<std::string> prompts;  // READ queries: the stored facts' prompts
  std::vector<std::string> extra;    // WRITE inputs: the other facts, then book sentences
  std::size_t next_extra = 0;
  std::vector<std::uint64_t> written;  // ids the WRITE benchmark added, for FORGET
};

std::unique_ptr<BenchDatabase> g_database;  // opened by the first benchmark that runs

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
    // One statement for the 1,000 facts: the fill is setup, not what is measured.
    std::string write = std::string("WRITE ") + kMemory + " ";
    for (std::size_t i = 0; i < kFacts && i < set->facts.size(); ++i) {
      if (i > 0) write += ", ";
      write += QuoteString(set->facts[i].Sentence());
      f->prompts.push_back(set->facts[i].prompt);
    }
    if (auto r = RunOne(*f->db, write); !r.ok()) Die(r.status());
    for (std::size_t i = kFacts; i < set->facts.size(); ++i) {
      f->extra.push_back(set->facts[i].Sentence());
    }
    for (std::size_t c : books->candidates) f->extra.push_back(books->sentences[c].text);
    return f;
  }();
  return *fixture;
}

void BM_ShowMemories(benchmark::State& state) {
  TimeShowMemories(state, *Shared().db);
}
BENCHMARK(BM_ShowMemories)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_GenerateMax1(benchmark::State& state) {
  TimeGenerateMax1(state, *Shared().db);
}
BENCHMARK(BM_GenerateMax1)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_ReadTop5(benchmark::State& state) {
  Fixture& f = Shared();
  if (auto r = ReadFacts(*f.db, kMemory, f.prompts[0], 5); !r.ok()) Die(r.status());  // warm
  TimeEachStatement(state, "READ TOP 5", NoPrepare, [&](std::size_t i) {
    auto r = ReadFacts(*f.db, kMemory, f.prompts[i % f.prompts.size()], 5);
    if (!r.ok()) Die(r.status());
  });
  state.counters["entries"] = static_cast<double>(kFacts);
}
BENCHMARK(BM_ReadTop5)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_WriteOneFact(benchmark::State& state) {
  Fixture& f = Shared();
  TimeEachStatement(state, "WRITE", NoPrepare, [&](std::size_t) {
    auto id = WriteFact(*f.db, kMemory, f.extra[f.next_extra++ % f.extra.size()]);
    if (!id.ok()) Die(id.status());
    f.written.push_back(*id);
  });
  state.counters["entries"] = static_cast<double>(kFacts + f.written.size());
}
BENCHMARK(BM_WriteOneFact)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_ForgetById(benchmark::State& state) {
  Fixture& f = Shared();
  auto prepare = [&](std::size_t) {  // more iterations than the WRITE benchmark's writes
    if (!f.written.empty()) return;
    auto id = WriteFact(*f.db, kMemory, f.extra[f.next_extra++ % f.extra.size()]);
    if (!id.ok()) Die(id.status());
    f.written.push_back(*id);
  };
  TimeEachStatement(state, "FORGET ID", prepare, [&](std::size_t) {
    auto n = ForgetFact(*f.db, kMemory, f.written.back());
    if (!n.ok()) Die(n.status());
    f.written.pop_back();
  });
  state.counters["entries"] = static_cast<double>(kFacts + f.written.size());
}
BENCHMARK(BM_ForgetById)->UseManualTime()->Unit(benchmark::kMicrosecond);

void PrintRatios() {
  const auto& p = P50s();
  std::printf("\np50 (us) and ratios to the baselines:\n");
  for (const char* name : {"WRITE", "READ TOP 5", "FORGET ID"}) {
    auto it = p.find(name);
    if (it == p.end()) continue;
    std::printf("  %-11s p50 %9.1f us", name, it->second);
    for (const char* base : {"SHOW MEMORIES", "GENERATE MAX 1"}) {
      auto b = p.find(base);
      if (b != p.end() && b->second > 0) {
        std::printf("  x%.1f %s (%.1f us)", it->second / b->second, base, b->second);
      }
    }
    if (std::string(name) != "FORGET ID") {
      std::printf("  target <= 2000 us: %s", it->second <= 2000.0 ? "PASS" : "FAIL");
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
