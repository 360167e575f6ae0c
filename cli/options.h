// Command-line and INI-config parsing for the bundlerl subcommands (Boost.Program_options).
//
// Every subcommand declares one options_description; ParseSubcommand() reads the command line
// and, when --config FILE.ini is given, the same options from the INI file, with command-line
// flags taking precedence. Unknown keys and malformed values name the key, the file and the
// line.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "common/options.h"

namespace bundlerl::cli {

namespace po = boost::program_options;

struct ParsedOptions {
  po::variables_map vm;
  bool help = false;
  std::string config_file;  // "" if none
  std::string resolved;     // the resolved options as INI text, for results files
  std::vector<std::pair<std::string, int>> config_lines;  // key -> line in config_file
  std::vector<std::string> args;                          // the command line after the subcommand
  // Where `key` was set: "the command line (--key)", "FILE, line N", or "" (its default).
  std::string Where(const std::string& key) const;
};

// Parses args (after the subcommand name). `positional` names options that take positional
// arguments in order. Adds --help and --config. Throws bundlerl::Error on bad input.
ParsedOptions ParseSubcommand(const std::string& name, const std::vector<std::string>& args,
                              po::options_description& desc,
                              const po::positional_options_description* positional = nullptr);

// Options declared beside their code (common/options.h) as flags and INI keys, text-valued
// with the field's value as the default; ApplyOptionList then parses every value into its
// field, a bad value naming its key and where it was set.
void AddOptionList(po::options_description& desc, const OptionList& list);
void ApplyOptionList(const OptionList& list, const ParsedOptions& parsed);

// Where the key named by "config key 'KEY'" in `message` was set, for error messages that
// come after parsing (Validate() and the like): "FILE, line N: " or "".
std::string WhereConfigKey(const std::string& message);

// --world-size, --rank, --master HOST:PORT, --timeout; WORLD_SIZE, RANK, MASTER_ADDR and
// MASTER_PORT fill what the flags leave unset. Call FinishDistributedOptions after parsing.
struct DistributedFlags {
  int world_size = 1, rank = 0, timeout = 60;
  std::string master;
};
void AddDistributedOptions(po::options_description& desc, DistributedFlags& flags);

// Refuses an output path that would replace an input: `out` may not be one of the input
// files, nor an existing file inside an input folder (an importer's source CSV), nor a
// folder. Inputs that are empty strings are skipped. `flag` names the option ("--out").
void CheckOutputIsNotInput(const std::string& out, const std::vector<std::string>& inputs,
                           const std::string& flag = "--out");

// Key -> line number of each "key = value" in an INI file ("section.key" inside [section]).
std::vector<std::pair<std::string, int>> IniKeyLines(const std::string& path);

}  // namespace bundlerl::cli
