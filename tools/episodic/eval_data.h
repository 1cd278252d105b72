// The episodic evaluations' data (docs/episodic.md §6; tools/research/episodic_encoder/data.py),
// shared by engram-encoder-eval and engram-episodic-eval so that both measure the same queries:
// the known_1000 facts with their relation templates and paraphrase queries, and the book
// sentences with the 1,000 unrelated ones sampled exactly as data.py does.
#ifndef ENGRAM_TOOLS_EPISODIC_EVAL_DATA_H_
#define ENGRAM_TOOLS_EPISODIC_EVAL_DATA_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engram/status.h"

namespace engram::tools {

struct Fact {
  std::string subject, attribute, templ, prompt, relation;
  // What memory stores for the fact: "prompt attribute".
  std::string Sentence() const { return prompt + " " + attribute; }
};

// A query about fact `fact` (an index into FactSet::facts).
struct FactQuery {
  std::size_t fact = 0;
  std::string text;
};

struct FactSet {
  std::vector<Fact> facts;
  // Each relation's templates in first-seen order.
  std::map<std::string, std::vector<std::string>> templates;
  // Each fact's own prompt, in fact order.
  std::vector<FactQuery> prompt_queries;
  // Each fact's subject in every other template of its relation, in fact order.
  std::vector<FactQuery> paraphrase_queries;
};

// `templ` with its "{}" replaced by `subject` (Python's str.format with one field).
std::string FormatTemplate(const std::string& templ, const std::string& subject);

// data.py build(): `data_dir`/editing/known_1000.json. NOTFOUND, CORRUPT.
Result<FactSet> LoadFacts(const std::string& data_dir);

struct BookSentences {
  std::vector<std::string> paragraphs;  // every book's, files in name order
  struct Sentence {
    std::size_t paragraph = 0;
    std::string text;
  };
  std::vector<Sentence> sentences;
  // Indices into `sentences` of those with 5-40 words (data.py's candidates).
  std::vector<std::size_t> candidates;
  // The unrelated queries: random.Random(seed).sample(candidates, count), as sorted indices into
  // `sentences`.
  std::vector<std::size_t> unrelated;
  // The paragraphs holding an unrelated sentence.
  std::set<std::size_t> held_paragraphs;
};

inline constexpr std::uint32_t kUnrelatedSeed = 12345;
inline constexpr std::size_t kUnrelatedCount = 1000;

// data.py: `data_dir`/books/* (sorted by name), paragraphs, sentences, the sample. NOTFOUND.
Result<BookSentences> LoadBookSentences(const std::string& data_dir,
                                        std::uint32_t seed = kUnrelatedSeed,
                                        std::size_t count = kUnrelatedCount);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_EVAL_DATA_H_
