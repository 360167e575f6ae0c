// CsvReader: see csv.h.
#include "common/csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "common/error.h"

namespace bundlerl {
namespace {

constexpr size_t kBlockBytes = size_t{1} << 20;

}  // namespace

CsvReader::CsvReader(const std::string& path, char separator) : path_(path), separator_(separator) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Fail(path, ": is a folder, expected a file");
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_)
    Fail(path, ": cannot open file for reading (", std::filesystem::exists(path, ec) ? "unreadable" : "missing", ")");
  buf_.resize(kBlockBytes);
  Fill(0);
  // A UTF-8 byte-order mark (spreadsheet exports write one) is not part of the first column's name.
  if (end_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
}

CsvReader::~CsvReader() {
  if (file_) std::fclose(file_);
}

bool CsvReader::Fill(size_t need) {
  if (end_ - pos_ > need || eof_) return end_ > pos_;
  if (pos_ > 0) {  // drop what was consumed
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    consumed_ += static_cast<int64_t>(pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ <= need && !eof_) {
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    const size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
    if (got == 0) {
      if (std::ferror(file_)) Fail(path_, ": read error after ", consumed_ + static_cast<int64_t>(end_), " bytes");
      eof_ = true;
    }
    end_ += got;
  }
  return end_ > pos_;
}

bool CsvReader::FindLine(size_t from, size_t& line_end, size_t& next) {
  size_t scan = from;
  while (true) {
    const size_t have = end_ - pos_;
    if (scan < have) {
      const void* nl = std::memchr(buf_.data() + pos_ + scan, '\n', have - scan);
      if (nl) {
        line_end = static_cast<size_t>(static_cast<const char*>(nl) - (buf_.data() + pos_));
        next = line_end + 1;
        return true;
      }
    }
    if (eof_) {
      line_end = next = have;
      return have > from;
    }
    if (have > kMaxRecordBytes)
      Fail(path_, ", line ", next_line_, ": a record longer than ", kMaxRecordBytes >> 20, " MiB (not a CSV file?)");
    scan = have;
    Fill(have);
  }
}

bool CsvReader::NextView(std::vector<std::string_view>& fields) {
  fields.clear();
  size_t line_end = 0, next = 0;
  // Skip empty lines (a lone '\r' counts as empty).
  while (true) {
    if (!Fill(0)) return false;
    FindLine(0, line_end, next);
    size_t len = line_end;
    if (len > 0 && buf_[pos_ + len - 1] == '\r') --len;
    if (len > 0) break;
    pos_ += next;
    ++next_line_;
  }
  record_line_ = next_line_;
  size_t len = line_end;
  if (len > 0 && buf_[pos_ + len - 1] == '\r') --len;
  if (!std::memchr(buf_.data() + pos_, '"', len)) {
    // Fast path: no quotes; the fields are views into the buffer.
    const char* p = buf_.data() + pos_;
    const char* e = p + len;
    while (true) {
      const char* s = static_cast<const char*>(std::memchr(p, separator_, static_cast<size_t>(e - p)));
      if (!s) {
        fields.emplace_back(p, static_cast<size_t>(e - p));
        break;
      }
      fields.emplace_back(p, static_cast<size_t>(s - p));
      p = s + 1;
    }
    pos_ += next;
    ++next_line_;
    return true;
  }
  // Quotes: unescape into scratch_, physical line by physical line.
  scratch_.clear();
  spans_.clear();
  size_t field_start = 0, at = 0;
  bool in_quotes = false;
  while (true) {
    size_t stop = line_end;
    if (stop > at && buf_[pos_ + stop - 1] == '\r') --stop;
    const char* b = buf_.data() + pos_;
    for (size_t i = at; i < stop;) {
      const char c = b[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < stop && b[i + 1] == '"') {
            scratch_.push_back('"');
            i += 2;
            continue;
          }
          in_quotes = false;
        } else {
          scratch_.push_back(c);
        }
      } else if (c == '"' && scratch_.size() == field_start) {
        in_quotes = true;
      } else if (c == separator_) {
        spans_.emplace_back(field_start, scratch_.size() - field_start);
        field_start = scratch_.size();
      } else {
        scratch_.push_back(c);
      }
      ++i;
    }
    if (!in_quotes) break;
    // A quoted field continues on the next physical line.
    if (next == line_end) FailAt("unterminated quoted field at end of file");
    at = next;
    if (!FindLine(at, line_end, next)) FailAt("unterminated quoted field at end of file");
    ++next_line_;
    scratch_.push_back('\n');
    if (scratch_.size() > kMaxRecordBytes)
      Fail(path_, ", line ", next_line_, ": a record longer than ", kMaxRecordBytes >> 20, " MiB (not a CSV file?)");
  }
  spans_.emplace_back(field_start, scratch_.size() - field_start);
  for (const auto& [b, n] : spans_) fields.emplace_back(scratch_.data() + b, n);
  pos_ += next;
  ++next_line_;
  return true;
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  if (!NextView(views_)) {
    fields.clear();
    return false;
  }
  fields.resize(views_.size());
  for (size_t i = 0; i < views_.size(); ++i) fields[i].assign(views_[i].data(), views_[i].size());
  return true;
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

void CsvReader::FailAt(const std::string& what) const {
  Fail(path_, ", line ", record_line_, ": ", what);
}

void CsvReader::ExpectColumns(size_t got, size_t n) const {
  if (got != n) FailAt(Concat("expected ", n, " columns, found ", got));
}

int64_t CsvReader::ToInt(std::string_view field, const std::string& column) const {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec == std::errc() && end == field.data() + field.size() && !field.empty()) return value;
  // What from_chars does not take (a leading '+' or blank) as strtoll takes it.
  const std::string s(field);
  char* stop = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &stop, 10);
  if (s.empty() || stop != s.c_str() + s.size() || errno != 0)
    FailAt(Concat("column '", column, "': expected an integer, found '", Excerpt(s), "'"));
  return v;
}

double CsvReader::ToDouble(std::string_view field, const std::string& column) const {
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (!(ec == std::errc() && end == field.data() + field.size() && !field.empty())) {
    const std::string s(field);
    char* stop = nullptr;
    errno = 0;
    value = std::strtod(s.c_str(), &stop);
    if (s.empty() || stop != s.c_str() + s.size() || errno == ERANGE)
      FailAt(Concat("column '", column, "': expected a number, found '", Excerpt(s), "'"));
  }
  if (!std::isfinite(value))
    FailAt(Concat("column '", column, "': expected a finite number, found '", Excerpt(std::string(field)), "'"));
  return value;
}

}  // namespace bundlerl
