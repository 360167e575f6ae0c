// An MLP reward model for DM / DR (LibTorch inside, Eigen at the boundary): two hidden
// ReLU layers, a sigmoid output, trained on the binary cross-entropy with Adam, full batch,
// seeded. Used like LogisticRegression, and cross-fitted the same way.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>

namespace bundlerl {

struct MlpRewardConfig {
  int64_t hidden = 32;
  int64_t epochs = 300;
  double learning_rate = 0.01;
  double weight_decay = 1e-4;
  uint64_t seed = 0;
};

class MlpRewardModel {
 public:
  explicit MlpRewardModel(MlpRewardConfig config = {});
  ~MlpRewardModel();
  MlpRewardModel(MlpRewardModel&&) noexcept;
  MlpRewardModel& operator=(MlpRewardModel&&) noexcept;
  void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const;

 private:
  struct Net;
  MlpRewardConfig config_;
  std::unique_ptr<Net> net_;
};

}  // namespace bundlerl
