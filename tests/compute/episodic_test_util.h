// Helpers shared by the episodic memory tests: deterministic random codes, matrix slicing,
// norms, cosine and bitwise checks.
#ifndef ENGRAM_TESTS_COMPUTE_EPISODIC_TEST_UTIL_H_
#define ENGRAM_TESTS_COMPUTE_EPISODIC_TEST_UTIL_H_

#include <cstdint>
#include <span>
#include <vector>

#include "compute/episodic/matrix.h"

namespace engram::compute::episodic::testing {

// n unit-norm random codes of width c (from the deterministic generator, so runs repeat).
Matrix RandomCodes(std::int64_t n, std::int64_t c, std::uint64_t seed);
// Rows [begin, end) of m.
Matrix RowsOf(const Matrix& m, std::int64_t begin, std::int64_t end);
// The rows of a, then those of b.
Matrix Stack(const Matrix& a, const Matrix& b);
double Frobenius(const Matrix& a);
// ||a - b|| / ||b|| (Frobenius).
double RelativeError(const Matrix& a, const Matrix& b);
double Cosine(std::span<const double> a, std::span<const double> b);
bool BitwiseEqual(const Matrix& a, const Matrix& b);
// FNV-1a over the values' bits: a compact fingerprint for pinning exact results.
std::uint64_t Fnv1a(const std::vector<double>& values);

}  // namespace engram::compute::episodic::testing

#endif  // ENGRAM_TESTS_COMPUTE_EPISODIC_TEST_UTIL_H_
