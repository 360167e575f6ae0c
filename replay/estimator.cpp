// Estimator framework: validation, one-pass moments, delta-method errors, bootstrap.
#include "replay/estimator.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <thread>

#include "common/error.h"
#include "common/random.h"

namespace bundlerl {
namespace {

constexpr int64_t kChunkRows = 1 << 16;   // unit of work and of the ordered merge
constexpr int64_t kBlockRows = 2048;      // terms buffer kept in cache

struct Moments {
  int m = 0;
  double count = 0;
  std::vector<double> sum, cross;  // [m], [m, m]
  explicit Moments(int terms = 0) : m(terms), sum(terms, 0.0), cross(terms * terms, 0.0) {}
  void Add(const Moments& o) {
    count += o.count;
    for (int i = 0; i < m; ++i) sum[i] += o.sum[i];
    for (int i = 0; i < m * m; ++i) cross[i] += o.cross[i];
  }
};

// Accumulates rows [begin, end) into `mom` through the estimator's Terms().
void AccumulateRange(const Estimator& est, const OpeData& d, int64_t begin, int64_t end,
                     Moments& mom, std::vector<double>& buf) {
  const int m = mom.m;
  buf.resize(kBlockRows * m);
  for (int64_t b = begin; b < end; b += kBlockRows) {
    const int64_t e = std::min(end, b + kBlockRows);
    est.Terms(d, b, e, buf.data());
    const double* t = buf.data();
    const int64_t rows = e - b;
    if (m == 1) {
      double s = 0, ss = 0;
      for (int64_t i = 0; i < rows; ++i) s += t[i], ss += t[i] * t[i];
      mom.sum[0] += s;
      mom.cross[0] += ss;
    } else {
      for (int64_t i = 0; i < rows; ++i, t += m)
        for (int a = 0; a < m; ++a) {
          mom.sum[a] += t[a];
          for (int c = a; c < m; ++c) mom.cross[a * m + c] += t[a] * t[c];
        }
    }
    mom.count += static_cast<double>(rows);
  }
}

template <typename F>
void ParallelFor(int threads, int64_t n_tasks, F f) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<int64_t>(1, n_tasks))));
  if (threads == 1) {
    for (int64_t i = 0; i < n_tasks; ++i) f(0, i);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t i = t; i < n_tasks; i += threads) f(t, i);
    });
  for (auto& th : pool) th.join();
}

void CheckArray(const std::vector<double>& v, int64_t size, const char* field, bool required,
                const std::string& estimator) {
  if (v.empty()) {
    if (required)
      Fail("estimator '", estimator, "' needs '", field, "', which the data do not provide");
    return;
  }
  if (static_cast<int64_t>(v.size()) != size)
    Fail("OPE data: field '", field, "' has ", v.size(), " values, expected ", size);
}

}  // namespace

void OpeData::Validate() const {
  const int64_t nk = n * K;
  auto size = [&](const std::vector<double>& v, int64_t want, const char* field, bool required) {
    if (v.empty() && !required) return;
    if (static_cast<int64_t>(v.size()) != want)
      Fail("OPE data: field '", field, "' has ", v.size(), " values, expected ", want, " (n=", n,
           ", K=", K, ")");
  };
  if (n <= 0 || K <= 0) Fail("OPE data: expected n > 0 rows and K > 0 slots, got n=", n, ", K=", K);
  size(reward, nk, "reward", true);
  size(pscore, nk, "pscore", true);
  size(target, nk, "target", true);
  size(q_hat, nk, "q_hat", false);
  size(q_hat_target, nk, "q_hat_target", false);
  size(pscore_slate, n, "pscore_slate", false);
  size(target_slate, n, "target_slate", false);
  size(pscore_cascade, nk, "pscore_cascade", false);
  size(target_cascade, nk, "target_cascade", false);
  if (!position.empty() && static_cast<int64_t>(position.size()) != n)
    Fail("OPE data: field 'position' has ", position.size(), " values, expected ", n);
  auto check = [&](const std::vector<double>& v, const char* field, bool propensity, int64_t per) {
    for (size_t i = 0; i < v.size(); ++i) {
      const double x = v[i];
      const bool ok = propensity ? (x > 0.0 && x <= 1.0) : (x >= 0.0 && x <= 1.0);
      if (!ok)
        Fail("OPE data: field '", field, "', row ", i / per, (per > 1 ? Concat(", slot ", i % per) : ""),
             ": ", x, propensity ? " not in (0, 1] (a logging propensity must be positive)"
                                 : " not in [0, 1]");
    }
  };
  check(pscore, "pscore", true, K);
  check(target, "target", false, K);
  check(pscore_slate, "pscore_slate", true, 1);
  check(target_slate, "target_slate", false, 1);
  check(pscore_cascade, "pscore_cascade", true, K);
  check(target_cascade, "target_cascade", false, K);
  for (const auto* v : {&reward, &q_hat, &q_hat_target})
    for (size_t i = 0; i < v->size(); ++i)
      if (!std::isfinite((*v)[i]))
        Fail("OPE data: field '", v == &reward ? "reward" : v == &q_hat ? "q_hat" : "q_hat_target",
             "', row ", i / K, ": value is not finite");
}

OpeData OpeData::SelectPosition(int32_t p) const {
  if (position.empty()) Fail("OPE data: per-position estimates need the 'position' field");
  OpeData out;
  out.K = K;
  auto take = [&](const std::vector<double>& src, std::vector<double>& dst, int64_t per) {
    if (src.empty()) return;
    for (int64_t i = 0; i < n; ++i)
      if (position[i] == p) dst.insert(dst.end(), src.begin() + i * per, src.begin() + (i + 1) * per);
  };
  take(reward, out.reward, K);
  take(pscore, out.pscore, K);
  take(target, out.target, K);
  take(q_hat, out.q_hat, K);
  take(q_hat_target, out.q_hat_target, K);
  take(pscore_slate, out.pscore_slate, 1);
  take(target_slate, out.target_slate, 1);
  take(pscore_cascade, out.pscore_cascade, K);
  take(target_cascade, out.target_cascade, K);
  for (int64_t i = 0; i < n; ++i)
    if (position[i] == p) out.position.push_back(p);
  out.n = static_cast<int64_t>(out.position.size());
  return out;
}

double TermForm::Value(const double* mu) const {
  double v = 0;
  for (int j : linear) v += mu[j];
  for (auto [a, b] : ratios) v += mu[b] != 0.0 ? mu[a] / mu[b] : 0.0;
  return v;
}

void TermForm::Gradient(const double* mu, double* g) const {
  std::fill(g, g + num_terms, 0.0);
  for (int j : linear) g[j] += 1.0;
  for (auto [a, b] : ratios) {
    if (mu[b] == 0.0) continue;
    g[a] += 1.0 / mu[b];
    g[b] -= mu[a] / (mu[b] * mu[b]);
  }
}

Estimate RunEstimator(const Estimator& est, const OpeData& d, const EstimateOptions& opt) {
  d.Validate();
  const std::string name = est.name();
  const int64_t nk = d.n * d.K;
  switch (est.needs()) {
    case Needs::kNothing: break;
    case Needs::kRewardModel:
      CheckArray(d.q_hat, nk, "q_hat", true, name);
      CheckArray(d.q_hat_target, nk, "q_hat_target", true, name);
      break;
    case Needs::kSlateProbabilities:
      CheckArray(d.pscore_slate, d.n, "pscore_slate", true, name);
      CheckArray(d.target_slate, d.n, "target_slate", true, name);
      break;
    case Needs::kCascadeAndRewardModel:
      CheckArray(d.q_hat, nk, "q_hat", true, name);
      CheckArray(d.q_hat_target, nk, "q_hat_target", true, name);
      [[fallthrough]];
    case Needs::kCascadeProbabilities:
      CheckArray(d.pscore_cascade, nk, "pscore_cascade", true, name);
      CheckArray(d.target_cascade, nk, "target_cascade", true, name);
      break;
  }
  const TermForm form = est.Form(d);
  const int m = form.num_terms;
  const int64_t n_chunks = (d.n + kChunkRows - 1) / kChunkRows;
  std::vector<Moments> chunk(n_chunks, Moments(m));
  std::vector<std::vector<double>> buffers(std::max(1, opt.threads));
  ParallelFor(opt.threads, n_chunks, [&](int t, int64_t c) {
    AccumulateRange(est, d, c * kChunkRows, std::min(d.n, (c + 1) * kChunkRows), chunk[c],
                    buffers[t]);
  });
  Moments total(m);
  for (const auto& c : chunk) total.Add(c);

  Estimate out;
  out.estimator = name;
  out.rows = d.n;
  std::vector<double> mu(m), g(m);
  for (int j = 0; j < m; ++j) mu[j] = total.sum[j] / total.count;
  out.value = form.Value(mu.data());
  // Delta method: Var(V) ~ g' Cov(t) g / n, with the sample covariance of the terms.
  form.Gradient(mu.data(), g.data());
  double var = 0;
  for (int a = 0; a < m; ++a)
    for (int c = 0; c < m; ++c) {
      const double s = total.cross[std::min(a, c) * m + std::max(a, c)];
      var += g[a] * g[c] * (s / total.count - mu[a] * mu[c]);
    }
  var = std::max(0.0, var) * total.count / std::max(1.0, total.count - 1);
  out.stderr_ = std::sqrt(var / total.count);
  for (int64_t i = 0; i < nk; ++i) out.max_weight = std::max(out.max_weight, d.target[i] / d.pscore[i]);

  if (opt.bootstrap_samples <= 0) {
    const double z = boost::math::quantile(boost::math::normal(), 1.0 - opt.alpha / 2);
    out.ci_low = out.value - z * out.stderr_;
    out.ci_high = out.value + z * out.stderr_;
    out.ci_method = "normal";
    return out;
  }
  // Bootstrap: resample rows with replacement; resample b draws from DeriveSeed(seed, b), so
  // the interval does not depend on the number of threads.
  std::vector<double> terms(d.n * m);
  ParallelFor(opt.threads, n_chunks, [&](int, int64_t c) {
    const int64_t b = c * kChunkRows, e = std::min(d.n, (c + 1) * kChunkRows);
    est.Terms(d, b, e, terms.data() + b * m);
  });
  const int B = opt.bootstrap_samples;
  std::vector<double> values(B);
  const int threads = std::max(1, opt.threads);
  std::vector<std::vector<uint32_t>> counts(threads, std::vector<uint32_t>(d.n));
  ParallelFor(threads, B, [&](int t, int64_t b) {
    auto& cnt = counts[t];
    std::fill(cnt.begin(), cnt.end(), 0u);
    SplitMix64 rng(DeriveSeed(opt.seed, static_cast<uint64_t>(b)));
    for (int64_t i = 0; i < d.n; ++i) ++cnt[rng.Below(d.n)];
    std::vector<double> s(m, 0.0);
    const double* row = terms.data();
    for (int64_t i = 0; i < d.n; ++i, row += m) {
      const double c = cnt[i];
      for (int j = 0; j < m; ++j) s[j] += c * row[j];
    }
    for (int j = 0; j < m; ++j) s[j] /= static_cast<double>(d.n);
    values[b] = form.Value(s.data());
  });
  std::sort(values.begin(), values.end());
  auto quantile = [&](double q) {
    const double pos = q * (B - 1);
    const int64_t lo = static_cast<int64_t>(std::floor(pos));
    const int64_t hi = std::min<int64_t>(B - 1, lo + 1);
    return values[lo] + (pos - lo) * (values[hi] - values[lo]);
  };
  out.ci_low = quantile(opt.alpha / 2);
  out.ci_high = quantile(1 - opt.alpha / 2);
  out.ci_method = "bootstrap";
  return out;
}

}  // namespace bundlerl
