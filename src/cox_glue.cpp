// Rcpp glue for the Cox engine: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cox_glue.h"
#include "survstep/cox_residuals.hpp"
#include "survstep/cox_survfit.hpp"
#include "glue_interrupt.h"

namespace sc = survstep::core;
namespace sg = survstep::glue;

// Fit a Cox model (core::cox_model_fit(), cox_model.hpp). y: the Surv
// matrix (time, status) or (start, stop, status); x: NULL, a double matrix
// or a list of double columns (cox()'s fast path: no n x p copy); strata:
// integer codes or NULL; weights, offset, init: double or NULL; ties:
// "efron", "breslow" or "exact"; convergence: "survival", "sas" or "spss",
// tols: c(gconv, bcon, lcon) or NULL; cluster: 0-based integer cluster
// codes or NULL (the concordance's variance summed within clusters). Returns the list of sg::cox_result_list(), decoded
// by R/cox-fit.R. Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_fit_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset, SEXP init,
                       std::string ties, double eps, double toler_chol, int iter_max,
                       double toler_inf, double timefix_tol, bool concordance,
                       std::string convergence = "survival", SEXP tols = R_NilValue,
                       bool firth = false, SEXP cluster = R_NilValue) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  sc::CoxModelOptions opt;
  opt.firth = firth;
  opt.ties = sg::cox_ties(ties);
  opt.control = sg::cox_control(eps, toler_chol, iter_max, toler_inf, convergence, tols);
  opt.concordance = concordance;
  if (!Rf_isNull(cluster)) {
    // 0-based cluster codes (R converts them), one per row
    if (TYPEOF(cluster) != INTSXP || Rf_xlength(cluster) != a.in.n) {
      Rcpp::stop("internal: bad `cluster`");
    }
    const int* cl = INTEGER(cluster);
    int m = 0;
    for (int i = 0; i < a.in.n; ++i) {
      if (cl[i] < 0) Rcpp::stop("internal: bad `cluster`");
      m = std::max(m, cl[i] + 1);
    }
    opt.cluster = cl;
    opt.ncluster = m;
  }
  const double* pinit = nullptr;
  if (!Rf_isNull(init)) {
    if (TYPEOF(init) != REALSXP || Rf_length(init) != a.in.p) Rcpp::stop("internal: bad `init`");
    pinit = REAL(init);
  }
  sc::Interrupt intr = sg::r_interrupt();
  // (the prepared data and scratch buffers are freed only after R has
  // allocated the result: freed first, they would sit at the top of the C
  // heap, go back to the system, and be faulted in again by the next fit)
  sc::CoxData d;
  sc::CoxWork w;
  sc::CoxModelResult res;
  SV_CATCH_INTERRUPT(sc::cox_model_fit(a.in, opt, pinit, res, d, w, &intr));
  return sg::cox_result_list(res);
}

// Profile-likelihood inference (core::cox_profile(), cox_firth.hpp) for a
// fit at `beta` with (penalised, when `firth`) log-likelihood `loglik` and
// variance `var`, on the data of cox_fit_cpp() (same arguments): intervals
// for the 0-based columns `ci_cols` at the chi-square(1) critical value
// `crit`, and the maximised log-likelihood with each set of `tests` (list
// of 0-based integer vectors) fixed at 0.
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_profile_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                           double timefix_tol, std::string ties, bool firth,
                           Rcpp::NumericVector beta, double loglik, Rcpp::NumericMatrix var,
                           double crit, Rcpp::IntegerVector ci_cols, Rcpp::List tests,
                           double eps, double toler_chol, int iter_max, double toler_inf) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  const sc::CoxTies tie = sg::cox_ties(ties);
  const sc::CoxControl ctrl = sg::cox_control(eps, toler_chol, iter_max, toler_inf);
  sc::CoxData d;
  sc::Interrupt intr = sg::r_interrupt();
  sg::cox_prepare(a, d, intr);
  const int p = d.p;
  if (beta.size() != p || var.nrow() != p || var.ncol() != p) Rcpp::stop("internal: bad `beta`");
  Eigen::VectorXd b(p);
  Eigen::MatrixXd v(p, p);
  for (int j = 0; j < p; ++j) {
    b[j] = beta[j];
    for (int i = 0; i < p; ++i) v(i, j) = var(i, j);
  }
  sc::CoxProfileRequest req;
  req.crit = crit;
  req.ci_cols.assign(ci_cols.begin(), ci_cols.end());
  for (R_xlen_t i = 0; i < tests.size(); ++i) {
    Rcpp::IntegerVector s = tests[i];
    req.tests.emplace_back(s.begin(), s.end());
  }
  sc::CoxProfileResult out;
  SV_CATCH_INTERRUPT(sc::cox_profile(d, tie, ctrl, firth, b, loglik, v, req, out, &intr));
  return Rcpp::List::create(
      Rcpp::Named("lower") = Rcpp::wrap(out.lower), Rcpp::Named("upper") = Rcpp::wrap(out.upper),
      Rcpp::Named("ci_iter") = Rcpp::wrap(out.ci_iter),
      Rcpp::Named("test_loglik") = Rcpp::wrap(out.test_loglik),
      Rcpp::Named("test_status") = Rcpp::wrap(out.test_status));
}

// Response check of cox()'s fast path, without R-level temporaries: NULL
// unless every time is finite and >= 0 and every status is 0/1 (or 1/2,
// shifted to 0/1 as the R code it replaces did); else the 0/1 status as
// integer. `time` is double; `status` double, integer or logical, no NA.
// [[Rcpp::export(rng = false)]]
SEXP cox_fast_surv_cpp(SEXP time, SEXP status) {
  const R_xlen_t n = Rf_xlength(time);
  const int type = TYPEOF(status);
  if (TYPEOF(time) != REALSXP || Rf_xlength(status) != n ||
      (type != REALSXP && type != INTSXP && type != LGLSXP)) {
    return R_NilValue;
  }
  const double* t = REAL(time);
  for (R_xlen_t i = 0; i < n; ++i) {
    if (!std::isfinite(t[i]) || t[i] < 0.0) return R_NilValue;
  }
  const double* sd = type == REALSXP ? REAL(status) : nullptr;
  const int* si = type == INTSXP ? INTEGER(status) : (type == LGLSXP ? LOGICAL(status) : nullptr);
  auto sv = [&](R_xlen_t i) { return sd ? sd[i] : static_cast<double>(si[i]); };
  double mx = -std::numeric_limits<double>::infinity();
  for (R_xlen_t i = 0; i < n; ++i) mx = std::max(mx, sv(i));
  const double shift = (n > 0 && mx == 2.0) ? 1.0 : 0.0;
  Rcpp::IntegerVector out(n);
  for (R_xlen_t i = 0; i < n; ++i) {
    const double v = sv(i) - shift;
    if (v == 0.0) {
      out[i] = 0;
    } else if (v == 1.0) {
      out[i] = 1;
    } else {
      return R_NilValue;
    }
  }
  return out;
}

// Multi-df Wald statistic b' V^- b (generalised inverse with tolerance).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector wald_test_cpp(Rcpp::NumericMatrix var, Rcpp::NumericVector b,
                                  double toler_chol) {
  const int p = b.size();
  Eigen::MatrixXd v(p, p);
  Eigen::VectorXd bb(p);
  for (int j = 0; j < p; ++j) {
    bb[j] = b[j];
    for (int i = 0; i < p; ++i) v(i, j) = var(i, j);
  }
  int df = 0;
  const double stat = sc::wald_test(v, bb, toler_chol, &df);
  return Rcpp::NumericVector::create(Rcpp::Named("statistic") = stat,
                                     Rcpp::Named("df") = df);
}


namespace {

// The baseline of a fit (cox_survfit.hpp) on data prepared as the fit's;
// `means` receives the centring of the prepared data.
void survfit_baseline(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                      double timefix_tol, SEXP beta, int ctype, sc::CoxData& d,
                      sc::CoxBaseline& base, sc::Interrupt& intr) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  const sc::CoxInput& in = a.in;
  sg::cox_prepare(a, d, intr);
  if (TYPEOF(beta) != REALSXP || Rf_length(beta) != d.p) Rcpp::stop("internal: bad `beta`");
  if (ctype != 1 && ctype != 2) Rcpp::stop("internal: bad `ctype`");
  sc::cox_baseline(d, REAL(beta), static_cast<sc::CoxHazard>(ctype), in.weight, base, &intr);
}

// New rows centred at the prepared data's means, and their relative risks
// exp((x - mean)' beta + offset) (`offset` already centred by the caller).
void survfit_rows(const sc::CoxData& d, Rcpp::NumericMatrix xnew, Rcpp::NumericVector offnew,
                  SEXP beta, Eigen::MatrixXd& xc, std::vector<double>& risk) {
  const int m = xnew.nrow(), p = d.p;
  if (xnew.ncol() != p || offnew.size() != m) Rcpp::stop("internal: bad new rows");
  const double* b = REAL(beta);
  xc.resize(m, p);
  risk.resize(m);
  for (int i = 0; i < m; ++i) {
    double lp = offnew[i];
    for (int j = 0; j < p; ++j) {
      xc(i, j) = xnew(i, j) - d.mean[j];
      lp += xc(i, j) * b[j];
    }
    risk[i] = std::exp(lp);
  }
}

Eigen::MatrixXd as_eigen(Rcpp::NumericMatrix v) {
  Eigen::MatrixXd out(v.nrow(), v.ncol());
  for (int j = 0; j < v.ncol(); ++j) {
    for (int i = 0; i < v.nrow(); ++i) out(i, j) = v(i, j);
  }
  return out;
}

}  // namespace

// Predicted survival curves of new rows from a Cox fit (survfit.coxph,
// stype 2). The data arguments (x, y, strata, weights, offset) are those
// of cox_fit_cpp() (the fit's
// prepared data is rebuilt); beta: coefficients (aliased as 0); ctype 1 =
// Breslow, 2 = Efron hazard; var: their variance (aliased as 0); xnew: new
// rows (m x p, original units); offnew: their centred offsets; strata_new:
// 0-based dense stratum code per row, -1 = a curve in every stratum.
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_survfit_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                           double timefix_tol, SEXP beta,
                           int ctype, Rcpp::NumericMatrix var, Rcpp::NumericMatrix xnew,
                           Rcpp::NumericVector offnew, Rcpp::IntegerVector strata_new,
                           bool se) {
  sc::Interrupt intr = survstep::glue::r_interrupt();
  sc::CoxData d;
  sc::CoxBaseline base;
  sc::CoxCurves cv;
  SV_CATCH_INTERRUPT({
    survfit_baseline(x, y, strata, weights, offset, timefix_tol, beta, ctype, d, base, intr);
    sc::CoxCurveRequest req;
    survfit_rows(d, xnew, offnew, beta, req.x, req.risk);
    if (strata_new.size() != xnew.nrow()) Rcpp::stop("internal: bad `strata_new`");
    req.stratum.assign(strata_new.begin(), strata_new.end());
    for (int s : req.stratum) {
      if (s < -1 || s >= d.nstrata) Rcpp::stop("internal: bad `strata_new`");
    }
    sc::cox_curves(base, as_eigen(var), req, se, cv, &intr);
  });
  return Rcpp::List::create(
      Rcpp::Named("sizes") = Rcpp::wrap(cv.sizes), Rcpp::Named("row") = Rcpp::wrap(cv.row),
      Rcpp::Named("stratum") = Rcpp::wrap(cv.stratum), Rcpp::Named("time") = Rcpp::wrap(cv.time),
      Rcpp::Named("n.risk") = Rcpp::wrap(cv.n_risk),
      Rcpp::Named("n.event") = Rcpp::wrap(cv.n_event),
      Rcpp::Named("n.censor") = Rcpp::wrap(cv.n_censor),
      Rcpp::Named("surv") = Rcpp::wrap(cv.surv), Rcpp::Named("cumhaz") = Rcpp::wrap(cv.cumhaz),
      Rcpp::Named("cumvar") = se ? Rcpp::wrap(cv.cumvar) : R_NilValue,
      Rcpp::Named("records") = Rcpp::wrap(base.records),
      Rcpp::Named("means") = Rcpp::NumericVector(d.mean.data(), d.mean.data() + d.p));
}

// Direct-adjusted curves: the mean predicted curve of the rows of each
// group (0-based `group`, `ngroup` groups), one per group and stratum.
// Other arguments as cox_survfit_cpp().
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_adjusted_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                            double timefix_tol, SEXP beta,
                            int ctype, Rcpp::NumericMatrix var, Rcpp::NumericMatrix xnew,
                            Rcpp::NumericVector offnew, Rcpp::IntegerVector group,
                            int ngroup, bool se) {
  sc::Interrupt intr = survstep::glue::r_interrupt();
  sc::CoxData d;
  sc::CoxBaseline base;
  sc::CoxAdjusted cv;
  SV_CATCH_INTERRUPT({
    survfit_baseline(x, y, strata, weights, offset, timefix_tol, beta, ctype, d, base, intr);
    Eigen::MatrixXd xc;
    std::vector<double> risk;
    survfit_rows(d, xnew, offnew, beta, xc, risk);
    if (group.size() != xnew.nrow()) Rcpp::stop("internal: bad `group`");
    std::vector<int> g(group.begin(), group.end());
    for (int v : g) {
      if (v < 0 || v >= ngroup) Rcpp::stop("internal: bad `group`");
    }
    sc::cox_adjusted(base, as_eigen(var), xc, risk, g, ngroup, se, cv, &intr);
  });
  return Rcpp::List::create(
      Rcpp::Named("sizes") = Rcpp::wrap(cv.sizes), Rcpp::Named("group") = Rcpp::wrap(cv.group),
      Rcpp::Named("stratum") = Rcpp::wrap(cv.stratum), Rcpp::Named("time") = Rcpp::wrap(cv.time),
      Rcpp::Named("n.risk") = Rcpp::wrap(cv.n_risk),
      Rcpp::Named("n.event") = Rcpp::wrap(cv.n_event),
      Rcpp::Named("n.censor") = Rcpp::wrap(cv.n_censor),
      Rcpp::Named("surv") = Rcpp::wrap(cv.surv),
      Rcpp::Named("cumvar") = se ? Rcpp::wrap(cv.cumvar) : R_NilValue,
      Rcpp::Named("records") = Rcpp::wrap(base.records));
}
// Residuals of a fit at `beta` (cox_residuals.hpp), on the data of the fit
// rebuilt exactly as cox_fit_cpp() builds them (same arguments: y the Surv
// matrix, ties a string). `what`: any of
// "martingale", "score", "schoenfeld", "zph" (needs `gtime`, one value per
// row) and "robust" (score residuals summed within `cluster`, 0-based codes
// or NULL for one row per cluster: their crossproduct at `beta`, and the
// robust score test at `init` with the tolerance `toler_chol`).
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_residuals_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                             SEXP beta, std::string ties, double timefix_tol,
                             Rcpp::CharacterVector what, SEXP gtime, SEXP cluster,
                             int ncluster, SEXP init, double toler_chol) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  const sc::CoxTies tie = sg::cox_ties(ties);
  int flags = sc::cox_resid_martingale;
  bool robust = false;
  for (R_xlen_t i = 0; i < what.size(); ++i) {
    const std::string w = Rcpp::as<std::string>(what[i]);
    if (w == "martingale") {
    } else if (w == "score") {
      flags |= sc::cox_resid_score;
    } else if (w == "schoenfeld") {
      flags |= sc::cox_resid_schoenfeld;
    } else if (w == "zph") {
      flags |= sc::cox_resid_zph;
    } else if (w == "robust") {
      flags |= sc::cox_resid_score;
      robust = true;
    } else {
      Rcpp::stop("internal: unknown residual type '%s'", w);
    }
  }
  sc::CoxData d;
  sc::Interrupt intr = survstep::glue::r_interrupt();
  sg::cox_prepare(a, d, intr);
  if (TYPEOF(beta) != REALSXP || Rf_length(beta) != d.p) Rcpp::stop("internal: bad `beta`");
  const double* g = nullptr;
  if ((flags & sc::cox_resid_zph) != 0) {
    if (TYPEOF(gtime) != REALSXP || Rf_length(gtime) != d.n) Rcpp::stop("internal: bad `gtime`");
    g = REAL(gtime);
  }
  const int* cl = nullptr;
  if (robust && !Rf_isNull(cluster)) {
    if (TYPEOF(cluster) != INTSXP || Rf_length(cluster) != d.n) {
      Rcpp::stop("internal: bad `cluster`");
    }
    cl = INTEGER(cluster);
    for (int i = 0; i < d.n; ++i) {
      if (cl[i] < 0 || cl[i] >= ncluster) Rcpp::stop("internal: bad `cluster` code");
    }
  }
  sc::CoxResiduals r;
  SV_CATCH_INTERRUPT(sc::cox_residuals(d, REAL(beta), tie, flags, r, g, &intr));
  Rcpp::List out = Rcpp::List::create(Rcpp::Named("martingale") = Rcpp::wrap(r.martingale));
  if ((flags & sc::cox_resid_score) != 0 && !robust) out["score"] = Rcpp::wrap(r.score);
  if ((flags & sc::cox_resid_schoenfeld) != 0) {
    out["schoenfeld"] = Rcpp::wrap(r.schoenfeld);
    Rcpp::IntegerVector rows(r.death_row.begin(), r.death_row.end());
    out["death_row"] = rows + 1;
    out["death_time"] = Rcpp::wrap(r.death_time);
    Rcpp::IntegerVector ds(r.death_stratum.begin(), r.death_stratum.end());
    out["death_stratum"] = ds;
  }
  if ((flags & sc::cox_resid_zph) != 0) {
    out["zph_u"] = Rcpp::wrap(r.zph_u);
    out["zph_info"] = Rcpp::wrap(r.zph_info);
  }
  if (robust) {
    Eigen::MatrixXd b;
    Eigen::VectorXd tot;
    sc::cox_cluster_crossprod(d, r, cl, ncluster, b, tot);
    out["crossprod"] = Rcpp::wrap(b);
    // at init (the robust score test)
    if (TYPEOF(init) != REALSXP || Rf_length(init) != d.p) Rcpp::stop("internal: bad `init`");
    sc::CoxResiduals r0;
    SV_CATCH_INTERRUPT(
        sc::cox_residuals(d, REAL(init), tie, sc::cox_resid_score, r0, nullptr, &intr));
    Eigen::MatrixXd b0;
    Eigen::VectorXd tot0;
    sc::cox_cluster_crossprod(d, r0, cl, ncluster, b0, tot0);
    // the robust score test at init: U' B^- U (coxph's rule for the
    // generalised inverse, as coxph.wtest)
    Eigen::MatrixXd f = b0;
    sc::chol_decompose(f, toler_chol);
    Eigen::VectorXd tmp(d.p);
    out["rscore"] = sc::chol_quadratic(f, tot0.data(), tmp.data());
  }
  return out;
}

// Near-tied times merged as survival::aeqSurv (risk_sets.hpp's timefix()),
// for callers that need the times the engine uses (cox_zph()'s time
// transforms).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector timefix_cpp(Rcpp::NumericVector time, double tol) {
  std::vector<double> t(time.begin(), time.end());
  sc::timefix(t, tol);
  return Rcpp::NumericVector(t.begin(), t.end());
}

// The tied sets of exact tie handling (core::cox_exact_size(),
// cox_exact.hpp) on the data as cox_fit_cpp() prepares them (y, strata,
// timefix_tol as there): c(deaths, at_risk, work, total_work, nsets) of the
// set with the largest deaths * at_risk.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector cox_exact_size_cpp(SEXP y, SEXP strata, double timefix_tol) {
  sg::CoxArgs a = sg::cox_args(R_NilValue, y, strata, R_NilValue, R_NilValue, timefix_tol);
  sc::CoxData d;
  sc::Interrupt intr = survstep::glue::r_interrupt();
  sg::cox_prepare(a, d, intr);
  sc::CoxExactSize s;
  sc::cox_exact_size(d, s);
  return Rcpp::NumericVector::create(
      Rcpp::Named("deaths") = s.deaths, Rcpp::Named("at_risk") = s.at_risk,
      Rcpp::Named("work") = s.work, Rcpp::Named("total_work") = s.total_work,
      Rcpp::Named("nsets") = s.nsets);
}
