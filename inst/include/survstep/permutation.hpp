// Permutation (conditional) distributions of the weighted log-rank
// statistic (methods.Rmd, "Permutation tests"): the exact distribution for
// two groups and Monte Carlo p-values for k groups, permutations within
// strata.
//
// The statistic. Each row i of stratum s carries the weighted log-rank
// score c_i = status_i w(t_i) - sum_{t_j <= t_i} w(t_j) d_j / n_j (the
// ingredients come from logrank.hpp's LogrankScores, so the weights are the
// asymptotic tests' own). T_g = sum of the scores of group g; under the
// permutation null (group labels exchangeable within strata)
//   E T_g = sum_s n_gs cbar_s,
//   Cov(T_g, T_h) = sum_s SS_s / (n_s - 1) (n_gs delta_gh - n_gs n_hs / n_s),
// SS_s = sum_{i in s} (c_i - cbar_s)^2, and the statistic is
//   Q = (T - E)' Cov^- (T - E)        (the groups present, one dropped;
//                                      df = rank), or, for trend scores a,
//   Q = (a'(T - E))^2 / (a' Cov a)    (1 df),
// the quadratic statistic of coin::logrank_test(). For two groups
// Q = (T_1 - E T_1)^2 / Var T_1, so the two-sided p-value
// P(Q* >= Q) = P(|T*_1 - E| >= |T_1 - E|), coin's two-sided p-value.
//
// ---------------------------------------------------------------------------
// API (namespace survstep::core)
//
//   Random numbers: BootRng of bootstrap.hpp (the package's one seeded
//   generator: std::mt19937_64 seeded through std::seed_seq {low 32 bits,
//   high 32 bits}, unbiased bounded draws by rejection), so a seed gives the
//   same relabellings with every standard library.
//
//   enum class PermutationStatus { ok, too_large, invalid_input,
//                                  no_variance };
//
//   struct PermutationInput {   // n rows, any order
//     const double* weight;     // LogrankScores::weight
//     const double* cumhaz;     // LogrankScores::cumhaz
//     const int* status;        // 0/1
//     const int* group;         // 0-based, < n_groups
//     const int* stratum;       // 0-based, < n_strata; nullptr: one stratum
//     std::size_t n; int n_groups; int n_strata;
//   };
//
//   PermutationStatus permutation_statistic(const PermutationInput& in,
//       const double* trend, double& statistic, int& df);
//     Q of the data as given (trend: n_groups scores or nullptr).
//
//   struct ExactOptions { max_work, max_work_hard, max_cells, min_steps,
//                         max_steps };     // see the field comments
//   struct ExactResult { statistic, df, p_value, grid, work, status };
//   PermutationStatus exact_permutation(const PermutationInput& in,
//       const ExactOptions& opt, ExactResult& out, Interrupt* = nullptr);
//     n_groups == 2. The distribution of T_1 over all relabellings within
//     strata by the shift algorithm (Streitberg & Roehmel 1986): a dynamic
//     programme over (number chosen, sum), stratum after stratum (the
//     distribution of the strata before is the start of the next), on the
//     integer grid r_i = status_i round(M w_i) - round(M H_i) for one integer
//     scale M (`grid`). Rounding the two ingredients, not c_i, keeps rows of a
//     tie block identical and keeps the relation between an event and a
//     censoring at one time (they differ by round(M w) exactly), so
//     relabellings whose statistics are equal by the structure of the data
//     are equal on the grid; the p-value is then exact for the grid scores,
//     which differ from the real ones by at most 1/M. Within each stratum
//     the smaller of the two label sets is enumerated (the other sum is the
//     total less it). M is as large as max_work allows (at most max_steps
//     grid steps over the range of the scores); when even min_steps steps
//     would need more than max_work_hard cell updates or max_cells doubles,
//     status too_large (nothing computed; `work` = the updates needed).
//
//   struct MonteCarloResult { statistic, df, p_value, std_error, count, B,
//                             status };
//   PermutationStatus monte_carlo_permutation(const PermutationInput& in,
//       const double* trend, std::int64_t B, std::uint64_t seed,
//       MonteCarloResult& out, Interrupt* = nullptr);
//     B random relabellings within strata (Fisher-Yates shuffles of the
//     labels, stratum after stratum, with BootRng(seed)); p_value =
//     count / B, count = #{Q* >= Q (1 - 1e-9)}; std_error =
//     sqrt(p (1 - p) / B).
// ---------------------------------------------------------------------------
#ifndef SURVSTEP_CORE_PERMUTATION_HPP
#define SURVSTEP_CORE_PERMUTATION_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "bootstrap.hpp"  // BootRng: the package's one seeded generator
#include "interrupt.hpp"
#include "logrank.hpp"
#include "risk_sets.hpp"

namespace survstep {
namespace core {

enum class PermutationStatus { ok = 0, too_large = 1, invalid_input = 2, no_variance = 3 };

struct PermutationInput {
  const double* weight = nullptr;
  const double* cumhaz = nullptr;
  const int* status = nullptr;
  const int* group = nullptr;
  const int* stratum = nullptr;
  std::size_t n = 0;
  int n_groups = 0;
  int n_strata = 1;
};

struct ExactOptions {
  double max_work = 2e8;       // cell updates at the preferred (finest) grid
  double max_work_hard = 3e9;  // allowed to reach min_steps
  double max_cells = 8e6;      // doubles held at once (64 MB)
  double min_steps = 1e4;      // grid steps over the range of the scores, at least
  double max_steps = 1e6;      // and at most (finer is not needed)
  double max_states = 2e6;     // distinct (count, sum) states of the exact
                               // enumeration before the grid is used
};

struct ExactResult {
  double statistic = 0.0;  // Q of the data
  int df = 1;
  double p_value = 1.0;
  double grid = 0.0;  // M
  double work = 0.0;  // cell updates (needed, when too_large)
  PermutationStatus status = PermutationStatus::ok;
};

struct MonteCarloResult {
  double statistic = 0.0;
  int df = 0;
  double p_value = 1.0;
  double std_error = 0.0;
  std::int64_t count = 0;
  std::int64_t B = 0;
  PermutationStatus status = PermutationStatus::ok;
};

namespace detail {

// The rows grouped by stratum (the risk-set layer's counting sort), with
// their scores and labels.
struct PermRow {
  double score;
  std::int64_t grid;
  int group;
  int stratum;
};

struct PermData {
  std::vector<PermRow> rows;
  std::vector<std::size_t> start;  // stratum s: rows [start[s], start[s + 1])
};

inline bool perm_prepare(const PermutationInput& in, PermData& d) {
  if (in.n_groups < 1 || in.n_strata < 1 || !in.weight || !in.cumhaz || !in.status ||
      !in.group) {
    return false;
  }
  d.rows.resize(in.n);
  for (std::size_t i = 0; i < in.n; ++i) {
    const int g = in.group[i];
    const int s = in.stratum ? in.stratum[i] : 0;
    if (g < 0 || g >= in.n_groups || s < 0 || s >= in.n_strata ||
        (in.status[i] != 0 && in.status[i] != 1) || !std::isfinite(in.weight[i]) ||
        !std::isfinite(in.cumhaz[i])) {
      return false;
    }
    PermRow& r = d.rows[i];
    r.score = in.status[i] * in.weight[i] - in.cumhaz[i];
    r.grid = 0;
    r.group = g;
    r.stratum = s;
  }
  std::vector<PermRow> tmp;
  group_by_code(d.rows, tmp, [](const PermRow& r) { return r.stratum; },
                static_cast<std::size_t>(in.n_strata), d.start);
  return true;
}

// The permutation moments of the group sums: E (k) and Cov (k x k).
inline void perm_moments(const PermData& d, int k, std::vector<double>& mean,
                         std::vector<double>& cov, std::vector<double>& ng) {
  const std::size_t kk = static_cast<std::size_t>(k);
  mean.assign(kk, 0.0);
  cov.assign(kk * kk, 0.0);
  ng.assign(kk, 0.0);
  std::vector<double> cnt(kk);
  const std::size_t ns = d.start.size() - 1;
  for (std::size_t s = 0; s < ns; ++s) {
    const std::size_t lo = d.start[s], hi = d.start[s + 1];
    if (lo == hi) continue;
    std::fill(cnt.begin(), cnt.end(), 0.0);
    double sum = 0.0;
    for (std::size_t i = lo; i < hi; ++i) {
      sum += d.rows[i].score;
      cnt[static_cast<std::size_t>(d.rows[i].group)] += 1.0;
    }
    const double nn = static_cast<double>(hi - lo);
    const double cbar = sum / nn;
    double ss = 0.0;
    for (std::size_t i = lo; i < hi; ++i) {
      const double e = d.rows[i].score - cbar;
      ss += e * e;
    }
    for (std::size_t g = 0; g < kk; ++g) {
      mean[g] += cnt[g] * cbar;
      ng[g] += cnt[g];
    }
    if (hi - lo < 2) continue;
    const double v = ss / (nn - 1.0);
    for (std::size_t a = 0; a < kk; ++a) {
      if (cnt[a] == 0.0) continue;
      cov[a + a * kk] += v * cnt[a];
      for (std::size_t b = 0; b < kk; ++b) cov[a + b * kk] -= v * cnt[a] * cnt[b] / nn;
    }
  }
}

// Q from the factorised covariance: a reusable evaluator.
class PermQuadratic {
 public:
  bool init(const std::vector<double>& mean, const std::vector<double>& cov,
            const std::vector<double>& ng, int k, const double* trend) {
    k_ = k;
    mean_ = mean;
    trend_ = trend;
    const std::size_t kk = static_cast<std::size_t>(k);
    if (trend) {
      double v = 0.0;
      double scale = 0.0, amax = 0.0;
      for (std::size_t a = 0; a < kk; ++a) {
        double row = 0.0;
        for (std::size_t b = 0; b < kk; ++b) row += cov[a + b * kk] * trend[b];
        v += trend[a] * row;
        scale = std::max(scale, std::fabs(cov[a + a * kk]));
        amax = std::max(amax, std::fabs(trend[a]));
      }
      tvar_ = v;
      df_ = 1;
      return v > 1e-12 * scale * amax * amax && scale > 0.0;
    }
    kept_.clear();
    for (int g = 0; g < k; ++g) {
      if (ng[static_cast<std::size_t>(g)] > 0.0) kept_.push_back(g);
    }
    m_ = static_cast<int>(kept_.size()) - 1;
    if (m_ < 1) return false;
    const std::size_t mm = static_cast<std::size_t>(m_);
    fac_.resize(mm * mm);
    for (int a = 0; a < m_; ++a) {
      for (int b = 0; b < m_; ++b) {
        fac_[a + b * mm] = cov[static_cast<std::size_t>(kept_[a + 1]) +
                               static_cast<std::size_t>(kept_[b + 1]) * kk];
      }
    }
    int rank = 0;
    Interrupt none;
    ldl_ginv_factor(fac_.data(), m_, rank, none);
    df_ = rank;
    b_.resize(mm);
    return rank > 0;
  }
  double operator()(const double* t) {
    const std::size_t kk = static_cast<std::size_t>(k_);
    if (trend_) {
      double u = 0.0;
      for (std::size_t a = 0; a < kk; ++a) u += trend_[a] * (t[a] - mean_[a]);
      return u * u / tvar_;
    }
    for (int a = 0; a < m_; ++a) {
      const std::size_t g = static_cast<std::size_t>(kept_[a + 1]);
      b_[static_cast<std::size_t>(a)] = t[g] - mean_[g];
    }
    return ldl_ginv_quad(fac_.data(), b_.data(), m_);
  }
  int df() const { return df_; }

 private:
  int k_ = 0, m_ = 0, df_ = 0;
  const double* trend_ = nullptr;
  double tvar_ = 0.0;
  std::vector<double> mean_, fac_, b_;
  std::vector<int> kept_;
};

// A stratum of the exact algorithm: rows [lo, hi), m rows enumerated (the
// smaller label set; flip: group 0), span[m] = largest - smallest sum of m
// scores.
struct PermStratum {
  std::size_t lo, hi;
  int m;
  bool flip;
  std::vector<double> span;
};

// Exact enumeration of the distinct sums in real arithmetic: per number
// chosen, a sorted list of (sum, count), merged item after item, sums
// within tol of each other taken as equal (relabellings equal in exact
// arithmetic differ only by rounding). Gives up (false) when more than
// max_states states would be held; then the grid is used.
inline bool exact_enumerate(const PermData& d, const std::vector<PermStratum>& st,
                            double max_states, double& p_value, Interrupt& intr) {
  using List = std::vector<std::pair<double, double>>;
  // an upper bound on the number of distinct sums: per stratum the smaller
  // of C(n, m) and prod_v (multiplicity_v + 1) over the distinct scores;
  // give up at once when it is far beyond max_states
  {
    double log_bound = 0.0;
    std::vector<double> vals;
    for (const PermStratum& x : st) {
      vals.clear();
      for (std::size_t i = x.lo; i < x.hi; ++i) vals.push_back(d.rows[i].score);
      std::sort(vals.begin(), vals.end());
      double log_mult = 0.0;
      std::size_t run = 1;
      for (std::size_t i = 1; i <= vals.size(); ++i) {
        if (i < vals.size() && vals[i] == vals[i - 1]) {
          ++run;
        } else {
          log_mult += std::log(static_cast<double>(run) + 1.0);
          run = 1;
        }
      }
      const double nn = static_cast<double>(x.hi - x.lo);
      const double log_choose =
          std::lgamma(nn + 1.0) - std::lgamma(x.m + 1.0) - std::lgamma(nn - x.m + 1.0);
      log_bound += std::min(log_mult, log_choose);
    }
    if (log_bound > std::log(20.0 * max_states)) return false;
  }
  double scale = 0.0;
  for (const PermRow& r : d.rows) scale += std::fabs(r.score);
  const double tol = 1e-9 * std::max(scale, 1e-300);
  List prior(1, std::make_pair(0.0, 1.0));
  double obs = 0.0, mean = 0.0;
  std::vector<List> row;
  List merged;
  for (const PermStratum& x : st) {
    double total = 0.0, m1 = 0.0;
    for (std::size_t i = x.lo; i < x.hi; ++i) {
      total += d.rows[i].score;
      if (d.rows[i].group == 1) {
        obs += d.rows[i].score;
        m1 += 1.0;
      }
    }
    mean += m1 * total / static_cast<double>(x.hi - x.lo);
    const std::size_t mm = static_cast<std::size_t>(x.m);
    row.assign(mm + 1, List());
    row[0] = prior;
    double states = static_cast<double>(prior.size());
    for (std::size_t it = x.lo; it < x.hi; ++it) {
      const double v = x.flip ? -d.rows[it].score : d.rows[it].score;
      const std::size_t top = std::min(mm, it - x.lo + 1);
      for (std::size_t m = top; m >= 1; --m) {
        const List& a = row[m];
        const List& b = row[m - 1];
        merged.clear();
        merged.reserve(a.size() + b.size());
        std::size_t i = 0, j = 0;
        while (i < a.size() || j < b.size()) {
          std::pair<double, double> e;
          if (j == b.size() || (i < a.size() && a[i].first <= b[j].first + v)) {
            e = a[i++];
          } else {
            e = std::make_pair(b[j].first + v, b[j].second);
            ++j;
          }
          if (!merged.empty() && e.first - merged.back().first <= tol) {
            merged.back().second += e.second;
          } else {
            merged.push_back(e);
          }
        }
        states += static_cast<double>(merged.size()) - static_cast<double>(a.size());
        row[m].swap(merged);
        intr.poll(row[m].size() + 1);
      }
      if (states > max_states) return false;
    }
    prior.swap(row[mm]);
    if (x.flip) {
      for (auto& e : prior) e.first += total;
    }
  }
  const double dev = std::fabs(obs - mean);
  double tail = 0.0, mass = 0.0;
  for (const auto& e : prior) {
    mass += e.second;
    if (std::fabs(e.first - mean) >= dev - 2.0 * tol) tail += e.second;
  }
  p_value = mass > 0.0 ? std::min(1.0, tail / mass) : 1.0;
  return true;
}

inline void perm_group_sums(const PermData& d, std::vector<double>& t) {
  std::fill(t.begin(), t.end(), 0.0);
  for (const PermRow& r : d.rows) t[static_cast<std::size_t>(r.group)] += r.score;
}

}  // namespace detail

inline PermutationStatus permutation_statistic(const PermutationInput& in,
                                               const double* trend, double& statistic,
                                               int& df) {
  detail::PermData d;
  statistic = 0.0;
  df = 0;
  if (!detail::perm_prepare(in, d)) return PermutationStatus::invalid_input;
  std::vector<double> mean, cov, ng, t(static_cast<std::size_t>(in.n_groups));
  detail::perm_moments(d, in.n_groups, mean, cov, ng);
  detail::PermQuadratic quad;
  if (!quad.init(mean, cov, ng, in.n_groups, trend)) return PermutationStatus::no_variance;
  detail::perm_group_sums(d, t);
  statistic = quad(t.data());
  df = quad.df();
  return PermutationStatus::ok;
}

inline PermutationStatus monte_carlo_permutation(const PermutationInput& in,
                                                 const double* trend, std::int64_t B,
                                                 std::uint64_t seed, MonteCarloResult& out,
                                                 Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  out = MonteCarloResult();
  out.B = B;
  detail::PermData d;
  if (B < 1 || !detail::perm_prepare(in, d)) {
    return out.status = PermutationStatus::invalid_input;
  }
  const std::size_t kk = static_cast<std::size_t>(in.n_groups);
  std::vector<double> mean, cov, ng, t(kk);
  detail::perm_moments(d, in.n_groups, mean, cov, ng);
  detail::PermQuadratic quad;
  if (!quad.init(mean, cov, ng, in.n_groups, trend)) {
    return out.status = PermutationStatus::no_variance;
  }
  detail::perm_group_sums(d, t);
  const double q_obs = quad(t.data());
  out.statistic = q_obs;
  out.df = quad.df();
  const double q_lim = q_obs * (1.0 - 1e-9);
  // the labels, shuffled in place stratum by stratum; each shuffle of any
  // arrangement is a uniformly random relabelling
  std::vector<int> lab(d.rows.size());
  for (std::size_t i = 0; i < lab.size(); ++i) lab[i] = d.rows[i].group;
  BootRng rng(seed);
  const std::size_t ns = d.start.size() - 1;
  std::int64_t count = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::size_t s = 0; s < ns; ++s) {
      const std::size_t lo = d.start[s], hi = d.start[s + 1];
      for (std::size_t i = hi - lo; i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng.bounded(i));
        std::swap(lab[lo + i - 1], lab[lo + j]);
      }
    }
    std::fill(t.begin(), t.end(), 0.0);
    for (std::size_t i = 0; i < lab.size(); ++i) {
      t[static_cast<std::size_t>(lab[i])] += d.rows[i].score;
    }
    count += quad(t.data()) >= q_lim;
    intr.poll(lab.size() + kk);
  }
  out.count = count;
  out.p_value = static_cast<double>(count) / static_cast<double>(B);
  out.std_error = std::sqrt(out.p_value * (1.0 - out.p_value) / static_cast<double>(B));
  return out.status = PermutationStatus::ok;
}

inline PermutationStatus exact_permutation(const PermutationInput& in,
                                           const ExactOptions& opt, ExactResult& out,
                                           Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  out = ExactResult();
  detail::PermData d;
  if (in.n_groups != 2 || !detail::perm_prepare(in, d)) {
    return out.status = PermutationStatus::invalid_input;
  }
  {
    int df = 0;
    std::vector<double> mean, cov, ng, t(2);
    detail::perm_moments(d, 2, mean, cov, ng);
    detail::PermQuadratic quad;
    if (!quad.init(mean, cov, ng, 2, nullptr)) {
      out.p_value = 1.0;
      return out.status = PermutationStatus::no_variance;
    }
    detail::perm_group_sums(d, t);
    out.statistic = quad(t.data());
    df = quad.df();
    out.df = df;
  }
  const std::size_t ns = d.start.size() - 1;
  using Stratum = detail::PermStratum;
  std::vector<Stratum> st;
  double cmin = std::numeric_limits<double>::infinity();
  double cmax = -cmin;
  std::vector<double> sc;
  for (std::size_t s = 0; s < ns; ++s) {
    Stratum x;
    x.lo = d.start[s];
    x.hi = d.start[s + 1];
    if (x.lo == x.hi) continue;
    int m1 = 0;
    sc.clear();
    for (std::size_t i = x.lo; i < x.hi; ++i) {
      m1 += d.rows[i].group == 1;
      sc.push_back(d.rows[i].score);
      cmin = std::min(cmin, d.rows[i].score);
      cmax = std::max(cmax, d.rows[i].score);
    }
    const int ntot = static_cast<int>(x.hi - x.lo);
    x.flip = m1 > ntot - m1;
    x.m = x.flip ? ntot - m1 : m1;
    std::sort(sc.begin(), sc.end());
    x.span.assign(static_cast<std::size_t>(x.m) + 1, 0.0);
    double small = 0.0, large = 0.0;
    for (int m = 1; m <= x.m; ++m) {
      small += sc[static_cast<std::size_t>(m - 1)];
      large += sc[sc.size() - static_cast<std::size_t>(m)];
      x.span[static_cast<std::size_t>(m)] = large - small;
    }
    st.push_back(std::move(x));
  }
  const double range = cmax - cmin;
  if (!(range > 0.0)) {
    out.p_value = 1.0;
    return out.status = PermutationStatus::ok;
  }
  if (detail::exact_enumerate(d, st, opt.max_states, out.p_value, intr)) {
    out.grid = 0.0;
    return out.status = PermutationStatus::ok;
  }
  // cost of a grid scale M: work(M) = a M + b cell updates, cells(M) = a' M + b'
  double wa = 0.0, wb = 0.0, ca = 0.0, cb = 0.0, prior = 0.0;
  for (const Stratum& x : st) {
    const double nrow = static_cast<double>(x.hi - x.lo);
    double rows_a = 0.0;
    for (int m = 0; m <= x.m; ++m) rows_a += x.span[static_cast<std::size_t>(m)] + prior;
    const double rows_b = 3.0 * (x.m + 1.0) * (x.m + 2.0) + (x.m + 1.0);
    wa += nrow * rows_a;
    wb += nrow * rows_b;
    ca = std::max(ca, rows_a);
    cb = std::max(cb, rows_b);
    prior += x.span[static_cast<std::size_t>(x.m)];
  }
  const auto work_of = [&](double m) { return wa * m + wb; };
  const auto cells_of = [&](double m) { return ca * m + cb; };
  double scale = opt.max_steps / range;
  if (wa > 0.0) scale = std::min(scale, (opt.max_work - wb) / wa);
  if (ca > 0.0) scale = std::min(scale, (opt.max_cells - cb) / ca);
  // keep every grid sum far inside 2^53
  double abs_sum = 0.0;
  for (const detail::PermRow& r : d.rows) abs_sum += std::fabs(r.score) + 2.0;
  scale = std::min(scale, 1e15 / abs_sum);
  scale = std::floor(scale);
  if (!(scale * range >= opt.min_steps)) {
    const double need = std::ceil(opt.min_steps / range);
    out.work = work_of(need);
    if (out.work > opt.max_work_hard || cells_of(need) > opt.max_cells ||
        need > 1e15 / abs_sum) {
      out.grid = need;
      return out.status = PermutationStatus::too_large;
    }
    scale = need;
  }
  out.grid = scale;
  // the grid scores r_i = round(M c_i) (rows are in stratum order)
  for (detail::PermRow& r : d.rows) r.grid = std::llround(scale * r.score);
  // the shift algorithm
  std::vector<double> prior_dist(1, 1.0);
  std::int64_t prior_lo = 0;
  long double mean_grid = 0.0L;
  std::int64_t obs = 0;
  double work = 0.0;
  std::vector<std::vector<double>> row;
  std::vector<std::int64_t> row_lo, row_hi;  // actual occupied range of row m
  std::vector<std::int64_t> val;
  for (const Stratum& x : st) {
    const std::size_t nrow = x.hi - x.lo;
    std::int64_t total = 0;
    std::int64_t m1 = 0;
    val.clear();
    for (std::size_t i = x.lo; i < x.hi; ++i) {
      const std::int64_t g = d.rows[i].grid;
      total += g;
      if (d.rows[i].group == 1) {
        obs += g;
        ++m1;
      }
      val.push_back(x.flip ? -g : g);
    }
    mean_grid += static_cast<long double>(m1) * static_cast<long double>(total) /
                 static_cast<long double>(nrow);
    // bounds of row m: prior range plus the m smallest / largest values
    std::vector<std::int64_t> sorted(val);
    std::sort(sorted.begin(), sorted.end());
    const int mm = x.m;
    const std::int64_t prior_hi = prior_lo + static_cast<std::int64_t>(prior_dist.size()) - 1;
    row.assign(static_cast<std::size_t>(mm) + 1, std::vector<double>());
    row_lo.assign(static_cast<std::size_t>(mm) + 1, 0);
    row_hi.assign(static_cast<std::size_t>(mm) + 1, -1);
    std::vector<std::int64_t> base(static_cast<std::size_t>(mm) + 1);
    {
      std::int64_t small = 0, large = 0;
      for (int m = 0; m <= mm; ++m) {
        if (m > 0) {
          small += sorted[static_cast<std::size_t>(m - 1)];
          large += sorted[sorted.size() - static_cast<std::size_t>(m)];
        }
        base[static_cast<std::size_t>(m)] = prior_lo + small;
        if (m > 0) {
          row[static_cast<std::size_t>(m)].assign(
              static_cast<std::size_t>(prior_hi + large - (prior_lo + small) + 1), 0.0);
        }
      }
    }
    row[0] = prior_dist;
    row_lo[0] = prior_lo;
    row_hi[0] = prior_hi;
    for (std::size_t it = 0; it < nrow; ++it) {
      const std::int64_t v = val[it];
      const int top = std::min<int>(mm, static_cast<int>(it) + 1);
      for (int m = top; m >= 1; --m) {
        const std::size_t mu = static_cast<std::size_t>(m);
        if (row_hi[mu - 1] < row_lo[mu - 1]) continue;
        const std::vector<double>& src = row[mu - 1];
        std::vector<double>& dst = row[mu];
        const std::int64_t from = row_lo[mu - 1], to = row_hi[mu - 1];
        const double* ps = src.data() + (from - base[mu - 1]);
        double* pd = dst.data() + (from + v - base[mu]);
        const std::int64_t len = to - from + 1;
        for (std::int64_t q = 0; q < len; ++q) pd[q] += ps[q];
        if (row_hi[mu] < row_lo[mu]) {
          row_lo[mu] = from + v;
          row_hi[mu] = to + v;
        } else {
          row_lo[mu] = std::min(row_lo[mu], from + v);
          row_hi[mu] = std::max(row_hi[mu], to + v);
        }
        work += static_cast<double>(len);
        intr.poll(static_cast<std::uint64_t>(len));
      }
    }
    // the distribution of the group-1 sum so far
    const std::size_t mu = static_cast<std::size_t>(mm);
    const std::int64_t lo = row_lo[mu], hi = row_hi[mu];
    const std::int64_t rb = base[mu];
    std::vector<double> next(static_cast<std::size_t>(hi - lo + 1));
    std::copy(row[mu].begin() + (lo - rb), row[mu].begin() + (hi - rb + 1), next.begin());
    if (x.flip) {
      // group-1 sum = prior part + (total - complement sum); the DP summed
      // prior + (-complement): shift by the total
      prior_lo = lo + total;
    } else {
      prior_lo = lo;
    }
    prior_dist.swap(next);
  }
  out.work = work;
  // two-sided: |G - E| >= |G_obs - E| in exact integer arithmetic on the
  // grid (E, the permutation mean of G, in long double). Relabellings with
  // bit-identical scores stay equal; those whose real statistics lie within
  // about m / M of the observed one can fall on either side.
  const long double dev = std::fabs(static_cast<long double>(obs) - mean_grid);
  const long double eps = 1e-6L;
  const long double upper = mean_grid + dev - eps, lower = mean_grid - dev + eps;
  long double tail = 0.0L, total_mass = 0.0L;
  for (std::size_t q = 0; q < prior_dist.size(); ++q) {
    const long double g = static_cast<long double>(prior_lo + static_cast<std::int64_t>(q));
    const long double f = prior_dist[q];
    total_mass += f;
    if (g >= upper || g <= lower) tail += f;
  }
  out.p_value = total_mass > 0.0L ? static_cast<double>(std::min(1.0L, tail / total_mass)) : 1.0;
  return out.status = PermutationStatus::ok;
}

}  // namespace core
}  // namespace survstep

#endif
