#include "storage/keys.h"

namespace engram::storage::keys {
namespace {

// Splits off "name 0x00" from the front of `raw`; nullopt when there is no terminator.
std::optional<std::string> TakeName(std::string_view* raw) {
  std::size_t end = raw->find('\0');
  if (end == std::string_view::npos) return std::nullopt;
  std::string name(raw->substr(0, end));
  raw->remove_prefix(end + 1);
  return name;
}

}  // namespace

void AppendU64Be(std::string* out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

void AppendU32Be(std::string* out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

std::uint64_t ReadU64Be(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void AppendU64Le(std::string* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(value >> (8 * i)));
}

std::uint64_t ReadU64Le(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void AppendName(std::string* out, std::string_view name) {
  out->append(name);
  out->push_back('\0');
}

std::string TenantPrefix(const Tenant& tenant) {
  std::string key;
  AppendName(&key, tenant.name());
  return key;
}

std::string MemoryPrefix(const Tenant& tenant, std::string_view memory) {
  std::string key = TenantPrefix(tenant);
  AppendName(&key, memory);
  return key;
}

std::string RecordPrefix(const Tenant& tenant, const RecordKey& key) {
  std::string raw = MemoryPrefix(tenant, key.memory);
  raw.push_back(static_cast<char>(key.kind));
  AppendU64Be(&raw, key.id);
  return raw;
}

std::string RecordVersionKey(const Tenant& tenant, const RecordKey& key, Version version) {
  std::string raw = RecordPrefix(tenant, key);
  AppendU64Be(&raw, version);
  return raw;
}

std::optional<DecodedRecordKey> DecodeRecordKey(std::string_view raw) {
  DecodedRecordKey out;
  auto tenant = TakeName(&raw);
  if (!tenant) return std::nullopt;
  auto memory = TakeName(&raw);
  if (!memory || raw.size() != 17) return std::nullopt;
  out.tenant = std::move(*tenant);
  out.key.memory = std::move(*memory);
  out.key.kind = static_cast<RecordKind>(static_cast<unsigned char>(raw[0]));
  out.key.id = ReadU64Be(raw.substr(1));
  out.version = ReadU64Be(raw.substr(9));
  return out;
}

std::string MemoryLogKey(const Tenant& tenant, std::string_view memory, Version version) {
  std::string key = MemoryPrefix(tenant, memory);
  AppendU64Be(&key, version);
  return key;
}

std::optional<DecodedLogKey> DecodeMemoryLogKey(std::string_view raw) {
  DecodedLogKey out;
  auto tenant = TakeName(&raw);
  if (!tenant) return std::nullopt;
  auto memory = TakeName(&raw);
  if (!memory || raw.size() != 8) return std::nullopt;
  out.tenant = std::move(*tenant);
  out.memory = std::move(*memory);
  out.version = ReadU64Be(raw);
  return out;
}

std::string CommitKey(Version version) {
  std::string key;
  AppendU64Be(&key, version);
  return key;
}

std::string RefScopePrefix(const Tenant& tenant, std::string_view scope) {
  return MemoryPrefix(tenant, scope);
}

std::string RefKey(const Tenant& tenant, std::string_view scope, std::string_view name) {
  std::string key = RefScopePrefix(tenant, scope);
  key.append(name);
  return key;
}

std::optional<DecodedRefKey> DecodeRefKey(std::string_view raw) {
  DecodedRefKey out;
  auto tenant = TakeName(&raw);
  if (!tenant) return std::nullopt;
  auto scope = TakeName(&raw);
  if (!scope || raw.empty()) return std::nullopt;
  out.tenant = std::move(*tenant);
  out.scope = std::move(*scope);
  out.name = std::string(raw);
  return out;
}

std::string AuditKey(Version version, std::uint32_t seq) {
  std::string key;
  AppendU64Be(&key, version);
  AppendU32Be(&key, seq);
  return key;
}

std::string BlobKey(const Hash128& hash) {
  std::string key;
  AppendU64Be(&key, hash.high);
  AppendU64Be(&key, hash.low);
  return key;
}

std::optional<Hash128> DecodeBlobKey(std::string_view raw) {
  if (raw.size() != 16) return std::nullopt;
  return Hash128{ReadU64Be(raw), ReadU64Be(raw.substr(8))};
}

}  // namespace engram::storage::keys
