// CsvReader: see csv.h.
#include "common/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <unordered_map>

#include "common/error.h"

namespace bundlerl {

CsvReader::CsvReader(const std::string& path, char separator)
    : path_(path), in_(path, std::ios::binary), separator_(separator) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Fail(path, ": is a folder, expected a file");
  if (!in_) Fail(path, ": cannot open file for reading (", std::filesystem::exists(path, ec) ? "unreadable" : "missing", ")");
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  std::string line;
  while (true) {
    if (!ReadLine(line)) return false;
    record_line_ = next_line_++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) break;
  }
  std::string field;
  bool in_quotes = false;
  size_t i = 0;
  while (true) {
    if (i == line.size()) {
      if (in_quotes) {
        // A quoted field continues on the next physical line.
        std::string more;
        if (!ReadLine(more, field.size())) FailAt("unterminated quoted field at end of file");
        ++next_line_;
        if (!more.empty() && more.back() == '\r') more.pop_back();
        field.push_back('\n');
        line = std::move(more);
        i = 0;
        continue;
      }
      fields.push_back(std::move(field));
      return true;
    }
    const char c = line[i++];
    if (in_quotes) {
      if (c == '"') {
        if (i < line.size() && line[i] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      in_quotes = true;
    } else if (c == separator_) {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
}

std::vector<std::string> CsvReader::ReadHeader(size_t min_columns) {
  std::vector<std::string> header;
  if (!Next(header)) Fail(path_, ": empty file, expected a header row");
  if (header.size() < min_columns)
    FailAt(Concat("header has ", header.size(), " columns, expected at least ", min_columns));
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const auto [at, added] = seen.emplace(header[i], i);
    if (!added)
      FailAt(Concat("column '", Excerpt(header[i]), "' appears twice in the header (columns ", at->second + 1,
                    " and ", i + 1, ")"));
  }
  return header;
}

bool CsvReader::ReadLine(std::string& line, size_t used) {
  line.clear();
  std::streambuf* in = in_.rdbuf();
  bool any = false;
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    line.push_back(static_cast<char>(c));
    if (line.size() + used > kMaxRecordBytes)
      Fail(path_, ", line ", next_line_, ": a record longer than ", kMaxRecordBytes >> 20,
           " MiB (not a CSV file?)");
  }
  return any;
}

void CsvReader::FailAt(const std::string& what) const {
  Fail(path_, ", line ", record_line_, ": ", what);
}

void CsvReader::ExpectColumns(const std::vector<std::string>& fields, size_t n) const {
  if (fields.size() != n)
    FailAt(Concat("expected ", n, " columns, found ", fields.size()));
}

int64_t CsvReader::ToInt(const std::string& field, const std::string& column) const {
  const char* begin = field.c_str();
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(begin, &end, 10);
  if (field.empty() || end != begin + field.size() || errno != 0)
    FailAt(Concat("column '", column, "': expected an integer, found '", Excerpt(field), "'"));
  return value;
}

double CsvReader::ToDouble(const std::string& field, const std::string& column) const {
  const char* begin = field.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  if (field.empty() || end != begin + field.size() || errno == ERANGE)
    FailAt(Concat("column '", column, "': expected a number, found '", Excerpt(field), "'"));
  if (!std::isfinite(value))
    FailAt(Concat("column '", column, "': expected a finite number, found '", Excerpt(field), "'"));
  return value;
}

}  // namespace bundlerl
