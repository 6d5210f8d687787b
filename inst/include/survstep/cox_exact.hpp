// Exact (discrete) partial likelihood for tied event times: coxph(ties =
// "exact"), SAS PHREG TIES=DISCRETE, Stata stcox exactp (methods.md section
// 3, "Exact ties").
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   struct CoxExactSize    the largest tied set: deaths d, rows at risk m,
//                          work = d * m, and the sum of d * m over all tied
//                          sets (one evaluation costs O(sum d m p^2)).
//   void cox_exact_size(const CoxData& d, CoxExactSize& out);
//        The tied sets (d >= 2 events at one time in one stratum) and their
//        risk sets; the caller decides whether the work is feasible.
//   double detail::cox_exact_evaluate(const CoxData& d, const double* beta_s,
//                                     int what, CoxWork& w, Interrupt& intr);
//        What cox_evaluate_scaled() returns for CoxTies::exact: results in
//        w.loglik, w.u, w.imat (both triangles), internal scale. Case
//        weights must all be 1 (as coxph, which refuses other weights for
//        the exact method; the R front ends check it).
//
// Method. At an event time with d tied events D among the m rows of the
// risk set R (risk scores r_i = exp(eta_i)) the discrete model's term is
//   l = sum_{i in D} eta_i - log B(d, m),
//   B(d, m) = sum over the d-subsets S of R of prod_{i in S} r_i,
// the elementary symmetric polynomial of degree d in the r_i. Gail, Lubin &
// Rubinstein (1981) compute it by the recursion over the rows of R
//   B(k, j) = B(k, j - 1) + r_j B(k - 1, j - 1),  B(0, j) = 1,
// and its gradient and Hessian by differentiating the recursion (O(m d) per
// tied set, O(m d p^2) with the Hessian). Here the recursion runs on the
// averages A(k, j) = B(k, j) / choose(j, k) of the scaled scores
// rho_i = r_i / c (c = the largest score of the stratum, so 0 < rho <= 1
// and A(k, j) <= 1):
//   A(k, j) = (1 - k/j) A(k, j - 1) + (k/j) rho_j A(k - 1, j - 1),
// a convex combination; each A(k, .) also carries its own exponent
// (renormalised when it leaves [1e-50, 1e50]) so that no tied set, however
// large, overflows or underflows (coxph's recursion on the raw scores
// overflows once choose(m, d) exceeds the double range).
//
// Right-censored data: the risk set of a tied set is the suffix of its
// stratum from its time on, so one backward sweep over the rows of a
// stratum, with k up to the largest tie still ahead, gives B(d, m) for
// every tied set as it is passed: O(n_stratum * d_max * p^2) in all instead
// of the sum of m * d over the tied sets. (start, stop] data (risk set:
// start < t <= stop, as agexact): one recursion per tied set.
//
// The log-likelihood, score and information are those of Breslow's method
// (cox_loglik.hpp, whose fast passes do the untied times) plus, for each
// tied set, the exact term minus Breslow's, which the same recursion gives
// at k = 1 (A(1, m) = mean rho, its derivatives the risk-set sums):
//   log-likelihood  d log(m A(1)) - log choose(m, d) - log A(d)
//   score           d G(1) / A(1) - G(d) / A(d)
//   information     [H(d)/A(d) - q_d q_d'] - d [H(1)/A(1) - q_1 q_1']
// with G(k), H(k) the first and second derivatives of A(k, m) in beta and
// q_k = G(k) / A(k) (H(d)/A(d) - q_d q_d' is the covariance of sum_S x
// under the conditional distribution of the tied set).
//
// Reference: Gail MH, Lubin JH, Rubinstein LV (1981). Likelihood
// calculations for matched case-control studies and survival studies with
// tied death times. Biometrika 68, 703-707.
#ifndef SURVSTEP_CORE_COX_EXACT_HPP
#define SURVSTEP_CORE_COX_EXACT_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"

namespace survstep {
namespace core {

struct CoxExactSize {
  int deaths = 0;          // d of the tied set with the largest d * m
  int at_risk = 0;         // its m
  double work = 0.0;       // the largest d * m
  double total_work = 0.0; // sum of d * m over the tied sets
  int nsets = 0;           // number of tied sets (d >= 2)
};

namespace detail {

// The rows at risk at block b's time (sorted row indices), given the first
// row after b's stratum; (start, stop] data keep only start < t.
inline void cox_exact_risk_rows(const CoxData& d, int b, int stratum_end,
                                std::vector<int>& rows) {
  rows.clear();
  const int s = d.block_start[b];
  const double t = d.time[s];
  for (int k = s; k < stratum_end; ++k) {
    if (d.counting && !(d.start[k] < t)) continue;
    rows.push_back(k);
  }
}

// Visit the tied sets: fn(block, stratum_end).
template <class Fn>
void cox_exact_sets(const CoxData& d, Fn fn) {
  int stratum_end = d.n;
  for (int b = d.nblock - 1; b >= 0; --b) {
    if (d.block_last[b]) stratum_end = d.block_start[b + 1];
    if (d.block_ndead[b] >= 2) fn(b, stratum_end);
  }
}

}  // namespace detail

inline void cox_exact_size(const CoxData& d, CoxExactSize& out) {
  out = CoxExactSize();
  std::vector<int> rows;
  detail::cox_exact_sets(d, [&](int b, int stratum_end) {
    int m = 0;
    if (d.counting) {
      detail::cox_exact_risk_rows(d, b, stratum_end, rows);
      m = static_cast<int>(rows.size());
    } else {
      m = stratum_end - d.block_start[b];
    }
    const int nd = d.block_ndead[b];
    const double work = static_cast<double>(nd) * m;
    ++out.nsets;
    out.total_work += work;
    if (work > out.work) {
      out.work = work;
      out.deaths = nd;
      out.at_risk = m;
    }
  });
}

namespace detail {

// The state of the recursion for k = 0..K: a[k] (the scaled average A(k, j)
// on the binary exponent e[k]), and per k one record of p + p(p+1)/2
// numbers: the gradient g (p) and the packed lower triangle of the second
// derivative matrix h, both on a[k]'s exponent (what = loglik: no records).
struct ExactState {
  int K = 0, p = 0, rec = 0, j = 0;  // j = rows added so far
  double* a = nullptr;
  double* e = nullptr;
  double* f = nullptr;  // f[k] = exp(e[k-1] - e[k])
  double* r = nullptr;  // records
};

inline void exact_state_reset(CoxWork& w, int K, int p, bool need_u, bool need_i,
                              ExactState& st) {
  st.K = K;
  st.p = p;
  st.rec = need_i ? p + p * (p + 1) / 2 : (need_u ? p : 0);
  st.j = 0;
  w.exact_a.setZero(K + 1);
  w.exact_e.setZero(K + 1);
  w.exact_f.setOnes(K + 1);
  w.exact_g.setZero(st.rec > 0 ? st.rec : 1, K + 1);
  w.exact_a[0] = 1.0;
  st.a = w.exact_a.data();
  st.e = w.exact_e.data();
  st.f = w.exact_f.data();
  st.r = w.exact_g.data();
}

// exp(lo - hi), capped: a ratio beyond e^700 only arises from scores that
// contribute nothing at double precision
inline double exact_ratio(double lo, double hi) { return std::exp(std::min(lo - hi, 700.0)); }

// Add one row (scaled score rho, covariates x) to the recursion, updating
// k = min(kmax, j)..1. P = p when fixed at compile time (Eigen::Dynamic
// otherwise); NEED = 0 loglik, 1 + gradient, 2 + second derivatives.
template <int P, int NEED>
inline void exact_add_row(ExactState& st, double rho, const double* x, int kmax, double* xx,
                          double* t) {
  constexpr double big = 1e50, small = 1e-50;
  const int p = P > 0 ? P : st.p;
  const int q = p * (p + 1) / 2;
  const int rec = st.rec;
  double* a = st.a;
  double* e = st.e;
  double* f = st.f;
  const int j = ++st.j;
  if (NEED >= 2) {
    int l = 0;
    for (int c = 0; c < p; ++c) {
      for (int i = c; i < p; ++i) xx[l++] = x[i] * x[c];
    }
  }
  const int khi = std::min(kmax, j);
  if (khi == j) {
    // first visit of k = j: A(j, j - 1) is 0; start on k - 1's exponent
    e[j] = e[j - 1];
    f[j] = 1.0;
  }
  const double inv_j = 1.0 / j;
  for (int k = khi; k >= 1; --k) {
    const double w2 = k * inv_j;
    const double w1 = 1.0 - w2;
    const double fk = f[k];
    const double am = a[k - 1] * fk;  // A(k-1, j-1) on k's exponent
    const double cr = w2 * rho;
    a[k] = w1 * a[k] + cr * am;
    if (NEED >= 1) {
      double* gk = st.r + static_cast<std::ptrdiff_t>(k) * rec;
      const double* gm = gk - rec;
      for (int i = 0; i < p; ++i) t[i] = fk * gm[i];
      if (NEED >= 2) {
        double* hk = gk + p;
        const double* hm = gm + p;
        int l = 0;
        for (int c = 0; c < p; ++c) {
          const double xc = x[c], tc = t[c];
          for (int i = c; i < p; ++i, ++l) {
            hk[l] = w1 * hk[l] + cr * (fk * hm[l] + x[i] * tc + t[i] * xc + am * xx[l]);
          }
        }
      }
      for (int i = 0; i < p; ++i) gk[i] = w1 * gk[i] + cr * (t[i] + am * x[i]);
    }
    const double v = a[k];
    if (v != 0.0 && (v >= big || v <= small)) {
      // renormalise k onto a new exponent
      const double sc = 1.0 / v;
      a[k] = 1.0;
      double* gk = st.r + static_cast<std::ptrdiff_t>(k) * rec;
      for (int i = 0; i < rec; ++i) gk[i] *= sc;
      e[k] += std::log(v);
      f[k] = exact_ratio(e[k - 1], e[k]);
      if (k < st.K) f[k + 1] = exact_ratio(e[k], e[k + 1]);
    }
  }
  (void)q;
}

// One tied set's contribution, given the state after its risk set (m rows,
// scores scaled by c): the exact term minus Breslow's (read off k = 1).
inline void exact_correct(const ExactState& st, int nd, int p, int need, CoxWork& w,
                          double& loglik) {
  const int m = st.j;
  const double* a = st.a;
  const double* e = st.e;
  const double lchoose =
      std::lgamma(m + 1.0) - std::lgamma(nd + 1.0) - std::lgamma(m - nd + 1.0);
  loglik += nd * (std::log(static_cast<double>(m)) + std::log(a[1]) + e[1]) - lchoose -
            std::log(a[nd]) - e[nd];
  if (need < 1) return;
  const int rec = st.rec;
  const double* g1 = st.r + rec;
  const double* gd = st.r + static_cast<std::ptrdiff_t>(nd) * rec;
  const double a1 = a[1], ad = a[nd];
  for (int i = 0; i < p; ++i) w.u[i] += nd * g1[i] / a1 - gd[i] / ad;
  if (need < 2) return;
  const double* h1 = g1 + p;
  const double* hd = gd + p;
  int l = 0;
  for (int c = 0; c < p; ++c) {
    for (int i = c; i < p; ++i, ++l) {
      const double vd = hd[l] / ad - (gd[i] / ad) * (gd[c] / ad);
      const double v1 = h1[l] / a1 - (g1[i] / a1) * (g1[c] / a1);
      const double v = vd - nd * v1;
      w.imat(i, c) += v;
      if (i != c) w.imat(c, i) += v;
    }
  }
}

template <int P, int NEED>
inline double cox_exact_sweep(const CoxData& d, double loglik, CoxWork& w, Interrupt& intr) {
  const int p = P > 0 ? P : d.p;
  const double* X = d.xt.data();
  const double* risk = w.risk.data();
  w.exact_x.resize(p * (p + 1) / 2 + 1);
  w.exact_t.resize(p + 1);
  double* xx = w.exact_x.data();
  double* t = w.exact_t.data();
  ExactState st;
  auto row = [&](int k, double c, int kmax) {
    exact_add_row<P, NEED>(st, risk[k] / c, X + static_cast<std::ptrdiff_t>(k) * p, kmax, xx,
                           t);
  };
  if (d.counting) {
    // (start, stop] data: a recursion per tied set over its risk set
    std::vector<int>& rows = w.exact_rows;
    cox_exact_sets(d, [&](int b, int stratum_end) {
      cox_exact_risk_rows(d, b, stratum_end, rows);
      const int nd = d.block_ndead[b];
      double c = 0.0;
      for (int k : rows) c = std::max(c, risk[k]);
      if (!(c > 0.0) || !std::isfinite(c)) {
        loglik = std::numeric_limits<double>::quiet_NaN();
        return;
      }
      exact_state_reset(w, nd, p, NEED >= 1, NEED >= 2, st);
      for (int k : rows) {
        intr.poll(static_cast<std::uint64_t>(nd));
        row(k, c, nd);
      }
      exact_correct(st, nd, p, NEED, w, loglik);
    });
    return loglik;
  }
  // right-censored data: the risk set of a block is the suffix of its
  // stratum from the block on, so ONE backward sweep per stratum serves
  // every tied set (k up to the largest tie still ahead)
  int b = d.nblock - 1;
  while (b >= 0) {
    int first = b;  // first block of this stratum
    while (!d.block_first[first]) --first;
    int kmax = 0;
    for (int bb = first; bb <= b; ++bb) {
      if (d.block_ndead[bb] >= 2) kmax = std::max(kmax, d.block_ndead[bb]);
    }
    if (kmax > 0) {
      double c = 0.0;
      for (int k = d.block_start[first]; k < d.block_start[b + 1]; ++k) c = std::max(c, risk[k]);
      if (!(c > 0.0) || !std::isfinite(c)) return std::numeric_limits<double>::quiet_NaN();
      exact_state_reset(w, kmax, p, NEED >= 1, NEED >= 2, st);
      // the largest tie at or before each block of the stratum
      std::vector<int>& ahead = w.exact_rows;
      ahead.assign(b - first + 1, 0);
      int run = 0;
      for (int bb = first; bb <= b; ++bb) {
        if (d.block_ndead[bb] >= 2) run = std::max(run, d.block_ndead[bb]);
        ahead[bb - first] = run;
      }
      for (int bb = b; bb >= first; --bb) {
        const int need_k = ahead[bb - first];
        if (need_k == 0) break;  // no tied set left in this stratum
        for (int k = d.block_start[bb]; k < d.block_start[bb + 1]; ++k) {
          intr.poll(static_cast<std::uint64_t>(need_k));
          row(k, c, need_k);
        }
        const int nd = d.block_ndead[bb];
        if (nd >= 2) exact_correct(st, nd, p, NEED, w, loglik);
      }
    }
    b = first - 1;
  }
  return loglik;
}

template <int P>
inline double cox_exact_dispatch(const CoxData& d, double loglik, int what, CoxWork& w,
                                 Interrupt& intr) {
  if (what >= cox_what_info) return cox_exact_sweep<P, 2>(d, loglik, w, intr);
  if (what >= cox_what_score) return cox_exact_sweep<P, 1>(d, loglik, w, intr);
  return cox_exact_sweep<P, 0>(d, loglik, w, intr);
}

// ---------------------------------------------------------------------------
// Exact marginal likelihood (SAS TIES=EXACT, Stata exactm; DeLong, Guirguis
// & So 1994). For a tied set D (d events) with survivors R \ D of summed
// score S, the term is the probability that the d events precede every
// survivor under exponential times with rates r_i:
//   L = int_0^inf prod_{i in D} (1 - exp(-a_i t)) exp(-t) dt,  a_i = r_i / S
// (log 1 = 0 when nobody survives). With t = e^u the log-integrand
//   g(u) = sum_i log(1 - exp(-a_i e^u)) - e^u + u
// is concave in u; the integral is the trapezoidal rule in u centred at
// the mode of g with step sigma / 8 (sigma = (-g'')^(-1/2) there), out to
// where g has fallen by 60 (exponentially accurate for this smooth,
// log-concave integrand). Derivatives in beta: with z_i = x_i - xbar_S,
// b_i = a_i e^u, phi(b) = b / (e^b - 1), psi(b) = b phi'(b) and pi_k the
// normalised node weights,
//   grad log L = sum_i Phi_i z_i,            Phi_i = sum_k pi_k phi(b_ik)
//   hess log L = sum_i Psi_i z_i z_i' - (sum_i Phi_i) V_S
//                + sum_k pi_k v_k v_k' - grad grad',  v_k = sum_i phi(b_ik) z_i
// (V_S the score-weighted covariance of x over the survivors). As for the
// discrete likelihood, each tied set enters as its marginal term minus
// Breslow's.
struct MarginalTerm {
  double loglik = 0.0;
  Eigen::VectorXd grad;  // p
  Eigen::MatrixXd hess;  // p x p
};

// log(1 - exp(-b)), b > 0
inline double log1mexp_neg(double b) {
  return b < 0.6931471805599453 ? std::log(-std::expm1(-b)) : std::log1p(-std::exp(-b));
}
// phi(b) = b / (e^b - 1) (1 at b = 0)
inline double marg_phi(double b) { return b < 1e-300 ? 1.0 : b / std::expm1(b); }

// The marginal term from the log rates la_i = log a_i of the events.
// `z` (p x d) and `vs` (p x p) are used when need >= 1 / 2.
inline void marginal_term(const std::vector<double>& la, const Eigen::MatrixXd& z,
                          const Eigen::MatrixXd& vs, int need, MarginalTerm& out,
                          std::vector<double>& gk, std::vector<double>& uk) {
  const int nd = static_cast<int>(la.size());
  auto g = [&](double u, double* g1, double* g2) {
    double v = u - std::exp(u), d1 = 1.0 - std::exp(u), d2 = -std::exp(u);
    for (int i = 0; i < nd; ++i) {
      const double b = std::exp(la[i] + u);
      v += log1mexp_neg(b);
      const double ph = marg_phi(b);
      d1 += ph;
      d2 += ph * (1.0 - ph * std::exp(b));
    }
    if (g1) *g1 = d1;
    if (g2) *g2 = d2;
    return v;
  };
  // the mode: g' is decreasing, > 0 as u -> -inf, <= 0 at log(d + 1)
  double hi = std::log(nd + 1.0), lo = hi - 1.0, g1 = 0.0, g2 = 0.0;
  for (int it = 0; it < 200; ++it) {
    g(lo, &g1, nullptr);
    if (g1 > 0.0) break;
    hi = lo;
    lo -= 2.0 * (it + 1);
  }
  double u = 0.5 * (lo + hi);
  for (int it = 0; it < 100; ++it) {
    g(u, &g1, &g2);
    if (g1 > 0.0) lo = u; else hi = u;
    double un = g2 < 0.0 ? u - g1 / g2 : 0.5 * (lo + hi);
    if (!(un > lo && un < hi)) un = 0.5 * (lo + hi);
    if (std::fabs(un - u) < 1e-12 * (1.0 + std::fabs(u))) {
      u = un;
      break;
    }
    u = un;
  }
  const double gmax = g(u, nullptr, &g2);
  const double h = 0.125 / std::sqrt(std::max(-g2, 1e-12));
  uk.clear();
  gk.clear();
  uk.push_back(u);
  gk.push_back(gmax);
  for (int dir = -1; dir <= 1; dir += 2) {
    for (int k = 1; k < 20000; ++k) {
      const double uu = u + dir * k * h;
      const double gv = g(uu, nullptr, nullptr);
      uk.push_back(uu);
      gk.push_back(gv);
      if (gv < gmax - 60.0) break;
    }
  }
  const int nk = static_cast<int>(uk.size());
  double sum = 0.0;
  for (int k = 0; k < nk; ++k) sum += std::exp(gk[k] - gmax);
  out.loglik = gmax + std::log(h * sum);
  if (need < 1) return;
  const int p = static_cast<int>(z.rows());
  Eigen::VectorXd phi_bar = Eigen::VectorXd::Zero(nd), psi_bar = Eigen::VectorXd::Zero(nd);
  Eigen::MatrixXd vv = Eigen::MatrixXd::Zero(p, p);
  Eigen::VectorXd phik(nd), v(p);
  for (int k = 0; k < nk; ++k) {
    const double pk = std::exp(gk[k] - gmax) / sum;
    for (int i = 0; i < nd; ++i) {
      const double b = std::exp(la[i] + uk[k]);
      const double ph = marg_phi(b);
      phik[i] = ph;
      phi_bar[i] += pk * ph;
      psi_bar[i] += pk * ph * (1.0 - ph * std::exp(b));
    }
    if (need >= 2) {
      v.noalias() = z * phik;
      vv.noalias() += pk * v * v.transpose();
    }
  }
  out.grad = z * phi_bar;
  if (need < 2) return;
  out.hess = z * psi_bar.asDiagonal() * z.transpose() - phi_bar.sum() * vs + vv -
             out.grad * out.grad.transpose();
}

// Add the marginal-minus-Breslow terms of every tied set to w.loglik, w.u,
// w.imat (Breslow's already there); returns the log-likelihood.
inline double cox_marginal_sets(const CoxData& d, double loglik, int what, CoxWork& w,
                                Interrupt& intr) {
  const int p = d.p;
  const int need = p == 0 ? 0 : (what >= cox_what_info ? 2 : (what >= cox_what_score ? 1 : 0));
  const double* X = d.xt.data();
  const double* risk = w.risk.data();
  std::vector<int>& rows = w.exact_rows;
  std::vector<double> la, gk, uk;
  MarginalTerm term;
  Eigen::VectorXd s1(p), r1(p), xbar(p), rbar(p);
  Eigen::MatrixXd s2(p, p), r2(p, p), vs(p, p), vr(p, p), z;
  cox_exact_sets(d, [&](int b, int stratum_end) {
    cox_exact_risk_rows(d, b, stratum_end, rows);
    const int s = d.block_start[b], e = d.block_start[b + 1];
    const double t = d.time[s];
    const int nd = d.block_ndead[b];
    intr.poll(static_cast<std::uint64_t>(rows.size()));
    // survivors (sums S) and the whole risk set (sums R), in scaled scores
    double c = 0.0;
    for (int k : rows) c = std::max(c, risk[k]);
    if (!(c > 0.0) || !std::isfinite(c)) {
      loglik = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    double s0 = 0.0, r0 = 0.0;
    s1.setZero();
    r1.setZero();
    if (need >= 2) {
      s2.setZero();
      r2.setZero();
    }
    double sum_eta_dead = 0.0;
    la.clear();
    std::vector<int> dead;
    for (int k : rows) {
      const bool died = k >= s && k < e && d.status[k] == 1 && d.time[k] == t;
      const double rho = risk[k] / c;
      Eigen::Map<const Eigen::VectorXd> xk(X + static_cast<std::ptrdiff_t>(k) * p, p);
      r0 += rho;
      if (need >= 1) r1 += rho * xk;
      if (need >= 2) r2.selfadjointView<Eigen::Lower>().rankUpdate(xk, rho);
      if (died) {
        dead.push_back(k);
        continue;
      }
      s0 += rho;
      if (need >= 1) s1 += rho * xk;
      if (need >= 2) s2.selfadjointView<Eigen::Lower>().rankUpdate(xk, rho);
    }
    // Breslow's term for the set: sum_D eta - d log(sum_R r); eta = log(risk)
    for (int k : dead) sum_eta_dead += std::log(risk[k]);
    const double breslow = sum_eta_dead - nd * (std::log(c) + std::log(r0));
    double marg = 0.0;
    if (need >= 1) {
      rbar = r1 / r0;
      if (need >= 2) {
        r2.triangularView<Eigen::StrictlyUpper>() = r2.transpose();
        vr = r2 / r0 - rbar * rbar.transpose();
      }
    }
    if (s0 > 0.0) {
      for (int k : dead) la.push_back(std::log(risk[k] / c) - std::log(s0));
      if (need >= 1) {
        xbar = s1 / s0;
        z.resize(p, nd);
        for (int i = 0; i < nd; ++i) {
          z.col(i) = Eigen::Map<const Eigen::VectorXd>(
                         X + static_cast<std::ptrdiff_t>(dead[i]) * p, p) - xbar;
        }
        if (need >= 2) {
          s2.triangularView<Eigen::StrictlyUpper>() = s2.transpose();
          vs = s2 / s0 - xbar * xbar.transpose();
        }
      }
      marginal_term(la, z, vs, need, term, gk, uk);
      marg = term.loglik;
    }
    loglik += marg - breslow;
    if (need >= 1) {
      // Breslow's score for the set: sum_D x - d rbar
      for (int i = 0; i < p; ++i) w.u[i] += nd * rbar[i];
      for (int k : dead) {
        for (int i = 0; i < p; ++i) w.u[i] -= X[static_cast<std::ptrdiff_t>(k) * p + i];
      }
      if (s0 > 0.0) w.u += term.grad;  // (nobody survives: L = 1 whatever beta)
    }
    if (need >= 2) {
      w.imat -= nd * vr;
      if (s0 > 0.0) w.imat -= term.hess;
    }
  });
  return loglik;
}

inline double cox_exact_evaluate(const CoxData& d, const double* beta_s, int what,
                                 CoxWork& w, Interrupt& intr, bool marginal) {
  // Breslow's method for everything (it leaves w.risk = w exp(eta) filled)
  double loglik = cox_evaluate_scaled(d, beta_s, CoxTies::breslow, what, w, &intr);
  if (d.p == 0) what = cox_what_loglik;
  if (marginal) {
    loglik = cox_marginal_sets(d, loglik, what, w, intr);
    w.loglik = loglik;
    return loglik;
  }
  switch (d.p) {
    case 0: loglik = cox_exact_dispatch<Eigen::Dynamic>(d, loglik, what, w, intr); break;
    case 1: loglik = cox_exact_dispatch<1>(d, loglik, what, w, intr); break;
    case 2: loglik = cox_exact_dispatch<2>(d, loglik, what, w, intr); break;
    case 3: loglik = cox_exact_dispatch<3>(d, loglik, what, w, intr); break;
    case 4: loglik = cox_exact_dispatch<4>(d, loglik, what, w, intr); break;
    case 5: loglik = cox_exact_dispatch<5>(d, loglik, what, w, intr); break;
    case 6: loglik = cox_exact_dispatch<6>(d, loglik, what, w, intr); break;
    default: loglik = cox_exact_dispatch<Eigen::Dynamic>(d, loglik, what, w, intr); break;
  }
  w.loglik = loglik;
  return loglik;
}

}  // namespace detail
}  // namespace core
}  // namespace survstep

#endif
