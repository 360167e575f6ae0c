// The fitted shopper model (env/fitted_shopper_model.h) as an off-policy estimator's input:
// each target policy is valued in the fitted model at every logged round (slates drawn from
// the policy, each slate's expected clicks computed exactly), which fills the model columns of
// the policy's OpeData (model_value, model_logged, their gradients and the fit's covariance)
// for the "model" and "slate-dr" estimators and for the bias check of every other estimate
// (ope/reliability.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "env/fitted_shopper_model.h"
#include "kernels/logged_observation.h"
#include "ope/estimator.h"
#include "policy/slate_policy.h"

namespace bundlerl {

// Fills the model columns of data[p] for policies[p] (data as BuildPolicyOpeData returns
// it, one per policy, in the same order) at every round of `logs`, under `model` (fitted to
// these or other rounds of the same catalog; `kernels` are the catalog's). The target slates
// of round r are drawn from DeriveSeed(options.seed, (logs.rounds.first_round + r) * M + j),
// so that a log valued in chunks gives the columns of one pass. The result does not depend
// on the number of threads.
// `features` are the rows the policies score (kernels/logged_observation.h).
void AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels, const FittedShopperModel& model,
                            const std::vector<const SlatePolicy*>& policies, const ShopperModelOptions& options,
                            std::vector<OpeData>& data, const FeatureSpec& features = FeatureSpec());

// Fits the model to every round of `logs` and fills the columns of those rounds.
ShopperModelSummary AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels,
                                           const std::vector<const SlatePolicy*>& policies,
                                           const ShopperModelOptions& options, std::vector<OpeData>& data);

}  // namespace bundlerl
