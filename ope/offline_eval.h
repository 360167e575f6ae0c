// From logged rounds and a context-free target table to OpeData: takes the rounds of a
// dataset, attaches the target's probability of every logged unit at its position, and (for
// DM / DR) cross-fits a reward model on features of the context, the unit and the position.
// (Targets that need each round's observation, such as learned policies, are evaluated
// through policy/offline_targets.h.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "ope/estimator.h"
#include "ope/reward_model.h"

namespace bundlerl {

// A context-free target policy: P(unit at position), [n_units, K] row-major.
struct PositionActionTable {
  int64_t n_units = 0, K = 0;
  std::vector<double> prob;
  double at(int64_t unit, int64_t position) const { return prob[unit * K + position]; }
  static PositionActionTable Uniform(int64_t n_units, int64_t K);
  // CSV "item_id,pos0,pos1,..." (the layout of OBD's bts_action_dist_*.csv). Checks every
  // unit appears once, probabilities are in [0, 1] and each position sums to 1 (within 1e-3).
  // Units are named by their dense ids, or by the original ids `unit_keys` when given (the
  // generic slate layout's items: any strings).
  static PositionActionTable LoadCsv(const std::string& path, int64_t n_units, int64_t K,
                                     const std::vector<std::string>* unit_keys = nullptr);
};

struct RewardModelConfig {
  // A registered reward model (ope/reward_model.h); logistic's L2 of 0.01 was chosen by
  // held-out likelihood on the four OBD sample logs.
  std::string model = "logistic:0.01";
  int folds = 5;
  uint64_t seed = 0;  // folds, and the seeds of seeded models
};

// Held-out fit of the reward model, for the report.
struct RewardModelReport {
  double heldout_loglik = 0;           // mean per-row log-likelihood, cross-fitted
  double heldout_loglik_baseline = 0;  // constant click rate per position, cross-fitted
  int64_t features = 0;
};

// Features for (context row, unit, position): one-hot unit, one-hot position, one-hot of
// each categorical context column, log(1 + affinity of the user to this unit) where the
// context holds one affinity column per unit, and the remaining numeric context columns.
class BanditFeaturizer {
 public:
  // From the dataset's metadata and context columns (its rounds are not read).
  explicit BanditFeaturizer(const LoggedDataset& logs);
  int64_t dim() const { return dim_; }
  void Row(const float* context, int32_t unit, int32_t position, double* out) const;

 private:
  int64_t n_units_, K_, D_, dim_ = 0;
  std::vector<int64_t> categorical_offset_;  // per context column, -1 if numeric
  std::vector<int64_t> numeric_offset_;      // per context column, -1 if categorical / affinity
  int64_t affinity_first_ = -1;              // first affinity column, -1 if none
  int64_t affinity_feature_ = -1;
};

// All the dataset's rounds as OpeData (K = slots stored per round), with the target's
// probability of each logged unit at its position and the reward `reward` (click, purchase,
// revenue; empty: the dataset's own). If `reward_model` is set, cross-fits it and fills q_hat
// and q_hat_target (its expectation under the target table).
OpeData BuildOpeData(const LoggedDataset& logs, const PositionActionTable& target,
                     const RewardModelConfig* reward_model, RewardModelReport* report,
                     const std::string& reward = "");

// The cross-fitted model's held-out log-likelihood per row next to a constant rate per
// position (both from the other folds), for the report.
RewardModelReport HeldOutReport(const CrossFit& cf, const Eigen::VectorXd& y, const std::vector<int32_t>& position,
                                int64_t rows_per_group, int64_t positions, int64_t features);

// Mean reward per slot of a dataset's rounds (the on-policy value of its logging policy), and
// per page position ([K]).
double MeanReward(const LoggedDataset& logs, std::vector<double>* per_position = nullptr,
                  const std::string& reward = "");

}  // namespace bundlerl
