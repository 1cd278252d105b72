// Internal to compute/episodic: answering an EpisodicRead (docs/protocol.md §5.8) from resolved
// states — one memory, or several read hierarchically.
//
// One memory: per query, the scope (the query code's largest cosine to a live fact) and the
// live facts ranked by ⟨z_r, z_e⟩ / (‖z_q‖·‖z_e‖), where z_r is the memory's readout
// (FactoredMemory::Read's probe: while N <= K the readout's overlaps are the query's own).
//
// Several memories (Larimar's long-context read, mechanisms.md §1: "write each segment into its
// own memory, read every memory for the query, write the readouts into a successor memory,
// read again"): each memory's readout r_s (FactoredMemory::Readout); the successor memory holds
// the S readouts — S <= K rows, so reading it is the orthogonal projection onto their span —
// and its readout of the query is z* = Σ_s α_s·r_s with (G + εI)·α = b, G_st = ⟨r_s, r_t⟩,
// b_s = ⟨z_q, r_s⟩, ε = 1e-12·max G_ss. The facts of all memories are then ranked by
// ⟨z*, z_e⟩ / (‖z_q‖·‖z_e‖), ties by memory then id; the scope is the largest cosine over all
// of them. A memory without live facts contributes nothing.
//
// Deterministic: fixed-order loops (the S x S solve is our own), so equal states give equal
// bits. Errors: those of FactoredMemory::Read/Readout (SYNTAX, LIMIT, COMPUTE).
#ifndef ENGRAM_COMPUTE_EPISODIC_EPISODIC_READER_H_
#define ENGRAM_COMPUTE_EPISODIC_EPISODIC_READER_H_

#include <span>

#include "compute/episodic/engine_state.h"
#include "compute/episodic/ngram_encoder.h"
#include "compute/server/episodic_handler.h"
#include "engram/status.h"

namespace engram::compute::episodic {

// `states` are the call's state then its `more` states, in that order (at least one).
Result<EpisodicReadOutcome> ReadStates(std::span<const State* const> states,
                                       const NgramEncoder& encoder, const EpisodicReadCall& call);

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_EPISODIC_READER_H_
