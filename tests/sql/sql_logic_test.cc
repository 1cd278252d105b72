// The runner of the sqllogictest-style scripts tests/sql/**/*.test (format: tests/sql/README.md).
//
// Every script is one gtest (SqlLogicTest.<name>), run against a fresh database in a temporary
// directory with a real engram-compute co-process. The file list is computed when the binary
// starts, so ctest (PRE_TEST discovery, tests/sql/tests.cmake) sees a new script without a
// rebuild. ENGRAM_SQLTEST_TRACE=1 prints every statement's outcome (to write new records from).
//
// This file finds the scripts and registers them; a script is parsed (sql_script.h) completely
// before it runs (sql_script_runner.h), so that a typo can never make a record silently pass.
// The runner's own rules are tested in sql_runner_self_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "tests/sql/sql_script.h"
#include "tests/sql/sql_script_runner.h"
#include "tests/storage/test_store.h"

namespace engram::sqltest {
namespace {

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scripts under ENGRAM_SQL_TEST_DIR, as paths relative to it, sorted.
std::vector<std::string> FindScripts() {
  std::vector<std::string> scripts;
  std::error_code ec;
  const std::filesystem::path root(ENGRAM_SQL_TEST_DIR);
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".test") {
      scripts.push_back(it->path().lexically_relative(root).generic_string());
    }
  }
  std::sort(scripts.begin(), scripts.end());
  return scripts;
}

// A gtest name for a script: its relative path without ".test", other characters than
// [A-Za-z0-9] as '_' ("tx/conflicts.test" -> "tx_conflicts").
std::string TestName(const std::string& script) {
  std::string name = script.substr(0, script.size() - std::string_view(".test").size());
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// One script as one test.
class ScriptTest : public ::testing::Test {
 public:
  explicit ScriptTest(std::string relative) : relative_(std::move(relative)) {}

  void TestBody() override {
    const std::string display = "tests/sql/" + relative_;  // how failures name the file
    const Script script =
        ParseScript(ReadWholeFile(std::filesystem::path(ENGRAM_SQL_TEST_DIR) / relative_));
    if (script.error) {
      ADD_FAILURE_AT(display.c_str(), script.error->line)
          << "malformed script: " << script.error->message;
      return;
    }
    storage::testing::TempDir dir;
    RunScript(display, dir.Sub("db"), script.records);
  }

 private:
  std::string relative_;
};

// Registers SqlLogicTest.<name> per script while the binary starts (gtest_main links main, and
// a plain test per file keeps ctest's names short, unlike value-parameterized tests).
const bool kScriptsRegistered = [] {
  for (const std::string& script : FindScripts()) {
    const std::string path = std::string(ENGRAM_SQL_TEST_DIR) + "/" + script;
    ::testing::RegisterTest("SqlLogicTest", TestName(script).c_str(), nullptr, nullptr,
                            path.c_str(), 1,
                            [script]() -> ScriptTest* { return new ScriptTest(script); });
  }
  return true;
}();

// A wrong ENGRAM_SQL_TEST_DIR would otherwise instantiate nothing and pass.
TEST(SqlLogicRunnerTest, FindsTheScriptsWithDistinctNames) {
  const std::vector<std::string> scripts = FindScripts();
  EXPECT_GE(scripts.size(), 10u) << "too few scripts under " << ENGRAM_SQL_TEST_DIR;
  std::map<std::string, std::string> by_name;
  for (const std::string& script : scripts) {
    const auto [it, added] = by_name.emplace(TestName(script), script);
    EXPECT_TRUE(added) << script << " and " << it->second << " make the same test name";
  }
}

}  // namespace
}  // namespace engram::sqltest
