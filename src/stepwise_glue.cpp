// Rcpp glue for SPSS-style stepwise Cox selection: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <string>
#include <vector>

#include "cox_glue.h"
#include "survstep/stepwise.hpp"
#include "glue_interrupt.h"
#include "stepwise_glue.h"

namespace sc = survstep::core;
namespace sg = survstep::glue;

// Run the stepwise selection on a prepared design.
// x: n x P design (all candidate columns); y: the Surv matrix (time, status)
// or (start, stop, status); term_cols: 0-based columns of each term; forced:
// per term; direction "forward" / "backward" / "stepwise"; removal "wald" /
// "lr" / "conditional"; style "spss" / "sas"; start: per term or NULL;
// max_steps < 0: no limit; firth: every model by Firth's penalised
// likelihood (CoxFirthStepEngine; its `final` is then the selection's own
// penalised fit, which the R side replaces by a full Firth fit); ties "efron" / "breslow" / "exact"; convergence and tols
// as cox_fit_cpp() (every model of the run). `final` is the selected model in
// the shape of cox_fit_cpp()'s result (cox_glue.h), from the selection's
// own fit of it. Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List stepwise_cpp(SEXP x, SEXP y, SEXP weights, SEXP offset, SEXP strata,
                        Rcpp::List term_cols, Rcpp::LogicalVector forced,
                        std::string direction, std::string removal, double p_enter,
                        double p_remove, std::string ties, double eps, int iter_max,
                        double toler_chol, double toler_inf, double timefix_tol,
                        bool concordance, std::string convergence = "survival",
                        SEXP tols = R_NilValue, std::string style = "spss",
                        SEXP start = R_NilValue, int max_steps = -1,
                        bool firth = false) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  sc::CoxData data;
  sc::Interrupt intr = survstep::glue::r_interrupt();
  sg::cox_prepare(a, data, intr);

  const sc::StepwiseSpec spec = sg::stepwise_spec(term_cols, forced, direction, removal,
                                                  p_enter, p_remove, toler_chol, style,
                                                  start, max_steps);
  sc::CoxModelOptions opt;
  opt.ties = sg::cox_ties(ties);
  opt.control = sg::cox_control(eps, toler_chol, iter_max, toler_inf, convergence, tols);
  opt.concordance = concordance;

  sc::StepwiseResult res;
  if (firth) {
    sc::CoxFirthStepEngine engine(data, opt.ties, opt.control, &intr);
    SV_CATCH_INTERRUPT(res = sc::stepwise_select(engine, spec));
  } else {
    sc::CoxStepEngine engine(data, opt.ties, opt.control, &intr);
    SV_CATCH_INTERRUPT(res = sc::stepwise_select(engine, spec));
  }
  sc::CoxModelResult final_model;
  SV_CATCH_INTERRUPT(sc::cox_stepwise_final(data, res, opt, final_model, &intr));

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
      Rcpp::Named("final") = sg::cox_result_list(final_model),
      Rcpp::Named("not_in") = Rcpp::List::create(
          Rcpp::Named("term") = n_term, Rcpp::Named("statistic") = n_stat,
          Rcpp::Named("df") = n_df, Rcpp::Named("p_value") = n_p,
          Rcpp::Named("eligible") = n_elig),
      Rcpp::Named("resid") = resid,
      Rcpp::Named("stop") = static_cast<int>(res.stop),
      Rcpp::Named("fit_status") = res.fit_status);
}
