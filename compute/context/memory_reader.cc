#include "compute/context/memory_reader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace engram::compute::context {
namespace {

float Dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int d = 0; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

}  // namespace

MemoryReader::MemoryReader(const ContextMemory& memory, int n_heads, ReaderOptions options)
    : memory_(&memory), n_heads_(n_heads), options_(options) {}

void MemoryReader::AtMemoryLayer(const LayerVectors& vectors, MemoryTokens& fuse) {
  proposals_.clear();
  confidence_ = 0.0f;
  if (memory_->chunk_count() == 0) return;
  const int heads = memory_->settings().heads, hs = memory_->settings().head_size;
  const int group = n_heads_ / heads;
  if (options_.fuse) {
    for (int g = 0; g < heads; ++g) {
      // The union of the group's query heads' top chunks, in chunk order.
      std::set<std::int64_t> chunks;
      for (int h = g * group; h < (g + 1) * group; ++h) {
        for (const ChunkHit& hit :
             memory_->Search(g, vectors.queries.subspan(static_cast<std::size_t>(h) * hs, hs),
                             options_.top_k)) {
          chunks.insert(hit.chunk);
        }
      }
      for (const std::int64_t chunk : chunks) {
        for (std::int64_t i = memory_->ChunkBegin(chunk); i < memory_->ChunkEnd(chunk); ++i) {
          fuse.keys[g].insert(fuse.keys[g].end(), memory_->TokenKey(g, i),
                              memory_->TokenKey(g, i) + hs);
          fuse.values[g].insert(fuse.values[g].end(), memory_->TokenValue(g, i),
                                memory_->TokenValue(g, i) + hs);
          ++fuse.count[g];
        }
      }
    }
  }
  if (options_.probe != ProposalProbe::kNone) Propose(vectors);
}

void MemoryReader::Propose(const LayerVectors& vectors) {
  const int heads = memory_->settings().heads, hs = memory_->settings().head_size;
  const int group = n_heads_ / heads;
  const float scale = 1.0f / (std::sqrt(static_cast<float>(hs)) * options_.temperature);
  std::map<int, float> mass;
  int voting_heads = 0;
  int longest = 0;  // the longest agreeing suffix among all candidates
  std::vector<float> probe(static_cast<std::size_t>(hs));
  std::vector<std::pair<float, int>> candidates;  // (score, continuation)
  for (int g = 0; g < heads; ++g) {
    if (options_.probe == ProposalProbe::kKey) {
      std::copy(vectors.keys.begin() + g * hs, vectors.keys.begin() + (g + 1) * hs, probe.begin());
    } else {
      std::fill(probe.begin(), probe.end(), 0.0f);
      for (int h = g * group; h < (g + 1) * group; ++h) {
        for (int d = 0; d < hs; ++d) probe[d] += vectors.queries[h * hs + d] / group;
      }
    }
    const bool cosine = memory_->settings().cosine;
    if (cosine) {
      float norm = 0.0f;
      for (const float v : probe) norm += v * v;
      if (norm > 0.0f) {
        for (float& v : probe) v /= std::sqrt(norm);
      }
    }
    candidates.clear();
    // Candidate tokens: those of the probe's top chunks, and the latest occurrences of the
    // stream's last three tokens (the exact trigram index).
    std::vector<std::int64_t> indices;
    for (const ChunkHit& hit : memory_->Search(g, probe, options_.top_k)) {
      for (std::int64_t i = memory_->ChunkBegin(hit.chunk); i < memory_->ChunkEnd(hit.chunk); ++i) {
        indices.push_back(i);
      }
    }
    if (options_.trigram_candidates > 0 && recent_.size() >= 3) {
      const std::span<const std::int64_t> seen = memory_->Trigram(
          recent_[recent_.size() - 3], recent_[recent_.size() - 2], recent_.back());
      const std::size_t take =
          std::min<std::size_t>(seen.size(), static_cast<std::size_t>(options_.trigram_candidates));
      indices.insert(indices.end(), seen.end() - static_cast<std::ptrdiff_t>(take), seen.end());
    }
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    for (const std::int64_t i : indices) {
      {
        const int next = memory_->Continuation(i);
        if (next < 0) continue;
        float bonus = 0.0f;
        if (options_.match_token || options_.suffix_bonus > 0.0f) {
          if (recent_.empty() || memory_->Token(i) != recent_.back()) {
            if (options_.match_token) continue;
          } else {
            // Earlier tokens that agree, while they are still in the memory.
            int n = 0;
            while (n < options_.max_suffix && n + 1 < static_cast<int>(recent_.size()) &&
                   i - n - 1 >= 0 && memory_->Token(i - n - 1) == recent_[recent_.size() - 2 - n]) {
              ++n;
            }
            bonus = options_.suffix_bonus * static_cast<float>(n);
            longest = std::max(longest, n);
          }
        }
        const float* key = memory_->TokenKey(g, i);
        float similarity = Dot(probe.data(), key, hs);
        if (cosine) {
          const float norm = std::sqrt(Dot(key, key, hs));
          similarity = norm > 0.0f ? similarity / norm : 0.0f;
        }
        candidates.emplace_back(similarity * scale + bonus, next);
      }
    }
    if (candidates.empty()) continue;
    float max = candidates.front().first;
    for (const auto& c : candidates) max = std::max(max, c.first);
    float sum = 0.0f;
    for (auto& c : candidates) sum += c.first = std::exp(c.first - max);
    for (const auto& c : candidates) mass[c.second] += c.first / sum;
    ++voting_heads;
  }
  for (const auto& [token, m] : mass) {
    proposals_.emplace_back(token, m / static_cast<float>(voting_heads));
  }
  if (!proposals_.empty()) {
    confidence_ = options_.confident_suffix <= 0
                      ? 1.0f
                      : std::min(1.0f, static_cast<float>(longest) /
                                           static_cast<float>(options_.confident_suffix));
  }
}

void MixProposals(std::span<const float> logits, const std::vector<std::pair<int, float>>& mem,
                  float lambda, std::vector<float>& probs) {
  probs.assign(logits.begin(), logits.end());
  float max = probs.front();
  for (float v : probs) max = std::max(max, v);
  float sum = 0.0f;
  for (float& v : probs) sum += v = std::exp(v - max);
  const float model_weight = mem.empty() ? 1.0f : 1.0f - lambda;
  for (float& v : probs) v = model_weight * v / sum;
  if (mem.empty()) return;
  for (const auto& [token, p] : mem) probs[static_cast<std::size_t>(token)] += lambda * p;
}

}  // namespace engram::compute::context
