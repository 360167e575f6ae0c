// Plackett-Luce: see plackett_luce.h.
#include "policy/plackett_luce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"

namespace bundlerl {
namespace {

double LogSumExp(const double* s, const std::vector<char>& used, int64_t C) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < C; ++c)
    if (!used[c]) m = std::max(m, s[c]);
  double z = 0;
  for (int64_t c = 0; c < C; ++c)
    if (!used[c]) z += std::exp(s[c] - m);
  return m + std::log(z);
}

}  // namespace

void PlackettLuce::Sample(const double* scores, int64_t C, int64_t K, SplitMix64& rng, int32_t* slate) {
  // Keep the K best perturbed scores in a small sorted buffer.
  double best[64];
  if (K > 64) Fail("Plackett-Luce: at most 64 slots");
  int64_t filled = 0;
  for (int64_t c = 0; c < C; ++c) {
    const double g = scores[c] - std::log(-std::log(1.0 - rng.Uniform() * (1.0 - 1e-16)));
    if (filled == K && !(g > best[K - 1])) continue;
    int64_t pos = filled < K ? filled++ : K - 1;
    while (pos > 0 && g > best[pos - 1]) {
      best[pos] = best[pos - 1];
      slate[pos] = slate[pos - 1];
      --pos;
    }
    best[pos] = g;
    slate[pos] = static_cast<int32_t>(c);
  }
}

double PlackettLuce::LogProb(const double* scores, int64_t C, const int32_t* slate, int64_t prefix) {
  std::vector<char> used(C, 0);
  double lp = 0;
  for (int64_t k = 0; k < prefix; ++k) {
    if (used[slate[k]]) return -std::numeric_limits<double>::infinity();
    lp += scores[slate[k]] - LogSumExp(scores, used, C);
    used[slate[k]] = 1;
  }
  return lp;
}

void PlackettLuce::Marginals(const double* scores, int64_t C, int64_t K, double* out, SplitMix64& rng,
                             int64_t samples, double* max_stderr, double exact_limit) {
  std::fill(out, out + K * C, 0.0);
  if (std::pow(static_cast<double>(C), static_cast<double>(K)) <= exact_limit) {
    // Depth-first over prefixes, carrying the prefix probability.
    std::vector<char> used(C, 0);
    auto rec = [&](auto&& self, int64_t k, double p) -> void {
      if (k == K || p == 0) return;
      const double lse = LogSumExp(scores, used, C);
      for (int64_t c = 0; c < C; ++c) {
        if (used[c]) continue;
        const double q = p * std::exp(scores[c] - lse);
        out[k * C + c] += q;
        used[c] = 1;
        self(self, k + 1, q);
        used[c] = 0;
      }
    };
    rec(rec, 0, 1.0);
    if (max_stderr) *max_stderr = 0;
    return;
  }
  std::vector<int32_t> slate(K);
  for (int64_t s = 0; s < samples; ++s) {
    Sample(scores, C, K, rng, slate.data());
    for (int64_t k = 0; k < K; ++k) out[k * C + slate[k]] += 1;
  }
  double worst = 0;
  for (int64_t i = 0; i < K * C; ++i) {
    out[i] /= static_cast<double>(samples);
    worst = std::max(worst, std::sqrt(out[i] * (1 - out[i]) / static_cast<double>(samples)));
  }
  if (max_stderr) *max_stderr = worst;
}

}  // namespace bundlerl
