// PropensityCheck: see propensity_check.h.
#include "ope/propensity_check.h"

#include <algorithm>

#include "common/error.h"

namespace bundlerl {

void PropensityCheck::Add(const OpeData& data) {
  for (double p : data.pscore) {
    ++count_;
    min_ = std::min(min_, p);
    tiny_ += p < kTiny;
    certain_ += p >= 1.0;
  }
}

void PropensityCheck::Add(const PropensityCheck& other) {
  count_ += other.count_;
  tiny_ += other.tiny_;
  certain_ += other.certain_;
  min_ = std::min(min_, other.min_);
}

std::vector<std::string> PropensityCheck::Warnings() const {
  std::vector<std::string> out;
  if (count_ == 0) return out;
  if (certain_ == count_)
    out.push_back(Concat("every logged propensity is 1: the logging policy was deterministic, so only a target "
                         "that shows exactly what it showed can be estimated by importance weighting; estimates "
                         "of any other policy are not valid"));
  else if (certain_ * 10 >= count_ * 9)
    out.push_back(Concat(certain_, " of ", count_, " logged propensities are 1: the logging policy barely "
                         "explores, and estimates of policies that differ from it rest on few rows"));
  if (tiny_ > 0)
    out.push_back(Concat(tiny_, " of ", count_, " logged propensities are below ", kTiny, " (smallest ", min_,
                         "): a single row can carry a weight above 10^6 and dominate the estimate; its "
                         "standard error does not show this"));
  return out;
}

}  // namespace bundlerl
