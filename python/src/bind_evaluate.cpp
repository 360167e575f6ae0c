// bundlerl._core: evaluate, the one evaluation call (policy/evaluation.h) from Python, and
// policies written in Python. A Python policy is an object with
//   probabilities(obs) -> [K, C]   P(candidate c in slot k), each row summing to one;
// and optionally
//   sample(obs, seed) -> [K]       a slate of distinct candidate indices (simulation, the
//                                  fitted model's value);
//   slate_probability(obs, slate, prefix) -> float   P(the slate's first `prefix` slots)
//                                  (the slate and cascade estimators);
//   deterministic = True           one slate per observation: its probabilities are 0/1 and
//                                  give the slate and its probabilities without the two above.
// obs is a dict: features [C, F], candidates [C] (item ids), history [h], user, step,
// slate_size. The policy is called from the evaluation's worker threads, under the GIL.
#include <cmath>

#include "bindings.h"
#include "dataset/round_source.h"
#include "logs_handle.h"
#include "policy/evaluation.h"
#include "common/executor.h"
#include "python_policy.h"
#include "replay/log_store.h"
#include "sim_config.h"

namespace bundlerl::python {

PythonPolicy::PythonPolicy(py::object obj) : obj_(std::move(obj)) {
  py::gil_scoped_acquire gil;
  if (!py::hasattr(obj_, "probabilities"))
    throw py::value_error("policies: a Python policy needs a method probabilities(obs) -> [slate_size, candidates]");
  name_ = py::hasattr(obj_, "name") ? std::string(py::str(obj_.attr("name")))
                                    : std::string(py::str(py::type::of(obj_).attr("__name__")));
  has_sample_ = py::hasattr(obj_, "sample");
  has_slate_probability_ = py::hasattr(obj_, "slate_probability");
  deterministic_ = py::hasattr(obj_, "deterministic") && py::bool_(obj_.attr("deterministic"));
}

PythonPolicy::~PythonPolicy() {
  py::gil_scoped_acquire gil;
  obj_ = py::object();
}

py::dict PythonPolicy::ObsDict(const Observation& obs) const {
  std::vector<double> buffer;
  const double* x = FeatureMatrix(obs, buffer);
  py::dict d;
  const int64_t C = obs.num_candidates, F = obs.num_features;
  py::array_t<double> features({C, F});
  std::copy(x, x + C * F, features.mutable_data());
  d["features"] = features;
  d["candidates"] = py::array_t<int32_t>(C, obs.candidates);
  d["history"] = py::array_t<int32_t>(obs.history_length, obs.history);
  d["user"] = obs.user;
  d["step"] = obs.step;
  d["slate_size"] = obs.slate_size;
  return d;
}

// Calls `f` under the GIL; a Python exception becomes an Error naming the policy.
template <typename Fn>
auto PythonPolicy::Call(const char* method, Fn&& f) const {
  py::gil_scoped_acquire gil;
  try {
    return f();
  } catch (py::error_already_set& e) {
    Fail("policy ", name_, ": ", method, " raised ", e.what());
  } catch (const py::cast_error& e) {
    Fail("policy ", name_, ": ", method, " returned a value of another type (", e.what(), ")");
  }
}

void PythonPolicy::SlotMarginals(const Observation& obs, double* out) const {
  const int64_t K = obs.slate_size, C = obs.num_candidates;
  Call("probabilities", [&] {
    const py::object r = obj_.attr("probabilities")(ObsDict(obs));
    const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(r);
    if (!a || a.ndim() != 2 || a.shape(0) != K || a.shape(1) != C)
      Fail("policy ", name_, ": probabilities(obs) must return an array [slate_size, candidates] = [", K, ", ", C, "]");
    std::copy(a.data(), a.data() + K * C, out);
  });
  for (int64_t k = 0; k < K; ++k) {
    double sum = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double p = out[k * C + c];
      if (!(p >= 0 && p <= 1)) Fail("policy ", name_, ": probabilities(obs)[", k, ", ", c, "] = ", p, " is not in [0, 1]");
      sum += p;
    }
    if (std::abs(sum - 1) > 1e-6) Fail("policy ", name_, ": probabilities(obs) row ", k, " sums to ", sum, ", not 1");
  }
}

double PythonPolicy::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  std::vector<double> m(obs.slate_size * obs.num_candidates);
  SlotMarginals(obs, m.data());
  return m[slot * obs.num_candidates + candidate];
}

// The one slate of a deterministic policy: each row of its probabilities one-hot.
void PythonPolicy::OnlySlate(const Observation& obs, int32_t* slate) const {
  const int64_t K = obs.slate_size, C = obs.num_candidates;
  std::vector<double> m(K * C);
  SlotMarginals(obs, m.data());
  for (int64_t k = 0; k < K; ++k) {
    const auto* row = &m[k * C];
    const int64_t best = std::max_element(row, row + C) - row;
    if (row[best] != 1.0)
      Fail("policy ", name_, " says deterministic = True, but its probabilities at slot ", k, " put ", row[best],
           " on the likeliest candidate");
    slate[k] = static_cast<int32_t>(best);
  }
}

void PythonPolicy::Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const {
  const int64_t K = obs.slate_size, C = obs.num_candidates;
  if (!has_sample_) {
    if (!deterministic_)
      Fail("policy ", name_, ": drawing a slate needs sample(obs, seed) -> [slate_size] (or deterministic = True)");
    OnlySlate(obs, slate);
  } else {
    const uint64_t seed = rng();
    Call("sample", [&] {
      const py::object r = obj_.attr("sample")(ObsDict(obs), seed);
      const auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(r);
      if (!a || a.ndim() != 1 || a.shape(0) != K)
        Fail("policy ", name_, ": sample(obs, seed) must return ", K, " candidate indices");
      for (int64_t k = 0; k < K; ++k) slate[k] = static_cast<int32_t>(a.data()[k]);
    });
  }
  for (int64_t k = 0; k < K; ++k) {
    if (slate[k] < 0 || slate[k] >= C) Fail("policy ", name_, ": slot ", k, " holds candidate ", slate[k], ", not in [0, ", C, ")");
    for (int64_t j = 0; j < k; ++j)
      if (slate[j] == slate[k]) Fail("policy ", name_, ": candidate ", slate[k], " in slots ", j, " and ", k);
  }
}

double PythonPolicy::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  if (has_slate_probability_) {
    return Call("slate_probability", [&] {
      py::array_t<int32_t> s(obs.slate_size, slate);
      const double p = obj_.attr("slate_probability")(ObsDict(obs), s, prefix).cast<double>();
      if (!(p >= 0 && p <= 1)) Fail("policy ", name_, ": slate_probability returned ", p, ", not in [0, 1]");
      return p;
    });
  }
  if (!deterministic_)
    Fail("policy ", name_, ": whole-slate probabilities need slate_probability(obs, slate, prefix) (or deterministic = True)");
  std::vector<int32_t> only(obs.slate_size);
  OnlySlate(obs, only.data());
  return std::equal(slate, slate + prefix, only.begin()) ? 1.0 : 0.0;
}

std::shared_ptr<const SlatePolicy> MakePythonPolicy(const py::object& obj) {
  return std::make_shared<PythonPolicy>(obj);
}

namespace {

// A policy of the list: a spec (strategy name, file, CSV table), a bundlerl.Policy's handle,
// or a Python object with probabilities(obs).
PolicyToEvaluate ToEvaluate(const py::handle& item, const LoggedDataset& catalog) {
  if (py::isinstance<py::str>(item)) return LoadPolicyToEvaluate(item.cast<std::string>(), catalog);
  if (py::isinstance<PolicyHandle>(item)) {
    const auto& h = item.cast<const PolicyHandle&>();
    PolicyToEvaluate p;
    p.name = h.source.empty() ? h.policy->name() : h.source;
    p.policy = h.policy;
    p.learned = h.from_file || h.info.num_features > 0;  // a file, or trained from Python
    p.info = h.info;
    return p;
  }
  PolicyToEvaluate p;
  auto python = std::make_shared<PythonPolicy>(py::reinterpret_borrow<py::object>(item));
  p.name = python->name();
  p.policy = python;
  return p;
}

py::dict RowDict(const EvaluationRow& r) {
  const Estimate& e = r.estimate;
  py::dict d;
  d["policy"] = r.policy;
  d["estimator"] = e.estimator;
  d["scope"] = r.scope;
  d["value"] = e.value;
  d["stderr"] = e.stderr_;
  d["ci_low"] = e.ci_low;
  d["ci_high"] = e.ci_high;
  d["ci_method"] = e.ci_method;
  d["max_weight"] = e.max_weight;
  d["ess"] = e.ess;
  d["max_weight_share"] = e.max_weight_share;
  d["nonzero_rows"] = e.nonzero_rows;
  d["reliable"] = r.reliability.reliable;
  d["unreliable_reason"] = r.reliability.reason;
  d["model_checked"] = r.reliability.model_checked;
  if (!std::isnan(r.truth)) {
    d["truth"] = r.truth;
    d["relative_error"] = (e.value - r.truth) / r.truth;
  }
  return d;
}

py::dict Evaluate(LogsHandle& logs, const py::list& policy_list, const EvaluationOptions& options) {
  std::unique_ptr<RoundSource> file;
  if (!logs.path.empty() && !logs.data) {
    py::gil_scoped_release release;
    file = std::make_unique<FileRoundSource>(logs.path);
  }
  std::unique_ptr<RoundSource> memory;
  if (!file) memory = std::make_unique<InMemoryRounds>(logs.Get());
  const RoundSource& source = file ? *file : *memory;
  std::vector<PolicyToEvaluate> policies;
  for (const auto& item : policy_list) policies.push_back(ToEvaluate(item, source.catalog()));
  Evaluation ev;
  {
    py::gil_scoped_release release;
    ev = EvaluatePolicies(source, policies, options);
  }
  py::list rows;
  for (const auto& r : ev.rows) rows.append(RowDict(r));
  py::dict out;
  out["rows"] = rows;
  out["judged"] = ev.judged;
  out["warnings"] = ev.warnings;
  out["rounds"] = ev.rounds;
  out["reward"] = ev.reward;
  if (ev.reward_model_fitted) {
    py::dict m;
    m["model"] = ev.reward_model;
    m["features"] = ev.reward_model_report.features;
    m["heldout_loglik"] = ev.reward_model_report.heldout_loglik;
    m["heldout_loglik_baseline"] = ev.reward_model_report.heldout_loglik_baseline;
    out["reward_model"] = m;
  }
  if (ev.shopper_model_fitted) {
    py::dict m;
    m["choice"] = ev.shopper_model.choice;
    m["rounds"] = ev.shopper_model.rounds;
    m["loglik"] = ev.shopper_model.loglik;
    m["loglik_null"] = ev.shopper_model.loglik_null;
    m["parameters"] = ev.shopper_model.parameters;
    m["estimate"] = ev.shopper_model.estimate;
    m["stderr"] = ev.shopper_model.stderr_;
    out["shopper_model"] = m;
  }
  return out;
}

}  // namespace

void BindEvaluate(py::module_& m) {
  py::class_<EvaluationOptions>(m, "EvaluationOptions")
      .def(py::init<>())
      .def_readwrite("estimators", &EvaluationOptions::estimators)
      .def_readwrite("reward", &EvaluationOptions::reward)
      .def_readwrite("kernels", &EvaluationOptions::kernels)
      .def_readwrite("features", &EvaluationOptions::features)
      .def_readwrite("reward_model", &EvaluationOptions::reward_model)
      .def_readwrite("folds", &EvaluationOptions::folds)
      .def_readwrite("model_rounds", &EvaluationOptions::shopper_model_rounds)
      .def_readwrite("per_position", &EvaluationOptions::per_position)
      .def_readwrite("truth", &EvaluationOptions::truth)
      .def_readwrite("truth_by_position", &EvaluationOptions::truth_by_position)
      .def_property("shopper_model", [](const EvaluationOptions& o) { return o.shopper_model.choice; },
                    [](EvaluationOptions& o, const std::string& v) { o.shopper_model.choice = v; })
      .def_property("model_features", [](const EvaluationOptions& o) { return o.shopper_model.features; },
                    [](EvaluationOptions& o, const std::string& v) { o.shopper_model.features = v; })
      .def_property("model_slates", [](const EvaluationOptions& o) { return o.shopper_model.target_slates; },
                    [](EvaluationOptions& o, int v) { o.shopper_model.target_slates = v; })
      .def_property("seed", [](const EvaluationOptions& o) { return o.estimate.seed; },
                    [](EvaluationOptions& o, uint64_t v) {
                      o.estimate.seed = v;
                      o.shopper_model.seed = StreamSeed(v, Stream::kTargetSlates);
                    })
      .def_property("threads", [](const EvaluationOptions& o) { return o.estimate.threads; },
                    [](EvaluationOptions& o, int v) {
                      ValidateThreads(v, "threads");
                      o.estimate.threads = o.shopper_model.threads = v;
                    })
      .def_property("bootstrap", [](const EvaluationOptions& o) { return o.estimate.bootstrap_samples; },
                    [](EvaluationOptions& o, int v) { o.estimate.bootstrap_samples = v; })
      .def_property("alpha", [](const EvaluationOptions& o) { return o.estimate.alpha; },
                    [](EvaluationOptions& o, double v) { o.estimate.alpha = v; })
      .def_property("min_ess", [](const EvaluationOptions& o) { return o.rule.min_ess; },
                    [](EvaluationOptions& o, double v) { o.rule.min_ess = v; })
      .def_property("max_weight_share", [](const EvaluationOptions& o) { return o.rule.max_weight_share; },
                    [](EvaluationOptions& o, double v) { o.rule.max_weight_share = v; });
  m.def("evaluate", &Evaluate, py::arg("logs"), py::arg("policies"), py::arg("options"));
  m.def("python_policy", [](const py::object& obj) {
    auto python = std::make_shared<PythonPolicy>(obj);
    PolicyHandle h;
    h.source = python->name();
    h.policy = python;
    return h;
  }, py::arg("policy"));
}

}  // namespace bundlerl::python
