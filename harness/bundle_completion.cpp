// Bundle completion on the Amazon sessions: see bundle_completion.h.
#include "harness/bundle_completion.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/error.h"
#include "kernels/similarity.h"
#include "kernels/builder.h"
#include "agents/trainer.h"
#include "dataset/slate_log.h"
#include "env/fitted_world.h"
#include "harness/completion_learned.h"
#include "kernels/profile.h"
#include "harness/experiment.h"
#include "harness/report.h"
#include "replay/h5.h"
#include "dataset/importers.h"

namespace bundlerl {
namespace fs = std::filesystem;

namespace {

using Scorer = std::function<void(int32_t seed, std::vector<double>& score)>;

// Baskets for the co-occurrence kernel from sessions timed[begin..end): each session's items
// and each of its annotated bundles' items; item_count[i] += sessions holding item i.
Ragged SessionBaskets(const SessionTable& sessions, const BundleTable& bundles,
                      const std::vector<int64_t>& timed, int64_t begin, int64_t end,
                      std::vector<double>& item_count) {
  Ragged baskets;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t s = timed[t];
    std::vector<int32_t> row(sessions.items.row(s), sessions.items.row(s) + sessions.items.size(s));
    for (int32_t i : row) item_count[i] += 1;
    baskets.PushRow(row);
    for (int64_t j = 0; j < sessions.bundles.size(s); ++j) {
      const int32_t b = sessions.bundles.row(s)[j];
      baskets.PushRow(std::vector<int32_t>(bundles.items.row(b), bundles.items.row(b) + bundles.items.size(b)));
    }
  }
  return baskets;
}


// Hit rate and Recall@N of `scorer` on the bundles of the sessions after `cut`.
CompletionRow EvaluateStrategy(const CompletionConfig& cfg, const SessionTable& sessions, const BundleTable& bundles,
                               const std::vector<int64_t>& timed, int64_t cut, const std::string& domain,
                               const std::string& name, const Scorer& scorer, int64_t num_items) {
  const int64_t max_n = *std::max_element(cfg.n.begin(), cfg.n.end());
  CompletionRow row;
  row.domain = domain;
  row.strategy = name;
  row.hit_rate.assign(cfg.n.size(), 0.0);
  row.recall.assign(cfg.n.size(), 0.0);
  std::vector<double> score(num_items);
  std::vector<int32_t> order;
  for (size_t t = cut; t < timed.size(); ++t) {
    const int64_t s = timed[t];
    for (int64_t k = 0; k < sessions.bundles.size(s); ++k) {
      const int32_t bundle = sessions.bundles.row(s)[k];
      const int32_t* bi = bundles.items.row(bundle);
      const int64_t size = bundles.items.size(bundle);
      for (int64_t q = 0; q < size; ++q) {
        const int32_t seed = bi[q];
        scorer(seed, score);
        score[seed] = -std::numeric_limits<double>::infinity();  // never propose the given item
        order.resize(score.size());
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + max_n, order.end(), [&](int32_t x, int32_t y) {
          return score[x] != score[y] ? score[x] > score[y] : x < y;
        });
        int64_t rest = 0;
        for (int64_t j = 0; j < size; ++j) rest += bi[j] != seed;
        if (rest == 0) continue;
        for (size_t ni = 0; ni < cfg.n.size(); ++ni) {
          int64_t hits = 0;
          for (int64_t j = 0; j < cfg.n[ni]; ++j)
            hits += std::find(bi, bi + size, order[j]) != bi + size && order[j] != seed;
          row.hit_rate[ni] += hits > 0;
          row.recall[ni] += static_cast<double>(hits) / static_cast<double>(rest);
        }
        ++row.queries;
      }
    }
  }
  for (size_t ni = 0; ni < cfg.n.size(); ++ni)
    if (row.queries) row.hit_rate[ni] /= row.queries, row.recall[ni] /= row.queries;
  std::cerr << "compare: " << domain << " " << name << ": hit@" << cfg.n.back() << " " << row.hit_rate.back()
            << " over " << row.queries << " queries" << std::endl;
  return row;
}

// One row from the rows of several seeds: their mean, and their standard deviation.
CompletionRow MeanOverSeeds(const std::vector<CompletionRow>& runs) {
  CompletionRow out = runs.front();
  const double k = static_cast<double>(runs.size());
  out.seeds = static_cast<int64_t>(runs.size());
  out.hit_sd.assign(out.hit_rate.size(), 0.0);
  out.recall_sd.assign(out.recall.size(), 0.0);
  for (size_t i = 0; i < out.hit_rate.size(); ++i) {
    double h = 0, r = 0, hh = 0, rr = 0;
    for (const auto& run : runs) h += run.hit_rate[i], r += run.recall[i];
    h /= k, r /= k;
    for (const auto& run : runs)
      hh += (run.hit_rate[i] - h) * (run.hit_rate[i] - h), rr += (run.recall[i] - r) * (run.recall[i] - r);
    out.hit_rate[i] = h, out.recall[i] = r;
    out.hit_sd[i] = runs.size() > 1 ? std::sqrt(hh / (k - 1)) : 0.0;
    out.recall_sd[i] = runs.size() > 1 ? std::sqrt(rr / (k - 1)) : 0.0;
  }
  return out;
}

CompletionLearnerConfig LearnerConfig(const CompletionConfig& cfg, uint64_t seed, bool reinforce) {
  CompletionLearnerConfig c;
  c.candidates = cfg.learned_candidates;
  c.epochs = cfg.learned_epochs;
  c.learning_rate = reinforce ? cfg.reinforce_rate : cfg.learned_rate;
  c.l2 = cfg.learned_l2;
  c.samples = cfg.learned_samples;
  c.seed = seed;
  return c;
}

IntentConfig IntentOptions(const CompletionConfig& cfg) {
  IntentConfig c;
  c.ridge = cfg.intent_ridge;
  c.min_count = cfg.intent_min_count;
  return c;
}

const char* const kListwiseName = "listwise scorer (content features)";
const char* const kReinforceName = "reinforce (logged bundles)";
const char* const kWorldName = "reinforce (fitted world)";

// The world fitted to the earlier sessions: a log of choices; the kernels of the observations
// (title TF-IDF content, a projection of title and category words as the item vectors) built
// from the catalog alone: co-occurrence or popularity over the log's histories would hold the
// later sessions' choices.
FittedWorldOptions WorldOptions(const CompletionConfig& cfg) {
  FittedWorldOptions o;
  o.kind = "choices";
  o.negatives = cfg.world_negatives;
  o.kernels = "content=tfidf:title;embedding=tfidf-projection:16:title+category_path;complement=none;popularity=none";
  o.features = "kernel";
  o.model.features = cfg.world_model_features;
  o.slate_size = cfg.world_slate;
  o.expected_reward = true;
  o.seed = 1;
  return o;
}

// Validation: the learners trained on the training sessions before the held-out last
// `validation_share` of them, hit@max N on the held-out ones (first seed), beside content.
void AddValidation(const CompletionConfig& cfg, const LoggedDataset& data, const std::vector<int64_t>& timed,
                   int64_t cut, const std::string& domain, CompletionResult& out) {
  const int64_t vcut = cut - static_cast<int64_t>(cfg.validation_share * static_cast<double>(cut));
  const auto fit = CompletionQueries(data.sessions, data.bundles, timed, 0, vcut);
  const auto held = CompletionQueries(data.sessions, data.bundles, timed, vcut, cut);
  const CompletionFeatures f(data.items, data.bundles, fit, ParseCompletionPool(cfg.learned_pool), IntentOptions(cfg));
  const CompletionBatch train = BuildCompletionBatch(f, fit, cfg.learned_candidates, true);
  const CompletionBatch val = BuildCompletionBatch(f, held, cfg.learned_candidates, false);
  const int64_t n = *std::max_element(cfg.n.begin(), cfg.n.end());
  const auto seed = static_cast<uint64_t>(cfg.learned_seeds.front());
  const CompletionScorer listwise = TrainListwise(train, LearnerConfig(cfg, seed, false));
  CompletionScorer content = listwise;  // the title cosine alone
  content.weight.setZero();
  content.weight[kTitleFeature] = 1;
  CompletionScorer content_intent = content;  // the raw sum of the title and intent cosines
  content_intent.weight[kTitleFeature] = content.scale[kTitleFeature];
  content_intent.weight[kIntentFeature] = content.scale[kIntentFeature];
  const std::vector<std::pair<std::string, CompletionScorer>> scorers = {
      {"content", content},
      {"content+intent", content_intent},
      {kListwiseName, listwise},
      {kReinforceName, TrainReinforce(train, LearnerConfig(cfg, seed, true))}};
  for (const auto& [name, scorer] : scorers) {
    out.validation.push_back({domain, name, CompletionHitRate(scorer, val, n), static_cast<int64_t>(held.size())});
    std::cerr << "compare: " << domain << " validation " << name << ": hit@" << n << " "
              << out.validation.back().hit_rate << std::endl;
  }
}

// The learned strategies, trained on the bundles of the sessions before `cut`, one row each
// (mean over completion.learned_seeds).
void AddLearnedStrategies(const CompletionConfig& cfg, const LoggedDataset& data, const std::vector<int64_t>& timed,
                          int64_t cut, const std::string& domain, const std::vector<CompletionQuery>& training,
                          const CompletionFeatures& f, CompletionResult& out) {
  if (cfg.validation_share > 0) AddValidation(cfg, data, timed, cut, domain, out);
  const CompletionBatch batch = BuildCompletionBatch(f, training, cfg.learned_candidates, true);
  // Candidates and features of each given item, computed once for every learner and seed.
  struct Ranked {
    std::vector<int32_t> candidates;
    CompletionMatrix features;
  };
  std::unordered_map<int32_t, Ranked> cache;
  const int64_t M = data.items.n;
  auto rank = [&](const CompletionScorer& scorer) {
    return [&, scorer](int32_t seed, std::vector<double>& s) {
      auto it = cache.find(seed);
      if (it == cache.end()) {
        Ranked r;
        r.candidates = f.Candidates(seed, cfg.learned_candidates);
        r.features.resize(static_cast<int64_t>(r.candidates.size()), kNumCompletionFeatures);
        f.Compute({seed, {}}, r.candidates, false, r.features.data());
        it = cache.emplace(seed, std::move(r)).first;
      }
      s.assign(M, -1e30);  // items outside the candidates come last
      for (size_t c = 0; c < it->second.candidates.size(); ++c)
        s[it->second.candidates[c]] = scorer.Score(it->second.features.row(static_cast<int64_t>(c)).data());
    };
  };
  for (const std::string name : {kListwiseName, kReinforceName}) {
    std::vector<CompletionRow> runs;
    for (int64_t seed : cfg.learned_seeds) {
      const bool reinforce = name == kReinforceName;
      const CompletionLearnerConfig lc = LearnerConfig(cfg, static_cast<uint64_t>(seed), reinforce);
      const CompletionScorer scorer = reinforce ? TrainReinforce(batch, lc) : TrainListwise(batch, lc);
      runs.push_back(EvaluateStrategy(cfg, data.sessions, data.bundles, timed, cut, domain, name, rank(scorer), M));
    }
    out.rows.push_back(MeanOverSeeds(runs));
  }
}

}  // namespace

CompletionResult RunBundleCompletion(const CompletionConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!fs::is_directory(cfg.data_dir))
    Fail("config key 'compare.data': '", cfg.data_dir, "' is not a folder (expected the bundles/amazon folder)");
  cfg.Validate();
  for (const auto& domain : cfg.domains)  // every folder before the first domain's work
    if (!fs::is_directory(cfg.data_dir + "/" + domain))
      Fail("config key 'completion.domains': '", domain, "' is not a folder of ", cfg.data_dir);
  CompletionResult out;
  out.n = cfg.n;
  for (const auto& domain : cfg.domains) {
    const LoggedDataset data = ImportAmazon(cfg.data_dir + "/" + domain, "bundlerl compare (amazon)");
    const ItemTable& items = data.items;
    const BundleTable& bundles = data.bundles;
    const SessionTable& sessions = data.sessions;
    const int64_t M = items.n;
    // Timed sessions in time order (the importer sorts them; untimed ones come last).
    std::vector<int64_t> timed;
    for (size_t s = 0; s < sessions.timestamp.size(); ++s)
      if (sessions.timestamp[s] >= 0) timed.push_back(static_cast<int64_t>(s));
    const int64_t cut = static_cast<int64_t>(cfg.train_share * static_cast<double>(timed.size()));
    if (cut < 1 || cut >= static_cast<int64_t>(timed.size()))
      Fail("config key 'completion.train_share': ", cfg.train_share, " of ", domain, "'s ", timed.size(),
           " timed sessions leaves ", cut, " to train on and ", timed.size() - cut, " to test on (both need one)");
    // Training baskets: the items of the earlier sessions and of their annotated bundles.
    std::vector<double> popularity(M, 0.0);
    LoggedDataset earlier;
    earlier.meta = data.meta;
    earlier.items = items;
    earlier.baskets = SessionBaskets(sessions, bundles, timed, 0, cut, popularity);
    const auto co = BuildSimilarity(earlier, "cooccurrence:jaccard:baskets");
    const auto text = BuildSimilarity(earlier, "tfidf:title");
    const auto category = BuildSimilarity(earlier, "category");
    std::vector<int32_t> all(M);
    std::iota(all.begin(), all.end(), 0);
    const double max_pop = std::max(1.0, *std::max_element(popularity.begin(), popularity.end()));
    // Strategies score every item given the seed item.
    std::vector<double> a(M), b(M);
    // REINFORCE trained in the world fitted to the earlier sessions (env/fitted_world.h, the
    // code path of bundlerl fit-world): those sessions as a log of choices, each chosen item
    // fitted against sampled alternatives; the agent shows completion.world_slate items and
    // earns the probability that the fitted shopper chooses one of them. For completion it
    // sees the given item as the history.
    const std::vector<int64_t> earlier_sessions(timed.begin(), timed.begin() + cut);
    const auto world = FittedWorld::Fit(ChoicesFromSessions(data, earlier_sessions, "bundlerl compare (amazon)"),
                                        WorldOptions(cfg));
    {
      FittedWorldRow f;
      const FittedWorldReport& wr = world->report();
      f.domain = domain;
      f.parameters = wr.model.parameters;
      f.estimate = wr.model.estimate;
      f.stderr_ = wr.model.stderr_;
      f.heldout_loglik = wr.heldout_loglik;
      f.heldout_loglik_null = wr.heldout_loglik_null;
      f.train_choices = wr.train_rounds;
      f.heldout_choices = wr.heldout_rounds;
      f.replay_episodes = world->logs().rounds.n;
      out.fitted.push_back(f);
    }
    std::vector<std::shared_ptr<const SlatePolicy>> world_agents;
    for (int64_t seed : cfg.world_seeds) {
      TrainConfig tc;
      tc.agent = "reinforce";
      tc.updates = cfg.agent_updates;
      tc.episodes_per_update = 32;
      tc.scorer = cfg.world_scorer;
      tc.learning_rate = cfg.world_rate;
      tc.seed = static_cast<uint64_t>(seed);
      const TrainResult agent = TrainInEnvironment(*world, tc);
      std::cerr << "compare: " << domain << " reinforce trained in the fitted world, seed " << seed << " ("
                << agent.updates << " updates, last value " << (agent.curve.empty() ? 0.0 : agent.curve.back())
                << ")" << std::endl;
      world_agents.push_back(agent.policy);
    }
    std::vector<double> feats(M * kNumFeatures);
    const ItemKernels& rk = world->kernels();
    // A learned policy's ranking of every item given the seed item: its first slot's marginals.
    auto world_ranking = [&](const SlatePolicy& policy) -> Scorer {
      return [&](int32_t seed, std::vector<double>& s) {
        const std::vector<int32_t> history = {seed};
        const UserState u = UserStateFromHistory(
            rk, history, DecayedProfile(rk.item_features, history.data(), nullptr, 1, 0, kPlatformHalfLife));
        BuildFeatures(rk, u, all.data(), M, feats.data());
        Observation o;
        o.slate_size = 1;  // the first-slot distribution ranks the items
        o.num_candidates = M;
        o.candidates = all.data();
        o.features = feats.data();
        o.history = history.data();
        o.history_length = 1;
        policy.SlotMarginals(o, s.data());
      };
    };
    // The learned strategies' features, with the intent vectors fitted on the training bundles.
    const auto training = CompletionQueries(sessions, bundles, timed, 0, cut);
    const CompletionFeatures learned(items, bundles, training, ParseCompletionPool(cfg.learned_pool), IntentOptions(cfg));
    const std::vector<std::pair<std::string, Scorer>> strategies = {
        {"popularity", [&](int32_t, std::vector<double>& s) { s = popularity; }},
        {"itemcf", [&](int32_t seed, std::vector<double>& s) {
           co->Row(seed, all.data(), M, s.data());
           for (int64_t i = 0; i < M; ++i) s[i] += 1e-6 * popularity[i] / max_pop;  // ties by popularity
         }},
        {"content", [&](int32_t seed, std::vector<double>& s) { text->Row(seed, all.data(), M, s.data()); }},
        {"category", [&](int32_t seed, std::vector<double>& s) {
           category->Row(seed, all.data(), M, s.data());
           for (int64_t i = 0; i < M; ++i) s[i] += 1e-6 * popularity[i] / max_pop;
         }},
        {"itemcf+content", [&](int32_t seed, std::vector<double>& s) {
           co->Row(seed, all.data(), M, a.data());
           text->Row(seed, all.data(), M, b.data());
           for (int64_t i = 0; i < M; ++i) s[i] = a[i] + 0.5 * b[i] + 1e-6 * popularity[i] / max_pop;
         }},
        {"intent", [&](int32_t seed, std::vector<double>& s) { learned.IntentRow(seed, s.data()); }},
        {"content+intent", [&](int32_t seed, std::vector<double>& s) {
           text->Row(seed, all.data(), M, s.data());
           learned.IntentRow(seed, a.data());
           for (int64_t i = 0; i < M; ++i) s[i] += a[i];
         }},
    };
    for (const auto& [name, scorer] : strategies) out.rows.push_back(EvaluateStrategy(cfg, sessions, bundles, timed, cut, domain, name, scorer, M));
    // What the best agent of the world could reach: the fitted shopper's own utility, given
    // the item as the history (the optimal slate of the world holds its top items).
    {
      std::vector<double> x;
      const Scorer utility = [&](int32_t seed, std::vector<double>& s) {
        const std::vector<int32_t> history = {seed};
        const UserState u = UserStateFromHistory(
            rk, history, DecayedProfile(rk.item_features, history.data(), nullptr, 1, 0, kPlatformHalfLife));
        BuildFeatures(rk, u, all.data(), M, feats.data());
        Observation o;
        o.slate_size = 1;
        o.num_candidates = M;
        o.candidates = all.data();
        o.features = feats.data();
        o.history = history.data();
        o.history_length = 1;
        o.kernels = &rk;
        o.state = ViewOf(u);
        world->model().CandidateUtilities(o, s.data(), x);
      };
      out.rows.push_back(EvaluateStrategy(cfg, sessions, bundles, timed, cut, domain, "fitted shopper model (its utility)",
                                          utility, M));
    }
    {
      std::vector<CompletionRow> runs;
      for (const auto& policy : world_agents)
        runs.push_back(EvaluateStrategy(cfg, sessions, bundles, timed, cut, domain, kWorldName, world_ranking(*policy), M));
      out.rows.push_back(MeanOverSeeds(runs));
    }
    AddLearnedStrategies(cfg, data, timed, cut, domain, training, learned, out);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void WriteCompletionReport(const CompletionResult& r, const std::string& out_dir, const std::string& resolved,
                           const std::string& command) {
  fs::create_directories(out_dir);
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    o << "# Bundle completion on the Amazon sessions\n\nbundlerl " << BUNDLERL_VERSION << ", " << std::fixed
      << std::setprecision(1) << r.seconds << std::defaultfloat << " s. Command: `" << command
      << "`\n\nSessions in time order: the earlier 80% build the kernels (co-occurrence of items in sessions and "
         "annotated bundles, popularity, and intent vectors: a ridge regression from an item's title and category "
         "words to the words of its training bundles' intents, kernels/intent.h); for each bundle annotated in a "
         "later session and each of its items, the strategy is given that item and proposes N others. Hit rate: at "
         "least one other item of the bundle among them; Recall@N: the share of the bundle's other items among "
         "them. `intent` ranks by the cosine of the intent vectors, `content+intent` by the sum of that and the "
         "title cosine (a fixed weight of 1). Data: Sun et al., SIGIR 2022.\n";
    std::string domain;
    for (const auto& row : r.rows) {
      if (row.domain != domain) {
        domain = row.domain;
        o << "\n## " << domain << " (" << row.queries << " queries)\n\n| strategy |";
        for (int64_t n : r.n) o << " hit@" << n << " | recall@" << n << " |";
        o << "\n|---|";
        for (size_t i = 0; i < r.n.size(); ++i) o << "---|---|";
        o << "\n";
      }
      o << "| " << row.strategy << (row.seeds > 1 ? Concat(", ", row.seeds, " seeds") : std::string()) << " |";
      for (size_t i = 0; i < r.n.size(); ++i) {
        const bool spread = !row.hit_sd.empty() && row.seeds > 1;
        o << " " << FormatFixed(row.hit_rate[i]) << (spread ? " +- " + FormatFixed(row.hit_sd[i]) : "") << " | "
          << FormatFixed(row.recall[i]) << (spread ? " +- " + FormatFixed(row.recall_sd[i]) : "") << " |";
      }
      o << "\n";
    }
    if (!r.validation.empty()) {
      o << "\n## Validation of the learned strategies\n\nThe learned strategies (harness/completion_learned.h) "
           "are trained on the earlier sessions' bundles only, with a softmax over each given item's candidates "
           "(its nearest items in completion.learned_pool; the content and content+intent rows here re-rank the "
           "same candidates by the title cosine alone and by its sum with the intent cosine, the intent vectors "
           "fitted on the same training bundles); their settings (completion.learned_* and completion.intent_*) "
           "were chosen on this split of the training sessions alone: trained on all but the last completion.validation_share of them, hit@"
        << *std::max_element(r.n.begin(), r.n.end()) << " on those last ones (first seed). Rows with seeds give "
           "the mean +- standard deviation over completion.learned_seeds.\n\n| domain | strategy | queries | hit@"
        << *std::max_element(r.n.begin(), r.n.end()) << " |\n|---|---|---|---|\n";
      for (const auto& v : r.validation)
        o << "| " << v.domain << " | " << v.strategy << " | " << v.queries << " | " << FormatFixed(v.hit_rate) << " |\n";
    }
    if (!r.fitted.empty()) {
      o << "\n## The shopper world fitted to the earlier sessions\n\nThe earlier sessions (completion.train_share "
           "of the timed ones) as a log of choices, one round per session item with the user's earlier choices as "
           "its history (the layout of `bundlerl import slates`); the world of `bundlerl fit-world` "
           "(env/fitted_world.h): each chosen item fitted against completion.world_negatives items drawn at "
           "random from the catalog (a conditional logit over the kernel, profile and item features of the "
           "observation), the model of the first 80% of those rounds checked on the last 20%. An episode replays a "
           "logged round; the agent shows completion.world_slate items and earns the probability that the fitted "
           "shopper chooses one of them.\n\n"
           "| domain | choices fitted / held out | held-out log-lik per choice | without features (chance) | "
           "kernel weights (+- s.e.) |\n|---|---|---|---|---|\n";
      for (const auto& f : r.fitted) {
        o << "| " << f.domain << " | " << f.train_choices << " / " << f.heldout_choices << " | "
          << FormatFixed(f.heldout_loglik) << " | " << FormatFixed(f.heldout_loglik_null) << " | ";
        int listed = 0;
        for (size_t j = 0; j < f.parameters.size(); ++j) {
          const std::string& name = f.parameters[j];
          const bool vector_entry = (name.rfind("profile_", 0) == 0 || name.rfind("item_", 0) == 0) &&
                                    std::isdigit(static_cast<unsigned char>(name.back()));
          if (vector_entry) continue;  // one per dimension of the item vectors: in results.h5
          o << (listed++ ? ", " : "") << f.parameters[j] << " " << std::setprecision(2) << std::fixed << f.estimate[j]
            << " +- " << f.stderr_[j];
        }
        o << " |\n";
      }
    }
    o << "\n## Resolved configuration\n\n```ini\n" << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    csv.stream() << "domain,strategy,n,hit_rate,recall,queries,seeds,hit_rate_sd,recall_sd\n" << std::setprecision(10);
    for (const auto& row : r.rows)
      for (size_t i = 0; i < r.n.size(); ++i)
        csv.stream() << row.domain << "," << row.strategy << "," << r.n[i] << "," << row.hit_rate[i] << ","
                     << row.recall[i] << "," << row.queries << "," << row.seeds << ","
                     << (row.hit_sd.empty() ? 0.0 : row.hit_sd[i]) << "," << (row.recall_sd.empty() ? 0.0 : row.recall_sd[i])
                     << "\n";
    csv.Commit();
  }
  WriteResultsFile(out_dir + "/results.h5", resolved, command, [&](h5::File& f) {
    std::vector<std::string> domain, strategy;
    std::vector<double> hit, recall;
    for (const auto& row : r.rows) {
      domain.push_back(row.domain), strategy.push_back(row.strategy);
      hit.insert(hit.end(), row.hit_rate.begin(), row.hit_rate.end());
      recall.insert(recall.end(), row.recall.begin(), row.recall.end());
    }
    const int64_t n = static_cast<int64_t>(r.rows.size()), N = static_cast<int64_t>(r.n.size());
    f.WriteStrings("/domain", domain);
    f.WriteStrings("/strategy", strategy);
    f.Write("/n", r.n, {N});
    f.Write("/hit_rate", hit, {n, N});
    f.Write("/recall", recall, {n, N});
  });
}

void CompletionConfig::Declare(OptionList& o) {
  o.Add("completion.domains", &domains, "Amazon domains (folders under the data folder)");
  o.Add("completion.train_share", &train_share, "share of the timed sessions, earliest first, that build the kernels");
  o.Add("completion.n", &n, "list lengths N of hit@N and recall@N");
  o.Add("completion.agent_updates", &agent_updates, "REINFORCE updates in the fitted world (per seed)");
  o.Add("completion.world_seeds", &world_seeds, "seeds of the REINFORCE agents trained in the fitted world");
  o.Add("completion.world_negatives", &world_negatives, "fitted world: sampled alternatives per chosen item");
  o.Add("completion.world_slate", &world_slate, "fitted world: items the agent shows in an episode");
  o.Add("completion.world_scorer", &world_scorer, "fitted world: the REINFORCE agent's scorer (linear or mlp)");
  o.Add("completion.world_rate", &world_rate, "fitted world: the REINFORCE agent's learning rate");
  o.Add("completion.world_model_features", &world_model_features,
        "fitted world: the shopper model's feature groups (auto, or kernel, profile, item, unit)");
  o.Add("completion.learned_candidates", &learned_candidates,
        "learned strategies: items re-ranked per query (the given item's nearest in completion.learned_pool)");
  o.Add("completion.learned_pool", &learned_pool,
        "learned strategies' candidates: title (nearest by title TF-IDF), title+category (nearest by the sum of "
        "the title-and-category-words TF-IDF cosine and the title character n-gram cosine) or title+category+intent "
        "(that sum plus the intent cosine)");
  o.Add("completion.learned_epochs", &learned_epochs, "learned strategies: passes over the training bundles' queries");
  o.Add("completion.learned_rate", &learned_rate, "listwise scorer: SGD step size of the weights");
  o.Add("completion.reinforce_rate", &reinforce_rate, "REINFORCE on the logged bundles: step size of the weights");
  o.Add("completion.learned_l2", &learned_l2, "learned strategies: L2 penalty on the weights");
  o.Add("completion.intent_ridge", &intent_ridge,
        "intent vectors (a feature of the learned strategies): ridge penalty of the regression from an item's "
        "title-and-category TF-IDF to the words of its training bundles' intents");
  o.Add("completion.intent_min_count", &intent_min_count,
        "intent vectors: an intent word is a target when at least this many training bundles' intents hold it");
  o.Add("completion.learned_samples", &learned_samples,
        "REINFORCE on the logged bundles: items sampled from the policy per query and epoch");
  o.Add("completion.learned_seeds", &learned_seeds,
        "learned strategies: seeds, one run each (the table gives their mean and standard deviation)");
  o.Add("completion.validation_share", &validation_share,
        "last share of the training sessions held out to validate the learned strategies (0: none)");
}

void CompletionConfig::Validate() const {
  if (domains.empty()) Fail("config key 'completion.domains': no domain named");
  if (!(train_share > 0 && train_share < 1))
    Fail("config key 'completion.train_share': expected a share in (0, 1), got ", train_share);
  if (n.empty()) Fail("config key 'completion.n': no list length named");
  RequireDistinct("completion.n", n);
  for (int64_t x : n)
    if (x < 1 || x > 1000) Fail("config key 'completion.n': expected lengths in [1, 1000], got ", x);
  RequireInRange("completion.agent_updates", agent_updates, 1, 10000000);
  RequireInRange("completion.world_negatives", world_negatives, 1, 1000);
  RequireInRange("completion.world_slate", world_slate, 1, 31);
  if (world_scorer != "linear" && world_scorer != "mlp")
    Fail("config key 'completion.world_scorer': expected linear or mlp, got '", world_scorer, "'");
  if (!(world_rate > 0 && world_rate < 1)) Fail("config key 'completion.world_rate': expected a number in (0, 1), got ", world_rate);
  if (world_seeds.empty()) Fail("config key 'completion.world_seeds': no seed named");
  for (int64_t s : world_seeds)
    if (s < 0) Fail("config key 'completion.world_seeds': seeds are >= 0, got ", s);
  const int64_t max_n = *std::max_element(n.begin(), n.end());
  ParseCompletionPool(learned_pool);
  RequireInRange("completion.learned_candidates", learned_candidates, max_n, 1000000);
  RequireInRange("completion.learned_epochs", learned_epochs, 1, 1000000);
  if (!(learned_rate > 0)) Fail("config key 'completion.learned_rate': expected a positive step");
  if (!(reinforce_rate > 0)) Fail("config key 'completion.reinforce_rate': expected a positive step");
  if (learned_l2 < 0) Fail("config key 'completion.learned_l2': expected a non-negative penalty");
  RequireInRange("completion.learned_samples", learned_samples, 2, 100000);
  if (learned_seeds.empty()) Fail("config key 'completion.learned_seeds': no seed named");
  for (int64_t s : learned_seeds)
    if (s < 0) Fail("config key 'completion.learned_seeds': expected seeds >= 0, got ", s);
  RequireDistinct("completion.learned_seeds", learned_seeds);
  RequireFloatInRange("completion.intent_ridge", intent_ridge, 1e-6, 1e6);
  RequireInRange("completion.intent_min_count", intent_min_count, 1, 1000000);
  if (!(validation_share >= 0 && validation_share < 1))
    Fail("config key 'completion.validation_share': expected a share in [0, 1), got ", validation_share);
}

namespace {

class BundleCompletionExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    CompletionConfig cc = config_;
    cc.data_dir = c.DataFolder("/bundles/amazon");
    const CompletionResult r = RunBundleCompletion(cc);
    WriteCompletionReport(r, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", r.seconds, " s)");
  }

 private:
  CompletionConfig config_;
};

const bool kRegistered = ExperimentRegistry::Register(
    {"bundle-completion", "bundle completion on the Amazon sessions: hit rate and recall at N ([completion])", {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<BundleCompletionExperiment>(); }});

}  // namespace

}  // namespace bundlerl
