// HDF5 wrapper: see h5.h.
#include "replay/h5.h"

#include <type_traits>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/memory.h"

namespace bundlerl::h5 {
namespace {

// Compression level: 1 keeps writing fast; shuffle makes most of the gain on int ids.
constexpr unsigned kDeflateLevel = 1;

std::vector<hsize_t> ToHsize(const std::vector<int64_t>& dims) {
  return std::vector<hsize_t>(dims.begin(), dims.end());
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Close();
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::Close() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

template <> hid_t NativeType<int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t NativeType<int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t NativeType<uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t NativeType<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t NativeType<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t NativeType<double>() { return H5T_NATIVE_DOUBLE; }

void SilenceErrorStack() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

File File::Create(const std::string& path) {
  SilenceErrorStack();
  File f;
  f.path_ = path;
  f.file_ = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!f.file_.valid()) Fail(path, ": cannot create HDF5 file (is the folder writable?)");
  return f;
}

File File::OpenRead(const std::string& path) {
  SilenceErrorStack();
  File f;
  f.path_ = path;
  FILE* probe = std::fopen(path.c_str(), "rb");
  if (!probe) Fail(path, ": cannot open file (missing or unreadable)");
  std::fclose(probe);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    Fail(path, ": not a valid HDF5 file (truncated, corrupt, or another format)");
  f.file_ = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.file_.valid()) Fail(path, ": cannot open HDF5 file (truncated or corrupt?)");
  return f;
}

bool File::Exists(const std::string& object) const {
  // Check each path component, since H5Lexists fails on a missing intermediate group.
  size_t pos = 0;
  while (true) {
    pos = object.find('/', pos + 1);
    const std::string prefix = object.substr(0, pos);
    if (prefix.empty() || prefix == "/") {
      if (pos == std::string::npos) return true;
      continue;
    }
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

void File::CreateGroup(const std::string& group) {
  if (Exists(group)) return;
  Handle g(H5Gcreate2(file_.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!g.valid()) Fail(path_, ": cannot create group ", group);
}

std::vector<std::string> File::List(const std::string& group) const {
  Handle g(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT));
  if (!g.valid()) Fail(path_, ": group ", group, " is missing");
  H5G_info_t info;
  if (H5Gget_info(g.get(), &info) < 0) Fail(path_, ": group ", group, ": unreadable");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) Fail(path_, ": group ", group, ": unreadable member ", i);
    std::string name(static_cast<size_t>(size), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

std::vector<int64_t> File::Shape(const std::string& dataset) const {
  if (!Exists(dataset)) Fail(path_, ": dataset ", dataset, " is missing");
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT));
  if (!d.valid()) Fail(path_, ": cannot open dataset ", dataset);
  Handle space(H5Dget_space(d.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) Fail(path_, ": dataset ", dataset, ": unreadable shape (file truncated?)");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

namespace {

// Integers are read only from integer datasets, and numbers only from numeric ones: HDF5
// would convert 14.5 to the id 14 without a word.
template <typename T>
void CheckTypeClass(hid_t dataset_id, const std::string& path, const std::string& dataset) {
  Handle type(H5Dget_type(dataset_id));
  const H5T_class_t cls = H5Tget_class(type.get());
  const bool want_integer = std::is_integral_v<T>;
  if (want_integer && cls != H5T_INTEGER)
    Fail(path, ": dataset ", dataset, " holds ", cls == H5T_FLOAT ? "floating-point numbers" : "non-numbers",
         ", expected integers");
  if (!want_integer && cls != H5T_FLOAT && cls != H5T_INTEGER)
    Fail(path, ": dataset ", dataset, " does not hold numbers");
}

}  // namespace

template <typename T>
void File::Write(const std::string& dataset, const std::vector<T>& data,
                 const std::vector<int64_t>& dims) {
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total != static_cast<int64_t>(data.size()))
    Fail(path_, ": dataset ", dataset, ": ", data.size(), " values do not fill the shape");
  const auto hdims = ToHsize(dims);
  Handle space(H5Screate_simple(static_cast<int>(hdims.size()), hdims.data(), nullptr));
  Handle props(H5Pcreate(H5P_DATASET_CREATE));
  if (total > 0) {
    // Chunk along the first axis: ~256 KiB chunks.
    std::vector<hsize_t> chunk = hdims;
    const hsize_t row = total / std::max<hsize_t>(hdims[0], 1) * sizeof(T);
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(hdims[0], (256 * 1024) / std::max<hsize_t>(row, 1)));
    H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(props.get());
    H5Pset_deflate(props.get(), kDeflateLevel);
  }
  Handle d(H5Dcreate2(file_.get(), dataset.c_str(), NativeType<T>(), space.get(), H5P_DEFAULT,
                      props.get(), H5P_DEFAULT));
  if (!d.valid()) Fail(path_, ": cannot create dataset ", dataset);
  if (total > 0 &&
      H5Dwrite(d.get(), NativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    Fail(path_, ": cannot write dataset ", dataset);
}

template <typename T>
std::vector<T> File::Read(const std::string& dataset) const {
  const auto dims = Shape(dataset);
  double elements = 1;
  for (int64_t d : dims) elements *= static_cast<double>(d);
  CheckFitsInMemory(elements * sizeof(T), Concat(path_, ": dataset ", dataset, " (", elements, " values)"));
  const int64_t total = static_cast<int64_t>(elements);
  std::vector<T> out(total);
  if (total == 0) return out;
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT));
  CheckTypeClass<T>(d.get(), path_, dataset);
  if (H5Dread(d.get(), NativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    Fail(path_, ": cannot read dataset ", dataset, " (file truncated or wrong type?)");
  return out;
}

template <typename T>
void File::ReadRows(const std::string& dataset, int64_t first, int64_t count,
                    std::vector<T>& out) const {
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT));
  if (!d.valid()) Fail(path_, ": dataset ", dataset, " is missing");
  CheckTypeClass<T>(d.get(), path_, dataset);
  Handle space(H5Dget_space(d.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 1) Fail(path_, ": dataset ", dataset, ": expected rows, found a scalar");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (first < 0 || first + count > static_cast<int64_t>(dims[0]))
    Fail(path_, ": dataset ", dataset, ": rows [", first, ", ", first + count,
         ") outside its ", dims[0], " rows");
  hsize_t row = 1;
  for (int i = 1; i < rank; ++i) row *= dims[i];
  CheckFitsInMemory(static_cast<double>(count) * static_cast<double>(row) * sizeof(T),
                    Concat(path_, ": rows [", first, ", ", first + count, ") of dataset ", dataset));
  out.resize(count * row);
  if (count == 0) return;
  std::vector<hsize_t> start(rank, 0), size = dims;
  start[0] = first;
  size[0] = count;
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, size.data(), nullptr);
  Handle mem(H5Screate_simple(rank, size.data(), nullptr));
  if (H5Dread(d.get(), NativeType<T>(), mem.get(), space.get(), H5P_DEFAULT, out.data()) < 0)
    Fail(path_, ": cannot read rows [", first, ", ", first + count, ") of dataset ", dataset,
         " (file truncated or corrupt?)");
}

void File::WriteStrings(const std::string& dataset, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle props(H5Pcreate(H5P_DATASET_CREATE));
  if (n > 0) {
    const hsize_t chunk = std::min<hsize_t>(n, 4096);
    H5Pset_chunk(props.get(), 1, &chunk);
    H5Pset_deflate(props.get(), kDeflateLevel);
  }
  Handle d(H5Dcreate2(file_.get(), dataset.c_str(), type.get(), space.get(), H5P_DEFAULT,
                      props.get(), H5P_DEFAULT));
  if (!d.valid()) Fail(path_, ": cannot create dataset ", dataset);
  std::vector<const char*> ptrs;
  ptrs.reserve(n);
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (n > 0 && H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    Fail(path_, ": cannot write dataset ", dataset);
}

std::vector<std::string> File::ReadStrings(const std::string& dataset) const {
  const auto dims = Shape(dataset);
  const hsize_t n = dims.empty() ? 0 : dims[0];
  std::vector<std::string> out;
  if (n == 0) return out;
  Handle d(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT));
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char*> ptrs(n, nullptr);
  if (H5Dread(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    Fail(path_, ": cannot read string dataset ", dataset, " (truncated or not strings?)");
  out.reserve(n);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  Handle space(H5Dget_space(d.get()));
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

void File::SetAttr(const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR));
  if (H5Aexists(file_.get(), name.c_str()) > 0) H5Adelete(file_.get(), name.c_str());
  Handle a(H5Acreate2(file_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                      H5P_DEFAULT));
  const char* p = value.c_str();
  if (!a.valid() || H5Awrite(a.get(), type.get(), &p) < 0)
    Fail(path_, ": cannot write attribute ", name);
}

void File::SetAttr(const std::string& name, int64_t value) {
  Handle space(H5Screate(H5S_SCALAR));
  if (H5Aexists(file_.get(), name.c_str()) > 0) H5Adelete(file_.get(), name.c_str());
  Handle a(H5Acreate2(file_.get(), name.c_str(), H5T_NATIVE_INT64, space.get(), H5P_DEFAULT,
                      H5P_DEFAULT));
  if (!a.valid() || H5Awrite(a.get(), H5T_NATIVE_INT64, &value) < 0)
    Fail(path_, ": cannot write attribute ", name);
}

bool File::HasAttr(const std::string& name) const {
  return H5Aexists(file_.get(), name.c_str()) > 0;
}

namespace {

// The attribute `name` of `file`, checked to hold one value of class `want` before it is read:
// HDF5 would convert 14.5 to 14 without a word, and would write all the values of an array
// attribute into the one-value buffer.
Handle OpenOneValueAttr(hid_t file, const std::string& path, const std::string& name, H5T_class_t want,
                        const char* expected) {
  if (H5Aexists(file, name.c_str()) <= 0) Fail(path, ": file attribute '", name, "' is missing");
  Handle a(H5Aopen(file, name.c_str(), H5P_DEFAULT));
  Handle type(H5Aget_type(a.get())), space(H5Aget_space(a.get()));
  if (!a.valid() || !type.valid() || !space.valid()) Fail(path, ": file attribute '", name, "' is unreadable");
  if (H5Tget_class(type.get()) != want) Fail(path, ": file attribute '", name, "': expected ", expected);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1) Fail(path, ": file attribute '", name, "': expected one value, got ", n);
  return a;
}

}  // namespace

std::string File::GetStringAttr(const std::string& name) const {
  Handle a = OpenOneValueAttr(file_.get(), path_, name, H5T_STRING, "a string");
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  char* p = nullptr;
  if (H5Aread(a.get(), type.get(), &p) < 0)
    Fail(path_, ": file attribute '", name, "': expected a string");
  std::string out = p ? p : "";
  H5free_memory(p);
  return out;
}

int64_t File::GetIntAttr(const std::string& name) const {
  Handle a = OpenOneValueAttr(file_.get(), path_, name, H5T_INTEGER, "an integer");
  int64_t value = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &value) < 0)
    Fail(path_, ": file attribute '", name, "': expected an integer");
  return value;
}

void WriteFileAtomically(const std::string& path, const std::function<void(File&)>& fill) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) Fail(path, ": is a folder, expected a file path");
  const std::string tmp = TemporaryPathFor(path);
  try {
    File f = File::Create(tmp);
    fill(f);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  try {
    MoveIntoPlace(tmp, path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

template <typename T>
Appender<T>::Appender(File& file, const std::string& dataset, int64_t cols, int64_t chunk_rows)
    : file_(&file), name_(dataset), cols_(cols) {
  const int rank = cols > 0 ? 2 : 1;
  hsize_t dims[2] = {0, static_cast<hsize_t>(cols)};
  hsize_t maxdims[2] = {H5S_UNLIMITED, static_cast<hsize_t>(cols)};
  hsize_t chunk[2] = {static_cast<hsize_t>(chunk_rows), static_cast<hsize_t>(cols)};
  Handle space(H5Screate_simple(rank, dims, maxdims));
  Handle props(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(props.get(), rank, chunk);
  H5Pset_shuffle(props.get());
  H5Pset_deflate(props.get(), kDeflateLevel);
  dataset_ = Handle(H5Dcreate2(file.id(), dataset.c_str(), NativeType<T>(), space.get(),
                               H5P_DEFAULT, props.get(), H5P_DEFAULT));
  if (!dataset_.valid()) Fail(file.path(), ": cannot create dataset ", dataset);
}

template <typename T>
void Appender<T>::Append(const T* rows, int64_t n_rows) {
  if (n_rows == 0) return;
  const int rank = cols_ > 0 ? 2 : 1;
  hsize_t new_dims[2] = {static_cast<hsize_t>(rows_ + n_rows), static_cast<hsize_t>(cols_)};
  if (H5Dset_extent(dataset_.get(), new_dims) < 0)
    Fail(file_->path(), ": cannot extend dataset ", name_);
  Handle space(H5Dget_space(dataset_.get()));
  hsize_t start[2] = {static_cast<hsize_t>(rows_), 0};
  hsize_t count[2] = {static_cast<hsize_t>(n_rows), static_cast<hsize_t>(cols_)};
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem(H5Screate_simple(rank, count, nullptr));
  if (H5Dwrite(dataset_.get(), NativeType<T>(), mem.get(), space.get(), H5P_DEFAULT, rows) < 0)
    Fail(file_->path(), ": cannot append to dataset ", name_, " (disk full?)");
  rows_ += n_rows;
}

#define BUNDLERL_H5_INSTANTIATE(T)                                                          \
  template void File::Write<T>(const std::string&, const std::vector<T>&,                   \
                               const std::vector<int64_t>&);                                \
  template std::vector<T> File::Read<T>(const std::string&) const;                          \
  template void File::ReadRows<T>(const std::string&, int64_t, int64_t, std::vector<T>&)    \
      const;                                                                                \
  template class Appender<T>;
BUNDLERL_H5_INSTANTIATE(int32_t)
BUNDLERL_H5_INSTANTIATE(int64_t)
BUNDLERL_H5_INSTANTIATE(uint64_t)
BUNDLERL_H5_INSTANTIATE(uint8_t)
BUNDLERL_H5_INSTANTIATE(float)
BUNDLERL_H5_INSTANTIATE(double)
#undef BUNDLERL_H5_INSTANTIATE

}  // namespace bundlerl::h5
