// From a logged-session file and a target policy's probabilities to OpeData: reads the
// rounds, attaches the target's probability of every logged unit, and (for DM / DR) fits a
// cross-fitted logistic reward model on features of the context, the unit and the position.
// Inputs brought from elsewhere (per-row target probabilities, reward-model predictions) are
// read from CSV or HDF5, so results can be reproduced exactly across tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ope/estimator.h"
#include "replay/log_store.h"

namespace bundlerl {

// A context-free target policy: P(unit at position), [n_units, K] row-major.
struct PositionActionTable {
  int64_t n_units = 0, K = 0;
  std::vector<double> prob;
  double at(int64_t unit, int64_t position) const { return prob[unit * K + position]; }
  static PositionActionTable Uniform(int64_t n_units, int64_t K);
  // CSV "item_id,pos0,pos1,..." (the layout of OBD's bts_action_dist_*.csv). Checks every
  // unit appears once, probabilities are in [0, 1] and each position sums to 1 (within 1e-3).
  static PositionActionTable LoadCsv(const std::string& path, int64_t n_units, int64_t K);
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
  explicit BanditFeaturizer(const LogReader& logs);
  int64_t dim() const { return dim_; }
  void Row(const float* context, int32_t unit, int32_t position, double* out) const;

 private:
  int64_t n_units_, K_, D_, dim_ = 0;
  std::vector<int64_t> categorical_offset_;  // per context column, -1 if numeric
  std::vector<int64_t> numeric_offset_;      // per context column, -1 if categorical / affinity
  int64_t affinity_first_ = -1;              // first affinity column, -1 if none
  int64_t affinity_feature_ = -1;
};

// Reads all rounds into OpeData (K = slots stored per round), with the target's probability
// of each logged unit at its position. If `reward_model` is set, fits the cross-fitted
// logistic reward model and fills q_hat and q_hat_target (expectation under the target table).
// [first, end) selects a range of rounds (a rank's shard); end < 0 means to the end.
OpeData BuildOpeData(const LogReader& logs, const PositionActionTable& target,
                     const RewardModelConfig* reward_model, RewardModelReport* report,
                     int64_t first = 0, int64_t end = -1);

// Reads named per-row columns from CSV (a header naming them) or HDF5 (datasets by name),
// each with `expected` values. Errors name the file, the column and the line or size.
std::vector<std::vector<double>> LoadRowColumns(const std::string& path,
                                                const std::vector<std::string>& names,
                                                int64_t expected);

// Mean reward per slot of a file's rounds (the on-policy value of its logging policy), and
// per page position ([K]).
double MeanReward(const LogReader& logs, std::vector<double>* per_position = nullptr);

}  // namespace bundlerl
