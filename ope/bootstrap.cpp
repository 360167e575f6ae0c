// Poisson bootstrap sums: counter-based draws, resamples in vector lanes (see bootstrap.h).
//
// The work is rows x resamples. Rows are taken in blocks that stay in L1 (their hashes and
// terms); within a block every group of kLanes resamples runs through the rows in order, one
// resample per lane, its running sums carried from block to block. A lane's sum is therefore
// the plain row-order sum of its resample, whatever the vector width, the grouping of
// resamples into tasks, or the number of threads. This file is compiled with
// -ffp-contract=off (CMakeLists.txt), so that no path fuses the multiply and the add; the
// AVX2 kernel, chosen at run time where the CPU has it, does what the portable one does.
#include "ope/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <immintrin.h>
#include <utility>

#include "common/executor.h"
#include "common/random.h"

namespace bundlerl {
namespace {

constexpr int kLanes = 8;             // resamples per vector group
constexpr int64_t kBlockRows = 2048;  // a block's row hashes and terms stay in L1 / L2

// P(X <= j) for X ~ Poisson(1), j = 0..9, times 2^32, rounded: a draw's count is the number of
// thresholds its uniform 32-bit hash reaches.
constexpr uint32_t kThresholds[kPoissonBootstrapMaxCount] = {
    0x5e2d58d9u, 0xbc5ab1b1u, 0xeb715e1eu, 0xfb239797u, 0xff1025f6u,
    0xffd90f3cu, 0xfffa8b72u, 0xffff540cu, 0xffffed1fu, 0xfffffe21u};

// Wellons' "lowbias32" integer mixer: a bijection of 32-bit words with low avalanche bias.
inline uint32_t Mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// The salt of rows [hi * 2^32, (hi + 1) * 2^32), so that rows 2^32 apart draw independently.
inline uint32_t RowSalt(uint64_t seed, uint64_t hi) {
  return static_cast<uint32_t>(DeriveSeed(seed, 2 * hi));
}

// Mix32's first step, x ^ (x >> 16), is linear over xor: applied to a row's hash and to a
// resample's key apart, it gives that of their xor. The kernels take both so, one step fewer.
inline uint32_t Spread(uint32_t x) { return x ^ (x >> 16); }

inline uint32_t RowHash(uint32_t salt, int64_t row) { return Mix32(static_cast<uint32_t>(row) ^ salt); }

// A resample's key: a bijection of the resample index, so no two resamples share one.
inline uint32_t ResampleKey(uint64_t seed, int64_t resample) {
  return Mix32(static_cast<uint32_t>(resample) ^ static_cast<uint32_t>(DeriveSeed(seed, 1)));
}

// The count of a draw whose hash is u: the number of thresholds that u ^ 2^31 reaches. (The
// flip of the top bit keeps u uniform and lets vector code use signed compares: see below.)
inline uint32_t CountOf(uint32_t u) {
  uint32_t k = 0;
  for (uint32_t t : kThresholds) k += (u ^ 0x80000000u) >= t;
  return k;
}

// (u ^ 2^31) >= T exactly when int32(u) > SignedThreshold (T >= 1).
inline int32_t SignedThreshold(int j) { return static_cast<int32_t>((kThresholds[j] - 1u) ^ 0x80000000u); }

typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef int32_t I32x8 __attribute__((vector_size(32)));
typedef int32_t I32x4 __attribute__((vector_size(16)));
typedef double F64x4 __attribute__((vector_size(32)));

inline __attribute__((always_inline)) U32x8 SplatU(uint32_t v) { return U32x8{v, v, v, v, v, v, v, v}; }
inline __attribute__((always_inline)) I32x8 SplatI(int32_t v) { return I32x8{v, v, v, v, v, v, v, v}; }
// Accumulators live in plain double arrays (no over-aligned allocations): unaligned moves.
inline __attribute__((always_inline)) F64x4 Load4(const double* p) {
  F64x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void Store4(double* p, F64x4 v) { std::memcpy(p, &v, sizeof v); }

// One block of `rows` rows (their hashes h, spread) for one group of kLanes resamples with
// keys kg (spread): adds k_bi t_ij to acc ([terms, 8 lanes]) and k_bi to count ([8 lanes]), in
// row order. M > 0: M terms known at
// compile time (accumulators in registers); M = 0: m terms. Two implementations with the same
// arithmetic: portable vector extensions (baseline x86-64) and AVX2 intrinsics.
using BlockFn = void (*)(const double* t, int64_t rows, int m, const uint32_t* h, const uint32_t* kg,
                         double* acc, int64_t* count);

template <int M>
void BlockPortable(const double* t, int64_t rows, int m, const uint32_t* h, const uint32_t* kg,
                   double* acc, int64_t* count) {
  const U32x8 key = {kg[0], kg[1], kg[2], kg[3], kg[4], kg[5], kg[6], kg[7]};
  constexpr int kRegs = M > 0 ? 2 * M : 1;
  F64x4 reg[kRegs];
  if (M > 0)
    for (int j = 0; j < kRegs; ++j) reg[j] = Load4(acc + 4 * j);
  I32x8 thr[kPoissonBootstrapMaxCount];
  for (int j = 0; j < kPoissonBootstrapMaxCount; ++j) thr[j] = SplatI(SignedThreshold(j));
  const U32x8 c1 = SplatU(0x7feb352du), c2 = SplatU(0x846ca68bu);
  I32x8 neg_count = SplatI(0);
  const int mm = M > 0 ? M : m;
  for (int64_t i = 0; i < rows; ++i) {
    U32x8 x = key ^ h[i];  // Mix32's first step is already in h and the keys (Spread)
    x *= c1;
    x ^= x >> 15;
    x *= c2;
    x ^= x >> 16;
    const I32x8 s = reinterpret_cast<I32x8>(x);
    // Each compare gives -1 where the threshold is passed: their sum is -k.
    const I32x8 a0 = (s > thr[0]) + (s > thr[1]), a1 = (s > thr[2]) + (s > thr[3]);
    const I32x8 a2 = (s > thr[4]) + (s > thr[5]), a3 = (s > thr[6]) + (s > thr[7]);
    const I32x8 a4 = (s > thr[8]) + (s > thr[9]);
    const I32x8 neg_k = ((a0 + a1) + (a2 + a3)) + a4;
    neg_count += neg_k;
    const I32x4 k_lo = {neg_k[0], neg_k[1], neg_k[2], neg_k[3]}, k_hi = {neg_k[4], neg_k[5], neg_k[6], neg_k[7]};
    const F64x4 d_lo = __builtin_convertvector(k_lo, F64x4), d_hi = __builtin_convertvector(k_hi, F64x4);
    const double* row = t + i * mm;
    // acc - (-k) t is exactly acc + k t.
    for (int j = 0; j < mm; ++j) {
      const F64x4 tj = F64x4{row[j], row[j], row[j], row[j]};
      if (M > 0) {
        reg[2 * j] -= d_lo * tj;
        reg[2 * j + 1] -= d_hi * tj;
      } else {
        Store4(acc + 8 * j, Load4(acc + 8 * j) - d_lo * tj);
        Store4(acc + 8 * j + 4, Load4(acc + 8 * j + 4) - d_hi * tj);
      }
    }
  }
  for (int l = 0; l < kLanes; ++l) count[l] -= neg_count[l];
  if (M > 0)
    for (int j = 0; j < kRegs; ++j) Store4(acc + 4 * j, reg[j]);
}

// G groups at once (G x 8 lanes), for more independent work per row.
template <int M, int G>
__attribute__((target("avx2"))) void BlockAvx2(const double* t, int64_t rows, int m, const uint32_t* h,
                                               const uint32_t* kg, double* acc, int64_t* count) {
  constexpr int kRegs = M > 0 ? 2 * M : 1;
  __m256i key[G], neg_count[G];
  __m256d reg[G][kRegs];
  for (int g = 0; g < G; ++g) {
    key[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kg + g * kLanes));
    neg_count[g] = _mm256_setzero_si256();
    if (M > 0)
      for (int j = 0; j < kRegs; ++j) reg[g][j] = _mm256_loadu_pd(acc + g * m * kLanes + 4 * j);
  }
  __m256i thr[kPoissonBootstrapMaxCount];
  for (int j = 0; j < kPoissonBootstrapMaxCount; ++j) thr[j] = _mm256_set1_epi32(SignedThreshold(j));
  const __m256i c1 = _mm256_set1_epi32(0x7feb352d), c2 = _mm256_set1_epi32(static_cast<int32_t>(0x846ca68bu));
  const int mm = M > 0 ? M : m;
  for (int64_t i = 0; i < rows; ++i) {
    const __m256i hi = _mm256_set1_epi32(static_cast<int32_t>(h[i]));
    const double* row = t + i * mm;
    for (int g = 0; g < G; ++g) {
      __m256i x = _mm256_xor_si256(key[g], hi);  // Mix32's first step is in h and the keys
      x = _mm256_mullo_epi32(x, c1);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
      x = _mm256_mullo_epi32(x, c2);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      // -k: counts 0..4 always; the rare lanes past the fifth threshold (P = 0.0037 each) add
      // the rest in a branch, which gives the same count as the ten compares.
      __m256i neg_k =
          _mm256_add_epi32(_mm256_add_epi32(_mm256_cmpgt_epi32(x, thr[0]), _mm256_cmpgt_epi32(x, thr[1])),
                           _mm256_add_epi32(_mm256_cmpgt_epi32(x, thr[2]), _mm256_cmpgt_epi32(x, thr[3])));
      const __m256i tail = _mm256_cmpgt_epi32(x, thr[4]);
      if (__builtin_expect(!_mm256_testz_si256(tail, tail), 0)) {
        neg_k = _mm256_add_epi32(neg_k, tail);
        for (int j = 5; j < kPoissonBootstrapMaxCount; ++j)
          neg_k = _mm256_add_epi32(neg_k, _mm256_cmpgt_epi32(x, thr[j]));
      }
      neg_count[g] = _mm256_add_epi32(neg_count[g], neg_k);
      const __m256d d_lo = _mm256_cvtepi32_pd(_mm256_castsi256_si128(neg_k));
      const __m256d d_hi = _mm256_cvtepi32_pd(_mm256_extracti128_si256(neg_k, 1));
      // acc - (-k) t is exactly acc + k t; a product, then a difference (no fused multiply-add).
      for (int j = 0; j < mm; ++j) {
        const __m256d tj = _mm256_set1_pd(row[j]);
        if (M > 0) {
          reg[g][2 * j] = _mm256_sub_pd(reg[g][2 * j], _mm256_mul_pd(d_lo, tj));
          reg[g][2 * j + 1] = _mm256_sub_pd(reg[g][2 * j + 1], _mm256_mul_pd(d_hi, tj));
        } else {
          double* a = acc + g * m * kLanes + 8 * j;
          _mm256_storeu_pd(a, _mm256_sub_pd(_mm256_loadu_pd(a), _mm256_mul_pd(d_lo, tj)));
          _mm256_storeu_pd(a + 4, _mm256_sub_pd(_mm256_loadu_pd(a + 4), _mm256_mul_pd(d_hi, tj)));
        }
      }
    }
  }
  for (int g = 0; g < G; ++g) {
    alignas(32) int32_t lanes[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), neg_count[g]);
    for (int l = 0; l < kLanes; ++l) count[g * kLanes + l] -= lanes[l];
    if (M > 0)
      for (int j = 0; j < kRegs; ++j) _mm256_storeu_pd(acc + g * m * kLanes + 4 * j, reg[g][j]);
  }
}

// The block functions for m terms: one group, and two groups at once (null: none).
std::pair<BlockFn, BlockFn> ChooseBlock(int m, bool avx2) {
  const int index = m <= 3 ? m : 0;
  static const BlockFn portable[] = {BlockPortable<0>, BlockPortable<1>, BlockPortable<2>, BlockPortable<3>};
  static const BlockFn one[] = {BlockAvx2<0, 1>, BlockAvx2<1, 1>, BlockAvx2<2, 1>, BlockAvx2<3, 1>};
  static const BlockFn two[] = {BlockAvx2<0, 2>, BlockAvx2<1, 2>, BlockAvx2<2, 2>, BlockAvx2<3, 2>};
  if (!avx2) return {portable[index], nullptr};
  return {one[index], two[index]};
}

// Resample groups [g0, g1) over all rows: sums [groups, m, 8 lanes] and counts [groups, 8].
void GroupsOverRows(const double* terms, int64_t rows, int m, const uint32_t* keys, int64_t g0, int64_t g1,
                    uint64_t seed, std::pair<BlockFn, BlockFn> block, double* sums, double* counts) {
  const int64_t groups = g1 - g0;
  std::vector<double> acc(static_cast<size_t>(groups) * m * kLanes, 0.0);  // [groups, m, lanes]
  std::vector<int64_t> total(static_cast<size_t>(groups) * kLanes, 0);
  std::vector<uint32_t> h(kBlockRows);
  for (int64_t b = 0; b < rows; b += kBlockRows) {
    const int64_t e = std::min(rows, b + kBlockRows);
    // Blocks start at multiples of kBlockRows, a divisor of 2^32: one salt per block.
    const uint32_t salt = RowSalt(seed, static_cast<uint64_t>(b) >> 32);
    for (int64_t i = b; i < e; ++i) h[i - b] = Spread(RowHash(salt, i));
    for (int64_t g = 0; g < groups;) {
      const int step = block.second && g + 2 <= groups ? 2 : 1;
      (step == 2 ? block.second : block.first)(terms + b * m, e - b, m, h.data(), keys + (g0 + g) * kLanes,
                                               acc.data() + g * m * kLanes, total.data() + g * kLanes);
      g += step;
    }
  }
  for (int64_t g = 0; g < groups; ++g)
    for (int l = 0; l < kLanes; ++l) {
      counts[g * kLanes + l] = static_cast<double>(total[g * kLanes + l]);
      for (int j = 0; j < m; ++j) sums[(g * m + j) * kLanes + l] = acc[(g * m + j) * kLanes + l];
    }
}

}  // namespace

uint32_t PoissonBootstrapCount(uint64_t seed, int64_t resample, int64_t row) {
  const uint32_t h = RowHash(RowSalt(seed, static_cast<uint64_t>(row) >> 32), row);
  return CountOf(Mix32(h ^ ResampleKey(seed, resample)));
}

void PoissonBootstrapSums(const double* terms, int64_t rows, int m, int resamples, uint64_t seed,
                          int threads, double* sums, double* counts, BootstrapKernel kernel) {
  const int64_t groups = (resamples + kLanes - 1) / kLanes;
  std::vector<uint32_t> keys(groups * kLanes);
  for (int64_t b = 0; b < groups * kLanes; ++b) keys[b] = Spread(ResampleKey(seed, b));
  // Lane-major scratch: [groups, m, kLanes] and [groups, kLanes].
  std::vector<double> lane_sums(groups * m * kLanes), lane_counts(groups * kLanes);
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  const auto block = ChooseBlock(m, has_avx2 && kernel == BootstrapKernel::kBest);
  // Tasks of whole groups; any split gives the same sums, so it follows the thread count.
  threads = std::max(1, threads);
  const int64_t per_task = std::max<int64_t>(1, (groups + 4 * threads - 1) / (4 * threads));
  const int64_t tasks = (groups + per_task - 1) / per_task;
  ParallelFor(threads, tasks, [&](int, int64_t task) {
    const int64_t g0 = task * per_task, g1 = std::min(groups, g0 + per_task);
    GroupsOverRows(terms, rows, m, keys.data(), g0, g1, seed, block, lane_sums.data() + g0 * m * kLanes,
                   lane_counts.data() + g0 * kLanes);
  });
  for (int64_t b = 0; b < resamples; ++b) {
    const int64_t g = b / kLanes, l = b % kLanes;
    counts[b] = lane_counts[b];
    for (int j = 0; j < m; ++j) sums[b * m + j] = lane_sums[(g * m + j) * kLanes + l];
  }
}

std::pair<double, double> PercentileInterval(std::vector<double> values, double alpha) {
  std::sort(values.begin(), values.end());
  const int64_t B = static_cast<int64_t>(values.size());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(B - 1);
    const int64_t lo = static_cast<int64_t>(std::floor(pos));
    const int64_t hi = std::min<int64_t>(B - 1, lo + 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  return {quantile(alpha / 2), quantile(1 - alpha / 2)};
}

}  // namespace bundlerl
