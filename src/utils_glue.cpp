// Rcpp glue for shared core utilities: conversion only.
#include <Rcpp.h>

#include <vector>

#include "survstep/distributions.hpp"
#include "survstep/risk_sets.hpp"

// Merge floating-point near-tied times as survival's timefix does.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector timefix_cpp(Rcpp::NumericVector time, double tol) {
  std::vector<double> t(time.begin(), time.end());
  survstep::core::timefix(t, tol);
  return Rcpp::NumericVector(t.begin(), t.end());
}

// Upper tail of the chi-square distribution (vectorised over x).
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector chisq_upper_cpp(Rcpp::NumericVector x, double df) {
  Rcpp::NumericVector out(x.size());
  for (R_xlen_t i = 0; i < x.size(); ++i) {
    out[i] = survstep::core::chisq_upper(x[i], df);
  }
  return out;
}
