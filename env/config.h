// Plain configuration structs of the shopper simulator, with in-class defaults. Each declares
// its keys (section.key, as in the comments) beside its fields in Declare(), which the command
// line turns into INI keys and flags; Validate() checks them and names the offending key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/options.h"

namespace bundlerl {

// [world]: the embedded synthetic world, generated from the seed.
struct WorldConfig {
  uint64_t seed = 1;               // world.seed
  int64_t num_items = 200;         // world.items
  int64_t num_users = 1000;        // world.users
  int64_t num_categories = 10;     // world.categories
  int64_t embedding_dim = 8;       // world.embedding_dim
  int64_t history_length = 5;      // world.history_length: initial history per user
  int64_t baskets = 5000;          // world.baskets: synthetic baskets for co-occurrence
  double complement_strength = 0.7;  // world.complement_strength: share of basket items from the complementary category
  double price_log_mean = 3.0;     // world.price_log_mean
  double price_log_sd = 0.8;       // world.price_log_sd
  double category_spread = 0.5;    // world.category_spread: item noise around its category centre
  int64_t similarity_table_items = 2048;  // world.similarity_table_items: tabulate kernels of catalogs up to this size (8 M^2 bytes each)
  void Declare(OptionList& options);
  void Validate() const;
};

// [shopper]: the shopper model (utility, choice, purchase, leaving, drift).
struct ShopperConfig {
  std::string choice_model = "mnl";   // shopper.choice_model: mnl, cascade or pbm
  double w_profile = 1.0;             // shopper.w_profile: weight of the true preference score
  double w_content = 0.5;             // shopper.w_content: similarity to history
  double w_complement = 1.5;          // shopper.w_complement: co-occurrence with history
  double w_price = 0.3;               // shopper.w_price: fit to the shopper's price affinity
  double w_popularity = 0.5;          // shopper.w_popularity
  std::vector<double> position_bias;  // shopper.position_bias: per slot; empty = 0, -0.3, -0.6, ...
  std::vector<double> examination;    // shopper.examination: pbm only; empty = 1, 0.8, 0.64, ...
  double complementarity = 1.0;       // shopper.complementarity: bundle term, co-occurrence within the slate
  double redundancy = 0.5;            // shopper.redundancy: bundle term, content similarity within the slate
  double noise_sd = 0.0;              // shopper.noise_sd: Gaussian utility noise per shown item and step
  double no_click_utility = 1.0;      // shopper.no_click_utility
  double buy_bias = 0.0;              // shopper.buy_bias: logit of buying a clicked item at its usual price
  double price_sensitivity = 1.0;     // shopper.price_sensitivity
  double leave_base = 0.05;           // shopper.leave_base: probability of leaving after any step
  double leave_per_miss = 0.1;        // shopper.leave_per_miss: added per consecutive step without a click (patience)
  double drift_sd = 0.0;              // shopper.drift_sd: interest drift per step
  int64_t max_history = 50;           // shopper.max_history
  void Declare(OptionList& options);
  void Validate(int64_t slate_size) const;
  double PositionBias(int64_t slot) const;
  double Examination(int64_t slot) const;
};

// [session]: the episode shape.
struct SessionConfig {
  int64_t slate_size = 3;        // session.slate_size: K
  int64_t num_candidates = 50;   // session.candidates: candidate items per session
  int64_t max_steps = 10;        // session.max_steps
  std::string reward = "click";  // session.reward: click, purchase or revenue
  void Declare(OptionList& options);
  void Validate(int64_t num_items) const;
};

}  // namespace bundlerl
