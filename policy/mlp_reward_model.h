// An MLP reward model for DM / DR (LibTorch inside, Eigen at the boundary): two hidden
// ReLU layers, a sigmoid output, trained on the binary cross-entropy with Adam, full batch,
// seeded. Registered as the reward model "mlp:HIDDEN:EPOCHS" (ope/reward_model.h), so that
// the torch-free OPE library can cross-fit it by name when this library is linked.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>

#include "ope/reward_model.h"

namespace bundlerl {

struct MlpRewardConfig {
  int64_t hidden = 32;
  int64_t epochs = 300;
  double learning_rate = 0.01;
  double weight_decay = 1e-4;
  uint64_t seed = 0;
};

class MlpRewardModel : public RewardModel {
 public:
  explicit MlpRewardModel(MlpRewardConfig config = {});
  ~MlpRewardModel() override;
  MlpRewardModel(MlpRewardModel&&) noexcept;
  MlpRewardModel& operator=(MlpRewardModel&&) noexcept;
  void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override;
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const override;

 private:
  struct Net;
  MlpRewardConfig config_;
  std::unique_ptr<Net> net_;
};

}  // namespace bundlerl
