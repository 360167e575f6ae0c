// Offline-evaluation inputs: see offline_eval.h.
#include "ope/offline_eval.h"

#include <unordered_map>

#include <cmath>

#include "common/csv.h"
#include "common/error.h"
#include "ope/reward_model.h"

namespace bundlerl {

PositionActionTable PositionActionTable::Uniform(int64_t n_units, int64_t K) {
  PositionActionTable t;
  t.n_units = n_units;
  t.K = K;
  t.prob.assign(n_units * K, 1.0 / static_cast<double>(n_units));
  return t;
}

PositionActionTable PositionActionTable::LoadCsv(const std::string& path, int64_t n_units, int64_t K,
                                                 const std::vector<std::string>* unit_keys) {
  std::unordered_map<std::string, int64_t> unit_of;
  if (unit_keys && !unit_keys->empty()) {
    if (static_cast<int64_t>(unit_keys->size()) != n_units)
      Fail(path, ": ", unit_keys->size(), " unit names for ", n_units, " units");
    for (size_t u = 0; u < unit_keys->size(); ++u) unit_of.emplace((*unit_keys)[u], static_cast<int64_t>(u));
  }
  CsvReader csv(path);
  const auto header = csv.ReadHeader(2);
  if (static_cast<int64_t>(header.size()) != K + 1)
    csv.FailAt(Concat("expected item_id and one column per position (", K, "), found ",
                      header.size(), " columns"));
  // The header names the columns: item_id (or unit_id) first, then the positions in order
  // (pos0, pos1, ... or position_1, ...), so that a table with other columns is not read as one.
  if (header[0] != "item_id" && header[0] != "unit_id")
    csv.FailAt(Concat("expected the first column to be item_id (or unit_id), found '", Excerpt(header[0]), "'"));
  // Position columns: "pos" or "position" with a number, counted from 0 or 1 as the first one is.
  auto number = [](const std::string& h) -> int64_t {
    const size_t d = h.find_first_of("0123456789");
    if (h.rfind("pos", 0) != 0 || d == std::string::npos || h.size() - d > 6 ||
        h.find_first_not_of("0123456789", d) != std::string::npos)
      return -1;
    return std::stoll(h.substr(d));
  };
  const int64_t base = number(header[1]);
  for (int64_t k = 0; k < K; ++k) {
    if ((base != 0 && base != 1) || number(header[k + 1]) != base + k)
      csv.FailAt(Concat("column ", k + 2, ": expected position ", k, " (pos", k, "), found '",
                        Excerpt(header[k + 1]), "'"));
  }
  PositionActionTable t;
  t.n_units = n_units;
  t.K = K;
  t.prob.assign(n_units * K, -1.0);
  std::vector<std::string> f;
  while (csv.Next(f)) {
    csv.ExpectColumns(f, K + 1);
    int64_t unit = 0;
    if (unit_of.empty()) {
      unit = csv.ToInt(f[0], header[0]);
      if (unit < 0 || unit >= n_units)
        csv.FailAt(Concat("unit ", unit, " not in [0, ", n_units, ") (units of the logs)"));
    } else {
      const auto it = unit_of.find(f[0]);
      if (it == unit_of.end()) csv.FailAt(Concat("unit '", Excerpt(f[0]), "' is not an item of the logs"));
      unit = it->second;
    }
    if (t.prob[unit * K] >= 0) csv.FailAt(Concat("unit ", f[0], " appears twice"));
    for (int64_t k = 0; k < K; ++k) {
      const double p = csv.ToDouble(f[k + 1], header[k + 1]);
      if (p < 0 || p > 1) csv.FailAt(Concat("column '", header[k + 1], "': ", p, " not in [0, 1]"));
      t.prob[unit * K + k] = p;
    }
  }
  for (int64_t u = 0; u < n_units; ++u)
    if (t.prob[u * K] < 0)
      Fail(path, ": unit ", unit_of.empty() ? std::to_string(u) : Concat("'", (*unit_keys)[u], "'"),
           " is missing (expected one row per unit)");
  for (int64_t k = 0; k < K; ++k) {
    double s = 0;
    for (int64_t u = 0; u < n_units; ++u) s += t.prob[u * K + k];
    if (std::abs(s - 1.0) > 1e-3)
      Fail(path, ": column '", header[k + 1], "' sums to ", s, ", expected 1");
    for (int64_t u = 0; u < n_units; ++u) t.prob[u * K + k] /= s;  // exact normalisation
  }
  return t;
}

BanditFeaturizer::BanditFeaturizer(const LoggedDataset& logs)
    : n_units_(logs.meta.n_units), K_(logs.meta.slate_size), D_(logs.meta.context_dim) {
  dim_ = n_units_ + K_;
  const std::vector<std::string>& columns = logs.context_columns;
  categorical_offset_.assign(D_, -1);
  numeric_offset_.assign(D_, -1);
  for (int64_t c = 0; c < D_; ++c) {
    const std::string name = c < static_cast<int64_t>(columns.size()) ? columns[c] : "";
    const auto vocab = logs.context_vocab.find(name);
    if (!name.empty() && vocab != logs.context_vocab.end()) {
      categorical_offset_[c] = dim_;
      dim_ += static_cast<int64_t>(vocab->second.size());
    } else if (name.rfind("user-item_affinity_", 0) == 0) {
      if (affinity_first_ < 0) affinity_first_ = c;
    } else {
      numeric_offset_[c] = dim_++;
    }
  }
  if (affinity_first_ >= 0) {
    if (affinity_first_ + n_units_ > D_)
      Fail(logs.meta.source, ": context has affinity columns but not one per unit");
    affinity_feature_ = dim_++;
  }
}

void BanditFeaturizer::Row(const float* x, int32_t unit, int32_t position, double* out) const {
  std::fill(out, out + dim_, 0.0);
  out[unit] = 1.0;
  out[n_units_ + position] = 1.0;
  for (int64_t c = 0; c < D_; ++c) {
    if (categorical_offset_[c] >= 0) out[categorical_offset_[c] + static_cast<int64_t>(x[c])] = 1.0;
    else if (numeric_offset_[c] >= 0) out[numeric_offset_[c]] = x[c];
  }
  if (affinity_feature_ >= 0) out[affinity_feature_] = std::log1p(x[affinity_first_ + unit]);
}

OpeData BuildOpeData(const LoggedDataset& logs, const PositionActionTable& target,
                     const RewardModelConfig* reward_model, RewardModelReport* report,
                     const std::string& reward) {
  const LogMeta& m = logs.meta;
  const RoundBatch& b = logs.rounds;
  const int64_t n = b.n, S = m.slots_per_round, D = m.context_dim;
  if (n == 0) Fail(m.source, ": no logged rounds to evaluate on");
  if (target.n_units != m.n_units || target.K != m.slate_size)
    Fail("target table is ", target.n_units, " units x ", target.K, " positions; the logs have ",
         m.n_units, " units and K = ", m.slate_size);
  OpeData d;
  d.n = n;
  d.K = S;
  const std::vector<float>& logged_reward = b.Reward(reward.empty() ? m.reward : reward);
  d.reward.assign(logged_reward.begin(), logged_reward.end());
  d.pscore = b.pscore;
  d.target.resize(n * S);
  for (int64_t k = 0; k < n * S; ++k) d.target[k] = target.at(b.slate[k], b.position[k]);
  const std::vector<float>& context = b.context;
  const std::vector<int32_t>& unit = b.slate;
  const std::vector<int32_t>& position = b.position;
  if (S == 1) d.position = position;
  if (!reward_model) return d;

  // Cross-fitted logistic reward model on (context, unit, position) features.
  const BanditFeaturizer feat(logs);
  const int64_t rows = n * S, dim = feat.dim();
  Eigen::MatrixXd X(rows, dim);
  Eigen::VectorXd y(rows);
  std::vector<double> buf(dim);
  for (int64_t r = 0; r < rows; ++r) {
    feat.Row(context.data() + (r / S) * D, unit[r], position[r], buf.data());
    X.row(r) = Eigen::Map<const Eigen::RowVectorXd>(buf.data(), dim);
    y[r] = d.reward[r];
  }
  // Cross-fitted by round, so that the slots of one round stay together.
  const CrossFit cf = CrossFitRewardModel(reward_model->model, X, y, S, reward_model->folds, reward_model->seed);
  d.q_hat.assign(cf.out_of_fold.data(), cf.out_of_fold.data() + rows);
  d.q_hat_target.assign(rows, 0.0);
  if (report) *report = HeldOutReport(cf, y, position, S, m.slate_size, dim);
  Eigen::MatrixXd Xa(m.n_units, dim);
  for (int64_t r = 0; r < rows; ++r) {
    // Expected prediction under the target: sum over units at this row's position.
    for (int64_t a = 0; a < m.n_units; ++a) {
      feat.Row(context.data() + (r / S) * D, static_cast<int32_t>(a), position[r], buf.data());
      Xa.row(a) = Eigen::Map<const Eigen::RowVectorXd>(buf.data(), dim);
    }
    const Eigen::VectorXd qa = cf.ModelFor(r / S).Predict(Xa);
    double e = 0;
    for (int64_t a = 0; a < m.n_units; ++a) e += target.at(a, position[r]) * qa[a];
    d.q_hat_target[r] = e;
  }
  return d;
}

RewardModelReport HeldOutReport(const CrossFit& cf, const Eigen::VectorXd& y, const std::vector<int32_t>& position,
                                int64_t rows_per_group, int64_t positions, int64_t features) {
  const int64_t rows = y.size(), folds = static_cast<int64_t>(cf.models.size());
  // Baseline: a constant reward rate per position, from the other folds.
  std::vector<double> clicks(folds * positions, 0.0), shown(clicks.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int f = cf.group_fold[r / rows_per_group];
    for (int64_t g = 0; g < folds; ++g)
      if (g != f) clicks[g * positions + position[r]] += y[r], shown[g * positions + position[r]] += 1;
  }
  auto loglik = [](double label, double q) {
    q = std::clamp(q, 1e-15, 1 - 1e-15);
    return label * std::log(q) + (1 - label) * std::log(1 - q);
  };
  double ll = 0, ll_base = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t cell = cf.group_fold[r / rows_per_group] * positions + position[r];
    ll += loglik(y[r], cf.out_of_fold[r]);
    ll_base += loglik(y[r], (clicks[cell] + 0.5) / (shown[cell] + 1.0));
  }
  RewardModelReport report;
  report.heldout_loglik = ll / static_cast<double>(rows);
  report.heldout_loglik_baseline = ll_base / static_cast<double>(rows);
  report.features = features;
  return report;
}

double MeanReward(const LoggedDataset& logs, std::vector<double>* per_position, const std::string& reward) {
  const RoundBatch& b = logs.rounds;
  const std::vector<float>& r = b.Reward(reward.empty() ? logs.meta.reward : reward);
  const int64_t K = logs.meta.slate_size;
  std::vector<double> sum(K, 0.0), count(K, 0.0);
  for (size_t k = 0; k < r.size(); ++k) sum[b.position[k]] += r[k], ++count[b.position[k]];
  double s = 0, c = 0;
  for (int64_t k = 0; k < K; ++k) s += sum[k], c += count[k];
  if (c == 0) Fail(logs.meta.source, ": no logged rounds");
  if (per_position) {
    per_position->assign(K, 0.0);
    for (int64_t k = 0; k < K; ++k) (*per_position)[k] = count[k] ? sum[k] / count[k] : 0.0;
  }
  return s / c;
}

}  // namespace bundlerl
