// Key encodings of the named databases (docs/format.md §2-3). Internal to storage/.
//
// Every key that holds user data starts with the tenant: the builders here take a Tenant, never
// a raw prefix, so a caller cannot construct a key in another tenant's range.
#ifndef ENGRAM_STORAGE_KEYS_H_
#define ENGRAM_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/types.h"

namespace engram::storage::keys {

void AppendU64Be(std::string* out, std::uint64_t value);
void AppendU32Be(std::string* out, std::uint32_t value);
std::uint64_t ReadU64Be(std::string_view bytes);  // bytes.size() >= 8
void AppendU64Le(std::string* out, std::uint64_t value);
std::uint64_t ReadU64Le(std::string_view bytes);  // bytes.size() >= 8

// name 0x00
void AppendName(std::string* out, std::string_view name);

// records: tenant 0 memory 0 — the prefix of every record of one memory.
std::string MemoryPrefix(const Tenant& tenant, std::string_view memory);
// records: tenant 0 — the prefix of every record (and memory_log entry) of one tenant.
std::string TenantPrefix(const Tenant& tenant);
// records: tenant 0 memory 0 kind id — the prefix of every version of one record.
std::string RecordPrefix(const Tenant& tenant, const RecordKey& key);
// records: the full key of one record version.
std::string RecordVersionKey(const Tenant& tenant, const RecordKey& key, Version version);

// A decoded `records` key.
struct DecodedRecordKey {
  std::string tenant;
  RecordKey key;
  Version version = 0;
};
// nullopt when `raw` is not a well-formed records key.
std::optional<DecodedRecordKey> DecodeRecordKey(std::string_view raw);

// memory_log: tenant 0 memory 0 version.
std::string MemoryLogKey(const Tenant& tenant, std::string_view memory, Version version);
// Decodes a memory_log key into (tenant, memory, version); nullopt when malformed.
struct DecodedLogKey {
  std::string tenant;
  std::string memory;
  Version version = 0;
};
std::optional<DecodedLogKey> DecodeMemoryLogKey(std::string_view raw);

// commits: version.
std::string CommitKey(Version version);

// refs: tenant 0 scope 0 name (scope empty: the whole tenant).
std::string RefKey(const Tenant& tenant, std::string_view scope, std::string_view name);
std::string RefScopePrefix(const Tenant& tenant, std::string_view scope);
struct DecodedRefKey {
  std::string tenant;
  std::string scope;
  std::string name;
};
std::optional<DecodedRefKey> DecodeRefKey(std::string_view raw);

// audit: version seq.
std::string AuditKey(Version version, std::uint32_t seq);

// blobs / blob_refs: the hash, high then low, big-endian.
std::string BlobKey(const Hash128& hash);
std::optional<Hash128> DecodeBlobKey(std::string_view raw);

}  // namespace engram::storage::keys

#endif  // ENGRAM_STORAGE_KEYS_H_
