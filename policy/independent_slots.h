// Slot-independent slate distributions, the shape of per-slot logs such as the Open Bandit
// Dataset's: slot k draws its unit from its own distribution q_k over the candidates,
// independently of the other slots. Units may repeat across slots (valid for per-slot logs;
// the simulator, which needs distinct units, uses Plackett-Luce). Probabilities come either
// from per-slot scores (a softmax per slot) or from a table (the logged policy, from its
// propensities).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/slate_policy.h"

namespace bundlerl {

struct IndependentSlots {
  // q [K, C] row-major: per-slot distributions (each row sums to one).
  static std::vector<double> Softmax(const double* scores /*[K, C]*/, int64_t K, int64_t C);
  static void Sample(const double* q, int64_t K, int64_t C, SplitMix64& rng, int32_t* slate);
  static double LogProb(const double* q, int64_t K, int64_t C, const int32_t* slate, int64_t prefix);
};

// The logged policy as a SlatePolicy: a context-free table P(unit at position) over the
// catalog's units (OBD's action distributions), restricted and renormalised to the
// candidates of an observation.
class LoggedPolicy : public SlatePolicy {
 public:
  // table [num_units, K] row-major, as PositionActionTable.
  LoggedPolicy(std::vector<double> table, int64_t num_units, int64_t K, std::string name = "logged");
  std::string name() const override { return name_; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  std::vector<std::pair<std::vector<int32_t>, double>> Enumerate(const Observation& obs) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;

 private:
  std::vector<double> Q(const Observation& obs) const;  // [K, C]
  std::vector<double> table_;
  int64_t units_, K_;
  std::string name_;
};

}  // namespace bundlerl
