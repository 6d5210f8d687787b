// Counting-process (start, stop] data for the Cox model (methods.md section
// 3, "Counting-process data"): time-varying covariates (survSplit(),
// tmerge()), delayed entry, several intervals per subject.
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   int cox_counting_build(const CoxInput& in, CoxData& d,
//                          Interrupt* interrupt = nullptr);
//        in.start (entry times) and in.time (stop times) as the columns of
//        Surv(start, stop, event); everything else as for cox_data_build().
//        Returns CoxDataStatus (0 = ok; cox_data_bad_start when a start is
//        not finite or not < its stop; cox_data_bad_interval when timefix
//        merges a start with its stop, survival::aeqSurv's error).
//        `interrupt` (interrupt.hpp) is polled after each O(n) pass.
//
// The result is an ordinary CoxData with d.counting = true, so everything
// built on CoxData takes it unchanged: cox_evaluate() / the Newton solver
// (cox_newton.hpp), cox_data_select() and the stepwise engine
// (stepwise.hpp), concordance_sorted() (concordance.hpp). The rows are
// sorted by (stratum, stop) with the tie blocks of the stop times, exactly
// as right-censored data; in addition every row knows its entry time.
//
// Conventions (survival's agreg.fit / agfit4):
//   - risk set at an event time t of a stratum: the rows with
//     start < t <= stop; deaths at t tied by Breslow or Efron as for
//     right-censored data;
//   - timefix (coxph's default) merges near-tied times over the start and
//     stop times together, as aeqSurv on a (start, stop] Surv object;
//   - rows at risk at no event time of their stratum are not used: they get
//     weight 0 (agreg drops them from the sums);
//   - centring at the plain column means (agreg.fit's `means`), scaling as
//     coxfit6; the linear predictors are centred at those means.
//
// Cost: the start (and, for timefix, stop) times sorted once more by the
// risk-set layer's sorter and O(n) two-pointer merges of the entry order
// with the tie blocks at build time; per evaluation O(n p^2)
// with no rescans: each row enters the risk-set sums once (at its stop
// time, going backwards) and leaves once (before the first event time at or
// below its start), and H_i = Lambda(stop_i) - Lambda(start_i) is a
// difference of two prefix sums of the hazard increments.
#ifndef SURVSTEP_CORE_COX_COUNTING_HPP
#define SURVSTEP_CORE_COX_COUNTING_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {


inline int cox_counting_build(const CoxInput& in, CoxData& d,
                              Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int n = in.n;
  if (n < 1 || in.start == nullptr || in.time == nullptr) return cox_data_bad_dims;
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(in.time[i])) return cox_data_bad_time;
    if (!std::isfinite(in.start[i]) || !(in.start[i] < in.time[i]))
      return cox_data_bad_start;
  }

  // the start and the stop times sorted on one time scale (risk_sets.hpp),
  // all strata together, and timefix over both (aeqSurv on the response)
  const TimeKey tk = make_time_key(in.start, static_cast<std::size_t>(n), in.time,
                                   static_cast<std::size_t>(n));
  std::vector<KeyedRow> rs(n), rt(n), tmp;
  for (int i = 0; i < n; ++i) {
    rs[i] = KeyedRow{tk(in.start[i]), i};
    rt[i] = KeyedRow{tk(in.time[i]), i};
  }
  std::vector<std::size_t> hist;
  auto key_of = [](const KeyedRow& r) { return r.key; };
  sort_by_key(rs, tmp, key_of, hist);
  intr.poll(static_cast<std::uint64_t>(n));
  CoxInput in2 = in;
  in2.timefix_tol = 0.0;
  std::vector<double> fixed;
  if (in.timefix_tol > 0.0) {
    sort_by_key(rt, tmp, key_of, hist);
    detail::KeyedTimes a{rs, tk}, b{rt, tk};
    if (timefix_sorted(in.timefix_tol, a, b)) {
      fixed.resize(2 * static_cast<std::size_t>(n));
      for (int k = 0; k < n; ++k) {
        fixed[rs[k].row] = tk.value(rs[k].key);
        fixed[n + rt[k].row] = tk.value(rt[k].key);
      }
      // (the map is monotone: start <= stop stays; equality is aeqSurv's error)
      for (int i = 0; i < n; ++i) {
        if (fixed[i] == fixed[n + i]) return cox_data_bad_interval;
      }
      in2.start = fixed.data();
      in2.time = fixed.data() + n;
    }
  }
  const int code = cox_data_build(in2, d, &intr);
  if (code != cox_data_ok) return code;

  const int nb = d.nblock;
  d.counting = true;
  d.start.resize(n);
  for (int k = 0; k < n; ++k) d.start[k] = in2.start[d.order[k]];

  // entry order: the rows sorted by start, grouped by stratum, as sorted
  // positions
  std::vector<int> pos(n);
  for (int k = 0; k < n; ++k) pos[d.order[k]] = k;
  group_by_code(
      rs, tmp, [&](const KeyedRow& r) { return d.stratum[pos[r.row]]; },
      static_cast<std::size_t>(d.nstrata), hist);
  d.entry.resize(n);
  for (int q = 0; q < n; ++q) d.entry[q] = pos[rs[q].row];
  d.entry_bound.assign(d.nstrata + 1, 0);
  for (int k = 0; k < n; ++k) ++d.entry_bound[d.stratum[k] + 1];
  for (int s = 0; s < d.nstrata; ++s) d.entry_bound[s + 1] += d.entry_bound[s];

  intr.poll(static_cast<std::uint64_t>(n));
  // merges of the entry order with the blocks, one stratum at a time
  d.block_entry.assign(nb, 0);
  d.start_block.assign(n, -1);
  std::vector<int> ndeath_upto(nb, 0);  // event blocks up to b in its stratum
  for (int b0 = 0; b0 < nb;) {
    int b1 = b0;
    while (!d.block_last[b1]) ++b1;  // blocks b0..b1: one stratum
    const int s = d.stratum[d.block_start[b0]];
    const int q1 = d.entry_bound[s + 1];
    auto btime = [&](int b) { return d.time[d.block_start[b]]; };
    int q = d.entry_bound[s];
    int cnt = 0;
    for (int b = b0; b <= b1; ++b) {
      while (q < q1 && d.start[d.entry[q]] < btime(b)) ++q;
      d.block_entry[b] = q;
      cnt += d.block_ndead[b] > 0;
      ndeath_upto[b] = cnt;
    }
    int bb = b0 - 1;  // last block with time <= the current start
    for (q = d.entry_bound[s]; q < q1; ++q) {
      const int k = d.entry[q];
      while (bb < b1 && btime(bb + 1) <= d.start[k]) ++bb;
      d.start_block[k] = bb >= b0 ? bb : -1;
    }
    b0 = b1 + 1;
  }

  // rows at risk at no event time (no event block in (start, stop]) are
  // not used: weight 0
  for (int b = 0; b < nb; ++b) {
    for (int k = d.block_start[b]; k < d.block_start[b + 1]; ++k) {
      const int sb = d.start_block[k];
      if (ndeath_upto[b] == (sb >= 0 ? ndeath_upto[sb] : 0)) d.weight[k] = 0.0;
    }
  }

  // per event block: is a used row still at risk once the rows with
  // start >= its time have left (the backward sweep of the evaluation)?
  d.block_reset.assign(nb, 0);
  int added = 0, eptr = 0;
  for (int b = nb - 1; b >= 0; --b) {
    if (d.block_last[b]) {
      added = 0;
      eptr = d.entry_bound[d.stratum[d.block_start[b]] + 1];
    }
    if (d.block_ndead[b] > 0) {
      for (int q = d.block_entry[b]; q < eptr; ++q) added -= d.weight[d.entry[q]] > 0.0;
      eptr = d.block_entry[b];
      d.block_reset[b] = added == 0;
    }
    for (int k = d.block_start[b]; k < d.block_start[b + 1]; ++k)
      added += d.weight[k] > 0.0;
  }
  return cox_data_ok;
}

}  // namespace core
}  // namespace survstep

#endif
