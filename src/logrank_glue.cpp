// Rcpp glue for the log-rank family: conversion only.
#include <Rcpp.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/logrank.hpp"

// y: n x 2 matrix (time, status 0/1); rows: 1-based rows of y to use (empty:
// all); group: codes 1..n_groups for every row of y; stratum: codes
// 1..n_strata for every row of y, or empty for one stratum; weight: 0 logrank,
// 1 gehan-breslow, 2 tarone-ware, 3 peto-peto, 4 fleming-harrington; scores:
// empty (no trend) or n_groups values. status 5 in the result: a time is
// negative or not finite, or a status is not 0/1 (nothing computed).
// [[Rcpp::export(rng = false)]]
Rcpp::List logrank_cpp(Rcpp::NumericMatrix y, Rcpp::IntegerVector rows,
                       Rcpp::IntegerVector group, int n_groups,
                       Rcpp::IntegerVector stratum, int n_strata, int weight, double p,
                       double q, bool timefix, double timefix_tol,
                       Rcpp::NumericVector scores) {
  namespace core = survstep::core;
  const R_xlen_t n_all = y.nrow();
  const bool has_strata = stratum.size() != 0;
  if (y.ncol() != 2 || group.size() != n_all || (has_strata && stratum.size() != n_all) ||
      weight < 0 || weight > 4 || n_groups < 1 ||
      (scores.size() != 0 && scores.size() != n_groups)) {
    Rcpp::stop("logrank_cpp(): inconsistent arguments");
  }
  const bool subset = rows.size() != 0;
  const std::size_t n = subset ? static_cast<std::size_t>(rows.size())
                               : static_cast<std::size_t>(n_all);
  const double* time_all = y.begin();
  const double* status_all = y.begin() + n_all;
  std::vector<double> time(subset ? n : 0);
  std::vector<int> status(n);
  std::vector<int> grp(subset ? n : 0);
  std::vector<int> str(subset && has_strata ? n : 0);
  bool bad = false;
  for (std::size_t i = 0; i < n; ++i) {
    R_xlen_t r = static_cast<R_xlen_t>(i);
    if (subset) {
      r = static_cast<R_xlen_t>(rows[i]) - 1;
      if (r < 0 || r >= n_all) Rcpp::stop("logrank_cpp(): row out of range");
    }
    const double t = time_all[r];
    const double d = status_all[r];
    if (!(t >= 0.0) || !std::isfinite(t) || (d != 0.0 && d != 1.0)) bad = true;
    status[i] = d == 1.0 ? 1 : 0;
    if (subset) {
      time[i] = t;
      grp[i] = group[r];
      if (has_strata) str[i] = stratum[r];
    }
  }
  if (bad) return Rcpp::List::create(Rcpp::Named("status") = 5);

  core::LogrankOptions opt;
  opt.weight = static_cast<core::LogrankWeight>(weight);
  opt.p = p;
  opt.q = q;
  opt.timefix = timefix;
  opt.timefix_tol = timefix_tol;
  opt.code_base = 1;
  core::LogrankWorkspace ws;
  core::LogrankResult res;
  const double* tp = subset ? time.data() : time_all;
  const int* gp = subset ? grp.data() : group.begin();
  const int* sp = !has_strata ? nullptr : (subset ? str.data() : stratum.begin());
  core::LogrankStatus code = core::logrank_test(tp, status.data(), gp, sp, n, n_groups,
                                                has_strata ? n_strata : 1, opt, ws, res);

  double trend_stat = NA_REAL;
  double trend_var = NA_REAL;
  int trend_code = -1;
  if (scores.size() != 0 && code != core::LogrankStatus::invalid_input) {
    trend_code =
        static_cast<int>(core::logrank_trend(res, scores.begin(), trend_stat, trend_var));
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

// Codes 1, 2, ... of the distinct strings of x in order of first occurrence
// (NA stays NA), hashing the cached CHARSXP pointers: match(x, unique(x))
// in one pass. attr "n": the number of distinct non-NA strings. Returns NULL
// when a string carries a declared encoding (then equal text need not share a
// pointer, and the caller must use match()).
// [[Rcpp::export(rng = false)]]
SEXP string_codes_cpp(Rcpp::CharacterVector x) {
  const R_xlen_t n = x.size();
  Rcpp::IntegerVector out(n);
  std::size_t cap = 64;
  std::vector<SEXP> keys(cap, nullptr);
  std::vector<int> vals(cap, 0);
  int n_codes = 0;
  SEXP last = nullptr;
  int last_code = 0;
  for (R_xlen_t i = 0; i < n; ++i) {
    SEXP s = STRING_ELT(x, i);
    if (s == NA_STRING) {
      out[i] = NA_INTEGER;
      continue;
    }
    if (s == last) {
      out[i] = last_code;
      continue;
    }
    if (static_cast<std::size_t>(n_codes + 1) * 2 > cap) {
      // grow the open-addressing table
      std::vector<SEXP> k2(cap * 2, nullptr);
      std::vector<int> v2(cap * 2, 0);
      for (std::size_t j = 0; j < cap; ++j) {
        if (keys[j] == nullptr) continue;
        std::size_t h = (reinterpret_cast<std::uintptr_t>(keys[j]) >> 4) *
                        static_cast<std::size_t>(0x9E3779B97F4A7C15ULL);
        std::size_t m = cap * 2 - 1;
        std::size_t b = (h >> 7) & m;
        while (k2[b] != nullptr) b = (b + 1) & m;
        k2[b] = keys[j];
        v2[b] = vals[j];
      }
      keys.swap(k2);
      vals.swap(v2);
      cap *= 2;
    }
    std::size_t h = (reinterpret_cast<std::uintptr_t>(s) >> 4) *
                    static_cast<std::size_t>(0x9E3779B97F4A7C15ULL);
    std::size_t m = cap - 1;
    std::size_t b = (h >> 7) & m;
    while (keys[b] != nullptr && keys[b] != s) b = (b + 1) & m;
    if (keys[b] == nullptr) {
      if (Rf_getCharCE(s) != CE_NATIVE) return R_NilValue;
      keys[b] = s;
      vals[b] = ++n_codes;
    }
    last = s;
    last_code = vals[b];
    out[i] = last_code;
  }
  out.attr("n") = n_codes;
  return out;
}

// Position (1-based) of the first occurrence of each code 1..m in `codes`,
// 0 for codes that do not occur; NA codes are skipped.
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector first_rows_cpp(Rcpp::IntegerVector codes, int m) {
  Rcpp::IntegerVector first(m);
  const R_xlen_t n = codes.size();
  for (R_xlen_t i = 0; i < n; ++i) {
    const int c = codes[i];
    if (c == NA_INTEGER || c < 1 || c > m) continue;
    if (first[c - 1] == 0) first[c - 1] = static_cast<int>(i + 1);
  }
  return first;
}
