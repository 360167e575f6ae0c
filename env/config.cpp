// Validation of the simulator configs: every error names the key.
#include "env/config.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/memory.h"
#include "env/choice_model.h"

namespace bundlerl {
namespace {

void Positive(double v, const char* key) {
  if (!(v > 0)) Fail("config key '", key, "': expected a positive number, got ", v);
}
void NonNegative(double v, const char* key) {
  if (!(v >= 0) || !std::isfinite(v)) Fail("config key '", key, "': expected a number >= 0, got ", v);
}
void Finite(double v, const char* key) {
  if (!std::isfinite(v)) Fail("config key '", key, "': expected a finite number, got ", v);
}

}  // namespace

void WorldConfig::Declare(OptionList& o) {
  o.Add("world.seed", &seed, "seed of the generated world");
  o.Add("world.items", &num_items, "items in the catalog");
  o.Add("world.users", &num_users, "shoppers");
  o.Add("world.categories", &num_categories, "item categories");
  o.Add("world.embedding_dim", &embedding_dim, "item embedding size");
  o.Add("world.history_length", &history_length, "initial history per shopper");
  o.Add("world.baskets", &baskets, "synthetic baskets behind the co-occurrence kernel");
  o.Add("world.complement_strength", &complement_strength, "share of basket items from the complementary category");
  o.Add("world.price_log_mean", &price_log_mean, "mean log price");
  o.Add("world.price_log_sd", &price_log_sd, "sd of log price");
  o.Add("world.category_spread", &category_spread, "item spread around its category");
  o.Add("world.similarity_table_items", &similarity_table_items,
        "precompute the item-item similarity tables of catalogs up to this many items (8 M^2 bytes per kernel; 0: never)");
}

void ShopperConfig::Declare(OptionList& o) {
  o.Add("shopper.choice_model", &choice_model, "the choice model (a registered name: mnl, cascade, pbm)");
  o.Add("shopper.w_profile", &w_profile, "utility weight of the preference score");
  o.Add("shopper.w_content", &w_content, "utility weight of similarity to history");
  o.Add("shopper.w_complement", &w_complement, "utility weight of co-occurrence with history");
  o.Add("shopper.w_price", &w_price, "utility weight of price fit");
  o.Add("shopper.w_popularity", &w_popularity, "utility weight of popularity");
  o.Add("shopper.position_bias", &position_bias, "per-slot utility bias, comma-separated");
  o.Add("shopper.examination", &examination, "pbm: per-slot examination probability");
  o.Add("shopper.complementarity", &complementarity, "bundle term: co-occurrence within the slate");
  o.Add("shopper.redundancy", &redundancy, "bundle term: content similarity within the slate");
  o.Add("shopper.noise_sd", &noise_sd, "utility noise");
  o.Add("shopper.no_click_utility", &no_click_utility, "utility of not clicking");
  o.Add("shopper.buy_bias", &buy_bias, "logit of buying a clicked item");
  o.Add("shopper.price_sensitivity", &price_sensitivity, "price sensitivity of buying");
  o.Add("shopper.leave_base", &leave_base, "probability of leaving after a step");
  o.Add("shopper.leave_per_miss", &leave_per_miss, "patience lost per step without a click");
  o.Add("shopper.drift_sd", &drift_sd, "interest drift per step");
  o.Add("shopper.max_history", &max_history, "history length kept");
}

void SessionConfig::Declare(OptionList& o) {
  o.Add("session.slate_size", &slate_size, "K, slots per slate");
  o.Add("session.candidates", &num_candidates, "candidate items per session");
  o.Add("session.max_steps", &max_steps, "steps per session at most");
  o.Add("session.reward", &reward, "click, purchase or revenue");
}

void WorldConfig::Validate() const {
  Positive(num_items, "world.items");
  Positive(num_users, "world.users");
  Positive(num_categories, "world.categories");
  Positive(embedding_dim, "world.embedding_dim");
  NonNegative(history_length, "world.history_length");
  NonNegative(baskets, "world.baskets");
  if (!(complement_strength >= 0 && complement_strength <= 1))
    Fail("config key 'world.complement_strength': expected a number in [0, 1], got ", complement_strength);
  Finite(price_log_mean, "world.price_log_mean");
  NonNegative(price_log_sd, "world.price_log_sd");
  NonNegative(category_spread, "world.category_spread");
  NonNegative(similarity_table_items, "world.similarity_table_items");
  if (num_categories > num_items)
    Fail("config key 'world.categories': ", num_categories, " categories for ", num_items, " items");
  // What the world will hold, generously: item and user vectors, histories, baskets and the
  // tabulated kernels (two tables of 8 M^2 bytes for catalogs up to similarity_table_items).
  const double items = static_cast<double>(num_items), users = static_cast<double>(num_users);
  const double tabulated = std::min<double>(items, static_cast<double>(similarity_table_items));
  CheckFitsInMemory(items * (24.0 * embedding_dim + 256) + 16.0 * tabulated * tabulated,
                    Concat("config keys 'world.items' (", num_items, ") and 'world.similarity_table_items' (",
                           similarity_table_items, ")"));
  CheckFitsInMemory(users * (16.0 * embedding_dim + 8.0 * history_length + 256),
                    Concat("config keys 'world.users' (", num_users, "), 'world.embedding_dim' and 'world.history_length'"));
  CheckFitsInMemory(static_cast<double>(baskets) * 256, Concat("config key 'world.baskets' (", baskets, ")"));
  if (num_items > std::numeric_limits<int32_t>::max() || num_users > std::numeric_limits<int32_t>::max())
    Fail("config keys 'world.items' and 'world.users': at most 2^31 - 1 each (ids are 32-bit)");
}

void ShopperConfig::Validate(int64_t slate_size) const {
  if (!ChoiceModelRegistry::Has(choice_model))
    Fail("config key 'shopper.choice_model': unknown choice model '", choice_model, "'; known: ",
         ChoiceModelRegistry::NameList());
  for (auto [v, key] : {std::pair{w_profile, "shopper.w_profile"}, {w_content, "shopper.w_content"},
                        {w_complement, "shopper.w_complement"}, {w_price, "shopper.w_price"},
                        {w_popularity, "shopper.w_popularity"}, {complementarity, "shopper.complementarity"},
                        {redundancy, "shopper.redundancy"}, {no_click_utility, "shopper.no_click_utility"},
                        {buy_bias, "shopper.buy_bias"}, {price_sensitivity, "shopper.price_sensitivity"}})
    Finite(v, key);
  NonNegative(noise_sd, "shopper.noise_sd");
  NonNegative(drift_sd, "shopper.drift_sd");
  if (!(leave_base >= 0 && leave_base <= 1))
    Fail("config key 'shopper.leave_base': expected a probability in [0, 1], got ", leave_base);
  if (!(leave_per_miss >= 0 && leave_per_miss <= 1))
    Fail("config key 'shopper.leave_per_miss': expected a number in [0, 1] (patience lost per miss), got ",
         leave_per_miss);
  Positive(max_history, "shopper.max_history");
  if (!position_bias.empty() && static_cast<int64_t>(position_bias.size()) != slate_size)
    Fail("config key 'shopper.position_bias': ", position_bias.size(), " values, expected one per slot (",
         slate_size, ")");
  for (double b : position_bias) Finite(b, "shopper.position_bias");
  if (!examination.empty() && static_cast<int64_t>(examination.size()) != slate_size)
    Fail("config key 'shopper.examination': ", examination.size(), " values, expected one per slot (",
         slate_size, ")");
  for (double e : examination)
    if (!(e >= 0 && e <= 1)) Fail("config key 'shopper.examination': ", e, " not a probability");
}

double ShopperConfig::PositionBias(int64_t slot) const {
  return position_bias.empty() ? -0.3 * static_cast<double>(slot) : position_bias[slot];
}

double ShopperConfig::Examination(int64_t slot) const {
  return examination.empty() ? std::pow(0.8, static_cast<double>(slot)) : examination[slot];
}

void SessionConfig::Validate(int64_t num_items) const {
  Positive(slate_size, "session.slate_size");
  Positive(num_candidates, "session.candidates");
  Positive(max_steps, "session.max_steps");
  if (num_candidates > num_items)
    Fail("config key 'session.candidates': ", num_candidates, " candidates but the world has ",
         num_items, " items");
  if (slate_size > num_candidates)
    Fail("config key 'session.slate_size': K = ", slate_size, " is larger than the candidate set (",
         num_candidates, ")");
  if (reward != "click" && reward != "purchase" && reward != "revenue")
    Fail("config key 'session.reward': expected click, purchase or revenue, got '", reward, "'");
}

}  // namespace bundlerl
