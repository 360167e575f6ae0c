// The doubly robust family: DR, SNDR, Switch-DR, DRos (formulas in estimators.h).
#include <algorithm>

#include "common/error.h"
#include "ope/estimators.h"
#include "ope/term_forms.h"

namespace bundlerl {

namespace {

const bool kRegistered0 = EstimatorRegistry::Register(
    {"dr", "doubly robust (Dudik et al. 2011)", {}, [](const Spec&) -> std::unique_ptr<Estimator> {
       return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kDr, 0.0, "dr");
     }});
const bool kRegistered1 = EstimatorRegistry::Register(
    {"sndr", "self-normalised doubly robust", {}, [](const Spec&) -> std::unique_ptr<Estimator> {
       return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kSelfNormalized, 0.0, "sndr");
     }});
const bool kRegistered2 = EstimatorRegistry::Register(
    {"switch-dr",
     "switch DR: the model alone where the weight exceeds lambda (Wang et al. 2017)",
     {{"lambda", "100", "rows whose importance weight exceeds it use the model alone (> 0)"}},
     [](const Spec& s) -> std::unique_ptr<Estimator> {
       const double l = PositiveParameter(s, "lambda");
       return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kSwitch, l,
                                             Concat("switch-dr:", l));
     }});
const bool kRegistered3 = EstimatorRegistry::Register(
    {"dros",
     "DR with optimistic shrinkage of the weights (Su et al. 2020)",
     {{"lambda", "100", "shrinkage threshold (> 0)"}},
     [](const Spec& s) -> std::unique_ptr<Estimator> {
       const double l = PositiveParameter(s, "lambda");
       return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kShrink, l, Concat("dros:", l));
     }});

}  // namespace

TermForm DoublyRobust::Form(const OpeData& d) const {
  return kind_ == Kind::kSelfNormalized ? PerSlotRatios(d.K, 1) : Linear();
}
namespace {

// The terms of rows [0, rows) for one kind, the kind fixed at compile time so that the slot
// loop has no switch.
template <DoublyRobust::Kind kKind>
void DrTerms(const double* r, const double* q, const double* qe, const double* w, int64_t rows, int64_t K,
             double lambda, double* out) {
  using Kind = DoublyRobust::Kind;
  for (int64_t i = 0; i < rows; ++i) {
    double dm = 0, corr = 0;
    double* slot_terms = out + 1;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double wk = w[k];
      dm += qe[k];
      if (kKind == Kind::kDr) {
        corr += wk * (r[k] - q[k]);
      } else if (kKind == Kind::kSwitch) {
        corr += (wk <= lambda ? wk : 0.0) * (r[k] - q[k]);
      } else if (kKind == Kind::kShrink) {
        corr += lambda * wk / (wk * wk + lambda) * (r[k] - q[k]);
      } else {
        *slot_terms++ = wk * (r[k] - q[k]);
        *slot_terms++ = wk;
      }
    }
    if (kKind == Kind::kSelfNormalized) {
      out[0] = dm;
      out = slot_terms;
    } else {
      *out++ = dm + corr;
    }
  }
}

}  // namespace

void DoublyRobust::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                         double* out) const {
  const int64_t K = d.K;
  const double* r = d.reward.data() + b * K;
  const double* q = d.q_hat.data() + b * K;
  const double* qe = d.q_hat_target.data() + b * K;
  switch (kind_) {
    case Kind::kDr: DrTerms<Kind::kDr>(r, q, qe, w, e - b, K, lambda_, out); break;
    case Kind::kSwitch: DrTerms<Kind::kSwitch>(r, q, qe, w, e - b, K, lambda_, out); break;
    case Kind::kShrink: DrTerms<Kind::kShrink>(r, q, qe, w, e - b, K, lambda_, out); break;
    case Kind::kSelfNormalized: DrTerms<Kind::kSelfNormalized>(r, q, qe, w, e - b, K, lambda_, out); break;
  }
}

void DoublyRobust::RowWeights(const OpeData& d, int64_t b, int64_t e, const double* w,
                              double* out) const {
  const double lambda = lambda_;
  switch (kind_) {
    case Kind::kDr:
    case Kind::kSelfNormalized:
      SlotMeanWeights(w, e - b, d.K, [](double x) { return x; }, out);
      break;
    case Kind::kSwitch:
      SlotMeanWeights(w, e - b, d.K, [lambda](double x) { return x <= lambda ? x : 0.0; }, out);
      break;
    case Kind::kShrink:
      SlotMeanWeights(w, e - b, d.K, [lambda](double x) { return lambda * x / (x * x + lambda); }, out);
      break;
  }
}

}  // namespace bundlerl
