// The risk-set layer: the one place where survival data are put in order.
// Kaplan-Meier (km.hpp), the log-rank family (logrank.hpp), the Cox model
// (cox_loglik.hpp) and concordance (concordance.hpp) all sort, merge
// near-tied times and find tie blocks through this header only.
//
// ---------------------------------------------------------------------------
// API (namespace survstep::core)
// ---------------------------------------------------------------------------
// Order-preserving keys (the only ones in the package):
//   std::uint64_t order_key(double x);    // x < y  <=>  key(x) < key(y);
//                                         // -0.0 and +0.0 share one key
//   double key_value(std::uint64_t k);    // inverse (+0.0 for the zero key)
//   struct TimeKey;                       // the key of one time scale:
//   TimeKey make_time_key(const double* a, std::size_t na,
//                         const double* b = nullptr, std::size_t nb = 0);
//       when every time (of a and b, e.g. start and stop) is an integer of
//       magnitude <= 2^52, keys are offsets from the smallest time (few
//       significant bits, so fewer radix passes); otherwise order_key().
//       key(t) and value(key) map both ways. Input: no NaN.
//   template <class Get> TimeKey make_time_key_of(std::size_t n, Get get);
//       the same for the times get(0), ..., get(n - 1).
//
// The sorter (the only one):
//   template <class Rec, class KeyOf>
//   void sort_by_key(std::vector<Rec>& rec, std::vector<Rec>& tmp,
//                    KeyOf key_of, std::vector<std::size_t>& hist,
//                    Interrupt* interrupt = nullptr);
//       stable sort of records by the unsigned key key_of(rec). Already
//       sorted input costs one pass; small input a comparison sort; else an
//       LSD radix sort (digits of at most 12 bits, digits shared by every key
//       skipped; `interrupt` (interrupt.hpp) polled after each pass)
//       over at most the top 33 significant bits of the keys, the low bits
//       carried along and runs of equal top bits finished by insertion
//       sort. `tmp` and `hist` are scratch (reused; no allocation once
//       grown); `rec` and `tmp` may be swapped.
//   template <class Rec, class CodeOf>
//   void group_by_code(std::vector<Rec>& rec, std::vector<Rec>& tmp,
//                      CodeOf code_of, std::size_t n_codes,
//                      std::vector<std::size_t>& start,
//                      Interrupt* interrupt = nullptr);
//       stable counting sort by a code in [0, n_codes) (stratum or group):
//       records sorted by time stay sorted by time within each code;
//       start[c] .. start[c + 1] is the range of code c.
//   std::vector<int> order_by_stratum_time(const std::vector<int>& stratum,
//       const std::vector<double>& time, const std::vector<int>& status);
//       0-based row order by (stratum, time, deaths before censorings),
//       stable; convenience for callers that need indices.
//
// Timefix (the only one; survival::aeqSurv):
//   template <class SeqA, class SeqB>
//   bool timefix_sorted(double tol, SeqA& a, SeqB& b);
//   template <class SeqA> bool timefix_sorted(double tol, SeqA& a);
//       a, b: sequences sorted ascending, each with size(), get(i) and
//       set(i, v). The distinct values y of the union (start and stop times
//       alike for counting-process data) are merged where consecutive
//       y[k-1] < y[k] satisfy y[k] - y[k-1] <= tol or
//       (y[k] - y[k-1]) / mean|y| <= tol; a chain of such ties maps onto its
//       first (smallest) member. The map is monotone, so sorted sequences
//       stay sorted. tol <= 0: nothing. Returns true when a value changed.
//   bool timefix(std::vector<double>& time, double tol);   // any order
//
// Tie blocks:
//   template <class Same> std::size_t tie_block_end(std::size_t i,
//       std::size_t n, Same same);   // first j > i with !same(i, j)
//   void tie_blocks(const int* stratum, const double* time, std::size_t n,
//                   std::vector<int>& block_start);
//       maximal runs of equal (stratum, time) in sorted data: block b is
//       [block_start[b], block_start[b + 1]); block_start ends with n.
// ---------------------------------------------------------------------------
#ifndef SURVSTEP_CORE_RISK_SETS_HPP
#define SURVSTEP_CORE_RISK_SETS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "interrupt.hpp"

namespace survstep {
namespace core {

// ---- keys ------------------------------------------------------------------

inline std::uint64_t order_key(double x) {
  if (x == 0.0) x = 0.0;  // -0.0 -> +0.0
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  const std::uint64_t sign = std::uint64_t{1} << 63;
  return (u & sign) ? ~u : (u | sign);
}

inline double key_value(std::uint64_t key) {
  const std::uint64_t sign = std::uint64_t{1} << 63;
  const std::uint64_t u = (key & sign) ? (key ^ sign) : ~key;
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

struct TimeKey {
  bool integral = false;  // keys are offsets from `origin`
  double origin = 0.0;

  std::uint64_t operator()(double t) const {
    return integral ? static_cast<std::uint64_t>(t - origin) : order_key(t);
  }
  double value(std::uint64_t key) const {
    return integral ? origin + static_cast<double>(key) : key_value(key);
  }
};

// The key of the times get(0), ..., get(n - 1).
template <class Get>
TimeKey make_time_key_of(std::size_t n, Get get) {
  TimeKey k;
  constexpr double big = 4503599627370496.0;  // 2^52
  double lo = 0.0;
  bool integral = n > 0;
  for (std::size_t i = 0; i < n && integral; ++i) {
    const double t = get(i);
    integral = std::fabs(t) <= big && t == std::floor(t);
    if (i == 0 || t < lo) lo = t;
  }
  k.integral = integral;
  k.origin = integral ? lo : 0.0;
  return k;
}

inline TimeKey make_time_key(const double* a, std::size_t na, const double* b = nullptr,
                             std::size_t nb = 0) {
  return make_time_key_of(
      na + nb, [a, b, na](std::size_t i) { return i < na ? a[i] : b[i - na]; });
}

// ---- the sorter -------------------------------------------------------------

namespace detail {

// Stable insertion sort of rec[a, e) by key (short runs).
template <class Rec, class KeyOf>
void insertion_sort_by_key(Rec* rec, std::size_t a, std::size_t e, KeyOf& key_of) {
  for (std::size_t k = a + 1; k < e; ++k) {
    const Rec v = rec[k];
    const std::uint64_t kv = key_of(v);
    std::size_t j = k;
    while (j > a && key_of(rec[j - 1]) > kv) {
      rec[j] = rec[j - 1];
      --j;
    }
    rec[j] = v;
  }
}

}  // namespace detail

template <class Rec, class KeyOf>
void sort_by_key(std::vector<Rec>& rec, std::vector<Rec>& tmp, KeyOf key_of,
                 std::vector<std::size_t>& hist, Interrupt* interrupt = nullptr) {
  const std::size_t n = rec.size();
  if (n < 2) return;
  auto poll = [interrupt, n]() {
    if (interrupt) interrupt->poll(n);
  };
  // one read: already sorted? which bits vary?
  const std::uint64_t k0 = key_of(rec[0]);
  std::uint64_t diff = 0, prev = k0;
  bool sorted = true;
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t k = key_of(rec[i]);
    diff |= k ^ k0;
    sorted = sorted && k >= prev;
    prev = k;
  }
  poll();
  if (sorted) return;
  if (n < 512) {
    std::stable_sort(rec.begin(), rec.end(), [&key_of](const Rec& x, const Rec& y) {
      return key_of(x) < key_of(y);
    });
    return;
  }
  int top = 64;
  while (top > 0 && ((diff >> (top - 1)) & 1u) == 0) --top;
  int low = 0;
  while (((diff >> low) & 1u) == 0) ++low;
  // sort on bits [bottom, top); bits below `bottom` are carried along
  const int bottom = std::max(low, top - 33);
  const int width = top - bottom;
  const int passes = (width + 11) / 12;  // digits of at most 12 bits
  const int dw = (width + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << dw;
  const std::uint64_t mask = buckets - 1;
  hist.assign(static_cast<std::size_t>(passes) * buckets, 0);
  std::size_t* h0 = hist.data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = key_of(rec[i]) >> bottom;
    for (int p = 0; p < passes; ++p) ++h0[p * buckets + ((k >> (p * dw)) & mask)];
  }
  poll();
  tmp.resize(n);
  for (int p = 0; p < passes; ++p) {
    std::size_t* h = h0 + p * buckets;
    const int shift = bottom + p * dw;
    if (h[(key_of(rec[0]) >> shift) & mask] == n) continue;  // shared digit
    std::size_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::size_t c = h[b];
      h[b] = sum;
      sum += c;
    }
    const Rec* src = rec.data();
    Rec* dst = tmp.data();
    for (std::size_t i = 0; i < n; ++i) {
      dst[h[(key_of(src[i]) >> shift) & mask]++] = src[i];
    }
    rec.swap(tmp);
    poll();
  }
  if (bottom == low) return;
  // runs with equal sorted bits: order by the carried low bits, stably
  Rec* r = rec.data();
  for (std::size_t a = 0; a < n;) {
    const std::uint64_t ka = key_of(r[a]);
    const std::uint64_t hi = ka >> bottom;
    std::size_t e = a + 1;
    bool run_sorted = true;
    std::uint64_t kp = ka;
    while (e < n) {
      const std::uint64_t ke = key_of(r[e]);
      if ((ke >> bottom) != hi) break;
      run_sorted = run_sorted && ke >= kp;
      kp = ke;
      ++e;
    }
    if (!run_sorted) {
      if (e - a > 32) {
        std::stable_sort(r + a, r + e, [&key_of](const Rec& x, const Rec& y) {
          return key_of(x) < key_of(y);
        });
      } else {
        detail::insertion_sort_by_key(r, a, e, key_of);
      }
    }
    a = e;
  }
}

template <class Rec, class CodeOf>
void group_by_code(std::vector<Rec>& rec, std::vector<Rec>& tmp, CodeOf code_of,
                   std::size_t n_codes, std::vector<std::size_t>& start,
                   Interrupt* interrupt = nullptr) {
  const std::size_t n = rec.size();
  start.assign(n_codes + 1, 0);
  if (n_codes <= 1) {
    if (n_codes == 1) start[1] = n;
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    ++start[static_cast<std::size_t>(code_of(rec[i])) + 1];
  for (std::size_t c = 0; c < n_codes; ++c) start[c + 1] += start[c];
  tmp.resize(n);
  // start[c] is the next slot of code c while scattering
  if (interrupt) interrupt->poll(n);
  for (std::size_t i = 0; i < n; ++i) {
    tmp[start[static_cast<std::size_t>(code_of(rec[i]))]++] = rec[i];
  }
  if (interrupt) interrupt->poll(n);
  // restore the starts (start[c] now holds the end of code c)
  for (std::size_t c = n_codes; c > 0; --c) start[c] = start[c - 1];
  start[0] = 0;
  rec.swap(tmp);
}

// A row while sorting by time: its time key and its 0-based row index.
struct KeyedRow {
  std::uint64_t key;
  int row;
};

inline std::vector<int> order_by_stratum_time(const std::vector<int>& stratum,
                                              const std::vector<double>& time,
                                              const std::vector<int>& status) {
  const std::size_t n = time.size();
  const TimeKey tk = make_time_key(time.data(), n);
  std::vector<KeyedRow> rec(n), tmp;
  // deaths first, then censorings (each in row order): the stable sort by
  // time keeps deaths before censorings at a tied time
  std::size_t nd = 0;
  for (std::size_t i = 0; i < n; ++i) nd += status[i] != 0;
  std::size_t di = 0, ci = nd;
  for (std::size_t i = 0; i < n; ++i) {
    rec[status[i] != 0 ? di++ : ci++] = KeyedRow{tk(time[i]), static_cast<int>(i)};
  }
  std::vector<std::size_t> hist;
  sort_by_key(
      rec, tmp, [](const KeyedRow& r) { return r.key; }, hist);
  int ns = 0;
  for (int s : stratum) ns = std::max(ns, s + 1);
  group_by_code(
      rec, tmp, [&stratum](const KeyedRow& r) { return stratum[r.row]; },
      static_cast<std::size_t>(ns), hist);
  std::vector<int> idx(n);
  for (std::size_t k = 0; k < n; ++k) idx[k] = rec[k].row;
  return idx;
}

// ---- timefix ----------------------------------------------------------------

namespace detail {

// No times (the second sequence of a one-sequence timefix).
struct EmptySeq {
  std::size_t size() const { return 0; }
  double get(std::size_t) const { return 0.0; }
  void set(std::size_t, double) {}
};

// A plain vector of sorted times.
struct VecSeq {
  std::vector<double>& v;
  std::size_t size() const { return v.size(); }
  double get(std::size_t i) const { return v[i]; }
  void set(std::size_t i, double x) { v[i] = x; }
};

}  // namespace detail

template <class SeqA, class SeqB>
bool timefix_sorted(double tol, SeqA& a, SeqB& b) {
  const std::size_t na = a.size(), nb = b.size();
  if (!(tol > 0.0) || na + nb < 2) return false;
  // pass 1: mean |y| over the distinct values of the union (merge walk)
  double sum_abs = 0.0;
  std::size_t n_unique = 0;
  {
    std::size_t i = 0, j = 0;
    double last = 0.0;
    while (i < na || j < nb) {
      double y;
      if (j >= nb || (i < na && a.get(i) <= b.get(j))) {
        y = a.get(i++);
      } else {
        y = b.get(j++);
      }
      if (n_unique == 0 || y != last) {
        sum_abs += std::fabs(y);
        ++n_unique;
        last = y;
      }
    }
  }
  if (n_unique < 2) return false;
  const double mean_abs = sum_abs / static_cast<double>(n_unique);
  // pass 2: each value onto the first member of its chain of near-ties
  bool changed = false;
  std::size_t i = 0, j = 0;
  bool first = true;
  double prev = 0.0;  // previous distinct original value
  double cut = 0.0;   // value the current chain maps onto
  while (i < na || j < nb) {
    const bool from_a = j >= nb || (i < na && a.get(i) <= b.get(j));
    const double y = from_a ? a.get(i) : b.get(j);
    if (first) {
      prev = cut = y;
      first = false;
    } else if (y != prev) {
      const double dy = y - prev;
      if (!(dy <= tol || dy / mean_abs <= tol)) cut = y;
      prev = y;
    }
    if (y != cut) {
      changed = true;
      if (from_a) {
        a.set(i, cut);
      } else {
        b.set(j, cut);
      }
    }
    if (from_a) {
      ++i;
    } else {
      ++j;
    }
  }
  return changed;
}

// One sequence: the same walk with an empty second sequence (the merge
// test then always picks `a`; one read of each value per pass).
template <class SeqA>
bool timefix_sorted(double tol, SeqA& a) {
  detail::EmptySeq none;
  return timefix_sorted(tol, a, none);
}

inline bool timefix(std::vector<double>& time, double tol) {
  const std::size_t n = time.size();
  if (!(tol > 0.0) || n < 2) return false;
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&time](int x, int y) { return time[x] < time[y]; });
  std::vector<double> sorted(n);
  for (std::size_t k = 0; k < n; ++k) sorted[k] = time[idx[k]];
  detail::VecSeq seq{sorted};
  if (!timefix_sorted(tol, seq)) return false;
  for (std::size_t k = 0; k < n; ++k) time[idx[k]] = sorted[k];
  return true;
}

// ---- tie blocks -------------------------------------------------------------

template <class Same>
std::size_t tie_block_end(std::size_t i, std::size_t n, Same same) {
  std::size_t j = i + 1;
  while (j < n && same(i, j)) ++j;
  return j;
}

inline void tie_blocks(const int* stratum, const double* time, std::size_t n,
                       std::vector<int>& block_start) {
  block_start.clear();
  for (std::size_t k = 0; k < n;) {
    block_start.push_back(static_cast<int>(k));
    k = tie_block_end(k, n, [&](std::size_t a, std::size_t b) {
      return stratum[b] == stratum[a] && time[b] == time[a];
    });
  }
  block_start.push_back(static_cast<int>(n));
}

}  // namespace core
}  // namespace survstep

#endif
