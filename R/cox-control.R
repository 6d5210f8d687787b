#' Control the fitting of a Cox model
#'
#' Settings for the Newton-Raphson iterations of [cox()] and [cox_fit()],
#' with the same meaning and defaults as [survival::coxph.control()].
#'
#' @param eps Convergence criterion: iteration stops when the relative change
#'   in the log partial likelihood, `|1 - l_old / l_new|`, is at most `eps`.
#' @param toler_chol Tolerance of the Cholesky decomposition: a column whose
#'   pivot falls below `toler_chol` times the largest diagonal element of the
#'   (scaled) information matrix is declared redundant (aliased) and its
#'   coefficient is `NA`.
#' @param iter_max Maximum number of Newton-Raphson iterations (a
#'   non-negative whole number). `iter_max = 0` evaluates the model at `init`
#'   without iterating (giving the score test at `init`).
#' @param toler_inf Tolerance for flagging a possibly infinite coefficient
#'   (monotone likelihood): coefficient `j` is flagged when
#'   `|(U'V)_j| > eps` and `|(U'V)_j| > toler_inf * |b_j|` (as
#'   `coxph.fit()`), or, for counting-process data, when
#'   `|(U'V)_j| > toler_inf * (1 + |b_j|)` (as `agreg.fit()`).
#' @param timefix Whether to merge survival times that differ only by
#'   floating-point error, as [survival::aeqSurv()] does (and `coxph()` by
#'   default).
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A list of class `survstep_cox_control`.
#' @seealso [cox()], [cox_fit()]
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, section 3.2 (Newton-Raphson for the
#'   partial likelihood) and section 3.5 (monotone likelihood).
#' @examples
#' cox_control(eps = 1e-12, iter_max = 50)
#' @export
cox_control <- function(eps = 1e-9, toler_chol = .Machine$double.eps^0.75,
                        iter_max = 20, toler_inf = sqrt(eps),
                        timefix = TRUE, ...) {
  check_dots_empty("cox_control", ...)
  check_number(eps, "eps", 0, 1, open = c(TRUE, TRUE))
  check_number(toler_chol, "toler_chol", 0, 1, open = c(TRUE, TRUE))
  check_number(iter_max, "iter_max", 0, 1e6)
  if (iter_max != round(iter_max)) {
    sv_abort(sprintf("`iter_max` must be a whole number, not %s.",
                     sv_obj_type(iter_max)))
  }
  check_number(toler_inf, "toler_inf", 0, Inf, open = c(TRUE, FALSE))
  check_flag(timefix, "timefix")
  structure(
    list(eps = eps, toler_chol = toler_chol, iter_max = as.integer(iter_max),
         toler_inf = toler_inf, timefix = timefix),
    class = "survstep_cox_control"
  )
}

#' @export
print.survstep_cox_control <- function(x, ...) {
  cat("<survstep_cox_control>\n")
  cat(sprintf("  eps = %g, toler_chol = %g, iter_max = %d, toler_inf = %g, timefix = %s\n",
              x$eps, x$toler_chol, x$iter_max, x$toler_inf, x$timefix))
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
       toler_inf = sqrt(1e-9), timefix = TRUE),
  class = "survstep_cox_control"
)
