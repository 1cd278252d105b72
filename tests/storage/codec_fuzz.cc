// libFuzzer target for the decoders of storage/codec.h: every stored frame and blob header is
// untrusted input (a damaged data.mdb, a dump from elsewhere), and each decoder must answer
// CORRUPT, never crash or read out of bounds. Inputs that do decode must re-encode to a frame
// that decodes to the same value (the round trip), so a decoder cannot accept what the encoder
// would write differently.
//
// How to run the fuzzer (needs clang with libFuzzer, e.g. Debian's clang 14), from the root:
//
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DENGRAM_FUZZ=ON
//     -DENGRAM_BUILD_BENCHMARKS=OFF      (one command line)
//   ninja -C build-fuzz storage_codec_fuzz
//   mkdir -p /tmp/codec-corpus /tmp/codec-seeds
//   ENGRAM_CODEC_FUZZ_SEED_DIR=/tmp/codec-seeds build/bin/storage_tests
//     --gtest_filter=CodecFuzz.SeedsDecodeAndRoundTrip   (optional, one line: seeds to start from)
//   build-fuzz/bin/storage_codec_fuzz /tmp/codec-corpus /tmp/codec-seeds -max_total_time=30
//
// The target is built with -fsanitize=fuzzer,address,undefined; codec.cc, keys.cc and types.cc
// are compiled into it with the same flags so that libFuzzer sees their coverage. New inputs go
// to the first directory. A crash leaves crash-<sha1> in the working directory; replay it with
// `build-fuzz/bin/storage_codec_fuzz crash-<sha1>`. -DENGRAM_FUZZ_EXTRA_FLAGS=... adds flags
// after the sanitizer flags (e.g. -fno-sanitize=alignment to switch that check off).
//
// Past finding (fixed): a vector of Hash128 structs that the FlatBuffers verifier lets through
// 4-byte aligned made DecodeRecord read a misaligned struct (UBSan); the decoder now copies
// 8-byte vector elements out. The input stays in codec_fuzz_test.cc (kMisalignedBlobVectorHex)
// as a regression case.
//
// The same entry point runs without libFuzzer inside storage_tests (codec_fuzz_test.cc), on
// mutations of valid frames: that build defines ENGRAM_FUZZ_IN_GTEST, and a failed check
// becomes a GoogleTest failure instead of an abort.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <xxhash.h>

#include "storage/codec.h"

#include "tests/common/fuzz_check.h"

namespace engram::storage::codec_fuzz {
namespace {

bool SameTensor(const TensorRef& a, const TensorRef& b) {
  return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.nbytes == b.nbytes &&
         a.hash == b.hash && a.chunk_bytes == b.chunk_bytes && a.blobs == b.blobs &&
         a.inline_data == b.inline_data;
}

bool SameRecord(const Record& a, const Record& b) {
  if (a.tombstone != b.tombstone || a.text != b.text || a.attrs != b.attrs ||
      a.tensors.size() != b.tensors.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    if (!SameTensor(a.tensors[i], b.tensors[i])) return false;
  }
  return true;
}

bool SameCommit(const CommitInfo& a, const CommitInfo& b) {
  if (a.version != b.version || a.parent != b.parent || a.time_ns != b.time_ns ||
      a.tenant != b.tenant || a.statement != b.statement || a.kind != b.kind ||
      a.rollback_to != b.rollback_to || a.changes.size() != b.changes.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.changes.size(); ++i) {
    if (!(a.changes[i].key == b.changes[i].key) || a.changes[i].op != b.changes[i].op) {
      return false;
    }
  }
  return true;
}

bool SameAudit(const AuditInfo& a, const AuditInfo& b) {
  return a.version == b.version && a.time_ns == b.time_ns && a.tenant == b.tenant &&
         a.key == b.key && a.versions_deleted == b.versions_deleted &&
         a.blobs_deleted == b.blobs_deleted;
}

// Decodes `input` with `decode`; a failure must be CORRUPT, a success must survive
// encode -> decode unchanged, and encoding must be deterministic.
template <typename T, typename Decode, typename Encode, typename Same>
void CheckFrame(std::string_view input, const char* what, Decode decode, Encode encode, Same same) {
  Result<T> decoded = decode(input);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == ErrorCode::kCorrupt, what);
    return;
  }
  const std::string encoded = encode(*decoded);
  Result<T> again = decode(encoded);
  FUZZ_CHECK(again.ok(), what);
  FUZZ_CHECK(same(*decoded, *again), what);
  FUZZ_CHECK(encode(*again) == encoded, what);
}

std::uint64_t LoadU64Le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// CheckBlob against `key`: a failure must be CORRUPT; an accepted value's payload is the bytes
// after the header, matches the key when verified, and re-framed with a fresh header it is
// accepted again with the same payload.
void CheckBlobWith(std::string_view value, const Hash128& key) {
  for (bool verify_payload : {false, true}) {
    Result<std::string_view> payload = codec::CheckBlob(value, key, verify_payload);
    if (!payload.ok()) {
      FUZZ_CHECK(payload.status().code() == ErrorCode::kCorrupt, "CheckBlob error code");
      continue;
    }
    FUZZ_CHECK(value.size() >= codec::kBlobHeaderBytes, "CheckBlob accepted a short value");
    FUZZ_CHECK(payload->data() == value.data() + codec::kBlobHeaderBytes &&
                   payload->size() == value.size() - codec::kBlobHeaderBytes,
               "CheckBlob payload is not the bytes after the header");
    if (verify_payload) {
      FUZZ_CHECK(ContentHash(*payload) == key, "CheckBlob accepted a payload of another hash");
    }
    std::string reframed(codec::kBlobHeaderBytes, '\0');
    codec::EncodeBlobHeader(key, payload->size(), reframed.data());
    reframed.append(*payload);
    Result<std::string_view> again = codec::CheckBlob(reframed, key, verify_payload);
    FUZZ_CHECK(again.ok(), "re-encoded blob header is refused");
    FUZZ_CHECK(*again == *payload, "re-encoded blob has another payload");
  }
}

// `body` in a frame with a correct header (docs/format.md §5): tag, length, XXH3-64.
std::string Seal(std::string_view tag, std::string_view body) {
  std::string out(tag);
  const std::uint32_t length = static_cast<std::uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(length >> (8 * i)));
  const std::uint64_t sum = XXH3_64bits(body.data(), body.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  out.append(body);
  return out;
}

void CheckAllFrames(std::string_view input) {
  CheckFrame<Record>(input, "record", codec::DecodeRecord, codec::EncodeRecord, SameRecord);
  CheckFrame<CommitInfo>(input, "commit", codec::DecodeCommit, codec::EncodeCommit, SameCommit);
  CheckFrame<RefInfo>(input, "ref", codec::DecodeRef, codec::EncodeRef,
                      [](const RefInfo& a, const RefInfo& b) {
                        return a.version == b.version && a.time_ns == b.time_ns;
                      });
  CheckFrame<AuditInfo>(input, "audit", codec::DecodeAudit, codec::EncodeAudit, SameAudit);
}

void FuzzOne(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input as a whole frame: the frame checks themselves.
  CheckAllFrames(input);
  // The input as a FlatBuffer inside a correct frame of each type. A fuzzer cannot forge the
  // 64-bit checksum, so without this it would never get past it to the FlatBuffers verifier
  // and the decoders' own checks, where a crash would hide.
  for (std::string_view tag : {"RECD", "CMIT", "REF_", "AUDT"}) CheckAllFrames(Seal(tag, input));

  // Blobs: against the hash the header names (so that the header checks pass and the payload
  // check is reached), the payload's real hash, and a hash from the input's first bytes.
  if (size >= 40) CheckBlobWith(input, Hash128{LoadU64Le(data + 24), LoadU64Le(data + 32)});
  if (size >= codec::kBlobHeaderBytes) {
    CheckBlobWith(input, ContentHash(input.substr(codec::kBlobHeaderBytes)));
  }
  if (size >= 16) CheckBlobWith(input, Hash128{LoadU64Le(data), LoadU64Le(data + 8)});
  // And with the header checksum recomputed, for the same reason as the sealed frames above.
  if (size >= codec::kBlobHeaderBytes) {
    std::string resealed(input);
    const std::uint64_t sum = XXH3_64bits(resealed.data(), 40);
    for (int i = 0; i < 8; ++i) resealed[40 + i] = static_cast<char>(sum >> (8 * i));
    CheckBlobWith(resealed, Hash128{LoadU64Le(data + 24), LoadU64Le(data + 32)});
    CheckBlobWith(resealed, ContentHash(input.substr(codec::kBlobHeaderBytes)));
  }
}

}  // namespace
}  // namespace engram::storage::codec_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  engram::storage::codec_fuzz::FuzzOne(data, size);
  return 0;
}
