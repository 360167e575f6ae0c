// DM: the direct method (formula in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 = EstimatorRegistry::Register(
    {"dm",
     "direct method: the reward model's expectation under the target",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> { return std::make_unique<DirectMethod>(); }});

}  // namespace

TermForm DirectMethod::Form(const OpeData&) const { return Linear(); }
void DirectMethod::Terms(const OpeData& d, int64_t b, int64_t e, const double*, double* out) const {
  const int64_t K = d.K;
  const double* q = d.q_hat_target.data();
  for (int64_t i = b; i < e; ++i) {
    double s = 0;
    for (int64_t k = 0; k < K; ++k) s += q[i * K + k];
    *out++ = s;
  }
}

}  // namespace bundlerl
