// Registries keyed by the name a config uses: a policy, agent, estimator, choice model,
// reward model or experiment registers its name, a one-line summary, its parameters (with
// defaults and help) and its factory in its own source file, with one static registration:
//
//   const bool kRegistered = EstimatorRegistry::Register(
//       {"dros", "DR with optimistic shrinkage (Su et al. 2020)",
//        {{"lambda", "100", "shrinkage threshold"}},
//        [](const Spec& s) { return std::make_unique<DoublyRobust>(..., s.Double("lambda")); }});
//
// A config names an entry with its parameters after colons in declaration order, "dros:50";
// omitted trailing parameters take their defaults, and the last parameter takes the rest of
// the text, so that a parameter can itself be a spec ("epsilon-greedy:0.5:popularity").
// The command line's help text and the conformance tests come from the registries, so a new
// entry is documented and tested by being registered. (Static libraries holding
// registrations are linked whole: see bundlerl_link_whole() in CMakeLists.txt.)
#pragma once

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace bundlerl {

struct ParamSpec {
  std::string name, default_value, help;
};

// A parsed spec: the entry's name and its parameter values, by name.
class Spec {
 public:
  Spec() = default;
  Spec(std::string text, std::string name, std::map<std::string, std::string> values)
      : text_(std::move(text)), name_(std::move(name)), values_(std::move(values)) {}
  const std::string& text() const { return text_; }  // as written
  const std::string& name() const { return name_; }
  const std::string& String(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) Fail("'", text_, "': no parameter '", key, "'");
    return it->second;
  }
  double Double(const std::string& key) const {
    const std::string& v = String(key);
    char* end = nullptr;
    errno = 0;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || std::isnan(x))
      Fail("'", text_, "': parameter '", key, "' expects a number, got '", v, "'");
    return x;
  }
  int64_t Int(const std::string& key) const {
    const std::string& v = String(key);
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE)
      Fail("'", text_, "': parameter '", key, "' expects an integer, got '", v, "'");
    return x;
  }

 private:
  std::string text_, name_;
  std::map<std::string, std::string> values_;
};

// Registry<Product, Args...>: entries whose factories take (const Spec&, Args...).
template <typename Product, typename... Args>
class Registry {
 public:
  struct Entry {
    std::string name, summary;
    std::vector<ParamSpec> params;
    std::function<Product(const Spec&, Args...)> make;
  };

  // Adds an entry; a second entry of the same name is a programming error (aborts at start).
  static bool Register(Entry entry) {
    auto& entries = Entries();
    for (const auto& e : entries)
      if (e.name == entry.name) Fail("registry: '", entry.name, "' registered twice");
    entries.push_back(std::move(entry));
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return true;
  }

  static bool Has(const std::string& name) { return Find(name) != nullptr; }

  // Parses "name:p1:p2"; throws Error naming the spec and listing the known names.
  static Spec Parse(const std::string& text, const std::string& what) {
    const auto colon = text.find(':');
    const std::string name = text.substr(0, colon);
    const Entry* e = Find(name);
    if (!e) throw UnknownNameError(Concat("unknown ", what, " '", text, "'; known: ", NameList()));
    std::map<std::string, std::string> values;
    std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
    bool more = colon != std::string::npos;
    for (size_t p = 0; p < e->params.size(); ++p) {
      std::string value = e->params[p].default_value;
      if (more) {
        const bool last = p + 1 == e->params.size();
        const auto next = last ? std::string::npos : rest.find(':');
        value = rest.substr(0, next);
        more = next != std::string::npos;
        rest = more ? rest.substr(next + 1) : "";
      }
      values[e->params[p].name] = value;
    }
    if (more || (colon != std::string::npos && e->params.empty()))
      Fail(what, " '", text, "': too many parameters; ", Usage(*e));
    return Spec(text, name, std::move(values));
  }

  static Product Make(const std::string& text, const std::string& what, Args... args) {
    const Spec spec = Parse(text, what);
    return Find(spec.name())->make(spec, args...);
  }

  static std::vector<std::string> Names() {
    std::vector<std::string> out;
    for (const auto& e : Entries()) out.push_back(e.name);
    return out;
  }
  static std::string NameList() {
    std::string s;
    for (const auto& e : Entries()) s += (s.empty() ? "" : ", ") + e.name;
    return s;
  }
  static const std::vector<Entry>& All() { return Entries(); }

  // "name:p1:p2" with the parameters' defaults, e.g. "dros:LAMBDA (default 100)".
  static std::string Usage(const Entry& e) {
    std::string s = e.name;
    for (const auto& p : e.params) s += ":" + p.name;
    return s;
  }
  // One line per entry: usage, summary, then each parameter with its default and help.
  static std::string Help(size_t indent = 2) {
    std::string out;
    const std::string pad(indent, ' ');
    for (const auto& e : Entries()) {
      out += pad + Usage(e) + "\n" + pad + "    " + e.summary + "\n";
      for (const auto& p : e.params)
        out += pad + "    " + p.name + ": " + p.help + " (default " + p.default_value + ")\n";
    }
    return out;
  }

 private:
  static std::vector<Entry>& Entries() {
    static std::vector<Entry> entries;
    return entries;
  }
  static const Entry* Find(const std::string& name) {
    for (const auto& e : Entries())
      if (e.name == name) return &e;
    return nullptr;
  }
};

}  // namespace bundlerl
