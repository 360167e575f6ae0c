// Slot-independent distributions and the logged policy: see independent_slots.h.
#include "policy/independent_slots.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace bundlerl {

std::vector<double> IndependentSlots::Softmax(const double* s, int64_t K, int64_t C) {
  std::vector<double> q(K * C);
  for (int64_t k = 0; k < K; ++k) {
    double m = -std::numeric_limits<double>::infinity(), z = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, s[k * C + c]);
    for (int64_t c = 0; c < C; ++c) z += (q[k * C + c] = std::exp(s[k * C + c] - m));
    for (int64_t c = 0; c < C; ++c) q[k * C + c] /= z;
  }
  return q;
}

void IndependentSlots::Sample(const double* q, int64_t K, int64_t C, SplitMix64& rng, int32_t* slate) {
  for (int64_t k = 0; k < K; ++k) {
    double u = rng.Uniform();
    int32_t pick = static_cast<int32_t>(C - 1);
    for (int64_t c = 0; c < C; ++c)
      if ((u -= q[k * C + c]) < 0) {
        pick = static_cast<int32_t>(c);
        break;
      }
    slate[k] = pick;
  }
}

double IndependentSlots::LogProb(const double* q, int64_t, int64_t C, const int32_t* slate, int64_t prefix) {
  double lp = 0;
  for (int64_t k = 0; k < prefix; ++k) lp += std::log(q[k * C + slate[k]]);
  return lp;
}

LoggedPolicy::LoggedPolicy(std::vector<double> table, int64_t num_units, int64_t K, std::string name)
    : table_(std::move(table)), units_(num_units), K_(K), name_(std::move(name)) {
  if (static_cast<int64_t>(table_.size()) != num_units * K)
    Fail("logged policy: table has ", table_.size(), " values, expected ", num_units, " x ", K);
}

std::vector<double> LoggedPolicy::Q(const Observation& obs) const {
  if (obs.slate_size > K_) Fail("logged policy: K = ", obs.slate_size, " but the table has ", K_, " positions");
  const int64_t C = obs.num_candidates;
  std::vector<double> q(obs.slate_size * C);
  for (int64_t k = 0; k < obs.slate_size; ++k) {
    double z = 0;
    for (int64_t c = 0; c < C; ++c) {
      const int32_t unit = obs.candidates[c];
      if (unit < 0 || unit >= units_) Fail("logged policy: candidate unit ", unit, " not in its table");
      z += (q[k * C + c] = table_[unit * K_ + k]);
    }
    if (!(z > 0)) Fail("logged policy: no probability on the candidates at position ", k);
    for (int64_t c = 0; c < C; ++c) q[k * C + c] /= z;
  }
  return q;
}

void LoggedPolicy::Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const {
  const auto q = Q(obs);
  IndependentSlots::Sample(q.data(), obs.slate_size, obs.num_candidates, rng, slate);
}

std::vector<std::pair<std::vector<int32_t>, double>> LoggedPolicy::Enumerate(const Observation& obs) const {
  const auto q = Q(obs);
  const int64_t K = obs.slate_size, C = obs.num_candidates;
  std::vector<std::pair<std::vector<int32_t>, double>> out;
  std::vector<int32_t> s(K, 0);
  while (true) {  // every K-tuple (units may repeat)
    out.push_back({s, std::exp(IndependentSlots::LogProb(q.data(), K, C, s.data(), K))});
    int64_t k = K - 1;
    while (k >= 0 && ++s[k] == C) s[k--] = 0;
    if (k < 0) break;
  }
  return out;
}

double LoggedPolicy::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  const auto q = Q(obs);
  return std::exp(IndependentSlots::LogProb(q.data(), obs.slate_size, obs.num_candidates, slate, prefix));
}

double LoggedPolicy::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  return Q(obs)[slot * obs.num_candidates + candidate];
}

}  // namespace bundlerl
