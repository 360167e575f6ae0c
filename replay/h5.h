// Thin RAII layer over the HDF5 C API, used by the logged-session store.
//
// Only what the store needs: files, groups, whole-array datasets, chunked and compressed
// extendible datasets that grow by appending rows, row-range reads, and string attributes.
// Every HDF5 failure becomes a bundlerl::Error naming the file and the dataset.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bundlerl::h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { Close(); }
  void Close();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
};

template <typename T>
hid_t NativeType();

// Silences HDF5's own stderr error stack (we report errors ourselves). Idempotent.
void SilenceErrorStack();

// One open HDF5 file. Paths inside the file are absolute ("/rounds/slate").
class File {
 public:
  static File Create(const std::string& path);    // truncates
  static File OpenRead(const std::string& path);  // throws if not HDF5 / truncated
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }
  void Close() { file_.Close(); }

  bool Exists(const std::string& object) const;
  // Names of the members of a group, in name order.
  std::vector<std::string> List(const std::string& group) const;
  void CreateGroup(const std::string& group);

  // Shape of a dataset; throws naming the dataset if it is missing.
  std::vector<int64_t> Shape(const std::string& dataset) const;

  template <typename T>
  void Write(const std::string& dataset, const std::vector<T>& data,
             const std::vector<int64_t>& dims);
  template <typename T>
  std::vector<T> Read(const std::string& dataset) const;
  // Reads rows [first, first + count) of a dataset of shape [N, ...] into `out`.
  template <typename T>
  void ReadRows(const std::string& dataset, int64_t first, int64_t count, std::vector<T>& out) const;

  void WriteStrings(const std::string& dataset, const std::vector<std::string>& values);
  std::vector<std::string> ReadStrings(const std::string& dataset) const;

  void SetAttr(const std::string& name, const std::string& value);
  void SetAttr(const std::string& name, int64_t value);
  bool HasAttr(const std::string& name) const;
  // Throw naming the file and attribute when it is missing, of another type (a float where an
  // integer is read), or holds more than one value.
  std::string GetStringAttr(const std::string& name) const;
  int64_t GetIntAttr(const std::string& name) const;

 private:
  std::string path_;
  Handle file_;
};

// Writes a whole HDF5 file atomically: `fill` writes into a temporary file beside `path`,
// which is renamed to `path` when fill returns; if fill throws, nothing is left behind.
void WriteFileAtomically(const std::string& path, const std::function<void(File&)>& fill);

// A dataset of shape [N, cols] (cols == 0 means 1-D [N]) that grows by appending rows.
// Chunked along rows and compressed (shuffle + deflate).
template <typename T>
class Appender {
 public:
  Appender() = default;
  Appender(File& file, const std::string& dataset, int64_t cols, int64_t chunk_rows);
  void Append(const T* rows, int64_t n_rows);
  int64_t rows() const { return rows_; }
  bool open() const { return dataset_.valid(); }

 private:
  File* file_ = nullptr;
  std::string name_;
  Handle dataset_;
  int64_t cols_ = 0;
  int64_t rows_ = 0;
};

}  // namespace bundlerl::h5
