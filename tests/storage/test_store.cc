#include "tests/storage/test_store.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace engram::storage::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "engram-test-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  char* made = ::mkdtemp(buffer.data());
  EXPECT_NE(made, nullptr);
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir, const OpenOptions& options) {
  auto store = Store::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

RecordData FloatRecord(const std::string& text, const std::vector<float>& values,
                       std::uint64_t chunk_bytes) {
  RecordData data;
  data.text = text;
  data.tensors.push_back(TensorData::Copy("t", DType::kF32, {values.size()}, values.data(),
                                          values.size() * sizeof(float), chunk_bytes));
  return data;
}

std::vector<float> Ramp(std::size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * scale + offset;
  return v;
}

std::vector<float> Floats(const TensorView& view) {
  std::vector<float> out(view.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), view.data(), out.size() * sizeof(float));
  return out;
}

Version PutOne(Store& store, const Tenant& tenant, const RecordKey& key, RecordData data,
               const std::string& statement) {
  WriteBatch batch(tenant);
  Status put = batch.Put(key, std::move(data));
  EXPECT_TRUE(put.ok()) << put.ToString();
  auto version = store.Commit(batch, statement);
  EXPECT_TRUE(version.ok()) << version.status().ToString();
  return version.ok() ? *version : 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace engram::storage::testing
