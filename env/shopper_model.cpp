// Shopper model and session: see shopper_model.h.
#include "env/shopper_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.h"
#include "env/prefetch.h"
#include "kernels/profile.h"

namespace bundlerl {
ShopperModel::ShopperModel(std::shared_ptr<const World> world, ShopperConfig shopper,
                           SessionConfig session)
    : world_(std::move(world)), shopper_(std::move(shopper)), session_(std::move(session)) {
  session_.Validate(world_->num_items());
  shopper_.Validate(session_.slate_size);
  if (session_.slate_size > 31) Fail("config key 'session.slate_size': at most 31 slots");
  choice_ = MakeChoiceModel(shopper_);
  reward_kind_ = session_.reward == "click" ? 0 : session_.reward == "purchase" ? 1 : 2;
  BuildPairTable();
}

void ShopperModel::BuildPairTable() {
  const ItemKernels& k = world_->kernels();
  const int64_t M = k.num_items();
  // At most 16 M^2 bytes (64 MiB at the default tabulation limit); larger catalogs read the
  // kernels' own tables.
  if (M == 0 || M > World::kDefaultSimilarityTableItems) return;
  if (!k.content->StoredRow(0) || (k.complement && !k.complement->StoredRow(0))) return;
  pair_table_ = LargeTable<double>(static_cast<size_t>(2 * M * M));
  for (int64_t i = 0; i < M; ++i) {
    const double* content = k.content->StoredRow(static_cast<int32_t>(i));
    const double* complement = k.complement ? k.complement->StoredRow(static_cast<int32_t>(i)) : nullptr;
    double* out = pair_table_.data() + 2 * i * M;
    for (int64_t j = 0; j < M; ++j) out[2 * j] = content[j], out[2 * j + 1] = complement ? complement[j] : 0.0;
  }
}

void ShopperModel::PrefetchUtilities(const int32_t* history, int64_t h, const int32_t* items, int K) const {
  if (pair_table_.empty()) return PrefetchUtilityRows(world_->kernels(), history, h, items, K);
  const int64_t M = world_->num_items();
  for (int a = 0; a < K; ++a) {
    const double* row = pair_table_.data() + 2 * items[a] * M;
    for (int64_t j = 0; j < h; ++j) __builtin_prefetch(row + 2 * history[j]);
    for (int b = 0; b < K; ++b) __builtin_prefetch(row + 2 * items[b]);
  }
}

void ShopperModel::TabulatedTerms(const int32_t* history, int64_t h, const int32_t* items, int K, int a,
                                  double* phi) const {
  // The same values as the kernels' (copies) in the same order of operations as the general
  // path of UtilityFeatures, so the same bits.
  const double* row = pair_table_.data() + 2 * static_cast<int64_t>(items[a]) * world_->num_items();
  double content_max = 0, complement_max = 0;
  if (h > 0) {
    content_max = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < h; ++j) {
      const double* pair = row + 2 * history[j];
      content_max = std::max(content_max, pair[0]);
      complement_max = std::max(complement_max, pair[1]);
    }
  }
  double comp = 0, redund = 0;
  if (K > 1) {
    for (int b = 0; b < K; ++b) {
      if (b == a) continue;
      const double* pair = row + 2 * items[b];
      comp += pair[1];
      redund += pair[0];
    }
    comp /= K - 1;
    redund /= K - 1;
  }
  phi[1] = content_max;
  phi[2] = complement_max;
  phi[5] = comp;
  phi[6] = -redund;
}

void ShopperModel::UtilityFeatures(int32_t user, const Eigen::VectorXd& theta, const int32_t* history,
                                   int64_t h, const int32_t* items, int K, double* phi) const {
  const ItemKernels& k = world_->kernels();
  const Shopper& s = world_->shopper(user);
  const double sd = std::max(s.price_sd, 0.1);
  // Every table entry below requested up front: the misses overlap instead of queueing.
  PrefetchUtilities(history, h, items, K);
  for (int a = 0; a < K; ++a, phi += kNumUtilityFeatures) {
    const int32_t i = items[a];
    const double z = (k.log_price[i] - s.price_mean) / sd;
    phi[0] = k.item_features.row(i).dot(theta);
    phi[3] = -0.5 * z * z;
    phi[4] = k.popularity[i];
    if (!pair_table_.empty()) {
      TabulatedTerms(history, h, items, K, a, phi);
      continue;
    }
    // Tabulated kernels (small catalogs): direct loads instead of virtual Pair() calls.
    const double* content_row = k.content->StoredRow(i);
    const double* complement_row = k.complement ? k.complement->StoredRow(i) : nullptr;
    auto content = [&](int32_t j) { return content_row ? content_row[j] : k.content->Pair(i, j); };
    auto complement = [&](int32_t j) {
      return complement_row ? complement_row[j] : k.complement ? k.complement->Pair(i, j) : 0.0;
    };
    double content_max = 0, complement_max = 0;
    if (h > 0) {
      content_max = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < h; ++j) {
        content_max = std::max(content_max, content(history[j]));
        complement_max = std::max(complement_max, complement(history[j]));
      }
    }
    double comp = 0, redund = 0;
    if (K > 1) {
      for (int b = 0; b < K; ++b) {
        if (b == a) continue;
        comp += complement(items[b]);
        redund += content(items[b]);
      }
      comp /= K - 1;
      redund /= K - 1;
    }
    phi[1] = content_max;
    phi[2] = complement_max;
    phi[5] = comp;
    phi[6] = -redund;
  }
}

std::vector<double> ShopperModel::UtilityWeights() const {
  return {shopper_.w_profile, shopper_.w_content, shopper_.w_complement, shopper_.w_price,
          shopper_.w_popularity, shopper_.complementarity, shopper_.redundancy};
}

void ShopperModel::Utilities(int32_t user, const Eigen::VectorXd& theta, const int32_t* history,
                             int64_t h, const int32_t* items, int K, double* u) const {
  double phi[32 * kNumUtilityFeatures];
  UtilityFeatures(user, theta, history, h, items, K, phi);
  const double w[kNumUtilityFeatures] = {shopper_.w_profile, shopper_.w_content, shopper_.w_complement,
                                         shopper_.w_price, shopper_.w_popularity,
                                         shopper_.complementarity, shopper_.redundancy};
  for (int a = 0; a < K; ++a) {
    double x = shopper_.PositionBias(a);
    for (int j = 0; j < kNumUtilityFeatures; ++j) x += w[j] * phi[a * kNumUtilityFeatures + j];
    u[a] = x;
  }
}

double ShopperModel::BuyProbability(int32_t user, int32_t item) const {
  const Shopper& s = world_->shopper(user);
  return Sigmoid(shopper_.buy_bias -
                 shopper_.price_sensitivity * (world_->kernels().log_price[item] - s.price_mean));
}

double ShopperModel::ClickValue(int32_t user, int32_t item) const {
  switch (reward_kind_) {
    case 0: return 1.0;
    case 1: return BuyProbability(user, item);
    default: return BuyProbability(user, item) * std::exp(world_->kernels().log_price[item]);
  }
}

double ShopperModel::LeaveProbability(int64_t misses) const {
  return std::min(1.0, shopper_.leave_base + shopper_.leave_per_miss * static_cast<double>(misses));
}

ObservationKind ParseObservationKind(const std::string& name) {
  if (name == "full") return ObservationKind::kFull;
  if (name == "state") return ObservationKind::kState;
  Fail("observation: expected full or state, got '", name, "'");
}

// ---------------------------------------------------------------------------------------

ShopperSession::ShopperSession(std::shared_ptr<const ShopperModel> model)
    : model_(std::move(model)),
      platform_(&model_->world().kernels(), kPlatformHalfLife, kPlatformPricePrior) {
  const auto& s = model_->session_config();
  const int64_t cap = model_->shopper_config().max_history + s.slate_size;
  candidates_.reserve(s.num_candidates);
  history_.reserve(cap);
  pending_.reserve(s.max_steps * s.slate_size);
  // features_ is sized by the first Observe(): sessions that only use the state observation
  // never hold the [C, F] matrix.
  items_.resize(s.slate_size);
  utility_.resize(s.slate_size);
}

void ShopperSession::Reset(int32_t user, uint64_t seed) {
  const World& w = model_->world();
  const int64_t M = w.num_items(), C = model_->session_config().num_candidates;
  rng_ = SplitMix64(seed);
  if (C == M) {
    // The whole catalog in order: filled once, kept across resets.
    if (!candidates_all_) {
      candidates_.resize(C);
      std::iota(candidates_.begin(), candidates_.end(), 0);
      candidates_all_ = true;
    }
  } else {
    // Floyd's algorithm with a small open-addressing set: C distinct items in O(C), no
    // O(M) array; then a seeded shuffle so that the order carries no information.
    candidates_all_ = false;
    candidates_.clear();
    size_t cap = 16;
    while (cap < 2 * static_cast<size_t>(C)) cap <<= 1;
    seen_.assign(cap, -1);
    auto insert = [&](int32_t x) {  // false if present
      size_t h = (static_cast<uint64_t>(x) * 0x9e3779b97f4a7c15ULL) >> 20 & (cap - 1);
      while (seen_[h] != -1) {
        if (seen_[h] == x) return false;
        h = (h + 1) & (cap - 1);
      }
      seen_[h] = x;
      return true;
    };
    for (int64_t j = M - C; j < M; ++j) {
      const auto t = static_cast<int32_t>(rng_.Below(j + 1));
      const int32_t pick = insert(t) ? t : static_cast<int32_t>(j);
      if (pick != t) insert(pick);
      candidates_.push_back(pick);
    }
    for (int64_t i = C - 1; i > 0; --i) std::swap(candidates_[i], candidates_[rng_.Below(i + 1)]);
  }
  const Shopper& s = w.shopper(user);
  history_.assign(s.history.begin(), s.history.end());
  platform_.Reset(history_.data(), static_cast<int64_t>(history_.size()));
  user_ = user;
  theta_ = s.theta;
  step_ = misses_ = 0;
  done_ = false;
  features_dirty_ = true;
  pending_.clear();
}

void ShopperSession::Reset(int32_t user, std::vector<int32_t> candidates,
                           std::vector<int32_t> history, uint64_t seed) {
  const World& w = model_->world();
  if (user < 0 || user >= w.num_shoppers()) Fail("replay reset: user ", user, " not in the world");
  if (static_cast<int64_t>(candidates.size()) < model_->session_config().slate_size)
    Fail("replay reset: ", candidates.size(), " candidates for slates of K = ",
         model_->session_config().slate_size);
  for (int32_t i : candidates)
    if (i < 0 || i >= w.num_items()) Fail("replay reset: candidate item ", i, " out of range");
  for (int32_t i : history)
    if (i < 0 || i >= w.num_items()) Fail("replay reset: history item ", i, " out of range");
  rng_ = SplitMix64(seed);
  candidates_ = std::move(candidates);
  candidates_all_ = false;
  history_ = std::move(history);
  platform_.Reset(history_.data(), static_cast<int64_t>(history_.size()));
  user_ = user;
  theta_ = w.shopper(user).theta;
  step_ = misses_ = 0;
  done_ = false;
  features_dirty_ = true;
  pending_.clear();
}

std::vector<double> ShopperSession::RecomputeFeatures() const {
  // From scratch with the batch profile kernels: the reference for the incremental paths.
  const ItemKernels& k = model_->world().kernels();
  const int64_t h = static_cast<int64_t>(history_.size());
  UserState u;
  u.history = history_;
  u.preference = DecayedProfile(k.item_features, history_.data(), nullptr, h, 0, kPlatformHalfLife);
  u.category_hist = CategoryHistogram(k.category, k.num_categories, history_.data(), h);
  u.price = PriceAffinityOf(k.log_price, history_.data(), h, kPlatformPricePrior);
  std::vector<double> f(candidates_.size() * kNumFeatures);
  BuildFeatures(k, u, candidates_.data(), static_cast<int64_t>(candidates_.size()), f.data());
  return f;
}

void ShopperSession::RefreshFeatures() {
  const int64_t h = static_cast<int64_t>(history_.size()), C = static_cast<int64_t>(candidates_.size());
  features_.resize(C * kNumFeatures);
  // Into the session's buffer: no allocation per reset.
  BuildFeatures(model_->world().kernels(), platform_.View(history_.data(), h), candidates_.data(), C,
                features_.data());
  // The per-candidate running sums that ApplyClicked() extends.
  content_sum_.resize(C);
  for (int64_t c = 0; c < C; ++c) content_sum_[c] = features_[c * kNumFeatures + kContentMean] * h;
  features_history_ = h;
  pending_.clear();
  features_dirty_ = false;
}

void ShopperSession::ApplyClicked(int32_t j) {
  const ItemKernels& k = model_->world().kernels();
  const int64_t C = static_cast<int64_t>(candidates_.size());
  row_.resize(C);
  double* f = features_.data();
  k.content->Row(j, candidates_.data(), C, row_.data());
  if (features_history_ == 0) {
    for (int64_t c = 0; c < C; ++c) f[c * kNumFeatures + kContentMax] = row_[c];
  } else {
    for (int64_t c = 0; c < C; ++c)
      f[c * kNumFeatures + kContentMax] = std::max(f[c * kNumFeatures + kContentMax], row_[c]);
  }
  for (int64_t c = 0; c < C; ++c) content_sum_[c] += row_[c];
  if (k.complement) {
    k.complement->Row(j, candidates_.data(), C, row_.data());
    for (int64_t c = 0; c < C; ++c)
      f[c * kNumFeatures + kComplementMax] = std::max(f[c * kNumFeatures + kComplementMax], row_[c]);
  }
  ++features_history_;
}

void ShopperSession::FinishIncremental() {
  const ItemKernels& k = model_->world().kernels();
  const int64_t C = static_cast<int64_t>(candidates_.size());
  const double inv_h = 1.0 / static_cast<double>(features_history_);
  for (int64_t c = 0; c < C; ++c) features_[c * kNumFeatures + kContentMean] = content_sum_[c] * inv_h;
  // The columns that follow the new profile, by the feature builder's own column code.
  const UserStateView u = platform_.View(history_.data(), static_cast<int64_t>(history_.size()));
  for (int column : {kProfileScore, kPriceFit, kCategoryMatch})
    BuildFeatureColumn(k, u, candidates_.data(), C, column, features_.data() + column, kNumFeatures);
  pending_.clear();
}

Observation ShopperSession::BaseObservation() const {
  Observation o;
  o.user = user_;
  o.step = step_;
  o.slate_size = model_->session_config().slate_size;
  o.num_candidates = static_cast<int64_t>(candidates_.size());
  o.candidates = candidates_.data();
  o.history = history_.data();
  o.history_length = static_cast<int64_t>(history_.size());
  o.kernels = &model_->world().kernels();
  o.state = platform_.View(history_.data(), o.history_length);
  return o;
}

Observation ShopperSession::Observe() {
  if (features_dirty_) {
    RefreshFeatures();
  } else if (!pending_.empty()) {
    for (int32_t j : pending_) ApplyClicked(j);
    FinishIncremental();
  }
  Observation o = BaseObservation();
  o.features = features_.data();
  return o;
}

Observation ShopperSession::ObserveState() const { return BaseObservation(); }

void ShopperSession::ValidateSlate(const int32_t* slate) const {
  const int64_t K = model_->session_config().slate_size, C = static_cast<int64_t>(candidates_.size());
  for (int64_t a = 0; a < K; ++a) {
    if (slate[a] < 0 || slate[a] >= C)
      Fail("slate slot ", a, ": candidate index ", slate[a], " not in [0, ", C, ")");
    for (int64_t b = 0; b < a; ++b)
      if (slate[b] == slate[a])
        Fail("slate slots ", b, " and ", a, " show the same candidate ", slate[a], "; units must be distinct");
  }
}

void ShopperSession::ClickOutcomes(const int32_t* slate,
                                   std::vector<std::pair<uint32_t, double>>& out) const {
  const int K = static_cast<int>(model_->session_config().slate_size);
  std::vector<int32_t> items(K);
  std::vector<double> u(K);
  for (int a = 0; a < K; ++a) items[a] = candidates_[slate[a]];
  model_->Utilities(user_, theta_, history_.data(), static_cast<int64_t>(history_.size()),
                    items.data(), K, u.data());
  model_->choice().Outcomes(u.data(), K, model_->shopper_config().no_click_utility, out);
}

double ShopperSession::ExpectedReward(const int32_t* slate, uint32_t mask) const {
  double r = 0;
  for (int64_t a = 0; a < model_->session_config().slate_size; ++a)
    if (mask >> a & 1) r += model_->ClickValue(user_, candidates_[slate[a]]);
  return r;
}

double ShopperSession::Advance(const int32_t* slate, uint32_t mask) {
  const int64_t K = model_->session_config().slate_size;
  const int64_t cap = model_->shopper_config().max_history;
  for (int64_t a = 0; a < K; ++a)
    if (mask >> a & 1) {
      const int32_t item = this->item(slate[a]);
      history_.push_back(item);
      platform_.Add(item);
      if (!features_dirty_) pending_.push_back(item);
    }
  if (static_cast<int64_t>(history_.size()) > cap) {
    // Dropping old items cannot be undone incrementally: recompute the profile now and the
    // feature matrix at the next Observe().
    history_.erase(history_.begin(), history_.end() - cap);
    platform_.Reset(history_.data(), static_cast<int64_t>(history_.size()));
    features_dirty_ = true;
    pending_.clear();
  }
  misses_ = mask ? 0 : misses_ + 1;
  ++step_;
  return model_->LeaveProbability(misses_);
}

StepResult ShopperSession::Step(const int32_t* slate) {
  if (done_) Fail("step on a finished session (call Reset first)");
  ValidateSlate(slate);
  const ShopperConfig& cfg = model_->shopper_config();
  const int K = static_cast<int>(model_->session_config().slate_size);
  for (int a = 0; a < K; ++a) items_[a] = item(slate[a]);
  model_->Utilities(user_, theta_, history_.data(), static_cast<int64_t>(history_.size()),
                    items_.data(), K, utility_.data());
  if (cfg.noise_sd > 0)
    for (int a = 0; a < K; ++a) utility_[a] += cfg.noise_sd * NormalDraw(rng_);
  StepResult r;
  r.clicks = model_->choice().Sample(utility_.data(), K, cfg.no_click_utility, rng_);
  for (int a = 0; a < K; ++a) {
    if (!(r.clicks >> a & 1)) continue;
    const bool buy = rng_.Uniform() < model_->BuyProbability(user_, items_[a]);
    if (buy) {
      r.buys |= 1u << a;
      r.revenue += std::exp(model_->world().kernels().log_price[items_[a]]);
    }
  }
  const int kind = model_->reward_kind();
  r.reward = kind == 0 ? __builtin_popcount(r.clicks) : kind == 1 ? __builtin_popcount(r.buys) : r.revenue;
  const double leave = Advance(slate, r.clicks);
  if (cfg.drift_sd > 0)
    for (Eigen::Index j = 0; j < theta_.size(); ++j) theta_[j] += cfg.drift_sd * NormalDraw(rng_);
  done_ = rng_.Uniform() < leave || step_ >= model_->session_config().max_steps;
  r.done = done_;
  return r;
}

}  // namespace bundlerl
