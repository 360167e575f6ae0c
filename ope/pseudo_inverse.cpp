// The pseudo-inverse estimator for slates (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 = EstimatorRegistry::Register(
    {"pi",
     "pseudo-inverse (Swaminathan et al. 2017): additive slot rewards, factored logging",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> { return std::make_unique<PseudoInverse>(); }});

}  // namespace

TermForm PseudoInverse::Form(const OpeData&) const { return Linear(); }
void PseudoInverse::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                          double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double wsum = 0, total = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k)
      wsum += w[(i - b) * K + (k - i * K)], total += d.reward[k];
    *out++ = (wsum - static_cast<double>(K) + 1.0) * total;
  }
}

}  // namespace bundlerl
