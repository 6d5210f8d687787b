// Harrell's concordance for a Cox model's risk score, with its standard
// error, as survival::concordance(<coxph fit>) reports it (timewt = "n"):
//
//   ConcordanceResult concordance_risk(int n, const double* time,
//                                      const int* status, const double* risk,
//                                      const double* weight,   // nullable
//                                      const int* strata,      // nullable
//                                      Interrupt* interrupt = nullptr);
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
//   var(concordance) = sum_i dfbeta_i^2 / 4;
// with clusters (coxph's cluster() term) the dfbeta_i are summed within each
// cluster first: var = sum_g (sum_{i in g} dfbeta_i)^2 / 4.
// Cost O(n log n): one sort plus Fenwick trees over the ranks of the score.
//
//   ConcordanceResult concordance_sorted(const CoxData& d, const double* risk,
//                                        bool weighted,
//                                        Interrupt* interrupt = nullptr,
//                                        const int* cluster = nullptr,
//                                        int ncluster = 0);
// The same for a prepared Cox data object (rows already sorted by stratum
// and time, times after timefix): `risk` in the SORTED row order; case
// weights used when `weighted`; `cluster` (optional, SORTED row order):
// 0-based cluster codes below `ncluster` for the clustered variance. Faster: no sort by time, radix ranks of the
// score, one backward and one forward sweep. For (start, stop] data
// (d.counting, cox_counting.hpp) the partners of an event at time t are the
// rows at risk at t (start < t <= stop), as survival's concordance for a
// counting-process coxph fit (concordance4): `risk` is then the score of
// each interval.
//
// Both poll `interrupt` (interrupt.hpp) after each O(n) pass and once per
// tie block of the sweeps.
#ifndef SURVSTEP_CORE_CONCORDANCE_HPP
#define SURVSTEP_CORE_CONCORDANCE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"
#include "risk_sets.hpp"

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

// Fenwick (binary indexed) tree of weights over ranks 0..m-1 (T = double
// for case weights, a 32-bit count otherwise: half the memory traffic).
template <typename T>
class FenwickT {
 public:
  void reset(int m) {
    // cell i holds the tree sum of index i and the weight of rank i - 1:
    // an update or query touches the cell of its own rank first, so the
    // rank's own weight comes with the same cache line
    cell_.assign(m + 1, Cell{T(0), T(0)});
    total_ = T(0);
  }
  void add(int r, T w) {
    cell_[r + 1].node += w;
    total_ += w;
    const int sz = static_cast<int>(cell_.size());
    for (int i = r + 1; i < sz; i += i & (-i)) cell_[i].tree += w;
  }
  // weight with rank < r
  T below(int r) const {
    T s = T(0);
    for (int i = r; i > 0; i -= i & (-i)) s += cell_[i].tree;
    return s;
  }
  // (less, greater, equal) weights relative to rank r
  void query(int r, double& lt, double& gt, double& eq) const {
    const T e = cell_[r + 1].node;
    const T b = below(r + 1) - e;
    lt = static_cast<double>(b);
    eq = static_cast<double>(e);
    gt = static_cast<double>(total_ - b - e);
  }

 private:
  struct Cell {
    T tree;
    T node;
  };
  std::vector<Cell> cell_;
  T total_ = T(0);
};

// Counts in the "raw" orientation (larger score with longer survival =
// concordant) to the result in the Cox orientation (higher risk, shorter time
// = concordant), with the infinitesimal-jackknife variance of Somers' d from
// the per-observation counts ic, id, it (as survival::concordance).
template <typename W>
inline ConcordanceResult finish_concordance(double cc, double dc, double tx, double ty,
                                            double txy, const std::vector<double>& ic,
                                            const std::vector<double>& id,
                                            const std::vector<double>& it, W wt,
                                            const int* cluster = nullptr,
                                            int ncluster = 0) {
  ConcordanceResult out;
  const int n = static_cast<int>(ic.size());
  const double npair = cc + dc + tx;
  out.concordant = dc;
  out.discordant = cc;
  out.tied_x = tx;
  out.tied_y = ty;
  out.tied_xy = txy;
  if (npair > 0.0) {
    const double somer = (cc - dc) / npair;
    double v = 0.0;
    std::vector<double> gsum(cluster ? ncluster : 0, 0.0);
    for (int k = 0; k < n; ++k) {
      const double df =
          wt(k) * ((ic[k] - id[k]) / npair - (somer / npair) * (ic[k] + id[k] + it[k]));
      if (cluster) {
        gsum[cluster[k]] += df;
      } else {
        v += df * df;
      }
    }
    for (double g : gsum) v += g * g;
    out.concordance = 1.0 - (somer + 1.0) / 2.0;
    out.var = v / 4.0;
    out.std_err = std::sqrt(out.var);
  }
  return out;
}

}  // namespace detail

namespace detail {
template <typename T>
inline ConcordanceResult concordance_sorted_impl(const CoxData& d, const double* risk,
                                                 bool weighted, Interrupt& intr,
                                                 const int* cluster, int ncluster) {
  ConcordanceResult out;
  const int n = d.n;
  if (n < 1) return out;
  const double* w = d.weight.data();
  auto wt = [&](int k) { return weighted ? w[k] : 1.0; };

  // dense ranks of the score within each stratum: radix order by score,
  // then stable counting by stratum
  std::vector<KeyedRow> byscore(n), tmp;
  for (int k = 0; k < n; ++k) byscore[k] = KeyedRow{order_key(risk[k]), k};
  {
    std::vector<std::size_t> hist;
    sort_by_key(
        byscore, tmp, [](const KeyedRow& r) { return r.key; }, hist);
  }
  std::vector<KeyedRow>().swap(tmp);
  intr.poll(static_cast<std::uint64_t>(n));
  std::vector<int> rank(n);
  std::vector<int> nrank(d.nstrata, 0);
  if (d.nstrata == 1) {
    // the sorted keys map one to one onto the scores
    int m = 0;
    for (int i = 0; i < n; ++i) {
      if (i > 0 && byscore[i].key != byscore[i - 1].key) ++m;
      rank[byscore[i].row] = m;
    }
    nrank[0] = m;
  } else {
    // walk the score order; ranks count distinct scores per stratum
    std::vector<double> last(d.nstrata, 0.0);
    std::vector<char> seen(d.nstrata, 0);
    for (int i = 0; i < n; ++i) {
      const int k = byscore[i].row;
      const int s = d.stratum[k];
      if (seen[s] && risk[k] != last[s]) ++nrank[s];
      seen[s] = 1;
      last[s] = risk[k];
      rank[k] = nrank[s];
    }
  }

  std::vector<double> ic(n, 0.0), id(n, 0.0), it(n, 0.0);
  double cc = 0.0, dc = 0.0, tx = 0.0, ty = 0.0, txy = 0.0;
  FenwickT<T> tree;
  double lt, gt, eq;
  std::vector<int> deaths;
  int b0 = 0;
  while (b0 < d.nblock) {
    int b1 = b0;
    while (!d.block_last[b1]) ++b1;  // blocks b0..b1 form one stratum
    const int s = d.stratum[d.block_start[b0]];
    // backward sweep: at-risk tree; events query it. (start, stop] data:
    // before the events of a block, the rows with start >= its time leave
    // the tree (survival's concordance4)
    tree.reset(nrank[s] + 1);
    int eptr = d.counting ? d.entry_bound[s + 1] : 0;
    for (int b = b1; b >= b0; --b) {
      const int k0 = d.block_start[b], k1 = d.block_start[b + 1];
      intr.poll(static_cast<std::uint64_t>(k1 - k0));
      for (int k = k0; k < k1; ++k) {
        if (!d.status[k]) tree.add(rank[k], static_cast<T>(wt(k)));
      }
      if (d.block_ndead[b] == 0) continue;
      if (d.counting) {
        for (int q = d.block_entry[b]; q < eptr; ++q) {
          const int k = d.entry[q];
          tree.add(rank[k], static_cast<T>(-wt(k)));
        }
        eptr = d.block_entry[b];
      }
      deaths.clear();
      for (int k = k0; k < k1; ++k) {
        if (d.status[k]) deaths.push_back(k);
      }
      if (deaths.size() > 1) {
        std::sort(deaths.begin(), deaths.end(), [&](int a, int c) {
          return rank[a] != rank[c] ? rank[a] < rank[c] : a < c;
        });
      }
      double dwt = 0.0, dwt2 = 0.0;
      for (std::size_t j = 0; j < deaths.size(); ++j) {
        const int k = deaths[j];
        const double wk = wt(k);
        ty += wk * dwt;
        dwt += wk;
        if (j > 0 && rank[k] != rank[deaths[j - 1]]) dwt2 = 0.0;
        txy += wk * dwt2;
        dwt2 += wk;
        tree.query(rank[k], lt, gt, eq);
        cc += wk * gt;
        dc += wk * lt;
        tx += wk * eq;
        ic[k] += gt;
        id[k] += lt;
        it[k] += eq;
      }
      for (int k : deaths) tree.add(rank[k], static_cast<T>(wt(k)));
    }
    // forward sweep: event tree; each observation as the longer-lived
    // partner of earlier events (a censored one also of events at its time).
    // (start, stop] data: minus the events at or before its start, read
    // when the sweep passes the start time
    tree.reset(nrank[s] + 1);
    int fptr = d.counting ? d.entry_bound[s] : 0;
    for (int b = b0; b <= b1; ++b) {
      const int k0 = d.block_start[b], k1 = d.block_start[b + 1];
      intr.poll(static_cast<std::uint64_t>(k1 - k0));
      if (d.counting) {
        for (; fptr < d.block_entry[b]; ++fptr) {
          const int k = d.entry[fptr];
          tree.query(rank[k], lt, gt, eq);
          ic[k] -= lt;
          id[k] -= gt;
          it[k] -= eq;
        }
      }
      for (int k = k0; k < k1; ++k) {
        if (!d.status[k]) continue;
        tree.query(rank[k], lt, gt, eq);
        ic[k] += lt;
        id[k] += gt;
        it[k] += eq;
      }
      if (d.block_ndead[b] == 0) {
        for (int k = k0; k < k1; ++k) {
          tree.query(rank[k], lt, gt, eq);
          ic[k] += lt;
          id[k] += gt;
          it[k] += eq;
        }
        continue;
      }
      for (int k = k0; k < k1; ++k) {
        if (d.status[k]) tree.add(rank[k], static_cast<T>(wt(k)));
      }
      for (int k = k0; k < k1; ++k) {
        if (d.status[k]) continue;
        tree.query(rank[k], lt, gt, eq);
        ic[k] += lt;
        id[k] += gt;
        it[k] += eq;
      }
    }
    b0 = b1 + 1;
  }
  return finish_concordance(cc, dc, tx, ty - txy, txy, ic, id, it, wt, cluster, ncluster);
}
}  // namespace detail

inline ConcordanceResult concordance_sorted(const CoxData& d, const double* risk,
                                            bool weighted, Interrupt* interrupt = nullptr,
                                            const int* cluster = nullptr, int ncluster = 0) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  if (weighted) {
    return detail::concordance_sorted_impl<double>(d, risk, true, intr, cluster, ncluster);
  }
  return detail::concordance_sorted_impl<std::int32_t>(d, risk, false, intr, cluster,
                                                       ncluster);
}

// Rows in any order: sorted into risk sets by cox_data_build() (the risk-set
// layer), then concordance_sorted(). Invalid data (a time negative or not
// finite, a status not 0/1, a weight not > 0) give NaN results.
inline ConcordanceResult concordance_risk(int n, const double* time, const int* status,
                                          const double* risk, const double* weight,
                                          const int* strata,
                                          Interrupt* interrupt = nullptr) {
  if (n < 1) return ConcordanceResult{};
  CoxInput in;
  in.n = n;
  in.p = 0;
  in.time = time;
  in.status = status;
  in.weight = weight;
  in.strata = strata;
  CoxData d;
  if (cox_data_build(in, d, interrupt) != cox_data_ok) return ConcordanceResult{};
  std::vector<double> r(n);
  for (int k = 0; k < n; ++k) r[k] = risk[d.order[k]];
  return concordance_sorted(d, r.data(), weight != nullptr, interrupt);
}

}  // namespace core
}  // namespace survstep

#endif
