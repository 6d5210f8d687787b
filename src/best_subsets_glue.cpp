// Rcpp glue for best-subsets selection by the score criterion (SAS PHREG
// SELECTION=SCORE): conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cox_glue.h"
#include "glue_interrupt.h"
#include "stepwise_glue.h"
#include "survstep/best_subsets.hpp"

namespace sc = survstep::core;
namespace sg = survstep::glue;

// x: n x P design (all candidate columns); y: the Surv matrix (time, status)
// or (start, stop, status); term_cols: 0-based columns of each term; forced:
// per term; sizes: model sizes wanted (numbers of terms, forced ones
// counted); best: subsets kept per size (Inf = all); prune: branch and bound
// (FALSE: every subset); ties "efron" / "breslow" / "exact" /
// "exact-marginal". Returns the selected subsets by size and rank (terms
// 0-based), the forced terms' own statistic and the number of subsets whose
// statistic was computed. Interruptible (Ctrl-C).
// [[Rcpp::export(rng = false)]]
Rcpp::List best_subsets_cpp(SEXP x, SEXP y, SEXP weights, SEXP offset, SEXP strata,
                            Rcpp::List term_cols, Rcpp::LogicalVector forced,
                            Rcpp::IntegerVector sizes, double best, bool prune,
                            std::string ties, double toler_chol, double timefix_tol) {
  sg::CoxArgs a = sg::cox_args(x, y, strata, weights, offset, timefix_tol);
  sc::CoxData data;
  sc::Interrupt intr = sg::r_interrupt();
  sg::cox_prepare(a, data, intr);
  sc::BestSubsetsSpec spec;
  sg::term_columns(term_cols, forced, spec.term_cols, spec.forced);
  spec.sizes.assign(sizes.begin(), sizes.end());
  if (!(best >= 1.0)) Rcpp::stop("internal: `best` must be >= 1");
  spec.best = std::isinf(best) || best >= 1.8e19 ? std::numeric_limits<std::size_t>::max()
                                                 : static_cast<std::size_t>(best);
  spec.prune = prune;
  spec.toler = toler_chol;

  sc::BestSubsetsResult res;
  SV_CATCH_INTERRUPT(res = sc::cox_best_subsets(data, sg::cox_ties(ties), spec, &intr));

  const std::size_t ns = res.subsets.size();
  Rcpp::IntegerVector size(ns), rank(ns), df(ns);
  Rcpp::NumericVector stat(ns);
  Rcpp::List terms(ns);
  for (std::size_t i = 0; i < ns; ++i) {
    const sc::BestSubset& s = res.subsets[i];
    size[i] = s.size;
    rank[i] = s.rank;
    df[i] = s.df;
    stat[i] = s.statistic;
    terms[i] = Rcpp::IntegerVector(s.terms.begin(), s.terms.end());
  }
  return Rcpp::List::create(
      Rcpp::Named("size") = size, Rcpp::Named("rank") = rank,
      Rcpp::Named("statistic") = stat, Rcpp::Named("df") = df,
      Rcpp::Named("terms") = terms,
      Rcpp::Named("forced") = Rcpp::NumericVector::create(
          res.forced_statistic, static_cast<double>(res.forced_df)),
      Rcpp::Named("evaluated") = static_cast<double>(res.evaluated));
}
