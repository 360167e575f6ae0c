// A shopper world fitted to any logged dataset: the environment in which policy-gradient
// agents learn, and policies are valued, when the only knowledge of the shoppers is a log.
//
// Episodes start from the logged rounds: episode e of a run seeded s replays round
// DeriveSeed(s, e) mod n: its user, the user's history up to that round, its candidates and
// context, observed by the log's kernels and feature rows as `evaluate` and `train --logs`
// see them (kernels/logged_observation.h). The agent's slate is answered by a shopper model
// fitted to the log (env/fitted_shopper_model.h): a choice model over the logged slates, or,
// for a log of choices only (every logged slot clicked, as in session data), a conditional
// logit with sampled alternatives. An episode is one step (the log says nothing of what a
// shopper would have done after another slate than the one shown); its reward is the clicks
// (or purchases) of the slate.
//
// Fitting reports the held-out log-likelihood: the model is fitted to the earlier rounds
// (1 - heldout_share of them, in time order), its log-likelihood is measured on the later
// ones next to the same model without features; the world then uses the model refitted to
// every round.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "env/environment.h"
#include "env/fitted_shopper_model.h"
#include "kernels/builder.h"
#include "kernels/logged_observation.h"

namespace bundlerl {

struct FittedWorldOptions {
  // The model: choice (auto, mnl, cascade, independent), l2, and feature groups; "auto": kernel
  // and bundle (not for choices), profile and item for item vectors of up to 64 dimensions,
  // unit for up to 300 items (the fit's cost grows with the square of the parameters).
  ShopperModelOptions model = [] {
    ShopperModelOptions m;
    m.features = "auto";
    return m;
  }();
  std::string kernels;         // kernel spec; "" = the log's
  std::string features;        // the agent's feature rows; "" = the log's default (DefaultFeatureSpec)
  int64_t negatives = 20;      // a log of choices: sampled alternatives per choice
  std::string kind = "auto";   // slates, choices, or auto: choices when every logged slot is rewarded
  double heldout_share = 0.2;  // later rounds held out for the report (0: none)
  int64_t max_rounds = 200000;  // rounds the model is fitted to, at most (evenly spread)
  int64_t slate_size = 0;      // slots of the agent's slate: the log's (0), or any for a log of choices
  bool expected_reward = false;  // a step earns its expected clicks under the model (no click noise:
                                 // the same mean, a lower-variance signal for learning)
  uint64_t seed = 1;           // sampled alternatives
  int threads = 2;
};

struct FittedWorldReport {
  std::string kind;                 // slates or choices
  ShopperModelSummary model;        // the model the world uses (every round)
  int64_t train_rounds = 0, heldout_rounds = 0;
  double heldout_loglik = 0, heldout_loglik_null = 0;  // per round (choices: per choice)
  bool heldout = false;             // whether rounds were held out
};

class FittedWorld : public Environment {
 public:
  // Fits a world to `logs` (rounds and catalog).
  static std::shared_ptr<const FittedWorld> Fit(LoggedDataset logs, const FittedWorldOptions& options);
  // A world saved before: the logs it replays, its kernel and feature specs and its model.
  FittedWorld(LoggedDataset logs, const KernelSpec& kernels, const FeatureSpec& features,
              FittedShopperModel::Parameters model, FittedWorldReport report, bool expected_reward = false);

  int64_t slate_size() const override { return slate_size_; }
  int64_t num_candidates() const override { return num_candidates_; }
  int64_t max_steps() const override { return 1; }
  int64_t num_features() const override { return num_features_; }
  const Eigen::MatrixXd& item_vectors() const override { return kernels_.item_features; }
  std::unique_ptr<EpisodeSession> NewSession() const override;
  std::string Fingerprint() const override;

  const LoggedDataset& logs() const { return *logs_; }
  const KernelSpec& kernel_spec() const { return kernel_spec_; }
  const FeatureSpec& feature_spec() const { return feature_spec_; }
  const ItemKernels& kernels() const { return kernels_; }
  const FittedShopperModel& model() const { return *model_; }
  const FittedWorldReport& report() const { return report_; }
  bool expected_reward() const { return expected_reward_; }
  // The logged round episode `episode` of a run seeded `run_seed` replays.
  int64_t RoundOf(int64_t episode, uint64_t run_seed) const;

 private:
  FittedWorld(std::shared_ptr<const LoggedDataset> logs, const KernelSpec& kernels, const FeatureSpec& features,
              int64_t slate_size);
  std::shared_ptr<const LoggedDataset> logs_;
  KernelSpec kernel_spec_;
  ItemKernels kernels_;
  FeatureSpec feature_spec_;
  int64_t slate_size_ = 0, num_candidates_ = 0, num_features_ = 0;
  bool expected_reward_ = false;
  std::unique_ptr<FittedShopperModel> model_;
  FittedWorldReport report_;
};

}  // namespace bundlerl
