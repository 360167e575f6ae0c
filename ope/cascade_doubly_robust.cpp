// Cascade doubly robust for slates (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 =
    EstimatorRegistry::Register({"cascade-dr",
                                 "cascade doubly robust (Kiyohara et al. 2022)",
                                 {},
                                 [](const Spec&) -> std::unique_ptr<Estimator> {
                                   return std::make_unique<CascadeDoublyRobust>();
                                 }});

}  // namespace

TermForm CascadeDoublyRobust::Form(const OpeData&) const { return Linear(); }
void CascadeDoublyRobust::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                                double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double s = 0, w_prev = 1.0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double w = d.target_cascade[k] / d.pscore_cascade[k];
      s += w * (d.reward[k] - d.q_hat[k]) + w_prev * d.q_hat_target[k];
      w_prev = w;
    }
    *out++ = s;
  }
}

}  // namespace bundlerl
