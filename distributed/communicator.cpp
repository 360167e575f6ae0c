// Communicator over c10d / Gloo: see communicator.h.
#include "distributed/communicator.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <cstdlib>

#include "common/error.h"

namespace bundlerl {
namespace {

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void AllReduceSum(double*, int64_t) override {}
  void AllReduceMax(double*, int64_t) override {}
};

class GlooCommunicator : public Communicator {
 public:
  explicit GlooCommunicator(const DistributedConfig& c) : config_(c) {
    const auto timeout = std::chrono::milliseconds(1000LL * c.timeout_seconds);
    try {
      c10d::TCPStoreOptions o;
      o.port = static_cast<uint16_t>(c.master_port);
      o.isServer = c.rank == 0;
      o.numWorkers = static_cast<size_t>(c.world_size);
      o.waitWorkers = true;
      o.timeout = timeout;
      store_ = c10::make_intrusive<c10d::TCPStore>(c.master_addr, o);
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(
          c.master_addr == "localhost" ? "127.0.0.1" : (c.master_addr == "127.0.0.1" ? "127.0.0.1" : c.master_addr)));
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, c.rank, c.world_size, opts);
    } catch (const std::exception& e) {
      Fail("distributed: rank ", c.rank, " of ", c.world_size, " could not join the process group at ",
           c.master_addr, ":", c.master_port, " within ", c.timeout_seconds, " s (", FirstLine(e.what()), ")");
    }
  }
  int rank() const override { return config_.rank; }
  int world_size() const override { return config_.world_size; }
  void AllReduceSum(double* data, int64_t n) override { Reduce(data, n, c10d::ReduceOp::SUM, "all-reduce (sum)"); }
  void AllReduceMax(double* data, int64_t n) override { Reduce(data, n, c10d::ReduceOp::MAX, "all-reduce (max)"); }

 private:
  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  void Reduce(double* data, int64_t n, c10d::ReduceOp op, const char* what) {
    if (n == 0) return;
    std::vector<at::Tensor> t{torch::from_blob(data, {n}, torch::kFloat64).clone()};
    c10d::AllreduceOptions opts;
    opts.reduceOp = op;
    try {
      group_->allreduce(t, opts)->wait();
    } catch (const std::exception& e) {
      Fail("distributed: rank ", config_.rank, ": ", what, " failed: another rank died or timed out after ",
           config_.timeout_seconds, " s (", FirstLine(e.what()), ")");
    }
    std::memcpy(data, t[0].data_ptr<double>(), sizeof(double) * n);
  }
  DistributedConfig config_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

void DistributedConfig::SetMaster(const std::string& hp) {
  const auto colon = hp.rfind(':');
  if (colon == std::string::npos) Fail("--master: expected HOST:PORT, got '", hp, "'");
  master_addr = hp.substr(0, colon);
  char* end = nullptr;
  const long port = std::strtol(hp.c_str() + colon + 1, &end, 10);
  if (*end || port <= 0 || port > 65535) Fail("--master: '", hp.substr(colon + 1), "' is not a port");
  master_port = static_cast<int>(port);
}

void DistributedConfig::FromEnvironment() {
  if (const char* v = std::getenv("WORLD_SIZE"); v && world_size == 1) world_size = std::atoi(v);
  if (const char* v = std::getenv("RANK"); v && rank == 0) rank = std::atoi(v);
  if (const char* v = std::getenv("MASTER_ADDR")) master_addr = v;
  if (const char* v = std::getenv("MASTER_PORT")) master_port = std::atoi(v);
}

void DistributedConfig::Validate() const {
  if (world_size < 1) Fail("--world-size: expected a positive number, got ", world_size);
  if (rank < 0 || rank >= world_size) Fail("--rank: ", rank, " not in [0, ", world_size, ")");
  if (timeout_seconds <= 0) Fail("--timeout: expected a positive number of seconds");
}

std::unique_ptr<Communicator> Communicator::Create(const DistributedConfig& c) {
  c.Validate();
  if (c.world_size == 1) return std::make_unique<LocalCommunicator>();
  return std::make_unique<GlooCommunicator>(c);
}

}  // namespace bundlerl
