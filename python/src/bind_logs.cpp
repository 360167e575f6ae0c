// bundlerl._core: logged datasets (HDF5, docs/FORMATS.md) as dicts of numpy arrays. The
// columns of the in-memory dataset (dataset/dataset.h) move into the arrays without a copy.
#include <string>

#include "bindings.h"
#include "logs_handle.h"
#include "replay/log_store.h"

namespace bundlerl::python {
namespace {

// Per-slot columns are [n, S]; with one slot per round (the OBD layout) they are [n].
template <typename T>
void PutSlots(py::dict& out, const char* key, std::vector<T>& v, int64_t n, int64_t S) {
  if (v.empty()) return;
  if (S == 1) out[key] = TakeVector(std::move(v), {n});
  else out[key] = TakeVector(std::move(v), {n, S});
}

template <typename T>
void PutRows(py::dict& out, const char* key, std::vector<T>& v, int64_t n) {
  if (!v.empty()) out[key] = TakeVector(std::move(v), {n});
}

py::dict Meta(const LoggedDataset& d) {
  const LogMeta& m = d.meta;
  py::dict meta;
  meta["source"] = m.source;
  meta["logging_policy"] = m.logging_policy;
  meta["unit_kind"] = m.unit_kind;
  meta["command"] = m.command;
  meta["slate_size"] = m.slate_size;
  meta["slots_per_round"] = m.slots_per_round;
  meta["n_units"] = m.n_units;
  meta["context_dim"] = m.context_dim;
  meta["num_candidates"] = m.num_candidates;
  meta["reward"] = m.reward;
  meta["config"] = m.config;
  meta["kernels"] = m.kernels;
  meta["schema_version"] = m.schema_version;
  return meta;
}

}  // namespace

// The dataset's rounds and catalog as arrays; names follow OBP's bandit_feedback where it has
// one (n_rounds, n_actions, len_list, action, position, reward, pscore, context).
py::dict LogsAsDict(LoggedDataset&& d) {
  RoundBatch& r = d.rounds;
  const int64_t n = r.n, S = d.meta.slots_per_round > 0 ? d.meta.slots_per_round : 1;
  py::dict out;
  out["meta"] = Meta(d);
  out["n_rounds"] = n;
  out["n_actions"] = d.meta.n_units;
  out["len_list"] = d.meta.slate_size;
  // The logged reward as float64 (the estimators' dtype), beside the raw float32 columns.
  if (n > 0) {
    const std::vector<float>& logged = r.Reward(d.meta.reward);
    std::vector<double> reward(logged.begin(), logged.end());
    PutSlots(out, "reward", reward, n, S);
  }
  PutSlots(out, "action", r.slate, n, S);
  PutSlots(out, "position", r.position, n, S);
  PutSlots(out, "pscore", r.pscore, n, S);
  PutSlots(out, "pscore_cascade", r.pscore_cascade, n, S);
  PutSlots(out, "pscore_item", r.pscore_item, n, S);
  PutSlots(out, "click", r.click, n, S);
  PutSlots(out, "purchase", r.purchase, n, S);
  PutSlots(out, "revenue", r.revenue, n, S);
  PutRows(out, "pscore_slate", r.pscore_slate, n);
  PutRows(out, "session_id", r.session_id, n);
  PutRows(out, "step", r.step, n);
  PutRows(out, "timestamp", r.timestamp, n);
  PutRows(out, "user_id", r.user_id, n);
  PutRows(out, "round_seed", r.round_seed, n);
  PutRows(out, "history_length", r.history_length, n);
  if (!r.context.empty()) out["context"] = TakeVector(std::move(r.context), {n, d.meta.context_dim});
  if (!r.candidates.empty()) out["candidates"] = TakeVector(std::move(r.candidates), {n, d.meta.num_candidates});
  out["context_columns"] = d.context_columns;
  ItemTable& it = d.items;
  if (it.n > 0) {
    py::dict items;
    items["n"] = it.n;
    PutRows(items, "original_id", it.original_id, it.n);
    if (!it.original_key.empty()) items["original_key"] = it.original_key;
    if (!it.category_path.empty()) items["category_path"] = it.category_path;
    PutRows(items, "category", it.category, it.n);
    PutRows(items, "price", it.price, it.n);
    PutRows(items, "popularity", it.popularity, it.n);
    if (!it.features.empty()) items["features"] = TakeVector(std::move(it.features), {it.n, it.feature_dim});
    if (!it.title.empty()) items["title"] = it.title;
    out["items"] = items;
  }
  UserTable& us = d.users;
  if (us.n > 0) {
    py::dict users;
    users["n"] = us.n;
    PutRows(users, "original_id", us.original_id, us.n);
    if (!us.original_key.empty()) users["original_key"] = us.original_key;
    if (!us.features.empty()) users["features"] = TakeVector(std::move(us.features), {us.n, us.feature_dim});
    out["users"] = users;
  }
  if (!d.context_vocab.empty()) out["context_vocab"] = d.context_vocab;
  return out;
}

namespace {

py::dict ReadLogs(const std::string& path) {
  LoggedDataset d;
  {
    py::gil_scoped_release release;
    d = ReadDataset(path);
  }
  return LogsAsDict(std::move(d));
}

}  // namespace

void BindLogs(py::module_& m) {
  m.def("read_logs", &ReadLogs, py::arg("path"));
}

}  // namespace bundlerl::python
