// A simulator world fitted to the Open Bandit Dataset rounds of one campaign, as a shopper
// model of the generated simulator (a test of the replay machinery: each logged round's
// shopper clicks as the fitted click model predicts).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/config.h"
#include "env/world.h"
#include "dataset/dataset.h"

namespace bundlerl {

// A world fitted to the Open Bandit Dataset rounds of one campaign folder (e.g. obd/random/men):
// the logistic click model of `bundlerl evaluate` (item, position, user features, user-item
// affinity; L2 = 0.01) becomes a position-based shopper model with examination 1, so that the
// simulated click probability of an item at a position for the shopper of round r is exactly
// the model's prediction for that round. One shopper per logged round (its user context); an
// episode is one page of K = 3 slots over all the campaign's items, as in the logs.
struct ObdReplayWorld {
  std::shared_ptr<const World> world;
  ShopperConfig shopper;
  SessionConfig session;
  int64_t rounds = 0, items = 0;
};
ObdReplayWorld BuildObdReplayWorld(const std::string& campaign_dir);

}  // namespace bundlerl
