// The llama2.c tokenizer (tokenizer.bin): a SentencePiece BPE vocabulary with merge scores and
// byte fallback, encoded and decoded exactly as llama2.c's run.c does.
//
// File format (little-endian): int32 max_token_length, then for each of vocab_size tokens:
// float32 score, int32 length, `length` bytes of the piece. The vocabulary size is not stored;
// it comes from the model. Token 0 is <unk>, 1 is <s> (BOS), 2 is </s> (EOS), and 3..258 are the
// byte-fallback pieces "<0x00>".."<0xFF>".
//
// Thread-safety: a loaded Tokenizer is immutable; all const methods may run concurrently.
#ifndef ENGRAM_COMPUTE_MODEL_TOKENIZER_H_
#define ENGRAM_COMPUTE_MODEL_TOKENIZER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engram/status.h"

namespace engram::compute {

class Tokenizer {
 public:
  static constexpr int kBos = 1;
  static constexpr int kEos = 2;
  static constexpr int kFirstByteToken = 3;

  // Reads `path` for a vocabulary of `vocab_size` tokens. Errors: NOTFOUND (no file), MODEL
  // (truncated, trailing bytes, bad lengths, vocabulary too small for byte fallback).
  static Result<Tokenizer> Load(const std::string& path, int vocab_size);

  // Builds a tokenizer from pieces and scores directly (tests, converters). MODEL error when the
  // vocabulary is unusable.
  static Result<Tokenizer> FromPieces(std::vector<std::string> pieces, std::vector<float> scores);

  // Encodes `text` (raw bytes, normally UTF-8) like llama2.c: optional BOS, a dummy-prefix " "
  // token when the text is not empty, one token per code point (byte fallback when the code
  // point is not in the vocabulary), then greedy merges of the highest-scoring adjacent pair
  // (leftmost on ties) until none applies, then optional EOS. O(n log n) in the text length,
  // where llama2.c's loop is quadratic.
  std::vector<int> Encode(std::string_view text, bool bos, bool eos) const;

  // The bytes token `token` contributes after `prev` (llama2.c decode): a piece following BOS
  // loses one leading space, and byte-fallback pieces become their raw byte. Empty for ids out
  // of range.
  std::string_view DecodePiece(int prev, int token) const;

  // The concatenated pieces of `tokens`, the first one decoded as following `prev`.
  std::string Decode(std::span<const int> tokens, int prev = kBos) const;

  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  const std::string& piece(int id) const { return pieces_[static_cast<std::size_t>(id)]; }
  float score(int id) const { return scores_[static_cast<std::size_t>(id)]; }

  // The raw file-equivalent contents, for fingerprinting: each piece and score in id order.
  const std::vector<std::string>& pieces() const { return pieces_; }
  const std::vector<float>& scores() const { return scores_; }

  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
  // Not copyable: ids_ holds views into pieces_.
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

 private:
  Tokenizer() = default;
  Status Index();
  int Lookup(std::string_view piece) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string_view, int> ids_;  // views into pieces_; first id wins
  std::string byte_pieces_;                        // 256 single bytes, for byte fallback
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_MODEL_TOKENIZER_H_
