// Reward-interaction (cascade) IPS for slates (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 =
    EstimatorRegistry::Register({"rips",
                                 "reward-interaction IPS: prefix weights for cascade-like slates",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<RewardInteractionIps>(false);
                                 }});
const bool kRegistered1 =
    EstimatorRegistry::Register({"snrips",
                                 "self-normalised reward-interaction IPS",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<RewardInteractionIps>(true);
                                 }});

}  // namespace

TermForm RewardInteractionIps::Form(const OpeData& d) const {
  if (sn_) return PerSlotRatios(d.K, 0);
  return Linear();
}
void RewardInteractionIps::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                                 double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double s = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double w = d.target_cascade[k] / d.pscore_cascade[k];
      if (sn_)
        *out++ = w * d.reward[k], *out++ = w;
      else
        s += w * d.reward[k];
    }
    if (!sn_) *out++ = s;
  }
}

}  // namespace bundlerl
