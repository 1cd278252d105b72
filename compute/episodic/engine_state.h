// Internal to compute/episodic: one episodic memory state as the co-process's engine caches it
// (episodic_engine.h) and its reader reads it (episodic_reader.h) — the memory core and every
// live fact's code and address.
//
// Thread-safety: none; the engine serialises all use.
#ifndef ENGRAM_COMPUTE_EPISODIC_ENGINE_STATE_H_
#define ENGRAM_COMPUTE_EPISODIC_ENGINE_STATE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "compute/episodic/factored_memory.h"
#include "compute/episodic/ngram_encoder.h"

namespace engram::compute::episodic {

struct LiveEntry {
  SparseCode code;
  std::vector<double> address;  // its row of W, as written (a forget must present these bits)
  double norm = 0;              // ||code||
};

inline std::size_t EntryBytes(const LiveEntry& e) {
  return 96 + e.code.index.size() * (sizeof(std::uint32_t) + sizeof(double)) +
         e.address.size() * sizeof(double);
}

// One cached state: the memory and its live entries by id (ordered: ties rank lower ids first).
struct State {
  FactoredMemory memory;
  std::map<std::uint64_t, LiveEntry> live;
  std::size_t entry_bytes = 0;  // Σ EntryBytes over `live`, kept by Add and Remove

  void Add(std::uint64_t id, LiveEntry entry) {
    entry_bytes += EntryBytes(entry);
    live.emplace(id, std::move(entry));
  }
  void Remove(std::uint64_t id) {
    auto it = live.find(id);
    entry_bytes -= EntryBytes(it->second);
    live.erase(it);
  }
  std::size_t Bytes() const {
    const auto k = static_cast<std::size_t>(memory.slots());
    const auto c = static_cast<std::size_t>(memory.code_width());
    // Bᵀ (float64 and its float32 read copy), S, Q and the read factor.
    return (sizeof(double) + sizeof(float)) * k * c + 3 * sizeof(double) * k * k + 256 +
           entry_bytes;
  }
};

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_ENGINE_STATE_H_
