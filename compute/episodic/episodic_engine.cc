#include "compute/episodic/episodic_engine.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compute/episodic/engine_state.h"
#include "compute/episodic/episodic_reader.h"
#include "compute/episodic/factored_memory.h"
#include "compute/episodic/ngram_encoder.h"
#include "compute/episodic/reference_cache.h"
#include "compute/episodic/shipped_encoder.h"
#include "compute/episodic/state_key.h"

namespace engram::compute::episodic {
namespace {

// Rows of one op and queries of one read: the memory's own limit on one update or read.
constexpr std::size_t kMaxRows = 4096;
constexpr std::uint32_t kMaxIterations = 64;
// Memories of one hierarchical read.
constexpr std::size_t kMaxMemoriesPerRead = 64;

// The live ids as the remaining ops of a request change them: a base set (the cached state's
// entries, or the checkpoint's ids) with the ids added and removed since — a write does not
// copy the thousands of ids of its base.
class LiveOverlay {
 public:
  LiveOverlay(const std::map<std::uint64_t, LiveEntry>* entries, const std::set<std::uint64_t>* ids)
      : entries_(entries), ids_(ids), base_size_(entries ? entries->size() : ids->size()) {}

  bool Contains(std::uint64_t id) const {
    if (added_.count(id)) return true;
    if (removed_.count(id)) return false;
    return entries_ ? entries_->count(id) > 0 : ids_->count(id) > 0;
  }
  void Insert(std::uint64_t id) {  // id is not contained
    if (!removed_.erase(id)) added_.insert(id);
  }
  bool Erase(std::uint64_t id) {
    if (!Contains(id)) return false;
    if (!added_.erase(id)) removed_.insert(id);
    return true;
  }
  std::size_t size() const { return base_size_ + added_.size() - removed_.size(); }

 private:
  const std::map<std::uint64_t, LiveEntry>* entries_;
  const std::set<std::uint64_t>* ids_;
  std::size_t base_size_;
  std::set<std::uint64_t> added_, removed_;
};

std::string FactName(std::uint64_t id) {
  return "fact " + std::to_string(id);
}

Status CheckSettings(const EpisodicSettingsSpec& s) {
  if (s.encoder_version != kEncoderVersion) {
    return ModelError("the memory's codes were made by episodic encoder version " +
                      std::to_string(s.encoder_version) + "; this engram-compute serves version " +
                      std::to_string(kEncoderVersion));
  }
  if (s.code_width != kDefaultCodeDim) {
    return SyntaxError("code_width must be " + std::to_string(kDefaultCodeDim) +
                       " (the encoder's dimension), got " + std::to_string(s.code_width));
  }
  if (s.slots < 1 || s.slots > s.code_width) {
    return SyntaxError("slots must be within 1.." + std::to_string(s.code_width) + ", got " +
                       std::to_string(s.slots));
  }
  if (!std::isfinite(s.ridge) || !(s.ridge > 0)) {
    return SyntaxError("ridge must be finite and positive, got " + std::to_string(s.ridge));
  }
  return Status::Ok();
}

Status CheckOps(std::span<const EpisodicOpSpec> ops) {
  for (const EpisodicOpSpec& op : ops) {
    if (op.ids.empty()) return SyntaxError("an episodic op must name at least one fact");
    if (op.ids.size() > kMaxRows) {
      return LimitError("an episodic op names " + std::to_string(op.ids.size()) +
                        " facts; at most " + std::to_string(kMaxRows));
    }
    if (!op.tags.empty() && (op.forget || op.tags.size() != op.ids.size())) {
      return SyntaxError("an episodic op's tags must be one per id, on write ops only");
    }
    std::vector<std::uint64_t> sorted = op.ids;
    std::sort(sorted.begin(), sorted.end());
    if (auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end()) {
      return SyntaxError(FactName(*dup) + " appears twice in one op");
    }
  }
  return Status::Ok();
}

using TextIndex = std::unordered_map<std::uint64_t, const std::string*>;

Status IndexTexts(std::span<const EpisodicTextSpec> texts, TextIndex& index) {
  for (const EpisodicTextSpec& t : texts) {
    auto [it, inserted] = index.emplace(t.id, &t.text);
    if (!inserted && *it->second != t.text) {
      return SyntaxError(FactName(t.id) + " is given two different texts");
    }
  }
  return Status::Ok();
}

// A checkpoint blob as a rows x cols float64 matrix (little-endian on the wire and here).
Result<Matrix> MatrixFromBlob(const BlobBytes& blob, std::int64_t rows, std::int64_t cols,
                              const char* what) {
  static_assert(std::endian::native == std::endian::little);
  const std::size_t want = static_cast<std::size_t>(rows * cols) * sizeof(double);
  if (blob->size() != want) {
    return CorruptError(std::string("checkpoint blob ") + what + " holds " +
                        std::to_string(blob->size()) + " bytes; a " + std::to_string(rows) + " x " +
                        std::to_string(cols) + " float64 matrix has " + std::to_string(want));
  }
  Matrix m = Matrix::Zeros(rows, cols);
  std::memcpy(m.data.data(), blob->data(), want);
  return m;
}

Result<Hash128> PutMatrix(BlobCache& blobs, const Matrix& m) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(m.data.data());
  return blobs.Put({bytes, m.data.size() * sizeof(double)}, std::nullopt);
}

}  // namespace

struct EpisodicEngine::Impl {
  explicit Impl(EpisodicEngineOptions o)
      : options(std::move(o)), cache(options.cache_bytes), references(options.reference_memories) {}

  // The state a request names, ready to use (nullptr with `need` set when it cannot be made).
  struct Resolved {
    EpisodicNeedCode need = EpisodicNeedCode::kNothing;
    std::shared_ptr<State> state;
    Hash128 key;  // the state's key (its name in the cache)
  };

  Status EnsureEncoder();
  // Resolves replay(state's checkpoint, state.ops + extra_ops).
  Result<Resolved> Resolve(const EpisodicStateRequest& request,
                           std::span<const EpisodicOpSpec> extra_ops,
                           std::span<const EpisodicTextSpec> extra_texts, BlobCache& blobs);

  EpisodicEngineOptions options;
  std::mutex mutex;
  std::optional<NgramEncoder> encoder;
  StateCache<State> cache;
  ReferenceCache references;
  EpisodicEngineStats stats;
};

Status EpisodicEngine::Impl::EnsureEncoder() {
  if (encoder) return Status::Ok();
  const auto start = std::chrono::steady_clock::now();
  ENGRAM_ASSIGN_OR_RETURN(NgramEncoder loaded, LoadShippedEncoder(options.asset_dir));
  encoder.emplace(std::move(loaded));
  stats.encoder_load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

Result<EpisodicEngine::Impl::Resolved> EpisodicEngine::Impl::Resolve(
    const EpisodicStateRequest& request, std::span<const EpisodicOpSpec> extra_ops,
    std::span<const EpisodicTextSpec> extra_texts, BlobCache& blobs) {
  const EpisodicSettingsSpec& settings = request.settings;
  ENGRAM_RETURN_IF_ERROR(CheckSettings(settings));
  if (!request.checkpoint.empty() &&
      request.checkpoint.size() != protocol::kEpisodicCheckpointBlobs) {
    return SyntaxError("a checkpoint names " + std::to_string(protocol::kEpisodicCheckpointBlobs) +
                       " blobs (Bᵀ, S, Q), got " + std::to_string(request.checkpoint.size()));
  }
  ENGRAM_RETURN_IF_ERROR(EnsureEncoder());
  std::vector<EpisodicOpSpec> ops = request.ops;
  ops.insert(ops.end(), extra_ops.begin(), extra_ops.end());
  ENGRAM_RETURN_IF_ERROR(CheckOps(ops));
  TextIndex texts;
  ENGRAM_RETURN_IF_ERROR(IndexTexts(request.texts, texts));
  ENGRAM_RETURN_IF_ERROR(IndexTexts(extra_texts, texts));

  const Hash128 base_key = BaseStateKey(request.memory_uid, settings, request.checkpoint);
  const std::vector<Hash128> keys = StateKeys(base_key, ops);
  const std::size_t n = ops.size();

  // The longest cached prefix (all of it: a retried apply finds its own result).
  std::shared_ptr<State> base;
  std::size_t first = 0;  // ops[first..n) remain to apply
  for (std::size_t j = n + 1; j-- > 0;) {
    if ((base = cache.Find(keys[j]))) {
      first = j;
      break;
    }
  }
  const bool rebuild = base == nullptr;
  // The empty memory before any op needs no texts: it is complete whatever the request says.
  const bool empty_origin = request.checkpoint.empty() && request.ops.empty();
  if (rebuild && !request.complete && !empty_origin) {
    return Resolved{EpisodicNeedCode::kCompleteState};
  }
  std::vector<BlobBytes> checkpoint_blobs;
  if (rebuild) {
    for (const Hash128& hash : request.checkpoint) {
      checkpoint_blobs.push_back(blobs.Get(hash));
      if (!checkpoint_blobs.back()) return Resolved{EpisodicNeedCode::kCheckpointBlobs};
    }
  }

  // Plan: simulate the live set through the remaining ops, encoding every text they write,
  // so that nothing changes unless all of them can be applied.
  const NgramEncoder& enc = *encoder;
  std::unordered_map<std::uint64_t, SparseCode> encoded;  // codes not yet in a state
  auto encode = [&](std::uint64_t id, std::size_t op_index) -> Result<bool> {
    auto text = texts.find(id);
    if (text == texts.end()) {
      // An op of the state whose text the engine did not send: it must send the state whole.
      if (op_index < request.ops.size() && !request.complete) return false;
      return SyntaxError("no text for " + FactName(id));
    }
    SparseCode code = enc.Encode(*text->second);
    if (code.index.empty()) return SyntaxError(FactName(id) + " has no words");
    encoded[id] = std::move(code);
    return true;
  };

  std::set<std::uint64_t> checkpoint_ids;
  std::vector<std::uint64_t> checkpoint_live;
  if (rebuild) {
    // The checkpoint's entries: every text's id except those the ops write.
    std::set<std::uint64_t> written;
    for (const EpisodicOpSpec& op : ops) {
      if (!op.forget) written.insert(op.ids.begin(), op.ids.end());
    }
    for (const EpisodicTextSpec& t :
         request.complete ? request.texts : std::vector<EpisodicTextSpec>{}) {
      if (!written.count(t.id) && checkpoint_ids.insert(t.id).second) {
        checkpoint_live.push_back(t.id);
      }
    }
    for (std::uint64_t id : checkpoint_live) {
      ENGRAM_ASSIGN_OR_RETURN(bool ok, encode(id, 0));
      (void)ok;  // complete: every text is present
    }
  }
  LiveOverlay live(rebuild ? nullptr : &base->live, rebuild ? &checkpoint_ids : nullptr);
  for (std::size_t i = first; i < n; ++i) {
    for (std::size_t j = 0; j < ops[i].ids.size(); ++j) {
      const std::uint64_t id = ops[i].ids[j];
      if (ops[i].forget) {
        if (!live.Erase(id)) return NotFoundError(FactName(id) + " is not in the memory");
      } else {
        if (live.Contains(id)) return SyntaxError(FactName(id) + " is already in the memory");
        ENGRAM_ASSIGN_OR_RETURN(bool ok, encode(id, i));
        if (!ok) return Resolved{EpisodicNeedCode::kCompleteState};
        const std::string& text = *texts.find(id)->second;
        if (!ops[i].tags.empty() && XXH3_64bits(text.data(), text.size()) != ops[i].tags[j]) {
          return SyntaxError(FactName(id) + "'s text does not match its tag");
        }
        live.Insert(id);
      }
    }
  }
  if (live.size() > static_cast<std::size_t>(EpisodicLimits{}.max_batch_rows)) {
    return LimitError("an episodic memory holds at most " +
                      std::to_string(EpisodicLimits{}.max_batch_rows) + " facts");
  }
  const auto k = static_cast<std::int64_t>(settings.slots);
  const auto c = static_cast<std::int64_t>(settings.code_width);
  ENGRAM_ASSIGN_OR_RETURN(std::shared_ptr<const Matrix> pinv,
                          references.PseudoInverse(k, c, settings.seed));
  FactoredOptions memory_options;
  memory_options.slots = k;
  memory_options.code_width = c;
  memory_options.ridge = settings.ridge;

  auto make_entry = [&](std::uint64_t id) {
    LiveEntry entry;
    entry.code = std::move(encoded[id]);
    entry.norm = std::sqrt(Dot(entry.code, entry.code));
    entry.address = SparseAddress(*pinv, entry.code);
    return entry;
  };

  std::shared_ptr<State> state;
  if (rebuild) {
    Result<FactoredMemory> memory = ComputeError("unset");
    if (!checkpoint_blobs.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(Matrix bt, MatrixFromBlob(checkpoint_blobs[0], c, k, "Bᵀ"));
      ENGRAM_ASSIGN_OR_RETURN(Matrix s, MatrixFromBlob(checkpoint_blobs[1], k, k, "S"));
      ENGRAM_ASSIGN_OR_RETURN(Matrix q, MatrixFromBlob(checkpoint_blobs[2], k, k, "Q"));
      memory = FactoredMemory::Restore(memory_options, bt, s, q,
                                       static_cast<std::int64_t>(checkpoint_live.size()));
      if (!memory.ok()) {
        // Shapes were checked above: a SYNTAX error here is about the blobs' contents.
        if (memory.status().code() != ErrorCode::kSyntax) return memory.status();
        return CorruptError("the checkpoint cannot be restored: " + memory.status().message());
      }
    } else {
      if (!checkpoint_live.empty()) {
        return SyntaxError(FactName(checkpoint_live.front()) +
                           " is live but the memory has no checkpoint and no op writes it");
      }
      memory = FactoredMemory::Create(memory_options);
      if (!memory.ok()) return memory.status();
    }
    state = std::make_shared<State>(State{std::move(memory).value(), {}});
    for (std::uint64_t id : checkpoint_live) state->Add(id, make_entry(id));
    ++stats.rebuilds;
  } else if (first < n) {
    state = cache.Take(keys[first]);  // changed in place below, then cached under its new key
  } else {
    return Resolved{EpisodicNeedCode::kNothing, base, keys[n]};
  }

  // Apply. A failure from here on leaves a half-updated state: it is dropped, not cached.
  for (std::size_t i = first; i < n; ++i) {
    const EpisodicOpSpec& op = ops[i];
    std::vector<EpisodeRow> rows;
    rows.reserve(op.ids.size());
    std::vector<LiveEntry> written;
    if (op.forget) {
      for (std::uint64_t id : op.ids) {
        const LiveEntry& e = state->live.at(id);
        rows.push_back(EpisodeRow{&e.code, e.address});
      }
    } else {
      written.reserve(op.ids.size());
      for (std::uint64_t id : op.ids) written.push_back(make_entry(id));
      for (const LiveEntry& e : written) rows.push_back(EpisodeRow{&e.code, e.address});
    }
    Status updated = op.forget ? state->memory.Forget(rows) : state->memory.Write(rows);
    if (!updated.ok()) return updated.WithContext("applying op " + std::to_string(i + 1));
    if (op.forget) {
      for (std::uint64_t id : op.ids) state->Remove(id);
    } else {
      for (std::size_t r = 0; r < op.ids.size(); ++r) state->Add(op.ids[r], std::move(written[r]));
    }
    ++stats.ops_applied;
  }
  cache.Insert(keys[n], state, state->Bytes());
  return Resolved{EpisodicNeedCode::kNothing, state, keys[n]};
}

EpisodicEngine::EpisodicEngine(EpisodicEngineOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

EpisodicEngine::~EpisodicEngine() = default;

Result<EpisodicApplyOutcome> EpisodicEngine::Apply(const EpisodicApplyCall& call,
                                                   BlobCache& blobs) {
  std::lock_guard lock(impl_->mutex);
  ENGRAM_ASSIGN_OR_RETURN(Impl::Resolved resolved,
                          impl_->Resolve(call.state, call.ops, call.texts, blobs));
  EpisodicApplyOutcome outcome;
  outcome.need = resolved.need;
  if (resolved.need != EpisodicNeedCode::kNothing) return outcome;
  FactoredMemory& memory = resolved.state->memory;
  outcome.rows = memory.rows();
  if (call.checkpoint) {
    // The state a rebuild from this checkpoint makes (Restore computes the read factor afresh):
    // a state must have the same bits however it was reached.
    if (Status refactored = memory.Refactor(); !refactored.ok()) {
      impl_->cache.Take(resolved.key);  // half-made: rebuilt when next named
      return refactored;
    }
    for (const Matrix& m : {memory.b_transposed(), memory.address_gram(), memory.code_gram()}) {
      ENGRAM_ASSIGN_OR_RETURN(Hash128 hash, PutMatrix(blobs, m));
      outcome.checkpoint.push_back(hash);
    }
    // The next requests name this state by the new checkpoint and no ops.
    impl_->cache.Alias(
        resolved.key, BaseStateKey(call.state.memory_uid, call.state.settings, outcome.checkpoint));
  }
  return outcome;
}

Result<EpisodicReadOutcome> EpisodicEngine::Read(const EpisodicReadCall& call, BlobCache& blobs) {
  // Arguments first: a malformed read changes nothing, not even the cache.
  if (call.iterations < 1) return SyntaxError("iterations must be at least 1");
  if (call.iterations > kMaxIterations) {
    return LimitError("at most " + std::to_string(kMaxIterations) + " read iterations");
  }
  if (call.queries.size() > kMaxRows) {
    return LimitError("at most " + std::to_string(kMaxRows) + " queries in one read");
  }
  if (std::isnan(call.scope_threshold)) return SyntaxError("scope_threshold must be a number");
  if (call.more.size() + 1 > kMaxMemoriesPerRead) {
    return LimitError("at most " + std::to_string(kMaxMemoriesPerRead) + " memories in one read");
  }
  std::lock_guard lock(impl_->mutex);
  // Every state first (each may need its texts or blobs); the shared pointers keep them alive
  // while later ones are resolved, even if the cache evicts them.
  std::vector<std::shared_ptr<State>> states;
  for (std::size_t i = 0; i <= call.more.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(Impl::Resolved resolved,
                            impl_->Resolve(i == 0 ? call.state : call.more[i - 1], {}, {}, blobs));
    if (resolved.need != EpisodicNeedCode::kNothing) {
      EpisodicReadOutcome outcome;
      outcome.need = resolved.need;
      outcome.need_state = static_cast<std::uint32_t>(i);
      return outcome;
    }
    states.push_back(std::move(resolved.state));
  }
  std::vector<const State*> views;
  for (const auto& state : states) views.push_back(state.get());
  return ReadStates(views, *impl_->encoder, call);
}

EpisodicEngineStats EpisodicEngine::Stats() const {
  std::lock_guard lock(impl_->mutex);
  EpisodicEngineStats s = impl_->stats;
  s.cache = impl_->cache.Stats();
  return s;
}

}  // namespace engram::compute::episodic
