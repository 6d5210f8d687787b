# Kaplan-Meier front end and its summaries -------------------------------

#' Kaplan-Meier survival curves
#'
#' Computes the (case-weighted) Kaplan-Meier estimate of the survival
#' function, one curve per combination of the right-hand-side variables
#' (including `strata()` terms), with Greenwood standard errors and pointwise
#' confidence intervals. The numbers agree with [survival::survfit()]
#' (`stype = 1`, Greenwood variance) to rounding error.
#'
#' Every distinct time (event or censoring) of a curve is kept, as in
#' `survfit()`. With case weights the numbers at risk and the numbers of
#' events are weighted sums, and the standard error is the weighted
#' Greenwood formula (what `survfit(..., robust = FALSE)` reports; `survfit()`
#' switches to a robust variance by default when weights are not integers).
#' Where everybody still at risk dies, the survival estimate drops to 0 and
#' its standard error and confidence limits are `NA` from then on, as in
#' `summary.survfit()`.
#'
#' Pointwise confidence intervals follow `survfit()`: with
#' \eqn{z = \Phi^{-1}(1 - \alpha/2)} and \eqn{se_H} the Greenwood standard
#' error of the cumulative hazard, `"log"` gives
#' \eqn{\exp(\log S \mp z\, se_H)} (upper end capped at 1), `"log-log"`
#' gives \eqn{S^{\exp(\pm z\, se_H / \log S)}} and `"plain"` gives
#' \eqn{S \mp z\, S\, se_H} clipped to \[0, 1\].
#'
#' @param formula A formula with a [survival::Surv()] response of
#'   right-censored data, such as `Surv(time, status) ~ group`, or of
#'   counting-process data with delayed entry (left truncation),
#'   `Surv(start, stop, status) ~ group`, where a row is at risk at the times
#'   t with `start < t <= stop` (as `survfit()`); use `~ 1` for a single
#'   curve. `strata()` terms also split the curves.
#' @param data A data frame holding the variables of `formula`.
#'   Or a table in a database (a remote `dplyr::tbl()` on a DBI connection):
#'   the rows stay there and only sums per (stratum, group, time) are
#'   read, with the numbers of the in-memory fit; see
#'   `vignette("large-data")`.
#' @param subset An optional expression selecting the rows to use.
#' @param weights Optional non-negative case weights (a column of `data`).
#' @param na.action A function handling missing values; by default
#'   `getOption("na.action")` (rows with missing values are dropped and
#'   their number is reported by `print()`).
#' @param conf_level Confidence level of the pointwise intervals, in (0, 1).
#' @param conf_type Transformation for the pointwise intervals: `"log"`
#'   (the default, as `survfit()`), `"log-log"` or `"plain"`.
#' @param timefix Merge times that differ by floating-point noise (within
#'   `sqrt(.Machine$double.eps)`), as `survfit(timefix = TRUE)` does.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return An object of class `survstep_km`: a list with the per-time columns
#'   `time`, `n.risk`, `n.event`, `n.censor`, `surv`, `std.error` (Greenwood
#'   SE of the survival probability), `conf.low`, `conf.high`, `cumvar`
#'   (Greenwood sum, the squared SE of the cumulative hazard), the named
#'   curve sizes `strata`, the per-curve `records` (rows used) and `n`
#'   (weighted number at risk at the curve's first time: the number of
#'   subjects, except with delayed entry), for counting-process data also
#'   `n.max` (the largest number at risk), and `counting`, `conf_level`,
#'   `conf_type`, `weighted`, `call`, `na.action`, `n_dropped`. Use [km_median()], [km_at()], [km_mean()],
#'   `summary()`, `tidy()` and `plot()` on it.
#' @seealso [km_median()], [km_at()], [km_mean()], [followup_median()],
#'   [plot.survstep_km()].
#' @references Kaplan EL, Meier P (1958). Nonparametric estimation from
#'   incomplete observations. *JASA* 53, 457-481.
#'
#'   Collett D (2015). *Modelling Survival Data in Medical Research*, 3rd ed.
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' fit
#' km_median(fit)
#' km_at(fit, times = c(180, 365))
#' @export
km <- function(formula, data, subset, weights, na.action, conf_level = 0.95,
               conf_type = c("log", "log-log", "plain"), timefix = TRUE, ...) {
  call <- match.call()
  conf_level <- sv_renamed("km", conf_level, "conf.level", "conf_level", ...)
  conf_type <- sv_renamed("km", conf_type, "conf.type", "conf_type", ...)
  check_dots_empty("km", ..., .renamed = sv_renames)
  check_conf_level(conf_level)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type")
  check_flag(timefix, "timefix")
  fr <- sv_frame(call, parent.frame(), group = "all", counting = TRUE)
  if (!is.null(fr$offset)) {
    sv_warn("The offset is ignored by `km()`.", call = call)
  }
  km_check_groups(fr, call)
  out <- km_fit(fr$y, sv_frame_factor(fr$group, fr$group_levels), fr$weights,
                conf_level = conf_level, conf_type = conf_type,
                timefix = timefix)
  out$call <- call
  out$na.action <- fr$na.action
  out$n_dropped <- fr$n_dropped
  if (!is.null(fr$db)) out <- sv_db_finish_km(out, fr)
  out
}

#' Kaplan-Meier curves from a response matrix
#'
#' The matrix-level engine behind [km()]: no formula, no model frame, one
#' call into the C++ core.
#'
#' @param y A [survival::Surv()] object of right-censored data, or its
#'   matrix: a numeric matrix with columns time (finite, non-negative) and
#'   status (0 = censored, 1 = event); or of counting-process data (delayed
#'   entry), columns start, stop (finite, start < stop) and status.
#' @param group Optional grouping of the rows (a factor, whose levels label
#'   the curves, or any vector, whose distinct values do); `NULL` gives one
#'   curve.
#' @param weights Optional non-negative case weights.
#' @inheritParams km
#' @return An object of class `survstep_km` as from [km()], without `call`
#'   and `na.action`.
#' @seealso [km()].
#' @details The engine behind [km()]: the product-limit estimate
#'   \eqn{S(t) = \prod_{t_i \le t} (1 - d_i / n_i)} per group with Greenwood's
#'   variance \eqn{\sum d_i / (n_i (n_i - d_i))} of \eqn{\log S}, from weighted
#'   counts, without a formula (for simulations and bootstraps).
#' @references Kaplan EL, Meier P (1958). Nonparametric estimation from
#'   incomplete observations. *JASA* 53, 457-481.
#'
#'   Greenwood M (1926). *The Natural Duration of Cancer*. HMSO, London.
#' @examples
#' lung <- survival::lung
#' fit <- km_fit(survival::Surv(lung$time, lung$status), group = lung$sex)
#' km_median(fit)
#' @export
km_fit <- function(y, group = NULL, weights = NULL, conf_level = 0.95,
                   conf_type = c("log", "log-log", "plain"), timefix = TRUE,
                   ...) {
  call <- sys.call()
  conf_level <- sv_renamed("km_fit", conf_level, "conf.level", "conf_level",
                           ..., call = call)
  conf_type <- sv_renamed("km_fit", conf_type, "conf.type", "conf_type", ...,
                          call = call)
  check_dots_empty("km_fit", ..., .renamed = sv_renames, call = call)
  check_conf_level(conf_level, call = call)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type", call = call)
  check_flag(timefix, "timefix", call = call)
  y <- sv_engine_y(y, call, counting = TRUE)
  n <- nrow(y)
  g <- sv_engine_group(group, n, "group", call)
  weights <- sv_engine_weights(weights, n, call)
  fit <- km_engine(y, g, weights, timefix, reverse = FALSE, call = call)
  out <- km_assemble(fit, g, n, conf_level, conf_type, ncol(y) == 3L)
  out$weighted <- !is.null(weights)
  out$timefix <- timefix
  out
}

# The curves of km() and followup_median(): every right-hand-side variable,
# no interactions, at least one observation.
km_check_groups <- function(fr, call) {
  if (fr$n == 0L) {
    sv_abort(paste0("Can't estimate survival: ", sv_no_rows_reason(fr), "."),
             call = call)
  }
  if (length(fr$group_bad_terms)) {
    sv_abort(sprintf(paste0("Can't use the term %s in `km()`: the right-hand ",
                            "side may only list grouping variables (no ",
                            "interactions)."),
                     paste0("`", fr$group_bad_terms, "`", collapse = ", ")),
             call = call)
  }
  invisible(fr)
}

# What the status values of km_fit_cpp() mean: the decode table of the
# family (0 = ok).
km_status_table <- c(
  "1" = paste0("`y` must hold finite, non-negative times (counting-process ",
               "data: finite start < stop); found other values."),
  "2" = "The status column of `y` must be 0 (censored) or 1 (event).",
  "3" = sv_timefix_merged_message("estimate survival", "`timefix = FALSE`")
)

# One call into C++: y (n x 2 double matrix), g (list of 0-based codes or
# NULL, and labels), weights (double or NULL).
km_engine <- function(y, g, weights, timefix = TRUE, reverse = FALSE,
                      call = sys.call(-1)) {
  tol <- if (timefix) sqrt(.Machine$double.eps) else 0
  fit <- sv_engine_call(km_fit_cpp(y, g$codes, max(length(g$levels), 1L),
                                   weights, tol, reverse), call)
  if (fit$status != 0L) {
    sv_abort(km_status_table[[as.character(fit$status)]], call = call)
  }
  fit
}

# Curve labels and sizes (records) of a grouping.
km_curve_labels <- function(g) {
  if (is.null(g$codes)) "All" else g$levels
}

km_curve_records <- function(g, n) {
  if (is.null(g$codes)) n else
    tabulate(g$codes + 1L, nbins = length(g$levels))
}

km_zval <- function(conf_level) {
  stats::qnorm(1 - (1 - conf_level) / 2)
}

# SPSS's intervals for the median and the mean use the literal 1.96,
# whatever the confidence level.
km_spss_z <- 1.96

km_assemble <- function(fit, g, n, conf_level, conf_type, counting) {
  km_curves_object(fit, km_curve_labels(g), km_curve_records(g, n),
                   conf_level, conf_type, counting)
}

# The survstep_km object of a set of curves (km() and the curves of a Cox
# model): `res` holds the per-time columns (time, n.risk, n.event, n.censor,
# surv, cumvar) and the curve sizes; `records` the rows of each curve.
# Per curve: `n` the (weighted) number at risk at the first time, and for
# counting-process data (`counting`) also `n.max`, the largest number at
# risk (survfit's records, n.max and n.start).
km_curves_object <- function(res, labels, records, conf_level, conf_type,
                             counting) {
  sizes <- as.integer(res$sizes)
  names(sizes) <- labels
  cumvar <- if (is.null(res$cumvar)) rep(NA_real_, length(res$surv)) else
    res$cumvar
  bands <- km_bands_cpp(res$surv, cumvar, km_zval(conf_level), conf_type)
  first <- cumsum(c(1L, sizes))[seq_along(sizes)]
  n_w <- ifelse(sizes > 0L, res$n.risk[first], 0)
  names(n_w) <- labels
  records <- as.integer(records)
  names(records) <- labels
  out <- list(time = res$time, n.risk = res$n.risk, n.event = res$n.event,
              n.censor = res$n.censor, surv = res$surv,
              std.error = bands$std.error, conf.low = bands$conf.low,
              conf.high = bands$conf.high, cumvar = cumvar,
              strata = sizes, records = records, n = n_w,
              conf_level = conf_level, conf_type = conf_type,
              counting = counting)
  if (counting) {
    out$n.max <- vapply(split(out$n.risk, km_curve_factor(out)),
                        function(r) if (length(r)) max(r) else 0, numeric(1))
  }
  structure(out, class = "survstep_km")
}

check_km <- function(fit, arg = "fit", call = sys.call(-1)) {
  if (!inherits(fit, "survstep_km")) {
    sv_abort(sprintf("`%s` must be a `survstep_km` object from `km()`, not %s.",
                     arg, sv_obj_type(fit)), call = call)
  }
  invisible(fit)
}

km_curve_factor <- function(fit) {
  factor(rep(names(fit$strata), fit$strata), levels = names(fit$strata))
}

km_events <- function(fit) {
  ev <- vapply(split(fit$n.event, km_curve_factor(fit)), sum, numeric(1))
  unname(ev)
}

# Quantiles of every curve by one rule: "median" (print.survfit's),
# "survival" (quantile.survfit's), "spss" or "sas"; `conf_type` (NULL:
# the fit's, "log-log" for SAS) sets the transform of the bands the
# interval is read from.
km_quantiles <- function(fit, probs, method, truncate, conf_type = NULL) {
  if (is.null(conf_type)) {
    conf_type <- if (method == "sas") "log-log" else fit$conf_type
  }
  km_quantile_cpp(fit$time, fit$n.risk, fit$n.event, fit$surv, fit$cumvar,
                  as.integer(fit$strata), as.double(probs),
                  method, km_zval(fit$conf_level), conf_type, truncate,
                  km_spss_z)
}

# The `conf_type` argument of km_median() and quantile(): NULL or one
# transform, not for the SPSS rule (its interval is estimate -/+ 1.96 SE).
km_check_quantile_conf_type <- function(conf_type, method, call) {
  if (is.null(conf_type)) return(NULL)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type", call = call)
  if (method == "spss") {
    sv_abort(paste0("`conf_type` does not apply to `method = \"spss\"` ",
                    "(its interval is the estimate -/+ 1.96 SE); leave it ",
                    "unset."), call = call)
  }
  conf_type
}

#' Median survival time with a confidence interval
#'
#' Three definitions are offered, because `survival`, SPSS and SAS differ:
#'
#' * `"survival"` (default) reproduces the table of `print.survfit()`: the
#'   median is the first time at which S falls below 0.5 (within
#'   `sqrt(.Machine$double.eps)`); when S equals 0.5 on a flat stretch and
#'   drops later, it is the midpoint of that time and the next drop; when
#'   the flat stretch at 0.5 runs to the end of the curve, it is the start
#'   of the stretch (`survival::quantile.survfit()`, and so [quantile()] of
#'   survstep, take the midpoint of the start and the last follow-up time
#'   there instead; that is the only case in which the two differ). The
#'   confidence interval applies the same rule to the lower and upper
#'   pointwise confidence bands of the fit (Brookmeyer and Crowley style), so
#'   it depends on `conf_type` and `conf_level` of [km()]; a limit is `NA`
#'   when its band never falls to 0.5. No standard error is defined
#'   (`std.error` is `NA`).
#' * `"sas"` reproduces PROC LIFETEST's quartile table: the median is
#'   (inf\{t: S(t) <= 0.5\} + inf\{t: S(t) < 0.5\}) / 2, which is the
#'   `"survival"` rule except that a flat stretch at 0.5 to the end of the
#'   curve makes it not estimable (`NA`). The interval is Brookmeyer and
#'   Crowley's set of times t with |g(S(t)) - g(0.5)| <= z g'(S(t)) se(S(t)),
#'   se by Greenwood's formula and g the transform `conf_type` (SAS's
#'   `CONFTYPE=`, default `"log-log"` as in SAS, whatever the fit's
#'   `conf_type`); the lower limit is the first time in the set and the upper
#'   limit the event time that ends it (`NA` when the set runs to the end of
#'   the curve or when S is 0 from that event time on, SAS's missing value);
#'   z comes from the fit's `conf_level`.
#' * `"spss"` reproduces SPSS KM: the median is the first event time with
#'   S <= 0.5 (the left end of a flat stretch, no midpoint). Its standard
#'   error uses Collett's uniform-kernel density estimate: with `u` the
#'   largest event time with S(u) >= 0.55 (none: u = 0, S = 1) and `l` the
#'   smallest event time with S(l) <= 0.45 (none: SE and CI are `NA`),
#'   SE = SE(S(median)) / ((S(u) - S(l)) / (l - u)), where SE(S) is
#'   Greenwood's. The interval is median -/+ 1.96 SE (the literal 1.96 that
#'   SPSS uses, whatever `conf_level`); a lower end below 0 is set to 0
#'   unless `truncate = FALSE`.
#'
#' A median that is not reached (S never falls to 0.5) is `NA`.
#'
#' @param fit A `survstep_km` object from [km()].
#' @param method `"survival"`, `"spss"` or `"sas"`, see Details.
#' @param truncate For `method = "spss"`: set a negative lower confidence
#'   limit to 0.
#' @param conf_type For `method = "survival"` or `"sas"`: the transform of
#'   the pointwise bands the interval comes from, `"log"`, `"log-log"` or
#'   `"plain"` (SAS's `CONFTYPE=LOG`, `LOGLOG`, `LINEAR`). `NULL` (default)
#'   uses the fit's `conf_type` for `"survival"` and `"log-log"` for
#'   `"sas"`.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per curve and columns `strata`, `n`
#'   (weighted number of subjects), `events` (weighted), `median`,
#'   `std.error`, `conf.low`, `conf.high`. For counting-process data
#'   (delayed entry), where rows enter the risk set after the first time,
#'   `n` is replaced by the columns of `print.survfit()`: `records` (rows),
#'   `n.max` (the largest weighted number at risk) and `n.start` (the
#'   weighted number at risk at the first time).
#' @references Brookmeyer R, Crowley J (1982). A confidence interval for the
#'   median survival time. *Biometrics* 38, 29-41.
#'
#'   Collett D (2015). *Modelling Survival Data in Medical Research*, 3rd ed.,
#'   section 2.4.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis: Techniques for
#'   Censored and Truncated Data*, 2nd ed. Springer, section 4.5.
#'
#'   SAS Institute Inc. *SAS/STAT User's Guide*, The LIFETEST Procedure,
#'   Details: Computational Formulas (Breslow, Fleming-Harrington, and
#'   Kaplan-Meier Methods).
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' km_median(fit)
#' km_median(fit, method = "spss")
#' km_median(fit, method = "sas")
#' @export
km_median <- function(fit, method = c("survival", "spss", "sas"),
                      truncate = TRUE, conf_type = NULL, ...) {
  call <- match.call()
  check_dots_empty("km_median", ...)
  check_km(fit)
  method <- sv_match_arg(method, c("survival", "spss", "sas"), "method")
  check_flag(truncate, "truncate")
  conf_type <- km_check_quantile_conf_type(conf_type, method, call)
  q <- km_quantiles(fit, 0.5, if (method == "survival") "median" else method,
                    truncate, conf_type)
  cbind(
    km_curve_sizes(fit),
    data.frame(events = km_events(fit),
               median = q$estimate[, 1], std.error = q$std.error[, 1],
               conf.low = q$conf.low[, 1], conf.high = q$conf.high[, 1])
  )
}

# The curves and their sizes as print.survfit() gives them: `n`, the
# (weighted) number at risk at the start; for counting-process data, whose
# risk sets grow as rows enter, the rows, the largest and the first number
# at risk (`records`, `n.max`, `n.start`).
km_curve_sizes <- function(fit) {
  if (isTRUE(fit$counting)) {
    data.frame(strata = names(fit$strata), records = unname(fit$records),
               n.max = unname(fit$n.max), n.start = unname(fit$n),
               stringsAsFactors = FALSE)
  } else {
    data.frame(strata = names(fit$strata), n = unname(fit$n),
               stringsAsFactors = FALSE)
  }
}

#' Survival probabilities at given times
#'
#' Evaluates each Kaplan-Meier curve at `times`: the estimate, its Greenwood
#' standard error, the pointwise confidence interval of the fit and the
#' (weighted) number at risk, as `summary(survfit, times = )`. A time after a
#' curve's last follow-up has an `NA` estimate ("could not be calculated")
#' unless the curve has already dropped to 0.
#'
#' @param fit A `survstep_km` object from [km()].
#' @param times Non-negative finite numbers (any finite numbers for curves
#'   of counting-process data, whose times may be negative).
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per curve and time: `strata`, `time`,
#'   `n.risk`, `estimate`, `std.error`, `conf.low`, `conf.high`.
#' @details The curve is a right-continuous step function: at a time between
#'   two event times it holds the value of the earlier one; before the first
#'   event it is 1; after the last follow-up time it is not estimated
#'   (`NA`; `summary.survfit(times = )` with `extend = FALSE` leaves such
#'   times out), except on a curve whose last time is an event that took it
#'   to 0: the curve stays 0 (with 0 at risk and no standard error), as
#'   `summary.survfit(times = , extend = TRUE)` gives it.
#' @references Collett D (2015). *Modelling Survival Data in Medical
#'   Research*, 3rd ed. Chapman & Hall/CRC, section 2.1.
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' km_at(fit, times = c(365, 730))
#' @export
km_at <- function(fit, times, ...) {
  check_dots_empty("km_at", ...)
  check_km(fit)
  if (missing(times)) {
    sv_abort("`times` is missing, with no default.")
  }
  # (counting-process data may be on a time scale with negative values)
  lowest <- if (isTRUE(fit$counting)) -Inf else 0
  what <- if (lowest == 0) "non-negative finite numbers" else "finite numbers"
  if (!is.numeric(times) || !length(times)) {
    sv_abort(sprintf("`times` must be a vector of %s, not %s.", what,
                     sv_obj_type(times)))
  }
  bad <- !is.finite(times) | times < lowest
  if (any(bad)) {
    sv_abort(sprintf("`times` must be %s; found %s.", what,
                     format(times[bad][1L])))
  }
  times <- as.double(times)
  r <- km_at_cpp(fit$time, fit$n.risk, fit$n.event, fit$surv, fit$cumvar,
                 as.integer(fit$strata), times, km_zval(fit$conf_level),
                 fit$conf_type)
  nc <- length(fit$strata)
  data.frame(
    strata = rep(names(fit$strata), each = length(times)),
    time = rep(times, nc), n.risk = r$n.risk, estimate = r$estimate,
    std.error = r$std.error, conf.low = r$conf.low, conf.high = r$conf.high,
    stringsAsFactors = FALSE
  )
}

#' Restricted mean survival time (SPSS definition)
#'
#' The area under each Kaplan-Meier curve from 0 to that curve's own largest
#' time (event or censored), which is what SPSS reports as the mean and what
#' `summary(survfit(...), rmean = "individual")` gives. Its variance is
#' \eqn{\sum_j A_j^2 d_j / (n_j (n_j - d_j))} with \eqn{A_j} the area under
#' the curve from \eqn{t_j} to the end (steps where everybody at risk dies
#' contribute 0); the interval is mean -/+ 1.96 SE, with SPSS's literal 1.96.
#' When the largest time is censored the mean underestimates the true mean.
#'
#' @param fit A `survstep_km` object from [km()].
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per curve: `strata`, `mean`,
#'   `std.error`, `conf.low`, `conf.high`.
#' @references Irwin JO (1949). The standard error of an estimate of
#'   expectation of life. *Journal of Hygiene* 47, 188-189.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis*, 2nd ed. Springer,
#'   section 4.5.
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' km_mean(fit)
#' @export
km_mean <- function(fit, ...) {
  check_dots_empty("km_mean", ...)
  check_km(fit)
  r <- km_mean_cpp(fit$time, fit$n.risk, fit$n.event, fit$surv, fit$cumvar,
                   as.integer(fit$strata), km_spss_z)
  data.frame(strata = names(fit$strata), mean = r$mean,
             std.error = r$std.error, conf.low = r$conf.low,
             conf.high = r$conf.high, stringsAsFactors = FALSE)
}

#' Median follow-up by the reverse Kaplan-Meier method
#'
#' Swaps the roles of events and censorings (Schemper and Smith, 1996): the
#' "event" is being censored, and a death ends follow-up as a censoring. A
#' death tied with a censoring at the same time is not at risk of censoring
#' at that time (as `prodlim`'s reverse Kaplan-Meier). The median and its
#' confidence interval follow the `"survival"` rule of [km_median()].
#'
#' @param formula A formula with a [survival::Surv()] response of
#'   right-censored data, such as `Surv(time, status) ~ group` (use `~ 1` for
#'   the whole sample; `strata()` terms also split the curves).
#'   Counting-process data, `Surv(start, stop, status)`, are not accepted:
#'   follow-up is measured from time 0, so delayed entry has no reverse
#'   Kaplan-Meier meaning here (a classed error of class
#'   `survstep_error_not_implemented` says so).
#' @inheritParams km
#' @return A data frame with one row per curve: `strata`, `median`,
#'   `conf.low`, `conf.high`, and `min`, `max` (shortest and longest observed
#'   time of the curve, events included).
#' @references Schemper M, Smith TL (1996). A note on quantifying follow-up
#'   in studies of failure time. *Controlled Clinical Trials* 17, 343-346.
#' @details The reverse Kaplan-Meier method: the censoring indicator is
#'   reversed (a censored time is an "event" of follow-up, a death censors
#'   follow-up) and the median of that curve is the median follow-up time
#'   with its Brookmeyer-Crowley interval.
#' @examples
#' followup_median(Surv(time, status) ~ 1, data = survival::lung)
#' @export
followup_median <- function(formula, data, subset, weights, na.action,
                            conf_level = 0.95,
                            conf_type = c("log", "log-log", "plain"), ...) {
  call <- match.call()
  conf_level <- sv_renamed("followup_median", conf_level, "conf.level",
                           "conf_level", ...)
  conf_type <- sv_renamed("followup_median", conf_type, "conf.type",
                          "conf_type", ...)
  check_dots_empty("followup_median", ..., .renamed = sv_renames)
  check_conf_level(conf_level)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type")
  fr <- sv_frame(call, parent.frame(), group = "all",
                 counting = "followup_median()")
  km_check_groups(fr, call)
  g <- list(codes = fr$group, levels = fr$group_levels)
  fit <- km_engine(fr$y, g, fr$weights, timefix = TRUE, reverse = TRUE,
                   call = call)
  labels <- km_curve_labels(g)
  q <- km_quantile_cpp(fit$time, fit$n.risk, fit$n.event, fit$surv,
                       fit$cumvar, fit$sizes, 0.5, "median",
                       km_zval(conf_level), conf_type, TRUE, km_spss_z)
  f <- factor(rep(labels, fit$sizes), levels = labels)
  rng <- vapply(split(fit$time, f), function(t) {
    if (length(t)) c(min(t), max(t)) else c(NA_real_, NA_real_)
  }, numeric(2))
  data.frame(strata = labels, median = q$estimate[, 1],
             conf.low = q$conf.low[, 1], conf.high = q$conf.high[, 1],
             min = unname(rng[1, ]), max = unname(rng[2, ]),
             stringsAsFactors = FALSE)
}
