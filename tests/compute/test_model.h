// Shared fixtures of the compute tests: the shipped model, loaded once, and the shared data.
#ifndef ENGRAM_TESTS_COMPUTE_TEST_MODEL_H_
#define ENGRAM_TESTS_COMPUTE_TEST_MODEL_H_

#include <string>

#include "compute/model/model_bundle.h"

namespace engram::compute::testing {

std::string ModelDir();      // the project's models/stories260K
std::string SharedDir();     // ../shared
const ModelBundle& Model();  // loaded once per process

std::string ReadFileOrDie(const std::string& path);
// greedy_200.txt plus the newline llama2.c prints after a generation.
std::string GoldenGreedy200();
// The first `max_bytes` of a book under ../shared/data/books.
std::string Book(const std::string& name, std::size_t max_bytes);
// A fresh temporary directory for one test.
std::string TempDir();

}  // namespace engram::compute::testing

#endif  // ENGRAM_TESTS_COMPUTE_TEST_MODEL_H_
