// The concrete off-policy estimators. Notation: row i, slot k, w_ik = target_ik / pscore_ik,
// r_ik the reward, q_ik = q_hat at the logged unit, e_ik = q_hat_target (expected q_hat under
// the target policy). Per-slot estimators sum over slots: with K > 1 slots and per-slot
// (marginal) propensities, "ipw" is the independent IPS of Li et al. (2018).
// Each class declares the importance weight it applies (WeightKind, for the diagnostics).
// Per-slot definitions follow Open Bandit Pipeline (Saito et al., 2021) so that results are
// comparable with it; slate ones follow the cited papers.
#pragma once

#include <limits>

#include "ope/estimator.h"

namespace bundlerl {

// DM: V = mean_i sum_k e_ik.  (Beygelzimer & Langford 2009)
class DirectMethod : public Estimator {
 public:
  std::string name() const override { return "dm"; }
  Needs needs() const override { return Needs::kRewardModel; }
  TermForm Form(const OpeData& d) const override;
  WeightKind weight_kind() const override { return WeightKind::kNone; }
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
};

// IPS: V = mean_i sum_k min(w_ik, lambda) r_ik; lambda = inf is plain IPW
// (Horvitz & Thompson 1952; clipped: Bottou et al. 2013). Also the independent IPS for slates.
class InverseProbabilityWeighting : public Estimator {
 public:
  explicit InverseProbabilityWeighting(double clip = std::numeric_limits<double>::infinity(),
                                       std::string name = "ipw")
      : clip_(clip), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  TermForm Form(const OpeData& d) const override;
  // The clipped weights min(w_ik, lambda).
  void RowWeights(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;

 private:
  double clip_;
  std::string name_;
};

// SNIPS: V = sum_k (sum_i w_ik r_ik) / (sum_i w_ik).  (Swaminathan & Joachims 2015)
class SelfNormalizedIpw : public Estimator {
 public:
  explicit SelfNormalizedIpw(std::string name = "snipw") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  TermForm Form(const OpeData& d) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;

 private:
  std::string name_;
};

// DR family: V = mean_i sum_k [e_ik + c(w_ik) (r_ik - q_ik)], with
//   dr:         c(w) = w                        (Dudik et al. 2011)
//   switch-dr:  c(w) = w 1[w <= lambda]         (Wang et al. 2017, OBP's SwitchDR)
//   dros:       c(w) = lambda w / (w^2 + lambda) (Su et al. 2020, OBP's DRos)
//   sndr:       c(w) = w / mean_i(w_ik)          (OBP's SelfNormalizedDR)
class DoublyRobust : public Estimator {
 public:
  enum class Kind { kDr, kSwitch, kShrink, kSelfNormalized };
  DoublyRobust(Kind kind, double lambda, std::string name)
      : kind_(kind), lambda_(lambda), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Needs needs() const override { return Needs::kRewardModel; }
  TermForm Form(const OpeData& d) const override;
  // The weights c(w_ik) of the correction (sndr: w_ik; its scaling does not change ess).
  void RowWeights(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;

 private:
  Kind kind_;
  double lambda_;
  std::string name_;
};

// Standard (whole-slate) IPS: V = mean_i (target_slate_i / pscore_slate_i) sum_k r_ik;
// self-normalised: divided by mean_i of the weight.  (Li et al. 2018 "standard IPS")
class StandardSlateIps : public Estimator {
 public:
  explicit StandardSlateIps(bool self_normalized) : sn_(self_normalized) {}
  std::string name() const override { return sn_ ? "snsips" : "sips"; }
  Needs needs() const override { return Needs::kSlateProbabilities; }
  TermForm Form(const OpeData& d) const override;
  WeightKind weight_kind() const override { return WeightKind::kSlate; }
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;

 private:
  bool sn_;
};

// Reward-interaction (cascade) IPS: V = mean_i sum_k w_i,0:k r_ik with the prefix weight
// w_i,0:k = target_cascade_ik / pscore_cascade_ik; self-normalised per slot.
// (McInerney et al. 2020; Kiyohara et al. 2022)
class RewardInteractionIps : public Estimator {
 public:
  explicit RewardInteractionIps(bool self_normalized) : sn_(self_normalized) {}
  std::string name() const override { return sn_ ? "snrips" : "rips"; }
  Needs needs() const override { return Needs::kCascadeProbabilities; }
  TermForm Form(const OpeData& d) const override;
  WeightKind weight_kind() const override { return WeightKind::kCascade; }
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;

 private:
  bool sn_;
};

// Pseudo-inverse: V = mean_i (sum_k w_ik - K + 1) sum_j r_ij. Unbiased when the slate reward
// is additive over slots and the logging policy is factored over slots.
// (Swaminathan et al., "Off-policy evaluation for slate recommendation", NeurIPS 2017)
class PseudoInverse : public Estimator {
 public:
  std::string name() const override { return "pi"; }
  TermForm Form(const OpeData& d) const override;
  WeightKind weight_kind() const override { return WeightKind::kPseudoInverse; }
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
};

// Cascade doubly robust: V = mean_i sum_k [w_i,0:k (r_ik - q_ik) + w_i,0:k-1 e_ik], with
// w_i,0:-1 = 1, q_ik = q_hat_k(x, logged slots 0..k), e_ik = E_{a ~ target(.|x, slots 0..k-1)}
// q_hat_k(x, slots 0..k-1, a).  (Kiyohara et al., WSDM 2022)
class CascadeDoublyRobust : public Estimator {
 public:
  std::string name() const override { return "cascade-dr"; }
  Needs needs() const override { return Needs::kCascadeAndRewardModel; }
  TermForm Form(const OpeData& d) const override;
  WeightKind weight_kind() const override { return WeightKind::kCascade; }
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
};

// Model-based (the fitted shopper model as the estimator): V = mean_i model_value_i, the
// target's expected reward of a slate at round i under a choice model fitted to the logged
// slates. Consistent when the model class is right; biased by its misspecification otherwise.
// The interval adds the fit's uncertainty (delta method) to the rounds' sampling variance.
class ModelBased : public Estimator {
 public:
  std::string name() const override { return "model"; }
  Needs needs() const override { return Needs::kShopperModel; }
  WeightKind weight_kind() const override { return WeightKind::kNone; }
  TermForm Form(const OpeData& d) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
  void ModelCoefficients(const OpeData& d, int64_t i, double* on_value, double* on_logged) const override;
};

// Slate doubly robust with the fitted shopper model as the control variate:
// V = mean_i [model_value_i + w_i (sum_k r_ik - sum_k model_logged_ik)], w_i the whole-slate
// weight target_slate_i / pscore_slate_i. Unbiased for any model when the slate propensities
// are right (the correction's expectation is the model's error under the target); with a
// right model its variance is that of the model-based estimate plus the weighted residuals'.
class SlateDoublyRobust : public Estimator {
 public:
  std::string name() const override { return "slate-dr"; }
  Needs needs() const override { return Needs::kShopperModelAndSlate; }
  WeightKind weight_kind() const override { return WeightKind::kSlate; }
  TermForm Form(const OpeData& d) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
  void ModelCoefficients(const OpeData& d, int64_t i, double* on_value, double* on_logged) const override;
};

// Marginalised IPS over an abstraction of the units (MIPS, Saito & Joachims 2022, per slot):
// V = mean_i sum_k (target_abstract_ik / pscore_abstract_ik) r_ik, the weight of the logged
// unit's abstraction (its category) at slot k instead of the unit's. Unbiased when the slot
// rewards are additive, logging is factored over slots and a slot's reward depends on the unit
// only through its abstraction (no direct effect); otherwise biased by the difference between
// the target's and the logging policy's choice of units within an abstraction. Its weights
// are bounded by those of the abstraction, far fewer than the units.
class MarginalizedIps : public Estimator {
 public:
  std::string name() const override { return "mips"; }
  Needs needs() const override { return Needs::kAbstraction; }
  TermForm Form(const OpeData& d) const override;
  void Terms(const OpeData& d, int64_t b, int64_t e, const double* w, double* out) const override;
  void RowWeights(const OpeData& d, int64_t begin, int64_t end, const double* w, double* out) const override;
};

}  // namespace bundlerl
