// User-profile kernels: what the shopper model and the agents know about a user from the
// history: a time-decayed mean of item vectors, a category histogram, price affinity, and
// per-user preference weights by ridge regression of responses on item features.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace bundlerl {

// Exponentially time-decayed mean of the item vectors of a history:
//   sum_j 2^(-(now - t_j) / half_life) v_j / sum_j 2^(-(now - t_j) / half_life).
// times == nullptr: the history is in order and step j of n has age n - 1 - j.
// An empty history gives the zero vector.
Eigen::VectorXd DecayedProfile(const Eigen::MatrixXd& item_vectors, const int32_t* history,
                               const double* times, int64_t n, double now, double half_life);

// Normalised histogram of the history's categories over [0, num_categories); items with a
// negative category are skipped. An empty history gives zeros.
std::vector<double> CategoryHistogram(const std::vector<int32_t>& item_category,
                                      int64_t num_categories, const int32_t* history, int64_t n);

// Mean and standard deviation of log(price) over the history (population sd); prices must be
// positive. `prior_mean`/`prior_sd` are returned for an empty history.
struct PriceAffinity {
  double mean = 0, sd = 1;
};
PriceAffinity PriceAffinityOf(const std::vector<double>& log_price, const int32_t* history,
                              int64_t n, PriceAffinity prior);

// Ridge regression of each user's responses on item features, all users in one batch:
// w_u = (X_u' X_u + lambda I)^-1 X_u' y_u, where the rows of X_u are the features of the items
// user u responded to (CSR: user_offsets [U+1], items, responses aligned with items).
// Returns W [U, d]. Multi-threaded over users.
Eigen::MatrixXd RidgePreferences(const Eigen::MatrixXd& item_features,
                                 const std::vector<int64_t>& user_offsets,
                                 const std::vector<int32_t>& items,
                                 const std::vector<double>& responses, double lambda,
                                 int threads = 2);

}  // namespace bundlerl
