// Saved fitted worlds: see world_file.h.
#include "harness/world_file.h"

#include <filesystem>

#include "common/error.h"
#include "replay/h5.h"
#include "replay/log_store.h"

namespace bundlerl {

void SaveFittedWorld(const FittedWorld& world, const std::string& path, const std::string& command) {
  const LoggedDataset& d = world.logs();
  d.Validate(path);
  LogMeta meta = d.meta;
  meta.command = command;
  LogWriter w(path, meta);
  w.WriteCatalog(d);
  constexpr int64_t kChunk = 1 << 16;
  RoundBatch chunk;
  for (int64_t first = 0; first < d.rounds.n; first += kChunk) {
    chunk.Clear();
    chunk.AppendFrom(d.rounds, first, std::min(kChunk, d.rounds.n - first));
    chunk.first_round = first;
    w.AppendRounds(chunk);
  }
  h5::File& f = w.file();
  const auto& p = world.model().parameters();
  const FittedWorldReport& r = world.report();
  f.SetAttr("world_kind", p.kind);
  f.SetAttr("world_choice", p.choice);
  f.SetAttr("world_model_features", p.features);
  f.SetAttr("world_negatives", p.negatives);
  f.SetAttr("world_features", world.feature_spec().ToString());
  f.SetAttr("world_kernels", world.kernel_spec().ToString());
  f.SetAttr("world_slate_size", world.slate_size());
  f.SetAttr("world_expected_reward", static_cast<int64_t>(world.expected_reward() ? 1 : 0));
  f.CreateGroup("/world");
  const int64_t D = static_cast<int64_t>(p.beta.size());
  f.Write("/world/beta", p.beta, {D});
  if (!p.covariance.empty()) f.Write("/world/covariance", p.covariance, {D, D});
  if (!r.model.stderr_.empty()) f.Write("/world/stderr", r.model.stderr_, {D});
  f.WriteStrings("/world/parameters", r.model.parameters);
  const std::vector<double> numbers = {static_cast<double>(r.train_rounds), static_cast<double>(r.heldout_rounds),
                                       r.heldout_loglik, r.heldout_loglik_null, r.model.loglik, r.model.loglik_null,
                                       r.heldout ? 1.0 : 0.0, static_cast<double>(r.model.rounds)};
  f.Write("/world/report", numbers, {static_cast<int64_t>(numbers.size())});
  w.Commit();
}

bool IsFittedWorldFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const LogReader reader(path);
    return reader.Has("/world/beta");
  } catch (const Error&) {
    return false;
  }
}

std::shared_ptr<const FittedWorld> LoadFittedWorld(const std::string& path) {
  const LogReader reader(path);
  if (!reader.Has("/world/beta"))
    Fail(path, ": not a fitted world (no /world/beta; bundlerl fit-world --logs F.h5 --out W.h5 writes one)");
  const h5::File& f = reader.file();
  FittedShopperModel::Parameters p;
  p.kind = f.GetStringAttr("world_kind");
  p.choice = f.GetStringAttr("world_choice");
  p.features = f.GetStringAttr("world_model_features");
  p.negatives = f.GetIntAttr("world_negatives");
  p.slate_size = f.GetIntAttr("world_slate_size");
  p.beta = f.Read<double>("/world/beta");
  if (reader.Has("/world/covariance")) p.covariance = f.Read<double>("/world/covariance");
  FittedWorldReport r;
  r.kind = p.kind;
  r.model.choice = p.choice;
  if (reader.Has("/world/stderr")) r.model.stderr_ = f.Read<double>("/world/stderr");
  r.model.estimate = p.beta;
  const std::vector<double> numbers = f.Read<double>("/world/report");
  if (numbers.size() != 8) Fail(path, ": dataset /world/report has ", numbers.size(), " values, expected 8");
  r.train_rounds = static_cast<int64_t>(numbers[0]);
  r.heldout_rounds = static_cast<int64_t>(numbers[1]);
  r.heldout_loglik = numbers[2], r.heldout_loglik_null = numbers[3];
  r.model.loglik = numbers[4], r.model.loglik_null = numbers[5];
  r.heldout = numbers[6] != 0;
  r.model.rounds = static_cast<int64_t>(numbers[7]);
  LoggedDataset logs = ReadDataset(reader, 0, -1);
  try {
    return std::make_shared<const FittedWorld>(std::move(logs), KernelSpec::Parse(f.GetStringAttr("world_kernels")),
                                               FeatureSpec::Parse(f.GetStringAttr("world_features")), std::move(p),
                                               std::move(r), f.GetIntAttr("world_expected_reward") != 0);
  } catch (const Error& e) {
    Fail(path, ": ", e.what());
  }
}

}  // namespace bundlerl
