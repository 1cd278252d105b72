// Shared helpers for storage tests: a fresh database directory per test and record builders.
#ifndef ENGRAM_TESTS_STORAGE_TEST_STORE_H_
#define ENGRAM_TESTS_STORAGE_TEST_STORE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/store.h"

namespace engram::storage::testing {

// A fresh, empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Opens `dir` or fails the test.
std::unique_ptr<Store> OpenOrDie(const std::string& dir, const OpenOptions& options = {});

// A record with `text` and one f32 tensor "t" of `values`.
RecordData FloatRecord(const std::string& text, const std::vector<float>& values,
                       std::uint64_t chunk_bytes = 0);

// `n` floats, value i*scale + offset.
std::vector<float> Ramp(std::size_t n, float scale = 1.0f, float offset = 0.0f);

// The floats of a tensor read back.
std::vector<float> Floats(const TensorView& view);

// Commits one Put of `data` under `key` for `tenant`; fails the test on error.
Version PutOne(Store& store, const Tenant& tenant, const RecordKey& key, RecordData data,
               const std::string& statement = "WRITE");

// The whole file `path` as bytes.
std::string ReadFile(const std::string& path);

}  // namespace engram::storage::testing

#endif  // ENGRAM_TESTS_STORAGE_TEST_STORE_H_
