#include "engram/status.h"

#include <gtest/gtest.h>

namespace engram {
namespace {

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  Status s = SyntaxError("unexpected ';'", 17);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 17);
  EXPECT_EQ(s.ToString(), "SYNTAX: unexpected ';' (at byte 17)");
  EXPECT_EQ(s.WithContext("statement 2").message(), "statement 2: unexpected ';'");
  EXPECT_EQ(s.WithContext("x").position(), 17);
}

TEST(StatusTest, CatalogueIsFrozen) {
  // These numbers cross the wire and the C API: changing one breaks compatibility.
  const std::pair<ErrorCode, int> frozen[] = {
      {ErrorCode::kOk, 0},       {ErrorCode::kSyntax, 1},   {ErrorCode::kNotFound, 2},
      {ErrorCode::kExists, 3},   {ErrorCode::kTenant, 4},   {ErrorCode::kAuth, 5},
      {ErrorCode::kConflict, 6}, {ErrorCode::kReadOnly, 7}, {ErrorCode::kMapFull, 8},
      {ErrorCode::kCompute, 9},  {ErrorCode::kModel, 10},   {ErrorCode::kLimit, 11},
      {ErrorCode::kCorrupt, 12}, {ErrorCode::kInternal, 13}};
  for (auto [code, value] : frozen) EXPECT_EQ(static_cast<int>(code), value);
}

TEST(StatusTest, NamesRoundTrip) {
  for (const char* name : {"SYNTAX", "NOTFOUND", "EXISTS", "TENANT", "AUTH", "CONFLICT", "READONLY",
                           "MAPFULL", "COMPUTE", "MODEL", "LIMIT", "CORRUPT", "INTERNAL"}) {
    auto code = ErrorCodeFromName(name);
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_EQ(ErrorCodeName(*code), name);
  }
  EXPECT_FALSE(ErrorCodeFromName("syntax").has_value());
  EXPECT_FALSE(ErrorCodeFromValue(14).has_value());
  EXPECT_EQ(ErrorCodeFromValue(9), ErrorCode::kCompute);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return SyntaxError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ENGRAM_ASSIGN_OR_RETURN(int half, Half(x));
  return Half(half);
}

TEST(ResultTest, ValueOrStatus) {
  auto ok = Quarter(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram
