// Checkpoint files: see checkpoint.h.
#include "agents/checkpoint.h"

#include <unistd.h>

#include <cstdio>

#include "common/atomic_file.h"
#include "common/error.h"

namespace bundlerl::internal {

void WriteCheckpoint(const std::string& path, const std::string& agent, const TrainerState& trainer,
                     const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  torch::serialize::OutputArchive a;
  a.write("agent", torch::IValue(agent));
  a.write("fingerprint", torch::IValue(trainer.fingerprint));
  a.write("update", torch::IValue(trainer.update));
  a.write("curve", torch::tensor(trainer.curve.empty() ? std::vector<double>{} : trainer.curve, torch::kFloat64));
  fill(a);
  const std::string tmp = TemporaryPathFor(path);
  try {
    a.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    Fail(path, ": cannot write the checkpoint (", std::string(e.what()).substr(0, 120), ")");
  }
  try {
    MoveIntoPlace(tmp, path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

namespace {

void LoadArchive(const std::string& path, torch::serialize::InputArchive& a) {
  try {
    a.load_from(path);
  } catch (const std::exception& e) {
    Fail(path, ": not a readable checkpoint (", std::string(e.what()).substr(0, 100), ")");
  }
}

}  // namespace

std::string ReadCheckpointFingerprint(const std::string& path) {
  torch::serialize::InputArchive a;
  LoadArchive(path, a);
  torch::IValue v;
  return a.try_read("fingerprint", v) && v.isString() ? v.toStringRef() : std::string();
}

TrainerState ReadCheckpoint(const std::string& path, const std::string& agent,
                            const std::function<void(torch::serialize::InputArchive&)>& read) {
  torch::serialize::InputArchive a;
  LoadArchive(path, a);
  TrainerState s;
  torch::IValue v;
  try {
    // Checkpoints written before the agent name was recorded hold none.
    const std::string written_by = a.try_read("agent", v) ? v.toStringRef() : agent;
    if (written_by != agent)
      Fail(path, ": a checkpoint of agent '", written_by, "', not of '", agent, "' (train.agent)");
    if (a.try_read("fingerprint", v)) s.fingerprint = v.toStringRef();
    a.read("update", v);
    s.update = v.toInt();
    torch::Tensor c;
    a.read("curve", c);
    c = c.to(torch::kFloat64).contiguous();
    s.curve.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
    read(a);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    Fail(path, ": corrupt checkpoint (", std::string(e.what()).substr(0, 120), ")");
  }
  return s;
}

torch::Tensor DoublesToTensor(const double* data, int64_t n) {
  return torch::from_blob(const_cast<double*>(data), {n}, torch::kFloat64).clone();
}

void TensorToDoubles(const torch::Tensor& t, double* data, int64_t n, const std::string& what) {
  if (t.numel() != n) Fail("checkpoint: ", what, " holds ", t.numel(), " values, expected ", n);
  const torch::Tensor c = t.to(torch::kFloat64).contiguous();
  std::copy(c.data_ptr<double>(), c.data_ptr<double>() + n, data);
}

}  // namespace bundlerl::internal
