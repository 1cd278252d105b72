#include "compute/episodic/reference_memory.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>

#include "compute/episodic/torch_support.h"

namespace engram::compute::episodic {
namespace {

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in the open interval (0, 1): 52 random bits plus one half, scaled by 2^-52.
// Every step is exact.
double Uniform01(std::uint64_t& state) {
  return (static_cast<double>(SplitMix64(state) >> 12) + 0.5) * 0x1.0p-52;
}

// ln(s) for s in (0, 1] from IEEE-exact operations only (libm's log is not bit-specified):
// s = m·2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2·atanh(t) = 2(t + t³/3 + t⁵/5 + ...) with
// t = (m − 1)/(m + 1), |t| < 0.1716; fourteen terms leave a truncation error below 1e-21.
double DeterministicLog(double s) {
  int e = 0;
  double m = std::frexp(s, &e);  // exact
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  double sum = 0.0;
  for (int k = 13; k >= 0; --k) sum = sum * t2 + 1.0 / static_cast<double>(2 * k + 1);
  constexpr double kLn2 = 0x1.62e42fefa39efp-1;
  return 2.0 * t * sum + static_cast<double>(e) * kLn2;
}

}  // namespace

void GaussianDeviates(std::uint64_t seed, std::span<double> out) {
  // Marsaglia's polar method: (v1, v2) uniform in the unit disc gives two independent standard
  // normal deviates v·sqrt(−2 ln s / s), s = v1² + v2².
  std::uint64_t state = seed;
  std::size_t i = 0;
  while (i < out.size()) {
    double v1 = 0.0, v2 = 0.0, s = 0.0;
    do {
      v1 = 2.0 * Uniform01(state) - 1.0;
      v2 = 2.0 * Uniform01(state) - 1.0;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * DeterministicLog(s) / s);
    out[i++] = v1 * f;
    if (i < out.size()) out[i++] = v2 * f;
  }
}

struct ReferenceMemory::Impl {
  std::int64_t slots = 0;
  std::int64_t code_width = 0;
  std::uint64_t seed = 0;
  EpisodicLimits limits;
  at::Tensor values;  // K x C
  at::Tensor pinv;    // C x K
};

ReferenceMemory::ReferenceMemory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReferenceMemory::ReferenceMemory(ReferenceMemory&&) noexcept = default;
ReferenceMemory& ReferenceMemory::operator=(ReferenceMemory&&) noexcept = default;
ReferenceMemory::~ReferenceMemory() = default;

Result<ReferenceMemory> ReferenceMemory::Create(std::int64_t slots, std::int64_t code_width,
                                                std::uint64_t seed, const EpisodicLimits& limits) {
  ENGRAM_RETURN_IF_ERROR(internal::CheckDimension(slots, limits.max_slots, "slot count K"));
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(code_width, limits.max_code_width, "code width C"));
  if (slots > code_width) {
    return SyntaxError("the reference memory needs K <= C (independent rows), got K = " +
                       std::to_string(slots) + ", C = " + std::to_string(code_width));
  }
  try {
    c10::InferenceMode guard;
    auto impl = std::make_unique<Impl>();
    impl->slots = slots;
    impl->code_width = code_width;
    impl->seed = seed;
    impl->limits = limits;
    impl->values = at::empty({slots, code_width}, at::kDouble);
    std::span<double> values(impl->values.data_ptr<double>(),
                             static_cast<std::size_t>(slots * code_width));
    GaussianDeviates(seed, values);
    const double scale = std::sqrt(static_cast<double>(code_width));
    for (double& v : values) v /= scale;

    // pinv(M_ref) = M_refᵀ (M_ref M_refᵀ)^{-1}: solve (M_ref M_refᵀ) X = M_ref, pinv = Xᵀ.
    const at::Tensor gram = impl->values.mm(impl->values.t());
    auto [factor, info] = at::linalg_cholesky_ex(gram);
    if (info.item<int>() != 0) {
      return ComputeError("the reference memory's Gram matrix is not positive definite (K = " +
                          std::to_string(slots) + ", C = " + std::to_string(code_width) + ")");
    }
    impl->pinv = at::cholesky_solve(impl->values, factor).t().contiguous();
    return ReferenceMemory(std::move(impl));
  } catch (const std::exception& e) {
    return internal::FromException(e, "building the reference memory failed");
  }
}

std::int64_t ReferenceMemory::slots() const {
  return impl_->slots;
}
std::int64_t ReferenceMemory::code_width() const {
  return impl_->code_width;
}
std::uint64_t ReferenceMemory::seed() const {
  return impl_->seed;
}

Matrix ReferenceMemory::Values() const {
  c10::InferenceMode guard;
  return internal::ToMatrix(impl_->values);
}

Matrix ReferenceMemory::PseudoInverse() const {
  c10::InferenceMode guard;
  return internal::ToMatrix(impl_->pinv);
}

Result<Matrix> ReferenceMemory::Addresses(const MatrixView& z) const {
  ENGRAM_RETURN_IF_ERROR(CheckMatrix(z, "Z"));
  if (z.cols != impl_->code_width) {
    return SyntaxError("codes have width " + std::to_string(z.cols) + ", the memory expects " +
                       std::to_string(impl_->code_width));
  }
  ENGRAM_RETURN_IF_ERROR(
      internal::CheckDimension(z.rows, impl_->limits.max_update_rows, "row count N"));
  try {
    c10::InferenceMode guard;
    return internal::ToMatrix(internal::MatMul(internal::ToTensor(z), impl_->pinv));
  } catch (const std::exception& e) {
    return internal::FromException(e, "computing addresses failed");
  }
}

}  // namespace engram::compute::episodic
