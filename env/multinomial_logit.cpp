// The multinomial logit over the slate with a no-click option (see choice_model.h).
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "env/choice_model.h"

namespace bundlerl {
namespace {

class MultinomialLogit : public ChoiceModel {
 public:
  std::string name() const override { return "mnl"; }
  void ClickProbabilities(const double* u, int K, double u0, double* p) const override {
    double m = u0;
    for (int k = 0; k < K; ++k) m = std::max(m, u[k]);
    double z = std::exp(u0 - m);
    for (int k = 0; k < K; ++k) z += (p[k] = std::exp(u[k] - m));
    for (int k = 0; k < K; ++k) p[k] /= z;
  }
  void Outcomes(const double* u, int K, double u0,
                std::vector<std::pair<uint32_t, double>>& out) const override {
    double p[32];
    ClickProbabilities(u, K, u0, p);
    out.clear();
    double none = 1.0;
    for (int k = 0; k < K; ++k) out.push_back({1u << k, p[k]}), none -= p[k];
    out.push_back({0u, std::max(0.0, none)});
  }
  uint32_t Sample(const double* u, int K, double u0, SplitMix64& rng) const override {
    double p[32];
    ClickProbabilities(u, K, u0, p);
    double x = rng.Uniform();
    for (int k = 0; k < K; ++k)
      if ((x -= p[k]) < 0) return 1u << k;
    return 0u;
  }
};

const bool kRegistered = ChoiceModelRegistry::Register(
    {"mnl", "multinomial logit over the slate with a no-click option: at most one click", {},
     [](const Spec&, const ShopperConfig&) -> std::unique_ptr<ChoiceModel> {
       return std::make_unique<MultinomialLogit>();
     }});

}  // namespace
}  // namespace bundlerl
