// User-profile kernels: see profile.h.
#include "kernels/profile.h"

#include <cmath>

#include "common/error.h"
#include "common/executor.h"

namespace bundlerl {

Eigen::VectorXd DecayedProfile(const Eigen::MatrixXd& item_vectors, const int32_t* history,
                               const double* times, int64_t n, double now, double half_life) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(item_vectors.cols());
  if (n == 0) return out;
  if (!(half_life > 0)) Fail("decayed profile: half_life must be positive, got ", half_life);
  double total = 0;
  for (int64_t j = 0; j < n; ++j) {
    const double age = times ? now - times[j] : static_cast<double>(n - 1 - j);
    const double w = std::exp2(-age / half_life);
    out += w * item_vectors.row(history[j]).transpose();
    total += w;
  }
  return out / total;
}

std::vector<double> CategoryHistogram(const std::vector<int32_t>& item_category,
                                      int64_t num_categories, const int32_t* history, int64_t n) {
  std::vector<double> h(num_categories, 0.0);
  double total = 0;
  for (int64_t j = 0; j < n; ++j) {
    const int32_t c = item_category[history[j]];
    if (c < 0) continue;
    h[c] += 1, total += 1;
  }
  if (total > 0)
    for (double& x : h) x /= total;
  return h;
}

PriceAffinity PriceAffinityOf(const std::vector<double>& log_price, const int32_t* history,
                              int64_t n, PriceAffinity prior) {
  if (n == 0) return prior;
  double s = 0, ss = 0;
  for (int64_t j = 0; j < n; ++j) s += log_price[history[j]], ss += log_price[history[j]] * log_price[history[j]];
  PriceAffinity p;
  p.mean = s / n;
  p.sd = std::sqrt(std::max(0.0, ss / n - p.mean * p.mean));
  return p;
}

Eigen::MatrixXd RidgePreferences(const Eigen::MatrixXd& X, const std::vector<int64_t>& offsets,
                                 const std::vector<int32_t>& items,
                                 const std::vector<double>& responses, double lambda, int threads) {
  if (!(lambda > 0)) Fail("ridge preferences: lambda must be positive, got ", lambda);
  if (items.size() != responses.size())
    Fail("ridge preferences: ", items.size(), " items but ", responses.size(), " responses");
  const int64_t U = static_cast<int64_t>(offsets.size()) - 1, d = X.cols();
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(U, d);
  threads = std::max(1, threads);
  std::vector<Eigen::MatrixXd> A(threads, Eigen::MatrixXd(d, d));
  std::vector<Eigen::VectorXd> b(threads, Eigen::VectorXd(d));
  ParallelFor(threads, U, [&](int t, int64_t u) {
    A[t].setIdentity();
    A[t] *= lambda;
    b[t].setZero();
    for (int64_t k = offsets[u]; k < offsets[u + 1]; ++k) {
      const auto x = X.row(items[k]).transpose();
      A[t].selfadjointView<Eigen::Lower>().rankUpdate(x);
      b[t] += responses[k] * x;
    }
    W.row(u) = A[t].selfadjointView<Eigen::Lower>().llt().solve(b[t]).transpose();
  });
  return W;
}

}  // namespace bundlerl
