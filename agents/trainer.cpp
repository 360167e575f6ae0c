// The trainer: the update loop of any agent, online or from logged rounds, with seeded
// batches, checkpoints and progress. See trainer.h.
#include "agents/trainer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "agents/agent.h"
#include "agents/checkpoint.h"
#include "agents/internal.h"
#include "agents/simulated_logs.h"
#include "common/error.h"
#include "common/fnv.h"
#include "common/executor.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "policy/torch_policy.h"

namespace bundlerl {
namespace {

using Clock = std::chrono::steady_clock;

std::string Hex(uint64_t h) {
  std::ostringstream s;
  s << std::hex << h;
  return s.str();
}

// The settings that shape a training run, one "key=value" per line, with what it learns from:
// a checkpoint written under other settings must not be continued as if nothing changed.
std::string TrainFingerprint(const TrainConfig& c, const std::string& data) {
  std::ostringstream s;
  s << "train.agent=" << c.agent << "\ntrain.seed=" << c.seed << "\ntrain.scorer=" << c.scorer
    << "\ntrain.hidden=" << c.hidden;
  // The encoder's keys only where they shape the run: other runs' fingerprints stay as they
  // were before the attention scorer existed, so their checkpoints still resume.
  if (c.scorer == "attention")
    s << "\ntrain.history=" << c.history << "\ntrain.attention_dim=" << c.attention_dim
      << "\ntrain.attention_blocks=" << c.attention_blocks << "\ntrain.attention_heads=" << c.attention_heads;
  s << "\ntrain.learning_rate=" << c.learning_rate << "\ntrain.gamma=" << c.gamma
    << "\ntrain.episodes_per_update=" << c.episodes_per_update << "\ntrain.ppo_clip=" << c.ppo_clip
    << "\ntrain.ppo_epochs=" << c.ppo_epochs << "\ntrain.batch_rounds=" << c.batch_rounds
    << "\ntrain.shuffle_block=" << c.shuffle_block << "\ntrain.weight_clip=" << c.weight_clip
    << "\ntrain.topk_correction=" << c.topk_correction << "\ntrain.grad_shards=" << c.grad_shards
    << "\ntrain.ucb_alpha=" << c.ucb_alpha << "\ntrain.ridge=" << c.ridge << "\ntrain.reward=" << c.reward
    << "\ndata=" << data << "\n";
  return s.str();
}

// Throws Error naming the keys whose values differ between two fingerprints.
void CheckFingerprint(const std::string& path, const std::string& saved, const std::string& now) {
  if (saved.empty() || saved == now) return;
  auto lines = [](const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      out.push_back({line.substr(0, eq), eq == std::string::npos ? "" : line.substr(eq + 1)});
    }
    return out;
  };
  std::string diff;
  const auto a = lines(saved), b = lines(now);
  for (const auto& [key, value] : b) {
    const auto it = std::find_if(a.begin(), a.end(), [&](const auto& kv) { return kv.first == key; });
    const std::string old = it == a.end() ? "(absent)" : it->second;
    if (old != value) diff += Concat(diff.empty() ? "" : "; ", key, " was ", old, ", now ", value);
  }
  Fail(path, ": the checkpoint was written under other settings (", diff,
       "); remove it, or resume with the settings that wrote it");
}

void ValidateForTraining(const TrainConfig& config, Reducer* comm, bool from_logs) {
  config.Validate();
  if (!IsDistributed(comm)) return;
  if (!from_logs)
    Fail("distributed training (--world-size > 1) supports the agents that learn from logs, not '", config.agent,
         "' in the simulator");
  if (config.grad_shards < comm->world_size() || config.grad_shards % comm->world_size() != 0)
    Fail("config key 'train.grad_shards': ", config.grad_shards, " must be a multiple of the world size (",
         comm->world_size(), "); use the same value for the 1-process reference run");
}

// The shared loop: updates [start, updates) with resume, checkpoints, divergence checks and
// progress; `update` runs update u.
TrainResult RunUpdates(Agent& agent, const TrainConfig& c, const std::string& fingerprint, Reducer* comm,
                       const ProgressFunction& progress, const std::function<UpdateMetrics(int64_t)>& update) {
  const auto t0 = Clock::now();
  const int rank = comm ? comm->rank() : 0;
  TrainResult result;
  TrainerState state;
  state.fingerprint = fingerprint;
  if (c.resume && !c.checkpoint.empty() && std::filesystem::exists(c.checkpoint)) {
    CheckFingerprint(c.checkpoint, internal::ReadCheckpointFingerprint(c.checkpoint), fingerprint);
    const TrainerState saved = agent.LoadState(c.checkpoint);
    state.update = saved.update;
    state.curve = saved.curve;
    if (state.update > c.updates)
      Fail(c.checkpoint, ": the checkpoint is at update ", state.update, ", past train.updates = ", c.updates);
  }
  for (int64_t u = state.update; u < c.updates; ++u) {
    const UpdateMetrics m = update(u);
    agent.CheckFinite(u + 1);
    state.curve.push_back(m.value);
    state.update = u + 1;
    result.rounds += m.rounds;
    if (progress) progress(u + 1, c.updates, m.value);
    if (rank == 0 && c.checkpoint_every > 0 && !c.checkpoint.empty() && (u + 1) % c.checkpoint_every == 0)
      agent.SaveState(c.checkpoint, state);
  }
  result.curve = state.curve;
  result.updates = c.updates;
  result.agent = c.agent;
  result.policy = agent.policy();
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

// The rounds of one epoch in their visiting order, with the data of at most two shuffle
// blocks held at a time.
class EpochOrder {
 public:
  EpochOrder(const RoundSource& rounds, int64_t block, uint64_t seed)
      : rounds_(rounds), n_(rounds.num_rounds()), block_(std::max<int64_t>(1, block)), seed_(seed) {}

  // Position p of epoch e -> (the batch holding the round, its row there).
  std::pair<const RoundBatch*, int64_t> At(int64_t epoch, int64_t p) {
    if (epoch != epoch_) Shuffle(epoch);
    const int64_t round = order_[p];
    const int64_t b = round / block_;
    for (auto& slot : cache_)
      if (slot.block == b) return {&slot.data, round - b * block_};
    Cached& slot = cache_[next_slot_];
    next_slot_ = 1 - next_slot_;
    slot.block = b;
    rounds_.Read(b * block_, std::min(block_, n_ - b * block_), slot.data);
    return {&slot.data, round - b * block_};
  }

 private:
  // Epoch e: one generator seeded (seed, e) draws the block order, then each block's rounds
  // in the visiting order (Fisher-Yates); with one block, a plain shuffle of all rounds.
  void Shuffle(int64_t epoch) {
    SplitMix64 g(StreamSeed(seed_, Stream::kEpochOrder, static_cast<uint64_t>(epoch)));
    const int64_t blocks = (n_ + block_ - 1) / block_;
    std::vector<int64_t> block_order(blocks);
    std::iota(block_order.begin(), block_order.end(), 0);
    for (int64_t i = blocks - 1; i > 0; --i) std::swap(block_order[i], block_order[g.Below(i + 1)]);
    order_.resize(n_);
    int64_t at = 0;
    for (int64_t b : block_order) {
      const int64_t first = b * block_, size = std::min(block_, n_ - first);
      int64_t* part = &order_[at];
      std::iota(part, part + size, first);
      for (int64_t i = size - 1; i > 0; --i) std::swap(part[i], part[g.Below(i + 1)]);
      at += size;
    }
    epoch_ = epoch;
  }
  struct Cached {
    int64_t block = -1;
    RoundBatch data;
  };
  const RoundSource& rounds_;
  int64_t n_, block_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
  Cached cache_[2];
  int next_slot_ = 0;
};

}  // namespace

std::vector<std::string> AgentNames() { return AgentRegistry::Names(); }

void TrainConfig::Declare(OptionList& o) {
  o.Add("train.updates", &updates, "updates (gradient steps / bandit rounds of episodes)");
  o.Add("train.episodes_per_update", &episodes_per_update, "on-policy episodes per update");
  o.Add("train.learning_rate", &learning_rate, "Adam learning rate");
  o.Add("train.gamma", &gamma, "discount over the steps of a session");
  o.Add("train.scorer", &scorer,
        "linear, mlp, or attention (the mlp plus a self-attention encoder of the history; reinforce and ppo)");
  o.Add("train.hidden", &hidden, "hidden units of the mlp scorer");
  o.Add("train.history", &history, "attention scorer: the last items of the history it attends to");
  o.Add("train.attention_dim", &attention_dim, "attention scorer: model width");
  o.Add("train.attention_blocks", &attention_blocks, "attention scorer: Transformer blocks");
  o.Add("train.attention_heads", &attention_heads, "attention scorer: heads (a divisor of train.attention_dim)");
  o.Add("train.ppo_clip", &ppo_clip, "PPO clipping");
  o.Add("train.ppo_epochs", &ppo_epochs, "PPO epochs per batch");
  o.Add("train.logging_policy", &logging_policy, "agents learning from logs, without --logs: the logging policy");
  o.Add("train.log_rounds", &log_rounds, "agents learning from logs, without --logs: rounds logged");
  o.Add("train.batch_rounds", &batch_rounds, "agents learning from logs: rounds per update");
  o.Add("train.shuffle_block", &shuffle_block,
        "agents learning from logs: rounds shuffled together each epoch (two blocks are held in memory)");
  o.Add("train.reward", &reward,
        "click, purchase or revenue; empty: the logged rounds' own (session.reward of the world that logged them)");
  o.Add("train.threads", &threads, "threads building the observations of logged rounds");
  o.Add("train.weight_clip", &weight_clip, "off-policy: importance-weight clip");
  o.Add("train.self_normalize", &self_normalize, "off-policy: self-normalised weights");
  o.Add("train.grad_shards", &grad_shards, "micro-batches per batch (distributed: a multiple of the world size)");
  o.Add("train.topk_correction", &topk_correction, "off-policy: top-K correction");
  o.Add("train.ucb_alpha", &ucb_alpha, "linucb exploration / lints posterior scale");
  o.Add("train.ridge", &ridge, "linear bandits: ridge");
  o.Add("train.checkpoint", &checkpoint, "checkpoint file");
  o.Add("train.checkpoint_every", &checkpoint_every, "updates between checkpoints (0: never)");
}

void TrainConfig::Validate() const {
  if (!AgentRegistry::Has(agent))
    Fail("config key 'train.agent': unknown agent '", agent, "'; known: ", AgentRegistry::NameList());
  if (updates <= 0) Fail("config key 'train.updates': expected a positive number, got ", updates);
  if (episodes_per_update <= 0) Fail("config key 'train.episodes_per_update': expected a positive number");
  if (!(learning_rate > 0 && std::isfinite(learning_rate)))
    Fail("config key 'train.learning_rate': expected a finite positive number, got ", learning_rate);
  if (!(gamma >= 0 && gamma <= 1)) Fail("config key 'train.gamma': expected a number in [0, 1], got ", gamma);
  if (scorer != "linear" && scorer != "mlp" && scorer != "attention")
    Fail("config key 'train.scorer': expected linear, mlp or attention, got '", scorer, "'");
  // The encoder's keys; the item vectors' width is the world's, checked when the scorer is made.
  if (scorer == "attention") internal::EncoderConfigOf(*this, 1).Validate();
  if (hidden <= 0 || hidden > 65536) Fail("config key 'train.hidden': expected a number in [1, 65536], got ", hidden);
  if (!(ppo_clip > 0 && ppo_clip < 1)) Fail("config key 'train.ppo_clip': expected a number in (0, 1)");
  if (ppo_epochs <= 0) Fail("config key 'train.ppo_epochs': expected a positive number");
  if (log_rounds <= 0) Fail("config key 'train.log_rounds': expected a positive number");
  if (batch_rounds <= 0) Fail("config key 'train.batch_rounds': expected a positive number");
  if (shuffle_block < batch_rounds)
    Fail("config key 'train.shuffle_block': expected at least train.batch_rounds (", batch_rounds, "), got ", shuffle_block);
  if (!(weight_clip > 0)) Fail("config key 'train.weight_clip': expected a positive number");
  if (!(ucb_alpha >= 0 && std::isfinite(ucb_alpha))) Fail("config key 'train.ucb_alpha': expected a finite number >= 0");
  if (!(ridge > 0 && std::isfinite(ridge))) Fail("config key 'train.ridge': expected a finite positive number");
  if (grad_shards < 1) Fail("config key 'train.grad_shards': expected a positive number");
  if (checkpoint_every < 0) Fail("config key 'train.checkpoint_every': expected >= 0");
  if (checkpoint_every > 0 && checkpoint.empty())
    Fail("config key 'train.checkpoint': needed when train.checkpoint_every > 0");
  if (!reward.empty() && reward != "click" && reward != "purchase" && reward != "revenue")
    Fail("config key 'train.reward': expected click, purchase or revenue, got '", reward, "'");
  ValidateThreads(threads, "config key 'train.threads'");
}

TrainResult TrainAgent(std::shared_ptr<const ShopperModel> model, const TrainConfig& config,
                       const ProgressFunction& progress, Reducer* comm, const LoggedDataset* given_logs) {
  config.Validate();
  AgentSetup setup;
  setup.config = &config;
  setup.num_features = kNumFeatures;
  setup.slate_size = model->session_config().slate_size;
  setup.item_dim = model->world().embeddings().cols();
  const std::unique_ptr<Agent> agent = MakeAgent(config.agent, setup);
  if (!agent->learns_online() && given_logs)
    return TrainFromLogs(InMemoryRounds(*given_logs), model->world().kernels(), FeatureSpec(), config, progress, comm);
  if (!agent->learns_online()) {
    // Learners from logs learn from rounds logged here, as if from a file.
    SessionConfig one = model->session_config();
    one.max_steps = 1;
    const auto bandit = std::make_shared<const ShopperModel>(model->world_ptr(), model->shopper_config(), one);
    SimulatedLogConfig lc;
    lc.rounds = config.log_rounds;
    lc.seed = config.log_seed ? config.log_seed : StreamSeed(config.seed, Stream::kAgentLog);
    lc.threads = config.threads;
    const LoggedDataset logs = LogSimulatedRounds(bandit, *MakeFixedPolicy(config.logging_policy), lc);
    return TrainFromLogs(InMemoryRounds(logs), model->world().kernels(), FeatureSpec(), config, progress, comm);
  }
  TrainResult r = TrainInEnvironment(SimulatorEnvironment(model), config, progress, comm);
  // Kernel features are the world's: the policy is for this world's catalog and its logs.
  if (model->world().catalog()) r.catalog = CatalogFingerprint(*model->world().catalog());
  return r;
}

TrainResult TrainInEnvironment(const Environment& env, const TrainConfig& config, const ProgressFunction& progress,
                               Reducer* comm, const std::string& feature_spec) {
  ValidateForTraining(config, comm, false);
  AgentSetup setup;
  setup.config = &config;
  setup.num_features = env.num_features();
  setup.slate_size = env.slate_size();
  setup.item_dim = env.item_vectors().cols();
  setup.feature_spec = feature_spec;
  const std::unique_ptr<Agent> agent = MakeAgent(config.agent, setup);
  if (!agent->learns_online())
    Fail("agent '", config.agent, "' learns from logged rounds, not by playing episodes; in a world fitted to logs "
         "train one of the agents that learn online (reinforce, ppo, linucb, lints)");
  TrainResult r = RunUpdates(*agent, config, TrainFingerprint(config, env.Fingerprint()), comm, progress,
                             [&](int64_t u) { return agent->UpdateOnline(env, DeriveSeed(config.seed, u)); });
  r.feature_spec = feature_spec;
  return r;
}

TrainResult TrainFromLogs(const RoundSource& rounds, const ItemKernels& kernels, const FeatureSpec& features,
                          const TrainConfig& c, const ProgressFunction& progress, Reducer* comm) {
  ValidateForTraining(c, comm, true);
  const LoggedDataset& catalog = rounds.catalog();
  const LogMeta& m = catalog.meta;
  const std::string where = m.source.empty() ? std::string("the logs") : m.source;
  const int64_t n = rounds.num_rounds();
  if (n == 0) Fail(where, ": no logged rounds to learn from");
  const std::string reward = c.reward.empty() ? m.reward : c.reward;
  const int threads = std::max(1, c.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(catalog, kernels, features, m.slate_size);
  AgentSetup setup;
  setup.config = &c;
  setup.num_features = observers[0].num_features();
  setup.slate_size = m.slate_size;
  setup.item_dim = kernels.item_features.cols();
  setup.feature_spec = features.ToString();
  std::unique_ptr<Agent> agent = MakeAgent(c.agent, setup);
  if (!agent->learns_from_logs())
    Fail("agent '", c.agent, "' learns online in a simulator, not from logged rounds; with --logs use one of the "
         "agents that learn from logs (offpolicy-reinforce, ipw, linucb, lints)");
  {
    RoundBatch first;
    rounds.Read(0, 1, first);
    if (first.pscore.empty() && first.pscore_item.empty() && agent->needs_propensities())
      Fail(where, ": agent '", c.agent, "' weights the logged rounds by their logging propensities, which the log ",
           "does not carry; without them linucb and lints learn from it, and reinforce and ppo in the world ",
           "fitted to it (bundlerl fit-world)");
  }
  const int64_t B = std::min(c.batch_rounds, n), per_epoch = n / B, S = m.slots_per_round;
  const int64_t C = observers[0].num_candidates(), F = observers[0].num_features(), K = m.slate_size;
  // Micro-batch v of a batch holds the positions i with i % V == v; rank r computes the
  // micro-batches v with v % world == r.
  const int64_t V = std::max<int64_t>(c.grad_shards, 1);
  const int rank = comm ? comm->rank() : 0, world = comm ? comm->world_size() : 1;
  EpochOrder order(rounds, c.shuffle_block, c.seed);
  const std::string data = Concat(LogFingerprint(rounds), ", features ", features.ToString(), ", reward ", reward);
  TrainResult result = RunUpdates(*agent, c, TrainFingerprint(c, data), comm, progress, [&](int64_t u) {
    const int64_t epoch = u / per_epoch, step = u % per_epoch;
    LoggedBatch batch;
    batch.rounds = B;
    for (int64_t v = rank; v < V; v += world) {
      LoggedBatch::Part& part = batch.parts.emplace_back();
      part.n = (B - v + V - 1) / V;
      part.C = C, part.F = F, part.S = S;
      part.features.resize(part.n * C * F);
      part.slot_candidate.resize(part.n * S), part.position.resize(part.n * S);
      part.reward.resize(part.n * S), part.propensity.resize(part.n * S);
      // Resolve the rows first (this may read a block), then build observations in parallel.
      std::vector<std::pair<const RoundBatch*, int64_t>> rows(part.n);
      for (int64_t li = 0; li < part.n; ++li) rows[li] = order.At(epoch, step * B + v + li * V);
      ParallelFor(threads, part.n, [&](int t, int64_t li) {
        const auto [batch_rows, i] = rows[li];
        const Observation& o = observers[t].Observe(*batch_rows, i);
        for (int64_t j = 0; j < C * F; ++j) part.features[li * C * F + j] = static_cast<float>(o.features[j]);
        const std::vector<float>& r = batch_rows->Reward(reward);
        for (int64_t s = 0; s < S; ++s) {
          const int64_t k = i * S + s;
          const int32_t cand = observers[t].CandidateIndex(batch_rows->slate[k]);
          if (cand < 0)
            Fail(where, ": round ", batch_rows->first_round + i, ": unit ", batch_rows->slate[k],
                 " is not among its candidates");
          part.slot_candidate[li * S + s] = cand;
          part.position[li * S + s] = batch_rows->position[k];
          part.reward[li * S + s] = r[k];
          // The unit's logging probability: its inclusion probability spread over the K
          // slots when logged, else the slot's own propensity.
          part.propensity[li * S + s] =
              !batch_rows->pscore_item.empty() ? static_cast<float>(batch_rows->pscore_item[k] / static_cast<double>(K))
              : !batch_rows->pscore.empty()    ? static_cast<float>(batch_rows->pscore[k])
                                               : 1.0f;  // unknown: an agent that reads none
        }
      });
    }
    return agent->UpdateFromLogs(batch, comm);
  });
  result.feature_spec = features.ToString();
  result.kernel_spec = m.kernels;
  result.catalog = CatalogFingerprint(catalog);  // kernel features too: the log's kernels give them
  return result;
}

void SaveTrainedPolicy(const TrainResult& result, const std::string& path, const std::string& config) {
  const auto* learned = dynamic_cast<const LearnedSlatePolicy*>(result.policy.get());
  if (!learned) Fail("save: the trained policy is not a learned scorer");
  PolicyInfo info;
  info.name = learned->name();
  info.features = result.feature_spec;
  info.kernels = result.kernel_spec;
  info.catalog = result.catalog;
  info.config = config;
  SaveScorer(learned->scorer(), path, info);
}

}  // namespace bundlerl
