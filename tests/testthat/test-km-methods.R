# Methods for survstep_km: print, summary, quantile, tidy, glance.

library(survival)

test_that("print shows n, events, median and CI as print.survfit", {
  fit <- km(Surv(time, status) ~ x, data = aml)
  expect_snapshot(print(fit))
  expect_invisible(print(fit))
  fit <- km(Surv(time, status) ~ ph.ecog, data = lung, conf_type = "log-log",
            conf_level = 0.9)
  expect_snapshot(fit)
})

test_that("print of a weighted fit shows records and weighted n", {
  d <- data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 0, 1, 1, 0, 1),
                  w = c(0.5, 1, 1.5, 2, 1, 1))
  expect_snapshot(km(Surv(time, status) ~ 1, data = d, weights = w))
})

test_that("summary lists event times, medians and means", {
  fit <- km(Surv(time, status) ~ x, data = aml)
  s <- summary(fit)
  expect_s3_class(s, "summary_survstep_km")
  sf <- summary(survfit(Surv(time, status) ~ x, data = aml))
  expect_equal(s$table$time, sf$time)
  expect_equal(s$table$n.risk, sf$n.risk)
  expect_equal(s$table$estimate, sf$surv, tolerance = 1e-12)
  expect_equal(s$table$std.error, ifelse(is.nan(sf$std.err), NA, sf$std.err),
               tolerance = 1e-12)
  expect_identical(s$median, km_median(fit))
  expect_identical(s$mean, km_mean(fit))
  expect_snapshot(print(s))
  expect_invisible(print(s))
  st <- summary(fit, times = c(10, 30))
  expect_identical(st$table, km_at(fit, c(10, 30)))
  expect_snapshot(st)
  expect_gt(nrow(summary(fit, censored = TRUE)$table), nrow(s$table))
})

test_that("quantile() returns both methods in long form", {
  fit <- km(Surv(time, status) ~ x, data = aml)
  q <- quantile(fit, probs = c(0.25, 0.5))
  expect_named(q, c("strata", "prob", "estimate", "std.error", "conf.low",
                    "conf.high"))
  expect_identical(q$strata, rep(c("x=Maintained", "x=Nonmaintained"),
                                 each = 2))
  expect_identical(q$estimate[q$prob == 0.5], km_median(fit)$median)
  qs <- quantile(fit, probs = 0.5, method = "spss")
  expect_identical(qs$std.error, km_median(fit, method = "spss")$std.error)
  # 25th percentile, SPSS: first time with S <= 0.75 in the maintained arm is
  # 18 (S = 0.716); u: S >= 0.80 -> 13 (0.818); l: S <= 0.70 -> 23 (0.614)
  s13 <- 10 / 11 * 9 / 10
  s18 <- s13 * 7 / 8
  s23 <- s18 * 6 / 7
  gw18 <- 1 / (11 * 10) + 1 / (10 * 9) + 1 / (8 * 7)
  se <- s18 * sqrt(gw18) / ((s13 - s23) / (23 - 13))
  q25 <- quantile(fit, probs = 0.25, method = "spss")
  expect_identical(q25$estimate[1], 18)
  expect_equal(q25$std.error[1], se, tolerance = 1e-12)
  expect_error(quantile(fit, probs = 0), class = "survstep_error_input")
})

test_that("tidy() has broom's survfit names and Greenwood SE of S", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  sf <- survfit(Surv(time, status) ~ sex, data = lung)
  td <- tidy(fit)
  expect_named(td, c("strata", "time", "n.risk", "n.event", "n.censor",
                     "estimate", "std.error", "conf.low", "conf.high"))
  expect_identical(td$strata, rep(names(sf$strata), sf$strata))
  expect_equal(td$time, sf$time)
  expect_equal(td$estimate, sf$surv, tolerance = 1e-12)
  expect_equal(td$std.error, sf$surv * sf$std.err, tolerance = 1e-12)
  expect_equal(td$conf.low, sf$lower, tolerance = 1e-12)
})

test_that("glance() gives one row", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  g <- glance(fit)
  expect_identical(nrow(g), 1L)
  expect_identical(g$curves, 2L)
  expect_identical(g$records, 228L)
  expect_identical(g$events, 165)
  expect_identical(g$conf.type, "log")
})
