// A small JSON reader: parses one JSON text (a jsonlines line, a data file) into a tree. Used by
// the CLI tests to check contract.md's result shapes field by field, and by tools that read the
// shared data sets.
//
// Numbers are kept as their text; integers up to 2^64-1 read exactly with U64(). Nesting deeper
// than kMaxJsonDepth is rejected (no unbounded recursion on hostile input); \u escapes outside
// the BMP are not paired into surrogates.
//
// Thread-safety: pure functions; a Json is a plain value.
#ifndef ENGRAM_CLIENT_JSON_READER_H_
#define ENGRAM_CLIENT_JSON_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram {

inline constexpr int kMaxJsonDepth = 256;

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // a string's value, or a number as written
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;  // in order

  // The member `key` of an object, or a null Json when absent (so lookups chain).
  const Json& operator[](std::string_view key) const;
  // The item `index` of an array, or a null Json.
  const Json& operator[](std::size_t index) const;
  bool Has(std::string_view key) const;
  bool IsNull() const { return type == Type::kNull; }
  // A number as an unsigned integer; nullopt when not a non-negative integer.
  std::optional<std::uint64_t> U64() const;
  // Member names in order.
  std::vector<std::string> Keys() const;
};

// Parses `text` (one JSON value, surrounding whitespace allowed); nullopt when malformed.
std::optional<Json> ParseJson(std::string_view text);

// Each non-empty line of `text` parsed; a malformed line becomes nullopt in its place.
std::vector<std::optional<Json>> ParseJsonLines(std::string_view text);

}  // namespace engram

#endif  // ENGRAM_CLIENT_JSON_READER_H_
