#include "compute/model/tokenizer.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <queue>

namespace engram::compute {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Longest piece accepted from a file; real vocabularies stay far below this.
constexpr std::int32_t kMaxPieceBytes = 4096;

// llama2.c only merges pairs scoring above this.
constexpr float kMinMergeScore = -1e10f;

bool IsContinuationByte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Parses a byte-fallback piece "<0xHH>"; -1 when `piece` is not one.
int ParseBytePiece(std::string_view piece) {
  if (piece.size() != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' ||
      piece[5] != '>') {
    return -1;
  }
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

Result<Tokenizer> Tokenizer::Load(const std::string& path, int vocab_size) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return NotFoundError("tokenizer file '" + path + "' not found");
  auto bad = [&](const std::string& what) {
    return ModelError("tokenizer file '" + path + "': " + what);
  };
  std::int32_t max_len = 0;
  if (std::fread(&max_len, 4, 1, f.get()) != 1) return bad("truncated header");
  if (max_len <= 0 || max_len > kMaxPieceBytes) {
    return bad("max_token_length " + std::to_string(max_len) + " out of range");
  }
  std::vector<std::string> pieces;
  std::vector<float> scores;
  pieces.reserve(static_cast<std::size_t>(vocab_size));
  scores.reserve(static_cast<std::size_t>(vocab_size));
  for (int i = 0; i < vocab_size; ++i) {
    float score = 0;
    std::int32_t len = 0;
    if (std::fread(&score, 4, 1, f.get()) != 1 || std::fread(&len, 4, 1, f.get()) != 1) {
      return bad("truncated at token " + std::to_string(i) + " of " + std::to_string(vocab_size) +
                 " (is it the tokenizer of this model?)");
    }
    if (len < 0 || len > max_len) {
      return bad("token " + std::to_string(i) + " has length " + std::to_string(len) +
                 " outside 0.." + std::to_string(max_len));
    }
    std::string piece(static_cast<std::size_t>(len), '\0');
    if (len > 0 && std::fread(piece.data(), 1, piece.size(), f.get()) != piece.size()) {
      return bad("truncated inside token " + std::to_string(i));
    }
    pieces.push_back(std::move(piece));
    scores.push_back(score);
  }
  if (std::fgetc(f.get()) != EOF) {
    return bad("has more than " + std::to_string(vocab_size) +
               " tokens (is it the tokenizer of this model?)");
  }
  return FromPieces(std::move(pieces), std::move(scores));
}

Result<Tokenizer> Tokenizer::FromPieces(std::vector<std::string> pieces,
                                        std::vector<float> scores) {
  Tokenizer t;
  t.pieces_ = std::move(pieces);
  t.scores_ = std::move(scores);
  ENGRAM_RETURN_IF_ERROR(t.Index());
  return t;
}

Status Tokenizer::Index() {
  if (pieces_.size() != scores_.size()) return ModelError("tokenizer: pieces and scores differ");
  if (pieces_.size() < static_cast<std::size_t>(kFirstByteToken + 256)) {
    return ModelError("tokenizer: " + std::to_string(pieces_.size()) +
                      " tokens cannot hold the 256 byte-fallback tokens");
  }
  ids_.clear();
  ids_.reserve(pieces_.size());
  for (std::size_t i = 0; i < pieces_.size(); ++i) ids_.emplace(pieces_[i], static_cast<int>(i));
  byte_pieces_.resize(256);
  for (int b = 0; b < 256; ++b) byte_pieces_[static_cast<std::size_t>(b)] = static_cast<char>(b);
  return Status::Ok();
}

int Tokenizer::Lookup(std::string_view piece) const {
  auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::Encode(std::string_view text, bool bos, bool eos) const {
  // Symbols form a doubly linked list so merges are O(1); `start` (the symbol's first byte
  // offset) orders symbols left to right, which reproduces llama2.c's leftmost tie-break.
  struct Symbol {
    int token;
    int prev;
    int next;
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(text.size() + 1);
  auto push = [&symbols](int token) {
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({token, index - 1, index + 1, true});
  };

  // BOS takes part in merges, as in llama2.c (no real vocabulary merges across it).
  if (bos) push(kBos);
  if (!text.empty()) {  // SentencePiece's add_dummy_prefix
    const int space = Lookup(" ");
    push(space >= 0 ? space : ' ' + kFirstByteToken);
  }
  std::size_t i = 0;
  while (i < text.size()) {
    // One code point: a lead byte plus at most three continuation bytes (llama2.c caps it).
    std::size_t end = i + 1;
    while (end < text.size() && end - i < 4 &&
           IsContinuationByte(static_cast<unsigned char>(text[end]))) {
      ++end;
    }
    const std::string_view code_point = text.substr(i, end - i);
    const int id = Lookup(code_point);
    if (id >= 0) {
      push(id);
    } else {
      for (char c : code_point) push(static_cast<unsigned char>(c) + kFirstByteToken);
    }
    i = end;
  }
  if (!symbols.empty()) symbols.back().next = -1;

  struct Candidate {
    float score;
    int left;  // symbol index; smaller index = further left
    int right;
    int left_token;
    int right_token;
    int merged;
  };
  auto worse = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse)> queue(worse);
  std::string buffer;
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const int lt = symbols[static_cast<std::size_t>(left)].token;
    const int rt = symbols[static_cast<std::size_t>(right)].token;
    buffer.assign(pieces_[static_cast<std::size_t>(lt)]);
    buffer.append(pieces_[static_cast<std::size_t>(rt)]);
    const int merged = Lookup(buffer);
    if (merged < 0) return;
    const float s = scores_[static_cast<std::size_t>(merged)];
    if (!(s > kMinMergeScore)) return;
    queue.push({s, left, right, lt, rt, merged});
  };
  for (std::size_t s = 0; s + 1 < symbols.size(); ++s) {
    consider(static_cast<int>(s), static_cast<int>(s + 1));
  }
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(c.left)];
    Symbol& right = symbols[static_cast<std::size_t>(c.right)];
    // Stale when either side merged since the candidate was queued.
    if (!left.alive || !right.alive || left.next != c.right || left.token != c.left_token ||
        right.token != c.right_token) {
      continue;
    }
    left.token = c.merged;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = c.left;
    consider(left.prev, c.left);
    consider(c.left, left.next);
  }

  std::vector<int> tokens;
  tokens.reserve(symbols.size() + 1);
  for (int s = symbols.empty() ? -1 : 0; s >= 0; s = symbols[static_cast<std::size_t>(s)].next) {
    tokens.push_back(symbols[static_cast<std::size_t>(s)].token);
  }
  if (eos) tokens.push_back(kEos);
  return tokens;
}

std::string_view Tokenizer::DecodePiece(int prev, int token) const {
  if (token < 0 || token >= vocab_size()) return {};
  std::string_view piece = pieces_[static_cast<std::size_t>(token)];
  // After BOS, SentencePiece strips the leading space of the first piece.
  if (prev == kBos && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
  const int byte = ParseBytePiece(piece);
  if (byte >= 0) return std::string_view(byte_pieces_).substr(static_cast<std::size_t>(byte), 1);
  return piece;
}

std::string Tokenizer::Decode(std::span<const int> tokens, int prev) const {
  std::string out;
  for (int token : tokens) {
    out.append(DecodePiece(prev, token));
    prev = token;
  }
  return out;
}

}  // namespace engram::compute
