// Choice models: see choice_model.h.
#include "env/choice_model.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

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

}  // namespace

std::unique_ptr<ChoiceModel> MakeChoiceModel(const ShopperConfig& c) {
  if (c.choice_model == "mnl") return std::make_unique<MultinomialLogit>();
  if (c.choice_model == "cascade") return std::make_unique<Cascade>();
  if (c.choice_model == "pbm") return std::make_unique<PositionBased>(c);
  Fail("config key 'shopper.choice_model': expected mnl, cascade or pbm, got '", c.choice_model, "'");
}

}  // namespace bundlerl
