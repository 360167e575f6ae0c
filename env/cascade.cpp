// The cascade model: slots examined in order until a click (see choice_model.h).
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "env/choice_model.h"

namespace bundlerl {
namespace {

class Cascade : public ChoiceModel {
 public:
  std::string name() const override { return "cascade"; }
  void ClickProbabilities(const double* u, int K, double u0, double* p) const override {
    double reach = 1.0;
    for (int k = 0; k < K; ++k) {
      const double q = Sigmoid(u[k] - u0);
      p[k] = reach * q;
      reach *= 1 - q;
    }
  }
  void Outcomes(const double* u, int K, double u0,
                std::vector<std::pair<uint32_t, double>>& out) const override {
    out.clear();
    double reach = 1.0;
    for (int k = 0; k < K; ++k) {
      const double q = Sigmoid(u[k] - u0);
      out.push_back({1u << k, reach * q});
      reach *= 1 - q;
    }
    out.push_back({0u, reach});
  }
  uint32_t Sample(const double* u, int K, double u0, SplitMix64& rng) const override {
    for (int k = 0; k < K; ++k)
      if (rng.Uniform() < Sigmoid(u[k] - u0)) return 1u << k;
    return 0u;
  }
};

const bool kRegistered = ChoiceModelRegistry::Register(
    {"cascade", "slots examined in order; click on slot k with probability sigmoid(u_k - u_0); stop at a click", {},
     [](const Spec&, const ShopperConfig&) -> std::unique_ptr<ChoiceModel> { return std::make_unique<Cascade>(); }});

}  // namespace
}  // namespace bundlerl
