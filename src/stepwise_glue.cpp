// Rcpp glue for SPSS-style stepwise Cox selection: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <vector>

#include "survstep/cox_counting.hpp"
#include "survstep/cox_loglik.hpp"
#include "survstep/cox_newton.hpp"
#include "survstep/stepwise.hpp"
#include "glue_interrupt.h"

namespace sc = survstep::core;

// Run the stepwise selection on a prepared design.
// x: n x P design (all candidate columns); start: NULL, or the entry times of
// (start, time] data; term_cols: 0-based columns of
// each term; forced: per term. direction 0 = forward, 1 = backward;
// removal 0 = wald, 1 = lr, 2 = conditional; ties 0 = breslow, 1 = efron.
// Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List stepwise_cpp(Rcpp::NumericMatrix x, Rcpp::Nullable<Rcpp::NumericVector> start,
                        Rcpp::NumericVector time, Rcpp::IntegerVector status,
                        Rcpp::Nullable<Rcpp::NumericVector> weights,
                        Rcpp::Nullable<Rcpp::NumericVector> offset,
                        Rcpp::Nullable<Rcpp::IntegerVector> strata, Rcpp::List term_cols,
                        Rcpp::LogicalVector forced, int direction, int removal,
                        double p_enter, double p_remove, int ties, double eps,
                        int iter_max, double toler_chol, double toler_inf,
                        double timefix_tol) {
  sc::CoxInput in;
  in.n = time.size();
  in.p = x.ncol();
  in.x = in.p > 0 ? x.begin() : nullptr;
  in.time = time.begin();
  in.status = status.begin();
  Rcpp::NumericVector w, off, st0;
  if (start.isNotNull()) {
    st0 = Rcpp::NumericVector(start.get());
    in.start = st0.begin();
  }
  Rcpp::IntegerVector st;
  if (weights.isNotNull()) {
    w = Rcpp::NumericVector(weights.get());
    in.weight = w.begin();
  }
  if (offset.isNotNull()) {
    off = Rcpp::NumericVector(offset.get());
    in.offset = off.begin();
  }
  if (strata.isNotNull()) {
    st = Rcpp::IntegerVector(strata.get());
    in.strata = st.begin();
  }
  in.timefix_tol = timefix_tol;
  sc::CoxData data;
  sc::Interrupt intr = survstep::glue::r_interrupt();
  int code = sc::cox_data_ok;
  SV_CATCH_INTERRUPT(code = in.start ? sc::cox_counting_build(in, data, &intr)
                                     : sc::cox_data_build(in, data, &intr));
  if (code != sc::cox_data_ok) {
    Rcpp::stop("internal error: invalid data for the Cox engine (code %d)", code);
  }

  sc::StepwiseSpec spec;
  for (R_xlen_t t = 0; t < term_cols.size(); ++t) {
    Rcpp::IntegerVector c = term_cols[t];
    spec.term_cols.emplace_back(c.begin(), c.end());
    spec.forced.push_back(forced[t] == TRUE);
  }
  spec.direction = static_cast<sc::StepDirection>(direction);
  spec.removal = static_cast<sc::RemovalTest>(removal);
  spec.p_enter = p_enter;
  spec.p_remove = p_remove;
  spec.toler = toler_chol;
  sc::CoxControl ctl;
  ctl.eps = eps;
  ctl.iter_max = iter_max;
  ctl.toler_chol = toler_chol;
  ctl.toler_inf = toler_inf;

  sc::CoxStepEngine engine(data, static_cast<sc::CoxTies>(ties), ctl, &intr);
  sc::StepwiseResult res;
  SV_CATCH_INTERRUPT(res = sc::stepwise_select(engine, spec));

  const std::size_t ns = res.steps.size();
  Rcpp::IntegerVector s_step(ns), s_action(ns), s_term(ns), s_df(ns), s_status(ns);
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
    s_status[i] = r.fit_status;
    models[i] = Rcpp::IntegerVector(r.model.begin(), r.model.end());
  }
  const std::size_t nn = res.not_in_model.size();
  Rcpp::IntegerVector n_term(nn), n_df(nn);
  Rcpp::NumericVector n_stat(nn), n_p(nn);
  Rcpp::LogicalVector n_elig(nn);
  for (std::size_t i = 0; i < nn; ++i) {
    const sc::ScoreRow& r = res.not_in_model[i];
    n_term[i] = r.term;
    n_df[i] = r.df;
    n_stat[i] = r.statistic;
    n_p[i] = r.p_value;
    n_elig[i] = r.eligible;
  }
  Rcpp::NumericVector resid = Rcpp::NumericVector::create(
      res.resid_statistic, res.resid_df > 0 ? res.resid_df : NA_REAL,
      res.resid_p_value);
  return Rcpp::List::create(
      Rcpp::Named("steps") = Rcpp::List::create(
          Rcpp::Named("step") = s_step, Rcpp::Named("action") = s_action,
          Rcpp::Named("term") = s_term, Rcpp::Named("statistic") = s_stat,
          Rcpp::Named("df") = s_df, Rcpp::Named("p_value") = s_p,
          Rcpp::Named("loglik") = s_ll, Rcpp::Named("fit_status") = s_status),
      Rcpp::Named("models") = models,
      Rcpp::Named("model") = Rcpp::IntegerVector(res.model.begin(), res.model.end()),
      Rcpp::Named("cols") = Rcpp::IntegerVector(res.cols.begin(), res.cols.end()),
      Rcpp::Named("beta") = Rcpp::wrap(res.fit.beta),
      Rcpp::Named("var") = Rcpp::wrap(res.fit.var),
      Rcpp::Named("loglik") = res.fit.loglik,
      Rcpp::Named("null_loglik") = res.null_loglik,
      Rcpp::Named("not_in") = Rcpp::List::create(
          Rcpp::Named("term") = n_term, Rcpp::Named("statistic") = n_stat,
          Rcpp::Named("df") = n_df, Rcpp::Named("p_value") = n_p,
          Rcpp::Named("eligible") = n_elig),
      Rcpp::Named("resid") = resid,
      Rcpp::Named("stop") = static_cast<int>(res.stop),
      Rcpp::Named("fit_status") = res.fit_status);
}
