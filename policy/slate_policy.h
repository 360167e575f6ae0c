// Slate policies: given an Observation, choose K distinct candidates (indices into the
// observation's candidate list, slot order). Fixed strategies live in fixed_policies.h,
// learned ones (scorer + slate distribution) in the other files of policy/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/random.h"
#include "common/registry.h"
#include "kernels/observation.h"

namespace bundlerl {

class SlatePolicy {
 public:
  virtual ~SlatePolicy() = default;
  virtual std::string name() const = 0;
  // Writes K candidate indices into `slate`. Draws only from `rng`.
  virtual void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const = 0;
  // The full distribution over slates, for exact evaluation on small problems:
  // (slate, probability) pairs summing to one. The default throws.
  virtual std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const;
  // P(the first `prefix` slots equal slate[0..prefix)); prefix = K is the whole slate's
  // probability. What OPE needs as target / logging propensities.
  virtual double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const = 0;
  // P(candidate c is shown in slot k): the per-slot marginal.
  virtual double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const = 0;
  // All marginals at once, out [K, C] row-major; the default calls SlotMarginal K x C times.
  virtual void SlotMarginals(const Observation& obs, double* out) const;
  // Whether PrefixProbability can be asked (a policy known by its per-slot marginals alone,
  // such as one written in Python without a slate probability, cannot).
  virtual bool has_slate_probabilities() const { return true; }
};

// The strategies by name (policy/fixed_policies.h).
using PolicyRegistry = Registry<std::shared_ptr<const SlatePolicy>>;

}  // namespace bundlerl
