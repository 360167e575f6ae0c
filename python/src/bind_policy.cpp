// bundlerl._core: slate policies (registered strategies and policy files, policy/
// learned_policy.h) over feature matrices, and training (agents/trainer.h) in a simulated
// world or from a logged file. No LibTorch header: both APIs are torch-free.
#include <memory>

#include "bindings.h"
#include "kernels/builder.h"
#include "policy/learned_policy.h"
#include "replay/log_store.h"
#include "sim_config.h"

namespace bundlerl::python {
namespace {

// A policy loaded from Python, with what training produced when it was trained here.
struct Policy : PolicyHandle {
  PolicyInfo info;
  bool from_file = false;
  std::shared_ptr<const TrainResult> trained;  // set for policies trained from Python
  std::string config;                          // their configuration text
};

Policy Load(const std::string& spec) {
  Policy p;
  p.source = spec;
  py::gil_scoped_release release;
  if (IsPolicyFile(spec)) {
    p.policy = LoadLearnedPolicy(spec, &p.info);
    p.from_file = true;
  } else {
    p.policy = MakePolicy(spec);
  }
  return p;
}

int64_t ExpectedFeatures(const Policy& p) { return p.from_file ? p.info.num_features : static_cast<int64_t>(kNumFeatures); }

// Runs f(i, observation) over the rows of a [C, F] or [N, C, F] feature array.
template <typename Fn>
void ForEachObservation(const Policy& p, const py::array_t<double, py::array::c_style>& x, int64_t K,
                        std::vector<int32_t>& ids, Fn&& f) {
  const bool batched = x.ndim() == 3;
  if (x.ndim() != 2 && !batched)
    throw py::value_error(Concat("obs: expected the feature matrix [num_candidates, num_features] or a batch "
                                 "[N, num_candidates, num_features], got ", x.ndim(), " dimensions"));
  const int64_t N = batched ? x.shape(0) : 1, C = x.shape(batched ? 1 : 0), F = x.shape(batched ? 2 : 1);
  if (F != ExpectedFeatures(p))
    throw py::value_error(Concat("obs: ", F, " features per candidate, policy '", p.policy->name(), "' scores ",
                                 ExpectedFeatures(p)));
  if (K <= 0 || K > C) throw py::value_error(Concat("slate_size: expected 1..", C, " (the candidates), got ", K));
  ids.resize(C);
  for (int64_t c = 0; c < C; ++c) ids[c] = static_cast<int32_t>(c);
  py::gil_scoped_release release;
  for (int64_t i = 0; i < N; ++i) {
    Observation o;
    o.step = 0;
    o.slate_size = K;
    o.num_candidates = C;
    o.candidates = ids.data();
    o.features = x.data() + i * C * F;
    o.num_features = F;
    f(i, o);
  }
}

// P(candidate c in slot k): [K, C], or [N, K, C] for a batch.
py::array_t<double> Probabilities(const Policy& p, const py::object& obs, int64_t K) {
  const auto x = InputArray<double>(obs, "obs");
  const bool batched = x.ndim() == 3;
  const int64_t N = batched ? x.shape(0) : 1, C = x.ndim() >= 2 ? x.shape(batched ? 1 : 0) : 0;
  py::array_t<double> out(batched ? std::vector<py::ssize_t>{N, K, C} : std::vector<py::ssize_t>{K, C});
  double* o = out.mutable_data();
  std::vector<int32_t> ids;
  ForEachObservation(p, x, K, ids, [&](int64_t i, const Observation& ob) { p.policy->SlotMarginals(ob, o + i * K * C); });
  return out;
}

// Slates (candidate indices) [K], or [N, K] for a batch, drawn from one generator seeded by
// `seed` (rows in order).
py::array_t<int32_t> ActOn(const Policy& p, const py::object& obs, int64_t K, uint64_t seed) {
  const auto x = InputArray<double>(obs, "obs");
  const bool batched = x.ndim() == 3;
  const int64_t N = batched ? x.shape(0) : 1;
  py::array_t<int32_t> out(batched ? std::vector<py::ssize_t>{N, K} : std::vector<py::ssize_t>{K});
  int32_t* o = out.mutable_data();
  SplitMix64 rng(seed);
  std::vector<int32_t> ids;
  ForEachObservation(p, x, K, ids, [&](int64_t i, const Observation& ob) { p.policy->Act(ob, rng, o + i * K); });
  return out;
}

py::dict Info(const Policy& p) {
  py::dict d;
  d["name"] = p.policy->name();
  d["source"] = p.source;
  d["file"] = p.from_file;
  if (p.from_file) {
    d["agent"] = p.info.name;
    d["features"] = p.info.features;
    d["num_features"] = p.info.num_features;
    d["kernels"] = p.info.kernels;
    d["catalog"] = p.info.catalog;
    d["config"] = p.info.config;
    d["version"] = p.info.version;
  } else if (p.trained) {
    d["agent"] = p.trained->agent;
    d["features"] = p.trained->feature_spec;
    d["kernels"] = p.trained->kernel_spec;
    d["catalog"] = p.trained->catalog;
  }
  return d;
}

void Save(const Policy& p, const std::string& path) {
  if (!p.trained)
    throw py::value_error(Concat("policy '", p.source, "': only policies trained from Python can be saved (this one ",
                                 p.from_file ? "is a file already" : "is a registered strategy", ")"));
  py::gil_scoped_release release;
  SaveTrainedPolicy(*p.trained, path, p.config);
}

// Trains `agent` in the settings' world, or from the logged file `logs` when given; calls
// `progress(update, total, value)` (with the GIL) after each update.
py::dict Train(const std::shared_ptr<SimSettings>& settings, const std::string& agent, uint64_t seed,
               const std::string& logs, const std::string& kernel_spec, const std::string& feature_spec,
               const py::object& progress) {
  TrainConfig config = settings->compare.train;
  config.agent = agent;
  config.seed = seed;
  ProgressFunction report;
  if (!progress.is_none())
    report = [&progress](int64_t u, int64_t total, double v) {
      py::gil_scoped_acquire acquire;
      progress(u, total, v);
    };
  auto result = std::make_shared<TrainResult>();
  {
    py::gil_scoped_release release;
    if (logs.empty()) {
      *result = TrainAgent(BuildModel(*settings), config, report);
    } else {
      const FileRoundSource source(logs);
      const LoggedDataset& catalog = source.catalog();
      try {
        if (source.num_rounds() == 0) Fail("holds no logged rounds to learn from");
        if (catalog.items.n == 0) Fail("holds no item catalog (/items), which the features of its rounds are built from");
        const ItemKernels kernels =
            BuildKernels(catalog, KernelSpec::Parse(kernel_spec.empty() ? catalog.meta.kernels : kernel_spec));
        const FeatureSpec features = feature_spec.empty() ? DefaultFeatureSpec(catalog) : FeatureSpec::Parse(feature_spec);
        *result = TrainFromLogs(source, kernels, features, config, report);
      } catch (const Error& e) {
        Fail(logs, ": ", e.what());
      }
    }
  }
  Policy p;
  p.policy = result->policy;
  p.source = "trained:" + agent;
  p.trained = result;
  p.config = settings->text + Concat("\n[train]\nagent = ", agent, "\nseed = ", seed, logs.empty() ? "" : "\nlogs = " + logs, "\n");
  py::dict out;
  out["policy"] = py::cast(std::move(p));
  out["curve"] = py::array_t<double>(static_cast<py::ssize_t>(result->curve.size()), result->curve.data());
  out["updates"] = result->updates;
  out["rounds"] = result->rounds;
  out["seconds"] = result->seconds;
  return out;
}

}  // namespace

void BindPolicy(py::module_& m) {
  py::class_<PolicyHandle>(m, "PolicyHandle");
  py::class_<Policy, PolicyHandle>(m, "Policy")
      .def_static("load", &Load, py::arg("spec"))
      .def("probabilities", &Probabilities, py::arg("obs"), py::arg("slate_size"))
      .def("act", &ActOn, py::arg("obs"), py::arg("slate_size"), py::arg("seed"))
      .def("save", &Save, py::arg("path"))
      .def_property_readonly("name", [](const Policy& p) { return p.policy->name(); })
      .def_property_readonly("info", &Info);
  m.def("train", &Train, py::arg("config"), py::arg("agent"), py::arg("seed"), py::arg("logs"),
        py::arg("kernels"), py::arg("features"), py::arg("progress"));
  m.def("strategies", [] { return PolicyRegistry::Names(); });
  m.def("agents", [] { return AgentNames(); });
}

}  // namespace bundlerl::python
