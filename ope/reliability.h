// When an off-policy estimate cannot be trusted, and why. An estimate is marked unreliable,
// and its interval is not to be read as a confidence interval, when
//   1. its importance weights leave too little to average: Kish's effective sample size
//      below min_ess rows, or one row carrying more than max_weight_share of the total weight
//      (the normal interval then misstates the error; a deterministic target that the logging
//      policy almost never matched is the usual case); or
//   2. a shopper model fitted to the same logs says the estimator is biased for this target:
//      the estimator run on the model's expected rewards of the logged slates (in place of the
//      observed ones) misses the model's own value of the target by more than bias_z of that
//      difference's standard error (the rounds' and the fitted parameters') and by more than
//      bias_share of the estimate's standard error; or when that difference's standard error
//      exceeds max_check_ratio of the estimate's (an interval narrower than the model can
//      check: a direct method whose interval leaves out its reward model's error). This
//      catches the assumptions the weights cannot show (slot rewards that are not additive, a
//      cascade that is not one); it is as good as the fitted model, which is why the model's
//      fit is reported beside it.
// Estimators of the fitted model itself ("model", "slate-dr") are judged by their weights only.
#pragma once

#include <string>

#include "ope/estimator.h"

namespace bundlerl {

struct ReliabilityRule {
  double min_ess = 100;           // rows
  double max_weight_share = 0.05;
  // The bias check's thresholds as the coverage study (results/ope_coverage) backs them.
  double bias_z = 2;
  double bias_share = 0.25;
  double max_check_ratio = 2;
};

struct Reliability {
  bool reliable = true;
  std::string reason;          // empty when reliable
  bool model_checked = false;  // the fitted-model check ran
  double model_bias = 0;       // its estimate of the estimator's bias for this target
  double model_bias_stderr = 0;
};

// Rule 1 alone.
Reliability JudgeWeights(const Estimate& e, const ReliabilityRule& rule);

// Rules 1 and 2: `data` must hold the fitted model's columns for rule 2 to run (it is skipped
// otherwise, and for the fitted model's own estimators). `e` is est's estimate on `data`.
Reliability Judge(const Estimator& est, const OpeData& data, const Estimate& e, const EstimateOptions& options,
                  const ReliabilityRule& rule);

// Rule 2's inputs computed elsewhere (a log streamed in chunks): `on_model` is est's estimate
// on the model's expected rewards of the logged slates, `model` the model's value of the
// target (normal intervals, the fit's uncertainty included).
Reliability JudgeWithModel(const Estimator& est, const Estimate& e, const Estimate& on_model, const Estimate& model,
                           const ReliabilityRule& rule);

}  // namespace bundlerl
