// Weighted Kaplan-Meier estimation and its summaries (pure C++17).
//
// Formulas: shared/spec/methods.md section 1 (Collett 2015; Klein and
// Moeschberger 2003; Therneau and Grambsch 2000). Results agree with
// survival::survfit() (stype = 1, ctype = 1, Greenwood variance) and with the
// tables of print.survfit() / summary.survfit().
//
// ---------------------------------------------------------------------------
// API (everything in namespace survstep::core)
// ---------------------------------------------------------------------------
// Input rows:
//   struct KmRow { double time; double weight; int status; int group; };
//
// Storage of one or more curves, concatenated; curve c occupies the index
// range [offset[c], offset[c + 1]) of every column:
//   struct KmCurves {
//     std::vector<double> time, n_risk, n_event, n_censor, surv, cumvar;
//     std::vector<std::size_t> offset;               // starts as {0}
//     std::size_t n_curves() const;
//     KmView curve(std::size_t c) const;              // borrowed view
//     void clear();                                   // keeps capacity
//   };
//   time      all distinct times of the curve (event or censor, as survfit)
//   n_risk    weighted number at risk at time (time >= t)
//   n_event   weighted events at time;  n_censor  weighted censorings
//   surv      Kaplan-Meier S(t)
//   cumvar    Greenwood sum  sum_{t_j <= t} d_j / (n_j (n_j - d_j));
//             +infinity from the first time at which n_j == d_j (S = 0).
//             sqrt(cumvar) is survfit's `std.err` (SE of -log S); the SE of
//             S itself is surv * sqrt(cumvar) (see greenwood_se()).
//
// Scratch space, reusable across calls (keeps its capacity):
//   struct KmWork { std::vector<KmRow> rows, scratch;
//                   std::vector<std::size_t> count; };
//
// Building curves (no allocation once `out` / `work` have capacity):
//   void km_append_sorted(const KmRow* rows, std::size_t n, bool reverse,
//                         KmCurves& out);
//       rows of ONE curve sorted by time ascending (ties in any order);
//       appends one curve in a single pass (+ one pass over distinct times).
//   void km_single(const double* time, const int* status,
//                  const double* weight /* nullptr: all 1 */, std::size_t n,
//                  KmCurves& out, KmWork& work, bool reverse = false);
//       one curve from rows in any order (sorts a copy in `work`).
//   void km_fit(const double* time, const int* status, const double* weight,
//               const int* group /* nullptr: one curve; else 0..n_groups-1 */,
//               std::size_t n, int n_groups, double timefix_tol, bool reverse,
//               KmCurves& out, KmWork& work, Interrupt* interrupt = nullptr);
//       several curves: one sort of all rows by time, survival's timefix
//       merge of near-tied times (timefix_tol <= 0: off), a stable counting
//       sort by group, one pass per curve. Empty groups give empty curves.
//   KmStatus km_fit_counting(const double* start, const double* stop,
//               const int* status, const double* weight, const int* group,
//               std::size_t n, int n_groups, double timefix_tol,
//               KmCurves& out, KmCountingWork& work,
//               Interrupt* interrupt = nullptr);
//       counting-process data (delayed entry, left truncation): rows
//       (start, stop] with start < stop; one time per distinct stop time t,
//       n_risk = weight of the rows with start < t <= stop (as survfit()).
//       Start and stop share the timefix; a row it merges into an empty
//       interval gives KmStatus::empty_interval. Sorting, timefix and the
//       grouping of both go through risk_sets.hpp.
//   `interrupt` (interrupt.hpp) is polled in every O(n) pass (Ctrl-C).
//   `reverse = true` gives the reverse (censoring) Kaplan-Meier of
//   Schemper and Smith: censorings are the events, deaths the censorings,
//   and a death is not at risk of censoring at its own time.
//   status: 1 = event, 0 = censored.
//
// Summaries of one curve (no allocation, O(size) or O(log size)):
//   struct KmView { const double *time, *n_risk, *n_event, *surv, *cumvar;
//                   std::size_t size; };
//   double greenwood_se(double surv, double cumvar);   // NaN once S = 0
//   KmInterval km_conf_int(double surv, double cumvar, double z,
//                          ConfType type);          // survfit's bands
//   KmAt km_at(const KmView& v, double t);            // S(t), n.risk(t)
//       (before the first time: S = 1 and summary.survfit's CI is 1 to 1)
//   KmQuantile km_quantile_survival(const KmView& v, double prob, double z,
//                                   ConfType type);
//       print.survfit's median rule generalised to S = 1 - prob; CI from
//       the pointwise bands (Brookmeyer-Crowley style); std_error is NaN.
//   KmQuantile km_quantile_survfit(const KmView& v, double prob, double z,
//                                  ConfType type);
//       survival::quantile.survfit's rule: as print.survfit on S, except
//       that a flat stretch at exactly 1 - prob to the end of the curve
//       gives the midpoint of its start and the curve's last time; on the
//       bands (which need not be monotone) the value closest to 1 - prob
//       from below among their distinct values, as quantile.survfit's
//       approx() search finds it.
//   KmQuantile km_quantile_sas(const KmView& v, double prob, double z,
//                              ConfType type);
//       SAS LIFETEST: (inf{t: S(t) <= 1-p} + inf{t: S(t) < 1-p}) / 2, not
//       estimable (NaN) when the second does not exist; CI the set
//       {t: |g(S(t)) - g(1-p)| <= z g'(S(t)) se(S(t))} (Brookmeyer-Crowley,
//       g from `type`), from its first time to the event time after it
//       (NaN when there is none, or when S is 0 from that time on).
//   KmQuantile km_quantile_spss(const KmView& v, double prob, bool truncate,
//                               double z = 1.96);
//       SPSS: first time with S <= 1 - prob; Collett's density SE; CI
//       estimate -/+ z SE, lower end truncated at 0 when `truncate`.
//   KmMean km_mean_restricted(const KmView& v, double z = 1.96);
//       area under S from 0 to the curve's own largest time, SE as
//       summary(survfit, rmean = "individual"), CI mean -/+ z SE.
// NaN marks "not available" everywhere (R turns it into NA).
#ifndef SURVSTEP_CORE_KM_HPP
#define SURVSTEP_CORE_KM_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "interrupt.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {

enum class ConfType : int { log = 0, log_log = 1, plain = 2 };

struct KmRow {
  double time;
  double weight;
  int status;
  int group;
};

struct KmView {
  const double* time;
  const double* n_risk;
  const double* n_event;
  const double* surv;
  const double* cumvar;
  std::size_t size;
};

struct KmCurves {
  std::vector<double> time, n_risk, n_event, n_censor, surv, cumvar;
  std::vector<std::size_t> offset{0};

  std::size_t n_curves() const { return offset.size() - 1; }
  std::size_t size() const { return time.size(); }

  KmView curve(std::size_t c) const {
    const std::size_t a = offset[c];
    return KmView{time.data() + a, n_risk.data() + a, n_event.data() + a,
                  surv.data() + a, cumvar.data() + a, offset[c + 1] - a};
  }

  void clear() {
    time.clear();
    n_risk.clear();
    n_event.clear();
    n_censor.clear();
    surv.clear();
    cumvar.clear();
    offset.assign(1, 0);
  }

  void reserve(std::size_t n) {
    time.reserve(n);
    n_risk.reserve(n);
    n_event.reserve(n);
    n_censor.reserve(n);
    surv.reserve(n);
    cumvar.reserve(n);
  }
};

struct KmWork {
  std::vector<KmRow> rows;
  std::vector<KmRow> scratch;
  std::vector<std::size_t> count;
};

// A row of counting-process data, (start, stop], keyed by one of its times.
struct KmSpanRow {
  double time;
  double weight;
  int status;
  int group;
  int row;
};

struct KmCountingWork {
  std::vector<KmSpanRow> exits, entries, scratch;
  std::vector<std::size_t> hist, exit_start, entry_start;
  std::vector<double> start;
};

enum class KmStatus : int {
  ok = 0,
  empty_interval = 1  // timefix merged a start time with its stop time
};

struct KmInterval {
  double lower;
  double upper;
};

struct KmAt {
  double n_risk;      // weighted number at risk at t (0 after the last time)
  double surv;        // S(t); NaN after the last follow-up unless S reached 0
  double cumvar;      // Greenwood sum at t (NaN when surv is NaN)
  bool before_first;  // t precedes the curve's first time (S = 1, CI 1-1)
};

struct KmQuantile {
  double estimate;
  double std_error;
  double lower;
  double upper;
};

struct KmMean {
  double mean;
  double std_error;
  double lower;
  double upper;
};

namespace detail {

constexpr double nan_value() { return std::numeric_limits<double>::quiet_NaN(); }

// sqrt(.Machine$double.eps), the tolerance survival uses for S == p.
constexpr double surv_tol() { return 1.4901161193847656e-08; }

// Rows of KmWork sorted by time through the risk-set layer (risk_sets.hpp);
// with `timefix_tol` > 0 near-tied times are then merged (survival::aeqSurv).
inline void sort_rows_by_time(KmWork& work, double timefix_tol,
                              Interrupt* interrupt = nullptr) {
  std::vector<KmRow>& rows = work.rows;
  const std::size_t n = rows.size();
  const TimeKey tk = make_time_key_of(n, [&rows](std::size_t i) { return rows[i].time; });
  if (interrupt) interrupt->poll(n);
  sort_by_key(
      rows, work.scratch, [tk](const KmRow& r) { return tk(r.time); }, work.count,
      interrupt);
  struct Seq {
    std::vector<KmRow>& r;
    std::size_t size() const { return r.size(); }
    double get(std::size_t i) const { return r[i].time; }
    void set(std::size_t i, double v) { r[i].time = v; }
  } seq{rows};
  timefix_sorted(timefix_tol, seq);
  if (interrupt) interrupt->poll(n);
}

// Rows per interrupt poll while copying the input.
constexpr std::size_t km_chunk = 8192;

}  // namespace detail

// Greenwood SE of S from S and the Greenwood sum; NaN once S has reached 0
// (as summary.survfit).
inline double greenwood_se(double surv, double cumvar) {
  if (!(surv > 0.0) || !std::isfinite(cumvar)) return detail::nan_value();
  return surv * std::sqrt(cumvar);
}

// Pointwise confidence interval as survival:::survfit_confint (logse = TRUE,
// upper limit capped at 1 for "log" and "plain"); NaN where survfit gives NA.
inline KmInterval km_conf_int(double surv, double cumvar, double z, ConfType type) {
  const double na = detail::nan_value();
  if (std::isnan(surv) || std::isnan(cumvar)) return {na, na};
  const double se = std::sqrt(cumvar);
  switch (type) {
    case ConfType::plain: {
      if (surv == 0.0 || !std::isfinite(se)) return {na, na};
      const double se2 = se * surv * z;
      return {std::max(surv - se2, 0.0), std::min(surv + se2, 1.0)};
    }
    case ConfType::log: {
      if (surv == 0.0 || !std::isfinite(se)) return {na, na};
      const double se2 = z * se;
      const double lp = std::log(surv);
      return {std::exp(lp - se2), std::min(std::exp(lp + se2), 1.0)};
    }
    case ConfType::log_log: {
      if (surv == 0.0 || surv == 1.0 || !std::isfinite(se)) return {na, na};
      const double ls = std::log(surv);
      const double se2 = z * se / ls;
      const double ll = std::log(-ls);
      return {std::exp(-std::exp(ll - se2)), std::exp(-std::exp(ll + se2))};
    }
  }
  return {na, na};
}

namespace detail {

// pass 1 of a curve: one entry per distinct time of rows sorted by time
// (events and censorings summed; `reverse` swaps their roles)
template <class Row>
void km_aggregate(const Row* rows, std::size_t n, bool reverse, KmCurves& out) {
  std::size_t i = 0;
  while (i < n) {
    const double t = rows[i].time;
    double d = 0.0, c = 0.0;
    for (; i < n && rows[i].time == t; ++i) {
      const bool event = reverse ? rows[i].status == 0 : rows[i].status != 0;
      if (event) {
        d += rows[i].weight;
      } else {
        c += rows[i].weight;
      }
    }
    out.time.push_back(t);
    out.n_event.push_back(d);
    out.n_censor.push_back(c);
  }
  const std::size_t end = out.time.size();
  out.n_risk.resize(end);
  out.surv.resize(end);
  out.cumvar.resize(end);
}

// pass 3 of a curve [start, end): product-limit estimate and Greenwood sum
inline void km_product_limit(std::size_t start, KmCurves& out) {
  const std::size_t end = out.time.size();
  double s = 1.0, v = 0.0;
  for (std::size_t k = start; k < end; ++k) {
    const double nr = out.n_risk[k];
    const double d = out.n_event[k];
    if (d > 0.0) {
      if (nr > d) {
        s *= (nr - d) / nr;
        v += d / (nr * (nr - d));
      } else {
        s = 0.0;
        v = std::numeric_limits<double>::infinity();
      }
    }
    out.surv[k] = s;
    out.cumvar[k] = v;
  }
  out.offset.push_back(end);
}

}  // namespace detail

// Append one curve from rows sorted by time (ascending; ties in any order).
inline void km_append_sorted(const KmRow* rows, std::size_t n, bool reverse,
                             KmCurves& out) {
  const std::size_t start = out.time.size();
  detail::km_aggregate(rows, n, reverse, out);
  const std::size_t end = out.time.size();
  // pass 2 (backwards): number at risk as suffix sums of weights
  double suffix = 0.0;
  for (std::size_t k = end; k-- > start;) {
    suffix += out.n_event[k] + out.n_censor[k];
    // reverse KM: the deaths at t are not at risk of censoring at t
    out.n_risk[k] = reverse ? suffix - out.n_censor[k] : suffix;
  }
  detail::km_product_limit(start, out);
}

// Append one curve of counting-process data (delayed entry): `exits` are the
// curve's rows sorted by stop time, `entries` the same rows sorted by start
// time. The curve has one entry per distinct stop time t, at risk there
// being the rows with start < t <= stop: the weight of the rows with
// stop >= t less that of the rows with start >= t (sums in long double).
inline void km_append_counting(const KmSpanRow* exits, std::size_t n_exit,
                               const KmSpanRow* entries, std::size_t n_entry,
                               KmCurves& out) {
  const std::size_t start = out.time.size();
  detail::km_aggregate(exits, n_exit, false, out);
  const std::size_t end = out.time.size();
  long double out_w = 0.0L, late_w = 0.0L;
  std::size_t e = n_entry;
  for (std::size_t k = end; k-- > start;) {
    const double t = out.time[k];
    out_w += static_cast<long double>(out.n_event[k]) + out.n_censor[k];
    while (e > 0 && entries[e - 1].time >= t) late_w += entries[--e].weight;
    out.n_risk[k] = static_cast<double>(out_w - late_w);
  }
  detail::km_product_limit(start, out);
}

// One curve from rows in any order.
inline void km_single(const double* time, const int* status, const double* weight,
                      std::size_t n, KmCurves& out, KmWork& work, bool reverse = false) {
  work.rows.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    work.rows[i] = KmRow{time[i], weight ? weight[i] : 1.0, status[i], 0};
  }
  detail::sort_rows_by_time(work, 0.0);
  km_append_sorted(work.rows.data(), n, reverse, out);
}

// Several curves (group codes 0..n_groups-1; group == nullptr: one curve).
// Clears `out` first.
inline void km_fit(const double* time, const int* status, const double* weight,
                   const int* group, std::size_t n, int n_groups, double timefix_tol,
                   bool reverse, KmCurves& out, KmWork& work,
                   Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  out.clear();
  if (group == nullptr) n_groups = 1;
  if (n_groups < 1) return;
  work.rows.resize(n);
  for (std::size_t i0 = 0; i0 < n; i0 += detail::km_chunk) {
    const std::size_t i1 = std::min(n, i0 + detail::km_chunk);
    for (std::size_t i = i0; i < i1; ++i) {
      work.rows[i] =
          KmRow{time[i], weight ? weight[i] : 1.0, status[i], group ? group[i] : 0};
    }
    intr.poll(i1 - i0);
  }
  detail::sort_rows_by_time(work, timefix_tol, &intr);
  const std::size_t G = static_cast<std::size_t>(n_groups);
  if (G == 1) {
    out.reserve(n);
    km_append_sorted(work.rows.data(), n, reverse, out);
    intr.poll(n);
    return;
  }
  // stable counting sort by group keeps each group's rows sorted by time
  group_by_code(
      work.rows, work.scratch, [](const KmRow& r) { return r.group; }, G, work.count,
      &intr);
  out.reserve(n);
  for (std::size_t g = 0; g < G; ++g) {
    const std::size_t ng = work.count[g + 1] - work.count[g];
    km_append_sorted(work.rows.data() + work.count[g], ng, reverse, out);
    intr.poll(ng + 1);
  }
}

// Curves of counting-process data (delayed entry / left truncation): rows
// (start[i], stop[i]] with start < stop (checked by the caller). Start and
// stop times share one key and one timefix (as survival::aeqSurv on the
// whole response); a row whose start and stop timefix merges gives
// KmStatus::empty_interval (survfit's "aeqSurv exception"). Group codes as
// km_fit(). Clears `out` first.
inline KmStatus km_fit_counting(const double* start, const double* stop, const int* status,
                                const double* weight, const int* group, std::size_t n,
                                int n_groups, double timefix_tol, KmCurves& out,
                                KmCountingWork& work, Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  out.clear();
  if (group == nullptr) n_groups = 1;
  if (n_groups < 1) return KmStatus::ok;
  work.exits.resize(n);
  work.entries.resize(n);
  for (std::size_t i0 = 0; i0 < n; i0 += detail::km_chunk) {
    const std::size_t i1 = std::min(n, i0 + detail::km_chunk);
    for (std::size_t i = i0; i < i1; ++i) {
      const double w = weight ? weight[i] : 1.0;
      const int g = group ? group[i] : 0;
      const int r = static_cast<int>(i);
      work.exits[i] = KmSpanRow{stop[i], w, status[i], g, r};
      work.entries[i] = KmSpanRow{start[i], w, 0, g, r};
    }
    intr.poll(i1 - i0);
  }
  const TimeKey tk = make_time_key(start, n, stop, n);
  auto key = [tk](const KmSpanRow& r) { return tk(r.time); };
  sort_by_key(work.exits, work.scratch, key, work.hist, &intr);
  sort_by_key(work.entries, work.scratch, key, work.hist, &intr);
  struct Seq {
    std::vector<KmSpanRow>& r;
    std::size_t size() const { return r.size(); }
    double get(std::size_t i) const { return r[i].time; }
    void set(std::size_t i, double v) { r[i].time = v; }
  } exit_seq{work.exits}, entry_seq{work.entries};
  if (timefix_sorted(timefix_tol, exit_seq, entry_seq)) {
    work.start.resize(n);
    for (const KmSpanRow& r : work.entries) work.start[static_cast<std::size_t>(r.row)] = r.time;
    for (const KmSpanRow& r : work.exits) {
      if (!(work.start[static_cast<std::size_t>(r.row)] < r.time)) {
        return KmStatus::empty_interval;
      }
    }
  }
  intr.poll(n);
  const std::size_t G = static_cast<std::size_t>(n_groups);
  auto code = [](const KmSpanRow& r) { return r.group; };
  group_by_code(work.exits, work.scratch, code, G, work.exit_start, &intr);
  group_by_code(work.entries, work.scratch, code, G, work.entry_start, &intr);
  out.reserve(n);
  for (std::size_t g = 0; g < G; ++g) {
    const std::size_t e0 = work.exit_start[g], n0 = work.entry_start[g];
    const std::size_t ne = work.exit_start[g + 1] - e0;
    km_append_counting(work.exits.data() + e0, ne, work.entries.data() + n0,
                       work.entry_start[g + 1] - n0, out);
    intr.poll(2 * ne + 1);
  }
  return KmStatus::ok;
}

// S(t), the number at risk at t and the Greenwood sum at t.
inline KmAt km_at(const KmView& v, double t) {
  const double na = detail::nan_value();
  if (v.size == 0 || std::isnan(t)) return {na, na, na, false};
  // first index with time > t
  const double* it = std::upper_bound(v.time, v.time + v.size, t);
  const std::size_t k = static_cast<std::size_t>(it - v.time);
  if (k == 0) return {v.n_risk[0], 1.0, 0.0, true};
  const std::size_t j = k - 1;  // last time <= t
  if (v.time[j] == t) return {v.n_risk[j], v.surv[j], v.cumvar[j], false};
  if (k < v.size) return {v.n_risk[k], v.surv[j], v.cumvar[j], false};
  // after the last follow-up
  if (v.surv[j] == 0.0) return {0.0, 0.0, v.cumvar[j], false};
  return {0.0, na, na, false};
}

// What a quantile is when S stays at exactly 1 - prob (a flat stretch)
// to the end of the curve: its start (print.survfit) or not estimable (SAS
// LIFETEST).
enum class FlatEnd { start, missing };

namespace detail {

// print.survfit's rule (survival:::survmean, minmin) on a non-increasing
// sequence y(j) at times time[j], for the target probability `target`:
// the first time with y < target + tol; when that y equals target (within
// tol) and y drops later, the midpoint of that time and the next drop;
// when it does not drop later, `end` decides. NaN values of y are skipped
// (as NA in survfit's bands).
template <class Y>
double first_below(const KmView& v, double target, Y&& y,
                   FlatEnd end = FlatEnd::start) {
  const double tol = surv_tol();
  std::size_t first = v.size;
  double y1 = 0.0;
  for (std::size_t j = 0; j < v.size; ++j) {
    const double yj = y(j);
    if (!std::isnan(yj) && yj < target + tol) {
      first = j;
      y1 = yj;
      break;
    }
  }
  if (first == v.size) return nan_value();
  if (std::fabs(y1 - target) < tol) {
    for (std::size_t k = first + 1; k < v.size; ++k) {
      const double yk = y(k);
      if (!std::isnan(yk) && yk < y1) return (v.time[first] + v.time[k]) / 2.0;
    }
    // the flat stretch runs to the end of the curve
    if (end == FlatEnd::missing) return nan_value();
  }
  return v.time[first];
}

// survival::quantile.survfit's search (findq) for the probability `prob`
// on a sequence y(j) of survival values at times time[j], preceded by the
// value 1 at time 0. On u = 1 - y, reduced to its distinct values in order
// of first appearance (NaN counts as one value and is then skipped): i1 =
// the smallest u with u + tol >= prob, i2 = the smallest u with
// u - tol >= prob; the quantile is (time(i1) + time(i2)) / 2, NaN without
// i1 or i2; when the last distinct u is within tol of prob (a flat stretch
// at the level to the end), (time(i1) + last time of the curve) / 2. For a
// non-increasing y this is print.survfit's rule except at that flat end.
template <class Y>
double survfit_findq(const KmView& v, double prob, Y&& y) {
  const double tol = surv_tol();
  const double na = nan_value();
  if (v.size == 0) return na;
  // u = 1 - y with the leading 0 (S = 1 at time 0)
  std::vector<double> u(v.size + 1), t(v.size + 1);
  u[0] = 0.0;
  t[0] = 0.0;
  for (std::size_t j = 0; j < v.size; ++j) {
    u[j + 1] = 1.0 - y(j);
    t[j + 1] = v.time[j];
  }
  // i1, i2: a repeated value has the time of its first appearance, which
  // the strict comparisons keep
  double u1 = na, t1 = na, u2 = na, t2 = na;
  for (std::size_t j = 0; j < u.size(); ++j) {
    const double uj = u[j];
    if (std::isnan(uj)) continue;
    if (uj + tol >= prob && !(uj >= u1)) { u1 = uj; t1 = t[j]; }
    if (uj - tol >= prob && !(uj >= u2)) { u2 = uj; t2 = t[j]; }
  }
  // the last distinct value: the last element whose value (NaN equal to
  // NaN) does not appear before it; runs of equal values are skipped whole
  auto same = [](double a, double b) {
    return a == b || (std::isnan(a) && std::isnan(b));
  };
  std::size_t r = u.size();
  double u_last = na;
  while (r > 0) {
    std::size_t first = r - 1;
    while (first > 0 && same(u[first - 1], u[r - 1])) --first;
    bool earlier = false;
    for (std::size_t k = 0; k < first && !earlier; ++k) earlier = same(u[k], u[first]);
    if (!earlier) {
      u_last = u[first];
      break;
    }
    r = first;
  }
  if (!std::isnan(u_last) && std::fabs(prob - u_last) < tol) {
    return (t1 + v.time[v.size - 1]) / 2.0;
  }
  return (t1 + t2) / 2.0;
}

}  // namespace detail

namespace detail {

// A quantile and its CI: `find(curve)` locates the quantile of one curve
// (curve(j) at the j-th time), applied to S and to the CI limit curves.
template <class Find>
KmQuantile km_quantile_of_curves(const KmView& v, double z, ConfType type,
                                 Find&& find) {
  KmQuantile q{nan_value(), nan_value(), nan_value(), nan_value()};
  q.estimate = find([&](std::size_t j) { return v.surv[j]; });
  q.lower = find([&](std::size_t j) {
    return km_conf_int(v.surv[j], v.cumvar[j], z, type).lower;
  });
  q.upper = find([&](std::size_t j) {
    return km_conf_int(v.surv[j], v.cumvar[j], z, type).upper;
  });
  return q;
}

}  // namespace detail

// Quantile of the survival distribution (time at which S falls to
// 1 - prob) and its CI as print.survfit reports the median.
inline KmQuantile km_quantile_survival(const KmView& v, double prob, double z,
                                       ConfType type) {
  const double target = 1.0 - prob;
  return detail::km_quantile_of_curves(v, z, type, [&](auto&& curve) {
    return detail::first_below(v, target, curve);
  });
}

// survival::quantile.survfit's quantile and interval (see survfit_findq).
inline KmQuantile km_quantile_survfit(const KmView& v, double prob, double z,
                                      ConfType type) {
  return detail::km_quantile_of_curves(v, z, type, [&](auto&& curve) {
    return detail::survfit_findq(v, prob, curve);
  });
}

// SAS LIFETEST quantile (see the header comment). The CI set is a union of
// the intervals [t_j, t_j+1) on which S is constant; its limits are the
// first time in the set and the time S next changes after the last one
// (NaN when the set runs to the end of the curve, or when S next changes to
// 0: PROC LIFETEST prints a missing upper limit then; checked against SAS
// output in tests/testthat/test-vendor-sas-lifetest.R). S = 0 (and, for the
// log-log transform, S = 1) cannot be in the set.
inline KmQuantile km_quantile_sas(const KmView& v, double prob, double z,
                                  ConfType type) {
  const double na = detail::nan_value();
  const double target = 1.0 - prob;
  KmQuantile q{na, na, na, na};
  q.estimate = detail::first_below(
      v, target, [&](std::size_t j) { return v.surv[j]; }, FlatEnd::missing);
  auto g = [type](double s) {
    switch (type) {
      case ConfType::log: return std::log(s);
      case ConfType::log_log: return std::log(-std::log(s));
      case ConfType::plain: break;
    }
    return s;
  };
  // z g'(S) se(S), with se(S) = S sqrt(Greenwood sum)
  auto half_width = [type, z](double s, double cumvar) {
    const double se = std::sqrt(cumvar);
    switch (type) {
      case ConfType::log: return z * se;
      case ConfType::log_log: return z * se / std::fabs(std::log(s));
      case ConfType::plain: break;
    }
    return z * s * se;
  };
  const double gt = g(target);
  std::size_t lo = v.size, hi = v.size;
  for (std::size_t j = 0; j < v.size; ++j) {
    const double s = v.surv[j];
    if (!(s > 0.0) || std::isnan(v.cumvar[j])) continue;
    if (type == ConfType::log_log && s >= 1.0) continue;
    const double hw = half_width(s, v.cumvar[j]);
    if (!std::isfinite(hw)) continue;
    if (std::fabs(g(s) - gt) <= hw) {
      if (lo == v.size) lo = j;
      hi = j;
    }
  }
  if (lo == v.size) return q;
  q.lower = v.time[lo];
  // The upper limit is the time S next changes; a change to S = 0 (a time
  // with no evaluable transform) leaves it missing, as LIFETEST prints it.
  for (std::size_t k = hi + 1; k < v.size; ++k) {
    if (v.surv[k] != v.surv[hi]) {
      if (v.surv[k] > 0.0) q.upper = v.time[k];
      break;
    }
  }
  return q;
}

// SPSS percentile: the first time with S <= 1 - prob (left end of a flat
// stretch). SE by the uniform-kernel density estimate (Collett):
//   u = largest event time with S(u) >= 1 - prob + 0.05 (none: u = 0, S = 1)
//   l = smallest event time with S(l) <= 1 - prob - 0.05 (none: SE is NaN)
//   SE = Greenwood SE of S(estimate) / ((S(u) - S(l)) / (l - u)),
// where a step at which everyone at risk dies adds 0 to the Greenwood sum.
// CI = estimate -/+ z SE, the lower end truncated at 0 when `truncate`.
// Comparisons of S with a level allow the tolerance sqrt(machine eps).
inline KmQuantile km_quantile_spss(const KmView& v, double prob, bool truncate,
                                   double z = 1.96) {
  const double na = detail::nan_value();
  const double tol = detail::surv_tol();
  const double target = 1.0 - prob;
  KmQuantile q{na, na, na, na};
  std::size_t med = v.size;
  for (std::size_t j = 0; j < v.size; ++j) {
    if (v.surv[j] <= target + tol) {
      med = j;
      break;
    }
  }
  if (med == v.size) return q;
  q.estimate = v.time[med];
  double u = 0.0, su = 1.0;
  for (std::size_t j = 0; j < v.size; ++j) {
    if (v.n_event[j] > 0.0 && v.surv[j] >= target + 0.05 - tol) {
      u = v.time[j];
      su = v.surv[j];
    }
  }
  std::size_t l = v.size;
  for (std::size_t j = 0; j < v.size; ++j) {
    if (v.n_event[j] > 0.0 && v.surv[j] <= target - 0.05 + tol) {
      l = j;
      break;
    }
  }
  if (l == v.size) return q;
  const double dt = v.time[l] - u;
  const double f = (su - v.surv[l]) / dt;
  if (!(f > 0.0) || !std::isfinite(f)) return q;
  // Greenwood SE of S at the estimate; steps with n == d contribute 0, so
  // the SE is 0 once S has reached 0
  const double s = v.surv[med];
  double gse;
  if (s == 0.0) {
    gse = 0.0;
  } else {
    gse = s * std::sqrt(v.cumvar[med]);
  }
  q.std_error = gse / f;
  q.lower = q.estimate - z * q.std_error;
  if (truncate && q.lower < 0.0) q.lower = 0.0;
  q.upper = q.estimate + z * q.std_error;
  return q;
}

// Restricted mean to the curve's own largest time, as
// summary(survfit, rmean = "individual"), with SE and CI mean -/+ z SE.
inline KmMean km_mean_restricted(const KmView& v, double z = 1.96) {
  const double na = detail::nan_value();
  KmMean m{na, na, na, na};
  if (v.size == 0) return m;
  // area: rectangles from 0 (S = 1 before the first time)
  double area = v.time[0];
  for (std::size_t k = 1; k < v.size; ++k) {
    area += (v.time[k] - v.time[k - 1]) * v.surv[k - 1];
  }
  // variance: sum_j A_j^2 d_j / (n_j (n_j - d_j)), A_j = area from t_j to
  // the end; steps with n_j == d_j contribute 0
  double a = 0.0, var = 0.0;
  for (std::size_t j = v.size; j-- > 0;) {
    const double nr = v.n_risk[j], d = v.n_event[j];
    const double h = (nr - d == 0.0) ? 0.0 : d / (nr * (nr - d));
    var += a * a * h;
    if (j > 0) a += (v.time[j] - v.time[j - 1]) * v.surv[j - 1];
  }
  m.mean = area;
  m.std_error = std::sqrt(var);
  m.lower = m.mean - z * m.std_error;
  m.upper = m.mean + z * m.std_error;
  return m;
}

}  // namespace core
}  // namespace survstep

#endif
