// Tests for harness/: Kendall's tau, and the comparison end to end on a small world.
#include <cmath>
#include <filesystem>
#include <numeric>
#include <map>

#include "env/ground_truth.h"
#include "harness/compare.h"
#include "harness/report.h"
#include "policy/fixed_policies.h"
#include "kernels/builder.h"
#include "replay/h5.h"
#include "replay/log_store.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::ReadText;
using bundlerl::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Setup {
  WorldConfig world;
  ShopperConfig shopper;
  SessionConfig session;
  CompareConfig compare;
  Setup() {
    world.num_items = 60;
    world.num_users = 200;
    world.baskets = 1000;
    session.num_candidates = 20;
    compare.log_rounds = 6000;
    compare.truth_episodes = 4000;
    compare.name = "test";
    compare.agents.clear();
  }
};

}  // namespace

TEST_CASE("Kendall's tau-b by hand", "[harness]") {
  CHECK(KendallTau({1, 2, 3}, {10, 20, 30}) == Approx(1.0));
  CHECK(KendallTau({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
  CHECK(KendallTau({1, 1, 2}, {1, 2, 3}) == Approx(2 / std::sqrt(6.0)));
  CHECK(KendallTau({1, 1}, {1, 1}) == 0.0);
}

TEST_CASE("compare writes its results, reproducibly, with truths equal to simulate's",
          "[harness][slow]") {
  TempDir tmp;
  Setup s;
  s.compare.out_dir = tmp / "a";
  const CompareResult r = RunCompare(s.world, s.shopper, s.session, s.compare, "x = 1\n", "test");
  WriteCompareReport(r, s.compare, s.compare.out_dir, "x = 1\n", "test");
  for (const char* f : {"summary.md", "summary.csv", "results.h5", "logs.h5"})
    CHECK(fs::exists(tmp / (std::string("a/") + f)));
  REQUIRE(r.strategies.size() == s.compare.strategies.size());
  REQUIRE(r.kendall_tau.size() == s.compare.estimators.size());
  // Same config and seed: the same numbers.
  s.compare.out_dir = tmp / "b";
  const CompareResult r2 = RunCompare(s.world, s.shopper, s.session, s.compare, "x = 1\n", "test");
  WriteCompareReport(r2, s.compare, s.compare.out_dir, "x = 1\n", "test");
  CHECK(ReadText(tmp / "a/summary.csv") == ReadText(tmp / "b/summary.csv"));
  // Each truth is at least 4x as precise as the strategy's most precise unmarked estimate,
  // from more episodes than the first pass where it had to be.
  int refined = 0;
  for (const auto& x : r.strategies) {
    INFO(x.name);
    double smallest = 1e300;
    for (size_t e = 0; e < x.estimates.size(); ++e)
      if (x.reliability[e].reliable && x.estimates[e].stderr_ > 0) smallest = std::min(smallest, x.estimates[e].stderr_);
    CHECK(x.truth_target == Approx(0.25 * smallest));
    CHECK(x.truth_stderr <= x.truth_target);
    CHECK(x.truth_episodes >= s.compare.truth_episodes);
    refined += x.truth_episodes > s.compare.truth_episodes;
  }
  CHECK(refined > 0);
  CHECK_THAT(ReadText(tmp / "a/summary.md"), Catch::Contains("at most 0.25 of the smallest standard error"));
  // The truth is what `simulate --one-step --seed` computes for the same policy, seed and episodes.
  SessionConfig one = s.session;
  one.max_steps = 1;
  const auto model = std::make_shared<const ShopperModel>(World::Generate(s.world), s.shopper, one);
  const auto popularity = MakeFixedPolicy("popularity");
  const ValueEstimate v = SimulateValue(
      model, [&](const Observation& o, SplitMix64& g, int32_t* x) { popularity->Act(o, g, x); },
      r.strategies[1].truth_episodes, s.compare.seed, 2);
  CHECK(r.strategies[1].name == "popularity");
  CHECK(r.strategies[1].truth == v.value);
  // results.h5 holds the config, the seed and the version.
  const h5::File f = h5::File::OpenRead(tmp / "a/results.h5");
  CHECK(f.GetStringAttr("config") == "x = 1\n");
  CHECK(f.GetIntAttr("seed") == 1);
  CHECK(f.GetStringAttr("bundlerl_version") == BUNDLERL_VERSION);
  CHECK(f.Read<double>("/truth/value")[1] == v.value);
  // The weight diagnostics of each estimate, [strategies, estimators] like the values.
  const auto ess = f.Read<double>("/estimates/ess");
  const auto nonzero = f.Read<int64_t>("/estimates/nonzero_rows");
  REQUIRE(ess.size() == r.strategies.size() * r.kendall_tau.size());
  CHECK(f.Shape("/estimates/max_weight_share") == f.Shape("/estimates/value"));
  CHECK(ess[0] == r.strategies[0].estimates[0].ess);
  CHECK(nonzero[0] == r.strategies[0].estimates[0].nonzero_rows);
  // logs.h5 read back, with kernels rebuilt from its catalog by its spec, gives bitwise the
  // estimates of the in-process run.
  const LoggedDataset logs = ReadDataset(tmp / "a/logs.h5");
  CHECK(logs.num_rounds() == s.compare.log_rounds);
  const ItemKernels kernels = BuildKernels(logs, KernelSpec::Parse(logs.meta.kernels));
  std::vector<std::shared_ptr<const SlatePolicy>> strategies;
  for (const auto& name : s.compare.strategies) strategies.push_back(MakeFixedPolicy(name));
  ShopperModelOptions shopper_model;  // the comparison's: compare.shopper_model and model_* keys
  shopper_model.choice = s.compare.shopper_model;
  shopper_model.features = s.compare.model_features;
  shopper_model.target_slates = s.compare.model_slates;
  shopper_model.seed = StreamSeed(s.compare.seed, Stream::kTargetSlates);
  shopper_model.threads = 3;
  const auto data = StrategyOpeData(logs, kernels, strategies, s.compare.folds,
                                    StreamSeed(s.compare.seed, Stream::kRewardModelFolds), 3, &shopper_model, nullptr,
                                    MakeFixedPolicy(s.compare.logging_policy).get());
  EstimateOptions opt;
  opt.threads = 1;
  for (size_t k = 0; k < strategies.size(); ++k)
    for (size_t e = 0; e < s.compare.estimators.size(); ++e) {
      INFO(s.compare.strategies[k] << " " << s.compare.estimators[e]);
      const Estimate x = RunEstimator(*MakeEstimator(s.compare.estimators[e]), data[k], opt);
      CHECK(x.value == r.strategies[k].estimates[e].value);
      CHECK(x.stderr_ == r.strategies[k].estimates[e].stderr_);
    }
}

TEST_CASE("with additive slot rewards, IPW and DR estimates agree with the simulator truth",
          "[harness][slow]") {
  TempDir tmp;
  Setup s;
  s.shopper.choice_model = "pbm";
  s.shopper.complementarity = 0;
  s.shopper.redundancy = 0;
  s.compare.log_rounds = 20000;
  s.compare.truth_episodes = 20000;
  s.compare.estimators = {"ipw", "dr"};
  s.compare.out_dir = tmp / "c";
  const CompareResult r = RunCompare(s.world, s.shopper, s.session, s.compare, "", "test");
  for (const auto& st : r.strategies)
    for (const auto& e : st.estimates) {
      INFO(st.name << " " << e.estimator << ": " << e.value << " +- " << e.stderr_ << " truth " << st.truth);
      CHECK(std::abs(e.value - st.truth) < 3 * std::hypot(e.stderr_, st.truth_stderr));
    }
}

TEST_CASE("the fitted shopper model: parameters recovered and the model-based value exact when the "
          "model class is right", "[harness][slow]") {
  TempDir tmp;
  Setup s;
  // Only what the platform sees drives the shopper: no hidden preference, price or noise, so
  // the multinomial logit on the kernel and bundle features is the true model.
  s.shopper.w_profile = 0;
  s.shopper.w_price = 0;
  s.compare.log_rounds = 40000;
  s.compare.truth_episodes = 40000;
  s.compare.estimators = {"model", "slate-dr"};
  s.compare.model_features = "kernel,bundle";
  s.compare.out_dir = tmp / "m";
  const CompareResult r = RunCompare(s.world, s.shopper, s.session, s.compare, "", "test");
  REQUIRE(r.shopper_model_fitted);
  const ShopperModelSummary& m = r.shopper_model;
  // The true weights by name; the constant is minus the no-click utility (fixed at 0 in the fit).
  const std::map<std::string, double> truth = {
      {"profile_score", 0},          {"content_max", s.shopper.w_content},
      {"content_mean", 0},           {"complement_max", s.shopper.w_complement},
      {"price_fit", 0},              {"popularity", s.shopper.w_popularity},
      {"category_match", 0},         {"bundle_complement", s.shopper.complementarity},
      {"bundle_minus_content", s.shopper.redundancy}, {"constant", -s.shopper.no_click_utility},
      {"slot1", s.shopper.PositionBias(1)}, {"slot2", s.shopper.PositionBias(2)}};
  REQUIRE(m.parameters.size() == truth.size());
  for (size_t j = 0; j < m.parameters.size(); ++j) {
    INFO(m.parameters[j] << ": " << m.estimate[j] << " +- " << m.stderr_[j]);
    REQUIRE(truth.count(m.parameters[j]));
    CHECK(std::abs(m.estimate[j] - truth.at(m.parameters[j])) < 3 * m.stderr_[j]);
  }
  CHECK(m.loglik > m.loglik_null);
  for (const auto& st : r.strategies)
    for (const auto& e : st.estimates) {
      INFO(st.name << " " << e.estimator << ": " << e.value << " +- " << e.stderr_ << " truth " << st.truth);
      CHECK(std::abs(e.value - st.truth) < 3 * std::hypot(e.stderr_, st.truth_stderr));
      CHECK(e.model_stderr > 0);
    }
}

TEST_CASE("compare trains agents and evaluates them like any strategy", "[harness][slow]") {
  TempDir tmp;
  Setup s;
  s.compare.agents = {"reinforce", "offpolicy-reinforce", "linucb"};
  s.compare.train.updates = 20;
  s.compare.train.batch_rounds = 500;
  s.compare.estimators = {"ipw", "snipw", "dr"};
  s.compare.out_dir = tmp / "d";
  const CompareResult r = RunCompare(s.world, s.shopper, s.session, s.compare, "", "test");
  WriteCompareReport(r, s.compare, s.compare.out_dir, "", "test");
  REQUIRE(r.strategies.size() == s.compare.strategies.size() + 3);
  CHECK(r.strategies.back().name == "linucb");
  REQUIRE(r.curves.size() == 3);
  CHECK(r.curves[0].second.size() == 20);
  for (const auto& st : r.strategies)
    for (const auto& e : st.estimates) CHECK(std::isfinite(e.value));
  const h5::File f = h5::File::OpenRead(tmp / "d/results.h5");
  CHECK(f.Read<double>("/curves/reinforce").size() == 20);
}

TEST_CASE("compare rejects bad settings by key", "[harness]") {
  Setup s;
  s.compare.log_rounds = 5;
  CHECK_THROWS_WITH(RunCompare(s.world, s.shopper, s.session, s.compare, "", ""), Catch::Contains("compare.log_rounds"));
  s = Setup();
  s.session.reward = "revenue";
  CHECK_THROWS_WITH(RunCompare(s.world, s.shopper, s.session, s.compare, "", ""), Catch::Contains("session.reward"));
  s = Setup();
  s.compare.strategies = {"uniform", "nonsense"};
  CHECK_THROWS_WITH(RunCompare(s.world, s.shopper, s.session, s.compare, "", ""), Catch::Contains("unknown policy 'nonsense'"));
  s = Setup();
  s.compare.model_features = "kernel,nonsense";
  CHECK_THROWS_WITH(s.compare.Validate(), Catch::Contains("compare.model_features") && Catch::Contains("'nonsense'"));
  s = Setup();
  s.compare.shopper_model = "probit";
  CHECK_THROWS_WITH(s.compare.Validate(), Catch::Contains("compare.shopper_model"));
}

#include "harness/bundle_ranking.h"

TEST_CASE("Recall@K and NDCG@K by hand, as the protocol defines them", "[harness]") {
  // Relevant: bundles 2 and 7 (of 10); ranked list 7, 1, 2, 3.
  std::vector<char> relevant(10, 0);
  relevant[2] = relevant[7] = 1;
  double recall, ndcg;
  RankingScores({7, 1, 2, 3}, relevant, 2, 2, &recall, &ndcg);
  CHECK(recall == Approx(0.5));  // one of two relevant in the top 2
  CHECK(ndcg == Approx(1.0 / (1.0 + 1.0 / std::log2(3.0))));
  RankingScores({7, 1, 2, 3}, relevant, 2, 4, &recall, &ndcg);
  CHECK(recall == Approx(1.0));
  CHECK(ndcg == Approx((1.0 + 1.0 / std::log2(4.0)) / (1.0 + 1.0 / std::log2(3.0))));
  // More relevant than K: recall's denominator is all of them, IDCG uses K ideal hits.
  RankingScores({7}, relevant, 5, 1, &recall, &ndcg);
  CHECK(recall == Approx(0.2));
  CHECK(ndcg == Approx(1.0));
  CHECK(PublishedYoushu().size() == 4);  // MFBPR, LightGCN, BGCN, CrossCBR
}


TEST_CASE("a seed ensemble of a graph model: its members' seeds, its rows, and a blend no worse on tune",
          "[harness]") {
  testing::TempDir tmp;
  RankingConfig cfg;
  cfg.data_dir = tmp.path();
  testing::WriteTinyBundleData(cfg.data_dir);
  cfg.threads = 1;
  cfg.epochs = 5;
  cfg.graph_models = {"crosscbr"};
  cfg.graph_seeds = 2;
  cfg.ensemble_models = {"crosscbr"};
  cfg.ensemble_size = 2;
  cfg.reinforce_from = "";
  cfg.save_embeddings = false;
  cfg.graph.dim = 8, cfg.graph.epochs = 3, cfg.graph.batch = 16, cfg.graph.eval_every = 1;
  cfg.Validate();
  const RankingResult r = RunBundleRanking(cfg);
  std::map<std::string, RankingRow> rows;
  for (const auto& row : r.rows) rows[row.strategy] = row;
  REQUIRE(rows.count("crosscbr x2"));
  REQUIRE(rows.count("crosscbr x2+kernels"));
  CHECK(rows["crosscbr x2"].seeds == 2);
  CHECK(rows["crosscbr x2"].test.users == 60);
  // Replica k trains seeds 1 + k and 1 + k + 2: four distinct models, each with its curve.
  std::vector<uint64_t> seeds;
  for (const auto& c : r.curves) seeds.push_back(c.seed);
  std::sort(seeds.begin(), seeds.end());
  CHECK(seeds == std::vector<uint64_t>{1, 2, 3, 4});
  // The blend grid includes w = 0, the ensemble's own ranking, so tune cannot get worse.
  CHECK(rows["crosscbr x2+kernels"].tune.recall20 >= rows["crosscbr x2"].tune.recall20);
  for (const char* name : {"crosscbr x2", "crosscbr x2+kernels"}) {
    CHECK(rows[name].test.recall20 >= 0);
    CHECK(rows[name].test.recall20 <= 1);
  }
  // The options are checked against the models trained.
  cfg.ensemble_models = {"lightgcn"};
  CHECK_THROWS_WITH(cfg.Validate(), Catch::Contains("ranking.ensemble_models") && Catch::Contains("lightgcn"));
  cfg.ensemble_models = {"crosscbr"};
  cfg.ensemble_size = 1;
  CHECK_THROWS_WITH(cfg.Validate(), Catch::Contains("ranking.ensemble_size"));
}

TEST_CASE("EASE in the bundle ranking: its row, lambda chosen on tune, and the fourth kernel feature", "[harness]") {
  testing::TempDir tmp;
  RankingConfig cfg;
  cfg.data_dir = tmp.path();
  testing::WriteTinyBundleData(cfg.data_dir);
  cfg.threads = 2;
  cfg.epochs = 5;
  cfg.graph_models = {};
  cfg.reinforce_from = "";
  cfg.ease_lambdas = {0.5, 50};
  cfg.Validate();
  std::map<std::string, RankingRow> rows;
  for (const auto& row : RunBundleRanking(cfg).rows) rows[row.strategy] = row;
  REQUIRE(rows.count("ease"));
  CHECK(rows["ease"].test.users == 60);
  // Each user's tune bundle is in the user's taste group: a bundle-to-bundle model of the
  // training pairs must rank it far above chance (20 of 58 unmasked bundles).
  CHECK(rows["ease"].tune.recall20 > 0.5);
  CHECK_THAT(rows["ease"].note, Catch::Contains("chosen on tune Recall@20 from {0.5, 50}"));
  CHECK_THAT(rows["learned-softmax"].note, Catch::Contains("four kernel scores"));
  // The lambda kept is the better of the two on tune: each alone gives its own tune figure.
  double best = 0;
  for (double lambda : {0.5, 50.0}) {
    cfg.ease_lambdas = {lambda};
    for (const auto& row : RunBundleRanking(cfg).rows)
      if (row.strategy == "ease") best = std::max(best, row.tune.recall20);
  }
  CHECK(rows["ease"].tune.recall20 == best);
  // Without lambdas: no EASE row, three kernel features. (Here item-CF alone ranks every tune
  // bundle first, so the two softmaxes rank alike; on Youshu EASE moves it from 0.232 to 0.273.)
  cfg.ease_lambdas = {};
  rows.clear();
  for (const auto& row : RunBundleRanking(cfg).rows) rows[row.strategy] = row;
  CHECK(rows.count("ease") == 0);
  CHECK_THAT(rows["learned-softmax"].note, Catch::Contains("three kernel scores"));
  cfg.ease_lambdas = {100, -1};
  CHECK_THROWS_WITH(cfg.Validate(), Catch::Contains("ranking.ease_lambdas") && Catch::Contains("-1"));
}

#include "test_util.h"

#include "dataset/importers.h"
#include "dataset/slate_log.h"
#include "env/fitted_world.h"

TEST_CASE("a world fitted to the Amazon sessions as a log of choices: held-out choices are likelier than "
          "chance, and episodes start from the logged context", "[harness][data]") {
  const LoggedDataset data = ImportAmazon(testing::DataDir() + "/bundles/amazon/electronic", "test");
  std::vector<int64_t> timed;
  for (size_t s = 0; s < data.sessions.user.size(); ++s)
    if (data.sessions.timestamp[s] >= 0) timed.push_back(static_cast<int64_t>(s));
  const LoggedDataset choices = ChoicesFromSessions(data, timed);
  // One round per session item, each a choice; the dense item ids are the dedicated import's.
  int64_t items = 0;
  for (int64_t s : timed) items += data.sessions.items.size(s);
  CHECK(choices.rounds.n <= items);
  CHECK(choices.rounds.n > items - 50);
  CHECK(choices.items.n == data.items.n);
  CHECK(choices.items.title == data.items.title);
  FittedWorldOptions o;
  o.negatives = 10;
  o.kernels = "content=tfidf:title;embedding=tfidf-projection:16:title+category_path;complement=none;popularity=none";
  o.features = "kernel";
  o.slate_size = 5;
  const auto world = FittedWorld::Fit(choices, o);
  const FittedWorldReport& r = world->report();
  INFO("held-out log-likelihood " << r.heldout_loglik << " vs " << r.heldout_loglik_null);
  CHECK(r.kind == "choices");
  // Without features every alternative is as likely (up to the fitted slot terms, near zero
  // with the choice at a random slot); the features raise the held-out likelihood.
  CHECK(r.heldout_loglik_null == Approx(std::log(1.0 / 11)).margin(0.01));
  CHECK(r.heldout_loglik > r.heldout_loglik_null + 0.1);
  CHECK(world->slate_size() == 5);
  CHECK(world->num_candidates() == data.items.n);
  // An episode replays its logged round: the user, and the items the user chose before it.
  auto session = world->NewSession();
  session->Start(3, 17);
  const int64_t round = world->RoundOf(3, 17);
  const Observation obs = session->Observe();
  const RoundBatch& b = world->logs().rounds;
  CHECK(obs.user == b.user_id[round]);
  CHECK(obs.history_length == b.history_length[round]);
  // The shopper chooses one item: slates covering every candidate once are clicked for sure.
  const int32_t M = static_cast<int32_t>(data.items.n);
  std::vector<double> q(5), x;
  double total = 0;
  for (int32_t first = 0; first < M; first += 5) {
    const int32_t start = std::min(first, M - 5);  // the last slate: the last five items
    int32_t slate[5];
    for (int k = 0; k < 5; ++k) slate[k] = start + k;
    world->model().ClickProbabilities(obs, slate, q.data(), nullptr, x);
    for (int k = 0; k < 5; ++k)
      if (slate[k] >= first) total += q[k];  // each item once
  }
  CHECK(total == Approx(1.0).epsilon(1e-9));
}

#include "harness/bundle_completion.h"

TEST_CASE("bundle completion on the Amazon sessions: title similarity beats popularity, and an "
          "agent trained in the fitted world learns to use it", "[harness][data][slow]") {
  CompletionConfig cfg;
  cfg.data_dir = testing::DataDir() + "/bundles/amazon";
  cfg.domains = {"food"};
  cfg.agent_updates = 20;
  cfg.learned_seeds = {1};
  cfg.world_seeds = {1};
  cfg.validation_share = 0;
  const CompletionResult r = RunBundleCompletion(cfg);
  std::map<std::string, double> hit10;
  for (const auto& row : r.rows) {
    hit10[row.strategy] = row.hit_rate.back();
    CHECK(row.queries > 1000);
    for (size_t i = 0; i < r.n.size(); ++i) CHECK(row.recall[i] <= row.hit_rate[i] + 1e-12);
  }
  CHECK(hit10.at("content") > 5 * hit10.at("popularity"));
  CHECK(hit10.at("reinforce (fitted world)") > 2 * hit10.at("popularity"));
  CHECK(hit10.at("reinforce (logged bundles)") > 5 * hit10.at("popularity"));
  CHECK(hit10.at("listwise scorer (content features)") > 5 * hit10.at("popularity"));
  // The intent vectors learned from the training bundles' intents rank on their own, and add
  // to the title similarity.
  CHECK(hit10.at("intent") > 5 * hit10.at("popularity"));
  CHECK(hit10.at("content+intent") > hit10.at("content"));
  REQUIRE(r.fitted.size() == 1);
  CHECK(r.fitted[0].heldout_loglik > r.fitted[0].heldout_loglik_null);
}

#include "replay/log_store.h"
#include "ope/offline_eval.h"
#include "ope/reward_model.h"

TEST_CASE("a world fitted to the OBD rounds (one slot a round): clicks fitted slot by slot, and an episode "
          "replays the round's context", "[harness][data]") {
  const std::string dir = testing::DataDir() + "/obd/random/men";
  FittedWorldOptions o;
  o.model.features = "unit";
  const auto world = FittedWorld::Fit(ImportObd(dir, "test"), o);
  const FittedWorldReport& r = world->report();
  CHECK(r.model.choice == "independent");
  CHECK(world->slate_size() == 3);
  CHECK(world->num_candidates() == 34);
  CHECK(r.train_rounds == 8000);
  // The model's click probability of a slot: its item's weight, the constant and its
  // position's bias, exactly (independent clicks).
  auto session = world->NewSession();
  session->Start(0, 1);
  const Observation obs = session->Observe();
  const int32_t slate[3] = {5, 11, 30};
  std::vector<double> p(3), x;
  world->model().ClickProbabilities(obs, slate, p.data(), nullptr, x);
  const auto& beta = world->model().parameters().beta;  // unit_0..33, constant, slot1, slot2
  REQUIRE(beta.size() == 37);
  for (int k = 0; k < 3; ++k) {
    const double u = beta[obs.candidates[slate[k]]] + beta[34] + (k > 0 ? beta[34 + k] : 0.0);
    CHECK(p[k] == Approx(1 / (1 + std::exp(-u))).epsilon(1e-12));
  }
  // Clicks are rare in the OBD (0.46%): the fitted rates are too.
  for (int k = 0; k < 3; ++k) CHECK(p[k] < 0.05);
}


// ---------------------------------------------------------------------------------------
// Plots without a shell.
#include "harness/plot.h"

TEST_CASE("plots are drawn without a shell, with their data and script saved beside them", "[harness]") {
  TempDir tmp;
  // A folder name a shell would split or expand.
  const std::string dir = tmp / "it's a $HOME; folder";
  fs::create_directories(dir);
  Plot p;
  p.name = "line";
  p.data = "1 2\n2 3\n3 5\n";
  p.script = "set title " + GnuplotQuote("it's a plot") + "\nplot 'line.dat' using 1:2 with lines\n";
  REQUIRE(DrawPlot(dir, p));
  CHECK(fs::file_size(dir + "/line.png") > 1000);
  CHECK(ReadText(dir + "/line.dat") == p.data);
  const std::string gp = ReadText(dir + "/line.gp");
  CHECK_THAT(gp, Catch::Contains("set output out") && Catch::Contains("'it''s a plot'"));
  for (const auto& f : fs::directory_iterator(dir)) CHECK(f.path().filename().string().find(".tmp") == std::string::npos);
  // A script gnuplot rejects: no PNG, the log kept, nothing temporary left.
  p.name = "broken";
  p.script = "plot this is not gnuplot\n";
  CHECK_FALSE(DrawPlot(dir, p));
  CHECK_FALSE(fs::exists(dir + "/broken.png"));
  CHECK(fs::exists(dir + "/broken.gnuplot.log"));
  for (const auto& f : fs::directory_iterator(dir)) CHECK(f.path().filename().string().find(".tmp") == std::string::npos);
}

#include "harness/completion_learned.h"

namespace {

// Six cameras, six batteries and six camera straps; the training bundles pair camera i with
// battery i (i < 5). Titles tie cameras to straps, not to batteries: the planted complement
// of the sixth camera (a battery) is found only through what the bundles taught.
struct PlantedCatalog {
  ItemTable items;
  BundleTable bundles;  // no intents
  std::vector<CompletionQuery> training;
  PlantedCatalog() {
    const char* kinds[3][2] = {{"nikon camera body", "Electronics > Camera > Bodies"},
                               {"power cell pack", "Electronics > Power > Batteries"},
                               {"nikon camera strap", "Electronics > Camera > Straps"}};
    for (int kind = 0; kind < 3; ++kind)
      for (int i = 0; i < 6; ++i) {
        items.title.push_back(std::string(kinds[kind][0]) + " m" + std::to_string(10 * kind + i));
        items.category_path.push_back(kinds[kind][1]);
      }
    items.n = static_cast<int64_t>(items.title.size());
    for (int32_t i = 0; i < 5; ++i) {
      training.push_back({i, {i, i + 6}, i, i});
      training.push_back({i + 6, {i, i + 6}, i, i});
      bundles.items.PushRow({i, i + 6});
      bundles.intent.push_back("");
    }
  }
};

}  // namespace

TEST_CASE("learned completion: both learners rank a planted complement first where titles "
          "point elsewhere, and repeat for a fixed seed", "[harness]") {
  const PlantedCatalog c;
  const CompletionFeatures f(c.items, c.bundles, c.training, CompletionPool::kTitle);
  const int64_t k = c.items.n - 1;
  const CompletionBatch train = BuildCompletionBatch(f, c.training, k, true);
  const CompletionBatch query = BuildCompletionBatch(f, {{5, {5, 11}}}, k, false);
  CompletionLearnerConfig lc;
  lc.epochs = 30;
  lc.seed = 7;
  const CompletionScorer listwise = TrainListwise(train, lc);
  const CompletionScorer agent = TrainReinforce(train, lc);
  CompletionScorer content = listwise;  // the title cosine alone
  content.weight.setZero();
  content.weight[0] = 1;
  // Any battery completes the camera: count the query's top item.
  const CompletionBatch any_battery = [&] {
    CompletionBatch b = query;
    for (size_t j = 0; j < b.candidates[0].size(); ++j) b.in_bundle[0][j] = b.candidates[0][j] >= 6 && b.candidates[0][j] < 12;
    return b;
  }();
  CHECK(CompletionHitRate(content, any_battery, 1) == 0.0);
  CHECK(CompletionHitRate(listwise, any_battery, 1) == 1.0);
  CHECK(CompletionHitRate(agent, any_battery, 1) == 1.0);
  // Same seed, same weights; the agent's samples follow its seed.
  CHECK(TrainReinforce(train, lc).weight == agent.weight);
  CHECK(TrainListwise(train, lc).weight == listwise.weight);
  lc.seed = 8;
  CHECK(TrainReinforce(train, lc).weight != agent.weight);
  // A step that makes the weights overflow stops training with the key to change.
  lc.learning_rate = 1e300;
  CHECK_THROWS_WITH(TrainListwise(train, lc), Catch::Contains("non-finite in epoch 1") &&
                                                  Catch::Contains("config key 'completion.learned_rate'"));
  CHECK_THROWS_WITH(TrainReinforce(train, lc), Catch::Contains("config key 'completion.reinforce_rate'"));
}

TEST_CASE("learned completion: the title+category pool reaches an item that shares only the "
          "category path, the title pool does not", "[harness]") {
  ItemTable items;
  items.title = {"alpha widget", "zeta object", "alpha rope", "beta gadget"};
  items.category_path = {"Home > Kitchen > Pans", "Garden > Tools", "Garden > Tools", "Home > Kitchen > Pans"};
  items.n = 4;
  const std::vector<CompletionQuery> none;
  const CompletionFeatures title(items, {}, none, CompletionPool::kTitle);
  const CompletionFeatures topics(items, {}, none, CompletionPool::kTitleAndCategory);
  // By title alone item 3 shares nothing with item 0 and ties with item 1 (ties by index).
  CHECK(title.Candidates(0, 3) == std::vector<int32_t>{2, 1, 3});
  // The category words lift it above the unrelated item 1.
  const std::vector<int32_t> pooled = topics.Candidates(0, 3);
  CHECK(pooled.back() == 1);
  // The title-and-category cosine is a feature in both pools.
  std::vector<double> x(3 * kNumCompletionFeatures);
  title.Compute({0, {0, 3}}, {1, 2, 3}, false, x.data());
  const int t = 17;
  CHECK(std::string(kCompletionFeatureNames[t]) == "title and category tfidf cosine");
  CHECK(x[0 * kNumCompletionFeatures + t] == 0.0);
  CHECK(x[1 * kNumCompletionFeatures + t] > 0.0);
  CHECK(x[2 * kNumCompletionFeatures + t] > 0.0);
  CHECK(ParseCompletionPool("title+category") == CompletionPool::kTitleAndCategory);
  CHECK_THROWS_WITH(ParseCompletionPool("words"), "config key 'completion.learned_pool': expected title, "
                                                  "title+category or title+category+intent, got 'words'");
}

// One training bundle, "camping food", pairs beef jerky with a salmon pouch. A new jerky and
// a new tuna pouch share no title word, yet their intent vectors (learned from that bundle)
// agree; an unrelated towel gets none. A training pair's own bundle is left out of the
// intent vectors it sees (its fold's fit), as no later query has its own intent.
TEST_CASE("learned completion: intent vectors link items that share no title word, cross-fitted for "
          "training pairs", "[harness]") {
  ItemTable items;
  items.title = {"beef jerky m1", "salmon pouch m2", "beef jerky m3", "cotton towel m4", "tuna pouch m5"};
  items.category_path.assign(5, "");
  items.n = 5;
  BundleTable bundles;
  bundles.items.PushRow({0, 1});
  bundles.intent = {"camping food"};
  const std::vector<CompletionQuery> training = {{0, {0, 1}, 0, 0}, {1, {0, 1}, 0, 0}};
  IntentConfig intent;
  intent.min_count = 1;
  const CompletionFeatures f(items, bundles, training, CompletionPool::kTitleCategoryAndIntent, intent);
  const int i = 18;
  CHECK(std::string(kCompletionFeatureNames[i]) == "intent cosine");
  std::vector<double> x(2 * kNumCompletionFeatures);
  f.Compute({2, {2, 4}}, {4, 3}, false, x.data());
  CHECK(x[0] == 0.0);  // title cosine of the new jerky and the tuna pouch
  CHECK(x[i] == Approx(1.0));
  CHECK(x[kNumCompletionFeatures + i] == 0.0);  // the towel
  std::vector<double> row(5);  // the `intent` strategy's scores: the same cosines
  f.IntentRow(2, row.data());
  CHECK(row[4] == Approx(x[i]));
  CHECK(row[3] == 0.0);
  CHECK(row[2] == Approx(1.0));
  // The pool adds the intent cosine: the tuna pouch comes before the towel, though the jerky
  // shares no title word or category with either (by title alone they tie, the towel first).
  CHECK(f.Candidates(2, 3) == std::vector<int32_t>{0, 1, 4});
  const CompletionFeatures by_title(items, bundles, training, CompletionPool::kTitleAndCategory, intent);
  CHECK(by_title.Candidates(2, 3) == std::vector<int32_t>{0, 1, 3});
  // The training pair (0, 1): with its own session left out, fold 0's fit has no bundle.
  f.Compute(training[0], {1}, false, x.data());
  CHECK(x[i] == Approx(1.0));
  f.Compute(training[0], {1}, true, x.data());
  CHECK(x[i] == 0.0);
  // A bundle named by sessions of two folds (0 and 1) is left out of both folds' fits.
  const std::vector<CompletionQuery> twice = {{0, {0, 1}, 0, 0}, {1, {0, 1}, 1, 0}};
  const CompletionFeatures g(items, bundles, twice, CompletionPool::kTitle, intent);
  for (const auto& q : twice) {
    g.Compute(q, {q.item == 0 ? 1 : 0}, true, x.data());
    CHECK(x[i] == 0.0);
  }
}
