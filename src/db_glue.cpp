// Glue of the Cox model on data in a database (cox_aggregate.hpp): the core's
// Newton solver calls back into R for the per-(stratum, time, status) sums
// at each trial beta (one aggregate query). Conversion only.
#include <Rcpp.h>
#include <RcppEigen.h>

#include <string>
#include <vector>

#include "glue_interrupt.h"
#include "survstep/cox_aggregate.hpp"
#include "survstep/cox_newton.hpp"

namespace sc = survstep::core;

namespace {

// Copy an n x m R matrix (column-major) into a row-major vector.
void row_major(SEXP m, std::size_t n, std::size_t cols, std::vector<double>& out) {
  out.assign(n * cols, 0.0);
  if (cols == 0) return;
  if (TYPEOF(m) != REALSXP || static_cast<std::size_t>(Rf_xlength(m)) != n * cols) {
    Rcpp::stop("internal: bad aggregate matrix");
  }
  const double* v = REAL(m);
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::size_t i = 0; i < n; ++i) out[i * cols + c] = v[c * n + i];
  }
}

std::vector<double> dbl(SEXP x) {
  Rcpp::NumericVector v(x);
  return std::vector<double>(v.begin(), v.end());
}

std::vector<int> ints(SEXP x) {
  Rcpp::IntegerVector v(x);
  return std::vector<int>(v.begin(), v.end());
}

// The R callback as the objective's fetch: fetch(beta_s, derivatives)
// returns list(stratum, time, status, count, wsum, wz, r, rz, rzz) and, for
// counting-process data, entry_stratum, entry_time, entry_r, entry_rz,
// entry_rzz.
struct RFetch {
  Rcpp::Function fun;
  int p;
  void operator()(const double* beta_s, bool derivatives, sc::CoxAggTable& t) {
    Rcpp::NumericVector b(beta_s, beta_s + p);
    Rcpp::List res = fun(b, derivatives);
    t.p = p;
    t.stratum = ints(res["stratum"]);
    t.time = dbl(res["time"]);
    t.status = ints(res["status"]);
    t.count = dbl(res["count"]);
    t.wsum = dbl(res["wsum"]);
    t.r = dbl(res["r"]);
    const std::size_t n = t.time.size();
    const std::size_t pp = static_cast<std::size_t>(p);
    row_major(res["wz"], n, pp, t.wz);
    if (derivatives) {
      row_major(res["rz"], n, pp, t.rz);
      row_major(res["rzz"], n, pp * (pp + 1) / 2, t.rzz);
    } else {
      t.rz.clear();
      t.rzz.clear();
    }
    // counting-process data: the entry table (absent: right-censored)
    t.entry_stratum.clear();
    t.entry_time.clear();
    t.entry_r.clear();
    t.entry_rz.clear();
    t.entry_rzz.clear();
    if (res.containsElementNamed("entry_time") && !Rf_isNull(res["entry_time"])) {
      t.entry_stratum = ints(res["entry_stratum"]);
      t.entry_time = dbl(res["entry_time"]);
      t.entry_r = dbl(res["entry_r"]);
      const std::size_t ne = t.entry_time.size();
      if (derivatives) {
        row_major(res["entry_rz"], ne, pp, t.entry_rz);
        row_major(res["entry_rzz"], ne, pp * (pp + 1) / 2, t.entry_rzz);
      }
    }
  }
};

}  // namespace

// Newton-Raphson fit of a Cox model from database aggregates. `fetch` is
// the R function above; `scale` the column scales (z = (x - mean) * scale);
// init in original units or NULL. Returns the list of cox_fit_cpp() (no
// linear predictors or concordance: they need the rows) plus n_fetch.
// [[Rcpp::export(rng = false)]]
Rcpp::List cox_db_fit_cpp(Rcpp::Function fetch, Rcpp::NumericVector scale, SEXP init,
                          std::string ties, double eps, double toler_chol, int iter_max,
                          double toler_inf, double timefix_tol) {
  const int p = scale.size();
  std::vector<double> sc_v(scale.begin(), scale.end());
  sc::CoxTies t;
  if (ties == "efron") {
    t = sc::CoxTies::efron;
  } else if (ties == "breslow") {
    t = sc::CoxTies::breslow;
  } else {
    Rcpp::stop("internal: unknown `ties`");
  }
  sc::NewtonControl ctrl;
  ctrl.eps = eps;
  ctrl.toler_chol = toler_chol;
  ctrl.iter_max = iter_max;
  ctrl.toler_inf = toler_inf;
  const double* pinit = nullptr;
  if (!Rf_isNull(init)) {
    if (TYPEOF(init) != REALSXP || Rf_length(init) != p) Rcpp::stop("internal: bad `init`");
    pinit = REAL(init);
  }
  RFetch f{fetch, p};
  sc::CoxAggObjective<RFetch> obj(f, sc_v, t, timefix_tol);
  sc::NewtonResult res;
  sc::Interrupt intr = survstep::glue::r_interrupt();
  SV_CATCH_INTERRUPT(sc::newton_solve(obj, pinit, ctrl, res, intr));
  if (obj.bad()) Rcpp::stop("internal: malformed aggregate table");
  int wdf = 0;
  const double wald = p > 0 ? sc::cox_wald_global(res, pinit, toler_chol, &wdf) : 0.0;
  Rcpp::NumericMatrix var(p, p);
  for (int j = 0; j < p; ++j) {
    for (int i = 0; i < p; ++i) var(i, j) = res.var(i, j);
  }
  using Rcpp::Named;
  return Rcpp::List::create(
      Named("data_status") = 0,
      Named("coefficients") = Rcpp::NumericVector(res.beta.data(), res.beta.data() + p),
      Named("var") = var,
      Named("loglik") = Rcpp::NumericVector::create(res.loglik_init, res.loglik),
      Named("score") = res.score_test, Named("wald") = wald, Named("wald_df") = wdf,
      Named("u") = Rcpp::NumericVector(res.score.data(), res.score.data() + p),
      Named("iter") = res.iter, Named("status") = res.status,
      Named("converged") = res.converged,
      Named("aliased") = Rcpp::LogicalVector(res.aliased.begin(), res.aliased.end()),
      Named("infinite") = Rcpp::LogicalVector(res.infinite.begin(), res.infinite.end()),
      Named("n_fetch") = obj.n_fetch());
}
