// bundlerl._core: a researcher's own slate logs from numpy arrays (the generic slate layout,
// dataset/slate_log.h, the same builder as `bundlerl import slates`), held as a LogsHandle
// that bundlerl.Logs wraps: saved to HDF5, read back as arrays, evaluated.
#include <charconv>
#include <cmath>
#include <string>

#include "bindings.h"
#include "dataset/importers.h"
#include "dataset/slate_log.h"
#include "logs_handle.h"
#include "replay/log_store.h"

namespace bundlerl::python {
namespace {

// An id column as text: integer arrays formatted in decimal (as a CSV holds them), strings
// as they are; floats and other types are refused, naming the argument.
class IdColumn {
 public:
  IdColumn() = default;
  IdColumn(const py::handle& obj, const std::string& name, size_t n) : name_(name) {
    if (obj.is_none()) return;
    present_ = true;
    const py::array raw = py::array::ensure(obj);
    const char kind = raw ? raw.dtype().kind() : 'O';
    if (kind == 'i' || kind == 'u' || kind == 'b') {
      ints_ = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(raw);
      integers_ = true;
      size_ = static_cast<size_t>(ints_.size());
    } else if (kind == 'U' || kind == 'S' || kind == 'O') {
      for (const auto& item : py::iter(obj)) {
        if (!py::isinstance<py::str>(item) && !py::isinstance<py::int_>(item))
          throw py::value_error(Concat(name, "[", strings_.size(), "]: expected a string or integer id, got ",
                                       std::string(py::str(py::type::of(item).attr("__name__")))));
        strings_.push_back(py::str(item));
      }
      size_ = strings_.size();
    } else {
      throw py::value_error(Concat(name, ": expected integer or string ids, got dtype ",
                                   std::string(py::str(raw.dtype())), " (a float column of ids? convert it first)"));
    }
    if (size_ != n) throw py::value_error(Concat(name, ": ", size_, " values, expected ", n, " (one per row)"));
  }
  bool present() const { return present_; }
  // The id of row i, valid until the next call.
  std::string_view At(size_t i) {
    if (!integers_) return strings_[i];
    const auto [end, ec] = std::to_chars(buffer_, buffer_ + sizeof buffer_, ints_.data()[i]);
    (void)ec;
    return {buffer_, static_cast<size_t>(end - buffer_)};
  }
  std::vector<std::string> All() {
    std::vector<std::string> out;
    for (size_t i = 0; i < size_; ++i) out.emplace_back(At(i));
    return out;
  }

 private:
  std::string name_;
  bool present_ = false, integers_ = false;
  size_t size_ = 0;
  py::array_t<int64_t, py::array::c_style | py::array::forcecast> ints_;
  std::vector<std::string> strings_;
  char buffer_[24];
};

// A numeric column: a float64 array of n values, or absent.
py::array_t<double, py::array::c_style> NumberColumn(const py::handle& obj, const char* name, size_t n) {
  if (obj.is_none()) return {};
  auto a = InputArray<double>(obj, name);
  if (a.ndim() != 1 || static_cast<size_t>(a.size()) != n)
    throw py::value_error(Concat(name, ": expected ", n, " values (one per row), got shape of ", a.size()));
  return a;
}

bool IsTextArray(const py::handle& obj) {
  const py::array raw = py::array::ensure(obj);
  const char kind = raw ? raw.dtype().kind() : 'O';
  return kind == 'U' || kind == 'S' || kind == 'O';
}

std::vector<std::string> Texts(const py::handle& obj, const std::string& name, size_t n) {
  std::vector<std::string> out;
  for (const auto& item : py::iter(obj)) {
    // None and NaN (a missing value in pandas) are empty.
    if (item.is_none() || (py::isinstance<py::float_>(item) && std::isnan(item.cast<double>()))) out.emplace_back();
    else out.push_back(py::str(item));
  }
  if (out.size() != n) throw py::value_error(Concat(name, ": ", out.size(), " values, expected ", n));
  return out;
}

// items: a dict of columns item_id, title, category, price, feature_* and the text columns.
void SetItems(SlateLogBuilder& builder, const py::dict& items, const std::vector<std::string>& text_columns) {
  if (!items.contains("item_id")) throw py::value_error("items: expected a column 'item_id'");
  const size_t n = static_cast<size_t>(py::len(items["item_id"]));
  IdColumn ids(items["item_id"], "items['item_id']", n);
  ItemColumns c;
  c.keys = ids.All();
  std::vector<std::string> text = text_columns;
  if (text.empty() && items.contains("title")) text = {"title"};
  for (const auto& [key, value] : items) {
    const std::string k = py::str(key);
    if (k == "item_id" || std::find(text.begin(), text.end(), k) != text.end()) continue;
    if (k == "category") c.category = Texts(value, "items['category']", n);
    else if (k == "price") {
      const auto a = NumberColumn(value, "items['price']", n);
      c.price.assign(a.data(), a.data() + n);
    } else if (k.rfind("feature_", 0) == 0) {
      const auto a = NumberColumn(value, ("items['" + k + "']").c_str(), n);
      c.features.emplace_back(a.data(), a.data() + n);
    } else {
      throw py::value_error(Concat("items: unknown column '", k,
                                   "' (item_id, title, category, price, feature_<name>, and text columns named by text=)"));
    }
  }
  for (const auto& t : text) {
    if (!items.contains(t.c_str())) throw py::value_error(Concat("text: items have no column '", t, "'"));
    c.text.push_back(Texts(items[t.c_str()], "items['" + t + "']", n));
  }
  builder.SetItems(c.keys, MakeItemTable(c));
}

// users: a dict of columns user_id and feature_*.
void SetUsers(SlateLogBuilder& builder, const py::dict& users) {
  if (!users.contains("user_id")) throw py::value_error("users: expected a column 'user_id'");
  const size_t n = static_cast<size_t>(py::len(users["user_id"]));
  IdColumn ids(users["user_id"], "users['user_id']", n);
  std::vector<py::array_t<double, py::array::c_style>> columns;
  for (const auto& [key, value] : users) {
    const std::string k = py::str(key);
    if (k == "user_id") continue;
    if (k.rfind("feature_", 0) != 0) throw py::value_error(Concat("users: unknown column '", k, "' (user_id, feature_<name>)"));
    columns.push_back(NumberColumn(value, ("users['" + k + "']").c_str(), n));
  }
  std::vector<double> features(n * columns.size());
  for (size_t j = 0; j < columns.size(); ++j)
    for (size_t i = 0; i < n; ++i) features[i * columns.size() + j] = columns[j].data()[i];
  builder.SetUsers(ids.All(), std::move(features), static_cast<int64_t>(columns.size()));
}

// rounds: a dict of the ROUNDS columns (round_id, position, item_id, ...; None = absent);
// context: name -> column (numbers, or strings for a categorical column).
LogsHandle FromArrays(const py::dict& rounds, const py::dict& context, const py::object& items, const py::object& users,
                      const std::vector<std::string>& text, const std::vector<std::string>& categorical,
                      const std::string& source, const std::string& logging_policy, const std::string& reward,
                      int64_t slate_size, bool drop_incomplete) {
  auto get = [&](const char* key) -> py::object {
    return rounds.contains(key) ? py::reinterpret_borrow<py::object>(rounds[key]) : py::none();
  };
  for (const char* required : {"round_id", "position", "item_id"})
    if (get(required).is_none()) throw py::value_error(Concat(required, ": required"));
  const size_t n = static_cast<size_t>(py::len(get("round_id")));
  SlateSchema schema;
  IdColumn round(get("round_id"), "round_id", n), item(get("item_id"), "item_id", n);
  IdColumn session(get("session_id"), "session_id", n), user(get("user_id"), "user_id", n);
  IdColumn set(get("candidate_set"), "candidate_set", n);
  const auto position = NumberColumn(get("position"), "position", n);
  // Times: numbers (Unix seconds), or text (numbers or ISO times, read as the CSV import reads them).
  py::array_t<double, py::array::c_style> timestamp;
  if (!get("timestamp").is_none() && IsTextArray(get("timestamp"))) {
    const std::vector<std::string> text = Texts(get("timestamp"), "timestamp", n);
    timestamp = py::array_t<double, py::array::c_style>(static_cast<py::ssize_t>(n));
    for (size_t i = 0; i < n; ++i) {
      double t = 0;
      char* end = nullptr;
      t = std::strtod(text[i].c_str(), &end);
      const bool number = !text[i].empty() && end == text[i].c_str() + text[i].size();
      if (!number && !ParseIsoTime(text[i], t))
        throw py::value_error(Concat("timestamp[", i, "]: expected Unix seconds or an ISO time like 2024-05-01 12:00:00, "
                                     "found '", text[i], "'"));
      timestamp.mutable_data()[i] = t;
    }
  } else {
    timestamp = NumberColumn(get("timestamp"), "timestamp", n);
  }
  const auto click = NumberColumn(get("click"), "click", n), purchase = NumberColumn(get("purchase"), "purchase", n);
  const auto revenue = NumberColumn(get("revenue"), "revenue", n);
  const auto propensity = NumberColumn(get("propensity"), "propensity", n);
  const auto slate_propensity = NumberColumn(get("slate_propensity"), "slate_propensity", n);
  schema.session = session.present(), schema.user = user.present(), schema.candidate_set = set.present();
  schema.timestamp = timestamp.size() > 0, schema.click = click.size() > 0, schema.purchase = purchase.size() > 0;
  schema.revenue = revenue.size() > 0, schema.propensity = propensity.size() > 0;
  schema.slate_propensity = slate_propensity.size() > 0;
  // Context columns: numbers, or text (categorical); `categorical` forces numbers to categories.
  std::vector<py::array_t<double, py::array::c_style>> numeric;
  std::vector<std::vector<std::string>> text_values;
  for (const auto& [key, value] : context) {
    std::string name = py::str(key);
    if (name.rfind("context_", 0) == 0) name = name.substr(8);
    const bool listed = std::find(categorical.begin(), categorical.end(), name) != categorical.end() ||
                        std::find(categorical.begin(), categorical.end(), "context_" + name) != categorical.end();
    const bool text_column = IsTextArray(value) || listed;
    schema.context.push_back(name);
    schema.categorical.push_back(text_column);
    if (text_column) {
      text_values.push_back(Texts(value, "context['" + name + "']", n));
      numeric.emplace_back();
    } else {
      numeric.push_back(NumberColumn(value, ("context['" + name + "']").c_str(), n));
      text_values.emplace_back();
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double p = position.data()[i];
    if (!(p >= 0 && p < 64) || p != std::floor(p))
      throw py::value_error(Concat("position[", i, "]: expected a 0-based integer position below 64, found ", p));
  }
  SlateLogOptions options;
  options.source = source;
  options.logging_policy = logging_policy;
  options.reward = reward;
  options.slate_size = slate_size;
  options.drop_incomplete = drop_incomplete;
  options.command = "bundlerl.Logs.from_arrays";
  SlateLogBuilder builder(schema, options);
  if (!items.is_none()) SetItems(builder, items.cast<py::dict>(), text);
  if (!users.is_none()) SetUsers(builder, users.cast<py::dict>());
  const size_t D = schema.context.size();
  std::vector<double> context_row(D);
  std::vector<std::string_view> context_text(D);
  SlateLogBuilder::Row r;
  r.context = context_row.data();
  r.context_text = context_text.data();
  // The id columns reuse one buffer each, so each id is copied out before the next is read.
  std::string round_id, item_id, session_id, user_id, set_id;
  for (size_t i = 0; i < n; ++i) {
    try {
      round_id = round.At(i), item_id = item.At(i);
      r.round = round_id, r.item = item_id;
      if (schema.session) session_id = session.At(i), r.session = session_id;
      if (schema.user) user_id = user.At(i), r.user = user_id;
      if (schema.candidate_set) set_id = set.At(i), r.candidate_set = set_id;
      r.position = static_cast<int64_t>(position.data()[i]);
      if (schema.timestamp) r.timestamp = timestamp.data()[i];
      if (schema.click) r.click = click.data()[i];
      if (schema.purchase) r.purchase = purchase.data()[i];
      if (schema.revenue) r.revenue = revenue.data()[i];
      if (schema.propensity) r.propensity = propensity.data()[i];
      if (schema.slate_propensity) r.slate_propensity = slate_propensity.data()[i];
      for (size_t j = 0; j < D; ++j) {
        if (schema.categorical[j]) context_text[j] = text_values[j][i];
        else context_row[j] = numeric[j].data()[i];
      }
      builder.AddRow(r);
    } catch (const Error& e) {
      throw py::value_error(Concat("row ", i, ": ", e.what()));
    }
  }
  LogsHandle h;
  h.data = std::make_shared<LoggedDataset>(builder.Finish([](int64_t i) { return Concat("row ", i); }));
  return h;
}

}  // namespace

void BindSlates(py::module_& m) {
  py::class_<LogsHandle>(m, "LogsHandle")
      .def_property_readonly("path", [](const LogsHandle& h) { return h.path; })
      .def_property_readonly("n_rounds", [](LogsHandle& h) { return h.Get().rounds.n; })
      .def("save", [](LogsHandle& h, const std::string& path) {
        const LoggedDataset& d = h.Get();
        py::gil_scoped_release release;
        WriteDataset(d, path, "bundlerl.Logs.save");
      }, py::arg("path"))
      .def("to_dict", [](LogsHandle& h) { return LogsAsDict(LoggedDataset(h.Get())); });
  m.def("open_logs", [](const std::string& path) {
    LogsHandle h;
    h.path = path;
    {
      py::gil_scoped_release release;
      LogReader check(path);  // a missing or malformed file is an error now, not at first use
    }
    return h;
  }, py::arg("path"));
  m.def("slates_from_arrays", &FromArrays, py::arg("rounds"), py::arg("context"), py::arg("items"), py::arg("users"),
        py::arg("text"), py::arg("categorical"), py::arg("source"), py::arg("logging_policy"), py::arg("reward"),
        py::arg("slate_size"), py::arg("drop_incomplete"));
}

}  // namespace bundlerl::python
