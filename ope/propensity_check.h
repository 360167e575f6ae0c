// Warnings about the logging propensities that no interval reflects: propensities so small
// that one row's weight can dominate any estimate, and a logging policy that never explores
// (every logged unit shown with probability 1), from whose logs no other policy's value can
// be estimated by importance weighting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ope/estimator.h"

namespace bundlerl {

class PropensityCheck {
 public:
  // Propensities below this are flagged: a weight above 10^6 swamps any realistic sample.
  static constexpr double kTiny = 1e-6;

  // Adds the logged propensities of `data` (pscore per slot, and per slate when present).
  void Add(const OpeData& data);
  void Add(const PropensityCheck& other);

  // One sentence per problem found; empty when the propensities look usable.
  std::vector<std::string> Warnings() const;

  int64_t count() const { return count_; }
  double min() const { return min_; }

 private:
  int64_t count_ = 0, tiny_ = 0, certain_ = 0;
  double min_ = 1;
};

}  // namespace bundlerl
