// Firth's penalised Cox partial likelihood (Heinze and Schemper 2001) as an
// objective of the generic Newton solver, and profile-likelihood inference
// (confidence intervals by root finding, likelihood-ratio tests with some
// coefficients fixed) for penalised and ordinary fits.
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   void cox_firth_gradient(const CoxData& d, CoxTies ties,
//                           const Eigen::MatrixXd& A, const Eigen::VectorXd& risk,
//                           Eigen::VectorXd& g, CoxFirthWork& fw,
//                           Interrupt& interrupt);
//        g_k = tr(A dI/db_k) on the internal (centred and scaled) scale,
//        with risk = w exp(eta) per sorted row (CoxWork::risk after a
//        cox_evaluate_scaled() at the same beta) and A a (generalised)
//        inverse of I. One backward pass over the risk sets accumulating
//        S0, S1, S2 = sum w e^eta x x', T = sum w e^eta q x and
//        Q = sum w e^eta q with q_i = x_i' A x_i; each death (Efron: each
//        of its fractional risk sets) adds
//          dw [ T/S0 - Q S1/S0^2 - 2 S2 A S1 / S0^2 + 2 (S1'A S1) S1 / S0^3 ],
//        the trace with A of the derivative of S2/S0 - S1 S1'/S0^2.
//        Strata, case weights and (start, stop] data as cox_loglik.hpp.
//   class CoxPenalisedObjective
//        newton_solve() objective: log L(b) + 1/2 log|I(b)| (penalised) or
//        log L(b), with columns held fixed at their start (`fixed`: score 0,
//        zero rows/columns of the information the solver sees; the penalty
//        still uses the full I). Score U + 1/2 (tr(A dI/db_k))_k; the matrix
//        handed to the solver is I(b) (the step of coxphf: b + I^-1 U*).
//        The penalty is log|I| of the caller's units (the scale of the
//        internal columns is taken out), over the non-redundant pivots.
//   int cox_penalised_fit(const CoxData& d, CoxTies ties, const CoxControl& c,
//                         const double* init, bool penalised,
//                         const std::vector<char>* fixed, CoxFitResult& res,
//                         CoxWork& w, CoxFirthWork& fw, Interrupt* interrupt);
//        newton_solve() on CoxPenalisedObjective. The modified Newton step
//        converges linearly (the Hessian of the penalty is left out), so the
//        loglik rule of the solver can stop early: the solver is restarted
//        from its solution while a step max_j |(V U*)_j| / se_j exceeds
//        1e-10 (at most 25 restarts, counted in res.iter). Columns without
//        information (cox_inestimable()) are held fixed (aliased). The
//        variance is I(b)^- at the estimate (as coxphf). Penalised fits
//        take Breslow or Efron ties (CoxTies::exact: status
//        newton_bad_input, nothing fitted); unpenalised ones any.
//   struct CoxProfileRequest / CoxProfileResult
//   void cox_profile(const CoxData& d, CoxTies ties, const CoxControl& c,
//                    bool penalised, const Eigen::VectorXd& beta, double loglik,
//                    const Eigen::MatrixXd& var, const CoxProfileRequest& req,
//                    CoxProfileResult& out, Interrupt* interrupt);
//        From a fit (beta, its (penalised) loglik, its variance):
//        - for each column k of req.ci_cols, the two roots in b_k of
//          2 (loglik - pl(b_k)) = req.crit, pl(b_k) the (penalised) loglik
//          maximised over the other coefficients (Venzon and Moolgavkar's
//          bounds, found here by bracketing from the Wald guess and
//          Brent's method on the profile, tolerance 1e-10 relative);
//          +-Inf when the profile does not reach the level (monotone
//          likelihood of an ordinary fit) within |b_k - beta_k| < 1e4 se;
//        - for each set of req.tests, the maximised (penalised) loglik
//          with those coefficients fixed at 0 (penalised LR tests).
//
// References: Heinze G, Schemper M (2001). A solution to the problem of
// monotone likelihood in Cox regression. Biometrics 57, 114-119.
// Venzon DJ, Moolgavkar SH (1988). A method for computing
// profile-likelihood-based confidence intervals. Applied Statistics 37,
// 87-94. Brent RP (1973). Algorithms for Minimization without Derivatives,
// chapter 4.
#ifndef SURVSTEP_CORE_COX_FIRTH_HPP
#define SURVSTEP_CORE_COX_FIRTH_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cholesky.hpp"
#include "cox_loglik.hpp"
#include "cox_newton.hpp"
#include "interrupt.hpp"
#include "newton.hpp"

namespace survstep {
namespace core {

struct CoxFirthWork {
  Eigen::MatrixXd fac, ainv, s2, s2d;
  Eigen::VectorXd s1, t, s1d, td, y, g, as1, m1, mt;
  Eigen::MatrixXd m2;
  std::vector<double> q;
};

namespace detail {
// Running risk-set sums of the penalty gradient.
struct FirthSums {
  double s0 = 0.0, q0 = 0.0;
  void clear(Eigen::VectorXd& s1, Eigen::VectorXd& t, Eigen::MatrixXd& s2) {
    s0 = q0 = 0.0;
    s1.setZero();
    t.setZero();
    s2.setZero();
  }
};

// g += wt [T/S0 - Q S1/S0^2 - 2 S2 A S1/S0^2 + 2 (S1'A S1) S1/S0^3]
inline void firth_death_term(double wt, double s0, const Eigen::VectorXd& s1,
                             const Eigen::MatrixXd& s2, const Eigen::VectorXd& t, double q0,
                             const Eigen::MatrixXd& A, CoxFirthWork& fw) {
  if (!(s0 > 0.0)) return;
  fw.as1.noalias() = A * s1;
  const double c = s1.dot(fw.as1);
  const double i1 = 1.0 / s0, i2 = i1 * i1, i3 = i2 * i1;
  fw.g.noalias() += (wt * i1) * t;
  fw.g.noalias() += (wt * (2.0 * c * i3 - q0 * i2)) * s1;
  fw.g.noalias() -= (2.0 * wt * i2) * (s2.selfadjointView<Eigen::Lower>() * fw.as1);
}
}  // namespace detail

inline void cox_firth_gradient(const CoxData& d, CoxTies ties, const Eigen::MatrixXd& A,
                               const Eigen::VectorXd& risk, Eigen::VectorXd& g,
                               CoxFirthWork& fw, Interrupt& interrupt) {
  const int n = d.n, p = d.p;
  const bool efron = ties == CoxTies::efron;
  g.setZero(p);
  if (p == 0) return;
  fw.g.setZero(p);
  fw.s1.setZero(p);
  fw.t.setZero(p);
  fw.s2.setZero(p, p);
  fw.s1d.resize(p);
  fw.td.resize(p);
  fw.s2d.resize(p, p);
  fw.y.resize(p);
  fw.q.resize(n);
  const double* X = d.xt.data();
  auto xrow = [&](int k) {
    return Eigen::Map<const Eigen::VectorXd>(X + static_cast<std::ptrdiff_t>(k) * p, p);
  };
  // q_i = x_i' A x_i
  for (int k = 0; k < n; ++k) {
    if ((k & 255) == 0) interrupt.poll(256);
    fw.y.noalias() = A * xrow(k);
    fw.q[k] = xrow(k).dot(fw.y);
  }
  double s0 = 0.0, q0 = 0.0;
  auto clear = [&]() {
    s0 = q0 = 0.0;
    fw.s1.setZero();
    fw.t.setZero();
    fw.s2.setZero();
  };
  auto add = [&](int k, double sign) {
    const double r = sign * risk[k];
    const auto x = xrow(k);
    s0 += r;
    q0 += r * fw.q[k];
    fw.s1.noalias() += r * x;
    fw.t.noalias() += (r * fw.q[k]) * x;
    fw.s2.selfadjointView<Eigen::Lower>().rankUpdate(x, r);
  };
  const bool counting = d.counting;
  int eptr = 0;
  for (int b = d.nblock - 1; b >= 0; --b) {
    if (d.block_last[b]) {
      clear();
      if (counting) eptr = d.entry_bound[d.stratum[d.block_start[b]] + 1];
    }
    const int s = d.block_start[b], e = d.block_start[b + 1];
    const int nd = d.block_ndead[b];
    interrupt.poll(static_cast<std::uint64_t>(e - s));
    if (counting && nd > 0) {
      // as cox_loglik.hpp: rows whose start is at or after this time leave
      const int q0i = d.block_entry[b];
      for (int qq = q0i; qq < eptr; ++qq) add(d.entry[qq], -1.0);
      eptr = q0i;
      if (d.block_reset[b]) clear();
    }
    if (nd == 0) {
      for (int k = s; k < e; ++k) add(k, 1.0);
      continue;
    }
    const double deadwt = d.block_deadwt[b];
    if (!efron || nd == 1) {
      for (int k = s; k < e; ++k) add(k, 1.0);
      detail::firth_death_term(deadwt, s0, fw.s1, fw.s2, fw.t, q0, A, fw);
      continue;
    }
    // Efron: the r-th of the nd deaths sees the censored rows and
    // (r + 1) / nd of the dying ones
    double s0d = 0.0, q0d = 0.0;
    fw.s1d.setZero();
    fw.td.setZero();
    fw.s2d.setZero();
    for (int k = s; k < e; ++k) {
      if (d.status[k] == 0) {
        add(k, 1.0);
      } else {
        const double r = risk[k];
        const auto x = xrow(k);
        s0d += r;
        q0d += r * fw.q[k];
        fw.s1d.noalias() += r * x;
        fw.td.noalias() += (r * fw.q[k]) * x;
        fw.s2d.selfadjointView<Eigen::Lower>().rankUpdate(x, r);
      }
    }
    const double wtave = deadwt / nd;
    fw.m1.resize(p);
    fw.mt.resize(p);
    fw.m2.resize(p, p);
    for (int r = 0; r < nd; ++r) {
      const double f = (r + 1.0) / nd;
      fw.m1 = fw.s1 + f * fw.s1d;
      fw.mt = fw.t + f * fw.td;
      fw.m2.triangularView<Eigen::Lower>() = fw.s2 + f * fw.s2d;
      detail::firth_death_term(wtave, s0 + f * s0d, fw.m1, fw.m2, fw.mt, q0 + f * q0d, A, fw);
    }
    s0 += s0d;
    q0 += q0d;
    fw.s1 += fw.s1d;
    fw.t += fw.td;
    fw.s2.triangularView<Eigen::Lower>() += fw.s2d;
  }
  g = fw.g;
}

class CoxPenalisedObjective {
 public:
  CoxPenalisedObjective(const CoxData& d, CoxTies ties, CoxWork& w, CoxFirthWork& fw,
                        bool penalised, double toler_chol,
                        const std::vector<char>* fixed = nullptr)
      : d_(d), w_(w), fw_(fw), inner_(d, ties, w), ties_(ties), penalised_(penalised),
        toler_(toler_chol), fixed_(fixed) {}
  int dim() const { return d_.p; }
  const double* units() const { return d_.p > 0 ? d_.scale.data() : nullptr; }
  double evaluate(const Eigen::VectorXd& beta_s, bool derivatives, Interrupt& interrupt) {
    // the partial likelihood (with I also for the penalty), all columns free
    double l = inner_.evaluate(beta_s, penalised_ || derivatives, interrupt);
    if (penalised_ && d_.p > 0) {
      fw_.fac = w_.imat;
      chol_decompose(fw_.fac, toler_);
      double logdet = 0.0;
      for (int j = 0; j < d_.p; ++j) {
        const double dj = fw_.fac(j, j);
        // log|I| in the caller's units: I = S^-1 I_s S^-1
        if (dj > 0.0) logdet += std::log(dj) - 2.0 * std::log(d_.scale[j]);
      }
      l += 0.5 * logdet;
      if (derivatives) {
        chol_inverse(fw_.fac, fw_.ainv);
        cox_firth_gradient(d_, ties_, fw_.ainv, w_.risk, fw_.g, fw_, interrupt);
        w_.u.noalias() += 0.5 * fw_.g;
      }
    }
    if (derivatives) cox_hold_columns(fixed_, w_);
    return l;
  }
  const Eigen::VectorXd& score() const { return w_.u; }
  const Eigen::MatrixXd& information() const { return w_.imat; }

 private:
  const CoxData& d_;
  CoxWork& w_;
  CoxFirthWork& fw_;
  CoxObjective inner_;  // the unpenalised objective (cox_newton.hpp)
  CoxTies ties_;
  bool penalised_;
  double toler_;
  const std::vector<char>* fixed_;
};

inline int cox_penalised_fit(const CoxData& d, CoxTies ties, const CoxControl& ctrl,
                             const double* init, bool penalised,
                             const std::vector<char>* fixed, CoxFitResult& res, CoxWork& w,
                             CoxFirthWork& fw, Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int p = d.p;
  if (penalised && ties != CoxTies::breslow && ties != CoxTies::efron) {
    // the penalty's derivative is written for the Breslow and Efron terms
    res.status = newton_bad_input;
    return res.status;
  }
  std::vector<char> hold;
  const bool any_inest = p > 0 && cox_inestimable(d, hold);
  if (!any_inest) hold.assign(p, 0);
  bool any_hold = any_inest;
  if (fixed) {
    for (int j = 0; j < p; ++j) {
      if ((*fixed)[j]) hold[j] = 1;
      any_hold = any_hold || hold[j];
    }
  }
  CoxPenalisedObjective obj(d, ties, w, fw, penalised, ctrl.toler_chol,
                            any_hold ? &hold : nullptr);
  res.lp_large = false;
  CoxControl c = ctrl;
  if (d.counting) c.infinite_rule = InfiniteRule::agreg;
  newton_solve(obj, init, c, res, intr);
  const double loglik0 = res.loglik_init, score0 = res.score_test;
  int iter = res.iter;
  if (penalised && ctrl.iter_max > 0) {
    Eigen::VectorXd b(p);
    for (int restart = 0; restart < 25; ++restart) {
      if (!res.converged || (res.status & newton_nonfinite_init)) break;
      double worst = 0.0;
      Eigen::VectorXd step = res.var * res.score;
      for (int j = 0; j < p; ++j) {
        if (hold[j] || res.aliased[j]) continue;
        const double se = std::sqrt(res.var(j, j));
        if (se > 0.0 && std::isfinite(se)) worst = std::max(worst, std::fabs(step[j]) / se);
      }
      if (!(worst > 1e-10)) break;
      for (int j = 0; j < p; ++j) b[j] = res.bs[j] * d.scale[j];
      newton_solve(obj, b.data(), c, res, intr);
      iter += res.iter;
    }
  }
  res.loglik_init = loglik0;
  res.score_test = score0;
  res.iter = iter;
  if (fixed) {
    // held coefficients are not aliased: report their value
    for (int j = 0; j < p; ++j) {
      if ((*fixed)[j]) res.beta[j] = res.bs[j] * d.scale[j];
    }
  }
  return res.status;
}

struct CoxProfileRequest {
  double crit = 3.841458820694124;      // chi-square(1) quantile of the level
  std::vector<int> ci_cols;             // 0-based columns for intervals
  std::vector<std::vector<int>> tests;  // sets of columns fixed at 0
};

struct CoxProfileResult {
  std::vector<double> lower, upper;  // per ci column (original units)
  std::vector<int> ci_iter;          // profile fits used per column
  std::vector<double> test_loglik;   // per test set
  std::vector<int> test_status;      // newton status of each test fit
};

namespace detail {
// Brent's root finder on [a, b] with f(a), f(b) of opposite signs.
template <class F>
double brent_root(F& f, double a, double b, double fa, double fb, double tol, int maxit) {
  double c = a, fc = fa, dd = b - a, e = dd;
  for (int it = 0; it < maxit; ++it) {
    if ((fb > 0.0) == (fc > 0.0)) {
      c = a;
      fc = fa;
      dd = e = b - a;
    }
    if (std::fabs(fc) < std::fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol1 = 2.0 * std::numeric_limits<double>::epsilon() * std::fabs(b) + 0.5 * tol;
    const double xm = 0.5 * (c - b);
    if (std::fabs(xm) <= tol1 || fb == 0.0) return b;
    if (std::fabs(e) >= tol1 && std::fabs(fa) > std::fabs(fb)) {
      double s = fb / fa, pp, qq;
      if (a == c) {
        pp = 2.0 * xm * s;
        qq = 1.0 - s;
      } else {
        const double q1 = fa / fc, r = fb / fc;
        pp = s * (2.0 * xm * q1 * (q1 - r) - (b - a) * (r - 1.0));
        qq = (q1 - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (pp > 0.0) qq = -qq;
      pp = std::fabs(pp);
      if (2.0 * pp < std::min(3.0 * xm * qq - std::fabs(tol1 * qq), std::fabs(e * qq))) {
        e = dd;
        dd = pp / qq;
      } else {
        dd = xm;
        e = dd;
      }
    } else {
      dd = xm;
      e = dd;
    }
    a = b;
    fa = fb;
    b += std::fabs(dd) > tol1 ? dd : (xm > 0.0 ? tol1 : -tol1);
    fb = f(b);
  }
  return b;
}
}  // namespace detail

inline void cox_profile(const CoxData& d, CoxTies ties, const CoxControl& ctrl, bool penalised,
                        const Eigen::VectorXd& beta, double loglik, const Eigen::MatrixXd& var,
                        const CoxProfileRequest& req, CoxProfileResult& out,
                        Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int p = d.p;
  CoxWork w;
  CoxFirthWork fw;
  CoxFitResult fit;
  std::vector<char> fixed(p, 0);
  Eigen::VectorXd start(p), b0(p);
  for (int j = 0; j < p; ++j) b0[j] = std::isnan(beta[j]) ? 0.0 : beta[j];
  const int nci = static_cast<int>(req.ci_cols.size());
  out.lower.assign(nci, std::numeric_limits<double>::quiet_NaN());
  out.upper.assign(nci, std::numeric_limits<double>::quiet_NaN());
  out.ci_iter.assign(nci, 0);
  for (int a = 0; a < nci; ++a) {
    const int k = req.ci_cols[a];
    if (k < 0 || k >= p || std::isnan(beta[k])) continue;
    std::fill(fixed.begin(), fixed.end(), 0);
    fixed[k] = 1;
    double se = std::sqrt(var(k, k));
    if (!(se > 0.0) || !std::isfinite(se)) se = 1.0;
    for (int side = 0; side < 2; ++side) {
      const double dir = side == 0 ? -1.0 : 1.0;
      Eigen::VectorXd warm = b0;  // the free coefficients of the nearest point
      auto f = [&](double t) {
        start = warm;
        start[k] = t;
        cox_penalised_fit(d, ties, ctrl, start.data(), penalised, &fixed, fit, w, fw, &intr);
        ++out.ci_iter[a];
        const double v = 2.0 * (loglik - fit.loglik) - req.crit;
        if (std::isfinite(fit.loglik)) {
          for (int j = 0; j < p; ++j) {
            if (j != k && std::isfinite(fit.beta[j])) warm[j] = fit.beta[j];
          }
        }
        return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
      };
      double lo = b0[k], flo = -req.crit;
      double h = se * std::sqrt(req.crit);
      double hi = b0[k] + dir * h, fhi = f(hi);
      bool bracket = fhi >= 0.0;
      while (!bracket && h < 1e4 * se) {
        lo = hi;
        flo = fhi;
        h *= 2.0;
        hi = b0[k] + dir * h;
        fhi = f(hi);
        bracket = fhi >= 0.0;
      }
      double root = dir * std::numeric_limits<double>::infinity();
      if (bracket) {
        // restart the warm start from the inner end of the bracket
        const double tol = 1e-10 * std::max(1.0, std::fabs(hi));
        root = detail::brent_root(f, lo, hi, flo, fhi, tol, 200);
      }
      (side == 0 ? out.lower : out.upper)[a] = root;
    }
  }
  const int nt = static_cast<int>(req.tests.size());
  out.test_loglik.assign(nt, std::numeric_limits<double>::quiet_NaN());
  out.test_status.assign(nt, 0);
  for (int a = 0; a < nt; ++a) {
    std::fill(fixed.begin(), fixed.end(), 0);
    start = b0;
    for (int k : req.tests[a]) {
      if (k < 0 || k >= p) continue;
      fixed[k] = 1;
      start[k] = 0.0;
    }
    cox_penalised_fit(d, ties, ctrl, start.data(), penalised, &fixed, fit, w, fw, &intr);
    out.test_loglik[a] = fit.loglik;
    out.test_status[a] = fit.status;
  }
}

}  // namespace core
}  // namespace survstep

#endif
