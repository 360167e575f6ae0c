// A vectorised environment: N shopper sessions stepped together on a persistent thread
// pool, each restarting by itself when its episode ends (auto-reset, as in EnvPool), with
// every buffer allocated at construction. Observations are refreshed in the workers, so
// observation building runs in parallel too.
//
// Session i plays episodes i, i + N, i + 2N, ...; episode e starts as in SimulateEpisodes
// (StartOfEpisode(seed, e), env/episode.h), so trajectories depend on the seed and the
// slates only, not on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/thread_pool.h"
#include "env/shopper_model.h"

namespace bundlerl {

class SessionBatch {
 public:
  SessionBatch(std::shared_ptr<const ShopperModel> model, int64_t num_sessions, uint64_t seed,
               int threads = 2, ObservationKind kind = ObservationKind::kFull);

  // About the bytes a batch of `num_sessions` sessions of `model` holds (checked against the
  // machine's memory before anything is allocated).
  static double MemoryBytes(const ShopperModel& model, int64_t num_sessions, ObservationKind kind);

  int64_t size() const { return static_cast<int64_t>(sessions_.size()); }
  int64_t slate_size() const { return K_; }
  // Session i's observation before the next Step; a view valid until then.
  const Observation& observation(int64_t i) const { return observations_[i]; }
  // The id of the episode session i is playing.
  int64_t episode(int64_t i) const { return episode_[i]; }
  const ShopperSession& session(int64_t i) const { return sessions_[i]; }

  // Shows slates [N, K] (row i to session i) and writes the responses to out [N]. out[i].done:
  // session i's episode ended with this step, and its observation is the start of episode
  // episode(i), the next one. A malformed slate throws before any session moves, naming the
  // session and the slot.
  void Step(const int32_t* slates, StepResult* out);

 private:
  void Start(int64_t i, int64_t episode);
  void Refresh(int64_t i);
  std::shared_ptr<const ShopperModel> model_;
  uint64_t seed_;
  int64_t K_;
  ObservationKind kind_;
  std::vector<ShopperSession> sessions_;
  std::vector<Observation> observations_;
  std::vector<int64_t> episode_;
  // The per-session work of Step, built once (a std::function made per call could allocate).
  const int32_t* step_slates_ = nullptr;
  StepResult* step_out_ = nullptr;
  std::function<void(int, int64_t)> step_job_;
  ThreadPool pool_;
};

}  // namespace bundlerl
