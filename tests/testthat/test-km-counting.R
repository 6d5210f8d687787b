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

test_that("curve sizes of delayed-entry data are survfit()'s records, n.max and n.start", {
  set.seed(7)
  L <- na.omit(survival::lung[, c("time", "status", "sex")])
  L$entry <- round(runif(nrow(L)) * L$time * 0.6)
  L$w <- runif(nrow(L), 0.5, 2)
  for (wt in list(NULL, "w")) {
    fit <- if (is.null(wt)) km(Surv(entry, time, status) ~ sex, data = L) else
      km(Surv(entry, time, status) ~ sex, data = L, weights = w)
    sf <- if (is.null(wt)) survfit(Surv(entry, time, status) ~ sex, data = L) else
      survfit(Surv(entry, time, status) ~ sex, data = L, weights = w)
    ref <- summary(sf)$table
    med <- km_median(fit)
    expect_named(med, c("strata", "records", "n.max", "n.start", "events",
                        "median", "std.error", "conf.low", "conf.high"))
    expect_equal(med$records, unname(ref[, "records"]))
    expect_equal(med$n.max, unname(ref[, "n.max"]), tolerance = 1e-12)
    expect_equal(med$n.start, unname(ref[, "n.start"]), tolerance = 1e-12)
    expect_equal(med$events, unname(ref[, "events"]), tolerance = 1e-12)
    expect_equal(med$median, unname(ref[, "median"]), tolerance = 1e-12)
    g <- glance(fit)
    expect_equal(g$records, sum(ref[, "records"]))
    expect_equal(g$n.max, sum(ref[, "n.max"]), tolerance = 1e-12)
    expect_equal(g$n.start, sum(ref[, "n.start"]), tolerance = 1e-12)
    expect_false("n" %in% names(g))
    out <- capture.output(print(fit))
    expect_match(out[grepl("sex=2", out)],
                 paste0("^sex=2 +90 +", format(signif(ref[2, "n.max"], 3)), " "))
    expect_true(any(grepl("records +n.max +n.start +events +median", out)))
  }
  # right-censored data keep `n`, the number of subjects
  fit <- km(Surv(time, status) ~ sex, data = L)
  expect_named(km_median(fit)[2], "n")
  expect_equal(km_median(fit)$n, as.numeric(table(L$sex)))
  # km_table() counts the rows of a group of counting-process data
  tab <- km_table(Surv(entry, time, status) ~ sex, data = L, times = 365)
  expect_equal(tab$n, as.numeric(table(L$sex)))
  # curves of a Cox model of (start, stop] data, as survfit.coxph() prints them
  cf <- cox(Surv(entry, time, status) ~ sex, data = L)
  sfc <- survfit(coxph(Surv(entry, time, status) ~ sex, data = L),
                 newdata = data.frame(sex = 1:2))
  ref <- summary(sfc)$table
  med <- km_median(cox_survfit(cf, newdata = data.frame(sex = 1:2)))
  expect_equal(med$records, unname(ref[, "records"]))
  expect_equal(med$n.max, unname(ref[, "n.max"]), tolerance = 1e-12)
  expect_equal(med$n.start, unname(ref[, "n.start"]), tolerance = 1e-12)
})

test_that("km_at() and the plots take the negative times of counting-process data", {
  d <- data.frame(start = c(-100, -99, -98, -97, -99.5, -96),
                  stop = c(-95, -96, -90, -94, -97, -91),
                  ev = c(1, 1, 0, 1, 0, 1))
  fit <- km(Surv(start, stop, ev) ~ 1, data = d)
  sf <- survfit(Surv(start, stop, ev) ~ 1, data = d)
  tm <- c(-99, -96, -94.5, -91)
  at <- km_at(fit, tm)
  ref <- summary(sf, times = tm)
  expect_equal(at$estimate, ref$surv, tolerance = 1e-12)
  expect_equal(at$n.risk, ref$n.risk)
  expect_equal(at$std.error, ref$std.err, tolerance = 1e-12)
  # right-censored curves keep the non-negative rule, with the bad value named
  rc <- km(Surv(time, status) ~ 1, data = survival::aml)
  expect_snapshot(error = TRUE, km_at(rc, c(5, -1)))
  expect_error(km_at(rc, -1), class = "survstep_error_input")
  expect_snapshot(error = TRUE, km_at(fit, c(-99, Inf)))
  # the curve starts at its first time, and the at-risk table reads the
  # curve at the negative breaks
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  expect_no_error(plot(fit, breaks = c(-100, -96, -92)))
  expect_identical(survstep:::km_time_origin(fit), min(fit$time))
  expect_identical(survstep:::km_time_origin(rc), 0)
})
