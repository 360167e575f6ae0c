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

namespace bundlerl::cli {

namespace po = boost::program_options;

struct ParsedOptions {
  po::variables_map vm;
  bool help = false;
  std::string config_file;  // "" if none
  std::string resolved;     // the resolved options as INI text, for results files
};

// Parses args (after the subcommand name). `positional` names options that take positional
// arguments in order. Adds --help and --config. Throws bundlerl::Error on bad input.
ParsedOptions ParseSubcommand(const std::string& name, const std::vector<std::string>& args,
                              po::options_description& desc,
                              const po::positional_options_description* positional = nullptr);

// --world-size, --rank, --master HOST:PORT, --timeout; WORLD_SIZE, RANK, MASTER_ADDR and
// MASTER_PORT fill what the flags leave unset. Call FinishDistributedOptions after parsing.
struct DistributedFlags {
  int world_size = 1, rank = 0, timeout = 60;
  std::string master;
};
void AddDistributedOptions(po::options_description& desc, DistributedFlags& flags);

// Key -> line number of each "key = value" in an INI file ("section.key" inside [section]).
std::vector<std::pair<std::string, int>> IniKeyLines(const std::string& path);

}  // namespace bundlerl::cli
