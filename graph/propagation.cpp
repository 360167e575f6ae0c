// Sparse propagation with autograd: see propagation.h.
#include "graph/propagation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>

#include "common/error.h"
#include "common/executor.h"

namespace bundlerl {
namespace {

std::atomic<int64_t> propagation_nanoseconds{0};

torch::Tensor Multiply(const CsrMatrix& m, const torch::Tensor& x, int threads) {
  const auto start = std::chrono::steady_clock::now();
  const torch::Tensor in = x.contiguous();
  torch::Tensor out = torch::empty({m.rows, in.size(1)}, in.options());
  SparseTimesDense(m, in.data_ptr<float>(), in.size(1), out.data_ptr<float>(), threads);
  propagation_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now() - start).count();
  return out;
}

class PropagateFunction : public torch::autograd::Function<PropagateFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, const SparseOperator* op) {
    ctx->saved_data["op"] = reinterpret_cast<int64_t>(op);
    return Multiply(op->forward, x, op->threads);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* op = reinterpret_cast<const SparseOperator*>(ctx->saved_data["op"].toInt());
    return {Multiply(op->transpose, grad[0], op->threads), torch::Tensor()};
  }
};

// Calls f(begin, end) over row ranges of `rows`, split over `threads` threads.
void ForRows(int threads, int64_t rows, const std::function<void(int64_t, int64_t)>& f) {
  const int64_t tasks = std::min<int64_t>(rows, std::max(1, threads) * 8);
  if (tasks > 0) ParallelFor(threads, tasks, [&](int, int64_t t) { f(rows * t / tasks, rows * (t + 1) / tasks); });
}

void TimedProduct(const CsrMatrix& m, const float* x, int64_t d, float* y, int threads,
                  const float* base = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  SparseTimesDense(m, x, d, y, threads, base);
  propagation_nanoseconds +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
}

constexpr float kNormFloor = 1e-12f;

// The row loops of one layer, built for AVX2 and baseline x86-64 (chosen at load time); neither
// has fused multiply-add and the norms and dot products are summed in order, so both give the
// same bits.
// Forward, rows [begin, end): f *= scale, norm = max(|f|, floor), out += f / norm.
__attribute__((target_clones("avx2", "default"))) void NormaliseAndAdd(float* fp, int64_t d, float scale, float* np,
                                                                       float* outp, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float* row = fp + i * d;
    double sq = 0;
    for (int64_t k = 0; k < d; ++k) row[k] *= scale, sq += static_cast<double>(row[k]) * row[k];
    const float norm = std::max(static_cast<float>(std::sqrt(sq)), kNormFloor);
    np[i] = norm;
    for (int64_t k = 0; k < d; ++k) outp[i * d + k] += row[k] / norm;
  }
}

// Backward, rows [begin, end): sp = scale (D_l), D_l as in LayeredFunction::backward, with the
// carry cp (null: none yet).
__attribute__((target_clones("avx2", "default"))) void LayerGradient(const float* gp, const float* fp, const float* np,
                                                                     const float* cp, int64_t d, float scale, float* sp,
                                                                     int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float* gr = gp + i * d;
    const float* fr = fp + i * d;
    const float norm = np[i];
    double dot = 0;
    for (int64_t k = 0; k < d; ++k) dot += static_cast<double>(fr[k]) * gr[k];
    // At the floor the normalisation is a plain division by the floor.
    const float proj = norm > kNormFloor ? static_cast<float>(dot) / (norm * norm) : 0.0f;
    for (int64_t k = 0; k < d; ++k) {
      float v = (gr[k] - fr[k] * proj) / norm;
      if (cp) v += cp[i * d + k];
      sp[i * d + k] = v * scale;
    }
  }
}

class LayeredFunction : public torch::autograd::Function<LayeredFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, const SparseOperator* op,
                               int64_t layers) {
    const int64_t n = x.size(0), d = x.size(1);
    torch::Tensor out = x.detach().clone().contiguous();
    // f_l and its row norms, l = 1..layers, kept for the backward pass.
    torch::Tensor f = torch::empty({layers, n, d}, x.options()), norms = torch::empty({layers, n}, x.options());
    torch::Tensor prev = x.detach().contiguous();
    for (int64_t l = 0; l < layers; ++l) {
      torch::Tensor fl = f[l];
      TimedProduct(op->forward, prev.data_ptr<float>(), d, fl.data_ptr<float>(), op->threads);
      float* fp = fl.data_ptr<float>();
      float* np = norms[l].data_ptr<float>();
      float* outp = out.data_ptr<float>();
      const float scale = 1.0f / static_cast<float>(l + 2);
      ForRows(op->threads, n, [&](int64_t begin, int64_t end) { NormaliseAndAdd(fp, d, scale, np, outp, begin, end); });
      prev = fl;
    }
    ctx->saved_data["op"] = reinterpret_cast<int64_t>(op);
    ctx->save_for_backward({f, norms});
    return out;
  }

  // With s_l = 1 / (l + 1) and D_l the gradient of f_l:
  //   D_l = (G - f_l (f_l . G) / |f_l|^2) / |f_l| + s_(l+1) op' D_(l+1),   dx = G + s_1 op' D_1.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* op = reinterpret_cast<const SparseOperator*>(ctx->saved_data["op"].toInt());
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor f = saved[0], norms = saved[1];
    const int64_t layers = f.size(0), n = f.size(1), d = f.size(2);
    const torch::Tensor g = grad[0].contiguous();
    torch::Tensor carry;  // s_(l+1) op' D_(l+1)
    torch::Tensor scaled = torch::empty({n, d}, g.options());
    for (int64_t l = layers - 1; l >= 0; --l) {
      const float* gp = g.data_ptr<float>();
      const float* fp = f[l].data_ptr<float>();
      const float* np = norms[l].data_ptr<float>();
      const float* cp = carry.defined() ? carry.data_ptr<float>() : nullptr;
      float* sp = scaled.data_ptr<float>();
      const float scale = 1.0f / static_cast<float>(l + 2);
      ForRows(op->threads, n, [&](int64_t begin, int64_t end) { LayerGradient(gp, fp, np, cp, d, scale, sp, begin, end); });
      if (!carry.defined()) carry = torch::empty({n, d}, g.options());
      // The last product adds G itself: dx = G + s_1 op' D_1 in one pass.
      TimedProduct(op->transpose, sp, d, carry.data_ptr<float>(), op->threads, l == 0 ? gp : nullptr);
    }
    return {carry, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

std::shared_ptr<const SparseOperator> SparseOperator::Make(CsrMatrix m, int threads) {
  auto op = std::make_shared<SparseOperator>();
  op->transpose = m.Transposed();
  op->forward = std::move(m);
  op->threads = threads;
  return op;
}

double PropagationSeconds() { return propagation_nanoseconds.load() * 1e-9; }

torch::Tensor Propagate(const std::shared_ptr<const SparseOperator>& op, const torch::Tensor& x) {
  if (x.dim() != 2 || x.size(0) != op->forward.cols || x.scalar_type() != torch::kFloat32)
    Fail("graph propagation: expected a float [", op->forward.cols, ", d] matrix, got ", x.sizes());
  return PropagateFunction::apply(x, op.get());
}

torch::Tensor LayeredPropagate(const std::shared_ptr<const SparseOperator>& op, const torch::Tensor& x, int64_t layers) {
  if (x.dim() != 2 || x.size(0) != op->forward.cols || x.scalar_type() != torch::kFloat32)
    Fail("graph propagation: expected a float [", op->forward.cols, ", d] matrix, got ", x.sizes());
  if (op->forward.rows != op->forward.cols) Fail("graph propagation: layers need a square graph");
  if (layers == 0) return x;
  return LayeredFunction::apply(x, op.get(), layers);
}

}  // namespace bundlerl
