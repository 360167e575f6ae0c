// Internal to agents/: helpers the LibTorch agents share (scorers, snapshots, divergence
// checks). Includes torch.
#pragma once

#include <torch/torch.h>

#include <string>

#include "agents/trainer.h"
#include "env/environment.h"
#include "env/shopper_model.h"
#include "policy/torch_policy.h"

namespace bundlerl::internal {

// A scorer of `features` inputs as train.scorer, train.hidden (and the attention keys, over
// item vectors of width `item_dim`) say, its initial weights drawn after
// torch::manual_seed(train.seed).
Scorer MakeScorer(const TrainConfig& config, int64_t features, int64_t item_dim = 0);
// The attention scorer's encoder as the train.* keys set it, over item vectors of width item_dim.
HistoryEncoderConfig EncoderConfigOf(const TrainConfig& config, int64_t item_dim);
// The kernels' item vectors as the attention scorer reads them: [M, d] float.
torch::Tensor ItemTable(const Eigen::MatrixXd& item_features);
// A copy with its own parameters (the snapshot behind Agent::policy()).
Scorer CloneScorer(const Scorer& scorer);
// Throws Error when the last loss or a parameter is not finite, naming the update.
void CheckScorerFinite(const Scorer& scorer, double last_loss, int64_t update, const std::string& agent);

// The on-policy agents' batch: every step of `episodes` sessions played by one policy, row t
// of each array belonging to step t.
struct Episodes {
  int64_t N = 0, C = 0, F = 0, K = 0, L = 0;  // steps, candidates, features, slots, history slots
  std::vector<float> features, pooled, returns;
  std::vector<int64_t> slates;
  std::vector<int64_t> candidates, history;  // [N, C] item ids, [N, L] (HistorySlots); when L > 0
  double mean_episode_reward = 0;
};

// Plays `episodes` sessions of `env` with `policy`; episode e starts as env says for (seed, e).
// Returns are discounted by gamma within each episode. history_slots > 0 also keeps each
// step's candidates and last history items (the attention scorer's inputs).
Episodes Collect(const Environment& env, const LearnedSlatePolicy& policy, int64_t episodes, uint64_t seed,
                 double gamma, int64_t history_slots);

}  // namespace bundlerl::internal
