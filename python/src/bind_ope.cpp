// bundlerl._core: the off-policy estimators of ope/ (EstimatorRegistry) over numpy arrays.
//
// Two layouts (python/bundlerl/ope.py documents both for users):
//   bandit  Open Bandit Pipeline's: reward, action, position, pscore [n]; action_dist and
//           estimated_rewards_by_reg_model [n, n_actions, len_list]. One slot per row (K = 1):
//           the target probability of row i is action_dist[i, action[i], position[i]], the
//           model's expectation sum_a action_dist[i, a, p] q[i, a, p] at p = position[i].
//   slate   BundleRL's own: per-slot arrays [n, K] (reward, marginal propensities, cascade
//           propensities, reward-model values), per-slate arrays [n].
// Inputs are read in place when they are C-contiguous float64 / int64 (converted otherwise)
// and checked while the estimator's row arrays are gathered, with errors that name the
// argument and the index; the gathering and the estimators run without the GIL.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <memory>

#include "bindings.h"
#include "common/executor.h"
#include "ope/estimator.h"

namespace bundlerl::python {
namespace {

using Doubles = py::array_t<double, py::array::c_style>;
using Ints = py::array_t<int64_t, py::array::c_style>;

constexpr int64_t kGatherBlock = 1 << 16;
// How far the target's probabilities at a position may sum from one (the command line's
// tolerance for target tables).
constexpr double kSumTolerance = 1e-3;

// One input argument, read in place, with its name for errors.
struct Arg {
  const char* name = nullptr;
  py::array keep;  // holds the buffer alive
  const double* d = nullptr;
  const int64_t* i = nullptr;
  bool present() const { return d != nullptr || i != nullptr; }
};

Arg DoubleArg(const py::object& obj, const char* name) {
  Arg a;
  a.name = name;
  if (obj.is_none()) return a;
  Doubles arr = InputArray<double>(obj, name);
  a.d = arr.data();
  a.keep = std::move(arr);
  return a;
}

Arg IntArg(const py::object& obj, const char* name) {
  Arg a;
  a.name = name;
  if (obj.is_none()) return a;
  Ints arr = InputArray<int64_t>(obj, name);
  a.i = arr.data();
  a.keep = std::move(arr);
  return a;
}

// Shape checks: `arg` must have exactly `shape` (n rows first).
void RequireShape(const Arg& a, const std::vector<py::ssize_t>& shape, const char* layout) {
  if (!a.present()) return;
  RequireNdim(a.keep, static_cast<int>(shape.size()), a.name, layout);
  for (size_t k = 0; k < shape.size(); ++k)
    if (a.keep.shape(k) != shape[k])
      throw py::value_error(Concat(a.name, ": shape has ", a.keep.shape(k), " in dimension ", k, ", expected ",
                                   shape[k], " ", layout));
}

// "name[i]" or "name[i, k]" for errors.
std::string At(const char* name, int64_t i, int64_t k = -1, int64_t k2 = -1) {
  std::string s = Concat(name, "[", i);
  if (k >= 0) s += Concat(", ", k);
  if (k2 >= 0) s += Concat(", ", k2);
  return s + "]";
}

void CheckFinite(double x, const char* name, int64_t i, int64_t k = -1) {
  if (!std::isfinite(x)) Fail(At(name, i, k), " = ", x, ": not a finite number");
}
void CheckPropensity(double x, const char* name, int64_t i, int64_t k = -1) {
  if (!(x > 0.0 && x <= 1.0))
    Fail(At(name, i, k), " = ", x, ": not in (0, 1] (a logging propensity must be positive)");
}
void CheckProbability(double x, const char* name, int64_t i, int64_t k = -1, int64_t k2 = -1) {
  if (!(x >= 0.0 && x <= 1.0)) Fail(At(name, i, k, k2), " = ", x, ": not in [0, 1]");
}

const char* NeedsName(Needs n) {
  switch (n) {
    case Needs::kNothing: return "propensities";
    case Needs::kRewardModel: return "reward model";
    case Needs::kSlateProbabilities: return "slate propensities";
    case Needs::kCascadeProbabilities: return "cascade propensities";
    case Needs::kCascadeAndRewardModel: return "cascade propensities and reward model";
    case Needs::kShopperModel:
    case Needs::kShopperModelAndSlate: return "a shopper model fitted to the logged slates";
    case Needs::kAbstraction: return "the abstraction's probabilities under both policies";
  }
  return "";
}

// weights_known: the per-slot item weights are real (false in the slate layout without
// marginals, where they are set to one; only estimators that do not use them run then, so
// the row-weight diagnostics are always those of the estimator's own weights).
py::dict ToDict(const Estimate& e, bool weights_known) {
  py::dict d;
  d["estimator"] = e.estimator;
  d["value"] = e.value;
  d["stderr"] = e.stderr_;
  d["ci_low"] = e.ci_low;
  d["ci_high"] = e.ci_high;
  d["ci_method"] = e.ci_method;
  d["rows"] = e.rows;
  d["max_weight"] = weights_known ? py::object(py::float_(e.max_weight)) : py::object(py::none());
  d["weighted"] = e.weighted;
  d["ess"] = e.ess;
  d["max_weight_share"] = e.max_weight_share;
  d["nonzero_rows"] = e.nonzero_rows;
  return d;
}

struct Settings {
  double alpha = 0.05;
  int bootstrap = 0;
  uint64_t seed = 0;
  int threads = 1;
};

std::vector<std::unique_ptr<Estimator>> MakeAll(const std::vector<std::string>& specs) {
  if (specs.empty()) throw py::value_error("estimators: expected at least one estimator name");
  std::vector<std::unique_ptr<Estimator>> out;
  for (const auto& s : specs) out.push_back(MakeEstimator(s));
  return out;
}

py::list RunAll(const std::vector<std::unique_ptr<Estimator>>& ests, const OpeData& d, const Settings& s,
                bool weights_known) {
  EstimateOptions opt;
  opt.alpha = s.alpha;
  opt.bootstrap_samples = s.bootstrap;
  opt.seed = s.seed;
  opt.threads = s.threads;
  if (!(s.alpha > 0 && s.alpha < 1)) throw py::value_error(Concat("alpha: expected a number in (0, 1), got ", s.alpha));
  if (s.bootstrap < 0) throw py::value_error(Concat("n_bootstrap_samples: expected >= 0, got ", s.bootstrap));
  try {
    CheckBootstrapSamples(s.bootstrap, s.alpha, "n_bootstrap_samples");
  } catch (const Error& e) {
    throw py::value_error(e.what());
  }
  if (s.threads < 1) throw py::value_error(Concat("threads: expected >= 1, got ", s.threads));
  std::vector<Estimate> results;
  {
    py::gil_scoped_release release;
    for (const auto& e : ests) results.push_back(RunEstimator(*e, d, opt));
  }
  py::list out;
  for (const auto& r : results) out.append(ToDict(r, weights_known));
  return out;
}

// The arrays of the bandit layout, shapes checked.
struct BanditArgs {
  Arg reward, action, position, pscore, dist, q;
  int64_t n = 0, A = 0, L = 0;
  int64_t Position(int64_t i) const { return position.present() ? position.i[i] : 0; }
};

// Names the first bad value of rows [begin, end) (the slow path, run when a block's fast
// check fails); throws ValueError through Error.
void ExplainBandit(const BanditArgs& b, int64_t begin, int64_t end) {
  const int64_t A = b.A, L = b.L;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t a = b.action.i[i], p = b.Position(i);
    if (a < 0 || a >= A) Fail(At("action", i), " = ", a, ": not in [0, n_actions = ", A, ")");
    if (p < 0 || p >= L) Fail(At("position", i), " = ", p, ": not in [0, len_list = ", L, ")");
    CheckFinite(b.reward.d[i], "reward", i);
    CheckPropensity(b.pscore.d[i], "pscore", i);
    CheckProbability(b.dist.d[(i * A + a) * L + p], "action_dist", i, a, p);
    if (!b.q.present()) continue;
    double total = 0;
    for (int64_t c = 0; c < A; ++c) {
      const double pc = b.dist.d[(i * A + c) * L + p], qc = b.q.d[(i * A + c) * L + p];
      CheckProbability(pc, "action_dist", i, c, p);
      if (!std::isfinite(qc)) Fail(At("estimated_rewards_by_reg_model", i, c, p), " = ", qc, ": not a finite number");
      total += pc;
    }
    if (std::abs(total - 1.0) > kSumTolerance)
      Fail("action_dist[", i, ", :, ", p, "] sums to ", total, ", expected 1 (within ", kSumTolerance, ")");
  }
}

// Fills rows [begin, end) of `d` from the arrays: the target probability of the logged
// action at its position, and with a reward model its value there and its expectation under
// the target. Checks are branch-free flags; returns false if any fails (nothing is read
// out of bounds: a bad action or position stops the block).
bool GatherBlock(const BanditArgs& b, OpeData& d, int64_t begin, int64_t end) {
  const int64_t A = b.A, L = b.L;
  constexpr int64_t kAhead = 32;  // rows prefetched ahead: the target reads are scattered
  std::copy(b.reward.d + begin, b.reward.d + end, d.reward.data() + begin);
  std::copy(b.pscore.d + begin, b.pscore.d + end, d.pscore.data() + begin);
  bool ok = true;
  for (int64_t i = begin; i < end; ++i) {
    const double r = b.reward.d[i], ps = b.pscore.d[i];
    ok &= (std::abs(r) <= std::numeric_limits<double>::max()) & (ps > 0.0) & (ps <= 1.0);
  }
  const bool model = b.q.present();
  for (int64_t i = begin; i < end; ++i) {
    if (!model && i + kAhead < end) {
      const uint64_t a2 = static_cast<uint64_t>(b.action.i[i + kAhead]) % static_cast<uint64_t>(A);
      const uint64_t p2 = static_cast<uint64_t>(b.Position(i + kAhead)) % static_cast<uint64_t>(L);
      __builtin_prefetch(b.dist.d + ((i + kAhead) * A + static_cast<int64_t>(a2)) * L + static_cast<int64_t>(p2));
    }
    const int64_t a = b.action.i[i], p = b.Position(i);
    if (static_cast<uint64_t>(a) >= static_cast<uint64_t>(A) || static_cast<uint64_t>(p) >= static_cast<uint64_t>(L))
      return false;
    const double* pi = b.dist.d + i * A * L + p;
    const double t = pi[a * L];
    ok &= (t >= 0.0) & (t <= 1.0);
    d.target[i] = t;
    if (!model) continue;
    const double* qi = b.q.d + i * A * L + p;
    // Four partial sums: the loop is bound by memory, not by the latency of one sum.
    double e4[4] = {0, 0, 0, 0}, t4[4] = {0, 0, 0, 0};
    bool row_ok = true;
    int64_t c = 0;
    for (; c + 4 <= A; c += 4)
      for (int l = 0; l < 4; ++l) {
        const double pc = pi[(c + l) * L], qc = qi[(c + l) * L];
        row_ok &= (pc >= 0.0) & (pc <= 1.0) & (std::abs(qc) <= std::numeric_limits<double>::max());
        e4[l] += pc * qc, t4[l] += pc;
      }
    for (; c < A; ++c) {
      const double pc = pi[c * L], qc = qi[c * L];
      row_ok &= (pc >= 0.0) & (pc <= 1.0) & (std::abs(qc) <= std::numeric_limits<double>::max());
      e4[0] += pc * qc, t4[0] += pc;
    }
    const double e = (e4[0] + e4[1]) + (e4[2] + e4[3]), total = (t4[0] + t4[1]) + (t4[2] + t4[3]);
    ok &= row_ok & (std::abs(total - 1.0) <= kSumTolerance);
    d.q_hat[i] = qi[a * L], d.q_hat_target[i] = e;
  }
  return ok;
}

// Row buffers reused across calls (allocating and first touching them cost as much as the
// gathering itself on a million rows): at most two are kept, of the last calls' sizes.
class ScratchPool {
 public:
  std::unique_ptr<OpeData> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<OpeData>();
    auto d = std::move(free_.back());
    free_.pop_back();
    return d;
  }
  void Give(std::unique_ptr<OpeData> d) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < 2) free_.push_back(std::move(d));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<OpeData>> free_;
};

ScratchPool& Scratch() {
  static ScratchPool pool;
  return pool;
}

// The bandit layout (file comment) to OpeData with K = 1.
py::list EstimateBandit(const std::vector<std::string>& specs, const py::object& reward_obj,
                        const py::object& action_obj, const py::object& position_obj, const py::object& pscore_obj,
                        const py::object& action_dist_obj, const py::object& q_obj, const Settings& s) {
  const auto ests = MakeAll(specs);
  bool need_model = false;
  for (const auto& e : ests) {
    if (e->needs() != Needs::kNothing && e->needs() != Needs::kRewardModel)
      throw py::value_error(Concat("estimator '", e->name(), "' needs ", NeedsName(e->needs()),
                                   ": use estimate_slate_policy_value with the slate layout"));
    need_model |= e->needs() == Needs::kRewardModel;
  }
  BanditArgs b{DoubleArg(reward_obj, "reward"), IntArg(action_obj, "action"), IntArg(position_obj, "position"),
               DoubleArg(pscore_obj, "pscore"), DoubleArg(action_dist_obj, "action_dist"),
               DoubleArg(need_model ? q_obj : py::none(), "estimated_rewards_by_reg_model")};
  for (const Arg* a : {&b.reward, &b.action, &b.pscore, &b.dist})
    if (!a->present()) throw py::value_error(Concat(a->name, ": required"));
  if (need_model && !b.q.present())
    throw py::value_error("estimated_rewards_by_reg_model: required by the estimators dm, dr and their variants");
  RequireNdim(b.dist.keep, 3, "action_dist", "[n_rounds, n_actions, len_list]");
  const int64_t n = b.n = b.dist.keep.shape(0), A = b.A = b.dist.keep.shape(1), L = b.L = b.dist.keep.shape(2);
  if (n == 0) throw py::value_error("action_dist: no rounds (n_rounds = 0)");
  const char* flat = "[n_rounds] (n_rounds from action_dist)";
  RequireShape(b.reward, {n}, flat);
  RequireShape(b.action, {n}, flat);
  RequireShape(b.pscore, {n}, flat);
  RequireShape(b.position, {n}, flat);
  RequireShape(b.q, {n, A, L}, "[n_rounds, n_actions, len_list], as action_dist");
  if (!b.position.present() && L != 1)
    throw py::value_error(Concat("position: required when action_dist has len_list = ", L, " > 1"));

  std::unique_ptr<OpeData> scratch = Scratch().Take();
  OpeData& d = *scratch;
  d.n = n;
  d.K = 1;
  d.reward.resize(n);
  d.pscore.resize(n);
  d.target.resize(n);
  if (need_model) d.q_hat.resize(n), d.q_hat_target.resize(n);
  else d.q_hat.clear(), d.q_hat_target.clear();
  {
    py::gil_scoped_release release;
    // Errors of the lowest block win, so the first bad row is the one reported.
    ParallelFor(s.threads, (n + kGatherBlock - 1) / kGatherBlock, [&](int, int64_t blk) {
      const int64_t begin = blk * kGatherBlock, end = std::min(n, begin + kGatherBlock);
      if (GatherBlock(b, d, begin, end)) return;
      ExplainBandit(b, begin, end);
      Fail("bandit arrays, rows [", begin, ", ", end, "): a value check failed without a culprit");
    });
  }
  py::list out = RunAll(ests, d, s, true);
  Scratch().Give(std::move(scratch));
  return out;
}

// The slate layout (file comment). Missing per-slot marginals are set to one for the
// estimators that do not use them (the weights, and max_weight, are then meaningless).
py::list EstimateSlate(const std::vector<std::string>& specs, const py::object& reward_obj,
                       const py::object& pscore_item_obj, const py::object& target_item_obj,
                       const py::object& pscore_slate_obj, const py::object& target_slate_obj,
                       const py::object& pscore_cascade_obj, const py::object& target_cascade_obj,
                       const py::object& q_obj, const py::object& q_target_obj, const Settings& s) {
  const auto ests = MakeAll(specs);
  const Arg reward = DoubleArg(reward_obj, "reward"), ps_item = DoubleArg(pscore_item_obj, "pscore_item_position"),
            t_item = DoubleArg(target_item_obj, "evaluation_policy_pscore_item_position"),
            ps_slate = DoubleArg(pscore_slate_obj, "pscore"), t_slate = DoubleArg(target_slate_obj, "evaluation_policy_pscore"),
            ps_casc = DoubleArg(pscore_cascade_obj, "pscore_cascade"),
            t_casc = DoubleArg(target_cascade_obj, "evaluation_policy_pscore_cascade"),
            q = DoubleArg(q_obj, "q_hat"), q_target = DoubleArg(q_target_obj, "q_hat_expected");
  if (!reward.present()) throw py::value_error("reward: required");
  RequireNdim(reward.keep, 2, "reward", "[n_rounds, len_list]");
  const int64_t n = reward.keep.shape(0), K = reward.keep.shape(1);
  if (n == 0 || K == 0) throw py::value_error("reward: no rounds or no slots");
  const char* per_slot = "[n_rounds, len_list] (as reward)";
  const char* per_slate = "[n_rounds] (as reward's rows)";
  for (const Arg* a : {&ps_item, &t_item, &ps_casc, &t_casc, &q, &q_target}) RequireShape(*a, {n, K}, per_slot);
  for (const Arg* a : {&ps_slate, &t_slate}) RequireShape(*a, {n}, per_slate);
  // Which inputs the estimators need, by argument.
  bool item = false;
  for (const auto& e : ests) {
    const Needs nd = e->needs();
    auto need = [&](const Arg& a) {
      if (!a.present())
        throw py::value_error(Concat(a.name, ": required by estimator '", e->name(), "' (", NeedsName(nd), ")"));
    };
    if (nd == Needs::kShopperModel || nd == Needs::kShopperModelAndSlate || nd == Needs::kAbstraction)
      throw py::value_error(Concat("estimator '", e->name(), "' needs ", NeedsName(nd),
                                   ": run it through `bundlerl compare` or `bundlerl evaluate`"));
    if (nd == Needs::kNothing || nd == Needs::kRewardModel) item = true, need(ps_item), need(t_item);
    if (nd == Needs::kRewardModel || nd == Needs::kCascadeAndRewardModel) need(q), need(q_target);
    if (nd == Needs::kSlateProbabilities) need(ps_slate), need(t_slate);
    if (nd == Needs::kCascadeProbabilities || nd == Needs::kCascadeAndRewardModel) need(ps_casc), need(t_casc);
  }
  if ((ps_item.present() != t_item.present()))
    throw py::value_error("pscore_item_position and evaluation_policy_pscore_item_position: give both or neither");

  OpeData d;
  d.n = n;
  d.K = K;
  const int64_t nk = n * K;
  {
    py::gil_scoped_release release;
    auto copy = [&](const Arg& a, std::vector<double>& dst, int64_t per, int kind) {
      if (!a.present()) return;
      dst.assign(a.d, a.d + n * per);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < per; ++k) {
          const double x = dst[i * per + k];
          const int64_t slot = per > 1 ? k : -1;
          if (kind == 0) CheckFinite(x, a.name, i, slot);
          else if (kind == 1) CheckPropensity(x, a.name, i, slot);
          else CheckProbability(x, a.name, i, slot);
        }
    };
    copy(reward, d.reward, K, 0);
    copy(ps_item, d.pscore, K, 1);
    copy(t_item, d.target, K, 2);
    if (!ps_item.present()) d.pscore.assign(nk, 1.0), d.target.assign(nk, 1.0);
    copy(ps_slate, d.pscore_slate, 1, 1);
    copy(t_slate, d.target_slate, 1, 2);
    copy(ps_casc, d.pscore_cascade, K, 1);
    copy(t_casc, d.target_cascade, K, 2);
    copy(q, d.q_hat, K, 0);
    copy(q_target, d.q_hat_target, K, 0);
  }
  return RunAll(ests, d, s, item);
}

}  // namespace

void BindOpe(py::module_& m) {
  py::class_<Settings>(m, "EstimateSettings")
      .def(py::init([](double alpha, int bootstrap, uint64_t seed, int threads) {
             ValidateThreads(threads, "threads");
             return Settings{alpha, bootstrap, seed, threads};
           }),
           py::arg("alpha") = 0.05, py::arg("n_bootstrap_samples") = 0, py::arg("random_state") = 0,
           py::arg("threads") = 1);
  m.def("estimate_bandit", &EstimateBandit, py::arg("estimators"), py::arg("reward"), py::arg("action"),
        py::arg("position"), py::arg("pscore"), py::arg("action_dist"), py::arg("estimated_rewards_by_reg_model"),
        py::arg("settings"));
  m.def("estimate_slate", &EstimateSlate, py::arg("estimators"), py::arg("reward"), py::arg("pscore_item_position"),
        py::arg("evaluation_policy_pscore_item_position"), py::arg("pscore"), py::arg("evaluation_policy_pscore"),
        py::arg("pscore_cascade"), py::arg("evaluation_policy_pscore_cascade"), py::arg("q_hat"),
        py::arg("q_hat_expected"), py::arg("settings"));
  m.def("estimators", [] {
    py::list out;
    for (const auto& e : EstimatorRegistry::All()) {
      py::list params;
      for (const auto& p : e.params) params.append(py::make_tuple(p.name, p.default_value, p.help));
      const auto est = MakeEstimator(e.name);
      out.append(py::dict(py::arg("name") = e.name, py::arg("summary") = e.summary, py::arg("params") = params,
                          py::arg("needs") = NeedsName(est->needs())));
    }
    return out;
  });
}

}  // namespace bundlerl::python
