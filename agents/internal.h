// Internal to agents/: the per-agent training functions behind TrainAgent().
#pragma once

#include "agents/trainer.h"

namespace bundlerl::internal {

TrainResult TrainOnPolicy(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                          const ProgressFunction& progress);      // reinforce, ppo
TrainResult TrainFromLogs(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                          const ProgressFunction& progress, Reducer* comm);  // offpolicy-reinforce, ipw
TrainResult TrainLinearBandit(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                              const ProgressFunction& progress);  // linucb, lints

}  // namespace bundlerl::internal
