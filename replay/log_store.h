// The logged-session store: BundleRL's HDF5 schema for logged rounds, catalogs, users,
// sessions and interactions, with a validating writer and a streaming reader.
//
// The schema is documented for h5py / pandas users in docs/FORMATS.md. Rounds are columnar,
// one dataset per field under /rounds, chunked and compressed; the reader streams them in
// batches so that memory does not grow with the file. The writer writes to a temporary file
// next to the target and renames it on Commit(): a failed or killed write leaves nothing at
// the target path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "replay/h5.h"

namespace bundlerl {

inline constexpr int64_t kSchemaVersion = 1;

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
  int64_t schema_version = kSchemaVersion;
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
  std::vector<double> pscore;        // [n, S] logging marginal P(unit at slot)
  std::vector<double> pscore_slate;  // [n] joint logging propensity; empty if unknown
  std::vector<float> click;          // [n, S]
  std::vector<float> purchase;       // [n, S]; empty if unknown
  std::vector<float> revenue;        // [n, S]; empty if unknown

  void Clear();
  void Reserve(int64_t rounds, int64_t slots, int64_t context_dim);
};

// Checks a batch against the file's metadata: shapes agree, propensities in (0, 1], values
// finite, unit ids in range, slate units distinct, positions in [0, K). Throws an Error naming
// `where` (file or "writer"), the field, the round index (first_round + i) and what was
// expected.
void ValidateRounds(const RoundBatch& batch, const LogMeta& meta, const std::string& where,
                    int64_t first_round);

// Items of the catalog. Optional columns are empty when unknown.
struct ItemTable {
  int64_t n = 0;
  std::vector<int64_t> original_id;         // [n] id in the source data
  std::vector<int32_t> category;            // [n] dense category id (-1 unknown)
  std::vector<double> price;                // [n]
  std::vector<std::string> title;           // [n]
  std::vector<std::string> tokens;          // [n] space-separated attribute tokens
  std::vector<std::string> category_path;   // [n] e.g. "Electronics > Cameras"
  std::vector<float> features;              // [n, F] dense features
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
  Ragged history;                     // items
  std::vector<int64_t> history_time;  // aligned with history.values; empty if unknown
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

class LogWriter {
 public:
  // Starts writing to a temporary file beside `path`. Validates `meta`.
  LogWriter(std::string path, LogMeta meta);
  ~LogWriter();  // removes the temporary file unless Commit() succeeded
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  void WriteItems(const ItemTable& items);
  void WriteBundles(const BundleTable& bundles);
  void WriteUsers(const UserTable& users);
  void WriteSessions(const SessionTable& sessions);
  void WriteInteractions(const std::string& name, const Interactions& pairs);
  // Names of the context columns (/context/columns) and, for a categorical column stored as
  // codes, the value of each code (/context/vocab/<column>).
  void WriteContextColumns(const std::vector<std::string>& names);
  void WriteContextVocabulary(const std::string& column, const std::vector<std::string>& values);
  // Validates and appends; optional fields must be present in every batch or in none.
  void AppendRounds(const RoundBatch& batch);
  // Closes the file and renames it to the target path.
  void Commit();
  int64_t rounds_written() const { return rounds_; }

 private:
  struct RoundAppenders;
  void WriteRagged(const std::string& group, const std::string& name, const Ragged& r);
  std::string path_, tmp_path_;
  LogMeta meta_;
  h5::File file_;
  std::unique_ptr<RoundAppenders> appenders_;
  int64_t rounds_ = 0;
  bool committed_ = false;
};

class LogReader {
 public:
  // Opens and checks the schema version, attributes, and that all round datasets agree in
  // length and shape. Throws Error naming the file and the dataset otherwise.
  explicit LogReader(const std::string& path);

  const LogMeta& meta() const { return meta_; }
  const std::string& path() const { return file_.path(); }
  int64_t num_rounds() const { return num_rounds_; }
  bool has_pscore_slate() const { return has_pscore_slate_; }
  bool has_purchase() const { return has_purchase_; }
  bool has_revenue() const { return has_revenue_; }
  bool Has(const std::string& object) const { return file_.Exists(object); }

  // Reads rounds [first, first + count) into `batch` (buffers are reused), validated.
  void ReadRounds(int64_t first, int64_t count, RoundBatch& batch) const;

  ItemTable ReadItems() const;
  BundleTable ReadBundles() const;
  UserTable ReadUsers() const;
  SessionTable ReadSessions() const;
  Interactions ReadInteractions(const std::string& name) const;
  const h5::File& file() const { return file_; }

 private:
  Ragged ReadRagged(const std::string& group, const std::string& name) const;
  h5::File file_;
  LogMeta meta_;
  int64_t num_rounds_ = 0;
  bool has_pscore_slate_ = false, has_purchase_ = false, has_revenue_ = false;
};

// Streams a file's rounds in batches: while (stream.Next(batch)) {...}.
class RoundStream {
 public:
  RoundStream(const LogReader& reader, int64_t batch_rounds = 65536, int64_t first = 0,
              int64_t end = -1);
  bool Next(RoundBatch& batch);

 private:
  const LogReader& reader_;
  int64_t batch_rounds_, next_, end_;
};

}  // namespace bundlerl
