// EASE: the Gram matrix of the 0/1 rows, its regularised inverse (LAPACK's Cholesky through
// LibTorch, in double precision) and the closed-form weights (graph/ease.h).
#include "graph/ease.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "common/error.h"

namespace bundlerl {

namespace {

void CheckRows(const std::vector<std::vector<int32_t>>& rows, int64_t n) {
  std::vector<int64_t> last_row(static_cast<size_t>(n), -1);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int32_t j : rows[r]) {
      if (j < 0 || j >= n) Fail("EASE: row ", r, " lists item ", j, ", outside [0, ", n, ")");
      if (last_row[j] == static_cast<int64_t>(r)) Fail("EASE: row ", r, " lists item ", j, " twice");
      last_row[j] = static_cast<int64_t>(r);
    }
}

// P = (X'X + lambda I)^-1; the Gram matrix and its factor are freed on return.
torch::Tensor RegularisedInverse(const std::vector<std::vector<int32_t>>& rows, int64_t n, double lambda) {
  torch::NoGradGuard no_grad;
  torch::Tensor gram = torch::zeros({n, n}, torch::kFloat64);
  double* g = gram.data_ptr<double>();
  for (const auto& row : rows)
    for (int32_t a : row)
      for (int32_t b : row) g[static_cast<int64_t>(a) * n + b] += 1;
  for (int64_t j = 0; j < n; ++j) g[j * n + j] += lambda;
  const auto [factor, info] = torch::linalg_cholesky_ex(gram);
  if (info.item<int64_t>() != 0) Fail("EASE: the regularised Gram matrix is not positive definite");
  return torch::cholesky_inverse(factor).contiguous();
}

}  // namespace

EaseModel FitEase(const std::vector<std::vector<int32_t>>& rows, int64_t n, double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda)) Fail("EASE: lambda must be a positive number, got ", lambda);
  if (n < 1 || n > kMaxEaseItems) Fail("EASE: ", n, " items (expected 1 to ", kMaxEaseItems, ")");
  CheckRows(rows, n);
  const torch::Tensor inverse = RegularisedInverse(rows, n, lambda);
  const double* p = inverse.data_ptr<double>();
  EaseModel m;
  m.n = n, m.lambda = lambda;
  m.weight.resize(static_cast<size_t>(n * n));
  for (int64_t j = 0; j < n; ++j)
    for (int64_t b = 0; b < n; ++b) m.weight[j * n + b] = j == b ? 0.0f : static_cast<float>(-p[j * n + b] / p[b * n + b]);
  return m;
}

void EaseModel::Score(const int32_t* items, int64_t m, float* out) const {
  for (int64_t b = 0; b < n; ++b) out[b] = 0;
  for (int64_t k = 0; k < m; ++k) {
    const float* w = weight.data() + static_cast<int64_t>(items[k]) * n;
    for (int64_t b = 0; b < n; ++b) out[b] += w[b];
  }
}

}  // namespace bundlerl
