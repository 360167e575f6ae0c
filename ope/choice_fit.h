// Fitting a shopper's choice model to logged responses by maximum likelihood (Newton's
// method with step halving; both log-likelihoods are concave in the parameters).
//   mnl:     P(click slot k) = exp(u_k) / (exp(u0) + sum_j exp(u_j)), P(none) likewise;
//   cascade: slots examined in order until a click; P(click k | examined) = sigmoid(u_k - u0);
//   independent: every slot examined, clicks independent, P(click k) = sigmoid(u_k - u0) (a
//            position-based model with the examination folded into the slot biases).
// with u_k = beta . x_k + b_k: features x_k of the shown item and a bias per slot (slot 0's
// fixed at 0; u0 fixed, the scale of the no-click option). Standard errors come from the
// inverse of the observed information.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace bundlerl {

struct ChoiceData {
  int64_t n = 0, K = 0, P = 0;
  std::vector<double> x;        // [n, K, P]
  std::vector<uint32_t> clicks;  // [n] click masks (mnl: at most one bit)
};

struct ChoiceFit {
  Eigen::VectorXd beta;    // [P] feature weights, then [K - 1] position biases of slots 1..K-1
  Eigen::VectorXd stderr_;
  Eigen::MatrixXd covariance;  // inverse of the (penalised) observed information, [D, D]
  double loglik = 0;       // mean per round
  int iterations = 0;
};

// model: "mnl", "cascade" or "independent". Throws Error on malformed data (names the field and round).
// l2 > 0 adds the penalty -l2/2 |beta|^2 (a Gaussian prior): it keeps the estimate finite when
// a feature separates the data or never varies; the standard errors then come from the
// penalised information.
ChoiceFit FitChoiceModel(const std::string& model, const ChoiceData& data, double no_click_utility,
                         int max_iterations = 50, double l2 = 0.0);
// Mean log-likelihood of `data` under parameters `beta` (as in ChoiceFit).
double ChoiceLogLikelihood(const std::string& model, const ChoiceData& data,
                           const Eigen::VectorXd& beta, double no_click_utility);

// The fitted model's answer to one slate (features x [K, P] row-major as in ChoiceData,
// parameters `beta` as in ChoiceFit): p [K], the probability that slot k is clicked; returns
// the expected number of clicks, sum_k p[k]. With `grad` ([P + K - 1]) also the gradient of
// that expectation with respect to beta.
double SlateClickProbabilities(const std::string& model, const double* x, int64_t K, int64_t P,
                               const Eigen::VectorXd& beta, double no_click_utility, double* p,
                               double* grad = nullptr);

}  // namespace bundlerl
