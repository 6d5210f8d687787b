// Rcpp glue for the bootstrap of the stepwise procedure (bootstrap.hpp):
// conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cox_glue.h"
#include "glue_interrupt.h"
#include "stepwise_glue.h"
#include "survstep/bootstrap.hpp"

namespace sc = survstep::core;
namespace sg = survstep::glue;

namespace {

// A whole number (checked in R) -> the 64-bit seed (two's complement for
// negative values).
std::uint64_t seed_value(double seed) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(seed));
}

}  // namespace

// The resampling units of replicates 1..B: an m x B integer matrix of
// 1-based unit numbers (bootstrap.hpp, boot_draw()).
// [[Rcpp::export(rng = false)]]
Rcpp::IntegerMatrix boot_indices_cpp(double seed, int m, int B) {
  Rcpp::IntegerMatrix out(m, B);
  std::vector<int> draw;
  sc::BootRng rng(seed_value(seed));
  for (int b = 0; b < B; ++b) {
    sc::boot_draw(rng, m, draw);
    for (int i = 0; i < m; ++i) out(i, b) = draw[i] + 1;
  }
  return out;
}

// The 10000th output of std::mt19937_64 with its default seed (the C++
// standard says 9981545732273789042), as its high and low 32 bits.
// [[Rcpp::export(rng = false)]]
Rcpp::NumericVector boot_rng_check_cpp() {
  std::mt19937_64 g;
  g.discard(9999);
  const std::uint64_t v = g();
  return Rcpp::NumericVector::create(static_cast<double>(v >> 32),
                                     static_cast<double>(v & 0xffffffffu));
}

// The stepwise selection (arguments as stepwise_cpp()) re-run on B
// bootstrap resamples. unit: NULL (resample rows) or 0-based unit codes.
// Returns per replicate: status (BootStatus), n, model (B x terms logical),
// beta (B x P), fit_status, final_status, c_train, c_test, slope,
// slope_status; and `apparent`, the same for the original data.
// Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List stepwise_boot_cpp(SEXP x, SEXP y, SEXP weights, SEXP offset, SEXP strata,
                             SEXP unit, Rcpp::List term_cols, Rcpp::LogicalVector forced,
                             std::string direction, std::string removal, double p_enter,
                             double p_remove, std::string ties, double eps, int iter_max,
                             double toler_chol, double toler_inf, double timefix_tol,
                             double seed, int B, bool validate,
                             std::string convergence = "survival", SEXP tols = R_NilValue,
                             std::string style = "spss", SEXP start = R_NilValue,
                             int max_steps = -1, bool firth = false) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  sc::BootSpec spec;
  spec.step = sg::stepwise_spec(term_cols, forced, direction, removal, p_enter, p_remove,
                                toler_chol, style, start, max_steps);
  spec.ties = sg::cox_ties(ties);
  spec.control = sg::cox_control(eps, toler_chol, iter_max, toler_inf, convergence, tols);
  spec.validate = validate;
  spec.firth = firth;
  std::vector<int> units;
  if (!Rf_isNull(unit)) {
    Rcpp::IntegerVector u(unit);
    units.assign(u.begin(), u.end());
  }
  sg::TimedInterrupt timer;
  sc::Interrupt intr = sg::r_interrupt_timed(timer);
  sc::BootResult res;
  SV_CATCH_INTERRUPT(sc::cox_stepwise_boot(a.in, units, spec, seed_value(seed), B, res, &intr));

  const int nt = static_cast<int>(spec.step.term_cols.size());
  const int p = a.in.p;
  auto pack = [nt, p](const std::vector<sc::BootReplicate>& reps) {
    const int nb = static_cast<int>(reps.size());
    Rcpp::IntegerVector status(nb), n(nb), fit_status(nb), final_status(nb),
        slope_status(nb), data_status(nb);
    Rcpp::NumericVector c_train(nb), c_test(nb), slope(nb);
    Rcpp::LogicalMatrix model(nb, nt);
    Rcpp::NumericMatrix beta(nb, p);
    for (int b = 0; b < nb; ++b) {
      const sc::BootReplicate& r = reps[b];
      status[b] = r.status;
      data_status[b] = r.data_status;
      n[b] = r.n;
      fit_status[b] = r.fit_status;
      final_status[b] = r.final_status;
      slope_status[b] = r.slope_status;
      c_train[b] = r.c_train;
      c_test[b] = r.c_test;
      slope[b] = r.slope;
      for (int t : r.model) model(b, t) = TRUE;
      for (int j = 0; j < p; ++j) {
        beta(b, j) = r.status == sc::boot_ok && r.beta.size() == p ? r.beta(j) : NA_REAL;
        if (std::isnan(beta(b, j))) beta(b, j) = NA_REAL;
      }
      if (r.status != sc::boot_ok) {
        for (int t = 0; t < nt; ++t) model(b, t) = NA_LOGICAL;
      }
    }
    return Rcpp::List::create(
        Rcpp::Named("status") = status, Rcpp::Named("data_status") = data_status,
        Rcpp::Named("n") = n, Rcpp::Named("model") = model, Rcpp::Named("beta") = beta,
        Rcpp::Named("fit_status") = fit_status, Rcpp::Named("final_status") = final_status,
        Rcpp::Named("c_train") = c_train, Rcpp::Named("c_test") = c_test,
        Rcpp::Named("slope") = slope, Rcpp::Named("slope_status") = slope_status);
  };
  return Rcpp::List::create(
      Rcpp::Named("apparent") = pack(std::vector<sc::BootReplicate>{res.apparent}),
      Rcpp::Named("reps") = pack(res.reps));
}
