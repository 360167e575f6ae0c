// The simulator's logger: one-step rounds of a world logged under a logging policy whose
// propensities are known, as a logged dataset (dataset/dataset.h) like any imported one. The
// comparison harness, the OPE benchmark and `bundlerl train` without --logs all log through
// it, and `bundlerl evaluate` and `train --logs` read what it wrote, so that in-process and
// from-file runs see the same rounds, candidates, features and propensities.
//
// Round r starts as StartOfEpisode(seed, r) says (env/episode.h): its user, its session
// generator (candidates, response) and the logging policy's generator. The dataset carries
// the world's catalog (items, baskets), the shoppers' histories, each round's candidates and
// seed, the per-slot, whole-slate and prefix propensities, the inclusion propensity of each
// shown unit, clicks, purchases and revenue, and the reward the world was configured for.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dataset/dataset.h"
#include "env/shopper_model.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct SimulatedLogConfig {
  int64_t rounds = 0;
  uint64_t seed = 0;     // the log's seed: round r from StartOfEpisode(seed, r)
  int threads = 2;
  std::string source;    // the dataset's source name, e.g. "synthetic/default"
  std::string config;    // the configuration that made it (INI text), stored with it
  std::string command;
};

// `model` must be a one-step model (session.max_steps = 1) of a world with a catalog
// (World::catalog(), as generated worlds have). Results do not depend on the thread count.
LoggedDataset LogSimulatedRounds(std::shared_ptr<const ShopperModel> model, const SlatePolicy& logging,
                                 const SimulatedLogConfig& config);

// The same in pieces, for logs too large for memory: the dataset without its rounds (the
// metadata, catalog and shoppers), then rounds [first, first + count) of the log into `out`
// (first_round = first). Pieces concatenated in order equal LogSimulatedRounds' rounds.
LoggedDataset SimulatedLogCatalog(const ShopperModel& model, const SlatePolicy& logging,
                                  const SimulatedLogConfig& config);
void LogSimulatedRange(std::shared_ptr<const ShopperModel> model, const SlatePolicy& logging,
                       const SimulatedLogConfig& config, int64_t first, int64_t count, RoundBatch& out);

}  // namespace bundlerl
