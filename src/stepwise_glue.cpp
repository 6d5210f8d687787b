// Rcpp glue for SPSS-style stepwise Cox selection: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <string>
#include <vector>

#include "glue_options.h"
#include "survstep/cox_loglik.hpp"
#include "survstep/cox_newton.hpp"
#include "survstep/stepwise.hpp"

namespace sc = survstep::core;

// Run the stepwise selection on a prepared design.
// x: n x P design (all candidate columns); weights, offset, strata: NULL
// when absent (strata: any integer codes); term_cols: 0-based columns of
// each term; forced: per term; direction, removal, ties: option names.
// [[Rcpp::export(rng = false)]]
Rcpp::List stepwise_cpp(Rcpp::NumericMatrix x, Rcpp::NumericVector time,
                        Rcpp::IntegerVector status, SEXP weights, SEXP offset,
                        SEXP strata, Rcpp::List term_cols, Rcpp::LogicalVector forced,
                        std::string direction, std::string removal, double p_enter,
                        double p_remove, std::string ties, double eps, int iter_max,
                        double toler_chol, double toler_inf, double timefix_tol) {
  sc::CoxInput in;
  in.n = time.size();
  in.p = x.ncol();
  in.x = in.p > 0 ? x.begin() : nullptr;
  in.time = time.begin();
  in.status = status.begin();
  const R_xlen_t n = time.size();
  if (status.size() != n || x.nrow() != n ||
      (!Rf_isNull(weights) && (TYPEOF(weights) != REALSXP || Rf_xlength(weights) != n)) ||
      (!Rf_isNull(offset) && (TYPEOF(offset) != REALSXP || Rf_xlength(offset) != n)) ||
      (!Rf_isNull(strata) && (TYPEOF(strata) != INTSXP || Rf_xlength(strata) != n))) {
    Rcpp::stop("internal: inconsistent arguments of stepwise_cpp()");
  }
  if (!Rf_isNull(weights)) in.weight = REAL(weights);
  if (!Rf_isNull(offset)) in.offset = REAL(offset);
  if (!Rf_isNull(strata)) in.strata = INTEGER(strata);
  in.timefix_tol = timefix_tol;
  sc::CoxData data;
  const int code = sc::cox_data_build(in, data);
  if (code != sc::cox_data_ok) {
    Rcpp::stop("internal error: invalid data for the Cox engine (code %d)", code);
  }

  sc::StepwiseSpec spec;
  for (R_xlen_t t = 0; t < term_cols.size(); ++t) {
    Rcpp::IntegerVector c = term_cols[t];
    spec.term_cols.emplace_back(c.begin(), c.end());
    spec.forced.push_back(forced[t] == TRUE);
  }
  spec.direction = survstep::glue::parse_direction(direction);
  spec.removal = survstep::glue::parse_removal(removal);
  spec.p_enter = p_enter;
  spec.p_remove = p_remove;
  spec.toler = toler_chol;
  sc::CoxControl ctl;
  ctl.eps = eps;
  ctl.iter_max = iter_max;
  ctl.toler_chol = toler_chol;
  ctl.toler_inf = toler_inf;

  sc::CoxStepEngine engine(data, survstep::glue::parse_ties(ties), ctl);
  const sc::StepwiseResult res = sc::stepwise_select(engine, spec);

  const std::size_t ns = res.steps.size();
  Rcpp::IntegerVector s_step(ns), s_action(ns), s_term(ns), s_df(ns);
  Rcpp::NumericVector s_stat(ns), s_p(ns), s_ll(ns);
  Rcpp::List models(ns);
  for (std::size_t i = 0; i < ns; ++i) {
    const sc::StepRecord& r = res.steps[i];
    s_step[i] = r.step;
    s_action[i] = static_cast<int>(r.action);
    s_term[i] = r.term;
    s_df[i] = r.df;
    s_stat[i] = r.statistic;
    s_p[i] = r.p_value;
    s_ll[i] = r.loglik;
    models[i] = Rcpp::IntegerVector(r.model.begin(), r.model.end());
  }
  const std::size_t nn = res.not_in_model.size();
  Rcpp::IntegerVector n_term(nn), n_df(nn);
  Rcpp::NumericVector n_stat(nn), n_p(nn);
  for (std::size_t i = 0; i < nn; ++i) {
    const sc::ScoreRow& r = res.not_in_model[i];
    n_term[i] = r.term;
    n_df[i] = r.df;
    n_stat[i] = r.statistic;
    n_p[i] = r.p_value;
  }
  Rcpp::NumericVector resid = Rcpp::NumericVector::create(
      res.resid_statistic, res.resid_df > 0 ? res.resid_df : NA_REAL, res.resid_p_value);
  return Rcpp::List::create(
      Rcpp::Named("steps") = Rcpp::List::create(
          Rcpp::Named("step") = s_step, Rcpp::Named("action") = s_action,
          Rcpp::Named("term") = s_term, Rcpp::Named("statistic") = s_stat,
          Rcpp::Named("df") = s_df, Rcpp::Named("p_value") = s_p,
          Rcpp::Named("loglik") = s_ll),
      Rcpp::Named("models") = models,
      Rcpp::Named("model") = Rcpp::IntegerVector(res.model.begin(), res.model.end()),
      Rcpp::Named("loglik") = res.fit.loglik,
      Rcpp::Named("not_in") = Rcpp::List::create(
          Rcpp::Named("term") = n_term, Rcpp::Named("statistic") = n_stat,
          Rcpp::Named("df") = n_df, Rcpp::Named("p_value") = n_p),
      Rcpp::Named("resid") = resid, Rcpp::Named("stop") = static_cast<int>(res.stop),
      Rcpp::Named("fit_status") = res.fit_status);
}
