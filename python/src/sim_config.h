// The simulator settings of a Python call: the same keys, declared by the same structs, as
// `bundlerl simulate` and `bundlerl train` read from their INI files (cli/sim_options.h);
// python/bundlerl/config.py reads the INI text into (key, value) pairs.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/trainer.h"
#include "common/options.h"
#include "env/config.h"
#include "env/shopper_model.h"
#include "harness/compare.h"
#include "harness/experiment.h"
#include "policy/learned_policy.h"
#include "policy/slate_policy.h"

namespace bundlerl::python {

struct SimSettings {
  WorldConfig world;
  ShopperConfig shopper;
  SessionConfig session;
  CompareConfig compare;  // compare.train holds [train]
  std::vector<std::unique_ptr<Experiment>> experiments;  // their sections are accepted too
  OptionList list;
  std::string text;  // the settings as INI text, for the files written from Python
  SimSettings() = default;
  SimSettings(const SimSettings&) = delete;
  SimSettings& operator=(const SimSettings&) = delete;
};

// Declares every key, sets `pairs` ("section.key", value) in order, validates the world,
// session, shopper, [train], [compare] and every experiment's keys. Throws Error naming the key.
std::shared_ptr<SimSettings> MakeSimSettings(const std::vector<std::pair<std::string, std::string>>& pairs);

// The world and shopper model of the settings.
std::shared_ptr<const ShopperModel> BuildModel(const SimSettings& s);

// A loaded policy as Python holds it.
struct PolicyHandle {
  std::shared_ptr<const SlatePolicy> policy;
  std::string source;  // the strategy name or file it came from
  PolicyInfo info;     // what a policy file or a trained policy was trained for
  bool from_file = false;
};

}  // namespace bundlerl::python
