// IPW, clipped IPW and the independent IPS for slates (formulas in estimators.h).
#include <algorithm>
#include <limits>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 = EstimatorRegistry::Register(
    {"ipw",
     "inverse probability weighting (per slot; independent IPS when K > 1)",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> {
       return std::make_unique<InverseProbabilityWeighting>();
     }});
const bool kRegistered1 = EstimatorRegistry::Register(
    {"iips",
     "independent IPS for slates: ipw over the slots with marginal propensities",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> {
       return std::make_unique<InverseProbabilityWeighting>(std::numeric_limits<double>::infinity(),
                                                            "iips");
     }});
const bool kRegistered2 = EstimatorRegistry::Register(
    {"clipped-ipw",
     "IPW with importance weights clipped at lambda",
     {{"lambda", "100", "importance weights above it are clipped to it (> 0)"}},
     [](const Spec& s) -> std::unique_ptr<Estimator> {
       const double l = PositiveParameter(s, "lambda");
       return std::make_unique<InverseProbabilityWeighting>(l, Concat("clipped-ipw:", l));
     }});

}  // namespace

TermForm InverseProbabilityWeighting::Form(const OpeData&) const { return Linear(); }
void InverseProbabilityWeighting::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                                        double* out) const {
  const int64_t K = d.K;
  const double* r = d.reward.data() + b * K;
  if (K == 1) {
    for (int64_t i = 0; i < e - b; ++i) out[i] = std::min(w[i], clip_) * r[i];
    return;
  }
  for (int64_t i = 0; i < e - b; ++i) {
    double s = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) s += std::min(w[k], clip_) * r[k];
    out[i] = s;
  }
}

void InverseProbabilityWeighting::RowWeights(const OpeData& d, int64_t b, int64_t e, const double* w,
                                             double* out) const {
  const double clip = clip_;
  SlotMeanWeights(w, e - b, d.K, [clip](double x) { return std::min(x, clip); }, out);
}

}  // namespace bundlerl
