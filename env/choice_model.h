// Response (choice) models of the shopper: how utilities of the K shown items become clicks.
//   mnl:     multinomial logit over the slate with a no-click option (at most one click);
//   cascade: slots examined in order, click on slot k with probability sigmoid(u_k - u_0),
//            stop at the first click (Craswell et al. 2008);
//   pbm:     position-based model, independent clicks with probability e_k sigmoid(u_k - u_0)
//            where e_k is the examination probability of slot k (Richardson et al. 2007).
// An outcome is a click mask (bit k: slot k clicked).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/random.h"
#include "common/registry.h"
#include "env/config.h"

namespace bundlerl {

class ChoiceModel {
 public:
  virtual ~ChoiceModel() = default;
  virtual std::string name() const = 0;
  // Every click mask with positive probability, with that probability (sums to one).
  virtual void Outcomes(const double* u, int K, double u0,
                        std::vector<std::pair<uint32_t, double>>& out) const = 0;
  virtual uint32_t Sample(const double* u, int K, double u0, SplitMix64& rng) const = 0;
  // Marginal probability that slot k is clicked.
  virtual void ClickProbabilities(const double* u, int K, double u0, double* p) const = 0;
};

// The choice models by the name shopper.choice_model takes; each registers in its own file.
using ChoiceModelRegistry = Registry<std::unique_ptr<ChoiceModel>, const ShopperConfig&>;
std::unique_ptr<ChoiceModel> MakeChoiceModel(const ShopperConfig& config);

inline double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace bundlerl
