#include "compute/editing/edit_engine.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_map>

#include <xxhash.h>

#include "compute/editing/edit_pieces.h"
#include "compute/episodic/shipped_encoder.h"
#include "compute/protocol/edit_wire.h"

namespace engram::compute::editing {
namespace {

using protocol::EditNeed;

// Engines with a routed memory's w2 kept for the next generation routed to it (~1 MiB each).
constexpr std::size_t kIdleEngines = 8;

// What a cached memory costs: `base` (its own copy of the model's weights for the training
// graph, the original w2 and its context set), its deltas held sparse (index + value per
// entry) and its records.
std::size_t MemoryBytes(const SideMemoryState& state, std::size_t base) {
  std::size_t bytes = base;
  for (const Shard& shard : state.shards) bytes += shard.delta.size() * 8 + 64;
  for (const RoutedMemory& memory : state.memories) bytes += memory.delta.size() * 8 + 64;
  for (const EditRecord& edit : state.edits) {
    bytes += edit.request.prompt.size() + edit.request.target.size() + 96;
  }
  return bytes;
}

// The live edits of memory `m`, in its shards' training order.
std::vector<std::uint64_t> EditsOf(const SideMemoryState& state, const RoutedMemory& m) {
  std::vector<std::uint64_t> edits;
  for (const std::uint64_t shard_id : m.shards) {
    if (const Shard* shard = state.FindShard(shard_id)) {
      edits.insert(edits.end(), shard->edits.begin(), shard->edits.end());
    }
  }
  return edits;
}

// Published deltas remembered for reuse (~64 bytes each).
constexpr std::size_t kMaxPublished = 1 << 18;

// XXH3-64 of a sparse delta's indices and values (seeded with its entry count).
std::uint64_t DeltaFingerprint(const SparseDelta& delta) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset_withSeed(state, delta.index.size());
  XXH3_64bits_update(state, delta.index.data(), delta.index.size() * sizeof(std::uint32_t));
  XXH3_64bits_update(state, delta.value.data(), delta.value.size() * sizeof(float));
  const std::uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return h;
}

}  // namespace

EditEngine::EditEngine(const ModelBundle& model, std::size_t cache_bytes, std::string encoder_dir)
    : model_(model),
      cache_bytes_(cache_bytes),
      base_bytes_(static_cast<std::size_t>(model.config().ParameterCount()) * sizeof(float) +
                  256 * 1024),
      encoder_dir_(std::move(encoder_dir)) {}

EditEngine::~EditEngine() = default;

Result<SideMemory::Encoder> EditEngine::Encoder() {
  if (encoder_ == nullptr) {
    auto shipped = episodic::LoadShippedEncoder(encoder_dir_);
    if (!shipped.ok()) return shipped.status();
    encoder_ = std::make_shared<const episodic::NgramEncoder>(std::move(shipped).value());
  }
  return encoder_;
}

EditEngine::Cached* EditEngine::Find(const Hash128& key) {
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->key == key) {
      cache_.splice(cache_.begin(), cache_, it);
      return &cache_.front();
    }
  }
  return nullptr;
}

void EditEngine::Drop(const Hash128& key) {
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->key == key) {
      cached_bytes_ -= it->bytes;
      cache_.erase(it);
      return;
    }
  }
}

void EditEngine::Insert(Hash128 key, std::unique_ptr<SideMemory> memory) {
  const std::size_t bytes = MemoryBytes(memory->state(), base_bytes_);
  cache_.push_front(Cached{key, std::move(memory), bytes});
  cached_bytes_ += bytes;
  Trim();
}

void EditEngine::Trim() {
  // The newest entry stays even over budget: the request that made it is about to use it.
  while (cache_.size() > 1 && cached_bytes_ > cache_bytes_) {
    cached_bytes_ -= cache_.back().bytes;
    cache_.pop_back();
  }
}

Result<SideMemory*> EditEngine::Load(const protocol::EditStateSpec& spec, BlobCache& blobs,
                                     EditNeed* need, std::vector<Hash128>* missing) {
  if (Cached* cached = Find(spec.key)) return cached->memory.get();
  if (!spec.complete) {
    *need = EditNeed::kState;
    return nullptr;
  }
  if (!(protocol::EditStateKey(spec) == spec.key)) {
    return CorruptError("the edit state's pieces do not match its key " + spec.key.ToHex());
  }
  std::vector<BlobBytes> bytes;
  for (const protocol::EditDeltaRef& delta : spec.deltas) {
    bytes.push_back(blobs.Get(delta.blob));
    if (bytes.back() == nullptr) missing->push_back(delta.blob);
  }
  if (!missing->empty()) {
    *need = EditNeed::kBlobs;
    return nullptr;
  }
  std::vector<std::vector<float>> dense(spec.deltas.size());
  std::vector<DeltaView> deltas;
  for (std::size_t i = 0; i < spec.deltas.size(); ++i) {
    if (bytes[i]->size() % sizeof(float) != 0) {
      return CorruptError("edit delta " + std::to_string(spec.deltas[i].id) + " is not float32");
    }
    dense[i].resize(bytes[i]->size() / sizeof(float));
    std::memcpy(dense[i].data(), bytes[i]->data(), bytes[i]->size());
    deltas.push_back({spec.deltas[i].id, dense[i]});
  }
  std::vector<EditPiece> edits;
  edits.reserve(spec.edits.size());
  for (const protocol::EditPieceRef& edit : spec.edits) edits.push_back({edit.id, edit.bytes});
  ENGRAM_ASSIGN_OR_RETURN(SideMemoryState state, JoinState(spec.header, edits, deltas));
  ENGRAM_ASSIGN_OR_RETURN(SideMemory::Encoder encoder, Encoder());
  ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<SideMemory> memory,
                          SideMemory::FromState(model_, std::move(state), encoder));
  SideMemory* loaded = memory.get();
  Insert(spec.key, std::move(memory));
  return loaded;
}

Result<protocol::EditStateSpec> EditEngine::Publish(const SideMemory& memory, BlobCache& blobs) {
  const SideMemoryState& state = memory.state();
  const std::size_t numel = static_cast<std::size_t>(state.rows) * state.cols;
  protocol::EditStateSpec spec;
  spec.complete = true;
  spec.header = StateHeader(state);
  for (EditPiece& edit : EditPieces(state)) spec.edits.push_back({edit.id, std::move(edit.bytes)});
  for (const auto& [id, delta] : StateDeltas(state)) {
    // A delta published before (by any memory) with the same id and entries has the same
    // blob: skip making it dense, hashing and caching it again (at 1,000 edits that was ~90 %
    // of an edit's overhead).
    const std::pair<std::uint64_t, std::uint64_t> key(id, DeltaFingerprint(*delta));
    auto known = published_.find(key);
    Hash128 blob;
    if (known != published_.end() && blobs.Has(known->second)) {
      blob = known->second;
    } else {
      const std::vector<float> dense = DenseFromSparse(*delta, numel);
      const auto* data = reinterpret_cast<const std::uint8_t*>(dense.data());
      ENGRAM_ASSIGN_OR_RETURN(blob, blobs.Put({data, dense.size() * sizeof(float)}, std::nullopt));
      if (published_.size() >= kMaxPublished) published_.clear();  // a bound, not an LRU
      published_[key] = blob;
    }
    spec.deltas.push_back({id, blob});
  }
  spec.key = protocol::EditStateKey(spec);
  return spec;
}

Result<protocol::EditApplyResult> EditEngine::Apply(const protocol::EditApplyParams& params,
                                                    BlobCache& blobs) {
  std::lock_guard lock(mutex_);
  protocol::EditApplyResult result;
  std::unique_ptr<SideMemory> fresh;
  SideMemory* memory = nullptr;
  if (params.state) {
    ENGRAM_ASSIGN_OR_RETURN(memory, Load(*params.state, blobs, &result.need, &result.missing));
    if (memory == nullptr) return result;
  } else {
    EditOptions options;
    for (const auto& [name, value] : params.settings) {
      ENGRAM_RETURN_IF_ERROR(ApplyEditSetting(options, name, value));
    }
    ENGRAM_ASSIGN_OR_RETURN(SideMemory::Encoder encoder, Encoder());
    ENGRAM_ASSIGN_OR_RETURN(fresh, SideMemory::Create(model_, options, encoder));
    memory = fresh.get();
  }
  // A failed edit or forget normally changes nothing, but one whose merge failed after the
  // edit went in (the journal grew) would leave the cached memory unlike its key: drop it (the
  // next request rebuilds the state from the store).
  const std::size_t journal = memory->state().journal.size();
  auto failed = [&](const Status& status) {
    if (!fresh && memory->state().journal.size() != journal) Drop(params.state->key);
    return status;
  };
  if (params.forget != 0) {
    if (Status s = memory->Forget(params.forget); !s.ok()) return failed(s);
  } else {
    Result<EditRecord> record = memory->Edit({params.prompt, params.target}, params.edit_id);
    if (!record.ok()) return failed(record.status());
    result.edit = record->id;
    result.iterations = record->iterations;
    result.loss = record->loss;
  }
  // From here the memory is the new state: publish it, then file it under its new key. If
  // publishing fails, the cached memory no longer is the state its key names: drop it (the
  // next request rebuilds the state from the store).
  Result<protocol::EditStateSpec> published = Publish(*memory, blobs);
  if (!published.ok()) {
    if (!fresh) Drop(params.state->key);
    return published.status();
  }
  result.state = std::move(published).value();
  if (fresh) {
    Insert(result.state.key, std::move(fresh));
  } else {
    // Another entry may already hold the new state (the same edit again after an ABORT, or
    // another memory with the same pieces): keep this one.
    if (!(result.state.key == params.state->key)) Drop(result.state.key);
    Cached* cached = Find(params.state->key);
    cached->key = result.state.key;
    cached_bytes_ -= cached->bytes;
    cached->bytes = MemoryBytes(memory->state(), base_bytes_);
    cached_bytes_ += cached->bytes;
    Trim();
  }
  return result;
}

Result<protocol::EditRouteResult> EditEngine::Route(const protocol::EditStateSpec& spec,
                                                    std::string_view prompt, std::uint32_t top_k,
                                                    BlobCache& blobs) {
  std::lock_guard lock(mutex_);
  protocol::EditRouteResult result;
  ENGRAM_ASSIGN_OR_RETURN(SideMemory * memory, Load(spec, blobs, &result.need, &result.missing));
  if (memory == nullptr) return result;
  const std::vector<int> tokens = model_.tokenizer.Encode(prompt, /*bos=*/true, /*eos=*/false);
  ENGRAM_ASSIGN_OR_RETURN(RouteDecision decision, memory->Route(tokens));
  result.routed = decision.routed;
  result.memory = decision.routed ? decision.memory : 0;
  const SideMemoryState& state = memory->state();
  auto add_rows = [&](const MemoryScore& score, bool routed) {
    const RoutedMemory* m = nullptr;
    for (const RoutedMemory& candidate : state.memories) {
      if (candidate.id == score.memory) m = &candidate;
    }
    if (m == nullptr) return;
    std::vector<std::uint64_t> edits = EditsOf(state, *m);
    // The edit nearest to the prompt first (what GENERATE reports as the routed edit).
    auto nearest = std::find(edits.begin(), edits.end(), score.nearest_edit);
    if (nearest != edits.end()) std::rotate(edits.begin(), nearest, nearest + 1);
    for (const std::uint64_t id : edits) {
      const EditRecord* edit = state.FindEdit(id);
      if (edit == nullptr || (!routed && result.scores.size() >= top_k)) continue;
      result.scores.push_back({id, score.memory, edit->request.prompt, edit->request.target,
                               score.score, score.threshold, score.key, routed});
    }
  };
  // The routed memory's edits always (a GENERATE asks with top_k 0 for the decision alone),
  // then the memories nearest to the prompt.
  if (decision.routed) {
    add_rows(
        {decision.memory, decision.score, decision.threshold, decision.key, decision.nearest_edit},
        true);
  }
  if (result.scores.size() < top_k) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryScore> nearest,
                            memory->NearestScores(tokens, top_k + 1));
    for (const MemoryScore& score : nearest) {
      if (!(decision.routed && score.memory == decision.memory)) add_rows(score, false);
    }
  }
  return result;
}

Result<std::unique_ptr<DecodeEngine>> EditEngine::TakeEngine(const Hash128& w2_key, int layer,
                                                             std::span<const float> w2) {
  {
    std::lock_guard lock(engines_mutex_);
    for (auto it = idle_engines_.begin(); it != idle_engines_.end(); ++it) {
      if (it->w2_key == w2_key) {
        std::unique_ptr<DecodeEngine> engine = std::move(it->engine);
        idle_engines_.erase(it);
        return engine;
      }
    }
  }
  return EngineWithW2(model_, layer, w2);  // ~1 ms: a copy of the weights
}

void EditEngine::ReturnEngine(const Hash128& w2_key, std::unique_ptr<DecodeEngine> engine) {
  std::lock_guard lock(engines_mutex_);
  idle_engines_.push_front(IdleEngine{w2_key, std::move(engine)});
  while (idle_engines_.size() > kIdleEngines) idle_engines_.pop_back();
}

Result<std::pair<std::vector<float>, int>> EditEngine::RoutedW2(
    const protocol::GenerateEditRef& edit) {
  std::lock_guard lock(mutex_);
  Cached* cached = Find(edit.state);
  if (cached == nullptr) {
    return NotFoundError("the edit state " + edit.state.ToHex() +
                         " is no longer cached in the co-process; route the prompt again");
  }
  ENGRAM_ASSIGN_OR_RETURN(std::vector<float> w2, cached->memory->EffectiveW2(edit.memory));
  return std::pair{std::move(w2), cached->memory->options().layer};
}

Result<std::shared_ptr<const LlamaWeights>> EditEngine::EditedWeights(
    const protocol::GenerateEditRef& edit) {
  constexpr std::size_t kKeptWeights = 2;
  ENGRAM_ASSIGN_OR_RETURN(auto routed, RoutedW2(edit));
  const auto& [w2, layer] = routed;
  const Hash128 w2_key = ContentHash(w2.data(), w2.size() * sizeof(float));
  {
    std::lock_guard lock(engines_mutex_);
    for (auto it = edited_weights_.begin(); it != edited_weights_.end(); ++it) {
      if (it->first == w2_key) {
        edited_weights_.splice(edited_weights_.begin(), edited_weights_, it);
        return edited_weights_.front().second;
      }
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(LlamaWeights weights,
                          WeightsWithW2(model_.checkpoint.weights, layer, w2));
  auto shared = std::make_shared<const LlamaWeights>(std::move(weights));
  std::lock_guard lock(engines_mutex_);
  edited_weights_.emplace_front(w2_key, shared);
  while (edited_weights_.size() > kKeptWeights) edited_weights_.pop_back();
  return shared;
}

Result<GenerationResult> EditEngine::Generate(const protocol::GenerateEditRef& edit,
                                              GenerationRequest request,
                                              const std::function<void(int, int)>& on_token,
                                              const std::function<bool()>& cancelled) {
  ENGRAM_ASSIGN_OR_RETURN(auto routed, RoutedW2(edit));
  const auto& [w2, layer] = routed;
  const Hash128 w2_key = ContentHash(w2.data(), w2.size() * sizeof(float));
  ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<DecodeEngine> engine, TakeEngine(w2_key, layer, w2));
  auto result = GenerateSync(*engine, std::move(request), on_token, 0, cancelled);
  ReturnEngine(w2_key, std::move(engine));
  return result;
}

}  // namespace engram::compute::editing
