// The oracle strategy for small synthetic worlds: at every step it enumerates all slates and
// shows the one with the highest expected immediate reward under the true shopper model
// (the shopper's true preference, the current history). It needs the world, so it lives in
// agents/ (which depends on env/), not in policy/.
#pragma once

#include <memory>

#include "env/shopper_model.h"
#include "policy/slate_policy.h"

namespace bundlerl {

class OracleSlate : public SlatePolicy {
 public:
  explicit OracleSlate(std::shared_ptr<const ShopperModel> model) : model_(std::move(model)) {}
  std::string name() const override { return "oracle"; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
  // Expected immediate reward of showing `slate` (candidate indices) at this observation.
  double ExpectedReward(const Observation& obs, const int32_t* slate) const;

 private:
  std::vector<int32_t> Best(const Observation& obs) const;
  std::shared_ptr<const ShopperModel> model_;
};

}  // namespace bundlerl
