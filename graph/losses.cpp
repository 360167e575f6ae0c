// Graph-model losses: see losses.h.
#include "graph/losses.h"

#include <algorithm>
#include <vector>

#include <ATen/Parallel.h>
#include <omp.h>

#include "common/error.h"
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
// Unit rows bound every logit by 1/t. Up to 1/t = 40 the exponentials need no shift: a row's sum
// stays below n e^40 (finite in float for any n below 1e21) and e^-40 is a normal float. Above
// it the row's largest logit is subtracted first.
constexpr double kMaxUnshiftedLogit = 40.0;

// The rows [begin, end) of `a` against every row of `b`, logits a b' / t, and
// d loss / d logits = (softmax - identity) / n: writes the rows' gradient into `ga`, and the
// block's gradient for `b` into `gb` (assigned when `assign_gb`, else added); returns the sum of the
// rows' losses.
struct InfoNceBlock {
  const torch::Tensor& a;
  const torch::Tensor& b;
  double inv_t;
  torch::Tensor& ga;

  double Run(int64_t begin, int64_t end, torch::Tensor& gb, bool assign_gb) const {
    const double scale = inv_t / static_cast<double>(a.size(0));
    const torch::Tensor rows = a.slice(0, begin, end);
    torch::Tensor s = torch::mm(rows * inv_t, b.t());  // [end - begin, n] logits
    const torch::Tensor positive = s.diagonal(begin).clone();
    torch::Tensor log_sum;
    if (inv_t > kMaxUnshiftedLogit) {
      const torch::Tensor shift = s.amax(1, /*keepdim=*/true);
      s.sub_(shift).exp_();
      log_sum = shift;
    } else {
      s.exp_();
    }
    const torch::Tensor sum = s.sum(1, /*keepdim=*/true);
    log_sum = log_sum.defined() ? sum.log() + log_sum : sum.log();
    s.mul_(scale / sum);
    s.diagonal(begin).sub_(scale);
    torch::Tensor ga_rows = ga.slice(0, begin, end);
    torch::mm_out(ga_rows, s, b);
    if (assign_gb) torch::mm_out(gb, s.t(), rows);
    else gb.addmm_(s.t(), rows);
    return (log_sum.squeeze(1) - positive).sum().item<double>();
  }
};

// Holds this thread to one OpenMP thread while the InfoNCE blocks run on the executor's threads
// (already one block group per thread): LibTorch's element loops and OpenBLAS's products (its
// OpenMP build) would otherwise start a team of threads per pool thread, two or more per core.
// ATen sets a thread's OpenMP count on its first operation; that is done here first, so that it
// cannot undo the setting in the middle of a block.
class OneOpenMpThread {
 public:
  OneOpenMpThread() {
    at::internal::lazy_init_num_threads();
    before_ = omp_get_max_threads();
    omp_set_num_threads(1);
  }
  ~OneOpenMpThread() { omp_set_num_threads(before_); }
  OneOpenMpThread(const OneOpenMpThread&) = delete;
  OneOpenMpThread& operator=(const OneOpenMpThread&) = delete;

 private:
  int before_ = 1;
};

class FusedInfoNce : public torch::autograd::Function<FusedInfoNce> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b,
                               double temperature, int64_t threads) {
    const int64_t n = a.size(0), blocks = (n + kBlock - 1) / kBlock, groups = std::min(blocks, kGroups);
    torch::Tensor ga = torch::empty_like(a);
    const InfoNceBlock block{a, b, 1.0 / temperature, ga};
    std::vector<torch::Tensor> gb(groups);
    std::vector<double> loss(groups, 0.0);
    ParallelFor(static_cast<int>(threads), groups, [&](int, int64_t g) {
      torch::NoGradGuard no_grad;  // grad mode is per thread; the pool's threads start with it on
      OneOpenMpThread one_thread;
      const int64_t first = g * blocks / groups, last = (g + 1) * blocks / groups;
      gb[g] = torch::empty_like(b);
      for (int64_t k = first; k < last; ++k)
        loss[g] += block.Run(k * kBlock, std::min(n, (k + 1) * kBlock), gb[g], k == first);
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
  if (a_unit.dim() != 2 || a_unit.sizes() != b_unit.sizes() || a_unit.size(0) == 0 ||
      a_unit.scalar_type() != torch::kFloat32 || b_unit.scalar_type() != torch::kFloat32)
    Fail("InfoNCE: expected two float [n, d] views of the same shape with n > 0, got ", a_unit.sizes(), " and ",
         b_unit.sizes());
  if (!(temperature > 0)) Fail("InfoNCE: temperature = ", temperature, " (expected > 0)");
  return FusedInfoNce::apply(a_unit.contiguous(), b_unit.contiguous(), temperature, static_cast<int64_t>(threads));
}

}  // namespace bundlerl
