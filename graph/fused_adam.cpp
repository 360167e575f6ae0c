// One-pass Adam: see fused_adam.h.
#include "graph/fused_adam.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"
#include "graph/adam_kernel.h"

namespace bundlerl {

FusedAdam::FusedAdam(std::vector<torch::Tensor> params, double learning_rate, double weight_decay, int threads,
                     double beta1, double beta2, double eps)
    : params_(std::move(params)), lr_(learning_rate), wd_(weight_decay), b1_(beta1), b2_(beta2), eps_(eps),
      threads_(threads) {
  for (const torch::Tensor& p : params_) {
    if (p.scalar_type() != torch::kFloat32 || !p.is_contiguous()) Fail("FusedAdam: parameters must be contiguous float");
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
    steps_.push_back(0);
  }
}

void FusedAdam::zero_grad() {
  // Undefined rather than zeroed: the next backward() then hands its gradient buffers over
  // instead of adding them to zeros; step() reads a missing gradient as a zeroed one.
  for (torch::Tensor& p : params_) p.mutable_grad() = torch::Tensor();
}

void FusedAdam::step() {
  for (size_t k = 0; k < params_.size(); ++k) {
    torch::Tensor& p = params_[k];
    // Like LibTorch's Adam after a zeroing zero_grad(): a parameter is skipped until its first
    // gradient, counts its own steps from there, and reads a missing gradient as zero.
    if (steps_[k] == 0 && !p.grad().defined()) continue;
    const double t = static_cast<double>(++steps_[k]);
    const float bc1 = static_cast<float>(1 - std::pow(b1_, t));
    const float root_bc2 = static_cast<float>(std::sqrt(1 - std::pow(b2_, t)));
    const AdamConstants c{static_cast<float>(b1_), static_cast<float>(b2_), static_cast<float>(wd_),
                          static_cast<float>(eps_), static_cast<float>(lr_) / bc1, root_bc2};
    const torch::Tensor g = p.grad().defined() ? p.grad().contiguous() : torch::Tensor();
    float* pp = p.data_ptr<float>();
    float* mp = m_[k].data_ptr<float>();
    float* vp = v_[k].data_ptr<float>();
    const float* gp = g.defined() ? g.data_ptr<float>() : nullptr;
    const int64_t n = p.numel(), tasks = std::max<int64_t>(1, std::min<int64_t>(n / 4096, threads_ * 8));
    ParallelFor(threads_, tasks, [&](int, int64_t t) { AdamUpdate(c, pp, mp, vp, gp, n * t / tasks, n * (t + 1) / tasks); });
  }
}

}  // namespace bundlerl
