// The self-attention history encoder (LibTorch): one or two pre-norm Transformer blocks over
// the shopper's last L items, whose tokens are the kernels' item vectors (ItemKernels::
// item_features, the vectors the profile kernel and the shopper model use) projected to the
// model width, plus learned position embeddings. Attention is causal: position i sees the
// start token and positions up to i. The state is the last position's output (layer-normed);
// a candidate's history term is that state dotted with the candidate's projected item vector.
// The slate scorer "attention" (policy/torch_policy.h) adds this term to the MLP score on the
// kernel features.
//
// Layout: a history of n items fills slots L-n+1 .. L (right-aligned, the newest item in slot
// L, oldest first as Observation::history holds them); slot 0 is a learned start token; the
// slots before the history are padding, which no position attends to. Longer histories keep
// their last L items. An empty history's state is slot L's (a padding slot's) output, which
// attends to the start token alone.
//
// HistoryEncoderMirror evaluates a trained encoder in double precision with Eigen, without
// LibTorch, over the same layout (the policies' path at evaluation time).
#pragma once

#include <torch/torch.h>

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace bundlerl {

struct HistoryEncoderConfig {
  int64_t item_dim = 8;    // d: width of the kernels' item vectors
  int64_t model_dim = 16;  // D
  int64_t length = 8;      // L: history items attended to
  int64_t blocks = 1;      // Transformer blocks, 1 to 8
  int64_t heads = 1;       // attention heads; divides D
  // Throws Error naming the train.* key that is out of range.
  void Validate() const;
};

struct AttentionBlockImpl : torch::nn::Module {
  AttentionBlockImpl(int64_t model_dim, int64_t heads);
  // x [B, T, D], allowed [B, T, T] (query, key) -> [B, T, D].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed);
  int64_t heads;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, ff1{nullptr}, ff2{nullptr};
};
TORCH_MODULE(AttentionBlock);

struct HistoryEncoderImpl : torch::nn::Module {
  explicit HistoryEncoderImpl(const HistoryEncoderConfig& config);
  // items [M, d] (float), history [B, L] item ids in the layout above, -1 for padding
  // -> every slot's output [B, L + 1, D] (before the final norm).
  torch::Tensor Encode(const torch::Tensor& items, const torch::Tensor& history);
  // -> the state [B, D].
  torch::Tensor State(const torch::Tensor& items, const torch::Tensor& history);
  // The history term of every candidate: candidates [B, C] item ids -> [B, C]. Throws Error
  // when history and candidates list different batch sizes.
  torch::Tensor forward(const torch::Tensor& items, const torch::Tensor& history, const torch::Tensor& candidates);
  HistoryEncoderConfig config;
  torch::nn::Linear embed{nullptr}, key{nullptr};
  torch::Tensor start, position;  // [D], [L + 1, D]
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_norm{nullptr};
};
TORCH_MODULE(HistoryEncoder);

// The last min(n, L) items of `history` (oldest first) in the encoder's layout, row [L] of
// `out` (int64, -1 padding): what training batches hold.
void HistorySlots(const int32_t* history, int64_t n, int64_t length, int64_t* out);

class HistoryEncoderMirror {
 public:
  HistoryEncoderMirror() = default;
  explicit HistoryEncoderMirror(HistoryEncoder& encoder);
  // The state for a history of n items (oldest first), the item vectors rounded to float as
  // in training; the query weights q = key^T state (d) and q0 = key_bias . state, so that a
  // candidate's term is q . item_features.row(c) (float-rounded) + q0. Throws Error when the
  // item vectors' width is not the trained one or a history item is not a row of them. No
  // allocation once a thread's buffers have reached the encoder's sizes.
  void Query(const Eigen::MatrixXd& item_features, const int32_t* history, int64_t n, Eigen::VectorXd& q,
             double& q0) const;
  const HistoryEncoderConfig& config() const { return config_; }

 private:
  struct Block {
    Eigen::VectorXd g1, n1, g2, n2;          // layer norms: gain, shift
    Eigen::MatrixXd qkv, proj, ff1, ff2;     // [out, in]
    Eigen::VectorXd qkv_b, proj_b, ff1_b, ff2_b;
  };
  HistoryEncoderConfig config_;
  Eigen::MatrixXd embed_, key_, position_;  // [D, d], [D, d], [L + 1, D]
  Eigen::VectorXd embed_b_, key_b_, start_, gf_, nf_;
  std::vector<Block> blocks_;
};

}  // namespace bundlerl
