// The bundlerl command-line tool: subcommands over the library.
//
//   bundlerl import obd|bundles|amazon --dir DIR --out F.h5
//   bundlerl info F.h5
// Every subcommand takes --help and --config FILE.ini. Errors print one message that names
// the file / line / field and exit with status 1.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/error.h"

namespace {

void Usage(std::ostream& out) {
  out << "bundlerl " << BUNDLERL_VERSION
      << " - simulator, agents and off-policy evaluation for bundle recommendation\n\n"
         "usage: bundlerl <command> [options]   (bundlerl <command> --help for details)\n\n"
         "commands:\n";
  for (const auto& c : bundlerl::cli::Commands())
    out << "  " << c.name << std::string(12 - std::min<size_t>(11, c.name.size()), ' ')
        << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    Usage(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "bundlerl " << BUNDLERL_VERSION << "\n";
    return 0;
  }
  std::string command_line = "bundlerl";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : bundlerl::cli::Commands()) {
    if (c.name != name) continue;
    try {
      return c.run(args, command_line);
    } catch (const bundlerl::Error& e) {
      std::cerr << "bundlerl " << name << ": error: " << bundlerl::cli::WhereConfigKey(e.what()) << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "bundlerl " << name << ": unexpected error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "bundlerl: unknown command '" << name << "'\n\n";
  Usage(std::cerr);
  return 2;
}
