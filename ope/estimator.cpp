// Estimator framework: validation, one-pass moments, delta-method errors, bootstrap.
#include "ope/estimator.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <emmintrin.h>
#include <tuple>

#include "common/error.h"
#include "common/executor.h"
#include "common/random.h"
#include "common/reduction.h"
#include "ope/bootstrap.h"
#include "ope/term_forms.h"

namespace bundlerl {
namespace {

constexpr int64_t kChunkRows = EstimateAccumulator::kChunkRows;
constexpr int64_t kBlockRows = 512;       // inputs and terms of a block stay in L1/L2

// Branch-free range checks, two lanes at a time (SSE2, in every x86-64); the caller looks for
// the offending value only when one fails. A NaN escapes min and max, so each check also sums
// x * 0, which is 0 for a finite x and NaN otherwise.
struct Range {
  __m128d lo = _mm_set1_pd(1.0), hi = _mm_setzero_pd(), bad = _mm_setzero_pd();
  void Add(__m128d x) {
    lo = _mm_min_pd(x, lo);
    hi = _mm_max_pd(x, hi);
    bad = _mm_add_pd(bad, _mm_mul_pd(x, _mm_setzero_pd()));
  }
  void AddOne(double x) { Add(_mm_set1_pd(x)); }
  // Every value seen is in (0, 1] (open_at_zero) or [0, 1].
  bool InUnitInterval(bool open_at_zero) const {
    const double l = std::min(Lane(lo, 0), Lane(lo, 1)), h = std::max(Lane(hi, 0), Lane(hi, 1));
    return (open_at_zero ? l > 0.0 : l >= 0.0) && h <= 1.0 && Finite();
  }
  bool Finite() const { return Lane(bad, 0) + Lane(bad, 1) == 0.0; }
  static double Lane(__m128d v, int l) {
    double x[2];
    _mm_storeu_pd(x, v);
    return x[l];
  }
};

bool AllInUnitInterval(const double* x, int64_t n, bool open_at_zero) {
  Range r;
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) r.Add(_mm_loadu_pd(x + i));
  for (; i < n; ++i) r.AddOne(x[i]);
  return r.InUnitInterval(open_at_zero);
}

bool AllFinite(const double* x, int64_t n) {
  __m128d bad = _mm_setzero_pd();
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) bad = _mm_add_pd(bad, _mm_mul_pd(_mm_loadu_pd(x + i), _mm_setzero_pd()));
  double tail = 0;
  for (; i < n; ++i) tail += x[i] * 0.0;
  return Range::Lane(bad, 0) + Range::Lane(bad, 1) + tail == 0.0;
}

// The main arrays of `cells` cells in one pass: the weights w = t / p, the checks p in (0, 1],
// t in [0, 1] and r finite, and the largest weight (into max_weight). False when a check fails.
bool WeightsAndChecks(const double* p, const double* t, const double* r, int64_t cells, double* w,
                      double& max_weight) {
  Range pr, tr;
  __m128d rbad = _mm_setzero_pd(), mw = _mm_set1_pd(max_weight);
  int64_t k = 0;
  for (; k + 2 <= cells; k += 2) {
    const __m128d pk = _mm_loadu_pd(p + k), tk = _mm_loadu_pd(t + k), wk = _mm_div_pd(tk, pk);
    _mm_storeu_pd(w + k, wk);
    pr.Add(pk), tr.Add(tk);
    rbad = _mm_add_pd(rbad, _mm_mul_pd(_mm_loadu_pd(r + k), _mm_setzero_pd()));
    mw = _mm_max_pd(wk, mw);
  }
  double tail = 0;
  for (; k < cells; ++k) {
    w[k] = t[k] / p[k];
    pr.AddOne(p[k]), tr.AddOne(t[k]);
    tail += r[k] * 0.0;
    mw = _mm_max_pd(_mm_set1_pd(w[k]), mw);
  }
  max_weight = std::max(Range::Lane(mw, 0), Range::Lane(mw, 1));
  return pr.InUnitInterval(true) && tr.InUnitInterval(false) &&
         Range::Lane(rbad, 0) + Range::Lane(rbad, 1) + tail == 0.0;
}

using Moments = TermMoments;

// Sums of a block's terms and of their pairwise products, each summed over the rows in
// order from zero and then added to `mom`. With M terms known, the products are taken over
// the whole square so that the inner loop vectorises across c; the upper triangle is kept.
template <int M>
inline __attribute__((always_inline)) void AddMomentsFixed(const double* t, int64_t rows, Moments& mom) {
  double sum[M] = {}, cross[M * M] = {};
  for (int64_t i = 0; i < rows; ++i, t += M)
    for (int a = 0; a < M; ++a) {
      sum[a] += t[a];
      for (int c = 0; c < M; ++c) cross[a * M + c] += t[a] * t[c];
    }
  for (int a = 0; a < M; ++a) {
    mom.sum[a] += sum[a];
    for (int c = a; c < M; ++c) mom.cross[a * M + c] += cross[a * M + c];
  }
}

inline __attribute__((always_inline)) void AddMomentsDynamic(const double* t, int64_t rows, Moments& mom) {
  const int m = mom.m;
  for (int64_t i = 0; i < rows; ++i, t += m)
    for (int a = 0; a < m; ++a) {
      mom.sum[a] += t[a];
      for (int c = a; c < m; ++c) mom.cross[a * m + c] += t[a] * t[c];
    }
}

// Built for AVX2 and baseline x86-64 (chosen at load time); neither has fused multiply-add,
// so both give the same bits: every sum keeps its order over the rows.
__attribute__((target_clones("avx2", "default"))) void AddMoments(const double* t, int64_t rows,
                                                                  Moments& mom) {
  switch (mom.m) {
    case 1: AddMomentsFixed<1>(t, rows, mom); break;
    case 2: AddMomentsFixed<2>(t, rows, mom); break;
    case 3: AddMomentsFixed<3>(t, rows, mom); break;
    case 4: AddMomentsFixed<4>(t, rows, mom); break;
    case 6: AddMomentsFixed<6>(t, rows, mom); break;
    case 7: AddMomentsFixed<7>(t, rows, mom); break;
    default: AddMomentsDynamic(t, rows, mom);
  }
}

// Sums of the row weights of one block, in row order.
void AddWeightMoments(const double* w, int64_t rows, WeightMoments& wm) {
  double sum = 0, sum_sq = 0, sum_abs = 0, max_abs = wm.max_abs, nonzero = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const double x = w[i], a = std::abs(x);
    sum += x;
    sum_sq += x * x;
    sum_abs += a;
    max_abs = a > max_abs ? a : max_abs;
    nonzero += x != 0.0 ? 1.0 : 0.0;
  }
  wm.sum += sum, wm.sum_sq += sum_sq, wm.sum_abs += sum_abs, wm.nonzero += nonzero;
  wm.max_abs = max_abs;
}

// Per-thread scratch of AccumulateRange.
struct Scratch {
  std::vector<double> terms, weights, row_weights;
};

// Validates and accumulates rows [begin, end) into `mom` through the estimator's Terms(),
// block by block so that the inputs and the terms stay in cache. With `terms_out` the terms
// of the rows are also written there (row-major [end - begin, terms], for the bootstrap and
// for a chunk not yet complete), with `weights_out` their row weights ([end - begin]).
void AccumulateRange(const Estimator& est, const OpeData& d, int64_t begin, int64_t end,
                     Moments& mom, double& max_weight, Scratch& scratch, double* terms_out,
                     double* weights_out = nullptr) {
  const int m = mom.m;
  std::vector<double>&buf = scratch.terms, &wbuf = scratch.weights, &rbuf = scratch.row_weights;
  buf.resize(kBlockRows * m);
  wbuf.resize(kBlockRows * d.K);
  rbuf.resize(kBlockRows);
  const double *tp = d.target.data(), *pp = d.pscore.data();
  const bool has_optional = !d.q_hat.empty() || !d.q_hat_target.empty() ||
                            !d.pscore_slate.empty() || !d.target_slate.empty() ||
                            !d.pscore_cascade.empty() || !d.target_cascade.empty();
  for (int64_t b = begin; b < end; b += kBlockRows) {
    const int64_t e = std::min(end, b + kBlockRows);
    // Weights, a fused branch-free check of the main arrays and the largest weight, in one
    // pass; the slow path (ValidateRows) only names a bad row.
    const int64_t k0 = b * d.K, cells = (e - b) * d.K;
    double* w = wbuf.data();
    if (!WeightsAndChecks(pp + k0, tp + k0, d.reward.data() + k0, cells, w, max_weight)) d.ValidateRows(b, e);
    if (has_optional) {
      const int64_t nb = e - b;
      bool opt_ok = true;
      if (!d.q_hat.empty()) opt_ok &= AllFinite(d.q_hat.data() + k0, cells);
      if (!d.q_hat_target.empty()) opt_ok &= AllFinite(d.q_hat_target.data() + k0, cells);
      if (!d.pscore_slate.empty()) opt_ok &= AllInUnitInterval(d.pscore_slate.data() + b, nb, true);
      if (!d.target_slate.empty()) opt_ok &= AllInUnitInterval(d.target_slate.data() + b, nb, false);
      if (!d.pscore_cascade.empty()) opt_ok &= AllInUnitInterval(d.pscore_cascade.data() + k0, cells, true);
      if (!d.target_cascade.empty()) opt_ok &= AllInUnitInterval(d.target_cascade.data() + k0, cells, false);
      if (!opt_ok) d.ValidateRows(b, e);
    }
    double* t_block = terms_out ? terms_out + (b - begin) * m : buf.data();
    est.Terms(d, b, e, w, t_block);
    const int64_t rows = e - b;
    AddMoments(t_block, rows, mom);
    est.RowWeights(d, b, e, w, rbuf.data());
    if (weights_out) std::copy(rbuf.data(), rbuf.data() + rows, weights_out + (b - begin));
    AddWeightMoments(rbuf.data(), rows, mom.weights);
    mom.count += static_cast<double>(rows);
  }
}


// The moments of stored rows (terms [rows, m], row weights [rows]) in blocks of kBlockRows
// from the first: what AccumulateRange gives for the same rows from the same start.
Moments MomentsOfRows(const double* terms, const double* weights, int64_t rows, int m) {
  Moments mom(m);
  for (int64_t b = 0; b < rows; b += kBlockRows) {
    const int64_t n = std::min(rows - b, kBlockRows);
    AddMoments(terms + b * m, n, mom);
    AddWeightMoments(weights + b, n, mom.weights);
    mom.count += static_cast<double>(n);
  }
  return mom;
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
  ValidateShapes();
  ValidateRows(0, n);
}

void OpeData::ValidateShapes() const {
  const int64_t nk = n * K;
  auto size = [&](const std::vector<double>& v, int64_t want, const char* field, bool required) {
    if (v.empty() && !required) return;
    if (static_cast<int64_t>(v.size()) != want)
      Fail("OPE data: field '", field, "' has ", v.size(), " values, expected ", want, " (n=", n,
           ", K=", K, ")");
  };
  if (n <= 0 || K <= 0) Fail("OPE data: expected n > 0 rows and K > 0 slots, got n=", n, ", K=", K);
  size(reward, nk, "reward", true);
  size(pscore, nk, "pscore", false);  // empty: propensities unknown (model-only estimators)
  size(target, nk, "target", true);
  size(q_hat, nk, "q_hat", false);
  size(q_hat_target, nk, "q_hat_target", false);
  size(pscore_slate, n, "pscore_slate", false);
  size(target_slate, n, "target_slate", false);
  size(pscore_cascade, nk, "pscore_cascade", false);
  size(target_cascade, nk, "target_cascade", false);
  size(pscore_abstract, nk, "pscore_abstract", false);
  size(target_abstract, nk, "target_abstract", false);
  size(model_value, n, "model_value", false);
  size(model_logged, nk, "model_logged", false);
  if (!model_value.empty() || !model_covariance.empty()) {
    if (model_params <= 0) Fail("OPE data: field 'model_params' must be positive with model columns");
    size(model_value_grad, n * model_params, "model_value_grad", true);
    size(model_logged_grad, n * model_params, "model_logged_grad", true);
    size(model_covariance, model_params * model_params, "model_covariance", true);
  }
  if (!position.empty() && static_cast<int64_t>(position.size()) != n)
    Fail("OPE data: field 'position' has ", position.size(), " values, expected ", n);
}

void OpeData::ValidateRows(int64_t begin, int64_t end) const {
  auto check = [&](const std::vector<double>& v, const char* field, bool propensity, int64_t per) {
    if (v.empty()) return;
    const double* x = v.data() + begin * per;
    if (AllInUnitInterval(x, (end - begin) * per, propensity)) return;
    for (int64_t i = begin * per; i < end * per; ++i) {
      const double y = v[i];
      const bool bad = propensity ? !(y > 0.0 && y <= 1.0) : !(y >= 0.0 && y <= 1.0);
      if (bad)
        Fail("OPE data: field '", field, "', row ", i / per, (per > 1 ? Concat(", slot ", i % per) : ""),
             ": ", y, propensity ? " not in (0, 1] (a logging propensity must be positive)"
                                 : " not in [0, 1]");
    }
  };
  check(pscore, "pscore", true, K);
  check(target, "target", false, K);
  check(pscore_slate, "pscore_slate", true, 1);
  check(target_slate, "target_slate", false, 1);
  check(pscore_cascade, "pscore_cascade", true, K);
  check(target_cascade, "target_cascade", false, K);
  check(pscore_abstract, "pscore_abstract", true, K);
  check(target_abstract, "target_abstract", false, K);
  const std::pair<const std::vector<double>*, const char*> finite[] = {
      {&reward, "reward"}, {&q_hat, "q_hat"}, {&q_hat_target, "q_hat_target"}, {&model_logged, "model_logged"}};
  for (const auto& [v, field] : finite) {
    if (v->empty() || AllFinite(v->data() + begin * K, (end - begin) * K)) continue;
    for (int64_t i = begin * K; i < end * K; ++i)
      if (!std::isfinite((*v)[i])) Fail("OPE data: field '", field, "', row ", i / K, ": value is not finite");
  }
  if (!model_value.empty())
    for (int64_t i = begin; i < end; ++i)
      if (!std::isfinite(model_value[i])) Fail("OPE data: field 'model_value', row ", i, ": value is not finite");
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
  take(pscore_abstract, out.pscore_abstract, K);
  take(target_abstract, out.target_abstract, K);
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

std::unique_ptr<Estimator> MakeEstimator(const std::string& spec) {
  return EstimatorRegistry::Make(spec, "estimator");
}

std::vector<std::string> EstimatorNames() { return EstimatorRegistry::Names(); }

namespace {

// Checks that `d` has what `est` needs, naming the missing field.
void CheckNeeds(const Estimator& est, const OpeData& d) {
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
    case Needs::kAbstraction:
      CheckArray(d.pscore_abstract, nk, "pscore_abstract", true, name);
      CheckArray(d.target_abstract, nk, "target_abstract", true, name);
      break;
    case Needs::kShopperModelAndSlate:
      CheckArray(d.pscore_slate, d.n, "pscore_slate", true, name);
      CheckArray(d.target_slate, d.n, "target_slate", true, name);
      [[fallthrough]];
    case Needs::kShopperModel:
      CheckArray(d.model_value, d.n, "model_value", true, name);
      CheckArray(d.model_logged, nk, "model_logged", true, name);
      break;
  }
}

// The weight diagnostics of an Estimate from the sums of the row weights.
void SetWeightDiagnostics(const Estimator& est, const WeightMoments& wm, Estimate& out) {
  out.weighted = est.weight_kind() != WeightKind::kNone;
  out.ess = wm.sum_sq > 0 ? wm.sum * wm.sum / wm.sum_sq : 0.0;
  out.max_weight_share = wm.sum_abs > 0 ? wm.max_abs / wm.sum_abs : 0.0;
  out.nonzero_rows = static_cast<int64_t>(wm.nonzero);
}

}  // namespace

void Estimator::RowWeights(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const {
  const int64_t K = d.K, rows = e - b;
  switch (weight_kind()) {
    case WeightKind::kNone:
      std::fill(out, out + rows, 1.0);
      break;
    case WeightKind::kSlot:
      SlotMeanWeights(w, rows, K, [](double x) { return x; }, out);
      break;
    case WeightKind::kSlate:
      for (int64_t i = 0; i < rows; ++i) out[i] = d.target_slate[b + i] / d.pscore_slate[b + i];
      break;
    case WeightKind::kCascade: {
      std::vector<double> prefix(rows * K);
      for (int64_t k = 0; k < rows * K; ++k)
        prefix[k] = d.target_cascade[b * K + k] / d.pscore_cascade[b * K + k];
      SlotMeanWeights(prefix.data(), rows, K, [](double x) { return x; }, out);
      break;
    }
    case WeightKind::kPseudoInverse:
      for (int64_t i = 0; i < rows; ++i) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += w[i * K + k];
        out[i] = s - static_cast<double>(K - 1);
      }
      break;
  }
}

void CheckBootstrapSamples(int samples, double alpha, const std::string& key) {
  if (samples == 0) return;
  const int least = static_cast<int>(std::ceil(4.0 / alpha - 1e-9));
  if (samples < least)
    Fail(key, ": ", samples, " bootstrap resamples cannot make a ", 100 * (1 - alpha),
         "% percentile interval (it needs at least 2 in each tail); ask for 0 (the normal interval) or at least ",
         least);
}

EstimateAccumulator::EstimateAccumulator(const Estimator& est, const EstimateOptions& opt) : est_(est), opt_(opt) {}

void EstimateAccumulator::Add(const OpeData& given) {
  given.ValidateShapes();  // values are checked block by block in the pass below
  CheckNeeds(est_, given);
  // Without logging propensities only the estimators that weight nothing apply; their terms
  // read no weight, so the weights of a unit propensity stand in.
  OpeData unit_propensities;
  if (given.pscore.empty()) {
    if (est_.weight_kind() != WeightKind::kNone)
      Fail("estimator '", est_.name(), "' weights by the logging propensities ('pscore'), which the data do not ",
           "provide; without them only the direct and model-based estimators apply (dm, model)");
    unit_propensities = given;
    unit_propensities.pscore.assign(given.n * given.K, 1.0);
  }
  const OpeData& d = given.pscore.empty() ? unit_propensities : given;
  if (K_ < 0) {
    K_ = d.K;
    form_ = est_.Form(d);
  } else if (d.K != K_) {
    Fail("OPE data: a chunk of ", d.K, " slots after chunks of ", K_);
  }
  const int m = form_.num_terms;
  // Rows are cut in chunks of kChunkRows counted from the first row of the stream. A whole
  // chunk's moments are summed at once (in parallel over chunks); the rows of a chunk still
  // incomplete are kept (terms and row weights) until it completes or Finish, and summed from
  // its first row then: any piece sizes give bitwise the result of one call.
  struct Range {
    int64_t b, e;
    bool whole;
  };
  std::vector<Range> ranges;  // [begin, end) within d
  for (int64_t b = 0; b < d.n;) {
    const int64_t offset = (rows_ + b) % kChunkRows, room = kChunkRows - offset;
    const int64_t e = std::min(d.n, b + room);
    ranges.push_back({b, e, offset == 0 && e - b == kChunkRows});
    b = e;
  }
  std::vector<Scratch> scratch(std::max(1, opt_.threads));
  if (opt_.bootstrap_samples > 0) terms_.resize((rows_ + d.n) * m);
  double* terms = opt_.bootstrap_samples > 0 ? terms_.data() + rows_ * m : nullptr;
  // A part of a chunk: its rows join the pending ones; a completed chunk is summed.
  auto add_part = [&](const Range& r) {
    const int64_t n = r.e - r.b;
    pending_terms_.resize((pending_rows_ + n) * m);
    pending_weights_.resize(pending_rows_ + n);
    Moments unused(m);
    double max_w = 0;
    AccumulateRange(est_, d, r.b, r.e, unused, max_w, scratch[0], pending_terms_.data() + pending_rows_ * m,
                    pending_weights_.data() + pending_rows_);
    if (terms) std::copy(pending_terms_.data() + pending_rows_ * m, pending_terms_.data() + (pending_rows_ + n) * m,
                         terms + r.b * m);
    max_weight_ = std::max(max_weight_, max_w);
    pending_rows_ += n;
    if (pending_rows_ == kChunkRows) {
      chunks_.push_back(MomentsOfRows(pending_terms_.data(), pending_weights_.data(), pending_rows_, m));
      pending_rows_ = 0;
      pending_terms_.clear(), pending_weights_.clear();
    }
  };
  size_t first_whole = 0;
  while (first_whole < ranges.size() && !ranges[first_whole].whole) add_part(ranges[first_whole++]);  // the head
  size_t end_whole = first_whole;
  while (end_whole < ranges.size() && ranges[end_whole].whole) ++end_whole;
  const int64_t whole = static_cast<int64_t>(end_whole - first_whole);
  std::vector<Moments> parts(whole, Moments(m));
  std::vector<double> part_max(whole, 0.0);
  // A bad row throws; the executor rethrows the error of the lowest chunk, so the first bad
  // row in file order is the one reported.
  ParallelFor(opt_.threads, whole, [&](int t, int64_t c) {
    const Range& r = ranges[first_whole + c];
    AccumulateRange(est_, d, r.b, r.e, parts[c], part_max[c], scratch[t], terms ? terms + r.b * m : nullptr);
  });
  for (int64_t c = 0; c < whole; ++c) {
    chunks_.push_back(parts[c]);
    max_weight_ = std::max(max_weight_, part_max[c]);
  }
  for (size_t i = end_whole; i < ranges.size(); ++i) add_part(ranges[i]);  // the tail
  AddModelGradient(d);
  rows_ += d.n;
}

static bool UsesShopperModel(const Estimator& est) {
  return est.needs() == Needs::kShopperModel || est.needs() == Needs::kShopperModelAndSlate;
}

void EstimateAccumulator::AddModelGradient(const OpeData& d) {
  if (!UsesShopperModel(est_)) return;
  const int64_t D = d.model_params;
  if (model_covariance_.empty()) {
    model_covariance_ = d.model_covariance;
    model_grad_sum_.assign(D, 0.0);
  } else if (static_cast<int64_t>(model_grad_sum_.size()) != D || d.model_covariance != model_covariance_) {
    Fail("OPE data: a chunk with another fitted shopper model than the chunks before it");
  }
  // In row order: the sum does not depend on the thread count or on the chunking.
  for (int64_t i = 0; i < d.n; ++i) {
    double a = 0, b = 0;
    est_.ModelCoefficients(d, i, &a, &b);
    const double *gv = &d.model_value_grad[i * D], *gl = &d.model_logged_grad[i * D];
    for (int64_t j = 0; j < D; ++j) model_grad_sum_[j] += a * gv[j] + b * gl[j];
  }
}

Estimate EstimateAccumulator::Finish(Reducer* comm) const {
  if (K_ < 0 || rows_ == 0) Fail("estimator '", est_.name(), "': no rows to estimate from");
  const bool distributed = IsDistributed(comm);
  const TermForm& form = form_;
  const int m = form.num_terms;
  Moments total(m);
  for (const auto& c : chunks_) total.Add(c);
  if (pending_rows_ > 0) total.Add(MomentsOfRows(pending_terms_.data(), pending_weights_.data(), pending_rows_, m));
  double max_weight = max_weight_;
  if (distributed) {
    std::vector<double> packed;
    packed.push_back(total.count);
    packed.insert(packed.end(), total.sum.begin(), total.sum.end());
    packed.insert(packed.end(), total.cross.begin(), total.cross.end());
    comm->AllReduceSum(packed);
    total.count = packed[0];
    std::copy(packed.begin() + 1, packed.begin() + 1 + m, total.sum.begin());
    std::copy(packed.begin() + 1 + m, packed.end(), total.cross.begin());
    // The weight sums travel with the term sums; the largest |w| with the largest weight.
    double weight_sums[4] = {total.weights.sum, total.weights.sum_sq, total.weights.sum_abs,
                             total.weights.nonzero};
    comm->AllReduceSum(weight_sums, 4);
    total.weights.sum = weight_sums[0], total.weights.sum_sq = weight_sums[1];
    total.weights.sum_abs = weight_sums[2], total.weights.nonzero = weight_sums[3];
    double maxima[2] = {max_weight, total.weights.max_abs};
    comm->AllReduceMax(maxima, 2);
    max_weight = maxima[0], total.weights.max_abs = maxima[1];
  }

  Estimate out;
  out.estimator = est_.name();
  out.rows = static_cast<int64_t>(total.count);
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
  const double fit_var = ModelFitVariance(comm, total.count);
  out.model_stderr = std::sqrt(fit_var);
  out.stderr_ = std::sqrt(var / total.count + fit_var);
  out.max_weight = max_weight;
  SetWeightDiagnostics(est_, total.weights, out);

  // A bootstrap of rows would leave out the fit's uncertainty: estimators of the fitted model
  // keep the normal interval with the delta-method variance of both.
  if (opt_.bootstrap_samples <= 0 || UsesShopperModel(est_)) {
    const double z = boost::math::quantile(boost::math::normal(), 1.0 - opt_.alpha / 2);
    out.ci_low = out.value - z * out.stderr_;
    out.ci_high = out.value + z * out.stderr_;
    out.ci_method = "normal";
    return out;
  }
  // Poisson bootstrap (ope/bootstrap.h): resample b weighs row i by a count k_bi ~ Poisson(1)
  // drawn from (seed, b, i), so the interval does not depend on the number of threads.
  // Distributed: each rank resamples its own shard with a seed from (seed, rank), and the
  // resample sums and counts are all-reduced.
  const int B = opt_.bootstrap_samples;
  const uint64_t boot_seed =
      distributed ? StreamSeed(opt_.seed, Stream::kRankBootstrap, static_cast<uint64_t>(comm->rank())) : opt_.seed;
  std::vector<double> sums(static_cast<size_t>(B) * m + B, 0.0);  // [B, m] sums, then [B] counts
  double* counts = sums.data() + static_cast<size_t>(B) * m;
  PoissonBootstrapSums(terms_.data(), rows_, m, B, boot_seed, opt_.threads, sums.data(), counts);
  if (distributed) comm->AllReduceSum(sums);
  // A resample that drew no row (probability e^-n) has no mean and is left out.
  std::vector<double> values, mean(m);
  for (int b = 0; b < B; ++b) {
    if (counts[b] == 0) continue;
    for (int j = 0; j < m; ++j) mean[j] = sums[static_cast<size_t>(b) * m + j] / counts[b];
    values.push_back(form.Value(mean.data()));
  }
  if (values.empty()) values.push_back(out.value);
  std::tie(out.ci_low, out.ci_high) = PercentileInterval(std::move(values), opt_.alpha);
  out.ci_method = "bootstrap";
  return out;
}

double EstimateAccumulator::ModelFitVariance(Reducer* comm, double count) const {
  if (model_grad_sum_.empty()) return 0.0;
  std::vector<double> g = model_grad_sum_;
  if (IsDistributed(comm)) comm->AllReduceSum(g);
  const int64_t D = static_cast<int64_t>(g.size());
  double v = 0;
  for (int64_t a = 0; a < D; ++a)
    for (int64_t c = 0; c < D; ++c) v += g[a] * model_covariance_[a * D + c] * g[c];
  return std::max(0.0, v) / (count * count);
}

Estimate RunEstimator(const Estimator& est, const OpeData& d, const EstimateOptions& opt, Reducer* comm) {
  EstimateAccumulator acc(est, opt);
  acc.Add(d);
  return acc.Finish(comm);
}

}  // namespace bundlerl
