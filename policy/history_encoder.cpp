// The self-attention history encoder and its double-precision mirror: see history_encoder.h.
#include "policy/history_encoder.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "policy/torch_eigen.h"

namespace bundlerl {

namespace {
constexpr double kNormEps = 1e-5;  // torch::nn::LayerNorm's default
}

void HistoryEncoderConfig::Validate() const {
  if (item_dim < 1)
    Fail("config key 'train.scorer': attention needs the kernels' item vectors, and these have ", item_dim, " columns");
  if (model_dim < 1 || model_dim > 1024)
    Fail("config key 'train.attention_dim': expected a number in [1, 1024], got ", model_dim);
  if (length < 1 || length > 1024) Fail("config key 'train.history': expected a number in [1, 1024], got ", length);
  if (blocks < 1 || blocks > 8) Fail("config key 'train.attention_blocks': expected a number in [1, 8], got ", blocks);
  if (heads < 1 || model_dim % heads != 0)
    Fail("config key 'train.attention_heads': expected a divisor of train.attention_dim (", model_dim, "), got ", heads);
}

AttentionBlockImpl::AttentionBlockImpl(int64_t model_dim, int64_t heads_) : heads(heads_) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({model_dim})));
  qkv = register_module("qkv", torch::nn::Linear(model_dim, 3 * model_dim));
  proj = register_module("proj", torch::nn::Linear(model_dim, model_dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({model_dim})));
  ff1 = register_module("ff1", torch::nn::Linear(model_dim, 2 * model_dim));
  ff2 = register_module("ff2", torch::nn::Linear(2 * model_dim, model_dim));
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), Dh = D / heads;
  const auto qkv_out = qkv->forward(norm1->forward(x)).view({B, T, 3, heads, Dh}).permute({2, 0, 3, 1, 4});
  const auto q = qkv_out[0], k = qkv_out[1], v = qkv_out[2];  // [B, H, T, Dh]
  auto logits = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(Dh));
  logits = logits.masked_fill(allowed.unsqueeze(1).logical_not(), -std::numeric_limits<float>::infinity());
  const auto mixed = torch::matmul(torch::softmax(logits, -1), v).transpose(1, 2).reshape({B, T, D});
  const auto h = x + proj->forward(mixed);
  return h + ff2->forward(torch::relu(ff1->forward(norm2->forward(h))));
}

HistoryEncoderImpl::HistoryEncoderImpl(const HistoryEncoderConfig& c) : config(c) {
  c.Validate();
  const int64_t D = c.model_dim;
  embed = register_module("embed", torch::nn::Linear(c.item_dim, D));
  key = register_module("key", torch::nn::Linear(c.item_dim, D));
  start = register_parameter("start", 0.1 * torch::randn({D}));
  position = register_parameter("position", 0.1 * torch::randn({c.length + 1, D}));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t b = 0; b < c.blocks; ++b) blocks->push_back(AttentionBlock(D, c.heads));
  final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
  // The history term starts small beside the feature score, so that a new attention scorer
  // begins near the MLP it extends.
  torch::NoGradGuard no_grad;
  key->weight.mul_(0.1);
  key->bias.mul_(0.1);
}

torch::Tensor HistoryEncoderImpl::Encode(const torch::Tensor& items, const torch::Tensor& history) {
  const int64_t B = history.size(0), L = config.length, D = config.model_dim;
  if (history.dim() != 2 || history.size(1) != L)
    Fail("history encoder: history batch must be [B, ", L, "], got ", history.sizes());
  const auto valid = history.ge(0);  // [B, L]
  const auto ids = history.clamp_min(0).reshape({-1});
  const auto tokens = embed->forward(items.index_select(0, ids)).view({B, L, D}) * valid.unsqueeze(-1).to(items.dtype());
  auto x = torch::cat({start.view({1, 1, D}).expand({B, 1, D}), tokens}, 1) + position.unsqueeze(0);
  const auto key_ok = torch::cat({torch::ones({B, 1}, torch::kBool), valid}, 1);  // [B, T]
  const auto causal = torch::ones({L + 1, L + 1}, torch::kBool).tril();
  const auto allowed = causal.unsqueeze(0).logical_and(key_ok.unsqueeze(1));  // [B, query, key]
  for (const auto& block : *blocks) x = block->as<AttentionBlockImpl>()->forward(x, allowed);
  return x;
}

torch::Tensor HistoryEncoderImpl::State(const torch::Tensor& items, const torch::Tensor& history) {
  return final_norm->forward(Encode(items, history).select(1, config.length));
}

torch::Tensor HistoryEncoderImpl::forward(const torch::Tensor& items, const torch::Tensor& history,
                                          const torch::Tensor& candidates) {
  const int64_t B = candidates.size(0), C = candidates.size(1), D = config.model_dim;
  if (history.size(0) != B) Fail("history encoder: ", history.size(0), " histories for ", B, " candidate rows");
  const auto state = State(items, history);  // [B, D]
  const auto keys = key->forward(items.index_select(0, candidates.reshape({-1}))).view({B, C, D});
  return (keys * state.unsqueeze(1)).sum(-1);
}

void HistorySlots(const int32_t* history, int64_t n, int64_t length, int64_t* out) {
  const int64_t kept = std::min(n, length), skip = n - kept;
  for (int64_t j = 0; j < length - kept; ++j) out[j] = -1;
  for (int64_t j = 0; j < kept; ++j) out[length - kept + j] = history[skip + j];
}

// ---- The mirror ----

namespace {

Eigen::VectorXd Vector(const torch::Tensor& t) { return TensorToMatrix(t.reshape({-1})).col(0); }

// Layer norm of one row, in place.
template <typename Row>
void NormRow(Row&& x, const Eigen::VectorXd& gain, const Eigen::VectorXd& shift) {
  const double mean = x.mean();
  const double var = (x.array() - mean).square().mean();
  x = ((x.array() - mean) / std::sqrt(var + kNormEps)).matrix().cwiseProduct(gain.transpose()) + shift.transpose();
}

// Layer norm of each row of x, in place.
template <typename Rows>
void NormRows(Rows& x, const Eigen::VectorXd& gain, const Eigen::VectorXd& shift) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) NormRow(x.row(i), gain, shift);
}

}  // namespace

HistoryEncoderMirror::HistoryEncoderMirror(HistoryEncoder& e) : config_(e->config) {
  embed_ = TensorToMatrix(e->embed->weight);
  embed_b_ = Vector(e->embed->bias);
  key_ = TensorToMatrix(e->key->weight);
  key_b_ = Vector(e->key->bias);
  start_ = Vector(e->start);
  position_ = TensorToMatrix(e->position);
  gf_ = Vector(e->final_norm->weight);
  nf_ = Vector(e->final_norm->bias);
  for (const auto& m : *e->blocks) {
    auto* b = m->as<AttentionBlockImpl>();
    blocks_.push_back({Vector(b->norm1->weight), Vector(b->norm1->bias), Vector(b->norm2->weight),
                       Vector(b->norm2->bias), TensorToMatrix(b->qkv->weight), TensorToMatrix(b->proj->weight),
                       TensorToMatrix(b->ff1->weight), TensorToMatrix(b->ff2->weight), Vector(b->qkv->bias),
                       Vector(b->proj->bias), Vector(b->ff1->bias), Vector(b->ff2->bias)});
  }
}

void HistoryEncoderMirror::Query(const Eigen::MatrixXd& items, const int32_t* history, int64_t n,
                                 Eigen::VectorXd& q, double& q0) const {
  const int64_t L = config_.length, D = config_.model_dim, H = config_.heads, Dh = D / H;
  if (items.cols() != config_.item_dim)
    Fail("attention scorer: trained on item vectors of width ", config_.item_dim, ", the kernels' have ",
         items.cols());
  // Per-thread buffers of the largest sizes (L + 1 slots); each call uses their top rows.
  struct Scratch {
    Eigen::MatrixXd x, h, qkv, mixed, ff;
    Eigen::VectorXd v, token, logits;
    Eigen::RowVectorXd y, state;
  };
  thread_local Scratch w;
  const int64_t S = L + 1;
  if (w.x.rows() != S || w.x.cols() != D || w.v.size() != config_.item_dim || w.y.size() != Dh) {
    w.x.resize(S, D), w.h.resize(S, D), w.qkv.resize(S, 3 * D), w.mixed.resize(S, D), w.ff.resize(S, 2 * D);
    w.v.resize(config_.item_dim), w.token.resize(D), w.logits.resize(S);
    w.y.resize(Dh), w.state.resize(D);
  }
  const int64_t kept = std::min(n, L), skip = n - kept;
  // The slots computed, in increasing order: the start token (slot 0), the kept items (slots
  // L - kept + 1 .. L), or for an empty history its last slot L (padding, never a key).
  const int64_t T = 1 + std::max<int64_t>(kept, 1);
  auto x = w.x.topRows(T), h = w.h.topRows(T), qkv = w.qkv.topRows(T), mixed = w.mixed.topRows(T),
       ff = w.ff.topRows(T);
  x.row(0) = start_.transpose() + position_.row(0);
  if (kept == 0) x.row(1) = position_.row(L);
  for (int64_t j = 0; j < kept; ++j) {
    const int32_t item = history[skip + j];
    if (item < 0 || item >= items.rows()) Fail("attention scorer: history item ", item, " not in the kernels' catalog");
    w.v = items.row(item).transpose().cast<float>().cast<double>();
    w.token.noalias() = embed_ * w.v;
    x.row(1 + j) = (w.token + embed_b_).transpose() + position_.row(L - kept + 1 + j);
  }
  // Query i sees keys 0..i (the slots increase), except that an empty history's padding slot
  // sees the start token alone.
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  for (const Block& b : blocks_) {
    h = x;
    NormRows(h, b.g1, b.n1);
    qkv.noalias() = h * b.qkv.transpose();  // [T, 3D]: q | k | v
    qkv.rowwise() += b.qkv_b.transpose();
    for (int64_t head = 0; head < H; ++head) {
      const int64_t off = head * Dh;
      for (int64_t i = 0; i < T; ++i) {
        const int64_t visible = kept == 0 ? 1 : i + 1;
        auto logits = w.logits.head(visible);
        for (int64_t t = 0; t < visible; ++t)
          logits[t] = qkv.row(i).segment(off, Dh).dot(qkv.row(t).segment(D + off, Dh)) * scale;
        const double top = logits.maxCoeff();
        logits = (logits.array() - top).exp();
        logits /= logits.sum();
        w.y.setZero();
        for (int64_t t = 0; t < visible; ++t) w.y += logits[t] * qkv.row(t).segment(2 * D + off, Dh);
        mixed.row(i).segment(off, Dh) = w.y;
      }
    }
    h.noalias() = mixed * b.proj.transpose();
    h.rowwise() += b.proj_b.transpose();
    x += h;
    h = x;
    NormRows(h, b.g2, b.n2);
    ff.noalias() = h * b.ff1.transpose();
    ff.rowwise() += b.ff1_b.transpose();
    ff = ff.cwiseMax(0.0);
    h.noalias() = ff * b.ff2.transpose();
    h.rowwise() += b.ff2_b.transpose();
    x += h;
  }
  w.state = x.row(T - 1);
  NormRow(w.state, gf_, nf_);
  q.resize(config_.item_dim);
  q.noalias() = key_.transpose() * w.state.transpose();
  q0 = key_b_.dot(w.state);
}

}  // namespace bundlerl
