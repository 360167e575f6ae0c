// TrainAgent: validation and dispatch; saving trained policies. See trainer.h.
#include "agents/trainer.h"

#include <algorithm>

#include "agents/internal.h"
#include "common/error.h"
#include "common/reduction.h"
#include "policy/torch_policy.h"

namespace bundlerl {

std::vector<std::string> AgentNames() {
  return {"reinforce", "ppo", "offpolicy-reinforce", "ipw", "linucb", "lints"};
}

void TrainConfig::Validate() const {
  const auto names = AgentNames();
  if (std::find(names.begin(), names.end(), agent) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    Fail("config key 'train.agent': unknown agent '", agent, "'; known: ", known);
  }
  if (updates <= 0) Fail("config key 'train.updates': expected a positive number, got ", updates);
  if (episodes_per_update <= 0) Fail("config key 'train.episodes_per_update': expected a positive number");
  if (!(learning_rate > 0)) Fail("config key 'train.learning_rate': expected a positive number");
  if (!(gamma >= 0 && gamma <= 1)) Fail("config key 'train.gamma': expected a number in [0, 1], got ", gamma);
  if (scorer != "linear" && scorer != "mlp") Fail("config key 'train.scorer': expected linear or mlp, got '", scorer, "'");
  if (hidden <= 0) Fail("config key 'train.hidden': expected a positive number");
  if (!(ppo_clip > 0 && ppo_clip < 1)) Fail("config key 'train.ppo_clip': expected a number in (0, 1)");
  if (ppo_epochs <= 0) Fail("config key 'train.ppo_epochs': expected a positive number");
  if (log_rounds <= 0) Fail("config key 'train.log_rounds': expected a positive number");
  if (batch_rounds <= 0) Fail("config key 'train.batch_rounds': expected a positive number");
  if (!(weight_clip > 0)) Fail("config key 'train.weight_clip': expected a positive number");
  if (!(ucb_alpha >= 0)) Fail("config key 'train.ucb_alpha': expected a number >= 0");
  if (!(ridge > 0)) Fail("config key 'train.ridge': expected a positive number");
  if (grad_shards < 1) Fail("config key 'train.grad_shards': expected a positive number");
  if (checkpoint_every < 0) Fail("config key 'train.checkpoint_every': expected >= 0");
  if (checkpoint_every > 0 && checkpoint.empty())
    Fail("config key 'train.checkpoint': needed when train.checkpoint_every > 0");
}

TrainResult TrainAgent(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                       const ProgressFunction& progress, Reducer* comm) {
  config.Validate();
  const bool distributed = comm && comm->world_size() > 1;
  if (distributed && config.agent != "offpolicy-reinforce" && config.agent != "ipw")
    Fail("distributed training (--world-size > 1) supports the agents that learn from logs: "
         "offpolicy-reinforce and ipw, not '", config.agent, "'");
  if (distributed && (config.grad_shards < comm->world_size() || config.grad_shards % comm->world_size() != 0))
    Fail("config key 'train.grad_shards': ", config.grad_shards, " must be a multiple of the world size (",
         comm->world_size(), "); use the same value for the 1-process reference run");
  if (config.agent == "reinforce" || config.agent == "ppo") return internal::TrainOnPolicy(model, config, progress);
  if (config.agent == "offpolicy-reinforce" || config.agent == "ipw")
    return internal::TrainFromLogs(model, config, progress, comm);
  return internal::TrainLinearBandit(model, config, progress);
}

void SaveTrainedPolicy(const TrainResult& result, const std::string& path, const std::string& metadata) {
  const auto* learned = dynamic_cast<const LearnedSlatePolicy*>(result.policy.get());
  if (!learned) Fail("save: the trained policy is not a learned scorer");
  SaveScorer(learned->scorer(), path, learned->name(), metadata);
}

}  // namespace bundlerl
