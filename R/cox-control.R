#' Control the fitting of a Cox model
#'
#' Settings for the Newton-Raphson iterations of [cox()], [cox_fit()],
#' [cox_univariable()] and [cox_stepwise()] (every model of a stepwise run),
#' with the same meaning and defaults as [survival::coxph.control()], and
#' the stopping rules of SAS PHREG and SPSS COXREG on request.
#'
#' @section Convergence rules:
#' All three rules run the same Newton-Raphson iteration (from `init`,
#' default 0; a step that lowers the log partial likelihood is halved) and
#' differ only in when it stops. After iteration k (coefficients b_k, log
#' partial likelihood l_k, score U_k and information I_k at b_k):
#' * `"survival"` (default): stop when `|1 - l_{k-1} / l_k| <= eps`, as
#'   [survival::coxph()] (`coxph.control(eps = 1e-9, iter.max = 20)`).
#' * `"sas"`: SAS PHREG's default relative gradient criterion `GCONV=1E-8`:
#'   stop when `U_k' I_k^{-1} U_k / (|l_k| + 1e-6) < gconv`, checked from
#'   iteration 0 (at `init`) on; at most `iter_max = 25` iterations (PHREG's
#'   `MAXITER=25`). PHREG starts from 0, as `cox()` does without `init`.
#' * `"spss"`: SPSS COXREG's `/CRITERIA BCON(1E-4) LCON(1E-5) ITERATE(20)`:
#'   stop when the largest absolute change of a coefficient,
#'   `max_j |b_kj - b_(k-1)j|`, is below `bcon`, or the relative change of
#'   the log-likelihood, `|l_k - l_{k-1}| / |l_{k-1}|`, is below `lcon`
#'   (a tolerance of 0 turns that criterion off, as in SPSS), at most
#'   `iter_max = 20` iterations. IBM documents BCON as the change in the
#'   parameter estimates and LCON as the "percentage change in the
#'   log-likelihood" without formulas; the absolute parameter change (in
#'   the covariates' units) and the relative change of the log-likelihood
#'   (as a fraction) are survstep's reading of them.
#'
#' Where a paper's estimates or Wald statistics differ from `cox()` in the
#' last printed digit, the vendor rule reproduces the vendor's (earlier)
#' stopping point iteration for iteration.
#'
#' @param convergence The stopping rule: `"survival"` (default),
#'   `"sas"` (PHREG) or `"spss"` (COXREG). See "Convergence rules".
#' @param eps Convergence criterion of `convergence = "survival"`: iteration
#'   stops when the relative change in the log partial likelihood,
#'   `|1 - l_old / l_new|`, is at most `eps`. It is also the tolerance of
#'   the infinite-coefficient check (`toler_inf`).
#' @param toler_chol Tolerance of the Cholesky decomposition: a column whose
#'   pivot falls below `toler_chol` times the largest diagonal element of the
#'   (scaled) information matrix is declared redundant (aliased) and its
#'   coefficient is `NA`.
#' @param iter_max Maximum number of Newton-Raphson iterations (a
#'   non-negative whole number); default 20, or 25 with
#'   `convergence = "sas"` (PHREG's `MAXITER`). `iter_max = 0` evaluates the
#'   model at `init` without iterating (giving the score test at `init`).
#' @param toler_inf Tolerance for flagging a possibly infinite coefficient
#'   (monotone likelihood): coefficient `j` is flagged when
#'   `|(U'V)_j| > eps` and `|(U'V)_j| > toler_inf * |b_j|` (as
#'   `coxph.fit()`), or, for counting-process data, when
#'   `|(U'V)_j| > toler_inf * (1 + |b_j|)` (as `agreg.fit()`).
#' @param timefix Whether to merge survival times that differ only by
#'   floating-point error, as [survival::aeqSurv()] does (and `coxph()` by
#'   default).
#' @param gconv SAS PHREG's relative gradient criterion (`GCONV=`, default
#'   1e-8), used by `convergence = "sas"`.
#' @param bcon,lcon SPSS COXREG's parameter-change (`BCON`, default 1e-4)
#'   and log-likelihood-change (`LCON`, default 1e-5) criteria, used by
#'   `convergence = "spss"`; 0 turns a criterion off (not both).
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A list of class `survstep_cox_control`.
#' @seealso [cox()], [cox_fit()]
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, section 3.2 (Newton-Raphson for the
#'   partial likelihood) and section 3.5 (monotone likelihood).
#'
#'   SAS Institute Inc. *SAS/STAT User's Guide*, The PHREG Procedure:
#'   "Newton-Raphson Method" (iteration from 0, step-halving)
#'   <https://support.sas.com/documentation/cdl/en/statug/68162/HTML/default/statug_phreg_details22.htm>;
#'   the convergence criteria (GCONV=1E-8 by default) as in The LOGISTIC
#'   Procedure, "Convergence Criteria"
#'   <https://go.documentation.sas.com/doc/en/statcdc/14.2/statug/statug_logistic_details09.htm>.
#'
#'   IBM Corp. *IBM SPSS Statistics Command Syntax Reference*, COXREG,
#'   "CRITERIA Subcommand" (BCON, LCON, ITERATE)
#'   <https://www.ibm.com/docs/en/spss-statistics/cd?topic=coxreg-criteria-subcommand-command>.
#' @examples
#' cox_control(eps = 1e-12, iter_max = 50)
#' lung <- survival::lung
#' # stop where SAS PHREG stops, and where SPSS COXREG stops
#' cox(Surv(time, status) ~ age + sex, data = lung,
#'     control = cox_control(convergence = "sas"))$iter
#' cox(Surv(time, status) ~ age + sex, data = lung, ties = "breslow",
#'     control = cox_control(convergence = "spss"))$iter
#' @export
cox_control <- function(eps = 1e-9, toler_chol = .Machine$double.eps^0.75,
                        iter_max = if (identical(convergence, "sas")) 25 else 20,
                        toler_inf = sqrt(eps), timefix = TRUE,
                        convergence = c("survival", "sas", "spss"),
                        gconv = 1e-8, bcon = 1e-4, lcon = 1e-5, ...) {
  check_dots_empty("cox_control", ...)
  convergence <- sv_match_arg(convergence, c("survival", "sas", "spss"),
                              "convergence")
  check_number(eps, "eps", 0, 1, open = c(TRUE, TRUE))
  check_number(toler_chol, "toler_chol", 0, 1, open = c(TRUE, TRUE))
  check_number(iter_max, "iter_max", 0, 1e6)
  if (iter_max != round(iter_max)) {
    sv_abort(sprintf("`iter_max` must be a whole number, not %s.",
                     sv_obj_type(iter_max)))
  }
  check_number(toler_inf, "toler_inf", 0, Inf, open = c(TRUE, FALSE))
  check_flag(timefix, "timefix")
  check_number(gconv, "gconv", 0, 1, open = c(TRUE, TRUE))
  check_number(bcon, "bcon", 0, Inf, open = c(FALSE, FALSE))
  check_number(lcon, "lcon", 0, 1, open = c(FALSE, TRUE))
  if (convergence == "spss" && bcon == 0 && lcon == 0) {
    sv_abort(paste0("`bcon` and `lcon` can't both be 0 with ",
                    "`convergence = \"spss\"`: nothing would stop the ",
                    "iterations but `iter_max`."))
  }
  structure(
    list(eps = eps, toler_chol = toler_chol, iter_max = as.integer(iter_max),
         toler_inf = toler_inf, timefix = timefix, convergence = convergence,
         gconv = gconv, bcon = bcon, lcon = lcon),
    class = "survstep_cox_control"
  )
}

# The stopping rule and its vendor tolerances as the engines take them
# (controls saved before the rules existed mean "survival").
cox_control_rule <- function(control) {
  if (is.null(control$convergence)) "survival" else control$convergence
}
cox_control_tols <- function(control) {
  if (is.null(control$convergence)) return(NULL)
  as.double(c(control$gconv, control$bcon, control$lcon))
}

#' @export
print.survstep_cox_control <- function(x, ...) {
  cat("<survstep_cox_control>\n")
  cat(sprintf("  eps = %g, toler_chol = %g, iter_max = %d, toler_inf = %g, timefix = %s\n",
              x$eps, x$toler_chol, x$iter_max, x$toler_inf, x$timefix))
  rule <- cox_control_rule(x)
  if (rule == "sas") cat(sprintf("  convergence = \"sas\" (GCONV = %g)\n", x$gconv))
  if (rule == "spss") {
    cat(sprintf("  convergence = \"spss\" (BCON = %g, LCON = %g)\n", x$bcon, x$lcon))
  }
  invisible(x)
}

# Accept a cox_control() object or a plain list of its arguments.
check_cox_control <- function(control, call = sys.call(-1)) {
  if (inherits(control, "survstep_cox_control")) return(control)
  if (is.list(control)) {
    ok <- names(control) %in% setdiff(names(formals(cox_control)), "...")
    if (length(control) && (is.null(names(control)) || !all(ok))) {
      bad <- if (is.null(names(control))) "(unnamed)" else
        names(control)[!ok]
      sv_abort(sprintf("`control` has unknown %s: %s.",
                       if (length(bad) == 1) "setting" else "settings",
                       paste0("`", bad, "`", collapse = ", ")), call = call)
    }
    return(do.call(cox_control, control))
  }
  sv_abort(sprintf("`control` must be created by `cox_control()`, not %s.",
                   sv_obj_type(control)), call = call)
}

# The defaults, built once (cox() skips re-validating them on every call).
cox_control_default <- structure(
  list(eps = 1e-9, toler_chol = .Machine$double.eps^0.75, iter_max = 20L,
       toler_inf = sqrt(1e-9), timefix = TRUE, convergence = "survival",
       gconv = 1e-8, bcon = 1e-4, lcon = 1e-5),
  class = "survstep_cox_control"
)
