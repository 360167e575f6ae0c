// One evaluation call: policies' values off-policy from logged rounds, with intervals,
// weight diagnostics and a judgement of each estimate. `bundlerl evaluate`, the Python
// module's evaluate() and the experiments that estimate all call it, so that the same log,
// policies and options give the same rows everywhere.
//
// Each policy sees every logged round's observation rebuilt from the log by its kernels
// (kernels/logged_observation.h); its probabilities of the logged units are the target
// columns of the estimators (policy/logged_targets.h). Rounds stream from the source in
// chunks, except when a reward model is cross-fitted (dm, dr and their kin), which needs
// them all at once.
//
// Judging. On a log of whole slates with 0/1 rewards a shopper model is fitted by default (to
// at most `shopper_model_rounds` rounds, evenly spread) and every estimate is checked against
// it as ope/reliability.h says, the model's columns computed chunk by chunk over every round;
// the per-slot estimators' additivity assumption is what this catches. Where no model can be
// fitted (one slot stored per round, other rewards) or it is turned off, the estimates are
// judged by their weights alone, and Evaluation::judged says so.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/reduction.h"
#include "dataset/round_source.h"
#include "env/fitted_shopper_model.h"
#include "ope/estimator.h"
#include "ope/offline_eval.h"
#include "ope/reliability.h"
#include "policy/learned_policy.h"
#include "policy/slate_policy.h"

namespace bundlerl {

// A policy to evaluate and the name its rows carry.
struct PolicyToEvaluate {
  std::string name;
  std::shared_ptr<const SlatePolicy> policy;
  bool learned = false;  // a policy file: `info` says what it was trained for
  PolicyInfo info;
};

// A registered strategy, a policy file from `bundlerl train`, or a CSV table
// item_id,pos0,... of P(unit at position) (units named by the log's original ids when it
// keeps them). Throws Error naming the spec.
PolicyToEvaluate LoadPolicyToEvaluate(const std::string& spec, const LoggedDataset& catalog);

struct EvaluationOptions {
  std::vector<std::string> estimators;  // registered names; empty: DefaultEstimators()
  std::string reward;                   // click, purchase or revenue; "" = the log's
  std::string kernels;                  // kernel spec of the observations; "" = the log's
  std::string features;                 // feature rows; "" = a learned policy's, else kernel
  std::string reward_model = "logistic:0.01";  // a registered reward model spec
  int folds = 5;                               // its cross-fitting folds
  std::optional<uint64_t> fold_seed;           // of its folds; unset: estimate.seed
  // The logging policy, when known (simulated logs): the abstraction columns of mips.
  const SlatePolicy* logging = nullptr;
  // The shopper model: choice "none" turns it off (then the per-slot estimates are unchecked
  // and model, slate-dr are refused).
  // Its feature groups "auto": kernel and bundle; profile and item where the item vectors have
  // up to 64 dimensions; unit for catalogs of up to 300 units (the fit's cost grows with the
  // square of the parameters).
  ShopperModelOptions shopper_model = [] {
    ShopperModelOptions s;
    s.features = "auto";
    return s;
  }();
  int64_t shopper_model_rounds = 200000;  // rounds it is fitted to, at most
  bool require_shopper_model = false;     // a model that cannot be fitted is an error (else: judged
                                          // by the weights only, and `judged` says why)
  ReliabilityRule rule;
  EstimateOptions estimate;             // threads, alpha, bootstrap, seed
  bool per_position = false;            // also a row per page position
  int64_t chunk = 4 * 65536;            // rounds read at a time when streaming
  double truth = std::numeric_limits<double>::quiet_NaN();  // true value, for the rows
  std::vector<double> truth_by_position;
};

// The estimators `evaluate` runs when none are named: the per-slot ladder of Open Bandit
// Pipeline (dm, ipw, clipped-ipw, snipw, dr, sndr, switch-dr, dros), or where the log has no
// propensities those that need none (dm, and model on whole slates).
std::vector<std::string> DefaultEstimators(bool has_propensities, bool whole_slates);

struct EvaluationRow {
  std::string policy, scope;  // scope: "all" or "position k"
  Estimate estimate;
  double truth = std::numeric_limits<double>::quiet_NaN();
  Reliability reliability;
};

struct Evaluation {
  std::vector<EvaluationRow> rows;    // per policy, scope, estimator (in that order)
  std::vector<std::string> warnings;  // about the logging propensities
  std::string judged;                 // how the estimates were judged, one sentence
  int64_t rounds = 0;                 // rounds evaluated (this rank's)
  std::string reward;                 // the reward evaluated
  bool reward_model_fitted = false;
  std::string reward_model;
  RewardModelReport reward_model_report;
  bool shopper_model_fitted = false;
  ShopperModelSummary shopper_model;
};

// Evaluates `policies` on the rounds of `source` (this rank's share with a reducer of several
// ranks: the estimates then cover every rank's rounds). Throws Error naming the estimator, the
// policy or the round when the log cannot give what is asked.
Evaluation EvaluatePolicies(const RoundSource& source, const std::vector<PolicyToEvaluate>& policies,
                            const EvaluationOptions& options, Reducer* comm = nullptr);

// One context-free target (a table P(unit at position), OBP's convention) on rounds in
// memory, with per-row targets or reward-model predictions where given (q_hat and
// q_hat_target; empty: a reward model cross-fitted when an estimator needs one).
struct TableTarget {
  std::string name;
  PositionActionTable table;
  std::vector<double> target_rows;         // [n, S] per-row target probabilities, or empty
  std::vector<double> q_hat, q_hat_target;  // [n, S] each, or empty
};
Evaluation EvaluateTable(const LoggedDataset& logs, const TableTarget& target, const EvaluationOptions& options,
                         Reducer* comm = nullptr);

}  // namespace bundlerl
