// Options declared beside their code: see options.h.
#include "common/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <sstream>

#include "common/error.h"

namespace bundlerl {
namespace {

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

int64_t ParseInt(const std::string& text) {
  const std::string v = Trim(text);
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') Fail("expected an integer, got '", text, "'");
  if (errno == ERANGE) Fail("'", text, "' is out of range for an integer");
  return x;
}

double ParseDouble(const std::string& text) {
  const std::string v = Trim(text);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') Fail("expected a number, got '", text, "'");
  if (!std::isfinite(x)) Fail("expected a finite number, got '", text, "'");
  return x;
}

template <typename T>
std::string ToText(const T& x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

std::vector<std::string> SplitCommaList(const std::string& text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) return out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(Trim(item));
  if (!text.empty() && text.back() == ',') out.push_back("");
  return out;
}

std::string JoinCommaList(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& x : items) s += (s.empty() ? "" : ",") + x;
  return s;
}

void OptionList::Push(const std::string& key, std::string default_value, const std::string& help,
                      std::function<void(const std::string&)> set) {
  for (const auto& o : options_)
    if (o.key == key) Fail("options: '", key, "' declared twice");
  options_.push_back({key, std::move(default_value), help, std::move(set)});
}

void OptionList::Add(const std::string& key, int64_t* f, const std::string& help) {
  Push(key, ToText(*f), help, [f](const std::string& v) { *f = ParseInt(v); });
}

void OptionList::Add(const std::string& key, int* f, const std::string& help) {
  Push(key, ToText(*f), help, [f](const std::string& v) {
    const int64_t x = ParseInt(v);
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
      Fail("'", v, "' is out of range");
    *f = static_cast<int>(x);
  });
}

void OptionList::Add(const std::string& key, uint64_t* f, const std::string& help) {
  Push(key, ToText(*f), help, [f](const std::string& v) {
    const std::string t = Trim(v);
    if (t.empty() || t[0] == '-') Fail("expected a non-negative integer, got '", v, "'");
    char* end = nullptr;
    errno = 0;
    const unsigned long long x = std::strtoull(t.c_str(), &end, 10);
    if (*end != '\0') Fail("expected a non-negative integer, got '", v, "'");
    if (errno == ERANGE) Fail("'", v, "' is out of range");
    *f = x;
  });
}

void OptionList::Add(const std::string& key, double* f, const std::string& help) {
  Push(key, ToText(*f), help, [f](const std::string& v) { *f = ParseDouble(v); });
}

void OptionList::Add(const std::string& key, bool* f, const std::string& help) {
  Push(key, *f ? "true" : "false", help, [f](const std::string& v) {
    const std::string t = Trim(v);
    if (t == "true" || t == "1" || t == "yes" || t == "on") *f = true;
    else if (t == "false" || t == "0" || t == "no" || t == "off") *f = false;
    else Fail("expected true or false, got '", v, "'");
  });
}

void OptionList::Add(const std::string& key, std::string* f, const std::string& help) {
  Push(key, *f, help, [f](const std::string& v) { *f = Trim(v); });
}

void OptionList::Add(const std::string& key, std::vector<std::string>* f, const std::string& help) {
  Push(key, JoinCommaList(*f), help, [f](const std::string& v) {
    const auto items = SplitCommaList(v);
    std::set<std::string> seen;
    for (const auto& x : items) {
      if (x.empty()) Fail("'", v, "' holds an empty name");
      if (!seen.insert(x).second) Fail("'", x, "' is named twice");
    }
    *f = items;
  });
}

void OptionList::Add(const std::string& key, std::vector<double>* f, const std::string& help) {
  std::string text;
  for (double x : *f) text += (text.empty() ? "" : ",") + ToText(x);
  Push(key, text, help, [f](const std::string& v) {
    std::vector<double> out;
    for (const auto& x : SplitCommaList(v)) out.push_back(ParseDouble(x));
    *f = out;
  });
}

void OptionList::Add(const std::string& key, std::vector<int64_t>* f, const std::string& help) {
  std::string text;
  for (int64_t x : *f) text += (text.empty() ? "" : ",") + ToText(x);
  Push(key, text, help, [f](const std::string& v) {
    std::vector<int64_t> out;
    for (const auto& x : SplitCommaList(v)) out.push_back(ParseInt(x));
    *f = out;
  });
}

void OptionList::Append(const OptionList& other) {
  for (const auto& o : other.options_) Push(o.key, o.default_value, o.help, o.set);
}

void OptionList::Set(const std::string& key, const std::string& value) const {
  for (const auto& o : options_) {
    if (o.key != key) continue;
    try {
      o.set(value);
    } catch (const Error& e) {
      Fail("config key '", key, "': ", e.what());
    }
    return;
  }
  Fail("unknown config key '", key, "'");
}

void RequireInRange(const std::string& key, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) Fail("config key '", key, "': expected ", lo, " to ", hi, ", got ", value);
}

void RequirePositiveFloat(const std::string& key, double value) {
  constexpr double lo = std::numeric_limits<float>::min(), hi = std::numeric_limits<float>::max();
  if (!(value >= lo && value <= hi))
    Fail("config key '", key, "': expected a positive number in [", lo, ", ", hi, "] (it is used as a float), got ",
         value);
}

void RequireFloatInRange(const std::string& key, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) Fail("config key '", key, "': expected a number in [", lo, ", ", hi, "], got ", value);
}

void RequireNonNegativeFloat(const std::string& key, double value) {
  constexpr double lo = std::numeric_limits<float>::min(), hi = std::numeric_limits<float>::max();
  if (!(value == 0.0 || (value >= lo && value <= hi)))
    Fail("config key '", key, "': expected 0 or a number in [", lo, ", ", hi, "] (it is used as a float), got ", value);
}

namespace {

template <typename T>
void RequireDistinctValues(const std::string& key, const std::vector<T>& values) {
  std::set<T> seen;
  for (const T& v : values)
    if (!seen.insert(v).second) Fail("config key '", key, "': ", v, " is listed twice");
}

}  // namespace

void RequireDistinct(const std::string& key, const std::vector<double>& values) { RequireDistinctValues(key, values); }
void RequireDistinct(const std::string& key, const std::vector<int64_t>& values) { RequireDistinctValues(key, values); }

}  // namespace bundlerl
