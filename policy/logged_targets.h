// Off-policy evaluation inputs for any slate policy on any logged dataset: at every logged
// round the policy sees the observation rebuilt from the log (kernels/logged_observation.h),
// and its probabilities of what was logged become the OPE data's target columns: the
// marginal of each logged unit at its slot or page position, the whole slate's probability
// and each prefix's (when whole slates are logged). The reward model for DM / DR is
// cross-fitted on the logged rows and its expectation under each policy is taken over the
// round's candidates. Used by `bundlerl evaluate --policy`, the comparison harness and the
// OPE benchmark alike.
//
// Reward-model rows: for a dataset with a round context (the OBD), the bandit features of
// ope/offline_eval.h (unit, position, context); otherwise the candidate's feature row and a
// one-hot of the slot.
#pragma once

#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "kernels/logged_observation.h"
#include "ope/estimator.h"
#include "ope/offline_eval.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct LoggedTargetOptions {
  const RewardModelConfig* reward_model = nullptr;  // null: no q_hat columns
  std::string reward;                               // click, purchase, revenue; "" = the dataset's
  // The logging policy, when known (simulated logs): then the abstraction columns of mips,
  // with the unit's category (the kernels') as its abstraction.
  const SlatePolicy* logging = nullptr;
  int threads = 2;
};

// One OpeData per policy over all the rounds of `logs`. `kernels` are the dataset's (built
// from it by spec); `features` the columns the policies score. Throws Error naming the round
// when a logged unit is not among the round's candidates. The result does not depend on the
// number of threads.
std::vector<OpeData> BuildPolicyOpeData(const LoggedDataset& logs, const ItemKernels& kernels,
                                        const FeatureSpec& features, const std::vector<const SlatePolicy*>& policies,
                                        const LoggedTargetOptions& options, RewardModelReport* report = nullptr);

}  // namespace bundlerl
