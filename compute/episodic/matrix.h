// Torch-free value types of the episodic memory: a row-major float64 matrix, a read-only view of
// one, the configured size limits, and the intra-op thread setting used by the tests.
//
// The episodic memory (Larimar, docs: shared/docs/mechanisms.md §1) keeps its state in LibTorch
// tensors, but nothing in its headers names an ATen type: callers hand in and get back plain
// row-major doubles, so the protocol, the executor and the tests stay free of LibTorch headers.
#ifndef ENGRAM_COMPUTE_EPISODIC_MATRIX_H_
#define ENGRAM_COMPUTE_EPISODIC_MATRIX_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engram/status.h"

namespace engram::compute::episodic {

// A read-only view of a row-major rows x cols matrix of doubles. `data.size()` must equal
// rows * cols; every function that takes a view checks this (SYNTAX otherwise).
struct MatrixView {
  std::span<const double> data;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

// An owned row-major rows x cols matrix of doubles.
struct Matrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<double> data;

  static Matrix Zeros(std::int64_t r, std::int64_t c) {
    return Matrix{r, c, std::vector<double>(static_cast<std::size_t>(r * c), 0.0)};
  }

  double& operator()(std::int64_t r, std::int64_t c) {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
  double operator()(std::int64_t r, std::int64_t c) const {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
  std::span<const double> row(std::int64_t r) const {
    return std::span<const double>(data).subspan(static_cast<std::size_t>(r * cols),
                                                 static_cast<std::size_t>(cols));
  }
  MatrixView view() const { return MatrixView{data, rows, cols}; }
  operator MatrixView() const { return view(); }  // NOLINT(google-explicit-constructor)
};

// Configured limits; a shape beyond them is a LIMIT error, never an allocation attempt.
struct EpisodicLimits {
  std::int64_t max_slots = 8192;          // K
  std::int64_t max_code_width = 16384;    // C
  std::int64_t max_update_rows = 4096;    // N of one Update or one Read query
  std::int64_t max_batch_rows = 1 << 20;  // rows of FromEpisodes
  int max_read_iterations = 64;
};

// Checks that `view` is a well-formed rows x cols matrix of finite values: SYNTAX when
// data.size() != rows * cols, a dimension is not positive or a value is NaN or infinite;
// `what` names the argument in the message.
Status CheckMatrix(const MatrixView& view, const char* what);

// LibTorch's intra-op thread count (at::set_num_threads / at::get_num_threads); the episodic
// update's own loops are partitioned by it but give the same bits for every count.
void SetIntraOpThreads(int threads);
int IntraOpThreads();

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_MATRIX_H_
