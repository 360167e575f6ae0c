// Learned slate policies (LibTorch): a scorer network over the per-candidate kernel features
// and the Plackett-Luce distribution over its scores. This header includes torch; code that
// only needs to load or use a saved policy includes policy/learned_policy.h instead.
#pragma once

#include <torch/torch.h>

#include <string>

#include "policy/learned_policy.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct ScorerConfig {
  std::string kind = "mlp";  // linear or mlp
  int64_t features = 7;      // F
  int64_t hidden = 32;
};

// features [B, C, F] -> scores [B, C].
struct ScorerImpl : torch::nn::Module {
  explicit ScorerImpl(const ScorerConfig& config);
  torch::Tensor forward(const torch::Tensor& features);
  ScorerConfig config;
  torch::nn::Linear in{nullptr}, hidden{nullptr}, out{nullptr};
};
TORCH_MODULE(Scorer);

// log P(slates | scores) under Plackett-Luce, differentiable in the scores.
// scores [B, C], slates [B, K] (int64 candidate indices) -> [B]. prefix < K: first slots only.
torch::Tensor PlackettLuceLogProb(const torch::Tensor& scores, const torch::Tensor& slates,
                                  int64_t prefix = -1);

// Scorer + Plackett-Luce as a SlatePolicy. Scores are computed without gradients, in double
// precision from the float network.
class LearnedSlatePolicy : public SlatePolicy {
 public:
  LearnedSlatePolicy(Scorer scorer, std::string name);
  std::string name() const override { return name_; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
  void SlotMarginals(const Observation& obs, double* out) const override;
  void Scores(const Observation& obs, std::vector<double>& scores) const;
  Scorer scorer() const { return scorer_; }

 private:
  mutable Scorer scorer_;  // forward() is not const in torch; inference does not change it
  std::string name_;
};

// Saves the scorer (config and parameters) with what it was trained for; written atomically.
void SaveScorer(const Scorer& scorer, const std::string& path, const PolicyInfo& info);
// Throws Error naming the file when it is not a policy file or a parameter is not finite.
Scorer LoadScorer(const std::string& path, PolicyInfo* info = nullptr);

}  // namespace bundlerl
