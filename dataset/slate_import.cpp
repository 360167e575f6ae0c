// ImportSlates: the CSV files of the generic slate layout (see slate_log.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "common/csv.h"
#include "common/error.h"
#include "dataset/importers.h"
#include "dataset/slate_log.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// A header's unnamed first column (a pandas index written by to_csv) carries no data.
bool IsIndexColumn(const std::vector<std::string>& header, size_t c) {
  return c == 0 && (header[c].empty() || StartsWith(header[c], "Unnamed: "));
}

bool ParseNumber(std::string_view s, double& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty() && std::isfinite(out);
}

// The file's name of a logical column.
std::string Actual(const SlateFiles& f, const std::string& logical) {
  const auto it = f.rename.find(logical);
  return it == f.rename.end() ? logical : it->second;
}

size_t Require(CsvReader& csv, const std::vector<std::string>& header, const std::string& name, const char* role) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end())
    csv.FailAt(Concat("expected a column '", name, "' (", role, "); columns are renamed with --column LOGICAL=ACTUAL"));
  return static_cast<size_t>(it - header.begin());
}

[[noreturn]] void Unknown(CsvReader& csv, const std::string& column, const std::string& known) {
  csv.FailAt(Concat("unknown column '", Excerpt(column), "' (", known, ")"));
}

// ITEMS: item_id, title, category, price, feature_*, and the text columns.
void ReadItems(const SlateFiles& f, SlateLogBuilder& builder) {
  CsvReader csv(f.items);
  const auto header = csv.ReadHeader(1);
  const std::string id_name = Actual(f, "item_id");
  const size_t c_id = Require(csv, header, id_name, "the item's id");
  std::vector<std::string> text = f.text;
  if (text.empty() && std::find(header.begin(), header.end(), "title") != header.end()) text = {"title"};
  for (const auto& t : text)
    if (std::find(header.begin(), header.end(), t) == header.end())
      csv.FailAt(Concat("--text names column '", t, "', which the items file lacks"));
  int c_category = -1, c_price = -1;
  std::vector<size_t> c_text, c_feature;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& h = header[c];
    if (c == c_id || IsIndexColumn(header, c)) continue;
    if (std::find(text.begin(), text.end(), h) != text.end()) continue;
    if (h == "category") c_category = static_cast<int>(c);
    else if (h == "price") c_price = static_cast<int>(c);
    else if (StartsWith(h, "feature_")) c_feature.push_back(c);
    else Unknown(csv, h, "items: item_id, title, category, price, feature_<name>, and text columns named by --text");
  }
  for (const auto& t : text) c_text.push_back(static_cast<size_t>(std::find(header.begin(), header.end(), t) - header.begin()));
  ItemColumns columns;
  columns.text.resize(c_text.size());
  columns.features.resize(c_feature.size());
  std::unordered_map<std::string, int64_t> line_of;
  std::vector<std::string_view> row;
  while (csv.NextView(row)) {
    csv.ExpectColumns(row, header.size());
    const std::string key(row[c_id]);
    if (key.empty()) csv.FailAt(Concat("column '", id_name, "': empty"));
    const auto [at, fresh] = line_of.emplace(key, csv.line());
    if (!fresh) csv.FailAt(Concat("item '", Excerpt(key), "' appears again (first on line ", at->second, ")"));
    columns.keys.push_back(key);
    for (size_t j = 0; j < c_text.size(); ++j) columns.text[j].emplace_back(row[c_text[j]]);
    if (c_category >= 0) columns.category.emplace_back(row[c_category]);
    if (c_price >= 0) {
      const double p = csv.ToDouble(row[c_price], "price");
      if (p < 0) csv.FailAt(Concat("column 'price': expected a price >= 0, found ", p));
      columns.price.push_back(p);
    }
    for (size_t j = 0; j < c_feature.size(); ++j) columns.features[j].push_back(csv.ToDouble(row[c_feature[j]], header[c_feature[j]]));
  }
  if (columns.keys.empty()) Fail(f.items, ": no items (a header only)");
  const std::vector<std::string> keys = columns.keys;
  builder.SetItems(keys, MakeItemTable(columns));
}

// USERS: user_id and feature_* columns.
void ReadUsers(const SlateFiles& f, SlateLogBuilder& builder) {
  CsvReader csv(f.users);
  const auto header = csv.ReadHeader(1);
  const std::string id_name = Actual(f, "user_id");
  const size_t c_id = Require(csv, header, id_name, "the user's id");
  std::vector<size_t> c_feature;
  for (size_t c = 0; c < header.size(); ++c) {
    if (c == c_id || IsIndexColumn(header, c)) continue;
    if (StartsWith(header[c], "feature_")) c_feature.push_back(c);
    else Unknown(csv, header[c], "users: user_id and feature_<name>");
  }
  std::vector<std::string> keys;
  std::vector<double> features;
  std::unordered_map<std::string, int64_t> line_of;
  std::vector<std::string_view> row;
  while (csv.NextView(row)) {
    csv.ExpectColumns(row, header.size());
    const std::string key(row[c_id]);
    if (key.empty()) csv.FailAt(Concat("column '", id_name, "': empty"));
    const auto [at, fresh] = line_of.emplace(key, csv.line());
    if (!fresh) csv.FailAt(Concat("user '", Excerpt(key), "' appears again (first on line ", at->second, ")"));
    keys.push_back(key);
    for (size_t c : c_feature) features.push_back(csv.ToDouble(row[c], header[c]));
  }
  if (keys.empty()) Fail(f.users, ": no users (a header only)");
  try {
    builder.SetUsers(keys, std::move(features), static_cast<int64_t>(c_feature.size()));
  } catch (const Error& e) {
    Fail(f.users, ": ", e.what());
  }
}

// CANDIDATES: candidate_set, item_id.
void ReadCandidates(const SlateFiles& f, SlateLogBuilder& builder) {
  CsvReader csv(f.candidates);
  const auto header = csv.ReadHeader(2);
  const size_t c_set = Require(csv, header, Actual(f, "candidate_set"), "the candidate set's id");
  const size_t c_item = Require(csv, header, Actual(f, "item_id"), "an item of the set");
  std::vector<std::string_view> row;
  bool any = false;
  while (csv.NextView(row)) {
    csv.ExpectColumns(row, header.size());
    try {
      builder.AddCandidate(row[c_set], row[c_item]);
    } catch (const Error& e) {
      csv.FailAt(e.what());
    }
    any = true;
  }
  if (!any) Fail(f.candidates, ": no candidates (a header only)");
}

// The rows' lines, kept sparsely: line = row + offset from the last change on.
class RowLines {
 public:
  void Add(int64_t row, int64_t line) {
    if (jumps_.empty() || line - row != jumps_.back().second) jumps_.push_back({row, line - row});
  }
  int64_t Line(int64_t row) const {
    auto it = std::upper_bound(jumps_.begin(), jumps_.end(), std::make_pair(row, INT64_MAX));
    return it == jumps_.begin() ? row : row + std::prev(it)->second;
  }

 private:
  std::vector<std::pair<int64_t, int64_t>> jumps_;  // (first row, line - row)
};

}  // namespace

LoggedDataset ImportSlates(const SlateFiles& f, const SlateLogOptions& options,
                           const std::function<void(int64_t, int64_t)>& progress, SlateImportReport* report) {
  if (f.rounds.empty()) Fail("import slates: --rounds is required");
  for (const auto& [logical, actual] : f.rename) {
    const auto& known = SlateRoundColumns();
    if (std::find(known.begin(), known.end(), logical) == known.end() && !StartsWith(logical, "context_"))
      Fail("--column ", logical, "=", actual, ": '", logical, "' is not a column of the layout (",
           [&] {
             std::string s;
             for (const auto& k : known) s += (s.empty() ? "" : ", ") + k;
             return s;
           }(), ", context_<name>)");
  }
  CsvReader csv(f.rounds);
  const auto header = csv.ReadHeader(3);
  // Logical column -> index in the file.
  std::unordered_map<std::string, size_t> actual_to_index;
  for (size_t c = 0; c < header.size(); ++c) actual_to_index[header[c]] = c;
  std::unordered_map<std::string, std::string> actual_to_logical;
  for (const auto& logical : SlateRoundColumns()) actual_to_logical[Actual(f, logical)] = logical;
  for (const auto& [logical, actual] : f.rename)
    if (StartsWith(logical, "context_")) actual_to_logical[actual] = logical;
  std::unordered_map<std::string, size_t> col;
  std::vector<size_t> c_context;
  SlateSchema schema;
  for (size_t c = 0; c < header.size(); ++c) {
    if (IsIndexColumn(header, c)) continue;
    const auto it = actual_to_logical.find(header[c]);
    const std::string logical = it != actual_to_logical.end() ? it->second : header[c];
    if (StartsWith(logical, "context_") && logical.size() > 8) {
      if (std::find(schema.context.begin(), schema.context.end(), logical.substr(8)) != schema.context.end())
        csv.FailAt(Concat("two columns are read as '", logical, "' (a --column rename and a column of that name)"));
      c_context.push_back(c);
      schema.context.push_back(logical.substr(8));
      continue;
    }
    const auto& known = SlateRoundColumns();
    if (std::find(known.begin(), known.end(), logical) == known.end())
      Unknown(csv, header[c],
              "rounds: round_id, position, item_id, session_id, user_id, timestamp, click, purchase, revenue, "
              "propensity, slate_propensity, candidate_set, context_<name>; or rename with --column LOGICAL=ACTUAL");
    const auto [at, fresh] = col.emplace(logical, c);
    if (!fresh)
      csv.FailAt(Concat("columns '", header[at->second], "' and '", header[c], "' are both read as '", logical,
                        "' (a --column rename and a column of that name); rename or drop one"));
  }
  for (const char* required : {"round_id", "position", "item_id"})
    if (!col.count(required))
      csv.FailAt(Concat("expected a column '", Actual(f, required), "' (", required,
                        "); columns are renamed with --column LOGICAL=ACTUAL"));
  auto has = [&](const char* name) { return col.count(name) > 0; };
  schema.session = has("session_id"), schema.user = has("user_id"), schema.timestamp = has("timestamp");
  schema.click = has("click"), schema.purchase = has("purchase"), schema.revenue = has("revenue");
  schema.propensity = has("propensity"), schema.slate_propensity = has("slate_propensity");
  schema.candidate_set = has("candidate_set");
  for (const auto& name : f.categorical) {
    const auto it = std::find(schema.context.begin(), schema.context.end(), name.rfind("context_", 0) == 0 ? name.substr(8) : name);
    if (it == schema.context.end()) Fail("--categorical: '", name, "' is not a context column of ", f.rounds);
  }
  // The first data row decides which context columns are categorical (a value that is not a
  // number), unless named in --categorical.
  std::vector<std::string_view> row;
  const bool any = csv.NextView(row);
  if (!any) Fail(f.rounds, ": no rows (a header only)");
  csv.ExpectColumns(row, header.size());
  schema.categorical.resize(schema.context.size());
  for (size_t j = 0; j < c_context.size(); ++j) {
    double x;
    const std::string& name = schema.context[j];
    const bool listed = std::find(f.categorical.begin(), f.categorical.end(), name) != f.categorical.end() ||
                        std::find(f.categorical.begin(), f.categorical.end(), "context_" + name) != f.categorical.end();
    schema.categorical[j] = listed || !ParseNumber(row[c_context[j]], x);
  }
  SlateLogBuilder builder(schema, options);
  if (!f.items.empty()) ReadItems(f, builder);
  if (!f.users.empty()) {
    if (!schema.user)
      Fail(f.users, ": user features given, but ", f.rounds, " has no user_id column naming each round's user (",
           "rename one with --column user_id=ACTUAL)");
    ReadUsers(f, builder);
  }
  if (!f.candidates.empty()) {
    if (!schema.candidate_set)
      Fail(f.candidates, ": candidate sets given, but ", f.rounds, " has no candidate_set column naming each round's");
    ReadCandidates(f, builder);
  }
  auto index = [&](const char* name) { return has(name) ? col.at(name) : size_t{0}; };
  const size_t c_round = index("round_id"), c_pos = index("position"), c_item = index("item_id"),
               c_session = index("session_id"), c_user = index("user_id"), c_time = index("timestamp"),
               c_click = index("click"), c_purchase = index("purchase"), c_revenue = index("revenue"),
               c_ps = index("propensity"), c_sps = index("slate_propensity"), c_set = index("candidate_set");
  const size_t D = c_context.size();
  std::vector<double> context(D);
  std::vector<std::string_view> context_text(D);
  SlateLogBuilder::Row r;
  r.context = context.data();
  r.context_text = context_text.data();
  RowLines lines;
  std::error_code ec;
  const int64_t total = static_cast<int64_t>(fs::file_size(f.rounds, ec));
  const int64_t first_bytes = csv.bytes_read();
  auto number = [&](std::string_view s, const char* column) {
    double x;
    if (ParseNumber(s, x)) return x;
    return csv.ToDouble(s, column);
  };
  int64_t n = 0;
  do {
    csv.ExpectColumns(row, header.size());
    try {
      r.round = row[c_round];
      r.item = row[c_item];
      r.position = csv.ToInt(row[c_pos], Actual(f, "position"));
      if (schema.session) r.session = row[c_session];
      if (schema.user) r.user = row[c_user];
      if (schema.candidate_set) r.candidate_set = row[c_set];
      if (schema.timestamp) {
        const std::string_view t = row[c_time];
        if (!ParseNumber(t, r.timestamp) && !ParseIsoTime(std::string(t), r.timestamp))
          csv.FailAt(Concat("column '", Actual(f, "timestamp"), "': expected Unix seconds or an ISO time like ",
                            "2024-05-01 12:00:00, found '", Excerpt(std::string(t)), "'"));
      }
      if (schema.click) r.click = number(row[c_click], "click");
      if (schema.purchase) r.purchase = number(row[c_purchase], "purchase");
      if (schema.revenue) r.revenue = number(row[c_revenue], "revenue");
      if (schema.propensity) r.propensity = number(row[c_ps], "propensity");
      if (schema.slate_propensity) r.slate_propensity = number(row[c_sps], "slate_propensity");
      for (size_t j = 0; j < D; ++j) {
        const std::string_view v = row[c_context[j]];
        if (schema.categorical[j]) {
          context_text[j] = v;
        } else if (!ParseNumber(v, context[j])) {
          csv.FailAt(Concat("column '", header[c_context[j]], "': expected a number (its first value is one; name it ",
                            "with --categorical to read it as categories), found '", Excerpt(std::string(v)), "'"));
        }
      }
      builder.AddRow(r);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(f.rounds, 0) == 0) throw;
      csv.FailAt(what);
    }
    lines.Add(n, csv.line());
    ++n;
    if (n == 4096 && total > 0) {
      // Room for the whole file at the first rows' width, so that the columns do not regrow.
      const double per_row = static_cast<double>(csv.bytes_read() - first_bytes) / 4096.0;
      builder.Reserve(static_cast<int64_t>(1.02 * static_cast<double>(total - first_bytes) / std::max(1.0, per_row)) + 4096);
    }
    if (progress && n % (1 << 20) == 0) progress(csv.bytes_read(), total);
  } while (csv.NextView(row));
  if (progress) progress(total, total);
  LoggedDataset d = builder.Finish([&](int64_t i) { return Concat(f.rounds, ", line ", lines.Line(i)); });
  if (report) {
    report->rows = n;
    report->dropped_rounds = builder.dropped();
    report->users_without_features = builder.users_without_features();
  }
  return d;
}

}  // namespace bundlerl
