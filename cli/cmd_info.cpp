// bundlerl info F.h5
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "replay/log_summary.h"

namespace bundlerl::cli {

int RunInfo(const std::vector<std::string>& args, const std::string&) {
  po::options_description desc("bundlerl info F.h5\n\noptions");
  desc.add_options()("file", po::value<std::string>()->required(), "a BundleRL HDF5 file");
  po::positional_options_description pos;
  pos.add("file", 1);
  auto parsed = ParseSubcommand("info", args, desc, &pos);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  LogReader reader(parsed.vm["file"].as<std::string>());
  std::cout << FormatSummary(SummarizeLog(reader));
  return 0;
}

}  // namespace bundlerl::cli
