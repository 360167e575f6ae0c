// Standard (whole-slate) IPS for slates (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 =
    EstimatorRegistry::Register({"sips",
                                 "standard IPS for slates: the whole-slate weight",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<StandardSlateIps>(false);
                                 }});
const bool kRegistered1 =
    EstimatorRegistry::Register({"snsips",
                                 "self-normalised standard IPS for slates",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<StandardSlateIps>(true);
                                 }});

}  // namespace

TermForm StandardSlateIps::Form(const OpeData&) const {
  TermForm f = Linear(2);
  if (sn_) f.linear.clear(), f.ratios = {{0, 1}};
  return f;
}
void StandardSlateIps::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                             double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    const double w = d.target_slate[i] / d.pscore_slate[i];
    double total = 0;
    for (int64_t k = 0; k < K; ++k) total += d.reward[i * K + k];
    *out++ = w * total;
    *out++ = w;
  }
}

}  // namespace bundlerl
