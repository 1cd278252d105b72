#include "compute/episodic/episodic_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include "compute/episodic/kernels.h"

namespace engram::compute::episodic {
namespace {

// Scores are cosines (|⟨z_r, z_e⟩| <= ‖z_r‖‖z_e‖ <= ‖z_q‖‖z_e‖): clamped to [-1, 1], which
// rounding can leave by an ulp.
double Cosine(double ratio) {
  return std::clamp(ratio, -1.0, 1.0);
}

struct Candidate {
  double score;
  std::uint32_t memory;
  std::uint64_t id;
};

// The best `top_k` of `ranked` into `out`: best first, equal scores by memory, then by id.
void TakeTop(std::vector<Candidate>& ranked, std::uint32_t top_k, bool with_memories,
             EpisodicQueryOutcome& out) {
  const std::size_t top = std::min<std::size_t>(top_k, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top), ranked.end(),
                    [](const Candidate& a, const Candidate& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return std::tie(a.memory, a.id) < std::tie(b.memory, b.id);
                    });
  for (std::size_t i = 0; i < top; ++i) {
    out.scores.push_back(ranked[i].score);
    out.ids.push_back(ranked[i].id);
    if (with_memories) out.memories.push_back(ranked[i].memory);
  }
}

// A query's code scattered into a dense row (zeros elsewhere), cleared again on destruction.
class DenseQuery {
 public:
  DenseQuery(std::vector<double>& row, const SparseCode& code) : row_(row), code_(code) {
    for (std::size_t j = 0; j < code.index.size(); ++j) row_[code.index[j]] = code.value[j];
  }
  ~DenseQuery() {
    for (const std::uint32_t i : code_.index) row_[i] = 0.0;
  }
  DenseQuery(const DenseQuery&) = delete;
  DenseQuery& operator=(const DenseQuery&) = delete;
  const double* data() const { return row_.data(); }

 private:
  std::vector<double>& row_;
  const SparseCode& code_;
};

// ⟨dense, z⟩ over z's non-zeros.
double Gather(const double* dense, const SparseCode& z) {
  double dot = 0.0;
  for (std::size_t j = 0; j < z.index.size(); ++j) dot += z.value[j] * dense[z.index[j]];
  return dot;
}

// α with (G + εI)·α = b for the small symmetric positive semi-definite G (n x n, row-major),
// ε = 1e-12·max G_ii, by a plain Cholesky factorisation; all zeros when G is zero.
std::vector<double> SolveSmall(std::vector<double> g, std::vector<double> b, std::size_t n) {
  double max_diag = 0.0;
  for (std::size_t i = 0; i < n; ++i) max_diag = std::max(max_diag, g[i * n + i]);
  if (!(max_diag > 0.0)) return std::vector<double>(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) g[i * n + i] += 1e-12 * max_diag;
  for (std::size_t j = 0; j < n; ++j) {  // lower factor in place
    double d = g[j * n + j];
    for (std::size_t p = 0; p < j; ++p) d -= g[j * n + p] * g[j * n + p];
    if (!(d > 0.0)) return std::vector<double>(n, 0.0);  // not reached: G + εI is definite
    g[j * n + j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double v = g[i * n + j];
      for (std::size_t p = 0; p < j; ++p) v -= g[i * n + p] * g[j * n + p];
      g[i * n + j] = v / g[j * n + j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // L·y = b
    for (std::size_t p = 0; p < i; ++p) b[i] -= g[i * n + p] * b[p];
    b[i] /= g[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {  // Lᵀ·α = y
    for (std::size_t p = i + 1; p < n; ++p) b[i] -= g[p * n + i] * b[p];
    b[i] /= g[i * n + i];
  }
  return b;
}

Result<EpisodicReadOutcome> ReadOne(const State& state, const NgramEncoder& encoder,
                                    const EpisodicReadCall& call) {
  EpisodicReadOutcome outcome;
  outcome.results.resize(call.queries.size());
  if (state.live.empty()) return outcome;  // nothing to recall, no scope
  std::vector<double> row(static_cast<std::size_t>(state.memory.code_width()), 0.0);
  std::vector<Candidate> ranked;
  ranked.reserve(state.live.size());
  for (std::size_t q = 0; q < call.queries.size(); ++q) {
    const SparseCode query = encoder.Encode(call.queries[q]);
    if (query.index.empty()) continue;  // no words: nothing recalled, out of scope
    // The readout is the projection of the query onto the memory's row space, so reading it
    // again returns it unchanged: one pass serves any `iterations`.
    ENGRAM_ASSIGN_OR_RETURN(ReadProbe probe, state.memory.Read(query));
    const DenseQuery dense(row, query);
    const double query_norm = std::sqrt(Dot(query, query));
    // Both inner products per entry are gathers over the entry's non-zeros (entries keep their
    // norms): the query's (the scope) and the readout's (the score).
    double scope = -1;
    ranked.clear();
    for (const auto& [id, entry] : state.live) {
      const double query_dot = Gather(dense.data(), entry.code);
      const double readout_dot =
          probe.is_query ? query_dot : Gather(probe.values.data(), entry.code);
      const double denominator = query_norm * entry.norm;
      if (denominator > 0) scope = std::max(scope, Cosine(query_dot / denominator));
      // Normalised by the query's norm, not the readout's: a readout that holds little of the
      // query (nothing related is stored) must not score its faint matches near 1.
      ranked.push_back({denominator > 0 ? Cosine(readout_dot / denominator) : 0.0, 0, id});
    }
    EpisodicQueryOutcome& out = outcome.results[q];
    out.scope_score = scope;
    out.in_scope = scope >= call.scope_threshold;
    TakeTop(ranked, call.top_k, /*with_memories=*/false, out);
  }
  return outcome;
}

Result<EpisodicReadOutcome> ReadMany(std::span<const State* const> states,
                                     const NgramEncoder& encoder, const EpisodicReadCall& call) {
  EpisodicReadOutcome outcome;
  outcome.results.resize(call.queries.size());
  const auto width = static_cast<std::size_t>(states.front()->memory.code_width());
  std::vector<double> row(width, 0.0);
  std::vector<Candidate> ranked;
  for (std::size_t q = 0; q < call.queries.size(); ++q) {
    const SparseCode query = encoder.Encode(call.queries[q]);
    if (query.index.empty()) continue;
    // Each memory's readout, then the successor memory's readout of the query: the projection
    // onto the readouts' span.
    std::vector<std::vector<double>> readouts;
    for (const State* state : states) {
      if (state->live.empty()) continue;
      if (static_cast<std::size_t>(state->memory.code_width()) != width) {
        return SyntaxError("memories read together must have the same code width");
      }
      ENGRAM_ASSIGN_OR_RETURN(std::vector<double> readout, state->memory.Readout(query));
      readouts.push_back(std::move(readout));
    }
    if (readouts.empty()) continue;  // no memory holds a fact
    const std::size_t n = readouts.size();
    std::vector<double> gram(n * n), overlap(n);
    for (std::size_t s = 0; s < n; ++s) {
      overlap[s] = Gather(readouts[s].data(), query);
      for (std::size_t t = 0; t <= s; ++t) {
        gram[s * n + t] = gram[t * n + s] =
            internal::DotProduct(readouts[s].data(), readouts[t].data(), width);
      }
    }
    const std::vector<double> alpha = SolveSmall(std::move(gram), std::move(overlap), n);
    std::vector<double> star(width, 0.0);
    for (std::size_t s = 0; s < n; ++s) {
      internal::AddScaled(star.data(), readouts[s].data(), alpha[s], width);
    }

    const DenseQuery dense(row, query);
    const double query_norm = std::sqrt(Dot(query, query));
    double scope = -1;
    ranked.clear();
    for (std::size_t m = 0; m < states.size(); ++m) {
      for (const auto& [id, entry] : states[m]->live) {
        const double denominator = query_norm * entry.norm;
        if (!(denominator > 0)) {
          ranked.push_back({0.0, static_cast<std::uint32_t>(m), id});
          continue;
        }
        scope = std::max(scope, Cosine(Gather(dense.data(), entry.code) / denominator));
        ranked.push_back({Cosine(Gather(star.data(), entry.code) / denominator),
                          static_cast<std::uint32_t>(m), id});
      }
    }
    EpisodicQueryOutcome& out = outcome.results[q];
    out.scope_score = scope;
    out.in_scope = scope >= call.scope_threshold;
    TakeTop(ranked, call.top_k, /*with_memories=*/true, out);
  }
  return outcome;
}

}  // namespace

Result<EpisodicReadOutcome> ReadStates(std::span<const State* const> states,
                                       const NgramEncoder& encoder, const EpisodicReadCall& call) {
  if (states.size() == 1) return ReadOne(*states.front(), encoder, call);
  return ReadMany(states, encoder, call);
}

}  // namespace engram::compute::episodic
