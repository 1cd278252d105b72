// Runs the parser fuzz entry point (parser_fuzz.cc, compiled into this test with
// ENGRAM_FUZZ_IN_GTEST) on ~20000 deterministic mutations of valid scripts, so that every
// ctest run covers the lexer's and parser's error paths without libFuzzer.
//
// Byte mutations alone mostly break the first token; the mutations here also work on tokens
// (insert a keyword, a quote, a ';', a comment opener, a huge number, drop or repeat a slice,
// splice two seeds), which is what reaches the deeper states: a clause after another clause,
// a string cut open in the middle of a script, recovery after an error.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "query/language/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace engram::query {
namespace {

constexpr std::uint32_t kSeed = 20240611;
constexpr int kMutants = 20000;

// One valid statement of every form (and a few scripts), the mutations' starting points.
const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      "CREATE MEMORY agent;",
      "create memory agent with (slots = 1024, threshold = 0.25, name = 'x', on = true, d = -3);",
      "DROP MEMORY agent PURGE;",
      "WRITE agent 'Alice lives in Paris.', 'Bob''s cat is grey.';",
      "WRITE agent EDIT 'The capital of Atlantis is' -> ' Poseidonia';",
      "WRITE agent CONTEXT 'long text ...';",
      "WRITE agent CONTEXT FILE '/tmp/book.txt';",
      "WRITE agent PREFIX 'You are a helpful assistant.';",
      "READ agent 'Where does Alice live?' TOP 3;",
      "READ agent EDITS 'Atlantis' TOP 2;",
      "READ agent CONTEXT 'query' TOP 4;",
      "FORGET agent 'Alice lives in Paris.' PURGE;",
      "FORGET agent ID 42;",
      "FORGET agent EDIT ID 7 PURGE;",
      "FORGET agent CONTEXT ID 3;",
      "FORGET agent CONTEXT SOURCE '/tmp/book.txt';",
      "FORGET agent PREFIX ID 1;",
      "GENERATE 'Alice lives in' USING agent, \"top\" MAX 32 TEMPERATURE 0 TOP_P 0.9 SEED 1;",
      "GENERATE 'Once upon a time' AFTER PREFIX agent ID 2 TEMPERATURE 1.5e-1;",
      "SNAPSHOT agent AS before_edit; SNAPSHOT AS everything;",
      "ROLLBACK agent TO before_edit; ROLLBACK TO VERSION 12; ROLLBACK TRANSACTION;",
      "HISTORY agent LIMIT 10;",
      "DIFF agent before_edit HEAD; DIFF agent VERSION 3 VERSION 9;",
      "SHOW MEMORIES; SHOW SNAPSHOTS agent; SHOW SNAPSHOTS; SHOW STATS;",
      "BEGIN; WRITE a 'x'; COMMIT; BEGIN TRANSACTION; ABORT;",
      "-- a comment\nSHOW STATS -- another\n",
  };
  return seeds;
}

// Pieces the token-level mutations insert.
const char* const kPieces[] = {
    "'",
    "''",
    "\"",
    ";",
    ",",
    "(",
    ")",
    "=",
    "->",
    "-",
    "--",
    "\n",
    " ",
    "0",
    "1.5",
    "1e",
    "1.",
    "3abc",
    "99999999999999999999",
    "1e999",
    "TOP",
    "MAX",
    "ID",
    "PURGE",
    "USING",
    "AS",
    "TO",
    "VERSION",
    "HEAD",
    "CONTEXT",
    "EDIT",
    "FILE",
    "TRANSACTION",
    "agent",
    "\"agent\"",
    "\"a b\"",
    "\"\"",
    "'text'",
    "\xC3",
    "\xE2\x82\xAC",
    "#",
    "\x00",
};

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937& rng) {
  auto pick = [&](std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  std::string out = seeds[pick(seeds.size())];
  const int edits = 1 + static_cast<int>(pick(3));
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = pick(out.size() + 1);
    switch (pick(7)) {
      case 0: {  // insert a piece (the NUL piece needs its explicit length)
        const std::size_t i = pick(std::size(kPieces));
        std::string piece = i + 1 == std::size(kPieces) ? std::string(1, '\0') : kPieces[i];
        out.insert(at, piece);
        break;
      }
      case 1:  // delete a slice
        out.erase(at, 1 + pick(8));
        break;
      case 2:  // truncate
        out.resize(at);
        break;
      case 3:  // flip a byte
        if (!out.empty()) out[pick(out.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 4: {  // repeat a slice
        std::string slice = out.substr(at, 1 + pick(16));
        out.insert(at, slice);
        break;
      }
      case 5: {  // splice in the start of another seed
        const std::string& other = seeds[pick(seeds.size())];
        out.insert(at, other.substr(0, pick(other.size() + 1)));
        break;
      }
      default:  // a random byte
        out.insert(at, 1, static_cast<char>(rng()));
        break;
    }
  }
  return out;
}

void RunFuzzInput(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string Printable(const std::string& input) {
  std::string out;
  for (unsigned char c : input) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  return out;
}

TEST(ParserFuzz, SeedsParse) {
  for (const std::string& seed : Seeds()) {
    EXPECT_TRUE(ParseScript(seed).ok()) << seed << ": " << ParseScript(seed).status().ToString();
    RunFuzzInput(seed);
  }
  // For the libFuzzer target (parser_fuzz.cc): write the seeds as a starting corpus.
  if (const char* seed_dir = std::getenv("ENGRAM_PARSER_FUZZ_SEED_DIR")) {
    for (std::size_t i = 0; i < Seeds().size(); ++i) {
      std::ofstream(std::string(seed_dir) + "/seed" + std::to_string(i), std::ios::binary)
          << Seeds()[i];
    }
  }
}

TEST(ParserFuzz, MutatedScriptsParseOrFailInside) {
  SCOPED_TRACE("random seed " + std::to_string(kSeed) + " (parser_fuzz_test.cc kSeed)");
  std::mt19937 rng(kSeed);
  int parsed = 0;
  int failed = 0;
  for (int m = 0; m < kMutants; ++m) {
    const std::string mutant = Mutate(Seeds(), rng);
    RunFuzzInput(mutant);
    if (HasFailure()) FAIL() << "mutant " << m << ": " << Printable(mutant);
    (ParseScript(mutant).ok() ? parsed : failed)++;
  }
  // Both outcomes must be common, or the mutations are not exercising the parser.
  EXPECT_GT(parsed, kMutants / 10) << "parsed " << parsed << ", failed " << failed;
  EXPECT_GT(failed, kMutants / 4) << "parsed " << parsed << ", failed " << failed;
}

TEST(ParserFuzz, RandomBytes) {
  std::mt19937 rng(kSeed + 1);
  for (int m = 0; m < 2000; ++m) {
    std::string input(std::uniform_int_distribution<int>(0, 64)(rng), '\0');
    for (char& c : input) c = static_cast<char>(rng());
    RunFuzzInput(input);
    if (HasFailure()) FAIL() << "input " << m << ": " << Printable(input);
  }
}

}  // namespace
}  // namespace engram::query
