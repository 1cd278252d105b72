// The episodic memory's header record (docs/format.md §11): settings, the next fact id, the
// memory uid and the journal of operations since the last checkpoint. Encoding and decoding of
// its attrs bytes; nothing else. Internal to the executor.
//
// Thread-safety: pure functions on values.
#ifndef ENGRAM_QUERY_EXECUTOR_EPISODIC_HEADER_H_
#define ENGRAM_QUERY_EXECUTOR_EPISODIC_HEADER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::query {

// 2: the checkpoint holds Bᵀ, S and Q (format 1, whose checkpoint held M and P, was never
// released; a reader refuses it).
inline constexpr std::uint32_t kEpisodicHeaderFormat = 2;
// Record ids of the episodic_state kind.
inline constexpr std::uint64_t kEpisodicHeaderId = 0;
inline constexpr std::uint64_t kEpisodicCheckpointId = 1;

// One journal operation: a WRITE's facts as one episode, or a FORGET of entries.
struct EpisodicJournalOp {
  bool forget = false;
  std::vector<std::uint64_t> ids;
  // Forget: the store version of each entry's last live record (its text is read as of it).
  // Write: the XXH3-64 (seed 0) of each fact's text (the co-process's state keys include it).
  std::vector<std::uint64_t> versions;
  friend bool operator==(const EpisodicJournalOp&, const EpisodicJournalOp&) = default;
};

struct EpisodicHeader {
  std::uint32_t slots = 512;
  std::uint32_t code_width = 4096;
  double ridge = 1e-3;
  std::uint64_t seed = 1;
  std::uint32_t encoder_version = 1;
  std::uint32_t checkpoint_every = 256;
  std::uint64_t next_id = 1;
  std::array<std::uint8_t, 16> uid{};
  std::vector<EpisodicJournalOp> ops;  // since the checkpoint, oldest first
  friend bool operator==(const EpisodicHeader&, const EpisodicHeader&) = default;
};

// The checkpoint record's tensors (format.md §11), in their order there and on the wire
// (protocol::kEpisodicCheckpointBlobs): Bᵀ (C x K), S (K x K), Q (K x K), all float64.
struct EpisodicCheckpointTensor {
  const char* name;
  std::vector<std::uint64_t> shape;
};
std::vector<EpisodicCheckpointTensor> EpisodicCheckpointTensors(const EpisodicHeader& header);

std::vector<std::byte> EncodeEpisodicHeader(const EpisodicHeader& header);

// Errors: CORRUPT (bad magic, unknown format, truncated, checksum mismatch, malformed op).
Result<EpisodicHeader> DecodeEpisodicHeader(std::span<const std::byte> bytes);

// The uid as 32 lower-case hex digits (the co-process's memory_uid).
std::string UidHex(const std::array<std::uint8_t, 16>& uid);

// 16 bytes from std::random_device.
std::array<std::uint8_t, 16> NewUid();

}  // namespace engram::query

#endif  // ENGRAM_QUERY_EXECUTOR_EPISODIC_HEADER_H_
