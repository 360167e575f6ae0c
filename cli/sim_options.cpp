// Simulator options: see sim_options.h.
#include "cli/sim_options.h"

#include <sstream>

#include "common/error.h"

namespace bundlerl::cli {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

std::vector<double> Numbers(const std::string& s, const char* key) {
  std::vector<double> out;
  for (const auto& item : SplitList(s)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (end != item.c_str() + item.size()) Fail("config key '", key, "': '", item, "' is not a number");
    out.push_back(v);
  }
  return out;
}

}  // namespace

void AddSimOptions(po::options_description& desc, SimOptions& o, bool with_compare) {
  auto& w = o.world;
  auto& s = o.shopper;
  auto& e = o.session;
  desc.add_options()
      ("world.seed", po::value(&w.seed)->default_value(w.seed), "seed of the generated world")
      ("world.items", po::value(&w.num_items)->default_value(w.num_items), "items in the catalog")
      ("world.users", po::value(&w.num_users)->default_value(w.num_users), "shoppers")
      ("world.categories", po::value(&w.num_categories)->default_value(w.num_categories), "item categories")
      ("world.embedding_dim", po::value(&w.embedding_dim)->default_value(w.embedding_dim), "item embedding size")
      ("world.history_length", po::value(&w.history_length)->default_value(w.history_length), "initial history per shopper")
      ("world.baskets", po::value(&w.baskets)->default_value(w.baskets), "synthetic baskets behind the co-occurrence kernel")
      ("world.complement_strength", po::value(&w.complement_strength)->default_value(w.complement_strength),
       "share of basket items from the complementary category")
      ("world.price_log_mean", po::value(&w.price_log_mean)->default_value(w.price_log_mean), "mean log price")
      ("world.price_log_sd", po::value(&w.price_log_sd)->default_value(w.price_log_sd), "sd of log price")
      ("world.category_spread", po::value(&w.category_spread)->default_value(w.category_spread), "item spread around its category")
      ("world.similarity_table_items", po::value(&w.similarity_table_items)->default_value(w.similarity_table_items), "precompute the item-item similarity tables of catalogs up to this many items (8 M^2 bytes per kernel; 0: never)")
      ("shopper.choice_model", po::value(&s.choice_model)->default_value(s.choice_model), "mnl, cascade or pbm")
      ("shopper.w_profile", po::value(&s.w_profile)->default_value(s.w_profile), "utility weight of the preference score")
      ("shopper.w_content", po::value(&s.w_content)->default_value(s.w_content), "utility weight of similarity to history")
      ("shopper.w_complement", po::value(&s.w_complement)->default_value(s.w_complement), "utility weight of co-occurrence with history")
      ("shopper.w_price", po::value(&s.w_price)->default_value(s.w_price), "utility weight of price fit")
      ("shopper.w_popularity", po::value(&s.w_popularity)->default_value(s.w_popularity), "utility weight of popularity")
      ("shopper.position_bias", po::value(&o.position_bias)->default_value(""), "per-slot utility bias, comma-separated")
      ("shopper.examination", po::value(&o.examination)->default_value(""), "pbm: per-slot examination probability")
      ("shopper.complementarity", po::value(&s.complementarity)->default_value(s.complementarity), "bundle term: co-occurrence within the slate")
      ("shopper.redundancy", po::value(&s.redundancy)->default_value(s.redundancy), "bundle term: content similarity within the slate")
      ("shopper.noise_sd", po::value(&s.noise_sd)->default_value(s.noise_sd), "utility noise")
      ("shopper.no_click_utility", po::value(&s.no_click_utility)->default_value(s.no_click_utility), "utility of not clicking")
      ("shopper.buy_bias", po::value(&s.buy_bias)->default_value(s.buy_bias), "logit of buying a clicked item")
      ("shopper.price_sensitivity", po::value(&s.price_sensitivity)->default_value(s.price_sensitivity), "price sensitivity of buying")
      ("shopper.leave_base", po::value(&s.leave_base)->default_value(s.leave_base), "probability of leaving after a step")
      ("shopper.leave_per_miss", po::value(&s.leave_per_miss)->default_value(s.leave_per_miss), "patience lost per step without a click")
      ("shopper.drift_sd", po::value(&s.drift_sd)->default_value(s.drift_sd), "interest drift per step")
      ("shopper.max_history", po::value(&s.max_history)->default_value(s.max_history), "history length kept")
      ("session.slate_size", po::value(&e.slate_size)->default_value(e.slate_size), "K, slots per slate")
      ("session.candidates", po::value(&e.num_candidates)->default_value(e.num_candidates), "candidate items per session")
      ("session.max_steps", po::value(&e.max_steps)->default_value(e.max_steps), "steps per session at most")
      ("session.reward", po::value(&e.reward)->default_value(e.reward), "click, purchase or revenue");
  if (!with_compare) return;
  auto& c = o.compare;
  desc.add_options()
      ("compare.kind", po::value(&c.kind)->default_value(c.kind), "simulator, bundle-ranking, bundle-completion, obd or ope-benchmark")
      ("compare.data", po::value(&c.data)->default_value(""), "dataset folder (bundle-ranking: $BUNDLERL_DATA/bundles/Youshu; bundle-completion: .../bundles/amazon; obd: .../obd)")
      ("compare.name", po::value(&c.name)->default_value(c.name), "results folder name (results/<name>)")
      ("compare.seed", po::value(&c.seed)->default_value(c.seed), "seed of logging, truth and bootstrap")
      ("compare.log_rounds", po::value(&c.log_rounds)->default_value(c.log_rounds), "logged rounds")
      ("compare.logging_policy", po::value(&c.logging_policy)->default_value(c.logging_policy), "the logging policy")
      ("compare.strategies", po::value(&o.strategies)->default_value(Join(c.strategies)), "strategies, comma-separated")
      ("compare.estimators", po::value(&o.estimators)->default_value(Join(c.estimators)), "estimators, comma-separated")
      ("compare.agents", po::value(&o.agents)->default_value(Join(c.agents)), "agents trained and compared ([train] settings)")
      ("compare.truth_episodes", po::value(&c.truth_episodes)->default_value(c.truth_episodes), "simulated episodes per strategy")
      ("compare.bootstrap", po::value(&c.bootstrap)->default_value(c.bootstrap), "bootstrap resamples (0: normal CI)")
      ("compare.folds", po::value(&c.folds)->default_value(c.folds), "reward-model folds")
      ("compare.threads", po::value(&c.threads)->default_value(c.threads), "threads")
      ("compare.out", po::value(&c.out_dir)->default_value(""), "output folder (default results/<name>)");
}

void AddTrainOptions(po::options_description& desc, TrainConfig& t) {
  desc.add_options()
      ("train.updates", po::value(&t.updates)->default_value(t.updates), "updates (gradient steps / bandit rounds of episodes)")
      ("train.episodes_per_update", po::value(&t.episodes_per_update)->default_value(t.episodes_per_update), "on-policy episodes per update")
      ("train.learning_rate", po::value(&t.learning_rate)->default_value(t.learning_rate), "Adam learning rate")
      ("train.gamma", po::value(&t.gamma)->default_value(t.gamma), "discount over the steps of a session")
      ("train.scorer", po::value(&t.scorer)->default_value(t.scorer), "linear or mlp")
      ("train.hidden", po::value(&t.hidden)->default_value(t.hidden), "hidden units of the mlp scorer")
      ("train.ppo_clip", po::value(&t.ppo_clip)->default_value(t.ppo_clip), "PPO clipping")
      ("train.ppo_epochs", po::value(&t.ppo_epochs)->default_value(t.ppo_epochs), "PPO epochs per batch")
      ("train.logging_policy", po::value(&t.logging_policy)->default_value(t.logging_policy), "off-policy agents: the logging policy")
      ("train.log_rounds", po::value(&t.log_rounds)->default_value(t.log_rounds), "off-policy agents: logged rounds")
      ("train.batch_rounds", po::value(&t.batch_rounds)->default_value(t.batch_rounds), "off-policy agents: rounds per update")
      ("train.shuffle_block", po::value(&t.shuffle_block)->default_value(t.shuffle_block),
       "agents learning from logs: rounds shuffled together each epoch (two blocks are held in memory)")
      ("train.reward", po::value(&t.reward)->default_value(t.reward),
       "click, purchase or revenue; empty: the logged rounds' own (session.reward of the world that logged them)")
      ("train.threads", po::value(&t.threads)->default_value(t.threads), "threads building the observations of logged rounds")
      ("train.weight_clip", po::value(&t.weight_clip)->default_value(t.weight_clip), "off-policy: importance-weight clip")
      ("train.self_normalize", po::value(&t.self_normalize)->default_value(t.self_normalize), "off-policy: self-normalised weights")
      ("train.grad_shards", po::value(&t.grad_shards)->default_value(t.grad_shards), "micro-batches per batch (distributed: a multiple of the world size)")
      ("train.topk_correction", po::value(&t.topk_correction)->default_value(t.topk_correction), "off-policy: top-K correction")
      ("train.ucb_alpha", po::value(&t.ucb_alpha)->default_value(t.ucb_alpha), "linucb exploration / lints posterior scale")
      ("train.ridge", po::value(&t.ridge)->default_value(t.ridge), "linear bandits: ridge")
      ("train.checkpoint", po::value(&t.checkpoint)->default_value(t.checkpoint), "checkpoint file")
      ("train.checkpoint_every", po::value(&t.checkpoint_every)->default_value(t.checkpoint_every), "updates between checkpoints (0: never)");
}

void FinishSimOptions(SimOptions& o) {
  o.shopper.position_bias = Numbers(o.position_bias, "shopper.position_bias");
  o.shopper.examination = Numbers(o.examination, "shopper.examination");
  if (!o.strategies.empty()) o.compare.strategies = SplitList(o.strategies);
  if (!o.estimators.empty()) o.compare.estimators = SplitList(o.estimators);
  o.compare.agents = SplitList(o.agents);
  o.world.Validate();
  o.session.Validate(o.world.num_items);
  o.shopper.Validate(o.session.slate_size);
}

}  // namespace bundlerl::cli
