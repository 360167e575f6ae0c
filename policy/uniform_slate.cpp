// The uniform strategy: see fixed_policies.h.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "policy/fixed_policies.h"

namespace bundlerl {
namespace {

const bool kRegistered = PolicyRegistry::Register(
    {"uniform", "a uniformly random ordered slate of K distinct candidates", {},
     [](const Spec&) -> std::shared_ptr<const SlatePolicy> { return std::make_shared<UniformSlate>(); }});

}  // namespace

void UniformSlate::Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const {
  const int64_t K = obs.slate_size, C = obs.num_candidates;
  for (int64_t a = 0; a < K; ++a) {
    while (true) {  // rejection: K is small next to C
      const auto c = static_cast<int32_t>(rng.Below(C));
      if (std::find(slate, slate + a, c) == slate + a) {
        slate[a] = c;
        break;
      }
    }
  }
}

std::vector<std::pair<std::vector<int32_t>, double>> UniformSlate::Enumerate(const Observation& obs) const {
  auto slates = AllSlates(obs.num_candidates, obs.slate_size);
  const double p = 1.0 / static_cast<double>(slates.size());
  std::vector<std::pair<std::vector<int32_t>, double>> out;
  for (auto& s : slates) out.push_back({std::move(s), p});
  return out;
}

double UniformSlate::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  for (int64_t a = 0; a < prefix; ++a)
    if (std::find(slate, slate + a, slate[a]) != slate + a) return 0.0;
  double p = 1.0;
  for (int64_t a = 0; a < prefix; ++a) p /= static_cast<double>(obs.num_candidates - a);
  return p;
}

double UniformSlate::SlotMarginal(const Observation& obs, int64_t, int32_t) const {
  return 1.0 / static_cast<double>(obs.num_candidates);
}

}  // namespace bundlerl
