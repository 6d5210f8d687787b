// Harrell's concordance for a Cox model's risk score, with its standard
// error, as survival::concordance(<coxph fit>) reports it (timewt = "n"):
//
//   ConcordanceResult concordance_risk(int n, const double* time,
//                                      const int* status, const double* risk,
//                                      const double* weight,   // nullable
//                                      const int* strata);     // nullable
//
// A pair (i, j) is comparable when i has an event at t_i, both are in the
// same stratum, and t_j > t_i, or j is censored at t_i. It is concordant when
// the higher risk score has the shorter time, discordant when the reverse,
// tied.x when the scores are equal. Two events at the same time are tied.y
// (tied.xy when their scores are also equal). Pair weights are w_i * w_j.
// concordance = (concordant + tied.x / 2) / (concordant + discordant + tied.x).
// The variance is the infinitesimal-jackknife variance survival uses: with
// per-observation pair counts c_i, d_i, t_i (every comparable pair the
// observation is part of, weighted by the partner's weight), npair =
// C + D + T, Somers' d = (C - D) / npair and
//   dfbeta_i = w_i [ (c_i - d_i) / npair - d (c_i + d_i + t_i) / npair ],
//   var(concordance) = sum_i dfbeta_i^2 / 4.
// Cost O(n log n): one sort plus Fenwick trees over the ranks of the score.
#ifndef SURVSTEP_CORE_CONCORDANCE_HPP
#define SURVSTEP_CORE_CONCORDANCE_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace survstep {
namespace core {

struct ConcordanceResult {
  double concordant = 0.0;
  double discordant = 0.0;
  double tied_x = 0.0;
  double tied_y = 0.0;
  double tied_xy = 0.0;
  double concordance = std::numeric_limits<double>::quiet_NaN();
  double var = std::numeric_limits<double>::quiet_NaN();
  double std_err = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {

// Fenwick (binary indexed) tree of weights over ranks 0..m-1.
class Fenwick {
 public:
  void reset(int m) {
    tree_.assign(m + 1, 0.0);
    node_.assign(m, 0.0);
    total_ = 0.0;
  }
  void add(int r, double w) {
    node_[r] += w;
    total_ += w;
    for (int i = r + 1; i < static_cast<int>(tree_.size()); i += i & (-i)) tree_[i] += w;
  }
  // weight with rank < r
  double below(int r) const {
    double s = 0.0;
    for (int i = r; i > 0; i -= i & (-i)) s += tree_[i];
    return s;
  }
  // (less, greater, equal) weights relative to rank r
  void query(int r, double& lt, double& gt, double& eq) const {
    lt = below(r);
    eq = node_[r];
    gt = total_ - lt - eq;
  }

 private:
  std::vector<double> tree_, node_;
  double total_ = 0.0;
};

}  // namespace detail

inline ConcordanceResult concordance_risk(int n, const double* time, const int* status,
                                          const double* risk, const double* weight,
                                          const int* strata) {
  ConcordanceResult out;
  if (n < 1) return out;
  auto wt = [&](int i) { return weight ? weight[i] : 1.0; };
  auto st = [&](int i) { return strata ? strata[i] : 0; };

  // Order: stratum, time descending, censored first, score ascending.
  std::vector<int> ord(n);
  std::iota(ord.begin(), ord.end(), 0);
  std::sort(ord.begin(), ord.end(), [&](int a, int b) {
    if (st(a) != st(b)) return st(a) < st(b);
    if (time[a] != time[b]) return time[a] > time[b];
    if (status[a] != status[b]) return status[a] < status[b];
    if (risk[a] != risk[b]) return risk[a] < risk[b];
    return a < b;
  });

  // Per-observation influence counts in the "raw" orientation (larger score
  // with longer survival = concordant); the Cox orientation swaps c and d.
  std::vector<double> ic(n, 0.0), id(n, 0.0), it(n, 0.0);
  std::vector<int> rank(n);
  std::vector<int> tmp;
  detail::Fenwick all, dead;
  double cc = 0.0, dc = 0.0, tx = 0.0, ty = 0.0, txy = 0.0;

  for (int s0 = 0; s0 < n;) {
    int s1 = s0;
    while (s1 < n && st(ord[s1]) == st(ord[s0])) ++s1;
    // dense ranks of the score within the stratum
    tmp.assign(ord.begin() + s0, ord.begin() + s1);
    std::sort(tmp.begin(), tmp.end(), [&](int a, int b) { return risk[a] < risk[b]; });
    int m = 0;
    for (std::size_t k = 0; k < tmp.size(); ++k) {
      if (k > 0 && risk[tmp[k]] != risk[tmp[k - 1]]) ++m;
      rank[tmp[k]] = m;
    }
    all.reset(m + 1);
    dead.reset(m + 1);
    double lt, gt, eq;
    for (int k = s0; k < s1;) {
      const int i = ord[k];
      if (status[i] == 0) {
        dead.query(rank[i], lt, gt, eq);
        ic[i] -= lt;
        id[i] -= gt;
        it[i] -= eq;
        all.add(rank[i], wt(i));
        ++k;
        continue;
      }
      // all events at this time (contiguous, sorted by score)
      int e = k;
      while (e < s1 && time[ord[e]] == time[i] && status[ord[e]] != 0) ++e;
      double dwt = 0.0, dwt2 = 0.0;
      for (int j = k; j < e; ++j) {
        const int jj = ord[j];
        const double wj = wt(jj);
        ty += wj * dwt;
        dwt += wj;
        if (j > k && risk[jj] != risk[ord[j - 1]]) dwt2 = 0.0;
        txy += wj * dwt2;
        dwt2 += wj;
        all.query(rank[jj], lt, gt, eq);
        cc += wj * gt;
        dc += wj * lt;
        tx += wj * eq;
        ic[jj] += gt;
        id[jj] += lt;
        it[jj] += eq;
      }
      for (int j = k; j < e; ++j) dead.add(rank[ord[j]], wt(ord[j]));
      for (int j = k; j < e; ++j) {
        const int jj = ord[j];
        dead.query(rank[jj], lt, gt, eq);
        ic[jj] -= lt;
        id[jj] -= gt;
        it[jj] -= eq;
        all.add(rank[jj], wt(jj));
      }
      k = e;
    }
    // events that came later in this backward walk (earlier times) with
    // each observation as the longer-lived partner
    for (int k = s0; k < s1; ++k) {
      const int i = ord[k];
      dead.query(rank[i], lt, gt, eq);
      ic[i] += lt;
      id[i] += gt;
      it[i] += eq;
    }
    s0 = s1;
  }
  ty -= txy;

  const double npair = cc + dc + tx;
  // Cox orientation: higher risk, shorter time = concordant
  out.concordant = dc;
  out.discordant = cc;
  out.tied_x = tx;
  out.tied_y = ty;
  out.tied_xy = txy;
  if (npair > 0.0) {
    const double somer = (cc - dc) / npair;
    double v = 0.0;
    for (int i = 0; i < n; ++i) {
      const double df = wt(i) * ((ic[i] - id[i]) / npair - (somer / npair) * (ic[i] + id[i] + it[i]));
      v += df * df;
    }
    out.concordance = 1.0 - (somer + 1.0) / 2.0;
    out.var = v / 4.0;
    out.std_err = std::sqrt(out.var);
  }
  return out;
}

}  // namespace core
}  // namespace survstep

#endif
