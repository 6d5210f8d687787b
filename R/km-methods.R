# Methods for survstep_km objects -------------------------------------------

km_ci_label <- function(conf_level) {
  paste0(format(100 * conf_level), "%")
}

km_dropped_line <- function(n_dropped) {
  if (length(n_dropped) && n_dropped > 0) {
    cat(sprintf("  %d observation%s deleted due to missingness\n", n_dropped,
                if (n_dropped == 1) "" else "s"))
  }
}

km_format_num <- function(x, digits) {
  out <- format(signif(x, digits), trim = TRUE, drop0trailing = TRUE)
  out[is.na(x)] <- "NA"
  out
}

# The printed table of print() for curves (Kaplan-Meier and Cox-model
# curves): per curve n (counting-process data: records, n.max, n.start),
# events, median and its interval, formatted.
km_median_table <- function(x, digits) {
  med <- km_median(x)
  sizes <- km_curve_sizes(x)[-1L]
  sizes[] <- lapply(sizes, km_format_num, digits = digits)
  tab <- data.frame(
    sizes,
    events = km_format_num(med$events, digits),
    median = km_format_num(med$median, digits),
    lcl = km_format_num(med$conf.low, digits),
    ucl = km_format_num(med$conf.high, digits),
    stringsAsFactors = FALSE
  )
  names(tab)[ncol(tab) - 1:0] <- paste0(format(x$conf_level), c("LCL", "UCL"))
  rownames(tab) <- med$strata
  tab
}

#' Print a Kaplan-Meier fit
#'
#' Shows the call, the number of rows dropped for missing values and, per
#' curve, the number of subjects, events, and the median survival time with
#' its confidence interval (the `"survival"` rule of [km_median()]). For
#' counting-process data (delayed entry) the number of subjects is replaced,
#' as `print.survfit()` does, by the rows (`records`), the largest number at
#' risk (`n.max`) and the number at risk at the first time (`n.start`).
#'
#' @param x A `survstep_km` object.
#' @param digits Significant digits.
#' @param ... Unused.
#' @return `x`, invisibly.
#' @details The median is the first time at which the curve falls below 0.5
#'   (the mid-point of a flat stretch at exactly 0.5), and its interval comes
#'   from the pointwise confidence band of the curve (Brookmeyer and Crowley
#'   1982), as `print.survfit()` reports them; see [km_median()] for the SPSS
#'   rule.
#' @references Brookmeyer R, Crowley J (1982). A confidence interval for the
#'   median survival time. *Biometrics* 38, 29-41.
#' @examples
#' km(Surv(time, status) ~ sex, data = survival::lung)
#' @export
print.survstep_km <- function(x, digits = max(getOption("digits") - 4, 3),
                              ...) {
  cat("Kaplan-Meier estimate\n")
  if (!is.null(x$call)) {
    cat("Call: ")
    dput(x$call, control = NULL)
  }
  km_dropped_line(x$n_dropped)
  cat("\n")
  tab <- km_median_table(x, digits)
  if (isTRUE(x$weighted) && !isTRUE(x$counting)) {
    tab <- cbind(records = format(unname(x$records)), tab)
  }
  print(tab, right = TRUE, quote = FALSE)
  cat(sprintf("\nMedian as survfit(): first time S(t) <= 0.5 (mid-point of a flat stretch at 0.5);\n%s CI (%s) from the pointwise bands (Brookmeyer-Crowley).\n",
              km_ci_label(x$conf_level), x$conf_type))
  invisible(x)
}

#' Summarise a Kaplan-Meier fit
#'
#' The survival table at the event times (or at all times, or at chosen
#' `times`), with the median survival time and the restricted mean of each
#' curve.
#'
#' @param object A `survstep_km` object.
#' @param times Optional non-negative times at which to report the curves
#'   (see [km_at()]).
#' @param censored When `times` is not given: also list times with only
#'   censorings.
#' @param ... Unused.
#' @return An object of class `summary_survstep_km`: a list with `table`
#'   (data frame `strata, time, n.risk, n.event, n.censor, estimate,
#'   std.error, conf.low, conf.high`; with `times`, the columns of [km_at()]),
#'   `median` ([km_median()]), `mean` ([km_mean()]), and `conf_level`,
#'   `conf_type`, `call`, `n_dropped`.
#' @details The standard error is Greenwood's, and the pointwise intervals are
#'   computed on the scale of `conf_type` of the fit, as
#'   `summary.survfit()` reports them. The restricted mean is the area under
#'   the curve up to the largest follow-up time ([km_mean()]).
#' @references Greenwood M (1926). *The Natural Duration of Cancer*. Reports
#'   on Public Health and Medical Subjects 33. HMSO, London.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis: Techniques for
#'   Censored and Truncated Data*, 2nd ed. Springer, sections 4.2-4.5.
#' @examples
#' fit <- km(Surv(time, status) ~ x, data = survival::aml)
#' summary(fit)
#' summary(fit, times = c(12, 24))
#' @export
summary.survstep_km <- function(object, times = NULL, censored = FALSE, ...) {
  check_flag(censored, "censored")
  if (!is.null(times)) {
    tab <- km_at(object, times)
  } else {
    tab <- km_tidy_table(object)
    if (!censored) tab <- tab[tab$n.event > 0, , drop = FALSE]
    rownames(tab) <- NULL
  }
  structure(
    list(table = tab, median = km_median(object), mean = km_mean(object),
         conf_level = object$conf_level, conf_type = object$conf_type,
         call = object$call, n_dropped = object$n_dropped),
    class = "summary_survstep_km"
  )
}

#' @rdname summary.survstep_km
#' @param x A `summary_survstep_km` object.
#' @param digits Significant digits.
#' @export
print.summary_survstep_km <- function(x,
                                      digits = max(getOption("digits") - 3, 3),
                                      ...) {
  if (!is.null(x$call)) {
    cat("Call: ")
    dput(x$call, control = NULL)
  }
  km_dropped_line(x$n_dropped)
  tab <- x$table
  ci <- km_ci_label(x$conf_level)
  for (s in unique(tab$strata)) {
    cat("\n", s, "\n", sep = "")
    t1 <- tab[tab$strata == s, setdiff(names(tab), "strata"), drop = FALSE]
    names(t1)[names(t1) == "estimate"] <- "survival"
    names(t1)[names(t1) == "conf.low"] <- paste("lower", ci)
    names(t1)[names(t1) == "conf.high"] <- paste("upper", ci)
    rownames(t1) <- NULL
    if (nrow(t1)) {
      t1[] <- lapply(t1, signif, digits = digits)
      print(t1, row.names = FALSE)
    } else {
      cat("  (no rows)\n")
    }
  }
  cat(sprintf("\nMedian survival (%s CI, %s):\n", ci, x$conf_type))
  med <- x$median
  rownames(med) <- med$strata
  med <- med[, c("n", "events", "median", "conf.low", "conf.high")]
  med[] <- lapply(med, signif, digits = digits)
  print(med)
  cat("\nRestricted mean to each curve's largest time (95% CI, +/- 1.96 SE):\n")
  mn <- x$mean
  rownames(mn) <- mn$strata
  mn <- mn[, -1]
  mn[] <- lapply(mn, signif, digits = digits)
  print(mn)
  invisible(x)
}

#' Quantiles of Kaplan-Meier curves
#'
#' Times at which each survival curve falls to `1 - probs` (so
#' `probs = 0.5` is the median, `0.25` the time by which a quarter of the
#' subjects have had the event), with confidence intervals, by the rule of
#' `survival::quantile.survfit()` (default), SPSS or SAS PROC LIFETEST.
#'
#' @param x A `survstep_km` object.
#' @param probs Probabilities in (0, 1).
#' @param method `"survival"`, `"spss"` or `"sas"`, see Details.
#' @param truncate For `method = "spss"`: set negative lower limits to 0.
#' @param conf_type For `method = "survival"` or `"sas"`: the transform of
#'   the pointwise bands, `"log"`, `"log-log"` or `"plain"`; `NULL` (default)
#'   uses the fit's `conf_type` for `"survival"` and `"log-log"` (SAS's
#'   default `CONFTYPE=LOGLOG`) for `"sas"`.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per curve and probability: `strata`,
#'   `prob`, `estimate`, `std.error` (`NA` except for `"spss"`), `conf.low`,
#'   `conf.high`.
#' @details With `method = "survival"` the quantile for `p` is the first time
#'   the curve falls below `1 - p`; on a flat stretch at exactly `1 - p` it
#'   is the mid-point of the stretch's start and the next drop, or, when the
#'   stretch runs to the end of the curve, of its start and the last
#'   follow-up time. The interval applies the same rule to the pointwise
#'   confidence band (Brookmeyer and Crowley 1982). These are the numbers of
#'   `survival::quantile.survfit()`, except on a flat stretch at `1 - p` to
#'   the end of the curve where rounding leaves \eqn{1 - S} a hair below
#'   `p` (such as S = 0.9 after one event in ten for `p = 0.1`):
#'   `quantile.survfit()` compares without a tolerance and returns `NA`,
#'   here the stretch counts as being at `1 - p`. [km_median()] and `print()` follow
#'   `print.survfit()` instead, which differs in one case only: a flat
#'   stretch at exactly 0.5 to the end of the curve gives its start.
#'
#'   With `method = "spss"` it is the first time the curve is at or below
#'   `1 - p`, with a standard error from the slope of the curve around it
#'   (Collett 2015, section 2.4; event times with S at least 0.05 above and
#'   below the level) and the interval estimate +/- 1.96 SE.
#'
#'   With `method = "sas"` it is
#'   (inf\{t: S(t) <= 1 - p\} + inf\{t: S(t) < 1 - p\}) / 2, not
#'   estimable (`NA`) when the second does not exist, and the interval is the
#'   set \{t: |g(S(t)) - g(1 - p)| <= z g'(S(t)) se(S(t))\} from its first
#'   time to the event time that ends it (`NA` when it runs to the end of the
#'   curve or S is 0 from that time on), as PROC LIFETEST prints in its
#'   "Quartile Estimates" table; see
#'   [km_median()].
#' @references Brookmeyer R, Crowley J (1982). A confidence interval for the
#'   median survival time. *Biometrics* 38, 29-41.
#'
#'   Collett D (2015). *Modelling Survival Data in Medical Research*, 3rd ed.
#'   Chapman & Hall/CRC, section 2.4.
#'
#'   SAS Institute Inc. *SAS/STAT User's Guide*, The LIFETEST Procedure,
#'   Details: Computational Formulas.
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' quantile(fit, probs = c(0.25, 0.5, 0.75))
#' quantile(fit, probs = c(0.25, 0.5, 0.75), method = "sas")
#' @importFrom stats quantile
#' @export
quantile.survstep_km <- function(x, probs = c(0.25, 0.5, 0.75),
                                 method = c("survival", "spss", "sas"),
                                 truncate = TRUE, conf_type = NULL, ...) {
  call <- match.call()
  check_dots_empty("quantile", ...)
  method <- sv_match_arg(method, c("survival", "spss", "sas"), "method")
  check_flag(truncate, "truncate")
  conf_type <- km_check_quantile_conf_type(conf_type, method, call)
  if (!is.numeric(probs) || !length(probs) || anyNA(probs) ||
      any(probs <= 0 | probs >= 1)) {
    sv_abort(sprintf("`probs` must be numbers strictly between 0 and 1, not %s.",
                     sv_obj_type(probs)))
  }
  q <- km_quantiles(x, probs, method, truncate, conf_type)
  nc <- length(x$strata)
  np <- length(probs)
  # matrices are curves x probs; list curve by curve
  tq <- function(m) as.vector(t(m))
  data.frame(
    strata = rep(names(x$strata), each = np), prob = rep(probs, times = nc),
    estimate = tq(q$estimate), std.error = tq(q$std.error),
    conf.low = tq(q$conf.low), conf.high = tq(q$conf.high),
    stringsAsFactors = FALSE
  )
}

#' @rdname quantile.survstep_km
#' @param na.rm Not used (part of the generic): a curve that never falls to
#'   0.5 has median `NA`.
#' @return `median()`: the median survival time of each curve, a numeric
#'   vector named by curve: `quantile(x, 0.5, ...)$estimate`, as
#'   `survival`'s `median()` of a `survfit` object gives it. For the median
#'   with its confidence interval use `quantile(x, 0.5)` or [km_median()].
#' @examples
#' median(fit)
#' @importFrom stats median
#' @export
median.survstep_km <- function(x, na.rm = FALSE, ...) {
  q <- quantile(x, probs = 0.5, ...)
  stats::setNames(q$estimate, q$strata)
}
