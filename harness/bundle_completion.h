// The `amazon` comparison: bundle completion on the real Amazon sessions (Sun et al.,
// SIGIR 2022). Sessions are replayed in time order: the earliest `train_share` of the timed
// sessions build the kernels (co-occurrence over their items and annotated bundles,
// popularity); for every annotated bundle of a later session, each strategy is given one of
// its items and proposes N items; hit rate (at least one other bundle item proposed) and
// Recall@N (share of the other bundle items proposed) against the annotated bundle — the
// phone-then-case situation that motivates bundling. Strategies: popularity, item-CF,
// content (TF-IDF titles), category overlap, item-CF + content, and REINFORCE trained in the
// world fitted to the earlier sessions (env/fitted_world.h, over several seeds); and two strategies
// learned on the earlier sessions' bundles over content pair features
// (harness/completion_learned.h): a listwise softmax scorer and a REINFORCE agent, each over
// several seeds (mean, and the standard deviation across seeds).
#pragma once

#include <string>
#include <vector>

#include "common/options.h"

namespace bundlerl {

struct CompletionConfig {
  std::string data_dir;  // compare.data: the amazon/ folder
  std::vector<std::string> domains = {"electronic", "clothing", "food"};  // completion.domains
  double train_share = 0.8;                                              // completion.train_share
  std::vector<int64_t> n = {5, 10};                                      // completion.n
  int64_t agent_updates = 300;  // completion.agent_updates: REINFORCE updates in the fitted world
  std::vector<int64_t> world_seeds = {1, 2, 3, 4, 5};  // completion.world_seeds
  int64_t world_negatives = 20;  // completion.world_negatives: sampled alternatives per choice
  int64_t world_slate = 10;      // completion.world_slate: items the agent shows in an episode
  // completion.world_model_features: the fitted shopper's feature groups; kernel (the agent's
  // own rows) lets the agent represent the world's best slate.
  std::string world_model_features = "kernel";
  std::string world_scorer = "linear";  // completion.world_scorer: the agent's scorer
  double world_rate = 0.05;            // completion.world_rate: its learning rate
  // The learned strategies (completion.learned_*; see harness/completion_learned.h).
  int64_t learned_candidates = 100;
  std::string learned_pool = "title+category";  // where candidates come from (ParseCompletionPool)
  int64_t learned_epochs = 10;
  double learned_rate = 0.001;   // the listwise scorer's step
  double reinforce_rate = 0.005;  // the REINFORCE agent's step
  double learned_l2 = 1e-4;
  int64_t learned_samples = 8;
  std::vector<int64_t> learned_seeds = {1, 2, 3};
  double validation_share = 0.2;  // completion.validation_share: last training sessions held out
  double intent_ridge = 10.0;     // completion.intent_ridge (kernels/intent.h)
  int64_t intent_min_count = 3;   // completion.intent_min_count
  void Declare(OptionList& options);
  void Validate() const;
};

struct CompletionRow {
  std::string domain, strategy;
  std::vector<double> hit_rate, recall;  // per N; the mean over seeds for learned strategies
  std::vector<double> hit_sd, recall_sd;  // per N: standard deviation across seeds (empty: one run)
  int64_t queries = 0, seeds = 1;
};

// The shopper world fitted to the earlier sessions (env/fitted_world.h), per domain.
struct FittedWorldRow {
  std::string domain;
  std::vector<std::string> parameters;
  std::vector<double> estimate, stderr_;
  double heldout_loglik = 0, heldout_loglik_null = 0;
  int64_t train_choices = 0, heldout_choices = 0, replay_episodes = 0;
};

// Hit@N on the validation queries (the last training sessions), the learners trained on the
// sessions before them: what the learned strategies' settings were chosen on.
struct ValidationRow {
  std::string domain, strategy;
  double hit_rate = 0;
  int64_t queries = 0;
};

struct CompletionResult {
  std::vector<int64_t> n;
  std::vector<CompletionRow> rows;
  std::vector<ValidationRow> validation;
  std::vector<FittedWorldRow> fitted;
  double seconds = 0;
};

CompletionResult RunBundleCompletion(const CompletionConfig& config);
void WriteCompletionReport(const CompletionResult& result, const std::string& out_dir,
                           const std::string& resolved_config, const std::string& command);

}  // namespace bundlerl
