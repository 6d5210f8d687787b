// Rcpp glue for the log-rank family: conversion only.
#include <Rcpp.h>

#include <cstddef>

#include "core/logrank.hpp"

// time: numeric; status: 0/1 integer; group: factor codes 1..n_groups;
// stratum: codes 1..n_strata or an empty vector for one stratum;
// weight: 0 logrank, 1 gehan-breslow, 2 tarone-ware, 3 peto-peto,
// 4 fleming-harrington; scores: empty (no trend) or n_groups values.
// [[Rcpp::export(rng = false)]]
Rcpp::List logrank_cpp(Rcpp::NumericVector time, Rcpp::IntegerVector status,
                       Rcpp::IntegerVector group, int n_groups,
                       Rcpp::IntegerVector stratum, int n_strata, int weight, double p,
                       double q, bool timefix, double timefix_tol,
                       Rcpp::NumericVector scores) {
  namespace core = survstep::core;
  const std::size_t n = static_cast<std::size_t>(time.size());
  if (static_cast<std::size_t>(status.size()) != n ||
      static_cast<std::size_t>(group.size()) != n ||
      (stratum.size() != 0 && static_cast<std::size_t>(stratum.size()) != n) ||
      weight < 0 || weight > 4) {
    Rcpp::stop("logrank_cpp(): inconsistent arguments");
  }
  core::LogrankOptions opt;
  opt.weight = static_cast<core::LogrankWeight>(weight);
  opt.p = p;
  opt.q = q;
  opt.timefix = timefix;
  opt.timefix_tol = timefix_tol;
  opt.code_base = 1;
  core::LogrankWorkspace ws;
  core::LogrankResult res;
  const int* st = stratum.size() ? stratum.begin() : nullptr;
  core::LogrankStatus code =
      core::logrank_test(time.begin(), status.begin(), group.begin(), st, n, n_groups,
                         stratum.size() ? n_strata : 1, opt, ws, res);

  double trend_stat = NA_REAL;
  double trend_var = NA_REAL;
  int trend_code = -1;
  if (scores.size() != 0 && code != core::LogrankStatus::invalid_input) {
    if (scores.size() != n_groups) Rcpp::stop("logrank_cpp(): wrong number of scores");
    trend_code = static_cast<int>(
        core::logrank_trend(res, scores.begin(), trend_stat, trend_var));
  }

  Rcpp::NumericMatrix var(n_groups, n_groups);
  if (res.var.size() == static_cast<std::size_t>(n_groups) * n_groups) {
    std::copy(res.var.begin(), res.var.end(), var.begin());
  }
  return Rcpp::List::create(
      Rcpp::Named("status") = static_cast<int>(code),
      Rcpp::Named("n") = Rcpp::NumericVector(res.n.begin(), res.n.end()),
      Rcpp::Named("events") = Rcpp::NumericVector(res.events.begin(), res.events.end()),
      Rcpp::Named("observed") =
          Rcpp::NumericVector(res.observed.begin(), res.observed.end()),
      Rcpp::Named("expected") =
          Rcpp::NumericVector(res.expected.begin(), res.expected.end()),
      Rcpp::Named("var") = var, Rcpp::Named("statistic") = res.statistic,
      Rcpp::Named("df") = res.df, Rcpp::Named("rank") = res.rank,
      Rcpp::Named("trend_statistic") = trend_stat,
      Rcpp::Named("trend_variance") = trend_var,
      Rcpp::Named("trend_status") = trend_code);
}
