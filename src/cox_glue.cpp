// Rcpp glue for the Cox engine: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cox_glue.h"
#include "glue_interrupt.h"

namespace sc = survstep::core;
namespace sg = survstep::glue;

// Fit a Cox model (core::cox_model_fit(), cox_model.hpp). y: the Surv
// matrix (time, status) or (start, stop, status); x: NULL, a double matrix
// or a list of double columns (cox()'s fast path: no n x p copy); strata:
// integer codes or NULL; weights, offset, init: double or NULL; ties:
// "efron" or "breslow". Returns the list of sg::cox_result_list(), decoded
// by R/cox-fit.R. Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_fit_cpp(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset, SEXP init,
                       std::string ties, double eps, double toler_chol, int iter_max,
                       double toler_inf, double timefix_tol, bool concordance) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  sc::CoxModelOptions opt;
  opt.ties = sg::cox_ties(ties);
  opt.control = sg::cox_control(eps, toler_chol, iter_max, toler_inf);
  opt.concordance = concordance;
  const double* pinit = nullptr;
  if (!Rf_isNull(init)) {
    if (TYPEOF(init) != REALSXP || Rf_length(init) != a.in.p) Rcpp::stop("internal: bad `init`");
    pinit = REAL(init);
  }
  sc::Interrupt intr = sg::r_interrupt();
  sc::CoxModelResult res;
  SV_CATCH_INTERRUPT(sc::cox_model_fit(a.in, opt, pinit, res, &intr));
  return sg::cox_result_list(res);
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

