// SlateLogBuilder: rows of a slate log grouped into rounds (see slate_log.h).
#include "dataset/slate_log.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.h"
#include "common/memory.h"

namespace bundlerl {
namespace {

bool SameValue(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string Quoted(std::string_view s) { return Concat("'", Excerpt(std::string(s)), "'"); }

}  // namespace

SlateLogBuilder::SlateLogBuilder(SlateSchema schema, SlateLogOptions options)
    : schema_(std::move(schema)), options_(std::move(options)) {
  if (schema_.categorical.size() != schema_.context.size()) schema_.categorical.resize(schema_.context.size(), false);
  context_vocab_.resize(schema_.context.size());
  if (!schema_.click && !schema_.purchase && !schema_.revenue)
    Fail("the log has no reward column: click, purchase or revenue (one is needed to evaluate or learn)");
  if (!options_.reward.empty()) {
    const std::string& r = options_.reward;
    if (r != "click" && r != "purchase" && r != "revenue")
      Fail("reward: expected click, purchase or revenue, got '", r, "'");
    if ((r == "click" && !schema_.click) || (r == "purchase" && !schema_.purchase) || (r == "revenue" && !schema_.revenue))
      Fail("reward: '", r, "' was asked for, but the log has no ", r, " column");
  }
  if (options_.slate_size < 0 || options_.slate_size > 64)
    Fail("slate size: expected a number in [1, 64] (0: from the positions), got ", options_.slate_size);
}

void SlateLogBuilder::SetItems(const std::vector<std::string>& keys, ItemTable items) {
  if (rows() > 0) Fail("SetItems after rows were added");
  for (size_t i = 0; i < keys.size(); ++i) {
    const int32_t c = items_.Code(keys[i]);
    if (c != static_cast<int32_t>(i)) Fail("item_id ", Quoted(keys[i]), " appears twice");
  }
  fixed_items_ = true;
  item_table_ = std::move(items);
}

void SlateLogBuilder::SetUsers(const std::vector<std::string>& keys, std::vector<double> features, int64_t dim) {
  if (rows() > 0) Fail("SetUsers after rows were added");
  for (size_t i = 0; i < keys.size(); ++i)
    if (users_.Code(keys[i]) != static_cast<int32_t>(i)) Fail("user_id ", Quoted(keys[i]), " appears twice");
  known_users_ = users_.size();
  user_features_ = std::move(features);
  user_feature_dim_ = dim;
}

int32_t SlateLogBuilder::ItemCode(std::string_view item) {
  if (item.empty()) Fail("column 'item_id': empty");
  if (!fixed_items_) return items_.Code(item);
  const int32_t c = items_.Find(item);
  if (c < 0) Fail("column 'item_id': item ", Quoted(item), " is not in the items file");
  return c;
}

void SlateLogBuilder::AddCandidate(std::string_view set, std::string_view item) {
  if (set.empty()) Fail("column 'candidate_set': empty");
  const int32_t s = sets_.Code(set);
  if (s >= static_cast<int32_t>(set_members_.size())) set_members_.resize(s + 1);
  const int32_t i = ItemCode(item);
  auto& m = set_members_[s];
  if (std::find(m.begin(), m.end(), i) != m.end())
    Fail("candidate set ", Quoted(set), " lists item ", Quoted(item), " twice");
  m.push_back(i);
  explicit_sets_ = true;
}

void SlateLogBuilder::Reserve(int64_t rows) {
  CheckFitsInMemory(static_cast<double>(rows) * 40.0, Concat("a slate log of about ", rows, " rows"));
  row_round_.reserve(rows), row_item_.reserve(rows), row_position_.reserve(rows);
  if (schema_.click) row_click_.reserve(rows);
  if (schema_.purchase) row_purchase_.reserve(rows);
  if (schema_.revenue) row_revenue_.reserve(rows);
  if (schema_.propensity) row_propensity_.reserve(rows);
}

void SlateLogBuilder::CheckSameInRound(const Row& row, int32_t r) {
  auto differs = [&](const char* column) {
    Fail("column '", column, "': round ", Quoted(row.round), " has another value here than on its first row ",
         "(a round's rows must agree on it)");
  };
  if (schema_.timestamp && !SameValue(round_time_[r], row.timestamp)) differs("timestamp");
  if (schema_.user && round_user_[r] != users_.Find(row.user)) differs("user_id");
  if (schema_.session && round_session_[r] != sessions_.Find(row.session)) differs("session_id");
  if (schema_.candidate_set && round_set_[r] != sets_.Find(row.candidate_set)) differs("candidate_set");
  if (schema_.slate_propensity && round_slate_propensity_[r] != row.slate_propensity) differs("slate_propensity");
  const size_t D = schema_.context.size();
  for (size_t j = 0; j < D; ++j) {
    const float v = schema_.categorical[j] ? static_cast<float>(context_vocab_[j].Find(row.context_text[j]))
                                           : static_cast<float>(row.context[j]);
    if (round_context_[r * D + j] != v) differs(("context_" + schema_.context[j]).c_str());
  }
}

void SlateLogBuilder::AddRow(const Row& row) {
  if (row.round.empty()) Fail("column 'round_id': empty");
  if (row.position < 0 || row.position >= 64)
    Fail("column 'position': expected a 0-based position in [0, 64), found ", row.position);
  if (options_.slate_size > 0 && row.position >= options_.slate_size)
    Fail("column 'position': ", row.position, " is not below the slate size ", options_.slate_size);
  if (schema_.click && row.click != 0.0 && row.click != 1.0)
    Fail("column 'click': expected 0 or 1, found ", row.click);
  if (schema_.purchase && row.purchase != 0.0 && row.purchase != 1.0)
    Fail("column 'purchase': expected 0 or 1, found ", row.purchase);
  if (schema_.revenue && !(std::isfinite(row.revenue) && row.revenue >= 0))
    Fail("column 'revenue': expected a finite number >= 0, found ", row.revenue);
  if (schema_.revenue && row.revenue > std::numeric_limits<float>::max())
    Fail("column 'revenue': ", row.revenue, " is beyond the stored range (float)");
  if (schema_.propensity && !(row.propensity > 0 && row.propensity <= 1))
    Fail("column 'propensity': expected a probability in (0, 1], found ", row.propensity);
  if (schema_.slate_propensity && !(row.slate_propensity > 0 && row.slate_propensity <= 1))
    Fail("column 'slate_propensity': expected a probability in (0, 1], found ", row.slate_propensity);
  if (schema_.timestamp && !std::isfinite(row.timestamp)) Fail("column 'timestamp': expected a finite time");
  const int32_t item = ItemCode(row.item);
  const int64_t before = rounds_.size();
  const int32_t r = rounds_.Code(row.round);
  const size_t D = schema_.context.size();
  if (rounds_.size() > before) {
    // The round's first row sets its round-level values.
    if (schema_.timestamp) round_time_.push_back(row.timestamp);
    if (schema_.slate_propensity) round_slate_propensity_.push_back(row.slate_propensity);
    if (schema_.user) {
      if (row.user.empty()) Fail("column 'user_id': empty");
      round_user_.push_back(users_.Code(row.user));
    }
    if (schema_.session) {
      if (row.session.empty()) Fail("column 'session_id': empty");
      round_session_.push_back(sessions_.Code(row.session));
    }
    if (schema_.candidate_set) {
      if (row.candidate_set.empty()) Fail("column 'candidate_set': empty");
      const int32_t s = explicit_sets_ ? sets_.Find(row.candidate_set) : sets_.Code(row.candidate_set);
      if (s < 0) Fail("column 'candidate_set': set ", Quoted(row.candidate_set), " is not in the candidates file");
      round_set_.push_back(s);
    }
    for (size_t j = 0; j < D; ++j) {
      if (schema_.categorical[j]) {
        round_context_.push_back(static_cast<float>(context_vocab_[j].Code(row.context_text[j])));
      } else {
        const double v = row.context[j];
        if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max())
          Fail("column 'context_", schema_.context[j], "': expected a finite number, found ", v);
        round_context_.push_back(static_cast<float>(v));
      }
    }
  } else {
    CheckSameInRound(row, r);
  }
  row_round_.push_back(static_cast<uint32_t>(r));
  row_item_.push_back(item);
  row_position_.push_back(static_cast<int32_t>(row.position));
  max_position_ = std::max<int64_t>(max_position_, row.position);
  if (schema_.click) row_click_.push_back(static_cast<float>(row.click));
  if (schema_.purchase) row_purchase_.push_back(static_cast<float>(row.purchase));
  if (schema_.revenue) row_revenue_.push_back(static_cast<float>(row.revenue));
  if (schema_.propensity) row_propensity_.push_back(row.propensity);
}

LoggedDataset SlateLogBuilder::Finish(const std::function<std::string(int64_t)>& locate) {
  const int64_t n_rows = rows(), R = rounds_.size();
  if (n_rows == 0) Fail("no rows: the rounds file holds a header only");
  auto fail_at = [&](int64_t row, const std::string& what) { Fail(locate(row), ": ", what); };
  // Rows grouped by round (a counting sort: file order within a round).
  std::vector<int64_t> start(R + 1, 0);
  for (uint32_t r : row_round_) ++start[r + 1];
  int64_t S = 0;
  for (int64_t r = 0; r < R; ++r) S = std::max(S, start[r + 1]);
  for (int64_t r = 0; r < R; ++r) start[r + 1] += start[r];
  std::vector<uint32_t> order(n_rows);
  {
    std::vector<int64_t> at(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n_rows; ++i) order[at[row_round_[i]]++] = static_cast<uint32_t>(i);
  }
  const int64_t K = options_.slate_size > 0 ? options_.slate_size : max_position_ + 1;
  if (S > K)
    for (int64_t r = 0; r < R; ++r)
      if (start[r + 1] - start[r] == S)
        fail_at(order[start[r]], Concat("round ", Quoted(rounds_.key(static_cast<int32_t>(r))), " has ", S,
                                        " rows but the slate size is ", K, " (positions 0 to ", K - 1, ")"));
  // Which rounds are kept, each with its rows sorted by position.
  std::vector<char> keep(R, 1);
  for (int64_t r = 0; r < R; ++r) {
    uint32_t* rows = order.data() + start[r];
    const int64_t count = start[r + 1] - start[r];
    if (count < S) {
      if (!options_.drop_incomplete)
        fail_at(rows[0], Concat("round ", Quoted(rounds_.key(static_cast<int32_t>(r))), " has ", count,
                                " rows but other rounds have ", S,
                                "; every round must show the same number of slots (--drop-incomplete drops the others)"));
      keep[r] = 0;
      ++dropped_;
      continue;
    }
    std::sort(rows, rows + count, [&](uint32_t a, uint32_t b) {
      return row_position_[a] != row_position_[b] ? row_position_[a] < row_position_[b] : a < b;
    });
    for (int64_t s = 1; s < count; ++s) {
      if (row_position_[rows[s]] == row_position_[rows[s - 1]])
        fail_at(std::max(rows[s], rows[s - 1]),
                Concat("round ", Quoted(rounds_.key(static_cast<int32_t>(r))), " has a second row at position ",
                       row_position_[rows[s]], " (first at ", locate(std::min(rows[s], rows[s - 1])), ")"));
    }
    for (int64_t s = 0; s < count; ++s)
      for (int64_t t = 0; t < s; ++t)
        if (row_item_[rows[s]] == row_item_[rows[t]])
          fail_at(std::max(rows[s], rows[t]), Concat("round ", Quoted(rounds_.key(static_cast<int32_t>(r))),
                                                     " shows item ", Quoted(items_.key(row_item_[rows[s]])),
                                                     " twice; a slate's items must be distinct"));
  }
  // Rounds in time order, ties by first appearance.
  std::vector<int32_t> rounds;
  for (int64_t r = 0; r < R; ++r)
    if (keep[r]) rounds.push_back(static_cast<int32_t>(r));
  if (rounds.empty()) Fail("no complete round left (every round has fewer than ", S, " rows)");
  if (schema_.timestamp)
    std::stable_sort(rounds.begin(), rounds.end(), [&](int32_t a, int32_t b) { return round_time_[a] < round_time_[b]; });
  const int64_t n = static_cast<int64_t>(rounds.size()), M = items_.size(), D = static_cast<int64_t>(schema_.context.size());

  // Candidate sets: the file's, or the items shown in each set's rounds (in order of appearance).
  int64_t C = 0;
  if (schema_.candidate_set) {
    if (!explicit_sets_) {
      // Each set's items in order of appearance: its rounds visited in order, one mask over
      // the catalog reused from set to set.
      set_members_.assign(sets_.size(), {});
      std::vector<std::vector<int32_t>> rounds_of(sets_.size());
      for (int32_t r : rounds) rounds_of[round_set_[r]].push_back(r);
      std::vector<char> seen(M, 0);
      for (size_t set = 0; set < rounds_of.size(); ++set) {
        for (int32_t r : rounds_of[set])
          for (int64_t j = start[r]; j < start[r + 1]; ++j) {
            const int32_t item = row_item_[order[j]];
            if (!seen[item]) seen[item] = 1, set_members_[set].push_back(item);
          }
        for (int32_t item : set_members_[set]) seen[item] = 0;
      }
    }
    for (int32_t r : rounds) C = std::max<int64_t>(C, static_cast<int64_t>(set_members_[round_set_[r]].size()));
    for (int32_t r : rounds) {
      const auto& m = set_members_[round_set_[r]];
      if (static_cast<int64_t>(m.size()) != C)
        fail_at(order[start[r]], Concat("candidate set ", Quoted(sets_.key(round_set_[r])), " has ", m.size(),
                                        " items but another has ", C, "; every round must offer as many candidates"));
      for (int64_t j = start[r]; j < start[r + 1]; ++j)
        if (std::find(m.begin(), m.end(), row_item_[order[j]]) == m.end())
          fail_at(order[j], Concat("item ", Quoted(items_.key(row_item_[order[j]])), " is not in candidate set ",
                                   Quoted(sets_.key(round_set_[r]))));
    }
    CheckFitsInMemory(4.0 * static_cast<double>(n) * static_cast<double>(C),
                      Concat(n, " rounds of ", C, " candidates each"));
  }

  LoggedDataset d;
  LogMeta& m = d.meta;
  m.source = options_.source;
  m.logging_policy = options_.logging_policy;
  m.command = options_.command;
  m.slate_size = K;
  m.slots_per_round = S;
  m.n_units = M;
  m.context_dim = D;
  m.num_candidates = C;
  m.reward = !options_.reward.empty() ? options_.reward : schema_.click ? "click" : schema_.purchase ? "purchase" : "revenue";
  // The users' histories are the log's own clicks: kernels counted over them (co-occurrence,
  // popularity) would show each round's outcome, and later ones, in its features.
  m.kernels = "complement=none;popularity=none";
  d.context_columns = schema_.context;
  for (int64_t j = 0; j < D; ++j)
    if (schema_.categorical[j]) d.context_vocab[schema_.context[j]] = context_vocab_[j].Keys();

  // Items: the file's table, or ids alone.
  if (fixed_items_) d.items = std::move(item_table_);
  d.items.n = M;
  d.items.original_key = items_.Keys();

  // Users and their histories: what each clicked (bought, without clicks) in earlier rounds.
  const std::vector<float>& signal = schema_.click ? row_click_ : schema_.purchase ? row_purchase_ : row_revenue_;
  const int64_t U = users_.size();
  std::vector<int64_t> user_count(U + 1, 0);
  if (schema_.user)
    for (int32_t r : rounds)
      for (int64_t j = start[r]; j < start[r + 1]; ++j)
        if (signal[order[j]] > 0) ++user_count[round_user_[r] + 1];
  RoundBatch& b = d.rounds;
  b.n = n;
  b.session_id.resize(n), b.step.resize(n), b.timestamp.resize(n), b.user_id.resize(n);
  if (schema_.user) {
    d.users.n = U;
    d.users.original_key = users_.Keys();
    if (user_feature_dim_ > 0) {
      d.users.feature_dim = user_feature_dim_;
      d.users.features = std::move(user_features_);
      d.users.features.resize(U * user_feature_dim_, 0.0);
      users_without_features_ = U - known_users_;
    }
    std::partial_sum(user_count.begin(), user_count.end(), user_count.begin());
    d.users.history.offsets = user_count;
    d.users.history.values.resize(user_count[U]);
    if (schema_.timestamp) d.users.history_time.resize(user_count[U]);
    b.history_length.resize(n);
  }
  const int64_t sessions = schema_.session ? sessions_.size() : 0;
  std::vector<int32_t> session_code(sessions, -1), session_steps;
  std::vector<int64_t> filled(U, 0);
  b.slate.resize(n * S), b.position.resize(n * S);
  if (schema_.propensity) b.pscore.resize(n * S);
  if (schema_.click) b.click.resize(n * S);
  if (schema_.purchase) b.purchase.resize(n * S);
  if (schema_.revenue) b.revenue.resize(n * S);
  if (schema_.slate_propensity) b.pscore_slate.resize(n);
  if (D > 0) b.context.resize(n * D);
  if (C > 0) b.candidates.resize(n * C);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t r = rounds[i];
    b.timestamp[i] = schema_.timestamp ? round_time_[r] : 0.0;
    if (schema_.session) {
      int32_t& s = session_code[round_session_[r]];
      if (s < 0) s = static_cast<int32_t>(session_steps.size()), session_steps.push_back(0);
      b.session_id[i] = s;
      b.step[i] = session_steps[s]++;
    } else {
      b.session_id[i] = i;
      b.step[i] = 0;
    }
    b.user_id[i] = schema_.user ? round_user_[r] : -1;
    if (schema_.slate_propensity) b.pscore_slate[i] = round_slate_propensity_[r];
    for (int64_t j = 0; j < D; ++j) b.context[i * D + j] = round_context_[r * D + j];
    if (C > 0) std::copy(set_members_[round_set_[r]].begin(), set_members_[round_set_[r]].end(), &b.candidates[i * C]);
    int32_t user = schema_.user ? round_user_[r] : -1;
    if (user >= 0) b.history_length[i] = filled[user];
    for (int64_t s = 0; s < S; ++s) {
      const int64_t row = order[start[r] + s], k = i * S + s;
      b.slate[k] = row_item_[row];
      b.position[k] = row_position_[row];
      if (schema_.propensity) b.pscore[k] = row_propensity_[row];
      if (schema_.click) b.click[k] = row_click_[row];
      if (schema_.purchase) b.purchase[k] = row_purchase_[row];
      if (schema_.revenue) b.revenue[k] = row_revenue_[row];
    }
    if (user >= 0)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t row = order[start[r] + s];
        if (signal[row] <= 0) continue;
        const int64_t at = d.users.history.offsets[user] + filled[user]++;
        d.users.history.values[at] = row_item_[row];
        if (schema_.timestamp) d.users.history_time[at] = static_cast<int64_t>(std::floor(round_time_[r]));
      }
  }
  d.Validate(options_.source);
  return d;
}

ItemTable MakeItemTable(const ItemColumns& c) {
  const size_t n = c.keys.size();
  auto check = [&](size_t size, const char* column) {
    if (size != n) Fail("items: column '", column, "' has ", size, " values for ", n, " items");
  };
  for (const auto& t : c.text) check(t.size(), "text");
  if (!c.category.empty()) check(c.category.size(), "category");
  if (!c.price.empty()) check(c.price.size(), "price");
  for (const auto& f : c.features) check(f.size(), "feature_*");
  ItemTable items;
  items.n = static_cast<int64_t>(n);
  if (!c.text.empty()) {
    items.title.resize(n);
    for (size_t i = 0; i < n; ++i)
      for (const auto& column : c.text) {
        if (column[i].empty()) continue;
        if (!items.title[i].empty()) items.title[i] += ' ';
        items.title[i] += column[i];
      }
  }
  if (!c.category.empty()) {
    KeyIndex codes;
    items.category_path = c.category;
    for (const auto& cat : c.category) items.category.push_back(cat.empty() ? -1 : codes.Code(cat));
  }
  for (size_t i = 0; i < c.price.size(); ++i)
    if (!(std::isfinite(c.price[i]) && c.price[i] >= 0))
      Fail("items: column 'price', item ", i, " ('", Excerpt(c.keys[i]), "'): expected a price >= 0, found ", c.price[i]);
  items.price = c.price;
  items.feature_dim = static_cast<int64_t>(c.features.size());
  items.features.resize(n * c.features.size());
  for (size_t j = 0; j < c.features.size(); ++j)
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(c.features[j][i])) Fail("items: feature column ", j, ", item ", i, ": not finite");
      items.features[i * c.features.size() + j] = c.features[j][i];
    }
  return items;
}

LoggedDataset ChoicesFromSessions(const LoggedDataset& d, const std::vector<int64_t>& sessions,
                                  const std::string& command) {
  const ItemTable& it = d.items;
  if (it.n == 0 || it.original_id.empty()) Fail(d.meta.source, ": sessions as choices need the items' original ids");
  SlateSchema schema;
  schema.session = schema.user = schema.timestamp = schema.click = true;
  SlateLogOptions options;
  options.source = d.meta.source + " (choices)";
  options.logging_policy = "unknown";
  options.command = command;
  SlateLogBuilder b(schema, options);
  ItemColumns items;
  for (int64_t i = 0; i < it.n; ++i) items.keys.push_back(std::to_string(it.original_id[i]));
  if (!it.title.empty()) items.text.push_back(it.title);
  if (!it.category_path.empty())
    for (const auto& path : it.category_path) items.category.push_back(path.substr(0, path.find(" | ")));
  b.SetItems(items.keys, MakeItemTable(items));
  const SessionTable& st = d.sessions;
  for (int64_t s : sessions) {
    if (s < 0 || s >= static_cast<int64_t>(st.user.size())) Fail("sessions as choices: session ", s, " out of range");
    if (st.user[s] < 0 || st.timestamp[s] < 0) Fail("sessions as choices: session ", s, " has no user or time");
    const std::string session = std::to_string(st.original_id.empty() ? s : st.original_id[s]);
    const std::string user = std::to_string(d.users.original_id.empty() ? st.user[s] : d.users.original_id[st.user[s]]);
    std::vector<int32_t> seen;
    for (int64_t j = 0; j < st.items.size(s); ++j) {
      const int32_t item = st.items.row(s)[j];
      if (std::find(seen.begin(), seen.end(), item) != seen.end()) continue;  // a session lists an item once
      seen.push_back(item);
      const std::string round = session + ":" + items.keys[item];
      SlateLogBuilder::Row r;
      r.round = round, r.item = items.keys[item], r.session = session, r.user = user;
      r.timestamp = static_cast<double>(st.timestamp[s]);
      r.click = 1;
      b.AddRow(r);
    }
  }
  return b.Finish([&](int64_t row) { return Concat(d.meta.source, " session item ", row); });
}

const std::vector<std::string>& SlateRoundColumns() {
  static const std::vector<std::string> names = {
      "round_id", "position", "item_id", "session_id", "user_id", "timestamp", "click", "purchase",
      "revenue", "propensity", "slate_propensity", "candidate_set"};
  return names;
}

}  // namespace bundlerl
