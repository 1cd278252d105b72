// The episodic memory's numerical core: exact forget, recall, drift over many updates,
// bitwise determinism (runs, thread counts, the reference memory's generator) and error values.
// Measured errors are printed ("[ measured ]") so that regressions in precision are visible
// before they cross the asserted bounds.

#include "compute/episodic/episodic_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "compute/episodic/reference_memory.h"
#include "tests/compute/episodic_test_util.h"

namespace engram::compute::episodic {
namespace {

constexpr std::int64_t kSlots = 64;   // K
constexpr std::int64_t kWidth = 256;  // C
constexpr std::uint64_t kRefSeed = 0x5EEDull;

using testing::BitwiseEqual;
using testing::Cosine;
using testing::Fnv1a;
using testing::Frobenius;
using testing::RandomCodes;
using testing::RelativeError;
using testing::RowsOf;
using testing::Stack;

// The orthogonal projection of q onto the span of the rows of `basis_rows` (modified
// Gram–Schmidt, twice for stability): the exact readout of a memory holding those codes.
std::vector<double> Project(const Matrix& basis_rows, std::span<const double> q) {
  const auto c = static_cast<std::size_t>(basis_rows.cols);
  std::vector<std::vector<double>> basis;
  for (std::int64_t r = 0; r < basis_rows.rows; ++r) {
    std::vector<double> v(basis_rows.row(r).begin(), basis_rows.row(r).end());
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& b : basis) {
        double dot = 0.0;
        for (std::size_t j = 0; j < c; ++j) dot += v[j] * b[j];
        for (std::size_t j = 0; j < c; ++j) v[j] -= dot * b[j];
      }
    }
    double norm = 0.0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    for (double& x : v) x /= norm;
    basis.push_back(std::move(v));
  }
  std::vector<double> out(c, 0.0);
  for (const auto& b : basis) {
    double dot = 0.0;
    for (std::size_t j = 0; j < c; ++j) dot += q[j] * b[j];
    for (std::size_t j = 0; j < c; ++j) out[j] += dot * b[j];
  }
  return out;
}

class EpisodicMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ref = ReferenceMemory::Create(kSlots, kWidth, kRefSeed);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    ref_ = std::make_unique<ReferenceMemory>(std::move(ref).value());
  }

  struct Episode {
    Matrix z;
    Matrix w;
  };

  Episode MakeEpisode(std::int64_t rows, std::uint64_t seed) const {
    Episode e{RandomCodes(rows, kWidth, seed), {}};
    auto w = ref_->Addresses(e.z);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    e.w = std::move(w).value();
    return e;
  }

  static EpisodicMemory Empty(double ridge = 1e-3, std::int64_t k = kSlots,
                              std::int64_t c = kWidth) {
    EpisodicOptions options;
    options.slots = k;
    options.code_width = c;
    options.ridge = ridge;
    auto memory = EpisodicMemory::Create(options);
    EXPECT_TRUE(memory.ok()) << memory.status().ToString();
    return std::move(memory).value();
  }

  std::unique_ptr<ReferenceMemory> ref_;
};

// --- reference memory -------------------------------------------------------------------------

TEST_F(EpisodicMemoryTest, ReferenceMemoryIsReproducibleAndPinned) {
  // The generator's first deviates, pinned bit for bit: a change of the generator (or of the
  // floating-point semantics it is compiled with) fails here.
  std::vector<double> g(4);
  GaussianDeviates(42, g);
  const std::uint64_t expected_bits[4] = {0x3fdf8c80e851c094ull, 0xbfe6354b5f7dce7cull,
                                          0xbff47f4af60c7f97ull, 0xbfecd98e78b167acull};
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &g[i], sizeof bits);
    EXPECT_EQ(bits, expected_bits[i]) << "deviate " << i << " = " << g[i];
  }

  auto again = ReferenceMemory::Create(kSlots, kWidth, kRefSeed);
  ASSERT_TRUE(again.ok());
  const Matrix values = ref_->Values();
  EXPECT_TRUE(BitwiseEqual(values, again->Values()));
  EXPECT_TRUE(BitwiseEqual(ref_->PseudoInverse(), again->PseudoInverse()));
  EXPECT_EQ(Fnv1a(values.data), 0xe9a62daca602bcd3ull) << "M_ref(64 x 256, seed 0x5EED) changed";

  auto other = ReferenceMemory::Create(kSlots, kWidth, kRefSeed + 1);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(BitwiseEqual(values, other->Values()));

  // Entries are N(0, 1/C): the rows have squared norm ≈ 1.
  double mean_row_norm2 = 0.0;
  for (std::int64_t r = 0; r < kSlots; ++r) {
    double s = 0.0;
    for (double v : values.row(r)) s += v * v;
    mean_row_norm2 += s / kSlots;
  }
  EXPECT_NEAR(mean_row_norm2, 1.0, 0.05);

  // pinv: M_ref · pinv(M_ref) = I_K.
  const Matrix pinv = ref_->PseudoInverse();
  ASSERT_EQ(pinv.rows, kWidth);
  ASSERT_EQ(pinv.cols, kSlots);
  double max_dev = 0.0;
  for (std::int64_t i = 0; i < kSlots; ++i) {
    for (std::int64_t j = 0; j < kSlots; ++j) {
      double s = 0.0;
      for (std::int64_t c = 0; c < kWidth; ++c) s += values(i, c) * pinv(c, j);
      max_dev = std::max(max_dev, std::abs(s - (i == j ? 1.0 : 0.0)));
    }
  }
  std::printf("[ measured ] max |M_ref pinv(M_ref) - I| = %.3g\n", max_dev);
  EXPECT_LT(max_dev, 1e-12);
}

TEST(EpisodicGeneratorTest, DeviatesAreStandardNormal) {
  std::vector<double> g(1 << 20);
  GaussianDeviates(7, g);
  double mean = 0.0, m2 = 0.0, m4 = 0.0;
  for (double v : g) mean += v;
  mean /= static_cast<double>(g.size());
  for (double v : g) {
    m2 += (v - mean) * (v - mean);
    m4 += std::pow(v - mean, 4);
  }
  m2 /= static_cast<double>(g.size());
  m4 /= static_cast<double>(g.size());
  std::printf("[ measured ] 2^20 deviates: mean %.5f, variance %.5f, kurtosis %.4f\n", mean, m2,
              m4 / (m2 * m2));
  EXPECT_LT(std::abs(mean), 0.005);     // sd of the mean is ~0.001
  EXPECT_LT(std::abs(m2 - 1.0), 0.01);  // sd of the variance is ~0.0014
  EXPECT_LT(std::abs(m4 / (m2 * m2) - 3.0), 0.05);
}

// --- 1. exactness of forget -------------------------------------------------------------------

TEST_F(EpisodicMemoryTest, ForgetRestoresTheStateWithoutTheEpisode) {
  const Episode a = MakeEpisode(2, 101), b = MakeEpisode(3, 102), c = MakeEpisode(4, 103);

  EpisodicMemory abc = Empty();
  ASSERT_TRUE(abc.Write(a.z, a.w).ok());
  ASSERT_TRUE(abc.Write(b.z, b.w).ok());
  ASSERT_TRUE(abc.Write(c.z, c.w).ok());
  ASSERT_TRUE(abc.Forget(b.z, b.w).ok());
  EXPECT_EQ(abc.rows(), 6);
  EXPECT_EQ(abc.version(), 4u);

  EpisodicMemory ac = Empty();
  ASSERT_TRUE(ac.Write(a.z, a.w).ok());
  ASSERT_TRUE(ac.Write(c.z, c.w).ok());

  EpisodicOptions options;
  options.slots = kSlots;
  options.code_width = kWidth;
  auto batch = EpisodicMemory::FromEpisodes(options, Stack(a.z, c.z), Stack(a.w, c.w));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();

  const double m_seq = RelativeError(abc.memory(), ac.memory());
  const double p_seq = RelativeError(abc.covariance(), ac.covariance());
  const double m_batch = RelativeError(abc.memory(), batch->memory());
  const double p_batch = RelativeError(abc.covariance(), batch->covariance());
  const double ac_batch = RelativeError(ac.memory(), batch->memory());
  std::printf(
      "[ measured ] write A,B,C forget B vs write A,C: M %.3g, P %.3g; vs FromEpisodes(A∪C): "
      "M %.3g, P %.3g; write A,C vs FromEpisodes: M %.3g\n",
      m_seq, p_seq, m_batch, p_batch, ac_batch);
  EXPECT_LT(m_seq, 1e-5);
  EXPECT_LT(p_seq, 1e-5);
  EXPECT_LT(m_batch, 1e-5);
  EXPECT_LT(p_batch, 1e-5);
  EXPECT_LT(ac_batch, 1e-5);
  // The real margin is far larger; flag a precision regression long before the contract breaks.
  EXPECT_LT(m_seq, 1e-9);
  EXPECT_LT(p_seq, 1e-9);

  // The state really changed in between (a test that cannot fail proves nothing).
  EpisodicMemory abc_only = Empty();
  ASSERT_TRUE(abc_only.Write(a.z, a.w).ok());
  ASSERT_TRUE(abc_only.Write(b.z, b.w).ok());
  ASSERT_TRUE(abc_only.Write(c.z, c.w).ok());
  EXPECT_GT(RelativeError(abc_only.memory(), ac.memory()), 0.1);

  // P stays bitwise symmetric.
  const Matrix p = abc.covariance();
  for (std::int64_t i = 0; i < kSlots; ++i) {
    for (std::int64_t j = 0; j < i; ++j) ASSERT_EQ(p(i, j), p(j, i)) << i << "," << j;
  }
}

// --- 2. recall and forgetting of recall ----------------------------------------------------

TEST_F(EpisodicMemoryTest, ReadRecallsWrittenCodesAndForgetsForgottenOnes) {
  constexpr std::int64_t kFacts = 16;
  const Matrix z = RandomCodes(kFacts, kWidth, 200);
  auto w = ref_->Addresses(z);
  ASSERT_TRUE(w.ok());
  EpisodicMemory memory = Empty();
  for (std::int64_t i = 0; i < kFacts; ++i) {
    ASSERT_TRUE(memory.Write(RowsOf(z, i, i + 1), RowsOf(*w, i, i + 1)).ok());
  }

  auto read = memory.Read(z);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->codes.rows, kFacts);
  ASSERT_EQ(read->addresses.cols, kSlots);
  double min_cos = 1.0, max_proj_err = 0.0;
  for (std::int64_t i = 0; i < kFacts; ++i) {
    const double cos = Cosine(read->codes.row(i), z.row(i));
    min_cos = std::min(min_cos, cos);
    std::int64_t nearest = -1;
    double best = -2.0;
    for (std::int64_t j = 0; j < kFacts; ++j) {
      const double cj = Cosine(read->codes.row(i), z.row(j));
      if (cj > best) best = cj, nearest = j;
    }
    EXPECT_EQ(nearest, i);
    EXPECT_GT(cos, 0.99) << "fact " << i;
  }
  // A read is the projection onto the span of the written codes.
  const Matrix fresh = RandomCodes(8, kWidth, 300);
  auto fresh_read = memory.Read(fresh);
  ASSERT_TRUE(fresh_read.ok());
  for (std::int64_t i = 0; i < fresh.rows; ++i) {
    const std::vector<double> exact = Project(z, fresh.row(i));
    Matrix e{1, kWidth, exact};
    max_proj_err = std::max(max_proj_err, RelativeError(RowsOf(fresh_read->codes, i, i + 1), e));
  }
  std::printf("[ measured ] recall: min cosine %.12f; readout vs exact projection %.3g\n", min_cos,
              max_proj_err);
  EXPECT_LT(max_proj_err, 1e-6);

  // Chance level: the cosine between a never-written code and its readout. For a random unit
  // code and r written codes in C dimensions, cos² ~ Beta(r/2, (C−r)/2): mean r/C.
  const Matrix unseen = RandomCodes(64, kWidth, 400);
  double chance_max = 0.0;

  constexpr std::int64_t kForgotten = 5;
  ASSERT_TRUE(
      memory.Forget(RowsOf(z, kForgotten, kForgotten + 1), RowsOf(*w, kForgotten, kForgotten + 1))
          .ok());
  auto unseen_read = memory.Read(unseen);
  ASSERT_TRUE(unseen_read.ok());
  for (std::int64_t i = 0; i < unseen.rows; ++i) {
    chance_max = std::max(chance_max, Cosine(unseen_read->codes.row(i), unseen.row(i)));
  }
  auto after = memory.Read(z);
  ASSERT_TRUE(after.ok());
  const double forgotten_cos = Cosine(after->codes.row(kForgotten), z.row(kForgotten));
  const double expected_chance = std::sqrt(static_cast<double>(kFacts - 1) / kWidth);
  std::printf(
      "[ measured ] forgotten fact: cosine %.4f (chance: sqrt(r/C) = %.4f, max over 64 unseen "
      "codes %.4f)\n",
      forgotten_cos, expected_chance, chance_max);
  // Bound: mean chance + 4 standard deviations of cos² (≈ 0.376 here), and no better than the
  // best of 64 never-written codes plus a small margin.
  const double r = kFacts - 1, c = kWidth;
  const double cos2_bound = r / c + 4.0 * std::sqrt(2.0 * r * (c - r) / (c * c * (c + 2.0)));
  EXPECT_LT(forgotten_cos, std::sqrt(cos2_bound));
  EXPECT_LT(forgotten_cos, chance_max + 0.05);
  // The others are still recalled.
  for (std::int64_t i = 0; i < kFacts; ++i) {
    if (i == kForgotten) continue;
    EXPECT_GT(Cosine(after->codes.row(i), z.row(i)), 0.99) << "fact " << i;
  }

  // Iterative reading of a noisy stored code converges to it (the projection is idempotent).
  Matrix noisy = RowsOf(z, 3, 4);
  const Matrix noise = RandomCodes(1, kWidth, 500);
  for (std::int64_t j = 0; j < kWidth; ++j) noisy(0, j) += 0.3 * noise(0, j);
  auto one = memory.Read(noisy, 1);
  auto three = memory.Read(noisy, 3);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_GT(Cosine(three->codes.row(0), z.row(3)), 0.97);
  EXPECT_LT(RelativeError(three->codes, one->codes), 1e-6);
}

TEST_F(EpisodicMemoryTest, EmptyMemoryReadsZero) {
  EpisodicMemory memory = Empty();
  auto read = memory.Read(RandomCodes(2, kWidth, 1));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(Frobenius(read->codes), 0.0);
  EXPECT_EQ(Frobenius(read->addresses), 0.0);
}

// --- 3. drift over many updates ---------------------------------------------------------------

struct DriftResult {
  double m_drift;  // ||M||_F / peak ||M||_F after everything is forgotten
  double p_drift;  // ||P − I/λ||_F / ||I/λ||_F
  double m_peak;
};

DriftResult RunDrift(const ReferenceMemory& ref, double ridge, int episodes, std::uint64_t seed) {
  EpisodicOptions options;
  options.slots = kSlots;
  options.code_width = kWidth;
  options.ridge = ridge;
  EpisodicMemory memory = std::move(EpisodicMemory::Create(options)).value();
  std::mt19937_64 rng(seed);
  std::vector<std::pair<Matrix, Matrix>> written;
  double peak = 0.0;
  for (int e = 0; e < episodes; ++e) {
    const auto rows = static_cast<std::int64_t>(1 + rng() % 4);
    Matrix z = RandomCodes(rows, kWidth, seed * 1000 + static_cast<std::uint64_t>(e));
    Matrix w = std::move(ref.Addresses(z)).value();
    EXPECT_TRUE(memory.Write(z, w).ok());
    written.emplace_back(std::move(z), std::move(w));
  }
  peak = Frobenius(memory.memory());
  std::vector<std::size_t> order(written.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i : order) {
    const Status s = memory.Forget(written[i].first, written[i].second);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(memory.rows(), 0);
  const Matrix p = memory.covariance();
  Matrix p0 = Matrix::Zeros(kSlots, kSlots);
  for (std::int64_t i = 0; i < kSlots; ++i) p0(i, i) = 1.0 / ridge;
  return DriftResult{Frobenius(memory.memory()) / peak, RelativeError(p, p0), peak};
}

TEST_F(EpisodicMemoryTest, ManyWritesThenForgetsReturnToTheEmptyState) {
  // 250 episodes of 1–4 rows (≈ 625 rows ≫ K = 64) written, then forgotten in random order:
  // 500 updates.
  const DriftResult r = RunDrift(*ref_, 1e-3, 250, 11);
  std::printf("[ measured ] λ = 1e-3, 500 updates: ||M||/peak %.3g (peak %.3g), P drift %.3g\n",
              r.m_drift, r.m_peak, r.p_drift);
  EXPECT_LT(r.m_drift, 1e-8);
  EXPECT_LT(r.p_drift, 1e-8);
}

TEST_F(EpisodicMemoryTest, DriftAcrossRidgeValues) {
  // λ trades numerical drift (forgetting the last episodes cancels 1/λ against O(1) terms)
  // against the ridge bias of M. Printed for the record; asserted loosely.
  for (double ridge : {1e-6, 1e-4, 1e-3, 1e-2, 1e-1}) {
    const DriftResult r = RunDrift(*ref_, ridge, 100, 13);
    // Ridge bias while written: how well a written code is reconstructed from its own address.
    EpisodicOptions options;
    options.slots = kSlots;
    options.code_width = kWidth;
    options.ridge = ridge;
    const Episode e = MakeEpisode(16, 77);
    EpisodicMemory m = std::move(EpisodicMemory::Create(options)).value();
    ASSERT_TRUE(m.Write(e.z, e.w).ok());
    const Matrix mm = m.memory();
    double fit = 0.0;  // ||Z − W M|| / ||Z||
    Matrix wm = Matrix::Zeros(e.z.rows, kWidth);
    for (std::int64_t i = 0; i < e.z.rows; ++i) {
      for (std::int64_t k = 0; k < kSlots; ++k) {
        for (std::int64_t c = 0; c < kWidth; ++c) wm(i, c) += e.w(i, k) * mm(k, c);
      }
    }
    fit = RelativeError(wm, e.z);
    auto read = m.Read(e.z);
    ASSERT_TRUE(read.ok());
    double min_cos = 1.0;
    for (std::int64_t i = 0; i < e.z.rows; ++i) {
      min_cos = std::min(min_cos, Cosine(read->codes.row(i), e.z.row(i)));
    }
    std::printf(
        "[ measured ] λ = %g: 200 updates drift M %.3g, P %.3g; 16 facts: ||Z − W M||/||Z|| = "
        "%.3g, min read cosine %.9f\n",
        ridge, r.m_drift, r.p_drift, fit, min_cos);
    EXPECT_LT(r.m_drift, 1e-4);
    EXPECT_LT(r.p_drift, 1e-4);
    EXPECT_GT(min_cos, 0.99);
  }
}

// --- 5. errors are values -----------------------------------------------------------------------

TEST_F(EpisodicMemoryTest, BadShapesAndArgumentsAreErrors) {
  EpisodicMemory memory = Empty();
  const Episode e = MakeEpisode(2, 600);
  const Matrix before_m = memory.memory();

  auto code = [](const Status& s) { return s.code(); };
  // Row counts differ.
  EXPECT_EQ(code(memory.Write(e.z, RowsOf(e.w, 0, 1))), ErrorCode::kSyntax);
  // Wrong widths.
  EXPECT_EQ(code(memory.Write(RandomCodes(2, kWidth + 1, 1), e.w)), ErrorCode::kSyntax);
  EXPECT_EQ(code(memory.Write(e.z, Matrix::Zeros(2, kSlots - 1))), ErrorCode::kSyntax);
  // Data that does not match the declared shape, and empty matrices.
  EXPECT_EQ(code(memory.Write(MatrixView{e.z.data, 3, kWidth}, e.w)), ErrorCode::kSyntax);
  EXPECT_EQ(code(memory.Write(MatrixView{{}, 0, kWidth}, MatrixView{{}, 0, kSlots})),
            ErrorCode::kSyntax);
  // Non-finite values.
  Matrix nan_z = e.z;
  nan_z(1, 7) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(code(memory.Write(nan_z, e.w)), ErrorCode::kSyntax);
  Matrix inf_w = e.w;
  inf_w(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_EQ(code(memory.Write(e.z, inf_w)), ErrorCode::kSyntax);
  // alpha other than ±1.
  EXPECT_EQ(code(memory.Update(e.z, e.w, 0)), ErrorCode::kSyntax);
  EXPECT_EQ(code(memory.Update(e.z, e.w, 2)), ErrorCode::kSyntax);
  // Forgetting what was never written: P would become indefinite.
  EXPECT_EQ(code(memory.Forget(e.z, e.w)), ErrorCode::kInternal);
  EXPECT_TRUE(BitwiseEqual(memory.memory(), before_m));
  EXPECT_EQ(memory.version(), 0u);

  // Limits.
  EpisodicOptions small;
  small.slots = kSlots;
  small.code_width = kWidth;
  small.limits.max_update_rows = 1;
  EpisodicMemory limited = std::move(EpisodicMemory::Create(small)).value();
  EXPECT_EQ(code(limited.Write(e.z, e.w)), ErrorCode::kLimit);
  EXPECT_EQ(limited.Read(e.z).status().code(), ErrorCode::kLimit);
  EXPECT_EQ(memory.Read(e.z, 0).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(memory.Read(e.z, 1000).status().code(), ErrorCode::kLimit);
  EXPECT_EQ(memory.Read(RandomCodes(1, kWidth - 1, 1)).status().code(), ErrorCode::kSyntax);

  EpisodicOptions bad;
  bad.slots = 0;
  EXPECT_EQ(EpisodicMemory::Create(bad).status().code(), ErrorCode::kSyntax);
  bad.slots = 1 << 20;
  EXPECT_EQ(EpisodicMemory::Create(bad).status().code(), ErrorCode::kLimit);
  bad.slots = 8;
  bad.code_width = 1 << 20;
  EXPECT_EQ(EpisodicMemory::Create(bad).status().code(), ErrorCode::kLimit);
  bad.code_width = 16;
  for (double ridge : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
    bad.ridge = ridge;
    EXPECT_EQ(EpisodicMemory::Create(bad).status().code(), ErrorCode::kSyntax) << ridge;
  }
  bad.ridge = 1e-3;
  EXPECT_EQ(EpisodicMemory::FromEpisodes(bad, e.z, e.w).status().code(), ErrorCode::kSyntax);
  small.limits.max_batch_rows = 1;
  EXPECT_EQ(EpisodicMemory::FromEpisodes(small, e.z, e.w).status().code(), ErrorCode::kLimit);

  EXPECT_EQ(ReferenceMemory::Create(kWidth + 1, kWidth, 1).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(ReferenceMemory::Create(0, kWidth, 1).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(ReferenceMemory::Create(8, 1 << 20, 1).status().code(), ErrorCode::kLimit);
  EXPECT_EQ(ref_->Addresses(RandomCodes(1, kWidth - 1, 1)).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(ref_->Addresses(MatrixView{e.z.data, 1, kWidth}).status().code(), ErrorCode::kSyntax);

  // The memory still works after all that.
  ASSERT_TRUE(memory.Write(e.z, e.w).ok());
  ASSERT_TRUE(memory.Forget(e.z, e.w).ok());
  EXPECT_EQ(memory.rows(), 0);
}

TEST_F(EpisodicMemoryTest, CloneIsIndependent) {
  const Episode e = MakeEpisode(3, 700);
  EpisodicMemory memory = Empty();
  ASSERT_TRUE(memory.Write(e.z, e.w).ok());
  auto copy = memory.Clone();
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(memory.Forget(e.z, e.w).ok());
  EXPECT_EQ(copy->rows(), 3);
  EXPECT_GT(Frobenius(copy->memory()), 0.1);
  EXPECT_TRUE(BitwiseEqual(copy->memory(), std::move(copy->Clone()).value().memory()));
}

TEST_F(EpisodicMemoryTest, RestoredMemoryBehavesBitForBitLikeTheOriginal) {
  const Episode a = MakeEpisode(3, 800);
  const Episode b = MakeEpisode(2, 801);
  const Episode c = MakeEpisode(1, 802);
  EpisodicMemory original = Empty();
  ASSERT_TRUE(original.Write(a.z, a.w).ok());
  ASSERT_TRUE(original.Write(b.z, b.w).ok());

  EpisodicOptions options;
  options.slots = kSlots;
  options.code_width = kWidth;
  options.ridge = 1e-3;
  auto restored =
      EpisodicMemory::Restore(options, original.memory(), original.covariance(), original.rows());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->rows(), 5);
  EXPECT_TRUE(BitwiseEqual(restored->memory(), original.memory()));
  EXPECT_TRUE(BitwiseEqual(restored->covariance(), original.covariance()));

  // The same reads, then the same next write and forget, give the same bits.
  const Matrix queries = Stack(RowsOf(a.z, 0, 2), c.z);
  auto read_original = original.Read(queries, 2);
  auto read_restored = restored->Read(queries, 2);
  ASSERT_TRUE(read_original.ok() && read_restored.ok());
  EXPECT_TRUE(BitwiseEqual(read_original->codes, read_restored->codes));
  EXPECT_TRUE(BitwiseEqual(read_original->addresses, read_restored->addresses));
  for (EpisodicMemory* m : {&original, &restored.value()}) {
    ASSERT_TRUE(m->Write(c.z, c.w).ok());
    ASSERT_TRUE(m->Forget(a.z, a.w).ok());
  }
  EXPECT_TRUE(BitwiseEqual(restored->memory(), original.memory()));
  EXPECT_TRUE(BitwiseEqual(restored->covariance(), original.covariance()));
  EXPECT_EQ(restored->rows(), original.rows());
  read_original = original.Read(queries);
  read_restored = restored->Read(queries);
  ASSERT_TRUE(read_original.ok() && read_restored.ok());
  EXPECT_TRUE(BitwiseEqual(read_original->codes, read_restored->codes));

  // Malformed checkpoints are refused.
  const Matrix m = original.memory();
  Matrix p = original.covariance();
  EXPECT_EQ(EpisodicMemory::Restore(options, p, p, 1).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(EpisodicMemory::Restore(options, m, m, 1).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(EpisodicMemory::Restore(options, m, p, -1).status().code(), ErrorCode::kSyntax);
  p(0, 1) += 1e-9;  // no longer symmetric
  EXPECT_EQ(EpisodicMemory::Restore(options, m, p, 1).status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::compute::episodic
