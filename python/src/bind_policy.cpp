// bundlerl._core: slate policies (registered strategies and policy files, policy/
// learned_policy.h) over feature matrices, and training (agents/trainer.h) in a simulated
// world or from a logged file. No LibTorch header: both APIs are torch-free.
#include <cmath>
#include <memory>

#include "bindings.h"
#include "kernels/builder.h"
#include "agents/agent.h"
#include "env/fitted_world.h"
#include "kernels/logged_observation.h"
#include "policy/learned_policy.h"
#include "replay/log_store.h"
#include "sim_config.h"

namespace bundlerl::python {
namespace {

// A policy loaded from Python, with what training produced when it was trained here.
struct Policy : PolicyHandle {
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

// The sizes of a [C, F] or [N, C, F] feature array (N = 1 for the first).
struct ObsDims {
  int64_t N = 1, C = 0, F = 0;
  bool batched = false;
};

// Checks the feature array against the policy and the slate size, and every value for
// finiteness, before anything is allocated for the answer; ValueError names the argument.
ObsDims CheckObservations(const Policy& p, const py::array_t<double, py::array::c_style>& x, int64_t K) {
  ObsDims d;
  d.batched = x.ndim() == 3;
  if (x.ndim() != 2 && !d.batched)
    throw py::value_error(Concat("obs: expected the feature matrix [num_candidates, num_features] or a batch "
                                 "[N, num_candidates, num_features], got ", x.ndim(), " dimensions"));
  d.N = d.batched ? x.shape(0) : 1, d.C = x.shape(d.batched ? 1 : 0), d.F = x.shape(d.batched ? 2 : 1);
  if (d.F != ExpectedFeatures(p))
    throw py::value_error(Concat("obs: ", d.F, " features per candidate, policy '", p.policy->name(), "' scores ",
                                 ExpectedFeatures(p)));
  if (K <= 0 || K > d.C) throw py::value_error(Concat("slate_size: expected 1..", d.C, " (the candidates), got ", K));
  const double* v = x.data();
  const int64_t total = d.N * d.C * d.F;
  for (int64_t j = 0; j < total; ++j)
    if (!std::isfinite(v[j])) {
      const int64_t f = j % d.F, c = (j / d.F) % d.C, i = j / (d.F * d.C);
      throw py::value_error(Concat("obs[", d.batched ? Concat(i, ", ") : std::string(), c, ", ", f, "] = ", v[j],
                                   ": not a finite number"));
    }
  return d;
}

// Runs f(i, observation) over the observations of a checked feature array.
template <typename Fn>
void ForEachObservation(const py::array_t<double, py::array::c_style>& x, const ObsDims& d, int64_t K, Fn&& f) {
  std::vector<int32_t> ids(d.C);
  for (int64_t c = 0; c < d.C; ++c) ids[c] = static_cast<int32_t>(c);
  py::gil_scoped_release release;
  for (int64_t i = 0; i < d.N; ++i) {
    Observation o;
    o.step = 0;
    o.slate_size = K;
    o.num_candidates = d.C;
    o.candidates = ids.data();
    o.features = x.data() + i * d.C * d.F;
    o.num_features = d.F;
    f(i, o);
  }
}

// P(candidate c in slot k): [K, C], or [N, K, C] for a batch.
py::array_t<double> Probabilities(const Policy& p, const py::object& obs, int64_t K) {
  const auto x = InputArray<double>(obs, "obs");
  const ObsDims d = CheckObservations(p, x, K);
  py::array_t<double> out(d.batched ? std::vector<py::ssize_t>{d.N, K, d.C} : std::vector<py::ssize_t>{K, d.C});
  double* o = out.mutable_data();
  ForEachObservation(x, d, K, [&](int64_t i, const Observation& ob) { p.policy->SlotMarginals(ob, o + i * K * d.C); });
  return out;
}

// Slates (candidate indices) [K], or [N, K] for a batch, drawn from one generator seeded by
// `seed` (rows in order).
py::array_t<int32_t> ActOn(const Policy& p, const py::object& obs, int64_t K, uint64_t seed) {
  const auto x = InputArray<double>(obs, "obs");
  const ObsDims d = CheckObservations(p, x, K);
  py::array_t<int32_t> out(d.batched ? std::vector<py::ssize_t>{d.N, K} : std::vector<py::ssize_t>{K});
  int32_t* o = out.mutable_data();
  SplitMix64 rng(seed);
  ForEachObservation(x, d, K, [&](int64_t i, const Observation& ob) { p.policy->Act(ob, rng, o + i * K); });
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

// The width of `spec`'s rows over the catalog of `logs` (the simulator's kernel rows without logs).
int64_t FeatureWidth(const std::string& spec, const std::string& logs) {
  if (logs.empty() || spec == "kernel") return kNumFeatures;
  const LogReader reader(logs);
  const LoggedDataset catalog = reader.ReadCatalog();
  const ItemKernels kernels = BuildKernels(catalog, KernelSpec::Parse(catalog.meta.kernels));
  return RoundObserver(catalog, kernels, FeatureSpec::Parse(spec), catalog.meta.slate_size).num_features();
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
        const auto probe = MakeAgent(agent, AgentSetup{&config, kNumFeatures, 3, 8, "kernel"});
        const bool online = probe->learns_online(), from_logs = probe->learns_from_logs();
        if (online && !from_logs) {
          // reinforce and ppo learn in the world fitted to the log (bundlerl fit-world's defaults).
          FittedWorldOptions wo;
          wo.kernels = kernel_spec;
          wo.features = feature_spec;
          wo.seed = seed;
          const auto world = FittedWorld::Fit(ReadDataset(logs), wo);
          *result = TrainInEnvironment(*world, config, report, nullptr, world->feature_spec().ToString());
          result->kernel_spec = world->kernel_spec().ToString();
          result->catalog = CatalogFingerprint(world->logs());
        } else {
          *result = TrainFromLogs(source, kernels, features, config, report);
        }
      } catch (const Error& e) {
        Fail(logs, ": ", e.what());
      }
    }
  }
  Policy p;
  p.policy = result->policy;
  p.source = "trained:" + agent;
  p.trained = result;
  p.info.name = agent;
  p.info.features = result->feature_spec;
  p.info.num_features = FeatureWidth(result->feature_spec, logs);
  p.info.kernels = result->kernel_spec;
  p.info.catalog = result->catalog;
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
