// bundlerl import obd|bundles|amazon --dir DIR --out F.h5
// bundlerl import slates --rounds ROUNDS.csv [--items ITEMS.csv] [--users USERS.csv] --out F.h5
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/error.h"
#include "dataset/importers.h"
#include "dataset/slate_log.h"
#include "replay/log_store.h"

namespace bundlerl::cli {
namespace {

std::vector<std::string> CommaList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

LoggedDataset ImportSlateFiles(const po::variables_map& vm, const std::string& command_line, std::string& note) {
  SlateFiles files;
  files.rounds = vm["rounds"].as<std::string>();
  if (files.rounds.empty()) Fail("import slates: --rounds ROUNDS.csv is required");
  files.items = vm["items"].as<std::string>();
  files.users = vm["users"].as<std::string>();
  files.candidates = vm["candidates"].as<std::string>();
  for (const auto& pair : vm["column"].as<std::vector<std::string>>()) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      Fail("--column: expected LOGICAL=ACTUAL (e.g. item_id=product), got '", pair, "'");
    if (!files.rename.emplace(pair.substr(0, eq), pair.substr(eq + 1)).second)
      Fail("--column: '", pair.substr(0, eq), "' renamed twice");
  }
  files.text = CommaList(vm["text"].as<std::string>());
  files.categorical = CommaList(vm["categorical"].as<std::string>());
  SlateLogOptions options;
  options.source = vm["source"].as<std::string>();
  options.logging_policy = vm["logging-policy"].as<std::string>();
  if (options.logging_policy.empty()) options.logging_policy = "logged";
  options.reward = vm["reward"].as<std::string>();
  options.slate_size = vm["slate-size"].as<int64_t>();
  options.drop_incomplete = vm["drop-incomplete"].as<bool>();
  options.command = command_line;
  int last = -1;
  auto progress = [&](int64_t bytes, int64_t total) {
    const int pct = total > 0 ? static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total)) : 0;
    if (pct / 10 == last / 10) return;
    last = pct;
    std::cerr << "import: " << pct << "% of " << files.rounds << " (" << bytes / (1 << 20) << " MiB)" << std::endl;
  };
  SlateImportReport report;
  LoggedDataset d = ImportSlates(files, options, progress, &report);
  std::ostringstream n;
  n << "read " << report.rows << " rows of " << files.rounds << " into " << d.rounds.n << " rounds of "
    << d.meta.slots_per_round << " slot(s), slate size " << d.meta.slate_size << "\n";
  if (report.dropped_rounds > 0)
    n << "dropped " << report.dropped_rounds << " rounds with fewer than " << d.meta.slots_per_round
      << " rows (--drop-incomplete)\n";
  if (report.users_without_features > 0)
    n << "warning: " << report.users_without_features << " users of the rounds are not in " << files.users
      << ": their features are 0\n";
  if (d.rounds.pscore.empty())
    n << "no propensity column: only the direct and model-based estimators will apply to these rounds\n";
  note = n.str();
  return d;
}

}  // namespace

int RunImport(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description desc(
      "bundlerl import FORMAT --dir DIR --out F.h5\n"
      "bundlerl import slates --rounds ROUNDS.csv [--items ITEMS.csv] [--users USERS.csv] --out F.h5\n\n"
      "FORMAT: obd     Open Bandit Dataset campaign folder (e.g. obd/random/men)\n"
      "        bundles bundle-ranking layout (e.g. bundles/Youshu)\n"
      "        amazon  Amazon session bundles (e.g. bundles/amazon/electronic)\n"
      "        slates  your own slate logs (docs/FORMATS.md, \"The generic slate layout\"): ROUNDS has one row\n"
      "                per shown slot: round_id, position (0-based), item_id, and optionally session_id,\n"
      "                user_id, timestamp, click, purchase, revenue, propensity, slate_propensity,\n"
      "                candidate_set, context_<name>; ITEMS: item_id, title, category, price, feature_<name>,\n"
      "                text columns (--text); USERS: user_id, feature_<name>\n\noptions");
  desc.add_options()
      ("format", po::value<std::string>()->required(), "obd, bundles, amazon or slates")
      ("dir", po::value<std::string>()->default_value(""), "obd, bundles, amazon: the source folder")
      ("out", po::value<std::string>()->required(), "output HDF5 file (written atomically)")
      ("logging-policy", po::value<std::string>()->default_value(""),
       "obd: name of the logging policy (default: from the folder, random -> uniform); slates: its name "
       "(default 'logged')")
      ("rounds", po::value<std::string>()->default_value(""), "slates: the rounds CSV, one row per shown slot")
      ("items", po::value<std::string>()->default_value(""), "slates: the items CSV (optional)")
      ("users", po::value<std::string>()->default_value(""), "slates: the users CSV (optional)")
      ("candidates", po::value<std::string>()->default_value(""),
       "slates: a CSV candidate_set,item_id of each candidate set's items (optional; without it a set holds "
       "the items shown in its rounds)")
      ("column", po::value<std::vector<std::string>>()->default_value({}, "")->composing(),
       "slates: LOGICAL=ACTUAL, the file's name of a column (repeatable), e.g. --column item_id=product")
      ("text", po::value<std::string>()->default_value(""),
       "slates: comma-separated item text columns the TF-IDF kernels read (default: title, if present)")
      ("categorical", po::value<std::string>()->default_value(""),
       "slates: context columns to read as categories even where their values are numbers")
      ("source", po::value<std::string>()->default_value("slates"), "slates: the file's source attribute")
      ("reward", po::value<std::string>()->default_value(""),
       "slates: the reward evaluate and train use by default (click, purchase, revenue; default: the first present)")
      ("slate-size", po::value<int64_t>()->default_value(0),
       "slates: K, the positions of a page (default: the largest position + 1)")
      ("drop-incomplete", po::bool_switch()->default_value(false),
       "slates: drop rounds with fewer rows than the others (default: an error naming the first)");
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
  if (out.empty()) Fail("--out: expected a file name, got an empty one");
  LoggedDataset d;
  std::string note;
  if (format == "slates") {
    if (!dir.empty()) Fail("import slates takes --rounds (and --items, --users), not --dir");
    CheckOutputIsNotInput(out, {vm["rounds"].as<std::string>(), vm["items"].as<std::string>(),
                                vm["users"].as<std::string>(), vm["candidates"].as<std::string>(), parsed.config_file});
    d = ImportSlateFiles(vm, command_line, note);
  } else {
    if (format != "obd" && format != "bundles" && format != "amazon")
      Fail("unknown format '", format, "', expected obd, bundles, amazon or slates");
    if (dir.empty()) Fail("import ", format, ": --dir is required");
    for (const char* flag : {"rounds", "items", "users", "candidates"})
      if (!vm[flag].as<std::string>().empty()) Fail("--", flag, " is an option of import slates, not of import ", format);
    CheckOutputIsNotInput(out, {dir, parsed.config_file});
    if (format == "obd") d = ImportObd(dir, command_line, vm["logging-policy"].as<std::string>());
    else if (format == "bundles") d = ImportBundles(dir, command_line);
    else d = ImportAmazon(dir, command_line);
  }
  WriteDataset(d, out);
  const ImportStats s = StatsOf(d);
  std::cout << "wrote " << out << ": " << s.rounds + s.interactions << " rounds/interactions, " << s.items
            << " items, " << s.users << " users, " << s.bundles << " bundles, " << s.sessions
            << " sessions\n";
  std::cout << note;
  return 0;
}

}  // namespace bundlerl::cli
