#include "compute/episodic/torch_support.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>
#include <new>
#include <vector>

namespace engram::compute::episodic {

Status CheckMatrix(const MatrixView& view, const char* what) {
  if (view.rows < 1 || view.cols < 1) {
    return SyntaxError(std::string(what) + " must have at least one row and one column, got " +
                       std::to_string(view.rows) + " x " + std::to_string(view.cols));
  }
  const auto size = static_cast<std::int64_t>(view.data.size());
  if (size % view.cols != 0 || size / view.cols != view.rows) {
    return SyntaxError(std::string(what) + " holds " + std::to_string(view.data.size()) +
                       " values, not " + std::to_string(view.rows) + " x " +
                       std::to_string(view.cols));
  }
  for (std::size_t i = 0; i < view.data.size(); ++i) {
    if (!std::isfinite(view.data[i])) {
      return SyntaxError(std::string(what) + " holds a non-finite value at row " +
                         std::to_string(static_cast<std::int64_t>(i) / view.cols));
    }
  }
  return Status::Ok();
}

void SetIntraOpThreads(int threads) {
  at::set_num_threads(threads);
}
int IntraOpThreads() {
  return at::get_num_threads();
}

namespace internal {

at::Tensor ToTensor(const MatrixView& view) {
  at::Tensor t = at::empty({view.rows, view.cols}, at::kDouble);
  if (!view.data.empty()) {
    std::memcpy(t.data_ptr<double>(), view.data.data(), view.data.size() * sizeof(double));
  }
  return t;
}

Matrix ToMatrix(const at::Tensor& tensor) {
  // The state tensors are contiguous float64 CPU tensors already: copy them without a LibTorch
  // operation (the accessors that use this cannot fail other than by std::bad_alloc).
  const bool ready =
      tensor.device().is_cpu() && tensor.scalar_type() == at::kDouble && tensor.is_contiguous();
  const at::Tensor t = ready ? tensor : tensor.to(at::kCPU, at::kDouble).contiguous();
  Matrix m = Matrix::Zeros(t.size(0), t.size(1));
  if (!m.data.empty()) {
    std::memcpy(m.data.data(), t.data_ptr<double>(), m.data.size() * sizeof(double));
  }
  return m;
}

at::Tensor MatMul(const at::Tensor& a, const at::Tensor& b) {
  constexpr std::int64_t kMaxRowsByVector = 4;
  if (a.size(0) > kMaxRowsByVector) return a.mm(b);
  const at::Tensor bt = b.t();
  std::vector<at::Tensor> rows;
  rows.reserve(static_cast<std::size_t>(a.size(0)));
  for (std::int64_t r = 0; r < a.size(0); ++r) rows.push_back(bt.mv(a[r]));
  return at::stack(rows);
}

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

Status CheckDimension(std::int64_t value, std::int64_t limit, const char* what) {
  if (value < 1) {
    return SyntaxError(std::string(what) + " must be at least 1, got " + std::to_string(value));
  }
  if (value > limit) {
    return LimitError(std::string(what) + " " + std::to_string(value) +
                      " exceeds the configured limit of " + std::to_string(limit));
  }
  return Status::Ok();
}

// The ridge of the read path (episodic_memory.h): ε relative to the largest diagonal entry.
Result<RidgeFactor> RidgeCholesky(at::Tensor& gram, const char* what) {
  constexpr double kReadRidge = 1e-10;
  constexpr int kReadRidgeRetries = 2;
  RidgeFactor out;
  const double max_diag = gram.diagonal().max().item<double>();
  if (max_diag <= 0.0) {
    out.zero = true;
    return out;
  }
  double eps = kReadRidge * max_diag;
  double added = 0.0;
  for (int attempt = 0;; ++attempt) {
    gram.diagonal().add_(eps - added);
    added = eps;
    auto [factor, info] = at::linalg_cholesky_ex(gram);
    if (info.item<int>() == 0) {
      out.factor = factor;
      out.eps = eps;
      return out;
    }
    if (attempt == kReadRidgeRetries) {
      return ComputeError(std::string(what) +
                          " + εI is not positive definite even with ε = " + std::to_string(eps));
    }
    eps *= 100.0;
  }
}

}  // namespace internal
}  // namespace engram::compute::episodic
