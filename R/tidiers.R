# broom-style tidiers -------------------------------------------------------

# Per-time table of a survstep_km fit (all times, event or censored).
km_tidy_table <- function(x) {
  data.frame(
    strata = rep(names(x$strata), x$strata), time = x$time,
    n.risk = x$n.risk, n.event = x$n.event, n.censor = x$n.censor,
    estimate = x$surv, std.error = x$std.error, conf.low = x$conf.low,
    conf.high = x$conf.high, stringsAsFactors = FALSE
  )
}

#' Tidy a Kaplan-Meier fit
#'
#' One row per curve and distinct time, with the column names of
#' `broom::tidy.survfit()`. Unlike broom's, `std.error` is the Greenwood
#' standard error of the survival probability (as `summary.survfit()`
#' reports it), not of its logarithm.
#'
#' @param x A `survstep_km` object.
#' @param ... Unused.
#' @return A data frame with columns `strata`, `time`, `n.risk`, `n.event`,
#'   `n.censor`, `estimate`, `std.error`, `conf.low`, `conf.high`.
#' @references Robinson D, Hayes A, Couch S (2023). *broom: Convert
#'   Statistical Objects into Tidy Tibbles* (the column conventions).
#' @examples
#' fit <- km(Surv(time, status) ~ x, data = survival::aml)
#' head(tidy(fit))
#' @export
tidy.survstep_km <- function(x, ...) {
  km_tidy_table(x)
}

#' Glance at a Kaplan-Meier fit
#'
#' A one-row summary of the whole fit.
#'
#' @param x A `survstep_km` object.
#' @param ... Unused.
#' @return A one-row data frame: `curves` (number of curves), `records`
#'   (rows used), `n` (weighted number at risk at the start, summed over the
#'   curves), `events` (weighted), `n.dropped` (rows dropped for missing
#'   values), `conf.level`, `conf.type`. For counting-process data
#'   (delayed entry), whose risk sets grow as rows enter, `n` is replaced by
#'   `n.max` and `n.start`, the sums over the curves of the largest and of
#'   the first number at risk (the columns of `print.survfit()`).
#' @references Robinson D, Hayes A, Couch S (2023). *broom: Convert
#'   Statistical Objects into Tidy Tibbles* (the column conventions).
#' @examples
#' glance(km(Surv(time, status) ~ x, data = survival::aml))
#' @export
glance.survstep_km <- function(x, ...) {
  sizes <- km_curve_sizes(x)[-1L]
  data.frame(
    curves = length(x$strata), records = sum(x$records),
    lapply(sizes[names(sizes) != "records"], sum),
    events = sum(x$n.event),
    n.dropped = if (length(x$n_dropped)) x$n_dropped else 0L,
    conf.level = x$conf_level, conf.type = x$conf_type,
    stringsAsFactors = FALSE
  )
}
