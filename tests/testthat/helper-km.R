# Expectations shared by the Kaplan-Meier tests (test-km.R, test-km-counting.R):
# a survstep_km fit against survival::survfit() on the same data.

na_nan <- function(x) {
  x[is.nan(x)] <- NA
  x
}

# Max |a - b| over entries where both are available; the NA pattern must
# agree as well.
expect_close <- function(a, b, tol = 1e-10) {
  a <- unname(as.numeric(a))
  b <- unname(na_nan(as.numeric(b)))
  expect_identical(length(a), length(b))
  expect_identical(is.na(a), is.na(b))
  ok <- !is.na(a)
  d <- if (any(ok)) max(abs(a[ok] - b[ok])) else 0
  expect_lte(d, tol)
}

expect_matches_survfit <- function(fit, sf, tol = 1e-10) {
  sizes <- if (is.null(sf$strata)) length(sf$time) else unname(sf$strata)
  expect_identical(unname(fit$strata), as.integer(sizes))
  expect_identical(fit$time, sf$time)
  expect_close(fit$n.risk, sf$n.risk, tol)
  expect_close(fit$n.event, sf$n.event, tol)
  expect_close(fit$n.censor, sf$n.censor, tol)
  expect_close(fit$surv, sf$surv, tol)
  se_s <- ifelse(sf$surv == 0, NA, sf$surv * sf$std.err)
  expect_close(fit$std.error, se_s, tol)
  expect_close(fit$conf.low, sf$lower, tol)
  expect_close(fit$conf.high, sf$upper, tol)
}

median_table <- function(sf) {
  tab <- summary(sf)$table
  if (is.null(dim(tab))) tab <- t(tab)
  lv <- sf$conf.int
  unname(tab[, c("median", paste0(lv, "LCL"), paste0(lv, "UCL")),
             drop = FALSE])
}

expect_medians_match <- function(fit, sf) {
  m <- km_median(fit)
  expect_identical(unname(as.matrix(m[, c("median", "conf.low", "conf.high")])),
                   median_table(sf))
}
