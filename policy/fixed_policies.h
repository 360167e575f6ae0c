// Fixed (non-learned) strategies: uniform, ranking by one kernel feature (popularity,
// content similarity to the history, item-CF co-occurrence, profile score), and an
// epsilon-greedy wrapper; each registers its names in its own file (uniform_slate.cpp,
// feature_ranking.cpp, epsilon_greedy.cpp), and MakeFixedPolicy makes them by name.
#pragma once

#include <memory>
#include <string>

#include "policy/slate_policy.h"

namespace bundlerl {

// Uniformly random ordered slate of K distinct candidates.
class UniformSlate : public SlatePolicy {
 public:
  std::string name() const override { return "uniform"; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
};

// The K candidates with the highest value of one feature column, best first (ties: lower
// candidate index).
class FeatureRanking : public SlatePolicy {
 public:
  FeatureRanking(std::string name, int feature) : name_(std::move(name)), feature_(feature) {}
  std::string name() const override { return name_; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
  void SlotMarginals(const Observation& obs, double* out) const override;

 private:
  void Best(const Observation& obs, int32_t* out) const;  // the top K by the column
  std::string name_;
  int feature_;
};

// With probability epsilon a uniform slate, otherwise the base policy's.
class EpsilonGreedy : public SlatePolicy {
 public:
  EpsilonGreedy(std::shared_ptr<const SlatePolicy> base, double epsilon);
  std::string name() const override;
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
  void SlotMarginals(const Observation& obs, double* out) const override;

 private:
  std::shared_ptr<const SlatePolicy> base_;
  double epsilon_;
  UniformSlate uniform_;
};

// A registered strategy by spec: "uniform", "popularity", "epsilon-greedy:0.5:popularity", ...
// Throws Error listing the known names otherwise.
std::shared_ptr<const SlatePolicy> MakeFixedPolicy(const std::string& spec);
std::vector<std::string> FixedPolicyNames();

// Top-K indices by score (ties by lower index), allocation-free for small K.
void TopK(const double* score, int64_t stride, int64_t n, int64_t K, int32_t* out);

}  // namespace bundlerl
