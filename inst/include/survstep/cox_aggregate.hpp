// The Cox partial likelihood from per-(stratum, time, status) sums, for data
// that stay in a database (methods.md section 3; vignettes/large-data.Rmd).
//
// Right-censored data. With z the centred-and-scaled covariates of coxfit6
// (z = (x - mean) * scale, as cox_loglik.hpp), beta_s the coefficients on
// that scale, eta = z' beta_s and case weights w, the caller (a database
// query) supplies for every distinct (stratum, time, status) of the rows:
//   count   rows,               wsum  sum w,
//   wz      sum w z      (p),   r     sum w exp(eta),
//   rz      sum w exp(eta) z (p),   rzz  sum w exp(eta) z z' (p(p+1)/2,
//           the lower triangle packed column by column: (0,0), (1,0), ...,
//           (p-1,0), (1,1), (2,1), ...).
// Everything the Breslow and Efron log-likelihood, score and information
// need is a sum of these over the rows at risk (time >= t in the stratum)
// or over the deaths at t:
//   Breslow: l = sum_t [ beta_s' WZ_t - DW_t log S0_t ],
//            U = sum_t [ WZ_t - DW_t S1_t / S0_t ],
//            I = sum_t DW_t [ S2_t / S0_t - S1_t S1_t' / S0_t^2 ];
//   Efron (d tied death rows, mean death weight DW_t / d, death sums E0, E1,
//   E2), for k = 0..d-1 and f = k / d:
//            l -= DW_t / d log(S0 - f E0), U -= DW_t / d (S1 - f E1) / (S0 - f E0),
//            I += DW_t / d [ (S2 - f E2) / (S0 - f E0) - a a' / (S0 - f E0)^2 ],
//            a = S1 - f E1,
// as survival's coxfit6 accumulates them.
//
// Counting-process data, Surv(start, stop, event): the rows above are
// grouped by (stratum, stop, status), and an entry table gives, for every
// distinct (stratum, start), the sums r, rz, rzz of the rows that start
// there. The risk set at t is {start < t <= stop}: the rows with
// stop >= t less those with start >= t (which have stop > start >= t), so
// the backward sweep adds a row at its stop time and takes it out again
// before the first death time <= its start, as survival's agreg does. The
// death sums (Efron) are those of the rows dying at t, all at risk at t.
// Start and stop times are merged together by the timefix (aeqSurv merges
// the two columns together).
//
// The times are put in order and
// near-tied times merged (survival::aeqSurv) by the risk-set layer
// (risk_sets.hpp): the rows of merged times are summed, as the in-memory
// engine merges the times of its rows.
//
// ---------------------------------------------------------------------------
// API (namespace survstep::core)
//
//   struct CoxAggTable { p, stratum, time, status, count, wsum, wz, r, rz, rzz;
//                        entry_stratum, entry_time, entry_r, entry_rz,
//                        entry_rzz; size(); counting(); }
//                                            one row per (stratum, time, status);
//                                            entries (counting-process data
//                                            only): one per (stratum, start)
//   struct CoxAggLayout                      the order of a table's rows and
//                                            their tie blocks (built once)
//   bool cox_agg_layout(const CoxAggTable& t, double timefix_tol,
//                       CoxAggLayout& lay);  false: malformed table
//   double cox_agg_evaluate(const CoxAggTable& t, const CoxAggLayout& lay,
//                           const double* beta_s, CoxTies ties, bool info,
//                           Eigen::VectorXd& u, Eigen::MatrixXd& imat);
//       the log partial likelihood at beta_s (the table must have been
//       computed at beta_s); with `info` also U and I (scaled units). A
//       table without rz/rzz (a log-likelihood-only query) needs info = false.
//   template <class Fetch> class CoxAggObjective
//       a newton_solve() objective (newton.hpp): Fetch is callable as
//       fetch(const double* beta_s, bool derivatives, CoxAggTable& out) and
//       fills `out` with the sums at beta_s (the database query); units()
//       are the column scales. The rows must come in the same (stratum,
//       time, status) combinations at every call (same data); their order
//       may change.
// ---------------------------------------------------------------------------
#ifndef SURVSTEP_CORE_COX_AGGREGATE_HPP
#define SURVSTEP_CORE_COX_AGGREGATE_HPP

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {

struct CoxAggTable {
  int p = 0;
  std::vector<int> stratum;   // 0-based codes
  std::vector<double> time;   // exact times (merged by the layout's timefix)
  std::vector<int> status;    // 0 = censored, 1 = event
  std::vector<double> count, wsum, r;
  std::vector<double> wz, rz, rzz;  // row-major: row i at i * p (rzz: i * p(p+1)/2)
  // counting-process data: the sums of the rows entering at each start time
  // (empty for right-censored data); rz/rzz as above, only with derivatives
  std::vector<int> entry_stratum;
  std::vector<double> entry_time, entry_r, entry_rz, entry_rzz;
  std::size_t size() const { return time.size(); }
  bool counting() const { return !entry_time.empty(); }
};

struct CoxAggLayout {
  std::vector<int> order;        // rows by (stratum, time after timefix), deaths first
  std::vector<int> block_start;  // tie blocks of `order` (equal stratum and time)
  std::vector<double> time;      // times after timefix, per table row
  std::vector<int> entry_order;  // entries by (stratum, start after timefix)
  std::vector<double> entry_time;  // start times after timefix, per entry
};

inline bool cox_agg_layout(const CoxAggTable& t, double timefix_tol, CoxAggLayout& lay) {
  const std::size_t n = t.size();
  const std::size_t p = static_cast<std::size_t>(t.p);
  if (t.stratum.size() != n || t.status.size() != n || t.count.size() != n ||
      t.wsum.size() != n || t.r.size() != n || t.wz.size() != n * p) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (t.stratum[i] < 0 || (t.status[i] != 0 && t.status[i] != 1) ||
        !std::isfinite(t.time[i])) {
      return false;
    }
  }
  const std::size_t ne = t.entry_time.size();
  if (t.entry_stratum.size() != ne || t.entry_r.size() != ne) return false;
  for (std::size_t i = 0; i < ne; ++i) {
    if (t.entry_stratum[i] < 0 || !std::isfinite(t.entry_time[i])) return false;
  }
  if (ne == 0) {
    lay.time = t.time;
    timefix(lay.time, timefix_tol);
    lay.entry_time.clear();
    lay.entry_order.clear();
  } else {
    // start and stop times merged together
    std::vector<double> all(t.time);
    all.insert(all.end(), t.entry_time.begin(), t.entry_time.end());
    timefix(all, timefix_tol);
    lay.time.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    lay.entry_time.assign(all.begin() + static_cast<std::ptrdiff_t>(n), all.end());
    const std::vector<int> no_status(ne, 0);
    lay.entry_order = order_by_stratum_time(t.entry_stratum, lay.entry_time, no_status);
  }
  lay.order = order_by_stratum_time(t.stratum, lay.time, t.status);
  std::vector<int> st(n);
  std::vector<double> tm(n);
  for (std::size_t k = 0; k < n; ++k) {
    st[k] = t.stratum[static_cast<std::size_t>(lay.order[k])];
    tm[k] = lay.time[static_cast<std::size_t>(lay.order[k])];
  }
  tie_blocks(st.data(), tm.data(), n, lay.block_start);
  return true;
}

inline double cox_agg_evaluate(const CoxAggTable& t, const CoxAggLayout& lay,
                               const double* beta_s, CoxTies ties, bool info,
                               Eigen::VectorXd& u, Eigen::MatrixXd& imat) {
  const int p = t.p;
  const std::size_t pp = static_cast<std::size_t>(p);
  const std::size_t np = pp * (pp + 1) / 2;
  const bool efron = ties == CoxTies::efron;
  const std::size_t nblock = lay.block_start.size() - 1;
  Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p), e1(p), wzd(p), a(p);
  Eigen::MatrixXd s2 = Eigen::MatrixXd::Zero(p, p), e2(p, p);
  if (info) {
    u.setZero(p);
    imat.setZero(p, p);
  }
  auto add_packed = [&](Eigen::MatrixXd& m, const double* v) {
    std::size_t k = 0;
    for (int c = 0; c < p; ++c) {
      for (int rr = c; rr < p; ++rr) m(rr, c) += v[k++];
    }
  };
  double loglik = 0.0, s0 = 0.0;
  int cur_stratum = -1;
  // entries not yet taken out of the risk set: lay.entry_order[0, e)
  std::size_t e = lay.entry_order.size();
  // backwards over the tie blocks: the risk set at t is every row with
  // time >= t in the stratum (less, for counting-process data, the rows
  // with start >= t)
  for (std::size_t b = nblock; b-- > 0;) {
    const int k0 = lay.block_start[b], k1 = lay.block_start[b + 1];
    const int s = t.stratum[static_cast<std::size_t>(lay.order[k0])];
    const double tb = lay.time[static_cast<std::size_t>(lay.order[k0])];
    if (s != cur_stratum) {
      cur_stratum = s;
      s0 = 0.0;
      s1.setZero();
      if (info) s2.setZero();
      // entries of later strata are done with
      while (e > 0 && t.entry_stratum[static_cast<std::size_t>(lay.entry_order[e - 1])] > s) --e;
    }
    while (e > 0) {
      const std::size_t i = static_cast<std::size_t>(lay.entry_order[e - 1]);
      if (t.entry_stratum[i] != s || lay.entry_time[i] < tb) break;
      s0 -= t.entry_r[i];
      if (info) {
        for (int j = 0; j < p; ++j) s1[j] -= t.entry_rz[i * pp + j];
        std::size_t k = 0;
        const double* v = t.entry_rzz.data() + i * np;
        for (int c = 0; c < p; ++c) {
          for (int rr = c; rr < p; ++rr) s2(rr, c) -= v[k++];
        }
      }
      --e;
    }
    double nd = 0.0, dw = 0.0, e0 = 0.0;
    e1.setZero();
    wzd.setZero();
    if (info && efron) e2.setZero();
    for (int k = k0; k < k1; ++k) {
      const std::size_t i = static_cast<std::size_t>(lay.order[k]);
      s0 += t.r[i];
      if (info) {
        for (int j = 0; j < p; ++j) s1[j] += t.rz[i * pp + j];
        add_packed(s2, t.rzz.data() + i * np);
      }
      if (t.status[i] == 1) {
        nd += t.count[i];
        dw += t.wsum[i];
        e0 += t.r[i];
        for (int j = 0; j < p; ++j) wzd[j] += t.wz[i * pp + j];
        if (info) {
          for (int j = 0; j < p; ++j) e1[j] += t.rz[i * pp + j];
          if (efron) add_packed(e2, t.rzz.data() + i * np);
        }
      }
    }
    if (nd <= 0.0) continue;
    for (int j = 0; j < p; ++j) loglik += beta_s[j] * wzd[j];
    if (info) u += wzd;
    if (!efron || nd <= 1.0) {
      loglik -= dw * std::log(s0);
      if (info) {
        const Eigen::VectorXd abar = s1 / s0;
        u -= dw * abar;
        imat.triangularView<Eigen::Lower>() +=
            (dw / s0) * s2 - dw * (abar * abar.transpose());
      }
      continue;
    }
    const double meanwt = dw / nd;
    const long nk = static_cast<long>(nd + 0.5);
    for (long k = 0; k < nk; ++k) {
      const double f = static_cast<double>(k) / nd;
      const double d2 = s0 - f * e0;
      loglik -= meanwt * std::log(d2);
      if (info) {
        a = (s1 - f * e1) / d2;
        u -= meanwt * a;
        imat.triangularView<Eigen::Lower>() +=
            (meanwt / d2) * (s2 - f * e2) - meanwt * (a * a.transpose());
      }
    }
  }
  if (info) imat.triangularView<Eigen::StrictlyUpper>() = imat.transpose();
  return loglik;
}

template <class Fetch>
class CoxAggObjective {
 public:
  CoxAggObjective(Fetch& fetch, const std::vector<double>& scale, CoxTies ties,
                  double timefix_tol)
      : fetch_(fetch), scale_(scale), ties_(ties), tol_(timefix_tol) {}
  int dim() const { return static_cast<int>(scale_.size()); }
  const double* units() const { return scale_.empty() ? nullptr : scale_.data(); }
  double evaluate(const Eigen::VectorXd& beta_s, bool derivatives, Interrupt& interrupt) {
    interrupt.check();
    fetch_(beta_s.data(), derivatives, table_);
    ++n_fetch_;
    if (!cox_agg_layout(table_, tol_, layout_)) {
      bad_ = true;
      return std::numeric_limits<double>::quiet_NaN();
    }
    if (derivatives && (table_.rz.size() != table_.size() * scale_.size() ||
                        table_.entry_rz.size() != table_.entry_time.size() * scale_.size())) {
      bad_ = true;
      return std::numeric_limits<double>::quiet_NaN();
    }
    const double l =
        cox_agg_evaluate(table_, layout_, beta_s.data(), ties_, derivatives, u_, imat_);
    interrupt.poll(table_.size());
    return l;
  }
  const Eigen::VectorXd& score() const { return u_; }
  const Eigen::MatrixXd& information() const { return imat_; }
  int n_fetch() const { return n_fetch_; }
  bool bad() const { return bad_; }
  const CoxAggTable& table() const { return table_; }

 private:
  Fetch& fetch_;
  const std::vector<double>& scale_;
  CoxTies ties_;
  double tol_;
  CoxAggTable table_;
  CoxAggLayout layout_;
  Eigen::VectorXd u_;
  Eigen::MatrixXd imat_;
  int n_fetch_ = 0;
  bool bad_ = false;
};

}  // namespace core
}  // namespace survstep

#endif
