// Rcpp glue for the Kaplan-Meier core (inst/include/survstep/km.hpp): conversion only.
#include <Rcpp.h>

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "glue_interrupt.h"
#include "survstep/km.hpp"

namespace {

namespace core = survstep::core;

// Options of km(), km_median() and quantile(), parsed once; an unknown value
// is an error.
core::ConfType parse_conf_type(const std::string& s) {
  if (s == "log") return core::ConfType::log;
  if (s == "log-log") return core::ConfType::log_log;
  if (s == "plain") return core::ConfType::plain;
  Rcpp::stop("internal: unknown `conf_type` \"%s\"", s);
}

// "median" = print.survfit's rule, "survival" = quantile.survfit's
enum class QuantileMethod { median, survival, spss, sas };

QuantileMethod parse_quantile_method(const std::string& method) {
  if (method == "median") return QuantileMethod::median;
  if (method == "survival") return QuantileMethod::survival;
  if (method == "spss") return QuantileMethod::spss;
  if (method == "sas") return QuantileMethod::sas;
  Rcpp::stop("internal: unknown quantile `method` \"%s\"", method);
}

double na_if_nan(double x) { return std::isnan(x) ? NA_REAL : x; }

// Views onto the concatenated curves stored in a survstep_km object.
struct CurveSet {
  Rcpp::NumericVector time, n_risk, n_event, surv, cumvar;
  std::vector<std::size_t> offset;

  CurveSet(Rcpp::NumericVector time_, Rcpp::NumericVector n_risk_,
           Rcpp::NumericVector n_event_, Rcpp::NumericVector surv_,
           Rcpp::NumericVector cumvar_, Rcpp::IntegerVector sizes)
      : time(time_),
        n_risk(n_risk_),
        n_event(n_event_),
        surv(surv_),
        cumvar(cumvar_),
        offset(sizes.size() + 1, 0) {
    for (R_xlen_t c = 0; c < sizes.size(); ++c) {
      offset[c + 1] = offset[c] + static_cast<std::size_t>(sizes[c]);
    }
    if (offset.back() != static_cast<std::size_t>(time.size())) {
      Rcpp::stop("internal error: curve sizes do not add up");
    }
  }

  std::size_t n_curves() const { return offset.size() - 1; }

  core::KmView view(std::size_t c) const {
    const std::size_t a = offset[c];
    return core::KmView{time.begin() + a, n_risk.begin() + a, n_event.begin() + a,
                        surv.begin() + a, cumvar.begin() + a, offset[c + 1] - a};
  }
};

}  // namespace

// Fit Kaplan-Meier curves. y: n x 2 double matrix (time, status 0/1) or, for
// counting-process data (delayed entry), n x 3 (start, stop, status 0/1);
// group: 0-based codes or NULL (one curve); weight: double or NULL.
// Interruptible (Ctrl-C): R's interrupt condition.
// [[Rcpp::export(rng = false)]]
Rcpp::List km_fit_cpp(SEXP y, SEXP group, int n_groups, SEXP weight, double timefix_tol,
                      bool reverse) {
  const int ncol = Rf_isMatrix(y) ? Rf_ncols(y) : 0;
  if (TYPEOF(y) != REALSXP || (ncol != 2 && ncol != 3)) {
    Rcpp::stop("internal: `y` must be a double matrix with 2 or 3 columns");
  }
  const bool counting = ncol == 3;
  if (counting && reverse) Rcpp::stop("internal: no reverse KM of (start, stop] data");
  const std::size_t n = static_cast<std::size_t>(Rf_nrows(y));
  const double* start = REAL(y);
  const double* time = REAL(y) + (counting ? n : 0);
  const double* st = time + n;
  // the double status becomes the core's int status; a value that is not
  // 0/1, or a time that is not finite and non-negative (counting process:
  // finite start < stop), can't be converted (status 1 and 2 of the result;
  // 3: timefix merged a start with its stop; see km_status_table in R/km.R)
  std::vector<int> status(n);
  bool bad_time = false, bad_status = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double s = st[i];
    status[i] = s == 1.0 ? 1 : 0;
    bad_status = bad_status || (s != 0.0 && s != 1.0);
    bad_time = bad_time || (counting ? !(start[i] >= -DBL_MAX && start[i] < time[i] &&
                                         time[i] <= DBL_MAX)
                                     : !(time[i] >= 0.0 && time[i] <= DBL_MAX));
  }
  if (bad_time || bad_status) {
    return Rcpp::List::create(Rcpp::Named("status") = bad_time ? 1 : 2);
  }
  const int* gp = nullptr;
  if (!Rf_isNull(group)) {
    if (TYPEOF(group) != INTSXP || static_cast<std::size_t>(Rf_xlength(group)) != n) {
      Rcpp::stop("internal: `group` must be integer of length n");
    }
    gp = INTEGER(group);
  } else {
    n_groups = 1;
  }
  const double* wp = nullptr;
  if (!Rf_isNull(weight)) {
    if (TYPEOF(weight) != REALSXP || static_cast<std::size_t>(Rf_xlength(weight)) != n) {
      Rcpp::stop("internal: `weight` must be double of length n");
    }
    wp = REAL(weight);
  }
  core::KmCurves out;
  core::KmStatus fit_status = core::KmStatus::ok;
  core::Interrupt intr = survstep::glue::r_interrupt(1u << 18);
  if (counting) {
    core::KmCountingWork work;
    SV_CATCH_INTERRUPT(fit_status = core::km_fit_counting(REAL(y), time, status.data(), wp,
                                                          gp, n, n_groups, timefix_tol,
                                                          out, work, &intr));
  } else {
    core::KmWork work;
    SV_CATCH_INTERRUPT(core::km_fit(time, status.data(), wp, gp, n, n_groups, timefix_tol,
                                    reverse, out, work, &intr));
  }
  if (fit_status == core::KmStatus::empty_interval) {
    return Rcpp::List::create(Rcpp::Named("status") = 3);
  }
  const std::size_t nc = out.n_curves();
  Rcpp::IntegerVector sizes(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    sizes[c] = static_cast<int>(out.offset[c + 1] - out.offset[c]);
  }
  return Rcpp::List::create(Rcpp::Named("time") = Rcpp::wrap(out.time),
                            Rcpp::Named("n.risk") = Rcpp::wrap(out.n_risk),
                            Rcpp::Named("n.event") = Rcpp::wrap(out.n_event),
                            Rcpp::Named("n.censor") = Rcpp::wrap(out.n_censor),
                            Rcpp::Named("surv") = Rcpp::wrap(out.surv),
                            Rcpp::Named("cumvar") = Rcpp::wrap(out.cumvar),
                            Rcpp::Named("sizes") = sizes, Rcpp::Named("status") = 0);
}

// Greenwood SE of S and pointwise CI for every row.
// [[Rcpp::export(rng = false)]]
Rcpp::List km_bands_cpp(Rcpp::NumericVector surv, Rcpp::NumericVector cumvar, double z,
                        std::string conf_type) {
  const R_xlen_t n = surv.size();
  Rcpp::NumericVector se(n), lower(n), upper(n);
  const core::ConfType type = parse_conf_type(conf_type);
  for (R_xlen_t i = 0; i < n; ++i) {
    se[i] = na_if_nan(core::greenwood_se(surv[i], cumvar[i]));
    const core::KmInterval ci = core::km_conf_int(surv[i], cumvar[i], z, type);
    lower[i] = na_if_nan(ci.lower);
    upper[i] = na_if_nan(ci.upper);
  }
  return Rcpp::List::create(Rcpp::Named("std.error") = se,
                            Rcpp::Named("conf.low") = lower,
                            Rcpp::Named("conf.high") = upper);
}

// Quantiles per curve: matrices (curves x probs) of estimate, SE, limits.
// method "survival" (print.survfit) or "spss"; z: quantile of the pointwise
// bands; z_spss: the normal quantile of SPSS's interval.
// [[Rcpp::export(rng = false)]]
Rcpp::List km_quantile_cpp(Rcpp::NumericVector time, Rcpp::NumericVector n_risk,
                           Rcpp::NumericVector n_event, Rcpp::NumericVector surv,
                           Rcpp::NumericVector cumvar, Rcpp::IntegerVector sizes,
                           Rcpp::NumericVector probs, std::string method, double z,
                           std::string conf_type, bool truncate, double z_spss) {
  const CurveSet cs(time, n_risk, n_event, surv, cumvar, sizes);
  const std::size_t nc = cs.n_curves();
  const R_xlen_t np = probs.size();
  Rcpp::NumericMatrix est(nc, np), se(nc, np), lo(nc, np), hi(nc, np);
  const core::ConfType type = parse_conf_type(conf_type);
  const QuantileMethod qm = parse_quantile_method(method);
  auto one = [&](const core::KmView& v, double prob) {
    switch (qm) {
      case QuantileMethod::spss: return core::km_quantile_spss(v, prob, truncate, z_spss);
      case QuantileMethod::sas: return core::km_quantile_sas(v, prob, z, type);
      case QuantileMethod::survival:
        return core::km_quantile_survfit(v, prob, z, type);
      case QuantileMethod::median: break;
    }
    return core::km_quantile_survival(v, prob, z, type);
  };
  for (std::size_t c = 0; c < nc; ++c) {
    const core::KmView v = cs.view(c);
    for (R_xlen_t p = 0; p < np; ++p) {
      const core::KmQuantile q = one(v, probs[p]);
      est(c, p) = na_if_nan(q.estimate);
      se(c, p) = na_if_nan(q.std_error);
      lo(c, p) = na_if_nan(q.lower);
      hi(c, p) = na_if_nan(q.upper);
    }
  }
  return Rcpp::List::create(Rcpp::Named("estimate") = est, Rcpp::Named("std.error") = se,
                            Rcpp::Named("conf.low") = lo, Rcpp::Named("conf.high") = hi);
}

// Survival at given times for every curve (curve-major order).
// [[Rcpp::export(rng = false)]]
Rcpp::List km_at_cpp(Rcpp::NumericVector time, Rcpp::NumericVector n_risk,
                     Rcpp::NumericVector n_event, Rcpp::NumericVector surv,
                     Rcpp::NumericVector cumvar, Rcpp::IntegerVector sizes,
                     Rcpp::NumericVector times, double z, std::string conf_type) {
  const CurveSet cs(time, n_risk, n_event, surv, cumvar, sizes);
  const std::size_t nc = cs.n_curves();
  const R_xlen_t nt = times.size();
  const R_xlen_t n = static_cast<R_xlen_t>(nc) * nt;
  Rcpp::NumericVector nr(n), est(n), se(n), lo(n), hi(n);
  const core::ConfType type = parse_conf_type(conf_type);
  R_xlen_t k = 0;
  for (std::size_t c = 0; c < nc; ++c) {
    const core::KmView v = cs.view(c);
    for (R_xlen_t i = 0; i < nt; ++i, ++k) {
      const core::KmAt a = core::km_at(v, times[i]);
      nr[k] = na_if_nan(a.n_risk);
      est[k] = na_if_nan(a.surv);
      se[k] = na_if_nan(core::greenwood_se(a.surv, a.cumvar));
      const core::KmInterval ci = a.before_first
                                      ? core::KmInterval{1.0, 1.0}
                                      : core::km_conf_int(a.surv, a.cumvar, z, type);
      lo[k] = na_if_nan(ci.lower);
      hi[k] = na_if_nan(ci.upper);
    }
  }
  return Rcpp::List::create(Rcpp::Named("n.risk") = nr, Rcpp::Named("estimate") = est,
                            Rcpp::Named("std.error") = se, Rcpp::Named("conf.low") = lo,
                            Rcpp::Named("conf.high") = hi);
}

// Restricted mean to each curve's own largest time.
// [[Rcpp::export(rng = false)]]
Rcpp::List km_mean_cpp(Rcpp::NumericVector time, Rcpp::NumericVector n_risk,
                       Rcpp::NumericVector n_event, Rcpp::NumericVector surv,
                       Rcpp::NumericVector cumvar, Rcpp::IntegerVector sizes, double z) {
  const CurveSet cs(time, n_risk, n_event, surv, cumvar, sizes);
  const std::size_t nc = cs.n_curves();
  Rcpp::NumericVector mean(nc), se(nc), lo(nc), hi(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    const core::KmMean m = core::km_mean_restricted(cs.view(c), z);
    mean[c] = na_if_nan(m.mean);
    se[c] = na_if_nan(m.std_error);
    lo[c] = na_if_nan(m.lower);
    hi[c] = na_if_nan(m.upper);
  }
  return Rcpp::List::create(Rcpp::Named("mean") = mean, Rcpp::Named("std.error") = se,
                            Rcpp::Named("conf.low") = lo, Rcpp::Named("conf.high") = hi);
}
