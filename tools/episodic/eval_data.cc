#include "tools/episodic/eval_data.h"

#include <algorithm>
#include <filesystem>

#include "client/json_reader.h"
#include "tools/episodic/book_text.h"

namespace engram::tools {

std::string FormatTemplate(const std::string& templ, const std::string& subject) {
  std::string out = templ;
  const std::size_t at = out.find("{}");
  if (at != std::string::npos) out.replace(at, 2, subject);
  return out;
}

Result<FactSet> LoadFacts(const std::string& data_dir) {
  auto json_text = ReadFile(data_dir + "/editing/known_1000.json");
  if (!json_text.ok()) return json_text.status();
  auto json = ParseJson(*json_text);
  if (!json) return CorruptError("known_1000.json: malformed");
  FactSet set;
  for (const auto& item : json->items) {
    set.facts.push_back({item["subject"].text, item["attribute"].text, item["template"].text,
                         item["prompt"].text, item["relation_id"].text});
    auto& list = set.templates[set.facts.back().relation];
    if (std::find(list.begin(), list.end(), set.facts.back().templ) == list.end()) {
      list.push_back(set.facts.back().templ);
    }
  }
  for (std::size_t i = 0; i < set.facts.size(); ++i) {
    const Fact& fact = set.facts[i];
    set.prompt_queries.push_back({i, fact.prompt});
    for (const std::string& t : set.templates[fact.relation]) {
      if (t != fact.templ) set.paraphrase_queries.push_back({i, FormatTemplate(t, fact.subject)});
    }
  }
  return set;
}

Result<BookSentences> LoadBookSentences(const std::string& data_dir, std::uint32_t seed,
                                        std::size_t count) {
  std::vector<std::string> book_files;  // sorted by name, as os.listdir + sorted()
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/books", error)) {
    book_files.push_back(entry.path().string());
  }
  if (error) return NotFoundError(data_dir + "/books: " + error.message());
  std::sort(book_files.begin(), book_files.end());
  BookSentences out;
  for (const std::string& file : book_files) {
    auto text = ReadFile(file);
    if (!text.ok()) return text.status();
    for (std::string& p : Paragraphs(*text)) out.paragraphs.push_back(std::move(p));
  }
  for (std::size_t pi = 0; pi < out.paragraphs.size(); ++pi) {
    for (std::string& s : Sentences(out.paragraphs[pi])) {
      const int n = CountWords(s);
      if (n >= 5 && n <= 40) out.candidates.push_back(out.sentences.size());
      out.sentences.push_back({pi, std::move(s)});
    }
  }
  PythonRandom rng(seed);
  for (std::uint64_t k : rng.SampleIndices(out.candidates.size(), count)) {
    out.unrelated.push_back(out.candidates[k]);
  }
  std::sort(out.unrelated.begin(), out.unrelated.end());
  for (std::size_t k : out.unrelated) out.held_paragraphs.insert(out.sentences[k].paragraph);
  return out;
}

}  // namespace engram::tools
