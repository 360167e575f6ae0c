// Learned slate policies (LibTorch): a scorer network over the per-candidate kernel features
// and the Plackett-Luce distribution over its scores. This header includes torch; code that
// only needs to load or use a saved policy includes policy/learned_policy.h instead.
#pragma once

#include <torch/torch.h>

#include <Eigen/Dense>
#include <string>

#include "policy/history_encoder.h"
#include "policy/learned_policy.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct ScorerConfig {
  std::string kind = "mlp";  // linear, mlp, or attention (the mlp plus the history term)
  int64_t features = 7;      // F
  int64_t hidden = 32;
  HistoryEncoderConfig history;  // attention only
};

// What the attention scorer reads beside the features: the kernels' item vectors, each
// row's history in the encoder's layout and its candidates' item ids.
struct ScorerContext {
  torch::Tensor items;       // [M, d] float
  torch::Tensor history;     // [B, L] int64, -1 padding (HistorySlots)
  torch::Tensor candidates;  // [B, C] int64
};

// features [B, C, F] -> scores [B, C].
struct ScorerImpl : torch::nn::Module {
  explicit ScorerImpl(const ScorerConfig& config);
  // linear and mlp; the attention scorer throws (it needs the context).
  torch::Tensor forward(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& features, const ScorerContext& context);
  bool uses_history() const { return config.kind == "attention"; }
  // The linear or MLP score of the features alone [B, C].
  torch::Tensor FeatureScore(const torch::Tensor& features);
  ScorerConfig config;
  torch::nn::Linear in{nullptr}, hidden{nullptr}, out{nullptr};
  HistoryEncoder encoder{nullptr};
};
TORCH_MODULE(Scorer);

// log P(slates | scores) under Plackett-Luce, differentiable in the scores.
// scores [B, C], slates [B, K] (int64 candidate indices) -> [B]. prefix < K: first slots only.
torch::Tensor PlackettLuceLogProb(const torch::Tensor& scores, const torch::Tensor& slates,
                                  int64_t prefix = -1);

// Scorer + Plackett-Luce as a SlatePolicy. The scorer's weights are copied at construction
// and scores are computed from them in double precision with Eigen, without LibTorch (whose
// per-call overhead dominated evaluation on large logs, and whose float kernels differ
// between CPUs): the policy is a snapshot of the scorer when it was made.
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
  // Attention scorer: adds each candidate's history term to scores [C].
  void AddHistoryTerms(const Observation& obs, double* scores) const;
  Scorer scorer_;
  std::string name_;
  // The weights, row-major [out, in]: linear: W3 [1, F], b3; mlp: W1 [H, F], b1, W2 [H, H],
  // b2, W3 [1, H], b3; attention: the mlp's and the encoder's.
  bool mlp_ = false, attention_ = false;
  HistoryEncoderMirror encoder_;
  int64_t features_ = 0;
  Eigen::MatrixXd W1_, W2_, W3_;
  Eigen::VectorXd b1_, b2_;
  double b3_ = 0;
  // Distinct for every policy ever made, so a policy built where another one was cannot
  // reuse the other's cached scores.
  uint64_t id_ = 0;
};

// Saves the scorer (config and parameters) with what it was trained for; written atomically.
void SaveScorer(const Scorer& scorer, const std::string& path, const PolicyInfo& info);
// Throws Error naming the file when it is not a policy file or a parameter is not finite.
Scorer LoadScorer(const std::string& path, PolicyInfo* info = nullptr);

}  // namespace bundlerl
