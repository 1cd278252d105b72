// The episodic header record's bytes (docs/format.md §11): round trip, and every corruption is
// CORRUPT, never a crash or a huge allocation.
#include "query/executor/episodic_header.h"

#include <gtest/gtest.h>

#include <cstring>

namespace engram::query {
namespace {

EpisodicHeader Sample() {
  EpisodicHeader header;
  header.slots = 768;
  header.ridge = 2.5e-3;
  header.seed = 7;
  header.checkpoint_every = 64;
  header.next_id = 42;
  for (std::uint8_t i = 0; i < 16; ++i) header.uid[i] = static_cast<std::uint8_t>(i * 17);
  header.ops.push_back(EpisodicJournalOp{false, {40, 41}, {0x1234, 0x5678}});
  header.ops.push_back(EpisodicJournalOp{true, {3}, {99}});
  return header;
}

TEST(EpisodicHeaderTest, RoundTripsAndPinsTheLayout) {
  const EpisodicHeader header = Sample();
  const std::vector<std::byte> bytes = EncodeEpisodicHeader(header);
  // 68 fixed bytes, two ops (8 + 2 x 16, 8 + 16), the checksum.
  EXPECT_EQ(bytes.size(), 68u + 40u + 24u + 8u);
  EXPECT_EQ(std::memcmp(bytes.data(), "EPHD", 4), 0);
  auto decoded = DecodeEpisodicHeader(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, header);
  EXPECT_EQ(UidHex(header.uid), "00112233445566778899aabbccddeeff");
  auto empty = DecodeEpisodicHeader(EncodeEpisodicHeader(EpisodicHeader{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->ops.empty());
}

TEST(EpisodicHeaderTest, EveryCorruptionIsCorrupt) {
  const std::vector<std::byte> good = EncodeEpisodicHeader(Sample());
  for (std::size_t size = 0; size < good.size(); ++size) {  // every truncation
    auto decoded = DecodeEpisodicHeader(std::span(good).first(size));
    ASSERT_FALSE(decoded.ok()) << size;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  }
  for (std::size_t i = 0; i < good.size(); ++i) {  // every flipped byte (checksum included)
    std::vector<std::byte> bad = good;
    bad[i] ^= std::byte{0x40};
    auto decoded = DecodeEpisodicHeader(bad);
    ASSERT_FALSE(decoded.ok()) << i;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kCorrupt);
  }
}

}  // namespace
}  // namespace engram::query
