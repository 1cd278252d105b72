// Encoding and decoding of the framed FlatBuffers values stored in LMDB (docs/format.md §5-6)
// and of blob headers (§7). Internal to storage/; the decoders take untrusted bytes (a damaged
// file, a dump) and are fuzzed (tests/storage/codec_fuzz.cc).
//
// Every decoder returns CORRUPT, never crashes, on any input.
#ifndef ENGRAM_STORAGE_CODEC_H_
#define ENGRAM_STORAGE_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "storage/types.h"

namespace engram::storage::codec {

// The largest framed value a decoder accepts; writers refuse (LIMIT) to store a larger one.
inline constexpr std::uint32_t kMaxFrameBytes = 1u << 30;
Status CheckFrameSize(const std::string& framed, std::string_view what);

// Record: key and version are not encoded (they are the LMDB key); decoding leaves them empty.
std::string EncodeRecord(const Record& record);
Result<Record> DecodeRecord(std::string_view framed);

std::string EncodeCommit(const CommitInfo& commit);
Result<CommitInfo> DecodeCommit(std::string_view framed);

// Ref: only version and time are encoded (scope and name are the key).
std::string EncodeRef(const RefInfo& ref);
Result<RefInfo> DecodeRef(std::string_view framed);

std::string EncodeAudit(const AuditInfo& audit);
Result<AuditInfo> DecodeAudit(std::string_view framed);

// Blobs.
inline constexpr std::size_t kBlobHeaderBytes = 48;
// Writes the 48-byte header for a payload of `size` bytes with content hash `hash`.
void EncodeBlobHeader(const Hash128& hash, std::uint64_t size, char* out);
// Checks a stored blob value against the hash it is stored under: header magic, version and
// checksum, length and (when `verify_payload`) the payload's XXH3-128. Returns the payload.
Result<std::string_view> CheckBlob(std::string_view value, const Hash128& key_hash,
                                   bool verify_payload);

}  // namespace engram::storage::codec

#endif  // ENGRAM_STORAGE_CODEC_H_
