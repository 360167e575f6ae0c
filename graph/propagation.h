// Sparse propagation as a LibTorch autograd operation: y = M x for a fixed sparse M (one of
// the graphs of graph/sparse_graph.h) and a dense float x [cols, d] that may require
// gradients; the backward pass is M' dy, with M' stored beside M.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "graph/sparse_graph.h"

namespace bundlerl {

// A sparse matrix with its transpose, ready for forward and backward products.
struct SparseOperator {
  CsrMatrix forward, transpose;
  int threads = 1;
  static std::shared_ptr<const SparseOperator> Make(CsrMatrix m, int threads);
};

// op->forward . x, differentiable in x. x: float [op->forward.cols, d].
torch::Tensor Propagate(const std::shared_ptr<const SparseOperator>& op, const torch::Tensor& x);

// The layered representation of graph_model.h in one fused operation: with f_0 = x and
// f_l = op . f_(l-1) / (l + 1), returns x + sum over l = 1..layers of f_l / max(|f_l|, 1e-12)
// (row-wise L2 norms), differentiable in x; one pass over the rows per layer, forward and
// backward, in place of the dozen elementwise LibTorch operations it replaces.
torch::Tensor LayeredPropagate(const std::shared_ptr<const SparseOperator>& op, const torch::Tensor& x, int64_t layers);

// Seconds spent in sparse products (forward and backward) by this process so far.
double PropagationSeconds();

}  // namespace bundlerl
