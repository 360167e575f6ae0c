// Tests for policy/: fixed strategies, their distributions, and the factory.
#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/error.h"
#include "policy/fixed_policies.h"
#include "test_util.h"

using namespace bundlerl;

namespace {

struct Obs {
  std::vector<int32_t> candidates;
  std::vector<double> features;
  Observation view(int64_t K) const {
    Observation o;
    o.slate_size = K;
    o.num_candidates = static_cast<int64_t>(candidates.size());
    o.candidates = candidates.data();
    o.features = features.data();
    return o;
  }
};

Obs RandomObs(int64_t C, uint64_t seed) {
  Obs o;
  std::mt19937_64 rng(seed);
  for (int64_t c = 0; c < C; ++c) {
    o.candidates.push_back(static_cast<int32_t>(100 + c));
    for (int f = 0; f < kNumFeatures; ++f) o.features.push_back(static_cast<double>(rng() % 7));
  }
  return o;
}

}  // namespace

TEST_CASE("TopK equals a full stable sort", "[policy]") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Obs o = RandomObs(40, seed);
    for (int64_t K : {1, 3, 10}) {
      std::vector<int32_t> top(K), all(40);
      TopK(o.features.data() + kPopularity, kNumFeatures, 40, K, top.data());
      std::iota(all.begin(), all.end(), 0);
      std::stable_sort(all.begin(), all.end(), [&](int32_t a, int32_t b) {
        return o.features[a * kNumFeatures + kPopularity] > o.features[b * kNumFeatures + kPopularity];
      });
      CHECK(std::vector<int32_t>(all.begin(), all.begin() + K) == top);
    }
  }
}

TEST_CASE("uniform slates: distinct, and frequencies match the enumeration (chi-square)", "[policy]") {
  const Obs o = RandomObs(5, 1);
  const UniformSlate uniform;
  const auto dist = uniform.Enumerate(o.view(2));
  REQUIRE(dist.size() == 20);
  double total = 0;
  for (const auto& [s, p] : dist) total += p;
  CHECK(total == Approx(1.0));
  std::map<std::vector<int32_t>, int> count;
  SplitMix64 rng(3);
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> s(2);
    uniform.Act(o.view(2), rng, s.data());
    REQUIRE(s[0] != s[1]);
    ++count[s];
  }
  double chi2 = 0;
  for (const auto& [s, p] : dist) chi2 += std::pow(count[s] - n * p, 2) / (n * p);
  // 19 degrees of freedom: the 99.9% quantile is 43.8.
  CHECK(chi2 < 43.8);
}

TEST_CASE("epsilon-greedy mixes uniform and its base exactly", "[policy]") {
  const Obs o = RandomObs(4, 2);
  const auto eg = MakeFixedPolicy("epsilon-greedy:0.2:popularity");
  CHECK(eg->name() == "epsilon-greedy:0.2:popularity");
  const auto dist = eg->Enumerate(o.view(2));
  std::vector<int32_t> greedy(2);
  SplitMix64 rng(0);
  MakeFixedPolicy("popularity")->Act(o.view(2), rng, greedy.data());
  double total = 0;
  for (const auto& [s, p] : dist) {
    total += p;
    CHECK(p == Approx(0.2 / 12 + (s == greedy ? 0.8 : 0.0)));
  }
  CHECK(total == Approx(1.0));
}

TEST_CASE("conformance: every registered strategy's probabilities agree with its enumeration and its draws",
          "[policy]") {
  const Obs o = RandomObs(6, 5);
  const Observation v = o.view(3);
  REQUIRE(PolicyRegistry::Names().size() >= 6);
  for (const auto& entry : PolicyRegistry::All()) {
    INFO(entry.name);
    const auto policy = MakeFixedPolicy(entry.name);
    CHECK(!entry.summary.empty());
    for (const auto& p : entry.params) CHECK(!p.help.empty());
    const auto dist = policy->Enumerate(v);
    double total = 0;
    std::vector<double> marginal(3 * 6, 0.0);
    for (const auto& [slate, p] : dist) {
      REQUIRE(slate.size() == 3);
      CHECK(p >= 0);
      total += p;
      CHECK(policy->PrefixProbability(v, slate.data(), 3) == Approx(p).margin(1e-12));
      for (int k = 0; k < 3; ++k) marginal[k * 6 + slate[k]] += p;
    }
    CHECK(total == Approx(1.0).epsilon(1e-12));
    std::vector<double> m(3 * 6);
    policy->SlotMarginals(v, m.data());
    for (int i = 0; i < 18; ++i) CHECK(m[i] == Approx(marginal[i]).margin(1e-12));
    // Draws: distinct candidates, frequencies within 5 standard errors of the enumeration.
    std::map<std::vector<int32_t>, int> count;
    SplitMix64 rng(4);
    const int draws = 20000;
    std::vector<int32_t> slate(3);
    for (int d = 0; d < draws; ++d) {
      policy->Act(v, rng, slate.data());
      REQUIRE(std::set<int32_t>(slate.begin(), slate.end()).size() == 3);
      ++count[slate];
    }
    for (const auto& [s, p] : dist) {
      const double se = std::sqrt(p * (1 - p) / draws);
      CHECK(std::abs(count[s] / static_cast<double>(draws) - p) <= 5 * se + 1e-12);
    }
  }
}

TEST_CASE("the factory names what it knows", "[policy]") {
  for (const char* name : {"uniform", "popularity", "content", "itemcf", "profile"})
    CHECK(MakeFixedPolicy(name)->name() == name);
  CHECK_THROWS_WITH(MakeFixedPolicy("oracle-of-delphi"), Catch::Contains("unknown policy") && Catch::Contains("itemcf"));
  CHECK_THROWS_WITH(MakeFixedPolicy("epsilon-greedy:x:uniform"), Catch::Contains("epsilon"));
  CHECK_THROWS_WITH(MakeFixedPolicy("epsilon-greedy:1.5:uniform"), Catch::Contains("[0, 1]"));
}

TEST_CASE("prefix probabilities and slot marginals agree with the enumeration", "[policy]") {
  const Obs o = RandomObs(5, 4);
  const Observation v = o.view(3);
  for (const char* name : {"uniform", "popularity", "profile", "epsilon-greedy:0.3:content"}) {
    INFO(name);
    const auto policy = MakeFixedPolicy(name);
    const auto dist = policy->Enumerate(v);
    for (const auto& slate : AllSlates(5, 3)) {
      double joint = 0;
      for (const auto& [s, p] : dist)
        if (s == slate) joint = p;
      CHECK(policy->PrefixProbability(v, slate.data(), 3) == Approx(joint).margin(1e-12));
      for (int64_t prefix = 0; prefix <= 3; ++prefix) {
        double want = 0;
        for (const auto& [s, p] : dist)
          if (std::equal(s.begin(), s.begin() + prefix, slate.begin())) want += p;
        CHECK(policy->PrefixProbability(v, slate.data(), prefix) == Approx(want).margin(1e-12));
      }
    }
    std::vector<double> all(3 * 5);
    policy->SlotMarginals(v, all.data());
    for (int64_t k = 0; k < 3; ++k)
      for (int32_t c = 0; c < 5; ++c) {
        double want = 0;
        for (const auto& [s, p] : dist)
          if (s[k] == c) want += p;
        CHECK(policy->SlotMarginal(v, k, c) == Approx(want).margin(1e-12));
        CHECK(all[k * 5 + c] == Approx(want).margin(1e-12));
      }
  }
}

#include "policy/plackett_luce.h"

TEST_CASE("Plackett-Luce: probabilities sum to one over all slates, up to 8 candidates and K = 3",
          "[policy]") {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal;
  for (int64_t C : {3, 5, 8}) {
    std::vector<double> s(C);
    for (auto& x : s) x = normal(gen);
    for (int64_t K = 1; K <= 3; ++K) {
      double total = 0;
      for (const auto& slate : AllSlates(C, K)) total += std::exp(PlackettLuce::LogProb(s.data(), C, slate.data(), K));
      CHECK(total == Approx(1.0).epsilon(1e-12));
    }
    // Exact marginals (the O(C^2) closed form for K <= 3): each slot's column sums to one
    // and equals the enumeration.
    std::vector<double> m(3 * C);
    SplitMix64 rng(1);
    PlackettLuce::Marginals(s.data(), C, 3, m.data(), rng);
    for (int64_t k = 0; k < 3; ++k) {
      double col = 0;
      for (int64_t c = 0; c < C; ++c) {
        col += m[k * C + c];
        double want = 0;
        for (const auto& slate : AllSlates(C, 3))
          if (slate[k] == c) want += std::exp(PlackettLuce::LogProb(s.data(), C, slate.data(), 3));
        CHECK(m[k * C + c] == Approx(want).epsilon(1e-10));
      }
      CHECK(col == Approx(1.0).epsilon(1e-12));
    }
  }
}

TEST_CASE("Plackett-Luce: sample frequencies agree with the log-probabilities (chi-square)",
          "[policy]") {
  const std::vector<double> s = {0.5, -1.0, 2.0, 0.0, 1.0};
  const auto slates = AllSlates(5, 2);
  std::map<std::vector<int32_t>, int> count;
  SplitMix64 rng(17);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> x(2);
    PlackettLuce::Sample(s.data(), 5, 2, rng, x.data());
    ++count[x];
  }
  double chi2 = 0;
  for (const auto& slate : slates) {
    const double p = std::exp(PlackettLuce::LogProb(s.data(), 5, slate.data(), 2));
    chi2 += std::pow(count[slate] - n * p, 2) / (n * p);
  }
  CHECK(chi2 < 43.8);  // 19 degrees of freedom, 99.9% quantile
  // Monte Carlo marginals are within 4 stated standard errors of the exact ones.
  std::vector<double> exact(2 * 5), mc(2 * 5);
  PlackettLuce::Marginals(s.data(), 5, 2, exact.data(), rng);
  double se = 0;
  PlackettLuce::Marginals(s.data(), 5, 2, mc.data(), rng, 20000, &se, /*exact_limit=*/0);
  // K = 4 goes through the prefix enumeration; it agrees with the enumerated slates.
  std::vector<double> m4(4 * 5);
  PlackettLuce::Marginals(s.data(), 5, 4, m4.data(), rng);
  for (int64_t k = 0; k < 4; ++k)
    for (int32_t c = 0; c < 5; ++c) {
      double want = 0;
      for (const auto& slate : AllSlates(5, 4))
        if (slate[k] == c) want += std::exp(PlackettLuce::LogProb(s.data(), 5, slate.data(), 4));
      CHECK(m4[k * 5 + c] == Approx(want).epsilon(1e-10));
    }
  CHECK(se > 0);
  for (int i = 0; i < 10; ++i) CHECK(std::abs(mc[i] - exact[i]) < 4 * se);
}

TEST_CASE("Plackett-Luce marginals stay exact when scores span hundreds of orders of magnitude",
          "[policy]") {
  // A near-deterministic policy (a linear scorer at a low temperature): the fast closed form
  // would cancel; the result must still be a distribution equal to the enumeration.
  const std::vector<double> s = {400.0, 399.0, -300.0, 0.0, 398.0, -1000.0};
  std::vector<double> m(3 * 6);
  SplitMix64 rng(1);
  PlackettLuce::Marginals(s.data(), 6, 3, m.data(), rng);
  for (int64_t k = 0; k < 3; ++k) {
    double col = 0;
    for (int32_t c = 0; c < 6; ++c) {
      double want = 0;
      for (const auto& slate : AllSlates(6, 3))
        if (slate[k] == c) want += std::exp(PlackettLuce::LogProb(s.data(), 6, slate.data(), 3));
      CHECK(m[k * 6 + c] == Approx(want).margin(1e-12));
      col += m[k * 6 + c];
    }
    CHECK(col == Approx(1.0).epsilon(1e-12));
  }
}

#include "policy/independent_slots.h"

TEST_CASE("independent slots: tuples sum to one, sampling matches (chi-square), the logged "
          "policy renormalises its table to the candidates", "[policy]") {
  const std::vector<double> scores = {0.1, 1.0, -0.5, 0.3,   // slot 0
                                      2.0, 0.0, 0.0, -1.0};  // slot 1
  const auto q = IndependentSlots::Softmax(scores.data(), 2, 4);
  double total = 0;
  std::map<std::vector<int32_t>, int> count;
  for (int32_t a = 0; a < 4; ++a)
    for (int32_t b = 0; b < 4; ++b) {
      const int32_t s[] = {a, b};
      total += std::exp(IndependentSlots::LogProb(q.data(), 2, 4, s, 2));
    }
  CHECK(total == Approx(1.0).epsilon(1e-12));
  SplitMix64 rng(8);
  const int n = 64000;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> s(2);
    IndependentSlots::Sample(q.data(), 2, 4, rng, s.data());
    ++count[s];
  }
  double chi2 = 0;
  for (int32_t a = 0; a < 4; ++a)
    for (int32_t b = 0; b < 4; ++b) {
      const int32_t s[] = {a, b};
      const double p = std::exp(IndependentSlots::LogProb(q.data(), 2, 4, s, 2));
      chi2 += std::pow(count[{a, b}] - n * p, 2) / (n * p);
    }
  CHECK(chi2 < 37.7);  // 15 degrees of freedom, 99.9% quantile
  // Logged policy over 6 units, K = 2; an observation with candidates {5, 1, 3}.
  std::vector<double> table = {0.1, 0.2, 0.3, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.1, 0.1};
  const LoggedPolicy logged(table, 6, 2);
  const std::vector<int32_t> cands = {5, 1, 3};
  std::vector<double> feats(3 * kNumFeatures, 0.0);
  Observation o;
  o.slate_size = 2;
  o.num_candidates = 3;
  o.candidates = cands.data();
  o.features = feats.data();
  const double z0 = 0.1 + 0.3 + 0.2;  // units 5, 1, 3 at position 0
  CHECK(logged.SlotMarginal(o, 0, 0) == Approx(0.1 / z0));
  CHECK(logged.SlotMarginal(o, 0, 1) == Approx(0.3 / z0));
  double sum = 0;
  for (const auto& [s, p] : logged.Enumerate(o)) sum += p;
  CHECK(sum == Approx(1.0).epsilon(1e-12));
}
