// Poisson bootstrap sums: counter-based draws, resamples in vector lanes (see bootstrap.h).
//
// The work is rows x resamples. Rows are taken in blocks that stay in L1 (their hashes and
// terms); within a block every group of kLanes resamples runs through the rows in order, one
// resample per lane, its running sums carried from block to block. A lane's sum is therefore
// the plain row-order sum of its resample, whatever the vector width, the grouping of
// resamples into tasks, or the number of threads. This file is compiled with
// -ffp-contract=off (CMakeLists.txt), so that no path fuses the multiply and the add.
#include "ope/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

inline uint32_t RowHash(uint32_t salt, int64_t row) { return Mix32(static_cast<uint32_t>(row) ^ salt); }

// A resample's key: a bijection of the resample index, so no two resamples share one.
inline uint32_t ResampleKey(uint64_t seed, int64_t resample) {
  return Mix32(static_cast<uint32_t>(resample) ^ static_cast<uint32_t>(DeriveSeed(seed, 1)));
}

inline uint32_t CountOf(uint32_t u) {
  uint32_t k = 0;
  for (uint32_t t : kThresholds) k += u >= t;
  return k;
}

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

// One block of `rows` rows for one group of kLanes resamples with keys kg: adds k_bi t_ij
// to acc ([terms, 8 lanes]) and k_bi to cnt, in row order.
// M > 0: M terms known at compile time (accumulators in registers); M = 0: m terms.
template <int M>
inline __attribute__((always_inline)) void BlockGroup(const double* t, int64_t rows, int m,
                                                      const uint32_t* h, const uint32_t* kg,
                                                      double* acc, I32x8& cnt) {
  const U32x8 key = {kg[0], kg[1], kg[2], kg[3], kg[4], kg[5], kg[6], kg[7]};
  constexpr int kRegs = M > 0 ? 2 * M : 1;
  F64x4 reg[kRegs];
  if (M > 0)
    for (int j = 0; j < kRegs; ++j) reg[j] = Load4(acc + 4 * j);
  // Unsigned u >= T as a signed compare: flip the sign bits, compare with T - 1.
  I32x8 thr[kPoissonBootstrapMaxCount];
  for (int j = 0; j < kPoissonBootstrapMaxCount; ++j)
    thr[j] = SplatI(static_cast<int32_t>((kThresholds[j] - 1u) ^ 0x80000000u));
  const U32x8 sign = SplatU(0x80000000u), c1 = SplatU(0x7feb352du), c2 = SplatU(0x846ca68bu);
  I32x8 count = cnt;
  const int mm = M > 0 ? M : m;
  for (int64_t i = 0; i < rows; ++i) {
    U32x8 x = key ^ h[i];
    x ^= x >> 16;
    x *= c1;
    x ^= x >> 15;
    x *= c2;
    x ^= x >> 16;
    const I32x8 s = reinterpret_cast<I32x8>(x ^ sign);
    // Each compare gives -1 where the threshold is reached; a tree of adds for parallelism.
    const I32x8 a0 = (s > thr[0]) + (s > thr[1]), a1 = (s > thr[2]) + (s > thr[3]);
    const I32x8 a2 = (s > thr[4]) + (s > thr[5]), a3 = (s > thr[6]) + (s > thr[7]);
    const I32x8 a4 = (s > thr[8]) + (s > thr[9]);
    const I32x8 k = -(((a0 + a1) + (a2 + a3)) + a4);
    count += k;
    const I32x4 k_lo = {k[0], k[1], k[2], k[3]}, k_hi = {k[4], k[5], k[6], k[7]};
    const F64x4 d_lo = __builtin_convertvector(k_lo, F64x4), d_hi = __builtin_convertvector(k_hi, F64x4);
    const double* row = t + i * mm;
    for (int j = 0; j < mm; ++j) {
      const F64x4 tj = F64x4{row[j], row[j], row[j], row[j]};
      if (M > 0) {
        reg[2 * j] += d_lo * tj;
        reg[2 * j + 1] += d_hi * tj;
      } else {
        Store4(acc + 8 * j, Load4(acc + 8 * j) + d_lo * tj);
        Store4(acc + 8 * j + 4, Load4(acc + 8 * j + 4) + d_hi * tj);
      }
    }
  }
  cnt = count;
  if (M > 0)
    for (int j = 0; j < kRegs; ++j) Store4(acc + 4 * j, reg[j]);
}

// Resample groups [g0, g1) over all rows: sums [groups, m, 8 lanes] and counts [groups, 8].
// Compiled for AVX2 and for baseline x86-64, chosen at load time; both give the same bits.
__attribute__((target_clones("avx2", "default"))) void GroupsOverRows(
    const double* terms, int64_t rows, int m, const uint32_t* keys, int64_t g0, int64_t g1,
    uint64_t seed, double* sums, double* counts) {
  const int64_t groups = g1 - g0;
  std::vector<double> acc(static_cast<size_t>(groups) * m * kLanes, 0.0);  // [groups, m, lanes]
  std::vector<int64_t> total(static_cast<size_t>(groups) * kLanes, 0);
  std::vector<uint32_t> h(kBlockRows);
  for (int64_t b = 0; b < rows; b += kBlockRows) {
    const int64_t e = std::min(rows, b + kBlockRows);
    // Blocks start at multiples of kBlockRows, a divisor of 2^32: one salt per block.
    const uint32_t salt = RowSalt(seed, static_cast<uint64_t>(b) >> 32);
    for (int64_t i = b; i < e; ++i) h[i - b] = RowHash(salt, i);
    const double* t = terms + b * m;
    for (int64_t g = 0; g < groups; ++g) {
      const uint32_t* kg = keys + (g0 + g) * kLanes;
      double* a = acc.data() + g * m * kLanes;
      I32x8 cnt = SplatI(0);
      switch (m) {
        case 1: BlockGroup<1>(t, e - b, m, h.data(), kg, a, cnt); break;
        case 2: BlockGroup<2>(t, e - b, m, h.data(), kg, a, cnt); break;
        case 3: BlockGroup<3>(t, e - b, m, h.data(), kg, a, cnt); break;
        default: BlockGroup<0>(t, e - b, m, h.data(), kg, a, cnt);
      }
      for (int l = 0; l < kLanes; ++l) total[g * kLanes + l] += cnt[l];
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
                          int threads, double* sums, double* counts) {
  const int64_t groups = (resamples + kLanes - 1) / kLanes;
  std::vector<uint32_t> keys(groups * kLanes);
  for (int64_t b = 0; b < groups * kLanes; ++b) keys[b] = ResampleKey(seed, b);
  // Lane-major scratch: [groups, m, kLanes] and [groups, kLanes].
  std::vector<double> lane_sums(groups * m * kLanes), lane_counts(groups * kLanes);
  // Tasks of whole groups; any split gives the same sums, so it follows the thread count.
  threads = std::max(1, threads);
  const int64_t per_task = std::max<int64_t>(1, (groups + 4 * threads - 1) / (4 * threads));
  const int64_t tasks = (groups + per_task - 1) / per_task;
  ParallelFor(threads, tasks, [&](int, int64_t task) {
    const int64_t g0 = task * per_task, g1 = std::min(groups, g0 + per_task);
    GroupsOverRows(terms, rows, m, keys.data(), g0, g1, seed, lane_sums.data() + g0 * m * kLanes,
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
