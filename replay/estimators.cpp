// The concrete estimators (formulas in estimators.h) and the factory by name.
#include "replay/estimators.h"

#include <algorithm>
#include <cstdlib>

#include "common/error.h"

namespace bundlerl {
namespace {

TermForm Linear(int terms = 1) {
  TermForm f;
  f.num_terms = terms;
  f.linear = {0};
  return f;
}

// K ratio pairs (2k, 2k + 1), after `offset` leading linear terms.
TermForm PerSlotRatios(int64_t K, int offset) {
  TermForm f;
  f.num_terms = offset + 2 * static_cast<int>(K);
  for (int j = 0; j < offset; ++j) f.linear.push_back(j);
  for (int k = 0; k < K; ++k) f.ratios.push_back({offset + 2 * k, offset + 2 * k + 1});
  return f;
}

}  // namespace

TermForm DirectMethod::Form(const OpeData&) const { return Linear(); }
void DirectMethod::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                         double* out) const {
  const int64_t K = d.K;
  const double* q = d.q_hat_target.data();
  for (int64_t i = b; i < e; ++i) {
    double s = 0;
    for (int64_t k = 0; k < K; ++k) s += q[i * K + k];
    *out++ = s;
  }
}

TermForm InverseProbabilityWeighting::Form(const OpeData&) const { return Linear(); }
void InverseProbabilityWeighting::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                  double* out) const {
  const int64_t K = d.K;
  const double* r = d.reward.data() + b * K;
  if (K == 1) {
    for (int64_t i = 0; i < e - b; ++i) out[i] = std::min(w[i], clip_) * r[i];
    return;
  }
  for (int64_t i = 0; i < e - b; ++i) {
    double s = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) s += std::min(w[k], clip_) * r[k];
    out[i] = s;
  }
}

TermForm SelfNormalizedIpw::Form(const OpeData& d) const { return PerSlotRatios(d.K, 0); }
void SelfNormalizedIpw::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                  double* out) const {
  const double* r = d.reward.data() + b * d.K;
  for (int64_t k = 0; k < (e - b) * d.K; ++k) {
    out[2 * k] = w[k] * r[k];
    out[2 * k + 1] = w[k];
  }
}

TermForm DoublyRobust::Form(const OpeData& d) const {
  return kind_ == Kind::kSelfNormalized ? PerSlotRatios(d.K, 1) : Linear();
}
void DoublyRobust::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                  double* out) const {
  const int64_t K = d.K;
  const double* r = d.reward.data() + b * K;
  const double* q = d.q_hat.data() + b * K;
  const double* qe = d.q_hat_target.data() + b * K;
  for (int64_t i = 0; i < e - b; ++i) {
    double dm = 0, corr = 0;
    double* slot_terms = out + 1;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double wk = w[k];
      dm += qe[k];
      switch (kind_) {
        case Kind::kDr: corr += wk * (r[k] - q[k]); break;
        case Kind::kSwitch: corr += (wk <= lambda_ ? wk : 0.0) * (r[k] - q[k]); break;
        case Kind::kShrink: corr += lambda_ * wk / (wk * wk + lambda_) * (r[k] - q[k]); break;
        case Kind::kSelfNormalized:
          *slot_terms++ = wk * (r[k] - q[k]);
          *slot_terms++ = wk;
          break;
      }
    }
    if (kind_ == Kind::kSelfNormalized) {
      out[0] = dm;
      out = slot_terms;
    } else {
      *out++ = dm + corr;
    }
  }
}

TermForm StandardSlateIps::Form(const OpeData&) const {
  TermForm f = Linear(2);
  if (sn_) f.linear.clear(), f.ratios = {{0, 1}};
  return f;
}
void StandardSlateIps::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                             double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    const double w = d.target_slate[i] / d.pscore_slate[i];
    double total = 0;
    for (int64_t k = 0; k < K; ++k) total += d.reward[i * K + k];
    *out++ = w * total;
    *out++ = w;
  }
}

TermForm RewardInteractionIps::Form(const OpeData& d) const {
  if (sn_) return PerSlotRatios(d.K, 0);
  return Linear();
}
void RewardInteractionIps::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                                 double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double s = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double w = d.target_cascade[k] / d.pscore_cascade[k];
      if (sn_) *out++ = w * d.reward[k], *out++ = w;
      else s += w * d.reward[k];
    }
    if (!sn_) *out++ = s;
  }
}

TermForm PseudoInverse::Form(const OpeData&) const { return Linear(); }
void PseudoInverse::Terms(const OpeData& d, int64_t b, int64_t e, const double* w,
                  double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double wsum = 0, total = 0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k)
      wsum += w[(i - b) * K + (k - i * K)], total += d.reward[k];
    *out++ = (wsum - static_cast<double>(K) + 1.0) * total;
  }
}

TermForm CascadeDoublyRobust::Form(const OpeData&) const { return Linear(); }
void CascadeDoublyRobust::Terms(const OpeData& d, int64_t b, int64_t e, const double*,
                                double* out) const {
  const int64_t K = d.K;
  for (int64_t i = b; i < e; ++i) {
    double s = 0, w_prev = 1.0;
    for (int64_t k = i * K; k < (i + 1) * K; ++k) {
      const double w = d.target_cascade[k] / d.pscore_cascade[k];
      s += w * (d.reward[k] - d.q_hat[k]) + w_prev * d.q_hat_target[k];
      w_prev = w;
    }
    *out++ = s;
  }
}

std::vector<std::string> EstimatorNames() {
  return {"dm",   "ipw",  "clipped-ipw", "snipw", "dr",  "sndr", "switch-dr", "dros",
          "iips", "sniips", "sips", "snsips", "rips", "snrips", "pi", "cascade-dr"};
}

std::unique_ptr<Estimator> MakeEstimator(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  double lambda = 0;
  const bool has_param = colon != std::string::npos;
  if (has_param) {
    const std::string v = spec.substr(colon + 1);
    char* end = nullptr;
    lambda = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !(lambda > 0))
      Fail("estimator '", spec, "': expected a positive number after ':', found '", v, "'");
  }
  auto param = [&](double fallback) { return has_param ? lambda : fallback; };
  // Default thresholds: importance weights above 100 are clipped / switched to the model.
  if (name == "dm") return std::make_unique<DirectMethod>();
  if (name == "ipw" || name == "iips") return std::make_unique<InverseProbabilityWeighting>(
      std::numeric_limits<double>::infinity(), name);
  if (name == "clipped-ipw")
    return std::make_unique<InverseProbabilityWeighting>(param(100.0), Concat("clipped-ipw:", param(100.0)));
  if (name == "snipw" || name == "sniips") return std::make_unique<SelfNormalizedIpw>(name);
  if (name == "dr")
    return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kDr, 0.0, "dr");
  if (name == "sndr")
    return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kSelfNormalized, 0.0, "sndr");
  if (name == "switch-dr")
    return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kSwitch, param(100.0),
                                          Concat("switch-dr:", param(100.0)));
  if (name == "dros")
    return std::make_unique<DoublyRobust>(DoublyRobust::Kind::kShrink, param(100.0),
                                          Concat("dros:", param(100.0)));
  if (name == "sips" || name == "snsips") return std::make_unique<StandardSlateIps>(name == "snsips");
  if (name == "rips" || name == "snrips") return std::make_unique<RewardInteractionIps>(name == "snrips");
  if (name == "pi") return std::make_unique<PseudoInverse>();
  if (name == "cascade-dr") return std::make_unique<CascadeDoublyRobust>();
  std::string known;
  for (const auto& n : EstimatorNames()) known += (known.empty() ? "" : ", ") + n;
  Fail("unknown estimator '", name, "'; known: ", known);
}

}  // namespace bundlerl
