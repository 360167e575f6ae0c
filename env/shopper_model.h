// The shopper model: utilities of shown items from the shared kernels, a pluggable choice
// model, purchase with price sensitivity, patience (leaving), interest drift; and the
// session state machine that the environments step.
//
// Utility of item i shown in slot k to shopper u with history H, on slate S:
//   u_ik = w_profile (v_i . theta_u) + w_content max_{h in H} content(i, h)
//        + w_complement max_{h in H} complement(i, h) + w_price price_fit(i, u)
//        + w_popularity popularity_i + position_bias_k
//        + complementarity mean_{j in S, j != i} complement(i, j)
//        - redundancy mean_{j in S, j != i} content(i, j) + noise.
// The features are the kernel features of kernels/features.h, computed with the shopper's
// true preference and price affinity; the platform's observation uses the same kernels with
// what it can estimate from the history.
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/memory.h"
#include "common/random.h"
#include "env/choice_model.h"
#include "env/config.h"
#include "env/world.h"
#include "kernels/observation.h"

namespace bundlerl {

class ShopperModel {
 public:
  ShopperModel(std::shared_ptr<const World> world, ShopperConfig shopper, SessionConfig session);
  const World& world() const { return *world_; }
  std::shared_ptr<const World> world_ptr() const { return world_; }
  const ShopperConfig& shopper_config() const { return shopper_; }
  const SessionConfig& session_config() const { return session_; }
  const ChoiceModel& choice() const { return *choice_; }

  // The utility is linear in these per-item features (kNumUtilityFeatures per slot, [K, P]):
  // profile score, content max, complement max, -z^2/2 price fit, popularity, and the bundle
  // term's mean complement and minus mean content similarity to the other shown items.
  static constexpr int kNumUtilityFeatures = 7;
  void UtilityFeatures(int32_t user, const Eigen::VectorXd& theta, const int32_t* history,
                       int64_t h, const int32_t* items, int K, double* phi) const;
  // The matching weights: w_profile, w_content, w_complement, w_price, w_popularity,
  // complementarity, redundancy.
  std::vector<double> UtilityWeights() const;
  // Noise-free utilities of `items` shown in slots 0..K-1: weights . features + position bias.
  void Utilities(int32_t user, const Eigen::VectorXd& theta, const int32_t* history, int64_t h,
                 const int32_t* items, int K, double* u) const;
  double BuyProbability(int32_t user, int32_t item) const;
  // Expected reward of a click on `item` under the configured reward (click, purchase, revenue).
  double ClickValue(int32_t user, int32_t item) const;
  double LeaveProbability(int64_t misses) const;
  int reward_kind() const { return reward_kind_; }  // 0 click, 1 purchase, 2 revenue
  // Prefetches the similarity entries that UtilityFeatures will read for `items` and the
  // history (a hint only: changes no number); no-op unless the kernels are tabulated.
  void PrefetchUtilities(const int32_t* history, int64_t h, const int32_t* items, int K) const;

 private:
  void BuildPairTable();
  // phi[1], phi[2], phi[5], phi[6] of slot a from pair_table_, the same bits as from the kernels.
  void TabulatedTerms(const int32_t* history, int64_t h, const int32_t* items, int K, int a, double* phi) const;
  std::shared_ptr<const World> world_;
  ShopperConfig shopper_;
  SessionConfig session_;
  std::unique_ptr<ChoiceModel> choice_;
  int reward_kind_;  // 0 click, 1 purchase, 2 revenue
  // When the kernels are tabulated (small catalogs): content(i, j) and complement(i, j) side
  // by side at [2 (i M + j)] and [2 (i M + j) + 1] (0 without a complement kernel), copies of
  // the tables' values, so that UtilityFeatures finds both in one cache line. Empty otherwise.
  LargeTable<double> pair_table_;  // [M, M, 2]: content, complement
};

// Which observation a driver of sessions hands to the policy: Observe() (the [C, F] matrix)
// or ObserveState() (rows on demand).
enum class ObservationKind { kFull, kState };
ObservationKind ParseObservationKind(const std::string& name);  // "full" or "state"

struct StepResult {
  double reward = 0;
  uint32_t clicks = 0;  // mask over slots
  uint32_t buys = 0;    // mask over slots
  double revenue = 0;
  bool done = false;
};

// One shopper's episode. Value type: copying a session copies its state and generator.
class ShopperSession {
 public:
  explicit ShopperSession(std::shared_ptr<const ShopperModel> model);

  // A new episode for `user`: candidates sampled from the catalog (all items, in order, when
  // session.candidates equals the catalog size), history from the world.
  void Reset(int32_t user, uint64_t seed);
  // A replayed episode: the logged user, candidate set and history.
  void Reset(int32_t user, std::vector<int32_t> candidates, std::vector<int32_t> history,
             uint64_t seed);

  // The observation with the whole [C, F] feature matrix, kept up to date incrementally
  // (O(C) after a click or a reset).
  Observation Observe();
  // The state observation: candidates, history and the platform's user state (O(d) per
  // click), features == nullptr; a policy computes the rows it scores with
  // Observation::ComputeFeatures (the same numbers as Observe()'s matrix).
  Observation ObserveState() const;
  // Shows the slate (K candidate indices, distinct, in [0, C)); samples the response.
  StepResult Step(const int32_t* slate);
  bool done() const { return done_; }
  int64_t step() const { return step_; }
  int32_t user() const { return user_; }
  const std::vector<int32_t>& candidates() const { return candidates_; }
  // The item id of candidate index `c` (c itself when the candidates are the whole catalog
  // in order, read without touching candidates_).
  int32_t item(int32_t c) const { return candidates_all_ ? c : candidates_[c]; }
  bool candidates_are_catalog() const { return candidates_all_; }
  // Requests the per-session buffers a step reads and a click writes (a hint only).
  void PrefetchState() const {
    __builtin_prefetch(theta_.data());
    platform_.Prefetch();
  }
  const std::vector<int32_t>& history() const { return history_; }
  const ShopperModel& model() const { return *model_; }

  // Exact transition, for enumeration (no noise, no drift): the click-mask distribution,
  // the expected reward of a mask, and the deterministic state update for a mask.
  void ClickOutcomes(const int32_t* slate, std::vector<std::pair<uint32_t, double>>& out) const;
  double ExpectedReward(const int32_t* slate, uint32_t mask) const;
  // Applies a response (history, patience, step); returns the probability of leaving now.
  double Advance(const int32_t* slate, uint32_t mask);

  // Throws Error naming the slot when the slate is malformed.
  void ValidateSlate(const int32_t* slate) const;
  // The observation features computed from scratch by the feature builder (what Observe()
  // maintains incrementally); for tests.
  std::vector<double> RecomputeFeatures() const;

 private:
  void RefreshFeatures();
  void ApplyClicked(int32_t item);  // incremental feature update for one clicked item
  void FinishIncremental();
  Observation BaseObservation() const;
  std::shared_ptr<const ShopperModel> model_;
  int32_t user_ = -1;
  Eigen::VectorXd theta_;
  std::vector<int32_t> candidates_, history_;
  bool candidates_all_ = false;   // candidates_ holds the whole catalog in order
  std::vector<double> features_;  // [C, F], the platform's view, cached
  bool features_dirty_ = true;    // full recompute at the next Observe()
  std::vector<int32_t> pending_;  // clicked items not yet folded into features_
  std::vector<double> row_;       // scratch: one similarity row over the candidates
  RunningUserState platform_;       // the platform's profile of history_, always current
  std::vector<double> content_sum_;  // per candidate, sum of content similarity to the history
  int64_t features_history_ = 0;  // history length that features_ reflect
  int64_t step_ = 0, misses_ = 0;
  bool done_ = true;
  SplitMix64 rng_{0};
  std::vector<int32_t> items_;   // scratch, [K]
  std::vector<double> utility_;  // scratch, [K]
  std::vector<int32_t> seen_;    // scratch hash set for candidate sampling
};

}  // namespace bundlerl
