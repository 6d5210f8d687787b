// The log-rank family of k-sample tests for right-censored data: Mantel-Cox
// (log-rank), Gehan-Breslow, Tarone-Ware, Peto-Peto and Fleming-Harrington
// weights, stratified as survival::survdiff(), plus the 1-df trend test.
//
// Formulas (methods.md section 2). For each stratum and each distinct event
// time t, pooled over groups: n_t at risk, d_t events; per group n_gt, d_gt;
// test weight w_t. Then
//   observed_g = sum_t w_t d_gt          expected_g = sum_t w_t d_t n_gt / n_t
//   U_g = observed_g - expected_g
//   V_gh = sum_t w_t^2 d_t (n_t - d_t) / (n_t (n_t - 1)) n_gt (delta_gh - n_ht / n_t)
//          (no variance term when n_t == 1)
//   X^2 = U' V^- U over the groups with expected > 0, the first of them dropped;
//   df = (number of groups with expected > 0) - 1.
//   trend: X^2 = (c'U)^2 / (c'Vc), 1 df.
// Weights: logrank 1; gehan_breslow n_t; tarone_ware sqrt(n_t); peto_peto
// S(t-), the left-continuous pooled Kaplan-Meier within the stratum;
// fleming_harrington S(t-)^p (1 - S(t-))^q. U and V are summed over strata.
// The arithmetic follows survdiff's order of operations (a backward pass
// within each stratum) so that observed/expected agree with survdiff to the
// last bits; per-stratum observed/expected are summed in long double, as R's
// sum() does.
//
// ---------------------------------------------------------------------------
// API (namespace survstep::core)
//
//   enum class LogrankWeight { logrank, gehan_breslow, tarone_ware,
//                              peto_peto, fleming_harrington };
//   enum class LogrankStatus { ok, no_events, too_few_groups, singular,
//                              invalid_input };
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
//     std::vector<double> n, events;   // rows and (unweighted) events per group
//     std::vector<double> observed, expected;   // weighted as above
//     std::vector<double> var;         // k x k column-major V
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
//       const LogrankOptions& opt, LogrankWorkspace& ws, LogrankResult& out);
//     time: finite; status: 0/1; group in [code_base, code_base + n_groups);
//     stratum in [code_base, code_base + n_strata). Rows are sorted by the
//     risk-set layer (risk_sets.hpp). Status: ok; no_events (no event
//     at all); too_few_groups (fewer than 2 groups with expected > 0; X^2 = 0,
//     df = 0); singular (the reduced V is rank deficient: X^2 uses a
//     generalised inverse and df = its rank); invalid_input (bad codes, NaN
//     times, status not 0/1, n_groups < 1).
//
//   LogrankStatus logrank_trend(const LogrankResult& res, const double* scores,
//                               double& statistic, double& variance);
//     scores: n_groups finite numbers. statistic = (c'U)^2 / (c'Vc) (1 df),
//     variance = c'Vc; status singular (statistic NaN) when c'Vc <= 0.
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
#include "risk_sets.hpp"

namespace survstep {
namespace core {

enum class LogrankWeight {
  logrank = 0,
  gehan_breslow = 1,
  tarone_ware = 2,
  peto_peto = 3,
  fleming_harrington = 4
};

enum class LogrankStatus {
  ok = 0,
  no_events = 1,
  too_few_groups = 2,
  singular = 3,
  invalid_input = 4
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
  double total_events = 0.0;
  double statistic = 0.0;
  int df = 0;
  int rank = 0;
  LogrankStatus status = LogrankStatus::ok;
};

namespace detail {

// A row while sorting: the key of its time (risk_sets.hpp TimeKey), group * 2
// + status, and stratum (16 bytes, so that no gather is needed afterwards).
// (The empty constructor spares resize() from zeroing buffers that are
// overwritten anyway.)
struct SortRecord {
  SortRecord() {}  // NOLINT: deliberately leaves the members uninitialised
  std::uint64_t key;
  int payload;
  int stratum;
};

}  // namespace detail

// Scratch memory for logrank_test(); reuse one workspace across calls so
// that, once its buffers have grown, a call allocates nothing. Members are
// implementation details.
struct LogrankWorkspace {
  std::vector<detail::SortRecord> keys;
  std::vector<detail::SortRecord> keys_tmp;
  std::vector<std::size_t> hist;
  std::vector<std::size_t> strata_start;
  std::vector<double> km;
  std::vector<double> risk;
  std::vector<double> obs_s;
  std::vector<double> exp_s;
  std::vector<long double> obs_acc;
  std::vector<long double> exp_acc;
  std::vector<int> kept;
  std::vector<double> mat;
  std::vector<double> vec;
};

namespace detail {

// X^2 = b' A^- b for a symmetric positive semi-definite m x m matrix A
// (column-major, overwritten) through an LDL' factorisation; pivots below
// tol * max|diag| are treated as zero (generalised inverse). Sets rank.
inline double quad_form_ginv(double* a, double* b, int m, int& rank) {
  double max_diag = 0.0;
  for (int i = 0; i < m; ++i) max_diag = std::max(max_diag, std::fabs(a[i + i * m]));
  const double eps = std::pow(std::numeric_limits<double>::epsilon(), 0.75) * max_diag;
  rank = 0;
  // a[j + i*m] (j > i) holds L(j, i); a[i + i*m] holds D(i)
  for (int i = 0; i < m; ++i) {
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
  double stat = 0.0;
  for (int i = 0; i < m; ++i) {
    double z = b[i];
    for (int k = 0; k < i; ++k) z -= a[i + k * m] * b[k];
    b[i] = z;
    if (a[i + i * m] > 0.0) stat += z * z / a[i + i * m];
  }
  return stat;
}

}  // namespace detail

inline LogrankStatus logrank_test(const double* time, const int* status, const int* group,
                                  const int* stratum, std::size_t n, int n_groups,
                                  int n_strata, const LogrankOptions& opt,
                                  LogrankWorkspace& ws, LogrankResult& out) {
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

  const int base = opt.code_base;
  for (std::size_t i = 0; i < n; ++i) {
    const int g = group[i] - base;
    const int s = stratum ? stratum[i] - base : 0;
    if (g < 0 || g >= k || s < 0 || s >= n_strata || std::isnan(time[i]) ||
        (status[i] != 0 && status[i] != 1)) {
      out.status = LogrankStatus::invalid_input;
      return out.status;
    }
  }
  // risk sets (risk_sets.hpp): 1. sort all rows by time; 2. timefix on the
  // sorted times (global, as aeqSurv on the whole response); from here on,
  // equal keys mean equal times; 3. stable counting sort by stratum.
  const TimeKey tk = make_time_key(time, n);
  ws.keys.resize(n);
  detail::SortRecord* keys = ws.keys.data();
  for (std::size_t i = 0; i < n; ++i) {
    keys[i].key = tk(time[i]);
    keys[i].payload = 2 * (group[i] - base) + status[i];
    keys[i].stratum = stratum ? stratum[i] - base : 0;
  }
  sort_by_key(
      ws.keys, ws.keys_tmp, [](const detail::SortRecord& r) { return r.key; }, ws.hist);
  if (opt.timefix) {
    struct Seq {
      std::vector<detail::SortRecord>& r;
      const TimeKey& tk;
      std::size_t size() const { return r.size(); }
      double get(std::size_t i) const { return tk.value(r[i].key); }
      void set(std::size_t i, double v) { r[i].key = tk(v); }
    } seq{ws.keys, tk};
    timefix_sorted(opt.timefix_tol, seq);
  }
  const bool stratified = stratum != nullptr && n_strata > 1;
  if (stratified) {
    group_by_code(
        ws.keys, ws.keys_tmp, [](const detail::SortRecord& r) { return r.stratum; },
        static_cast<std::size_t>(n_strata), ws.strata_start);
  } else {
    ws.strata_start.assign(static_cast<std::size_t>(n_strata) + 1, n);
    ws.strata_start[0] = 0;
  }
  const std::size_t* sstart = ws.strata_start.data();
  const detail::SortRecord* rec = ws.keys.data();

  const bool need_km = opt.weight == LogrankWeight::peto_peto ||
                       opt.weight == LogrankWeight::fleming_harrington;
  ws.risk.resize(kk);
  ws.obs_s.resize(kk);
  ws.exp_s.resize(kk);
  ws.obs_acc.assign(kk, 0.0L);
  ws.exp_acc.assign(kk, 0.0L);
  double* risk = ws.risk.data();
  double* obs_s = ws.obs_s.data();
  double* exp_s = ws.exp_s.data();
  double* var = out.var.data();
  double* n_g = out.n.data();
  double* ev_g = out.events.data();

  for (int s = 0; s < n_strata; ++s) {
    const std::size_t lo = sstart[s];
    const std::size_t hi = sstart[s + 1];
    if (lo == hi) continue;
    std::fill(risk, risk + k, 0.0);
    std::fill(obs_s, obs_s + k, 0.0);
    std::fill(exp_s, exp_s + k, 0.0);

    // left-continuous pooled Kaplan-Meier, one value per distinct time
    ws.km.clear();
    if (need_km) {
      double km = 1.0;
      std::size_t i = lo;
      while (i < hi) {
        const double nrisk = static_cast<double>(hi - i);
        double deaths = 0.0;
        std::size_t j = i;
        while (j < hi && rec[j].key == rec[i].key) {
          deaths += rec[j].payload & 1;
          ++j;
        }
        ws.km.push_back(km);
        km = km * (nrisk - deaths) / nrisk;
        i = j;
      }
    }
    std::size_t block = ws.km.size();

    // backward pass: risk sets grow as time decreases
    std::size_t i = hi;
    while (i > lo) {
      std::size_t j = i - 1;
      while (j > lo && rec[j - 1].key == rec[i - 1].key) --j;
      // block [j, i)
      const double nrisk = static_cast<double>(hi - j);
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
          wt = ws.km[--block];
          break;
        case LogrankWeight::fleming_harrington: {
          const double km = ws.km[--block];
          wt = std::pow(km, opt.p);
          if (opt.q != 0.0) wt *= std::pow(1.0 - km, opt.q);
          break;
        }
      }
      double deaths = 0.0;
      for (std::size_t r = i; r-- > j;) {
        const int g = rec[r].payload >> 1;
        const int d = rec[r].payload & 1;
        deaths += d;
        risk[g] += 1.0;
        obs_s[g] += d * wt;
        n_g[g] += 1.0;
        ev_g[g] += d;
      }
      if (deaths > 0.0) {
        const double wd = wt * deaths;
        for (int g = 0; g < k; ++g) exp_s[g] += wd * risk[g] / nrisk;
        if (nrisk != 1.0) {
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
        }
      }
      i = j;
    }
    for (std::size_t g = 0; g < kk; ++g) {
      ws.obs_acc[g] += obs_s[g];
      ws.exp_acc[g] += exp_s[g];
    }
  }
  double total_events = 0.0;
  for (std::size_t g = 0; g < kk; ++g) {
    out.observed[g] = static_cast<double>(ws.obs_acc[g]);
    out.expected[g] = static_cast<double>(ws.exp_acc[g]);
    total_events += out.events[g];
  }
  out.total_events = total_events;
  if (total_events == 0.0) {
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
    ws.vec[a] = out.observed[ga] - out.expected[ga];
    for (int b = 0; b < m; ++b) {
      const int gb = ws.kept[b + 1];
      ws.mat[a + b * mm] = var[ga + gb * kk];
    }
  }
  int rank = 0;
  out.statistic = detail::quad_form_ginv(ws.mat.data(), ws.vec.data(), m, rank);
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

inline double logrank_p_value(double statistic, int df) {
  return chisq_upper(statistic, static_cast<double>(df));
}

}  // namespace core
}  // namespace survstep

#endif
