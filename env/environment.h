// What an online agent plays in and a policy is simulated in: episodes that start from an
// index and a run seed, observations of candidates, and responses to slates. Two kinds:
// the generated shopper simulator (SimulatorEnvironment over a ShopperModel) and the world
// fitted to a log (env/fitted_world.h), whose episodes start from logged rounds. Agents and
// simulation are written against this interface (the split EnvPool makes between what an
// environment is and how many of them run), so that both train and value policies alike.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <string>

#include "env/shopper_model.h"
#include "kernels/observation.h"

namespace bundlerl {

// One episode at a time; value type per thread (an environment hands out as many as needed).
class EpisodeSession {
 public:
  virtual ~EpisodeSession() = default;
  // Starts episode `episode` of a run seeded `run_seed` (what StartOfEpisode says for the
  // simulator; a logged round for a fitted world); returns the seed of the policy's draws in
  // this episode.
  virtual uint64_t Start(int64_t episode, uint64_t run_seed) = 0;
  virtual bool done() const = 0;
  virtual int64_t step() const = 0;
  // The observation before the next Step; valid until then.
  virtual Observation Observe() = 0;
  // Shows the slate (slate_size distinct candidate indices); throws Error naming the slot when
  // it is malformed.
  virtual StepResult Step(const int32_t* slate) = 0;
};

class Environment {
 public:
  virtual ~Environment() = default;
  virtual int64_t slate_size() const = 0;
  virtual int64_t num_candidates() const = 0;  // C of every observation
  virtual int64_t max_steps() const = 0;
  virtual int64_t num_features() const = 0;    // F of the observations' rows
  // The item vectors the attention scorer reads ([items, d]).
  virtual const Eigen::MatrixXd& item_vectors() const = 0;
  virtual std::unique_ptr<EpisodeSession> NewSession() const = 0;
  // What identifies the environment for checkpoints (a run resumed elsewhere is refused).
  virtual std::string Fingerprint() const = 0;
};

// The generated shopper simulator as an Environment: episode e plays the user and seeds of
// StartOfEpisode(run seed, e), the kernel feature rows (kNumFeatures).
class SimulatorEnvironment : public Environment {
 public:
  explicit SimulatorEnvironment(std::shared_ptr<const ShopperModel> model) : model_(std::move(model)) {}
  const std::shared_ptr<const ShopperModel>& model() const { return model_; }
  int64_t slate_size() const override { return model_->session_config().slate_size; }
  int64_t num_candidates() const override { return model_->session_config().num_candidates; }
  int64_t max_steps() const override { return model_->session_config().max_steps; }
  int64_t num_features() const override { return kNumFeatures; }
  const Eigen::MatrixXd& item_vectors() const override { return model_->world().embeddings(); }
  std::unique_ptr<EpisodeSession> NewSession() const override;
  std::string Fingerprint() const override;

 private:
  std::shared_ptr<const ShopperModel> model_;
};

}  // namespace bundlerl
