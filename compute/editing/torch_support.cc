#include "compute/editing/torch_support.h"

#include <ATen/Parallel.h>

#include <cstring>
#include <mutex>
#include <new>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace engram::compute::editing::internal {

Status FromException(const std::exception& e, const std::string& what) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return LimitError(what + ": out of memory");
  }
  const std::string message = what + ": " + e.what();
  if (message.find("out of memory") != std::string::npos ||
      message.find("can't allocate") != std::string::npos ||
      message.find("not enough memory") != std::string::npos) {
    return LimitError(message);
  }
  return ComputeError(message);
}

void KeepAllocationsResident() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
#endif
}

SingleThreadScope::SingleThreadScope() : previous_(at::get_num_threads()) {
  if (previous_ != 1) at::set_num_threads(1);
}

SingleThreadScope::~SingleThreadScope() {
  if (previous_ != 1) at::set_num_threads(previous_);
}

at::Tensor FloatTensor(std::span<const float> data, at::IntArrayRef shape) {
  at::Tensor t = at::empty(shape, at::kFloat);
  if (!data.empty()) std::memcpy(t.data_ptr<float>(), data.data(), data.size() * sizeof(float));
  return t;
}

std::vector<float> ToFloats(const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
  std::vector<float> out(static_cast<std::size_t>(t.numel()));
  if (!out.empty()) std::memcpy(out.data(), t.data_ptr<float>(), out.size() * sizeof(float));
  return out;
}

}  // namespace engram::compute::editing::internal
