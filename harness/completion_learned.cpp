// Learned bundle completion: pair features, the listwise learner and the REINFORCE agent
// (see completion_learned.h).
#include "harness/completion_learned.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "common/random.h"
#include "kernels/text.h"
#include "kernels/tfidf.h"

namespace bundlerl {

const char* const kCompletionFeatureNames[kNumCompletionFeatures] = {
    "title tfidf cosine", "title char 3-4-gram cosine", "category-path overlap", "same brand",
    "same leaf category", "candidate has no title", "leaf-pair affinity (log count)",
    "leaf-pair affinity (share)", "depth-2 pair affinity (log count)", "depth-2 pair affinity (share)",
    "title-token pair affinity (log)", "bundled together before (log count)",
    "title cosine x same brand", "title cosine x same leaf", "char cosine x category overlap",
    "title cosine squared", "shared first three title tokens (share)", "title and category tfidf cosine",
    "intent cosine", "intent cosine x title cosine"};

namespace {

// Character 3- and 4-grams of a lowercased title, each written as one word-like token (the
// n-gram's bytes in hex), so that the word TF-IDF of kernels/tfidf.h weighs them.
std::string CharGramDocument(const std::string& title) {
  std::string text = " ";
  for (char ch : title) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (!(space && text.back() == ' ')) text += space ? ' ' : c;
  }
  if (text.back() != ' ') text += ' ';
  static const char* hex = "0123456789abcdef";
  std::string doc;
  for (size_t n = 3; n <= 4; ++n)
    for (size_t i = 0; i + n <= text.size() && text.size() > 2; ++i) {
      doc += 'g';
      doc += static_cast<char>('0' + n);
      for (size_t j = i; j < i + n; ++j) {
        const auto b = static_cast<unsigned char>(text[j]);
        doc += hex[b >> 4], doc += hex[b & 15];
      }
      doc += ' ';
    }
  return doc;
}

// The first path's prefix of depth `depth` (the whole first path when shorter); "" none.
std::string CategoryPrefix(const std::string& paths, size_t depth) {
  const std::string first = paths.substr(0, paths.find(" | "));
  size_t at = 0;
  for (size_t d = 0; d < depth; ++d) {
    at = first.find(" > ", at);
    if (at == std::string::npos) return first;
    if (d + 1 < depth) at += 3;
  }
  return first.substr(0, at);
}

// The title followed by the category paths' words, each marked so that a category word
// and the same title word are different terms.
std::string TopicDocument(const std::string& title, const std::string& category_path) {
  std::string doc = title;
  for (const auto& w : Tokenize(category_path)) doc += " cat" + w;
  return doc;
}

int32_t Code(std::unordered_map<std::string, int32_t>& codes, const std::string& key) {
  if (key.empty()) return -1;
  return codes.emplace(key, static_cast<int32_t>(codes.size())).first->second;
}

}  // namespace

CompletionPool ParseCompletionPool(const std::string& name) {
  if (name == "title") return CompletionPool::kTitle;
  if (name == "title+category") return CompletionPool::kTitleAndCategory;
  if (name == "title+category+intent") return CompletionPool::kTitleCategoryAndIntent;
  Fail("config key 'completion.learned_pool': expected title, title+category or title+category+intent, got '", name,
       "'");
}

std::vector<CompletionQuery> CompletionQueries(const SessionTable& sessions, const BundleTable& bundles,
                                               const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  std::vector<CompletionQuery> out;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t s = order[t];
    for (int64_t k = 0; k < sessions.bundles.size(s); ++k) {
      const int32_t b = sessions.bundles.row(s)[k];
      const std::vector<int32_t> items(bundles.items.row(b), bundles.items.row(b) + bundles.items.size(b));
      for (int32_t q : items)
        if (std::any_of(items.begin(), items.end(), [&](int32_t x) { return x != q; }))
          out.push_back({q, items, s, b});
    }
  }
  return out;
}

namespace {

// Rows scaled to unit length (zero rows left zero), row-major for one-row dot products.
CompletionMatrix NormalisedRows(const Eigen::MatrixXd& x) {
  CompletionMatrix out = x;
  for (Eigen::Index r = 0; r < out.rows(); ++r) {
    const double norm = out.row(r).norm();
    if (norm > 0) out.row(r) /= norm;
  }
  return out;
}

// The intent vectors of every fit (CompletionFeatures::intents_): the training bundles'
// items labelled with their intents, all of them for fit 0, and for fit 1 + f all but the
// bundles that a session of fold f names.
std::vector<CompletionMatrix> FitIntents(const SparseRows& content, const BundleTable& bundles,
                                         const std::map<int64_t, std::vector<int32_t>>& session_bundle_ids,
                                         const IntentConfig& config) {
  std::vector<CompletionMatrix> out;
  for (int fit = 0; fit <= kIntentFolds; ++fit) {
    std::set<int32_t> held_out;
    for (const auto& [session, ids] : session_bundle_ids)
      if (fit > 0 && session % kIntentFolds == fit - 1) held_out.insert(ids.begin(), ids.end());
    std::vector<IntentLabel> labels;
    for (const auto& [session, ids] : session_bundle_ids)
      for (int32_t b : ids) {
        if (held_out.count(b) || b >= static_cast<int64_t>(bundles.intent.size()) || bundles.intent[b].empty()) continue;
        for (int64_t k = 0; k < bundles.items.size(b); ++k) labels.push_back({bundles.items.row(b)[k], b, bundles.intent[b]});
      }
    out.push_back(NormalisedRows(FitIntentVectors(content, labels, config).vectors));
  }
  return out;
}

}  // namespace

CompletionFeatures::CompletionFeatures(const ItemTable& items, const BundleTable& bundles,
                                       const std::vector<CompletionQuery>& training, CompletionPool pool,
                                       const IntentConfig& intent)
    : pool_(pool) {
  const int64_t m = items.n;
  TfidfConfig words;
  words_ = std::make_shared<CosineSimilarity>(Tfidf::Fit(items.title, words).vectors(), "tfidf");
  std::vector<std::string> grams(m);
  for (int64_t i = 0; i < m; ++i) grams[i] = CharGramDocument(items.title[i]);
  TfidfConfig plain;
  plain.english_stop_words = false;
  grams_ = std::make_shared<CosineSimilarity>(Tfidf::Fit(grams, plain).vectors(), "char-grams");
  categories_ = std::make_shared<CategoryOverlapSimilarity>(items.category_path);
  std::vector<std::string> topics(m);
  for (int64_t i = 0; i < m; ++i) topics[i] = TopicDocument(items.title[i], items.category_path[i]);
  const SparseRows topic_vectors = Tfidf::Fit(topics, words).vectors();
  topics_ = std::make_shared<CosineSimilarity>(topic_vectors, "tfidf-topics");
  std::unordered_map<std::string, int32_t> brands, title_words;
  tokens_.assign(m, {});
  lead_.assign(m, {});
  std::vector<std::unordered_map<std::string, int32_t>> categories(2);
  brand_.assign(m, -1);
  level_.assign(2, std::vector<int32_t>(m, -1));
  empty_title_.assign(m, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const auto tokens = Tokenize(items.title[i]);
    if (!tokens.empty()) brand_[i] = Code(brands, tokens.front());
    for (const auto& w : Tokenize(items.title[i], &EnglishStopWords())) {
      tokens_[i].push_back(Code(title_words, w));
      if (lead_[i].size() < 3) lead_[i].push_back(tokens_[i].back());
    }
    std::sort(lead_[i].begin(), lead_[i].end());
    lead_[i].erase(std::unique(lead_[i].begin(), lead_[i].end()), lead_[i].end());
    std::sort(tokens_[i].begin(), tokens_[i].end());
    tokens_[i].erase(std::unique(tokens_[i].begin(), tokens_[i].end()), tokens_[i].end());
    empty_title_[i] = items.title[i].empty();
    level_[0][i] = Code(categories[0], CategoryPrefix(items.category_path[i], 1000));
    level_[1][i] = Code(categories[1], CategoryPrefix(items.category_path[i], 2));
  }
  // Each training bundle counted once per session that names it (a bundle yields one query
  // per item).
  std::set<std::pair<int64_t, int32_t>> counted;
  std::map<int64_t, std::vector<int32_t>> session_bundle_ids;
  for (const auto& q : training)
    if (counted.insert({q.session, q.bundle_id}).second) {
      session_bundles_[q.session].push_back(q.bundle);
      session_bundle_ids[q.session].push_back(q.bundle_id);
    }
  intents_ = FitIntents(topic_vectors, bundles, session_bundle_ids, intent);
  for (const auto& [session, list] : session_bundles_)
    for (const auto& bundle : list)
      for (int32_t a : bundle)
        for (int32_t b : bundle) {
          if (a == b) continue;
          co_bundled_[static_cast<uint64_t>(a) << 32 | static_cast<uint32_t>(b)] += 1;
          if (tokens_[a].empty() || tokens_[b].empty()) continue;
          const double w = 1.0 / static_cast<double>(tokens_[a].size() * tokens_[b].size());
          for (int32_t u : tokens_[a])
            for (int32_t v : tokens_[b]) token_pairs_[static_cast<uint64_t>(u) << 32 | static_cast<uint32_t>(v)] += w;
        }
  // Category-pair counts over ordered pairs of distinct items of a bundle.
  pair_counts_.assign(2, {});
  from_counts_.assign(2, {});
  for (int level = 0; level < 2; ++level) {
    std::map<std::pair<int32_t, int32_t>, double> counts;
    from_counts_[level].assign(categories[level].size(), 0.0);
    for (const auto& [session, list] : session_bundles_)
      for (const auto& bundle : list)
        for (int32_t a : bundle)
          for (int32_t b : bundle)
            if (a != b && level_[level][a] >= 0 && level_[level][b] >= 0) {
              counts[{level_[level][a], level_[level][b]}] += 1;
              from_counts_[level][level_[level][a]] += 1;
            }
    pair_counts_[level].assign(categories[level].size(), {});
    for (const auto& [ab, n] : counts) pair_counts_[level][ab.first].push_back({ab.second, n});
  }
}

double CompletionFeatures::Affinity(int level, int32_t a, int32_t b) const {
  const auto& row = pair_counts_[level][a];
  const auto it = std::lower_bound(row.begin(), row.end(), std::make_pair(b, -1.0));
  return it != row.end() && it->first == b ? it->second : 0.0;
}

namespace {
int64_t Shared(const std::vector<int32_t>& x, const std::vector<int32_t>& y) {
  int64_t n = 0;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();)
    x[i] < y[j] ? ++i : y[j] < x[i] ? ++j : (++n, ++i, ++j);
  return n;
}
}  // namespace

double CompletionFeatures::TokenAffinity(int32_t q, int32_t c, const Bundles* own) const {
  const auto& tq = tokens_[q];
  const auto& tc = tokens_[c];
  if (tq.empty() || tc.empty()) return 0.0;
  double sum = 0;
  for (int32_t u : tq)
    for (int32_t v : tc) {
      const auto it = token_pairs_.find(static_cast<uint64_t>(u) << 32 | static_cast<uint32_t>(v));
      if (it != token_pairs_.end()) sum += it->second;
    }
  if (own)  // each own pair (a, b) added |tq & ta| |tc & tb| / (|ta| |tb|)
    for (const auto& bundle : *own)
      for (int32_t a : bundle)
        for (int32_t b : bundle)
          if (a != b && !tokens_[a].empty() && !tokens_[b].empty())
            sum -= static_cast<double>(Shared(tq, tokens_[a]) * Shared(tc, tokens_[b])) /
                   static_cast<double>(tokens_[a].size() * tokens_[b].size());
  return std::log1p(std::max(0.0, sum) / static_cast<double>(tq.size() * tc.size()));
}


int CompletionFeatures::IntentFit(const CompletionQuery& query, bool leave_out_own_session) const {
  if (!leave_out_own_session || query.session < 0) return 0;
  return 1 + static_cast<int>(query.session % kIntentFolds);
}

double CompletionFeatures::IntentCosine(int fit, int32_t a, int32_t b) const {
  return intents_[fit].row(a).dot(intents_[fit].row(b));
}

void CompletionFeatures::IntentRow(int32_t item, double* out) const { IntentScores(0, item, out); }

void CompletionFeatures::IntentScores(int fit, int32_t item, double* out) const {
  Eigen::Map<Eigen::VectorXd>(out, intents_[fit].rows()) = intents_[fit] * intents_[fit].row(item).transpose();
}

std::vector<int32_t> CompletionFeatures::Candidates(int32_t item, int64_t k) const { return NearestInPool(item, k, 0); }

std::vector<int32_t> CompletionFeatures::Candidates(const CompletionQuery& query, int64_t k,
                                                    bool leave_out_own_session) const {
  return NearestInPool(query.item, k, IntentFit(query, leave_out_own_session));
}

std::vector<int32_t> CompletionFeatures::NearestInPool(int32_t item, int64_t k, int fit) const {
  const int64_t m = words_->num_items();
  std::vector<int32_t> all(m);
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> score(m);
  if (pool_ == CompletionPool::kTitle) {
    words_->Row(item, all.data(), m, score.data());
  } else {
    std::vector<double> grams(m);
    topics_->Row(item, all.data(), m, score.data());
    grams_->Row(item, all.data(), m, grams.data());
    for (int64_t i = 0; i < m; ++i) score[i] += grams[i];
    if (pool_ == CompletionPool::kTitleCategoryAndIntent) {
      IntentScores(fit, item, grams.data());
      for (int64_t i = 0; i < m; ++i) score[i] += grams[i];
    }
  }
  score[item] = -std::numeric_limits<double>::infinity();
  k = std::min(k, m - 1);
  std::partial_sort(all.begin(), all.begin() + k, all.end(),
                    [&](int32_t x, int32_t y) { return score[x] != score[y] ? score[x] > score[y] : x < y; });
  all.resize(k);
  return all;
}

void CompletionFeatures::Compute(const CompletionQuery& query, const std::vector<int32_t>& cands,
                                 bool leave_out_own_session, double* out) const {
  const int64_t n = static_cast<int64_t>(cands.size());
  const int32_t q = query.item;
  const int fit = IntentFit(query, leave_out_own_session);
  std::vector<double> words(n), grams(n), cats(n), topics(n);
  words_->Row(q, cands.data(), n, words.data());
  topics_->Row(q, cands.data(), n, topics.data());
  grams_->Row(q, cands.data(), n, grams.data());
  categories_->Row(q, cands.data(), n, cats.data());
  const auto at = session_bundles_.find(query.session);
  const Bundles* own = leave_out_own_session && at != session_bundles_.end() ? &at->second : nullptr;
  const Bundles none;
  // The own session's counts: category pairs from (a, b) and from a, and q's co-bundled items.
  std::vector<std::map<std::pair<int32_t, int32_t>, double>> own_pairs(2);
  std::vector<std::map<int32_t, double>> own_from(2);
  std::map<int32_t, double> own_co;
  for (const auto& bundle : own ? *own : none)
    for (int32_t x : bundle)
      for (int32_t y : bundle) {
        if (x == y) continue;
        if (x == q) own_co[y] += 1;
        for (int level = 0; level < 2; ++level)
          if (level_[level][x] >= 0 && level_[level][y] >= 0)
            own_pairs[level][{level_[level][x], level_[level][y]}] += 1, own_from[level][level_[level][x]] += 1;
      }
  auto lookup = [](const auto& map, const auto& key) {
    const auto it = map.find(key);
    return it == map.end() ? 0.0 : it->second;
  };
  for (int64_t c = 0; c < n; ++c) {
    const int32_t i = cands[c];
    double* f = out + c * kNumCompletionFeatures;
    f[0] = words[c], f[1] = grams[c], f[2] = cats[c];
    f[3] = brand_[q] >= 0 && brand_[q] == brand_[i];
    f[4] = level_[0][q] >= 0 && level_[0][q] == level_[0][i];
    f[5] = empty_title_[i];
    for (int level = 0; level < 2; ++level) {
      const int32_t a = level_[level][q], b = level_[level][i];
      double count = 0, total = 0;
      if (a >= 0 && b >= 0) {
        count = std::max(0.0, Affinity(level, a, b) - lookup(own_pairs[level], std::make_pair(a, b)));
        total = std::max(0.0, from_counts_[level][a] - lookup(own_from[level], a));
      }
      f[6 + 2 * level] = std::log1p(count);
      f[7 + 2 * level] = total > 0 ? count / total : 0.0;
    }
    f[10] = TokenAffinity(q, i, own);
    const double co = lookup(co_bundled_, static_cast<uint64_t>(q) << 32 | static_cast<uint32_t>(i));
    f[11] = std::log1p(std::max(0.0, co - lookup(own_co, i)));
    f[12] = f[0] * f[3], f[13] = f[0] * f[4], f[14] = f[1] * f[2], f[15] = f[0] * f[0];
    f[16] = static_cast<double>(Shared(lead_[q], lead_[i])) / 3.0;
    f[17] = topics[c];
    f[kIntentFeature] = IntentCosine(fit, q, i);
    f[19] = f[kIntentFeature] * f[kTitleFeature];
  }
}

double CompletionScorer::Score(const double* f) const {
  double s = 0;
  for (int j = 0; j < weight.size(); ++j) s += weight[j] * (f[j] - mean[j]) / scale[j];
  return s;
}

CompletionBatch BuildCompletionBatch(const CompletionFeatures& f, const std::vector<CompletionQuery>& queries,
                                     int64_t candidates, bool leave_out_own_session) {
  CompletionBatch b;
  for (const auto& q : queries) {
    std::vector<int32_t> cands = f.Candidates(q, candidates, leave_out_own_session);
    CompletionMatrix x(cands.size(), kNumCompletionFeatures);
    f.Compute(q, cands, leave_out_own_session, x.data());
    std::vector<int8_t> label(cands.size());
    for (size_t c = 0; c < cands.size(); ++c)
      label[c] = std::find(q.bundle.begin(), q.bundle.end(), cands[c]) != q.bundle.end();
    b.candidates.push_back(std::move(cands));
    b.features.push_back(std::move(x));
    b.in_bundle.push_back(std::move(label));
  }
  return b;
}

namespace {

// Feature means and standard deviations over every (query, candidate) row of the batch.
CompletionScorer Standardised(const CompletionBatch& b) {
  CompletionScorer s;
  const int f = kNumCompletionFeatures;
  s.weight = Eigen::VectorXd::Zero(f);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(f), sq = Eigen::VectorXd::Zero(f);
  double rows = 0;
  for (const auto& x : b.features) {
    sum += x.colwise().sum().transpose();
    sq += x.array().square().colwise().sum().matrix().transpose();
    rows += static_cast<double>(x.rows());
  }
  s.mean = sum / std::max(1.0, rows);
  s.scale = (sq / std::max(1.0, rows) - s.mean.cwiseProduct(s.mean)).cwiseMax(0.0).cwiseSqrt().array() + 1e-6;
  return s;
}

// Softmax over the query's candidates under the scorer; z holds the standardised features.
Eigen::VectorXd Policy(const CompletionScorer& s, const CompletionMatrix& x, Eigen::MatrixXd& z) {
  z = (x.rowwise() - s.mean.transpose()).array().rowwise() / s.scale.transpose().array();
  Eigen::VectorXd logits = z * s.weight;
  Eigen::VectorXd p = (logits.array() - logits.maxCoeff()).exp();
  return p / p.sum();
}

// The batch's queries with a bundle item among the candidates, in a seeded order.
std::vector<size_t> Shuffled(const CompletionBatch& b, SplitMix64& rng) {
  std::vector<size_t> order;
  for (size_t i = 0; i < b.in_bundle.size(); ++i)
    if (std::count(b.in_bundle[i].begin(), b.in_bundle[i].end(), 1) > 0) order.push_back(i);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  return order;
}

void Validate(const CompletionBatch& b, const CompletionLearnerConfig& c) {
  if (b.features.empty()) Fail("learned completion: no training query");
  if (c.epochs < 1 || !(c.learning_rate > 0) || c.l2 < 0 || c.samples < 2)
    Fail("learned completion: expected epochs >= 1, learning rate > 0, l2 >= 0 and samples >= 2");
}

// Stops training whose weights overflowed, naming the settings that make it diverge.
void RequireFiniteWeights(const CompletionScorer& s, const char* learner, int64_t epoch, const char* rate_key) {
  if (!s.weight.allFinite())
    Fail("learned completion (", learner, "): the weights became non-finite in epoch ", epoch + 1,
         "; lower the step size (config key '", rate_key, "') or the L2 penalty (completion.learned_l2)");
}

}  // namespace

CompletionScorer TrainListwise(const CompletionBatch& b, const CompletionLearnerConfig& c) {
  Validate(b, c);
  CompletionScorer s = Standardised(b);
  SplitMix64 rng(c.seed);
  Eigen::MatrixXd z;
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    for (size_t i : Shuffled(b, rng)) {
      const Eigen::VectorXd p = Policy(s, b.features[i], z);
      Eigen::VectorXd target(p.size());
      for (int64_t k = 0; k < p.size(); ++k) target[k] = b.in_bundle[i][k];
      target /= target.sum();
      s.weight -= c.learning_rate * (z.transpose() * (p - target) + c.l2 * s.weight);
    }
    RequireFiniteWeights(s, "listwise", epoch, "completion.learned_rate");
  }
  return s;
}

CompletionScorer TrainReinforce(const CompletionBatch& b, const CompletionLearnerConfig& c) {
  Validate(b, c);
  CompletionScorer s = Standardised(b);
  SplitMix64 rng(c.seed);
  Eigen::MatrixXd z;
  std::vector<int64_t> action(c.samples);
  std::vector<double> reward(c.samples);
  for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    for (size_t i : Shuffled(b, rng)) {
      const Eigen::VectorXd p = Policy(s, b.features[i], z);
      double mean_reward = 0;
      for (int64_t k = 0; k < c.samples; ++k) {
        double u = rng.Uniform(), acc = 0;
        int64_t a = 0;
        while (a + 1 < p.size() && (acc += p[a]) <= u) ++a;
        action[k] = a;
        reward[k] = b.in_bundle[i][a];
        mean_reward += reward[k] / static_cast<double>(c.samples);
      }
      // grad log pi(a) = z_a - E_pi[z]; the leave-nothing-out mean reward as the baseline.
      const Eigen::VectorXd expected = z.transpose() * p;
      Eigen::VectorXd grad = Eigen::VectorXd::Zero(s.weight.size());
      for (int64_t k = 0; k < c.samples; ++k)
        grad += (reward[k] - mean_reward) * (z.row(action[k]).transpose() - expected);
      s.weight += c.learning_rate * (grad / static_cast<double>(c.samples) - c.l2 * s.weight);
    }
    RequireFiniteWeights(s, "reinforce", epoch, "completion.reinforce_rate");
  }
  return s;
}

double CompletionHitRate(const CompletionScorer& s, const CompletionBatch& b, int64_t n) {
  double hits = 0;
  for (size_t i = 0; i < b.features.size(); ++i) {
    const CompletionMatrix& x = b.features[i];
    std::vector<std::pair<double, int32_t>> ranked;
    for (int64_t k = 0; k < x.rows(); ++k) ranked.push_back({-s.Score(x.row(k).data()), b.candidates[i][k]});
    std::vector<int64_t> order(ranked.size());
    std::iota(order.begin(), order.end(), 0);
    const int64_t top = std::min<int64_t>(n, static_cast<int64_t>(order.size()));
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int64_t u, int64_t v) { return ranked[u] < ranked[v]; });
    bool hit = false;
    for (int64_t k = 0; k < top; ++k) hit |= b.in_bundle[i][order[k]] != 0;
    hits += hit;
  }
  return b.features.empty() ? 0.0 : hits / static_cast<double>(b.features.size());
}

}  // namespace bundlerl
