// bundlerl split --logs F.h5 --at 0.5 --out-first A.h5 --out-second B.h5
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/error.h"
#include "replay/log_store.h"

namespace bundlerl::cli {

int RunSplit(const std::vector<std::string>& args, const std::string& command_line) {
  std::string logs, first_path, second_path, by;
  double at = 0.5;
  po::options_description desc(
      "bundlerl split --logs F.h5 --at 0.5 --out-first A.h5 --out-second B.h5\n\n"
      "Splits a logged file's rounds in two, the earlier --at share (by timestamp, ties in file\n"
      "order; or by file order with --by index) and the rest, each written with the file's\n"
      "catalog, users and context: e.g. train on the first half, evaluate on the second.\n\noptions");
  desc.add_options()
      ("logs", po::value(&logs)->required(), "the logged file")
      ("at", po::value(&at)->default_value(at), "share of the rounds in the first part, in (0, 1)")
      ("by", po::value(&by)->default_value("time"), "time (timestamps) or index (file order)")
      ("out-first", po::value(&first_path)->required(), "the earlier rounds")
      ("out-second", po::value(&second_path)->required(), "the later rounds");
  auto parsed = ParseSubcommand("split", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  if (!(at > 0 && at < 1)) Fail("--at: expected a share in (0, 1), got ", at);
  if (by != "time" && by != "index") Fail("--by: expected time or index, got '", by, "'");
  CheckOutputIsNotInput(first_path, {logs, parsed.config_file}, "--out-first");
  CheckOutputIsNotInput(second_path, {logs, parsed.config_file, first_path}, "--out-second");
  auto [first, second] = SplitRounds(ReadDataset(logs), at, by == "time");
  first.meta.command = second.meta.command = command_line;
  WriteDataset(first, first_path);
  WriteDataset(second, second_path);
  std::cout << "wrote " << first_path << " (" << first.num_rounds() << " rounds) and " << second_path << " ("
            << second.num_rounds() << " rounds)\n";
  return 0;
}

}  // namespace bundlerl::cli
