// Copies of LibTorch parameters as Eigen matrices in double precision: what the learned
// policies' evaluation paths (policy/torch_policy.cpp, policy/history_encoder.cpp) run on.
#pragma once

#include <torch/torch.h>

#include <Eigen/Dense>
#include <cstdint>

namespace bundlerl {

// A 2-D tensor as a matrix of its shape; a 1-D tensor as a column.
inline Eigen::MatrixXd TensorToMatrix(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat64).contiguous();
  const int64_t rows = c.size(0), cols = c.dim() == 2 ? c.size(1) : 1;
  Eigen::MatrixXd m(rows, cols);
  const double* p = c.data_ptr<double>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) m(i, j) = p[i * cols + j];
  return m;
}

}  // namespace bundlerl
