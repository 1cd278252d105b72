#include "tests/compute/test_model.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace engram::compute::testing {

std::string ModelDir() {
  return std::string(ENGRAM_SOURCE_DIR) + "/models/stories260K";
}
std::string SharedDir() {
  return ENGRAM_SHARED_DIR;
}

const ModelBundle& Model() {
  static const ModelBundle* model = [] {
    auto loaded = LoadModel(ModelDir());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString();
      std::abort();
    }
    return new ModelBundle(std::move(loaded).value());
  }();
  return *model;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    std::abort();
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string GoldenGreedy200() {
  return ReadFileOrDie(SharedDir() + "/models/stories260K/greedy_200.txt") + "\n";
}

std::string Book(const std::string& name, std::size_t max_bytes) {
  std::string text = ReadFileOrDie(SharedDir() + "/data/books/" + name);
  if (text.size() > max_bytes) text.resize(max_bytes);
  return text;
}

std::string TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "engram-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

}  // namespace engram::compute::testing
