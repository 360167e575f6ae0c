// Logistic regression by Newton-Raphson: see reward_model.h.
#include "ope/reward_model.h"

#include <cmath>
#include <numeric>
#include <random>

#include "common/error.h"
#include "common/random.h"

namespace bundlerl {
namespace {

const bool kRegisteredLogistic = RewardModelRegistry::Register(
    {"logistic",
     "L2-penalised logistic regression, fitted by Newton's method",
     {{"l2", "0.01", "penalty on the weights (not the intercept), times the number of rows"}},
     [](const Spec& s, uint64_t) -> std::unique_ptr<RewardModel> {
       const double l2 = s.Double("l2");
       if (!(l2 >= 0)) Fail("reward model '", s.text(), "': l2 must be >= 0, got ", l2);
       return std::make_unique<LogisticRegression>(LogisticRegressionConfig{l2});
     }});

}  // namespace

std::unique_ptr<RewardModel> MakeRewardModel(const std::string& spec, uint64_t seed) {
  return RewardModelRegistry::Make(spec, "reward model", seed);
}

void LogisticRegression::Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  const int64_t n = X.rows(), d = X.cols();
  if (y.size() != n) Fail("logistic regression: ", y.size(), " labels for ", n, " rows");
  if (n == 0) Fail("logistic regression: no rows to fit");
  // Augment with the intercept column (last), which is not penalised.
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(d + 1);
  const double ybar = std::clamp(y.mean(), 1e-6, 1 - 1e-6);
  beta[d] = std::log(ybar / (1 - ybar));
  const double lambda = config_.l2 * static_cast<double>(n);
  Eigen::VectorXd eta(n), p(n), g(d + 1);
  Eigen::MatrixXd H(d + 1, d + 1);
  for (iterations_ = 0; iterations_ < config_.max_iterations; ++iterations_) {
    eta = (X * beta.head(d)).array() + beta[d];
    p = (1.0 / (1.0 + (-eta.array()).exp())).matrix();
    const Eigen::VectorXd r = y - p;
    const Eigen::VectorXd s = (p.array() * (1 - p.array())).max(1e-12).matrix();
    g.head(d) = X.transpose() * r - lambda * beta.head(d);
    g[d] = r.sum();
    // Hessian of the penalised log-likelihood (negated).
    H.topLeftCorner(d, d) = X.transpose() * s.asDiagonal() * X;
    H.topLeftCorner(d, d).diagonal().array() += lambda;
    const Eigen::VectorXd xs = X.transpose() * s;
    H.block(0, d, d, 1) = xs;
    H.block(d, 0, 1, d) = xs.transpose();
    H(d, d) = s.sum() + 1e-12;
    const Eigen::VectorXd step = H.ldlt().solve(g);
    beta += step;
    if (g.dot(step) < config_.tolerance * static_cast<double>(n)) {
      ++iterations_;
      break;
    }
  }
  weights_ = beta.head(d);
  intercept_ = beta[d];
}

Eigen::VectorXd LogisticRegression::Predict(const Eigen::MatrixXd& X) const {
  const Eigen::VectorXd eta = (X * weights_).array() + intercept_;
  return (1.0 / (1.0 + (-eta.array()).exp())).matrix();
}

double LogisticRegression::LogLikelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) const {
  const Eigen::VectorXd p = Predict(X).array().max(1e-15).min(1 - 1e-15).matrix();
  return (y.array() * p.array().log() + (1 - y.array()) * (1 - p.array()).log()).mean();
}

std::vector<int> MakeFolds(int64_t n, int folds, uint64_t seed) {
  if (folds < 2) Fail("cross-fitting needs at least 2 folds, got ", folds);
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  SplitMix64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng.Below(i + 1)]);
  std::vector<int> fold(n);
  for (int64_t i = 0; i < n; ++i) fold[perm[i]] = static_cast<int>(i % folds);
  return fold;
}

CrossFit CrossFitRewardModel(const std::string& spec, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                             int64_t rows_per_group, int folds, uint64_t seed) {
  const int64_t rows = X.rows();
  if (rows_per_group < 1 || rows % rows_per_group != 0)
    Fail("cross-fitting: ", rows, " rows do not make groups of ", rows_per_group);
  CrossFit cf;
  cf.group_fold = MakeFolds(rows / rows_per_group, folds, seed);
  cf.out_of_fold.resize(rows);
  for (int f = 0; f < folds; ++f) {
    std::vector<int64_t> train, test;
    for (int64_t r = 0; r < rows; ++r) (cf.group_fold[r / rows_per_group] == f ? test : train).push_back(r);
    if (train.empty()) Fail("cross-fitting: fold ", f, " leaves no rows to fit on (", rows, " rows)");
    cf.models.push_back(MakeRewardModel(spec, seed + static_cast<uint64_t>(f)));
    cf.models.back()->Fit(X(train, Eigen::all), y(train));
    if (test.empty()) continue;
    const Eigen::VectorXd p = cf.models.back()->Predict(X(test, Eigen::all));
    for (size_t j = 0; j < test.size(); ++j) cf.out_of_fold[test[j]] = p[j];
  }
  return cf;
}

}  // namespace bundlerl
