// Learned slate policies: see torch_policy.h.
#include "policy/torch_policy.h"

#include <atomic>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fnv.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "policy/plackett_luce.h"
#include "policy/torch_eigen.h"

namespace bundlerl {

ScorerImpl::ScorerImpl(const ScorerConfig& c) : config(c) {
  if (c.kind == "linear") {
    out = register_module("fc_out", torch::nn::Linear(c.features, 1));
  } else if (c.kind == "mlp" || c.kind == "attention") {
    in = register_module("fc_in", torch::nn::Linear(c.features, c.hidden));
    hidden = register_module("fc_hidden", torch::nn::Linear(c.hidden, c.hidden));
    out = register_module("fc_out", torch::nn::Linear(c.hidden, 1));
    if (c.kind == "attention") encoder = register_module("history", HistoryEncoder(c.history));
  } else {
    Fail("config key 'train.scorer': expected linear, mlp or attention, got '", c.kind, "'");
  }
}

torch::Tensor ScorerImpl::FeatureScore(const torch::Tensor& x) {
  if (config.kind == "linear") return out->forward(x).squeeze(-1);
  auto h = torch::relu(in->forward(x));
  h = torch::relu(hidden->forward(h));
  return out->forward(h).squeeze(-1);
}

torch::Tensor ScorerImpl::forward(const torch::Tensor& x) {
  if (uses_history()) Fail("the attention scorer scores a batch with its histories (ScorerContext)");
  return FeatureScore(x);
}

torch::Tensor ScorerImpl::forward(const torch::Tensor& x, const ScorerContext& context) {
  if (!uses_history()) return FeatureScore(x);
  return FeatureScore(x) + encoder->forward(context.items, context.history, context.candidates);
}

torch::Tensor PlackettLuceLogProb(const torch::Tensor& scores, const torch::Tensor& slates, int64_t prefix) {
  const int64_t K = prefix < 0 ? slates.size(1) : prefix;
  auto s = scores;
  auto lp = torch::zeros({scores.size(0)}, scores.options());
  const auto neg_inf = torch::full_like(scores, -std::numeric_limits<float>::infinity());
  auto mask = torch::zeros_like(scores, torch::kBool);
  for (int64_t k = 0; k < K; ++k) {
    const auto idx = slates.select(1, k).unsqueeze(1);
    const auto masked = torch::where(mask, neg_inf, s);
    lp = lp + s.gather(1, idx).squeeze(1) - torch::logsumexp(masked, 1);
    mask = mask.scatter(1, idx, true);
  }
  return lp;
}

namespace {

// FNV-1a over the 8-byte (or 4-byte) words of n values, continuing from h.
template <typename T>
uint64_t HashWords(const T* data, int64_t n, uint64_t h) {
  static_assert(sizeof(T) == 8 || sizeof(T) == 4, "words of 4 or 8 bytes");
  for (int64_t i = 0; i < n; ++i) {
    uint64_t w = 0;
    std::memcpy(&w, data + i, sizeof(T));
    h = (h ^ w) * 1099511628211ULL;
    h ^= h >> 29;
  }
  return h;
}


}  // namespace

LearnedSlatePolicy::LearnedSlatePolicy(Scorer scorer, std::string name)
    : scorer_(std::move(scorer)), name_(std::move(name)) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1);
  scorer_->eval();
  const ScorerConfig& c = scorer_->config;
  features_ = c.features;
  attention_ = c.kind == "attention";
  mlp_ = c.kind == "mlp" || attention_;
  if (attention_) encoder_ = HistoryEncoderMirror(scorer_->encoder);
  if (mlp_) {
    W1_ = TensorToMatrix(scorer_->in->weight);
    b1_ = TensorToMatrix(scorer_->in->bias);
    W2_ = TensorToMatrix(scorer_->hidden->weight);
    b2_ = TensorToMatrix(scorer_->hidden->bias);
  }
  W3_ = TensorToMatrix(scorer_->out->weight);
  b3_ = scorer_->out->bias.item<double>();
}

void LearnedSlatePolicy::Scores(const Observation& obs, std::vector<double>& scores) const {
  // The OPE code asks for the probabilities of one observation several times in a row:
  // remember the last observation's scores (per thread), keyed by its content.
  struct Cache {
    uint64_t policy = 0;
    const double* features = nullptr;
    int64_t n = 0;
    uint64_t checksum = 0;
    std::vector<double> scores;
  };
  thread_local Cache cache;
  thread_local std::vector<double> buffer;  // for state observations
  const double* X = FeatureMatrix(obs, buffer);
  // A 64-bit hash of everything the scores depend on (order included).
  uint64_t checksum = HashWords(X, obs.num_candidates * obs.num_features, 0x5eed);
  if (attention_) {
    checksum = HashWords(obs.history, obs.history_length, checksum);
    checksum = HashWords(obs.candidates, obs.num_candidates, checksum);
    checksum = HashWords(&obs.kernels, 1, checksum);
  }
  if (cache.policy == id_ && cache.features == X && cache.n == obs.num_candidates && cache.checksum == checksum) {
    scores = cache.scores;
    return;
  }
  if (obs.num_features != features_)
    Fail("policy '", name_, "' scores ", features_, " features per candidate, the observation has ", obs.num_features);
  // The network in double: inputs rounded to float first, as the scorer was trained on.
  thread_local Eigen::MatrixXd x, h1, h2;
  const int64_t C = obs.num_candidates, F = obs.num_features;
  x.resize(F, C);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t f = 0; f < F; ++f) x(f, c) = static_cast<float>(X[c * F + f]);
  scores.resize(C);
  Eigen::Map<Eigen::RowVectorXd> out(scores.data(), C);
  if (mlp_) {
    h1.noalias() = W1_ * x;
    h1 = (h1.colwise() + b1_).cwiseMax(0.0);
    h2.noalias() = W2_ * h1;
    h2 = (h2.colwise() + b2_).cwiseMax(0.0);
    out.noalias() = W3_ * h2;
  } else {
    out.noalias() = W3_ * x;
  }
  out.array() += b3_;
  if (attention_) AddHistoryTerms(obs, scores.data());
  cache = {id_, X, obs.num_candidates, checksum, scores};
}

void LearnedSlatePolicy::AddHistoryTerms(const Observation& obs, double* scores) const {
  if (!obs.kernels)
    Fail("policy '", name_, "' (attention scorer) reads the kernels' item vectors; this observation has none");
  const Eigen::MatrixXd& items = obs.kernels->item_features;
  if (items.cols() != encoder_.config().item_dim)
    Fail("policy '", name_, "' (attention scorer) was trained on item vectors of width ", encoder_.config().item_dim,
         "; this world's kernels have width ", items.cols());
  thread_local Eigen::VectorXd q;
  double q0 = 0;
  try {
    encoder_.Query(items, obs.history, obs.history_length, q, q0);
  } catch (const Error& e) {
    Fail("policy '", name_, "': ", e.what());
  }
  for (int64_t c = 0; c < obs.num_candidates; ++c) {
    const int32_t item = obs.candidates[c];
    if (item < 0 || item >= items.rows()) Fail("policy '", name_, "': candidate item ", item, " not in the kernels' catalog");
    double t = q0;
    for (Eigen::Index j = 0; j < items.cols(); ++j) t += q[j] * static_cast<double>(static_cast<float>(items(item, j)));
    scores[c] += t;
  }
}

void LearnedSlatePolicy::Act(const Observation& obs, SplitMix64& rng, int32_t* slate) const {
  thread_local std::vector<double> s;
  Scores(obs, s);
  PlackettLuce::Sample(s.data(), obs.num_candidates, obs.slate_size, rng, slate);
}

std::vector<std::pair<std::vector<int32_t>, double>> LearnedSlatePolicy::Enumerate(const Observation& obs) const {
  std::vector<double> s;
  Scores(obs, s);
  std::vector<std::pair<std::vector<int32_t>, double>> out;
  for (auto& slate : AllSlates(obs.num_candidates, obs.slate_size)) {
    const double p = std::exp(PlackettLuce::LogProb(s.data(), obs.num_candidates, slate.data(), obs.slate_size));
    out.push_back({std::move(slate), p});
  }
  return out;
}

double LearnedSlatePolicy::PrefixProbability(const Observation& obs, const int32_t* slate, int64_t prefix) const {
  std::vector<double> s;
  Scores(obs, s);
  return std::exp(PlackettLuce::LogProb(s.data(), obs.num_candidates, slate, prefix));
}

double LearnedSlatePolicy::SlotMarginal(const Observation& obs, int64_t slot, int32_t candidate) const {
  std::vector<double> m(obs.slate_size * obs.num_candidates);
  SlotMarginals(obs, m.data());
  return m[slot * obs.num_candidates + candidate];
}

void LearnedSlatePolicy::SlotMarginals(const Observation& obs, double* out) const {
  std::vector<double> s;
  Scores(obs, s);
  // Exact for small problems; otherwise Monte Carlo with a fixed seed (deterministic).
  SplitMix64 rng(0x9e11);
  PlackettLuce::Marginals(s.data(), obs.num_candidates, obs.slate_size, out, rng, 4000);
}

namespace {

// FNV-1a over every parameter and buffer (name and float bytes, in the module's order): saved
// with the policy and checked on loading, so that bytes changed inside a stored tensor are an
// error rather than another policy.
std::string WeightsChecksum(const Scorer& scorer) {
  uint64_t h = kFnvOffset;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    h = Fnv1a(name.data(), name.size() + 1, h);
    const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    h = Fnv1a(c.data_ptr(), c.numel() * c.element_size(), h);
  };
  for (const auto& p : scorer->named_parameters()) add(p.key(), p.value());
  for (const auto& b : scorer->named_buffers()) add(b.key(), b.value());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

void SaveScorer(const Scorer& scorer, const std::string& path, const PolicyInfo& info) {
  torch::serialize::OutputArchive archive;
  scorer->save(archive);
  archive.write("bundlerl.weights_fnv1a", torch::IValue(WeightsChecksum(scorer)));
  archive.write("bundlerl.kind", torch::IValue(scorer->config.kind));
  archive.write("bundlerl.features", torch::IValue(scorer->config.features));
  archive.write("bundlerl.hidden", torch::IValue(scorer->config.hidden));
  if (scorer->uses_history()) {
    const HistoryEncoderConfig& h = scorer->config.history;
    archive.write("bundlerl.history.item_dim", torch::IValue(h.item_dim));
    archive.write("bundlerl.history.model_dim", torch::IValue(h.model_dim));
    archive.write("bundlerl.history.length", torch::IValue(h.length));
    archive.write("bundlerl.history.blocks", torch::IValue(h.blocks));
    archive.write("bundlerl.history.heads", torch::IValue(h.heads));
  }
  archive.write("bundlerl.name", torch::IValue(info.name));
  archive.write("bundlerl.metadata", torch::IValue(info.config));
  archive.write("bundlerl.feature_spec", torch::IValue(info.features));
  archive.write("bundlerl.kernels", torch::IValue(info.kernels));
  archive.write("bundlerl.catalog", torch::IValue(info.catalog));
  archive.write("bundlerl.version", torch::IValue(std::string(BUNDLERL_VERSION)));
  const std::string tmp = TemporaryPathFor(path);
  try {
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    Fail(path, ": cannot write the policy file (", std::string(e.what()).substr(0, 120), ")");
  }
  try {
    MoveIntoPlace(tmp, path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

Scorer LoadScorer(const std::string& path, PolicyInfo* info) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    Fail(path, ": not a BundleRL policy file (", std::string(e.what()).substr(0, 120), ")");
  }
  torch::IValue v;
  auto read_string = [&](const char* key, const std::string& fallback) {
    return archive.try_read(key, v) ? v.toStringRef() : fallback;
  };
  if (!archive.try_read("bundlerl.kind", v)) Fail(path, ": not a BundleRL policy file (no bundlerl.kind)");
  ScorerConfig c;
  c.kind = v.toStringRef();
  archive.read("bundlerl.features", v);
  c.features = v.toInt();
  archive.read("bundlerl.hidden", v);
  c.hidden = v.toInt();
  if (c.features < 1 || c.hidden < 1) Fail(path, ": corrupt policy file (", c.features, " features, hidden ", c.hidden, ")");
  if (c.kind == "attention") {
    auto read_int = [&](const char* key) {
      if (!archive.try_read(key, v) || !v.isInt()) Fail(path, ": corrupt policy file (no ", key, ")");
      return v.toInt();
    };
    c.history.item_dim = read_int("bundlerl.history.item_dim");
    c.history.model_dim = read_int("bundlerl.history.model_dim");
    c.history.length = read_int("bundlerl.history.length");
    c.history.blocks = read_int("bundlerl.history.blocks");
    c.history.heads = read_int("bundlerl.history.heads");
    try {
      c.history.Validate();
    } catch (const Error& e) {
      Fail(path, ": corrupt policy file (", e.what(), ")");
    }
  } else if (c.kind != "linear" && c.kind != "mlp") {
    Fail(path, ": corrupt policy file (scorer kind '", c.kind.substr(0, 40), "')");
  }
  PolicyInfo i;
  i.name = read_string("bundlerl.name", "");
  i.config = read_string("bundlerl.metadata", "");
  i.features = read_string("bundlerl.feature_spec", "kernel");
  i.kernels = read_string("bundlerl.kernels", "");
  i.catalog = read_string("bundlerl.catalog", "");
  i.version = read_string("bundlerl.version", "");
  i.num_features = c.features;
  Scorer scorer(c);
  // LibTorch's loader takes each stored tensor as it is: the shapes are checked against those
  // the header implies, so that a file whose header and weights disagree cannot be evaluated.
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : scorer->named_parameters()) shapes.push_back(p.value().sizes().vec());
  try {
    scorer->load(archive);
  } catch (const std::exception& e) {
    Fail(path, ": corrupt policy file (", std::string(e.what()).substr(0, 120), ")");
  }
  size_t k = 0;
  for (const auto& p : scorer->named_parameters())
    if (k >= shapes.size() || p.value().sizes().vec() != shapes[k++])
      Fail(path, ": corrupt policy file (parameter '", p.key(), "' has shape ", p.value().sizes(),
           ", not the one its header implies)");
  // Files written before the checksum was recorded hold none.
  const std::string saved = read_string("bundlerl.weights_fnv1a", "");
  if (!saved.empty()) {
    const std::string read = WeightsChecksum(scorer);
    if (saved != read)
      Fail(path, ": corrupt policy file (its weights do not match the checksum saved with them: ", saved, " saved, ",
           read, " read)");
  }
  for (const auto& p : scorer->named_parameters())
    if (!torch::isfinite(p.value()).all().item<bool>())
      Fail(path, ": parameter '", p.key(), "' holds values that are not finite (the training diverged)");
  if (info) *info = i;
  return scorer;
}

bool IsPolicyFile(const std::string& spec) { return std::filesystem::is_regular_file(spec); }

std::shared_ptr<const SlatePolicy> LoadLearnedPolicy(const std::string& path, PolicyInfo* info) {
  PolicyInfo i;
  Scorer scorer = LoadScorer(path, &i);
  if (info) *info = i;
  return std::make_shared<LearnedSlatePolicy>(scorer, i.name.empty() ? path : i.name);
}

std::shared_ptr<const SlatePolicy> MakePolicy(const std::string& spec) {
  return IsPolicyFile(spec) ? LoadLearnedPolicy(spec) : MakeFixedPolicy(spec);
}

}  // namespace bundlerl
