// Tests for replay/reward_model and replay/offline_eval, on exact answers and the OBD sample.
#include <cmath>
#include <filesystem>
#include <random>

#include "common/error.h"
#include "ope/estimator.h"
#include "dataset/importers.h"
#include "ope/offline_eval.h"
#include "replay/h5.h"
#include "replay/row_columns.h"
#include "policy/mlp_reward_model.h"
#include "ope/reward_model.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::DataDir;
using bundlerl::testing::TempDir;
using bundlerl::testing::WriteText;

TEST_CASE("unpenalised logistic regression on one-hot groups predicts the group means",
          "[ope]") {
  // Closed form: with a saturated one-hot design the MLE reproduces each group's mean.
  const int groups = 4;
  const double rate[groups] = {0.1, 0.35, 0.6, 0.8};
  std::mt19937_64 rng(3);
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(4000, groups - 1);
  Eigen::VectorXd y(4000);
  std::vector<double> sum(groups, 0), count(groups, 0);
  for (int i = 0; i < 4000; ++i) {
    const int g = i % groups;
    if (g > 0) X(i, g - 1) = 1;
    y[i] = std::bernoulli_distribution(rate[g])(rng);
    sum[g] += y[i], count[g] += 1;
  }
  LogisticRegression lr(LogisticRegressionConfig{0.0});
  lr.Fit(X, y);
  const Eigen::VectorXd p = lr.Predict(X);
  for (int g = 0; g < groups; ++g) CHECK(p[g] == Approx(sum[g] / count[g]).epsilon(1e-9));
}

TEST_CASE("logistic regression recovers known weights within 3 standard errors", "[ope][slow]") {
  const int n = 200000, d = 3;
  const Eigen::Vector3d w_true(0.8, -1.2, 0.3);
  const double b_true = -1.0;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd X(n, d);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) X(i, j) = normal(rng);
    const double p = 1 / (1 + std::exp(-(b_true + X.row(i).dot(w_true))));
    y[i] = std::bernoulli_distribution(p)(rng);
  }
  LogisticRegression lr(LogisticRegressionConfig{0.0});
  lr.Fit(X, y);
  // Standard errors from the inverse Fisher information at the estimate.
  Eigen::MatrixXd Xa(n, d + 1);
  Xa << X, Eigen::VectorXd::Ones(n);
  const Eigen::VectorXd p = lr.Predict(X);
  const Eigen::VectorXd s = (p.array() * (1 - p.array())).matrix();
  const Eigen::MatrixXd info = Xa.transpose() * s.asDiagonal() * Xa;
  const Eigen::VectorXd se = info.inverse().diagonal().cwiseSqrt();
  for (int j = 0; j < d; ++j) CHECK(std::abs(lr.weights()[j] - w_true[j]) < 3 * se[j]);
  CHECK(std::abs(lr.intercept() - b_true) < 3 * se[d]);
}

TEST_CASE("cross-fitting folds are balanced and seeded", "[ope]") {
  const auto a = MakeFolds(103, 5, 1), b = MakeFolds(103, 5, 1), c = MakeFolds(103, 5, 2);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<int> size(5, 0);
  for (int f : a) ++size[f];
  for (int s : size) CHECK((s == 20 || s == 21));
}

TEST_CASE("target tables: OBD's BTS action distribution loads; bad tables are rejected",
          "[ope][data]") {
  const auto t = PositionActionTable::LoadCsv(DataDir() + "/obd/bts_policy/bts_action_dist_men.csv", 34, 3);
  for (int k = 0; k < 3; ++k) {
    double s = 0;
    for (int u = 0; u < 34; ++u) s += t.at(u, k);
    CHECK(s == Approx(1.0).epsilon(1e-12));
  }
  CHECK(t.at(0, 0) == Approx(0.04650).epsilon(1e-3));
  TempDir tmp;
  WriteText(tmp / "t.csv", "item_id,pos0\n0,0.5\n1,1.5\n");
  CHECK_THROWS_WITH(PositionActionTable::LoadCsv(tmp / "t.csv", 2, 1),
                    Catch::Contains("t.csv, line 3") && Catch::Contains("1.5 not in [0, 1]"));
  WriteText(tmp / "t.csv", "item_id,pos0\n0,0.5\n");
  CHECK_THROWS_WITH(PositionActionTable::LoadCsv(tmp / "t.csv", 2, 1), Catch::Contains("unit 1 is missing"));
  WriteText(tmp / "t.csv", "item_id,pos0\n0,0.5\n1,0.1\n");
  CHECK_THROWS_WITH(PositionActionTable::LoadCsv(tmp / "t.csv", 2, 1), Catch::Contains("sums to 0.6"));
  // The header must name the columns: another table's columns are not read as one.
  WriteText(tmp / "t.csv", "user_id,pos0\n0,0.5\n1,0.5\n");
  CHECK_THROWS_WITH(PositionActionTable::LoadCsv(tmp / "t.csv", 2, 1), Catch::Contains("item_id") && Catch::Contains("'user_id'"));
  WriteText(tmp / "t.csv", "item_id,pos1,pos0\n0,0.5,0.5\n1,0.5,0.5\n");
  CHECK_THROWS_WITH(PositionActionTable::LoadCsv(tmp / "t.csv", 2, 2), Catch::Contains("column 3: expected position 1"));
}

TEST_CASE("OBD: IPW of the uniform policy on uniform logs is the logged click rate exactly",
          "[ope][data]") {
  const LoggedDataset logs = ImportObd(DataDir() + "/obd/random/men", "test");
  const OpeData d = BuildOpeData(logs, PositionActionTable::Uniform(34, 3), nullptr, nullptr);
  REQUIRE(d.n == 10000);
  CHECK(RunEstimator(*MakeEstimator("ipw"), d, {}).value ==
        Approx(MeanReward(logs)).epsilon(1e-12));
  CHECK(MeanReward(logs) == Approx(46.0 / 10000));
}

TEST_CASE("OBD: BTS from uniform logs, and uniform from BTS logs, give finite, honest answers",
          "[ope][data]") {
  const std::string data = DataDir();
  for (const std::string campaign : {"men", "women"}) {
    INFO(campaign);
    const LoggedDataset random = ImportObd(data + "/obd/random/" + campaign, "test");
    const LoggedDataset bts = ImportObd(data + "/obd/bts/" + campaign, "test");
    const int64_t M = random.meta.n_units;
    const auto table = PositionActionTable::LoadCsv(
        data + "/obd/bts_policy/bts_action_dist_" + campaign + ".csv", M, 3);
    RewardModelConfig cfg;
    RewardModelReport report;
    const OpeData forward = BuildOpeData(random, table, &cfg, &report);
    // The cross-fitted reward model beats a constant click rate per position held-out.
    CHECK(report.heldout_loglik > report.heldout_loglik_baseline);
    for (const char* spec : {"dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dros"}) {
      const auto e = RunEstimator(*MakeEstimator(spec), forward, {});
      INFO(spec);
      CHECK(std::isfinite(e.value));
      CHECK(e.ci_low <= e.value);
      CHECK(e.value <= e.ci_high);
      CHECK(e.value > 0.0);
      CHECK(e.value < 0.02);  // click rates here are about 0.5%
    }
    // Reverse: weights reach the thousands; estimates stay finite, and the shrinkage of DRos
    // buys a smaller standard error than plain IPW.
    const OpeData reverse = BuildOpeData(bts, PositionActionTable::Uniform(M, 3), &cfg, nullptr);
    const auto ipw = RunEstimator(*MakeEstimator("ipw"), reverse, {});
    // Largest weight (1/M) / min pscore: 178 for men, about 20,000 for women (data README).
    CHECK(ipw.max_weight > (campaign == "men" ? 170 : 20000));
    for (const char* spec : {"ipw", "clipped-ipw", "snipw", "dr", "sndr", "switch-dr", "dros"}) {
      const auto e = RunEstimator(*MakeEstimator(spec), reverse, {});
      INFO(spec);
      CHECK(std::isfinite(e.value));
      CHECK(std::isfinite(e.stderr_));
    }
    CHECK(RunEstimator(*MakeEstimator("dros"), reverse, {}).stderr_ < ipw.stderr_);
  }
}

TEST_CASE("per-row inputs from CSV and HDF5, with clear errors", "[ope]") {
  TempDir tmp;
  WriteText(tmp / "rows.csv", "target,q_hat\n0.5,0.1\n0.25,0.2\n");
  const auto cols = LoadRowColumns(tmp / "rows.csv", {"q_hat", "target"}, 2);
  CHECK(cols[0] == std::vector<double>{0.1, 0.2});
  CHECK(cols[1] == std::vector<double>{0.5, 0.25});
  CHECK_THROWS_WITH(LoadRowColumns(tmp / "rows.csv", {"q_hat_target"}, 2),
                    Catch::Contains("expected a column named 'q_hat_target'"));
  CHECK_THROWS_WITH(LoadRowColumns(tmp / "rows.csv", {"target"}, 3),
                    Catch::Contains("has 2 rows, expected 3"));
  {
    h5::File f = h5::File::Create(tmp / "rows.h5");
    f.Write<double>("/target", {0.5, 0.25}, {2});
  }
  CHECK(LoadRowColumns(tmp / "rows.h5", {"target"}, 2)[0][1] == 0.25);
  CHECK_THROWS_WITH(LoadRowColumns(tmp / "rows.h5", {"q_hat"}, 2),
                    Catch::Contains("dataset /q_hat is missing"));
}

TEST_CASE("the MLP reward model fits an interaction that logistic regression cannot", "[ope][slow]") {
  // y ~ Bernoulli(sigmoid(3 x1 x2)): linear in neither feature. Held-out log-likelihood.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal;
  auto make = [&](int n, Eigen::MatrixXd& X, Eigen::VectorXd& y) {
    X.resize(n, 2);
    y.resize(n);
    for (int i = 0; i < n; ++i) {
      X(i, 0) = normal(rng), X(i, 1) = normal(rng);
      y[i] = std::bernoulli_distribution(1 / (1 + std::exp(-3 * X(i, 0) * X(i, 1))))(rng);
    }
  };
  Eigen::MatrixXd Xtr, Xte;
  Eigen::VectorXd ytr, yte;
  make(4000, Xtr, ytr);
  make(4000, Xte, yte);
  MlpRewardModel mlp;
  mlp.Fit(Xtr, ytr);
  LogisticRegression lr;
  lr.Fit(Xtr, ytr);
  auto loglik = [&](const Eigen::VectorXd& p) {
    double s = 0;
    for (Eigen::Index i = 0; i < p.size(); ++i) {
      const double q = std::clamp(p[i], 1e-9, 1 - 1e-9);
      s += yte[i] * std::log(q) + (1 - yte[i]) * std::log(1 - q);
    }
    return s / static_cast<double>(p.size());
  };
  const double ll_mlp = loglik(mlp.Predict(Xte)), ll_lr = loglik(lr.Predict(Xte));
  INFO("mlp " << ll_mlp << " logistic " << ll_lr);
  CHECK(ll_mlp > ll_lr + 0.05);
  CHECK(ll_lr == Approx(std::log(0.5)).margin(0.02));  // logistic sees no signal
}

TEST_CASE("OBD: DR with the cross-fitted MLP reward model gives finite estimates", "[ope][data][slow]") {
  const LoggedDataset logs = ImportObd(DataDir() + "/obd/random/men", "test");
  const auto table = PositionActionTable::LoadCsv(DataDir() + "/obd/bts_policy/bts_action_dist_men.csv", 34, 3);
  RewardModelConfig cfg;
  cfg.model = "mlp";
  RewardModelReport report;
  const OpeData d = BuildOpeData(logs, table, &cfg, &report);
  for (const char* spec : {"dm", "dr", "sndr"}) {
    const auto e = RunEstimator(*MakeEstimator(spec), d, {});
    CHECK(std::isfinite(e.value));
    CHECK(e.value > 0);
    CHECK(e.value < 0.02);
  }
  CHECK(std::isfinite(report.heldout_loglik));
}

TEST_CASE("conformance: every registered reward model fits, predicts probabilities and cross-fits by seed",
          "[ope][slow]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const int64_t n = 20000, d = 4;
  Eigen::MatrixXd X(n, d);
  Eigen::VectorXd y(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) X(i, j) = normal(rng);
    const double p = 1 / (1 + std::exp(-(0.8 * X(i, 0) - 0.5 * X(i, 1) - 1)));
    y[i] = std::uniform_real_distribution<double>(0, 1)(rng) < p;
  }
  REQUIRE(RewardModelRegistry::Names().size() >= 2);  // logistic here, mlp from policy/
  for (const auto& entry : RewardModelRegistry::All()) {
    INFO(entry.name);
    const CrossFit a = CrossFitRewardModel(entry.name, X, y, 1, 3, 5), b = CrossFitRewardModel(entry.name, X, y, 1, 3, 5);
    CHECK(a.out_of_fold == b.out_of_fold);
    double ll = 0, ll_const = 0;
    const double rate = y.mean();
    for (int64_t i = 0; i < n; ++i) {
      const double q = a.out_of_fold[i];
      REQUIRE(q >= 0);
      REQUIRE(q <= 1);
      ll += y[i] * std::log(std::max(q, 1e-12)) + (1 - y[i]) * std::log(std::max(1 - q, 1e-12));
      ll_const += y[i] * std::log(rate) + (1 - y[i]) * std::log(1 - rate);
    }
    CHECK(ll > ll_const);  // held out, the model beats the constant rate
    for (const auto& p : entry.params) CHECK_NOTHROW(MakeRewardModel(entry.name + ":" + p.default_value, 1));
  }
  CHECK_THROWS_WITH(MakeRewardModel("forest", 1), Catch::Contains("unknown reward model") && Catch::Contains("logistic"));
  CHECK_THROWS_WITH(CrossFitRewardModel("logistic", X, y, 7, 3, 5), Catch::Contains("groups of 7"));
}
