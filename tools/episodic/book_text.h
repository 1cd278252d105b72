// Helpers of the encoder tools (engram-idf-build, engram-encoder-eval) that replicate
// tools/research/episodic_encoder/data.py: paragraphs and sentences of book files, and
// Python's random.Random(seed).sample(). ASCII semantics: Python's \s and \w are taken on
// ASCII bytes only (the study's books and facts are ASCII but for ~20 accented letters).
#ifndef ENGRAM_TOOLS_EPISODIC_BOOK_TEXT_H_
#define ENGRAM_TOOLS_EPISODIC_BOOK_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::tools {

// The whole file; NOTFOUND when it cannot be read.
Result<std::string> ReadFile(const std::string& path);

// For the tools' main(): prints `status` to stderr and returns the exit status 1.
int Fail(const Status& status);

// Paragraphs as data.py's book_paragraphs(): split at "\n\s*\n", each paragraph's whitespace
// runs collapsed to one space and trimmed, empty ones dropped.
std::vector<std::string> Paragraphs(std::string_view text);

// Sentences of a (whitespace-normalised) paragraph as data.py's split_sentences(): split at
// (?<=[.!?])["')]*\s+ (the quotes/parens consumed by the split), trimmed, empty ones dropped.
std::vector<std::string> Sentences(std::string_view paragraph);

// len(re.findall(r'\w+', s)) on ASCII: runs of [A-Za-z0-9_] and bytes >= 0x80.
int CountWords(std::string_view s);

// Python's random.Random(seed) (MT19937, init_by_array) for non-negative seeds < 2^32.
class PythonRandom {
 public:
  explicit PythonRandom(std::uint32_t seed);
  std::uint32_t NextU32();
  std::uint64_t RandBelow(std::uint64_t n);  // _randbelow_with_getrandbits, n < 2^32
  // random.sample(range(n), k) (the set-based branch; the pool branch when n is small).
  std::vector<std::uint64_t> SampleIndices(std::uint64_t n, std::uint64_t k);

 private:
  std::uint32_t state_[624];
  int index_ = 624;
};

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_BOOK_TEXT_H_
