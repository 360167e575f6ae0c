// Marginalised IPS over an abstraction of the units (formula in estimators.h).
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {
namespace {

const bool kRegistered = EstimatorRegistry::Register(
    {"mips",
     "marginalised IPS: per-slot weights of the logged unit's abstraction (category) instead of the unit's",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> { return std::make_unique<MarginalizedIps>(); }});

}  // namespace

TermForm MarginalizedIps::Form(const OpeData&) const { return Linear(1); }

void MarginalizedIps::Terms(const OpeData& d, int64_t b, int64_t e, const double*, double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double v = 0;
    for (int64_t k = 0; k < K; ++k)
      v += d.target_abstract[i * K + k] / d.pscore_abstract[i * K + k] * d.reward[i * K + k];
    *out++ = v;
  }
}

void MarginalizedIps::RowWeights(const OpeData& d, int64_t b, int64_t e, const double*, double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double v = 0;
    for (int64_t k = 0; k < K; ++k) v += d.target_abstract[i * K + k] / d.pscore_abstract[i * K + k];
    *out++ = v / static_cast<double>(K);
  }
}

}  // namespace bundlerl
