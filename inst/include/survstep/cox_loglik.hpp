// Cox partial likelihood: data object, log-likelihood, score and information.
//
// ============================================================================
// API (namespace survstep::core) -- other parts of survstep build on this.
// ============================================================================
//
//   enum class CoxTies { breslow = 0, efron = 1, exact = 2, exact_marginal = 3 };
//        exact: the discrete partial likelihood; exact_marginal: the exact
//        marginal likelihood (both cox_exact.hpp).
//
//   struct CoxInput               non-owning views of UNSORTED data, row i of
//                                 the caller's order (see field comments).
//   struct CoxData                the prepared data: rows sorted once by
//                                 (stratum, time); columns centred and scaled
//                                 exactly as survival's coxfit6 does; tie
//                                 blocks precomputed. Build it once, evaluate
//                                 many times.
//   struct CoxWork                scratch buffers (reuse across calls: after
//                                 the first call of a given size, evaluation
//                                 allocates nothing).
//   struct CoxEval                loglik, score U (p), information I (p x p).
//
//   int  cox_data_build(const CoxInput& in, CoxData& d,
//                       Interrupt* interrupt = nullptr);
//        Returns CoxDataStatus (0 = ok). Reuses d's storage (no reallocation
//        when n and p do not grow), so a 36-row data set can be rebuilt
//        millions of times cheaply. Row order: the risk-set layer
//        (risk_sets.hpp) by (stratum, time), ties in the caller's order.
//        Time near-ties are merged first when in.timefix_tol > 0 (as
//        coxph's default timefix = TRUE with sqrt(DBL_EPSILON)).
//        `interrupt` (interrupt.hpp) is polled after each O(n) pass.
//   void cox_data_select(const CoxData& full, const std::vector<int>& cols,
//                        CoxData& out);
//        Copy a subset of columns (0-based, in the given order) without
//        re-sorting: for stepwise model comparisons on one analysis set.
//   double cox_evaluate(const CoxData& d, const double* beta, CoxTies ties,
//                       int what, CoxWork& w, CoxEval& out,
//                       Interrupt* interrupt = nullptr);
//        beta in ORIGINAL covariate units (length d.p; nullptr = all 0).
//        what = cox_what_loglik (log partial likelihood only),
//               cox_what_score  (+ U), cox_what_info (+ U and I).
//        Returns the log partial likelihood (also out.loglik); U and I in
//        original units (I = minus the Hessian). Offsets are included.
//   double cox_evaluate_scaled(const CoxData& d, const double* beta_s,
//                              CoxTies ties, int what, CoxWork& w,
//                              Interrupt* interrupt = nullptr);
//        The same on the internal centred-and-scaled scale (beta_s =
//        beta / scale); results are left in w.loglik, w.u, w.imat (lower
//        triangle + diagonal filled, upper mirrored). Used by the Newton
//        solver (cox_newton.hpp); cheaper because nothing is converted.
//        `interrupt` (interrupt.hpp) is polled once per 256 rows.
//        Compile-time kernels for p in {1..6, 8, 10}, a general one else.
//
// Related headers: newton.hpp (the generic Newton-Raphson solver),
// cox_newton.hpp (CoxObjective, CoxControl, CoxFitResult, cox_fit(),
// cox_score_test(), wald_test(), cox_linear_predictors()), cholesky.hpp
// (chol_decompose/solve/inverse with coxph's tolerance rule),
// concordance.hpp (concordance_risk(), concordance_sorted()).
//
// Threads: a CoxData is read-only after cox_data_build(); give each thread
// its own CoxWork and CoxFitResult.
//
// Minimal use (no strata, weights or offset):
//   survstep::core::CoxInput in;
//   in.n = n; in.p = p; in.x = x; in.time = time; in.status = status;
//   survstep::core::CoxData d;  survstep::core::CoxWork w;
//   survstep::core::CoxFitResult fit;
//   if (cox_data_build(in, d) == cox_data_ok)
//     cox_fit(d, CoxTies::breslow, CoxControl(), nullptr, fit, w);
//   // fit.beta, fit.var, fit.loglik_init, fit.loglik, fit.score_test,
//   // fit.status (bits: not_converged, singular, infinite, ...)
//
// Formulas (methods.md section 3; survival's coxfit6 with case weights):
//   Breslow: l = sum_j [ sum_{D_j} w eta - dw_j log sum_{R_j} w exp(eta) ],
//   Efron:   for d tied deaths with total weight dw, each of the d terms
//            k = 0..d-1 uses the mean death weight dw/d and the denominator
//            sum_{R_j \ D_j} w e^eta + (k+1)/d sum_{D_j} w e^eta.
// A censored observation tied with a death at time t is in the risk set at t.
//
// Implementation note (speed): U and I are not accumulated per death as in
// coxfit6; instead every observation i gets H_i = sum of the weights
// dw_j / denominator_j over the death times at which it is at risk (Efron:
// the corresponding fractional sums), so that
//   U = X'(w*status - w e^eta H),  I = X' diag(w e^eta H) X - sum_j (abar terms)
// and both matrix products run as blocked BLAS-3 rank updates.
#ifndef SURVSTEP_CORE_COX_LOGLIK_HPP
#define SURVSTEP_CORE_COX_LOGLIK_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "interrupt.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {

enum class CoxTies : int { breslow = 0, efron = 1, exact = 2, exact_marginal = 3 };

enum CoxWhat : int { cox_what_loglik = 0, cox_what_score = 1, cox_what_info = 2 };

enum CoxDataStatus : int {
  cox_data_ok = 0,
  cox_data_bad_dims = 1,      // n < 1 or p < 0 or null required pointer
  cox_data_bad_value = 2,     // (unused; kept for compatibility)
  cox_data_bad_time = 3,      // a time is not finite or is negative
  cox_data_bad_status = 4,    // a status is not 0/1
  cox_data_bad_weight = 5,    // a weight is not finite or not > 0
  cox_data_bad_offset = 6,    // an offset is not finite
  cox_data_bad_x = 7,         // a covariate value is not finite
  cox_data_bad_start = 8,     // (start, stop]: a start not finite or not < stop
  cox_data_bad_interval = 9,  // (start, stop]: timefix merged a start and its stop
};

// Non-owning views of unsorted input data (the caller's row order).
struct CoxInput {
  int n = 0;                       // rows
  int p = 0;                       // columns of x (0 = null model)
  const double* x = nullptr;       // column-major n x p (nullptr iff p == 0)
  const double* const* xcol = nullptr;  // alternative to x: p column pointers
                                   // (each length n); used when not nullptr
  const double* time = nullptr;    // length n, >= 0; the stop times of (start, stop]
  const double* start = nullptr;   // length n, < time: (start, stop] data, see
                                   // cox_counting.hpp; nullptr = right-censored
  const int* status = nullptr;     // length n, 0 = censored, 1 = event
  const double* weight = nullptr;  // length n, > 0; nullptr = all 1
  const double* offset = nullptr;  // length n; nullptr = all 0
  const int* strata = nullptr;     // length n, any integer codes; nullptr = one stratum
  const int* center = nullptr;     // length p, 1 = centre and scale the column,
                                   // 0 = leave it (coxph's `nocenter`: columns
                                   // whose values are all in {-1, 0, 1});
                                   // nullptr = decide as coxph: centre unless
                                   // all values are in {-1, 0, 1}
  double timefix_tol = 0.0;        // > 0: merge near-tied times as
                                   // survival::aeqSurv (sqrt(DBL_EPSILON))
};

// Prepared data, rows sorted by (stratum, time ascending).
struct CoxData {
  int n = 0;
  int p = 0;
  Eigen::MatrixXd xt;            // p x n: column k = sorted row k, centred & scaled
  Eigen::VectorXd mean;          // p: weighted column means (0 when not centred)
  Eigen::VectorXd scale;         // p: x_scaled = (x - mean) * scale
  Eigen::VectorXd time;          // n, sorted (after timefix)
  Eigen::VectorXd weight;        // n, sorted
  Eigen::VectorXd offset;        // n, sorted
  Eigen::VectorXd wstatus;       // n, weight * status
  std::vector<int> status;       // n, sorted
  std::vector<int> stratum;      // n, sorted stratum codes (0-based, dense)
  std::vector<int> order;        // sorted row k is original row order[k]
  // Tie blocks: maximal runs of equal (stratum, time); block b covers sorted
  // rows [block_start[b], block_start[b + 1]).
  std::vector<int> block_start;  // nblock + 1
  std::vector<int> block_ndead;  // events in the block
  std::vector<double> block_deadwt;  // summed weight of the events
  std::vector<char> block_first;     // first block of its stratum
  std::vector<char> block_last;      // last block of its stratum
  int nblock = 0;
  int nstrata = 0;
  int nevent = 0;                // unweighted number of events
  double wevent = 0.0;           // weighted number of events
  bool has_offset = false;
  bool weighted = false;         // case weights were given
  // Columns of x with one value in every row (1 = constant), found in the
  // column pass of the build; any_constant = any of them.
  std::vector<char> constant;
  bool any_constant = false;
  // Counting-process (start, stop] data (cox_counting.hpp; empty otherwise).
  // `time` holds the stop times and the blocks are tie blocks of stop times;
  // a row is at risk at the event times t with start < t <= stop. Rows that
  // are at risk at no event time of their stratum get weight 0 (they carry
  // nothing in the likelihood, as agreg's unused rows).
  bool counting = false;
  Eigen::VectorXd start;          // n, sorted row order (after timefix)
  std::vector<int> entry;         // sorted rows ordered by (stratum, start)
  std::vector<int> entry_bound;   // nstrata + 1: stratum s owns entry[entry_bound[s],
                                  // entry_bound[s + 1])
  std::vector<int> block_entry;   // per block: first position in `entry` of its
                                  // stratum's rows with start >= the block time
  std::vector<char> block_reset;  // per event block: once the rows with start >=
                                  // its time have left, no weighted row remains
                                  // at risk (the sums restart from exact zero)
  std::vector<int> start_block;   // per sorted row: last block of its stratum with
                                  // time <= its start, -1 when none
};

// Scratch space (sized on first use; reused afterwards).
struct CoxWork {
  Eigen::VectorXd eta, risk, hsum, v, beta_s;
  Eigen::VectorXd h1, h2;                  // per block
  Eigen::VectorXd hcum;                    // per block (counting process)
  Eigen::VectorXd a, a2, aexcl;            // p
  Eigen::MatrixXd abuf, ybuf;              // p x chunk
  double loglik = 0.0;
  Eigen::VectorXd u;                       // p, scaled units
  Eigen::MatrixXd imat;                    // p x p, scaled units
  // exact ties (cox_exact.hpp): one tied set's rows and recursion state
  std::vector<int> exact_rows;
  Eigen::VectorXd exact_a, exact_e, exact_f, exact_x, exact_t;
  Eigen::MatrixXd exact_g;
};

struct CoxEval {
  double loglik = 0.0;
  Eigen::VectorXd score;   // p (original units)
  Eigen::MatrixXd info;    // p x p (original units)
};

namespace detail {
constexpr int cox_chunk = 256;

inline bool in_unit_set(double v) { return v == 0.0 || v == 1.0 || v == -1.0; }

inline const double* input_column(const CoxInput& in, int j) {
  return in.xcol ? in.xcol[j] : in.x + static_cast<std::ptrdiff_t>(j) * in.n;
}

// A sorted sequence of keyed rows seen as times (timefix_sorted()).
struct KeyedTimes {
  std::vector<KeyedRow>& r;
  const TimeKey& tk;
  std::size_t size() const { return r.size(); }
  double get(std::size_t i) const { return tk.value(r[i].key); }
  void set(std::size_t i, double v) { r[i].key = tk(v); }
};

}  // namespace detail

// ---------------------------------------------------------------------------
// Build the prepared data object.
inline int cox_data_build(const CoxInput& in, CoxData& d, Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int n = in.n, p = in.p;
  if (n < 1 || p < 0 || in.time == nullptr || in.status == nullptr ||
      (p > 0 && in.x == nullptr && in.xcol == nullptr)) {
    return cox_data_bad_dims;
  }
  // validate
  for (int i = 0; i < n; ++i) {
    const double t = in.time[i];
    // (start, stop] data may have negative times, as in coxph
    if (!std::isfinite(t) || (t < 0.0 && in.start == nullptr)) return cox_data_bad_time;
    if (in.status[i] != 0 && in.status[i] != 1) return cox_data_bad_status;
    if (in.weight && !(std::isfinite(in.weight[i]) && in.weight[i] > 0.0)) {
      return cox_data_bad_weight;
    }
    if (in.offset && !std::isfinite(in.offset[i])) return cox_data_bad_offset;
  }
  intr.poll(static_cast<std::uint64_t>(n));
  // covariates: non-finite values are detected through the column sums
  // below (a sum of finite values is finite unless it overflows; then the
  // column is checked value by value)
  d.n = n;
  d.p = p;

  // dense stratum codes in increasing order of the caller's codes
  // (no strata: no codes; every row is in stratum 0)
  std::vector<int> scode;
  d.nstrata = 1;
  if (in.strata) {
    scode.resize(n);
    std::vector<int> u(in.strata, in.strata + n);
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    d.nstrata = static_cast<int>(u.size());
    for (int i = 0; i < n; ++i) {
      scode[i] = static_cast<int>(std::lower_bound(u.begin(), u.end(), in.strata[i]) -
                                  u.begin());
    }
  }

  // risk sets (risk_sets.hpp): rows sorted by time (all strata together;
  // ties keep the caller's order), the optional timefix merge on the sorted
  // times (global, as aeqSurv on the whole response; a monotone map, so the
  // order stays valid), then a stable counting sort by stratum
  {
    const TimeKey tk = make_time_key(in.time, static_cast<std::size_t>(n));
    std::vector<KeyedRow> rec(n), tmp;
    for (int i = 0; i < n; ++i) rec[i] = KeyedRow{tk(in.time[i]), i};
    std::vector<std::size_t> hist;
    sort_by_key(
        rec, tmp, [](const KeyedRow& r) { return r.key; }, hist);
    intr.poll(static_cast<std::uint64_t>(n));
    if (in.timefix_tol > 0.0) {
      detail::KeyedTimes seq{rec, tk};
      timefix_sorted(in.timefix_tol, seq);
      intr.poll(static_cast<std::uint64_t>(n));
    }
    group_by_code(
        rec, tmp, [&scode](const KeyedRow& r) { return scode[r.row]; },
        static_cast<std::size_t>(d.nstrata), hist);
    intr.poll(static_cast<std::uint64_t>(n));
    d.order.resize(n);
    d.time.resize(n);
    for (int k = 0; k < n; ++k) {
      d.order[k] = rec[k].row;
      d.time[k] = tk.value(rec[k].key);
    }
  }

  intr.poll(static_cast<std::uint64_t>(n));
  d.weight.resize(n);
  d.offset.resize(n);
  d.wstatus.resize(n);
  d.status.resize(n);
  d.stratum.resize(n);
  d.has_offset = in.offset != nullptr;
  d.weighted = in.weight != nullptr;
  d.nevent = 0;
  d.wevent = 0.0;
  double wsum = 0.0;
  for (int k = 0; k < n; ++k) {
    const int i = d.order[k];
    d.status[k] = in.status[i];
    d.stratum[k] = in.strata ? scode[i] : 0;
    d.weight[k] = in.weight ? in.weight[i] : 1.0;
    d.offset[k] = in.offset ? in.offset[i] : 0.0;
    d.wstatus[k] = d.weight[k] * d.status[k];
    d.nevent += d.status[k];
    d.wevent += d.wstatus[k];
    wsum += d.weight[k];
  }

  // covariates: centred and scaled as coxfit6 (statistics computed on the
  // caller's contiguous columns), then stored row by row in sorted order
  d.xt.resize(p, n);
  d.mean.resize(p);
  d.scale.resize(p);
  d.constant.assign(p, 0);
  d.any_constant = false;
  for (int j = 0; j < p; ++j) {
    intr.poll(static_cast<std::uint64_t>(n));
    const double* col = detail::input_column(in, j);
    // plain and weighted sums (in row order), whether all values are in
    // {-1, 0, 1}, and whether the column is constant; the value checks stop
    // at the first row that settles both (usually the second or third)
    double sum = 0.0, wsx = 0.0;
    bool unit = true, same = true;
    const double v0 = col[0];
    const double* wt = in.weight;
    int i = 0;
    for (; i < n && (unit || same); ++i) {
      const double v = col[i];
      sum += v;
      if (wt) wsx += wt[i] * v;
      unit = unit && detail::in_unit_set(v);
      same = same && v == v0;
    }
    if (wt) {
      for (; i < n; ++i) {
        sum += col[i];
        wsx += wt[i] * col[i];
      }
    } else {
      for (; i < n; ++i) sum += col[i];
      wsx = sum;
    }
    d.constant[j] = same;
    d.any_constant = d.any_constant || same;
    if (!std::isfinite(sum) || !std::isfinite(wsx)) {
      for (int i = 0; i < n; ++i) {
        if (!std::isfinite(col[i])) return cox_data_bad_x;
      }
    }
    const bool centre = in.center ? in.center[j] != 0 : !unit;
    if (!centre) {
      d.mean[j] = 0.0;
      d.scale[j] = 1.0;
      continue;
    }
    // coxph's centring: the weighted mean (coxfit6), the plain column mean
    // for (start, stop] data (agreg.fit)
    const double m = in.start ? sum / n : wsx / wsum;
    double sabs = 0.0;
    if (in.weight) {
      for (int i = 0; i < n; ++i) sabs += in.weight[i] * std::fabs(col[i] - m);
    } else {
      for (int i = 0; i < n; ++i) sabs += std::fabs(col[i] - m);
    }
    d.mean[j] = m;
    d.scale[j] = sabs > 0.0 ? wsum / sabs : 1.0;
  }
  // rows of p values in sorted order: the caller's rows are read in their
  // own order (a block of rows at a time, column by column) and each is
  // written to its sorted position (independent stores; no scratch copy)
  if (p > 0) {
    double* xt = d.xt.data();
    std::vector<int> dest(n);
    for (int k = 0; k < n; ++k) dest[d.order[k]] = k;
    const std::ptrdiff_t pp = p;
    constexpr int kb = 64;
    for (int i0 = 0; i0 < n; i0 += kb) {
      const int i1 = std::min(n, i0 + kb);
      intr.poll(static_cast<std::uint64_t>(kb));
      for (int j = 0; j < p; ++j) {
        const double* col = detail::input_column(in, j);
        const double m = d.mean[j], sc = d.scale[j];
        for (int i = i0; i < i1; ++i) xt[dest[i] * pp + j] = (col[i] - m) * sc;
      }
    }
  }

  // tie blocks
  intr.poll(static_cast<std::uint64_t>(n));
  d.block_start.clear();
  d.block_ndead.clear();
  d.block_deadwt.clear();
  d.block_first.clear();
  d.block_last.clear();
  d.block_start.reserve(n + 1);
  d.block_ndead.reserve(n);
  d.block_deadwt.reserve(n);
  d.block_first.reserve(n);
  d.block_last.reserve(n);
  for (int k = 0; k < n;) {
    int e = k;
    int nd = 0;
    double dw = 0.0;
    while (e < n && d.stratum[e] == d.stratum[k] && d.time[e] == d.time[k]) {
      nd += d.status[e];
      dw += d.wstatus[e];
      ++e;
    }
    d.block_start.push_back(k);
    d.block_ndead.push_back(nd);
    d.block_deadwt.push_back(dw);
    d.block_first.push_back(k == 0 || d.stratum[k - 1] != d.stratum[k]);
    d.block_last.push_back(e == n || d.stratum[e] != d.stratum[k]);
    k = e;
  }
  d.nblock = static_cast<int>(d.block_ndead.size());
  d.block_start.push_back(n);
  return cox_data_ok;
}

// Copy selected columns (0-based) of a prepared data object, keeping its
// sort order, centring and scaling.
inline void cox_data_select(const CoxData& full, const std::vector<int>& cols,
                            CoxData& out) {
  const int q = static_cast<int>(cols.size());
  out.n = full.n;
  out.p = q;
  out.xt.resize(q, full.n);
  out.mean.resize(q);
  out.scale.resize(q);
  for (int j = 0; j < q; ++j) {
    out.xt.row(j) = full.xt.row(cols[j]);
    out.mean[j] = full.mean[cols[j]];
    out.scale[j] = full.scale[cols[j]];
  }
  out.time = full.time;
  out.weight = full.weight;
  out.offset = full.offset;
  out.wstatus = full.wstatus;
  out.status = full.status;
  out.stratum = full.stratum;
  out.order = full.order;
  out.block_start = full.block_start;
  out.block_ndead = full.block_ndead;
  out.block_deadwt = full.block_deadwt;
  out.block_first = full.block_first;
  out.block_last = full.block_last;
  out.nblock = full.nblock;
  out.nstrata = full.nstrata;
  out.nevent = full.nevent;
  out.wevent = full.wevent;
  out.has_offset = full.has_offset;
  out.weighted = full.weighted;
  out.constant.resize(q);
  out.any_constant = false;
  for (int j = 0; j < q; ++j) {
    out.constant[j] = full.constant[cols[j]];
    out.any_constant = out.any_constant || out.constant[j];
  }
  out.counting = full.counting;
  out.start = full.start;
  out.entry = full.entry;
  out.entry_bound = full.entry_bound;
  out.block_entry = full.block_entry;
  out.block_reset = full.block_reset;
  out.start_block = full.start_block;
}

// ---------------------------------------------------------------------------
// Evaluate on the centred-and-scaled scale. Results in w.loglik, w.u, w.imat.
namespace detail {
// P = number of columns when known at compile time (small p: unrolled,
// vectorised row kernels), Eigen::Dynamic otherwise.
template <int P>
inline double cox_evaluate_impl(const CoxData& d, const double* beta_s, CoxTies ties, int what,
                                CoxWork& w, Interrupt& interrupt) {
  using Vec = Eigen::Matrix<double, P, 1>;
  using Map = Eigen::Map<Vec>;
  using CMap = Eigen::Map<const Vec>;
  const int n = d.n, p = d.p;
  const bool efron = ties == CoxTies::efron;
  const bool need_u = what >= cox_what_score && p > 0;
  const bool need_i = what >= cox_what_info && p > 0;

  // eta and risk = w exp(eta) are computed chunk by chunk just ahead of the
  // backward pass (the rows are then still in cache for the risk-set sums)
  w.risk.resize(n);
  w.eta.resize(detail::cox_chunk);
  Vec bvec(p);
  for (int j = 0; j < p; ++j) bvec[j] = beta_s[j];
  double loglik = 0.0;
  // beta = 0 without offset (the usual start): eta = 0, risk = weight
  bool eta_zero = !d.has_offset;
  for (int j = 0; j < p && eta_zero; ++j) eta_zero = bvec[j] == 0.0;
  int ready = n;  // risk[k] is known for k >= ready
  auto fill_risk = [&](int upto) {
    while (ready > upto) {
      const int c1 = ready;
      const int c0 = std::max(0, c1 - detail::cox_chunk);
      const int len = c1 - c0;
      interrupt.poll(static_cast<std::uint64_t>(len));
      if (eta_zero) {
        w.risk.segment(c0, len) = d.weight.segment(c0, len);
        ready = c0;
        continue;
      }
      double* eta = w.eta.data();
      if (p > 0) {
        const double* xr = d.xt.data() + static_cast<std::ptrdiff_t>(c0) * p;
        for (int k = 0; k < len; ++k) {
          eta[k] = CMap(xr + static_cast<std::ptrdiff_t>(k) * p, p).dot(bvec);
        }
        if (d.has_offset) {
          for (int k = 0; k < len; ++k) eta[k] += d.offset[c0 + k];
        }
      } else {
        for (int k = 0; k < len; ++k) eta[k] = d.offset[c0 + k];
      }
      double ll = 0.0;
      for (int k = 0; k < len; ++k) ll += d.wstatus[c0 + k] * eta[k];
      loglik += ll;
      w.risk.segment(c0, len).array() =
          w.eta.head(len).array().exp() * d.weight.segment(c0, len).array();
      ready = c0;
    }
  };

  if (need_u) {
    w.h1.resize(d.nblock);
    w.h2.resize(d.nblock);
  }
  if (need_i) {
    w.a.resize(p);
    w.a2.resize(p);
    w.aexcl.resize(p);
    w.abuf.resize(p, detail::cox_chunk);
    w.imat.setZero(p, p);
  }
  int nbuf = 0;
  auto flush_a = [&]() {
    if (nbuf > 0) {
      w.imat.selfadjointView<Eigen::Lower>().rankUpdate(w.abuf.leftCols(nbuf), -1.0);
      nbuf = 0;
    }
  };

  // Backward pass over tie blocks: denominators (and risk-set sums of x).
  const double* X = d.xt.data();  // sorted row k at X + k * p
  const double* risk = w.risk.data();
  double* a = need_i ? w.a.data() : nullptr;
  double* a2 = need_i ? w.a2.data() : nullptr;
  auto axpy = [p](double* y, double alpha, const double* x) {
    Map(y, p).noalias() += alpha * CMap(x, p);
  };
  double denom = 0.0;
  // The deaths of block b all share the denominator `denom` (one death, or
  // Breslow ties): log-likelihood term, hazard increments, and the column
  // sqrt(deadwt) / denom * a of the information's rank update.
  auto deaths_at_once = [&](int b, double deadwt) {
    loglik -= deadwt * std::log(denom);
    if (need_u) w.h1[b] = w.h2[b] = deadwt / denom;
    if (need_i) {
      if (nbuf == detail::cox_chunk) flush_a();
      const double c = std::sqrt(deadwt) / denom;
      double* col = w.abuf.data() + static_cast<std::ptrdiff_t>(nbuf++) * p;
      Map(col, p) = c * CMap(a, p);
    }
  };
  // (start, stop] data: before the deaths of a block, the rows whose start
  // is at or after its time leave the risk set; when none of the weighted
  // rows is left the sums restart from exact zero (as agreg), so that
  // cancellation cannot accumulate
  const bool counting = d.counting;
  int eptr = 0;
  auto leave_risk_set = [&](int b) {
    const int q0 = d.block_entry[b];
    for (int q = q0; q < eptr; ++q) {
      const int k = d.entry[q];
      denom -= risk[k];
      if (need_i) axpy(a, -risk[k], X + static_cast<std::ptrdiff_t>(k) * p);
    }
    eptr = q0;
    if (d.block_reset[b]) {
      denom = 0.0;
      if (need_i) w.a.setZero();
    }
  };
  for (int b = d.nblock - 1; b >= 0; --b) {
    if (d.block_last[b]) {
      denom = 0.0;
      if (need_i) w.a.setZero();
      if (counting) eptr = d.entry_bound[d.stratum[d.block_start[b]] + 1];
    }
    const int s = d.block_start[b], e = d.block_start[b + 1];
    const int nd = d.block_ndead[b];
    if (s < ready) fill_risk(s);
    if (counting && nd > 0) leave_risk_set(b);
    if (e == s + 1) {
      // a block of one row (the usual case with continuous times): the same
      // arithmetic as the general code below, without the per-block sums
      const double r = risk[s];
      const double* xs = X + static_cast<std::ptrdiff_t>(s) * p;
      denom += r;
      if (need_i) axpy(a, r, xs);
      if (nd == 0) {
        if (need_u) w.h1[b] = w.h2[b] = 0.0;
        continue;
      }
      deaths_at_once(b, d.block_deadwt[b]);
      continue;
    }
    if (nd == 0) {
      for (int k = s; k < e; ++k) denom += risk[k];
      if (need_i) {
        for (int k = s; k < e; ++k) axpy(a, risk[k], X + static_cast<std::ptrdiff_t>(k) * p);
      }
      if (need_u) w.h1[b] = w.h2[b] = 0.0;
      continue;
    }
    double denom2 = 0.0;
    if (need_i) w.a2.setZero();
    for (int k = s; k < e; ++k) {
      if (d.status[k] == 0) {
        denom += risk[k];
        if (need_i) axpy(a, risk[k], X + static_cast<std::ptrdiff_t>(k) * p);
      } else {
        denom2 += risk[k];
        if (need_i) axpy(a2, risk[k], X + static_cast<std::ptrdiff_t>(k) * p);
      }
    }
    const double deadwt = d.block_deadwt[b];
    if (!efron || nd == 1) {
      denom += denom2;
      if (need_i) Map(a, p) += CMap(a2, p);
      deaths_at_once(b, deadwt);
    } else {
      const double wtave = deadwt / nd;
      const double dd = static_cast<double>(nd);
      double h1 = 0.0, h2 = 0.0, c0 = 0.0, c1 = 0.0, c2 = 0.0;
      for (int r = 0; r < nd; ++r) {
        denom += denom2 / dd;
        loglik -= wtave * std::log(denom);
        const double f = (r + 1) / dd;
        const double q = wtave / denom;
        h1 += q;
        h2 += q * f;
        const double q2 = q / denom;
        c0 += q2;
        c1 += q2 * f;
        c2 += q2 * f * f;
      }
      if (need_u) {
        w.h1[b] = h1;
        w.h2[b] = h2;
      }
      if (need_i) {
        // sum_r wtave/den_r^2 (aexcl + f_r a2)(aexcl + f_r a2)' as two
        // rank-one terms through the Cholesky factor of [[c0 c1][c1 c2]].
        const double l11 = std::sqrt(c0);
        const double l21 = c1 / l11;
        const double l22 = std::sqrt(std::max(c2 - l21 * l21, 0.0));
        if (nbuf + 2 > detail::cox_chunk) flush_a();
        double* col1 = w.abuf.data() + static_cast<std::ptrdiff_t>(nbuf++) * p;
        double* col2 = w.abuf.data() + static_cast<std::ptrdiff_t>(nbuf++) * p;
        Map(col1, p) = l11 * CMap(a, p) + l21 * CMap(a2, p);
        Map(col2, p) = l22 * CMap(a2, p);
        Map(a, p) += CMap(a2, p);
      }
    }
  }
  if (need_i) flush_a();
  w.loglik = loglik;
  if (!need_u) return loglik;

  // Forward pass: v_i = risk_i * H_i (H_i: the summed hazard increments
  // of the death times at which row i is at risk), fused with
  // U = sum_i (w_i status_i - v_i) x_i and the first information term
  // sum_i v_i x_i x_i' (rank-updated chunk by chunk)
  w.u.setZero(p);
  double* u = w.u.data();
  w.v.resize(detail::cox_chunk);
  double* vb = w.v.data();
  if (need_i) w.ybuf.resize(p, detail::cox_chunk);
  int c0 = 0, nrow = 0;  // rows c0 .. c0 + nrow - 1 have v in vb
  auto flush_y = [&]() {
    if (nrow > 0) {
      interrupt.poll(static_cast<std::uint64_t>(nrow));
      const double* xc = X + static_cast<std::ptrdiff_t>(c0) * p;
      if (need_i) {
        for (int k = 0; k < nrow; ++k) {
          CMap xk(xc + static_cast<std::ptrdiff_t>(k) * p, p);
          Map(u, p) += (d.wstatus[c0 + k] - vb[k]) * xk;
          Map(w.ybuf.data() + static_cast<std::ptrdiff_t>(k) * p, p) = std::sqrt(vb[k]) * xk;
        }
        w.imat.selfadjointView<Eigen::Lower>().rankUpdate(w.ybuf.leftCols(nrow), 1.0);
      } else {
        for (int k = 0; k < nrow; ++k) {
          Map(u, p) += (d.wstatus[c0 + k] - vb[k]) * CMap(xc + static_cast<std::ptrdiff_t>(k) * p, p);
        }
      }
      c0 += nrow;
      nrow = 0;
    }
  };
  // (start, stop] data: H_i sums the increments of the death times in
  // (start_i, stop_i]: the cumulative sum at stop_i minus the one at the
  // last block at or before start_i (hcum, within the stratum)
  if (counting) w.hcum.resize(d.nblock);
  double cum = 0.0;
  for (int b = 0; b < d.nblock; ++b) {
    if (d.block_first[b]) cum = 0.0;
    const int s = d.block_start[b], e = d.block_start[b + 1];
    double hc = cum, hd = cum;
    if (d.block_ndead[b] != 0) {
      hc = cum + w.h1[b];
      hd = cum + w.h2[b];
      cum += w.h1[b];
    }
    if (counting) {
      w.hcum[b] = cum;
      for (int k = s; k < e; ++k) {
        if (nrow == detail::cox_chunk) flush_y();
        const int sb = d.start_block[k];
        const double h0 = sb >= 0 ? w.hcum[sb] : 0.0;
        // (>= 0 in exact arithmetic; a rounding residue must not reach sqrt)
        vb[nrow++] = risk[k] * std::max((d.status[k] ? hd : hc) - h0, 0.0);
      }
      continue;
    }
    for (int k = s; k < e; ++k) {
      if (nrow == detail::cox_chunk) flush_y();
      vb[nrow++] = risk[k] * (d.status[k] ? hd : hc);
    }
  }
  flush_y();
  if (need_i) w.imat.triangularView<Eigen::StrictlyUpper>() = w.imat.transpose();
  return loglik;
}
}  // namespace detail

namespace detail {
// defined in cox_exact.hpp (included at the end of this file)
inline double cox_exact_evaluate(const CoxData& d, const double* beta_s, int what, CoxWork& w,
                                 Interrupt& intr, bool marginal);
}  // namespace detail

inline double cox_evaluate_scaled(const CoxData& d, const double* beta_s, CoxTies ties,
                                  int what, CoxWork& w, Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  if (ties == CoxTies::exact || ties == CoxTies::exact_marginal) {
    return detail::cox_exact_evaluate(d, beta_s, what, w, intr, ties == CoxTies::exact_marginal);
  }
  switch (d.p) {
    case 1: return detail::cox_evaluate_impl<1>(d, beta_s, ties, what, w, intr);
    case 2: return detail::cox_evaluate_impl<2>(d, beta_s, ties, what, w, intr);
    case 3: return detail::cox_evaluate_impl<3>(d, beta_s, ties, what, w, intr);
    case 4: return detail::cox_evaluate_impl<4>(d, beta_s, ties, what, w, intr);
    case 5: return detail::cox_evaluate_impl<5>(d, beta_s, ties, what, w, intr);
    case 6: return detail::cox_evaluate_impl<6>(d, beta_s, ties, what, w, intr);
    case 8: return detail::cox_evaluate_impl<8>(d, beta_s, ties, what, w, intr);
    case 10: return detail::cox_evaluate_impl<10>(d, beta_s, ties, what, w, intr);
    default: return detail::cox_evaluate_impl<Eigen::Dynamic>(d, beta_s, ties, what, w, intr);
  }
}

// Evaluate at beta in original units (nullptr = 0). U and I in original
// units in out.score / out.info (filled according to `what`).
inline double cox_evaluate(const CoxData& d, const double* beta, CoxTies ties,
                           int what, CoxWork& w, CoxEval& out,
                           Interrupt* interrupt = nullptr) {
  const int p = d.p;
  w.beta_s.resize(p);
  for (int j = 0; j < p; ++j) w.beta_s[j] = beta ? beta[j] / d.scale[j] : 0.0;
  out.loglik = cox_evaluate_scaled(d, w.beta_s.data(), ties, what, w, interrupt);
  if (what >= cox_what_score) {
    out.score.resize(p);
    for (int j = 0; j < p; ++j) out.score[j] = w.u[j] / d.scale[j];
  }
  if (what >= cox_what_info) {
    out.info.resize(p, p);
    for (int j = 0; j < p; ++j) {
      for (int i = 0; i < p; ++i) out.info(i, j) = w.imat(i, j) / (d.scale[i] * d.scale[j]);
    }
  }
  return out.loglik;
}

}  // namespace core
}  // namespace survstep

#include "cox_exact.hpp"

#endif
