// The simulator as an Environment: see environment.h.
#include "env/environment.h"

#include <sstream>

#include "common/error.h"
#include "common/fnv.h"
#include "env/episode.h"

namespace bundlerl {
namespace {

class SimulatorSession : public EpisodeSession {
 public:
  explicit SimulatorSession(std::shared_ptr<const ShopperModel> model) : session_(std::move(model)) {}
  uint64_t Start(int64_t episode, uint64_t run_seed) override {
    const EpisodeStart start = StartOfEpisode(run_seed, episode, session_.model().world().num_shoppers());
    session_.Reset(start.user, start.session_seed);
    return start.policy_seed;
  }
  bool done() const override { return session_.done(); }
  int64_t step() const override { return session_.step(); }
  Observation Observe() override { return session_.Observe(); }
  StepResult Step(const int32_t* slate) override { return session_.Step(slate); }

 private:
  ShopperSession session_;
};

}  // namespace

std::unique_ptr<EpisodeSession> SimulatorEnvironment::NewSession() const {
  return std::make_unique<SimulatorSession>(model_);
}

std::string SimulatorEnvironment::Fingerprint() const {
  // The world's size and a hash of its kernels' inputs (the checkpoints of runs before the
  // interface existed carry the same text).
  const World& w = model_->world();
  uint64_t h = Fnv1a(w.embeddings().data(), sizeof(double) * w.embeddings().size());
  for (int64_t u = 0; u < w.num_shoppers(); ++u)
    h = Fnv1a(w.shopper(u).theta.data(), sizeof(double) * w.shopper(u).theta.size(), h);
  std::ostringstream hex;
  hex << std::hex << h;
  return Concat("world ", w.num_items(), " items, ", w.num_shoppers(), " shoppers, ", hex.str());
}

}  // namespace bundlerl
