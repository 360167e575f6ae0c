// Small, fast, seedable generators. Every random draw in BundleRL goes through a generator
// passed in explicitly; streams for independent work items are derived from (seed, index).
#pragma once

#include <cmath>
#include <cstdint>

namespace bundlerl {

// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush; used for bootstrap
// resampling and to derive seeds of other generators.
class SplitMix64 {
 public:
  using result_type = uint64_t;
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t operator()() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return ~uint64_t{0}; }
  // Uniform integer in [0, n) by Lemire's multiply-shift (bias below n / 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>((*this)()) * n) >> 64);
  }
  // Uniform double in [0, 1).
  double Uniform() { return ((*this)() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// A standard normal draw (Box-Muller, one draw per call).
inline double NormalDraw(SplitMix64& rng) {
  const double u1 = 1.0 - rng.Uniform(), u2 = rng.Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// A seed for stream `index` of a run seeded with `seed`.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  SplitMix64 g(seed ^ (0x632be59bd9b4e019ULL * (index + 1)));
  g();
  return g();
}

// The named random streams of a run. Each is DeriveSeed(parent, id) of the parent seed named
// in its comment; the ids are those the committed results were made with, so they must not
// change. Work items (episodes, logged rounds, bootstrap resamples, updates) take
// DeriveSeed(stream seed, index).
enum class Stream : uint64_t {
  // Of an episode's or a logged round's seed (env/episode.h):
  kSession = 1,  // the shopper session (candidates, responses)
  kPolicy = 2,   // the policy's draws at that episode or round
  // Of a comparison's seed (compare.seed):
  kLogging = 1,          // the logged rounds
  kRewardModelFolds = 3,  // cross-fitting folds
  kBootstrap = 4,        // bootstrap resamples
  kOpeBenchmark = 0xbe9c,  // the OPE benchmark's repeated logs
  kTargetSlates = 0x5a7e,  // the slates drawn from each target to value it in a fitted shopper model
  // Of a training seed (train.seed):
  kAgentLog = 0x10c5,   // the rounds an off-policy agent logs for itself (no --logs)
  kEpochOrder = 0xe90c,  // epoch e's shuffle of the logged rounds is DeriveSeed(seed, id + e)
  // Of a graph-embedding model's seed (graph/graph_model.h):
  kGraphInit = 0x61000000,    // the initial embeddings
  kGraphDropout = 0x62000000, // epoch e's edge dropout is DeriveSeed(seed, id + e)
  kGraphBatches = 0x63000000, // epoch e's pair order and negatives are DeriveSeed(seed, id + e)
  // Of a replay world's seed:
  kProjection = 0x7e,  // the random projection of TF-IDF vectors to embeddings
  // Of a bootstrap seed, per rank of a distributed run: id + rank.
  kRankBootstrap = 1000003,
};

inline uint64_t StreamSeed(uint64_t seed, Stream stream, uint64_t offset = 0) {
  return DeriveSeed(seed, static_cast<uint64_t>(stream) + offset);
}

}  // namespace bundlerl
