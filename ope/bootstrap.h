// The Poisson bootstrap of the OPE estimates.
//
// Resample b gives row i a count k_bi ~ Poisson(1) instead of drawing n rows with
// replacement; the resample's term means are sum_i k_bi t_ij / sum_i k_bi (Hanley & MacGibbon
// 2006; Chamandy et al. 2012, "Estimating uncertainty for massive data streams"). Each count is
// a pure function of (seed, b, i): a 32-bit hash of the row and of the resample, compared with
// the cumulative thresholds of Poisson(1). So the draws do not depend on how rows or
// resamples are split between threads or vector lanes, and a scalar loop can reproduce them.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace bundlerl {

// The largest count a draw gives: the Poisson(1) tail above it (probability 1.0e-8) is folded
// into it.
constexpr int kPoissonBootstrapMaxCount = 10;

// The count of row `row` in resample `resample` of a bootstrap seeded with `seed`.
uint32_t PoissonBootstrapCount(uint64_t seed, int64_t resample, int64_t row);

// The sums of resamples [0, resamples) over `rows` rows of `m` terms (row-major `terms`):
//   sums[b * m + j] = sum_i k_bi t_ij,   counts[b] = sum_i k_bi,
// each sum taken in row order in double (the products k_bi t_ij rounded, then added: no
// fused multiply-add). Bitwise the same for any `threads` and for either kernel.
// `kernel` picks the AVX2 kernel where the CPU has it (kBest) or the baseline x86-64 one
// (kBaseline, for the tests that compare the two).
enum class BootstrapKernel { kBest, kBaseline };
void PoissonBootstrapSums(const double* terms, int64_t rows, int m, int resamples, uint64_t seed,
                          int threads, double* sums, double* counts,
                          BootstrapKernel kernel = BootstrapKernel::kBest);

// The percentile interval [alpha / 2, 1 - alpha / 2] of `values` (sorted here), with linear
// interpolation between order statistics. `values` must not be empty.
std::pair<double, double> PercentileInterval(std::vector<double> values, double alpha);

}  // namespace bundlerl
