// A world fitted to the Amazon sessions: see replay_world.h.
#include "harness/replay_world.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/random.h"
#include "env/shopper_model.h"
#include "kernels/builder.h"
#include "dataset/importers.h"
#include "ope/offline_eval.h"
#include "ope/reward_model.h"

namespace bundlerl {

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

ReplayWorld BuildAmazonReplayWorld(const ReplayWorldConfig& cfg) {
  if (!(cfg.train_share > 0 && cfg.train_share < 1)) Fail("replay world: train share must be in (0, 1)");
  const LoggedDataset data = ImportAmazon(cfg.dir, "bundlerl replay world");
  const ItemTable& items = data.items;
  const BundleTable& bundles = data.bundles;
  const UserTable& users = data.users;
  const SessionTable& sessions = data.sessions;
  const int64_t M = items.n, U = users.n, d = cfg.embedding_dim;

  std::vector<int64_t> timed;
  for (size_t s = 0; s < sessions.user.size(); ++s)
    if (sessions.timestamp[s] >= 0 && sessions.user[s] >= 0) timed.push_back(static_cast<int64_t>(s));
  const int64_t cut = static_cast<int64_t>(cfg.train_share * static_cast<double>(timed.size()));
  if (cut < 1 || cut >= static_cast<int64_t>(timed.size())) Fail("replay world: too few timed sessions in ", cfg.dir);
  const int64_t split_time = sessions.timestamp[timed[cut]];
  // The kernels come from the first half of the earlier sessions, the choice fit from the
  // second half: a fitted session's own items never count in its features.
  const int64_t kernel_cut = cut / 2;

  // Item kernels (kernels/builder.h): TF-IDF of titles and category paths (content), a seeded
  // random projection of it (embeddings), co-occurrence in the earlier sessions and their
  // bundles (complements), popularity from the sessions holding each item.
  LoggedDataset catalog;
  catalog.meta = data.meta;
  catalog.items = items;
  std::vector<double> count(M, 0.0);
  catalog.baskets = SessionBaskets(sessions, bundles, timed, 0, kernel_cut, count);
  const double max_count = std::max(1.0, *std::max_element(count.begin(), count.end()));
  catalog.items.popularity.resize(M);
  for (int64_t i = 0; i < M; ++i) catalog.items.popularity[i] = std::log1p(count[i]) / std::log1p(max_count);
  KernelSpec spec;
  spec.content = "tfidf:title+category_path";
  spec.complement = "cooccurrence:jaccard:baskets";
  spec.embedding = Concat("tfidf-projection:", d, ":title+category_path");
  spec.popularity = "column";
  spec.seed = cfg.seed;
  ItemKernels k = BuildKernels(catalog, spec);

  // Shoppers: the preference is the mean embedding of what they chose before the split.
  std::vector<Shopper> shoppers(U);
  for (int64_t u = 0; u < U; ++u) {
    Shopper& s = shoppers[u];
    s.theta = Eigen::VectorXd::Zero(d);
    for (int64_t j = users.history.offsets[u]; j < users.history.offsets[u + 1]; ++j)
      if (users.history_time[j] < split_time) {
        s.theta += k.item_features.row(users.history.values[j]).transpose();
        s.history.push_back(users.history.values[j]);
      }
    if (s.theta.norm() > 0) s.theta /= s.theta.norm();
  }
  ReplayWorld out;
  out.world = std::make_shared<const World>(std::move(k), std::move(shoppers));

  // Episodes: the user, the items chosen before the session, the session's items among
  // randomly drawn others.
  auto episode = [&](int64_t s) {
    ReplayEpisode e;
    e.user = static_cast<int32_t>(sessions.user[s]);
    e.timestamp = sessions.timestamp[s];
    for (int64_t j = users.history.offsets[e.user]; j < users.history.offsets[e.user + 1]; ++j)
      if (users.history_time[j] < e.timestamp) e.history.push_back(users.history.values[j]);
    e.session_items.assign(sessions.items.row(s), sessions.items.row(s) + sessions.items.size(s));
    e.candidates = e.session_items;
    SplitMix64 rng(DeriveSeed(cfg.seed, static_cast<uint64_t>(s)));
    while (static_cast<int64_t>(e.candidates.size()) < std::max<int64_t>(cfg.candidates, e.session_items.size())) {
      const auto x = static_cast<int32_t>(rng.Below(M));
      if (std::find(e.candidates.begin(), e.candidates.end(), x) == e.candidates.end()) e.candidates.push_back(x);
    }
    for (int64_t i = static_cast<int64_t>(e.candidates.size()) - 1; i > 0; --i)
      std::swap(e.candidates[i], e.candidates[rng.Below(i + 1)]);
    return e;
  };
  for (size_t t = kernel_cut; t < timed.size(); ++t)
    (static_cast<int64_t>(t) < cut ? out.train_episodes : out.heldout_episodes).push_back(episode(timed[t]));

  // Choices: every item of a session, among itself and sampled alternatives, with the
  // utility features of the shopper model (price is constant here and left out).
  const int64_t K = 1 + cfg.negatives;
  const std::vector<int> keep = {0, 1, 2, 4, 5, 6};
  out.fitted_parameters = {"w_profile", "w_content", "w_complement", "w_popularity", "complementarity", "redundancy"};
  SessionConfig se;
  se.slate_size = K;
  se.num_candidates = K;
  ShopperConfig sh;
  sh.position_bias.assign(K, 0.0);
  const ShopperModel model(out.world, sh, se);
  auto choices = [&](const std::vector<ReplayEpisode>& eps, uint64_t salt) {
    ChoiceData data;
    data.K = K;
    data.P = static_cast<int64_t>(keep.size());
    std::vector<double> phi(K * ShopperModel::kNumUtilityFeatures);
    for (size_t e = 0; e < eps.size(); ++e) {
      const auto& ep = eps[e];
      SplitMix64 rng(DeriveSeed(cfg.seed ^ salt, e));
      for (int32_t chosen : ep.session_items) {
        std::vector<int32_t> slate = {chosen};
        while (static_cast<int64_t>(slate.size()) < K) {
          const auto x = static_cast<int32_t>(rng.Below(M));
          if (std::find(slate.begin(), slate.end(), x) == slate.end()) slate.push_back(x);
        }
        const int64_t pos = static_cast<int64_t>(rng.Below(K));
        std::swap(slate[0], slate[pos]);
        // The preference from what the shopper chose before this session only.
        Eigen::VectorXd theta = Eigen::VectorXd::Zero(d);
        for (int32_t h : ep.history) theta += out.world->embeddings().row(h).transpose();
        if (theta.norm() > 0) theta /= theta.norm();
        model.UtilityFeatures(ep.user, theta, ep.history.data(),
                              static_cast<int64_t>(ep.history.size()), slate.data(), static_cast<int>(K), phi.data());
        for (int64_t a = 0; a < K; ++a)
          for (int f : keep) data.x.push_back(phi[a * ShopperModel::kNumUtilityFeatures + f]);
        data.clicks.push_back(1u << pos);
        ++data.n;
      }
    }
    return data;
  };
  // A choice was made: no no-click option (its utility far below any item's).
  constexpr double kNoNoClick = -50.0;
  const ChoiceData train = choices(out.train_episodes, 0x11), heldout = choices(out.heldout_episodes, 0x22);
  out.train_choices = train.n;
  out.heldout_choices = heldout.n;
  // A unit Gaussian prior on the weights: co-occurrence features are zero for most later
  // items and would otherwise separate the few choices where they are not.
  out.fit = FitChoiceModel("mnl", train, kNoNoClick, 50, 1.0);
  out.heldout_loglik = ChoiceLogLikelihood("mnl", heldout, out.fit.beta, kNoNoClick);
  out.heldout_loglik_null = ChoiceLogLikelihood("mnl", heldout, Eigen::VectorXd::Zero(out.fit.beta.size()), kNoNoClick);
  const auto& b = out.fit.beta;
  out.shopper.w_profile = b[0];
  out.shopper.w_content = b[1];
  out.shopper.w_complement = b[2];
  out.shopper.w_price = 0;
  out.shopper.w_popularity = b[3];
  out.shopper.complementarity = b[4];
  out.shopper.redundancy = b[5];
  return out;
}

ObdReplayWorld BuildObdReplayWorld(const std::string& dir) {
  const LoggedDataset logs = ImportObd(dir, "bundlerl replay world (obd)");
  const int64_t M = logs.meta.n_units, K = logs.meta.slate_size, D = logs.meta.context_dim, n = logs.num_rounds();
  // The click model on every round.
  const BanditFeaturizer feat(logs);
  Eigen::MatrixXd X(n, feat.dim());
  Eigen::VectorXd y(n);
  const std::vector<float>& context = logs.rounds.context;
  {
    const RoundBatch& b = logs.rounds;
    std::vector<double> row(feat.dim());
    for (int64_t r = 0; r < n; ++r) {
      feat.Row(&context[r * D], b.slate[r], b.position[r], row.data());
      X.row(r) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), feat.dim());
      y[r] = b.click[r];
    }
  }
  LogisticRegression model(LogisticRegressionConfig{1e-2});
  model.Fit(X, y);
  // Logit of item i at position k for round r = intercept + w.x(r, i, k). Split it into the
  // position term (the position bias), the rest (the shopper's preference for item i) and
  // the intercept (minus the no-click utility).
  std::vector<double> row(feat.dim()), base(feat.dim());
  ObdReplayWorld out;
  out.rounds = n;
  out.items = M;
  std::vector<Shopper> shoppers(n);
  for (int64_t r = 0; r < n; ++r) {
    Shopper& s = shoppers[r];
    s.theta.resize(M);
    for (int64_t i = 0; i < M; ++i) {
      feat.Row(&context[r * D], static_cast<int32_t>(i), 0, row.data());
      s.theta[i] = Eigen::Map<const Eigen::VectorXd>(row.data(), feat.dim()).dot(model.weights());
    }
  }
  // theta includes position 0's weight; position k's bias is its weight minus position 0's.
  std::vector<double> pos_weight(K);
  for (int64_t k = 0; k < K; ++k) {
    feat.Row(&context[0], 0, static_cast<int32_t>(k), row.data());
    feat.Row(&context[0], 0, 0, base.data());
    double w = 0;
    for (int64_t j = 0; j < feat.dim(); ++j) w += (row[j] - base[j]) * model.weights()[j];
    pos_weight[k] = w;
  }
  KernelSpec spec;  // the shopper's preference is per item: identity embeddings
  spec.content = "identity";
  spec.complement = "none";
  spec.embedding = "identity";
  spec.popularity = "none";
  ItemKernels k = BuildKernels(logs, spec);
  out.world = std::make_shared<const World>(std::move(k), std::move(shoppers));
  ShopperConfig& sh = out.shopper;
  sh.choice_model = "pbm";
  sh.examination.assign(K, 1.0);
  sh.position_bias = pos_weight;
  sh.w_profile = 1.0;
  sh.w_content = sh.w_complement = sh.w_price = sh.w_popularity = 0;
  sh.complementarity = sh.redundancy = 0;
  sh.no_click_utility = -model.intercept();
  sh.leave_base = 0;
  sh.leave_per_miss = 0;
  out.session.slate_size = K;
  out.session.num_candidates = M;
  out.session.max_steps = 1;
  return out;
}

}  // namespace bundlerl
