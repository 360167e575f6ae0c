// Reward models for the direct method and doubly robust estimators: L2-regularised logistic
// regression fitted by Newton's method (Eigen), and K-fold cross-fitting so that the model
// that predicts a row never saw it (Chernozhukov et al. 2018; as in OBP's cross-fitting).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace bundlerl {

struct LogisticRegressionConfig {
  double l2 = 1e-3;      // penalty on the weights (not the intercept), times n
  int max_iterations = 50;
  double tolerance = 1e-10;  // on the Newton decrement
};

class LogisticRegression {
 public:
  explicit LogisticRegression(LogisticRegressionConfig config = {}) : config_(config) {}
  // Fits P(y = 1 | x) = sigmoid(b + x'w). y in [0, 1] (fractional labels allowed).
  void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const;
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

// K-fold cross-fitting: row i is predicted by a model fitted on the folds not holding i.
// Returns the fold of each row, from a seeded permutation (balanced fold sizes).
std::vector<int> MakeFolds(int64_t n, int folds, uint64_t seed);

}  // namespace bundlerl
