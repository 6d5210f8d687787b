// Newton-Raphson fit of the Cox model, the score test and Wald tests.
//
// API (namespace survstep::core):
//
//   using CoxControl = NewtonControl;   (eps = 1e-9; toler_chol =
//       DBL_EPSILON^0.75; iter_max = 20; toler_inf = sqrt(eps); rule)
//   class CoxObjective                  the right-censored Breslow/Efron
//       partial likelihood (cox_loglik.hpp) as an objective of the generic
//       solver newton_solve() (newton.hpp), on coxfit6's centred-and-scaled
//       scale (units() = the column scales).
//   struct CoxFitResult : NewtonResult  + lp_large
//   int  cox_fit(const CoxData& d, CoxTies ties, const CoxControl& ctrl,
//                const double* init, CoxFitResult& res, CoxWork& w,
//                Interrupt* interrupt = nullptr);
//        As survival's coxph.fit / coxfit6: newton_solve() on CoxObjective
//        from init (original units; nullptr = 0); see newton.hpp for the
//        iteration, step-halving, convergence rule and status bits
//        (CoxFitStatus = NewtonStatus). When the iterations run out,
//        lp_large says whether coxph.fit would warn that coefficients may be
//        infinite (status bit cox_fit_lp_large; right-censored data only,
//        as agreg.fit has no such warning). For (start, stop] data the
//        infinite-coefficient rule is agreg.fit's (InfiniteRule::agreg,
//        newton.hpp). Columns without information at any beta
//        (cox_inestimable()) are aliased from the start. `interrupt` is
//        checked every iteration and polled inside the likelihood's loops.
//        Never throws for statistical problems.
//   double cox_score_test(const CoxData& d, const double* beta, CoxTies ties,
//                         double toler_chol, CoxWork& w, int* df = nullptr);
//        U(beta)' I(beta)^- U(beta) on the scaled information, as coxph's
//        `score` (what coxph(..., init = beta, iter.max = 0)$score gives).
//   double wald_test(const Eigen::MatrixXd& var, const Eigen::VectorXd& b,
//                    double toler_chol, int* df = nullptr);
//        b' V^- b with the generalised inverse of cholesky.hpp; df = rank
//        of V. The pivot rule is chol_decompose_relative's (scale free), so
//        the statistic and df do not change when covariates are rescaled;
//        survival's coxph.wtest (cholesky2, relative to the largest
//        diagonal element) drops well-determined columns when the column
//        scales differ by ~1e6 or more. Same value otherwise. For a term's
//        multi-df Wald test pass the V_EE block and b_E.
//   double cox_wald_global(const NewtonResult& res, const double* init,
//                          double toler_chol, int* df = nullptr);
//        The global Wald test of a fit: wald_test() of the non-aliased
//        coefficients against init (nullptr = 0); df = the rank used.
//   void cox_linear_predictors(const CoxData& d, const Eigen::VectorXd& beta,
//                              double* lp);
//        lp in the ORIGINAL row order: (x - mean)'beta + offset (NaN
//        coefficients count as 0), as coxph's linear.predictors when the
//        offset was centred by the caller.
#ifndef SURVSTEP_CORE_COX_NEWTON_HPP
#define SURVSTEP_CORE_COX_NEWTON_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cholesky.hpp"
#include "cox_loglik.hpp"
#include "interrupt.hpp"
#include "newton.hpp"

namespace survstep {
namespace core {

using CoxControl = NewtonControl;

enum CoxFitStatus : int {
  cox_fit_ok = newton_ok,
  cox_fit_not_converged = newton_not_converged,
  cox_fit_singular = newton_singular,
  cox_fit_infinite = newton_infinite,
  cox_fit_nonfinite_init = newton_nonfinite_init,
  cox_fit_halving_at_end = newton_halving_at_end,
  cox_fit_bad_input = newton_bad_input,
  cox_fit_lp_large = 64  // with not_converged: coxph.fit's "coefficients may
                         // be infinite" (right-censored data only)
};

struct CoxFitResult : NewtonResult {
  bool lp_large = false;  // not converged and max |lp| > 500 or U'V not finite
                          // (right-censored data; also status cox_fit_lp_large)
};

// Columns that carry no information at any beta: in every stratum the
// column is constant over the risk set of the stratum's first event (which
// contains every later risk set), so it cancels from every term of the
// partial likelihood. Its computed information is rounding noise, which the
// relative tolerance of the factorisation cannot see when the column is
// alone (coxph gives NA for such a column). Returns whether there are any.
inline bool cox_inestimable(const CoxData& d, std::vector<char>& out) {
  out.assign(d.p, 1);
  bool any_event = false;
  int b = 0;
  while (b < d.nblock) {
    int first = -1;  // first block with an event in this stratum
    int last = b;
    for (;; ++last) {
      if (first < 0 && d.block_ndead[last] > 0) first = last;
      if (d.block_last[last]) break;
    }
    if (first >= 0) {
      any_event = true;
      const int k0 = d.block_start[first], k1 = d.block_start[last + 1];
      for (int j = 0; j < d.p; ++j) {
        if (!out[j]) continue;
        const double v = d.xt(j, k0);
        for (int k = k0 + 1; k < k1; ++k) {
          if (d.xt(j, k) != v) {
            out[j] = 0;
            break;
          }
        }
      }
    }
    b = last + 1;
  }
  bool any = false;
  for (int j = 0; j < d.p; ++j) {
    if (!any_event) out[j] = 0;
    any = any || out[j];
  }
  return any;
}

// Columns held fixed in a newton_solve() objective: score 0 and zero rows
// and columns of the information (the solver then leaves them at init).
inline void cox_hold_columns(const std::vector<char>* fixed, CoxWork& w) {
  if (!fixed) return;
  for (int j = 0; j < static_cast<int>(fixed->size()); ++j) {
    if (!(*fixed)[j]) continue;
    w.u[j] = 0.0;
    w.imat.row(j).setZero();
    w.imat.col(j).setZero();
  }
}

// The right-censored Cox partial likelihood as a newton_solve() objective.
// Columns flagged in `fixed` (cox_inestimable()) get score 0 and zero rows
// and columns of the information, so the solver treats them as redundant
// from the start (their coefficient stays at init and is reported NaN).
class CoxObjective {
 public:
  CoxObjective(const CoxData& d, CoxTies ties, CoxWork& w,
               const std::vector<char>* fixed = nullptr)
      : d_(d), ties_(ties), w_(w), fixed_(fixed) {}
  int dim() const { return d_.p; }
  const double* units() const { return d_.p > 0 ? d_.scale.data() : nullptr; }
  double evaluate(const Eigen::VectorXd& beta_s, bool derivatives, Interrupt& interrupt) {
    const double l = cox_evaluate_scaled(d_, beta_s.data(), ties_,
                                         derivatives ? cox_what_info : cox_what_loglik,
                                         w_, &interrupt);
    if (derivatives) cox_hold_columns(fixed_, w_);
    return l;
  }
  const Eigen::VectorXd& score() const { return w_.u; }
  const Eigen::MatrixXd& information() const { return w_.imat; }

 private:
  const CoxData& d_;
  CoxTies ties_;
  CoxWork& w_;
  const std::vector<char>* fixed_;
};

inline int cox_fit(const CoxData& d, CoxTies ties, const CoxControl& ctrl,
                   const double* init, CoxFitResult& res, CoxWork& w,
                   Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  std::vector<char> fixed;
  const bool any_fixed = d.p > 0 && cox_inestimable(d, fixed);
  CoxObjective obj(d, ties, w, any_fixed ? &fixed : nullptr);
  res.lp_large = false;
  CoxControl c = ctrl;
  // (start, stop] data: agreg.fit's rule for infinite coefficients
  if (d.counting) c.infinite_rule = InfiniteRule::agreg;
  newton_solve(obj, init, c, res, intr);
  if ((res.status & cox_fit_not_converged) != 0 && !d.counting) {
    // coxph.fit: "one or more coefficients may be infinite" (agreg.fit
    // does not say it)
    double maxlp = -std::numeric_limits<double>::infinity();
    Eigen::VectorXd eta = d.xt.transpose() * res.bs;
    for (int k = 0; k < d.n; ++k) maxlp = std::max(maxlp, eta[k] + d.offset[k]);
    Eigen::VectorXd uv = res.var * res.score;
    bool fin = true;
    for (int j = 0; j < d.p; ++j) fin = fin && std::isfinite(uv[j]);
    res.lp_large = maxlp > 500.0 || !fin;
    if (res.lp_large) res.status |= cox_fit_lp_large;
  }
  return res.status;
}

inline double cox_score_test(const CoxData& d, const double* beta, CoxTies ties,
                             double toler_chol, CoxWork& w, int* df = nullptr) {
  const int p = d.p;
  if (p == 0) {
    if (df) *df = 0;
    return 0.0;
  }
  w.beta_s.resize(p);
  for (int j = 0; j < p; ++j) w.beta_s[j] = beta ? beta[j] / d.scale[j] : 0.0;
  cox_evaluate_scaled(d, w.beta_s.data(), ties, cox_what_info, w);
  Eigen::MatrixXd f = w.imat;
  const int rank = chol_decompose(f, toler_chol);
  if (df) *df = rank < 0 ? -rank : rank;
  Eigen::VectorXd tmp(p);
  return chol_quadratic(f, w.u.data(), tmp.data());
}

inline double wald_test(const Eigen::MatrixXd& var, const Eigen::VectorXd& b,
                        double toler_chol, int* df = nullptr) {
  const int p = static_cast<int>(b.size());
  if (p == 0) {
    if (df) *df = 0;
    return 0.0;
  }
  Eigen::MatrixXd f = var;
  const int rank = chol_decompose_relative(f, toler_chol);
  if (df) *df = rank < 0 ? -rank : rank;
  Eigen::VectorXd tmp(p);
  return chol_quadratic(f, b.data(), tmp.data());
}

inline double cox_wald_global(const NewtonResult& res, const double* init,
                              double toler_chol, int* df = nullptr) {
  std::vector<int> keep;
  for (int j = 0; j < static_cast<int>(res.aliased.size()); ++j) {
    if (!res.aliased[j]) keep.push_back(j);
  }
  const int q = static_cast<int>(keep.size());
  Eigen::MatrixXd vk(q, q);
  Eigen::VectorXd bk(q);
  for (int a = 0; a < q; ++a) {
    bk[a] = res.beta[keep[a]] - (init ? init[keep[a]] : 0.0);
    for (int c = 0; c < q; ++c) vk(a, c) = res.var(keep[a], keep[c]);
  }
  return wald_test(vk, bk, toler_chol, df);
}

inline void cox_linear_predictors(const CoxData& d, const Eigen::VectorXd& beta,
                                  double* lp) {
  const int p = d.p;
  Eigen::VectorXd bs(p);
  for (int j = 0; j < p; ++j) bs[j] = std::isnan(beta[j]) ? 0.0 : beta[j] / d.scale[j];
  for (int k = 0; k < d.n; ++k) {
    double s = d.offset[k];
    for (int j = 0; j < p; ++j) s += d.xt(j, k) * bs[j];
    lp[d.order[k]] = s;
  }
}

}  // namespace core
}  // namespace survstep

#endif
