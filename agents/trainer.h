// The trainer: runs an agent (agents/agent.h) for a number of updates, online in a simulator
// world or offline from logged rounds, with seeded batches, checkpoints that resume
// bit-identically, and progress (a torch-free API).
//   reinforce:            on-policy REINFORCE with a learned baseline, discounted returns
//                         over the steps of a session (Williams 1992);
//   ppo:                  proximal policy optimisation with the clipped surrogate
//                         (Schulman et al. 2017), on-policy;
//   offpolicy-reinforce:  REINFORCE from logged rounds with importance weights (clipped)
//                         and the top-K off-policy correction of Chen et al. (WSDM 2019);
//   ipw:                  supervised learner from logs: the likelihood of rewarded units
//                         weighted by reward / logging propensity;
//   linucb, lints:        linear UCB (Li et al. 2010) and linear Thompson sampling
//                         (Agrawal & Goyal 2013) over the feature rows, online or replayed
//                         from logs (every logged slot updates the ridge statistics).
// Learned policies are a scorer over the feature rows plus Plackett-Luce (policy/).
// Training is seeded: every draw comes from generators derived from (seed, update, episode),
// so a run resumed from a checkpoint ends with the same parameters as an uninterrupted one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/options.h"
#include "common/reduction.h"
#include "dataset/round_source.h"
#include "env/environment.h"
#include "env/shopper_model.h"
#include "kernels/logged_observation.h"
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
  std::string scorer = "mlp";          // train.scorer: linear, mlp or attention
  int64_t hidden = 32;                 // train.hidden
  int64_t history = 8;                 // train.history: items the attention scorer attends to
  int64_t attention_dim = 16;          // train.attention_dim
  int64_t attention_blocks = 1;        // train.attention_blocks
  int64_t attention_heads = 1;         // train.attention_heads
  double ppo_clip = 0.2;               // train.ppo_clip
  int64_t ppo_epochs = 4;              // train.ppo_epochs
  std::string logging_policy = "epsilon-greedy:0.5:popularity";  // train.logging_policy (off-policy agents)
  int64_t log_rounds = 200000;         // train.log_rounds
  uint64_t log_seed = 0;               // seed of the logged rounds; 0: derived from train.seed
  int64_t batch_rounds = 2048;         // train.batch_rounds
  int64_t shuffle_block = 262144;      // train.shuffle_block: rounds shuffled together each
                                       // epoch (blocks in a shuffled order, rounds shuffled
                                       // within); at most two blocks are held in memory
  std::string reward;                  // train.reward: click, purchase or revenue; "" = the
                                       // logged rounds' own (the world's session.reward)
  int threads = 2;                     // train.threads: building the observations of logged rounds
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
  void Declare(OptionList& options);   // the [train] keys (train.agent and train.seed excepted)
  void Validate() const;
};

struct TrainResult {
  std::shared_ptr<const SlatePolicy> policy;
  std::string agent;
  std::string feature_spec = "kernel";  // the feature rows the policy scores
  std::string kernel_spec;              // the kernels they were built with (logs), if any
  std::string catalog;                  // the fingerprint of the catalog it was trained for
                                        // (CatalogFingerprint; "" for a world with none)
  std::vector<double> curve;  // per update: mean session reward of the episodes collected
                              // (on-policy, bandits) or the logged objective (off-policy)
  int64_t updates = 0, rounds = 0;  // updates done; rounds (steps or logged rounds) consumed
  double seconds = 0;
};

using ProgressFunction = std::function<void(int64_t update, int64_t total, double value)>;


// Trains `config.agent` in the model's world. Online agents play episodes; agents that learn
// from logs learn from train.log_rounds rounds they log themselves under
// train.logging_policy (agents/simulated_logs.h; seed train.log_seed, or one derived from
// train.seed), exactly as TrainFromLogs would from those rounds written to a file. Throws
// Error on bad settings (naming the key). With a reducer of several ranks (agents that learn
// from logs): data-parallel, each rank takes its share of every batch's micro-batches and
// the gradients are all-reduced, so the parameters equal those of one process; rank 0 writes
// the checkpoints and every rank resumes from them.
// `logs`, when given, are one-step rounds of this world that log-learners learn from instead
// of logging their own (the comparison harness passes the rounds it evaluates on).
TrainResult TrainAgent(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                       const ProgressFunction& progress = nullptr, Reducer* comm = nullptr,
                       const LoggedDataset* logs = nullptr);

// Trains an agent that learns online (reinforce, ppo, linucb, lints) in `env`: the simulator
// (what TrainAgent does for them) or a world fitted to logs (env/fitted_world.h), whose rows
// are `feature_spec`'s (recorded with the policy).
TrainResult TrainInEnvironment(const Environment& env, const TrainConfig& config,
                               const ProgressFunction& progress = nullptr, Reducer* comm = nullptr,
                               const std::string& feature_spec = "kernel");

// Trains `config.agent` from logged rounds: each round's observation is rebuilt from the log
// by `kernels` (the log's catalog's) and `features`. Each epoch visits the rounds in a seeded
// order (blocks of train.shuffle_block rounds in a shuffled order, the rounds of each block
// shuffled); update u takes the next train.batch_rounds of them. Throws Error naming what the
// log lacks for this agent.
TrainResult TrainFromLogs(const RoundSource& rounds, const ItemKernels& kernels, const FeatureSpec& features,
                          const TrainConfig& config, const ProgressFunction& progress = nullptr,
                          Reducer* comm = nullptr);

// Saves a trained policy where simulate, evaluate and compare load it (policy/learned_policy.h),
// with the feature spec, kernel spec and catalog it was trained for; `config` is the resolved
// configuration text.
void SaveTrainedPolicy(const TrainResult& result, const std::string& path, const std::string& config);

// The names train.agent accepts.
std::vector<std::string> AgentNames();

}  // namespace bundlerl
