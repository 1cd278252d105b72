// FactoredMemory (the episodic memory's core in information form) against EpisodicMemory (the
// dense reference): the same M and P, the same readout scores for N <= K and N > K, exact
// forget, the read factor's incremental updates against a fresh factorisation, checkpoint
// restore bit for bit, bitwise determinism across thread counts; and ReadFactor itself.
// Measured errors are printed ("[ measured ]").

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

// ⟨z_r, z⟩ for a written code z through a read probe.
double ProbeDot(const ReadProbe& probe, const SparseCode& query, const SparseCode& z) {
  double dot = 0.0;
  if (probe.is_query) return Dot(query, z);
  for (std::size_t j = 0; j < z.index.size(); ++j) dot += probe.values[z.index[j]] * z.value[j];
  return dot;
}

// The largest difference of ⟨z_r, z_e⟩ between EpisodicMemory::Read and FactoredMemory::Read,
// over queries (the first `queries` written codes and one fresh code) and live entries.
double MaxScoreError(const Rows& rows, std::int64_t live_n, std::int64_t queries,
                     FactoredMemory& factored, EpisodicMemory& episodic) {
  std::mt19937_64 rng(99);
  std::vector<SparseCode> query_codes(rows.codes.begin(), rows.codes.begin() + queries);
  query_codes.push_back(RandomSparseCode(rng, kWidth, kNonZeros));
  double worst = 0.0;
  for (const SparseCode& q : query_codes) {
    const std::vector<double> dense = ToDense(q, kWidth);
    auto read = episodic.Read(MatrixView{dense, 1, kWidth});
    EXPECT_TRUE(read.ok());
    const auto zr = read.value().codes.row(0);
    auto probe = factored.Read(q);
    EXPECT_TRUE(probe.ok()) << probe.status().ToString();
    if (!probe.ok()) return 1.0;
    for (std::int64_t e = 0; e < live_n; ++e) {
      double expected = 0.0;
      for (std::int64_t c = 0; c < kWidth; ++c) expected += zr[c] * rows.z(e, c);
      worst = std::max(worst, std::abs(ProbeDot(*probe, q, rows.codes[e]) - expected));
    }
  }
  return worst;
}

// The probes of `queries` as one vector of doubles (for bitwise comparisons).
std::vector<double> Probes(const FactoredMemory& memory, const std::vector<SparseCode>& queries) {
  std::vector<double> out;
  for (const SparseCode& q : queries) {
    auto probe = memory.Read(q);
    EXPECT_TRUE(probe.ok());
    if (!probe.ok()) return {};
    if (probe->is_query) out.push_back(-1.0);
    out.insert(out.end(), probe->values.begin(), probe->values.end());
  }
  return out;
}

double MaxAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

// A memory restored from `memory`'s checkpoint matrices (its read factor computed afresh).
FactoredMemory RestoredCopy(const FactoredMemory& memory, const FactoredOptions& options) {
  auto restored = FactoredMemory::Restore(options, memory.b_transposed(), memory.address_gram(),
                                          memory.code_gram(), memory.rows());
  EXPECT_TRUE(restored.ok()) << restored.status().ToString();
  return std::move(restored).value();
}

FactoredOptions SmallOptions() {
  FactoredOptions options;
  options.slots = kSlots;
  options.code_width = kWidth;
  options.ridge = kRidge;
  return options;
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
  // A malformed query is refused too.
  EXPECT_EQ(memory.Read(bad).status().code(), ErrorCode::kSyntax);
}

TEST(FactoredMemoryTest, ReadFactorFollowsRowsIncrementally) {
  // Rows written one at a time past K, then forgotten one at a time in random order: after every
  // update the incrementally modified read factor gives the probes of a freshly factored copy.
  const std::int64_t n = 2 * kSlots;
  const Rows rows = MakeRows(n, kSlots, kWidth, kNonZeros, 7);
  FactoredOptions options = SmallOptions();
  options.refactor_every = 1000;  // measure the drift of the updates alone
  auto created = FactoredMemory::Create(options);
  ASSERT_TRUE(created.ok());
  FactoredMemory memory = std::move(created).value();
  std::vector<SparseCode> queries(rows.codes.begin(), rows.codes.begin() + 4);
  std::mt19937_64 rng(8);
  queries.push_back(RandomSparseCode(rng, kWidth, kNonZeros));
  double worst = 0.0;
  std::uint32_t updates = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(memory.Write(rows.range(i, i + 1)).ok());
    updates = std::max(updates, memory.factor_updates());
    EXPECT_EQ(memory.read_factor() != nullptr, memory.rows() > kSlots) << i;
    if (memory.rows() > kSlots + 1) EXPECT_GT(memory.factor_updates(), 0u);
    if (i % 8 == 0 || i == n - 1) {
      worst = std::max(worst, MaxAbsDifference(Probes(memory, queries),
                                               Probes(RestoredCopy(memory, options), queries)));
    }
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t f = 0; f < order.size() / 2; ++f) {
    ASSERT_TRUE(memory.Forget(rows.range(order[f], order[f] + 1)).ok());
    updates = std::max(updates, memory.factor_updates());
    if (f % 8 == 0) {
      worst = std::max(worst, MaxAbsDifference(Probes(memory, queries),
                                               Probes(RestoredCopy(memory, options), queries)));
    }
  }
  std::printf(
      "[ measured ] incremental read factor vs fresh: max probe difference %.3g over %u "
      "updates\n",
      worst, updates);
  EXPECT_LE(worst, 1e-7);
  // Back to K rows: the factor is dropped and reads are the query's own overlaps.
  EXPECT_EQ(memory.rows(), kSlots);
  EXPECT_EQ(memory.read_factor(), nullptr);
  auto probe = memory.Read(queries[0]);
  ASSERT_TRUE(probe.ok());
  EXPECT_TRUE(probe->is_query);
}

TEST(FactoredMemoryTest, RestoreGivesTheSameBits) {
  // A checkpoint taken after Refactor and restored gives the same probes bit for bit, and both
  // copies stay identical through further incremental updates: a state has the same bits
  // however it was reached.
  const Rows rows = MakeRows(kSlots + 40, kSlots, kWidth, kNonZeros, 9);
  const FactoredOptions options = SmallOptions();
  FactoredMemory original = NewFactored();
  ASSERT_TRUE(original.Write(rows.range(0, kSlots + 20)).ok());
  ASSERT_TRUE(original.Refactor().ok());
  FactoredMemory restored = RestoredCopy(original, options);
  const std::vector<SparseCode> queries(rows.codes.begin(), rows.codes.begin() + 3);
  EXPECT_EQ(Probes(original, queries), Probes(restored, queries));
  for (std::int64_t i = kSlots + 20; i < kSlots + 40; ++i) {
    ASSERT_TRUE(original.Write(rows.range(i, i + 1)).ok());
    ASSERT_TRUE(restored.Write(rows.range(i, i + 1)).ok());
  }
  ASSERT_TRUE(original.Forget(rows.range(3, 5)).ok());
  ASSERT_TRUE(restored.Forget(rows.range(3, 5)).ok());
  EXPECT_GT(original.factor_updates(), 0u);
  EXPECT_EQ(Probes(original, queries), Probes(restored, queries));
  EXPECT_TRUE(BitwiseEqual(original.code_gram(), restored.code_gram()));
  ASSERT_NE(original.read_factor(), nullptr);
  EXPECT_EQ(original.read_factor()->upper(), restored.read_factor()->upper());

  // Malformed checkpoints are refused.
  Matrix q = original.code_gram();
  q(0, 1) += 1.0;  // not symmetric
  EXPECT_EQ(FactoredMemory::Restore(options, original.b_transposed(), original.address_gram(), q,
                                    original.rows())
                .status()
                .code(),
            ErrorCode::kSyntax);
  EXPECT_EQ(FactoredMemory::Restore(options, original.address_gram(), original.address_gram(),
                                    original.code_gram(), original.rows())
                .status()
                .code(),
            ErrorCode::kSyntax);  // Bᵀ of the wrong shape
}

TEST(FactoredMemoryTest, ReadsAreBitwiseAcrossThreadCounts) {
  constexpr std::int64_t kBigSlots = 256, kBigWidth = 4096;
  const Rows rows = MakeRows(kBigSlots + 24, kBigSlots, kBigWidth, 300, 10);
  FactoredOptions options;
  options.slots = kBigSlots;
  options.code_width = kBigWidth;
  const int saved = IntraOpThreads();
  std::vector<double> probes[2];
  std::vector<double> factors[2];
  for (int t = 0; t < 2; ++t) {
    SetIntraOpThreads(t + 1);
    auto created = FactoredMemory::Create(options);
    ASSERT_TRUE(created.ok());
    FactoredMemory memory = std::move(created).value();
    ASSERT_TRUE(memory.Write(rows.range(0, kBigSlots + 10)).ok());  // factored once
    for (std::int64_t i = kBigSlots + 10; i < kBigSlots + 24; ++i) {
      ASSERT_TRUE(memory.Write(rows.range(i, i + 1)).ok());  // updated row by row
    }
    ASSERT_NE(memory.read_factor(), nullptr);
    factors[t] = memory.read_factor()->upper();
    probes[t] = Probes(memory, {rows.codes[0], rows.codes[kBigSlots + 20]});
  }
  SetIntraOpThreads(saved);
  EXPECT_EQ(factors[0], factors[1]);
  EXPECT_EQ(probes[0], probes[1]);
}

TEST(ReadFactorTest, FactorUpdateAndSolve) {
  // Q = Xᵀ·X for a random 3K x K matrix X: the factor solves Q + εI, and a rank-2 change of Q
  // applied to the factor matches the factor of the changed Q.
  constexpr std::int64_t k = 48;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::vector<double> x(3 * k * k);
  for (double& v : x) v = normal(rng);
  std::vector<double> q(k * k, 0.0);
  auto add_gram = [&](std::vector<double>& out) {
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        for (std::int64_t r = 0; r < 3 * k; ++r) out[i * k + j] += x[r * k + i] * x[r * k + j];
      }
    }
  };
  add_gram(q);
  auto factor = ReadFactor::Factor(q, k);
  ASSERT_TRUE(factor.ok()) << factor.status().ToString();
  EXPECT_FALSE(factor->zero());
  std::vector<double> g(k), solved(k);
  for (double& v : g) v = normal(rng);
  factor->Solve(g, solved);
  double residual = 0.0;
  for (std::int64_t i = 0; i < k; ++i) {
    double row = factor->eps() * solved[i];
    for (std::int64_t j = 0; j < k; ++j) row += q[i * k + j] * solved[j];
    residual = std::max(residual, std::abs(row - g[i]));
  }
  EXPECT_LE(residual, 1e-9);

  // Q' = Q + w·pᵀ + p·wᵀ with p chosen so that Q' stays positive definite: Q' = Q + y·yᵀ − 0
  // is not indefinite, so use Q' = X'ᵀX' for X' = X with one row r changed: the change is
  // x'x'ᵀ − xxᵀ = w·pᵀ + p·wᵀ with w = x' − x, p = (x' + x)/2.
  std::vector<double> w(k), p(k);
  for (std::int64_t i = 0; i < k; ++i) {
    const double old_value = x[5 * k + i], new_value = normal(rng);
    w[i] = new_value - old_value;
    p[i] = 0.5 * (new_value + old_value);
    x[5 * k + i] = new_value;
  }
  ASSERT_TRUE(factor->RankTwo(w, p));
  std::vector<double> q2(k * k, 0.0);
  add_gram(q2);
  for (std::int64_t i = 0; i < k; ++i) q2[i * k + i] += factor->eps();
  // RᵀR equals Q' + εI.
  const std::vector<double>& r = factor->upper();
  double worst = 0.0;
  for (std::int64_t i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < k; ++j) {
      double v = 0.0;
      for (std::int64_t l = 0; l <= std::min(i, j); ++l) v += r[l * k + i] * r[l * k + j];
      worst = std::max(worst, std::abs(v - q2[i * k + j]) / q2[i * k + i]);
    }
  }
  EXPECT_LE(worst, 1e-12);

  // A change that makes the matrix indefinite cannot be applied.
  std::vector<double> e0(k, 0.0), big(k, 0.0);
  e0[0] = 1.0;
  big[0] = -1e6 * q[0];  // Q'_00 = Q_00 − 2e6·Q_00 < 0
  EXPECT_FALSE(factor->RankTwo(e0, big));

  // The zero matrix gives the zero factor.
  auto zero = ReadFactor::Factor(std::vector<double>(k * k, 0.0), k);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->zero());
  zero->Solve(g, solved);
  EXPECT_EQ(solved, std::vector<double>(k, 0.0));
  // A matrix of the wrong size is refused.
  EXPECT_EQ(ReadFactor::Factor(std::vector<double>(k), k).status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::compute::episodic
