// Reward models for the direct method and doubly robust estimators: one interface, a
// registry ("logistic" here: L2-regularised logistic regression by Newton's method; "mlp" in
// policy/mlp_reward_model.cpp, LibTorch), and the one K-fold cross-fit every caller uses, so
// that the model that predicts a row never saw it (Chernozhukov et al. 2018; as in OBP's
// cross-fitting).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/registry.h"

namespace bundlerl {

// Predicts the expected reward (a probability for click / purchase rewards) of feature rows.
class RewardModel {
 public:
  virtual ~RewardModel() = default;
  // y in [0, 1]; throws Error when the shapes disagree or there are no rows.
  virtual void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) = 0;
  virtual Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const = 0;
};

// Factories take (spec, seed): "logistic:L2", "mlp:HIDDEN:EPOCHS"; a seeded model draws only
// from `seed`.
using RewardModelRegistry = Registry<std::unique_ptr<RewardModel>, uint64_t>;
std::unique_ptr<RewardModel> MakeRewardModel(const std::string& spec, uint64_t seed);

struct LogisticRegressionConfig {
  double l2 = 1e-3;      // penalty on the weights (not the intercept), times n
  int max_iterations = 50;
  double tolerance = 1e-10;  // on the Newton decrement
};

class LogisticRegression : public RewardModel {
 public:
  explicit LogisticRegression(LogisticRegressionConfig config = {}) : config_(config) {}
  // Fits P(y = 1 | x) = sigmoid(b + x'w). y in [0, 1] (fractional labels allowed).
  void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override;
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const override;
  double intercept() const { return intercept_; }
  const Eigen::VectorXd& weights() const { return weights_; }
  int iterations() const { return iterations_; }
  // Mean log-likelihood of y under the model.
  double LogLikelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const;

 private:
  LogisticRegressionConfig config_;
  double intercept_ = 0;
  Eigen::VectorXd weights_;
  int iterations_ = 0;
};

// The fold of each of n groups, from a seeded permutation (balanced fold sizes).
std::vector<int> MakeFolds(int64_t n, int folds, uint64_t seed);

// K-fold cross-fitting over groups of `rows_per_group` consecutive rows (the slots of one
// logged round stay together): groups get folds from MakeFolds(groups, folds, seed), model f
// (spec, seeded with seed + f) is fitted on the rows of the other folds, and every row is
// predicted by the model of its own fold.
struct CrossFit {
  std::vector<int> group_fold;                       // [groups]
  std::vector<std::unique_ptr<RewardModel>> models;  // [folds]
  Eigen::VectorXd out_of_fold;                       // [rows]
  const RewardModel& ModelFor(int64_t group) const { return *models[group_fold[group]]; }
};
CrossFit CrossFitRewardModel(const std::string& spec, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                             int64_t rows_per_group, int folds, uint64_t seed);

}  // namespace bundlerl
