#include "compute/context/context_engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <string>

#include "compute/context/context_encoder.h"
#include "compute/context/context_memory.h"
#include "compute/context/context_model.h"
#include "compute/context/memory_reader.h"
#include "compute/episodic/state_cache.h"
#include "compute/model/sampler.h"
#include "compute/runtime/cpu_stream.h"
#include "compute/runtime/memory_guide.h"

namespace engram::compute::context {
namespace {

constexpr int kBos = 1;
constexpr std::uint32_t kMaxTopK = 1000;
constexpr std::size_t kMaxEncodeTokens = std::size_t{1} << 24;  // 16 M tokens in one write
constexpr int kHitContext = 16;  // neighbours shown on each side of a retrieved chunk
constexpr std::size_t kTrigramCandidates = 64;

Result<ContextSettings> ToSettings(const protocol::ContextSettings& spec,
                                   const LlamaConfig& config) {
  return SettingsFor(config, static_cast<int>(spec.layer), static_cast<int>(spec.chunk_tokens),
                     static_cast<int>(spec.window), spec.cosine);
}

Hash128 StateKey(const protocol::ContextState& state) {
  HashBuilder h;
  h.Add(std::string_view("engram-context-state-v1"));
  const std::uint64_t uid_size = state.memory_uid.size();
  h.Add(&uid_size, sizeof(uid_size));
  h.Add(state.memory_uid);
  const std::uint32_t settings[4] = {state.settings.layer, state.settings.chunk_tokens,
                                     state.settings.window, state.settings.cosine ? 1u : 0u};
  h.Add(settings, sizeof(settings));
  for (const protocol::ContextBlockRef& b : state.blocks) {
    const std::uint64_t ids[3] = {b.id, b.write, b.token_offset};
    h.Add(ids, sizeof(ids));
    for (const Hash128& t : b.tensors) {
      h.Add(&t.high, sizeof(t.high));
      h.Add(&t.low, sizeof(t.low));
    }
  }
  return h.Finish();
}

// Captures the memory layer's key of the last token fed.
class LastKey final : public MemoryLayerHook {
 public:
  void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens&) override {
    key.assign(vectors.keys.begin(), vectors.keys.end());
  }
  std::vector<float> key;
};

// Every reader sees each step (proposals only; no fusion in decoding).
class Readers final : public MemoryLayerHook {
 public:
  void AtMemoryLayer(const LayerVectors& vectors, MemoryTokens& fuse) override {
    for (MemoryReader& reader : readers) reader.AtMemoryLayer(vectors, fuse);
  }
  std::vector<MemoryReader> readers;
};

void Normalise(std::span<float> v) {
  float norm = 0.0f;
  for (const float x : v) norm += x * x;
  if (norm > 0.0f) {
    for (float& x : v) x /= std::sqrt(norm);
  }
}

}  // namespace

struct ContextEngine::Impl {
  Impl(const ModelBundle& m, ContextEngineOptions o) : model(m), options(o), cache(o.cache_bytes) {}

  // The built memory of `state`, or nullptr with `missing` listing the blobs not in `blobs`.
  Result<std::shared_ptr<const ContextMemory>> Resolve(const protocol::ContextState& state,
                                                       BlobCache& blobs,
                                                       std::vector<Hash128>* missing);

  // The model laid out for the fused CPU kernels, built at first use; nullptr where the kernels
  // do not take the model (then the plain loop of ContextModel serves).
  const CpuModel* Fused();

  const ModelBundle& model;
  ContextEngineOptions options;
  std::once_flag fused_once;
  std::unique_ptr<CpuModel> fused;
  std::mutex mutex;
  episodic::StateCache<const ContextMemory> cache;
};

Result<std::shared_ptr<const ContextMemory>> ContextEngine::Impl::Resolve(
    const protocol::ContextState& state, BlobCache& blobs, std::vector<Hash128>* missing) {
  ENGRAM_ASSIGN_OR_RETURN(ContextSettings settings, ToSettings(state.settings, model.config()));
  const Hash128 key = StateKey(state);
  {
    std::lock_guard lock(mutex);
    if (auto found = cache.Find(key)) return std::shared_ptr<const ContextMemory>(found);
  }
  std::vector<std::array<BlobBytes, kBlockTensors>> bytes(state.blocks.size());
  for (std::size_t b = 0; b < state.blocks.size(); ++b) {
    for (std::size_t t = 0; t < kBlockTensors; ++t) {
      bytes[b][t] = blobs.Get(state.blocks[b].tensors[t]);
      if (!bytes[b][t]) missing->push_back(state.blocks[b].tensors[t]);
    }
  }
  if (!missing->empty()) return std::shared_ptr<const ContextMemory>();
  ENGRAM_ASSIGN_OR_RETURN(ContextMemory memory, ContextMemory::Create(settings));
  for (std::size_t b = 0; b < state.blocks.size(); ++b) {
    std::array<std::span<const std::uint8_t>, kBlockTensors> spans;
    for (std::size_t t = 0; t < kBlockTensors; ++t) {
      spans[t] = std::span<const std::uint8_t>(bytes[b][t]->data(), bytes[b][t]->size());
    }
    ENGRAM_ASSIGN_OR_RETURN(
        ContextBlock block,
        BlockFromBytes(settings, model.config().vocab_size, state.blocks[b].token_offset, spans));
    if (block.token_count() != static_cast<int>(state.blocks[b].tokens)) {
      return CorruptError("context block " + std::to_string(state.blocks[b].id) + " holds " +
                          std::to_string(block.token_count()) + " tokens, its record says " +
                          std::to_string(state.blocks[b].tokens));
    }
    ENGRAM_RETURN_IF_ERROR(memory.AppendBlock(block, static_cast<std::int64_t>(state.blocks[b].id),
                                              static_cast<std::int64_t>(state.blocks[b].write)));
  }
  auto built = std::make_shared<const ContextMemory>(std::move(memory));
  std::lock_guard lock(mutex);
  cache.Insert(key, built, built->Bytes());
  return std::shared_ptr<const ContextMemory>(built);
}

const CpuModel* ContextEngine::Impl::Fused() {
  std::call_once(fused_once, [this] {
    if (model.config().head_size() > kCpuMaxHeadSize) return;
    try {
      fused = std::make_unique<CpuModel>(BuildCpuModel(model.checkpoint.weights));
    } catch (const std::bad_alloc&) {  // no room for a second copy: the plain loop serves
      fused.reset();
    }
  });
  return fused.get();
}

ContextEngine::ContextEngine(const ModelBundle& model, ContextEngineOptions options)
    : impl_(std::make_unique<Impl>(model, options)) {}

ContextEngine::~ContextEngine() = default;

Result<protocol::ContextEncodeResult> ContextEngine::Encode(const protocol::ContextSettings& spec,
                                                            std::string_view text, BlobCache& blobs,
                                                            const EncodeProgress& progress) {
  ENGRAM_ASSIGN_OR_RETURN(ContextSettings settings, ToSettings(spec, impl_->model.config()));
  const std::vector<int> tokens = impl_->model.tokenizer.Encode(text, false, false);
  if (tokens.empty()) return SyntaxError("the context has no text to encode");
  if (tokens.size() > kMaxEncodeTokens) {
    return LimitError("a context write of " + std::to_string(tokens.size()) +
                      " tokens is over the limit of " + std::to_string(kMaxEncodeTokens));
  }
  const std::uint64_t total = tokens.size();
  std::function<bool(std::size_t)> on_segment;
  if (progress) {
    on_segment = [&](std::size_t encoded) {
      progress(encoded, total);
      return true;
    };
  }
  ENGRAM_ASSIGN_OR_RETURN(
      std::vector<ContextBlock> blocks,
      EncodeContext(impl_->model.checkpoint.weights, settings, tokens, on_segment));
  protocol::ContextEncodeResult result;
  result.tokens = tokens.size();
  for (const ContextBlock& block : blocks) {
    protocol::ContextBlockRef ref;
    ref.token_offset = block.token_offset;
    ref.tokens = static_cast<std::uint32_t>(block.token_count());
    const auto bytes = BlockBytes(block);
    for (std::size_t t = 0; t < kBlockTensors; ++t) {
      ENGRAM_ASSIGN_OR_RETURN(ref.tensors[t], blobs.Put(bytes[t], std::nullopt));
    }
    result.blocks.push_back(ref);
  }
  return result;
}

Result<protocol::PrefixRef> ContextEngine::EncodePrefix(std::string_view text, BlobCache& blobs) {
  const LlamaConfig& config = impl_->model.config();
  std::vector<int> tokens = impl_->model.tokenizer.Encode(text, /*bos=*/true, /*eos=*/false);
  if (tokens.size() < 2) return SyntaxError("the prefix has no text");
  // Room for at least one token after it.
  if (static_cast<int>(tokens.size()) >= config.seq_len) {
    return LimitError("a prefix of " + std::to_string(tokens.size()) +
                      " tokens leaves no room in the model's window of " +
                      std::to_string(config.seq_len));
  }
  // By the decode engine's kernels where they take the model, so that generating after the
  // prefix equals generating its text to the bit (docs/context.md §6).
  std::vector<float> logits(static_cast<std::size_t>(config.vocab_size));
  std::vector<float> keys, values;
  if (const CpuModel* fused = impl_->Fused()) {
    ENGRAM_ASSIGN_OR_RETURN(CpuStream stream, CpuStream::Create(*fused, impl_->options.isa));
    for (const int t : tokens) ENGRAM_RETURN_IF_ERROR(stream.Step(t, logits));
    stream.ExportKv(keys, values);
  } else {
    ENGRAM_ASSIGN_OR_RETURN(ContextModel model,
                            ContextModel::Create(impl_->model.checkpoint.weights, 0));
    for (const int t : tokens) ENGRAM_RETURN_IF_ERROR(model.Step(t, nullptr, logits));
    model.ExportKv(keys, values);
  }
  auto bytes = [](const std::vector<float>& v) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v.data()),
                                         v.size() * sizeof(float));
  };
  protocol::PrefixRef prefix;
  prefix.tokens = std::move(tokens);
  ENGRAM_ASSIGN_OR_RETURN(prefix.keys, blobs.Put(bytes(keys), std::nullopt));
  ENGRAM_ASSIGN_OR_RETURN(prefix.values, blobs.Put(bytes(values), std::nullopt));
  return prefix;
}

Result<protocol::ContextReadResult> ContextEngine::Read(const protocol::ContextState& state,
                                                        std::string_view query, std::uint32_t top_k,
                                                        BlobCache& blobs) {
  if (top_k < 1 || top_k > kMaxTopK) {
    return SyntaxError("top_k must be within 1.." + std::to_string(kMaxTopK));
  }
  protocol::ContextReadResult result;
  ENGRAM_ASSIGN_OR_RETURN(std::shared_ptr<const ContextMemory> memory,
                          impl_->Resolve(state, blobs, &result.missing));
  if (!memory) {
    result.need = 2;
    return result;
  }
  if (query.empty() || memory->chunk_count() == 0) return result;
  const ContextSettings& settings = memory->settings();
  std::vector<int> tokens = impl_->model.tokenizer.Encode(query, false, false);
  if (tokens.empty()) return result;
  if (tokens.size() > static_cast<std::size_t>(settings.window) - 1) {
    tokens.erase(tokens.begin(), tokens.end() - (settings.window - 1));
  }
  // The query's last token's key, as decoding would probe after reading the query.
  ENGRAM_ASSIGN_OR_RETURN(ContextModel model,
                          ContextModel::Create(impl_->model.checkpoint.weights, settings.layer));
  std::vector<float> logits(static_cast<std::size_t>(impl_->model.config().vocab_size));
  LastKey last;
  ENGRAM_RETURN_IF_ERROR(model.Step(kBos, nullptr, logits));
  for (const int t : tokens) ENGRAM_RETURN_IF_ERROR(model.Step(t, &last, logits));
  const int hs = settings.head_size;
  std::set<std::int64_t> candidates;
  for (int h = 0; h < settings.heads; ++h) {
    std::span<float> probe(last.key.data() + h * hs, static_cast<std::size_t>(hs));
    if (settings.cosine) Normalise(probe);
    for (const ChunkHit& hit : memory->Search(h, probe, static_cast<int>(top_k))) {
      candidates.insert(hit.chunk);
    }
  }
  // The latest occurrences of the query's last three tokens (the exact trigram index).
  if (tokens.size() >= 3) {
    const std::span<const std::int64_t> seen =
        memory->Trigram(tokens[tokens.size() - 3], tokens[tokens.size() - 2], tokens.back());
    const std::size_t take = std::min<std::size_t>(seen.size(), kTrigramCandidates);
    for (std::size_t i = seen.size() - take; i < seen.size(); ++i) {
      candidates.insert(memory->ChunkOf(seen[i]));
    }
  }
  // Per candidate: the tokens at the query's end the memory repeats up to a token of the chunk,
  // and the mean over heads of probe·chunk key (cosine with normalised keys).
  struct Ranked {
    std::uint32_t match;
    double score;
    std::int64_t chunk;
  };
  std::vector<Ranked> ranked;
  for (const std::int64_t chunk : candidates) {
    double score = 0.0;
    for (int h = 0; h < settings.heads; ++h) {
      const float* key = memory->ChunkKey(h, chunk).data();
      for (int d = 0; d < hs; ++d) score += last.key[h * hs + d] * key[d];
    }
    std::uint32_t match = 0;
    for (std::int64_t i = memory->ChunkBegin(chunk); i < memory->ChunkEnd(chunk); ++i) {
      std::uint32_t n = 0;
      while (n < tokens.size() && n <= static_cast<std::uint32_t>(i) &&
             memory->Token(i - n) == tokens[tokens.size() - 1 - n]) {
        ++n;
      }
      match = std::max(match, n);
    }
    ranked.push_back({match, score / settings.heads, chunk});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.match != b.match) return a.match > b.match;
    return a.score != b.score ? a.score > b.score : a.chunk < b.chunk;
  });
  if (ranked.size() > top_k) ranked.resize(top_k);
  for (const auto& [match, score, chunk] : ranked) {
    protocol::ContextHit hit;
    hit.block = static_cast<std::uint64_t>(memory->ChunkBlock(chunk));
    hit.chunk = static_cast<std::uint32_t>(memory->ChunkInBlock(chunk));
    hit.score = score;
    hit.match = match;
    // The chunk with its neighbours in its write.
    const auto [begin, end] = memory->TextAround(chunk, kHitContext);
    std::vector<int> span;
    for (std::int64_t i = begin; i < end; ++i) span.push_back(memory->Token(i));
    hit.text = impl_->model.tokenizer.Decode(span, /*prev=*/0);
    result.hits.push_back(std::move(hit));
  }
  return result;
}

Result<ContextGenerateOutcome> ContextEngine::Generate(
    const ContextGenerateCall& call, BlobCache& blobs,
    const std::function<void(int token)>& on_token, const std::function<bool()>& cancelled) {
  const LlamaConfig& config = impl_->model.config();
  const GenerationRequest& request = call.request;
  const std::size_t prefix_tokens = call.prefix ? call.prefix->tokens.size() : 0;
  if (request.prompt_tokens.empty() && !call.prefix) {
    return SyntaxError("the prompt has no tokens");
  }
  if (static_cast<int>(prefix_tokens + request.prompt_tokens.size()) > config.seq_len) {
    return LimitError("the prefix and the prompt exceed the context window of " +
                      std::to_string(config.seq_len));
  }
  if (call.weights && call.prefix) {
    return SyntaxError(
        "a prefix's keys and values are the unedited model's: not with edited weights");
  }
  if (call.weights && !(call.weights->config() == config)) {
    return SyntaxError("the edited weights are not of this model");
  }
  std::vector<std::shared_ptr<const ContextMemory>> memories;
  int layer = -1;
  for (const protocol::ContextState& state : call.memories) {
    std::vector<Hash128> missing;
    ENGRAM_ASSIGN_OR_RETURN(std::shared_ptr<const ContextMemory> memory,
                            impl_->Resolve(state, blobs, &missing));
    if (!memory) {
      return NotFoundError(
          "a context memory's blocks are not in the co-process's blob cache "
          "(read it first)");
    }
    if (layer >= 0 && memory->settings().layer != layer) {
      return SyntaxError("context memories used together must share their memory layer");
    }
    layer = memory->settings().layer;
    memories.push_back(std::move(memory));
  }
  if (layer < 0) layer = 0;
  // Without a context memory nothing needs the memory layer's seam: the fused kernels run the
  // stream (a prefix's positions imported, only the new tokens computed). With one, the plain
  // loop of ContextModel does.
  std::optional<CpuStream> stream;
  std::optional<ContextModel> plain;
  const CpuModel* fused = memories.empty() && !call.weights ? impl_->Fused() : nullptr;
  if (fused != nullptr) {
    ENGRAM_ASSIGN_OR_RETURN(CpuStream s, CpuStream::Create(*fused, impl_->options.isa));
    stream.emplace(std::move(s));
  } else {
    ENGRAM_ASSIGN_OR_RETURN(
        ContextModel m, ContextModel::Create(
                            call.weights ? *call.weights : impl_->model.checkpoint.weights, layer));
    plain.emplace(std::move(m));
  }
  Readers readers;
  for (const auto& memory : memories) {
    readers.readers.emplace_back(*memory, config.n_heads, ReaderOptions{});
  }
  auto position = [&] { return stream ? stream->position() : plain->position(); };
  // The stream so far without BOS tokens (what the readers match suffixes against), and with
  // them (what the episodic guides match against).
  std::vector<int> text, context;
  std::vector<float> logits(static_cast<std::size_t>(config.vocab_size));
  auto feed = [&](int token) -> Status {
    if (token != kBos) text.push_back(token);
    for (MemoryReader& reader : readers.readers) reader.SetRecent(text);
    return stream ? stream->Step(token, logits) : plain->Step(token, &readers, logits);
  };
  std::vector<int> to_feed = request.prompt_tokens;
  if (call.prefix) {
    // The prefix's keys and values are loaded, not computed. Its last logits are not stored:
    // without a prompt, its last position is fed again instead of loaded.
    const BlobBytes keys = blobs.Get(call.prefix->keys), values = blobs.Get(call.prefix->values);
    if (!keys || !values) {
      return NotFoundError("the prefix's keys and values are not in the co-process's blob cache");
    }
    auto floats = [](const BlobBytes& b) {
      return std::span<const float>(reinterpret_cast<const float*>(b->data()),
                                    b->size() / sizeof(float));
    };
    const std::vector<int>& prefix = call.prefix->tokens;
    std::size_t loaded = prefix.size();
    if (to_feed.empty()) to_feed.assign(1, prefix[--loaded]);
    const int count = static_cast<int>(prefix.size()), use = static_cast<int>(loaded);
    ENGRAM_RETURN_IF_ERROR(stream ? stream->ImportKv(count, use, floats(keys), floats(values))
                                  : plain->ImportKv(count, use, floats(keys), floats(values)));
    for (std::size_t i = 0; i < loaded; ++i) {
      if (prefix[i] != kBos) text.push_back(prefix[i]);
    }
    context.assign(prefix.begin(), prefix.begin() + static_cast<std::ptrdiff_t>(loaded));
  }
  context.insert(context.end(), to_feed.begin(), to_feed.end());
  for (const int token : to_feed) ENGRAM_RETURN_IF_ERROR(feed(token));
  Sampler sampler(request.sampling);
  ContextGenerateOutcome outcome;
  while (true) {
    if (request.max_new_tokens <= static_cast<int>(outcome.tokens.size())) {
      outcome.stop_reason = StopReason::kMaxTokens;
      break;
    }
    if (cancelled && cancelled()) {
      outcome.stop_reason = StopReason::kCancelled;
      break;
    }
    std::vector<GuideProposal> proposals;
    if (!request.guides.empty()) {
      proposals = ProposeTokens(context, request.guides, request.min_match, config.vocab_size);
    }
    for (const MemoryReader& reader : readers.readers) {
      const float scale = call.lambda * reader.confidence();
      if (reader.proposals().empty() || !(scale > 0.0f)) continue;
      float max = 0.0f;
      for (const auto& [token, p] : reader.proposals()) max = std::max(max, p);
      for (const auto& [token, p] : reader.proposals()) {
        proposals.push_back(GuideProposal{token, std::min(1.0f, scale * p / max)});
      }
    }
    int next;
    if (proposals.empty()) {
      next = sampler.Sample(logits);
    } else if (request.sampling.temperature == 0.0f) {
      next = GreedyMix(logits, proposals);
    } else {
      MixIntoLogits(logits, request.sampling.temperature, proposals);
      next = sampler.Sample(logits);
    }
    if (next == kBos && request.stop_at_bos) {
      outcome.stop_reason = StopReason::kBos;
      break;
    }
    outcome.tokens.push_back(next);
    context.push_back(next);
    if (on_token) on_token(next);
    if (position() >= config.seq_len) {
      outcome.stop_reason = StopReason::kContext;
      break;
    }
    ENGRAM_RETURN_IF_ERROR(feed(next));
  }
  return outcome;
}

}  // namespace engram::compute::context
