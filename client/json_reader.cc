#include "client/json_reader.h"

#include <cctype>
#include <charconv>

namespace engram {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<Json> Document() {
    std::optional<Json> value = Value();
    SkipSpace();
    if (!value || at_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void SkipSpace() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  std::optional<Json> Value() {
    SkipSpace();
    if (at_ >= text_.size()) return std::nullopt;
    Json json;
    const char c = text_[at_];
    if (c == '{') return Object();
    if (c == '[') return Array();
    if (c == '"') {
      auto s = String();
      if (!s) return std::nullopt;
      json.type = Json::Type::kString;
      json.text = std::move(*s);
      return json;
    }
    if (Word("null")) return json;
    if (Word("true") || Word("false")) {
      json.type = Json::Type::kBool;
      json.boolean = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';  // "true", not "false"
      return json;
    }
    const std::size_t start = at_;
    while (at_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[at_])) ||
            std::string_view("+-.eE").find(text_[at_]) != std::string_view::npos)) {
      ++at_;
    }
    if (at_ == start) return std::nullopt;
    json.type = Json::Type::kNumber;
    json.text = std::string(text_.substr(start, at_ - start));
    return json;
  }

  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) return std::nullopt;
      const char e = text_[at_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (at_ + 4 > text_.size()) return std::nullopt;
          unsigned code = 0;
          auto [p, ec] = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
          if (ec != std::errc() || p != text_.data() + at_ + 4) return std::nullopt;
          at_ += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:
          out += e;
          break;  // \" \\ \/
      }
    }
    return std::nullopt;
  }

  std::optional<Json> Array() {
    const DepthGuard guard(depth_);
    if (depth_ > kMaxJsonDepth) return std::nullopt;
    Json json;
    json.type = Json::Type::kArray;
    Eat('[');
    if (Eat(']')) return json;
    do {
      auto item = Value();
      if (!item) return std::nullopt;
      json.items.push_back(std::move(*item));
    } while (Eat(','));
    if (!Eat(']')) return std::nullopt;
    return json;
  }

  std::optional<Json> Object() {
    const DepthGuard guard(depth_);
    if (depth_ > kMaxJsonDepth) return std::nullopt;
    Json json;
    json.type = Json::Type::kObject;
    Eat('{');
    if (Eat('}')) return json;
    do {
      SkipSpace();
      auto key = String();
      if (!key || !Eat(':')) return std::nullopt;
      auto value = Value();
      if (!value) return std::nullopt;
      json.members.emplace_back(std::move(*key), std::move(*value));
    } while (Eat(','));
    if (!Eat('}')) return std::nullopt;
    return json;
  }

  // Counts the arrays and objects open around the current position.
  struct DepthGuard {
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& depth_;
  };

  std::string_view text_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

const Json& NullJson() {
  static const Json null;
  return null;
}

}  // namespace

const Json& Json::operator[](std::string_view key) const {
  for (const auto& [name, value] : members) {
    if (name == key) return value;
  }
  return NullJson();
}

const Json& Json::operator[](std::size_t index) const {
  return index < items.size() ? items[index] : NullJson();
}

bool Json::Has(std::string_view key) const {
  for (const auto& member : members) {
    if (member.first == key) return true;
  }
  return false;
}

std::optional<std::uint64_t> Json::U64() const {
  if (type != Type::kNumber) return std::nullopt;
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> Json::Keys() const {
  std::vector<std::string> keys;
  for (const auto& member : members) keys.push_back(member.first);
  return keys;
}

std::optional<Json> ParseJson(std::string_view text) {
  return Parser(text).Document();
}

std::vector<std::optional<Json>> ParseJsonLines(std::string_view text) {
  std::vector<std::optional<Json>> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      lines.push_back(ParseJson(line));
    }
    start = end + 1;
  }
  return lines;
}

}  // namespace engram
