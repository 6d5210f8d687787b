// Rcpp glue for the Cox engine: conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <vector>

#include "core/cox_loglik.hpp"

namespace sc = survstep::core;

namespace {

sc::CoxInput make_input(const Rcpp::NumericMatrix& x, const Rcpp::NumericVector& time,
                        const Rcpp::IntegerVector& status,
                        const Rcpp::Nullable<Rcpp::NumericVector>& weights,
                        const Rcpp::Nullable<Rcpp::NumericVector>& offset,
                        const Rcpp::Nullable<Rcpp::IntegerVector>& strata) {
  sc::CoxInput in;
  in.n = time.size();
  in.p = x.ncol();
  in.x = in.p > 0 ? x.begin() : nullptr;
  in.time = time.begin();
  in.status = status.begin();
  if (weights.isNotNull()) in.weight = Rcpp::NumericVector(weights.get()).begin();
  if (offset.isNotNull()) in.offset = Rcpp::NumericVector(offset.get()).begin();
  if (strata.isNotNull()) in.strata = Rcpp::IntegerVector(strata.get()).begin();
  return in;
}

}  // namespace

// Log partial likelihood, score and information at beta (testing helper).
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_eval_cpp(Rcpp::NumericMatrix x, Rcpp::NumericVector time,
                        Rcpp::IntegerVector status,
                        Rcpp::Nullable<Rcpp::NumericVector> weights,
                        Rcpp::Nullable<Rcpp::NumericVector> offset,
                        Rcpp::Nullable<Rcpp::IntegerVector> strata,
                        Rcpp::NumericVector beta, int ties, double timefix_tol) {
  sc::CoxInput in = make_input(x, time, status, weights, offset, strata);
  in.timefix_tol = timefix_tol;
  sc::CoxData d;
  int st = sc::cox_data_build(in, d);
  if (st != sc::cox_data_ok) Rcpp::stop("bad data (code %d)", st);
  sc::CoxWork w;
  sc::CoxEval out;
  sc::cox_evaluate(d, beta.begin(), static_cast<sc::CoxTies>(ties), sc::cox_what_info, w, out);
  return Rcpp::List::create(Rcpp::Named("loglik") = out.loglik,
                            Rcpp::Named("score") = Rcpp::wrap(out.score),
                            Rcpp::Named("info") = Rcpp::wrap(out.info));
}
