// The world fitted to a log: see fitted_world.h.
#include "env/fitted_world.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "common/fnv.h"
#include "common/random.h"

namespace bundlerl {
namespace {

// Rounds [first, end) of `d`, at most `limit` of them in 16 evenly spread blocks, with the catalog.
LoggedDataset SampleOf(const LoggedDataset& d, int64_t first, int64_t end, int64_t limit) {
  LoggedDataset out = d;
  out.rounds.Clear();
  const int64_t n = end - first;
  if (n <= limit) {
    out.rounds.AppendFrom(d.rounds, first, n);
  } else {
    const int64_t blocks = 16, size = limit / blocks;
    for (int64_t b = 0; b < blocks; ++b) out.rounds.AppendFrom(d.rounds, first + b * (n - size) / (blocks - 1), size);
  }
  out.rounds.first_round = 0;
  return out;
}

// The feature groups of "auto": those whose parameters stay few (the fit's cost grows with
// their square); a model of one item at a time goes without the bundle group.
std::string AutoGroups(const ItemKernels& kernels, bool single) {
  std::string groups = single ? "kernel" : "kernel,bundle";
  if (kernels.item_features.cols() <= 64) groups += ",profile,item";
  if (kernels.num_items() <= 300) groups += ",unit";
  return groups;
}

class FittedSession : public EpisodeSession {
 public:
  explicit FittedSession(const FittedWorld& world)
      : world_(world),
        observer_(world.logs(), world.kernels(), world.feature_spec(), world.slate_size()),
        p_(world.slate_size()) {}
  uint64_t Start(int64_t episode, uint64_t run_seed) override {
    const uint64_t seed = DeriveSeed(run_seed, static_cast<uint64_t>(episode));
    round_ = world_.RoundOf(episode, run_seed);
    rng_ = SplitMix64(StreamSeed(seed, Stream::kSession));
    obs_ = &observer_.Observe(world_.logs().rounds, round_);
    done_ = false;
    return StreamSeed(seed, Stream::kPolicy);
  }
  bool done() const override { return done_; }
  int64_t step() const override { return done_ ? 1 : 0; }
  Observation Observe() override {
    if (!obs_) Fail("fitted world: Observe before Start");
    return *obs_;
  }
  StepResult Step(const int32_t* slate) override {
    if (done_ || !obs_) Fail("fitted world: Step outside an episode (each episode is one step)");
    const int64_t K = world_.slate_size(), C = obs_->num_candidates;
    for (int64_t k = 0; k < K; ++k) {
      if (slate[k] < 0 || slate[k] >= C) Fail("slot ", k, ": candidate ", slate[k], " not in [0, ", C, ")");
      for (int64_t j = 0; j < k; ++j)
        if (slate[j] == slate[k]) Fail("slot ", k, ": candidate ", slate[k], " also in slot ", j);
    }
    const double expected = world_.model().ClickProbabilities(*obs_, slate, p_.data(), nullptr, x_);
    StepResult r;
    r.clicks = world_.model().SampleClicks(p_.data(), rng_);
    r.reward = world_.expected_reward() ? expected : __builtin_popcount(r.clicks);
    r.done = done_ = true;
    return r;
  }

 private:
  const FittedWorld& world_;
  RoundObserver observer_;
  const Observation* obs_ = nullptr;
  int64_t round_ = 0;
  bool done_ = true;
  SplitMix64 rng_{0};
  std::vector<double> p_, x_;
};

}  // namespace

FittedWorld::FittedWorld(std::shared_ptr<const LoggedDataset> logs, const KernelSpec& kernels,
                         const FeatureSpec& features, int64_t slate_size)
    : logs_(std::move(logs)),
      kernel_spec_(DefaultKernelSpec(*logs_, kernels)),
      kernels_(BuildKernels(*logs_, kernel_spec_)),
      feature_spec_(features) {
  const LogMeta& m = logs_->meta;
  const std::string where = m.source.empty() ? std::string("the logs") : m.source;
  if (logs_->rounds.n == 0) Fail(where, ": no logged rounds to fit a world to");
  if (logs_->items.n == 0) Fail(where, ": no item catalog (/items), which the world's observations are built from");
  slate_size_ = slate_size > 0 ? slate_size : m.slate_size;
  if (slate_size_ > 31) Fail(where, ": slates of at most 31 slots (click masks of 32 bits), got ", slate_size_);
  const RoundObserver observer(*logs_, kernels_, feature_spec_, slate_size_);
  num_candidates_ = observer.num_candidates();
  num_features_ = observer.num_features();
}

FittedWorld::FittedWorld(LoggedDataset logs, const KernelSpec& kernels, const FeatureSpec& features,
                         FittedShopperModel::Parameters model, FittedWorldReport report, bool expected_reward)
    : FittedWorld(std::make_shared<const LoggedDataset>(std::move(logs)), kernels, features, model.slate_size) {
  if (model.kind == "slates" && model.slate_size != logs_->meta.slate_size)
    Fail("fitted world: a model of slates of ", model.slate_size, " for logs of ", logs_->meta.slate_size);
  expected_reward_ = expected_reward;
  model_ = std::make_unique<FittedShopperModel>(kernels_, std::move(model));
  report_ = std::move(report);
  report_.model.parameters = model_->summary().parameters;
}

std::shared_ptr<const FittedWorld> FittedWorld::Fit(LoggedDataset logs, const FittedWorldOptions& o) {
  if (!(o.heldout_share >= 0 && o.heldout_share < 1))
    Fail("fitted world: the held-out share must be in [0, 1), got ", o.heldout_share);
  if (o.kind != "auto" && o.kind != "slates" && o.kind != "choices")
    Fail("fitted world: kind '", o.kind, "', expected auto, slates or choices");
  if (o.max_rounds < 100) Fail("fitted world: max_rounds must be at least 100, got ", o.max_rounds);
  const FeatureSpec features = o.features.empty() ? DefaultFeatureSpec(logs) : FeatureSpec::Parse(o.features);
  auto shared = std::make_shared<const LoggedDataset>(std::move(logs));
  const bool choices = o.kind == "choices" || (o.kind == "auto" && IsLogOfChoices(*shared, o.model.reward));
  if (!choices && o.slate_size > 0 && o.slate_size != shared->meta.slate_size)
    Fail("fitted world: slates of ", o.slate_size, " slots asked, but the log's slates (", shared->meta.slate_size,
         ") are what its model answers; another size suits a log of choices only");
  std::shared_ptr<FittedWorld> world(new FittedWorld(
      shared, KernelSpec::Parse(o.kernels.empty() ? shared->meta.kernels : o.kernels), features, o.slate_size));
  world->expected_reward_ = o.expected_reward;
  const LoggedDataset& d = *world->logs_;
  ShopperModelOptions mo = o.model;
  mo.negatives = choices ? o.negatives : 0;
  mo.slate_size = world->slate_size_;
  mo.seed = o.seed;
  mo.threads = o.threads;
  if (choices && o.negatives < 1) Fail("fitted world: a log of choices needs sampled alternatives (negatives >= 1)");
  // One item at a time (choices, or one logged slot a round): no bundle term.
  const bool single = choices || d.meta.slots_per_round < d.meta.slate_size;
  if (mo.features == "auto") mo.features = AutoGroups(world->kernels_, single);
  FittedWorldReport& report = world->report_;
  report.kind = choices ? "choices" : "slates";
  const int64_t n = d.rounds.n;
  const int64_t cut = static_cast<int64_t>(std::floor((1 - o.heldout_share) * static_cast<double>(n)));
  if (o.heldout_share > 0 && cut >= 1 && cut < n) {
    const LoggedDataset train = SampleOf(d, 0, cut, o.max_rounds), held = SampleOf(d, cut, n, o.max_rounds);
    const FittedShopperModel early(train, world->kernels_, mo);
    report.heldout = true;
    report.train_rounds = train.rounds.n;
    report.heldout_rounds = held.rounds.n;
    report.heldout_loglik = early.LogLikelihood(held, mo, false);
    report.heldout_loglik_null = early.LogLikelihood(held, mo, true);
  }
  world->model_ = std::make_unique<FittedShopperModel>(SampleOf(d, 0, n, o.max_rounds), world->kernels_, mo);
  report.model = world->model_->summary();
  return world;
}

int64_t FittedWorld::RoundOf(int64_t episode, uint64_t run_seed) const {
  return static_cast<int64_t>(DeriveSeed(run_seed, static_cast<uint64_t>(episode)) %
                              static_cast<uint64_t>(logs_->rounds.n));
}

std::unique_ptr<EpisodeSession> FittedWorld::NewSession() const { return std::make_unique<FittedSession>(*this); }

std::string FittedWorld::Fingerprint() const {
  const auto& beta = model_->parameters().beta;
  std::ostringstream hex;
  hex << std::hex << Fnv1a(beta.data(), sizeof(double) * beta.size());
  return Concat("fitted world of ", logs_->meta.source, ", ", logs_->rounds.n, " rounds, ", CatalogFingerprint(*logs_),
                ", features ", feature_spec_.ToString(), ", slates of ", slate_size_,
                expected_reward_ ? ", expected rewards" : "", ", model ", hex.str());
}

}  // namespace bundlerl
