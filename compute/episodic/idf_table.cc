#include "compute/episodic/idf_table.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace engram::compute::episodic {
namespace {

constexpr std::size_t kMagicSize = 9;
constexpr std::size_t kHeaderSize = 45;
constexpr std::size_t kChecksumSize = 8;

void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t GetLe(std::string_view bytes, std::size_t offset, int size) {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) {
    v |= std::uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return v;
}

}  // namespace

IdfTable::IdfTable(std::uint32_t bucket_bits, double max_value, std::uint64_t hash_seed,
                   std::uint64_t documents, std::uint32_t encoder_version)
    : bucket_bits_(bucket_bits),
      max_value_(max_value),
      hash_seed_(hash_seed),
      documents_(documents),
      encoder_version_(encoder_version) {
  assert(bucket_bits >= 1 && bucket_bits <= kMaxBucketBits);
  assert(std::isfinite(max_value) && max_value > 0);
  entries_.assign(std::size_t{1} << bucket_bits, 0);
}

IdfTable IdfTable::FromDocumentFrequencies(std::span<const std::uint32_t> df,
                                           std::uint64_t documents, std::uint64_t hash_seed,
                                           std::uint32_t encoder_version) {
  const auto bits = static_cast<std::uint32_t>(std::countr_zero(df.size()));
  assert(std::has_single_bit(df.size()));
  const double n = static_cast<double>(documents);
  IdfTable table(bits, std::log(1.0 + n) + 1.0, hash_seed, documents, encoder_version);
  for (std::size_t i = 0; i < df.size(); ++i) {
    if (df[i] == 0) continue;
    const double idf = std::log((1.0 + n) / (1.0 + static_cast<double>(df[i]))) + 1.0;
    table.entries_[i] = table.Quantise(idf);
  }
  return table;
}

std::uint8_t IdfTable::Quantise(double weight) const {
  const double q = std::round(weight / max_value_ * 255.0);
  return static_cast<std::uint8_t>(std::clamp(q, 1.0, 255.0));
}

std::uint32_t IdfTable::BucketOf(std::string_view feature_key) const {
  const std::uint64_t h = XXH3_64bits_withSeed(feature_key.data(), feature_key.size(), hash_seed_);
  return static_cast<std::uint32_t>(h & ((std::uint64_t{1} << bucket_bits_) - 1));
}

double IdfTable::WeightAt(std::uint32_t bucket) const {
  const std::uint8_t q = entries_[bucket];
  return q == 0 ? max_value_ : static_cast<double>(q) / 255.0 * max_value_;
}

void IdfTable::SetWeight(std::string_view feature_key, double weight) {
  entries_[BucketOf(feature_key)] = Quantise(weight);
}

std::string IdfTable::Serialize() const {
  std::string out(kIdfTableMagic, kMagicSize);
  PutU32(out, kIdfTableFormatVersion);
  PutU32(out, encoder_version_);
  PutU32(out, bucket_bits_);
  PutU64(out, std::bit_cast<std::uint64_t>(max_value_));
  PutU64(out, hash_seed_);
  PutU64(out, documents_);
  out.append(reinterpret_cast<const char*>(entries_.data()), entries_.size());
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

Result<IdfTable> IdfTable::Parse(std::string_view bytes) {
  if (bytes.size() < kHeaderSize + kChecksumSize) return CorruptError("idf table: truncated");
  if (std::memcmp(bytes.data(), kIdfTableMagic, kMagicSize) != 0) {
    return CorruptError("idf table: bad magic");
  }
  const auto version = static_cast<std::uint32_t>(GetLe(bytes, 9, 4));
  if (version != kIdfTableFormatVersion) {
    return CorruptError("idf table: unsupported format version " + std::to_string(version));
  }
  const auto encoder_version = static_cast<std::uint32_t>(GetLe(bytes, 13, 4));
  const auto bits = static_cast<std::uint32_t>(GetLe(bytes, 17, 4));
  if (bits < 1 || bits > kMaxBucketBits) return CorruptError("idf table: bad bucket bits");
  if (bytes.size() != kHeaderSize + (std::size_t{1} << bits) + kChecksumSize) {
    return CorruptError("idf table: size does not match bucket bits");
  }
  const std::size_t body = bytes.size() - kChecksumSize;
  if (XXH3_64bits(bytes.data(), body) != GetLe(bytes, body, 8)) {
    return CorruptError("idf table: checksum mismatch");
  }
  const double max_value = std::bit_cast<double>(GetLe(bytes, 21, 8));
  if (!std::isfinite(max_value) || max_value <= 0) return CorruptError("idf table: bad max");
  IdfTable table(bits, max_value, GetLe(bytes, 29, 8), GetLe(bytes, 37, 8), encoder_version);
  std::memcpy(table.entries_.data(), bytes.data() + kHeaderSize, table.entries_.size());
  return table;
}

Status IdfTable::Save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string bytes = Serialize();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Error(ErrorCode::kInternal, "idf table: cannot write " + path);
  return Status::Ok();
}

Result<IdfTable> IdfTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("idf table: cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  Result<IdfTable> table = Parse(buffer.str());
  if (!table.ok()) return table.status().WithContext(path);
  return table;
}

}  // namespace engram::compute::episodic
