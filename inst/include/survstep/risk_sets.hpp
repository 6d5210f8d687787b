// Shared machinery for risk-set algorithms: the `timefix` merge of
// floating-point near-ties (as survival::aeqSurv) and stable orderings.
#ifndef SURVSTEP_CORE_RISK_SETS_HPP
#define SURVSTEP_CORE_RISK_SETS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace survstep {
namespace core {

// Merge times closer than `tol` (absolutely, or relative to the mean absolute
// unique time) onto the smallest time of each run of near-ties, in place.
// Consecutive distinct sorted times y[k-1], y[k] are tied when
// y[k] - y[k-1] <= tol or (y[k] - y[k-1]) / mean|y| <= tol; a chain of ties
// maps onto its first member. Returns true when any time changed.
inline bool timefix(std::vector<double>& time, double tol) {
  if (!(tol > 0.0) || time.size() < 2) return false;
  std::vector<double> y(time);
  std::sort(y.begin(), y.end());
  y.erase(std::unique(y.begin(), y.end()), y.end());
  if (y.size() < 2) return false;
  double mean_abs = 0.0;
  for (double v : y) mean_abs += std::fabs(v);
  mean_abs /= static_cast<double>(y.size());
  std::vector<double> cuts;
  cuts.reserve(y.size());
  cuts.push_back(y[0]);
  bool any_tied = false;
  for (std::size_t k = 1; k < y.size(); ++k) {
    const double dy = y[k] - y[k - 1];
    const bool tied = dy <= tol || dy / mean_abs <= tol;
    if (tied) {
      any_tied = true;
    } else {
      cuts.push_back(y[k]);
    }
  }
  if (!any_tied) return false;
  for (double& t : time) {
    // largest cut <= t (findInterval)
    auto it = std::upper_bound(cuts.begin(), cuts.end(), t);
    t = *(it - 1);
  }
  return true;
}

// Indices 0..n-1 ordered by (stratum ascending, time ascending, status
// descending: deaths before censorings at a tied time). Stable.
inline std::vector<int> order_by_stratum_time(const std::vector<int>& stratum,
                                              const std::vector<double>& time,
                                              const std::vector<int>& status) {
  std::vector<int> idx(time.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
    if (stratum[a] != stratum[b]) return stratum[a] < stratum[b];
    if (time[a] != time[b]) return time[a] < time[b];
    return status[a] > status[b];
  });
  return idx;
}

}  // namespace core
}  // namespace survstep

#endif
