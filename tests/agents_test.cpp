// Tests for agents/ and the learned policies of policy/: Plackett-Luce log-probability and
// its gradient, save/load, and learning in small worlds against exact optima.
#include <torch/torch.h>

#include <cmath>

#include "agents/trainer.h"
#include "common/error.h"
#include "env/ground_truth.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "policy/plackett_luce.h"
#include "policy/torch_policy.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::TempDir;

namespace {

EnumerateFunction Enum(const SlatePolicy& p) {
  return [&p](const Observation& o) { return p.Enumerate(o); };
}
ActFunction Act(const SlatePolicy& p) {
  return [&p](const Observation& o, SplitMix64& r, int32_t* s) { p.Act(o, r, s); };
}

// A small world whose optimum is computable by enumeration.
std::shared_ptr<const ShopperModel> SmallModel() {
  WorldConfig w;
  w.num_items = 6;
  w.num_users = 2;
  w.num_categories = 2;
  w.embedding_dim = 3;
  w.history_length = 4;
  w.baskets = 100;
  w.seed = 3;
  ShopperConfig sh;
  SessionConfig se;
  se.slate_size = 2;
  se.num_candidates = 6;
  se.max_steps = 3;
  return std::make_shared<const ShopperModel>(World::Generate(w), sh, se);
}

}  // namespace

TEST_CASE("torch Plackett-Luce log-probability equals the double one; its gradient equals "
          "finite differences", "[agents][policy]") {
  auto scores = torch::tensor({{0.3, -1.2, 2.0, 0.1, 0.7}, {1.0, 0.0, -0.5, 0.2, 0.4}}, torch::kFloat64)
                    .requires_grad_(true);
  const auto slates = torch::tensor({{2, 0, 4}, {4, 1, 0}}, torch::kInt64);
  const auto lp = PlackettLuceLogProb(scores, slates);
  for (int b = 0; b < 2; ++b) {
    std::vector<double> s(5);
    std::vector<int32_t> slate(3);
    for (int c = 0; c < 5; ++c) s[c] = scores[b][c].item<double>();
    for (int k = 0; k < 3; ++k) slate[k] = static_cast<int32_t>(slates[b][k].item<int64_t>());
    CHECK(lp[b].item<double>() == Approx(PlackettLuce::LogProb(s.data(), 5, slate.data(), 3)).epsilon(1e-12));
    CHECK(PlackettLuceLogProb(scores, slates, 2)[b].item<double>() ==
          Approx(PlackettLuce::LogProb(s.data(), 5, slate.data(), 2)).epsilon(1e-12));
  }
  lp.sum().backward();
  const auto grad = scores.grad().clone();
  const double h = 1e-6;
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 5; ++c) {
      auto plus = scores.detach().clone(), minus = scores.detach().clone();
      plus[b][c] += h;
      minus[b][c] -= h;
      const double fd = (PlackettLuceLogProb(plus, slates).sum().item<double>() -
                         PlackettLuceLogProb(minus, slates).sum().item<double>()) / (2 * h);
      CHECK(grad[b][c].item<double>() == Approx(fd).margin(1e-7));
    }
}

TEST_CASE("a saved policy loads with the same scores and probabilities", "[agents][policy]") {
  TempDir tmp;
  torch::manual_seed(1);
  ScorerConfig sc;
  Scorer scorer(sc);
  const LearnedSlatePolicy policy(scorer, "test");
  PolicyInfo info;
  info.name = "test";
  info.config = "meta";
  info.features = "kernel,unit";
  info.catalog = "abc";
  SaveScorer(scorer, tmp / "p.pt", info);
  PolicyInfo read;
  const auto loaded = LoadLearnedPolicy(tmp / "p.pt", &read);
  CHECK(loaded->name() == "test");
  CHECK(read.config == "meta");
  CHECK(read.features == "kernel,unit");
  CHECK(read.catalog == "abc");
  CHECK(read.num_features == sc.features);
  const auto model = SmallModel();
  ShopperSession s(model);
  s.Reset(0, 1);
  const Observation o = s.Observe();
  const int32_t slate[] = {3, 1};
  CHECK(loaded->PrefixProbability(o, slate, 2) == Approx(policy.PrefixProbability(o, slate, 2)).epsilon(1e-12));
  CHECK(MakePolicy(tmp / "p.pt")->name() == "test");
  CHECK(MakePolicy("uniform")->name() == "uniform");
  // Bytes changed inside a stored tensor: the checksum saved with the weights refuses the file.
  {
    std::string bytes = testing::ReadText(tmp / "p.pt");
    const torch::Tensor w = scorer->named_parameters()[0].value().detach().contiguous();
    const char* data = static_cast<const char*>(w.data_ptr());
    const auto at = bytes.find(std::string(data, 16));
    REQUIRE(at != std::string::npos);
    bytes[at + 2] = static_cast<char>(bytes[at + 2] ^ 0x10);
    testing::WriteText(tmp / "flipped.pt", bytes);
    CHECK_THROWS_WITH(LoadLearnedPolicy(tmp / "flipped.pt"),
                      Catch::Contains("flipped.pt") && Catch::Contains("do not match the checksum"));
  }
  testing::WriteText(tmp / "junk.pt", "not a policy");
  CHECK_THROWS_WITH(LoadLearnedPolicy(tmp / "junk.pt"), Catch::Contains("junk.pt") && Catch::Contains("not a"));
  // A parameter that is not finite makes the file unloadable, with the parameter named.
  {
    torch::NoGradGuard no_grad;
    scorer->out->bias[0] = std::nan("");
  }
  SaveScorer(scorer, tmp / "nan.pt", info);
  CHECK_THROWS_WITH(LoadLearnedPolicy(tmp / "nan.pt"), Catch::Contains("nan.pt") && Catch::Contains("not finite"));
}

TEST_CASE("a learned policy's scores equal the scorer's forward pass", "[agents][policy]") {
  const auto model = SmallModel();
  ShopperSession s(model);
  s.Reset(0, 3);
  const Observation o = s.Observe();
  std::vector<double> buffer;
  const double* X = FeatureMatrix(o, buffer);
  for (const char* kind : {"linear", "mlp"}) {
    torch::manual_seed(7);
    ScorerConfig sc;
    sc.kind = kind;
    Scorer scorer(sc);
    const LearnedSlatePolicy policy(scorer, kind);
    std::vector<float> x(o.num_candidates * o.num_features);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(X[i]);
    torch::NoGradGuard no_grad;
    const auto t = torch::from_blob(x.data(), {1, o.num_candidates, o.num_features}, torch::kFloat32);
    const auto expected = scorer->forward(t.to(torch::kFloat64).to(torch::kFloat32)).to(torch::kFloat64);
    std::vector<double> scores;
    policy.Scores(o, scores);
    REQUIRE(scores.size() == static_cast<size_t>(o.num_candidates));
    for (int64_t c = 0; c < o.num_candidates; ++c)
      CHECK(scores[c] == Approx(expected[0][c].item<double>()).margin(1e-5));
    // The policy is a snapshot: changing the scorer afterwards does not change it, and a
    // policy made from the changed scorer sees the change.
    scorer->out->bias[0] += 1.0;
    std::vector<double> again;
    policy.Scores(o, again);
    CHECK(again == scores);
    const LearnedSlatePolicy changed(scorer, kind);
    changed.Scores(o, again);
    CHECK(again[0] == Approx(scores[0] + 1.0).margin(1e-9));
  }
}

TEST_CASE("REINFORCE reaches 90% of the exact optimum and beats every fixed strategy",
          "[agents][slow]") {
  const auto model = SmallModel();
  double optimum = 0;
  for (int32_t u = 0; u < 2; ++u) optimum += OptimalValue(model, u) / 2;
  TrainConfig c;
  c.agent = "reinforce";
  c.updates = 300;
  c.episodes_per_update = 64;
  c.learning_rate = 0.03;
  c.gamma = 1.0;  // the value judged is the undiscounted session reward
  const TrainResult r = TrainAgent(model, c);
  const double learned = ExactValue(model, Enum(*r.policy));
  INFO("learned " << learned << ", optimum " << optimum);
  CHECK(learned >= 0.9 * optimum);
  for (const char* name : {"uniform", "popularity", "content", "itemcf", "profile"}) {
    const double fixed = ExactValue(model, Enum(*MakeFixedPolicy(name)));
    INFO(name << " " << fixed);
    CHECK(learned > fixed);
  }
  CHECK(r.curve.size() == 300);
}

TEST_CASE("PPO, LinUCB and linear TS learn better than uniform", "[agents][slow]") {
  const auto model = SmallModel();
  const double uniform = ExactValue(model, Enum(*MakeFixedPolicy("uniform")));
  for (const char* agent : {"ppo", "linucb", "lints"}) {
    TrainConfig c;
    c.agent = agent;
    c.updates = 60;
    c.episodes_per_update = 32;
    c.learning_rate = 0.02;
    const TrainResult r = TrainAgent(model, c);
    const double v = ExactValue(model, Enum(*r.policy));
    INFO(agent << ": " << v << " vs uniform " << uniform);
    CHECK(v > uniform * 1.05);
  }
}

TEST_CASE("off-policy REINFORCE from 200,000 logged rounds reaches 80% of on-policy "
          "REINFORCE's true value", "[agents][slow]") {
  WorldConfig w;
  w.num_items = 100;
  w.num_users = 300;
  ShopperConfig sh;
  SessionConfig se;
  se.num_candidates = 20;
  se.max_steps = 1;  // the value both are judged on: one slate
  const auto model = std::make_shared<const ShopperModel>(World::Generate(w), sh, se);
  TrainConfig on;
  on.agent = "reinforce";
  on.updates = 150;
  on.episodes_per_update = 256;
  on.learning_rate = 0.01;
  const auto on_policy = TrainAgent(model, on);
  TrainConfig off;
  off.agent = "offpolicy-reinforce";
  off.logging_policy = "epsilon-greedy:0.3:popularity";
  off.log_rounds = 200000;
  off.batch_rounds = 2000;
  off.updates = 200;
  off.learning_rate = 0.01;
  const auto off_policy = TrainAgent(model, off);
  const auto v_on = SimulateValue(model, Act(*on_policy.policy), 20000, 5);
  const auto v_off = SimulateValue(model, Act(*off_policy.policy), 20000, 5);
  const auto v_log = SimulateValue(model, Act(*MakeFixedPolicy(off.logging_policy)), 20000, 5);
  INFO("on-policy " << v_on.value << ", off-policy " << v_off.value << ", logging " << v_log.value);
  CHECK(v_off.value >= 0.8 * v_on.value);
  CHECK(v_on.value > v_log.value);
}

TEST_CASE("bad training settings name the key", "[agents]") {
  const auto model = SmallModel();
  TrainConfig c;
  c.agent = "sarsa";
  CHECK_THROWS_WITH(TrainAgent(model, c), Catch::Contains("train.agent") && Catch::Contains("reinforce"));
  c = TrainConfig{};
  c.gamma = 2;
  CHECK_THROWS_WITH(TrainAgent(model, c), Catch::Contains("train.gamma"));
  c = TrainConfig{};
  c.checkpoint_every = 5;
  CHECK_THROWS_WITH(TrainAgent(model, c), Catch::Contains("train.checkpoint"));
}

#include "agents/oracle.h"

TEST_CASE("the oracle shows the slate with the best expected reward, and is at least as good "
          "as every fixed strategy for one step", "[agents]") {
  auto small = SmallModel();
  SessionConfig one = small->session_config();
  one.max_steps = 1;
  const auto model = std::make_shared<const ShopperModel>(small->world_ptr(), small->shopper_config(), one);
  const OracleSlate oracle(model);
  ShopperSession s(model);
  s.Reset(1, 3);
  const Observation o = s.Observe();
  const auto best = oracle.Enumerate(o)[0].first;
  for (const auto& slate : AllSlates(o.num_candidates, o.slate_size))
    CHECK(oracle.ExpectedReward(o, slate.data()) <= oracle.ExpectedReward(o, best.data()) + 1e-12);
  // Its one-step value by enumeration equals the optimum, which no fixed strategy exceeds.
  double optimum = 0;
  for (int32_t u = 0; u < 2; ++u) optimum += OptimalValue(model, u) / 2;
  CHECK(ExactValue(model, Enum(oracle)) == Approx(optimum).epsilon(1e-12));
  for (const char* name : {"uniform", "popularity", "content", "itemcf", "profile"})
    CHECK(ExactValue(model, Enum(*MakeFixedPolicy(name))) <= optimum + 1e-12);
}

// ---------------------------------------------------------------------------------------
// The simulator's logger and observations of its rounds.
#include "agents/simulated_logs.h"
#include "env/episode.h"
#include "kernels/builder.h"
#include "kernels/logged_observation.h"

TEST_CASE("simulated logs carry what rebuilds each round's observation, bit for bit", "[agents]") {
  WorldConfig wc;
  wc.num_items = 80;
  wc.num_users = 50;
  SessionConfig sc;
  sc.num_candidates = 12;
  sc.max_steps = 1;
  const auto world = World::Generate(wc);
  const auto model = std::make_shared<const ShopperModel>(world, ShopperConfig(), sc);
  const auto logging = MakeFixedPolicy("epsilon-greedy:0.5:popularity");
  SimulatedLogConfig lc;
  lc.rounds = 300;
  lc.seed = 17;
  lc.threads = 3;
  const LoggedDataset d = LogSimulatedRounds(model, *logging, lc);
  lc.threads = 1;
  const LoggedDataset one_thread = LogSimulatedRounds(model, *logging, lc);
  CHECK(d.rounds.slate == one_thread.rounds.slate);
  CHECK(d.rounds.pscore == one_thread.rounds.pscore);
  CHECK(d.meta.num_candidates == 12);
  CHECK(d.meta.reward == "click");
  // Kernels rebuilt from the log's own catalog by its spec; observations equal the session's.
  const ItemKernels kernels = BuildKernels(d, KernelSpec::Parse(d.meta.kernels));
  RoundObserver observer(d, kernels, FeatureSpec(), 3);
  ShopperSession session(model);
  std::vector<double> marg(3 * 12);
  for (int64_t r = 0; r < lc.rounds; ++r) {
    const EpisodeStart start = StartOfEpisode(lc.seed, r, wc.num_users);
    REQUIRE(d.rounds.round_seed[r] == start.seed);
    session.Reset(start.user, start.session_seed);
    const Observation live = session.Observe();
    const Observation& logged = observer.Observe(d.rounds, r);
    REQUIRE(logged.num_candidates == live.num_candidates);
    for (int64_t c = 0; c < live.num_candidates; ++c) {
      REQUIRE(logged.candidates[c] == live.candidates[c]);
      for (int64_t f = 0; f < kNumFeatures; ++f) REQUIRE(logged.feature(c)[f] == live.feature(c)[f]);
    }
    // The logged propensities are the logging policy's at that observation.
    logging->SlotMarginals(live, marg.data());
    for (int64_t k = 0; k < 3; ++k) {
      const int32_t c = observer.CandidateIndex(d.rounds.slate[r * 3 + k]);
      REQUIRE(c >= 0);
      CHECK(d.rounds.pscore[r * 3 + k] == marg[k * 12 + c]);
      CHECK(d.rounds.pscore_item[r * 3 + k] >= d.rounds.pscore[r * 3 + k]);
    }
  }
  // A model of several steps is refused: logged rounds are one-step episodes.
  SessionConfig multi = sc;
  multi.max_steps = 3;
  CHECK_THROWS_WITH(LogSimulatedRounds(std::make_shared<const ShopperModel>(world, ShopperConfig(), multi), *logging, lc),
                    Catch::Contains("max_steps = 1"));
}

// ---------------------------------------------------------------------------------------
// Training from logs, and the conformance of every registered agent.
#include "agents/agent.h"
#include "replay/log_store.h"

namespace {

struct LoggedWorld {
  std::shared_ptr<const ShopperModel> model, bandit;
  LoggedDataset logs;
  explicit LoggedWorld(int64_t rounds, const std::string& reward = "click") {
    WorldConfig wc;
    wc.num_items = 60;
    wc.num_users = 40;
    SessionConfig sc;
    sc.num_candidates = 15;
    sc.reward = reward;
    model = std::make_shared<const ShopperModel>(World::Generate(wc), ShopperConfig(), sc);
    SessionConfig one = sc;
    one.max_steps = 1;
    bandit = std::make_shared<const ShopperModel>(model->world_ptr(), ShopperConfig(), one);
    SimulatedLogConfig lc;
    lc.rounds = rounds;
    lc.seed = 99;
    logs = LogSimulatedRounds(bandit, *MakeFixedPolicy("epsilon-greedy:0.5:popularity"), lc);
  }
};

std::vector<double> ScoresOf(const SlatePolicy& p, const ShopperModel& model) {
  ShopperSession s(std::shared_ptr<const ShopperModel>(&model, [](const ShopperModel*) {}));
  s.Reset(3, 11);
  const Observation o = s.Observe();
  std::vector<double> m(o.slate_size * o.num_candidates);
  p.SlotMarginals(o, m.data());
  return m;
}

}  // namespace

TEST_CASE("an agent trained on a simulator log read from a file equals the one trained in process",
          "[agents]") {
  const LoggedWorld w(3000);
  TempDir tmp;
  WriteDataset(w.logs, tmp / "logs.h5");
  for (const char* agent : {"offpolicy-reinforce", "ipw", "linucb"}) {
    INFO(agent);
    TrainConfig c;
    c.agent = agent;
    c.updates = 6;
    c.batch_rounds = 512;
    c.shuffle_block = 1024;  // three blocks: the two-level shuffle and the block cache are used
    c.grad_shards = 2;
    // In process: the rounds in memory with the world's own kernels.
    const TrainResult in_process = TrainFromLogs(InMemoryRounds(w.logs), w.model->world().kernels(), FeatureSpec(), c);
    if (std::string(agent) != "linucb")  // (linucb given a world learns online there)
      CHECK(TrainAgent(w.model, c, nullptr, nullptr, &w.logs).curve == in_process.curve);
    const FileRoundSource file(tmp / "logs.h5");
    const ItemKernels kernels = BuildKernels(file.catalog(), KernelSpec::Parse(file.catalog().meta.kernels));
    c.threads = 3;
    const TrainResult from_file = TrainFromLogs(file, kernels, FeatureSpec(), c);
    CHECK(in_process.curve == from_file.curve);
    CHECK(ScoresOf(*in_process.policy, *w.model) == ScoresOf(*from_file.policy, *w.model));
  }
  // Self-logged rounds (no log given) are the rounds of LogSimulatedRounds with train.log_seed.
  TrainConfig c;
  c.agent = "offpolicy-reinforce";
  c.updates = 4;
  c.batch_rounds = 512;
  c.log_rounds = 3000;
  c.log_seed = 99;
  CHECK(TrainAgent(w.model, c).curve == TrainAgent(w.model, c, nullptr, nullptr, &w.logs).curve);
}

TEST_CASE("agents learn the reward kind the log or the config names", "[agents]") {
  const LoggedWorld w(2000, "purchase");
  CHECK(w.logs.meta.reward == "purchase");
  TrainConfig c;
  c.agent = "ipw";
  c.updates = 3;
  c.batch_rounds = 500;
  const TrainResult purchases = TrainAgent(w.model, c, nullptr, nullptr, &w.logs);
  c.reward = "click";
  const TrainResult clicks = TrainAgent(w.model, c, nullptr, nullptr, &w.logs);
  // Purchases are rarer than clicks: the weighted objective is smaller.
  CHECK(purchases.curve.front() < clicks.curve.front());
  LoggedDataset no_purchases = w.logs;
  no_purchases.rounds.purchase.clear();
  c.reward = "purchase";
  CHECK_THROWS_WITH(TrainAgent(w.model, c, nullptr, nullptr, &no_purchases), Catch::Contains("rounds/purchase"));
}

TEST_CASE("conformance: every registered agent updates, acts with valid probabilities, and resumes exactly",
          "[agents]") {
  const LoggedWorld w(1500);
  TempDir tmp;
  REQUIRE(AgentRegistry::Names().size() >= 6);
  for (const auto& entry : AgentRegistry::All()) {
    INFO(entry.name);
    TrainConfig c;
    c.agent = entry.name;
    c.updates = 4;
    c.episodes_per_update = 8;
    c.batch_rounds = 300;
    AgentSetup setup;
    setup.config = &c;
    setup.num_features = kNumFeatures;
    setup.slate_size = 3;
    auto agent = MakeAgent(entry.name, setup);
    CHECK(agent->name() == entry.name);
    CHECK((agent->learns_online() || agent->learns_from_logs()));
    // Train, with a checkpoint half way; a run resumed from it ends where this one does.
    c.checkpoint = tmp / (entry.name + ".ckpt");
    c.checkpoint_every = 2;
    const TrainResult full = TrainAgent(w.model, c, nullptr, nullptr, &w.logs);
    REQUIRE(full.curve.size() == 4);
    for (double v : full.curve) CHECK(std::isfinite(v));
    c.updates = 2;
    c.checkpoint = tmp / (entry.name + ".half");
    TrainAgent(w.model, c, nullptr, nullptr, &w.logs);
    c.updates = 4;
    c.resume = true;
    const TrainResult resumed = TrainAgent(w.model, c, nullptr, nullptr, &w.logs);
    CHECK(resumed.curve == full.curve);
    CHECK(ScoresOf(*resumed.policy, *w.model) == ScoresOf(*full.policy, *w.model));
    // The policy's slot marginals are probabilities: each slot sums to one.
    const auto m = ScoresOf(*full.policy, *w.model);
    for (int k = 0; k < 3; ++k) {
      double sum = 0;
      for (int i = 0; i < 15; ++i) sum += m[k * 15 + i];
      CHECK(sum == Approx(1.0).epsilon(1e-9));
    }
    // A checkpoint written under other settings is refused, naming the setting.
    c.learning_rate *= 2;
    CHECK_THROWS_WITH(TrainAgent(w.model, c, nullptr, nullptr, &w.logs),
                      Catch::Contains(".half") && Catch::Contains("train.learning_rate"));
    c.learning_rate /= 2;
    // Another agent's checkpoint is refused too, the agent named.
    c.agent = entry.name == "ipw" ? "offpolicy-reinforce" : "ipw";
    CHECK_THROWS_WITH(TrainAgent(w.model, c, nullptr, nullptr, &w.logs),
                      Catch::Contains("train.agent was " + entry.name + ", now " + c.agent));
  }
}

TEST_CASE("a diverging run stops with an error naming the update", "[agents]") {
  const LoggedWorld w(1000);
  TrainConfig c;
  c.agent = "ipw";
  c.updates = 50;
  c.batch_rounds = 200;
  c.learning_rate = 1e30;
  CHECK_THROWS_WITH(TrainAgent(w.model, c, nullptr, nullptr, &w.logs),
                    Catch::Contains("not finite") && Catch::Contains("update") && Catch::Contains("learning_rate"));
  c.learning_rate = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(TrainAgent(w.model, c), Catch::Contains("train.learning_rate"));
}

#include "agents/internal.h"
#include "policy/history_encoder.h"

namespace {

// An encoder of 2 blocks with 2 heads, the shape the attention tests exercise.
HistoryEncoderConfig TwoBlockEncoder(int64_t item_dim, int64_t model_dim, int64_t length) {
  HistoryEncoderConfig hc;
  hc.item_dim = item_dim;
  hc.model_dim = model_dim;
  hc.length = length;
  hc.blocks = 2;
  hc.heads = 2;
  return hc;
}

}  // namespace

TEST_CASE("the attention history encoder is causal", "[agents][policy]") {
  torch::manual_seed(11);
  HistoryEncoder encoder(TwoBlockEncoder(3, 8, 5));
  encoder->to(torch::kFloat64);  // so that the unchanged slots agree to rounding (GEMM order)
  const auto items = torch::randn({10, 3}, torch::kFloat64);
  // Two histories that share their first three slots (padding, 2, 5) and differ after.
  const auto history = torch::tensor({{-1, 2, 5, 7, 1}, {-1, 2, 5, 9, 3}}, torch::kInt64);
  torch::NoGradGuard no_grad;
  const auto out = encoder->Encode(items, history);  // [2, 6, 8]: slot 0 is the start token
  REQUIRE(out.size(1) == 6);
  for (int64_t slot = 0; slot <= 5; ++slot) {
    const double change = (out[0][slot] - out[1][slot]).abs().max().item<double>();
    INFO("slot " << slot << ": " << change);
    if (slot <= 3) {
      CHECK(change < 1e-13);  // nothing later is seen
    } else {
      CHECK(change > 1e-3);
    }
  }
  // HistorySlots keeps the last L items, newest in the last slot.
  const int32_t h[] = {4, 8, 2, 5, 7, 1};
  int64_t slots[5];
  HistorySlots(h, 6, 5, slots);
  CHECK(std::vector<int64_t>(slots, slots + 5) == std::vector<int64_t>{8, 2, 5, 7, 1});
  HistorySlots(h, 2, 5, slots);
  CHECK(std::vector<int64_t>(slots, slots + 5) == std::vector<int64_t>{-1, -1, -1, 4, 8});
}

TEST_CASE("the attention encoder's gradients equal central finite differences", "[agents][policy]") {
  torch::manual_seed(12);
  HistoryEncoder encoder(TwoBlockEncoder(3, 4, 3));
  encoder->to(torch::kFloat64);
  const auto items = torch::randn({6, 3}, torch::kFloat64);
  const auto history = torch::tensor({{-1, 2, 5}, {-1, -1, -1}, {0, 1, 4}}, torch::kInt64);
  const auto candidates = torch::tensor({{0, 3}, {1, 2}, {5, 4}}, torch::kInt64);
  const auto weights = torch::randn({3, 2}, torch::kFloat64);
  auto objective = [&] { return (encoder->forward(items, history, candidates) * weights).sum(); };
  objective().backward();
  const double step = 1e-6;
  int checked = 0;
  for (const auto& p : encoder->named_parameters()) {
    INFO(p.key());
    auto flat = p.value().view({-1});
    const auto grad = p.value().grad().view({-1});
    for (int64_t i = 0; i < flat.size(0); i += std::max<int64_t>(1, flat.size(0) / 3)) {
      torch::NoGradGuard no_grad;
      const double x = flat[i].item<double>();
      flat[i] = x + step;
      const double up = objective().item<double>();
      flat[i] = x - step;
      const double down = objective().item<double>();
      flat[i] = x;
      CHECK(grad[i].item<double>() == Approx((up - down) / (2 * step)).margin(1e-6));
      ++checked;
    }
  }
  CHECK(checked > 40);
}

TEST_CASE("the attention scorer's policy equals its forward pass at every history length, and "
          "loads from its file", "[agents][policy]") {
  const auto model = SmallModel();
  const Eigen::MatrixXd& vectors = model->world().embeddings();
  torch::manual_seed(13);
  ScorerConfig sc;
  sc.kind = "attention";
  // 3 slots, shorter than the world's histories (4 items): the last 3 are kept.
  sc.history = TwoBlockEncoder(vectors.cols(), 8, 3);
  Scorer scorer(sc);
  {
    // Larger history weights than at initialisation, so that the history term matters.
    torch::NoGradGuard no_grad;
    scorer->encoder->key->weight.mul_(20);
  }
  const LearnedSlatePolicy policy(scorer, "attention");
  TempDir tmp;
  PolicyInfo info;
  info.name = "attention";
  SaveScorer(scorer, tmp / "a.pt", info);
  const auto loaded = LoadLearnedPolicy(tmp / "a.pt");
  const auto& loaded_policy = dynamic_cast<const LearnedSlatePolicy&>(*loaded);
  const torch::Tensor table = internal::ItemTable(vectors);
  ShopperSession s(model);
  s.Reset(1, 5);
  Observation o = s.Observe();
  REQUIRE(o.history_length > sc.history.length);
  std::vector<double> buffer;
  const double* X = FeatureMatrix(o, buffer);
  std::vector<float> x(o.num_candidates * o.num_features);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(X[i]);
  std::vector<double> first_scores;  // candidate 0's score at each history length
  for (int64_t n : {o.history_length, int64_t{2}, int64_t{0}}) {
    INFO("history length " << n);
    Observation v = o;
    v.history_length = n;  // its oldest n items: the scorer reads history and features apart
    std::vector<int64_t> slots(sc.history.length), candidates(o.candidates, o.candidates + o.num_candidates);
    HistorySlots(v.history, n, sc.history.length, slots.data());
    ScorerContext context{table, torch::tensor(slots).view({1, -1}), torch::tensor(candidates).view({1, -1})};
    torch::NoGradGuard no_grad;
    const auto expected =
        scorer->forward(torch::from_blob(x.data(), {1, o.num_candidates, o.num_features}), context);
    std::vector<double> scores, again;
    policy.Scores(v, scores);
    loaded_policy.Scores(v, again);
    REQUIRE(scores.size() == static_cast<size_t>(o.num_candidates));
    for (int64_t c = 0; c < o.num_candidates; ++c) {
      CHECK(scores[c] == Approx(expected[0][c].item<double>()).margin(2e-5));
      CHECK(again[c] == Approx(scores[c]).margin(1e-12));
    }
    first_scores.push_back(scores[0]);
  }
  // The features are the same at every history length: only the history term moves the score.
  CHECK(std::abs(first_scores[0] - first_scores[1]) > 1e-3);
  CHECK(std::abs(first_scores[1] - first_scores[2]) > 1e-3);
  // A file whose header does not match its weights does not load.
  scorer->config.history.model_dim = 4;
  SaveScorer(scorer, tmp / "bad.pt", info);
  CHECK_THROWS_WITH(LoadLearnedPolicy(tmp / "bad.pt"), Catch::Contains("bad.pt") && Catch::Contains("shape"));
  scorer->config.history.model_dim = 8;
  // Another world's item vectors (another width) are refused, naming the policy.
  Observation other = o;
  ItemKernels narrow = *o.kernels;
  narrow.item_features = Eigen::MatrixXd::Zero(narrow.item_features.rows(), 2);
  other.kernels = &narrow;
  std::vector<double> scores;
  CHECK_THROWS_WITH(policy.Scores(other, scores), Catch::Contains("'attention'") && Catch::Contains("width"));
  // A history item outside the catalog is named, with the policy.
  const int32_t stray[] = {0, 100000};
  Observation unknown = o;
  unknown.history = stray;
  unknown.history_length = 2;
  CHECK_THROWS_WITH(policy.Scores(unknown, scores),
                    Catch::Contains("'attention'") && Catch::Contains("history item 100000"));
  CHECK_THROWS_WITH(scorer->forward(torch::zeros({1, 2, o.num_features})), Catch::Contains("histories"));
}

TEST_CASE("reinforce and ppo train the attention scorer, seeded, and resume exactly; the "
          "log learners refuse it", "[agents]") {
  const LoggedWorld w(500);
  TempDir tmp;
  for (const std::string agent : {"reinforce", "ppo"}) {
    INFO(agent);
    TrainConfig c;
    c.agent = agent;
    c.scorer = "attention";
    c.history = 4;
    c.attention_dim = 8;
    c.attention_blocks = 2;
    c.attention_heads = 2;
    c.updates = 4;
    c.episodes_per_update = 8;
    c.checkpoint = tmp / (agent + ".ckpt");
    c.checkpoint_every = 2;
    const TrainResult full = TrainAgent(w.model, c);
    const TrainResult same = TrainAgent(w.model, c);
    CHECK(same.curve == full.curve);
    CHECK(ScoresOf(*same.policy, *w.model) == ScoresOf(*full.policy, *w.model));
    c.updates = 2;
    c.checkpoint = tmp / (agent + ".half");
    TrainAgent(w.model, c);
    c.updates = 4;
    c.resume = true;
    const TrainResult resumed = TrainAgent(w.model, c);
    CHECK(resumed.curve == full.curve);
    CHECK(ScoresOf(*resumed.policy, *w.model) == ScoresOf(*full.policy, *w.model));
    // Resuming under another encoder width names the key.
    c.attention_dim = 4;
    CHECK_THROWS_WITH(TrainAgent(w.model, c), Catch::Contains("train.attention_dim"));
    // The saved policy file carries the encoder.
    c = TrainConfig();
    c.agent = agent;
    c.scorer = "attention";
    c.updates = 1;
    c.episodes_per_update = 4;
    const TrainResult one = TrainAgent(w.model, c);
    SaveTrainedPolicy(one, tmp / (agent + ".pt"), "test");
    CHECK(ScoresOf(*LoadLearnedPolicy(tmp / (agent + ".pt")), *w.model) == ScoresOf(*one.policy, *w.model));
  }
  TrainConfig c;
  c.scorer = "attention";
  for (const std::string agent : {"offpolicy-reinforce", "ipw"}) {
    c.agent = agent;
    CHECK_THROWS_WITH(TrainAgent(w.model, c, nullptr, nullptr, &w.logs),
                      Catch::Contains("train.scorer") && Catch::Contains(agent));
  }
  c.agent = "reinforce";
  c.attention_heads = 3;
  CHECK_THROWS_WITH(TrainAgent(w.model, c), Catch::Contains("train.attention_heads"));
}

TEST_CASE("the on-policy batch holds, row for row, what the acting attention policy saw", "[agents]") {
  const LoggedWorld w(100);
  TrainConfig c;
  c.scorer = "attention";
  c.history = 3;
  c.attention_dim = 8;
  c.seed = 4;
  const Eigen::MatrixXd& vectors = w.model->world().embeddings();
  Scorer scorer = internal::MakeScorer(c, kNumFeatures, vectors.cols());
  {
    torch::NoGradGuard no_grad;
    scorer->encoder->key->weight.mul_(20);  // a history term that matters
  }
  const LearnedSlatePolicy policy(scorer, "attention");
  const internal::Episodes b = internal::Collect(SimulatorEnvironment(w.model), policy, 3, 77, 0.9, c.history);
  REQUIRE(b.N > 3);
  REQUIRE(static_cast<int64_t>(b.candidates.size()) == b.N * b.C);
  REQUIRE(static_cast<int64_t>(b.history.size()) == b.N * b.L);
  // The training forward pass over the whole batch.
  torch::NoGradGuard no_grad;
  ScorerContext context{internal::ItemTable(vectors),
                        torch::from_blob(const_cast<int64_t*>(b.history.data()), {b.N, b.L}, torch::kInt64),
                        torch::from_blob(const_cast<int64_t*>(b.candidates.data()), {b.N, b.C}, torch::kInt64)};
  const auto X = torch::from_blob(const_cast<float*>(b.features.data()), {b.N, b.C, b.F});
  const auto trained = scorer->forward(X, context);
  // Replaying the same sessions, each step's row holds its candidates, last items and
  // features, the slate the policy drew, and the scores the policy acted on.
  ShopperSession s(w.model);
  int64_t t = 0;
  std::vector<int32_t> slate(b.K);
  std::vector<int64_t> slots(b.L);
  std::vector<double> scores;
  for (int64_t e = 0; e < 3; ++e) {
    const EpisodeStart start = StartOfEpisode(77, e, w.model->world().num_shoppers());
    s.Reset(start.user, start.session_seed);
    SplitMix64 rng(start.policy_seed);
    while (!s.done()) {
      REQUIRE(t < b.N);
      const Observation o = s.Observe();
      policy.Act(o, rng, slate.data());
      policy.Scores(o, scores);
      HistorySlots(o.history, o.history_length, b.L, slots.data());
      for (int64_t k = 0; k < b.K; ++k) CHECK(b.slates[t * b.K + k] == slate[k]);
      for (int64_t j = 0; j < b.L; ++j) CHECK(b.history[t * b.L + j] == slots[j]);
      for (int64_t i = 0; i < b.C; ++i) {
        CHECK(b.candidates[t * b.C + i] == o.candidates[i]);
        CHECK(b.features[(t * b.C + i) * b.F] == static_cast<float>(o.feature(i)[0]));
        CHECK(trained[t][i].item<double>() == Approx(scores[i]).margin(2e-5));
      }
      s.Step(slate.data());
      ++t;
    }
  }
  CHECK(t == b.N);
}
