// The training losses of the graph models (LibTorch, any floating dtype):
//   BprLoss:    mean over pairs of -log sigmoid(positive - negative) (Rendle et al., 2009);
//   InfoNceLoss: for rows a_i, b_i of two views, mean over i of
//               -log( exp(cos(a_i, b_i) / t) / sum_j exp(cos(a_i, b_j) / t) ),
//               the other rows of the batch serving as negatives (CrossCBR's cross-view loss).
#pragma once

#include <torch/torch.h>

namespace bundlerl {

torch::Tensor BprLoss(const torch::Tensor& positive, const torch::Tensor& negative);
torch::Tensor InfoNceLoss(const torch::Tensor& a, const torch::Tensor& b, double temperature);

// The same InfoNCE for rows already L2-normalised, float, fused: the n x n similarities are
// formed 256 rows at a time, the blocks in at most 8 fixed groups spread over `threads` threads
// of the shared executor (8 at most are used), and the gradients with respect to both views are
// computed in the same pass and scaled in backward(), instead of keeping n x n logits, their
// softmax and their gradients in memory: about min(threads, 8) x (256 n + 2 n d) floats at once.
// The result does not depend on `threads`. `a` and `b` must be unit rows (not checked: other
// rows can overflow the exponentials); an empty or mismatched pair, or a temperature <= 0,
// throws Error.
torch::Tensor FusedInfoNceLoss(const torch::Tensor& a_unit, const torch::Tensor& b_unit, double temperature,
                               int threads = 1);

}  // namespace bundlerl
