// Batched stepping of shopper sessions: see session_batch.h.
#include "env/session_batch.h"

#include "env/episode.h"

#include "common/error.h"
#include "common/memory.h"
#include "kernels/features.h"

namespace bundlerl {
namespace {

// A batch step is a chain of dependent misses per session (the session, its candidate ids
// and history, then the table entries they index), so sessions i + 3, i + 2 and i + 1 are
// each one link further along while session i steps. Prefetches only: no number changes.

// Link 1 of session s's next step: the candidate ids of its slate and its history.
void PrefetchSlate(const ShopperSession& s, const int32_t* slate, int64_t K) {
  if (!s.candidates_are_catalog())
    for (int64_t a = 0; a < K; ++a) __builtin_prefetch(s.candidates().data() + slate[a]);
  const auto& history = s.history();
  for (size_t j = 0; j < history.size(); j += 16) __builtin_prefetch(history.data() + j);
  __builtin_prefetch(history.data() + history.size());  // where a click appends
  s.PrefetchState();
}

// Link 2: the table entries of session s's next step (its slate validated).
void PrefetchStep(const ShopperSession& s, const int32_t* slate, int64_t K) {
  int32_t items[32];
  for (int64_t a = 0; a < K; ++a) items[a] = s.item(slate[a]);
  s.model().PrefetchUtilities(s.history().data(), static_cast<int64_t>(s.history().size()), items,
                              static_cast<int>(K));
}

}  // namespace

double SessionBatch::MemoryBytes(const ShopperModel& model, int64_t num_sessions, ObservationKind kind) {
  const auto& s = model.session_config();
  const double C = static_cast<double>(s.num_candidates), K = static_cast<double>(s.slate_size);
  const double per_session = sizeof(ShopperSession) + sizeof(Observation) + 256.0 + 8.0 * C * (kNumFeatures + 2) +
                             (kind == ObservationKind::kFull ? 8.0 * C * kNumFeatures : 0.0) + 32.0 * K;
  return static_cast<double>(num_sessions) * per_session;
}

SessionBatch::SessionBatch(std::shared_ptr<const ShopperModel> model, int64_t num_sessions,
                           uint64_t seed, int threads, ObservationKind kind)
    : model_(std::move(model)),
      seed_(seed),
      K_(model_->session_config().slate_size),
      kind_(kind),
      pool_(threads) {
  if (num_sessions <= 0) Fail("session batch: the number of sessions must be positive, got ", num_sessions);
  CheckFitsInMemory(MemoryBytes(*model_, num_sessions, kind), Concat("session batch of ", num_sessions, " sessions"));
  sessions_.reserve(num_sessions);
  for (int64_t i = 0; i < num_sessions; ++i) sessions_.emplace_back(model_);
  observations_.resize(num_sessions);
  episode_.resize(num_sessions);
  step_job_ = [this](int, int64_t i) {
    // The next sessions' misses overlap this session's step (see PrefetchSlate).
    const int64_t N = size();
    if (i + 3 < N) {
      const char* session = reinterpret_cast<const char*>(&sessions_[i + 3]);
      for (size_t b = 0; b < sizeof(ShopperSession); b += 64) __builtin_prefetch(session + b);
    }
    if (i + 2 < N) PrefetchSlate(sessions_[i + 2], step_slates_ + (i + 2) * K_, K_);
    if (i + 1 < N) PrefetchStep(sessions_[i + 1], step_slates_ + (i + 1) * K_, K_);
    StepResult& r = step_out_[i];
    r = sessions_[i].Step(step_slates_ + i * K_);
    if (r.done) {
      Start(i, episode_[i] + size());
    } else {
      Refresh(i);
    }
  };
  pool_.Run(num_sessions, [&](int, int64_t i) { Start(i, i); });
}

void SessionBatch::Start(int64_t i, int64_t episode) {
  const EpisodeStart start = StartOfEpisode(seed_, episode, model_->world().num_shoppers());
  sessions_[i].Reset(start.user, start.session_seed);
  episode_[i] = episode;
  Refresh(i);
}

void SessionBatch::Refresh(int64_t i) {
  observations_[i] = kind_ == ObservationKind::kFull ? sessions_[i].Observe() : sessions_[i].ObserveState();
}

void SessionBatch::Step(const int32_t* slates, StepResult* out) {
  const int64_t N = size();
  for (int64_t i = 0; i < N; ++i) {
    try {
      sessions_[i].ValidateSlate(slates + i * K_);
    } catch (const Error& e) {
      Fail("session batch: session ", i, ": ", e.what());
    }
  }
  step_slates_ = slates;
  step_out_ = out;
  pool_.Run(N, step_job_);
}

}  // namespace bundlerl
