// Choice-model fitting: see choice_fit.h.
#include "ope/choice_fit.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace bundlerl {
namespace {

// Utility of slot k in round i: beta . x_ik + bias_k.
void RoundUtilities(const ChoiceData& d, const Eigen::VectorXd& beta, int64_t i, double* u) {
  for (int64_t k = 0; k < d.K; ++k) {
    const double* x = &d.x[(i * d.K + k) * d.P];
    double v = k > 0 ? beta[d.P + k - 1] : 0.0;
    for (int64_t p = 0; p < d.P; ++p) v += beta[p] * x[p];
    u[k] = v;
  }
}

// Full design row of slot k (features, then position one-hot for k >= 1).
void DesignRow(const ChoiceData& d, int64_t i, int64_t k, Eigen::VectorXd& z) {
  z.setZero();
  for (int64_t p = 0; p < d.P; ++p) z[p] = d.x[(i * d.K + k) * d.P + p];
  if (k > 0) z[d.P + k - 1] = 1.0;
}

// The Hessian's rank-one terms, gathered in blocks and applied as two matrix products:
// H += sum_rows plus_r plus_r' - sum_rows minus_r minus_r'.
class HessianBlocks {
 public:
  static constexpr int64_t kRows = 512;
  HessianBlocks(Eigen::MatrixXd* H, int64_t D) : H_(H), minus_(kRows, D), plus_(kRows, D) {}
  ~HessianBlocks() { Flush(); }
  // Adds -w z z' (w >= 0).
  void Minus(double w, const Eigen::VectorXd& z) {
    if (!H_) return;
    if (m_ == kRows) Flush();
    minus_.row(m_++) = std::sqrt(w) * z.transpose();
  }
  // Adds +z z'.
  void Plus(const Eigen::VectorXd& z) {
    if (!H_) return;
    if (p_ == kRows) Flush();
    plus_.row(p_++) = z.transpose();
  }
  void Flush() {
    if (!H_) return;
    if (m_) H_->noalias() -= minus_.topRows(m_).transpose() * minus_.topRows(m_);
    if (p_) H_->noalias() += plus_.topRows(p_).transpose() * plus_.topRows(p_);
    m_ = p_ = 0;
  }

 private:
  Eigen::MatrixXd* H_;
  Eigen::MatrixXd minus_, plus_;
  int64_t m_ = 0, p_ = 0;
};

// Log-likelihood, gradient and Hessian (of the log-likelihood) at beta; sums over rounds.
double Evaluate(const std::string& model, const ChoiceData& d, const Eigen::VectorXd& beta, double u0,
                Eigen::VectorXd* g, Eigen::MatrixXd* H) {
  const int64_t D = d.P + d.K - 1;
  if (g) g->setZero(D);
  if (H) H->setZero(D, D);
  std::vector<double> u(d.K), p(d.K);
  Eigen::VectorXd z(D), zbar(D);
  double ll = 0;
  {
    HessianBlocks hessian(H, D);
    for (int64_t i = 0; i < d.n; ++i) {
      RoundUtilities(d, beta, i, u.data());
      const uint32_t mask = d.clicks[i];
      if (model == "mnl") {
        double m = u0;
        for (double v : u) m = std::max(m, v);
        double denom = std::exp(u0 - m);
        for (int64_t k = 0; k < d.K; ++k) denom += (p[k] = std::exp(u[k] - m));
        for (int64_t k = 0; k < d.K; ++k) p[k] /= denom;
        int64_t chosen = -1;
        for (int64_t k = 0; k < d.K; ++k)
          if (mask >> k & 1) chosen = k;
        ll += (chosen >= 0 ? u[chosen] : u0) - m - std::log(denom);
        if (!g) continue;
        zbar.setZero();
        for (int64_t k = 0; k < d.K; ++k) {
          DesignRow(d, i, k, z);
          zbar += p[k] * z;
          hessian.Minus(p[k], z);
        }
        hessian.Plus(zbar);
        *g -= zbar;
        if (chosen >= 0) {
          DesignRow(d, i, chosen, z);
          *g += z;
        }
      } else {  // cascade: logistic on examined slots, offset -u0; independent: on every slot
        for (int64_t k = 0; k < d.K; ++k) {
          const bool click = mask >> k & 1;
          const double eta = u[k] - u0;
          const double q = 1 / (1 + std::exp(-eta));
          ll += click ? std::log(std::max(q, 1e-300)) : std::log(std::max(1 - q, 1e-300));
          if (g) {
            DesignRow(d, i, k, z);
            *g += ((click ? 1.0 : 0.0) - q) * z;
            hessian.Minus(q * (1 - q), z);
          }
          if (click && model == "cascade") break;  // slots after the click were not examined
        }
      }
    }
  }
  return ll;
}

void Check(const std::string& model, const ChoiceData& d) {
  if (model != "mnl" && model != "cascade" && model != "independent")
    Fail("choice-model fit: model must be mnl, cascade or independent, got '", model, "'");
  if (d.n <= 0 || d.K <= 0 || d.P < 0) Fail("choice-model fit: empty data");
  if (static_cast<int64_t>(d.x.size()) != d.n * d.K * d.P)
    Fail("choice-model fit: features have ", d.x.size(), " values, expected n*K*P = ", d.n * d.K * d.P);
  if (static_cast<int64_t>(d.clicks.size()) != d.n)
    Fail("choice-model fit: ", d.clicks.size(), " click masks for ", d.n, " rounds");
  for (int64_t i = 0; i < d.n; ++i) {
    if (d.clicks[i] >> d.K) Fail("choice-model fit: round ", i, ": click in a slot >= K");
    if (model != "independent" && __builtin_popcount(d.clicks[i]) > 1)
      Fail("choice-model fit: round ", i, ": the ", model == "mnl" ? "multinomial logit" : "cascade",
           " allows one click per round (the independent model takes several)");
  }
  for (size_t j = 0; j < d.x.size(); ++j)
    if (!std::isfinite(d.x[j])) Fail("choice-model fit: feature value ", j, " is not finite");
}

}  // namespace

double ChoiceLogLikelihood(const std::string& model, const ChoiceData& d, const Eigen::VectorXd& beta,
                           double u0) {
  Check(model, d);
  return Evaluate(model, d, beta, u0, nullptr, nullptr) / static_cast<double>(d.n);
}

ChoiceFit FitChoiceModel(const std::string& model, const ChoiceData& d, double u0, int max_iterations,
                         double l2) {
  Check(model, d);
  if (!(l2 >= 0)) Fail("choice-model fit: l2 must be >= 0, got ", l2);
  const int64_t D = d.P + d.K - 1;
  ChoiceFit fit;
  fit.beta = Eigen::VectorXd::Zero(D);
  Eigen::VectorXd g(D);
  Eigen::MatrixXd H(D, D);
  // The penalised objective, its gradient and Hessian.
  auto evaluate = [&](const Eigen::VectorXd& beta, Eigen::VectorXd* grad, Eigen::MatrixXd* hess) {
    double v = Evaluate(model, d, beta, u0, grad, hess) - 0.5 * l2 * beta.squaredNorm();
    if (grad) *grad -= l2 * beta;
    if (hess) hess->diagonal().array() -= l2;
    return v;
  };
  double ll = evaluate(fit.beta, &g, &H);
  for (fit.iterations = 0; fit.iterations < max_iterations; ++fit.iterations) {
    const Eigen::VectorXd step = (-H).ldlt().solve(g);
    if (g.dot(step) < 1e-10) break;  // Newton decrement
    double t = 1.0;
    Eigen::VectorXd next;
    double ll_next;
    while (true) {  // step halving keeps the likelihood increasing
      next = fit.beta + t * step;
      ll_next = evaluate(next, nullptr, nullptr);
      if (ll_next >= ll || t < 1e-8) break;
      t *= 0.5;
    }
    fit.beta = next;
    ll = evaluate(fit.beta, &g, &H);
  }
  fit.loglik = Evaluate(model, d, fit.beta, u0, nullptr, nullptr) / static_cast<double>(d.n);
  fit.covariance = (-H).inverse();
  fit.stderr_ = fit.covariance.diagonal().cwiseMax(0).cwiseSqrt();
  return fit;
}

double SlateClickProbabilities(const std::string& model, const double* x, int64_t K, int64_t P,
                               const Eigen::VectorXd& beta, double u0, double* p, double* grad) {
  if (model != "mnl" && model != "cascade" && model != "independent")
    Fail("choice model: expected mnl, cascade or independent, got '", model, "'");
  if (beta.size() != P + K - 1) Fail("choice model: ", beta.size(), " parameters for P + K - 1 = ", P + K - 1);
  double u[32];
  if (K > 32) Fail("choice model: at most 32 slots, got ", K);
  for (int64_t k = 0; k < K; ++k) {
    double v = k > 0 ? beta[P + k - 1] : 0.0;
    for (int64_t j = 0; j < P; ++j) v += beta[j] * x[k * P + j];
    u[k] = v;
  }
  // d(expected clicks)/d u_k, then the chain rule through u_k = beta . z_k.
  double du[32];
  double total = 0;
  if (model == "mnl") {
    double m = u0;
    for (int64_t k = 0; k < K; ++k) m = std::max(m, u[k]);
    const double e0 = std::exp(u0 - m);
    double denom = e0;
    for (int64_t k = 0; k < K; ++k) denom += (p[k] = std::exp(u[k] - m));
    for (int64_t k = 0; k < K; ++k) {
      p[k] /= denom;
      total += p[k];
      du[k] = p[k] * e0 / denom;  // P(no click) p_k
    }
  } else if (model == "independent") {  // every slot examined, clicks independent
    for (int64_t k = 0; k < K; ++k) {
      p[k] = 1 / (1 + std::exp(-(u[k] - u0)));
      total += p[k];
      du[k] = p[k] * (1 - p[k]);
    }
  } else {  // cascade: stop at the first click
    double none = 1;  // P(no click in slots 0..k-1)
    for (int64_t k = 0; k < K; ++k) {
      const double q = 1 / (1 + std::exp(-(u[k] - u0)));
      p[k] = none * q;
      total += p[k];
      none *= 1 - q;
    }
    // total = 1 - prod_k (1 - q_k): d/du_k = prod_j (1 - q_j) q_k.
    for (int64_t k = 0; k < K; ++k) du[k] = none * (1 / (1 + std::exp(-(u[k] - u0))));
  }
  if (grad) {
    for (int64_t j = 0; j < P + K - 1; ++j) grad[j] = 0;
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < P; ++j) grad[j] += du[k] * x[k * P + j];
      if (k > 0) grad[P + k - 1] += du[k];
    }
  }
  return total;
}

}  // namespace bundlerl
