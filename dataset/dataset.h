// The logged dataset: BundleRL's one in-memory form of logged data. Importers return it, the
// simulator's logger produces it, the HDF5 store (replay/log_store.h) persists and streams it,
// and the agents, the kernel builder and the off-policy estimators consume it, so that every
// learner and estimator works on every source (the role OBP's bandit_feedback dict plays).
//
// What a dataset holds (every part optional but the metadata):
//   rounds        logged rounds, columnar (RoundBatch): who was shown which units in which
//                 slots, with what logging propensity, and how they responded;
//   items         the catalog: categories, prices, titles, tokens, category paths, features;
//   bundles       predefined bundles (catalog mode) as item lists, with intents;
//   users         users and their time-ordered histories;
//   sessions      shopping sessions: user, time, items, annotated bundles;
//   baskets       item baskets behind co-occurrence kernels (e.g. a synthetic world's);
//   interactions  named (user, unit) pair lists, e.g. Youshu's train / tune / test splits;
//   context       names of the per-round context columns, and the vocabulary of each
//                 categorical one.
// The HDF5 layout of each part is in docs/FORMATS.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bundlerl {

// File-level attributes.
struct LogMeta {
  std::string source;          // "obd", "youshu", "amazon", "synthetic", ...
  std::string logging_policy;  // "uniform", "bts", "epsilon-greedy", "" if no rounds
  std::string unit_kind = "item";  // "item" (compose mode) or "bundle" (catalog mode)
  std::string command;             // the command line that made the file
  int64_t slate_size = 0;          // K: slots on the page shown to the shopper
  int64_t slots_per_round = 0;     // S: slots stored per round (1 for OBD: one row per slot)
  int64_t n_units = 0;             // unit ids lie in [0, n_units)
  int64_t context_dim = 0;         // D: context features per round
  int64_t num_candidates = 0;      // C of /rounds/candidates; 0: every round's candidates are
                                   // all n_units units, in order
  std::string reward = "click";    // the reward the rounds were logged for: click, purchase or
                                   // revenue (the default of train and evaluate)
  std::string config;              // the configuration that made the rounds (INI text), if any
  std::string kernels;             // the kernel spec (kernels/builder.h) that rebuilds the
                                   // features the rounds were logged with; "" = the default
  int64_t schema_version = 0;      // of the file the dataset was read from (0: made in memory)
};

// A columnar batch of logged rounds. Per-slot arrays are row-major [n, S].
struct RoundBatch {
  int64_t first_round = 0;  // index of the first round of the batch in the file
  int64_t n = 0;
  std::vector<int64_t> session_id;
  std::vector<int32_t> step;
  std::vector<double> timestamp;     // Unix seconds
  std::vector<int64_t> user_id;      // dense id, -1 if unknown
  std::vector<float> context;        // [n, D]
  std::vector<int32_t> slate;        // [n, S] unit ids
  std::vector<int32_t> position;     // [n, S] page slot of each stored slot (0-based)
  std::vector<double> pscore;        // [n, S] logging marginal P(unit at slot); empty if
                                     // unknown (a log without propensities: only the direct
                                     // and model-based estimators apply)
  std::vector<double> pscore_slate;  // [n] joint logging propensity; empty if unknown
  std::vector<double> pscore_cascade;  // [n, S] logging P(slots 0..s); empty if unknown
  std::vector<double> pscore_item;   // [n, S] logging P(the slot's unit is shown in any slot);
                                     // empty if unknown
  std::vector<float> click;          // [n, S]
  std::vector<float> purchase;       // [n, S]; empty if unknown
  std::vector<float> revenue;        // [n, S]; empty if unknown
  std::vector<int32_t> candidates;   // [n, C] unit ids offered (meta.num_candidates); empty: all units
  std::vector<uint64_t> round_seed;  // [n] the simulator's seed of the round; empty if not simulated
  std::vector<int64_t> history_length;  // [n] how many leading items of the user's history
                                        // (users.history) the round came after; empty: all
                                        // of it (a history that predates the log)

  void Clear();
  void Reserve(int64_t rounds, int64_t slots, int64_t context_dim, int64_t candidates = 0);
  // Appends rows [first, first + count) of `other` (same optional fields present).
  void AppendFrom(const RoundBatch& other, int64_t first, int64_t count);
  // The reward of every slot under `kind` (click, purchase or revenue); throws Error naming
  // the field when the batch does not carry it.
  const std::vector<float>& Reward(const std::string& kind) const;
};

// Checks a batch against the metadata: shapes agree, propensities in (0, 1], values finite,
// unit ids in range, slate units distinct and among the round's candidates, positions in
// [0, K). Throws an Error naming `where` (a file, "writer" or a dataset name), the field, the
// round index (first_round + i) and what was expected.
void ValidateRounds(const RoundBatch& batch, const LogMeta& meta, const std::string& where,
                    int64_t first_round);

// Items of the catalog. Optional columns are empty when unknown.
struct ItemTable {
  int64_t n = 0;
  std::vector<int64_t> original_id;         // [n] id in the source data
  std::vector<std::string> original_key;    // [n] id in the source data, as text (ids that
                                            // may be strings: the generic slate layout)
  std::vector<int32_t> category;            // [n] dense category id (-1 unknown)
  std::vector<double> price;                // [n]
  std::vector<std::string> title;           // [n]
  std::vector<std::string> tokens;          // [n] space-separated attribute tokens
  std::vector<std::string> category_path;   // [n] e.g. "Electronics > Cameras"
  std::vector<double> popularity;           // [n] in [0, 1]
  std::vector<double> features;             // [n, F] dense features (embeddings, attributes)
  int64_t feature_dim = 0;
};

// A ragged array (CSR): row r holds values[offsets[r] .. offsets[r+1]).
struct Ragged {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> values;
  int64_t rows() const { return static_cast<int64_t>(offsets.size()) - 1; }
  int64_t size(int64_t r) const { return offsets[r + 1] - offsets[r]; }
  const int32_t* row(int64_t r) const { return values.data() + offsets[r]; }
  void PushRow(const std::vector<int32_t>& row);
};

// Predefined bundles (catalog mode) as item lists.
struct BundleTable {
  Ragged items;
  std::vector<int64_t> original_id;
  std::vector<std::string> intent;  // empty if unknown
};

// Users and their interaction histories (time-ordered where times are known).
struct UserTable {
  int64_t n = 0;
  std::vector<int64_t> original_id;
  std::vector<std::string> original_key;  // [n] id in the source data, as text
  Ragged history;                     // items
  std::vector<int64_t> history_time;  // aligned with history.values; empty if unknown
  std::vector<double> features;       // [n, feature_dim] numeric user features
  int64_t feature_dim = 0;
};

// Shopping sessions: who, when, which items and which annotated bundles.
struct SessionTable {
  std::vector<int64_t> user;  // dense user id
  std::vector<int64_t> timestamp;
  std::vector<int64_t> original_id;
  Ragged items;
  Ragged bundles;
};

// (user, unit) interaction pairs, e.g. Youshu's train/tune/test user-bundle splits.
struct Interactions {
  std::vector<int32_t> user;
  std::vector<int32_t> unit;
  std::vector<int64_t> time;  // empty if unknown
};

struct LoggedDataset {
  LogMeta meta;
  RoundBatch rounds;  // rounds.n rounds, first_round 0
  ItemTable items;    // items.n == 0: no catalog
  BundleTable bundles;
  UserTable users;
  SessionTable sessions;
  Ragged baskets;
  std::map<std::string, Interactions> interactions;
  std::vector<std::string> context_columns;                       // [context_dim] or empty
  std::map<std::string, std::vector<std::string>> context_vocab;  // categorical column -> values

  int64_t num_rounds() const { return rounds.n; }
  bool has_bundles() const { return bundles.items.rows() > 0; }
  bool has_sessions() const { return !sessions.user.empty(); }
  // Checks every part against the metadata and each other (sizes, id ranges, CSR indices);
  // throws Error naming `where`, the part, the field and the index.
  void Validate(const std::string& where) const;
  // The rounds in [first, end) with the same catalog, users and context (for splits).
  LoggedDataset Slice(int64_t first, int64_t end) const;
};

// The rounds split in two, the earlier `share` (by timestamp, ties in file order; or in file
// order when by_time is false) and the rest, each with the whole catalog, users and context.
// Throws Error when either part would be empty.
std::pair<LoggedDataset, LoggedDataset> SplitRounds(const LoggedDataset& d, double share, bool by_time = true);

// A short fingerprint of a catalog (its source, units, item ids, features, categories and
// context columns), recorded with policies trained on its logs so that evaluating them on
// another catalog is an error.
std::string CatalogFingerprint(const LoggedDataset& catalog);
// True when two fingerprints name the same catalog: their digests agree (the source named in
// front may differ, as between a world's catalog and the logs simulated from it).
bool SameCatalog(const std::string& a, const std::string& b);

// Counts of a dataset, as `bundlerl import` reports them.
struct ImportStats {
  int64_t rounds = 0, items = 0, users = 0, bundles = 0, sessions = 0, interactions = 0;
};
ImportStats StatsOf(const LoggedDataset& d);

}  // namespace bundlerl
