// Epsilon-greedy over a base strategy: see fixed_policies.h.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "policy/fixed_policies.h"

namespace bundlerl {
namespace {

const bool kRegistered = PolicyRegistry::Register(
    {"epsilon-greedy", "a uniform slate with probability EPSILON, else the BASE strategy's",
     {{"epsilon", "0.1", "the share of uniform slates, in [0, 1]"},
      {"base", "popularity", "the base strategy (a registered name with its parameters)"}},
     [](const Spec& s) -> std::shared_ptr<const SlatePolicy> {
       return std::make_shared<EpsilonGreedy>(MakeFixedPolicy(s.String("base")), s.Double("epsilon"));
     }});

}  // namespace

EpsilonGreedy::EpsilonGreedy(std::shared_ptr<const SlatePolicy> base, double epsilon)
    : base_(std::move(base)), epsilon_(epsilon) {
  if (!(epsilon >= 0 && epsilon <= 1)) Fail("epsilon-greedy: epsilon must be in [0, 1], got ", epsilon);
}

std::string EpsilonGreedy::name() const {
  std::ostringstream s;
  s << "epsilon-greedy:" << epsilon_ << ":" << base_->name();
  return s.str();
}

void EpsilonGreedy::Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const {
  if (rng.Uniform() < epsilon_) uniform_.Act(obs, rng, slate);
  else base_->Act(obs, rng, slate);
}

std::vector<std::pair<std::vector<int32_t>, double>> EpsilonGreedy::Enumerate(const Observation& obs) const {
  auto out = uniform_.Enumerate(obs);
  for (auto& [s, p] : out) p *= epsilon_;
  for (const auto& [s, p] : base_->Enumerate(obs)) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == s; });
    it->second += (1 - epsilon_) * p;
  }
  return out;
}

double EpsilonGreedy::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  return epsilon_ * uniform_.PrefixProbability(obs, slate, prefix) +
         (1 - epsilon_) * base_->PrefixProbability(obs, slate, prefix);
}

double EpsilonGreedy::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  return epsilon_ * uniform_.SlotMarginal(obs, slot, candidate) +
         (1 - epsilon_) * base_->SlotMarginal(obs, slot, candidate);
}

void EpsilonGreedy::SlotMarginals(const Observation& obs, double* out) const {
  base_->SlotMarginals(obs, out);
  const double u = epsilon_ / static_cast<double>(obs.num_candidates);
  for (int64_t i = 0; i < obs.slate_size * obs.num_candidates; ++i) out[i] = u + (1 - epsilon_) * out[i];
}

}  // namespace bundlerl
