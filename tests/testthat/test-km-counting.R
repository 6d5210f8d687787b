# km() with delayed entry (left truncation), Surv(start, stop, event),
# against survival::survfit() on the same data.

library(survival)

# na_nan(), expect_close(), expect_matches_survfit(), expect_medians_match():
# helper-km.R

# random (start, stop] data: delayed entry, heavy ties (whole days), two
# groups, two strata, integer and fractional weights
sim_counting <- function(n, seed) {
  set.seed(seed)
  entry <- floor(runif(n, 0, 40)) * (runif(n) < 0.6)
  stop <- entry + ceiling(rexp(n, 1 / 60))
  data.frame(start = entry, stop = stop,
             event = rbinom(n, 1, 0.65),
             g = sample(c("a", "b"), n, replace = TRUE),
             s = sample(1:2, n, replace = TRUE),
             wi = sample(1:3, n, replace = TRUE),
             wf = runif(n, 0.2, 2.5))
}

test_that("delayed entry matches survfit(): random data, groups, strata, weights", {
  for (seed in 1:2) {
    d <- sim_counting(300, seed)
    for (f in list(Surv(start, stop, event) ~ 1,
                   Surv(start, stop, event) ~ g,
                   Surv(start, stop, event) ~ g + strata(s))) {
      for (ct in c("log", "log-log", "plain")) {
        fit <- km(f, data = d, conf_type = ct)
        sf <- survfit(f, data = d, conf.type = ct)
        expect_matches_survfit(fit, sf)
        expect_medians_match(fit, sf)
        fit <- km(f, data = d, weights = wi, conf_type = ct, conf_level = 0.9)
        sf <- survfit(f, data = d, weights = wi, conf.type = ct,
                      conf.int = 0.9, robust = FALSE)
        expect_matches_survfit(fit, sf)
        expect_medians_match(fit, sf)
        fit <- km(f, data = d, weights = wf, conf_type = ct)
        sf <- survfit(f, data = d, weights = wf, conf.type = ct,
                      robust = FALSE)
        expect_matches_survfit(fit, sf)
        expect_medians_match(fit, sf)
      }
    }
  }
})

test_that("delayed entry matches survfit() on survival's data sets", {
  heart <- survival::heart
  for (f in list(Surv(start, stop, event) ~ 1,
                 Surv(start, stop, event) ~ transplant,
                 Surv(start, stop, event) ~ surgery + transplant)) {
    for (ct in c("log", "log-log", "plain")) {
      fit <- km(f, data = heart, conf_type = ct)
      sf <- survfit(f, data = heart, conf.type = ct)
      expect_matches_survfit(fit, sf)
      expect_medians_match(fit, sf)
    }
  }
  # a left-truncated lung: entry at a fraction of each follow-up
  lung2 <- survival::lung
  set.seed(5)
  lung2$entry <- floor(lung2$time * runif(nrow(lung2), 0, 0.5))
  for (f in list(Surv(entry, time, status) ~ 1,
                 Surv(entry, time, status) ~ sex,
                 Surv(entry, time, status) ~ ph.ecog + strata(sex))) {
    fit <- km(f, data = lung2)
    sf <- survfit(f, data = lung2)
    expect_matches_survfit(fit, sf)
    expect_medians_match(fit, sf)
  }
  # cgd: recurrent-event intervals (start, stop]
  cgd <- survival::cgd
  fit <- km(Surv(tstart, tstop, status) ~ treat, data = cgd)
  sf <- survfit(Surv(tstart, tstop, status) ~ treat, data = cgd)
  expect_matches_survfit(fit, sf)
  expect_medians_match(fit, sf)
})

test_that("(0, t] intervals give the right-censored curve", {
  lung <- survival::lung
  lung$zero <- 0
  a <- km(Surv(zero, time, status) ~ sex, data = lung)
  b <- km(Surv(time, status) ~ sex, data = lung)
  for (v in c("time", "n.risk", "n.event", "n.censor", "surv", "std.error",
              "conf.low", "conf.high")) {
    expect_equal(a[[v]], b[[v]], tolerance = 1e-12)
  }
})

test_that("timefix merges near-tied start and stop times as survfit()", {
  d <- data.frame(start = c(0, 1 + 1e-10, 0, 2, 0.5, 1),
                  stop = c(1, 3, 2 + 1e-11, 4, 2, 5),
                  event = c(1, 1, 1, 0, 1, 1))
  fit <- km(Surv(start, stop, event) ~ 1, data = d)
  sf <- survfit(Surv(start, stop, event) ~ 1, data = d)
  expect_matches_survfit(fit, sf)
  fit0 <- km(Surv(start, stop, event) ~ 1, data = d, timefix = FALSE)
  sf0 <- survfit(Surv(start, stop, event) ~ 1, data = d, timefix = FALSE)
  expect_matches_survfit(fit0, sf0)
  expect_false(identical(fit$time, fit0$time))
})

km_curve_values <- function(fit, times) {
  a <- km_at(fit, times)
  as.matrix(a[, c("n.risk", "estimate", "std.error", "conf.low", "conf.high")])
}

test_that("shuffling, shifting and splitting intervals leave km() unchanged", {
  d <- sim_counting(250, 11)
  f <- Surv(start, stop, event) ~ g
  fit <- km(f, data = d, weights = wf)
  # rows in another order
  sh <- d[sample(nrow(d)), ]
  fit_sh <- km(f, data = sh, weights = wf)
  for (v in c("time", "n.risk", "n.event", "n.censor", "surv", "std.error")) {
    expect_equal(fit_sh[[v]], fit[[v]], tolerance = 1e-12)
  }
  # all times shifted by a constant (whole numbers: exact)
  up <- transform(d, start = start + 1000, stop = stop + 1000)
  fit_up <- km(f, data = up, weights = wf)
  expect_identical(fit_up$time, fit$time + 1000)
  for (v in c("n.risk", "n.event", "n.censor", "surv", "std.error")) {
    expect_equal(fit_up[[v]], fit[[v]], tolerance = 1e-12)
  }
  expect_equal(km_median(fit_up)$median, km_median(fit)$median + 1000)
  # intervals split at times without an event: the curves are the same step
  # functions (the split points only add censoring-free times)
  cuts <- c(7.5, 23.5, 51.5, 90.5)
  sp <- survival::survSplit(Surv(start, stop, event) ~ ., data = d, cut = cuts,
                            episode = "ep")
  fit_sp <- km(Surv(start, stop, event) ~ g, data = sp, weights = wf)
  grid <- sort(unique(c(fit$time, cuts, cuts + 0.25)))
  expect_equal(km_curve_values(fit_sp, grid), km_curve_values(fit, grid),
               tolerance = 1e-12)
  expect_identical(km_median(fit_sp)$median, km_median(fit)$median)
  ev <- fit$n.event > 0
  expect_equal(fit_sp$surv[fit_sp$n.event > 0], fit$surv[ev], tolerance = 1e-12)
})

test_that("bad counting-process input gives classed errors", {
  d <- data.frame(start = c(0, 2, 1, 0), stop = c(3, 2, 4, 5),
                  event = c(1, 0, 1, 1))
  expect_snapshot(error = TRUE, {
    km(Surv(start, stop, event) ~ 1, data = d)
  })
  d$stop[2] <- 5
  d$start[3] <- NA
  expect_snapshot(error = TRUE, {
    km(Surv(start, stop, event) ~ 1, data = d, na.action = na.fail)
  })
  # with na.omit the row with a missing start is dropped, as survfit()
  fit <- km(Surv(start, stop, event) ~ 1, data = d)
  expect_identical(fit$n_dropped, 1L)
  expect_matches_survfit(fit, survfit(Surv(start, stop, event) ~ 1, data = d))
  # timefix would merge a start with its stop (survfit: "aeqSurv exception")
  e <- data.frame(start = c(0, 1, 0), stop = c(2, 1 + 1e-12, 3),
                  event = c(1, 1, 0))
  expect_snapshot(error = TRUE, {
    km(Surv(start, stop, event) ~ 1, data = e)
  })
  expect_error(km(Surv(start, stop, event) ~ 1, data = e),
               class = "survstep_error_input")
  expect_no_error(km(Surv(start, stop, event) ~ 1, data = e, timefix = FALSE))
  # functions that can't take (start, stop] data say which they are
  expect_snapshot(error = TRUE, {
    followup_median(Surv(start, stop, event) ~ 1, data = d[-3, ])
  })
  expect_error(followup_median(Surv(start, stop, event) ~ 1, data = d[-3, ]),
               class = "survstep_error_not_implemented")
})
