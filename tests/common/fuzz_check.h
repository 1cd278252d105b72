// FUZZ_CHECK(cond, what): the assertion of the fuzz entry points (tests/*/..._fuzz.cc).
//
// The same entry point is built twice: as a libFuzzer target, where a failed check must crash so
// that libFuzzer saves the input as a reproducer, and into a GoogleTest suite that feeds it
// mutated inputs (compiled with ENGRAM_FUZZ_IN_GTEST), where a failed check is a test failure.
#ifndef ENGRAM_TESTS_COMMON_FUZZ_CHECK_H_
#define ENGRAM_TESTS_COMMON_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#ifdef ENGRAM_FUZZ_IN_GTEST
#include <gtest/gtest.h>
#define FUZZ_CHECK(cond, what)                                            \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ADD_FAILURE() << "fuzz check failed: " << (what) << " (" #cond ")"; \
      return;                                                             \
    }                                                                     \
  } while (false)
#else
#define FUZZ_CHECK(cond, what)                                             \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "fuzz check failed: %s (%s)\n", (what), #cond); \
      std::abort();                                                        \
    }                                                                      \
  } while (false)
#endif

#endif  // ENGRAM_TESTS_COMMON_FUZZ_CHECK_H_
