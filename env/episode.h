// How an episode (or a logged one-step round) starts from its seed: the one rule shared by
// the simulator's truth, the session batches, the agents' episode collection, the logger of
// the comparison harness and the offline learners, so that all of them can replay the same
// episodes from (run seed, index) alone.
#pragma once

#include <cstdint>

#include "common/random.h"

namespace bundlerl {

struct EpisodeStart {
  uint64_t seed = 0;          // DeriveSeed(run seed, index)
  int32_t user = 0;           // seed mod the number of shoppers
  uint64_t session_seed = 0;  // the session's generator (Stream::kSession of seed)
  uint64_t policy_seed = 0;   // the policy's generator (Stream::kPolicy of seed)
};

inline EpisodeStart StartOfEpisode(uint64_t run_seed, int64_t index, int64_t num_shoppers) {
  EpisodeStart s;
  s.seed = DeriveSeed(run_seed, static_cast<uint64_t>(index));
  s.user = static_cast<int32_t>(s.seed % static_cast<uint64_t>(num_shoppers));
  s.session_seed = StreamSeed(s.seed, Stream::kSession);
  s.policy_seed = StreamSeed(s.seed, Stream::kPolicy);
  return s;
}

}  // namespace bundlerl
