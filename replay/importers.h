// Importers from the public data layouts in shared/data into the logged-session store.
//
// Each importer reads the source files with full validation (file and line in every error)
// and writes one HDF5 file through LogWriter, so that a failed import leaves no output.
#pragma once

#include <cstdint>
#include <string>

namespace bundlerl {

struct ImportStats {
  int64_t rounds = 0, items = 0, users = 0, bundles = 0, sessions = 0;
};

// Open Bandit Dataset campaign folder (e.g. obd/random/men): the log CSV and item_context.csv.
// `logging_policy` empty: inferred from the parent folder ("random" -> uniform, "bts" -> bts).
// Each CSV row (one impression, one position) becomes one round with one slot (S = 1, K = 3).
ImportStats ImportObd(const std::string& dir, const std::string& out, const std::string& command,
                      std::string logging_policy = "");

// Bundle-ranking layout (Youshu, NetEase, iFashion): <Name>_data_size.txt, bundle_item.txt,
// user_item.txt, user_bundle_{train,tune,test}.txt (tab-separated 0-based ids).
ImportStats ImportBundles(const std::string& dir, const std::string& out,
                          const std::string& command);

// Amazon session-bundle layout (data/bundles/amazon/<domain>): users with time-ordered
// sessions, session items and bundles, bundle items and intents, titles and category paths.
ImportStats ImportAmazon(const std::string& dir, const std::string& out,
                         const std::string& command);

// Parses "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]" to Unix seconds; false if malformed.
bool ParseIsoTime(const std::string& text, double& seconds);

// Parses an Amazon category list "[[a,b],[c]]" to "a > b | c"; false if malformed.
bool ParseCategoryList(const std::string& text, std::string& path);

}  // namespace bundlerl
