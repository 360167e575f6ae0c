// The Plackett-Luce distribution over ordered slates of K distinct candidates, given a score
// per candidate: slot k picks candidate a from those not yet shown with probability
// exp(s_a) / sum_{b remaining} exp(s_b). Sampling by the Gumbel-top-K trick; log-probability
// of a slate or of its first slots; per-slot marginals exactly (small C^K) or by Monte Carlo
// with a stated standard error; greedy top-K. Double precision, no allocation per call
// beyond the caller's buffers (the differentiable log-probability is in torch_policy.h).
#pragma once

#include <cstdint>

#include "common/random.h"

namespace bundlerl {

struct PlackettLuce {
  // Slate of K candidate indices: the K largest of s_a + Gumbel noise (Yellott 1977).
  static void Sample(const double* scores, int64_t C, int64_t K, SplitMix64& rng, int32_t* slate);
  // log P(first `prefix` slots equal slate[0..prefix)); -inf if a candidate repeats.
  static double LogProb(const double* scores, int64_t C, const int32_t* slate, int64_t prefix);
  // out [K, C]: P(candidate c in slot k). Exact in O(C^2) for K <= 3 (closed form), exact
  // when C^K <= exact_limit (enumeration of prefixes), else Monte Carlo with `samples` draws from `rng`; *max_stderr (if given)
  // receives the largest standard error of an entry (0 when exact).
  static void Marginals(const double* scores, int64_t C, int64_t K, double* out, SplitMix64& rng,
                        int64_t samples = 4000, double* max_stderr = nullptr,
                        double exact_limit = 2e5);
};

}  // namespace bundlerl
