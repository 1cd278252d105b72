// The state of a side memory as plain values: the settings, the live edits with their journal
// data, the shards (exact sparse deltas against the original w2), the routable memories with
// their thresholds, and the operation journal. Encoded to plain bytes for the store (versioned
// records) and the protocol, and hashed. Torch-free.
//
// Layout of the state (docs/editing.md §5):
//  - a shard holds up to save_freq edits trained in order into one delta under one gradient
//    mask (GradientMask(mask_seed, ...)); its delta is zero outside the mask;
//  - a routable memory is one unmerged shard (merged = false; its delta is the shard's, not
//    repeated) or a TIES merge of a group of shards (merged = true; its delta is the merge);
//    every shard belongs to exactly one memory;
//  - a memory's threshold is act_ratio × the smallest Δ of its delta over its edits' prompts
//    and their trained truncations.
//
// Encoding: little-endian, a magic and a format version first (kStateFormat); floats as their
// IEEE-754 bits, so a decoded state is bit-identical. A delta is written sparse (indices and
// values) or, when more than half its entries are non-zero, dense (rows × cols values). DecodeState
// refuses anything malformed (CORRUPT), so a decoded state is always well formed.
//
// Thread-safety: plain values and pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_STATE_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_STATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compute/editing/edit_options.h"
#include "compute/editing/sparse_delta.h"
#include "compute/protocol/content_hash.h"
#include "engram/status.h"

namespace engram::compute::editing {

inline constexpr std::uint32_t kStateFormat = 1;

// What a user asks: make the model continue `prompt` with `target` (e.g. " English").
struct EditRequest {
  std::string prompt;
  std::string target;
  friend bool operator==(const EditRequest&, const EditRequest&) = default;
};

// One edit as trained: the request and everything needed to check a re-run of it.
struct EditRecord {
  std::uint64_t id = 0;
  EditRequest request;
  std::uint64_t shard = 0;       // id of the shard holding it
  std::uint64_t mask_seed = 0;   // that shard's mask seed
  std::uint32_t unrelated = 0;   // index of the unrelated sample in the memory's pool
  std::uint32_t iterations = 0;  // SGD steps taken
  float loss = 0;                // total loss at the last evaluated step
  float ce_loss = 0;             // its cross-entropy part
  float act_edit = 0;            // mean Δ over the edit sequences' prompt tokens (training view)
  float act_unrelated = 0;       // Δ over the unrelated sample
  friend bool operator==(const EditRecord&, const EditRecord&) = default;
};

struct Shard {
  std::uint64_t id = 0;
  std::uint64_t mask_seed = 0;
  std::vector<std::uint64_t> edits;  // ids, in training order
  SparseDelta delta;
  friend bool operator==(const Shard&, const Shard&) = default;
};

struct RoutedMemory {
  std::uint64_t id = 0;
  std::vector<std::uint64_t> shards;  // one unmerged shard, or a merged group in order
  bool merged = false;
  SparseDelta delta;    // the TIES merge when merged; empty otherwise (the shard's is used)
  float threshold = 0;  // route only when Δ(prompt) > threshold
  float min_act = 0;    // min Δ over its edits' prompts (threshold = act_ratio × min_act)
  friend bool operator==(const RoutedMemory&, const RoutedMemory&) = default;
};

// One operation of the journal, in the order applied.
struct JournalOp {
  enum class Kind : std::uint8_t { kEdit = 0, kForget = 1 };
  Kind kind = Kind::kEdit;
  EditRecord record;  // kEdit: the record as trained; kForget: only record.id is meaningful
  friend bool operator==(const JournalOp&, const JournalOp&) = default;
};

struct SideMemoryState {
  EditOptions options;
  Hash128 model_fingerprint;         // the model the memory was trained on
  std::uint32_t gate_encoder = 0;    // the text gate's encoder version (kEncoderVersion), 0: none
  std::uint32_t rows = 0, cols = 0;  // the shape of w2: dim x hidden_dim
  std::uint64_t next_edit_id = 1;
  std::uint64_t next_shard_id = 1;
  std::uint64_t next_memory_id = 1;
  std::uint64_t open_shard = 0;   // the shard that takes the next edit; 0: start a new one
  std::vector<EditRecord> edits;  // live edits, in edit order
  std::vector<Shard> shards;      // in creation order
  std::vector<RoutedMemory> memories;
  std::vector<JournalOp> journal;  // every operation since the memory was created

  // Lookups; nullptr when absent.
  const EditRecord* FindEdit(std::uint64_t id) const;
  const Shard* FindShard(std::uint64_t id) const;
  // The delta a memory routes with (its merge, or its one shard's delta).
  const SparseDelta& MemoryDelta(const RoutedMemory& memory) const;

  friend bool operator==(const SideMemoryState&, const SideMemoryState&) = default;
};

// The bytes of a state (with its journal) and back. DecodeState: CORRUPT for truncated or
// malformed bytes, another format version, or references that do not resolve.
std::string EncodeState(const SideMemoryState& state);
Result<SideMemoryState> DecodeState(std::string_view bytes);
// DecodeState's two halves: the fields alone (CORRUPT for malformed bytes; references are not
// checked, so a state with its edits or deltas left out decodes), and the reference check
// (CORRUPT when an edit, shard or memory names one that is not there).
Result<SideMemoryState> DecodeStateFields(std::string_view bytes);
Status CheckStateReferences(const SideMemoryState& state);

// XXH3-128 of EncodeState(state) without the journal: two memories with the same edits,
// shards, merges and thresholds hash alike however they got there.
Hash128 ContentHashOf(const SideMemoryState& state);
// XXH3-128 of EncodeState(state), the journal included.
Hash128 StateHash(const SideMemoryState& state);

// One op or one options block alone (for records that hold a single piece).
std::string EncodeJournalOp(const JournalOp& op);
Result<JournalOp> DecodeJournalOp(std::string_view bytes);
std::string EncodeOptions(const EditOptions& options);
Result<EditOptions> DecodeOptions(std::string_view bytes);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_STATE_H_
