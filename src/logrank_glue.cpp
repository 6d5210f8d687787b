// Rcpp glue for the log-rank family: conversion only.
#include <Rcpp.h>

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "glue_interrupt.h"
#include "survstep/logrank.hpp"
#include "survstep/permutation.hpp"

namespace {

// The `test` option of logrank_test(), parsed once; an unknown value is an
// error.
survstep::core::LogrankWeight parse_logrank_test(const std::string& s) {
  using W = survstep::core::LogrankWeight;
  if (s == "logrank") return W::logrank;
  if (s == "gehan-breslow") return W::gehan_breslow;
  if (s == "tarone-ware") return W::tarone_ware;
  if (s == "peto-peto") return W::peto_peto;
  if (s == "fleming-harrington") return W::fleming_harrington;
  if (s == "peto-prentice") return W::peto_prentice;
  if (s == "modified-peto") return W::modified_peto;
  // the exponential likelihood-ratio test reads events and exposure off the
  // log-rank run
  if (s == "lr-exponential") return W::logrank;
  Rcpp::stop("internal: unknown log-rank `test` \"%s\"", s);
}

// The buffers of logrank_cpp() kept between calls. A test of 1e6 rows sorts
// through some 40 MB of them; freed at the end of every call, glibc hands
// them back to the system and the next call faults them in again (a tenth
// of the test's time). R calls the glue from its one thread; a nested call
// (R code run by the interrupt check) gets buffers of its own, and buffers
// grown beyond kept_rows_max rows are released after the call, which bounds
// what stays allocated between calls.
struct LogrankBuffers {
  survstep::core::LogrankWorkspace ws;
  std::vector<int> status;
  bool in_use = false;
};

constexpr std::size_t kept_rows_max = 2000000;

class LogrankLease {
 public:
  explicit LogrankLease(std::size_t n) : n_(n) {
    static LogrankBuffers kept;
    buf_ = kept.in_use ? &own_ : &kept;
    buf_->in_use = true;
  }
  ~LogrankLease() {
    if (buf_ != &own_) {
      if (n_ > kept_rows_max) {
        buf_->ws = survstep::core::LogrankWorkspace();
        std::vector<int>().swap(buf_->status);
      }
      buf_->in_use = false;
    }
  }
  LogrankLease(const LogrankLease&) = delete;
  LogrankLease& operator=(const LogrankLease&) = delete;
  LogrankBuffers& get() { return *buf_; }

 private:
  std::size_t n_;
  LogrankBuffers own_;
  LogrankBuffers* buf_;
};

}  // namespace

// y: n x 2 double matrix (time, status 0/1) or, for counting-process data
// (delayed entry), n x 3 (start, stop, status 0/1); group: 0-based codes
// 0..n_groups-1; stratum: 0-based codes 0..n_strata-1 or NULL (one stratum);
// weight: case weights (double) or NULL; test: the name of the test;
// timefix_tol: 0 = no timefix; scores: NULL (no trend test) or n_groups
// values. Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List logrank_cpp(SEXP y, SEXP group, int n_groups, SEXP stratum, int n_strata,
                       SEXP weight, std::string test, double p, double q,
                       double timefix_tol, SEXP scores) {
  namespace core = survstep::core;
  const int ncol = Rf_isMatrix(y) ? Rf_ncols(y) : 0;
  if (TYPEOF(y) != REALSXP || (ncol != 2 && ncol != 3)) {
    Rcpp::stop("internal: `y` must be a double matrix with 2 or 3 columns");
  }
  const bool counting = ncol == 3;
  const R_xlen_t n = Rf_nrows(y);
  const bool has_strata = !Rf_isNull(stratum);
  if (TYPEOF(group) != INTSXP || Rf_xlength(group) != n ||
      (has_strata && (TYPEOF(stratum) != INTSXP || Rf_xlength(stratum) != n)) ||
      (!Rf_isNull(weight) && (TYPEOF(weight) != REALSXP || Rf_xlength(weight) != n)) ||
      n_groups < 1 ||
      (!Rf_isNull(scores) &&
       (TYPEOF(scores) != REALSXP || Rf_xlength(scores) != n_groups))) {
    Rcpp::stop("internal: inconsistent arguments of logrank_cpp()");
  }
  const double* start = counting ? REAL(y) : nullptr;
  const double* time = REAL(y) + (counting ? n : 0);
  const double* st = time + n;
  // the double status becomes the core's int status; a status that is not
  // 0/1 or a time that is not finite and non-negative (counting process:
  // finite start < stop) can't be converted: the core's invalid_input
  // status, nothing computed
  LogrankLease lease(static_cast<std::size_t>(n));
  std::vector<int>& status = lease.get().status;
  status.resize(static_cast<std::size_t>(n));
  bool bad = false;
  for (R_xlen_t i = 0; i < n; ++i) {
    const double s = st[i];
    status[i] = s == 1.0 ? 1 : 0;
    bad = bad || (s != 0.0 && s != 1.0) ||
          (counting ? !(start[i] >= -DBL_MAX && start[i] < time[i] && time[i] <= DBL_MAX)
                    : !(time[i] >= 0.0 && time[i] <= DBL_MAX));
  }
  if (bad) {
    return Rcpp::List::create(Rcpp::Named("status") =
                                  static_cast<int>(core::LogrankStatus::invalid_input));
  }

  core::LogrankOptions opt;
  opt.weight = parse_logrank_test(test);
  opt.p = p;
  opt.q = q;
  opt.timefix = timefix_tol > 0.0;
  opt.timefix_tol = timefix_tol;
  opt.code_base = 0;
  core::LogrankWorkspace& ws = lease.get().ws;
  core::LogrankResult res;
  core::Interrupt intr = survstep::glue::r_interrupt(1u << 16);
  core::LogrankStatus code = core::LogrankStatus::ok;
  SV_CATCH_INTERRUPT(code = core::logrank_test(
                         time, status.data(), INTEGER(group),
                         has_strata ? INTEGER(stratum) : nullptr,
                         static_cast<std::size_t>(n), n_groups, has_strata ? n_strata : 1,
                         opt, ws, res, Rf_isNull(weight) ? nullptr : REAL(weight), start,
                         &intr));
  if (code == core::LogrankStatus::invalid_input ||
      code == core::LogrankStatus::empty_interval) {
    return Rcpp::List::create(Rcpp::Named("status") = static_cast<int>(code));
  }

  double statistic = res.statistic;
  int df = res.df;
  if (test == "lr-exponential" && (code == core::LogrankStatus::ok ||
                                   code == core::LogrankStatus::singular ||
                                   code == core::LogrankStatus::too_few_groups)) {
    code = core::logrank_lr_exponential(res, statistic, df);
  }

  double trend_stat = NA_REAL;
  int trend_code = -1;
  if (!Rf_isNull(scores)) {
    double trend_var = NA_REAL;
    trend_code =
        static_cast<int>(core::logrank_trend(res, REAL(scores), trend_stat, trend_var));
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
      Rcpp::Named("var") = var, Rcpp::Named("statistic") = statistic,
      Rcpp::Named("df") = df, Rcpp::Named("trend_statistic") = trend_stat,
      Rcpp::Named("trend_status") = trend_code,
      Rcpp::Named("exposure") =
          Rcpp::NumericVector(res.exposure.begin(), res.exposure.end()));
}

// The permutation distribution of the weighted log-rank statistic: the
// engine of logrank_cpp() gives the per-row scores (the same weights), the
// permutation core (permutation.hpp) the p-value. y: n x 2 (time, status);
// group, stratum, test, p, q, timefix_tol, scores as logrank_cpp();
// distribution: "exact" or "approximate"; B, seed: the Monte Carlo
// replicates and seed (a whole number, as double). Returns
// list(status (LogrankStatus), perm_status (PermutationStatus), statistic,
// df, p_value, std_error, count, B, grid, work).
// [[Rcpp::export(rng = false)]]
Rcpp::List logrank_permutation_cpp(SEXP y, SEXP group, int n_groups, SEXP stratum,
                                   int n_strata, std::string test, double p, double q,
                                   double timefix_tol, SEXP scores,
                                   std::string distribution, double B, double seed) {
  namespace core = survstep::core;
  if (TYPEOF(y) != REALSXP || !Rf_isMatrix(y) || Rf_ncols(y) != 2) {
    Rcpp::stop("internal: `y` must be a double matrix with 2 columns");
  }
  const R_xlen_t n = Rf_nrows(y);
  const bool has_strata = !Rf_isNull(stratum);
  if (TYPEOF(group) != INTSXP || Rf_xlength(group) != n ||
      (has_strata && (TYPEOF(stratum) != INTSXP || Rf_xlength(stratum) != n)) ||
      n_groups < 1 ||
      (!Rf_isNull(scores) &&
       (TYPEOF(scores) != REALSXP || Rf_xlength(scores) != n_groups)) ||
      (distribution != "exact" && distribution != "approximate") || !(B >= 1.0)) {
    Rcpp::stop("internal: inconsistent arguments of logrank_permutation_cpp()");
  }
  const double* time = REAL(y);
  const double* st = time + n;
  std::vector<int> status(static_cast<std::size_t>(n));
  for (R_xlen_t i = 0; i < n; ++i) {
    if ((st[i] != 0.0 && st[i] != 1.0) || !(time[i] >= 0.0 && time[i] <= DBL_MAX)) {
      return Rcpp::List::create(Rcpp::Named("status") =
                                    static_cast<int>(core::LogrankStatus::invalid_input));
    }
    status[i] = st[i] == 1.0 ? 1 : 0;
  }
  core::LogrankOptions opt;
  opt.weight = parse_logrank_test(test);
  opt.p = p;
  opt.q = q;
  opt.timefix = timefix_tol > 0.0;
  opt.timefix_tol = timefix_tol;
  core::LogrankWorkspace ws;
  core::LogrankResult res;
  core::LogrankScores sc;
  core::Interrupt intr = survstep::glue::r_interrupt(1u << 16);
  core::LogrankStatus code = core::LogrankStatus::ok;
  const int* grp = INTEGER(group);
  const int* str = has_strata ? INTEGER(stratum) : nullptr;
  const int ns = has_strata ? n_strata : 1;
  SV_CATCH_INTERRUPT(code = core::logrank_test(time, status.data(), grp, str,
                                               static_cast<std::size_t>(n), n_groups, ns,
                                               opt, ws, res, nullptr, nullptr, &intr, &sc));
  if (code != core::LogrankStatus::ok && code != core::LogrankStatus::singular) {
    return Rcpp::List::create(Rcpp::Named("status") = static_cast<int>(code));
  }
  core::PermutationInput in;
  in.weight = sc.weight.data();
  in.cumhaz = sc.cumhaz.data();
  in.status = status.data();
  in.group = grp;
  in.stratum = str;
  in.n = static_cast<std::size_t>(n);
  in.n_groups = n_groups;
  in.n_strata = ns;
  const double* trend = Rf_isNull(scores) ? nullptr : REAL(scores);
  double statistic = NA_REAL, p_value = NA_REAL, std_error = 0.0, grid = NA_REAL,
         work = NA_REAL, count = NA_REAL;
  int df = 0;
  core::PermutationStatus pst = core::PermutationStatus::ok;
  if (distribution == "exact") {
    core::ExactOptions eopt;
    core::ExactResult er;
    SV_CATCH_INTERRUPT(pst = core::exact_permutation(in, eopt, er, &intr));
    statistic = er.statistic;
    df = er.df;
    p_value = er.p_value;
    grid = er.grid;
    work = er.work;
  } else {
    core::MonteCarloResult mc;
    // the seed: a whole number of magnitude <= 2^53, as two's complement
    const std::uint64_t s64 =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(seed));
    SV_CATCH_INTERRUPT(pst = core::monte_carlo_permutation(
                           in, trend, static_cast<std::int64_t>(B), s64, mc, &intr));
    statistic = mc.statistic;
    df = mc.df;
    p_value = mc.p_value;
    std_error = mc.std_error;
    count = static_cast<double>(mc.count);
  }
  return Rcpp::List::create(
      Rcpp::Named("status") = static_cast<int>(code),
      Rcpp::Named("perm_status") = static_cast<int>(pst), Rcpp::Named("statistic") = statistic,
      Rcpp::Named("df") = df, Rcpp::Named("p_value") = p_value,
      Rcpp::Named("std_error") = std_error, Rcpp::Named("count") = count,
      Rcpp::Named("B") = B, Rcpp::Named("grid") = grid, Rcpp::Named("work") = work);
}

// The per-row log-rank score ingredients (LogrankScores) of right-censored
// data, in row order: list(weight, cumhaz). For the tests.
// [[Rcpp::export(rng = false)]]
Rcpp::List logrank_scores_cpp(Rcpp::NumericMatrix y, Rcpp::IntegerVector group,
                              int n_groups, std::string test, double p, double q) {
  namespace core = survstep::core;
  const R_xlen_t n = y.nrow();
  std::vector<int> status(static_cast<std::size_t>(n));
  for (R_xlen_t i = 0; i < n; ++i) status[i] = y(i, 1) == 1.0 ? 1 : 0;
  core::LogrankOptions opt;
  opt.weight = parse_logrank_test(test);
  opt.p = p;
  opt.q = q;
  core::LogrankWorkspace ws;
  core::LogrankResult res;
  core::LogrankScores sc;
  core::logrank_test(&y(0, 0), status.data(), group.begin(), nullptr,
                     static_cast<std::size_t>(n), n_groups, 1, opt, ws, res, nullptr,
                     nullptr, nullptr, &sc);
  return Rcpp::List::create(
      Rcpp::Named("weight") = Rcpp::NumericVector(sc.weight.begin(), sc.weight.end()),
      Rcpp::Named("cumhaz") = Rcpp::NumericVector(sc.cumhaz.begin(), sc.cumhaz.end()));
}

// Codes 1, 2, ... of the distinct strings of x in order of first occurrence
// (NA stays NA), comparing the cached CHARSXP pointers: match(x, unique(x))
// in one pass (an open-addressing hash table). attr "n": the number of distinct
// non-NA strings. Returns NULL when a string carries a declared encoding
// (then equal text need not share a pointer, and the caller must use match()).
namespace {

class PointerCodes {
 public:
  // code of s, inserting it with the next code if new; 0 = give up
  int find_or_insert(SEXP s) {
    if (keys_.empty()) grow();
    const std::size_t mask = keys_.size() - 1;
    std::size_t b = slot(s);
    while (keys_[b] != nullptr && keys_[b] != s) b = (b + 1) & mask;
    if (keys_[b] == s) return vals_[b];
    if (Rf_getCharCE(s) != CE_NATIVE) return 0;
    ++n_;
    insert(s, n_);
    return n_;
  }
  int size() const { return n_; }

 private:
  std::size_t slot(SEXP s) const {
    const std::uint64_t h =
        (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(s)) >> 4) *
        0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> 20) & (keys_.size() - 1);
  }
  void insert(SEXP s, int code) {
    if ((used_ + 1) * 2 > keys_.size()) grow();
    const std::size_t mask = keys_.size() - 1;
    std::size_t b = slot(s);
    while (keys_[b] != nullptr) b = (b + 1) & mask;
    keys_[b] = s;
    vals_[b] = code;
    ++used_;
  }
  void grow() {
    std::vector<SEXP> old_keys(keys_.empty() ? 64 : keys_.size() * 2, nullptr);
    std::vector<int> old_vals(old_keys.size(), 0);
    old_keys.swap(keys_);
    old_vals.swap(vals_);
    used_ = 0;
    for (std::size_t j = 0; j < old_keys.size(); ++j) {
      if (old_keys[j] != nullptr) insert(old_keys[j], old_vals[j]);
    }
  }
  int n_ = 0;
  std::size_t used_ = 0;
  std::vector<SEXP> keys_;
  std::vector<int> vals_;
};

}  // namespace

// [[Rcpp::export(rng = false)]]
SEXP string_codes_cpp(Rcpp::CharacterVector x) {
  const R_xlen_t n = x.size();
  Rcpp::IntegerVector out(n);
  int* po = out.begin();
  const SEXP* px = STRING_PTR_RO(x);
  PointerCodes codes;
  for (R_xlen_t i = 0; i < n; ++i) {
    SEXP s = px[i];
    if (s == NA_STRING) {
      po[i] = NA_INTEGER;
      continue;
    }
    const int code = codes.find_or_insert(s);
    if (code == 0) return R_NilValue;
    po[i] = code;
  }
  out.attr("n") = codes.size();
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

// Classifies a numeric Surv() event vector as survival::Surv() would read it:
// 0 = values in {0, 1} (and NA), used as is; 1 = values in {1, 2} with a 2
// (Surv() subtracts 1); 2 = anything else (invalid values, or no non-missing
// value).
// [[Rcpp::export(rng = false)]]
int surv_status_code_cpp(SEXP event) {
  // branch-free flags: bit 0 = a 0, bit 1 = a 1, bit 2 = a 2, bit 3 = other
  unsigned flags = 0;
  const R_xlen_t n = Rf_xlength(event);
  if (TYPEOF(event) == INTSXP) {
    const int* x = INTEGER(event);
    for (R_xlen_t i = 0; i < n; ++i) {
      const int v = x[i];
      const unsigned na = v == NA_INTEGER;
      flags |= (unsigned{v == 0} << 0) | (unsigned{v == 1} << 1) |
               (unsigned{v == 2} << 2) |
               (static_cast<unsigned>((static_cast<unsigned>(v) > 2u) && !na) << 3);
    }
  } else if (TYPEOF(event) == REALSXP) {
    const double* x = REAL(event);
    for (R_xlen_t i = 0; i < n; ++i) {
      const double v = x[i];
      const bool ok = v == 0.0 || v == 1.0 || v == 2.0 || std::isnan(v);
      flags |= (unsigned{v == 0.0} << 0) | (unsigned{v == 1.0} << 1) |
               (unsigned{v == 2.0} << 2) | (unsigned{!ok} << 3);
    }
  } else {
    return 2;
  }
  const bool has0 = flags & 1u, has1 = flags & 2u, has2 = flags & 4u, other = flags & 8u;
  if (other || (!has0 && !has1 && !has2)) return 2;
  if (has2) return has0 ? 2 : 1;
  return 0;
}

// One pass over a Surv() response matrix (double or integer, n x 2 or n x 3)
// for sv_check_y(): c(rows with a missing value, infinite time values,
// invalid rows), where invalid is a negative time (n x 2) or start >= stop
// (n x 3, finite rows only).
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerVector surv_check_cpp(SEXP y) {
  const SEXP dim = Rf_getAttrib(y, R_DimSymbol);
  if (TYPEOF(dim) != INTSXP || Rf_length(dim) != 2) Rcpp::stop("not a matrix");
  const R_xlen_t n = INTEGER(dim)[0];
  const int nc = INTEGER(dim)[1];
  if (nc != 2 && nc != 3) Rcpp::stop("not a Surv() matrix");
  int missing = 0, infinite = 0, invalid = 0;
  auto scan = [&](auto get, auto isna) {
    for (R_xlen_t i = 0; i < n; ++i) {
      bool na = false;
      for (int j = 0; j < nc; ++j) na = na || isna(i + j * n);
      if (na) { ++missing; continue; }
      const double t1 = get(i), t2 = get(i + n);
      if (nc == 2) {
        if (!std::isfinite(t1)) { ++infinite; continue; }
        invalid += t1 < 0;
      } else {
        const bool fin = std::isfinite(t1) && std::isfinite(t2);
        infinite += !std::isfinite(t1) + !std::isfinite(t2);
        invalid += fin && !(t1 < t2);
      }
    }
  };
  if (TYPEOF(y) == REALSXP) {
    const double* x = REAL(y);
    scan([x](R_xlen_t k) { return x[k]; },
         [x](R_xlen_t k) { return std::isnan(x[k]); });
  } else if (TYPEOF(y) == INTSXP || TYPEOF(y) == LGLSXP) {
    const int* x = TYPEOF(y) == INTSXP ? INTEGER(y) : LOGICAL(y);
    scan([x](R_xlen_t k) { return static_cast<double>(x[k]); },
         [x](R_xlen_t k) { return x[k] == NA_INTEGER; });
  } else {
    Rcpp::stop("not a numeric matrix");
  }
  return Rcpp::IntegerVector::create(missing, infinite, invalid);
}
