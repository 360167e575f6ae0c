// The position-based model: independent clicks, examination per slot (see choice_model.h).
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "env/choice_model.h"

namespace bundlerl {
namespace {

class PositionBased : public ChoiceModel {
 public:
  explicit PositionBased(const ShopperConfig& c) : config_(c) {}
  std::string name() const override { return "pbm"; }
  void ClickProbabilities(const double* u, int K, double u0, double* p) const override {
    for (int k = 0; k < K; ++k) p[k] = config_.Examination(k) * Sigmoid(u[k] - u0);
  }
  void Outcomes(const double* u, int K, double u0,
                std::vector<std::pair<uint32_t, double>>& out) const override {
    if (K > 16) Fail("pbm: enumerating outcomes of more than 16 slots");
    double p[32];
    ClickProbabilities(u, K, u0, p);
    out.clear();
    for (uint32_t mask = 0; mask < (1u << K); ++mask) {
      double q = 1.0;
      for (int k = 0; k < K; ++k) q *= (mask >> k & 1) ? p[k] : 1 - p[k];
      if (q > 0) out.push_back({mask, q});
    }
  }
  uint32_t Sample(const double* u, int K, double u0, SplitMix64& rng) const override {
    uint32_t mask = 0;
    for (int k = 0; k < K; ++k)
      if (rng.Uniform() < config_.Examination(k) * Sigmoid(u[k] - u0)) mask |= 1u << k;
    return mask;
  }

 private:
  ShopperConfig config_;
};

const bool kRegistered = ChoiceModelRegistry::Register(
    {"pbm", "position-based: independent clicks with probability e_k sigmoid(u_k - u_0) (shopper.examination)", {},
     [](const Spec&, const ShopperConfig& c) -> std::unique_ptr<ChoiceModel> {
       return std::make_unique<PositionBased>(c);
     }});

}  // namespace
}  // namespace bundlerl
