// A streaming CSV / TSV reader with line numbers, for the importers.
//
// Handles RFC 4180 quoting (fields in double quotes may hold the separator, newlines and
// doubled quotes), CRLF line ends and a UTF-8 byte-order mark at the start of the file. Every
// conversion error names the file, the line and the column, so that a user can find the bad
// row. The file is read in large blocks; NextView() returns the fields of a record as views
// into the reader's buffer without copying them (unquoted fields) or after unescaping them
// once (quoted fields), so that large logs parse at memory speed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace bundlerl {

class CsvReader {
 public:
  // Opens `path`; throws Error naming the path if it cannot be read.
  explicit CsvReader(const std::string& path, char separator = ',');
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `fields`; false at end of file. Empty lines are skipped.
  bool Next(std::vector<std::string>& fields);
  // The same, as views valid until the next call of Next or NextView.
  bool NextView(std::vector<std::string_view>& fields);

  // Line number (1-based) where the last record returned by Next() started.
  int64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }
  // Bytes of the file consumed so far (progress of a long import).
  int64_t bytes_read() const { return consumed_ + static_cast<int64_t>(pos_); }

  // Reads the header row and checks that it has at least `min_columns` columns and that no
  // column name repeats.
  std::vector<std::string> ReadHeader(size_t min_columns = 1);

  // Field conversions that name file, line and column on failure.
  int64_t ToInt(std::string_view field, const std::string& column) const;
  double ToDouble(std::string_view field, const std::string& column) const;
  // Checks the record has exactly `n` fields.
  void ExpectColumns(size_t got, size_t n) const;
  template <typename Fields>
  void ExpectColumns(const Fields& fields, size_t n) const { ExpectColumns(fields.size(), n); }
  [[noreturn]] void FailAt(const std::string& what) const;

  // Records (one line, or several for a quoted field) longer than this are an error.
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

 private:
  // Makes [pos_, end_) hold at least one byte past `need` bytes from pos_ or the end of the
  // file; false when nothing is left.
  bool Fill(size_t need);
  // The physical line starting at `from` (relative to pos_): the offset of its '\n' (or of
  // the end of the data) and of the byte after it; false when no byte is left at `from`.
  // Throws when the record from pos_ grows past kMaxRecordBytes.
  bool FindLine(size_t from, size_t& line_end, size_t& next);
  std::string path_;
  std::FILE* file_ = nullptr;
  char separator_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  int64_t consumed_ = 0;  // bytes dropped from the front of the buffer
  std::string scratch_;   // unescaped quoted fields
  std::vector<std::pair<size_t, size_t>> spans_;  // field spans in scratch_
  std::vector<std::string_view> views_;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
};

}  // namespace bundlerl
