// Newton-Raphson fit of the Cox model, the score test and Wald tests.
//
// API (namespace survstep::core):
//
//   struct CoxControl { eps = 1e-9; toler_chol = DBL_EPSILON^0.75;
//                       iter_max = 20; toler_inf = sqrt(eps); }
//   struct CoxFitResult  (fields documented below)
//   int  cox_fit(const CoxData& d, CoxTies ties, const CoxControl& ctrl,
//                const double* init, CoxFitResult& res, CoxWork& w);
//        As survival's coxph.fit / coxfit6: start at init (original units;
//        nullptr = 0) on the centred-and-scaled data; Newton steps
//        b + I^{-1} U with the LDL' factor of cholesky.hpp (tolerance
//        toler_chol; redundant columns get step 0); a step whose loglik falls
//        (or is not finite) is pulled back towards the last good point
//        (1/2, then 2/3, ... of the way); converged when
//        |1 - l_best / l_new| <= eps. Returns res.status (a CoxFitStatus
//        bit set; 0 = clean fit). Never throws for statistical problems.
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
//   double cox_wald_global(const CoxFitResult& res, const double* init,
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

#include <cmath>
#include <limits>
#include <vector>

#include "cholesky.hpp"
#include "cox_loglik.hpp"

namespace survstep {
namespace core {

struct CoxControl {
  double eps = 1e-9;
  double toler_chol = 1.818989403545856e-12;  // DBL_EPSILON^0.75
  int iter_max = 20;
  double toler_inf = 3.162277660168379e-05;   // sqrt(1e-9)
};

enum CoxFitStatus : int {
  cox_fit_ok = 0,
  cox_fit_not_converged = 1,      // ran out of iterations
  cox_fit_singular = 2,           // redundant (aliased) columns: NaN coefficients
  cox_fit_infinite = 4,           // some coefficient may be infinite (see `infinite`)
  cox_fit_nonfinite_init = 8,     // loglik at init not finite: nothing done
  cox_fit_halving_at_end = 16,    // converged while step-halving (coxph flag -2)
  cox_fit_bad_input = 32          // init of the wrong length etc. (contract error)
};

struct CoxFitResult {
  int status = 0;               // CoxFitStatus bits
  int iter = 0;                 // Newton iterations used
  int rank = 0;                 // rank of the information at the solution
  double loglik_init = 0.0;     // log partial likelihood at init (0 when no init)
  double loglik = 0.0;          // at the final beta
  double score_test = 0.0;      // score test at init: U' I^- U
  Eigen::VectorXd beta;         // original units; NaN for aliased columns
  Eigen::VectorXd score;        // U at the final beta (original units)
  Eigen::MatrixXd var;          // I^- at the final beta; zero rows/cols for aliased
  std::vector<int> aliased;     // 1 = redundant column
  std::vector<int> infinite;    // 1 = coefficient may be infinite (coxph's rule)
  bool converged = false;
  bool lp_large = false;        // not converged and max |lp| > 500 or U'V not finite
  // scratch (reused)
  Eigen::VectorXd bs, newb, step, tmp;
  Eigen::MatrixXd fac;
};

namespace detail {
// Convert scaled results to original units: beta, score and var.
inline void cox_unscale(const CoxData& d, const Eigen::VectorXd& beta_s, const CoxWork& w,
                        CoxFitResult& res) {
  const int p = d.p;
  res.beta.resize(p);
  res.score.resize(p);
  for (int j = 0; j < p; ++j) {
    res.beta[j] = beta_s[j] * d.scale[j];
    res.score[j] = w.u[j] / d.scale[j];
  }
  for (int j = 0; j < p; ++j) {
    for (int i = 0; i < p; ++i) res.var(i, j) *= d.scale[i] * d.scale[j];
  }
}

inline bool all_finite(const CoxWork& w, double lk) {
  if (!std::isfinite(lk)) return false;
  for (int j = 0; j < w.u.size(); ++j) {
    if (!std::isfinite(w.u[j])) return false;
  }
  for (int j = 0; j < w.imat.size(); ++j) {
    if (!std::isfinite(w.imat.data()[j])) return false;
  }
  return true;
}
}  // namespace detail

inline int cox_fit(const CoxData& d, CoxTies ties, const CoxControl& ctrl, const double* init,
                   CoxFitResult& res, CoxWork& w) {
  const int p = d.p;
  res.status = 0;
  res.iter = 0;
  res.converged = false;
  res.lp_large = false;
  res.aliased.assign(p, 0);
  res.infinite.assign(p, 0);
  res.bs.resize(p);
  for (int j = 0; j < p; ++j) res.bs[j] = init ? init[j] / d.scale[j] : 0.0;

  if (p == 0) {
    res.loglik_init = res.loglik = cox_evaluate_scaled(d, res.bs.data(), ties, cox_what_loglik, w);
    res.score_test = 0.0;
    res.rank = 0;
    res.beta.resize(0);
    res.score.resize(0);
    res.var.resize(0, 0);
    res.converged = true;
    return res.status;
  }

  double lk0 = cox_evaluate_scaled(d, res.bs.data(), ties, cox_what_info, w);
  res.loglik_init = lk0;
  res.fac = w.imat;
  res.rank = chol_decompose(res.fac, ctrl.toler_chol);
  res.step = w.u;
  chol_solve(res.fac, res.step.data());
  res.score_test = w.u.dot(res.step);

  if (ctrl.iter_max == 0 || !std::isfinite(lk0)) {
    if (!std::isfinite(lk0)) res.status |= cox_fit_nonfinite_init;
    res.loglik = lk0;
    chol_inverse(res.fac, res.var);
    detail::cox_unscale(d, res.bs, w, res);
    res.converged = ctrl.iter_max == 0 && std::isfinite(lk0);
    // as coxph.fit with iter.max = 0: no aliasing or infinity checks
    return res.status;
  }

  double best = lk0;
  res.newb = res.bs + res.step;
  int halving = 0;
  bool done = false;
  double newlk = lk0;
  for (int it = 1; it <= ctrl.iter_max; ++it) {
    res.iter = it;
    newlk = cox_evaluate_scaled(d, res.newb.data(), ties, cox_what_info, w);
    const bool finite = detail::all_finite(w, newlk);
    res.fac = w.imat;
    res.rank = chol_decompose(res.fac, ctrl.toler_chol);
    if (finite && std::fabs(1.0 - best / newlk) <= ctrl.eps) {
      res.loglik = newlk;
      res.bs = res.newb;
      chol_inverse(res.fac, res.var);
      if (halving > 0) res.status |= cox_fit_halving_at_end;
      done = true;
      break;
    }
    if (!finite || newlk < best) {
      ++halving;
      res.newb = (res.newb + halving * res.bs) / (halving + 1.0);
    } else {
      halving = 0;
      best = newlk;
      res.step = w.u;
      chol_solve(res.fac, res.step.data());
      res.bs = res.newb;
      res.newb += res.step;
    }
  }

  if (!done) {
    // out of iterations: report the last good point with its own information
    res.status |= cox_fit_not_converged;
    res.loglik = cox_evaluate_scaled(d, res.bs.data(), ties, cox_what_info, w);
    res.fac = w.imat;
    res.rank = chol_decompose(res.fac, ctrl.toler_chol);
    chol_inverse(res.fac, res.var);
    detail::cox_unscale(d, res.bs, w, res);
    // coxph.fit: "one or more coefficients may be infinite"
    double maxlp = -std::numeric_limits<double>::infinity();
    Eigen::VectorXd eta = d.xt.transpose() * res.bs;
    for (int k = 0; k < d.n; ++k) maxlp = std::max(maxlp, eta[k] + d.offset[k]);
    Eigen::VectorXd uv = res.var * res.score;
    bool fin = true;
    for (int j = 0; j < p; ++j) fin = fin && std::isfinite(uv[j]);
    res.lp_large = maxlp > 500.0 || !fin;
  } else {
    res.converged = true;
    detail::cox_unscale(d, res.bs, w, res);
  }
  // aliased columns: zero diagonal of the variance (coxph: flag < nvar)
  if (res.rank < p || (res.status & cox_fit_halving_at_end)) {
    for (int j = 0; j < p; ++j) {
      if (res.var(j, j) == 0.0) {
        res.aliased[j] = 1;
        res.status |= cox_fit_singular;
      }
    }
  }
  // infinite coefficients (coxph.fit's rule), only when iter_max > 1
  if (res.converged && ctrl.iter_max > 1) {
    res.tmp = res.var * res.score;  // symmetric: U'V
    for (int j = 0; j < p; ++j) {
      const double a = std::fabs(res.tmp[j]);
      const bool inf = !std::isfinite(res.score[j]) ||
                       (a > ctrl.eps && a > ctrl.toler_inf * std::fabs(res.beta[j]));
      if (inf) {
        res.infinite[j] = 1;
        res.status |= cox_fit_infinite;
      }
    }
  }
  for (int j = 0; j < p; ++j) {
    if (res.aliased[j]) res.beta[j] = std::numeric_limits<double>::quiet_NaN();
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

inline double wald_test(const Eigen::MatrixXd& var, const Eigen::VectorXd& b, double toler_chol,
                        int* df = nullptr) {
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

inline double cox_wald_global(const CoxFitResult& res, const double* init,
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

inline void cox_linear_predictors(const CoxData& d, const Eigen::VectorXd& beta, double* lp) {
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
