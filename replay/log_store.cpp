// Logged-session store: see log_store.h and docs/FORMATS.md.
#include "replay/log_store.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/memory.h"

namespace bundlerl {
namespace {

constexpr int64_t kRoundChunk = 16384;

void CheckMeta(const LogMeta& m, const std::string& where) {
  LoggedDataset d;  // the metadata checks of a dataset, without the parts
  d.meta = m;
  d.Validate(where);
}

template <typename T>
void CheckSize(const std::vector<T>& v, int64_t expected, const char* field,
               const std::string& where, bool optional = false) {
  if (optional && v.empty()) return;
  if (static_cast<int64_t>(v.size()) != expected)
    Fail(where, ": field '", field, "' has ", v.size(), " values, expected ", expected);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Writer

struct LogWriter::RoundAppenders {
  h5::Appender<int64_t> session_id, user_id, history_length;
  h5::Appender<int32_t> step, slate, position, candidates;
  h5::Appender<double> timestamp, pscore, pscore_slate, pscore_cascade, pscore_item;
  h5::Appender<float> context, click, purchase, revenue;
  h5::Appender<uint64_t> round_seed;
};

LogWriter::LogWriter(std::string path, LogMeta meta) : path_(std::move(path)), meta_(meta) {
  CheckMeta(meta_, path_);
  tmp_path_ = TemporaryPathFor(path_);
  file_ = h5::File::Create(tmp_path_);
  file_.SetAttr("schema_version", kSchemaVersion);
  file_.SetAttr("source", meta_.source);
  file_.SetAttr("logging_policy", meta_.logging_policy);
  file_.SetAttr("unit_kind", meta_.unit_kind);
  file_.SetAttr("command", meta_.command);
  file_.SetAttr("slate_size", meta_.slate_size);
  file_.SetAttr("slots_per_round", meta_.slots_per_round);
  file_.SetAttr("n_units", meta_.n_units);
  file_.SetAttr("context_dim", meta_.context_dim);
  file_.SetAttr("num_candidates", meta_.num_candidates);
  file_.SetAttr("reward", meta_.reward);
  file_.SetAttr("config", meta_.config);
  file_.SetAttr("kernels", meta_.kernels);
  file_.SetAttr("created_by", std::string("bundlerl ") + BUNDLERL_VERSION);
}

LogWriter::~LogWriter() {
  if (!committed_) {
    appenders_.reset();
    file_.Close();
    std::remove(tmp_path_.c_str());
  }
}

void LogWriter::WriteItems(const ItemTable& items) {
  const int64_t n = items.n;
  const std::string w = Concat(path_, " (items)");
  CheckSize(items.original_id, n, "items/original_id", w, true);
  CheckSize(items.original_key, n, "items/original_key", w, true);
  CheckSize(items.category, n, "items/category", w, true);
  CheckSize(items.price, n, "items/price", w, true);
  CheckSize(items.title, n, "items/title", w, true);
  CheckSize(items.tokens, n, "items/tokens", w, true);
  CheckSize(items.category_path, n, "items/category_path", w, true);
  CheckSize(items.features, n * items.feature_dim, "items/features", w, true);
  CheckSize(items.popularity, n, "items/popularity", w, true);
  for (size_t i = 0; i < items.price.size(); ++i)
    if (!std::isfinite(items.price[i]) || items.price[i] < 0)
      Fail(w, ": dataset items/price, item ", i, ": expected a finite price >= 0");
  for (size_t i = 0; i < items.features.size(); ++i)
    if (!std::isfinite(items.features[i]))
      Fail(w, ": dataset items/features, item ", i / items.feature_dim, ": not finite");
  file_.CreateGroup("/items");
  file_.SetAttr("n_items", n);
  if (!items.original_id.empty()) file_.Write("/items/original_id", items.original_id, {n});
  if (!items.original_key.empty()) file_.WriteStrings("/items/original_key", items.original_key);
  if (!items.category.empty()) file_.Write("/items/category", items.category, {n});
  if (!items.price.empty()) file_.Write("/items/price", items.price, {n});
  if (!items.title.empty()) file_.WriteStrings("/items/title", items.title);
  if (!items.tokens.empty()) file_.WriteStrings("/items/tokens", items.tokens);
  if (!items.category_path.empty()) file_.WriteStrings("/items/category_path", items.category_path);
  if (!items.features.empty())
    file_.Write("/items/features", items.features, {n, items.feature_dim});
  if (!items.popularity.empty()) file_.Write("/items/popularity", items.popularity, {n});
}

void LogWriter::WriteRagged(const std::string& group, const std::string& name, const Ragged& r) {
  if (r.offsets.empty() || r.offsets.front() != 0 ||
      r.offsets.back() != static_cast<int64_t>(r.values.size()) ||
      !std::is_sorted(r.offsets.begin(), r.offsets.end()))
    Fail(path_, ": ", group, "/", name, ": offsets are not a valid CSR index");
  file_.Write(group + "/" + name + "_offsets", r.offsets, {r.rows() + 1});
  file_.Write(group + "/" + name, r.values, {static_cast<int64_t>(r.values.size())});
}

void LogWriter::WriteBundles(const BundleTable& bundles) {
  const int64_t n = bundles.items.rows();
  const std::string w = Concat(path_, " (bundles)");
  CheckSize(bundles.original_id, n, "bundles/original_id", w, true);
  CheckSize(bundles.intent, n, "bundles/intent", w, true);
  file_.CreateGroup("/bundles");
  file_.SetAttr("n_bundles", n);
  WriteRagged("/bundles", "item", bundles.items);
  if (!bundles.original_id.empty()) file_.Write("/bundles/original_id", bundles.original_id, {n});
  if (!bundles.intent.empty()) file_.WriteStrings("/bundles/intent", bundles.intent);
}

void LogWriter::WriteUsers(const UserTable& users) {
  const std::string w = Concat(path_, " (users)");
  if (users.history.rows() != users.n)
    Fail(w, ": users/history has ", users.history.rows(), " rows, expected ", users.n);
  CheckSize(users.original_id, users.n, "users/original_id", w, true);
  CheckSize(users.original_key, users.n, "users/original_key", w, true);
  CheckSize(users.features, users.n * users.feature_dim, "users/features", w, true);
  CheckSize(users.history_time, static_cast<int64_t>(users.history.values.size()),
            "users/history_time", w, true);
  file_.CreateGroup("/users");
  file_.SetAttr("n_users", users.n);
  if (!users.original_id.empty()) file_.Write("/users/original_id", users.original_id, {users.n});
  if (!users.original_key.empty()) file_.WriteStrings("/users/original_key", users.original_key);
  if (!users.features.empty()) file_.Write("/users/features", users.features, {users.n, users.feature_dim});
  WriteRagged("/users", "history", users.history);
  if (!users.history_time.empty())
    file_.Write("/users/history_time", users.history_time,
                {static_cast<int64_t>(users.history_time.size())});
}

void LogWriter::WriteSessions(const SessionTable& s) {
  const int64_t n = static_cast<int64_t>(s.user.size());
  const std::string w = Concat(path_, " (sessions)");
  CheckSize(s.timestamp, n, "sessions/timestamp", w);
  CheckSize(s.original_id, n, "sessions/original_id", w, true);
  if (s.items.rows() != n || s.bundles.rows() != n)
    Fail(w, ": sessions/item and sessions/bundle must have one row per session (", n, ")");
  file_.CreateGroup("/sessions");
  file_.Write("/sessions/user", s.user, {n});
  file_.Write("/sessions/timestamp", s.timestamp, {n});
  if (!s.original_id.empty()) file_.Write("/sessions/original_id", s.original_id, {n});
  WriteRagged("/sessions", "item", s.items);
  WriteRagged("/sessions", "bundle", s.bundles);
}

void LogWriter::WriteInteractions(const std::string& name, const Interactions& p) {
  const int64_t n = static_cast<int64_t>(p.user.size());
  const std::string w = Concat(path_, " (interactions/", name, ")");
  CheckSize(p.unit, n, "unit", w);
  CheckSize(p.time, n, "time", w, true);
  file_.CreateGroup("/interactions");
  std::vector<int32_t> pairs(2 * n);
  for (int64_t i = 0; i < n; ++i) pairs[2 * i] = p.user[i], pairs[2 * i + 1] = p.unit[i];
  file_.Write("/interactions/" + name, pairs, {n, 2});
  if (!p.time.empty()) file_.Write("/interactions/" + name + "_time", p.time, {n});
}

void LogWriter::WriteBaskets(const Ragged& baskets) {
  file_.CreateGroup("/baskets");
  WriteRagged("/baskets", "item", baskets);
}

void LogWriter::WriteContextColumns(const std::vector<std::string>& names) {
  if (static_cast<int64_t>(names.size()) != meta_.context_dim)
    Fail(path_, ": context/columns: ", names.size(), " names, expected context_dim = ",
         meta_.context_dim);
  file_.CreateGroup("/context");
  file_.WriteStrings("/context/columns", names);
}

void LogWriter::WriteContextVocabulary(const std::string& column,
                                       const std::vector<std::string>& values) {
  file_.CreateGroup("/context");
  file_.CreateGroup("/context/vocab");
  file_.WriteStrings("/context/vocab/" + column, values);
}

void LogWriter::AppendRounds(const RoundBatch& batch) {
  ValidateRounds(batch, meta_, Concat(path_, " (writing)"), rounds_);
  const int64_t S = meta_.slots_per_round, D = meta_.context_dim, C = meta_.num_candidates;
  if (!appenders_) {
    file_.CreateGroup("/rounds");
    appenders_ = std::make_unique<RoundAppenders>();
    auto& a = *appenders_;
    a.session_id = {file_, "/rounds/session_id", 0, kRoundChunk * 4};
    a.user_id = {file_, "/rounds/user_id", 0, kRoundChunk * 4};
    a.step = {file_, "/rounds/step", 0, kRoundChunk * 4};
    a.timestamp = {file_, "/rounds/timestamp", 0, kRoundChunk * 4};
    if (D > 0) a.context = {file_, "/rounds/context", D, kRoundChunk};
    a.slate = {file_, "/rounds/slate", S, kRoundChunk};
    a.position = {file_, "/rounds/position", S, kRoundChunk};
    if (!batch.pscore.empty()) a.pscore = {file_, "/rounds/pscore", S, kRoundChunk};
    if (!batch.click.empty()) a.click = {file_, "/rounds/click", S, kRoundChunk};
    if (!batch.pscore_slate.empty())
      a.pscore_slate = {file_, "/rounds/pscore_slate", 0, kRoundChunk * 4};
    if (!batch.purchase.empty()) a.purchase = {file_, "/rounds/purchase", S, kRoundChunk};
    if (!batch.revenue.empty()) a.revenue = {file_, "/rounds/revenue", S, kRoundChunk};
    if (!batch.pscore_cascade.empty()) a.pscore_cascade = {file_, "/rounds/pscore_cascade", S, kRoundChunk};
    if (!batch.pscore_item.empty()) a.pscore_item = {file_, "/rounds/pscore_item", S, kRoundChunk};
    if (C > 0) a.candidates = {file_, "/rounds/candidates", C, std::max<int64_t>(1, kRoundChunk * 4 / C)};
    if (!batch.round_seed.empty()) a.round_seed = {file_, "/rounds/round_seed", 0, kRoundChunk * 4};
    if (!batch.history_length.empty()) a.history_length = {file_, "/rounds/history_length", 0, kRoundChunk * 4};
  }
  auto& a = *appenders_;
  auto same_presence = [&](bool open, bool present, const char* field) {
    if (open != present)
      Fail(path_, ": field rounds/", field, " present in some batches and not in others");
  };
  same_presence(a.pscore_slate.open(), !batch.pscore_slate.empty(), "pscore_slate");
  same_presence(a.purchase.open(), !batch.purchase.empty(), "purchase");
  same_presence(a.revenue.open(), !batch.revenue.empty(), "revenue");
  same_presence(a.pscore_cascade.open(), !batch.pscore_cascade.empty(), "pscore_cascade");
  same_presence(a.pscore_item.open(), !batch.pscore_item.empty(), "pscore_item");
  same_presence(a.round_seed.open(), !batch.round_seed.empty(), "round_seed");
  same_presence(a.history_length.open(), !batch.history_length.empty(), "history_length");
  same_presence(a.pscore.open(), !batch.pscore.empty(), "pscore");
  same_presence(a.click.open(), !batch.click.empty(), "click");
  const int64_t n = batch.n;
  a.session_id.Append(batch.session_id.data(), n);
  a.user_id.Append(batch.user_id.data(), n);
  a.step.Append(batch.step.data(), n);
  a.timestamp.Append(batch.timestamp.data(), n);
  if (D > 0) a.context.Append(batch.context.data(), n);
  a.slate.Append(batch.slate.data(), n);
  a.position.Append(batch.position.data(), n);
  if (a.pscore.open()) a.pscore.Append(batch.pscore.data(), n);
  if (a.click.open()) a.click.Append(batch.click.data(), n);
  if (a.pscore_slate.open()) a.pscore_slate.Append(batch.pscore_slate.data(), n);
  if (a.purchase.open()) a.purchase.Append(batch.purchase.data(), n);
  if (a.revenue.open()) a.revenue.Append(batch.revenue.data(), n);
  if (a.pscore_cascade.open()) a.pscore_cascade.Append(batch.pscore_cascade.data(), n);
  if (a.pscore_item.open()) a.pscore_item.Append(batch.pscore_item.data(), n);
  if (a.candidates.open()) a.candidates.Append(batch.candidates.data(), n);
  if (a.round_seed.open()) a.round_seed.Append(batch.round_seed.data(), n);
  if (a.history_length.open()) a.history_length.Append(batch.history_length.data(), n);
  rounds_ += n;
}

void LogWriter::Commit() {
  file_.SetAttr("n_rounds", rounds_);
  appenders_.reset();
  if (H5Fflush(file_.id(), H5F_SCOPE_GLOBAL) < 0) Fail(tmp_path_, ": cannot flush (disk full?)");
  file_.Close();
  MoveIntoPlace(tmp_path_, path_);
  committed_ = true;
}

// ---------------------------------------------------------------------------------------
// Reader

LogReader::LogReader(const std::string& path) : file_(h5::File::OpenRead(path)) {
  const int64_t version = file_.GetIntAttr("schema_version");
  if (version < 1 || version > kSchemaVersion)
    Fail(path, ": schema_version ", version, " is not supported (this build reads 1 to ",
         kSchemaVersion, ")");
  meta_.schema_version = version;
  meta_.source = file_.GetStringAttr("source");
  meta_.logging_policy = file_.GetStringAttr("logging_policy");
  meta_.unit_kind = file_.GetStringAttr("unit_kind");
  meta_.command = file_.GetStringAttr("command");
  meta_.slate_size = file_.GetIntAttr("slate_size");
  meta_.slots_per_round = file_.GetIntAttr("slots_per_round");
  meta_.n_units = file_.GetIntAttr("n_units");
  meta_.context_dim = file_.GetIntAttr("context_dim");
  if (file_.HasAttr("num_candidates")) meta_.num_candidates = file_.GetIntAttr("num_candidates");
  if (file_.HasAttr("reward")) meta_.reward = file_.GetStringAttr("reward");
  if (file_.HasAttr("config")) meta_.config = file_.GetStringAttr("config");
  if (file_.HasAttr("kernels")) meta_.kernels = file_.GetStringAttr("kernels");
  CheckMeta(meta_, path);
  // Per-unit tables (target tables, counts, one-hot features) are sized by these attributes.
  const double per_unit = 16.0 * std::max<int64_t>(1, meta_.slate_size);
  CheckFitsInMemory(static_cast<double>(meta_.n_units) * per_unit, Concat(path, ": attribute n_units = ", meta_.n_units));
  CheckFitsInMemory(static_cast<double>(meta_.num_candidates) * 64.0 * std::max<int64_t>(1, meta_.context_dim),
                    Concat(path, ": attributes num_candidates = ", meta_.num_candidates, ", context_dim = ", meta_.context_dim));
  if (!file_.Exists("/rounds")) return;
  const int64_t S = meta_.slots_per_round, D = meta_.context_dim, C = meta_.num_candidates;
  num_rounds_ = file_.Shape("/rounds/slate").at(0);
  if (file_.HasAttr("n_rounds") && file_.GetIntAttr("n_rounds") != num_rounds_)
    Fail(path, ": attribute n_rounds = ", file_.GetIntAttr("n_rounds"), " but dataset /rounds/slate has ",
         num_rounds_, " rows");
  auto expect = [&](const std::string& name, std::vector<int64_t> shape) {
    const auto got = file_.Shape("/rounds/" + name);
    if (got != shape) {
      std::string g, e;
      for (auto x : got) g += Concat(g.empty() ? "" : ", ", x);
      for (auto x : shape) e += Concat(e.empty() ? "" : ", ", x);
      Fail(path, ": dataset /rounds/", name, " has shape [", g, "], expected [", e, "]");
    }
  };
  for (const char* name : {"session_id", "user_id", "step", "timestamp"})
    expect(name, {num_rounds_});
  for (const char* name : {"slate", "position"}) expect(name, {num_rounds_, S});
  has_click_ = version < 3 || file_.Exists("/rounds/click");
  if (has_click_) expect("click", {num_rounds_, S});
  // Version 3 files may lack propensities (logs whose logging policy is unknown).
  has_pscore_ = version < 3 || file_.Exists("/rounds/pscore");
  if (has_pscore_) expect("pscore", {num_rounds_, S});
  has_history_length_ = file_.Exists("/rounds/history_length");
  if (has_history_length_) expect("history_length", {num_rounds_});
  if (D > 0) expect("context", {num_rounds_, D});
  has_pscore_slate_ = file_.Exists("/rounds/pscore_slate");
  has_purchase_ = file_.Exists("/rounds/purchase");
  has_revenue_ = file_.Exists("/rounds/revenue");
  has_pscore_cascade_ = file_.Exists("/rounds/pscore_cascade");
  has_round_seed_ = file_.Exists("/rounds/round_seed");
  has_pscore_item_ = file_.Exists("/rounds/pscore_item");
  if (has_pscore_slate_) expect("pscore_slate", {num_rounds_});
  if (has_purchase_) expect("purchase", {num_rounds_, S});
  if (has_revenue_) expect("revenue", {num_rounds_, S});
  if (has_pscore_cascade_) expect("pscore_cascade", {num_rounds_, S});
  if (has_pscore_item_) expect("pscore_item", {num_rounds_, S});
  if (has_round_seed_) expect("round_seed", {num_rounds_});
  if (C > 0) expect("candidates", {num_rounds_, C});
}

void LogReader::ReadRounds(int64_t first, int64_t count, RoundBatch& b) const {
  b.first_round = first;
  b.n = count;
  file_.ReadRows("/rounds/session_id", first, count, b.session_id);
  file_.ReadRows("/rounds/user_id", first, count, b.user_id);
  file_.ReadRows("/rounds/step", first, count, b.step);
  file_.ReadRows("/rounds/timestamp", first, count, b.timestamp);
  if (meta_.context_dim > 0) file_.ReadRows("/rounds/context", first, count, b.context);
  else b.context.clear();
  file_.ReadRows("/rounds/slate", first, count, b.slate);
  file_.ReadRows("/rounds/position", first, count, b.position);
  if (has_pscore_) file_.ReadRows("/rounds/pscore", first, count, b.pscore);
  else b.pscore.clear();
  if (has_click_) file_.ReadRows("/rounds/click", first, count, b.click);
  else b.click.clear();
  if (has_pscore_slate_) file_.ReadRows("/rounds/pscore_slate", first, count, b.pscore_slate);
  else b.pscore_slate.clear();
  if (has_purchase_) file_.ReadRows("/rounds/purchase", first, count, b.purchase);
  else b.purchase.clear();
  if (has_revenue_) file_.ReadRows("/rounds/revenue", first, count, b.revenue);
  else b.revenue.clear();
  if (has_pscore_cascade_) file_.ReadRows("/rounds/pscore_cascade", first, count, b.pscore_cascade);
  else b.pscore_cascade.clear();
  if (has_pscore_item_) file_.ReadRows("/rounds/pscore_item", first, count, b.pscore_item);
  else b.pscore_item.clear();
  if (meta_.num_candidates > 0) file_.ReadRows("/rounds/candidates", first, count, b.candidates);
  else b.candidates.clear();
  if (has_round_seed_) file_.ReadRows("/rounds/round_seed", first, count, b.round_seed);
  else b.round_seed.clear();
  if (has_history_length_) file_.ReadRows("/rounds/history_length", first, count, b.history_length);
  else b.history_length.clear();
  ValidateRounds(b, meta_, file_.path(), first);
}

ItemTable LogReader::ReadItems() const {
  ItemTable t;
  t.n = file_.GetIntAttr("n_items");
  auto opt = [&](const char* name, auto& out) {
    if (file_.Exists(std::string("/items/") + name))
      out = file_.Read<typename std::decay_t<decltype(out)>::value_type>(
          std::string("/items/") + name);
  };
  opt("original_id", t.original_id);
  if (file_.Exists("/items/original_key")) t.original_key = file_.ReadStrings("/items/original_key");
  opt("category", t.category);
  opt("price", t.price);
  if (file_.Exists("/items/title")) t.title = file_.ReadStrings("/items/title");
  if (file_.Exists("/items/tokens")) t.tokens = file_.ReadStrings("/items/tokens");
  if (file_.Exists("/items/category_path"))
    t.category_path = file_.ReadStrings("/items/category_path");
  opt("popularity", t.popularity);
  if (file_.Exists("/items/features")) {
    const auto shape = file_.Shape("/items/features");
    if (shape.size() != 2 || shape[0] != t.n)
      Fail(path(), ": dataset /items/features: expected shape [n_items = ", t.n, ", features]");
    t.feature_dim = shape[1];
    t.features = file_.Read<double>("/items/features");
  }
  return t;
}

Ragged LogReader::ReadRagged(const std::string& group, const std::string& name) const {
  Ragged r;
  r.offsets = file_.Read<int64_t>(group + "/" + name + "_offsets");
  r.values = file_.Read<int32_t>(group + "/" + name);
  if (r.offsets.empty() || r.offsets.front() != 0 ||
      r.offsets.back() != static_cast<int64_t>(r.values.size()) ||
      !std::is_sorted(r.offsets.begin(), r.offsets.end()))
    Fail(path(), ": dataset ", group, "/", name, "_offsets is not a valid CSR index");
  return r;
}

BundleTable LogReader::ReadBundles() const {
  BundleTable t;
  t.items = ReadRagged("/bundles", "item");
  if (file_.Exists("/bundles/original_id")) t.original_id = file_.Read<int64_t>("/bundles/original_id");
  if (file_.Exists("/bundles/intent")) t.intent = file_.ReadStrings("/bundles/intent");
  return t;
}

UserTable LogReader::ReadUsers() const {
  UserTable t;
  t.n = file_.GetIntAttr("n_users");
  if (file_.Exists("/users/original_id")) t.original_id = file_.Read<int64_t>("/users/original_id");
  if (file_.Exists("/users/original_key")) t.original_key = file_.ReadStrings("/users/original_key");
  if (file_.Exists("/users/features")) {
    const auto shape = file_.Shape("/users/features");
    if (shape.size() != 2 || shape[0] != t.n)
      Fail(path(), ": dataset /users/features: expected shape [n_users = ", t.n, ", features]");
    t.feature_dim = shape[1];
    t.features = file_.Read<double>("/users/features");
  }
  t.history = ReadRagged("/users", "history");
  if (file_.Exists("/users/history_time")) t.history_time = file_.Read<int64_t>("/users/history_time");
  return t;
}

SessionTable LogReader::ReadSessions() const {
  SessionTable s;
  s.user = file_.Read<int64_t>("/sessions/user");
  s.timestamp = file_.Read<int64_t>("/sessions/timestamp");
  if (file_.Exists("/sessions/original_id")) s.original_id = file_.Read<int64_t>("/sessions/original_id");
  s.items = ReadRagged("/sessions", "item");
  s.bundles = ReadRagged("/sessions", "bundle");
  return s;
}

Interactions LogReader::ReadInteractions(const std::string& name) const {
  const std::string ds = "/interactions/" + name;
  const auto shape = file_.Shape(ds);
  if (shape.size() != 2 || shape[1] != 2)
    Fail(path(), ": dataset ", ds, ": expected shape [n, 2] (user, unit)");
  const auto pairs = file_.Read<int32_t>(ds);
  Interactions p;
  p.user.resize(shape[0]);
  p.unit.resize(shape[0]);
  for (int64_t i = 0; i < shape[0]; ++i) p.user[i] = pairs[2 * i], p.unit[i] = pairs[2 * i + 1];
  if (file_.Exists(ds + "_time")) p.time = file_.Read<int64_t>(ds + "_time");
  return p;
}

RoundStream::RoundStream(const LogReader& reader, int64_t batch_rounds, int64_t first, int64_t end)
    : reader_(reader), batch_rounds_(batch_rounds), next_(first),
      end_(end < 0 ? reader.num_rounds() : std::min(end, reader.num_rounds())) {}

bool RoundStream::Next(RoundBatch& batch) {
  if (next_ >= end_) return false;
  const int64_t count = std::min(batch_rounds_, end_ - next_);
  reader_.ReadRounds(next_, count, batch);
  next_ += count;
  return true;
}

LoggedDataset LogReader::ReadCatalog() const {
  LoggedDataset d;
  d.meta = meta_;
  d.meta.schema_version = file_.GetIntAttr("schema_version");
  if (file_.HasAttr("n_items")) d.items = ReadItems();
  if (file_.Exists("/bundles")) d.bundles = ReadBundles();
  if (file_.Exists("/users")) d.users = ReadUsers();
  if (file_.Exists("/sessions")) d.sessions = ReadSessions();
  if (file_.Exists("/baskets")) d.baskets = ReadRagged("/baskets", "item");
  if (file_.Exists("/interactions"))
    for (const auto& name : file_.List("/interactions")) {
      // "<name>_time" holds the times of <name>'s pairs.
      const bool times = name.size() > 5 && name.compare(name.size() - 5, 5, "_time") == 0 &&
                         file_.Exists("/interactions/" + name.substr(0, name.size() - 5));
      if (!times) d.interactions[name] = ReadInteractions(name);
    }
  if (file_.Exists("/context/columns")) d.context_columns = file_.ReadStrings("/context/columns");
  if (file_.Exists("/context/vocab"))
    for (const auto& name : file_.List("/context/vocab"))
      d.context_vocab[name] = file_.ReadStrings("/context/vocab/" + name);
  return d;
}

void LogWriter::WriteCatalog(const LoggedDataset& d) {
  if (d.items.n > 0) WriteItems(d.items);
  if (d.has_bundles()) WriteBundles(d.bundles);
  if (d.users.n > 0) WriteUsers(d.users);
  if (d.has_sessions()) WriteSessions(d.sessions);
  if (d.baskets.rows() > 0) WriteBaskets(d.baskets);
  for (const auto& [name, pairs] : d.interactions) WriteInteractions(name, pairs);
  if (!d.context_columns.empty()) WriteContextColumns(d.context_columns);
  for (const auto& [column, values] : d.context_vocab) WriteContextVocabulary(column, values);
}

void WriteDataset(const LoggedDataset& d, const std::string& path, const std::string& command) {
  d.Validate(path);
  LogMeta meta = d.meta;
  if (meta.command.empty()) meta.command = command;
  LogWriter w(path, meta);
  w.WriteCatalog(d);
  if (d.rounds.n > 0) {
    // In chunks, so that the writer's validation names each round by its index.
    constexpr int64_t kChunk = 1 << 16;
    RoundBatch chunk;
    for (int64_t first = 0; first < d.rounds.n; first += kChunk) {
      chunk.Clear();
      chunk.AppendFrom(d.rounds, first, std::min(kChunk, d.rounds.n - first));
      chunk.first_round = first;
      w.AppendRounds(chunk);
    }
  }
  w.Commit();
}

LoggedDataset ReadDataset(const LogReader& reader, int64_t first, int64_t end) {
  if (end < 0 || end > reader.num_rounds()) end = reader.num_rounds();
  if (first < 0 || first > end)
    Fail(reader.path(), ": rounds [", first, ", ", end, ") are not a range of its ", reader.num_rounds(), " rounds");
  LoggedDataset d = reader.ReadCatalog();
  if (end > first) reader.ReadRounds(first, end - first, d.rounds);
  d.rounds.first_round = 0;
  d.Validate(reader.path());
  return d;
}

LoggedDataset ReadDataset(const std::string& path) { return ReadDataset(LogReader(path), 0, -1); }

}  // namespace bundlerl
