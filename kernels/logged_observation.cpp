// Observations of logged rounds: see logged_observation.h.
#include "kernels/logged_observation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "common/error.h"

namespace bundlerl {
namespace {

const std::vector<std::string>& KnownParts() {
  static const std::vector<std::string> parts = {"kernel", "unit", "item", "user", "context", "affinity"};
  return parts;
}

bool IsAffinityColumn(const std::string& name) { return name.rfind("user-item_affinity_", 0) == 0; }

}  // namespace

FeatureSpec FeatureSpec::Parse(const std::string& text) {
  FeatureSpec spec;
  spec.parts.clear();
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto b = part.find_first_not_of(" \t"), e = part.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    part = part.substr(b, e - b + 1);
    const auto& known = KnownParts();
    if (std::find(known.begin(), known.end(), part) == known.end())
      Fail("feature spec '", text, "': unknown part '", part, "' (kernel, unit, item, user, context, affinity)");
    if (spec.Has(part)) Fail("feature spec '", text, "': part '", part, "' named twice");
    spec.parts.push_back(part);
  }
  if (spec.parts.empty() || spec.parts.front() != "kernel")
    Fail("feature spec '", text, "': must start with 'kernel' (the kernel columns come first)");
  // Keep the documented order whatever order the text used.
  std::vector<std::string> ordered;
  for (const auto& p : KnownParts())
    if (spec.Has(p)) ordered.push_back(p);
  spec.parts = ordered;
  return spec;
}

std::string FeatureSpec::ToString() const {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ",") + p;
  return s;
}

bool FeatureSpec::Has(const std::string& part) const {
  return std::find(parts.begin(), parts.end(), part) != parts.end();
}

FeatureSpec DefaultFeatureSpec(const LoggedDataset& c) {
  FeatureSpec spec;
  if (c.meta.context_dim == 0 && c.users.feature_dim == 0) return spec;
  if (c.meta.n_units <= 1000) spec.parts.push_back("unit");
  if (c.users.feature_dim > 0) spec.parts.push_back("user");
  bool plain = false, affinity = false;
  for (int64_t j = 0; j < c.meta.context_dim; ++j) {
    const std::string name = j < static_cast<int64_t>(c.context_columns.size()) ? c.context_columns[j] : "";
    (IsAffinityColumn(name) ? affinity : plain) = true;
  }
  if (plain) spec.parts.push_back("context");
  if (affinity) spec.parts.push_back("affinity");
  return spec;
}

RoundObserver::RoundObserver(const LoggedDataset& catalog, const ItemKernels& kernels, const FeatureSpec& spec,
                             int64_t slate_size)
    : catalog_(catalog),
      kernels_(kernels),
      spec_(spec),
      slate_size_(slate_size),
      platform_(&kernels, kPlatformHalfLife, kPlatformPricePrior) {
  const LogMeta& m = catalog.meta;
  const std::string where = m.source.empty() ? std::string("logged rounds") : m.source;
  if (kernels.num_items() != m.n_units)
    Fail(where, ": the kernels cover ", kernels.num_items(), " items but the rounds' units number ", m.n_units,
         " (features of logged rounds need a catalog of items)");
  num_candidates_ = m.num_candidates > 0 ? m.num_candidates : m.n_units;
  if (num_candidates_ < slate_size) Fail(where, ": ", num_candidates_, " candidates for slates of ", slate_size);
  num_features_ = kNumFeatures;
  if (spec.Has("unit")) {
    if (m.n_units > 1000) Fail(where, ": feature part 'unit' (one-hot) allows up to 1,000 units, the catalog has ", m.n_units);
    num_features_ += m.n_units;
  }
  if (spec.Has("item")) {
    if (catalog.items.feature_dim == 0) Fail(where, ": feature part 'item' needs /items/features, which the dataset lacks");
    num_features_ += catalog.items.feature_dim;
  }
  if (spec.Has("user")) {
    if (catalog.users.feature_dim == 0) Fail(where, ": feature part 'user' needs /users/features, which the dataset lacks");
    num_features_ += catalog.users.feature_dim;
  }
  context_offset_.assign(m.context_dim, -1);
  context_categorical_.assign(m.context_dim, 0);
  for (int64_t j = 0; j < m.context_dim; ++j) {
    const std::string name = j < static_cast<int64_t>(catalog.context_columns.size()) ? catalog.context_columns[j] : "";
    if (IsAffinityColumn(name)) {
      if (affinity_first_ < 0) affinity_first_ = j;
      continue;
    }
    const auto vocab = catalog.context_vocab.find(name);
    context_offset_[j] = context_width_;
    if (!name.empty() && vocab != catalog.context_vocab.end()) {
      context_categorical_[j] = 1;
      context_width_ += static_cast<int64_t>(vocab->second.size());
    } else {
      context_width_ += 1;
    }
  }
  if (spec.Has("context")) {
    if (context_width_ == 0) Fail(where, ": feature part 'context' needs a round context, which the dataset lacks");
    num_features_ += context_width_;
  }
  if (spec.Has("affinity")) {
    if (affinity_first_ < 0 || affinity_first_ + m.n_units > m.context_dim)
      Fail(where, ": feature part 'affinity' needs one user-item_affinity column per unit in the context");
    num_features_ += 1;
  }
  position_of_unit_.assign(m.n_units, -1);
  candidates_.reserve(num_candidates_);
  kernel_rows_.resize(num_candidates_ * kNumFeatures);
  if (num_features_ != kNumFeatures) rows_.resize(num_candidates_ * num_features_);
}

const Observation& RoundObserver::Observe(const RoundBatch& rounds, int64_t i, bool materialize) {
  const LogMeta& m = catalog_.meta;
  const int64_t C = num_candidates_, F = num_features_;
  for (int32_t u : candidates_) position_of_unit_[u] = -1;
  if (m.num_candidates > 0) {
    candidates_.assign(rounds.candidates.begin() + i * C, rounds.candidates.begin() + (i + 1) * C);
  } else {
    candidates_.resize(C);
    std::iota(candidates_.begin(), candidates_.end(), 0);
  }
  for (int64_t c = 0; c < C; ++c) position_of_unit_[candidates_[c]] = static_cast<int32_t>(c);
  // The history: the user's, when the dataset knows the user; of a log that records when each
  // item joined it, the items before the round.
  const int64_t user = rounds.user_id[i];
  history_.clear();
  if (user >= 0 && user < catalog_.users.history.rows()) {
    const int64_t known = catalog_.users.history.size(user);
    const int64_t h = rounds.history_length.empty() ? known : std::min(known, rounds.history_length[i]);
    history_.assign(catalog_.users.history.row(user), catalog_.users.history.row(user) + h);
  }
  platform_.Reset(history_.data(), static_cast<int64_t>(history_.size()));
  const UserStateView state = platform_.View(history_.data(), static_cast<int64_t>(history_.size()));
  const bool state_only = !materialize && F == kNumFeatures;
  if (!state_only) BuildFeatures(kernels_, state, candidates_.data(), C, kernel_rows_.data());
  const double* features = state_only ? nullptr : kernel_rows_.data();
  if (F != kNumFeatures) {
    const int64_t D = m.context_dim;
    const float* x = D > 0 ? &rounds.context[i * D] : nullptr;
    std::fill(rows_.begin(), rows_.end(), 0.0);
    for (int64_t c = 0; c < C; ++c) {
      double* row = &rows_[c * F];
      const int32_t unit = candidates_[c];
      std::copy(&kernel_rows_[c * kNumFeatures], &kernel_rows_[(c + 1) * kNumFeatures], row);
      int64_t at = kNumFeatures;
      if (spec_.Has("unit")) row[at + unit] = 1.0, at += m.n_units;
      if (spec_.Has("item")) {
        const int64_t d = catalog_.items.feature_dim;
        std::copy(&catalog_.items.features[unit * d], &catalog_.items.features[(unit + 1) * d], row + at);
        at += d;
      }
      if (spec_.Has("user")) {
        const int64_t d = catalog_.users.feature_dim;
        if (user >= 0 && user < catalog_.users.n)
          std::copy(&catalog_.users.features[user * d], &catalog_.users.features[(user + 1) * d], row + at);
        at += d;
      }
      if (spec_.Has("context")) {
        for (int64_t j = 0; j < D; ++j) {
          if (context_offset_[j] < 0) continue;
          if (!context_categorical_[j]) {
            row[at + context_offset_[j]] = x[j];
            continue;
          }
          const int64_t code = static_cast<int64_t>(x[j]);
          const int64_t size = static_cast<int64_t>(catalog_.context_vocab.at(catalog_.context_columns[j]).size());
          if (code < 0 || code >= size || code != x[j])
            Fail(m.source, ": dataset rounds/context, round ", rounds.first_round + i, ", column '",
                 catalog_.context_columns[j], "': code ", x[j], " not in [0, ", size, ")");
          row[at + context_offset_[j] + code] = 1.0;
        }
        at += context_width_;
      }
      if (spec_.Has("affinity")) row[at++] = std::log1p(std::max(0.0f, x[affinity_first_ + unit]));
    }
    features = rows_.data();
  }
  obs_ = Observation();
  obs_.user = static_cast<int32_t>(user);
  obs_.step = rounds.step.empty() ? 0 : rounds.step[i];
  obs_.slate_size = slate_size_;
  obs_.num_candidates = C;
  obs_.candidates = candidates_.data();
  obs_.features = features;
  obs_.num_features = F;
  obs_.history = history_.data();
  obs_.history_length = static_cast<int64_t>(history_.size());
  obs_.kernels = &kernels_;
  obs_.state = state;
  return obs_;
}

int32_t RoundObserver::CandidateIndex(int32_t unit) const {
  return unit >= 0 && unit < static_cast<int32_t>(position_of_unit_.size()) ? position_of_unit_[unit] : -1;
}

}  // namespace bundlerl
