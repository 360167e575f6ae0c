// SummarizeLog: see log_summary.h.
#include "replay/log_summary.h"

#include <algorithm>
#include <iomanip>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace bundlerl {

LogSummary SummarizeLog(const LogReader& reader) {
  LogSummary s;
  s.meta = reader.meta();
  s.rounds = reader.num_rounds();
  const auto& f = reader.file();
  if (f.HasAttr("n_items")) s.items = f.GetIntAttr("n_items");
  if (f.HasAttr("n_users")) s.users = f.GetIntAttr("n_users");
  if (f.HasAttr("n_bundles")) s.bundles = f.GetIntAttr("n_bundles");
  if (f.Exists("/sessions/user")) s.sessions = f.Shape("/sessions/user").at(0);
  for (const char* name : {"user_bundle", "user_bundle_train", "user_bundle_tune", "user_bundle_test"})
    if (f.Exists(std::string("/interactions/") + name)) s.interactions.push_back(name);
  // The tables grow with the positions and units the rounds hold (each checked by ReadRounds
  // against slate_size and n_units), not with those attributes: a file claiming a slate of
  // 2^31 positions had this allocate 16 GB before reading a row (found by fuzz/h5_fuzz.cpp).
  const int64_t S = s.meta.slots_per_round;
  std::unordered_set<int32_t> seen;
  s.min_pscore = std::numeric_limits<double>::infinity();
  s.max_pscore = 0;
  RoundStream stream(reader);
  RoundBatch b;
  while (stream.Next(b)) {
    const std::vector<float>& reward = b.Reward(s.meta.reward);
    s.has_pscore = !b.pscore.empty();
    for (int64_t k = 0; k < b.n * S; ++k) {
      const size_t position = static_cast<size_t>(b.position[k]);
      if (position >= s.rounds_per_position.size()) {
        s.rounds_per_position.resize(position + 1, 0);
        s.clicks_per_position.resize(position + 1, 0.0);
      }
      ++s.rounds_per_position[position];
      s.clicks_per_position[position] += reward[k];
      seen.insert(b.slate[k]);
      if (!s.has_pscore) continue;
      s.min_pscore = std::min(s.min_pscore, b.pscore[k]);
      s.max_pscore = std::max(s.max_pscore, b.pscore[k]);
    }
  }
  if (s.rounds == 0) s.min_pscore = 0;
  s.distinct_units_shown = static_cast<int64_t>(seen.size());
  return s;
}

std::string FormatSummary(const LogSummary& s) {
  std::ostringstream o;
  o << "source            " << s.meta.source << "\n"
    << "schema version    " << s.meta.schema_version << "\n"
    << "unit kind         " << s.meta.unit_kind << " (" << s.meta.n_units << " units)\n"
    << "items             " << s.items << "\n"
    << "users             " << s.users << "\n";
  if (s.bundles) o << "bundles           " << s.bundles << "\n";
  if (s.sessions) o << "sessions          " << s.sessions << "\n";
  for (const auto& name : s.interactions) o << "interactions      " << name << "\n";
  if (s.rounds > 0) {
    o << "rounds            " << s.rounds << "\n"
      << "logging policy    " << s.meta.logging_policy << "\n"
      << "slate size K      " << s.meta.slate_size << " (" << s.meta.slots_per_round
      << " slot(s) stored per round)\n"
      << "context features  " << s.meta.context_dim << "\n"
      << "units shown       " << s.distinct_units_shown << "\n"
      << std::setprecision(6);
    if (s.has_pscore) o << "propensity range  [" << s.min_pscore << ", " << s.max_pscore << "]\n";
    else o << "propensities      none (only the direct and model-based estimators apply)\n";
    if (s.meta.reward == "click") o << "position  shown  clicks  click rate\n";
    else o << "position  shown  " << s.meta.reward << "  mean " << s.meta.reward << "\n";
    for (size_t k = 0; k < s.rounds_per_position.size(); ++k)
      o << std::setw(8) << k << std::setw(7) << s.rounds_per_position[k] << std::setw(8)
        << static_cast<int64_t>(s.clicks_per_position[k]) << "  " << std::fixed
        << std::setprecision(6) << s.click_rate(k) << "\n" << std::defaultfloat;
  }
  o << "made by           " << s.meta.command << "\n";
  return o.str();
}

}  // namespace bundlerl
