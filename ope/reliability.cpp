// Reliability of off-policy estimates: see reliability.h.
#include "ope/reliability.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "ope/estimators.h"

namespace bundlerl {
namespace {

std::string FormatSignificant(double x) {
  std::ostringstream o;
  o.precision(3);
  o << x;
  return o.str();
}

}  // namespace

Reliability JudgeWeights(const Estimate& e, const ReliabilityRule& rule) {
  Reliability r;
  if (!e.weighted) return r;
  if (e.ess < rule.min_ess) {
    r.reliable = false;
    r.reason = Concat("effective sample size ", FormatSignificant(e.ess), " < ", rule.min_ess);
  } else if (e.max_weight_share > rule.max_weight_share) {
    r.reliable = false;
    r.reason = Concat("one row carries ", FormatSignificant(100 * e.max_weight_share), "% of the weight");
  }
  return r;
}

Reliability Judge(const Estimator& est, const OpeData& data, const Estimate& e, const EstimateOptions& options,
                  const ReliabilityRule& rule) {
  Reliability r = JudgeWeights(e, rule);
  const bool of_the_model = est.needs() == Needs::kShopperModel || est.needs() == Needs::kShopperModelAndSlate;
  if (of_the_model || data.model_value.empty() || data.model_logged.empty()) return r;
  // The estimator on the model's expected rewards, against the model's value of the target.
  OpeData imputed = data;
  imputed.reward = data.model_logged;
  EstimateOptions normal = options;
  normal.bootstrap_samples = 0;
  const Estimate on_model = RunEstimator(est, imputed, normal);
  // The model's value of the target, and the check's own error: the estimator's on the
  // model's rewards and the model's value's (the rounds and the fit's parameters).
  const Estimate model = RunEstimator(ModelBased(), data, normal);
  return JudgeWithModel(est, e, on_model, model, rule);
}

Reliability JudgeWithModel(const Estimator& est, const Estimate& e, const Estimate& on_model, const Estimate& model,
                           const ReliabilityRule& rule) {
  Reliability r = JudgeWeights(e, rule);
  const bool of_the_model = est.needs() == Needs::kShopperModel || est.needs() == Needs::kShopperModelAndSlate;
  if (of_the_model) return r;
  r.model_checked = true;
  r.model_bias = on_model.value - model.value;
  r.model_bias_stderr = std::hypot(on_model.stderr_, model.stderr_);
  if (!r.reliable) return r;
  const bool significant = std::abs(r.model_bias) > rule.bias_z * r.model_bias_stderr;
  const bool material = std::abs(r.model_bias) > rule.bias_share * e.stderr_;
  if (significant && material) {
    r.reliable = false;
    r.reason = Concat("the fitted shopper model puts its bias at ", FormatSignificant(r.model_bias), " (",
                      FormatSignificant(std::abs(r.model_bias) / std::max(e.stderr_, 1e-300)), " standard errors)");
  } else if (r.model_bias_stderr > rule.max_check_ratio * e.stderr_) {
    r.reliable = false;
    r.reason = Concat("an interval narrower than the fitted model can check (its error ",
                      FormatSignificant(r.model_bias_stderr / std::max(e.stderr_, 1e-300)), " standard errors)");
  }
  return r;
}

}  // namespace bundlerl
