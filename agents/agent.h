// The learner interface. An agent holds a policy and improves it one update at a time, from
// episodes it plays in a simulator (online), from batches of logged rounds (offline), or both;
// it saves and restores its whole state, so that a run resumed from a checkpoint ends where an
// uninterrupted one does. Agents register by name (AgentRegistry), each in its own file:
//   reinforce, ppo                   online policy gradients (agents/policy_gradient.cpp)
//   offpolicy-reinforce, ipw         from logged rounds (agents/offpolicy.cpp)
//   linucb, lints                    linear bandits, online or replayed from logs
//                                    (agents/linear_bandits.cpp)
// The trainer (agents/trainer.h) runs the update loop, the batches, the checkpoints and the
// progress; this header is torch-free.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/reduction.h"
#include "common/registry.h"
#include "env/environment.h"
#include "env/shopper_model.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct TrainConfig;

// One update's logged rounds, as a learner sees them. Gradients are computed per micro-batch
// and summed in micro-batch order, so that the result does not depend on how micro-batches
// are spread over processes; `parts` are this process's micro-batches, in order.
struct LoggedBatch {
  int64_t rounds = 0;  // rounds of the whole batch, over every process (the divisor of means)
  struct Part {
    int64_t n = 0, C = 0, F = 0, S = 0;  // rounds, candidates, features, logged slots
    std::vector<float> features;         // [n, C, F] the observation at each round
    std::vector<int64_t> slot_candidate;  // [n, S] candidate index of each logged unit
    std::vector<int32_t> position;       // [n, S] its page position
    std::vector<float> reward;           // [n, S]
    std::vector<float> propensity;       // [n, S] the logging policy's probability of the
                                         // unit: its inclusion probability / K when logged,
                                         // else the per-slot propensity
  };
  std::vector<Part> parts;
};

struct UpdateMetrics {
  double value = 0;    // the learning-curve value: mean session reward of the episodes played
                       // (online) or the clipped importance-weighted objective (offline)
  int64_t rounds = 0;  // environment steps or logged rounds consumed
};

// The trainer's own state in a checkpoint, stored beside the agent's.
struct TrainerState {
  int64_t update = 0;          // updates done
  std::vector<double> curve;   // the learning curve so far
  std::string fingerprint;     // the settings that shape the run (see TrainFingerprint)
};

class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string name() const = 0;
  virtual bool learns_online() const { return false; }
  virtual bool learns_from_logs() const { return false; }
  // Whether learning from logs weights by the logging propensities (LoggedBatch::Part::
  // propensity); a log without them can teach only the agents that do not.
  virtual bool needs_propensities() const { return learns_from_logs(); }
  // One update from episodes played in `env` (the simulator or a world fitted to logs) with
  // the current policy; draws only from `seed`.
  virtual UpdateMetrics UpdateOnline(const Environment& env, uint64_t seed);
  // One update from a batch of logged rounds; `reducer` sums across processes (null: one).
  virtual UpdateMetrics UpdateFromLogs(const LoggedBatch& batch, Reducer* reducer);
  // The current policy; later updates do not change the returned object.
  virtual std::shared_ptr<const SlatePolicy> policy() const = 0;
  // The whole learning state (parameters, optimiser, statistics) with the trainer's, to a
  // file written atomically; and back. LoadState throws Error naming the file when it is not
  // a checkpoint of this agent.
  virtual void SaveState(const std::string& path, const TrainerState& trainer) const = 0;
  virtual TrainerState LoadState(const std::string& path) = 0;
  // Throws Error when a parameter or the last objective is not finite (training diverged).
  virtual void CheckFinite(int64_t update) const = 0;
};

// What an agent is built from: the training settings and the width of the feature rows it
// scores (kNumFeatures in the simulator; more for logs, and worlds fitted to them, with unit,
// user or context columns).
struct AgentSetup {
  const TrainConfig* config = nullptr;
  int64_t num_features = 0;
  int64_t slate_size = 0;  // K, slots on the page
  int64_t item_dim = 0;    // width of the kernels' item vectors (the attention scorer's tokens)
  std::string feature_spec = "kernel";  // recorded with the saved policy
};

using AgentRegistry = Registry<std::unique_ptr<Agent>, const AgentSetup&>;
std::unique_ptr<Agent> MakeAgent(const std::string& name, const AgentSetup& setup);

}  // namespace bundlerl
