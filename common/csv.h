// A streaming CSV / TSV reader with line numbers, for the importers.
//
// Handles RFC 4180 quoting (fields in double quotes may hold the separator, newlines and
// doubled quotes) and CRLF line ends. Every conversion error names the file, the line and
// the column, so that a user can find the bad row.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace bundlerl {

class CsvReader {
 public:
  // Opens `path`; throws Error naming the path if it cannot be read.
  explicit CsvReader(const std::string& path, char separator = ',');

  // Reads the next record into `fields`; false at end of file. Empty lines are skipped.
  bool Next(std::vector<std::string>& fields);

  // Line number (1-based) where the last record returned by Next() started.
  int64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }

  // Reads the header row and checks that it has at least `min_columns` columns.
  std::vector<std::string> ReadHeader(size_t min_columns = 1);

  // Field conversions that name file, line and column on failure.
  int64_t ToInt(const std::string& field, const std::string& column) const;
  double ToDouble(const std::string& field, const std::string& column) const;
  // Checks the record has exactly `n` fields.
  void ExpectColumns(const std::vector<std::string>& fields, size_t n) const;
  [[noreturn]] void FailAt(const std::string& what) const;

  // Records (one line, or several for a quoted field) longer than this are an error.
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

 private:
  // Reads one physical line without its '\n'; false at end of file. `used`: bytes of the
  // record read before this line, counted against kMaxRecordBytes.
  bool ReadLine(std::string& line, size_t used = 0);
  std::string path_;
  std::ifstream in_;
  char separator_;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
};

}  // namespace bundlerl
