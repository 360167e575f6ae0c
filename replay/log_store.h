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

#include "dataset/dataset.h"
#include "dataset/round_source.h"
#include "replay/h5.h"

namespace bundlerl {

// Version 2 added the simulator's fields (candidates, round seeds, cascade propensities,
// item popularity, baskets, the reward and config attributes); version 3 those of the generic
// slate layout (original ids as text, user features, each round's history length, rounds
// without propensities). Versions 1 and 2 still read.
inline constexpr int64_t kSchemaVersion = 3;

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
  void WriteBaskets(const Ragged& baskets);
  // Every part of `d` but its rounds (items, bundles, users, sessions, baskets, interactions,
  // context names and vocabularies).
  void WriteCatalog(const LoggedDataset& d);
  // Names of the context columns (/context/columns) and, for a categorical column stored as
  // codes, the value of each code (/context/vocab/<column>).
  void WriteContextColumns(const std::vector<std::string>& names);
  void WriteContextVocabulary(const std::string& column, const std::vector<std::string>& values);
  // Validates and appends; optional fields must be present in every batch or in none.
  void AppendRounds(const RoundBatch& batch);
  // Closes the file and renames it to the target path.
  void Commit();
  int64_t rounds_written() const { return rounds_; }
  // The file being written, for a caller's own groups beside the store's (e.g. a fitted
  // world's model, harness/world_file.h).
  h5::File& file() { return file_; }

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
  bool has_pscore() const { return has_pscore_; }
  bool has_pscore_slate() const { return has_pscore_slate_; }
  bool has_purchase() const { return has_purchase_; }
  bool has_revenue() const { return has_revenue_; }
  bool has_candidates() const { return meta_.num_candidates > 0; }
  bool Has(const std::string& object) const { return file_.Exists(object); }

  // Reads rounds [first, first + count) into `batch` (buffers are reused), validated.
  void ReadRounds(int64_t first, int64_t count, RoundBatch& batch) const;

  ItemTable ReadItems() const;
  BundleTable ReadBundles() const;
  UserTable ReadUsers() const;
  SessionTable ReadSessions() const;
  Interactions ReadInteractions(const std::string& name) const;
  // Everything but the rounds (catalog, bundles, users, sessions, baskets, interactions,
  // context names and vocabularies): what the kernels and the featurizers need.
  LoggedDataset ReadCatalog() const;
  const h5::File& file() const { return file_; }

 private:
  Ragged ReadRagged(const std::string& group, const std::string& name) const;
  h5::File file_;
  LogMeta meta_;
  int64_t num_rounds_ = 0;
  bool has_pscore_slate_ = false, has_pscore_cascade_ = false, has_purchase_ = false, has_revenue_ = false,
       has_round_seed_ = false, has_pscore_item_ = false, has_pscore_ = true, has_click_ = true,
       has_history_length_ = false;
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

// A file's rounds as a RoundSource, read in chunks on demand (the catalog is read once).
class FileRoundSource : public RoundSource {
 public:
  explicit FileRoundSource(const std::string& path) : reader_(path), catalog_(reader_.ReadCatalog()) {}
  const LoggedDataset& catalog() const override { return catalog_; }
  int64_t num_rounds() const override { return reader_.num_rounds(); }
  void Read(int64_t first, int64_t count, RoundBatch& out) const override { reader_.ReadRounds(first, count, out); }
  const std::string& path() const { return reader_.path(); }

 private:
  LogReader reader_;
  LoggedDataset catalog_;
};

// A whole dataset to a file, atomically (nothing at `path` unless every part was written).
// `command` is stored as the file's command attribute when the dataset's is empty.
void WriteDataset(const LoggedDataset& dataset, const std::string& path, const std::string& command = "");
// A whole file into memory (for files that fit; large logs stream with RoundStream).
LoggedDataset ReadDataset(const std::string& path);
// The catalog and the rounds [first, end) of an open file (end < 0: to the end), e.g. a rank's
// shard.
LoggedDataset ReadDataset(const LogReader& reader, int64_t first, int64_t end = -1);

}  // namespace bundlerl
