// The log-rank family of k-sample tests for right-censored and counting-
// process (delayed entry) data: Mantel-Cox (log-rank), Gehan-Breslow,
// Tarone-Ware, Peto-Peto and Fleming-Harrington weights, stratified as
// survival::survdiff(), plus the 1-df trend test; optional case weights.
//
// Formulas (methods.md section 2). For each stratum and each distinct event
// time t, pooled over groups: n_t at risk, d_t events; per group n_gt, d_gt;
// test weight w_t. With case weights, n and d are sums of the weights (so
// that integer weights give the test on the data with each row repeated);
// for (start, stop] data a row is at risk at t when start < t <= stop. Then
//   observed_g = sum_t w_t d_gt          expected_g = sum_t w_t d_t n_gt / n_t
//   U_g = observed_g - expected_g
//   V_gh = sum_t w_t^2 d_t (n_t - d_t) / (n_t (n_t - 1)) n_gt (delta_gh - n_ht / n_t)
//          (no variance term when n_t <= 1)
//   X^2 = U' V^- U over the groups with expected > 0, the first of them dropped;
//   df = (number of groups with expected > 0) - 1.
//   trend: X^2 = (c'U)^2 / (c'Vc), 1 df.
// Weights: logrank 1; gehan_breslow n_t; tarone_ware sqrt(n_t); peto_peto
// S(t-), the left-continuous pooled Kaplan-Meier within the stratum;
// fleming_harrington S(t-)^p (1 - S(t-))^q; peto_prentice S~(t) =
// prod_{t_j <= t} (1 - d_j / (n_j + 1)) (SAS TEST=PETO); modified_peto
// S~(t) n_t / (n_t + 1) (SAS TEST=MODPETO). U and V are summed over strata.
// The arithmetic follows survdiff's order of operations (a backward pass
// within each stratum) so that observed/expected agree with survdiff to the
// last bits; per-stratum observed/expected are summed in long double, as R's
// sum() does.
//
// ---------------------------------------------------------------------------
// API (namespace survstep::core)
//
//   enum class LogrankWeight { logrank, gehan_breslow, tarone_ware,
//                              peto_peto, fleming_harrington,
//                              peto_prentice, modified_peto };
//   enum class LogrankStatus { ok, no_events, too_few_groups, singular,
//                              invalid_input, empty_interval };
//
//   struct LogrankOptions {            // defaults = survdiff(rho = 0)
//     LogrankWeight weight;            // logrank
//     double p, q;                     // 1, 0: Fleming-Harrington exponents
//     bool timefix;                    // true: merge near-tied times (aeqSurv)
//     double timefix_tol;              // sqrt(DBL_EPSILON)
//     int code_base;                   // 0: group/stratum codes start here
//   };                                 //    (pass 1 for R factor codes)
//
//   struct LogrankResult {             // filled by logrank_test()
//     int n_groups;
//     std::vector<double> n, events;   // rows and events per group (weighted)
//     std::vector<double> observed, expected;   // weighted as above
//     std::vector<double> var;         // k x k column-major V
//     std::vector<double> exposure;    // total time at risk per group
//     double total_events, statistic;  // X^2 (0 unless status ok/singular)
//     int df, rank;                    // df as survdiff; rank of the reduced V
//     LogrankStatus status;
//   };
//
//   struct LogrankWorkspace;           // scratch memory; reuse it across calls
//                                      // (no allocation once it has grown)
//
//   LogrankStatus logrank_test(const double* time, const int* status,
//       const int* group, const int* stratum /* nullptr: one stratum */,
//       std::size_t n, int n_groups, int n_strata,
//       const LogrankOptions& opt, LogrankWorkspace& ws, LogrankResult& out,
//       const double* weight = nullptr,   /* case weights >= 0; nullptr: 1 */
//       const double* start = nullptr,    /* entry times: (start, time] */
//       Interrupt* interrupt = nullptr,   /* polled in every long loop */
//       LogrankScores* scores = nullptr); /* per-row score ingredients
//                                            (right-censored data only) */
//     time: finite (the stop time of (start, stop] data, start < time);
//     status: 0/1; group in [code_base, code_base + n_groups);
//     stratum in [code_base, code_base + n_strata). Rows are sorted by the
//     risk-set layer (risk_sets.hpp); start and stop share one key and one
//     timefix. Status: ok; no_events (no event of positive weight);
//     too_few_groups (fewer than 2 groups with expected > 0; X^2 = 0,
//     df = 0); singular (the reduced V is rank deficient: X^2 uses a
//     generalised inverse and df = its rank); invalid_input (bad codes, NaN
//     times, status not 0/1, a weight that is negative or not finite,
//     start >= time, n_groups < 1); empty_interval (the timefix merged a
//     start time with its stop time). The k x k matrix V costs O(k^2)
//     memory and O(k^2) work per event time.
//
//   LogrankStatus logrank_trend(const LogrankResult& res, const double* scores,
//                               double& statistic, double& variance);
//     scores: n_groups finite numbers. statistic = (c'U)^2 / (c'Vc) (1 df),
//     variance = c'Vc; status singular (statistic NaN) when c'Vc <= 0.
//
//   LogrankStatus logrank_lr_exponential(const LogrankResult& res,
//                                        double& statistic, int& df);
//     the exponential likelihood-ratio test from events and exposure.
//
//   double logrank_p_value(double statistic, int df);   // upper chi-square tail
//
// Example (two groups, no strata), reusing the workspace in a loop:
//   survstep::core::LogrankWorkspace ws;
//   survstep::core::LogrankResult res;
//   survstep::core::LogrankOptions opt;
//   for (...) {
//     survstep::core::logrank_test(t, d, g, nullptr, 36, 2, 1, opt, ws, res);
//     double p = survstep::core::logrank_p_value(res.statistic, res.df);
//   }
// ---------------------------------------------------------------------------
#ifndef SURVSTEP_CORE_LOGRANK_HPP
#define SURVSTEP_CORE_LOGRANK_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "distributions.hpp"
#include "interrupt.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {

enum class LogrankWeight {
  logrank = 0,
  gehan_breslow = 1,
  tarone_ware = 2,
  peto_peto = 3,
  fleming_harrington = 4,
  peto_prentice = 5,  // S~(t) = prod_{t_j <= t} (1 - d_j / (n_j + 1)) (SAS PETO)
  modified_peto = 6   // S~(t) n_t / (n_t + 1) (SAS MODPETO)
};

enum class LogrankStatus {
  ok = 0,
  no_events = 1,
  too_few_groups = 2,
  singular = 3,
  invalid_input = 4,
  empty_interval = 5  // timefix merged the start and stop of an interval
};

struct LogrankOptions {
  LogrankWeight weight = LogrankWeight::logrank;
  double p = 1.0;
  double q = 0.0;
  bool timefix = true;
  double timefix_tol = 1.4901161193847656e-08;  // sqrt(.Machine$double.eps)
  int code_base = 0;
};

struct LogrankResult {
  int n_groups = 0;
  std::vector<double> n;
  std::vector<double> events;
  std::vector<double> observed;
  std::vector<double> expected;
  std::vector<double> var;
  std::vector<double> exposure;  // total time at risk per group (weighted)
  double total_events = 0.0;
  double statistic = 0.0;
  int df = 0;
  int rank = 0;
  LogrankStatus status = LogrankStatus::ok;
};

// The per-row ingredients of the (weighted) log-rank scores of right-
// censored data (methods.Rmd, "Permutation tests"): for row i in its
// stratum, weight[i] = w(t_i), the test weight at the row's time, and
// cumhaz[i] = sum_{t_j <= t_i} w(t_j) d_j / n_j over the event times of the
// stratum; the score is c_i = status_i weight[i] - cumhaz[i], and the sum of
// the scores over group g is U_g = observed_g - expected_g. Rows of one
// tie block (same stratum and time after the timefix) get bit-identical
// values. Filled by logrank_test() when a LogrankScores is passed.
struct LogrankScores {
  std::vector<double> weight;
  std::vector<double> cumhaz;
};

namespace detail {

// A row while sorting: the key of its time (risk_sets.hpp TimeKey), group * 2
// + status, and stratum (16 bytes, so that no gather is needed afterwards).
// This is the record of unweighted right-censored data (the fast path).
// (The empty constructor spares resize() from zeroing buffers that are
// overwritten anyway.)
struct SortRecord {
  SortRecord() {}  // NOLINT: deliberately leaves the members uninitialised
  std::uint64_t key;
  int payload;
  int stratum;
  double weight() const { return 1.0; }
  void set(double, int) {}
  int row() const { return 0; }
};

// The record of weighted or counting-process data: also the case weight and
// the row (to pair a start with its stop after the timefix).
struct SpanRecord {
  SpanRecord() {}  // NOLINT: as SortRecord
  std::uint64_t key;
  double w;
  int payload;
  int stratum;
  int r;
  double weight() const { return w; }
  void set(double weight, int row) {
    w = weight;
    r = row;
  }
  int row() const { return r; }
};

template <class Rec>
struct RecordBuffers {
  std::vector<Rec> exits, entries, tmp;
};

}  // namespace detail

// Scratch memory for logrank_test(); reuse one workspace across calls so
// that, once its buffers have grown, a call allocates nothing. Members are
// implementation details.
struct LogrankWorkspace {
  detail::RecordBuffers<detail::SortRecord> plain;
  detail::RecordBuffers<detail::SpanRecord> span;
  std::vector<std::size_t> hist;
  std::vector<std::size_t> strata_start;
  std::vector<std::size_t> entry_start;
  std::vector<std::uint64_t> start_key;
  std::vector<double> km;
  std::vector<double> km_blocks;
  std::vector<double> risk;
  std::vector<long long> count;
  std::vector<double> obs_s;
  std::vector<double> exp_s;
  std::vector<long double> obs_acc;
  std::vector<long double> exp_acc;
  // observed - expected accumulated per event time (not as the difference
  // of the two totals, which cancels catastrophically when a large weight
  // contributes o = e at a time of its own)
  std::vector<double> oe_s;
  std::vector<double> obs_t;
  std::vector<long double> oe_acc;
  std::vector<int> kept;
  std::vector<double> mat;
  std::vector<double> vec;
  std::vector<double> score_blocks;
};

namespace detail {

inline RecordBuffers<SortRecord>& buffers_of(LogrankWorkspace& ws, const SortRecord*) {
  return ws.plain;
}
inline RecordBuffers<SpanRecord>& buffers_of(LogrankWorkspace& ws, const SpanRecord*) {
  return ws.span;
}

// LDL' factorisation of a symmetric positive semi-definite m x m matrix A
// (column-major, overwritten: a[j + i*m] (j > i) holds L(j, i), a[i + i*m]
// holds D(i)); pivots below eps^0.75 * max|diag| are set to zero (a
// generalised inverse). Sets rank.
inline void ldl_ginv_factor(double* a, int m, int& rank, Interrupt& intr) {
  double max_diag = 0.0;
  for (int i = 0; i < m; ++i) max_diag = std::max(max_diag, std::fabs(a[i + i * m]));
  const double eps = std::pow(std::numeric_limits<double>::epsilon(), 0.75) * max_diag;
  rank = 0;
  for (int i = 0; i < m; ++i) {
    intr.poll(static_cast<std::uint64_t>(i + 1) * static_cast<std::uint64_t>(m));
    double d = a[i + i * m];
    for (int k = 0; k < i; ++k) d -= a[i + k * m] * a[i + k * m] * a[k + k * m];
    if (!(d > eps)) {
      a[i + i * m] = 0.0;
      for (int j = i + 1; j < m; ++j) a[j + i * m] = 0.0;
      continue;
    }
    ++rank;
    a[i + i * m] = d;
    for (int j = i + 1; j < m; ++j) {
      double s = a[j + i * m];
      for (int k = 0; k < i; ++k) s -= a[j + k * m] * a[i + k * m] * a[k + k * m];
      a[j + i * m] = s / d;
    }
  }
}

// b' A^- b from the factor of ldl_ginv_factor() (b overwritten).
inline double ldl_ginv_quad(const double* a, double* b, int m) {
  double stat = 0.0;
  for (int i = 0; i < m; ++i) {
    double z = b[i];
    for (int k = 0; k < i; ++k) z -= a[i + k * m] * b[k];
    b[i] = z;
    if (a[i + i * m] > 0.0) stat += z * z / a[i + i * m];
  }
  return stat;
}

// X^2 = b' A^- b (A and b overwritten); sets rank.
inline double quad_form_ginv(double* a, double* b, int m, int& rank, Interrupt& intr) {
  ldl_ginv_factor(a, m, rank, intr);
  return ldl_ginv_quad(a, b, m);
}

inline double quad_form_ginv(double* a, double* b, int m, int& rank) {
  Interrupt none;
  return quad_form_ginv(a, b, m, rank, none);
}

// Rows per interrupt poll in the O(n) passes.
constexpr std::size_t lr_chunk = 8192;

// The test on rows of record type Rec (SortRecord: unweighted right-
// censored data; SpanRecord: weights and/or (start, stop] data). Inputs
// have been validated by logrank_test().
template <class Rec>
LogrankStatus logrank_run(const double* time, const int* status, const int* group,
                          const int* stratum, const double* weight, const double* start,
                          std::size_t n, int k, int n_strata, const LogrankOptions& opt,
                          LogrankWorkspace& ws, LogrankResult& out, Interrupt& intr,
                          LogrankScores* scores = nullptr) {
  const std::size_t kk = static_cast<std::size_t>(k);
  const int base = opt.code_base;
  RecordBuffers<Rec>& buf = buffers_of(ws, static_cast<const Rec*>(nullptr));
  // risk sets (risk_sets.hpp): 1. sort all rows by time (the exits, by stop
  // time) and, for (start, stop] data, all rows by start time (the
  // entries), on one key; 2. timefix on the sorted times (global, start and
  // stop alike, as aeqSurv on the whole response); from here on, equal keys
  // mean equal times; 3. stable counting sort by stratum.
  const TimeKey tk = start ? make_time_key(start, n, time, n) : make_time_key(time, n);
  buf.exits.resize(n);
  for (std::size_t i0 = 0; i0 < n; i0 += lr_chunk) {
    const std::size_t i1 = std::min(n, i0 + lr_chunk);
    for (std::size_t i = i0; i < i1; ++i) {
      Rec& r = buf.exits[i];
      r.key = tk(time[i]);
      r.payload = 2 * (group[i] - base) + status[i];
      r.stratum = stratum ? stratum[i] - base : 0;
      r.set(weight ? weight[i] : 1.0, static_cast<int>(i));
    }
    intr.poll(i1 - i0);
  }
  auto key_of = [](const Rec& r) { return r.key; };
  sort_by_key(buf.exits, buf.tmp, key_of, ws.hist, &intr);
  if (start) {
    buf.entries.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Rec& r = buf.entries[i];
      r.key = tk(start[i]);
      r.payload = 2 * (group[i] - base);
      r.stratum = stratum ? stratum[i] - base : 0;
      r.set(weight ? weight[i] : 1.0, static_cast<int>(i));
    }
    sort_by_key(buf.entries, buf.tmp, key_of, ws.hist, &intr);
  } else {
    buf.entries.clear();
  }
  if (opt.timefix) {
    struct Seq {
      std::vector<Rec>& r;
      const TimeKey& tk;
      std::size_t size() const { return r.size(); }
      double get(std::size_t i) const { return tk.value(r[i].key); }
      void set(std::size_t i, double v) { r[i].key = tk(v); }
    } exit_seq{buf.exits, tk}, entry_seq{buf.entries, tk};
    const bool changed = start ? timefix_sorted(opt.timefix_tol, exit_seq, entry_seq)
                               : timefix_sorted(opt.timefix_tol, exit_seq);
    if (changed && start) {
      ws.start_key.resize(n);
      for (const Rec& r : buf.entries) ws.start_key[static_cast<std::size_t>(r.row())] = r.key;
      for (const Rec& r : buf.exits) {
        if (!(ws.start_key[static_cast<std::size_t>(r.row())] < r.key)) {
          out.status = LogrankStatus::empty_interval;
          return out.status;
        }
      }
    }
    intr.poll(n);
  }
  const bool stratified = stratum != nullptr && n_strata > 1;
  const std::size_t ns = static_cast<std::size_t>(n_strata);
  auto stratum_of = [](const Rec& r) { return r.stratum; };
  if (stratified) {
    group_by_code(buf.exits, buf.tmp, stratum_of, ns, ws.strata_start, &intr);
    if (start) {
      group_by_code(buf.entries, buf.tmp, stratum_of, ns, ws.entry_start, &intr);
    } else {
      ws.entry_start.assign(ns + 1, 0);
    }
  } else {
    ws.strata_start.assign(ns + 1, n);
    ws.strata_start[0] = 0;
    ws.entry_start.assign(ns + 1, buf.entries.size());
    ws.entry_start[0] = 0;
  }
  intr.poll(n);
  const Rec* rec = buf.exits.data();
  const Rec* ent = buf.entries.data();

  const bool need_km = opt.weight == LogrankWeight::peto_peto ||
                       opt.weight == LogrankWeight::fleming_harrington ||
                       opt.weight == LogrankWeight::peto_prentice ||
                       opt.weight == LogrankWeight::modified_peto;
  const bool tilde = opt.weight == LogrankWeight::peto_prentice ||
                     opt.weight == LogrankWeight::modified_peto;
  ws.risk.resize(kk);
  ws.count.resize(kk);
  ws.obs_s.resize(kk);
  ws.exp_s.resize(kk);
  ws.obs_acc.assign(kk, 0.0L);
  ws.exp_acc.assign(kk, 0.0L);
  ws.oe_s.resize(kk);
  ws.obs_t.assign(kk, 0.0);
  ws.oe_acc.assign(kk, 0.0L);
  double* risk = ws.risk.data();
  long long* count = ws.count.data();
  double* obs_s = ws.obs_s.data();
  double* exp_s = ws.exp_s.data();
  double* oe_s = ws.oe_s.data();
  double* obs_t = ws.obs_t.data();
  double* var = out.var.data();
  double* n_g = out.n.data();
  double* ev_g = out.events.data();

  for (std::size_t s = 0; s < ns; ++s) {
    const std::size_t lo = ws.strata_start[s], hi = ws.strata_start[s + 1];
    const std::size_t elo = ws.entry_start[s], ehi = ws.entry_start[s + 1];
    if (lo == hi) continue;
    std::fill(risk, risk + k, 0.0);
    std::fill(count, count + k, 0LL);
    std::fill(obs_s, obs_s + k, 0.0);
    std::fill(exp_s, exp_s + k, 0.0);
    std::fill(oe_s, oe_s + k, 0.0);

    // The pooled number at risk at each distinct exit time t of the stratum,
    // walking backwards: the weight of the rows with stop >= t less that of
    // the rows with start >= t (start < t <= stop; right-censored data have
    // no entries). Rows of positive weight are counted too, so that an
    // empty risk set is exactly empty whatever the rounding of the weights.
    struct Pooled {
      double nrisk = 0.0;
      long long rows = 0;
    };
    // left-continuous pooled Kaplan-Meier, one value per distinct time, in
    // the backward order of the blocks (ws.km[0] is the last time)
    ws.km.clear();
    if (need_km) {
      Pooled pool;
      std::size_t e = ehi;
      std::size_t i = hi;
      // pass 1 (backward): numbers at risk and deaths of each block, kept
      // in ws.km_blocks as pairs (nrisk, deaths)
      ws.km_blocks.clear();
      while (i > lo) {
        std::size_t j = i - 1;
        while (j > lo && rec[j - 1].key == rec[i - 1].key) --j;
        double deaths = 0.0;
        for (std::size_t r = i; r-- > j;) {
          pool.nrisk += rec[r].weight();
          pool.rows += rec[r].weight() > 0.0;
          deaths += (rec[r].payload & 1) * rec[r].weight();
        }
        const std::uint64_t t = rec[j].key;
        while (e > elo && ent[e - 1].key >= t) {
          --e;
          pool.nrisk -= ent[e].weight();
          pool.rows -= ent[e].weight() > 0.0;
        }
        if (pool.rows == 0) pool.nrisk = 0.0;
        ws.km_blocks.push_back(pool.nrisk);
        ws.km_blocks.push_back(deaths);
        i = j;
      }
      intr.poll(hi - lo);
      // pass 2 (forward in time): S(t-) of each block; for the Peto-
      // Prentice weights S~(t) = prod_{t_j <= t} (1 - d_j / (n_j + 1)),
      // which includes the block itself (times n_t / (n_t + 1) for the
      // modified Peto weights)
      const std::size_t nb = ws.km_blocks.size() / 2;
      ws.km.resize(nb);
      double km = 1.0;
      for (std::size_t b = nb; b-- > 0;) {
        const double nrisk = ws.km_blocks[2 * b], deaths = ws.km_blocks[2 * b + 1];
        if (tilde) {
          km = km * (nrisk + 1.0 - deaths) / (nrisk + 1.0);
          ws.km[b] = opt.weight == LogrankWeight::modified_peto ? km * nrisk / (nrisk + 1.0)
                                                                : km;
        } else {
          ws.km[b] = km;
          if (nrisk > 0.0) km = km * (nrisk - deaths) / nrisk;
        }
      }
    }
    std::size_t block = 0;
    // for the scores: per block (from the last time backwards) its first
    // row, its weight and its hazard increment w d / n
    ws.score_blocks.clear();

    // the test: backward pass, risk sets growing as time decreases (and,
    // for (start, stop] data, shrinking as the entries are passed)
    Pooled pool;
    std::size_t e = ehi;
    std::size_t i = hi;
    while (i > lo) {
      std::size_t j = i - 1;
      while (j > lo && rec[j - 1].key == rec[i - 1].key) --j;
      // block [j, i): the exits at one time
      double deaths = 0.0;
      for (std::size_t r = i; r-- > j;) {
        const int g = rec[r].payload >> 1;
        const double w = rec[r].weight();
        const double d = (rec[r].payload & 1) * w;
        deaths += d;
        pool.nrisk += w;
        pool.rows += w > 0.0;
        risk[g] += w;
        count[g] += w > 0.0;
        n_g[g] += w;
        ev_g[g] += d;
      }
      const std::uint64_t t = rec[j].key;
      while (e > elo && ent[e - 1].key >= t) {
        --e;
        const int g = ent[e].payload >> 1;
        const double w = ent[e].weight();
        pool.nrisk -= w;
        pool.rows -= w > 0.0;
        risk[g] -= w;
        count[g] -= w > 0.0;
        if (count[g] == 0) risk[g] = 0.0;
      }
      if (pool.rows == 0) pool.nrisk = 0.0;
      const double nrisk = pool.nrisk;
      double wt = 1.0;
      switch (opt.weight) {
        case LogrankWeight::logrank:
          break;
        case LogrankWeight::gehan_breslow:
          wt = nrisk;
          break;
        case LogrankWeight::tarone_ware:
          wt = std::sqrt(nrisk);
          break;
        case LogrankWeight::peto_peto:
        case LogrankWeight::peto_prentice:
        case LogrankWeight::modified_peto:
          wt = ws.km[block++];
          break;
        case LogrankWeight::fleming_harrington: {
          const double km = ws.km[block++];
          wt = std::pow(km, opt.p);
          if (opt.q != 0.0) wt *= std::pow(1.0 - km, opt.q);
          break;
        }
      }
      for (std::size_t r = i; r-- > j;) {
        const int g = rec[r].payload >> 1;
        const double o = (rec[r].payload & 1) * rec[r].weight() * wt;
        obs_s[g] += o;
        obs_t[g] += o;
      }
      if (scores) {
        ws.score_blocks.push_back(static_cast<double>(j));
        ws.score_blocks.push_back(wt);
        ws.score_blocks.push_back(deaths > 0.0 && nrisk > 0.0 ? wt * deaths / nrisk : 0.0);
      }
      if (deaths > 0.0 && nrisk > 0.0) {
        const double wd = wt * deaths;
        for (int g = 0; g < k; ++g) {
          const double e = wd * risk[g] / nrisk;
          exp_s[g] += e;
          oe_s[g] += obs_t[g] - e;
          obs_t[g] = 0.0;
        }
        // no variance term with one subject at risk (with weights: a
        // weighted number at risk of at most 1)
        if (nrisk > 1.0) {
          const double w2 = wt * wt;
          const double denom = nrisk * (nrisk - 1.0);
          for (int a = 0; a < k; ++a) {
            if (risk[a] == 0.0) continue;
            const double tmp = w2 * deaths * risk[a] * (nrisk - deaths) / denom;
            double* col = var + static_cast<std::size_t>(a) * kk;
            col[a] += tmp;
            // (a zero risk[b] subtracts an exact zero: no branch needed)
            for (int b = 0; b < k; ++b) col[b] -= tmp * risk[b] / nrisk;
          }
          intr.poll(kk * kk);
        }
      }
      if (deaths > 0.0 && !(nrisk > 0.0)) {
        for (int g = 0; g < k; ++g) {
          oe_s[g] += obs_t[g];
          obs_t[g] = 0.0;
        }
      }
      intr.poll(i - j + kk);
      i = j;
    }
    if (scores) {
      // forward in time: the cumulative hazard of each block, given to its
      // rows; block b (stored backwards) holds rows [first_b, first_{b-1})
      const std::size_t nb = ws.score_blocks.size() / 3;
      double cum = 0.0;
      for (std::size_t b = nb; b-- > 0;) {
        const std::size_t first = static_cast<std::size_t>(ws.score_blocks[3 * b]);
        const std::size_t last =
            b > 0 ? static_cast<std::size_t>(ws.score_blocks[3 * (b - 1)]) : hi;
        cum += ws.score_blocks[3 * b + 2];
        for (std::size_t r = first; r < last; ++r) {
          const std::size_t row = static_cast<std::size_t>(rec[r].row());
          scores->weight[row] = ws.score_blocks[3 * b + 1];
          scores->cumhaz[row] = cum;
        }
      }
      intr.poll(hi - lo);
    }
    for (std::size_t g = 0; g < kk; ++g) {
      ws.obs_acc[g] += obs_s[g];
      ws.exp_acc[g] += exp_s[g];
      ws.oe_acc[g] += oe_s[g];
    }
  }
  double total_events = 0.0;
  for (std::size_t g = 0; g < kk; ++g) {
    out.observed[g] = static_cast<double>(ws.obs_acc[g]);
    out.expected[g] = static_cast<double>(ws.exp_acc[g]);
    total_events += out.events[g];
  }
  out.total_events = total_events;
  if (!(total_events > 0.0)) {
    out.status = LogrankStatus::no_events;
    return out.status;
  }

  // X^2 over the groups with expected > 0, the first of them dropped
  ws.kept.clear();
  for (int g = 0; g < k; ++g) {
    if (out.expected[g] > 0.0) ws.kept.push_back(g);
  }
  const int m = static_cast<int>(ws.kept.size()) - 1;
  if (m < 1) {
    out.status = LogrankStatus::too_few_groups;
    return out.status;
  }
  const std::size_t mm = static_cast<std::size_t>(m);
  ws.mat.resize(mm * mm);
  ws.vec.resize(mm);
  for (int a = 0; a < m; ++a) {
    const int ga = ws.kept[a + 1];
    ws.vec[a] = static_cast<double>(ws.oe_acc[ga]);
    for (int b = 0; b < m; ++b) {
      const int gb = ws.kept[b + 1];
      ws.mat[a + b * mm] = var[ga + gb * kk];
    }
  }
  int rank = 0;
  out.statistic = quad_form_ginv(ws.mat.data(), ws.vec.data(), m, rank, intr);
  out.rank = rank;
  if (rank < m) {
    out.df = rank;
    out.status = LogrankStatus::singular;
  } else {
    out.df = m;
    out.status = LogrankStatus::ok;
  }
  return out.status;
}

}  // namespace detail

inline LogrankStatus logrank_test(const double* time, const int* status, const int* group,
                                  const int* stratum, std::size_t n, int n_groups,
                                  int n_strata, const LogrankOptions& opt,
                                  LogrankWorkspace& ws, LogrankResult& out,
                                  const double* weight = nullptr,
                                  const double* start = nullptr,
                                  Interrupt* interrupt = nullptr,
                                  LogrankScores* scores = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int k = n_groups;
  out.n_groups = k;
  out.total_events = 0.0;
  out.statistic = 0.0;
  out.df = 0;
  out.rank = 0;
  if (k < 1 || n_strata < 1 ||
      n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    out.status = LogrankStatus::invalid_input;
    return out.status;
  }
  const std::size_t kk = static_cast<std::size_t>(k);
  out.n.assign(kk, 0.0);
  out.events.assign(kk, 0.0);
  out.observed.assign(kk, 0.0);
  out.expected.assign(kk, 0.0);
  out.var.assign(kk * kk, 0.0);
  out.exposure.assign(kk, 0.0);

  const int base = opt.code_base;
  for (std::size_t i = 0; i < n; ++i) {
    const int g = group[i] - base;
    const int s = stratum ? stratum[i] - base : 0;
    if (g < 0 || g >= k || s < 0 || s >= n_strata || std::isnan(time[i]) ||
        (status[i] != 0 && status[i] != 1) ||
        (weight && !(weight[i] >= 0.0 && weight[i] <= std::numeric_limits<double>::max())) ||
        (start && !(start[i] < time[i] && start[i] >= -std::numeric_limits<double>::max()))) {
      out.status = LogrankStatus::invalid_input;
      return out.status;
    }
    out.exposure[static_cast<std::size_t>(g)] +=
        (weight ? weight[i] : 1.0) * (start ? time[i] - start[i] : time[i]);
  }
  intr.poll(n);
  if (scores) {
    if (start) {
      out.status = LogrankStatus::invalid_input;
      return out.status;
    }
    scores->weight.assign(n, 0.0);
    scores->cumhaz.assign(n, 0.0);
  }
  if (weight || start || scores) {
    return out.status = detail::logrank_run<detail::SpanRecord>(
               time, status, group, stratum, weight, start, n, k, n_strata, opt, ws, out,
               intr, scores);
  }
  return out.status = detail::logrank_run<detail::SortRecord>(
             time, status, group, stratum, nullptr, nullptr, n, k, n_strata, opt, ws, out,
             intr);
}

inline LogrankStatus logrank_trend(const LogrankResult& res, const double* scores,
                                   double& statistic, double& variance) {
  const int k = res.n_groups;
  const std::size_t kk = static_cast<std::size_t>(k);
  statistic = std::numeric_limits<double>::quiet_NaN();
  variance = std::numeric_limits<double>::quiet_NaN();
  if (k < 1 || res.var.size() != kk * kk || res.observed.size() != kk) {
    return LogrankStatus::invalid_input;
  }
  double cu = 0.0;
  double cvc = 0.0;
  for (std::size_t a = 0; a < kk; ++a) {
    if (!std::isfinite(scores[a])) return LogrankStatus::invalid_input;
    cu += scores[a] * (res.observed[a] - res.expected[a]);
    double row = 0.0;
    for (std::size_t b = 0; b < kk; ++b) row += res.var[a + b * kk] * scores[b];
    cvc += scores[a] * row;
  }
  variance = cvc;
  // c'Vc is zero in exact arithmetic for constant scores; allow for rounding
  double scale = 0.0;
  for (std::size_t a = 0; a < kk; ++a)
    scale = std::max(scale, std::fabs(res.var[a + a * kk]));
  double cmax = 0.0;
  for (std::size_t a = 0; a < kk; ++a) cmax = std::max(cmax, std::fabs(scores[a]));
  if (!(cvc > 1e-12 * scale * cmax * cmax)) return LogrankStatus::singular;
  statistic = cu * cu / cvc;
  return LogrankStatus::ok;
}

// The likelihood-ratio test of equal exponential hazards (Lawless 1982,
// section 3.5; SAS PROC LIFETEST's "-2Log(LR)"): with N_g events and total
// time at risk T_g in group g (res.events, res.exposure), N = sum N_g and
// T = sum T_g,
//   X^2 = 2 N log(T / N) - 2 sum_g N_g log(T_g / N_g)   (N_g log(.) = 0 when
//   N_g = 0), df = (number of groups with T_g > 0) - 1.
// Status: no_events (N = 0); too_few_groups (fewer than 2 groups with time
// at risk); invalid_input (a group with events but no time at risk).
inline LogrankStatus logrank_lr_exponential(const LogrankResult& res, double& statistic,
                                            int& df) {
  statistic = 0.0;
  df = 0;
  const std::size_t kk = static_cast<std::size_t>(res.n_groups);
  if (res.events.size() != kk || res.exposure.size() != kk) return LogrankStatus::invalid_input;
  double nn = 0.0, tt = 0.0, sum = 0.0;
  int used = 0;
  for (std::size_t g = 0; g < kk; ++g) {
    const double ng = res.events[g], tg = res.exposure[g];
    if (!(tg > 0.0)) {
      if (ng > 0.0) return LogrankStatus::invalid_input;
      continue;
    }
    ++used;
    nn += ng;
    tt += tg;
    if (ng > 0.0) sum += ng * std::log(tg / ng);
  }
  if (!(nn > 0.0)) return LogrankStatus::no_events;
  if (used < 2) return LogrankStatus::too_few_groups;
  // rounding can make a statistic that is zero in exact arithmetic negative
  statistic = std::max(0.0, 2.0 * nn * std::log(tt / nn) - 2.0 * sum);
  df = used - 1;
  return LogrankStatus::ok;
}

inline double logrank_p_value(double statistic, int df) {
  return chisq_upper(statistic, static_cast<double>(df));
}

}  // namespace core
}  // namespace survstep

#endif
