// FactoredMemory (the low-latency prototype of the episodic memory) against EpisodicMemory: the
// same M and P, the same readout scores (both read methods), exact forget, N > K, and bitwise
// determinism across thread counts. Measured errors are printed ("[ measured ]").

#include "compute/episodic/factored_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "compute/episodic/episodic_memory.h"
#include "compute/episodic/reference_memory.h"
#include "tests/compute/episodic_test_util.h"

namespace engram::compute::episodic {
namespace {

constexpr std::int64_t kSlots = 64;   // K
constexpr std::int64_t kWidth = 512;  // C
constexpr std::size_t kNonZeros = 30;
constexpr double kRidge = 1e-3;

using testing::BitwiseEqual;
using testing::RelativeError;

// Random sparse unit codes (kNonZeros-ish distinct buckets, Gaussian values), their dense form,
// and their addresses through a reference memory.
struct Rows {
  std::vector<SparseCode> codes;
  Matrix z;  // N x C
  Matrix w;  // N x K

  EpisodeRow row(std::int64_t i) const { return EpisodeRow{&codes[i], w.row(i)}; }
  std::vector<EpisodeRow> range(std::int64_t begin, std::int64_t end) const {
    std::vector<EpisodeRow> out;
    for (std::int64_t i = begin; i < end; ++i) out.push_back(row(i));
    return out;
  }
  MatrixView z_rows(std::int64_t begin, std::int64_t end) const {
    return MatrixView{
        std::span<const double>(z.data).subspan(begin * z.cols, (end - begin) * z.cols),
        end - begin, z.cols};
  }
  MatrixView w_rows(std::int64_t begin, std::int64_t end) const {
    return MatrixView{
        std::span<const double>(w.data).subspan(begin * w.cols, (end - begin) * w.cols),
        end - begin, w.cols};
  }
};

SparseCode RandomSparseCode(std::mt19937_64& rng, std::int64_t width, std::size_t nnz) {
  std::vector<std::uint32_t> all(static_cast<std::size_t>(width));
  std::iota(all.begin(), all.end(), 0u);
  std::shuffle(all.begin(), all.end(), rng);
  SparseCode code;
  code.index.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(nnz));
  std::sort(code.index.begin(), code.index.end());
  std::normal_distribution<double> normal;
  double norm = 0.0;
  for (std::size_t j = 0; j < nnz; ++j) {
    code.value.push_back(normal(rng));
    norm += code.value.back() * code.value.back();
  }
  for (double& v : code.value) v /= std::sqrt(norm);
  return code;
}

Rows MakeRows(std::int64_t n, std::int64_t slots, std::int64_t width, std::size_t nnz,
              std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Rows rows;
  rows.z = Matrix::Zeros(n, width);
  for (std::int64_t i = 0; i < n; ++i) {
    rows.codes.push_back(RandomSparseCode(rng, width, nnz));
    const SparseCode& c = rows.codes.back();
    for (std::size_t j = 0; j < c.index.size(); ++j) rows.z(i, c.index[j]) = c.value[j];
  }
  auto ref = ReferenceMemory::Create(slots, width, seed + 1);
  EXPECT_TRUE(ref.ok());
  auto w = ref.value().Addresses(rows.z);
  EXPECT_TRUE(w.ok());
  rows.w = std::move(w).value();
  return rows;
}

FactoredMemory NewFactored(std::int64_t slots = kSlots, std::int64_t width = kWidth) {
  FactoredOptions options;
  options.slots = slots;
  options.code_width = width;
  options.ridge = kRidge;
  auto memory = FactoredMemory::Create(options);
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

EpisodicMemory NewEpisodic() {
  EpisodicOptions options;
  options.slots = kSlots;
  options.code_width = kWidth;
  options.ridge = kRidge;
  auto memory = EpisodicMemory::Create(options);
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

// Writes rows [0, n) to both memories as episodes of `episode` rows each.
void WriteBoth(const Rows& rows, std::int64_t n, std::int64_t episode, FactoredMemory& factored,
               EpisodicMemory& episodic) {
  for (std::int64_t b = 0; b < n; b += episode) {
    const std::int64_t e = std::min(n, b + episode);
    ASSERT_TRUE(factored.Write(rows.range(b, e)).ok());
    ASSERT_TRUE(episodic.Write(rows.z_rows(b, e), rows.w_rows(b, e)).ok());
  }
}

// The largest difference of ⟨z_r, z_e⟩ and ‖z_r‖ between EpisodicMemory::Read and both
// factored read methods, over queries: the first `queries` written codes and one fresh code.
double MaxScoreError(const Rows& rows, std::int64_t live_n, std::int64_t queries,
                     FactoredMemory& factored, EpisodicMemory& episodic) {
  const std::vector<EpisodeRow> live = rows.range(0, live_n);
  const Matrix gram = FactoredMemory::CodeGram(live, kWidth);
  std::mt19937_64 rng(99);
  std::vector<SparseCode> query_codes(rows.codes.begin(), rows.codes.begin() + queries);
  query_codes.push_back(RandomSparseCode(rng, kWidth, kNonZeros));
  double worst = 0.0;
  for (const SparseCode& q : query_codes) {
    const std::vector<double> dense = ToDense(q, kWidth);
    auto read = episodic.Read(MatrixView{dense, 1, kWidth});
    EXPECT_TRUE(read.ok());
    const auto zr = read.value().codes.row(0);
    double norm = 0.0;
    for (double v : zr) norm += v * v;
    norm = std::sqrt(norm);
    auto dense_scores = factored.ReadScoresDense(q, live);
    auto gram_scores = factored.ReadScoresGram(q, live, gram);
    EXPECT_TRUE(dense_scores.ok());
    EXPECT_TRUE(gram_scores.ok());
    if (!dense_scores.ok() || !gram_scores.ok()) return 1.0;
    for (std::int64_t e = 0; e < live_n; ++e) {
      double expected = 0.0;
      for (std::int64_t c = 0; c < kWidth; ++c) expected += zr[c] * rows.z(e, c);
      worst = std::max(worst, std::abs(dense_scores.value().dots[e] - expected));
      worst = std::max(worst, std::abs(gram_scores.value().dots[e] - expected));
    }
    worst = std::max(worst, std::abs(dense_scores.value().norm - norm));
    worst = std::max(worst, std::abs(gram_scores.value().norm - norm));
  }
  return worst;
}

TEST(FactoredMemoryTest, MatchesEpisodicMemoryState) {
  const Rows rows = MakeRows(40, kSlots, kWidth, kNonZeros, 1);
  FactoredMemory factored = NewFactored();
  EpisodicMemory episodic = NewEpisodic();
  WriteBoth(rows, 40, 3, factored, episodic);
  auto mat = factored.Materialize();
  ASSERT_TRUE(mat.ok());
  const double m_err = RelativeError(mat.value().memory, episodic.memory());
  const double p_err = RelativeError(mat.value().covariance, episodic.covariance());
  std::printf("[ measured ] M rel err %.3g, P rel err %.3g\n", m_err, p_err);
  EXPECT_LE(m_err, 1e-9);
  EXPECT_LE(p_err, 1e-9);
  EXPECT_EQ(factored.rows(), 40);
  // The handed-out symmetric matrices are bitwise symmetric.
  const Matrix s = factored.address_gram(), q = factored.code_gram();
  for (std::int64_t i = 0; i < kSlots; ++i) {
    for (std::int64_t j = 0; j < i; ++j) {
      ASSERT_EQ(s(i, j), s(j, i));
      ASSERT_EQ(q(i, j), q(j, i));
    }
  }
}

TEST(FactoredMemoryTest, ReadScoresMatchEpisodicRead) {
  const Rows rows = MakeRows(40, kSlots, kWidth, kNonZeros, 2);
  FactoredMemory factored = NewFactored();
  EpisodicMemory episodic = NewEpisodic();
  WriteBoth(rows, 40, 4, factored, episodic);
  const double err = MaxScoreError(rows, 40, 8, factored, episodic);
  std::printf("[ measured ] N = 40 < K: max score / norm error %.3g\n", err);
  EXPECT_LE(err, 1e-8);
}

TEST(FactoredMemoryTest, MoreRowsThanSlotsMatchesEpisodicRead) {
  const Rows rows = MakeRows(100, kSlots, kWidth, kNonZeros, 3);
  FactoredMemory factored = NewFactored();
  EpisodicMemory episodic = NewEpisodic();
  WriteBoth(rows, 100, 7, factored, episodic);
  const double err = MaxScoreError(rows, 100, 8, factored, episodic);
  std::printf("[ measured ] N = 100 > K: max score / norm error %.3g\n", err);
  EXPECT_LE(err, 1e-8);
}

TEST(FactoredMemoryTest, ForgetUndoesWrite) {
  const Rows rows = MakeRows(30, kSlots, kWidth, kNonZeros, 4);
  FactoredMemory abc = NewFactored();
  ASSERT_TRUE(abc.Write(rows.range(0, 10)).ok());
  ASSERT_TRUE(abc.Write(rows.range(10, 20)).ok());
  ASSERT_TRUE(abc.Write(rows.range(20, 30)).ok());
  ASSERT_TRUE(abc.Forget(rows.range(10, 20)).ok());
  FactoredMemory ac = NewFactored();
  ASSERT_TRUE(ac.Write(rows.range(0, 10)).ok());
  ASSERT_TRUE(ac.Write(rows.range(20, 30)).ok());
  EXPECT_EQ(abc.rows(), 20);

  const double bt_err = RelativeError(abc.b_transposed(), ac.b_transposed());
  const double s_err = RelativeError(abc.address_gram(), ac.address_gram());
  const double q_err = RelativeError(abc.code_gram(), ac.code_gram());
  auto m1 = abc.Materialize(), m2 = ac.Materialize();
  ASSERT_TRUE(m1.ok() && m2.ok());
  const double m_err = RelativeError(m1.value().memory, m2.value().memory);
  std::printf("[ measured ] forget: Bt %.3g, S %.3g, Q %.3g, M %.3g\n", bt_err, s_err, q_err,
              m_err);
  EXPECT_LE(bt_err, 1e-9);
  EXPECT_LE(s_err, 1e-9);
  EXPECT_LE(q_err, 1e-9);
  EXPECT_LE(m_err, 1e-9);
  // Q is B·Bᵀ of the Bᵀ kept (the downdate is exact, not just self-consistent).
  const Matrix bt = ac.b_transposed();
  Matrix q = Matrix::Zeros(kSlots, kSlots);
  for (std::int64_t i = 0; i < kSlots; ++i) {
    for (std::int64_t j = 0; j < kSlots; ++j) {
      for (std::int64_t c = 0; c < kWidth; ++c) q(i, j) += bt(c, i) * bt(c, j);
    }
  }
  EXPECT_LE(RelativeError(abc.code_gram(), q), 1e-9);
}

TEST(FactoredMemoryTest, BitwiseAcrossThreadCounts) {
  // Sizes at which every parallel_for of an update splits its range (K·nnz and K² per row
  // above the grain of 65536 multiply-adds).
  constexpr std::int64_t kBigSlots = 512, kBigWidth = 4096;
  const Rows rows = MakeRows(12, kBigSlots, kBigWidth, 300, 5);
  const int saved = IntraOpThreads();
  std::vector<Matrix> states[2];
  for (int t = 0; t < 2; ++t) {
    SetIntraOpThreads(t + 1);
    ASSERT_EQ(IntraOpThreads(), t + 1);
    FactoredMemory memory = NewFactored(kBigSlots, kBigWidth);
    ASSERT_TRUE(memory.Write(rows.range(0, 8)).ok());
    ASSERT_TRUE(memory.Write(rows.range(8, 12)).ok());
    ASSERT_TRUE(memory.Forget(rows.range(2, 5)).ok());
    states[t] = {memory.b_transposed(), memory.address_gram(), memory.code_gram()};
  }
  SetIntraOpThreads(saved);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(BitwiseEqual(states[0][i], states[1][i])) << i;
}

TEST(FactoredMemoryTest, MalformedRowsAreRefusedWithoutChange) {
  const Rows rows = MakeRows(2, kSlots, kWidth, kNonZeros, 6);
  FactoredMemory memory = NewFactored();
  ASSERT_TRUE(memory.Write(rows.range(0, 1)).ok());
  const Matrix before = memory.b_transposed();
  SparseCode bad = rows.codes[1];
  std::swap(bad.index[0], bad.index[1]);  // not ascending
  std::vector<EpisodeRow> episode = {rows.row(1), EpisodeRow{&bad, rows.w.row(1)}};
  EXPECT_EQ(memory.Write(episode).code(), ErrorCode::kSyntax);
  bad = rows.codes[1];
  bad.index.back() = kWidth;  // out of range
  EXPECT_EQ(memory.Write(episode).code(), ErrorCode::kSyntax);
  const std::vector<double> short_address(kSlots - 1, 0.0);
  episode = {EpisodeRow{&rows.codes[1], short_address}};
  EXPECT_EQ(memory.Write(episode).code(), ErrorCode::kSyntax);
  EXPECT_EQ(memory.version(), 1u);
  EXPECT_TRUE(BitwiseEqual(memory.b_transposed(), before));
  // An empty memory reads as zeros.
  FactoredMemory empty = NewFactored();
  auto scores = empty.ReadScoresDense(rows.codes[0], rows.range(0, 1));
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(scores.value().dots[0], 0.0);
  EXPECT_EQ(scores.value().norm, 0.0);
}

}  // namespace
}  // namespace engram::compute::episodic
