// The agent interface's defaults, the registry's entry point and the helpers of the LibTorch
// agents: see agent.h and internal.h.
#include "agents/agent.h"

#include <cmath>

#include "agents/internal.h"
#include "common/error.h"

namespace bundlerl {

UpdateMetrics Agent::UpdateOnline(const Environment&, uint64_t) {
  Fail("agent '", name(), "' does not learn online in a simulator; it learns from logged rounds (--logs)");
}

UpdateMetrics Agent::UpdateFromLogs(const LoggedBatch&, Reducer*) {
  Fail("agent '", name(), "' learns online in a simulator, not from logged rounds");
}

std::unique_ptr<Agent> MakeAgent(const std::string& name, const AgentSetup& setup) {
  return AgentRegistry::Make(name, "agent", setup);
}

namespace internal {

Scorer MakeScorer(const TrainConfig& c, int64_t features, int64_t item_dim) {
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  ScorerConfig sc;
  sc.kind = c.scorer;
  sc.features = features;
  sc.hidden = c.hidden;
  sc.history = EncoderConfigOf(c, item_dim);
  return Scorer(sc);
}

HistoryEncoderConfig EncoderConfigOf(const TrainConfig& c, int64_t item_dim) {
  HistoryEncoderConfig h;
  h.item_dim = item_dim;
  h.model_dim = c.attention_dim;
  h.length = c.history;
  h.blocks = c.attention_blocks;
  h.heads = c.attention_heads;
  return h;
}

torch::Tensor ItemTable(const Eigen::MatrixXd& item_features) {
  const int64_t M = item_features.rows(), d = item_features.cols();
  torch::Tensor t = torch::empty({M, d}, torch::kFloat32);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < d; ++j) p[i * d + j] = static_cast<float>(item_features(i, j));
  return t;
}

Scorer CloneScorer(const Scorer& scorer) {
  Scorer copy(scorer->config);
  torch::NoGradGuard no_grad;
  const auto from = scorer->parameters();
  auto to = copy->parameters();
  for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  return copy;
}

void CheckScorerFinite(const Scorer& scorer, double last_loss, int64_t update, const std::string& agent) {
  if (!std::isfinite(last_loss))
    Fail("train ", agent, ": the loss is not finite at update ", update,
         ": the training diverged (try a lower train.learning_rate)");
  for (const auto& p : scorer->named_parameters())
    if (!torch::isfinite(p.value()).all().item<bool>())
      Fail("train ", agent, ": parameter '", p.key(), "' is not finite at update ", update,
           ": the training diverged (try a lower train.learning_rate)");
}

}  // namespace internal
}  // namespace bundlerl
