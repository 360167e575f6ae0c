// Tests for ope/: every estimator against exact answers computed by enumeration, a
// conformance suite that every registered estimator passes, the weight diagnostics against
// closed forms, and the Poisson bootstrap against plain loops over the same draws.
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "common/error.h"
#include "common/random.h"
#include "common/reduction.h"
#include "ope/bootstrap.h"
#include "ope/estimator.h"
#include "ope/propensity_check.h"
#include "ope/reliability.h"
#include "ope/estimators.h"
#include "test_util.h"

using namespace bundlerl;

namespace {

// ---- A contextual bandit with 3 contexts and 4 actions, true value by enumeration. ----
struct Bandit {
  std::vector<double> p_x = {0.5, 0.3, 0.2};
  std::vector<std::vector<double>> logging = {
      {0.4, 0.3, 0.2, 0.1}, {0.25, 0.25, 0.25, 0.25}, {0.1, 0.2, 0.3, 0.4}};
  std::vector<std::vector<double>> target = {
      {0.1, 0.1, 0.2, 0.6}, {0.7, 0.1, 0.1, 0.1}, {0.0, 0.5, 0.5, 0.0}};
  std::vector<std::vector<double>> q = {
      {0.1, 0.3, 0.5, 0.7}, {0.6, 0.2, 0.4, 0.1}, {0.2, 0.2, 0.9, 0.5}};
  // A deliberately wrong reward model, so that DR's unbiasedness does not come from DM.
  double QHat(int x, int a) const { return 0.5 * q[x][a] + 0.2; }
  double Truth() const {
    double v = 0;
    for (int x = 0; x < 3; ++x)
      for (int a = 0; a < 4; ++a) v += p_x[x] * target[x][a] * q[x][a];
    return v;
  }
  static int Draw(const std::vector<double>& p, std::mt19937_64& rng) {
    double u = std::uniform_real_distribution<double>(0, 1)(rng), c = 0;
    for (size_t i = 0; i < p.size(); ++i)
      if ((c += p[i]) > u) return static_cast<int>(i);
    return static_cast<int>(p.size()) - 1;
  }
  OpeData Log(int64_t n, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    OpeData d;
    d.n = n;
    for (int64_t i = 0; i < n; ++i) {
      const int x = Draw(p_x, rng), a = Draw(logging[x], rng);
      d.reward.push_back(std::bernoulli_distribution(q[x][a])(rng));
      d.pscore.push_back(logging[x][a]);
      d.target.push_back(target[x][a]);
      d.q_hat.push_back(QHat(x, a));
      double e = 0;
      for (int b = 0; b < 4; ++b) e += target[x][b] * QHat(x, b);
      d.q_hat_target.push_back(e);
      d.position.push_back(x % 2);
    }
    return d;
  }
};

// ---- A slate problem: K = 2 slots, 3 candidates per slot (disjoint), 2 contexts. ----
// Logging is factored over slots; the target is a joint (non-factored) slate distribution.
struct Slates {
  std::vector<double> p_x = {0.6, 0.4};
  double log_slot[2][2][3] = {{{0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}},
                              {{0.3, 0.3, 0.4}, {0.6, 0.2, 0.2}}};  // [x][k][a]
  double phi[2][2][3] = {{{0.2, 0.5, 0.7}, {0.3, 0.6, 0.1}},
                         {{0.6, 0.1, 0.4}, {0.2, 0.3, 0.8}}};  // click prob [x][k][a]
  bool cascade = false;  // false: additive slot rewards; true: slot 1 examined only without a click on slot 0
  double TargetJoint(int x, int a0, int a1) const {
    // Correlated: the target likes pairing slot-0 item 2 with slot-1 item 1.
    static const double t[2][3][3] = {{{0.05, 0.05, 0.05}, {0.1, 0.05, 0.05}, {0.05, 0.5, 0.1}},
                                      {{0.2, 0.1, 0.05}, {0.05, 0.05, 0.05}, {0.05, 0.4, 0.05}}};
    return t[x][a0][a1];
  }
  double TargetSlot0(int x, int a0) const {
    double s = 0;
    for (int b = 0; b < 3; ++b) s += TargetJoint(x, a0, b);
    return s;
  }
  double TargetSlot1(int x, int a1) const {
    double s = 0;
    for (int a = 0; a < 3; ++a) s += TargetJoint(x, a, a1);
    return s;
  }
  double Logging(int x, int a0, int a1) const { return log_slot[x][0][a0] * log_slot[x][1][a1]; }
  // The abstraction for mips: units 0 and 1 share group 0, unit 2 is group 1.
  static int Group(int a) { return a == 2 ? 1 : 0; }
  double TargetSlot(int x, int k, int a) const { return k == 0 ? TargetSlot0(x, a) : TargetSlot1(x, a); }
  double GroupMass(int x, int k, int a, bool target) const {
    double m = 0;
    for (int b = 0; b < 3; ++b)
      if (Group(b) == Group(a)) m += target ? TargetSlot(x, k, b) : log_slot[x][k][b];
    return m;
  }
  // Makes a slot's click probability depend on the unit only through its group (mips's assumption).
  void RewardsByGroup() {
    for (auto& x : phi)
      for (auto& k : x) k[1] = k[0];
  }
  // The exact expectation of mips under the logging policy (additive slots).
  double ExpectedMips() const {
    double v = 0;
    for (int x = 0; x < 2; ++x)
      for (int k = 0; k < 2; ++k)
        for (int a = 0; a < 3; ++a)
          v += p_x[x] * log_slot[x][k][a] * GroupMass(x, k, a, true) / GroupMass(x, k, a, false) * phi[x][k][a];
    return v;
  }
  // Expected reward of slot 0 and slot 1 given the slate.
  double R0(int x, int a0) const { return phi[x][0][a0]; }
  double R1(int x, int a0, int a1) const {
    return cascade ? (1 - phi[x][0][a0]) * phi[x][1][a1] : phi[x][1][a1];
  }
  double QHat(int x, int k, int a) const { return 0.7 * phi[x][k][a] + 0.1; }  // wrong model
  // A fitted shopper model for the model-based estimators: slot k's click probability is
  // alpha phi + gamma, parameters (alpha, gamma) with covariance model_cov; (0.7, 0.1) is
  // wrong (QHat), (1, 0) right in the additive world.
  double alpha = 0.7, gamma = 0.1;
  double model_cov[4] = {4e-4, -1e-4, -1e-4, 1e-4};
  double ModelClick(int x, int k, int a) const { return alpha * phi[x][k][a] + gamma; }
  // The model's value of the target at context x, and its gradient in (alpha, gamma).
  double ModelValue(int x, double* grad) const {
    double v = 0;
    grad[0] = grad[1] = 0;
    for (int a0 = 0; a0 < 3; ++a0)
      for (int a1 = 0; a1 < 3; ++a1) {
        const double t = TargetJoint(x, a0, a1);
        v += t * (ModelClick(x, 0, a0) + ModelClick(x, 1, a1));
        grad[0] += t * (phi[x][0][a0] + phi[x][1][a1]);
        grad[1] += t * 2;
      }
    return v;
  }
  // The exact mean gradient of the model-based value, E_x grad ModelValue(x).
  void MeanModelGradient(double* g) const {
    g[0] = g[1] = 0;
    for (int x = 0; x < 2; ++x) {
      double gx[2];
      ModelValue(x, gx);
      g[0] += p_x[x] * gx[0], g[1] += p_x[x] * gx[1];
    }
  }
  double Truth() const {
    double v = 0;
    for (int x = 0; x < 2; ++x)
      for (int a0 = 0; a0 < 3; ++a0)
        for (int a1 = 0; a1 < 3; ++a1)
          v += p_x[x] * TargetJoint(x, a0, a1) * (R0(x, a0) + R1(x, a0, a1));
    return v;
  }
  // The exact expectation of the pseudo-inverse estimator under the logging policy.
  double ExpectedPi() const {
    double v = 0;
    for (int x = 0; x < 2; ++x)
      for (int a0 = 0; a0 < 3; ++a0)
        for (int a1 = 0; a1 < 3; ++a1) {
          const double w = TargetSlot0(x, a0) / log_slot[x][0][a0] +
                           TargetSlot1(x, a1) / log_slot[x][1][a1] - 1.0;
          v += p_x[x] * Logging(x, a0, a1) * w * (R0(x, a0) + R1(x, a0, a1));
        }
    return v;
  }
  OpeData Log(int64_t n, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    OpeData d;
    d.n = n;
    d.K = 2;
    for (int64_t i = 0; i < n; ++i) {
      const int x = Bandit::Draw(p_x, rng);
      const int a0 = Bandit::Draw({log_slot[x][0], log_slot[x][0] + 3}, rng);
      const int a1 = Bandit::Draw({log_slot[x][1], log_slot[x][1] + 3}, rng);
      const double r0 = u(rng) < phi[x][0][a0];
      const double r1 = (cascade && r0 > 0) ? 0.0 : double(u(rng) < phi[x][1][a1]);
      d.reward.insert(d.reward.end(), {r0, r1});
      d.pscore.insert(d.pscore.end(), {log_slot[x][0][a0], log_slot[x][1][a1]});
      d.target.insert(d.target.end(), {TargetSlot0(x, a0), TargetSlot1(x, a1)});
      d.pscore_abstract.insert(d.pscore_abstract.end(), {GroupMass(x, 0, a0, false), GroupMass(x, 1, a1, false)});
      d.target_abstract.insert(d.target_abstract.end(), {GroupMass(x, 0, a0, true), GroupMass(x, 1, a1, true)});
      d.pscore_slate.push_back(Logging(x, a0, a1));
      d.target_slate.push_back(TargetJoint(x, a0, a1));
      d.pscore_cascade.insert(d.pscore_cascade.end(), {log_slot[x][0][a0], Logging(x, a0, a1)});
      d.target_cascade.insert(d.target_cascade.end(), {TargetSlot0(x, a0), TargetJoint(x, a0, a1)});
      d.q_hat.insert(d.q_hat.end(), {QHat(x, 0, a0), QHat(x, 1, a1)});
      double e0 = 0, e1 = 0;
      for (int a = 0; a < 3; ++a) e0 += TargetSlot0(x, a) * QHat(x, 0, a);
      for (int b = 0; b < 3; ++b) e1 += TargetJoint(x, a0, b) / TargetSlot0(x, a0) * QHat(x, 1, b);
      d.q_hat_target.insert(d.q_hat_target.end(), {e0, e1});
      double g[2];
      d.model_value.push_back(ModelValue(x, g));
      d.model_value_grad.insert(d.model_value_grad.end(), {g[0], g[1]});
      d.model_logged.insert(d.model_logged.end(), {ModelClick(x, 0, a0), ModelClick(x, 1, a1)});
      d.model_logged_grad.insert(d.model_logged_grad.end(), {phi[x][0][a0] + phi[x][1][a1], 2.0});
    }
    d.model_params = 2;
    d.model_covariance.assign(model_cov, model_cov + 4);
    return d;
  }
};

struct MeanSe {
  double mean, se;
};

template <typename MakeData>
MeanSe MeanOverSeeds(const std::string& spec, MakeData make, int seeds = 200) {
  const auto est = MakeEstimator(spec);
  double s = 0, ss = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const double v = RunEstimator(*est, make(seed), {}).value;
    s += v, ss += v * v;
  }
  const double mean = s / seeds;
  const double var = (ss / seeds - mean * mean) * seeds / (seeds - 1);
  return {mean, std::sqrt(var / seeds)};
}

}  // namespace

TEST_CASE("unbiased per-slot estimators: mean over 200 seeds within 3 SE of the truth",
          "[ope][slow]") {
  const Bandit bandit;
  const double truth = bandit.Truth();
  for (const char* spec : {"ipw", "dr", "switch-dr:1e9", "clipped-ipw:1e9"}) {
    const auto r = MeanOverSeeds(spec, [&](int seed) { return bandit.Log(2000, 1000 + seed); });
    INFO(spec << ": mean " << r.mean << " se " << r.se << " truth " << truth);
    CHECK(std::abs(r.mean - truth) < 3 * r.se);
    CHECK(r.se > 0);
  }
}

TEST_CASE("unbiased slate estimators: mean over 200 seeds within 3 SE of the truth",
          "[ope][slow]") {
  for (const bool cascade : {false, true}) {
    Slates slates;
    slates.cascade = cascade;
    const double truth = slates.Truth();
    // slate-dr with the deliberately wrong model (QHat's): the whole-slate weights correct it.
    std::vector<const char*> specs = {"sips", "rips", "cascade-dr", "slate-dr"};
    if (!cascade) specs.push_back("pi"), specs.push_back("iips");
    for (const char* spec : specs) {
      const auto r = MeanOverSeeds(spec, [&](int seed) { return slates.Log(2000, 7 + seed); });
      INFO((cascade ? "cascade " : "additive ") << spec << ": mean " << r.mean << " se " << r.se
                                                 << " truth " << truth);
      CHECK(std::abs(r.mean - truth) < 3 * r.se);
    }
  }
}

TEST_CASE("model-based: exact with the right model, biased by the model's error otherwise; the fit's "
          "variance by the delta method", "[ope]") {
  Slates right;
  right.alpha = 1, right.gamma = 0;  // the additive world's click probabilities
  const Slates wrong;
  const auto est = MakeEstimator("model");
  for (const Slates* s : {static_cast<const Slates*>(&right), &wrong}) {
    const OpeData d = s->Log(20000, 5);
    const Estimate e = RunEstimator(*est, d, {});
    double expected = 0, g[2];
    for (int x = 0; x < 2; ++x) expected += s->p_x[x] * s->ModelValue(x, g);
    // The rows only sample the context: within 4 standard errors of the model's exact value,
    // which is the truth for the right model.
    CHECK(std::abs(e.value - expected) < 4 * e.stderr_);
    if (s == &right) CHECK(expected == Approx(s->Truth()).epsilon(1e-12));
    else CHECK(std::abs(expected - s->Truth()) > 0.05);
    // The fit's part of the standard error: g' Cov g with g the rows' mean gradient, which
    // is the exact mean gradient up to the context frequencies of the sample.
    s->MeanModelGradient(g);
    const double fit_var = g[0] * g[0] * s->model_cov[0] + 2 * g[0] * g[1] * s->model_cov[1] + g[1] * g[1] * s->model_cov[3];
    CHECK(e.model_stderr == Approx(std::sqrt(fit_var)).epsilon(0.02));
    CHECK(e.stderr_ > e.model_stderr);
  }
  // slate-dr: the model's value plus the slate-weighted residual; its fit gradient subtracts
  // the weighted gradient of the logged slate's prediction.
  const OpeData d = wrong.Log(3, 1);
  const Estimate e = RunEstimator(*MakeEstimator("slate-dr"), d, {});
  double value = 0, g[2] = {0, 0};
  for (int64_t i = 0; i < 3; ++i) {
    const double w = d.target_slate[i] / d.pscore_slate[i];
    value += d.model_value[i] + w * (d.reward[2 * i] + d.reward[2 * i + 1] - d.model_logged[2 * i] - d.model_logged[2 * i + 1]);
    for (int j = 0; j < 2; ++j) g[j] += (d.model_value_grad[2 * i + j] - w * d.model_logged_grad[2 * i + j]) / 3;
  }
  CHECK(e.value == Approx(value / 3).epsilon(1e-12));
  const double fit_var = g[0] * g[0] * wrong.model_cov[0] + 2 * g[0] * g[1] * wrong.model_cov[1] + g[1] * g[1] * wrong.model_cov[3];
  CHECK(e.model_stderr == Approx(std::sqrt(fit_var)).epsilon(1e-9));
}

TEST_CASE("the pseudo-inverse estimator is biased under a cascade, by its exact amount",
          "[ope][slow]") {
  Slates slates;
  slates.cascade = true;
  const double truth = slates.Truth(), expected = slates.ExpectedPi();
  REQUIRE(std::abs(expected - truth) > 0.01);  // the enumerated bias is material
  const auto r = MeanOverSeeds("pi", [&](int seed) { return slates.Log(2000, 99 + seed); });
  INFO("PI mean " << r.mean << " se " << r.se << " E[PI] " << expected << " truth " << truth);
  CHECK(std::abs(r.mean - expected) < 3 * r.se);  // matches its own exact expectation
  CHECK(std::abs(r.mean - truth) > 5 * r.se);     // and visibly misses the truth
  slates.cascade = false;
  CHECK(slates.ExpectedPi() == Approx(slates.Truth()).epsilon(1e-12));  // additive: unbiased
}

TEST_CASE("DM with the true reward function equals the truth exactly", "[ope]") {
  const Bandit bandit;
  OpeData d;
  // Contexts in exact proportion: 10 rows per 1% of probability mass.
  for (int x = 0; x < 3; ++x)
    for (int i = 0; i < static_cast<int>(bandit.p_x[x] * 1000 + 0.5); ++i) {
      double e = 0;
      for (int a = 0; a < 4; ++a) e += bandit.target[x][a] * bandit.q[x][a];
      d.reward.push_back(0), d.pscore.push_back(0.25), d.target.push_back(0.25);
      d.q_hat.push_back(0), d.q_hat_target.push_back(e);
      ++d.n;
    }
  CHECK(RunEstimator(*MakeEstimator("dm"), d, {}).value == Approx(bandit.Truth()).epsilon(1e-12));
}

TEST_CASE("IPW with target = logging equals the on-policy mean; SNIPW ignores propensity scale",
          "[ope]") {
  const Bandit bandit;
  OpeData d = bandit.Log(5000, 3);
  d.target = d.pscore;
  double mean = 0;
  for (double r : d.reward) mean += r;
  mean /= d.n;
  CHECK(RunEstimator(*MakeEstimator("ipw"), d, {}).value == Approx(mean).epsilon(1e-12));
  CHECK(RunEstimator(*MakeEstimator("snipw"), d, {}).value == Approx(mean).epsilon(1e-12));
  OpeData e = bandit.Log(5000, 4);
  const double v = RunEstimator(*MakeEstimator("snipw"), e, {}).value;
  for (double& p : e.pscore) p *= 0.5;
  CHECK(RunEstimator(*MakeEstimator("snipw"), e, {}).value == Approx(v).epsilon(1e-12));
  CHECK(RunEstimator(*MakeEstimator("ipw"), e, {}).value != Approx(v).epsilon(1e-3));
}

TEST_CASE("limits: switch-dr and clipped-ipw with a huge threshold equal dr and ipw; dros shrinks",
          "[ope]") {
  const OpeData d = Bandit().Log(3000, 5);
  const double dr = RunEstimator(*MakeEstimator("dr"), d, {}).value;
  CHECK(RunEstimator(*MakeEstimator("switch-dr:1e12"), d, {}).value == Approx(dr).epsilon(1e-12));
  CHECK(RunEstimator(*MakeEstimator("dros:1e12"), d, {}).value == Approx(dr).epsilon(1e-6));
  CHECK(RunEstimator(*MakeEstimator("clipped-ipw:1e12"), d, {}).value ==
        Approx(RunEstimator(*MakeEstimator("ipw"), d, {}).value).epsilon(1e-12));
  // switch-dr with a threshold below every weight is DM.
  CHECK(RunEstimator(*MakeEstimator("switch-dr:1e-9"), d, {}).value ==
        Approx(RunEstimator(*MakeEstimator("dm"), d, {}).value).epsilon(1e-12));
}

TEST_CASE("normal intervals cover the truth at the nominal rate; bootstrap agrees", "[ope][slow]") {
  const Bandit bandit;
  const double truth = bandit.Truth();
  int covered = 0, covered_boot = 0;
  const int seeds = 200;
  for (int seed = 0; seed < seeds; ++seed) {
    const OpeData d = bandit.Log(1000, 5000 + seed);
    const auto normal = RunEstimator(*MakeEstimator("ipw"), d, {});
    covered += normal.ci_low <= truth && truth <= normal.ci_high;
    EstimateOptions boot;
    boot.bootstrap_samples = 200;
    boot.seed = seed;
    const auto b = RunEstimator(*MakeEstimator("ipw"), d, boot);
    covered_boot += b.ci_low <= truth && truth <= b.ci_high;
    CHECK(b.value == normal.value);
  }
  // Binomial(200, 0.95) has sd 1.5%: 3 sd below nominal is 0.90.
  CHECK(covered >= 0.90 * seeds);
  CHECK(covered_boot >= 0.90 * seeds);
}

TEST_CASE("results do not depend on the number of threads", "[ope]") {
  const OpeData d = Bandit().Log(300000, 11);
  for (const char* spec : {"ipw", "snipw", "sndr"}) {
    EstimateOptions one, two;
    two.threads = 2;
    one.bootstrap_samples = two.bootstrap_samples = 20;
    const auto a = RunEstimator(*MakeEstimator(spec), d, one);
    const auto b = RunEstimator(*MakeEstimator(spec), d, two);
    CHECK(a.value == b.value);
    CHECK(a.stderr_ == b.stderr_);
    CHECK(a.ci_low == b.ci_low);
    CHECK(a.ci_high == b.ci_high);
    CHECK(a.ess == b.ess);
    CHECK(a.max_weight_share == b.max_weight_share);
    CHECK(a.nonzero_rows == b.nonzero_rows);
  }
}

TEST_CASE("conformance: every registered estimator, on complete slate data", "[ope]") {
  // Every field filled (K = 2 slots), so that each estimator finds what it needs.
  const OpeData d = Slates().Log(150000, 21);
  REQUIRE(EstimatorRegistry::Names().size() >= 16);
  for (const auto& entry : EstimatorRegistry::All()) {
    INFO(entry.name);
    const auto est = MakeEstimator(entry.name);
    // Deterministic and independent of the thread count, bootstrap included.
    EstimateOptions one, three;
    three.threads = 3;
    one.bootstrap_samples = three.bootstrap_samples = 30;
    one.seed = three.seed = 5;
    const Estimate a = RunEstimator(*est, d, one), b = RunEstimator(*est, d, three);
    CHECK(a.value == b.value);
    CHECK(a.stderr_ == b.stderr_);
    CHECK(a.ci_low == b.ci_low);
    CHECK(a.ci_high == b.ci_high);
    CHECK(a.ess == b.ess);
    CHECK(a.max_weight_share == b.max_weight_share);
    CHECK(a.nonzero_rows == b.nonzero_rows);
    // Weight diagnostics in range: 1 <= ess <= rows, a share in (0, 1].
    CHECK(a.weighted == (est->weight_kind() != WeightKind::kNone));
    CHECK(a.ess >= 1.0);
    CHECK(a.ess <= a.rows * (1 + 1e-12));
    CHECK(a.max_weight_share > 0);
    CHECK(a.max_weight_share <= 1);
    CHECK(a.nonzero_rows <= a.rows);
    CHECK(std::isfinite(a.value));
    CHECK(a.stderr_ > 0);
    CHECK(a.rows == d.n);
    // Normal interval: centred on the value, 1.96 standard errors each side.
    const Estimate n = RunEstimator(*est, d, {});
    CHECK(n.value == a.value);
    CHECK(n.ci_high - n.value == Approx(1.959964 * n.stderr_).epsilon(1e-5));
    CHECK(n.value - n.ci_low == Approx(1.959964 * n.stderr_).epsilon(1e-5));
    // Linear in the rewards: doubling rewards and reward predictions doubles the value and
    // its standard error.
    OpeData twice = d;
    for (auto* v : {&twice.reward, &twice.q_hat, &twice.q_hat_target, &twice.model_value, &twice.model_logged,
                    &twice.model_value_grad, &twice.model_logged_grad})
      for (double& x : *v) x *= 2;
    const Estimate t = RunEstimator(*est, twice, {});
    CHECK(t.value == Approx(2 * n.value).epsilon(1e-12));
    CHECK(t.stderr_ == Approx(2 * n.stderr_).epsilon(1e-9));
    // Within 5 standard errors of the truth where the estimator is unbiased here: the slots
    // are additive and logging is factored, but the reward predictions are the cascade's
    // (slot 1's expectation given slot 0), so the per-slot DM / DR family is not; the
    // pseudo-inverse's known bias under the correlated target is tested below.
    if (est->needs() != Needs::kRewardModel && est->needs() != Needs::kShopperModel && entry.name != "pi" &&
        entry.name != "mips")
      CHECK(std::abs(n.value - Slates().Truth()) < 5 * n.stderr_);
    // A spec with parameters takes them; help lists them.
    for (const auto& p : entry.params) {
      CHECK(!p.help.empty());
      CHECK_NOTHROW(MakeEstimator(entry.name + ":" + p.default_value));
    }
    if (entry.params.empty()) CHECK_THROWS_WITH(MakeEstimator(entry.name + ":1"), Catch::Contains("too many"));
  }
  CHECK_THROWS_WITH(MakeEstimator("no-such"), Catch::Contains("known: ") && Catch::Contains("dros"));
}

TEST_CASE("conformance: an estimator that lacks an input names the missing field", "[ope]") {
  const OpeData full = Slates().Log(200, 3);
  for (const auto& entry : EstimatorRegistry::All()) {
    INFO(entry.name);
    const auto est = MakeEstimator(entry.name);
    OpeData d = full;
    switch (est->needs()) {
      case Needs::kNothing: continue;
      case Needs::kRewardModel: d.q_hat.clear(); break;
      case Needs::kSlateProbabilities: d.target_slate.clear(); break;
      case Needs::kCascadeProbabilities:
      case Needs::kCascadeAndRewardModel: d.target_cascade.clear(); break;
      case Needs::kShopperModel:
      case Needs::kShopperModelAndSlate: d.model_value.clear(); break;
      case Needs::kAbstraction: d.target_abstract.clear(); break;
    }
    CHECK_THROWS_WITH(RunEstimator(*est, d, {}), Catch::Contains("needs '"));
  }
}

TEST_CASE("delta-method standard error of SNIPW matches the spread over seeds", "[ope][slow]") {
  const Bandit bandit;
  const auto r = MeanOverSeeds("snipw", [&](int seed) { return bandit.Log(2000, 300 + seed); });
  const double sd_over_seeds = r.se * std::sqrt(200.0);
  const double se = RunEstimator(*MakeEstimator("snipw"), bandit.Log(2000, 42), {}).stderr_;
  // The sd of 200 draws is itself uncertain by ~5%; allow 20%.
  CHECK(se == Approx(sd_over_seeds).epsilon(0.2));
}

TEST_CASE("bad OPE inputs name the field and the row", "[ope]") {
  OpeData d = Bandit().Log(10, 1);
  d.pscore[4] = 0.0;
  CHECK_THROWS_WITH(RunEstimator(*MakeEstimator("ipw"), d, {}),
                    Catch::Contains("'pscore', row 4") && Catch::Contains("not in (0, 1]"));
  d = Bandit().Log(10, 1);
  d.reward[2] = std::nan("");
  CHECK_THROWS_WITH(RunEstimator(*MakeEstimator("ipw"), d, {}),
                    Catch::Contains("'reward', row 2") && Catch::Contains("not finite"));
  d = Bandit().Log(10, 1);
  d.target.pop_back();
  CHECK_THROWS_WITH(RunEstimator(*MakeEstimator("ipw"), d, {}), Catch::Contains("'target' has 9 values"));
  d = Bandit().Log(10, 1);
  d.q_hat.clear();
  CHECK_THROWS_WITH(RunEstimator(*MakeEstimator("dr"), d, {}), Catch::Contains("needs 'q_hat'"));
  CHECK_THROWS_WITH(MakeEstimator("magic"), Catch::Contains("unknown estimator 'magic'") &&
                                                Catch::Contains("snipw"));
  CHECK_THROWS_WITH(MakeEstimator("dros:-1"), Catch::Contains("positive number"));
}

TEST_CASE("per-position selection keeps the rows of one position", "[ope]") {
  const OpeData d = Bandit().Log(1000, 2);
  const OpeData p0 = d.SelectPosition(0), p1 = d.SelectPosition(1);
  CHECK(p0.n + p1.n == d.n);
  CHECK(p0.reward.size() == static_cast<size_t>(p0.n));
  const auto all = RunEstimator(*MakeEstimator("ipw"), d, {}).value;
  const auto v0 = RunEstimator(*MakeEstimator("ipw"), p0, {}).value;
  const auto v1 = RunEstimator(*MakeEstimator("ipw"), p1, {}).value;
  CHECK(all == Approx((v0 * p0.n + v1 * p1.n) / d.n).epsilon(1e-12));
}

TEST_CASE("estimates over a log streamed in pieces of any sizes equal one pass, bitwise", "[ope]") {
  const OpeData all = Slates().Log(300000, 8);
  auto piece = [&](int64_t b, int64_t e) {
    OpeData d;
    d.n = e - b;
    d.K = all.K;
    auto take = [&](const std::vector<double>& v, std::vector<double>& out, int64_t per) {
      out.assign(v.begin() + b * per, v.begin() + e * per);
    };
    take(all.reward, d.reward, all.K), take(all.pscore, d.pscore, all.K), take(all.target, d.target, all.K);
    take(all.q_hat, d.q_hat, all.K), take(all.q_hat_target, d.q_hat_target, all.K);
    take(all.pscore_slate, d.pscore_slate, 1), take(all.target_slate, d.target_slate, 1);
    take(all.pscore_cascade, d.pscore_cascade, all.K), take(all.target_cascade, d.target_cascade, all.K);
    return d;
  };
  for (const char* spec : {"ipw", "snipw", "dr", "sips", "snrips"}) {
    INFO(spec);
    const auto est = MakeEstimator(spec);
    EstimateOptions opt;
    opt.threads = 2;
    opt.bootstrap_samples = 25;
    opt.seed = 3;
    const Estimate one = RunEstimator(*est, all, opt);
    EstimateAccumulator whole_chunks(*est, opt), ragged(*est, opt), tiny(*est, opt);
    const int64_t c = EstimateAccumulator::kChunkRows;
    for (int64_t b = 0; b < all.n; b += 2 * c) whole_chunks.Add(piece(b, std::min(all.n, b + 2 * c)));
    for (int64_t b = 0; b < all.n; b += 70001) ragged.Add(piece(b, std::min(all.n, b + 70001)));
    // Pieces of 1, 7, 999 and 30,000 rows in turn: chunk boundaries fall inside them.
    const int64_t sizes[] = {1, 7, 999, 30000};
    for (int64_t b = 0, i = 0; b < all.n; b += sizes[i++ % 4]) tiny.Add(piece(b, std::min(all.n, b + sizes[i % 4])));
    for (const Estimate& x : {whole_chunks.Finish(), ragged.Finish(), tiny.Finish()}) {
      CHECK(x.rows == all.n);
      CHECK(x.value == one.value);
      CHECK(x.stderr_ == one.stderr_);
      CHECK(x.ci_low == one.ci_low);
      CHECK(x.ci_high == one.ci_high);
      CHECK(x.ess == one.ess);
      CHECK(x.max_weight == one.max_weight);
      CHECK(x.max_weight_share == one.max_weight_share);
      CHECK(x.nonzero_rows == one.nonzero_rows);
    }
  }
  const auto ipw = MakeEstimator("ipw");
  EstimateAccumulator empty(*ipw, {});
  CHECK_THROWS_WITH(empty.Finish(), Catch::Contains("no rows"));
}

TEST_CASE("propensity warnings: deterministic logging, barely exploring, and tiny propensities", "[ope]") {
  OpeData d;
  d.n = 4;
  d.K = 1;
  d.pscore = {0.5, 0.25, 0.5, 0.1};
  PropensityCheck ok;
  ok.Add(d);
  CHECK(ok.Warnings().empty());
  d.pscore = {1, 1, 1, 1};
  PropensityCheck deterministic;
  deterministic.Add(d);
  REQUIRE(deterministic.Warnings().size() == 1);
  CHECK_THAT(deterministic.Warnings()[0], Catch::Contains("deterministic"));
  d.pscore = {0.5, 1e-300, 0.5, 0.5};
  PropensityCheck tiny;
  tiny.Add(d);
  REQUIRE(tiny.Warnings().size() == 1);
  CHECK_THAT(tiny.Warnings()[0], Catch::Contains("1 of 4") && Catch::Contains("1e-300"));
  // Pieces add up to the whole.
  PropensityCheck sum;
  sum.Add(ok);
  sum.Add(tiny);
  CHECK(sum.count() == 8);
  CHECK(sum.min() == 1e-300);
  std::vector<double> many(100, 1.0);
  many[0] = 0.5;
  d.n = 100;
  d.pscore = many;
  PropensityCheck barely;
  barely.Add(d);
  REQUIRE(barely.Warnings().size() == 1);
  CHECK_THAT(barely.Warnings()[0], Catch::Contains("99 of 100") && Catch::Contains("barely"));
}

// ---- Weight diagnostics against closed forms on small arrays. ----

namespace {

// n rows of K slots with the given per-slot weights w (pscore 0.25, target 0.25 w).
OpeData Weighted(const std::vector<double>& w, int64_t K = 1) {
  OpeData d;
  d.K = K;
  d.n = static_cast<int64_t>(w.size()) / K;
  for (double x : w) {
    d.pscore.push_back(0.25);
    d.target.push_back(0.25 * x);
    d.reward.push_back(1.0);
    d.q_hat.push_back(0.5);
    d.q_hat_target.push_back(0.5);
  }
  return d;
}

}  // namespace

TEST_CASE("weight diagnostics: equal weights, one weight, and Kish's formula", "[ope]") {
  const auto ipw = MakeEstimator("ipw");
  const Estimate equal = RunEstimator(*ipw, Weighted(std::vector<double>(10, 2.0)), {});
  CHECK(equal.weighted);
  CHECK(equal.ess == Approx(10).epsilon(1e-15));
  CHECK(equal.max_weight_share == Approx(0.1).epsilon(1e-15));
  CHECK(equal.nonzero_rows == 10);
  std::vector<double> one(7, 0.0);
  one[4] = 3.0;
  const Estimate single = RunEstimator(*ipw, Weighted(one), {});
  CHECK(single.ess == 1.0);
  CHECK(single.max_weight_share == 1.0);
  CHECK(single.nonzero_rows == 1);
  // Weights 1, 2, 3, 4: ess = 10^2 / 30, share = 4 / 10.
  const OpeData d = Weighted({1, 2, 3, 4});
  const Estimate kish = RunEstimator(*ipw, d, {});
  CHECK(kish.ess == Approx(100.0 / 30).epsilon(1e-14));
  CHECK(kish.max_weight_share == Approx(0.4).epsilon(1e-14));
  CHECK(kish.nonzero_rows == 4);
  // The weights an estimator applies: clipped at 2 gives 1, 2, 2, 2; switch-dr at 2.5 gives
  // 1, 2, 0, 0; dm has none (every row counts once).
  const Estimate clipped = RunEstimator(*MakeEstimator("clipped-ipw:2"), d, {});
  CHECK(clipped.ess == Approx(49.0 / 13).epsilon(1e-14));
  CHECK(clipped.max_weight_share == Approx(2.0 / 7).epsilon(1e-14));
  const Estimate switched = RunEstimator(*MakeEstimator("switch-dr:2.5"), d, {});
  CHECK(switched.ess == Approx(9.0 / 5).epsilon(1e-14));
  CHECK(switched.nonzero_rows == 2);
  const Estimate dm = RunEstimator(*MakeEstimator("dm"), d, {});
  CHECK_FALSE(dm.weighted);
  CHECK(dm.ess == 4);
  CHECK(dm.max_weight_share == 0.25);
  CHECK(dm.nonzero_rows == 4);
}

TEST_CASE("weight diagnostics of slate estimators: slot mean, slate, cascade, pseudo-inverse", "[ope]") {
  // Two rows of K = 2 slots with item weights (1, 3) and (0, 2).
  OpeData d = Weighted({1, 3, 0, 2}, 2);
  d.pscore_slate = {0.5, 0.5};
  d.target_slate = {0.5, 0.0};  // slate weights 1, 0
  d.pscore_cascade = {0.5, 0.25, 0.5, 0.25};
  d.target_cascade = {0.5, 0.75, 0.25, 0.0};  // prefix weights (1, 3), (0.5, 0)
  // Slot means 2 and 1: ess = 9 / 5, share = 2 / 3.
  const Estimate ipw = RunEstimator(*MakeEstimator("ipw"), d, {});
  CHECK(ipw.ess == Approx(9.0 / 5).epsilon(1e-14));
  CHECK(ipw.max_weight_share == Approx(2.0 / 3).epsilon(1e-14));
  CHECK(ipw.nonzero_rows == 2);
  const Estimate sips = RunEstimator(*MakeEstimator("sips"), d, {});
  CHECK(sips.ess == 1.0);
  CHECK(sips.nonzero_rows == 1);
  // Cascade means 2 and 0.25: ess = 2.25^2 / 4.0625.
  const Estimate rips = RunEstimator(*MakeEstimator("rips"), d, {});
  CHECK(rips.ess == Approx(2.25 * 2.25 / 4.0625).epsilon(1e-14));
  CHECK(rips.max_weight_share == Approx(2 / 2.25).epsilon(1e-14));
  // Pseudo-inverse weights 1 + 3 - 1 = 3 and 0 + 2 - 1 = 1.
  const Estimate pi = RunEstimator(*MakeEstimator("pi"), d, {});
  CHECK(pi.ess == Approx(16.0 / 10).epsilon(1e-14));
  CHECK(pi.max_weight_share == Approx(0.75).epsilon(1e-14));
}

// ---- The Poisson bootstrap (ope/bootstrap.h). ----

namespace {

// The resample sums by plain scalar loops over the same draws, in row order.
void ReferenceSums(const std::vector<double>& terms, int64_t rows, int m, int B, uint64_t seed,
                   std::vector<double>& sums, std::vector<double>& counts) {
  sums.assign(static_cast<size_t>(B) * m, 0.0);
  counts.assign(B, 0.0);
  for (int b = 0; b < B; ++b)
    for (int64_t i = 0; i < rows; ++i) {
      const double k = PoissonBootstrapCount(seed, b, i);
      counts[b] += k;
      for (int j = 0; j < m; ++j) {
        const double product = k * terms[i * m + j];
        sums[b * m + j] += product;
      }
    }
}

// The percentile interval by hand: sort, interpolate between order statistics.
std::pair<double, double> ReferenceInterval(std::vector<double> v, double alpha) {
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double pos = p * (v.size() - 1);
    const size_t lo = static_cast<size_t>(pos), hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
  };
  return {q(alpha / 2), q(1 - alpha / 2)};
}

// An in-process reducer for `size` ranks run on as many threads: every call waits for all
// ranks' contributions and returns their element-wise sum or maximum.
class ThreadReducer {
 public:
  explicit ThreadReducer(int size) : size_(size) {}
  void Reduce(double* x, int64_t n, bool max) {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t round = round_;
    if (arrived_ == 0) acc_.assign(x, x + n);
    else
      for (int64_t i = 0; i < n; ++i) acc_[i] = max ? std::max(acc_[i], x[i]) : acc_[i] + x[i];
    if (++arrived_ == size_) {
      result_ = acc_, arrived_ = 0, ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
    std::copy(result_.begin(), result_.end(), x);
  }
  int size() const { return size_; }

 private:
  int size_, arrived_ = 0;
  int64_t round_ = 0;
  std::vector<double> acc_, result_;
  std::mutex mu_;
  std::condition_variable cv_;
};

class RankReducer : public Reducer {
 public:
  RankReducer(ThreadReducer& all, int rank) : all_(all), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return all_.size(); }
  void AllReduceSum(double* data, int64_t n) override { all_.Reduce(data, n, false); }
  void AllReduceMax(double* data, int64_t n) override { all_.Reduce(data, n, true); }

 private:
  ThreadReducer& all_;
  int rank_;
};

OpeData Rows(const OpeData& all, int64_t b, int64_t e) {
  OpeData d;
  d.n = e - b;
  d.reward.assign(all.reward.begin() + b, all.reward.begin() + e);
  d.pscore.assign(all.pscore.begin() + b, all.pscore.begin() + e);
  d.target.assign(all.target.begin() + b, all.target.begin() + e);
  return d;
}

}  // namespace

TEST_CASE("Poisson bootstrap draws: mean and variance 1, independent across resamples", "[ope]") {
  const int64_t rows = 200000;
  const int B = 8;
  double sum = 0, sum_sq = 0, zeros = 0, cross = 0;
  uint32_t largest = 0;
  for (int b = 0; b < B; ++b)
    for (int64_t i = 0; i < rows; ++i) {
      const double k = PoissonBootstrapCount(17, b, i);
      sum += k, sum_sq += k * k, zeros += k == 0;
      largest = std::max<uint32_t>(largest, static_cast<uint32_t>(k));
      if (b == 1) cross += (k - 1) * (PoissonBootstrapCount(17, 0, i) - 1.0);
    }
  const double N = static_cast<double>(rows) * B, mean = sum / N, var = sum_sq / N - mean * mean;
  // Standard errors under Poisson(1): mean 1 / sqrt(N); sample variance sqrt((mu4 - 1) / N)
  // with mu4 = 4; P(0) = e^-1 binomial; the correlation of two resamples 1 / sqrt(rows).
  CHECK(std::abs(mean - 1) < 4 / std::sqrt(N));
  CHECK(std::abs(var - 1) < 4 * std::sqrt(3 / N));
  const double p0 = std::exp(-1.0);
  CHECK(std::abs(zeros / N - p0) < 4 * std::sqrt(p0 * (1 - p0) / N));
  CHECK(std::abs(cross / rows) < 4 / std::sqrt(static_cast<double>(rows)));
  CHECK(largest <= kPoissonBootstrapMaxCount);
  CHECK(largest >= 6);
  // Rows 2^32 apart draw independently.
  int same = 0;
  for (int64_t i = 0; i < 64; ++i)
    same += PoissonBootstrapCount(17, 0, i) == PoissonBootstrapCount(17, 0, i + (int64_t{1} << 32));
  CHECK(same < 48);
}

TEST_CASE("Poisson bootstrap sums equal plain loops over the same draws, any thread count, both kernels",
          "[ope]") {
  std::mt19937_64 rng(4);
  for (int m : {1, 2, 3, 5}) {
    INFO("terms " << m);
    const int64_t rows = 5001;  // not a multiple of the row block
    const int B = 13;           // not a multiple of the lanes
    std::vector<double> terms(rows * m);
    for (double& t : terms) t = std::uniform_real_distribution<double>(-2, 3)(rng);
    std::vector<double> want, want_counts;
    ReferenceSums(terms, rows, m, B, 99, want, want_counts);
    for (int threads : {1, 2, 3})
      for (auto kernel : {BootstrapKernel::kBest, BootstrapKernel::kBaseline}) {
        std::vector<double> sums(B * m), counts(B);
        PoissonBootstrapSums(terms.data(), rows, m, B, 99, threads, sums.data(), counts.data(), kernel);
        CHECK(sums == want);
        CHECK(counts == want_counts);
      }
  }
}

TEST_CASE("bootstrap intervals equal a reference implementation, ratio estimators included", "[ope]") {
  const OpeData d = Bandit().Log(20000, 12);
  for (const char* spec : {"ipw", "snipw"}) {
    INFO(spec);
    const bool ratio = std::string(spec) == "snipw";
    const int m = ratio ? 2 : 1, B = 101;
    std::vector<double> terms;
    for (int64_t i = 0; i < d.n; ++i) {
      const double w = d.target[i] / d.pscore[i];
      terms.push_back(w * d.reward[i]);
      if (ratio) terms.push_back(w);
    }
    std::vector<double> sums, counts, values;
    ReferenceSums(terms, d.n, m, B, 31, sums, counts);
    for (int b = 0; b < B; ++b)
      values.push_back(ratio ? (sums[2 * b] / counts[b]) / (sums[2 * b + 1] / counts[b]) : sums[b] / counts[b]);
    const auto [lo, hi] = ReferenceInterval(values, 0.1);
    for (int threads : {1, 2}) {
      EstimateOptions opt;
      opt.bootstrap_samples = B;
      opt.seed = 31;
      opt.alpha = 0.1;
      opt.threads = threads;
      const Estimate e = RunEstimator(*MakeEstimator(spec), d, opt);
      CHECK(e.ci_method == "bootstrap");
      CHECK(e.ci_low == lo);
      CHECK(e.ci_high == hi);
      CHECK(e.ci_low < e.value);
      CHECK(e.value < e.ci_high);
    }
  }
}

TEST_CASE("distributed: shards' sums and bootstrap all-reduced, diagnostics as one process", "[ope]") {
  const OpeData all = Bandit().Log(30000, 13);
  const int64_t cut = 11000;
  const OpeData shard[2] = {Rows(all, 0, cut), Rows(all, cut, all.n)};
  const auto est = MakeEstimator("snipw");
  EstimateOptions opt;
  opt.bootstrap_samples = 40;
  opt.seed = 6;
  ThreadReducer reducer(2);
  Estimate out[2];
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      RankReducer comm(reducer, r);
      out[r] = RunEstimator(*est, shard[r], opt, &comm);
    });
  for (auto& t : ranks) t.join();
  const Estimate one = RunEstimator(*est, all, {});
  for (const Estimate& e : out) {
    CHECK(e.value == Approx(one.value).epsilon(1e-12));
    CHECK(e.stderr_ == Approx(one.stderr_).epsilon(1e-9));
    CHECK(e.ess == Approx(one.ess).epsilon(1e-12));
    CHECK(e.max_weight_share == Approx(one.max_weight_share).epsilon(1e-12));
    CHECK(e.nonzero_rows == one.nonzero_rows);
    CHECK(e.rows == all.n);
  }
  CHECK(out[0].ci_low == out[1].ci_low);
  CHECK(out[0].ci_high == out[1].ci_high);
  // The reference: each rank's draws from its own seed, sums added over ranks.
  std::vector<double> total(2 * opt.bootstrap_samples, 0.0), total_counts(opt.bootstrap_samples, 0.0), values;
  for (int r = 0; r < 2; ++r) {
    std::vector<double> terms, sums, counts;
    for (int64_t i = 0; i < shard[r].n; ++i) {
      const double w = shard[r].target[i] / shard[r].pscore[i];
      terms.push_back(w * shard[r].reward[i]), terms.push_back(w);
    }
    ReferenceSums(terms, shard[r].n, 2, opt.bootstrap_samples,
                  StreamSeed(opt.seed, Stream::kRankBootstrap, static_cast<uint64_t>(r)), sums, counts);
    for (size_t k = 0; k < sums.size(); ++k) total[k] += sums[k];
    for (size_t k = 0; k < counts.size(); ++k) total_counts[k] += counts[k];
  }
  for (int b = 0; b < opt.bootstrap_samples; ++b)
    values.push_back((total[2 * b] / total_counts[b]) / (total[2 * b + 1] / total_counts[b]));
  const auto [lo, hi] = ReferenceInterval(values, opt.alpha);
  CHECK(out[0].ci_low == lo);
  CHECK(out[0].ci_high == hi);
}

TEST_CASE("reliability: the weight rule by its thresholds", "[ope]") {
  ReliabilityRule rule;
  Estimate e;
  e.weighted = false;
  e.ess = 1;  // ignored without weights
  CHECK(JudgeWeights(e, rule).reliable);
  e.weighted = true;
  e.ess = rule.min_ess - 1;
  e.max_weight_share = 0.01;
  Reliability r = JudgeWeights(e, rule);
  CHECK(!r.reliable);
  CHECK_THAT(r.reason, Catch::Contains("effective sample size"));
  e.ess = rule.min_ess + 1;
  e.max_weight_share = rule.max_weight_share * 1.5;
  r = JudgeWeights(e, rule);
  CHECK(!r.reliable);
  CHECK_THAT(r.reason, Catch::Contains("of the weight"));
  e.max_weight_share = rule.max_weight_share / 2;
  CHECK(JudgeWeights(e, rule).reliable);
}

TEST_CASE("reliability: a right fitted model flags the biased direct method and passes unbiased IPW",
          "[ope]") {
  Slates right;
  right.alpha = 1, right.gamma = 0;  // the additive world's click probabilities: the model is right
  right.model_cov[0] = 1e-6, right.model_cov[1] = right.model_cov[2] = 0, right.model_cov[3] = 1e-6;
  const OpeData d = right.Log(20000, 17);
  const ReliabilityRule rule;
  for (const char* name : {"ipw", "dm", "sips", "model"}) {
    INFO(name);
    const auto est = MakeEstimator(name);
    const Estimate e = RunEstimator(*est, d, {});
    const Reliability r = Judge(*est, d, e, {}, rule);
    if (std::string(name) == "model") {
      CHECK(!r.model_checked);  // the model does not judge itself
      CHECK(r.reliable);
      continue;
    }
    REQUIRE(r.model_checked);
    if (std::string(name) == "dm") {
      // QHat is 0.7 phi + 0.1: its value misses the truth by far more than its interval.
      CHECK(std::abs(r.model_bias - (e.value - right.Truth())) < 4 * r.model_bias_stderr);
      CHECK(!r.reliable);
      CHECK_THAT(r.reason, Catch::Contains("bias"));
    } else {
      // Unbiased in the additive world: the check finds no bias beyond its noise.
      CHECK(std::abs(r.model_bias) < 4 * r.model_bias_stderr);
      CHECK(r.reliable);
    }
  }
}

TEST_CASE("mips: unbiased where the reward depends on the unit only through its group, biased by the "
          "enumerated amount where it does not", "[ope][slow]") {
  Slates by_group;
  by_group.RewardsByGroup();
  REQUIRE(by_group.ExpectedMips() == Approx(by_group.Truth()).epsilon(1e-12));  // additive + no direct effect
  const auto r = MeanOverSeeds("mips", [&](int seed) { return by_group.Log(2000, 500 + seed); });
  INFO("mips mean " << r.mean << " se " << r.se << " truth " << by_group.Truth());
  CHECK(std::abs(r.mean - by_group.Truth()) < 3 * r.se);
  const Slates direct;  // units 0 and 1 of a group differ in click probability
  const double expected = direct.ExpectedMips(), truth = direct.Truth();
  REQUIRE(std::abs(expected - truth) > 0.01);
  const auto d = MeanOverSeeds("mips", [&](int seed) { return direct.Log(2000, 900 + seed); });
  INFO("mips mean " << d.mean << " se " << d.se << " E[mips] " << expected << " truth " << truth);
  CHECK(std::abs(d.mean - expected) < 3 * d.se);
  CHECK(std::abs(d.mean - truth) > 5 * d.se);
}
