// Where a learner or an evaluator reads logged rounds from: a dataset in memory, or a file
// streamed in chunks (replay/log_store.h, FileRoundSource), behind one interface, so that
// training and evaluation on a log too large for memory run the same code as on one in memory
// and give the same numbers.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "dataset/dataset.h"

namespace bundlerl {

class RoundSource {
 public:
  virtual ~RoundSource() = default;
  // The metadata, catalog, users and context of the rounds (its own rounds are not used).
  virtual const LoggedDataset& catalog() const = 0;
  virtual int64_t num_rounds() const = 0;
  // Rounds [first, first + count) into `out` (its buffers reused), first_round = first.
  virtual void Read(int64_t first, int64_t count, RoundBatch& out) const = 0;
};

// A short fingerprint of a log's rounds: the catalog's, the number of rounds, and a digest of
// the slates, rewards, propensities and times of its first and last 4,096 rounds (so that a
// checkpoint made on one log is not resumed on another; not a digest of every byte).
std::string LogFingerprint(const RoundSource& source);

// A dataset's own rounds.
class InMemoryRounds : public RoundSource {
 public:
  explicit InMemoryRounds(const LoggedDataset& data) : data_(data) {}
  const LoggedDataset& catalog() const override { return data_; }
  int64_t num_rounds() const override { return data_.rounds.n; }
  void Read(int64_t first, int64_t count, RoundBatch& out) const override {
    out.Clear();
    out.AppendFrom(data_.rounds, first, count);
    out.first_round = first;
  }

 private:
  const LoggedDataset& data_;
};

}  // namespace bundlerl
