// Subcommand option parsing: see options.h.
#include "cli/options.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"

namespace bundlerl::cli {

std::vector<std::pair<std::string, int>> IniKeyLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail(path, ": cannot open config file");
  std::vector<std::pair<std::string, int>> keys;
  std::string line, section;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == ';') continue;
    if (line[first] == '[') {
      const auto close = line.find(']', first);
      if (close == std::string::npos)
        Fail(path, ", line ", n, ": malformed section header '", line, "', expected [name]");
      section = line.substr(first + 1, close - first - 1);
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      Fail(path, ", line ", n, ": expected 'key = value', found '", line, "'");
    std::string key = line.substr(first, eq - first);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    keys.emplace_back(section.empty() ? key : section + "." + key, n);
  }
  return keys;
}

void AddDistributedOptions(po::options_description& desc, DistributedFlags& f) {
  desc.add_options()
      ("world-size", po::value(&f.world_size)->default_value(1), "processes in the job (or WORLD_SIZE)")
      ("rank", po::value(&f.rank)->default_value(0), "this process's rank (or RANK)")
      ("master", po::value(&f.master)->default_value(""), "rank 0's HOST:PORT (or MASTER_ADDR, MASTER_PORT)")
      ("timeout", po::value(&f.timeout)->default_value(60), "seconds to wait for the other ranks before failing");
}

namespace {

int LineOf(const std::vector<std::pair<std::string, int>>& keys, const std::string& key) {
  for (const auto& [k, line] : keys)
    if (k == key) return line;
  return 0;
}

// The message of a Boost.Program_options error. Boost fills its placeholders (%value%,
// %option%, ...) by search and replace until none is left, which never ends when the text put
// in holds a placeholder itself (an INI value "%value%" hung the parser; found by
// fuzz/ini_fuzz.cpp): every '%' of the texts put in is written as "%25" first.
std::string MessageOf(const po::error& e) {
  const auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
  if (!named) return e.what();
  struct Substitutions : po::error_with_option_name {
    static const std::map<std::string, std::string>& Of(const po::error_with_option_name& x) {
      return x.*(&Substitutions::m_substitutions);
    }
  };
  po::error_with_option_name safe = *named;
  for (const auto& [token, text] : Substitutions::Of(*named)) {
    std::string escaped;
    for (char c : text) escaped += c == '%' ? std::string("%25") : std::string(1, c);
    safe.set_substitute(token, escaped);
  }
  return safe.what();
}

// The last parsed command's options, for locating keys named by later errors.
ParsedOptions& LastParsed() {
  static ParsedOptions last;
  return last;
}

std::string Resolve(const po::variables_map& vm) {
  std::ostringstream out;
  for (const auto& [key, value] : vm) {
    if (key == "help" || key == "config") continue;
    const auto& v = value.value();
    out << key << " = ";
    if (auto* s = boost::any_cast<std::string>(&v)) out << *s;
    else if (auto* i = boost::any_cast<int>(&v)) out << *i;
    else if (auto* l = boost::any_cast<int64_t>(&v)) out << *l;
    else if (auto* u = boost::any_cast<uint64_t>(&v)) out << *u;
    else if (auto* d = boost::any_cast<double>(&v)) out << *d;
    else if (auto* b = boost::any_cast<bool>(&v)) out << (*b ? "true" : "false");
    else if (auto* vs = boost::any_cast<std::vector<std::string>>(&v)) {
      for (size_t i = 0; i < vs->size(); ++i) out << (i ? "," : "") << (*vs)[i];
    } else out << "?";
    out << "\n";
  }
  return out.str();
}

}  // namespace

std::string ParsedOptions::Where(const std::string& key) const {
  for (const auto& a : args)
    if (a == "--" + key || a.rfind("--" + key + "=", 0) == 0) return "the command line (--" + key + ")";
  const int line = LineOf(config_lines, key);
  return line > 0 ? Concat(config_file, ", line ", line) : "";
}

void AddOptionList(po::options_description& desc, const OptionList& list) {
  for (const auto& o : list.options())
    desc.add_options()(o.key.c_str(), po::value<std::string>()->default_value(o.default_value), o.help.c_str());
}

void ApplyOptionList(const OptionList& list, const ParsedOptions& parsed) {
  for (const auto& o : list.options()) {
    if (!parsed.vm.count(o.key)) continue;
    try {
      list.Set(o.key, parsed.vm[o.key].as<std::string>());
    } catch (const Error& e) {
      const std::string where = parsed.Where(o.key);
      Fail(where.empty() ? "" : where + ": ", e.what());
    }
  }
}

std::string WhereConfigKey(const std::string& message) {
  const std::string tag = "config key '";
  const auto at = message.find(tag);
  if (at == std::string::npos) return "";
  const auto end = message.find('\'', at + tag.size());
  if (end == std::string::npos) return "";
  const std::string key = message.substr(at + tag.size(), end - at - tag.size());
  const std::string where = LastParsed().Where(key);
  // A message that already names the place is left as it is.
  if (where.empty() || message.find(where) != std::string::npos) return "";
  return where + ": ";
}

ParsedOptions ParseSubcommand(const std::string& name, const std::vector<std::string>& args,
                              po::options_description& desc,
                              const po::positional_options_description* positional) {
  desc.add_options()("help,h", "show this help and exit")(
      "config", po::value<std::string>(), "read options from this INI file (flags override it)");
  ParsedOptions out;
  out.args = args;
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), out.vm);
  } catch (const po::error& e) {
    Fail("bundlerl ", name, ": ", MessageOf(e), " (see 'bundlerl ", name, " --help')");
  }
  if (out.vm.count("help")) {
    out.help = true;
    return out;
  }
  if (out.vm.count("config")) {
    out.config_file = out.vm["config"].as<std::string>();
    const auto keys = IniKeyLines(out.config_file);
    out.config_lines = keys;
    // Lines starting with ';' are INI comments too (boost reads only '#'): blanked, so that
    // the line numbers stay those of the file.
    std::ifstream file(out.config_file);
    std::ostringstream text;
    for (std::string line; std::getline(file, line);) {
      const auto first = line.find_first_not_of(" \t");
      text << (first != std::string::npos && line[first] == ';' ? "" : line) << "\n";
    }
    std::istringstream in(text.str());
    try {
      // Stored after the command line, so flags given there win.
      po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), out.vm);
    } catch (const po::error_with_option_name& e) {
      std::string key = e.get_option_name();
      if (key.rfind("--", 0) == 0) key = key.substr(2);
      const int line = LineOf(keys, key);
      if (key.empty() || line <= 0) Fail(out.config_file, ": ", MessageOf(e));
      Fail(out.config_file, ", line ", line, ": key '", key, "': ", MessageOf(e));
    } catch (const po::error& e) {
      Fail(out.config_file, ": ", MessageOf(e));
    }
  }
  try {
    po::notify(out.vm);
  } catch (const po::error& e) {
    Fail("bundlerl ", name, ": ", MessageOf(e), " (see 'bundlerl ", name, " --help')");
  }
  out.resolved = Resolve(out.vm);
  LastParsed() = out;
  return out;
}

void CheckOutputIsNotInput(const std::string& out, const std::vector<std::string>& inputs,
                           const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(out, ec)) Fail(flag, " ", out, ": is a folder, expected a file path");
  const fs::path target = fs::weakly_canonical(out, ec);
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    const fs::path source = fs::weakly_canonical(input, ec);
    if (target == source)
      Fail(flag, " ", out, " is also an input (", input, "): choose another output path");
    if (fs::is_directory(source, ec) && fs::exists(target, ec)) {
      const auto rel = target.lexically_relative(source);
      if (!rel.empty() && *rel.begin() != "..")
        Fail(flag, " ", out, " would replace a file in the input folder ", input,
             ": choose a path outside it");
    }
  }
}

}  // namespace bundlerl::cli
