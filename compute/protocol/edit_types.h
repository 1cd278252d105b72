// Plain values of the edit memory operations (docs/protocol.md §5.10; frame.fbs Edit*), shared
// by the engine's compute client and the co-process's handler. No behaviour here.
#ifndef ENGRAM_COMPUTE_PROTOCOL_EDIT_TYPES_H_
#define ENGRAM_COMPUTE_PROTOCOL_EDIT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compute/protocol/content_hash.h"

namespace engram::protocol {

// One live edit as the store keeps it: its id and its record's bytes (opaque to the engine).
struct EditPieceRef {
  std::uint64_t id = 0;
  std::string bytes;
  friend bool operator==(const EditPieceRef&, const EditPieceRef&) = default;
};

// One delta: a shard's (id) or a merged memory's (2^63 + id), float32 [rows, cols], a blob.
struct EditDeltaRef {
  std::uint64_t id = 0;
  Hash128 blob;
  friend bool operator==(const EditDeltaRef&, const EditDeltaRef&) = default;
};

// A side memory's state. complete = false: the key alone (the co-process's cache answers);
// true: everything the state is made of, checked against the key.
struct EditStateSpec {
  Hash128 key;
  bool complete = false;
  std::string header;
  std::vector<EditPieceRef> edits;  // ascending id
  std::vector<EditDeltaRef> deltas;
};

// What a reply asks for instead of an answer (nothing was done).
enum class EditNeed : std::uint8_t { kNothing = 0, kState = 1, kBlobs = 2 };

// An EditApply: one edit, or (forget != 0) forgetting one. No state: a new memory.
struct EditApplyParams {
  std::optional<EditStateSpec> state;
  std::vector<std::pair<std::string, double>> settings;  // a new memory's edit_* options
  std::string prompt;
  std::string target;
  std::uint64_t forget = 0;
  std::uint64_t edit_id = 0;  // an edit's smallest id (it gets the larger of this and the next)
};

struct EditApplyResult {
  EditNeed need = EditNeed::kNothing;
  std::vector<Hash128> missing;
  EditStateSpec state;  // the new state, complete; its new delta blobs are in the blob cache
  std::uint64_t edit = 0;
  std::uint32_t iterations = 0;
  float loss = 0;
};

struct EditScore {
  std::uint64_t edit = 0;
  std::uint64_t memory = 0;
  std::string prompt;
  std::string target;
  float score = 0;
  float threshold = 0;
  float key = 1;
  bool routed = false;
};

struct EditRouteResult {
  EditNeed need = EditNeed::kNothing;
  std::vector<Hash128> missing;
  bool routed = false;
  std::uint64_t memory = 0;
  std::vector<EditScore> scores;
};

// GENERATE with the routed memory `memory` of the cached state `state`.
struct GenerateEditRef {
  Hash128 state;
  std::uint64_t memory = 0;
};

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_EDIT_TYPES_H_
