#include "compute/episodic/state_key.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace engram::compute::episodic {
namespace {

static_assert(std::endian::native == std::endian::little,
              "state keys hash integers in host order, which must be little-endian");

template <typename T>
void AddScalar(HashBuilder& h, T value) {
  h.Add(&value, sizeof(value));
}

void AddHash(HashBuilder& h, const Hash128& hash) {
  AddScalar(h, hash.high);
  AddScalar(h, hash.low);
}

}  // namespace

Hash128 BaseStateKey(std::string_view memory_uid, const EpisodicSettingsSpec& settings,
                     std::span<const Hash128> checkpoint) {
  HashBuilder h;
  h.Add(std::string_view("engram-episodic-state-v2"));
  AddScalar(h, static_cast<std::uint64_t>(memory_uid.size()));
  h.Add(memory_uid);
  AddScalar(h, settings.slots);
  AddScalar(h, settings.code_width);
  std::uint64_t ridge_bits;
  std::memcpy(&ridge_bits, &settings.ridge, sizeof(ridge_bits));
  AddScalar(h, ridge_bits);
  AddScalar(h, settings.seed);
  AddScalar(h, settings.encoder_version);
  AddScalar(h, static_cast<std::uint64_t>(checkpoint.size()));
  for (const Hash128& blob : checkpoint) AddHash(h, blob);
  return h.Finish();
}

Hash128 NextStateKey(const Hash128& previous, const EpisodicOpSpec& op) {
  HashBuilder h;
  AddHash(h, previous);
  AddScalar(h, static_cast<std::uint8_t>(op.forget ? 1 : 0));
  AddScalar(h, static_cast<std::uint64_t>(op.ids.size()));
  if (!op.ids.empty()) h.Add(op.ids.data(), op.ids.size() * sizeof(std::uint64_t));
  AddScalar(h, static_cast<std::uint64_t>(op.tags.size()));
  if (!op.tags.empty()) h.Add(op.tags.data(), op.tags.size() * sizeof(std::uint64_t));
  return h.Finish();
}

std::vector<Hash128> StateKeys(const Hash128& base, std::span<const EpisodicOpSpec> ops) {
  std::vector<Hash128> keys;
  keys.reserve(ops.size() + 1);
  keys.push_back(base);
  for (const EpisodicOpSpec& op : ops) keys.push_back(NextStateKey(keys.back(), op));
  return keys;
}

}  // namespace engram::compute::episodic
