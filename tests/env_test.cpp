// Tests for env/: conformance of every configuration, exact ground truth by enumeration
// against simulation, sequential structure, bad configs, replay resets.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <set>

#include "common/error.h"
#include "common/fnv.h"
#include "env/choice_model.h"
#include "env/ground_truth.h"
#include "env/session_batch.h"
#include "env/shopper_model.h"
#include "env/world.h"
#include "policy/fixed_policies.h"
#include "test_util.h"

using namespace bundlerl;

// Counts heap allocations while `g_count_allocations` is set: the "no allocation per step"
// test of the session batch. Replaces the global operator new of this test binary (with
// malloc/free, which GCC's -Wmismatched-new-delete cannot see are paired).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// Left out of the sanitizer build, whose own operator new variants would be mixed with it.
static std::atomic<bool> g_count_allocations{false};
static std::atomic<int64_t> g_allocations{0};
#ifndef __SANITIZE_ADDRESS__
#define BUNDLERL_COUNTS_ALLOCATIONS 1
void* operator new(std::size_t n) {
  if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

ActFunction Act(const SlatePolicy& p) {
  return [&p](const Observation& o, SplitMix64& r, int32_t* s) { p.Act(o, r, s); };
}
EnumerateFunction Enum(const SlatePolicy& p) {
  return [&p](const Observation& o) { return p.Enumerate(o); };
}

WorldConfig TinyWorld() {
  WorldConfig w;
  w.num_items = 4;
  w.num_users = 3;
  w.num_categories = 2;
  w.embedding_dim = 3;
  w.history_length = 1;
  w.baskets = 60;
  return w;
}

SessionConfig TinySession() {
  SessionConfig s;
  s.slate_size = 2;
  s.num_candidates = 4;
  s.max_steps = 3;
  return s;
}

// Phone (0), snack (1), case (2): the case only pays after the phone was clicked.
std::shared_ptr<const ShopperModel> PhoneCaseModel() {
  ItemKernels k;
  Eigen::MatrixXd v(3, 2);
  v << 0, 0, 0.5, 0, 0, -2;
  k.item_features = v;
  k.content = std::make_shared<CosineSimilarity>(v);
  k.complement = std::make_shared<CooccurrenceSimilarity>(3, std::vector<int64_t>{0, 2}, std::vector<int32_t>{0, 2},
                                                          CooccurrenceSimilarity::Measure::kJaccard);
  k.category = {0, 0, 0};
  k.num_categories = 1;
  k.log_price = {0, 0, 0};
  k.popularity = {0, 0, 0};
  Shopper s;
  s.theta = Eigen::Vector2d(1, 1);
  auto world = std::make_shared<const World>(k, std::vector<Shopper>{s});
  ShopperConfig sh;
  sh.w_content = 0;
  sh.w_price = 0;
  sh.w_popularity = 0;
  sh.w_complement = 6;
  sh.position_bias = {0};
  sh.no_click_utility = 0;
  sh.leave_base = 0;
  sh.leave_per_miss = 0;
  SessionConfig se;
  se.slate_size = 1;
  se.num_candidates = 3;
  se.max_steps = 2;
  return std::make_shared<const ShopperModel>(world, sh, se);
}

// The default world with `items` items and sessions over `candidates` of them.
std::shared_ptr<const ShopperModel> DefaultModel(int64_t items, int64_t candidates, ShopperConfig shopper = {}) {
  WorldConfig wc;
  wc.num_items = items;
  SessionConfig se;
  se.num_candidates = candidates;
  return std::make_shared<const ShopperModel>(World::Generate(wc), shopper, se);
}

}  // namespace

TEST_CASE("conformance: every choice model and reward terminates with finite rewards, "
          "probabilities sum to one, and the same seed replays the same trajectory", "[env]") {
  const auto world = World::Generate(WorldConfig{});
  REQUIRE(ChoiceModelRegistry::Names().size() >= 3);
  for (const std::string& choice : ChoiceModelRegistry::Names()) {
    for (const char* reward : {"click", "purchase", "revenue"}) {
      INFO(choice << " / " << reward);
      ShopperConfig sh;
      sh.choice_model = choice;
      sh.noise_sd = 0.3;
      sh.drift_sd = 0.05;
      SessionConfig se;
      se.reward = reward;
      const auto model = std::make_shared<const ShopperModel>(world, sh, se);
      ShopperSession a(model), b(model);
      const auto uniform = MakeFixedPolicy("uniform");
      std::vector<std::pair<uint32_t, double>> outcomes;
      for (int episode = 0; episode < 30; ++episode) {
        a.Reset(episode % 50, 1000 + episode);
        b.Reset(episode % 50, 1000 + episode);
        SplitMix64 ra(episode), rb(episode);
        int32_t slate[3], slate_b[3];
        while (!a.done()) {
          const Observation o = a.Observe();
          for (int64_t c = 0; c < o.num_candidates * o.num_features; ++c) REQUIRE(std::isfinite(o.features[c]));
          uniform->Act(o, ra, slate);
          uniform->Act(b.Observe(), rb, slate_b);
          REQUIRE(std::equal(slate, slate + 3, slate_b));
          a.ClickOutcomes(slate, outcomes);
          double total = 0;
          for (const auto& [mask, p] : outcomes) {
            total += p;
            REQUIRE(p >= 0);
          }
          REQUIRE(total == Approx(1.0).epsilon(1e-12));
          const StepResult x = a.Step(slate), y = b.Step(slate_b);
          REQUIRE(std::isfinite(x.reward));
          REQUIRE(x.reward >= 0);
          REQUIRE(x.clicks == y.clicks);
          REQUIRE(x.reward == y.reward);
          REQUIRE(a.step() <= se.max_steps);
        }
        REQUIRE(b.done());
        REQUIRE(a.history() == b.history());
      }
    }
  }
}

TEST_CASE("the same world seed gives the same world; another seed another", "[env]") {
  const auto a = World::Generate(WorldConfig{}), b = World::Generate(WorldConfig{});
  WorldConfig other;
  other.seed = 2;
  const auto c = World::Generate(other);
  CHECK(a->embeddings() == b->embeddings());
  CHECK(a->kernels().log_price == b->kernels().log_price);
  CHECK(a->shopper(17).history == b->shopper(17).history);
  CHECK(a->embeddings() != c->embeddings());
}

TEST_CASE("simulation agrees with exact enumeration on small worlds", "[env][slow]") {
  const auto world = World::Generate(TinyWorld());
  for (const std::string& choice : ChoiceModelRegistry::Names()) {
    for (const char* name : {"uniform", "popularity", "itemcf"}) {
      ShopperConfig sh;
      sh.choice_model = choice;
      SessionConfig se = TinySession();
      se.reward = "purchase";
      const auto model = std::make_shared<const ShopperModel>(world, sh, se);
      const auto policy = MakeFixedPolicy(name);
      const double exact = ExactValue(model, Enum(*policy));
      const ValueEstimate sim = SimulateValue(model, Act(*policy), 60000, 7, 2);
      INFO(choice << " " << name << ": exact " << exact << " simulated " << sim.value << " +- " << sim.stderr_);
      CHECK(std::abs(sim.value - exact) < 3 * sim.stderr_);
      CHECK(exact > 0);
    }
  }
}

TEST_CASE("simulated values do not depend on the number of threads", "[env]") {
  const auto model = std::make_shared<const ShopperModel>(World::Generate(WorldConfig{}), ShopperConfig{},
                                                          SessionConfig{});
  const auto policy = MakeFixedPolicy("popularity");
  const auto one = SimulateValue(model, Act(*policy), 3000, 5, 1);
  const auto two = SimulateValue(model, Act(*policy), 3000, 5, 2);
  CHECK(one.value == two.value);
  CHECK(one.stderr_ == two.stderr_);
  CHECK(SimulateValue(model, Act(*policy), 3000, 6, 2).value != one.value);
}

TEST_CASE("the problem is sequential: the myopic policy is not optimal", "[env]") {
  const auto model = PhoneCaseModel();
  const auto s = [](double x) { return 1 / (1 + std::exp(-x)); };
  // Myopic shows the snack twice; optimal shows the phone, then the case if it was clicked.
  CHECK(MyopicValue(model, 0) == Approx(2 * s(0.5)).epsilon(1e-12));
  CHECK(OptimalValue(model, 0) == Approx(0.5 + 0.5 * s(4.0) + 0.5 * s(0.5)).epsilon(1e-12));
  CHECK(OptimalValue(model, 0) > MyopicValue(model, 0) + 0.05);
}

TEST_CASE("bundle term: complements raise, redundant items lower an item's utility", "[env]") {
  const auto model = PhoneCaseModel();
  ShopperConfig sh = model->shopper_config();
  sh.position_bias = {0, 0};
  sh.complementarity = 2.0;
  sh.redundancy = 1.0;
  SessionConfig se = model->session_config();
  se.slate_size = 2;
  const ShopperModel m(model->world_ptr(), sh, se);
  const Eigen::VectorXd theta = model->world().shopper(0).theta;
  const int32_t with_case[] = {0, 2}, with_snack[] = {0, 1}, snack_twice_like[] = {1, 1};
  double u1[2], u2[2], u3[2];
  m.Utilities(0, theta, nullptr, 0, with_case, 2, u1);
  m.Utilities(0, theta, nullptr, 0, with_snack, 2, u2);
  CHECK(u1[0] - u2[0] == Approx(2.0));  // complementarity x Jaccard(phone, case) = 1
  m.Utilities(0, theta, nullptr, 0, snack_twice_like, 2, u3);
  CHECK(u3[0] == Approx(0.5 - 1.0));    // redundancy x cosine(snack, snack) = 1
}

TEST_CASE("bad configs name the key", "[env]") {
  const auto world = World::Generate(TinyWorld());
  ShopperConfig sh;
  sh.leave_per_miss = -0.1;
  CHECK_THROWS_WITH(ShopperModel(world, sh, TinySession()), Catch::Contains("shopper.leave_per_miss"));
  sh = ShopperConfig{};
  sh.choice_model = "psychic";
  CHECK_THROWS_WITH(ShopperModel(world, sh, TinySession()),
                    Catch::Contains("shopper.choice_model") && Catch::Contains("psychic"));
  SessionConfig se = TinySession();
  se.slate_size = 5;
  CHECK_THROWS_WITH(ShopperModel(world, ShopperConfig{}, se),
                    Catch::Contains("session.slate_size") && Catch::Contains("larger than the candidate set"));
  se = TinySession();
  se.num_candidates = 9;
  CHECK_THROWS_WITH(ShopperModel(world, ShopperConfig{}, se), Catch::Contains("session.candidates"));
  WorldConfig w = TinyWorld();
  w.num_items = -3;
  CHECK_THROWS_WITH(World::Generate(w), Catch::Contains("world.items"));
  sh = ShopperConfig{};
  sh.position_bias = {0.0};
  CHECK_THROWS_WITH(ShopperModel(world, sh, TinySession()), Catch::Contains("shopper.position_bias"));
}

TEST_CASE("malformed slates are rejected with the slot named", "[env]") {
  const auto model = std::make_shared<const ShopperModel>(World::Generate(TinyWorld()), ShopperConfig{}, TinySession());
  ShopperSession s(model);
  s.Reset(0, 1);
  const int32_t dup[] = {1, 1}, out[] = {0, 4};
  CHECK_THROWS_WITH(s.Step(dup), Catch::Contains("slots 0 and 1"));
  CHECK_THROWS_WITH(s.Step(out), Catch::Contains("slate slot 1") && Catch::Contains("not in [0, 4)"));
}

TEST_CASE("a replay episode starts from exactly the logged context", "[env]") {
  const auto world = World::Generate(WorldConfig{});
  const auto model = std::make_shared<const ShopperModel>(world, ShopperConfig{}, SessionConfig{});
  ShopperSession s(model);
  const std::vector<int32_t> candidates = {5, 9, 17, 33, 2}, history = {40, 41, 7};
  s.Reset(12, candidates, history, 3);
  const Observation o = s.Observe();
  CHECK(o.user == 12);
  CHECK(o.step == 0);
  CHECK(std::vector<int32_t>(o.candidates, o.candidates + o.num_candidates) == candidates);
  CHECK(std::vector<int32_t>(o.history, o.history + o.history_length) == history);
  // Its features are those of the feature builder for that history and those candidates.
  const ItemKernels& k = world->kernels();
  const UserState u = UserStateFromHistory(k, history, Eigen::VectorXd());
  std::vector<double> f(5 * kNumFeatures);
  BuildFeatures(k, u, candidates.data(), 5, f.data());
  for (int c = 0; c < 5; ++c) {
    CHECK(o.feature(c)[kContentMax] == Approx(f[c * kNumFeatures + kContentMax]));
    CHECK(o.feature(c)[kComplementMax] == Approx(f[c * kNumFeatures + kComplementMax]));
    CHECK(o.feature(c)[kPopularity] == Approx(f[c * kNumFeatures + kPopularity]));
  }
  CHECK_THROWS_WITH(s.Reset(12, {1}, {}, 0), Catch::Contains("candidates for slates of K = 3"));
  CHECK_THROWS_WITH(s.Reset(5000, candidates, history, 0), Catch::Contains("user 5000 not in the world"));
  CHECK_THROWS_WITH(s.Reset(12, {5, 9, 900}, history, 0), Catch::Contains("candidate item 900 out of range"));
  CHECK_THROWS_WITH(s.Reset(12, candidates, {40, -1}, 0), Catch::Contains("history item -1 out of range"));
}

#include "ope/choice_fit.h"

namespace {

// 200,000 one-step rounds under uniform slates, with the shopper's true utility features.
ChoiceData LogChoices(const std::string& choice, int64_t n) {
  const auto world = World::Generate(WorldConfig{});
  ShopperConfig sh;
  sh.choice_model = choice;
  SessionConfig se;
  se.max_steps = 1;
  const auto model = std::make_shared<const ShopperModel>(world, sh, se);
  ChoiceData d;
  d.n = n;
  d.K = se.slate_size;
  d.P = ShopperModel::kNumUtilityFeatures;
  d.x.resize(n * d.K * d.P);
  d.clicks.resize(n);
  const UniformSlate uniform;
  ShopperSession s(model);
  for (int64_t i = 0; i < n; ++i) {
    s.Reset(static_cast<int32_t>(i % world->num_shoppers()), DeriveSeed(42, i));
    SplitMix64 rng(DeriveSeed(43, i));
    int32_t slate[3], items[3];
    uniform.Act(s.Observe(), rng, slate);
    for (int k = 0; k < 3; ++k) items[k] = s.candidates()[slate[k]];
    model->UtilityFeatures(s.user(), world->shopper(s.user()).theta, s.history().data(),
                           static_cast<int64_t>(s.history().size()), items, 3, &d.x[i * d.K * d.P]);
    d.clicks[i] = s.Step(slate).clicks;
  }
  return d;
}

}  // namespace

TEST_CASE("maximum likelihood recovers the true shopper parameters within 3 standard errors",
          "[env][slow]") {
  const ShopperConfig truth;
  const std::vector<double> w = {truth.w_profile, truth.w_content, truth.w_complement, truth.w_price,
                                 truth.w_popularity, truth.complementarity, truth.redundancy,
                                 truth.PositionBias(1), truth.PositionBias(2)};
  for (const char* choice : {"mnl", "cascade"}) {
    const ChoiceData d = LogChoices(choice, 200000);
    const ChoiceFit fit = FitChoiceModel(choice, d, truth.no_click_utility);
    REQUIRE(fit.beta.size() == 9);
    for (int j = 0; j < 9; ++j) {
      INFO(choice << " parameter " << j << ": fit " << fit.beta[j] << " +- " << fit.stderr_[j] << ", true " << w[j]);
      CHECK(std::abs(fit.beta[j] - w[j]) < 3 * fit.stderr_[j]);
      CHECK(fit.stderr_[j] < 0.5);  // informative: the data pin every parameter down
    }
    // The fit is at least as likely as the truth (it is the maximiser).
    CHECK(fit.loglik >= ChoiceLogLikelihood(choice, d, Eigen::Map<const Eigen::VectorXd>(w.data(), 9), 1.0) - 1e-12);
  }
}

TEST_CASE("choice-model fits reject malformed data", "[env]") {
  ChoiceData d;
  d.n = 2, d.K = 2, d.P = 1;
  d.x = {0, 1, 2, 3};
  d.clicks = {1, 3};
  CHECK_THROWS_WITH(FitChoiceModel("mnl", d, 0), Catch::Contains("round 1") && Catch::Contains("one click"));
  d.clicks = {1, 4};
  CHECK_THROWS_WITH(FitChoiceModel("cascade", d, 0), Catch::Contains("round 1") && Catch::Contains("slot >= K"));
  d.clicks = {1};
  CHECK_THROWS_WITH(FitChoiceModel("mnl", d, 0), Catch::Contains("1 click masks for 2 rounds"));
  CHECK_THROWS_WITH(FitChoiceModel("logit", d, 0), Catch::Contains("mnl, cascade or independent"));
}

TEST_CASE("incremental observations equal the feature builder's from scratch", "[env]") {
  const auto world = World::Generate(WorldConfig{});
  ShopperConfig sh;
  sh.max_history = 8;  // also exercises the full refresh after dropping old items
  SessionConfig se;
  se.max_steps = 30;
  const auto model = std::make_shared<const ShopperModel>(world, sh, se);
  ShopperSession s(model);
  const auto policy = MakeFixedPolicy("epsilon-greedy:0.3:itemcf");
  int64_t clicks = 0;
  for (int e = 0; e < 40; ++e) {
    s.Reset(e, 77 + e);
    SplitMix64 rng(e);
    int32_t slate[3];
    while (!s.done()) {
      // The state observation's rows on demand, before the matrix is brought up to date.
      const Observation st = s.ObserveState();
      REQUIRE(st.features == nullptr);
      std::vector<double> rows(st.num_candidates * kNumFeatures);
      st.ComputeFeatures(0, st.num_candidates, rows.data());
      const Observation o = s.Observe();
      const std::vector<double> full = s.RecomputeFeatures();
      for (size_t i = 0; i < full.size(); ++i) {
        REQUIRE(o.features[i] == Approx(full[i]).margin(1e-9));
        REQUIRE(rows[i] == Approx(full[i]).margin(1e-9));
      }
      // A sub-range, and from the materialised observation (a copy).
      double part[2 * kNumFeatures];
      st.ComputeFeatures(5, 7, part);
      for (int i = 0; i < 2 * kNumFeatures; ++i) REQUIRE(part[i] == Approx(full[5 * kNumFeatures + i]).margin(1e-9));
      o.ComputeFeatures(5, 7, part);
      for (int i = 0; i < 2 * kNumFeatures; ++i) REQUIRE(part[i] == o.features[5 * kNumFeatures + i]);
      policy->Act(o, rng, slate);
      clicks += __builtin_popcount(s.Step(slate).clicks);
    }
  }
  CHECK(clicks > 100);
  const Observation st = s.ObserveState();
  double row[kNumFeatures];
  CHECK_THROWS_WITH(st.ComputeFeatures(st.num_candidates - 1, st.num_candidates + 1, row),
                    Catch::Contains("outside [0, " + std::to_string(st.num_candidates) + ")"));
}

TEST_CASE("state-only stepping gives the same trajectory; tabulated kernels the same responses", "[env]") {
  // Observe() and ObserveState() do not touch the shopper's generator, and a tabulated kernel
  // returns its base's Pair() values: the same seeds give the same clicks in all three runs.
  WorldConfig wc;
  wc.num_items = 300;
  const auto tabulated = World::Generate(wc);
  wc.similarity_table_items = 0;
  const auto plain = World::Generate(wc);
  REQUIRE(tabulated->kernels().content->StoredRow(0) != nullptr);
  REQUIRE(tabulated->kernels().complement->StoredRow(0) != nullptr);
  REQUIRE(plain->kernels().content->StoredRow(0) == nullptr);
  ShopperConfig sh;
  sh.noise_sd = 0.3;
  sh.drift_sd = 0.05;
  SessionConfig se;
  se.num_candidates = 120;
  se.max_steps = 15;
  std::vector<std::vector<uint32_t>> runs;
  for (int run = 0; run < 3; ++run) {
    const auto model = std::make_shared<const ShopperModel>(run == 2 ? plain : tabulated, sh, se);
    ShopperSession s(model);
    std::vector<uint32_t> trace;
    SplitMix64 slates(3);
    for (int e = 0; e < 200; ++e) {
      s.Reset(e % 1000, DeriveSeed(11, e));
      while (!s.done()) {
        const Observation o = run == 1 ? s.ObserveState() : s.Observe();
        int32_t slate[3];
        for (int a = 0; a < 3; ++a) {
          do slate[a] = static_cast<int32_t>(slates.Below(o.num_candidates));
          while (std::find(slate, slate + a, slate[a]) != slate + a);
        }
        const StepResult r = s.Step(slate);
        trace.push_back(r.clicks);
        trace.push_back(static_cast<uint32_t>(s.candidates()[slate[0]]));
      }
    }
    runs.push_back(trace);
  }
  CHECK(runs[0].size() > 1000);
  CHECK(runs[1] == runs[0]);
  CHECK(runs[2] == runs[0]);
}

TEST_CASE("a session batch replays SimulateEpisodes exactly, for any threads and observation", "[env]") {
  // Each session acts with the policy generator SimulateEpisodes gives its episode, so the
  // batch's per-episode totals must equal SimulateEpisodes' to the bit.
  ShopperConfig sh;
  sh.noise_sd = 0.2;
  const auto model = DefaultModel(150, 60, sh);
  const int64_t C = model->session_config().num_candidates;
  const auto policy = MakeFixedPolicy("epsilon-greedy:0.5:content");
  const int64_t episodes = 400, N = 37;
  const uint64_t seed = 5;
  const EpisodeTotals want = SimulateEpisodes(model, Act(*policy), episodes, seed, 2);
  for (const auto& [threads, kind] : {std::pair{1, ObservationKind::kFull}, std::pair{2, ObservationKind::kFull},
                                      std::pair{2, ObservationKind::kState}}) {
    SessionBatch batch(model, N, seed, threads, kind);
    std::vector<SplitMix64> rngs;
    for (int64_t i = 0; i < N; ++i) rngs.emplace_back(DeriveSeed(DeriveSeed(seed, i), 2));
    std::vector<double> reward(episodes, 0.0), steps(episodes, 0.0);
    std::vector<int32_t> slates(N * 3);
    std::vector<StepResult> out(N);
    std::vector<double> rows(C * kNumFeatures);
    int64_t finished = 0;
    while (finished < episodes) {
      for (int64_t i = 0; i < N; ++i) {
        Observation o = batch.observation(i);
        if (kind == ObservationKind::kState) {  // the policy computes the rows itself
          REQUIRE(o.features == nullptr);
          o.ComputeFeatures(0, o.num_candidates, rows.data());
          o.features = rows.data();
        }
        policy->Act(o, rngs[i], &slates[i * 3]);
      }
      batch.Step(slates.data(), out.data());
      for (int64_t i = 0; i < N; ++i) {
        const int64_t e = batch.episode(i) - (out[i].done ? N : 0);  // the episode that stepped
        if (e < episodes) reward[e] += out[i].reward, steps[e] += 1;
        if (out[i].done) {
          finished += e < episodes;
          rngs[i] = SplitMix64(DeriveSeed(DeriveSeed(seed, batch.episode(i)), 2));
          REQUIRE(batch.observation(i).step == 0);
        }
      }
    }
    for (int64_t e = 0; e < episodes; ++e) {
      REQUIRE(reward[e] == want.reward[e]);
      REQUIRE(steps[e] == want.steps[e]);
    }
  }
  SessionBatch batch(model, 4, seed, 2);
  std::vector<int32_t> bad = {0, 1, 2, 0, 1, 2, 5, 5, 1, 0, 1, 2};
  std::vector<StepResult> out(4);
  CHECK_THROWS_WITH(batch.Step(bad.data(), out.data()), Catch::Contains("session 2") && Catch::Contains("slots 0 and 1"));
  CHECK(batch.session(0).step() == 0);  // nothing moved
  CHECK_THROWS_WITH(SessionBatch(model, 0, seed), Catch::Contains("positive"));
}

TEST_CASE("every fixed policy values the same on the state observation as on the matrix", "[env]") {
  // The policies compute the rows from the state when the session does not keep the matrix.
  const auto model = DefaultModel(120, 40);
  std::vector<std::string> names = PolicyRegistry::Names();
  names.push_back("epsilon-greedy:0.3:itemcf");
  for (const std::string& name : names) {
    const auto policy = MakeFixedPolicy(name);
    const ValueEstimate full = SimulateValue(model, Act(*policy), 3000, 8, 2, ObservationKind::kFull);
    const ValueEstimate state = SimulateValue(model, Act(*policy), 3000, 8, 2, ObservationKind::kState);
    INFO(name);
    CHECK(state.value == Approx(full.value).margin(1e-12));
    CHECK(state.mean_steps == Approx(full.mean_steps).margin(1e-12));
  }
  CHECK(ParseObservationKind("state") == ObservationKind::kState);
  CHECK_THROWS_WITH(ParseObservationKind("matrix"), Catch::Contains("expected full or state"));
}

TEST_CASE("a session batch allocates nothing per step once warm", "[env]") {
  ShopperConfig sh;
  sh.max_history = 12;  // also the refresh after dropping old items
  // 100 of 300 items: sampled candidates (Floyd's algorithm) at every reset.
  const auto model = DefaultModel(300, 100, sh);
#ifndef BUNDLERL_COUNTS_ALLOCATIONS
  WARN("allocations are not counted in the sanitizer build; the Release build checks them");
  return;
#endif
  for (ObservationKind kind : {ObservationKind::kFull, ObservationKind::kState}) {
    SessionBatch batch(model, 64, 3, 2, kind);
    std::vector<int32_t> slates(64 * 3);
    std::vector<StepResult> out(64);
    SplitMix64 g(1);
    auto step = [&] {
      for (int64_t i = 0; i < 64; ++i)
        for (int a = 0; a < 3; ++a) {
          do slates[i * 3 + a] = static_cast<int32_t>(g.Below(100));
          while (std::find(&slates[i * 3], &slates[i * 3 + a], slates[i * 3 + a]) != &slates[i * 3 + a]);
        }
      batch.Step(slates.data(), out.data());
    };
    for (int r = 0; r < 300; ++r) step();  // warm: every buffer at its largest
    int64_t done = 0;
    g_allocations = 0;
    g_count_allocations = true;
    static std::vector<int>* volatile control = nullptr;  // the counter does see allocations
    control = new std::vector<int>(100);
    delete control;
    REQUIRE(g_allocations.load() >= 2);
    g_allocations = 0;
    for (int r = 0; r < 500; ++r) {
      step();
      for (const StepResult& x : out) done += x.done;
    }
    g_count_allocations = false;
    CHECK(done > 1000);  // many resets inside the counted steps
    CHECK(g_allocations.load() == 0);
  }
}

TEST_CASE("the independent-clicks model recovers its parameters within 3 standard errors", "[env]") {
  // Clicks drawn slot by slot with P = sigmoid(beta . x + bias_k - u0), several per round.
  const double beta[3] = {0.8, -0.5, 0.3}, bias[2] = {-0.4, -0.9}, u0 = 0.5;
  ChoiceData d;
  d.n = 40000, d.K = 3, d.P = 3;
  SplitMix64 rng(7);
  int64_t several = 0;
  for (int64_t i = 0; i < d.n; ++i) {
    uint32_t mask = 0;
    for (int64_t k = 0; k < d.K; ++k) {
      double u = k > 0 ? bias[k - 1] : 0.0;
      for (int64_t j = 0; j < d.P; ++j) {
        const double x = 2 * rng.Uniform() - 1;
        d.x.push_back(x);
        u += beta[j] * x;
      }
      if (rng.Uniform() < Sigmoid(u - u0)) mask |= 1u << k;
    }
    several += __builtin_popcount(mask) > 1;
    d.clicks.push_back(mask);
  }
  REQUIRE(several > 1000);
  CHECK_THROWS_WITH(FitChoiceModel("mnl", d, u0), Catch::Contains("one click per round"));
  const ChoiceFit fit = FitChoiceModel("independent", d, u0);
  const double truth[5] = {beta[0], beta[1], beta[2], bias[0], bias[1]};
  for (int j = 0; j < 5; ++j) {
    INFO("parameter " << j << ": " << fit.beta[j] << " +- " << fit.stderr_[j]);
    CHECK(std::abs(fit.beta[j] - truth[j]) < 3 * fit.stderr_[j]);
  }
  // The expected clicks of a slate and their gradient (finite differences).
  const double* x = d.x.data();
  double p[3], grad[5];
  const double total = SlateClickProbabilities("independent", x, 3, 3, fit.beta, u0, p, grad);
  CHECK(total == Approx(p[0] + p[1] + p[2]));
  for (int j = 0; j < 5; ++j) {
    Eigen::VectorXd up = fit.beta, down = fit.beta;
    up[j] += 1e-6, down[j] -= 1e-6;
    double q[3];
    const double fd = (SlateClickProbabilities("independent", x, 3, 3, up, u0, q) -
                       SlateClickProbabilities("independent", x, 3, 3, down, u0, q)) / 2e-6;
    CHECK(grad[j] == Approx(fd).epsilon(1e-5));
  }
  for (const char* model : {"mnl", "cascade"}) {
    INFO(model);
    double g2[5];
    SlateClickProbabilities(model, x, 3, 3, fit.beta, u0, p, g2);
    for (int j = 0; j < 5; ++j) {
      Eigen::VectorXd up = fit.beta, down = fit.beta;
      up[j] += 1e-6, down[j] -= 1e-6;
      double q[3];
      const double fd = (SlateClickProbabilities(model, x, 3, 3, up, u0, q) -
                         SlateClickProbabilities(model, x, 3, 3, down, u0, q)) / 2e-6;
      CHECK(g2[j] == Approx(fd).epsilon(1e-5));
    }
  }
}

namespace {

// FNV-1a over the bits of values: a digest that changes when any simulated number changes.
struct BitDigest {
  uint64_t h = kFnvOffset;
  void Bytes(const void* p, size_t n) { h = Fnv1a(p, n, h); }
  template <typename T>
  void Add(T v) { Bytes(&v, sizeof v); }
};

// Steps a batch of `kind` with seeded uniform slates and digests every response, every
// observation's user state and (kFull) feature matrix, and the exact click distribution
// (ClickOutcomes, the noise-free utilities) of session 0 at each step.
uint64_t TrajectoryDigest(const std::shared_ptr<const ShopperModel>& model, ObservationKind kind, int threads) {
  const int64_t N = 9, K = model->session_config().slate_size, C = model->session_config().num_candidates;
  SessionBatch batch(model, N, 11, threads, kind);
  std::vector<int32_t> slates(N * K);
  std::vector<StepResult> out(N);
  std::vector<std::pair<uint32_t, double>> outcomes;
  SplitMix64 g(4);
  BitDigest d;
  for (int r = 0; r < 120; ++r) {
    for (int64_t i = 0; i < N; ++i)
      for (int64_t a = 0; a < K; ++a) {
        do slates[i * K + a] = static_cast<int32_t>(g.Below(C));
        while (std::find(&slates[i * K], &slates[i * K + a], slates[i * K + a]) != &slates[i * K + a]);
      }
    batch.session(0).ClickOutcomes(slates.data(), outcomes);
    for (const auto& [mask, p] : outcomes) d.Add(mask), d.Add(p);
    batch.Step(slates.data(), out.data());
    for (int64_t i = 0; i < N; ++i) {
      const StepResult& x = out[i];
      d.Add(x.reward), d.Add(x.clicks), d.Add(x.buys), d.Add(x.revenue), d.Add(x.done);
      const Observation& o = batch.observation(i);
      d.Add(o.user), d.Add(o.step), d.Add(o.history_length), d.Add(o.state.price.mean), d.Add(o.state.price.sd);
      d.Bytes(o.history, o.history_length * sizeof(int32_t));
      d.Bytes(o.state.preference, o.state.preference_dim * sizeof(double));
      d.Bytes(o.state.category_hist, o.state.num_categories * sizeof(double));
      if (o.features) d.Bytes(o.features, C * o.num_features * sizeof(double));
    }
  }
  return d.h;
}

}  // namespace

TEST_CASE("simulated trajectories keep their exact bits (golden digests)", "[env]") {
  // Digests recorded before the simulator's speed-ups: a change to any random draw, its order
  // or any floating-point result of the shopper model or the platform's state shows here.
  // Configurations: tabulated kernels over the whole catalog (mnl, click); sampled candidates
  // with noise, drift and purchases (cascade); kernels computed pair by pair, a history cap
  // that drops old items, revenue (pbm).
  ShopperConfig mnl;
  ShopperConfig cascade;
  cascade.choice_model = "cascade";
  cascade.noise_sd = 0.5;
  cascade.drift_sd = 0.1;
  ShopperConfig pbm;
  pbm.choice_model = "pbm";
  pbm.max_history = 7;
  WorldConfig tabulated, computed;
  tabulated.num_items = computed.num_items = 200;
  computed.similarity_table_items = 0;
  SessionConfig all, sampled, wide;
  all.num_candidates = 200;
  sampled.num_candidates = 40, sampled.slate_size = 4, sampled.reward = "purchase";
  wide.num_candidates = 60, wide.slate_size = 5, wide.reward = "revenue", wide.max_steps = 14;
  const auto tab = World::Generate(tabulated), comp = World::Generate(computed);
  struct Case {
    std::shared_ptr<const ShopperModel> model;
    uint64_t state, full;  // the digests of the state and the full observation
  };
  const std::vector<Case> cases = {
      {std::make_shared<const ShopperModel>(tab, mnl, all), 0x34a652942315116dULL, 0x11516546c33ae681ULL},
      {std::make_shared<const ShopperModel>(tab, cascade, sampled), 0x1ee22055f449c24bULL, 0x080bb36194db7396ULL},
      {std::make_shared<const ShopperModel>(comp, pbm, wide), 0x9fef48aa9173af62ULL, 0x9b8cbab569e418b8ULL},
  };
  for (size_t c = 0; c < cases.size(); ++c)
    for (const auto& [kind, want] : {std::pair{ObservationKind::kState, cases[c].state},
                                     std::pair{ObservationKind::kFull, cases[c].full}})
      for (int threads : {1, 2}) {
        INFO("case " << c << (kind == ObservationKind::kState ? " state, " : " full, ") << threads << " threads");
        CHECK(TrajectoryDigest(cases[c].model, kind, threads) == want);
      }
}

// ---------------------------------------------------------------------------------------
// Worlds fitted to logs (env/fitted_world.h)

#include "dataset/slate_log.h"
#include "env/environment.h"
#include "env/fitted_world.h"

namespace {

// A log of `n` rounds over 40 items with one feature each (a "quality" q_i): each round shows
// a slate of 3 of 12 candidates (a candidate set per round parity), and the shopper clicks by
// a multinomial logit with utility 1.5 q_i + slot bias (0, -0.4, -0.8), no click at 0.
LoggedDataset KnownMnlLog(int64_t n, uint64_t seed, bool cascade = false) {
  SlateSchema schema;
  schema.click = schema.propensity = schema.candidate_set = true;
  SlateLogBuilder b(schema, SlateLogOptions());
  std::vector<std::string> keys;
  ItemColumns items;
  items.features.resize(1);
  std::vector<double> quality;
  for (int i = 0; i < 40; ++i) {
    keys.push_back("i" + std::to_string(i));
    quality.push_back(std::sin(1.7 * i));
  }
  items.keys = keys;
  items.features[0] = quality;
  b.SetItems(keys, MakeItemTable(items));
  for (int set = 0; set < 2; ++set)
    for (int c = 0; c < 12; ++c) b.AddCandidate(set ? "odd" : "even", keys[set * 20 + c]);
  SplitMix64 rng(seed);
  const double bias[3] = {0, -0.4, -0.8};
  for (int64_t r = 0; r < n; ++r) {
    const int set = static_cast<int>(r % 2);
    int32_t slate[3];
    for (int k = 0; k < 3;) {
      const auto c = static_cast<int32_t>(set * 20 + rng.Below(12));
      if (std::find(slate, slate + k, c) == slate + k) slate[k++] = c;
    }
    double u[3], z = 1.0;
    for (int k = 0; k < 3; ++k) z += (u[k] = std::exp(1.5 * quality[slate[k]] + bias[k]));
    double x = rng.Uniform() * z - 1.0;
    int clicked = -1;
    for (int k = 0; k < 3 && x >= 0; ++k)
      if ((x -= u[k]) < 0) clicked = k;
    if (cascade) {  // slots examined in order, each clicked with probability u / (1 + u), then stop
      clicked = -1;
      for (int k = 0; k < 3 && clicked < 0; ++k)
        if (rng.Uniform() < u[k] / (1.0 + u[k])) clicked = k;
    }
    for (int k = 0; k < 3; ++k) {
      SlateLogBuilder::Row row;
      const std::string round = std::to_string(r);
      row.round = round, row.item = keys[slate[k]], row.candidate_set = set ? "odd" : "even";
      row.position = k;
      row.click = clicked == k ? 1 : 0;
      row.propensity = 0.25;
      b.AddRow(row);
    }
  }
  return b.Finish([](int64_t i) { return Concat("row ", i); });
}

double ParameterOf(const ShopperModelSummary& s, const std::string& name) {
  for (size_t j = 0; j < s.parameters.size(); ++j)
    if (s.parameters[j] == name) return s.estimate[j];
  FAIL("no parameter " << name);
  return 0;
}

}  // namespace

TEST_CASE("a world fitted to a log of a known logit recovers it, and answers as its model", "[env]") {
  FittedWorldOptions o;
  o.model.features = "item";  // the item's feature (and half its square) and a constant
  const auto world = FittedWorld::Fit(KnownMnlLog(20000, 5), o);
  const FittedWorldReport& r = world->report();
  CHECK(r.kind == "slates");
  CHECK(r.model.choice == "mnl");
  // auto takes the cascade where the log was made by one (one click at most a round both ways).
  CHECK(FittedWorld::Fit(KnownMnlLog(20000, 5, /*cascade=*/true), o)->report().model.choice == "cascade");
  // The utility of a feature value q: beta_item q + beta_norm q^2 / 2 + constant; the truth is
  // 1.5 q with a constant 0 and no square term (the no-click utility is 0).
  const double se = r.model.stderr_[0];
  CHECK(std::abs(ParameterOf(r.model, "item_0") - 1.5) < 4 * se + 0.05);
  CHECK(std::abs(ParameterOf(r.model, "slot1") + 0.4) < 0.1);
  CHECK(std::abs(ParameterOf(r.model, "slot2") + 0.8) < 0.1);
  // Held out: the features explain the later rounds better than the constant alone.
  REQUIRE(r.heldout);
  CHECK(r.heldout_rounds == 4000);
  CHECK(r.heldout_loglik > r.heldout_loglik_null + 0.01);
  // The world's episodes replay logged rounds, and a step's clicks follow the model: the best
  // item first beats the worst first by the model's margin.
  CHECK(world->max_steps() == 1);
  CHECK(world->num_candidates() == 12);
  auto session = world->NewSession();
  const uint64_t policy_seed = session->Start(7, 99);
  CHECK(policy_seed == StreamSeed(DeriveSeed(99, 7), Stream::kPolicy));
  const Observation obs = session->Observe();
  CHECK(obs.num_candidates == 12);
  const int32_t bad[3] = {0, 0, 1};
  CHECK_THROWS_WITH(session->Step(bad), Catch::Contains("slot 1") && Catch::Contains("also in slot 0"));
  // Simulated values do not depend on the threads, and agree with the expected clicks.
  const ActFunction first = [](const Observation&, SplitMix64&, int32_t* s) { s[0] = 0, s[1] = 1, s[2] = 2; };
  const ValueEstimate one = ValueFromEpisodes(SimulateEnvironmentEpisodes(*world, first, 20000, 3, 1));
  const ValueEstimate two = ValueFromEpisodes(SimulateEnvironmentEpisodes(*world, first, 20000, 3, 2));
  CHECK(one.value == two.value);
  double expected = 0;
  std::vector<double> p(3), x;
  auto s2 = world->NewSession();
  for (int64_t e = 0; e < 20000; ++e) {
    s2->Start(e, 3);
    const int32_t slate[3] = {0, 1, 2};
    expected += world->model().ClickProbabilities(s2->Observe(), slate, p.data(), nullptr, x) / 20000;
  }
  CHECK(std::abs(one.value - expected) < 4 * one.stderr_);
}

TEST_CASE("a log of choices only is fitted against sampled alternatives; a slate earns when it holds the choice",
          "[env]") {
  // 40 items; each round a shopper chooses one of the 20 candidates of its set by a logit in
  // 2 q_i (the log holds the choice alone: one slot, always clicked).
  SlateSchema schema;
  schema.click = schema.candidate_set = true;
  SlateLogBuilder b(schema, SlateLogOptions());
  std::vector<std::string> keys;
  ItemColumns items;
  items.features.resize(1);
  for (int i = 0; i < 40; ++i) keys.push_back("i" + std::to_string(i)), items.features[0].push_back(std::sin(1.7 * i));
  items.keys = keys;
  b.SetItems(keys, MakeItemTable(items));
  for (int set = 0; set < 2; ++set)
    for (int c = 0; c < 20; ++c) b.AddCandidate(set ? "odd" : "even", keys[set * 20 + c]);
  SplitMix64 rng(11);
  for (int64_t r = 0; r < 6000; ++r) {
    const int set = static_cast<int>(r % 2);
    double z = 0, w[20];
    for (int c = 0; c < 20; ++c) z += (w[c] = std::exp(2.0 * items.features[0][set * 20 + c]));
    double x = rng.Uniform() * z;
    int chosen = 19;
    for (int c = 0; c < 20; ++c)
      if ((x -= w[c]) < 0) {
        chosen = c;
        break;
      }
    SlateLogBuilder::Row row;
    const std::string round = std::to_string(r);
    row.round = round, row.item = keys[set * 20 + chosen], row.candidate_set = set ? "odd" : "even";
    row.click = 1;
    b.AddRow(row);
  }
  FittedWorldOptions o;
  o.model.features = "item";
  o.negatives = 5;
  const auto world = FittedWorld::Fit(b.Finish([](int64_t i) { return Concat("row ", i); }), o);
  const FittedWorldReport& r = world->report();
  CHECK(r.kind == "choices");
  CHECK(std::abs(ParameterOf(r.model, "item_0") - 2.0) < 4 * r.model.stderr_[0] + 0.1);
  CHECK(r.heldout_loglik > r.heldout_loglik_null);
  // One slot: it earns the probability that the shopper chooses what it holds, a softmax over
  // the 20 candidates; the best candidate earns more than the worst.
  auto session = world->NewSession();
  session->Start(0, 1);
  const Observation obs = session->Observe();
  std::vector<double> p(1), x;
  double best = 0, worst = 1, total = 0;
  for (int32_t c = 0; c < 20; ++c) {
    world->model().ClickProbabilities(obs, &c, p.data(), nullptr, x);
    best = std::max(best, p[0]), worst = std::min(worst, p[0]), total += p[0];
  }
  CHECK(std::abs(total - 1.0) < 1e-12);
  CHECK(best > 5 * worst);
}

TEST_CASE("a log of one slot a round (the OBD's shape) is fitted slot by slot, with each position's bias",
          "[env]") {
  // Round r shows one item at one of 3 positions; it is clicked with probability
  // sigmoid(1.5 q_i - 1 + bias_position), bias (0, -0.5, -1): independent clicks.
  SlateSchema schema;
  schema.click = schema.propensity = true;
  SlateLogOptions options;
  options.slate_size = 3;
  SlateLogBuilder b(schema, options);
  std::vector<std::string> keys;
  ItemColumns items;
  items.features.resize(1);
  for (int i = 0; i < 30; ++i) keys.push_back("i" + std::to_string(i)), items.features[0].push_back(std::sin(1.7 * i));
  items.keys = keys;
  b.SetItems(keys, MakeItemTable(items));
  SplitMix64 rng(21);
  const double bias[3] = {0, -0.5, -1.0};
  for (int64_t r = 0; r < 30000; ++r) {
    const auto item = static_cast<int32_t>(rng.Below(30));
    const auto position = static_cast<int>(rng.Below(3));
    const double u = 1.5 * items.features[0][item] - 1.0 + bias[position];
    SlateLogBuilder::Row row;
    const std::string round = std::to_string(r);
    row.round = round, row.item = keys[item];
    row.position = position;
    row.click = rng.Uniform() < 1 / (1 + std::exp(-u)) ? 1 : 0;
    row.propensity = 1.0 / 30;
    b.AddRow(row);
  }
  FittedWorldOptions o;
  o.model.features = "item";
  const auto world = FittedWorld::Fit(b.Finish([](int64_t i) { return Concat("row ", i); }), o);
  const ShopperModelSummary& m = world->report().model;
  CHECK(m.choice == "independent");
  CHECK(world->slate_size() == 3);
  auto close = [&](const std::string& name, double truth) {
    INFO(name);
    CHECK(std::abs(ParameterOf(m, name) - truth) < 0.12);
  };
  close("item_0", 1.5);
  close("constant", -1.0);
  close("slot1", -0.5);
  close("slot2", -1.0);
  // The world shows three slots at once, each clicked on its own.
  auto session = world->NewSession();
  session->Start(0, 1);
  const int32_t slate[3] = {0, 1, 2};
  std::vector<double> p(3), x;
  world->model().ClickProbabilities(session->Observe(), slate, p.data(), nullptr, x);
  for (int k = 0; k < 3; ++k) CHECK((p[k] > 0 && p[k] < 1));
}
