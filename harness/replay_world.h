// A simulator world fitted to real logged sessions (the Amazon session-bundle data): episodes
// start from logged sessions (the user, the history up to that session, the session's
// items among the candidates), and the shopper model's utility weights are fitted by maximum
// likelihood to the earlier sessions.
//
// The data hold what shoppers chose, not what they were shown: each chosen item is fitted as
// a choice among itself and `negatives` items drawn at random (a conditional logit with
// sampled alternatives). Items have no prices; the no-click utility is not identified by such
// data and keeps its configured value.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "env/config.h"
#include "ope/choice_fit.h"
#include "env/world.h"
#include "dataset/dataset.h"

namespace bundlerl {

struct ReplayWorldConfig {
  std::string dir;            // data/bundles/amazon/<domain>
  double train_share = 0.8;   // earlier timed sessions: the first half builds the kernels, the
                              // second half fits the weights; later sessions are held out
  int64_t embedding_dim = 16; // random projection of the TF-IDF title vectors
  int64_t negatives = 2;      // sampled alternatives per chosen item
  int64_t candidates = 30;    // candidates of a replay episode: the session's items + others
  uint64_t seed = 1;
};

struct ReplayEpisode {
  int32_t user = -1;
  int64_t timestamp = 0;
  std::vector<int32_t> candidates, history, session_items;
};

struct ReplayWorld {
  std::shared_ptr<const World> world;
  ShopperConfig shopper;          // the fitted utility weights
  ChoiceFit fit;
  std::vector<std::string> fitted_parameters;
  double heldout_loglik = 0, heldout_loglik_null = 0;  // per choice, later sessions
  int64_t train_choices = 0, heldout_choices = 0;
  std::vector<ReplayEpisode> train_episodes, heldout_episodes;
};

ReplayWorld BuildAmazonReplayWorld(const ReplayWorldConfig& config);

// Baskets for the co-occurrence kernel from logged sessions timed[begin..end): each session's
// items and each of its annotated bundles' items; item_count[i] += sessions holding item i.
Ragged SessionBaskets(const SessionTable& sessions, const BundleTable& bundles,
                      const std::vector<int64_t>& timed, int64_t begin, int64_t end,
                      std::vector<double>& item_count);

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
