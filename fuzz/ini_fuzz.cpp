// Fuzz target: the INI layer (cli/options.h over Boost.Program_options, and the typed
// values of common/options.h). The input is a config file given as --config to a command
// that declares Boost options and an OptionList with one key of every value type; every
// value is then parsed into its field, as the subcommands do.
#include "cli/options.h"
#include "common/options.h"
#include "fuzz/fuzz_input.h"

namespace {

struct Fields {
  int64_t items = 10;
  int threads = 1;
  uint64_t seed = 0;
  double rate = 0.5;
  bool verbose = false;
  std::string name = "x";
  std::vector<std::string> strategies{"uniform"};
  std::vector<double> weights;
  std::vector<int64_t> ids;
};

void Parse(const uint8_t* data, size_t size) {
  namespace po = boost::program_options;
  const std::string path =
      bundlerl::fuzz::Scratch::Get().Write("config.ini", std::string(reinterpret_cast<const char*>(data), size));
  Fields f;
  bundlerl::OptionList list;
  list.Add("world.items", &f.items, "items");
  list.Add("world.threads", &f.threads, "threads");
  list.Add("world.seed", &f.seed, "seed");
  list.Add("world.rate", &f.rate, "rate");
  list.Add("run.verbose", &f.verbose, "verbose");
  list.Add("run.name", &f.name, "name");
  list.Add("compare.strategies", &f.strategies, "strategies");
  list.Add("compare.weights", &f.weights, "weights");
  list.Add("compare.ids", &f.ids, "ids");
  int episodes = 1;
  std::string out;
  po::options_description desc("fuzz");
  desc.add_options()("episodes", po::value(&episodes)->default_value(1), "episodes")(
      "out", po::value(&out)->default_value(""), "out");
  bundlerl::cli::AddOptionList(desc, list);
  const auto parsed = bundlerl::cli::ParseSubcommand("fuzz", {"--config", path}, desc);
  bundlerl::cli::ApplyOptionList(list, parsed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
