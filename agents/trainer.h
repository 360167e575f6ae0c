// Agents that learn which slate to show, and the trainer that runs them (torch-free API).
//   reinforce:            on-policy REINFORCE with a learned baseline, discounted returns
//                         over the steps of a session (Williams 1992);
//   ppo:                  proximal policy optimisation with the clipped surrogate
//                         (Schulman et al. 2017), on-policy;
//   offpolicy-reinforce:  REINFORCE from logged rounds with importance weights (clipped,
//                         optionally self-normalised) and the top-K off-policy correction
//                         of Chen et al. (WSDM 2019);
//   ipw:                  supervised learner from logs: the likelihood of clicked items
//                         weighted by 1 / logging propensity;
//   linucb, lints:        linear UCB (Li et al. 2010) and linear Thompson sampling
//                         (Agrawal & Goyal 2013) over the kernel features, online.
// Learned policies are a scorer over the kernel features plus Plackett-Luce (policy/).
// Training is seeded: every draw comes from generators derived from (seed, update, episode),
// so a run resumed from a checkpoint ends with the same parameters as an uninterrupted one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "env/shopper_model.h"
#include "policy/slate_policy.h"

namespace bundlerl {

// [train]
struct TrainConfig {
  std::string agent = "reinforce";     // train.agent
  uint64_t seed = 1;                   // train.seed
  int64_t updates = 200;               // train.updates
  int64_t episodes_per_update = 32;    // train.episodes_per_update (on-policy agents)
  double learning_rate = 0.01;         // train.learning_rate
  double gamma = 0.95;                 // train.gamma: discount over the steps of a session
  std::string scorer = "mlp";          // train.scorer: linear or mlp
  int64_t hidden = 32;                 // train.hidden
  double ppo_clip = 0.2;               // train.ppo_clip
  int64_t ppo_epochs = 4;              // train.ppo_epochs
  std::string logging_policy = "epsilon-greedy:0.5:popularity";  // train.logging_policy (off-policy agents)
  int64_t log_rounds = 200000;         // train.log_rounds
  uint64_t log_seed = 0;               // seed of the logged rounds; 0: derived from train.seed
  int64_t batch_rounds = 2048;         // train.batch_rounds
  double weight_clip = 20.0;           // train.weight_clip
  bool self_normalize = false;         // train.self_normalize
  bool topk_correction = true;         // train.topk_correction
  int64_t grad_shards = 1;             // train.grad_shards: micro-batches per batch, summed in a
                                       // fixed order; ranks share them (world <= grad_shards), so a
                                       // run on W ranks equals a 1-process run with the same value
  double ucb_alpha = 1.0;              // train.ucb_alpha (linucb) / posterior scale (lints)
  double ridge = 1.0;                  // train.ridge
  std::string checkpoint;              // train.checkpoint: file; "" = none
  int64_t checkpoint_every = 0;        // train.checkpoint_every: updates; 0 = never
  bool resume = false;                 // resume from train.checkpoint if it exists
  void Validate() const;
};

struct TrainResult {
  std::shared_ptr<const SlatePolicy> policy;
  std::vector<double> curve;  // per update: mean session reward of the episodes collected
                              // (on-policy, bandits) or the logged objective (off-policy)
  int64_t updates = 0, rounds = 0;  // updates done; rounds (steps or logged rounds) consumed
  double seconds = 0;
};

using ProgressFunction = std::function<void(int64_t update, int64_t total, double value)>;

class Reducer;

// Trains `config.agent` in the model's world. Throws Error on bad settings (naming the key).
// With a communicator of several ranks (offpolicy-reinforce and ipw): data-parallel, each
// rank takes its share of every batch's rounds and the gradients are all-reduced, so the
// parameters equal those of one process (to floating-point rounding); rank 0 writes the
// checkpoints and every rank resumes from them.
TrainResult TrainAgent(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                       const ProgressFunction& progress = nullptr, Reducer* comm = nullptr);

// Saves a trained policy where `bundlerl simulate/compare` can load it (policy/learned_policy.h).
void SaveTrainedPolicy(const TrainResult& result, const std::string& path, const std::string& metadata);

// The names train.agent accepts.
std::vector<std::string> AgentNames();

}  // namespace bundlerl
