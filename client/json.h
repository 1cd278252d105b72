// A minimal JSON writer for machine-readable output (the CLI's JSON lines, statement results).
//
// Not thread-safe; build one object per output line.
#ifndef ENGRAM_CLIENT_JSON_H_
#define ENGRAM_CLIENT_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace engram {

// `text` as a JSON string literal, quotes included. Bytes of 0x80 and above pass through (the
// text is expected to be UTF-8); control characters are escaped.
std::string JsonString(std::string_view text);

// Builds one JSON object: Add* calls append members in order; str() closes it.
class JsonObject {
 public:
  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  JsonObject& Add(std::string_view key, std::uint64_t value);
  JsonObject& Add(std::string_view key, std::int64_t value);
  JsonObject& Add(std::string_view key, int value) { return Add(key, std::int64_t{value}); }
  JsonObject& Add(std::string_view key, unsigned value) { return Add(key, std::uint64_t{value}); }
  JsonObject& Add(std::string_view key, bool value);
  // `json` must already be valid JSON (an object or array built elsewhere).
  JsonObject& AddRaw(std::string_view key, std::string_view json);
  std::string str() const { return body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_ = "{";
};

}  // namespace engram

#endif  // ENGRAM_CLIENT_JSON_H_
