// Bundle ranking on Youshu: see bundle_ranking.h.
#include <torch/torch.h>

#include "harness/bundle_ranking.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/executor.h"
#include "kernels/builder.h"
#include "kernels/similarity.h"
#include "harness/experiment.h"
#include "harness/plot.h"
#include "harness/report.h"
#include "replay/h5.h"
#include "dataset/importers.h"
#include "graph/ease.h"
#include "graph/embedding_file.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {

void Say(const std::string& s) { std::cerr << "compare: " << s << std::endl; }

std::vector<std::vector<int32_t>> ByUser(const Interactions& x, int64_t users) {
  std::vector<std::vector<int32_t>> out(users);
  for (size_t i = 0; i < x.user.size(); ++i) out[x.user[i]].push_back(x.unit[i]);
  return out;
}

// Per-user scores over all bundles, [users_listed, B], for the listed users.
struct ScoreTable {
  int64_t B = 0;
  std::vector<int32_t> users;
  std::vector<float> score;  // [users.size(), B]
  const float* row(size_t i) const { return score.data() + i * B; }
};

RankingMetrics Evaluate(const ScoreTable& t, const std::vector<std::vector<int32_t>>& masked,
                        const std::vector<std::vector<int32_t>>& relevant_sets) {
  RankingMetrics m;
  std::vector<int32_t> order(t.B);
  std::vector<char> relevant(t.B, 0);
  std::vector<double> s(t.B);
  const int64_t depth = std::min<int64_t>(40, t.B);  // a catalog may hold fewer than 40 bundles
  for (size_t i = 0; i < t.users.size(); ++i) {
    const int32_t u = t.users[i];
    if (relevant_sets[u].empty()) continue;
    for (int64_t b = 0; b < t.B; ++b) s[b] = t.row(i)[b];
    for (int32_t b : masked[u]) s[b] = -std::numeric_limits<double>::infinity();
    for (int64_t b = 0; b < t.B; ++b) order[b] = static_cast<int32_t>(b);
    std::partial_sort(order.begin(), order.begin() + depth, order.end(), [&](int32_t a, int32_t b) {
      return s[a] != s[b] ? s[a] > s[b] : a < b;
    });
    for (int32_t b : relevant_sets[u]) relevant[b] = 1;
    const std::vector<int32_t> top(order.begin(), order.begin() + depth);
    double r, n;
    const int64_t nrel = static_cast<int64_t>(relevant_sets[u].size());
    RankingScores(top, relevant, nrel, 20, &r, &n);
    m.recall20 += r, m.ndcg20 += n;
    RankingScores(top, relevant, nrel, 40, &r, &n);
    m.recall40 += r, m.ndcg40 += n;
    for (int32_t b : relevant_sets[u]) relevant[b] = 0;
    ++m.users;
  }
  if (m.users) m.recall20 /= m.users, m.ndcg20 /= m.users, m.recall40 /= m.users, m.ndcg40 /= m.users;
  return m;
}

ScoreTable GraphScores(const GraphEmbeddings& e, const std::vector<int32_t>& users) {
  ScoreTable t;
  t.B = e.bundles;
  t.users = users;
  e.Scores(users, t.score);
  return t;
}

std::string GraphModelDescription(const std::string& model) {
  for (const auto& [name, what] : GraphModelNames())
    if (name == model) return what;
  return model;
}

// Scores standardised over the whole table (mean 0, sd 1).
std::vector<float> Standardised(const std::vector<float>& x) {
  double m = 0, v = 0;
  for (float a : x) m += a;
  m /= static_cast<double>(x.size());
  for (float a : x) v += (a - m) * (a - m);
  const double sd = std::sqrt(v / static_cast<double>(x.size())) + 1e-12;
  std::vector<float> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) z[i] = static_cast<float>((x[i] - m) / sd);
  return z;
}

// A graph model's scores blended with the kernel scores: z(graph) + w z(kernels), with w
// from a grid chosen on tune Recall@20 (NDCG@20 breaks ties).
struct Blend {
  double weight = 0;
  ScoreTable table;
  RankingMetrics tune;
};

Blend BestBlend(const ScoreTable& graph, const ScoreTable& kernels, const std::vector<std::vector<int32_t>>& train,
                const std::vector<std::vector<int32_t>>& tune) {
  if (graph.users != kernels.users) Fail("bundle ranking: blended score tables list different users");
  const std::vector<float> zg = Standardised(graph.score), zk = Standardised(kernels.score);
  Blend best;
  ScoreTable t = graph;  // scratch: the blend of the weight being tried
  for (int k = 0; k <= 20; ++k) {
    const double w = 0.05 * k;
    for (size_t i = 0; i < zg.size(); ++i) t.score[i] = zg[i] + static_cast<float>(w) * zk[i];
    const RankingMetrics m = Evaluate(t, train, tune);
    if (k == 0 || m.recall20 > best.tune.recall20 || (m.recall20 == best.tune.recall20 && m.ndcg20 > best.tune.ndcg20))
      best.weight = w, best.tune = m, best.table.score = t.score;
  }
  best.table.B = graph.B, best.table.users = graph.users;
  return best;
}

// Mean and sample standard deviation of each metric over seeds.
void MeanOverSeeds(const std::vector<RankingMetrics>& runs, RankingMetrics* mean, RankingMetrics* sd);

// A row of a strategy run over several seeds: the means and standard deviations of its metrics.
RankingRow SeedRow(const std::string& strategy, const std::vector<RankingMetrics>& tunes,
                   const std::vector<RankingMetrics>& tests, const std::string& note) {
  RankingRow row;
  row.strategy = strategy;
  row.seeds = static_cast<int64_t>(tests.size());
  MeanOverSeeds(tunes, &row.tune, &row.tune_sd);
  MeanOverSeeds(tests, &row.test, &row.test_sd);
  row.note = note;
  return row;
}

void MeanOverSeeds(const std::vector<RankingMetrics>& runs, RankingMetrics* mean, RankingMetrics* sd) {
  const double n = static_cast<double>(runs.size());
  auto field = [&](double RankingMetrics::*f) {
    double m = 0, v = 0;
    for (const auto& r : runs) m += r.*f;
    m /= n;
    for (const auto& r : runs) v += (r.*f - m) * (r.*f - m);
    mean->*f = m;
    sd->*f = n > 1 ? std::sqrt(v / (n - 1)) : 0.0;
  };
  for (auto f : {&RankingMetrics::recall20, &RankingMetrics::ndcg20, &RankingMetrics::recall40, &RankingMetrics::ndcg40})
    field(f);
  mean->users = sd->users = runs.empty() ? 0 : runs.front().users;
}

}  // namespace

void RankingScores(const std::vector<int32_t>& ranked, const std::vector<char>& relevant, int64_t n_relevant,
                   int64_t K, double* recall, double* ndcg) {
  double hits = 0, dcg = 0, idcg = 0;
  for (int64_t k = 0; k < K && k < static_cast<int64_t>(ranked.size()); ++k)
    if (relevant[ranked[k]]) hits += 1, dcg += 1.0 / std::log2(k + 2.0);
  for (int64_t k = 0; k < std::min(K, n_relevant); ++k) idcg += 1.0 / std::log2(k + 2.0);
  *recall = n_relevant ? hits / static_cast<double>(n_relevant) : 0.0;
  *ndcg = idcg > 0 ? dcg / idcg : 0.0;
}

const std::vector<PublishedRow>& PublishedYoushu() {
  // As reported in Table 2 of the CrossCBR paper (Ma et al., KDD 2022) for Youshu; not
  // reproduced here.
  static const std::vector<PublishedRow> rows = {
      {"MFBPR", "as reported in the CrossCBR paper (KDD 2022), transcribed", 0.1959, 0.1117, 0.2735, 0.1320},
      {"LightGCN", "as quoted in later papers' tables (Recall@40 and NDCG@40 not quoted), transcribed", 0.2286, 0.1344,
       std::nan(""), std::nan("")},
      {"BGCN", "as reported in the CrossCBR paper (KDD 2022), transcribed", 0.2347, 0.1345, 0.3248, 0.1593},
      {"CrossCBR", "as reported in the CrossCBR paper (KDD 2022), transcribed", 0.2813, 0.1668, 0.3785, 0.1938},
  };
  return rows;
}

namespace {

// One strategy's tune and test metrics per seed (or replica), and what was chosen per seed
// (blend weights, agent epochs) for its note.
struct SeedRuns {
  std::vector<RankingMetrics> tunes, tests;
  std::vector<double> chosen;
  RankingRow Row(const std::string& strategy, const std::string& note) const {
    return SeedRow(strategy, tunes, tests, note);
  }
};

std::string Joined(const std::vector<double>& v) {
  std::ostringstream o;
  for (double x : v) o << " " << x;
  return o.str();
}

// The note of a "+kernels" row: `what`'s score blended with the learned-softmax kernel score.
std::string BlendNote(const std::string& what, const char* per, const std::vector<double>& weights) {
  return Concat("standardised ", what, " score plus w times the standardised learned-softmax score, w chosen on tune ",
                "Recall@20 per ", per, " from {0, 0.05, ..., 1} (chosen:", Joined(weights), ")");
}

// The graph-model rows of a ranking run: each model over cfg.graph_seeds seeds (mean and
// standard deviation), its blend with the kernel score, its seed ensemble and the top-K agent
// started from it where configured, and a tune curve per trained model.
class GraphRows {
 public:
  GraphRows(const RankingConfig& cfg, const LoggedDataset& data, const std::vector<int32_t>& users,
            const std::vector<std::vector<int32_t>>& train, const std::vector<std::vector<int32_t>>& tune,
            const std::vector<std::vector<int32_t>>& test, const ScoreTable& kernel_scores, RankingResult& result)
      : cfg_(cfg), graphs_(BundleGraphsOf(data, "user_bundle_train")), users_(users), train_(train), tune_(tune),
        test_(test), kernel_scores_(kernel_scores), result_(result) {
    tune_metric_ = [this](const GraphEmbeddings& e) {
      const RankingMetrics m = Evaluate(GraphScores(e, users_), train_, tune_);
      return std::pair{m.recall20, m.ndcg20};
    };
  }

  void Add(const std::string& model) {
    SeedRuns single, blend, ensemble, ensemble_blend, agent;
    double epochs = 0, seconds_per_epoch = 0;
    for (int64_t k = 0; k < cfg_.graph_seeds; ++k) {
      GraphModelConfig gc = cfg_.graph;
      gc.model = model, gc.seed = cfg_.seed + static_cast<uint64_t>(k), gc.threads = cfg_.threads;
      const GraphTrainResult r = Train(gc);
      const ScoreTable t = GraphScores(r.best, users_);
      Record(t, single, blend);
      epochs += static_cast<double>(r.best_epoch);
      seconds_per_epoch += r.train_seconds / static_cast<double>(r.curve.size());
      if (cfg_.EnsembleSize(model) > 1) Record(Ensemble(gc, t), ensemble, ensemble_blend);
      if (model == cfg_.reinforce_from) RunAgent(gc, r, agent);
      if (k == 0 && cfg_.save_embeddings && !cfg_.embeddings_dir.empty())
        SaveGraphEmbeddings(r.best, cfg_.embeddings_dir + "/embeddings_" + model + ".h5");
      Say(Concat(model, " seed ", gc.seed, ": best epoch ", r.best_epoch, ", test Recall@20 ",
                 single.tests.back().recall20, ", NDCG@20 ", single.tests.back().ndcg20));
    }
    const double n = static_cast<double>(cfg_.graph_seeds);
    std::ostringstream note;
    note << std::fixed << std::setprecision(2) << "mean +- sd over " << cfg_.graph_seeds << " seed(s); "
         << GraphModelDescription(model) << "; dim " << cfg_.graph.dim << ", best tune epoch " << std::setprecision(0)
         << epochs / n << " (mean), " << std::setprecision(2) << seconds_per_epoch / n << " s per training epoch";
    result_.rows.push_back(single.Row(model, note.str()));
    if (!agent.tunes.empty())
      result_.rows.push_back(agent.Row(
          model + "+topk-reinforce",
          Concat("off-policy REINFORCE with the top-K correction (K ", cfg_.reinforce.slate_size,
                 ", behaviour policy by a separate head) started from ", model, "; policy epochs kept on tune:",
                 Joined(agent.chosen), " (0: the start was best)")));
    if (!blend.tunes.empty()) result_.rows.push_back(blend.Row(model + "+kernels", BlendNote(model, "seed", blend.chosen)));
    if (ensemble.tunes.empty()) return;
    const int64_t members = cfg_.EnsembleSize(model);
    const std::string name = Concat(model, " x", members);
    result_.rows.push_back(ensemble.Row(
        name, Concat("mean of the standardised scores of ", members, " ", model,
                     " models trained with different seeds (replica k: seeds ", cfg_.seed, " + k + j x ",
                     cfg_.graph_seeds, ", j = 0..", members - 1, "); mean +- sd over ", cfg_.graph_seeds,
                     " replica(s)")));
    if (!ensemble_blend.tunes.empty())
      result_.rows.push_back(ensemble_blend.Row(name + "+kernels", BlendNote(name, "replica", ensemble_blend.chosen)));
  }

 private:
  // Trains one model, its tune curve kept for the plot.
  GraphTrainResult Train(const GraphModelConfig& gc) {
    RankingCurve curve;
    curve.strategy = gc.model, curve.seed = gc.seed;
    GraphTrainResult r = TrainGraphModel(gc, graphs_, tune_metric_, [&](const GraphEpoch& e) {
      curve.epoch.push_back(e.epoch), curve.recall20.push_back(e.tune_recall20), curve.ndcg20.push_back(e.tune_ndcg20);
      Say(Concat(gc.model, " seed ", gc.seed, " epoch ", e.epoch, ": loss ", e.loss, ", tune Recall@20 ",
                 e.tune_recall20, ", NDCG@20 ", e.tune_ndcg20, " (", e.seconds, " s/epoch)"));
    });
    result_.curves.push_back(std::move(curve));
    return r;
  }

  // Tune and test metrics of `t`, and with graph_ensemble those of its blend with the kernels.
  void Record(const ScoreTable& t, SeedRuns& plain, SeedRuns& blended) const {
    plain.tunes.push_back(Evaluate(t, train_, tune_));
    plain.tests.push_back(Evaluate(t, train_, test_));
    if (!cfg_.graph_ensemble) return;
    const Blend b = BestBlend(t, kernel_scores_, train_, tune_);
    blended.chosen.push_back(b.weight);
    blended.tunes.push_back(b.tune);
    blended.tests.push_back(Evaluate(b.table, train_, test_));
  }

  // The seed ensemble of the replica whose first member is gc's model, scored `first`: the
  // further members have seeds gc.seed + j x graph_seeds (j = 1, ...), so that no two
  // replicas share a model; its score is the mean of the members' standardised scores.
  ScoreTable Ensemble(const GraphModelConfig& gc, const ScoreTable& first) {
    const int64_t members = cfg_.EnsembleSize(gc.model);
    ScoreTable e = first;
    e.score = Standardised(first.score);
    for (int64_t j = 1; j < members; ++j) {
      GraphModelConfig mc = gc;
      mc.seed = gc.seed + static_cast<uint64_t>(j * cfg_.graph_seeds);
      const std::vector<float> z = Standardised(GraphScores(Train(mc).best, users_).score);
      for (size_t i = 0; i < z.size(); ++i) e.score[i] += z[i];
    }
    for (float& x : e.score) x /= static_cast<float>(members);
    return e;
  }

  // The top-K REINFORCE agent started from the replica's model `r`.
  void RunAgent(const GraphModelConfig& gc, const GraphTrainResult& r, SeedRuns& agent) {
    TopKReinforceConfig rc = cfg_.reinforce;
    rc.seed = gc.seed;
    RankingCurve curve;
    curve.strategy = gc.model + "+topk-reinforce", curve.seed = gc.seed;
    const GraphTrainResult a = TrainTopKReinforce(rc, graphs_, r.best, tune_metric_, [&](const GraphEpoch& e) {
      curve.epoch.push_back(r.best_epoch + e.epoch), curve.recall20.push_back(e.tune_recall20);
      curve.ndcg20.push_back(e.tune_ndcg20);
      Say(Concat(curve.strategy, " seed ", gc.seed, " epoch ", e.epoch, ": tune Recall@20 ", e.tune_recall20,
                 ", NDCG@20 ", e.tune_ndcg20));
    });
    const ScoreTable at = GraphScores(a.best, users_);
    agent.tunes.push_back(Evaluate(at, train_, tune_));
    agent.tests.push_back(Evaluate(at, train_, test_));
    agent.chosen.push_back(static_cast<double>(a.best_epoch));
    result_.curves.push_back(std::move(curve));
  }

  const RankingConfig& cfg_;
  const BundleGraphs graphs_;
  const std::vector<int32_t>& users_;
  const std::vector<std::vector<int32_t>>& train_;
  const std::vector<std::vector<int32_t>>& tune_;
  const std::vector<std::vector<int32_t>>& test_;
  const ScoreTable& kernel_scores_;
  RankingResult& result_;
  GraphTuneMetric tune_metric_;
};

// EASE over the training user-bundle matrix for each candidate lambda; the one with the best
// tune Recall@20 (NDCG@20 breaks ties) is kept. Its scores for the listed users, and the note
// of its row.
struct EaseChoice {
  ScoreTable table;
  RankingMetrics tune;
  std::string note;
};

EaseChoice ChooseEase(const std::vector<double>& lambdas, const std::vector<std::vector<int32_t>>& train, int64_t B,
                      const std::vector<int32_t>& users, const std::vector<std::vector<int32_t>>& tune, int threads) {
  std::vector<std::vector<int32_t>> rows = train;  // a user's distinct training bundles
  for (auto& r : rows) std::sort(r.begin(), r.end()), r.erase(std::unique(r.begin(), r.end()), r.end());
  EaseChoice best;
  double best_lambda = 0;
  for (size_t k = 0; k < lambdas.size(); ++k) {
    const EaseModel m = FitEase(rows, B, lambdas[k]);
    ScoreTable t;
    t.B = B, t.users = users;
    t.score.resize(users.size() * B);
    ParallelFor(std::max(1, threads), static_cast<int64_t>(users.size()), [&](int, int64_t i) {
      const auto& has = rows[users[i]];
      m.Score(has.data(), static_cast<int64_t>(has.size()), t.score.data() + i * B);
    });
    const RankingMetrics r = Evaluate(t, train, tune);
    Say(Concat("ease lambda ", lambdas[k], ": tune Recall@20 ", r.recall20, ", NDCG@20 ", r.ndcg20));
    if (k == 0 || r.recall20 > best.tune.recall20 || (r.recall20 == best.tune.recall20 && r.ndcg20 > best.tune.ndcg20))
      best.table = std::move(t), best.tune = r, best_lambda = lambdas[k];
  }
  std::ostringstream grid;
  for (size_t k = 0; k < lambdas.size(); ++k) grid << (k ? ", " : "") << lambdas[k];
  best.note = Concat("EASE (Steck 2019): closed-form linear bundle-to-bundle model of the training user-bundle matrix, "
                     "lambda ", best_lambda, " chosen on tune Recall@20 from {", grid.str(), "}");
  return best;
}

}  // namespace

RankingResult RunBundleRanking(const RankingConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!fs::is_directory(cfg.data_dir))
    Fail("config key 'compare.data': '", cfg.data_dir, "' is not a folder (set it, or BUNDLERL_DATA)");
  const LoggedDataset data = ImportBundles(cfg.data_dir, "bundlerl compare (bundle ranking)");
  const BundleTable& bt = data.bundles;
  const UserTable& ut = data.users;
  const int64_t U = ut.n, B = bt.items.rows(), I = data.items.n;
  const auto train = ByUser(data.interactions.at("user_bundle_train"), U);
  const auto tune = ByUser(data.interactions.at("user_bundle_tune"), U);
  const auto test = ByUser(data.interactions.at("user_bundle_test"), U);
  RankingResult result;
  result.users = U, result.bundles = B, result.items = I;
  if (!cfg.ease_lambdas.empty() && B > kMaxEaseItems)
    Fail("config key 'ranking.ease_lambdas': EASE takes at most ", kMaxEaseItems, " bundles and ", cfg.data_dir,
         " has ", B, " (set ranking.ease_lambdas empty to leave EASE out)");
  if (!cfg.reinforce_from.empty() && cfg.reinforce.slate_size > B)
    Fail("config key '", cfg.reinforce.key_prefix, ".slate_size': K = ", cfg.reinforce.slate_size,
         " is more than the catalogue's ", B, " bundles");
  Say("bundle ranking: " + std::to_string(U) + " users, " + std::to_string(B) + " bundles, " + std::to_string(I) + " items");

  // Training-side item sets per user: user-item plus the items of the training bundles.
  std::vector<std::vector<int32_t>> user_items(U);
  for (int64_t u = 0; u < U; ++u) {
    auto& v = user_items[u];
    v.assign(ut.history.row(u), ut.history.row(u) + ut.history.size(u));
    for (int32_t b : train[u]) v.insert(v.end(), bt.items.row(b), bt.items.row(b) + bt.items.size(b));
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  // Kernels: item co-occurrence over bundle item lists and user histories (Jaccard); IDF of
  // items over bundles; bundle popularity in training.
  const auto co_kernel = BuildSimilarity(data, "cooccurrence:jaccard:bundles+users");
  const auto& co = dynamic_cast<const CooccurrenceSimilarity&>(*co_kernel);
  std::vector<double> idf(I, 0.0), popularity(B, 0.0);
  {
    std::vector<double> df(I, 0.0);
    for (int32_t i : bt.items.values) df[i] += 1;
    for (int64_t i = 0; i < I; ++i) idf[i] = std::log((1.0 + B) / (1.0 + df[i])) + 1.0;
  }
  for (int64_t u = 0; u < U; ++u)
    for (int32_t b : train[u]) popularity[b] += 1;
  std::vector<double> bundle_norm(B, 0.0);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t k = 0; k < bt.items.size(b); ++k) bundle_norm[b] += idf[bt.items.row(b)[k]] * idf[bt.items.row(b)[k]];
    bundle_norm[b] = std::sqrt(bundle_norm[b]);
  }

  // Users evaluated: those with a tune or test bundle (all have training bundles too).
  std::vector<int32_t> users;
  for (int64_t u = 0; u < U; ++u)
    if (!test[u].empty() || !tune[u].empty()) users.push_back(static_cast<int32_t>(u));
  const int64_t N = static_cast<int64_t>(users.size());
  // Features per (user, bundle): log popularity, item-CF, content, and EASE where configured.
  const int kF = cfg.ease_lambdas.empty() ? 3 : 4;
  std::vector<float> feat(N * B * kF);
  {
    const int T = std::max(1, cfg.threads);
    std::vector<std::vector<double>> item_scores(T, std::vector<double>(I, 0.0)),
        weights(T, std::vector<double>(I, 0.0));
    ParallelFor(T, N, [&](int t, int64_t n) {
      std::vector<double>& item_score = item_scores[t];
      std::vector<double>& weight = weights[t];
      {
        const int32_t u = users[n];
        std::vector<int32_t> touched;
        double unorm = 0;
        for (int32_t j : user_items[u]) {
          co.ForEachNeighbour(j, [&](int32_t i, double s) {
            if (item_score[i] == 0) touched.push_back(i);
            item_score[i] += s;
          });
          weight[j] = idf[j];
          unorm += idf[j] * idf[j];
        }
        unorm = std::sqrt(unorm);
        for (int64_t b = 0; b < B; ++b) {
          double cf = 0, dot = 0;
          const int32_t* it = bt.items.row(b);
          const int64_t m = bt.items.size(b);
          for (int64_t k = 0; k < m; ++k)
            cf += item_score[it[k]], dot += weight[it[k]] * idf[it[k]];
          float* f = &feat[(n * B + b) * kF];
          f[0] = static_cast<float>(std::log1p(popularity[b]));
          f[1] = static_cast<float>(cf / m);
          f[2] = static_cast<float>(unorm > 0 ? dot / (unorm * bundle_norm[b]) : 0.0);
        }
        for (int32_t i : touched) item_score[i] = 0;
        for (int32_t j : user_items[u]) weight[j] = 0;
      }
    });
  }
  Say("kernel scores computed for " + std::to_string(N) + " users x " + std::to_string(B) + " bundles");
  EaseChoice ease;
  if (kF == 4) {
    ease = ChooseEase(cfg.ease_lambdas, train, B, users, tune, cfg.threads);
    for (int64_t i = 0; i < N * B; ++i) feat[i * kF + 3] = ease.table.score[i];
  }

  auto table_from = [&](const std::function<float(const float*)>& score) {
    ScoreTable t;
    t.B = B;
    t.users = users;
    t.score.resize(N * B);
    for (int64_t i = 0; i < N * B; ++i) t.score[i] = score(&feat[i * kF]);
    return t;
  };
  auto add = [&](const std::string& name, const ScoreTable& t, const std::string& note) {
    RankingRow row;
    row.strategy = name;
    // Tune: mask the training bundles. Test: mask the training bundles only (the protocol).
    row.tune = Evaluate(t, train, tune);
    row.test = Evaluate(t, train, test);
    row.note = note;
    result.rows.push_back(row);
    Say(name + ": test Recall@20 " + std::to_string(row.test.recall20) + ", NDCG@20 " + std::to_string(row.test.ndcg20));
  };
  add("popularity", table_from([](const float* f) { return f[0]; }), "bundle's training count");
  add("itemcf", table_from([](const float* f) { return f[1]; }), "mean item co-occurrence (Jaccard) with the user's items");
  add("content", table_from([](const float* f) { return f[2]; }), "IDF cosine of the user's and the bundle's items");
  if (kF == 4) add("ease", ease.table, ease.note);

  // Learned: softmax over every bundle of w . standardised features, trained on the training
  // pairs; the epoch with the best tune Recall@20 is kept.
  torch::manual_seed(cfg.seed);
  auto X = torch::from_blob(feat.data(), {N, B, kF}, torch::kFloat32);
  const std::vector<int64_t> dims = {0, 1};
  const torch::Tensor mean = X.mean(dims, /*keepdim=*/true);
  const torch::Tensor sd = X.std(dims, /*unbiased=*/true, /*keepdim=*/true) + 1e-6;
  const torch::Tensor Z = (X - mean) / sd;
  std::vector<int64_t> pos_user, pos_bundle;
  for (int64_t n = 0; n < N; ++n)
    for (int32_t b : train[users[n]]) pos_user.push_back(n), pos_bundle.push_back(b);
  const auto pu = torch::tensor(pos_user, torch::kInt64), pb = torch::tensor(pos_bundle, torch::kInt64);
  auto w = torch::zeros({kF}, torch::kFloat32).requires_grad_(true);
  torch::optim::Adam opt({w}, torch::optim::AdamOptions(cfg.learning_rate));
  double best_tune = -1;
  torch::Tensor best_w = w.detach().clone();
  int64_t best_epoch = 0;
  for (int64_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    opt.zero_grad();
    const auto logits = torch::matmul(Z, w);  // [N, B]
    const auto loss = -torch::log_softmax(logits, 1).index({pu, pb}).mean();
    loss.backward();
    opt.step();
    if (epoch % 5 == 0 || epoch == cfg.epochs) {
      torch::NoGradGuard ng;
      const torch::Tensor s = torch::matmul(Z, w).contiguous();
      ScoreTable t;
      t.B = B;
      t.users = users;
      t.score.assign(s.data_ptr<float>(), s.data_ptr<float>() + N * B);
      const double tune_recall = Evaluate(t, train, tune).recall20;
      if (tune_recall > best_tune) best_tune = tune_recall, best_w = w.detach().clone(), best_epoch = epoch;
    }
  }
  ScoreTable kernel_scores;
  {
    const torch::Tensor s = torch::matmul(Z, best_w).contiguous();
    kernel_scores.B = B;
    kernel_scores.users = users;
    kernel_scores.score.assign(s.data_ptr<float>(), s.data_ptr<float>() + N * B);
    std::ostringstream note;
    note << "softmax over all bundles on the " << (kF == 4 ? "four kernel scores (with EASE)" : "three kernel scores")
         << ", epoch " << best_epoch << " (best tune Recall@20)";
    add("learned-softmax", kernel_scores, note.str());
  }
  if (!cfg.graph_models.empty()) {
    GraphRows rows(cfg, data, users, train, tune, test, kernel_scores, result);
    for (const std::string& model : cfg.graph_models) rows.Add(model);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

namespace {

// Tune Recall@20 against the epoch: one line per graph model and seed.
void DrawRankingCurves(const RankingResult& r, const std::string& out_dir) {
  if (r.curves.empty()) return;
  Plot p;
  p.name = "learning_curves";
  std::ostringstream d, g;
  g << "set title 'Graph models on Youshu: tune Recall@20 per epoch'\nset xlabel 'epoch'\nset ylabel 'tune Recall@20'\n"
    << "set key outside right\nset grid\nplot ";
  for (size_t c = 0; c < r.curves.size(); ++c) {
    const RankingCurve& curve = r.curves[c];
    d << (c ? "\n\n" : "") << "# " << curve.strategy << " seed " << curve.seed << "\n";
    for (size_t k = 0; k < curve.epoch.size(); ++k) d << curve.epoch[k] << " " << curve.recall20[k] << "\n";
    g << (c ? ", " : "") << "'learning_curves.dat' index " << c << " using 1:2 with linespoints title "
      << GnuplotQuote(curve.strategy + " seed " + std::to_string(curve.seed));
  }
  g << "\n";
  p.data = d.str();
  p.script = g.str();
  DrawPlot(out_dir, p);
}

}  // namespace

void WriteRankingReport(const RankingResult& r, const std::string& out_dir, const std::string& resolved,
                        const std::string& command) {
  fs::create_directories(out_dir);
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    o << "# Bundle ranking on Youshu (catalog mode)\n\nbundlerl " << BUNDLERL_VERSION << ", " << r.users << " users, "
      << r.bundles << " bundles, " << r.items << " items, " << std::fixed << std::setprecision(1) << r.seconds
      << " s.\n\nCommand: `" << command << "`\n\nProtocol (data/bundles/README.md): train on the train split plus "
         "user-item and bundle-item; choose on tune; report test; every bundle ranked, the user's training bundles "
         "masked; averaged over users with a test bundle.\n\n| strategy | Recall@20 | NDCG@20 | Recall@40 | NDCG@40 | "
         "tune Recall@20 | notes |\n|---|---|---|---|---|---|---|\n";
    for (const auto& row : r.rows) {
      auto cell = [&](double RankingMetrics::*f, const RankingMetrics& m, const RankingMetrics& sd) {
        return row.seeds > 1 ? FormatFixed(m.*f) + " ± " + FormatFixed(sd.*f) : FormatFixed(m.*f);
      };
      o << "| " << row.strategy << " | " << cell(&RankingMetrics::recall20, row.test, row.test_sd) << " | "
        << cell(&RankingMetrics::ndcg20, row.test, row.test_sd) << " | " << cell(&RankingMetrics::recall40, row.test, row.test_sd)
        << " | " << cell(&RankingMetrics::ndcg40, row.test, row.test_sd) << " | "
        << cell(&RankingMetrics::recall20, row.tune, row.tune_sd) << " | " << row.note << " |\n";
    }
    auto published = [](double x) { return std::isnan(x) ? std::string() : FormatFixed(x); };
    for (const auto& p : PublishedYoushu())
      o << "| " << p.model << " (published) | " << published(p.recall20) << " | " << published(p.ndcg20) << " | "
        << published(p.recall40) << " | " << published(p.ndcg40) << " | | " << p.source << "; not reproduced here |\n";
    if (!r.curves.empty()) o << "\nTune Recall@20 per evaluated epoch of the graph models: learning_curves.png.\n";
    o << "\nData: Youshu as distributed with CrossCBR (Chang et al., SIGIR 2020; Ma et al., KDD 2022; Chen et al., "
         "IJCAI 2019).\n\n## Resolved configuration\n\n```ini\n" << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    csv.stream() << "strategy,split,recall20,ndcg20,recall40,ndcg40,users,seeds,recall20_sd,ndcg20_sd,recall40_sd,ndcg40_sd\n"
                 << std::setprecision(10);
    for (const auto& row : r.rows)
      for (const auto& [split, m, sd] : {std::tuple{"tune", row.tune, row.tune_sd}, {"test", row.test, row.test_sd}})
        csv.stream() << row.strategy << "," << split << "," << m.recall20 << "," << m.ndcg20 << "," << m.recall40 << ","
                     << m.ndcg40 << "," << m.users << "," << row.seeds << "," << sd.recall20 << "," << sd.ndcg20 << ","
                     << sd.recall40 << "," << sd.ndcg40 << "\n";
    csv.Commit();
  }
  WriteResultsFile(out_dir + "/results.h5", resolved, command, [&](h5::File& f) {
    std::vector<std::string> names;
    std::vector<double> test, tune, test_sd;
    std::vector<int64_t> seeds;
    for (const auto& row : r.rows) {
      names.push_back(row.strategy);
      seeds.push_back(row.seeds);
      for (double x : {row.test.recall20, row.test.ndcg20, row.test.recall40, row.test.ndcg40}) test.push_back(x);
      for (double x : {row.tune.recall20, row.tune.ndcg20, row.tune.recall40, row.tune.ndcg40}) tune.push_back(x);
      for (double x : {row.test_sd.recall20, row.test_sd.ndcg20, row.test_sd.recall40, row.test_sd.ndcg40}) test_sd.push_back(x);
    }
    const int64_t n = static_cast<int64_t>(names.size());
    f.WriteStrings("/strategy", names);
    f.WriteStrings("/metric", {"recall@20", "ndcg@20", "recall@40", "ndcg@40"});
    f.Write("/test", test, {n, 4});
    f.Write("/tune", tune, {n, 4});
    f.Write("/test_sd", test_sd, {n, 4});
    f.Write("/seeds", seeds, {n});
  });
  DrawRankingCurves(r, out_dir);
}

void RankingConfig::Declare(OptionList& o) {
  o.Add("ranking.epochs", &epochs, "learned softmax: maximum epochs (the best on the tune split is kept)");
  o.Add("ranking.learning_rate", &learning_rate, "learned softmax: Adam learning rate");
  o.Add("ranking.ease_lambdas", &ease_lambdas,
        "EASE ridge weights tried (the best on tune Recall@20 is kept); EASE is a row and a fourth learned-softmax "
        "feature (empty: neither; at most " + std::to_string(kMaxEaseItems) + " bundles)");
  o.Add("ranking.graph_models", &graph_models, "graph-embedding models to train: mf-bpr, lightgcn, crosscbr (empty: none)");
  o.Add("ranking.graph_seeds", &graph_seeds, "seeds per graph model (compare.seed, +1, ...): the table gives mean +- sd");
  o.Add("ranking.graph_ensemble", &graph_ensemble, "also rank by each graph model blended with the learned-softmax kernel score");
  o.Add("ranking.save_embeddings", &save_embeddings, "save the first seed's embeddings of each graph model (embeddings_MODEL.h5)");
  o.Add("ranking.ensemble_models", &ensemble_models,
        "graph models also ranked as a seed ensemble, the mean of ranking.ensemble_size models' standardised scores "
        "(empty: none)");
  o.Add("ranking.ensemble_size", &ensemble_size, "models per seed ensemble (each replica trains this many)");
  o.Add("ranking.reinforce_from", &reinforce_from, "graph model the top-K REINFORCE agent starts from (empty: no agent)");
  graph.Declare(o, "graph");
  reinforce.Declare(o, "reinforce");
}

void RankingConfig::Validate() const {
  RequireInRange("ranking.epochs", epochs, 1, 1000000);
  RequirePositiveFloat("ranking.learning_rate", learning_rate);
  for (double l : ease_lambdas)
    if (!(l > 0) || !std::isfinite(l)) Fail("config key 'ranking.ease_lambdas': ", l, " (expected positive numbers)");
  RequireDistinct("ranking.ease_lambdas", ease_lambdas);
  if (graph_seeds < 1 || graph_seeds > 1000) Fail("config key 'ranking.graph_seeds': ", graph_seeds, " (expected 1 to 1000)");
  std::vector<std::string> seen;
  for (const std::string& m : graph_models) {
    if (!IsGraphModel(m)) Fail("config key 'ranking.graph_models': '", m, "' is not a graph model (mf-bpr, lightgcn or crosscbr)");
    GraphModelConfig c = graph;
    c.model = m;
    c.Validate();
    if (std::find(seen.begin(), seen.end(), m) != seen.end()) Fail("config key 'ranking.graph_models': '", m, "' listed twice");
    seen.push_back(m);
  }
  for (const std::string& m : ensemble_models)
    if (std::find(graph_models.begin(), graph_models.end(), m) == graph_models.end())
      Fail("config key 'ranking.ensemble_models': '", m, "' is not in ranking.graph_models");
  if (ensemble_size < 2 || ensemble_size > 100)
    Fail("config key 'ranking.ensemble_size': ", ensemble_size, " (expected 2 to 100)");
  if (!reinforce_from.empty() && std::find(graph_models.begin(), graph_models.end(), reinforce_from) == graph_models.end())
    Fail("config key 'ranking.reinforce_from': '", reinforce_from, "' is not in ranking.graph_models");
  reinforce.Validate();
}

int64_t RankingConfig::EnsembleSize(const std::string& model) const {
  return std::find(ensemble_models.begin(), ensemble_models.end(), model) != ensemble_models.end() ? ensemble_size : 1;
}

namespace {

class BundleRankingExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    RankingConfig rc = config_;
    rc.data_dir = c.DataFolder("/bundles/Youshu");
    rc.seed = c.compare.seed;
    rc.threads = c.compare.threads;
    rc.embeddings_dir = c.out_dir;
    rc.Validate();
    const RankingResult r = RunBundleRanking(rc);
    WriteRankingReport(r, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", r.seconds, " s)");
  }

 private:
  RankingConfig config_;
};

const bool kRegistered = ExperimentRegistry::Register(
    {"bundle-ranking", "the Youshu bundle-ranking protocol: Recall and NDCG at 20 and 40 ([ranking])", {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<BundleRankingExperiment>(); }});

}  // namespace

}  // namespace bundlerl
