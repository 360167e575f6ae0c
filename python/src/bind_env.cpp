// bundlerl._core: simulator settings from INI keys, and VectorEnv, a Gymnasium-style
// vector environment over SessionBatch (env/session_batch.h).
//
// Conventions (Gymnasium's vector API, same-step auto-reset): step(slates) returns
// (obs, reward, terminated, truncated, info) with arrays over the N sessions; a session whose
// episode ended in this step (terminated: the shopper left; truncated: session.max_steps
// reached) already shows the first observation of its next episode. Session i plays
// episodes i, i + N, ..., each started from (seed, episode) as `bundlerl simulate` starts
// them, and act(policy) draws each episode's slates from the generator simulate gives that
// episode, so a policy acting through act() reproduces simulate's episodes exactly.
#include <algorithm>
#include <memory>

#include "bindings.h"
#include "common/executor.h"
#include "common/memory.h"
#include "env/episode.h"
#include "env/ground_truth.h"
#include "harness/world_file.h"
#include "env/session_batch.h"
#include "env/world.h"
#include "sim_config.h"

namespace bundlerl::python {

std::shared_ptr<SimSettings> MakeSimSettings(const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto s = std::make_shared<SimSettings>();
  s->world.Declare(s->list);
  s->shopper.Declare(s->list);
  s->session.Declare(s->list);
  s->compare.Declare(s->list);
  for (const auto& name : ExperimentRegistry::Names()) {
    s->experiments.push_back(ExperimentRegistry::Make(name, "experiment"));
    s->experiments.back()->DeclareOptions(s->list);
  }
  s->compare.train.Declare(s->list);
  std::string section;
  for (const auto& [key, value] : pairs) {
    s->list.Set(key, value);
    const auto dot = key.find('.');
    const std::string sec = key.substr(0, dot);
    if (sec != section) s->text += (s->text.empty() ? "[" : "\n[") + sec + "]\n", section = sec;
    s->text += key.substr(dot + 1) + " = " + value + "\n";
  }
  s->world.Validate();
  s->session.Validate(s->world.num_items);
  s->shopper.Validate(s->session.slate_size);
  s->compare.Validate();
  s->compare.train.Validate();
  for (const auto& e : s->experiments) e->ValidateOptions();
  return s;
}

std::shared_ptr<const ShopperModel> BuildModel(const SimSettings& s) {
  const auto world = World::Generate(s.world);
  return std::make_shared<const ShopperModel>(world, s.shopper, s.session);
}

namespace {

class VectorEnv {
 public:
  VectorEnv(std::shared_ptr<SimSettings> settings, int64_t num_envs, const std::string& observation, int threads)
      : settings_(std::move(settings)), num_envs_(num_envs), threads_(threads) {
    if (num_envs <= 0) throw py::value_error(Concat("num_envs: expected a positive number, got ", num_envs));
    ValidateThreads(threads, "threads");
    kind_ = ParseObservationKind(observation);
    py::gil_scoped_release release;
    model_ = BuildModel(*settings_);
    CheckFitsInMemory(SessionBatch::MemoryBytes(*model_, num_envs, kind_),
                      Concat("num_envs = ", num_envs, " (sessions of ", model_->session_config().num_candidates,
                             " candidates)"));
  }

  int64_t num_envs() const { return num_envs_; }
  int64_t slate_size() const { return model_->session_config().slate_size; }
  int64_t num_candidates() const { return model_->session_config().num_candidates; }
  int64_t max_steps() const { return model_->session_config().max_steps; }

  py::tuple Reset(uint64_t seed) {
    {
      py::gil_scoped_release release;
      seed_ = seed;
      batch_ = std::make_unique<SessionBatch>(model_, num_envs_, seed, threads_, kind_);
      rngs_.clear();
      for (int64_t i = 0; i < num_envs_; ++i) rngs_.emplace_back(PolicySeed(i));
      steps_.assign(num_envs_, 0);
      results_.resize(num_envs_);
    }
    py::dict info;
    info["episode"] = Episodes();
    return py::make_tuple(Observe(), info);
  }

  py::tuple Step(const py::object& slates_obj) {
    Started();
    const auto slates = SlateArray(slates_obj);
    const int64_t N = num_envs_, max_steps = this->max_steps();
    py::array_t<double> reward(N), revenue(N);
    py::array_t<bool> terminated(N), truncated(N);
    py::array_t<uint32_t> clicks(N), buys(N);
    py::array_t<int64_t> ended(N);
    {
      py::gil_scoped_release release;
      try {
        batch_->Step(slates.data(), results_.data());
      } catch (const Error& e) {
        throw py::value_error(Concat("slates: ", e.what()));
      }
      double *r = reward.mutable_data(), *rev = revenue.mutable_data();
      bool *term = terminated.mutable_data(), *trunc = truncated.mutable_data();
      uint32_t *c = clicks.mutable_data(), *b = buys.mutable_data();
      int64_t* end = ended.mutable_data();
      for (int64_t i = 0; i < N; ++i) {
        const StepResult& s = results_[i];
        r[i] = s.reward, rev[i] = s.revenue, c[i] = s.clicks, b[i] = s.buys;
        ++steps_[i];
        const bool full = steps_[i] >= max_steps;
        term[i] = s.done && !full, trunc[i] = s.done && full;
        end[i] = s.done ? batch_->episode(i) - N : -1;
        if (s.done) steps_[i] = 0, rngs_[i] = SplitMix64(PolicySeed(i));
      }
    }
    py::dict info;
    info["clicks"] = clicks;
    info["buys"] = buys;
    info["revenue"] = revenue;
    info["episode"] = Episodes();
    info["ended_episode"] = ended;
    return py::make_tuple(Observe(), reward, terminated, truncated, info);
  }

  // Slates [N, K] from `policy` on every session's observation, each session drawing from
  // its episode's policy generator (as `bundlerl simulate` does).
  py::array_t<int32_t> Act(const PolicyHandle& policy) {
    Started();
    const int64_t N = num_envs_, K = slate_size();
    py::array_t<int32_t> slates({N, K});
    int32_t* out = slates.mutable_data();
    py::gil_scoped_release release;
    ParallelFor(threads_, N, [&](int, int64_t i) { policy.policy->Act(batch_->observation(i), rngs_[i], out + i * K); });
    return slates;
  }

  // The candidate item ids [N, C] of every session's current episode.
  py::array_t<int32_t> Candidates() const {
    Started();
    const int64_t N = num_envs_, C = num_candidates();
    py::array_t<int32_t> out({N, C});
    for (int64_t i = 0; i < N; ++i) {
      const Observation& o = batch_->observation(i);
      std::copy(o.candidates, o.candidates + C, out.mutable_data() + i * C);
    }
    return out;
  }

 private:
  // `obj` as int32 [N, K]: read in place when it is C-contiguous int32, else converted from
  // any integer array with each value checked to fit (a wrapped value would pass as valid).
  py::array_t<int32_t, py::array::c_style> SlateArray(const py::object& obj) const {
    const py::array any = py::array::ensure(obj);
    if (!any || (any.dtype().kind() != 'i' && any.dtype().kind() != 'u'))
      throw py::value_error("slates: expected an integer array [num_envs, slate_size]");
    RequireNdim(any, 2, "slates", "[num_envs, slate_size]");
    RequireDim(any, 0, num_envs_, "slates", "num_envs");
    RequireDim(any, 1, slate_size(), "slates", "slate_size");
    if (any.dtype().is(py::dtype::of<int32_t>())) return py::array_t<int32_t, py::array::c_style>::ensure(any);
    const auto wide = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(any);
    py::array_t<int32_t, py::array::c_style> out({num_envs_, slate_size()});
    const int64_t cells = num_envs_ * slate_size(), K = slate_size();
    for (int64_t j = 0; j < cells; ++j) {
      const int64_t v = wide.data()[j];
      if (v < 0 || v >= num_candidates())
        throw py::value_error(Concat("slates[", j / K, ", ", j % K, "] = ", v, ": not a candidate index in [0, ",
                                     num_candidates(), ")"));
      out.mutable_data()[j] = static_cast<int32_t>(v);
    }
    return out;
  }

  void Started() const {
    if (!batch_) throw py::value_error("VectorEnv: call reset(seed=...) before step() or act()");
  }
  uint64_t PolicySeed(int64_t i) const {
    return StartOfEpisode(seed_, batch_->episode(i), model_->world().num_shoppers()).policy_seed;
  }
  py::array_t<int64_t> Episodes() const {
    py::array_t<int64_t> e(num_envs_);
    for (int64_t i = 0; i < num_envs_; ++i) e.mutable_data()[i] = batch_->episode(i);
    return e;
  }

  // The observation dict: user, step, the platform's user state (preference, category
  // histogram, price affinity) and, for the full observation, the [N, C, F] feature matrix.
  py::dict Observe() const {
    const int64_t N = num_envs_;
    const Observation& o0 = batch_->observation(0);
    const int64_t d = o0.state.preference_dim, cats = o0.state.num_categories;
    py::array_t<int32_t> user(N);
    py::array_t<int64_t> step(N), history_length(N);
    py::array_t<double> preference({N, d}), category({N, cats}), price({N, int64_t{2}});
    int32_t* u = user.mutable_data();
    int64_t *st = step.mutable_data(), *hl = history_length.mutable_data();
    double *pref = preference.mutable_data(), *cat = category.mutable_data(), *pr = price.mutable_data();
    for (int64_t i = 0; i < N; ++i) {
      const Observation& o = batch_->observation(i);
      u[i] = o.user, st[i] = o.step, hl[i] = o.history_length;
      if (d > 0) std::copy(o.state.preference, o.state.preference + d, pref + i * d);
      if (cats > 0) std::copy(o.state.category_hist, o.state.category_hist + cats, cat + i * cats);
      pr[2 * i] = o.state.price.mean, pr[2 * i + 1] = o.state.price.sd;
    }
    py::dict obs;
    obs["user"] = user;
    obs["step"] = step;
    obs["history_length"] = history_length;
    obs["preference"] = preference;
    obs["category_hist"] = category;
    obs["price"] = price;
    if (kind_ == ObservationKind::kFull) {
      const int64_t C = num_candidates(), F = o0.num_features;
      py::array_t<double> features({N, C, F});
      double* f = features.mutable_data();
      for (int64_t i = 0; i < N; ++i) std::copy(batch_->observation(i).features, batch_->observation(i).features + C * F, f + i * C * F);
      obs["features"] = features;
    }
    return obs;
  }

  std::shared_ptr<SimSettings> settings_;
  std::shared_ptr<const ShopperModel> model_;
  int64_t num_envs_;
  int threads_;
  ObservationKind kind_ = ObservationKind::kState;
  uint64_t seed_ = 0;
  std::unique_ptr<SessionBatch> batch_;
  std::vector<SplitMix64> rngs_;
  std::vector<int64_t> steps_;
  std::vector<StepResult> results_;
};

// A policy's value by simulation: in the settings' world, or in a fitted world (`world`
// names its file); the numbers of `bundlerl simulate` for the same arguments.
py::dict Simulate(const std::shared_ptr<SimSettings>& settings, const std::string& world, const PolicyHandle& policy,
                  int64_t episodes, uint64_t seed, int threads, const std::string& observation) {
  if (episodes <= 0 || episodes > 1000000000) throw py::value_error(Concat("episodes: expected 1..1e9, got ", episodes));
  ValidateThreads(threads, "threads");
  const ActFunction act = [&](const Observation& o, SplitMix64& r, int32_t* s) { policy.policy->Act(o, r, s); };
  EpisodeTotals totals;
  {
    py::gil_scoped_release release;
    if (!world.empty()) {
      const auto w = LoadFittedWorld(world);
      if (policy.info.num_features > 0 && policy.info.num_features != w->num_features())
        Fail("policy ", policy.source, " scores ", policy.info.num_features, " features, but ", world, " gives rows of ",
             w->num_features(), " (", w->feature_spec().ToString(), ")");
      if (policy.info.num_features > 0)
        CheckPolicyCatalog(Concat("policy ", policy.source), policy.info, CatalogFingerprint(w->logs()), world, nullptr);
      totals = SimulateEnvironmentEpisodes(*w, act, episodes, seed, threads);
    } else {
      const auto model = BuildModel(*settings);
      if (policy.info.num_features > 0 && model->world().catalog())
        CheckPolicyCatalog(Concat("policy ", policy.source), policy.info, CatalogFingerprint(*model->world().catalog()),
                           "the config's world", nullptr);
      totals = SimulateEpisodes(model, act, episodes, seed, threads, 0, 1, ParseObservationKind(observation));
    }
  }
  const ValueEstimate v = ValueFromEpisodes(totals);
  py::dict out;
  out["value"] = v.value;
  out["stderr"] = v.stderr_;
  out["episodes"] = v.episodes;
  out["mean_steps"] = v.mean_steps;
  out["mean_clicks"] = v.mean_clicks;
  return out;
}

}  // namespace

void BindEnv(py::module_& m) {
  py::class_<SimSettings, std::shared_ptr<SimSettings>>(m, "SimConfig")
      .def(py::init(&MakeSimSettings), py::arg("pairs"))
      .def_property_readonly("text", [](const SimSettings& s) { return s.text; })
      .def_property_readonly("slate_size", [](const SimSettings& s) { return s.session.slate_size; })
      .def_property_readonly("num_candidates", [](const SimSettings& s) { return s.session.num_candidates; })
      .def_property_readonly("max_steps", [](const SimSettings& s) { return s.session.max_steps; })
      .def_property_readonly("num_items", [](const SimSettings& s) { return s.world.num_items; })
      .def("keys", [](const SimSettings& s) {
        std::vector<std::string> keys;
        for (const auto& o : s.list.options()) keys.push_back(o.key);
        return keys;
      });
  py::class_<VectorEnv>(m, "VectorEnv")
      .def(py::init<std::shared_ptr<SimSettings>, int64_t, const std::string&, int>(), py::arg("config"),
           py::arg("num_envs"), py::arg("observation"), py::arg("threads"))
      .def("reset", &VectorEnv::Reset, py::arg("seed"))
      .def("step", &VectorEnv::Step, py::arg("slates"))
      .def("act", &VectorEnv::Act, py::arg("policy"))
      .def("candidates", &VectorEnv::Candidates)
      .def_property_readonly("num_envs", &VectorEnv::num_envs)
      .def_property_readonly("slate_size", &VectorEnv::slate_size)
      .def_property_readonly("num_candidates", &VectorEnv::num_candidates)
      .def_property_readonly("max_steps", &VectorEnv::max_steps);
  m.def("simulate", &Simulate, py::arg("config"), py::arg("world"), py::arg("policy"), py::arg("episodes"),
        py::arg("seed"), py::arg("threads"), py::arg("observation"));
}

}  // namespace bundlerl::python
