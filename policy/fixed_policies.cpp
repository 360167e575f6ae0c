// Fixed strategies: see fixed_policies.h.
#include "policy/fixed_policies.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"

namespace bundlerl {

std::vector<std::pair<std::vector<int32_t>, double>> SlatePolicy::Enumerate(const Observation&) const {
  Fail("policy '", name(), "' cannot enumerate its slate distribution");
}

void SlatePolicy::SlotMarginals(const Observation& obs, double* out) const {
  for (int64_t k = 0; k < obs.slate_size; ++k)
    for (int64_t c = 0; c < obs.num_candidates; ++c)
      out[k * obs.num_candidates + c] = SlotMarginal(obs, k, static_cast<int32_t>(c));
}

void TopK(const double* score, int64_t stride, int64_t n, int64_t K, int32_t* out) {
  // Insertion into a sorted prefix of length <= K: O(n K), no allocation.
  int64_t filled = 0;
  for (int64_t c = 0; c < n; ++c) {
    const double s = score[c * stride];
    if (filled == K && !(s > score[out[K - 1] * stride])) continue;
    int64_t pos = filled < K ? filled++ : K - 1;
    while (pos > 0 && s > score[out[pos - 1] * stride]) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = static_cast<int32_t>(c);
  }
}

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

std::vector<std::string> FixedPolicyNames() {
  return {"uniform", "popularity", "content", "itemcf", "profile", "epsilon-greedy:EPS:BASE"};
}

std::shared_ptr<const SlatePolicy> MakeFixedPolicy(const std::string& spec) {
  if (spec == "uniform") return std::make_shared<UniformSlate>();
  if (spec == "popularity") return std::make_shared<FeatureRanking>(spec, kPopularity);
  if (spec == "content") return std::make_shared<FeatureRanking>(spec, kContentMax);
  if (spec == "itemcf") return std::make_shared<FeatureRanking>(spec, kComplementMax);
  if (spec == "profile") return std::make_shared<FeatureRanking>(spec, kProfileScore);
  if (spec.rfind("epsilon-greedy:", 0) == 0) {
    const std::string rest = spec.substr(15);
    const auto colon = rest.find(':');
    if (colon == std::string::npos) Fail("policy '", spec, "': expected epsilon-greedy:EPS:BASE");
    char* end = nullptr;
    const double eps = std::strtod(rest.c_str(), &end);
    if (end != rest.c_str() + colon) Fail("policy '", spec, "': epsilon is not a number");
    return std::make_shared<EpsilonGreedy>(MakeFixedPolicy(rest.substr(colon + 1)), eps);
  }
  std::string known;
  for (const auto& n : FixedPolicyNames()) known += (known.empty() ? "" : ", ") + n;
  Fail("unknown policy '", spec, "'; known: ", known);
}

}  // namespace bundlerl
