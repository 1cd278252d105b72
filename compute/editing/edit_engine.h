// EditEngine: the co-process's edit memory (WISE; docs/editing.md, docs/protocol.md §5.10) — the
// EditHandler that trains and forgets edits, routes prompts and generates with a routed side
// memory. States are named by their key (protocol::EditStateKey over the stored pieces) and
// kept as SideMemory objects in a byte-bounded LRU cache; a state that is not cached is joined
// from its pieces (need kState / kBlobs until the engine sent them).
//
// An edit mutates the cached memory in place and files it under the new state's key, so the
// old key misses afterwards and is rebuilt from its records if asked for again (a rollback, an
// aborted transaction). A failed edit or forget changes nothing.
//
// Thread-safety: thread-safe; one mutex serialises the calls on side memories (edits are
// single-threaded by design, docs/editing.md §5); a generation holds it only to read the
// routed memory's w2, then runs on an engine of its own. The model is borrowed and must outlive the
// engine.
#ifndef ENGRAM_COMPUTE_EDITING_EDIT_ENGINE_H_
#define ENGRAM_COMPUTE_EDITING_EDIT_ENGINE_H_

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "compute/editing/routed_generator.h"
#include "compute/editing/side_memory.h"
#include "compute/model/model_bundle.h"
#include "compute/server/edit_handler.h"

namespace engram::compute::editing {

class EditEngine final : public EditHandler {
 public:
  // `cache_bytes`: the side memories kept (each its own copy of the model's weights, ~1 MiB
  // for stories260K, plus about 86 KiB per shard, sparse). The text
  // gate's encoder tables are loaded from `encoder_dir` at the first request that needs them.
  EditEngine(const ModelBundle& model, std::size_t cache_bytes, std::string encoder_dir);
  ~EditEngine() override;

  Result<protocol::EditApplyResult> Apply(const protocol::EditApplyParams& params,
                                          BlobCache& blobs) override;
  Result<protocol::EditRouteResult> Route(const protocol::EditStateSpec& state,
                                          std::string_view prompt, std::uint32_t top_k,
                                          BlobCache& blobs) override;
  Result<GenerationResult> Generate(const protocol::GenerateEditRef& edit,
                                    GenerationRequest request,
                                    const std::function<void(int, int)>& on_token,
                                    const std::function<bool()>& cancelled) override;
  Result<std::shared_ptr<const LlamaWeights>> EditedWeights(
      const protocol::GenerateEditRef& edit) override;

 private:
  // The w2 of side memory `edit.memory` of the cached state `edit.state`, and its layer.
  // Errors: NOTFOUND (not cached; no such memory).
  Result<std::pair<std::vector<float>, int>> RoutedW2(const protocol::GenerateEditRef& edit);
  struct Cached {
    Hash128 key;
    std::unique_ptr<SideMemory> memory;
    std::size_t bytes = 0;
  };
  // The cached memory of `spec`, or nullptr with `need` and `missing` set.
  Result<SideMemory*> Load(const protocol::EditStateSpec& spec, BlobCache& blobs,
                           protocol::EditNeed* need, std::vector<Hash128>* missing);
  Cached* Find(const Hash128& key);
  void Insert(Hash128 key, std::unique_ptr<SideMemory> memory);
  void Drop(const Hash128& key);
  void Trim();
  // The complete state of `memory` (its deltas put into `blobs`).
  Result<protocol::EditStateSpec> Publish(const SideMemory& memory, BlobCache& blobs);
  Result<SideMemory::Encoder> Encoder();

  // A single-stream engine whose w2 is `w2` (an idle one of the pool, or a new one) and its
  // return to the pool after a generation: a generation holds its engine, not the engine's
  // lock, so routed generations run beside edits and each other.
  Result<std::unique_ptr<DecodeEngine>> TakeEngine(const Hash128& w2_key, int layer,
                                                   std::span<const float> w2);
  void ReturnEngine(const Hash128& w2_key, std::unique_ptr<DecodeEngine> engine);

  const ModelBundle& model_;
  std::size_t cache_bytes_;
  std::size_t base_bytes_;  // a memory's fixed cost (MemoryBytes)
  std::string encoder_dir_;
  std::mutex mutex_;
  std::list<Cached> cache_;  // most recently used first
  std::size_t cached_bytes_ = 0;
  SideMemory::Encoder encoder_;
  // Blobs of published deltas by (delta id, fingerprint of its entries): consecutive states of
  // a memory share nearly all deltas. Bounded (cleared when full).
  std::map<std::pair<std::uint64_t, std::uint64_t>, Hash128> published_;
  struct IdleEngine {
    Hash128 w2_key;
    std::unique_ptr<DecodeEngine> engine;
  };
  std::mutex engines_mutex_;
  std::list<IdleEngine> idle_engines_;  // most recently returned first
  // Copies of the weights with a routed w2 (for generations with context memories), by w2,
  // most recently used first; a few, each the size of the model.
  std::list<std::pair<Hash128, std::shared_ptr<const LlamaWeights>>> edited_weights_;
};

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_EDIT_ENGINE_H_
