// Communicator over c10d / Gloo: see communicator.h.
#include "distributed/communicator.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <netdb.h>

#include <functional>
#include <future>
#include <memory>
#include <thread>
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

// Runs `work` on a helper thread and waits at most `seconds` (plus a grace of a few seconds
// for the library's own timeout to fire first) for it. A peer that accepts a connection and
// never answers can block a socket read that no library timeout covers: then this is an
// error naming `what`, and the blocked thread is left behind (detached) to end with the
// process.
void WithDeadline(int seconds, const std::string& what, std::function<void()> work) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> result = done->get_future();
  std::thread([done, work = std::move(work)] {
    try {
      work();
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  }).detach();
  const auto limit = std::chrono::seconds(seconds) + std::chrono::seconds(std::min(10, 1 + seconds / 2));
  if (result.wait_for(limit) != std::future_status::ready)
    Fail(what, ": no answer within ", seconds, " s (--timeout); the peer is unreachable or not responding");
  result.get();
}

class GlooCommunicator : public Communicator {
 public:
  explicit GlooCommunicator(const DistributedConfig& c) : config_(c) {
    addrinfo* found = nullptr;
    if (const int err = getaddrinfo(c.master_addr.c_str(), nullptr, nullptr, &found); err != 0)
      Fail("--master: cannot resolve the host '", c.master_addr, "' (", gai_strerror(err), ")");
    freeaddrinfo(found);
    const std::string where = Concat("distributed: rank ", c.rank, " of ", c.world_size,
                                     " joining the process group at ", c.master_addr, ":", c.master_port);
    // The joining thread fills its own copy, so that nothing of this object is touched by a
    // thread left behind after a deadline.
    auto joined = std::make_shared<Joined>();
    WithDeadline(c.timeout_seconds, where, [joined, c] { Join(c, *joined); });
    store_ = joined->store;
    group_ = joined->group;
  }
  int rank() const override { return config_.rank; }
  int world_size() const override { return config_.world_size; }
  void AllReduceSum(double* data, int64_t n) override { Reduce(data, n, c10d::ReduceOp::SUM, "all-reduce (sum)"); }
  void AllReduceMax(double* data, int64_t n) override { Reduce(data, n, c10d::ReduceOp::MAX, "all-reduce (max)"); }

 private:
  struct Joined {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  };

  static void Join(const DistributedConfig& c, Joined& out) {
    const auto timeout = std::chrono::milliseconds(1000LL * c.timeout_seconds);
    try {
      c10d::TCPStoreOptions o;
      o.port = static_cast<uint16_t>(c.master_port);
      o.isServer = c.rank == 0;
      o.numWorkers = static_cast<size_t>(c.world_size);
      o.waitWorkers = true;
      o.timeout = timeout;
      out.store = c10::make_intrusive<c10d::TCPStore>(c.master_addr, o);
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(
          c.master_addr == "localhost" ? "127.0.0.1" : (c.master_addr == "127.0.0.1" ? "127.0.0.1" : c.master_addr)));
      out.group = c10::make_intrusive<c10d::ProcessGroupGloo>(out.store, c.rank, c.world_size, opts);
    } catch (const std::exception& e) {
      Fail("distributed: rank ", c.rank, " of ", c.world_size, " could not join the process group at ",
           c.master_addr, ":", c.master_port, " within ", c.timeout_seconds, " s (", FirstLine(e.what()), ")");
    }
  }

  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  void Reduce(double* data, int64_t n, c10d::ReduceOp op, const char* what) {
    if (n == 0) return;
    std::vector<at::Tensor> t{torch::from_blob(data, {n}, torch::kFloat64).clone()};
    c10d::AllreduceOptions opts;
    opts.reduceOp = op;
    const std::string where = Concat("distributed: rank ", config_.rank, ": ", what);
    // Captured by value (the tensors share their storage with `t`): a thread left behind
    // after the deadline touches nothing on this stack.
    WithDeadline(config_.timeout_seconds, where,
                 [group = group_, t, opts, where, seconds = config_.timeout_seconds]() mutable {
                   try {
                     group->allreduce(t, opts)->wait();
                   } catch (const std::exception& e) {
                     Fail(where, " failed: another rank died or timed out after ", seconds, " s (",
                          FirstLine(e.what()), ")");
                   }
                 });
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
