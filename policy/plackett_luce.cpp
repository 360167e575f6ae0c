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

namespace {

// Exact marginals for K <= 3. With e_a = exp(s_a - max), Z = sum e, p_a = e_a / Z and
// R(X) = sum of e over the items not in X:
//   m0(c) = p_c,
//   m1(c) = e_c sum_{a != c} p_a / R(a),
//   m2(c) = e_c sum_{a != b; a, b != c} p_a (e_b / R(a)) / R(a, b).
// First in O(C^2) through totals minus the terms that involve c; when the scores span so
// many orders of magnitude that the subtraction loses precision (a column then fails to sum
// to one), directly in O(C^3). R is computed from the three largest items and the exact sum
// of the rest, so that it does not cancel either.
class Remainder {
 public:
  explicit Remainder(const std::vector<double>& e) : e_(e) {
    const int64_t C = static_cast<int64_t>(e.size());
    std::vector<int64_t> idx(C);
    for (int64_t i = 0; i < C; ++i) idx[i] = i;
    const int64_t t = std::min<int64_t>(3, C);
    std::partial_sort(idx.begin(), idx.begin() + t, idx.end(), [&](int64_t a, int64_t b) { return e[a] > e[b]; });
    top_.assign(idx.begin(), idx.begin() + t);
    std::vector<double> rest;
    for (int64_t i = t; i < C; ++i) rest.push_back(e[idx[i]]);
    std::sort(rest.begin(), rest.end());  // small first: an accurate sum
    for (double x : rest) tail_ += x;
  }
  double operator()(int64_t a, int64_t b = -1) const {
    double r = tail_;
    for (int64_t i : top_)
      if (i != a && i != b) r += e_[i];
    if (!IsTop(a)) r -= e_[a];
    if (b >= 0 && !IsTop(b)) r -= e_[b];
    return r;
  }

 private:
  bool IsTop(int64_t i) const { return std::find(top_.begin(), top_.end(), i) != top_.end(); }
  const std::vector<double>& e_;
  std::vector<int64_t> top_;
  double tail_ = 0;
};

void MarginalsUpTo3(const double* s, int64_t C, int64_t K, double* out) {
  std::vector<double> e(C);
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < C; ++c) m = std::max(m, s[c]);
  double Z = 0;
  // Scores more than 600 below the best are floored (e >= 1e-261): no underflow to zero.
  for (int64_t c = 0; c < C; ++c) Z += (e[c] = std::exp(std::max(s[c] - m, -600.0)));
  for (int64_t c = 0; c < C; ++c) out[c] = e[c] / Z;
  if (K < 2) return;
  const Remainder R(e);
  std::vector<double> ra(C), t(C);  // t_a = p_a / R(a)
  double T = 0;
  for (int64_t a = 0; a < C; ++a) T += (t[a] = (e[a] / Z) / (ra[a] = R(a)));
  for (int64_t c = 0; c < C; ++c) out[C + c] = e[c] * (T - t[c]);
  std::vector<double> row, col;
  double W = 0;
  if (K >= 3) {
    row.assign(C, 0.0), col.assign(C, 0.0);
    for (int64_t a = 0; a < C; ++a)
      for (int64_t b = 0; b < C; ++b) {
        if (a == b) continue;
        const double w = t[a] * e[b] / R(a, b);
        row[a] += w, col[b] += w, W += w;
      }
    for (int64_t c = 0; c < C; ++c) out[2 * C + c] = e[c] * (W - row[c] - col[c]);
  }
  auto well_formed = [&](int64_t k) {
    double sum = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double x = out[k * C + c];
      if (!(x >= -1e-12 && x <= 1 + 1e-12)) return false;
      sum += x;
    }
    return std::abs(sum - 1.0) < 1e-9;
  };
  if (!well_formed(1)) {
    for (int64_t c = 0; c < C; ++c) {
      double x = 0;
      for (int64_t a = 0; a < C; ++a)
        if (a != c) x += (e[a] / Z) * e[c] / ra[a];
      out[C + c] = x;
    }
  }
  if (K >= 3 && !well_formed(2)) {
    std::fill(out + 2 * C, out + 3 * C, 0.0);
    for (int64_t a = 0; a < C; ++a)
      for (int64_t b = 0; b < C; ++b) {
        if (a == b) continue;
        const double pab = (e[a] / Z) * (e[b] / ra[a]);
        if (pab == 0) continue;
        const double rab = R(a, b);
        for (int64_t c = 0; c < C; ++c)
          if (c != a && c != b) out[2 * C + c] += pab * e[c] / rab;
      }
  }
}

}  // namespace

void PlackettLuce::Marginals(const double* scores, int64_t C, int64_t K, double* out, SplitMix64& rng,
                             int64_t samples, double* max_stderr, double exact_limit) {
  std::fill(out, out + K * C, 0.0);
  if (K <= 3 && exact_limit > 0 && C >= K) {
    MarginalsUpTo3(scores, C, K, out);
    if (max_stderr) *max_stderr = 0;
    return;
  }
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
