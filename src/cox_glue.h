// Conversions shared by the Cox glue (cox_glue.cpp, stepwise_glue.cpp):
// R vectors -> core::CoxInput views, core::CoxModelResult -> the list that
// R/cox-fit.R decodes. Conversion only; no statistics.
//
//   CoxArgs      owns what the views need (the integer status column, the
//                column pointers of a list `x`); `in` is the CoxInput.
//   CoxArgs cox_args(x, y, strata, weights, offset, timefix_tol)
//       x: NULL, a double matrix with n rows, or a list of double columns;
//       y: double matrix (time, status) or (start, stop, status), status
//       0/1 (any other value reaches the core as -1, an invalid status);
//       strata: NULL or integer codes; weights, offset: NULL or double.
//   void cox_prepare(const CoxArgs&, core::CoxData&, core::Interrupt&)
//       the core's data preparation (sort, timefix, centring); Ctrl-C
//       becomes R's interrupt, refused data an internal error (the R side
//       validated them)
//   core::CoxTies cox_ties(const std::string&)     unknown -> error
//   Rcpp::List cox_result_list(const core::CoxModelResult&)
#ifndef SURVSTEP_COX_GLUE_H
#define SURVSTEP_COX_GLUE_H

#include <Rcpp.h>

#include <string>
#include <vector>

#include "glue_interrupt.h"
#include "survstep/cox_model.hpp"

namespace survstep {
namespace glue {

struct CoxArgs {
  core::CoxInput in;
  std::vector<int> status;
  std::vector<const double*> cols;
};

inline CoxArgs cox_args(SEXP x, SEXP y, SEXP strata, SEXP weights, SEXP offset,
                        double timefix_tol) {
  CoxArgs a;
  const int ny = Rf_isMatrix(y) ? Rf_ncols(y) : 0;
  if (TYPEOF(y) != REALSXP || (ny != 2 && ny != 3)) {
    Rcpp::stop("internal: `y` must be a double matrix with 2 or 3 columns");
  }
  const R_xlen_t n = Rf_nrows(y);
  const double* yv = REAL(y);
  a.status.resize(static_cast<std::size_t>(n));
  const double* st = yv + (ny - 1) * n;
  for (R_xlen_t i = 0; i < n; ++i) {
    a.status[i] = st[i] == 0.0 ? 0 : (st[i] == 1.0 ? 1 : -1);
  }
  core::CoxInput& in = a.in;
  in.n = static_cast<int>(n);
  in.time = yv + (ny - 2) * n;
  if (ny == 3) in.start = yv;
  in.status = a.status.data();
  if (TYPEOF(x) == VECSXP) {
    in.p = Rf_length(x);
    a.cols.resize(in.p);
    for (int j = 0; j < in.p; ++j) {
      SEXP c = VECTOR_ELT(x, j);
      if (TYPEOF(c) != REALSXP || Rf_xlength(c) != n) {
        Rcpp::stop("internal: the columns of `x` must be double of length n");
      }
      a.cols[j] = REAL(c);
    }
    in.xcol = in.p > 0 ? a.cols.data() : nullptr;
  } else if (!Rf_isNull(x)) {
    if (TYPEOF(x) != REALSXP || !Rf_isMatrix(x) || Rf_nrows(x) != n) {
      Rcpp::stop("internal: `x` must be a double matrix with n rows");
    }
    in.p = Rf_ncols(x);
    in.x = in.p > 0 ? REAL(x) : nullptr;
  }
  auto len_ok = [n](SEXP v, int type) {
    return TYPEOF(v) == type && Rf_xlength(v) == n;
  };
  if (!Rf_isNull(weights)) {
    if (!len_ok(weights, REALSXP)) Rcpp::stop("internal: `weights` must be double of length n");
    in.weight = REAL(weights);
  }
  if (!Rf_isNull(offset)) {
    if (!len_ok(offset, REALSXP)) Rcpp::stop("internal: `offset` must be double of length n");
    in.offset = REAL(offset);
  }
  if (!Rf_isNull(strata)) {
    if (!len_ok(strata, INTSXP)) Rcpp::stop("internal: `strata` must be integer of length n");
    in.strata = INTEGER(strata);
  }
  in.timefix_tol = timefix_tol;
  return a;
}

inline void cox_prepare(const CoxArgs& a, core::CoxData& d, core::Interrupt& intr) {
  int st = core::cox_data_ok;
  SV_CATCH_INTERRUPT(st = core::cox_model_data(a.in, d, &intr));
  if (st != core::cox_data_ok) {
    Rcpp::stop("internal: invalid data for the Cox engine (code %d)", st);
  }
}

inline core::CoxTies cox_ties(const std::string& s) {
  core::CoxTies t = core::CoxTies::efron;
  if (!core::cox_ties_from_string(s, t)) Rcpp::stop("internal: unknown `ties` \"%s\"", s);
  return t;
}

// `rule`: "survival" / "sas" / "spss" (unknown -> error); `tols`: NULL or
// c(gconv, bcon, lcon) of the vendor rules.
inline core::CoxControl cox_control(double eps, double toler_chol, int iter_max,
                                    double toler_inf, const std::string& rule = "survival",
                                    SEXP tols = R_NilValue) {
  core::CoxControl c;
  c.eps = eps;
  c.toler_chol = toler_chol;
  c.iter_max = iter_max;
  c.toler_inf = toler_inf;
  if (!core::newton_rule_from_string(rule, c.rule)) {
    Rcpp::stop("internal: unknown convergence rule \"%s\"", rule);
  }
  if (!Rf_isNull(tols)) {
    if (TYPEOF(tols) != REALSXP || Rf_length(tols) != 3) Rcpp::stop("internal: bad `tols`");
    c.gconv = REAL(tols)[0];
    c.bcon = REAL(tols)[1];
    c.lcon = REAL(tols)[2];
  }
  return c;
}

// The fit as R/cox-fit.R reads it: list(data_status, constant) for data the
// engine refused, else every field below.
inline Rcpp::List cox_result_list(const core::CoxModelResult& r) {
  using Rcpp::Named;
  if (r.data_status != core::cox_data_ok) {
    return Rcpp::List::create(
        Named("data_status") = r.data_status,
        Named("constant") = Rcpp::LogicalVector(r.constant.begin(), r.constant.end()));
  }
  const core::CoxFitResult& f = r.fit;
  const int p = static_cast<int>(f.beta.size());
  Rcpp::NumericMatrix var(p, p);
  std::copy(f.var.data(), f.var.data() + static_cast<std::ptrdiff_t>(p) * p, var.begin());
  SEXP conc = R_NilValue;
  if (r.has_concordance) {
    const core::ConcordanceResult& c = r.concordance;
    conc = Rcpp::NumericVector::create(c.concordant, c.discordant, c.tied_x, c.tied_y,
                                       c.tied_xy, c.concordance, c.std_err);
  }
  return Rcpp::List::create(
      Named("data_status") = r.data_status,
      Named("coefficients") = Rcpp::NumericVector(f.beta.data(), f.beta.data() + p),
      Named("var") = var,
      Named("loglik") = Rcpp::NumericVector::create(f.loglik_init, f.loglik),
      Named("score") = f.score_test, Named("wald") = r.wald, Named("wald_df") = r.wald_df,
      Named("u") = Rcpp::NumericVector(f.score.data(), f.score.data() + p),
      Named("iter") = f.iter, Named("status") = f.status, Named("converged") = f.converged,
      Named("aliased") = Rcpp::LogicalVector(f.aliased.begin(), f.aliased.end()),
      Named("infinite") = Rcpp::LogicalVector(f.infinite.begin(), f.infinite.end()),
      Named("means") = Rcpp::NumericVector(r.mean.data(), r.mean.data() + p),
      Named("linear.predictors") =
          Rcpp::NumericVector(r.linear_predictors.begin(), r.linear_predictors.end()),
      Named("concordance") = conc, Named("nevent") = r.nevent);
}

}  // namespace glue
}  // namespace survstep

#endif
