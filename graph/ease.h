// EASE (Steck, WWW 2019): a linear item-to-item model fitted in closed form to a user x
// item (here user x bundle) 0/1 matrix X: W = argmin ||X - X W||^2 + lambda ||W||^2 with a
// zero diagonal, so that an item's score never uses the item itself. With P = (X'X + lambda
// I)^-1 the solution is W[j, b] = -P[j, b] / P[b, b] (j != b). A user's scores are the sum of
// the rows of W over the items the user has.
#pragma once

#include <cstdint>
#include <vector>

namespace bundlerl {

struct EaseModel {
  int64_t n = 0;              // items (columns of X)
  double lambda = 0;          // the ridge weight it was fitted with
  std::vector<float> weight;  // [n, n], row-major: weight[j * n + b] = W[j, b]; zero diagonal
  // out[b] = sum over the m listed items j of W[j, b], for every b < n (out holds n values).
  // Listed items must be distinct and in [0, n).
  void Score(const int32_t* items, int64_t m, float* out) const;
};

// The most items FitEase takes: its peak is 3 n^2 doubles (the Gram matrix, its factor and
// inverse), 9.6 GB at the limit; the model keeps n^2 floats.
constexpr int64_t kMaxEaseItems = 20000;

// Fits EASE to `rows` (each row: one user's distinct items, in [0, n)). lambda > 0, finite.
// n is checked against kMaxEaseItems before anything is allocated. Errors name the row and
// item of an out-of-range or repeated index.
EaseModel FitEase(const std::vector<std::vector<int32_t>>& rows, int64_t n, double lambda);

}  // namespace bundlerl
