// Importers from the public data layouts (shared/data) into a logged dataset.
//
// Each importer reads the source files with full validation (file and line in every error)
// and returns the dataset in memory; `bundlerl import` persists it with WriteDataset, the
// experiments use it directly. `command` is recorded in the dataset's metadata.
#pragma once

#include <cstdint>
#include <string>

#include "dataset/dataset.h"

namespace bundlerl {

// Open Bandit Dataset campaign folder (e.g. obd/random/men): the log CSV and item_context.csv.
// `logging_policy` empty: inferred from the parent folder ("random" -> uniform, "bts" -> bts).
// Each CSV row (one impression, one position) becomes one round with one slot (S = 1, K = 3).
LoggedDataset ImportObd(const std::string& dir, const std::string& command, std::string logging_policy = "");

// Bundle-ranking layout (Youshu, NetEase, iFashion): <Name>_data_size.txt, bundle_item.txt,
// user_item.txt, user_bundle_{train,tune,test}.txt (tab-separated 0-based ids).
LoggedDataset ImportBundles(const std::string& dir, const std::string& command);

// Amazon session-bundle layout (data/bundles/amazon/<domain>): users with time-ordered
// sessions, session items and bundles, bundle items and intents, titles and category paths.
LoggedDataset ImportAmazon(const std::string& dir, const std::string& command);

// Parses "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]" to Unix seconds; false if malformed.
bool ParseIsoTime(const std::string& text, double& seconds);

// Parses an Amazon category list "[[a,b],[c]]" to "a > b | c"; false if malformed.
bool ParseCategoryList(const std::string& text, std::string& path);

}  // namespace bundlerl
