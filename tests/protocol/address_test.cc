#include "compute/protocol/address.h"

#include <gtest/gtest.h>

namespace engram::protocol {
namespace {

TEST(AddressTest, ParsesUnixAndTcp) {
  auto unix_address = ParseAddress("unix:/tmp/x/compute.sock");
  ASSERT_TRUE(unix_address.ok());
  EXPECT_EQ(unix_address->kind, Address::Kind::kUnix);
  EXPECT_EQ(unix_address->path, "/tmp/x/compute.sock");
  EXPECT_EQ(unix_address->ToString(), "unix:/tmp/x/compute.sock");

  auto tcp = ParseAddress("tcp://gpu-host:7400");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "gpu-host");
  EXPECT_EQ(tcp->port, 7400);
  EXPECT_EQ(tcp->ToString(), "tcp://gpu-host:7400");

  auto v6 = ParseAddress("tcp://[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->ToString(), "tcp://[::1]:0");
}

TEST(AddressTest, RejectsWithPositions) {
  struct Case {
    const char* text;
    std::int64_t position;
  };
  for (const Case& c :
       {Case{"http://x:1", 0}, Case{"unix:", 5}, Case{"tcp://host", 6}, Case{"tcp://:80", 6},
        Case{"tcp://h:99999", 8}, Case{"tcp://h:8x", 8}, Case{"tcp://[::1", 6}}) {
    auto r = ParseAddress(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), ErrorCode::kSyntax) << c.text;
    EXPECT_EQ(r.status().position(), c.position) << c.text;
  }
  EXPECT_FALSE(ParseAddress("unix:/" + std::string(200, 'a')).ok());
}

}  // namespace
}  // namespace engram::protocol
