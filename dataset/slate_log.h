// The generic slate-log layout: a researcher's own logs, one row per shown slot, into a
// logged dataset (dataset/dataset.h) that every estimator, learner and fitted world reads.
//
// ROUNDS (long format), columns by default (`rename` maps a logical name to another one):
//   round_id, position (0-based), item_id               required
//   session_id, user_id, timestamp (Unix seconds or ISO time), click, purchase, revenue,
//   propensity (the slot's marginal probability under the logging policy),
//   slate_propensity (the joint probability of the whole logged slate, the same on every row
//   of the round), candidate_set (an id of the candidates offered), context_<name>
//   (round context: numeric, or categorical where the first value is not a number or the
//   column is listed as categorical)                     optional
// ITEMS: item_id, and optionally title, category, price, feature_<name> (numeric) and the
//   text columns named in `text` (joined into the title the TF-IDF kernels read).
// USERS: user_id, and feature_<name> columns (numeric).
// CANDIDATES: candidate_set, item_id (the members of each candidate set; without the file a
//   set holds the items shown in its rounds).
//
// Ids may be any strings or integers: they become dense codes (items and users in the order
// of ITEMS / USERS, then of first appearance) and the originals are kept (items and users:
// original_key). Rows of a round may come in any order; rounds are ordered by timestamp, then
// by first appearance. A user's history at a round is the items the user clicked (or bought,
// without clicks) in the earlier rounds (rounds/history_length). Rounds must show the same
// number of slots (or `drop_incomplete`).
//
// Errors name the file, the line and the column (CSV) or the array and the index (Python).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/dataset.h"
#include "dataset/key_index.h"

namespace bundlerl {

struct SlateLogOptions {
  std::string source = "slates";        // the dataset's source attribute
  std::string logging_policy = "logged";  // its logging_policy attribute
  std::string reward;                    // click, purchase or revenue; "" = the first present
  int64_t slate_size = 0;                // K; 0 = the largest position + 1
  bool drop_incomplete = false;          // drop rounds with fewer rows than the most (else an error)
  std::string command;
};

// Which optional columns a log has.
struct SlateSchema {
  bool session = false, user = false, timestamp = false, click = false, purchase = false, revenue = false,
       propensity = false, slate_propensity = false, candidate_set = false;
  std::vector<std::string> context;  // names, without the "context_" prefix
  std::vector<bool> categorical;     // per context column
};

// Assembles a slate log from rows (the CSV reader's and Python's). Methods throw Error
// without a location; the caller adds it (a file and line, an array and index).
class SlateLogBuilder {
 public:
  struct Row {
    std::string_view round, item, session, user, candidate_set;
    int64_t position = 0;
    double timestamp = 0, click = 0, purchase = 0, revenue = 0, propensity = 0, slate_propensity = 0;
    const double* context = nullptr;                 // [D], numeric columns' entries read
    const std::string_view* context_text = nullptr;  // [D], categorical columns' entries read
  };

  SlateLogBuilder(SlateSchema schema, SlateLogOptions options);
  const SlateSchema& schema() const { return schema_; }

  // The catalog, before any row: dense item ids follow `keys`' order, and a row naming an item
  // that is not among them is an error.
  void SetItems(const std::vector<std::string>& keys, ItemTable items);
  // User features: users follow `keys`' order; users of the rounds not among them get zeros.
  void SetUsers(const std::vector<std::string>& keys, std::vector<double> features, int64_t feature_dim);
  // Members of candidate sets (set id, item id), in order; replaces "the items shown".
  void AddCandidate(std::string_view set, std::string_view item);
  // Reserves room for about `rows` rows (from a file's size), so that growing does not copy.
  void Reserve(int64_t rows);

  void AddRow(const Row& row);
  int64_t rows() const { return static_cast<int64_t>(row_round_.size()); }

  // Groups the rows into rounds and returns the dataset. `locate(r)` names row r (0-based,
  // in the order added) in errors. Rounds dropped as incomplete are counted in dropped().
  LoggedDataset Finish(const std::function<std::string(int64_t)>& locate);
  int64_t dropped() const { return dropped_; }
  // Users of the rounds without a row in USERS (their features are zeros).
  int64_t users_without_features() const { return users_without_features_; }

 private:
  struct RoundFirst;  // round-level values, set by a round's first row
  int32_t ItemCode(std::string_view item);
  void CheckSameInRound(const Row& row, int32_t round);
  SlateSchema schema_;
  SlateLogOptions options_;
  KeyIndex rounds_, items_, users_, sessions_, sets_;
  bool fixed_items_ = false;
  ItemTable item_table_;
  std::vector<double> user_features_;
  int64_t user_feature_dim_ = 0, known_users_ = 0;
  std::vector<std::vector<int32_t>> set_members_;  // candidate sets given by a file
  bool explicit_sets_ = false;
  // Per row.
  std::vector<uint32_t> row_round_;
  std::vector<int32_t> row_item_, row_position_;
  std::vector<float> row_click_, row_purchase_, row_revenue_;
  std::vector<double> row_propensity_;
  // Per round, from its first row.
  std::vector<double> round_time_, round_slate_propensity_;
  std::vector<int32_t> round_user_, round_session_, round_set_;
  std::vector<float> round_context_;  // [rounds, D]
  std::vector<KeyIndex> context_vocab_;
  int64_t max_position_ = -1, dropped_ = 0, users_without_features_ = 0;
};

// The columns of an items table, whatever they were read from (the CSV reader's, Python's).
struct ItemColumns {
  std::vector<std::string> keys;              // item_id
  std::vector<std::vector<std::string>> text;  // the text columns, joined into the title
  std::vector<std::string> category;          // empty: none ("" = unknown)
  std::vector<double> price;                  // empty: none
  std::vector<std::vector<double>> features;  // feature_* columns, in order
};
// The catalog of `columns` (titles, dense categories in order of appearance, prices, the
// feature matrix); throws Error naming the column and the row when a value is bad.
ItemTable MakeItemTable(const ItemColumns& columns);

// A log of choices from a dataset's sessions (the Amazon layout): one round per item of each
// of `sessions` (indices into d.sessions, each with a user and a time), the item at position
// 0 and clicked, with the session's user and time; the catalog's items (keyed by their
// original ids, in the dataset's order, so that dense ids agree) with their titles and first
// category paths. What scripts/slates_from_amazon.py writes as CSV, built in memory.
LoggedDataset ChoicesFromSessions(const LoggedDataset& d, const std::vector<int64_t>& sessions,
                                  const std::string& command = "");

// The CSV files of a slate log.
struct SlateFiles {
  std::string rounds, items, users, candidates;  // ROUNDS is required
  std::map<std::string, std::string> rename;     // logical column name -> the file's
  std::vector<std::string> text;                 // ITEMS text columns (default: title)
  std::vector<std::string> categorical;          // context columns to read as categorical
};
// What an import read and what it left out, for the report.
struct SlateImportReport {
  int64_t rows = 0;                    // rows of ROUNDS
  int64_t dropped_rounds = 0;          // rounds with fewer rows than the others (drop_incomplete)
  int64_t users_without_features = 0;  // users of the rounds missing from USERS (features 0)
};
// Reads the files (ROUNDS streamed) into a dataset. `progress(bytes, total)` is called now
// and then while ROUNDS is read.
LoggedDataset ImportSlates(const SlateFiles& files, const SlateLogOptions& options,
                           const std::function<void(int64_t, int64_t)>& progress = nullptr,
                           SlateImportReport* report = nullptr);

// The logical ROUNDS columns, for help text and for `rename`.
const std::vector<std::string>& SlateRoundColumns();

}  // namespace bundlerl
