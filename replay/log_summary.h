// A one-pass summary of a logged-session file: what `bundlerl info` prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replay/log_store.h"

namespace bundlerl {

struct LogSummary {
  LogMeta meta;
  int64_t rounds = 0, items = 0, users = 0, bundles = 0, sessions = 0;
  int64_t distinct_units_shown = 0;
  // Shown slots and the reward (clicks, unless the file logs another) per page position, up to the last position any round holds.
  std::vector<int64_t> rounds_per_position;
  std::vector<double> clicks_per_position;
  double min_pscore = 0, max_pscore = 0;
  bool has_pscore = true;  // the rounds carry logging propensities
  std::vector<std::string> interactions;     // names under /interactions
  double click_rate(size_t position) const {
    return rounds_per_position[position] ? clicks_per_position[position] / rounds_per_position[position] : 0.0;
  }
};

LogSummary SummarizeLog(const LogReader& reader);

// Human-readable table.
std::string FormatSummary(const LogSummary& s);

}  // namespace bundlerl
