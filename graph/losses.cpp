// Graph-model losses: see losses.h.
#include "graph/losses.h"

#include <algorithm>
#include <vector>

#include <omp.h>

#include "common/executor.h"

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

// Rows of the n x n similarities formed at a time, and the most groups of such blocks that run
// in parallel. Each group sums its gradient for `b` on its own and the groups' sums are added in
// group order, so the result does not depend on the number of threads.
constexpr int64_t kBlock = 256;
constexpr int64_t kGroups = 8;
// Above this 1/t the exponentials of unit-row logits could overflow float: shift by the row max.
constexpr double kMaxUnshiftedLogit = 40.0;

// One block of rows [r0, r1) of `a` against every row of `b`: writes the rows' gradient into
// `ga`, adds the block's gradient for `b` into `gb` (assigns it when `first`), returns the sum
// of the rows' losses. Logits = a b' / t; d loss / d logits = (softmax - identity) / n.
double InfoNceBlock(const torch::Tensor& a, const torch::Tensor& b, int64_t r0, int64_t r1, double inv_t,
                    torch::Tensor& ga, torch::Tensor& gb, bool first) {
  const int64_t n = a.size(0);
  const torch::Tensor rows = a.slice(0, r0, r1);
  torch::Tensor s = torch::mm(rows * inv_t, b.t());  // [r1 - r0, n] logits
  const torch::Tensor positive = s.diagonal(r0).clone();
  torch::Tensor log_sum;
  if (inv_t > kMaxUnshiftedLogit) {
    const torch::Tensor shift = std::get<0>(s.max(1, /*keepdim=*/true));
    s.sub_(shift).exp_();
    const torch::Tensor sum = s.sum(1, /*keepdim=*/true);
    log_sum = sum.log() + shift;
    s.mul_((inv_t / static_cast<double>(n)) / sum);
  } else {
    // |logit| <= 1/t for unit rows, so exp cannot overflow: one pass, no max.
    s.exp_();
    const torch::Tensor sum = s.sum(1, /*keepdim=*/true);
    log_sum = sum.log();
    s.mul_((inv_t / static_cast<double>(n)) / sum);
  }
  s.diagonal(r0).sub_(inv_t / static_cast<double>(n));
  ga.slice(0, r0, r1).copy_(torch::mm(s, b));
  if (first) gb.copy_(torch::mm(s.t(), rows));
  else gb.addmm_(s.t(), rows);
  return (log_sum.squeeze(1) - positive).sum().item<double>();
}

// LibTorch's products here go to OpenBLAS's OpenMP build, which starts a team of threads for a
// product called from a thread whose OpenMP setting asks for more than one. The blocks are
// already spread over the executor's threads, so each product runs on its own thread: also the
// condition for the same bits on every thread (a product split over a team rounds differently).
class OneBlasThread {
 public:
  OneBlasThread() : before_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneBlasThread() { omp_set_num_threads(before_); }
  OneBlasThread(const OneBlasThread&) = delete;
  OneBlasThread& operator=(const OneBlasThread&) = delete;

 private:
  int before_;
};

class FusedInfoNce : public torch::autograd::Function<FusedInfoNce> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b,
                               double temperature, int64_t threads) {
    const int64_t n = a.size(0), blocks = (n + kBlock - 1) / kBlock, groups = std::min(blocks, kGroups);
    const double inv_t = 1.0 / temperature;
    torch::Tensor ga = torch::empty_like(a);
    std::vector<torch::Tensor> gb(groups);
    std::vector<double> loss(groups, 0.0);
    ParallelFor(static_cast<int>(threads), groups, [&](int, int64_t g) {
      torch::NoGradGuard no_grad;  // grad mode is per thread; the pool's threads start with it on
      OneBlasThread one_blas_thread;
      gb[g] = torch::empty_like(b);
      for (int64_t k = g * blocks / groups; k < (g + 1) * blocks / groups; ++k)
        loss[g] += InfoNceBlock(a, b, k * kBlock, std::min(n, (k + 1) * kBlock), inv_t, ga, gb[g],
                                k == g * blocks / groups);
    });
    double total = 0;
    for (int64_t g = 0; g < groups; ++g) total += loss[g];
    for (int64_t g = 1; g < groups; ++g) gb[0].add_(gb[g]);
    ctx->save_for_backward({ga, gb[0]});
    return torch::tensor(total / static_cast<double>(n), a.options());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {saved[0] * grad[0], saved[1] * grad[0], torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor FusedInfoNceLoss(const torch::Tensor& a_unit, const torch::Tensor& b_unit, double temperature,
                               int threads) {
  return FusedInfoNce::apply(a_unit.contiguous(), b_unit.contiguous(), temperature, static_cast<int64_t>(threads));
}

}  // namespace bundlerl
