// bundlerl import obd|bundles|amazon --dir DIR --out F.h5
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/error.h"
#include "dataset/importers.h"
#include "replay/log_store.h"

namespace bundlerl::cli {

int RunImport(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description desc(
      "bundlerl import FORMAT --dir DIR --out F.h5\n\n"
      "FORMAT: obd     Open Bandit Dataset campaign folder (e.g. obd/random/men)\n"
      "        bundles bundle-ranking layout (e.g. bundles/Youshu)\n"
      "        amazon  Amazon session bundles (e.g. bundles/amazon/electronic)\n\noptions");
  desc.add_options()
      ("format", po::value<std::string>()->required(), "obd, bundles or amazon")
      ("dir", po::value<std::string>()->required(), "source folder")
      ("out", po::value<std::string>()->required(), "output HDF5 file (written atomically)")
      ("logging-policy", po::value<std::string>()->default_value(""),
       "obd only: name of the logging policy (default: from the folder, random -> uniform)");
  po::positional_options_description pos;
  pos.add("format", 1);
  auto parsed = ParseSubcommand("import", args, desc, &pos);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  const auto& vm = parsed.vm;
  const std::string format = vm["format"].as<std::string>();
  const std::string dir = vm["dir"].as<std::string>(), out = vm["out"].as<std::string>();
  CheckOutputIsNotInput(out, {dir, parsed.config_file});
  LoggedDataset d;
  if (format == "obd") d = ImportObd(dir, command_line, vm["logging-policy"].as<std::string>());
  else if (format == "bundles") d = ImportBundles(dir, command_line);
  else if (format == "amazon") d = ImportAmazon(dir, command_line);
  else Fail("unknown format '", format, "', expected obd, bundles or amazon");
  WriteDataset(d, out);
  const ImportStats s = StatsOf(d);
  std::cout << "wrote " << out << ": " << s.rounds + s.interactions << " rounds/interactions, " << s.items
            << " items, " << s.users << " users, " << s.bundles << " bundles, " << s.sessions
            << " sessions\n";
  return 0;
}

}  // namespace bundlerl::cli
