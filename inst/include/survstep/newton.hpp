// One Newton-Raphson solver, generic over the objective it maximises
// (methods.md section 3, "Newton-Raphson").
//
// ============================================================================
// The objective interface (a compile-time concept; no virtual calls)
// ============================================================================
//
// An objective is any class with these members:
//
//   int dim() const;
//       Number of coefficients p (0 = nothing to estimate: only the
//       log-likelihood is evaluated).
//   const double* units() const;
//       Length-p diagonal reparametrisation, or nullptr for none: the
//       objective works on an internal scale b_s = b / units (Cox: the
//       centred-and-scaled columns of coxfit6), and the solver reports beta,
//       score and variance in the caller's units as beta = b_s * units,
//       U = U_s / units, V = diag(units) V_s diag(units).
//   double evaluate(const Eigen::VectorXd& beta_s, bool derivatives,
//                   Interrupt& interrupt);
//       The (possibly penalised) log-likelihood at beta_s (internal scale).
//       With derivatives = true also the score U_s (p) and the information
//       I_s = minus the Hessian (p x p, symmetric, both triangles filled),
//       read back through score() and information() until the next call.
//       Long O(n) loops call interrupt.poll(rows) (see interrupt.hpp); the
//       exception it throws must pass through unchanged. Statistical
//       trouble (overflow, -Inf) is returned as non-finite values, never
//       thrown.
//   const Eigen::VectorXd& score() const;
//   const Eigen::MatrixXd& information() const;
//
// The right-censored Cox objective (Breslow/Efron) is CoxObjective in
// cox_newton.hpp; a counting-process (start, stop] objective, or Firth's
// penalised one (log L + 1/2 log|I|, its score and information), plugs in by
// providing the same five members. Nothing in this file knows about the data.
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   enum class NewtonRule { survival, sas, spss };
//       How convergence is judged at a new point (l_new, U, I there) after a
//       point (b_old, l_old), decided in newton_stop():
//       survival: |1 - l_old / l_new| <= eps (coxph.fit / coxfit6);
//       sas:  U' I^- U / (|l_new| + 1e-6) < gconv (SAS PHREG's relative
//             gradient criterion GCONV=), also checked at init (0
//             iterations when init already satisfies it);
//       spss: max_j |b_new_j - b_old_j| < bcon (caller's units; bcon > 0)
//             or |l_new - l_old| / |l_old| < lcon (lcon > 0), SPSS COXREG's
//             BCON and LCON.
//   enum class InfiniteRule { coxph, agreg };
//   struct NewtonControl { eps, toler_chol, iter_max, toler_inf, rule,
//                          infinite_rule }
//   struct NewtonResult  (fields documented below)
//   template <class Objective>
//   int newton_solve(Objective& f, const double* init, const NewtonControl& c,
//                    NewtonResult& res, Interrupt& interrupt);
//       Maximise f from init (caller's units; nullptr = 0). Algorithm, as
//       survival's coxfit6:
//         - evaluate at init; score test U' I^- U there (res.score_test);
//         - Newton step b + I^- U with the LDL' factor of cholesky.hpp
//           (tolerance toler_chol; redundant columns get step 0);
//         - a trial point whose log-likelihood is not finite or falls below
//           the best so far is pulled back towards the best point (1/2, then
//           2/3, 3/4, ... of the way: step-halving);
//         - converged when newton_converged() says so (checked before the
//           halving test, as coxfit6 does);
//         - after iter_max iterations without convergence, the best point is
//           reported with its own information (status not_converged);
//         - the variance is the generalised inverse of the information at
//           the reported point; columns with a zero variance diagonal are
//           aliased (NaN coefficient), checked when the rank is deficient or
//           the fit converged while halving (coxph's flag < nvar);
//         - a column that was NOT redundant in the information at init but
//           is at the reported point has diverged (monotone likelihood: its
//           weights in the risk sets vanished as the coefficient grew). It
//           is not aliased: its coefficient is kept, flagged infinite
//           (status infinite), and the variance is the inverse of the
//           information with only the init-redundant columns left out
//           (a huge variance; +Inf on the diagonal if its information is
//           exactly 0). So the reported coefficients, log-likelihood and
//           everything computed from them (linear predictors, concordance)
//           are one fit, as coxph's default (non-converged) path gives;
//         - after convergence (iter_max > 1, survival's rule) a coefficient is flagged
//           possibly infinite by c.infinite_rule: coxph.fit's |(V U)_j| >
//           eps and > toler_inf |beta_j|, or agreg.fit's |(V U)_j| >
//           toler_inf (1 + |beta_j|); in both when U_j is not finite.
//       interrupt.check() runs once per iteration; the objective polls
//       inside its loops. Returns res.status (NewtonStatus bits; 0 = clean).
//       Never throws for statistical problems; core::interrupted passes.
#ifndef SURVSTEP_CORE_NEWTON_HPP
#define SURVSTEP_CORE_NEWTON_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cholesky.hpp"
#include "interrupt.hpp"

namespace survstep {
namespace core {

enum class NewtonRule : int {
  survival = 0,  // |1 - l_old / l_new| <= eps (coxph.fit)
  sas = 1,       // relative gradient U' I^- U / (|l| + 1e-6) < gconv (PHREG)
  spss = 2,      // parameter change < bcon or relative loglik change < lcon
};

// Which rule flags a converged coefficient as possibly infinite (monotone
// likelihood), with a = |(V U)_j| at the solution:
//   coxph:  a > eps and a > toler_inf |beta_j|   (survival's coxph.fit)
//   agreg:  a > toler_inf (1 + |beta_j|)         (survival's agreg.fit, for
//                                                 (start, stop] data)
// and in both a score U_j that is not finite.
enum class InfiniteRule : int { coxph = 0, agreg = 1 };

struct NewtonControl {
  double eps = 1e-9;
  double toler_chol = 1.818989403545856e-12;  // DBL_EPSILON^0.75
  int iter_max = 20;
  double toler_inf = 3.162277660168379e-05;  // sqrt(1e-9)
  NewtonRule rule = NewtonRule::survival;
  InfiniteRule infinite_rule = InfiniteRule::coxph;
  double gconv = 1e-8;  // NewtonRule::sas
  double bcon = 1e-4;   // NewtonRule::spss (0 = not used)
  double lcon = 1e-5;   // NewtonRule::spss (0 = not used)
};

enum NewtonStatus : int {
  newton_ok = 0,
  newton_not_converged = 1,    // ran out of iterations
  newton_singular = 2,         // redundant (aliased) columns: NaN coefficients
  newton_infinite = 4,         // some coefficient may be infinite (see `infinite`)
  newton_nonfinite_init = 8,   // log-likelihood at init not finite: nothing done
  newton_halving_at_end = 16,  // converged while step-halving (coxph flag -2)
  newton_bad_input = 32        // contract error (init of the wrong length etc.)
};

struct NewtonResult {
  int status = 0;             // NewtonStatus bits
  int iter = 0;               // Newton iterations used
  int rank = 0;               // rank of the information at the solution
  double loglik_init = 0.0;   // at init
  double loglik = 0.0;        // at the reported beta
  double score_test = 0.0;    // score test at init: U' I^- U
  Eigen::VectorXd beta;       // caller's units; NaN for aliased columns
  Eigen::VectorXd score;      // U at the reported beta (caller's units)
  Eigen::MatrixXd var;        // I^- at the reported beta; zero rows/cols for aliased
  std::vector<int> aliased;   // 1 = redundant column
  std::vector<int> infinite;  // 1 = coefficient may be infinite (coxph's rule)
  bool converged = false;
  // internal scale, and scratch (reused between fits)
  Eigen::VectorXd bs;  // reported beta on the objective's internal scale
  Eigen::VectorXd newb, step, tmp;
  Eigen::MatrixXd fac;
  std::vector<char> redundant_init;  // redundant in the information at init
};

namespace detail {
template <class Objective>
bool newton_all_finite(const Objective& f, double lk) {
  if (!std::isfinite(lk)) return false;
  const Eigen::VectorXd& u = f.score();
  const Eigen::MatrixXd& im = f.information();
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    if (!std::isfinite(u[j])) return false;
  }
  for (Eigen::Index j = 0; j < im.size(); ++j) {
    if (!std::isfinite(im.data()[j])) return false;
  }
  return true;
}

// beta, score and var from the internal scale to the caller's units
template <class Objective>
void newton_unscale(const Objective& f, NewtonResult& res) {
  const int p = f.dim();
  const double* s = f.units();
  const Eigen::VectorXd& u = f.score();
  res.beta.resize(p);
  res.score.resize(p);
  for (int j = 0; j < p; ++j) {
    res.beta[j] = s ? res.bs[j] * s[j] : res.bs[j];
    res.score[j] = s ? u[j] / s[j] : u[j];
  }
  if (s) {
    for (int j = 0; j < p; ++j) {
      for (int i = 0; i < p; ++i) res.var(i, j) *= s[i] * s[j];
    }
  }
}

// Factor the information just evaluated (into res.fac); returns the rank.
template <class Objective>
int newton_factor(const Objective& f, double toler_chol, NewtonResult& res) {
  res.fac = f.information();
  res.rank = chol_decompose(res.fac, toler_chol);
  return res.rank;
}
}  // namespace detail

// The convergence rule of survival (coxfit6).
inline bool newton_converged(const NewtonControl& c, double l_old, double l_new) {
  return std::fabs(1.0 - l_old / l_new) <= c.eps;
}

namespace detail {
// SAS PHREG's relative gradient U' I^- U / (|l| + 1e-6) at the point just
// evaluated (its information factored in res.fac; scale free).
template <class Objective>
double newton_relative_gradient(const Objective& f, double l, NewtonResult& res) {
  res.tmp = f.score();
  chol_solve(res.fac, res.tmp.data());
  return f.score().dot(res.tmp) / (std::fabs(l) + 1e-6);
}
}  // namespace detail

// Whether to stop at the point b_new just evaluated (log-likelihood l_new;
// its score and factored information in f and res.fac) after the point
// b_old with l_old (internal scale): the rule of c.rule (see the API notes).
template <class Objective>
bool newton_stop(const NewtonControl& c, const Objective& f, double l_old, double l_new,
                 const Eigen::VectorXd& b_old, const Eigen::VectorXd& b_new,
                 NewtonResult& res) {
  switch (c.rule) {
    case NewtonRule::sas:
      return detail::newton_relative_gradient(f, l_new, res) < c.gconv;
    case NewtonRule::spss: {
      if (c.bcon > 0.0) {
        const double* s = f.units();
        double change = 0.0;
        for (Eigen::Index j = 0; j < b_new.size(); ++j) {
          const double dj = (b_new[j] - b_old[j]) * (s ? s[j] : 1.0);
          change = std::max(change, std::fabs(dj));
        }
        if (change < c.bcon) return true;
      }
      return c.lcon > 0.0 && std::fabs(l_new - l_old) / std::fabs(l_old) < c.lcon;
    }
    case NewtonRule::survival:
    default:
      return newton_converged(c, l_old, l_new);
  }
}

template <class Objective>
int newton_solve(Objective& f, const double* init, const NewtonControl& ctrl,
                 NewtonResult& res, Interrupt& interrupt) {
  const int p = f.dim();
  const double* s = f.units();
  res.status = 0;
  res.iter = 0;
  res.converged = false;
  res.aliased.assign(p, 0);
  res.infinite.assign(p, 0);
  res.bs.resize(p);
  for (int j = 0; j < p; ++j) res.bs[j] = init ? (s ? init[j] / s[j] : init[j]) : 0.0;

  if (p == 0) {
    res.loglik_init = res.loglik = f.evaluate(res.bs, false, interrupt);
    res.score_test = 0.0;
    res.rank = 0;
    res.beta.resize(0);
    res.score.resize(0);
    res.var.resize(0, 0);
    res.converged = true;
    return res.status;
  }

  interrupt.check();
  const double lk0 = f.evaluate(res.bs, true, interrupt);
  res.loglik_init = lk0;
  detail::newton_factor(f, ctrl.toler_chol, res);
  res.redundant_init.assign(p, 0);
  for (int j = 0; j < p; ++j) res.redundant_init[j] = res.fac(j, j) == 0.0;
  res.step = f.score();
  chol_solve(res.fac, res.step.data());
  res.score_test = f.score().dot(res.step);

  // SAS: the relative gradient criterion is checked at init too
  const bool init_done = ctrl.rule == NewtonRule::sas && ctrl.iter_max > 0 &&
                         std::isfinite(lk0) &&
                         res.score_test / (std::fabs(lk0) + 1e-6) < ctrl.gconv;
  if (ctrl.iter_max == 0 || !std::isfinite(lk0) || init_done) {
    if (!std::isfinite(lk0)) res.status |= newton_nonfinite_init;
    res.loglik = lk0;
    chol_inverse(res.fac, res.var);
    detail::newton_unscale(f, res);
    res.converged = (ctrl.iter_max == 0 || init_done) && std::isfinite(lk0);
    // as coxph.fit with iter.max = 0: no aliasing or infinity checks
    return res.status;
  }

  double best = lk0;
  res.newb = res.bs + res.step;
  int halving = 0;
  bool done = false;
  for (int it = 1; it <= ctrl.iter_max; ++it) {
    interrupt.check();
    res.iter = it;
    const double newlk = f.evaluate(res.newb, true, interrupt);
    const bool finite = detail::newton_all_finite(f, newlk);
    detail::newton_factor(f, ctrl.toler_chol, res);
    if (finite && newton_stop(ctrl, f, best, newlk, res.bs, res.newb, res)) {
      res.loglik = newlk;
      res.bs = res.newb;
      chol_inverse(res.fac, res.var);
      if (halving > 0) res.status |= newton_halving_at_end;
      done = true;
      break;
    }
    if (!finite || newlk < best) {
      ++halving;
      res.newb = (res.newb + halving * res.bs) / (halving + 1.0);
    } else {
      halving = 0;
      best = newlk;
      res.step = f.score();
      chol_solve(res.fac, res.step.data());
      res.bs = res.newb;
      res.newb += res.step;
    }
  }

  if (!done) {
    // out of iterations: report the best point with its own information
    res.status |= newton_not_converged;
    interrupt.check();
    res.loglik = f.evaluate(res.bs, true, interrupt);
    detail::newton_factor(f, ctrl.toler_chol, res);
    chol_inverse(res.fac, res.var);
  } else {
    res.converged = true;
  }
  // columns redundant now but not at init: diverged, not aliased
  bool diverged = false;
  if (res.rank < p || (res.status & newton_halving_at_end)) {
    for (int j = 0; j < p; ++j) {
      if (res.var(j, j) == 0.0 && !res.redundant_init[j]) {
        diverged = true;
        res.infinite[j] = 1;
        res.status |= newton_infinite;
      }
    }
  }
  if (diverged) {
    // tolerance DBL_EPSILON^2: only an information that is 0 to working
    // precision leaves a diverged column out
    constexpr double tiny =
        std::numeric_limits<double>::epsilon() * std::numeric_limits<double>::epsilon();
    res.fac = f.information();
    for (int j = 0; j < p; ++j) {
      if (!res.redundant_init[j]) continue;
      res.fac.row(j).setZero();
      res.fac.col(j).setZero();
    }
    chol_decompose(res.fac, tiny);
    chol_inverse(res.fac, res.var);
    for (int j = 0; j < p; ++j) {
      if (res.infinite[j] && res.var(j, j) == 0.0) {
        res.var(j, j) = std::numeric_limits<double>::infinity();
      }
    }
  }
  detail::newton_unscale(f, res);
  // aliased columns: zero diagonal of the variance (coxph: flag < nvar)
  if (res.rank < p || (res.status & newton_halving_at_end)) {
    for (int j = 0; j < p; ++j) {
      if (res.var(j, j) == 0.0) {
        res.aliased[j] = 1;
        res.status |= newton_singular;
      }
    }
  }
  // infinite coefficients (ctrl.infinite_rule), only when iter_max > 1 and
  // under survival's rule (a vendor rule stops while |V U| is still of the
  // order of its tolerance, which the check would read as divergence)
  if (res.converged && ctrl.iter_max > 1 && !diverged && ctrl.rule == NewtonRule::survival) {
    res.tmp = res.var * res.score;  // symmetric: U'V
    const bool agreg = ctrl.infinite_rule == InfiniteRule::agreg;
    for (int j = 0; j < p; ++j) {
      const double a = std::fabs(res.tmp[j]);
      const double b = std::fabs(res.beta[j]);
      const bool inf = !std::isfinite(res.score[j]) ||
                       (agreg ? a > ctrl.toler_inf * (1.0 + b)
                              : (a > ctrl.eps && a > ctrl.toler_inf * b));
      if (inf) {
        res.infinite[j] = 1;
        res.status |= newton_infinite;
      }
    }
  }
  for (int j = 0; j < p; ++j) {
    if (res.aliased[j]) res.beta[j] = std::numeric_limits<double>::quiet_NaN();
  }
  return res.status;
}

}  // namespace core
}  // namespace survstep

#endif
