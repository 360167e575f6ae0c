// Options declared beside the code that uses them (the way Vowpal Wabbit's reductions declare
// theirs): a config struct, an experiment or an agent adds each of its keys with the field it
// fills and one line of help; the command line (cli/) turns the list into flags and INI keys,
// parses values with the field's type and reports a bad value with its key, file and line.
// Help text comes from the same list, so it cannot fall out of step with the code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bundlerl {

struct OptionSpec {
  std::string key;            // "section.key", as in the INI files
  std::string default_value;  // the field's value when declared, as text
  std::string help;
  // Parses `value` and stores it in the field; throws Error saying what was expected (the
  // caller adds the key and the place).
  std::function<void(const std::string& value)> set;
};

class OptionList {
 public:
  void Add(const std::string& key, int64_t* field, const std::string& help);
  void Add(const std::string& key, int* field, const std::string& help);
  void Add(const std::string& key, uint64_t* field, const std::string& help);
  void Add(const std::string& key, double* field, const std::string& help);  // finite numbers only
  void Add(const std::string& key, bool* field, const std::string& help);    // true/false, 1/0, yes/no
  void Add(const std::string& key, std::string* field, const std::string& help);
  // Comma-separated names: none empty, none repeated.
  void Add(const std::string& key, std::vector<std::string>* field, const std::string& help);
  // Comma-separated numbers (may be empty).
  void Add(const std::string& key, std::vector<double>* field, const std::string& help);
  void Add(const std::string& key, std::vector<int64_t>* field, const std::string& help);
  // Appends another list's options.
  void Append(const OptionList& other);

  const std::vector<OptionSpec>& options() const { return options_; }
  // Sets `key` from `value`; throws Error "config key 'KEY': ..." for a bad value or an unknown key.
  void Set(const std::string& key, const std::string& value) const;

 private:
  void Push(const std::string& key, std::string default_value, const std::string& help,
            std::function<void(const std::string&)> set);
  std::vector<OptionSpec> options_;
};

// Comma-separated items, each trimmed of spaces; empty items are kept (as "") so that callers
// can reject them.
std::vector<std::string> SplitCommaList(const std::string& text);
std::string JoinCommaList(const std::vector<std::string>& items);

// Checks of declared values after parsing, each throwing Error "config key 'KEY': ..." (the
// command line adds the file and line where KEY was set).
void RequireInRange(const std::string& key, int64_t value, int64_t lo, int64_t hi);
// A positive number that LibTorch's float parameters can hold: in [1.2e-38, 3.4e38].
void RequirePositiveFloat(const std::string& key, double value);
// 0, or a positive number as above.
void RequireNonNegativeFloat(const std::string& key, double value);
// A number in [lo, hi].
void RequireFloatInRange(const std::string& key, double value, double lo, double hi);
// No value listed twice.
void RequireDistinct(const std::string& key, const std::vector<double>& values);
void RequireDistinct(const std::string& key, const std::vector<int64_t>& values);

}  // namespace bundlerl
