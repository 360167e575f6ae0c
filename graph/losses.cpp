// Graph-model losses: see losses.h.
#include "graph/losses.h"

#include <algorithm>

namespace bundlerl {
namespace F = torch::nn::functional;

torch::Tensor BprLoss(const torch::Tensor& positive, const torch::Tensor& negative) {
  return F::softplus(negative - positive).mean();
}

torch::Tensor InfoNceLoss(const torch::Tensor& a, const torch::Tensor& b, double temperature) {
  const auto unit = F::NormalizeFuncOptions().p(2).dim(1);
  const torch::Tensor logits = torch::matmul(F::normalize(a, unit), F::normalize(b, unit).t()) / temperature;
  return F::cross_entropy(logits, torch::arange(a.size(0), torch::TensorOptions().dtype(torch::kInt64)));
}

namespace {

class FusedInfoNce : public torch::autograd::Function<FusedInfoNce> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b,
                               double temperature) {
    const int64_t n = a.size(0);
    const double inv_t = 1.0 / temperature;
    torch::Tensor ga = torch::empty_like(a), gb = torch::zeros_like(b);
    double loss = 0;
    constexpr int64_t kBlock = 256;
    for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
      const int64_t r1 = std::min(n, r0 + kBlock);
      const torch::Tensor rows = a.slice(0, r0, r1);
      torch::Tensor s = torch::mm(rows, b.t()).mul_(inv_t);  // [r1 - r0, n] logits
      const torch::Tensor lse = torch::logsumexp(s, 1, /*keepdim=*/true);
      loss += (lse.squeeze(1) - s.diagonal(r0)).sum().item<double>();
      // d loss / d logits = (softmax - identity) / n, then through logits = a b' / t.
      s.sub_(lse).exp_();
      s.diagonal(r0).sub_(1.0);
      s.mul_(inv_t / static_cast<double>(n));
      ga.slice(0, r0, r1).copy_(torch::mm(s, b));
      gb.addmm_(s.t(), rows);
    }
    ctx->save_for_backward({ga, gb});
    return torch::tensor(loss / static_cast<double>(n), a.options());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {saved[0] * grad[0], saved[1] * grad[0], torch::Tensor()};
  }
};

}  // namespace

torch::Tensor FusedInfoNceLoss(const torch::Tensor& a_unit, const torch::Tensor& b_unit, double temperature) {
  return FusedInfoNce::apply(a_unit.contiguous(), b_unit.contiguous(), temperature);
}

}  // namespace bundlerl
