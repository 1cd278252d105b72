// A small JSON reader for the CLI tests: parses one JSON text (a jsonlines line) into a tree, so
// tests can check the shapes of contract.md's results field by field.
//
// Numbers are kept as their text and as a double; integers up to 2^64-1 read exactly with U64().
// Not for production: no depth limit, no \u surrogate pairing beyond the BMP.
#ifndef ENGRAM_TESTS_CLI_JSON_READER_H_
#define ENGRAM_TESTS_CLI_JSON_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::testing {

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

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_CLI_JSON_READER_H_
