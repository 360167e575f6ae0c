// One-pass Adam: see fused_adam.h.
#include "graph/fused_adam.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"

namespace bundlerl {

FusedAdam::FusedAdam(std::vector<torch::Tensor> params, double learning_rate, double weight_decay, int threads,
                     double beta1, double beta2, double eps)
    : params_(std::move(params)), lr_(learning_rate), wd_(weight_decay), b1_(beta1), b2_(beta2), eps_(eps),
      threads_(threads) {
  for (const torch::Tensor& p : params_) {
    if (p.scalar_type() != torch::kFloat32 || !p.is_contiguous()) Fail("FusedAdam: parameters must be contiguous float");
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

void FusedAdam::zero_grad() {
  for (torch::Tensor& p : params_)
    if (p.grad().defined()) p.mutable_grad().zero_();
}

void FusedAdam::step() {
  ++t_;
  const float bc1 = static_cast<float>(1 - std::pow(b1_, static_cast<double>(t_)));
  const float root_bc2 = static_cast<float>(std::sqrt(1 - std::pow(b2_, static_cast<double>(t_))));
  const float b1 = static_cast<float>(b1_), b2 = static_cast<float>(b2_), wd = static_cast<float>(wd_);
  const float eps = static_cast<float>(eps_), step = static_cast<float>(lr_) / bc1;
  for (size_t k = 0; k < params_.size(); ++k) {
    torch::Tensor& p = params_[k];
    if (!p.grad().defined()) continue;
    const torch::Tensor g = p.grad().contiguous();
    float* pp = p.data_ptr<float>();
    float* mp = m_[k].data_ptr<float>();
    float* vp = v_[k].data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    const int64_t n = p.numel(), tasks = std::max<int64_t>(1, std::min<int64_t>(n / 4096, threads_ * 8));
    ParallelFor(threads_, tasks, [&](int, int64_t t) {
      const int64_t begin = n * t / tasks, end = n * (t + 1) / tasks;
      for (int64_t i = begin; i < end; ++i) {
        const float grad = gp[i] + wd * pp[i];
        const float m = b1 * mp[i] + (1 - b1) * grad;
        const float v = b2 * vp[i] + (1 - b2) * grad * grad;
        mp[i] = m, vp[i] = v;
        pp[i] -= step * m / (std::sqrt(v) / root_bc2 + eps);
      }
    });
  }
}

}  // namespace bundlerl
