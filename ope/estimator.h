// Off-policy estimators: one interface, a family of classes, confidence intervals.
//
// Estimators take arrays, not policies: the logged rewards and logging propensities, the
// target policy's probabilities of the logged units, and optionally a reward model's
// predictions. Any policy, ours or a user's, can be evaluated by filling an OpeData.
//
// Every estimator is written as per-row terms t_i (a few numbers per logged row) and a
// combination of their means:
//     V = sum_j mean(t_lin[j]) + sum_(a,b) mean(t_a) / mean(t_b).
// This one form gives, in a single multi-threaded pass, the value and a delta-method
// standard error, and makes the bootstrap a resampling of term rows. Formulas and sources
// are in the comments of each class and in docs/ESTIMATORS.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/registry.h"

namespace bundlerl {

class Reducer;

// Logged data as the estimators see them: n rows of K slots (K = 1: one slot per row, the
// OBD shape with the position in `position`). Per-slot arrays are row-major [n, K].
struct OpeData {
  int64_t n = 0, K = 1;
  std::vector<double> reward;          // [n, K] observed reward per slot
  std::vector<double> pscore;          // [n, K] logging P(logged unit at slot k | x); empty when
                                       // unknown: then only estimators without weights apply
  std::vector<double> target;          // [n, K] target  P(logged unit at slot k | x)
  std::vector<double> q_hat;           // [n, K] reward model at the logged unit (DM/DR)
  std::vector<double> q_hat_target;    // [n, K] E_{a ~ target(.|x, k)} q_hat(x, a, k)
  std::vector<double> pscore_slate;    // [n] logging P(whole logged slate | x)
  std::vector<double> target_slate;    // [n] target  P(whole logged slate | x)
  std::vector<double> pscore_cascade;  // [n, K] logging P(logged slots 0..k | x)
  std::vector<double> target_cascade;  // [n, K] target  P(logged slots 0..k | x)
  // An abstraction of the units (e.g. their category): P(the logged unit's abstraction at
  // slot k | x) under the logging policy and the target, for the marginalised weights (mips).
  std::vector<double> pscore_abstract;  // [n, K]
  std::vector<double> target_abstract;  // [n, K]
  std::vector<int32_t> position;       // [n] page position of each row (K = 1), optional
  // A shopper (choice) model fitted to the logged slates (policy/shopper_model_targets.h),
  // for the model-based estimators: the target's expected reward of one slate at row i under
  // the fitted model, the model's click probability of each logged slot, the gradients of
  // model_value[i] and of sum_k model_logged[i, k] with respect to the model's D parameters,
  // and the parameters' covariance (the fit's uncertainty).
  std::vector<double> model_value;        // [n]
  std::vector<double> model_logged;       // [n, K]
  int64_t model_params = 0;               // D
  std::vector<double> model_value_grad;   // [n, D]
  std::vector<double> model_logged_grad;  // [n, D]
  std::vector<double> model_covariance;   // [D, D]

  // Throws Error naming the field and the row when shapes disagree, a propensity is not in
  // (0, 1], a target probability is not in [0, 1], or a value is not finite.
  void Validate() const;
  void ValidateShapes() const;
  // Value checks of rows [begin, end) only (what Validate() does after the shapes).
  void ValidateRows(int64_t begin, int64_t end) const;
  // Rows whose position equals `p` (for per-position estimates).
  OpeData SelectPosition(int32_t p) const;
};

// What every estimator needs besides the rewards and propensities.
enum class Needs { kNothing, kRewardModel, kSlateProbabilities, kCascadeProbabilities,
                   kCascadeAndRewardModel, kShopperModel, kShopperModelAndSlate, kAbstraction };

// Which importance weight an estimator gives a row, for the weight diagnostics of an Estimate
// (ess, max_weight_share, nonzero_rows). Each kind defines one weight w_i per row, so that the
// effective sample size is counted in rows and compares with n:
//   kNone:          no importance weights (dm and other model-only estimators): w_i = 1, and
//                   the Estimate says weighted = false.
//   kSlot:          per-slot item weights w_ik = target_ik / pscore_ik, as the estimator uses
//                   them (clipped, switched or shrunk: Estimator::RowWeights); w_i = the mean
//                   over the row's K slots (w_i = w_i0 when K = 1).
//   kSlate:         the whole-slate weight target_slate_i / pscore_slate_i.
//   kCascade:       the prefix weights w_i,0:k = target_cascade_ik / pscore_cascade_ik; w_i =
//                   their mean over the row's K slots.
//   kPseudoInverse: the pseudo-inverse weight sum_k w_ik - (K - 1), which can be negative.
enum class WeightKind { kNone, kSlot, kSlate, kCascade, kPseudoInverse };

// The combination of term means that gives the value (see the file comment).
struct TermForm {
  int num_terms = 0;
  std::vector<int> linear;                 // indices j: + mean(t_j)
  std::vector<std::pair<int, int>> ratios;  // (a, b): + mean(t_a) / mean(t_b)
  double Value(const double* means) const;
  void Gradient(const double* means, double* grad) const;
};

class Estimator {
 public:
  virtual ~Estimator() = default;
  virtual std::string name() const = 0;
  virtual Needs needs() const { return Needs::kNothing; }
  virtual TermForm Form(const OpeData& d) const = 0;
  // The weight the estimator applies (see WeightKind); per-slot item weights by default.
  virtual WeightKind weight_kind() const { return WeightKind::kSlot; }
  // Writes the row weights w_i of rows [begin, end) into out ([end - begin]), given the
  // per-slot weights w as in Terms(). The default follows weight_kind(); an estimator that
  // maps its item weights (clipping, switching, shrinking) overrides it to report the
  // weights it actually applies.
  virtual void RowWeights(const OpeData& d, int64_t begin, int64_t end, const double* w,
                          double* out) const;
  // Writes the terms of rows [begin, end) into out (row-major [end - begin, num_terms]).
  // w holds the per-slot importance weights target / pscore of those rows ([end - begin, K]),
  // computed once per block by the caller.
  virtual void Terms(const OpeData& d, int64_t begin, int64_t end, const double* w,
                     double* out) const = 0;
  // Estimators that use the fitted shopper model (needs() kShopperModel...) and whose value is
  // linear in its predictions: the coefficients of row i's value on model_value[i] and on
  // sum_k model_logged[i, k]. The framework adds the fit's uncertainty, g' Cov g with g the
  // mean gradient of the value with respect to the model's parameters, to the variance.
  virtual void ModelCoefficients(const OpeData& d, int64_t i, double* on_value, double* on_logged) const {
    (void)d, (void)i;
    *on_value = *on_logged = 0;
  }
};

struct Estimate {
  std::string estimator;
  double value = 0, stderr_ = 0;
  double ci_low = 0, ci_high = 0;  // 95% (or 1 - alpha) interval
  std::string ci_method;           // "normal" or "bootstrap"
  int64_t rows = 0;
  double max_weight = 0;           // largest item weight target / pscore seen (0 if none)
  // Diagnostics of the row weights w_i the estimator applies (WeightKind). For an estimator
  // without weights every w_i is 1: ess = rows, max_weight_share = 1 / rows.
  bool weighted = false;        // the estimator uses importance weights (false: dm and other model-only estimators)
  double ess = 0;               // Kish effective sample size (sum w)^2 / sum w^2 of the estimator's weights, in rows
  double max_weight_share = 0;  // the largest |weight| / sum |weight|
  int64_t nonzero_rows = 0;     // rows whose weight is non-zero
  double model_stderr = 0;      // the part of stderr_ from a fitted shopper model's parameters
};

struct EstimateOptions {
  int threads = 1;
  double alpha = 0.05;        // 1 - confidence level
  int bootstrap_samples = 0;  // 0: normal-approximation interval (delta method)
  uint64_t seed = 0;          // bootstrap seed: resample b uses a generator from (seed, b)
};

// Throws Error naming `key` unless `samples` is 0 (the normal interval) or enough resamples for
// a 1 - alpha percentile interval: at least 2 in each tail (ceil(4 / alpha), 80 at alpha 0.05),
// since fewer give an interval that may not even hold its estimate.
void CheckBootstrapSamples(int samples, double alpha, const std::string& key);

// Sums over the row weights w_i (WeightKind) for the weight diagnostics.
struct WeightMoments {
  double sum = 0, sum_sq = 0, sum_abs = 0, max_abs = 0, nonzero = 0;
  void Add(const WeightMoments& o) {
    sum += o.sum, sum_sq += o.sum_sq, sum_abs += o.sum_abs, nonzero += o.nonzero;
    max_abs = std::max(max_abs, o.max_abs);
  }
};

// Sums of the per-row terms and of their pairwise products, for the value and its standard
// error; and the sums of the row weights.
struct TermMoments {
  int m = 0;
  double count = 0;
  std::vector<double> sum, cross;  // [m], [m, m] (upper triangle)
  WeightMoments weights;
  explicit TermMoments(int terms = 0) : m(terms), sum(terms, 0.0), cross(terms * terms, 0.0) {}
  void Add(const TermMoments& o) {
    count += o.count;
    for (int i = 0; i < m; ++i) sum[i] += o.sum[i];
    for (int i = 0; i < m * m; ++i) cross[i] += o.cross[i];
    weights.Add(o.weights);
  }
};

// One estimator over rows that arrive in pieces (a log streamed in chunks): Add() the pieces
// in order, then Finish(). Rows are summed in chunks of kChunkRows counted from the first row,
// merged in order, the rows of a chunk kept until it is complete, so that pieces of any sizes
// give bitwise the result of one Add() of all rows; and no result depends on the number of
// threads. With a bootstrap the per-row terms are kept (rows x terms doubles) for the
// resampling.
class EstimateAccumulator {
 public:
  static constexpr int64_t kChunkRows = 1 << 16;
  // `est` must outlive the accumulator.
  EstimateAccumulator(const Estimator& est, const EstimateOptions& opt);
  // Validates the piece (throws Error naming the field and the row) and adds its rows.
  void Add(const OpeData& rows);
  int64_t rows() const { return rows_; }
  // The estimate over every row added (all ranks' rows with a reducer of several processes).
  Estimate Finish(Reducer* comm = nullptr) const;

 private:
  void AddModelGradient(const OpeData& d);
  double ModelFitVariance(Reducer* comm, double count) const;
  const Estimator& est_;
  EstimateOptions opt_;
  int64_t K_ = -1, rows_ = 0;
  TermForm form_;
  std::vector<TermMoments> chunks_;
  // The rows of the chunk not yet complete: their terms [pending_rows_, terms] and row weights.
  std::vector<double> pending_terms_, pending_weights_;
  int64_t pending_rows_ = 0;
  double max_weight_ = 0;
  std::vector<double> terms_;  // [rows, terms] when bootstrapping
  std::vector<double> model_grad_sum_, model_covariance_;  // fitted-model estimators
};

// Runs one estimator over the data: value, standard error, confidence interval. The result
// does not depend on the number of threads (fixed chunking, ordered merge).
// With a reducer of several ranks, `data` is this rank's shard: the term sums are
// all-reduced, so the value and standard error equal those of one process over all rows (to
// floating-point rounding); the bootstrap resamples each shard with seeds derived from
// (seed, rank) and all-reduces the resample sums (a bootstrap stratified by shard).
Estimate RunEstimator(const Estimator& est, const OpeData& data, const EstimateOptions& opt,
                      Reducer* comm = nullptr);

// The estimators by name (each registers itself in its own file: ope/*.cpp), e.g. "dm",
// "ipw", "clipped-ipw:LAMBDA", "dros:LAMBDA". MakeEstimator throws Error listing the known
// names for an unknown one.
using EstimatorRegistry = Registry<std::unique_ptr<Estimator>>;
std::unique_ptr<Estimator> MakeEstimator(const std::string& spec);
std::vector<std::string> EstimatorNames();

}  // namespace bundlerl
