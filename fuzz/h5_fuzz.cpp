// Fuzz target: the HDF5 log reader (replay/log_store.h), on logs that HDF5 itself can read
// but whose contents are wrong: attributes with other values or types, datasets removed,
// reshaped, retyped or refilled. (Mutating the file's bytes instead mostly fuzzes libhdf5:
// its 1.10 reader loops forever on some corrupted global heaps, which no check of ours can
// prevent; those inputs are out of scope here.)
//
// Three small valid logs (OBD, bundle-ranking, Amazon layouts) are imported from the texts
// below and written once per process. An input is an edit script on one of them: the first
// byte picks the log, then each edit is an op byte followed by its operands (see Edit()). The
// edited copy is then opened (LogReader), summarised as `bundlerl info` does, and read whole
// (ReadDataset, which validates every part).
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "dataset/importers.h"
#include "fuzz/fuzz_input.h"
#include "replay/h5.h"
#include "replay/log_store.h"
#include "replay/log_summary.h"

namespace {

namespace fs = std::filesystem;
using bundlerl::fuzz::Scratch;

const char kObdItems[] = ",item_id,item_feature_0,item_feature_1\n0,0,-0.5,a1\n1,1,0.7,b2\n2,2,0.1,a1\n";
const char kObdLog[] =
    ",timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0,"
    "user-item_affinity_1,user-item_affinity_2\n"
    "0,2019-11-24 00:00:01+00:00,0,1,0,0.33,u1,0,1,0\n"
    "1,2019-11-24 00:00:02+00:00,2,2,1,0.33,u2,0,0,2\n"
    "2,2019-11-24 00:00:03+00:00,1,3,0,0.33,u1,1,0,0\n";
const char* const kBundleFiles[][2] = {
    {"Fuzz_data_size.txt", "3\t2\t4\n"}, {"bundle_item.txt", "0\t0\n0\t1\n1\t2\n1\t3\n"},
    {"user_item.txt", "0\t1\n1\t2\n2\t3\n"}, {"user_bundle_train.txt", "0\t0\n1\t1\n"},
    {"user_bundle_tune.txt", "2\t0\n"}, {"user_bundle_test.txt", "1\t0\n"}};
const char* const kAmazonFiles[][2] = {
    {"user_session.csv", "user ID,session ID,timestamp\n0,10,1405987200\n1,11,1405036800\n"},
    {"session_item.csv", "session ID,item ID\n10,49\n10,126\n11,126\n12,49\n"},
    {"session_bundle.csv", "session ID,bundle ID\n10,0\n11,1\n"},
    {"bundle_item.csv", "bundle ID,item ID\n0,49\n0,126\n1,126\n"},
    {"bundle_intent.csv", "bundle ID,intent\n0,Storage Devices\n1,Batteries\n"},
    {"user_bundle.csv", "user ID,bundle ID,timestamp\n0,0,1405987200\n1,1,1405036800\n"},
    {"user_item.csv", "user ID,item ID,timestamp\n0,49,1405987200\n0,126,1405987201\n1,126,1405036800\n"},
    {"item_titles.csv", "item ID,titles\n49,Graphic card\n126,Battery charger\n"},
    {"item_categories.csv", "item ID,categories\n49,\"[[Electronics,Computers]]\"\n126,\"[[Electronics,Batteries]]\"\n"}};

const char* const kIntAttrs[] = {"schema_version", "slate_size", "slots_per_round", "n_units", "context_dim",
                                 "num_candidates", "n_rounds", "n_items", "n_users", "n_bundles"};
const char* const kStringAttrs[] = {"source", "logging_policy", "unit_kind", "command", "reward", "config", "kernels"};
// Optional datasets no base has, so that edits can add them.
const char* const kExtraDatasets[] = {"/rounds/candidates", "/rounds/pscore_slate", "/rounds/pscore_cascade",
                                      "/rounds/pscore_item", "/rounds/purchase", "/rounds/revenue",
                                      "/rounds/round_seed", "/items/popularity", "/items/price"};
const int64_t kInts[] = {0, 1, 2, 3, -1, 4, 1000000000000, std::numeric_limits<int64_t>::max(),
                         std::numeric_limits<int64_t>::min(), 2147483648};
const double kDoubles[] = {0, 1, 0.5, -1, 14.5, 1e-300, 1e300, NAN, INFINITY, -0.0};

struct Base {
  std::string path;
  std::vector<std::string> datasets;
};

void WriteFolder(const std::string& dir, const char* const (*files)[2], size_t n) {
  fs::create_directories(Scratch::Get().Path(dir));
  for (size_t i = 0; i < n; ++i) Scratch::Get().Write(dir + "/" + files[i][0], files[i][1]);
}

herr_t CollectDataset(hid_t, const char* name, const H5O_info_t* info, void* out) {
  if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") + name);
  return 0;
}

const std::vector<Base>& Bases() {
  static const std::vector<Base> bases = [] {
    bundlerl::h5::SilenceErrorStack();
    const Scratch& s = Scratch::Get();
    const char* const obd[][2] = {{"item_context.csv", kObdItems}, {"men.csv", kObdLog}};
    WriteFolder("base/random/men", obd, 2);
    WriteFolder("base/bundles", kBundleFiles, std::size(kBundleFiles));
    WriteFolder("base/amazon", kAmazonFiles, std::size(kAmazonFiles));
    std::vector<Base> out(3);
    bundlerl::WriteDataset(bundlerl::ImportObd(s.Path("base/random/men"), "fuzz"), out[0].path = s.Path("obd.h5"));
    bundlerl::WriteDataset(bundlerl::ImportBundles(s.Path("base/bundles"), "fuzz"), out[1].path = s.Path("bundles.h5"));
    bundlerl::WriteDataset(bundlerl::ImportAmazon(s.Path("base/amazon"), "fuzz"), out[2].path = s.Path("amazon.h5"));
    for (auto& b : out) {
      const hid_t f = H5Fopen(b.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, CollectDataset, &b.datasets);
      H5Fclose(f);
      b.datasets.insert(b.datasets.end(), std::begin(kExtraDatasets), std::end(kExtraDatasets));
    }
    return out;
  }();
  return bases;
}

// The input's bytes, taken in order; zeros once they run out.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t Next() { return at_ < size_ ? data_[at_++] : 0; }
  template <typename T, size_t N>
  const T& Pick(const T (&options)[N]) { return options[Next() % N]; }
  const std::string& Pick(const std::vector<std::string>& options) { return options[Next() % options.size()]; }
  std::string Text() {
    std::string s;
    for (size_t n = Next() % 16; n > 0; --n) s.push_back(static_cast<char>(Next()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

void SetIntAttr(hid_t file, const char* name, int64_t value) {
  if (H5Aexists(file, name) > 0) H5Adelete(file, name);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr >= 0) H5Awrite(attr, H5T_NATIVE_INT64, &value), H5Aclose(attr);
  H5Sclose(space);
}

// A string attribute, variable-length (as the store writes them) or of fixed size.
void SetStringAttr(hid_t file, const char* name, const std::string& value, bool fixed) {
  if (H5Aexists(file, name) > 0) H5Adelete(file, name);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, fixed ? std::max<size_t>(1, value.size()) : H5T_VARIABLE);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* text = value.c_str();
  if (attr >= 0) H5Awrite(attr, type, fixed ? static_cast<const void*>(text) : &text), H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

// Replaces `path` with a dataset of 1 or 2 dimensions (0 to 7 each) of a numeric type, filled
// with values from the input.
void WriteDataset(hid_t file, const std::string& path, Bytes& in) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, path.c_str(), H5P_DEFAULT);
  const int rank = 1 + in.Next() % 2;
  hsize_t dims[2] = {static_cast<hsize_t>(in.Next() % 8), static_cast<hsize_t>(in.Next() % 8)};
  const size_t n = rank == 1 ? dims[0] : dims[0] * dims[1];
  const uint8_t kind = in.Next() % 4;  // int32, int64, float, double
  std::vector<int64_t> ints(n);
  std::vector<double> doubles(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = in.Next();
    ints[i] = b < 128 ? b % 8 : kInts[b % std::size(kInts)];
    doubles[i] = b < 128 ? (b % 8) / 4.0 : kDoubles[b % std::size(kDoubles)];
  }
  std::vector<int32_t> ints32(ints.begin(), ints.end());
  std::vector<float> floats(doubles.begin(), doubles.end());
  const hid_t types[] = {H5T_NATIVE_INT32, H5T_NATIVE_INT64, H5T_NATIVE_FLOAT, H5T_NATIVE_DOUBLE};
  const void* buffers[] = {ints32.data(), ints.data(), floats.data(), doubles.data()};
  const hid_t space = H5Screate_simple(rank, dims, nullptr);
  const hid_t dataset = H5Dcreate2(file, path.c_str(), types[kind], space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (dataset >= 0) {
    if (n > 0) H5Dwrite(dataset, types[kind], H5S_ALL, H5S_ALL, H5P_DEFAULT, buffers[kind]);
    H5Dclose(dataset);
  }
  H5Sclose(space);
}

// One edit: op 0 sets an integer attribute, 1 a string attribute (either kind of name), 2
// deletes a dataset, 3 replaces one.
void Edit(hid_t file, const Base& base, Bytes& in) {
  switch (in.Next() % 4) {
    case 0: {
      const char* name = in.Pick(kIntAttrs);
      const uint8_t b = in.Next();
      SetIntAttr(file, name, b < 128 ? b % 8 : kInts[b % std::size(kInts)]);
      break;
    }
    case 1: {
      const char* name = in.Next() % 2 ? in.Pick(kStringAttrs) : in.Pick(kIntAttrs);
      const bool fixed = in.Next() % 2;
      SetStringAttr(file, name, in.Text(), fixed);
      break;
    }
    case 2: {
      const std::string& path = in.Pick(base.datasets);
      if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, path.c_str(), H5P_DEFAULT);
      break;
    }
    default:
      WriteDataset(file, in.Pick(base.datasets), in);
  }
}

void Parse(const uint8_t* data, size_t size) {
  const auto& bases = Bases();
  Bytes in(data, size);
  const Base& base = bases[in.Next() % bases.size()];
  const std::string path = Scratch::Get().Path("log.h5");
  fs::copy_file(base.path, path, fs::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  for (int edits = 0; !in.empty() && edits < 16; ++edits) Edit(file, base, in);
  H5Fclose(file);
  {
    const bundlerl::LogReader reader(path);
    bundlerl::FormatSummary(bundlerl::SummarizeLog(reader));
  }
  bundlerl::ReadDataset(path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
