// The logged dataset: see dataset.h.
#include "dataset/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <numeric>

#include "common/error.h"
#include "common/fnv.h"
#include "dataset/round_source.h"

namespace bundlerl {
namespace {

template <typename T>
void CheckSize(const std::vector<T>& v, int64_t expected, const char* field, const std::string& where,
               bool optional = false) {
  if (optional && v.empty()) return;
  if (static_cast<int64_t>(v.size()) != expected)
    Fail(where, ": field '", field, "' has ", v.size(), " values, expected ", expected);
}

template <typename T>
void AppendRows(std::vector<T>& dst, const std::vector<T>& src, int64_t first, int64_t count, int64_t per) {
  if (src.empty()) return;
  dst.insert(dst.end(), src.begin() + first * per, src.begin() + (first + count) * per);
}

void ValidateRagged(const Ragged& r, int64_t value_limit, const std::string& where, const char* name) {
  if (r.offsets.empty() || r.offsets.front() != 0 ||
      r.offsets.back() != static_cast<int64_t>(r.values.size()) ||
      !std::is_sorted(r.offsets.begin(), r.offsets.end()))
    Fail(where, ": ", name, ": offsets are not a valid CSR index");
  for (size_t i = 0; i < r.values.size(); ++i)
    if (r.values[i] < 0 || r.values[i] >= value_limit)
      Fail(where, ": ", name, ", index ", i, ": id ", r.values[i], " not in [0, ", value_limit, ")");
}

}  // namespace

void RoundBatch::Clear() {
  n = 0;
  session_id.clear(), user_id.clear(), step.clear(), slate.clear(), position.clear();
  timestamp.clear(), pscore.clear(), pscore_slate.clear(), pscore_cascade.clear(), pscore_item.clear();
  context.clear(), click.clear(), purchase.clear(), revenue.clear();
  candidates.clear(), round_seed.clear(), history_length.clear();
}

void RoundBatch::Reserve(int64_t rounds, int64_t slots, int64_t context_dim, int64_t num_candidates) {
  session_id.reserve(rounds), user_id.reserve(rounds), step.reserve(rounds);
  timestamp.reserve(rounds), pscore_slate.reserve(rounds);
  context.reserve(rounds * context_dim);
  for (auto* v : {&slate, &position}) v->reserve(rounds * slots);
  pscore.reserve(rounds * slots);
  for (auto* v : {&click, &purchase, &revenue}) v->reserve(rounds * slots);
  candidates.reserve(rounds * num_candidates);
}

void RoundBatch::AppendFrom(const RoundBatch& o, int64_t first, int64_t count) {
  if (first < 0 || count < 0 || first + count > o.n)
    Fail("rounds [", first, ", ", first + count, ") outside a batch of ", o.n);
  const int64_t S = o.n ? static_cast<int64_t>(o.slate.size()) / o.n : 0;
  const int64_t D = o.n ? static_cast<int64_t>(o.context.size()) / o.n : 0;
  const int64_t C = o.n ? static_cast<int64_t>(o.candidates.size()) / o.n : 0;
  AppendRows(session_id, o.session_id, first, count, 1);
  AppendRows(step, o.step, first, count, 1);
  AppendRows(timestamp, o.timestamp, first, count, 1);
  AppendRows(user_id, o.user_id, first, count, 1);
  AppendRows(context, o.context, first, count, D);
  AppendRows(slate, o.slate, first, count, S);
  AppendRows(position, o.position, first, count, S);
  AppendRows(pscore, o.pscore, first, count, S);
  AppendRows(pscore_slate, o.pscore_slate, first, count, 1);
  AppendRows(pscore_cascade, o.pscore_cascade, first, count, S);
  AppendRows(pscore_item, o.pscore_item, first, count, S);
  AppendRows(click, o.click, first, count, S);
  AppendRows(purchase, o.purchase, first, count, S);
  AppendRows(revenue, o.revenue, first, count, S);
  AppendRows(candidates, o.candidates, first, count, C);
  AppendRows(round_seed, o.round_seed, first, count, 1);
  AppendRows(history_length, o.history_length, first, count, 1);
  n += count;
}

const std::vector<float>& RoundBatch::Reward(const std::string& kind) const {
  const std::vector<float>* v =
      kind == "click" ? &click : kind == "purchase" ? &purchase : kind == "revenue" ? &revenue : nullptr;
  if (!v) Fail("reward '", kind, "': expected click, purchase or revenue");
  if (v->empty() && n > 0)
    Fail("reward '", kind, "': the logged rounds carry no ", kind, " (dataset rounds/", kind, " is missing)");
  return *v;
}

void Ragged::PushRow(const std::vector<int32_t>& row) {
  values.insert(values.end(), row.begin(), row.end());
  offsets.push_back(static_cast<int64_t>(values.size()));
}

void ValidateRounds(const RoundBatch& b, const LogMeta& m, const std::string& where, int64_t first_round) {
  const int64_t n = b.n, S = m.slots_per_round, D = m.context_dim, C = m.num_candidates;
  CheckSize(b.session_id, n, "rounds/session_id", where);
  CheckSize(b.step, n, "rounds/step", where);
  CheckSize(b.timestamp, n, "rounds/timestamp", where);
  CheckSize(b.user_id, n, "rounds/user_id", where);
  CheckSize(b.context, n * D, "rounds/context", where);
  CheckSize(b.slate, n * S, "rounds/slate", where);
  CheckSize(b.position, n * S, "rounds/position", where);
  CheckSize(b.pscore, n * S, "rounds/pscore", where, true);
  CheckSize(b.pscore_slate, n, "rounds/pscore_slate", where, true);
  CheckSize(b.pscore_cascade, n * S, "rounds/pscore_cascade", where, true);
  CheckSize(b.pscore_item, n * S, "rounds/pscore_item", where, true);
  CheckSize(b.click, n * S, "rounds/click", where, true);
  CheckSize(b.purchase, n * S, "rounds/purchase", where, true);
  CheckSize(b.revenue, n * S, "rounds/revenue", where, true);
  CheckSize(b.round_seed, n, "rounds/round_seed", where, true);
  CheckSize(b.history_length, n, "rounds/history_length", where, true);
  if (C > 0) CheckSize(b.candidates, n * C, "rounds/candidates", where);
  else if (!b.candidates.empty()) Fail(where, ": rounds/candidates given but the metadata's num_candidates is 0");
  auto bad = [&](const char* field, int64_t i, const std::string& what) {
    Fail(where, ": dataset rounds/", field, ", round ", first_round + i, ": ", what);
  };
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(b.timestamp[i])) bad("timestamp", i, "expected a finite time");
    if (b.user_id[i] < -1) bad("user_id", i, Concat("expected >= -1, found ", b.user_id[i]));
    if (!b.history_length.empty() && b.history_length[i] < 0)
      bad("history_length", i, Concat("expected >= 0, found ", b.history_length[i]));
    for (int64_t d = 0; d < D; ++d)
      if (!std::isfinite(b.context[i * D + d])) bad("context", i, Concat("feature ", d, " is not finite"));
    if (!b.pscore_slate.empty()) {
      const double p = b.pscore_slate[i];
      if (!(p > 0.0 && p <= 1.0)) bad("pscore_slate", i, Concat("propensity ", p, " not in (0, 1]"));
    }
    const int32_t* cand = C > 0 ? &b.candidates[i * C] : nullptr;
    for (int64_t c = 0; c < C; ++c)
      if (cand[c] < 0 || cand[c] >= m.n_units)
        bad("candidates", i, Concat("candidate ", c, ": unit id ", cand[c], " not in [0, ", m.n_units, ")"));
    for (int64_t s = 0; s < S; ++s) {
      const int64_t k = i * S + s;
      const int32_t u = b.slate[k];
      if (u < 0 || u >= m.n_units) bad("slate", i, Concat("slot ", s, ": unit id ", u, " not in [0, ", m.n_units, ")"));
      for (int64_t t = 0; t < s; ++t)
        if (b.slate[i * S + t] == u)
          bad("slate", i, Concat("unit ", u, " appears in slots ", t, " and ", s, "; slate units must be distinct"));
      if (cand && std::find(cand, cand + C, u) == cand + C)
        bad("slate", i, Concat("slot ", s, ": unit ", u, " is not among the round's candidates"));
      if (b.position[k] < 0 || b.position[k] >= m.slate_size)
        bad("position", i, Concat("slot ", s, ": position ", b.position[k], " not in [0, ", m.slate_size, ")"));
      const double p = b.pscore.empty() ? 0.0 : b.pscore[k];
      if (!b.pscore.empty() && !(p > 0.0 && p <= 1.0))
        bad("pscore", i, Concat("slot ", s, ": propensity ", p, " not in (0, 1]"));
      if (!b.pscore_cascade.empty() && !(b.pscore_cascade[k] > 0.0 && b.pscore_cascade[k] <= 1.0))
        bad("pscore_cascade", i, Concat("slot ", s, ": propensity ", b.pscore_cascade[k], " not in (0, 1]"));
      if (!b.pscore_item.empty() && !(b.pscore_item[k] >= p && b.pscore_item[k] <= 1.0))
        bad("pscore_item", i, Concat("slot ", s, ": inclusion propensity ", b.pscore_item[k],
                                     " not in [pscore, 1] = [", p, ", 1]"));
      if (!b.click.empty() && !std::isfinite(b.click[k])) bad("click", i, Concat("slot ", s, ": not finite"));
      if (!b.purchase.empty() && !std::isfinite(b.purchase[k])) bad("purchase", i, Concat("slot ", s, ": not finite"));
      if (!b.revenue.empty() && !std::isfinite(b.revenue[k])) bad("revenue", i, Concat("slot ", s, ": not finite"));
    }
  }
}

void LoggedDataset::Validate(const std::string& where) const {
  const LogMeta& m = meta;
  if (m.slots_per_round < 0 || m.slate_size < 0 || m.n_units < 0 || m.context_dim < 0 || m.num_candidates < 0)
    Fail(where, ": slate_size, slots_per_round, n_units, context_dim and num_candidates must be >= 0");
  if (m.slots_per_round > m.slate_size)
    Fail(where, ": slots_per_round (", m.slots_per_round, ") exceeds slate_size (", m.slate_size, ")");
  if (m.unit_kind != "item" && m.unit_kind != "bundle")
    Fail(where, ": unit_kind must be 'item' or 'bundle', got '", m.unit_kind, "'");
  if (m.reward != "click" && m.reward != "purchase" && m.reward != "revenue")
    Fail(where, ": reward must be click, purchase or revenue, got '", m.reward, "'");
  if (m.num_candidates > 0 && m.num_candidates < m.slate_size)
    Fail(where, ": num_candidates (", m.num_candidates, ") is below slate_size (", m.slate_size, ")");
  ValidateRounds(rounds, m, where, 0);
  const std::string wi = where + " (items)";
  const int64_t n = items.n;
  CheckSize(items.original_id, n, "items/original_id", wi, true);
  CheckSize(items.original_key, n, "items/original_key", wi, true);
  CheckSize(items.category, n, "items/category", wi, true);
  CheckSize(items.price, n, "items/price", wi, true);
  CheckSize(items.title, n, "items/title", wi, true);
  CheckSize(items.tokens, n, "items/tokens", wi, true);
  CheckSize(items.category_path, n, "items/category_path", wi, true);
  CheckSize(items.popularity, n, "items/popularity", wi, true);
  CheckSize(items.features, n * items.feature_dim, "items/features", wi, true);
  for (size_t i = 0; i < items.price.size(); ++i)
    if (!std::isfinite(items.price[i]) || items.price[i] < 0)
      Fail(wi, ": dataset items/price, item ", i, ": expected a finite price >= 0");
  for (size_t i = 0; i < items.popularity.size(); ++i)
    if (!(items.popularity[i] >= 0 && items.popularity[i] <= 1))
      Fail(wi, ": dataset items/popularity, item ", i, ": expected a number in [0, 1]");
  for (size_t i = 0; i < items.features.size(); ++i)
    if (!std::isfinite(items.features[i]))
      Fail(wi, ": dataset items/features, item ", i / items.feature_dim, ": not finite");
  for (size_t i = 0; i < items.category.size(); ++i)
    if (items.category[i] < -1) Fail(wi, ": dataset items/category, item ", i, ": expected >= -1");
  if (has_bundles()) {
    ValidateRagged(bundles.items, n > 0 ? n : INT32_MAX, where, "bundles/item");
    CheckSize(bundles.original_id, bundles.items.rows(), "bundles/original_id", where, true);
    CheckSize(bundles.intent, bundles.items.rows(), "bundles/intent", where, true);
  }
  if (users.n > 0 || users.history.rows() > 0) {
    if (users.history.rows() != users.n)
      Fail(where, ": users/history has ", users.history.rows(), " rows, expected ", users.n);
    ValidateRagged(users.history, n > 0 ? n : INT32_MAX, where, "users/history");
    CheckSize(users.original_id, users.n, "users/original_id", where, true);
    CheckSize(users.original_key, users.n, "users/original_key", where, true);
    CheckSize(users.features, users.n * users.feature_dim, "users/features", where, true);
    for (size_t i = 0; i < users.features.size(); ++i)
      if (!std::isfinite(users.features[i]))
        Fail(where, ": dataset users/features, user ", i / users.feature_dim, ": not finite");
    CheckSize(users.history_time, static_cast<int64_t>(users.history.values.size()), "users/history_time", where, true);
  }
  if (!rounds.history_length.empty())
    for (int64_t i = 0; i < rounds.n; ++i) {
      const int64_t u = rounds.user_id[i];
      const int64_t known = u >= 0 && u < users.history.rows() ? users.history.size(u) : 0;
      if (rounds.history_length[i] > known)
        Fail(where, ": dataset rounds/history_length, round ", i, ": ", rounds.history_length[i],
             " items of a history of ", known, " (user ", u, ")");
    }
  if (has_sessions()) {
    const int64_t s = static_cast<int64_t>(sessions.user.size());
    CheckSize(sessions.timestamp, s, "sessions/timestamp", where);
    CheckSize(sessions.original_id, s, "sessions/original_id", where, true);
    if (sessions.items.rows() != s || sessions.bundles.rows() != s)
      Fail(where, ": sessions/item and sessions/bundle must have one row per session (", s, ")");
    ValidateRagged(sessions.items, n > 0 ? n : INT32_MAX, where, "sessions/item");
    ValidateRagged(sessions.bundles, has_bundles() ? bundles.items.rows() : INT32_MAX, where, "sessions/bundle");
  }
  if (baskets.rows() > 0) ValidateRagged(baskets, n > 0 ? n : INT32_MAX, where, "baskets/item");
  for (const auto& [name, p] : interactions) {
    const std::string wp = where + " (interactions/" + name + ")";
    CheckSize(p.unit, static_cast<int64_t>(p.user.size()), "unit", wp);
    CheckSize(p.time, static_cast<int64_t>(p.user.size()), "time", wp, true);
  }
  if (!context_columns.empty() && static_cast<int64_t>(context_columns.size()) != m.context_dim)
    Fail(where, ": context/columns has ", context_columns.size(), " names, expected context_dim = ", m.context_dim);
}

LoggedDataset LoggedDataset::Slice(int64_t first, int64_t end) const {
  if (first < 0 || end > rounds.n || first > end)
    Fail("rounds [", first, ", ", end, ") are not a range of the ", rounds.n, " logged rounds");
  LoggedDataset out = *this;
  out.rounds.Clear();
  out.rounds.AppendFrom(rounds, first, end - first);
  out.rounds.first_round = 0;
  return out;
}

std::string CatalogFingerprint(const LoggedDataset& catalog) {
  // FNV-1a over the bytes of the parts that identify a catalog.
  uint64_t h = kFnvOffset;
  auto hash = [&](const void* data, size_t n) { h = Fnv1a(data, n, h); };
  const ItemTable& items = catalog.items;
  hash(&catalog.meta.n_units, sizeof(int64_t));
  hash(items.original_id.data(), sizeof(int64_t) * items.original_id.size());
  for (const auto& k : items.original_key) hash(k.data(), k.size() + 1);
  hash(items.features.data(), sizeof(double) * items.features.size());
  hash(items.category.data(), sizeof(int32_t) * items.category.size());
  for (const auto& c : catalog.context_columns) hash(c.data(), c.size());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return Concat(catalog.meta.source, ", ", catalog.meta.n_units, " units, ", hex);
}

bool SameCatalog(const std::string& a, const std::string& b) {
  auto digest = [](const std::string& f) {
    const size_t at = f.rfind(", ");
    return at == std::string::npos ? f : f.substr(at + 2);
  };
  return digest(a) == digest(b);
}

std::pair<LoggedDataset, LoggedDataset> SplitRounds(const LoggedDataset& d, double share, bool by_time) {
  const int64_t n = d.rounds.n;
  if (!(share > 0 && share < 1)) Fail("split: expected a share in (0, 1), got ", share);
  const int64_t cut = static_cast<int64_t>(share * static_cast<double>(n));
  if (cut < 1 || cut >= n) Fail(d.meta.source, ": ", n, " rounds cannot be split at ", share, " into two non-empty parts");
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (by_time)
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return d.rounds.timestamp[a] < d.rounds.timestamp[b]; });
  auto part = [&](int64_t begin, int64_t end) {
    LoggedDataset out = d;
    out.rounds.Clear();
    for (int64_t i = begin; i < end; ++i) out.rounds.AppendFrom(d.rounds, order[i], 1);
    out.rounds.first_round = 0;
    return out;
  };
  return {part(0, cut), part(cut, n)};
}

ImportStats StatsOf(const LoggedDataset& d) {
  ImportStats s;
  s.rounds = d.rounds.n;
  s.items = d.items.n;
  s.users = d.users.n;
  s.bundles = d.bundles.items.rows();
  s.sessions = static_cast<int64_t>(d.sessions.user.size());
  for (const auto& [name, p] : d.interactions) s.interactions += static_cast<int64_t>(p.user.size());
  return s;
}

std::string LogFingerprint(const RoundSource& source) {
  const int64_t n = source.num_rounds(), edge = std::min<int64_t>(n, 4096);
  uint64_t h = kFnvOffset;
  auto hash = [&](const auto& v) { h = Fnv1a(v.data(), sizeof(v[0]) * v.size(), h); };
  RoundBatch b;
  for (const int64_t first : {int64_t{0}, n - edge}) {
    source.Read(first, edge, b);
    hash(b.slate);
    hash(b.click);
    hash(b.pscore);
    hash(b.timestamp);
    hash(b.user_id);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return Concat(CatalogFingerprint(source.catalog()), "; ", n, " rounds, ", hex);
}

}  // namespace bundlerl
