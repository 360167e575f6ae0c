// Internal to agents/: helpers the LibTorch agents share (scorers, snapshots, divergence
// checks). Includes torch.
#pragma once

#include <torch/torch.h>

#include <string>

#include "agents/trainer.h"
#include "policy/torch_policy.h"

namespace bundlerl::internal {

// A scorer of `features` inputs as train.scorer, train.hidden (and the attention keys, over
// item vectors of width `item_dim`) say, its initial weights drawn after
// torch::manual_seed(train.seed).
Scorer MakeScorer(const TrainConfig& config, int64_t features, int64_t item_dim = 0);
// The kernels' item vectors as the attention scorer reads them: [M, d] float.
torch::Tensor ItemTable(const Eigen::MatrixXd& item_features);
// A copy with its own parameters (the snapshot behind Agent::policy()).
Scorer CloneScorer(const Scorer& scorer);
// Throws Error when the last loss or a parameter is not finite, naming the update.
void CheckScorerFinite(const Scorer& scorer, double last_loss, int64_t update, const std::string& agent);

}  // namespace bundlerl::internal
