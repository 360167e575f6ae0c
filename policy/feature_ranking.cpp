// Rankings by one kernel feature column: see fixed_policies.h.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "policy/fixed_policies.h"

namespace bundlerl {
namespace {

std::shared_ptr<const SlatePolicy> Ranking(const std::string& name, int column) {
  return std::make_shared<FeatureRanking>(name, column);
}

const bool kRegisteredPopularity = PolicyRegistry::Register(
    {"popularity", "the K most popular candidates", {},
     [](const Spec&) { return Ranking("popularity", kPopularity); }});
const bool kRegisteredContent = PolicyRegistry::Register(
    {"content", "the K candidates most similar in content to the history (content_max)", {},
     [](const Spec&) { return Ranking("content", kContentMax); }});
const bool kRegisteredItemCf = PolicyRegistry::Register(
    {"itemcf", "the K candidates that co-occur most with the history (complement_max)", {},
     [](const Spec&) { return Ranking("itemcf", kComplementMax); }});
const bool kRegisteredProfile = PolicyRegistry::Register(
    {"profile", "the K candidates the profile scores highest (profile_score)", {},
     [](const Spec&) { return Ranking("profile", kProfileScore); }});

}  // namespace

void FeatureRanking::Best(const Observation& obs, int32_t* out) const {
  if (obs.features) {
    TopK(obs.features + feature_, obs.num_features, obs.num_candidates, obs.slate_size, out);
    return;
  }
  // A state observation: just this strategy's column, at its own cost.
  thread_local std::vector<double> column;
  column.resize(obs.num_candidates);
  FeatureColumn(obs, feature_, column.data());
  TopK(column.data(), 1, obs.num_candidates, obs.slate_size, out);
}

void FeatureRanking::Act(const Observation& obs, SplitMix64&, int32_t* slate) const {
  Best(obs, slate);
}

std::vector<std::pair<std::vector<int32_t>, double>> FeatureRanking::Enumerate(const Observation& obs) const {
  std::vector<int32_t> slate(obs.slate_size);
  SplitMix64 unused(0);
  Act(obs, unused, slate.data());
  return {{slate, 1.0}};
}

double FeatureRanking::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  int32_t best[64];
  if (obs.slate_size > 64) Fail("feature ranking: at most 64 slots");
  Best(obs, best);
  return std::equal(slate, slate + prefix, best) ? 1.0 : 0.0;
}

double FeatureRanking::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  int32_t best[64];
  if (obs.slate_size > 64) Fail("feature ranking: at most 64 slots");
  Best(obs, best);
  return best[slot] == candidate ? 1.0 : 0.0;
}

void FeatureRanking::SlotMarginals(const Observation& obs, double* out) const {
  int32_t best[64];
  if (obs.slate_size > 64) Fail("feature ranking: at most 64 slots");
  Best(obs, best);
  std::fill(out, out + obs.slate_size * obs.num_candidates, 0.0);
  for (int64_t k = 0; k < obs.slate_size; ++k) out[k * obs.num_candidates + best[k]] = 1.0;
}

}  // namespace bundlerl
