// bundlerl synth --config FILE.ini --rounds N --out F.h5
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "agents/simulated_logs.h"
#include "cli/commands.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "common/executor.h"
#include "env/world.h"
#include "policy/fixed_policies.h"
#include "replay/log_store.h"

namespace bundlerl::cli {

namespace {

// Throws Error when the rounds still to write, at the bytes per round of the `written` so far
// in the temporary file `partial`, would not fit in the free space of its disk.
void CheckRoomForTheRest(const std::string& partial, const std::string& out, int64_t written, int64_t rounds) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const double size = static_cast<double>(fs::file_size(partial, ec));
  const fs::space_info disk = fs::space(fs::path(partial).parent_path().empty() ? "." : fs::path(partial).parent_path(), ec);
  if (ec || size <= 0) return;
  const double rest = size / static_cast<double>(written) * static_cast<double>(rounds - written);
  if (rest > static_cast<double>(disk.available))
    Fail("--out ", out, ": ", rounds, " rounds would take about ", (size + rest) / 1e9, " GB (", size / written,
         " bytes a round, as written so far), and the disk has ", static_cast<double>(disk.available) / 1e9,
         " GB free; stopped after ", written, " rounds, nothing written");
}

}  // namespace

int RunSynth(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  std::string out;
  int64_t rounds = 0;
  po::options_description desc(
      "bundlerl synth --config FILE.ini --rounds N --out F.h5\n\n"
      "Logs N one-step rounds of the config's world under compare.logging_policy, as the comparison\n"
      "does (seeded by compare.seed: with compare.log_rounds rounds the file equals its logs.h5),\n"
      "streaming them to the file in chunks, so that logs larger than memory can be made. The file\n"
      "carries the world's catalog and kernel spec: train --logs and evaluate --policy rebuild the\n"
      "simulator's features from it.\n\noptions");
  desc.add_options()
      ("rounds", po::value(&rounds)->required(), "logged rounds")
      ("out", po::value(&out)->required(), "the HDF5 file (written atomically)");
  AddSimOptions(desc, o, /*with_compare=*/true);
  auto parsed = ParseSubcommand("synth", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o, parsed);
  CheckOutputIsNotInput(out, {parsed.config_file});
  if (rounds < 1 || rounds > (int64_t{1} << 40)) Fail("--rounds: expected a number in [1, 2^40], got ", rounds);
  ValidateThreads(o.compare.threads, "config key 'compare.threads'");
  SessionConfig one = o.session;
  one.max_steps = 1;
  const auto model = std::make_shared<const ShopperModel>(World::Generate(o.world), o.shopper, one);
  const auto logging = MakeFixedPolicy(o.compare.logging_policy);
  SimulatedLogConfig lc;
  lc.rounds = rounds;
  lc.seed = StreamSeed(o.compare.seed, Stream::kLogging);
  lc.threads = o.compare.threads;
  lc.source = "synthetic/" + o.compare.name;
  lc.config = parsed.resolved;
  lc.command = command_line;
  const LoggedDataset catalog = SimulatedLogCatalog(*model, *logging, lc);
  LogWriter writer(out, catalog.meta);
  writer.WriteCatalog(catalog);
  constexpr int64_t kChunk = 1 << 16;
  RoundBatch batch;
  const bool tty = isatty(2);
  for (int64_t first = 0; first < rounds; first += kChunk) {
    LogSimulatedRange(model, *logging, lc, first, std::min(kChunk, rounds - first), batch);
    writer.AppendRounds(batch);
    // After 4 chunks and every 64th after, the rest projected from the bytes written so far:
    // a log the disk cannot hold stops here, its partial file removed, not when the disk is full.
    const int64_t chunks = first / kChunk + 1;
    if (chunks == 4 || (chunks > 4 && chunks % 64 == 0)) CheckRoomForTheRest(writer.file().path(), out, first + batch.n, rounds);
    if (tty) std::cerr << "\rsynth: " << first + batch.n << "/" << rounds << " rounds" << std::flush;
  }
  if (tty) std::cerr << "\n";
  writer.Commit();
  std::cout << "wrote " << out << ": " << rounds << " rounds of " << catalog.meta.source << " logged by "
            << logging->name() << "\n";
  return 0;
}

}  // namespace bundlerl::cli
