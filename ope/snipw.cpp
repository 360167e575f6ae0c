// SNIPW: self-normalised IPW (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 = EstimatorRegistry::Register(
    {"snipw", "self-normalised IPW, per slot", {}, [](const Spec&) -> std::unique_ptr<Estimator> {
       return std::make_unique<SelfNormalizedIpw>();
     }});
const bool kRegistered1 =
    EstimatorRegistry::Register({"sniips",
                                 "self-normalised independent IPS for slates",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<SelfNormalizedIpw>("sniips");
                                 }});

}  // namespace

TermForm SelfNormalizedIpw::Form(const OpeData& d) const { return PerSlotRatios(d.K, 0); }
void SelfNormalizedIpw::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                              double* out) const {
  const double* r = d.reward.data() + b * d.K;
  for (int64_t k = 0; k < (e - b) * d.K; ++k) {
    out[2 * k] = w[k] * r[k];
    out[2 * k + 1] = w[k];
  }
}

}  // namespace bundlerl
