// MLP reward model: see mlp_reward_model.h.
#include "policy/mlp_reward_model.h"

#include <torch/torch.h>

#include "common/error.h"

namespace bundlerl {

struct MlpRewardModel::Net {
  torch::nn::Sequential seq{nullptr};
  torch::Tensor mean, sd;  // feature standardisation from the training rows
};

MlpRewardModel::MlpRewardModel(MlpRewardConfig config) : config_(config) {}
MlpRewardModel::~MlpRewardModel() = default;
MlpRewardModel::MlpRewardModel(MlpRewardModel&&) noexcept = default;
MlpRewardModel& MlpRewardModel::operator=(MlpRewardModel&&) noexcept = default;

namespace {

const bool kRegisteredMlp = RewardModelRegistry::Register(
    {"mlp",
     "two-hidden-layer ReLU network, sigmoid output, Adam on the cross-entropy (LibTorch)",
     {{"hidden", "32", "units per hidden layer"}, {"epochs", "300", "full-batch Adam steps"}},
     [](const Spec& s, uint64_t seed) -> std::unique_ptr<RewardModel> {
       MlpRewardConfig c;
       c.hidden = s.Int("hidden");
       c.epochs = s.Int("epochs");
       if (c.hidden < 1 || c.epochs < 1)
         Fail("reward model '", s.text(), "': hidden and epochs must be positive");
       c.seed = seed;
       return std::make_unique<MlpRewardModel>(c);
     }});

torch::Tensor ToTensor(const Eigen::MatrixXd& X) {
  // Eigen is column-major; copy into a row-major float tensor.
  auto t = torch::empty({X.rows(), X.cols()}, torch::kFloat32);
  float* p = t.data_ptr<float>();
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.cols(); ++j) p[i * X.cols() + j] = static_cast<float>(X(i, j));
  return t;
}

}  // namespace

void MlpRewardModel::Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (X.rows() != y.size()) Fail("MLP reward model: ", y.size(), " labels for ", X.rows(), " rows");
  if (X.rows() == 0) Fail("MLP reward model: no rows to fit");
  torch::manual_seed(config_.seed);
  net_ = std::make_unique<Net>();
  const int64_t d = X.cols(), h = config_.hidden;
  net_->seq = torch::nn::Sequential(torch::nn::Linear(d, h), torch::nn::ReLU(), torch::nn::Linear(h, h),
                                    torch::nn::ReLU(), torch::nn::Linear(h, 1));
  auto x = ToTensor(X);
  net_->mean = x.mean(0, true);
  net_->sd = x.std(0, true, true) + 1e-6;
  x = (x - net_->mean) / net_->sd;
  auto target = torch::empty({y.size()}, torch::kFloat32);
  for (Eigen::Index i = 0; i < y.size(); ++i) target[i] = static_cast<float>(y[i]);
  torch::optim::Adam opt(net_->seq->parameters(),
                         torch::optim::AdamOptions(config_.learning_rate).weight_decay(config_.weight_decay));
  for (int64_t e = 0; e < config_.epochs; ++e) {
    opt.zero_grad();
    const auto loss = torch::binary_cross_entropy_with_logits(net_->seq->forward(x).squeeze(-1), target);
    loss.backward();
    opt.step();
  }
}

Eigen::VectorXd MlpRewardModel::Predict(const Eigen::MatrixXd& X) const {
  if (!net_) Fail("MLP reward model: Predict before Fit");
  torch::NoGradGuard no_grad;
  const auto p = torch::sigmoid(net_->seq->forward((ToTensor(X) - net_->mean) / net_->sd).squeeze(-1)).contiguous();
  Eigen::VectorXd out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) out[i] = p[i].item<float>();
  return out;
}

}  // namespace bundlerl
