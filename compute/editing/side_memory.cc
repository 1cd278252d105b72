#include "compute/editing/side_memory.h"

#include <optional>

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "compute/editing/edit_inputs.h"
#include "compute/editing/edit_trainer.h"
#include "compute/editing/gate_key.h"
#include "compute/editing/llama_graph.h"
#include "compute/editing/ties_merge.h"
#include "compute/editing/torch_support.h"
#include "compute/episodic/shipped_encoder.h"

namespace engram::compute::editing {

using internal::FromException;

struct SideMemory::Impl {
  const ModelBundle& model;
  std::unique_ptr<internal::LlamaGraph> graph;
  ContextSet contexts;
  SideMemoryState state;
  std::vector<float> w2;  // the original w2 of the layer, [dim, hidden_dim]
  int dim = 0, hidden = 0;
  // Each live edit's prompt activations and gate code (functions of the prompt: never stale).
  // (the prompt's, then its truncations'.)
  std::unordered_map<std::uint64_t, std::vector<PromptActivations>> prompt_cache;
  std::unordered_map<std::uint64_t, EditKey> code_cache;  // gate_key.h
  SideMemory::Encoder encoder;                            // set when the gate is the text code

  bool gated() const { return state.options.gate != RouteGate::kNone; }

  const EditKey& EditCode(const EditRecord& record) {
    auto it = code_cache.find(record.id);
    if (it == code_cache.end()) {
      it = code_cache.emplace(record.id, MakeEditKey(encoder->Encode(record.request.prompt))).first;
    }
    return it->second;
  }

  // The gate's key of a prompt: the code of its text (the tokens after BOS, decoded).
  episodic::SparseCode PromptCode(std::span<const int> tokens) const {
    const std::size_t skip = !tokens.empty() && tokens[0] == Tokenizer::kBos ? 1 : 0;
    return encoder->Encode(model.tokenizer.Decode(tokens.subspan(skip)));
  }

  explicit Impl(const ModelBundle& m) : model(m) {}

  std::size_t numel() const { return static_cast<std::size_t>(dim) * hidden; }

  Result<PromptActivations> Activations(std::span<const int> tokens) {
    const LlamaConfig& c = model.config();
    if (tokens.empty()) return SyntaxError("prompt needs at least one token");
    if (static_cast<int>(tokens.size()) > c.seq_len) {
      return LimitError("prompt of " + std::to_string(tokens.size()) +
                        " tokens exceeds the context window of " + std::to_string(c.seq_len));
    }
    for (int t : tokens) {
      if (t < 0 || t >= c.vocab_size) {
        return SyntaxError("token id " + std::to_string(t) + " outside the vocabulary");
      }
    }
    try {
      internal::SingleThreadScope single_thread;
      c10::InferenceMode guard;
      internal::TokenBatch batch =
          internal::MakeBatch({std::vector<int>(tokens.begin(), tokens.end())});
      const at::Tensor hidden_t = graph->ForwardTo(batch.tokens, state.options.layer).hidden[0];
      PromptActivations out;
      out.tokens = static_cast<int>(tokens.size());
      out.hidden_dim = hidden;
      out.hidden = internal::ToFloats(hidden_t);
      return out;
    } catch (const std::exception& e) {
      return FromException(e, "side memory: prompt activations");
    }
  }

  // The activations of an edit's prompt and of its trained truncations (the phrasings a
  // memory's threshold must let through).
  Result<const std::vector<PromptActivations>*> EditActivations(const EditRecord& record) {
    auto it = prompt_cache.find(record.id);
    if (it != prompt_cache.end()) return &it->second;
    auto prepared = PrepareEdit(model.tokenizer, record.request, 0, model.config().seq_len,
                                state.options.truncations);
    if (!prepared.ok()) return prepared.status();
    std::vector<std::vector<int>> prompts = {prepared->prompt};
    for (const PromptTarget& t : prepared->truncations) prompts.push_back(t.prompt);
    std::vector<PromptActivations> all;
    for (std::vector<int>& p : prompts) {
      p.insert(p.begin(), Tokenizer::kBos);
      auto acts = Activations(p);
      if (!acts.ok()) return acts.status();
      all.push_back(std::move(acts).value());
    }
    return &prompt_cache.emplace(record.id, std::move(all)).first->second;
  }

  // min Δ of `delta` over the prompts and truncations of `edits` (ids of live edits or
  // `extra`).
  Result<float> MinScore(const SparseDelta& delta, std::span<const std::uint64_t> edits,
                         const EditRecord* extra) {
    float lowest = 0.0f;
    bool first = true;
    for (std::uint64_t id : edits) {
      const EditRecord* record = (extra != nullptr && extra->id == id) ? extra : state.FindEdit(id);
      if (record == nullptr) return InternalError("side memory: edit " + std::to_string(id));
      auto acts = EditActivations(*record);
      if (!acts.ok()) return acts.status();
      for (const PromptActivations& a : **acts) {
        const float s = ActivationScore(delta, dim, a);
        lowest = first ? s : std::min(lowest, s);
        first = false;
      }
    }
    return lowest;
  }

  // Trains `request` into `initial` under the mask of `mask_seed`.
  Result<internal::TrainOutcome> Train(const EditRequest& request, std::uint64_t mask_seed,
                                       std::uint32_t unrelated, const std::vector<float>& initial) {
    const EditOptions& o = state.options;
    auto prepared = PrepareEdit(model.tokenizer, request, contexts.longest_prefix(),
                                model.config().seq_len, o.truncations);
    if (!prepared.ok()) return prepared.status();
    try {
      internal::SingleThreadScope single_thread;
      const internal::TrainingBatch batch = internal::BuildTrainingBatch(
          *graph, o.layer, *prepared, contexts, o.prefix_count, static_cast<int>(unrelated));
      return internal::TrainDelta(*graph, o.layer, batch, o,
                                  GradientMask(mask_seed, numel(), o.mask_ratio), initial);
    } catch (const std::exception& e) {
      return FromException(e, "side memory: edit training");
    }
  }

  std::uint32_t UnrelatedIndex(const EditRequest& request) const {
    return static_cast<std::uint32_t>(
        DeriveSeed(state.options.seed, "unrelated", Content(request)) % contexts.unrelated.size());
  }

  static std::string Content(const EditRequest& request) {
    return request.prompt + std::string(1, '\0') + request.target;
  }

  RoutedMemory* MemoryOfShard(std::uint64_t shard) {
    for (RoutedMemory& m : state.memories) {
      if (std::find(m.shards.begin(), m.shards.end(), shard) != m.shards.end()) return &m;
    }
    return nullptr;
  }

  void SetThreshold(RoutedMemory& memory, float min_act) const {
    memory.min_act = min_act;
    memory.threshold = state.options.act_ratio * min_act;
  }

  // All live edit ids of the shards of `memory`, in shard order.
  std::vector<std::uint64_t> EditsOf(const RoutedMemory& memory) const {
    std::vector<std::uint64_t> ids;
    for (std::uint64_t s : memory.shards) {
      const Shard* shard = state.FindShard(s);
      ids.insert(ids.end(), shard->edits.begin(), shard->edits.end());
    }
    return ids;
  }

  // Merges the sealed unmerged shards into one memory once they hold merge_freq edits.
  Status MaybeMerge() {
    const EditOptions& o = state.options;
    if (o.merge_freq == 0) return Status::Ok();
    std::vector<std::size_t> group;
    std::size_t edits = 0;
    for (std::size_t i = 0; i < state.memories.size(); ++i) {
      const RoutedMemory& m = state.memories[i];
      if (m.merged || m.shards.front() == state.open_shard) continue;
      group.push_back(i);
      edits += state.FindShard(m.shards.front())->edits.size();
    }
    if (edits < static_cast<std::size_t>(o.merge_freq)) return Status::Ok();
    RoutedMemory merged;
    merged.merged = true;
    std::vector<SparseDelta> deltas;
    for (std::size_t i : group) {
      merged.shards.push_back(state.memories[i].shards.front());
      deltas.push_back(state.FindShard(merged.shards.back())->delta);
    }
    auto delta = TiesMergeDeltas(deltas, numel(), o.ties_density);
    if (!delta.ok()) return delta.status();
    merged.delta = std::move(delta).value();
    auto min_act = MinScore(merged.delta, EditsOf(merged), nullptr);
    if (!min_act.ok()) return min_act.status();
    SetThreshold(merged, *min_act);
    merged.id = state.next_memory_id++;
    Invalidate();
    for (auto it = group.rbegin(); it != group.rend(); ++it) {
      state.memories.erase(state.memories.begin() + static_cast<std::ptrdiff_t>(*it));
    }
    state.memories.push_back(std::move(merged));
    return Status::Ok();
  }

  Result<EditRecord> Edit(const EditRequest& request, std::uint64_t min_id) {
    const EditOptions& o = state.options;
    Shard* open = nullptr;
    for (Shard& s : state.shards) {
      if (s.id == state.open_shard) open = &s;
    }
    EditRecord record;
    record.id = std::max(min_id, state.next_edit_id);
    record.request = request;
    record.shard = open != nullptr ? open->id : state.next_shard_id;
    record.mask_seed =
        open != nullptr ? open->mask_seed : DeriveSeed(o.seed, "mask", Content(request));
    record.unrelated = UnrelatedIndex(request);
    const std::vector<float> initial =
        open != nullptr ? DenseFromSparse(open->delta, numel()) : std::vector<float>(numel(), 0.0f);
    auto outcome = Train(request, record.mask_seed, record.unrelated, initial);
    if (!outcome.ok()) return outcome.status();
    record.iterations = static_cast<std::uint32_t>(outcome->iterations);
    record.loss = outcome->loss;
    record.ce_loss = outcome->ce;
    record.act_edit = outcome->act_edit;
    record.act_unrelated = outcome->act_unrelated;
    SparseDelta delta = SparseFromDense(outcome->delta);

    std::vector<std::uint64_t> shard_edits =
        open != nullptr ? open->edits : std::vector<std::uint64_t>{};
    shard_edits.push_back(record.id);
    auto min_act = MinScore(delta, shard_edits, &record);
    if (!min_act.ok()) return min_act.status();

    // Commit: nothing below fails short of running out of memory.
    Invalidate();
    state.next_edit_id = record.id + 1;
    state.edits.push_back(record);
    if (open == nullptr) {
      Shard shard;
      shard.id = state.next_shard_id++;
      shard.mask_seed = record.mask_seed;
      state.shards.push_back(std::move(shard));
      open = &state.shards.back();
      RoutedMemory memory;
      memory.id = state.next_memory_id++;
      memory.shards = {open->id};
      state.memories.push_back(std::move(memory));
    }
    open->edits = shard_edits;
    open->delta = std::move(delta);
    SetThreshold(*MemoryOfShard(open->id), *min_act);
    state.open_shard = open->edits.size() >= static_cast<std::size_t>(o.save_freq) ? 0 : open->id;
    state.journal.push_back({JournalOp::Kind::kEdit, record});
    ENGRAM_RETURN_IF_ERROR(MaybeMerge());
    return record;
  }

  Status Forget(std::uint64_t id) {
    const EditRecord* found = state.FindEdit(id);
    if (found == nullptr) return NotFoundError("no live edit " + std::to_string(id));
    const EditRecord forgotten = *found;
    Shard& shard = *std::find_if(state.shards.begin(), state.shards.end(),
                                 [&](const Shard& s) { return s.id == forgotten.shard; });
    RoutedMemory& memory = *MemoryOfShard(shard.id);

    // Rebuild the shard from the original w2 over its remaining edits, in order.
    std::vector<std::uint64_t> remaining;
    for (std::uint64_t e : shard.edits) {
      if (e != id) remaining.push_back(e);
    }
    std::vector<EditRecord> retrained;
    std::vector<float> dense(numel(), 0.0f);
    for (std::uint64_t e : remaining) {
      EditRecord record = *state.FindEdit(e);
      auto outcome = Train(record.request, shard.mask_seed, record.unrelated, dense);
      if (!outcome.ok()) return outcome.status();
      dense = outcome->delta;
      record.iterations = static_cast<std::uint32_t>(outcome->iterations);
      record.loss = outcome->loss;
      record.ce_loss = outcome->ce;
      record.act_edit = outcome->act_edit;
      record.act_unrelated = outcome->act_unrelated;
      retrained.push_back(std::move(record));
    }
    const SparseDelta shard_delta = SparseFromDense(dense);

    // The memory's new delta and threshold.
    std::vector<std::uint64_t> memory_shards;
    std::vector<SparseDelta> deltas;
    for (std::uint64_t s : memory.shards) {
      if (s == shard.id && remaining.empty()) continue;
      memory_shards.push_back(s);
      deltas.push_back(s == shard.id ? shard_delta : state.FindShard(s)->delta);
    }
    SparseDelta memory_delta;
    float min_act = 0.0f;
    if (!memory_shards.empty()) {
      if (memory.merged) {
        auto merged = TiesMergeDeltas(deltas, numel(), state.options.ties_density);
        if (!merged.ok()) return merged.status();
        memory_delta = std::move(merged).value();
      }
      std::vector<std::uint64_t> edits;
      for (std::uint64_t s : memory_shards) {
        const auto& ids = s == shard.id ? remaining : state.FindShard(s)->edits;
        edits.insert(edits.end(), ids.begin(), ids.end());
      }
      auto lowest = MinScore(memory.merged ? memory_delta : shard_delta, edits, nullptr);
      if (!lowest.ok()) return lowest.status();
      min_act = *lowest;
    }

    // Commit.
    Invalidate();
    for (EditRecord& r : retrained) *const_cast<EditRecord*>(state.FindEdit(r.id)) = r;
    state.edits.erase(std::find_if(state.edits.begin(), state.edits.end(),
                                   [&](const EditRecord& r) { return r.id == id; }));
    prompt_cache.erase(id);
    code_cache.erase(id);
    const std::uint64_t shard_id = shard.id, memory_id = memory.id;
    if (remaining.empty()) {
      if (state.open_shard == shard_id) state.open_shard = 0;
      state.shards.erase(std::find_if(state.shards.begin(), state.shards.end(),
                                      [&](const Shard& s) { return s.id == shard_id; }));
    } else {
      shard.edits = remaining;
      shard.delta = shard_delta;
    }
    auto mem = std::find_if(state.memories.begin(), state.memories.end(),
                            [&](const RoutedMemory& m) { return m.id == memory_id; });
    if (memory_shards.empty()) {
      state.memories.erase(mem);
    } else {
      mem->shards = memory_shards;
      if (mem->merged) mem->delta = std::move(memory_delta);
      SetThreshold(*mem, min_act);
    }
    JournalOp op;
    op.kind = JournalOp::Kind::kForget;
    op.record.id = id;
    state.journal.push_back(op);
    return Status::Ok();
  }

  // What routing reads per memory, in state().memories order: its delta and its edits' codes.
  // Pointers into the state and the code cache; rebuilt after every change of the state
  // (Invalidate), in O(edits + shards + memories).
  struct RouteEntry {
    const SparseDelta* delta = nullptr;
    std::vector<std::pair<std::uint64_t, const EditKey*>> keys;
  };
  std::vector<RouteEntry> route_index;
  bool index_valid = false;

  void Invalidate() { index_valid = false; }

  void BuildIndex() {
    if (index_valid) return;
    std::unordered_map<std::uint64_t, const Shard*> shards;
    for (const Shard& sh : state.shards) shards.emplace(sh.id, &sh);
    std::unordered_map<std::uint64_t, const EditRecord*> edits;
    for (const EditRecord& e : state.edits) edits.emplace(e.id, &e);
    route_index.clear();
    for (const RoutedMemory& m : state.memories) {
      RouteEntry entry;
      entry.delta = m.merged ? &m.delta : &shards.at(m.shards.front())->delta;
      if (gated()) {
        for (std::uint64_t s : m.shards) {
          for (std::uint64_t id : shards.at(s)->edits) {
            entry.keys.emplace_back(id, &EditCode(*edits.at(id)));
          }
        }
      }
      route_index.push_back(std::move(entry));
    }
    index_valid = true;
  }

  // A prompt's inputs to routing: its activations and (with the gate) its code.
  struct PromptView {
    PromptActivations acts;
    PromptKey key;  // with the gate
  };

  // The last prompt's view is kept: a READ … EDITS routes and then scores the same prompt, and
  // neither the activations below the side memory nor the code depend on the edits.
  Result<PromptView> View(std::span<const int> prompt_tokens) {
    if (last_view && std::equal(prompt_tokens.begin(), prompt_tokens.end(),
                                last_view_tokens.begin(), last_view_tokens.end())) {
      return *last_view;
    }
    auto acts = Activations(prompt_tokens);
    if (!acts.ok()) return acts.status();
    PromptView view{std::move(acts).value(), {}};
    if (gated()) view.key = MakePromptKey(PromptCode(prompt_tokens));
    last_view_tokens.assign(prompt_tokens.begin(), prompt_tokens.end());
    last_view = view;
    return view;
  }
  std::vector<int> last_view_tokens;
  std::optional<PromptView> last_view;

  // Memory i's scores: the key (with the gate) and, when `with_delta`, Δ.
  MemoryScore Score(const PromptView& view, std::size_t i, bool with_delta) {
    const RouteEntry& entry = route_index[i];
    MemoryScore score;
    score.memory = state.memories[i].id;
    score.threshold = state.memories[i].threshold;
    if (gated()) {
      score.key = -2.0f;
      for (const auto& [id, edit_key] : entry.keys) {
        const auto similarity = static_cast<float>(KeyCosine(view.key, *edit_key));
        if (similarity > score.key) {
          score.key = similarity;
          score.nearest_edit = id;
        }
      }
    }
    if (with_delta) score.score = ActivationScore(*entry.delta, dim, view.acts);
    return score;
  }

  // The `limit` memories nearest by key (with the gate; without it the best by Δ), nearest
  // first, with Δ computed only for them.
  Result<std::vector<MemoryScore>> NearestScores(std::span<const int> prompt_tokens,
                                                 std::size_t limit) {
    auto view = View(prompt_tokens);
    if (!view.ok()) return view.status();
    BuildIndex();
    std::vector<std::pair<MemoryScore, std::size_t>> scores;
    for (std::size_t i = 0; i < state.memories.size(); ++i) {
      scores.emplace_back(Score(*view, i, /*with_delta=*/!gated()), i);
    }
    auto value = [&](const MemoryScore& m) { return gated() ? m.key : m.score; };
    const std::size_t keep = std::min(limit, scores.size());
    std::partial_sort(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(keep),
                      scores.end(), [&](const auto& a, const auto& b) {
                        return value(a.first) > value(b.first) ||
                               (value(a.first) == value(b.first) && a.second > b.second);
                      });
    std::vector<MemoryScore> out;
    for (std::size_t k = 0; k < keep; ++k) {
      MemoryScore m = scores[k].first;
      if (gated()) m.score = ActivationScore(*route_index[scores[k].second].delta, dim, view->acts);
      out.push_back(m);
    }
    return out;
  }

  // Every memory's scores (or memory `only`'s).
  Result<std::vector<MemoryScore>> Scores(std::span<const int> prompt_tokens,
                                          std::uint64_t only = 0) {
    auto view = View(prompt_tokens);
    if (!view.ok()) return view.status();
    BuildIndex();
    std::vector<MemoryScore> scores;
    for (std::size_t i = 0; i < state.memories.size(); ++i) {
      if (only == 0 || state.memories[i].id == only) scores.push_back(Score(*view, i, true));
    }
    return scores;
  }

  // The decision and the memory it names (routed, or the nearest/best-scoring one), as an
  // index into state.memories (-1: no memory). Δ only where it can change the decision: with
  // the gate, for the memories it lets through — and under the nearest-key rule only until
  // the first of them, by decreasing key, passes its threshold (the same choice as
  // ChooseMemory over every score: the largest key among the passing, ties to the later
  // memory).
  Result<std::pair<int, MemoryScore>> Decide(std::span<const int> prompt_tokens, bool* routed) {
    auto view = View(prompt_tokens);
    if (!view.ok()) return view.status();
    BuildIndex();
    const EditOptions& o = state.options;
    std::vector<MemoryScore> scores;
    for (std::size_t i = 0; i < state.memories.size(); ++i) {
      scores.push_back(Score(*view, i, /*with_delta=*/!gated()));
    }
    *routed = false;
    if (gated()) {
      std::vector<std::size_t> order;
      for (std::size_t i = 0; i < scores.size(); ++i) {
        if (scores[i].key >= o.gate_threshold) order.push_back(i);
      }
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return scores[a].key > scores[b].key || (scores[a].key == scores[b].key && a > b);
      });
      for (std::size_t i : order) {
        scores[i].score = ActivationScore(*route_index[i].delta, dim, view->acts);
        if (o.route_rule == RouteRule::kNearestKey && Passes(scores[i], o)) {
          *routed = true;
          return std::pair<int, MemoryScore>(static_cast<int>(i), scores[i]);
        }
      }
    }
    int chosen = ChooseMemory(scores, o);
    *routed = chosen >= 0;
    if (chosen < 0) {  // report the nearest (gate) or best-scoring memory, unrouted
      auto value = [&](std::size_t i) { return gated() ? scores[i].key : scores[i].score; };
      for (std::size_t i = 0; i < scores.size(); ++i) {
        if (chosen < 0 || value(i) > value(static_cast<std::size_t>(chosen))) {
          chosen = static_cast<int>(i);
        }
      }
    }
    if (chosen < 0) return std::pair<int, MemoryScore>(-1, MemoryScore{});
    return std::pair<int, MemoryScore>(chosen, scores[static_cast<std::size_t>(chosen)]);
  }
};

Result<std::unique_ptr<SideMemory::Impl>> SideMemory::MakeImpl(const ModelBundle& model,
                                                               SideMemoryState state,
                                                               Encoder encoder) {
  ENGRAM_RETURN_IF_ERROR(state.options.Validate(model.config()));
  internal::KeepAllocationsResident();
  auto impl = std::make_unique<SideMemory::Impl>(model);
  const LlamaConfig& c = model.config();
  impl->dim = c.dim;
  impl->hidden = c.hidden_dim;
  impl->state = std::move(state);
  if (impl->gated()) {
    if (encoder == nullptr) {
      auto shipped =
          episodic::LoadShippedEncoder(episodic::DefaultEpisodicAssetDir(model.checkpoint_path));
      if (!shipped.ok()) return shipped.status();
      encoder = std::make_shared<const episodic::NgramEncoder>(std::move(shipped).value());
    }
    impl->encoder = std::move(encoder);
  }
  auto contexts =
      BuildContextSet(model.checkpoint.weights, model.tokenizer, impl->state.options.prefix_count,
                      impl->state.options.prefix_tokens);
  if (!contexts.ok()) return contexts.status();
  impl->contexts = std::move(contexts).value();
  const auto w2 = model.checkpoint.weights.Tensor(WeightId::kW2);
  const std::size_t per_layer = impl->numel();
  const auto begin =
      w2.begin() + static_cast<std::ptrdiff_t>(per_layer * impl->state.options.layer);
  impl->w2.assign(begin, begin + static_cast<std::ptrdiff_t>(per_layer));
  try {
    impl->graph = std::make_unique<internal::LlamaGraph>(model.checkpoint.weights);
  } catch (const std::exception& e) {
    return FromException(e, "side memory: model graph");
  }
  return impl;
}

SideMemory::SideMemory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SideMemory::~SideMemory() = default;

Result<std::unique_ptr<SideMemory>> SideMemory::Create(const ModelBundle& model,
                                                       const EditOptions& options,
                                                       Encoder encoder) {
  SideMemoryState state;
  state.options = options;
  state.model_fingerprint = model.fingerprint;
  state.gate_encoder = options.gate == RouteGate::kTextCode ? episodic::kEncoderVersion : 0;
  state.rows = static_cast<std::uint32_t>(model.config().dim);
  state.cols = static_cast<std::uint32_t>(model.config().hidden_dim);
  auto impl = MakeImpl(model, std::move(state), std::move(encoder));
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<SideMemory>(new SideMemory(std::move(impl).value()));
}

Result<std::unique_ptr<SideMemory>> SideMemory::Restore(const ModelBundle& model,
                                                        std::string_view bytes, Encoder encoder) {
  auto state = DecodeState(bytes);
  if (!state.ok()) return state.status();
  return FromState(model, std::move(state).value(), std::move(encoder));
}

Result<std::unique_ptr<SideMemory>> SideMemory::FromState(const ModelBundle& model,
                                                          SideMemoryState decoded,
                                                          Encoder encoder) {
  ENGRAM_RETURN_IF_ERROR(CheckStateReferences(decoded));
  std::optional<SideMemoryState> state(std::move(decoded));
  if (!(state->model_fingerprint == model.fingerprint)) {
    return ModelError("side memory was trained on model " + state->model_fingerprint.ToHex() +
                      ", not on the loaded model " + model.fingerprint.ToHex());
  }
  const std::uint32_t wanted =
      state->options.gate == RouteGate::kTextCode ? episodic::kEncoderVersion : 0;
  if (state->gate_encoder != wanted) {
    return ModelError("side memory's gate codes come from encoder version " +
                      std::to_string(state->gate_encoder) + ", this build has " +
                      std::to_string(wanted));
  }
  if (state->rows != static_cast<std::uint32_t>(model.config().dim) ||
      state->cols != static_cast<std::uint32_t>(model.config().hidden_dim)) {
    return ModelError("side memory's w2 is " + std::to_string(state->rows) + " x " +
                      std::to_string(state->cols) + ", not the model's");
  }
  const std::size_t numel = static_cast<std::size_t>(model.config().dim) *
                            static_cast<std::size_t>(model.config().hidden_dim);
  for (const Shard& s : state->shards) {
    if (!CheckDelta(s.delta, numel).ok()) return CorruptError("side memory: shard delta");
  }
  for (const RoutedMemory& m : state->memories) {
    if (!CheckDelta(m.delta, numel).ok()) return CorruptError("side memory: merged delta");
  }
  auto impl = MakeImpl(model, std::move(*state), std::move(encoder));
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<SideMemory>(new SideMemory(std::move(impl).value()));
}

Result<std::unique_ptr<SideMemory>> SideMemory::Replay(const ModelBundle& model,
                                                       const EditOptions& options,
                                                       std::span<const JournalOp> journal,
                                                       Encoder encoder) {
  auto memory = Create(model, options, std::move(encoder));
  if (!memory.ok()) return memory.status();
  for (std::size_t i = 0; i < journal.size(); ++i) {
    const JournalOp& op = journal[i];
    if (op.kind == JournalOp::Kind::kForget) {
      const Status s = (*memory)->Forget(op.record.id);
      if (s.code() == ErrorCode::kNotFound) {
        return CorruptError("journal op " + std::to_string(i) + ": " + s.message());
      }
      ENGRAM_RETURN_IF_ERROR(s);
      continue;
    }
    auto record = (*memory)->Edit(op.record.request, op.record.id);
    if (!record.ok()) return record.status();
    if (!(*record == op.record)) {
      return CorruptError("journal op " + std::to_string(i) + ": the re-run of edit " +
                          std::to_string(op.record.id) + " differs from its record (" +
                          std::to_string(record->iterations) + " vs " +
                          std::to_string(op.record.iterations) + " iterations)");
    }
  }
  return memory;
}

Result<EditRecord> SideMemory::Edit(const EditRequest& request, std::uint64_t min_id) {
  return impl_->Edit(request, min_id);
}

Status SideMemory::Forget(std::uint64_t id) {
  return impl_->Forget(id);
}

Result<std::vector<MemoryScore>> SideMemory::Scores(std::span<const int> prompt_tokens) {
  return impl_->Scores(prompt_tokens);
}

Result<std::vector<MemoryScore>> SideMemory::NearestScores(std::span<const int> prompt_tokens,
                                                           std::size_t limit) {
  return impl_->NearestScores(prompt_tokens, limit);
}

Result<MemoryScore> SideMemory::ScoreOf(std::span<const int> prompt_tokens, std::uint64_t id) {
  auto scores = impl_->Scores(prompt_tokens, id);
  if (!scores.ok()) return scores.status();
  if (scores->empty() || id == 0) return NotFoundError("no side memory " + std::to_string(id));
  return scores->front();
}

Result<RouteDecision> SideMemory::Route(std::span<const int> prompt_tokens) {
  bool routed = false;
  auto decided = impl_->Decide(prompt_tokens, &routed);
  if (!decided.ok()) return decided.status();
  RouteDecision decision;
  decision.routed = routed;
  const auto& [index, s] = *decided;
  if (index >= 0) {
    decision.memory = s.memory;
    decision.score = s.score;
    decision.threshold = s.threshold;
    decision.key = s.key;
    decision.nearest_edit = s.nearest_edit;
    decision.edits = impl_->EditsOf(impl_->state.memories[static_cast<std::size_t>(index)]);
  }
  return decision;
}

Result<std::vector<float>> SideMemory::EffectiveW2(std::uint64_t memory) const {
  for (const RoutedMemory& m : impl_->state.memories) {
    if (m.id == memory) return ApplyDelta(impl_->w2, impl_->state.MemoryDelta(m));
  }
  return NotFoundError("no side memory " + std::to_string(memory));
}

const SideMemoryState& SideMemory::state() const {
  return impl_->state;
}
const EditOptions& SideMemory::options() const {
  return impl_->state.options;
}
std::string SideMemory::Serialize() const {
  return EncodeState(impl_->state);
}
Hash128 SideMemory::Hash() const {
  return StateHash(impl_->state);
}

}  // namespace engram::compute::editing
