// The estimators of the fitted shopper model: model-based and slate doubly robust (formulas
// in estimators.h).
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {
namespace {

const bool kRegisteredModel = EstimatorRegistry::Register(
    {"model",
     "model-based: the target's value in a choice model fitted to the logged slates (needs whole "
     "logged slates and click rewards)",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> { return std::make_unique<ModelBased>(); }});
const bool kRegisteredSlateDr = EstimatorRegistry::Register(
    {"slate-dr",
     "slate doubly robust: the model-based value corrected by whole-slate weighted residuals",
     {},
     [](const Spec&) -> std::unique_ptr<Estimator> { return std::make_unique<SlateDoublyRobust>(); }});

}  // namespace

TermForm ModelBased::Form(const OpeData&) const { return Linear(1); }

void ModelBased::Terms(const OpeData& d, int64_t b, int64_t e, const double*, double* out) const {
  for (int64_t i = b; i < e; ++i) *out++ = d.model_value[i];
}

void ModelBased::ModelCoefficients(const OpeData&, int64_t, double* on_value, double* on_logged) const {
  *on_value = 1;
  *on_logged = 0;
}

TermForm SlateDoublyRobust::Form(const OpeData&) const { return Linear(1); }

void SlateDoublyRobust::Terms(const OpeData& d, int64_t b, int64_t e, const double*, double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    const double w = d.target_slate[i] / d.pscore_slate[i];
    double residual = 0;
    for (int64_t k = 0; k < K; ++k) residual += d.reward[i * K + k] - d.model_logged[i * K + k];
    *out++ = d.model_value[i] + w * residual;
  }
}

void SlateDoublyRobust::ModelCoefficients(const OpeData& d, int64_t i, double* on_value, double* on_logged) const {
  *on_value = 1;
  *on_logged = -d.target_slate[i] / d.pscore_slate[i];
}

}  // namespace bundlerl
