// OracleSlate: see oracle.h.
#include "agents/oracle.h"

#include <algorithm>

#include "common/error.h"

namespace bundlerl {

double OracleSlate::ExpectedReward(const Observation& obs, const int32_t* slate) const {
  const int K = static_cast<int>(obs.slate_size);
  std::vector<int32_t> items(K);
  std::vector<double> u(K), p(K);
  for (int k = 0; k < K; ++k) items[k] = obs.candidates[slate[k]];
  model_->Utilities(obs.user, model_->world().shopper(obs.user).theta, obs.history, obs.history_length,
                    items.data(), K, u.data());
  model_->choice().ClickProbabilities(u.data(), K, model_->shopper_config().no_click_utility, p.data());
  double r = 0;
  for (int k = 0; k < K; ++k) r += p[k] * model_->ClickValue(obs.user, items[k]);
  return r;
}

std::vector<int32_t> OracleSlate::Best(const Observation& obs) const {
  const double slates = std::pow(static_cast<double>(obs.num_candidates), static_cast<double>(obs.slate_size));
  if (slates > 2e6) Fail("oracle: ", obs.num_candidates, " candidates and K = ", obs.slate_size, " are too many slates to enumerate");
  std::vector<int32_t> best;
  double top = -1;
  for (const auto& s : AllSlates(obs.num_candidates, obs.slate_size)) {
    const double v = ExpectedReward(obs, s.data());
    if (v > top + 1e-15) top = v, best = s;
  }
  return best;
}

void OracleSlate::Act(const Observation& obs, SplitMix64&, int32_t* slate) const {
  const auto best = Best(obs);
  std::copy(best.begin(), best.end(), slate);
}

std::vector<std::pair<std::vector<int32_t>, double>> OracleSlate::Enumerate(const Observation& obs) const {
  return {{Best(obs), 1.0}};
}

double OracleSlate::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  const auto best = Best(obs);
  return std::equal(slate, slate + prefix, best.begin()) ? 1.0 : 0.0;
}

double OracleSlate::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  return Best(obs)[slot] == candidate ? 1.0 : 0.0;
}

}  // namespace bundlerl
