// A slate policy written in Python (the protocol is in bind_evaluate.cpp's file comment):
// accepted wherever a policy is, by evaluate, simulate and VectorEnv.
#pragma once

#include <memory>
#include <string>

#include "bindings.h"
#include "policy/slate_policy.h"

namespace bundlerl::python {

class PythonPolicy : public SlatePolicy {
 public:
  explicit PythonPolicy(py::object obj);  // under the GIL
  ~PythonPolicy() override;
  std::string name() const override { return name_; }
  void Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const override;
  double PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const override;
  double SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const override;
  void SlotMarginals(const Observation& obs, double* out) const override;
  bool has_slate_probabilities() const override { return has_slate_probability_ || deterministic_; }

 private:
  py::dict ObsDict(const Observation& obs) const;
  void OnlySlate(const Observation& obs, int32_t* slate) const;
  template <typename Fn>
  auto Call(const char* method, Fn&& f) const;
  py::object obj_;
  std::string name_;
  bool has_sample_ = false, has_slate_probability_ = false, deterministic_ = false;
};

// A Python object with probabilities(obs) as a SlatePolicy (ValueError when it has none).
std::shared_ptr<const SlatePolicy> MakePythonPolicy(const py::object& obj);

}  // namespace bundlerl::python
