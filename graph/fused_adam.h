// Adam with L2 weight decay, as LibTorch's torch::optim::Adam computes it (the decay added to
// the gradient; bias-corrected moments; eps added to the corrected root), in one pass over
// each parameter's values, gradients and moments, split over the shared executor's threads.
// The graph models update a few million embedding values every batch; LibTorch's Adam makes a
// dozen passes (and temporaries) over them.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace bundlerl {

class FusedAdam {
 public:
  FusedAdam(std::vector<torch::Tensor> params, double learning_rate, double weight_decay, int threads,
            double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  void zero_grad();  // clears the gradients (leaves them undefined)
  void step();       // skips a parameter until its first gradient, then reads a missing one as zero

 private:
  std::vector<torch::Tensor> params_, m_, v_;
  std::vector<int64_t> steps_;  // per parameter, counted from its first gradient
  double lr_, wd_, b1_, b2_, eps_;
  int threads_;
};

}  // namespace bundlerl
