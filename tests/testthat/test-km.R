# Kaplan-Meier estimation against survival::survfit() and hand calculations.

library(survival)

# na_nan(), expect_close(), expect_matches_survfit(), expect_medians_match():
# helper-km.R

pbc2 <- within(survival::pbc, death <- as.integer(status == 2))
colon2 <- survival::colon[survival::colon$etype == 2, ]

ref_cases <- list(
  list(Surv(time, status) ~ 1, survival::lung),
  list(Surv(time, status) ~ sex, survival::lung),
  list(Surv(time, status) ~ ph.ecog + sex, survival::lung),
  list(Surv(time, status) ~ trt + celltype, survival::veteran),
  list(Surv(time, status) ~ x, survival::aml),
  list(Surv(futime, fustat) ~ rx + resid.ds, survival::ovarian),
  list(Surv(time, status) ~ rx, colon2),
  list(Surv(time, status) ~ rx + strata(sex), survival::colon),
  list(Surv(time, death) ~ trt + strata(edema), pbc2)
)

test_that("km() matches survfit() on the survival data sets, all conf types", {
  for (case in ref_cases) {
    for (ct in c("log", "log-log", "plain")) {
      fit <- km(case[[1]], data = case[[2]], conf_type = ct)
      sf <- survfit(case[[1]], data = case[[2]], conf.type = ct)
      expect_matches_survfit(fit, sf)
      expect_medians_match(fit, sf)
    }
  }
})

test_that("conf_level changes the bands and median CI as in survfit()", {
  for (lv in c(0.8, 0.9, 0.99)) {
    fit <- km(Surv(time, status) ~ sex, data = lung, conf_level = lv)
    sf <- survfit(Surv(time, status) ~ sex, data = lung, conf.int = lv)
    expect_matches_survfit(fit, sf)
    expect_medians_match(fit, sf)
  }
})

test_that("curve labels follow survfit()", {
  fit <- km(Surv(time, status) ~ ph.ecog + sex, data = lung)
  sf <- survfit(Surv(time, status) ~ ph.ecog + sex, data = lung)
  expect_identical(names(fit$strata), names(sf$strata))
  fit <- km(Surv(time, status) ~ x, data = aml)
  expect_identical(names(fit$strata), c("x=Maintained", "x=Nonmaintained"))
  fit <- km(Surv(time, status) ~ strata(sex), data = lung)
  expect_identical(names(fit$strata), c("sex=1", "sex=2"))
  expect_identical(names(km(Surv(time, status) ~ 1, data = lung)$strata),
                   "All")
})

sim_data <- function(n, seed, ties = 15) {
  set.seed(seed)
  data.frame(
    time = sample(seq_len(ties), n, replace = TRUE) * 1.5,
    status = rbinom(n, 1, 0.6),
    g = sample(c("a", "b", "c"), n, replace = TRUE),
    s = sample(1:2, n, replace = TRUE),
    wi = sample(0:3, n, replace = TRUE),
    wf = runif(n, 0, 2)
  )
}

test_that("random data with heavy ties, strata and weights match survfit()", {
  for (seed in 1:6) {
    d <- sim_data(300, seed)
    for (ct in c("log", "log-log", "plain")) {
      f <- Surv(time, status) ~ g + strata(s)
      expect_matches_survfit(km(f, data = d, conf_type = ct),
                             survfit(f, data = d, conf.type = ct))
      expect_medians_match(km(f, data = d, conf_type = ct),
                           survfit(f, data = d, conf.type = ct))
      # integer weights: survfit uses the weighted Greenwood variance
      fit <- km(f, data = d, weights = wi, conf_type = ct)
      sf <- survfit(f, data = d, weights = wi, conf.type = ct)
      expect_matches_survfit(fit, sf)
      expect_medians_match(fit, sf)
      # fractional weights: compare with survfit's Greenwood (robust = FALSE)
      fit <- km(f, data = d, weights = wf, conf_type = ct)
      sf <- survfit(f, data = d, weights = wf, conf.type = ct,
                    robust = FALSE)
      expect_matches_survfit(fit, sf)
      expect_medians_match(fit, sf)
    }
  }
})

test_that("a curve whose last subject dies has S = 0 and NA SE/CI after", {
  fit <- km(Surv(time, status) ~ 1, data = data.frame(time = c(1, 2, 2, 3),
                                                       status = 1))
  expect_identical(fit$surv, c(0.75, 0.25, 0))
  expect_equal(fit$std.error[1:2], c(sqrt(0.75 * 0.25 / 4),
                                     sqrt(0.25 * 0.75 / 4)))
  expect_identical(is.na(fit$std.error), c(FALSE, FALSE, TRUE))
  expect_true(is.na(fit$conf.low[3]) && is.na(fit$conf.high[3]))
})

test_that("a curve with no events stays at 1", {
  d <- data.frame(time = c(2, 4, 6, 1, 2, 3), status = c(0, 0, 0, 1, 0, 1),
                  g = rep(c("a", "b"), each = 3))
  fit <- km(Surv(time, status) ~ g, data = d)
  expect_identical(fit$surv[1:3], c(1, 1, 1))
  expect_identical(fit$std.error[1:3], c(0, 0, 0))
  expect_true(is.na(km_median(fit)$median[1]))
  expect_matches_survfit(fit, survfit(Surv(time, status) ~ g, data = d))
})

test_that("timefix merges near-tied times as survfit(timefix = TRUE)", {
  set.seed(3)
  d <- data.frame(time = rep(c(1, 2, 3, 4, 5) / 7, 20) +
                    sample(c(0, 1e-12, -1e-12, 2e-13), 100, replace = TRUE),
                  status = rbinom(100, 1, 0.7),
                  g = sample(1:2, 100, replace = TRUE))
  fit <- km(Surv(time, status) ~ g, data = d)
  sf <- survfit(Surv(time, status) ~ g, data = d)
  expect_matches_survfit(fit, sf)
  expect_identical(length(fit$time), 10L)
  fit0 <- km(Surv(time, status) ~ g, data = d, timefix = FALSE)
  sf0 <- survfit(Surv(time, status) ~ g, data = d, timefix = FALSE)
  expect_matches_survfit(fit0, sf0)
  expect_gt(length(fit0$time), 10L)
})

test_that("zero weights keep their times with zero counts, as survfit()", {
  d <- data.frame(t = c(1, 2, 2, 3, 4, 5, 6), s = c(1, 1, 0, 1, 0, 1, 0),
                  w = c(1, 0, 2, 1.5, 0, 1, 1))
  fit <- km(Surv(t, s) ~ 1, data = d, weights = w)
  sf <- survfit(Surv(t, s) ~ 1, data = d, weights = w, robust = FALSE)
  expect_matches_survfit(fit, sf)
  expect_identical(fit$records, c(All = 7L))
  expect_identical(fit$n, c(All = 6.5))
})

# ---- medians -----------------------------------------------------------

test_that("SPSS and survival medians differ on a flat stretch at 0.5", {
  # ten deaths at 1..10: S(5) = 0.5 exactly until the drop at 6
  d <- data.frame(time = 1:10, status = 1)
  fit <- km(Surv(time, status) ~ 1, data = d)
  expect_identical(km_median(fit)$median, 5.5)
  sp <- km_median(fit, method = "spss")
  expect_identical(sp$median, 5)
  # u = 4 (S = 0.6), l = 6 (S = 0.4): f = 0.2 / 2 = 0.1
  # Greenwood: S(5) = 0.5, sum 1/(n(n-1)) over n = 10..6 = 1/5 - 1/10 = 0.1
  se <- 0.5 * sqrt(0.1) / 0.1
  expect_equal(sp$std.error, se, tolerance = 1e-12)
  expect_equal(sp$conf.low, 5 - 1.96 * se, tolerance = 1e-12)
  expect_equal(sp$conf.high, 5 + 1.96 * se, tolerance = 1e-12)
  expect_identical(sp$n, 10)
  expect_identical(sp$events, 10)
})

test_that("SPSS median with censoring (aml, maintained arm) by hand", {
  fit <- km(Surv(time, status) ~ 1, data = aml[aml$x == "Maintained", ])
  # deaths at 9 (n = 11), 13 (10), 18 (8), 23 (7), 31 (5), 34 (4), 48 (2)
  s23 <- 10 / 11 * 9 / 10 * 7 / 8 * 6 / 7
  s31 <- s23 * 4 / 5
  s34 <- s31 * 3 / 4
  gw31 <- 1 / (11 * 10) + 1 / (10 * 9) + 1 / (8 * 7) + 1 / (7 * 6) +
    1 / (5 * 4)
  f <- (s23 - s34) / (34 - 23)
  se <- s31 * sqrt(gw31) / f
  sp <- km_median(fit, method = "spss")
  expect_identical(sp$median, 31)
  expect_equal(sp$std.error, se, tolerance = 1e-12)
  expect_equal(c(sp$conf.low, sp$conf.high), 31 + c(-1.96, 1.96) * se,
               tolerance = 1e-12)
})

test_that("SPSS lower limit is truncated at 0 unless truncate = FALSE", {
  # deaths at 1, 1, 3, 4: S = 0.5 at 1, 0.25 at 3, 0 at 4
  d <- data.frame(time = c(1, 1, 3, 4), status = 1)
  fit <- km(Surv(time, status) ~ 1, data = d)
  # no event time with S >= 0.55: u = 0, S(u) = 1; l = 3, S(l) = 0.25
  se <- sqrt(0.5 * 0.5 / 4) / ((1 - 0.25) / 3)
  sp <- km_median(fit, method = "spss")
  expect_identical(sp$median, 1)
  expect_equal(sp$std.error, se, tolerance = 1e-12)
  expect_identical(sp$conf.low, 0)
  expect_equal(sp$conf.high, 1 + 1.96 * se, tolerance = 1e-12)
  sp2 <- km_median(fit, method = "spss", truncate = FALSE)
  expect_equal(sp2$conf.low, 1 - 1.96 * se, tolerance = 1e-12)
  expect_lt(sp2$conf.low, 0)
  # survival: flat at 0.5 from 1 to the drop at 3
  expect_identical(km_median(fit)$median, 2)
})

test_that("a median that is not reached is NA for both methods", {
  d <- data.frame(time = 1:10, status = c(1, 1, rep(0, 8)))
  fit <- km(Surv(time, status) ~ 1, data = d)
  for (m in c("survival", "spss")) {
    r <- km_median(fit, method = m)
    expect_true(is.na(r$median))
    expect_true(is.na(r$std.error) && is.na(r$conf.low) && is.na(r$conf.high))
  }
  expect_identical(median_table(survfit(Surv(time, status) ~ 1, data = d))[1],
                   NA_real_)
})

test_that("SPSS SE is NA when no event time has S <= 0.45", {
  # deaths at 1..5 of 10, the rest censored at 6..10: S falls to 0.5 only
  d <- data.frame(time = 1:10, status = c(rep(1, 5), rep(0, 5)))
  sp <- km_median(km(Surv(time, status) ~ 1, data = d), method = "spss")
  expect_identical(sp$median, 5)
  expect_true(is.na(sp$std.error) && is.na(sp$conf.low))
})

test_that("quantiles match quantile.survfit() away from flat stretches", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  sf <- survfit(Surv(time, status) ~ sex, data = lung)
  q <- quantile(fit, probs = c(0.1, 0.25, 0.5, 0.75))
  ref <- quantile(sf, probs = c(0.1, 0.25, 0.5, 0.75))
  expect_identical(q$estimate, as.vector(t(ref$quantile)))
  expect_identical(q$conf.low, as.vector(t(ref$lower)))
  expect_identical(q$conf.high, as.vector(t(ref$upper)))
  expect_identical(q$strata, rep(c("sex=1", "sex=2"), each = 4))
})

# ---- km_at, km_mean, followup_median ------------------------------------

test_that("km_at() matches summary(survfit, times = )", {
  for (ct in c("log", "log-log", "plain")) {
    fit <- km(Surv(time, status) ~ sex, data = lung, conf_type = ct)
    sf <- survfit(Surv(time, status) ~ sex, data = lung, conf.type = ct)
    tm <- c(5, 100, 183, 365.5, 700)
    at <- km_at(fit, tm)
    ss <- summary(sf, times = tm)
    expect_identical(at$strata, as.character(ss$strata))
    expect_close(at$n.risk, ss$n.risk)
    expect_close(at$estimate, ss$surv)
    expect_close(at$std.error, ss$std.err)
    expect_close(at$conf.low, ss$lower)
    expect_close(at$conf.high, ss$upper)
  }
})

test_that("km_at() is NA after the last follow-up unless S reached 0", {
  fit <- km(Surv(time, status) ~ x, data = aml)
  at <- km_at(fit, c(0, 161, 162, 1000))
  # Maintained: last time 161 censored at S = 0.184
  expect_equal(at$estimate[1:2], c(1, 0.18409090909090908))
  expect_true(all(is.na(at$estimate[3:4])))
  expect_identical(at$n.risk[3:4], c(0, 0))
  # Nonmaintained: last subject dies at 45, S = 0 from then on
  expect_identical(at$estimate[7:8], c(0, 0))
  expect_true(all(is.na(at$std.error[7:8])))
  expect_identical(at$time, rep(c(0, 161, 162, 1000), 2))
})

test_that("km_mean() equals summary(survfit, rmean = 'individual')", {
  for (case in ref_cases) {
    fit <- km(case[[1]], data = case[[2]])
    sf <- survfit(case[[1]], data = case[[2]])
    tab <- summary(sf, rmean = "individual")$table
    if (is.null(dim(tab))) tab <- t(tab)
    m <- km_mean(fit)
    expect_close(m$mean, tab[, "rmean"], 1e-9)
    expect_close(m$std.error, tab[, "se(rmean)"], 1e-9)
    expect_close(m$conf.low, m$mean - 1.96 * m$std.error, 1e-12)
    expect_close(m$conf.high, m$mean + 1.96 * m$std.error, 1e-12)
  }
})

test_that("km_mean() by hand: ten deaths at 1..10", {
  fit <- km(Surv(time, status) ~ 1, data = data.frame(time = 1:10, status = 1))
  m <- km_mean(fit)
  expect_equal(m$mean, sum(seq(1, 0.1, by = -0.1)), tolerance = 1e-12)
  # A_j = area from j to 10 = sum_{k = j}^{9} (10 - k) / 10; n_j = 11 - j
  v <- 0
  for (j in 1:9) {
    a <- sum((10 - (j:9)) / 10)
    n <- 11 - j
    v <- v + a^2 / (n * (n - 1))
  }
  expect_equal(m$std.error, sqrt(v), tolerance = 1e-12)
})

test_that("followup_median() is the reverse Kaplan-Meier median", {
  fu <- followup_median(Surv(time, status) ~ 1, data = lung)
  expect_identical(fu$median, 588)
  expect_identical(c(fu$min, fu$max), range(lung$time))
  # reference: censoring as the event, deaths moved just before their time
  d <- lung
  d$t2 <- d$time - ifelse(d$status == 2, 1e-6, 0)
  sf <- survfit(Surv(t2, status == 1) ~ sex, data = d)
  fu <- followup_median(Surv(time, status) ~ sex, data = lung)
  expect_identical(unname(as.matrix(fu[, c("median", "conf.low",
                                           "conf.high")])),
                   median_table(sf))
  expect_identical(fu$strata, c("sex=1", "sex=2"))
})

# ---- invariances ----------------------------------------------------------

test_that("results do not depend on row order", {
  for (seed in 1:5) {
    d <- sim_data(200, seed)
    set.seed(100 + seed)
    p <- d[sample(nrow(d)), ]
    f1 <- km(Surv(time, status) ~ g, data = d, weights = wf)
    f2 <- km(Surv(time, status) ~ g, data = p, weights = wf)
    for (nm in c("time", "n.risk", "n.event", "surv", "std.error")) {
      expect_equal(f1[[nm]], f2[[nm]], tolerance = 1e-12)
    }
    expect_identical(km_median(f1), km_median(f2))
  }
})

test_that("scaling time scales times and medians, not probabilities", {
  for (seed in 1:3) {
    d <- sim_data(200, seed)
    d2 <- d
    d2$time <- d$time * 7.3
    f1 <- km(Surv(time, status) ~ g, data = d)
    f2 <- km(Surv(time, status) ~ g, data = d2)
    expect_equal(f2$time, f1$time * 7.3, tolerance = 1e-12)
    expect_equal(f2$surv, f1$surv, tolerance = 1e-12)
    expect_equal(f2$std.error, f1$std.error, tolerance = 1e-12)
    for (m in c("survival", "spss")) {
      a <- km_median(f1, method = m)
      b <- km_median(f2, method = m)
      expect_equal(b$median, a$median * 7.3, tolerance = 1e-12)
      expect_equal(b$conf.low, a$conf.low * 7.3, tolerance = 1e-12)
      expect_equal(b$conf.high, a$conf.high * 7.3, tolerance = 1e-12)
    }
    expect_equal(km_mean(f2)$mean, km_mean(f1)$mean * 7.3, tolerance = 1e-12)
  }
})

test_that("relabelling groups only renames the curves", {
  d <- sim_data(250, 9)
  d2 <- d
  d2$g <- c(a = "z", b = "y", c = "x")[d$g]
  f1 <- km(Surv(time, status) ~ g, data = d)
  f2 <- km(Surv(time, status) ~ g, data = d2)
  m1 <- km_median(f1)
  m2 <- km_median(f2)
  map <- c("g=a" = "g=z", "g=b" = "g=y", "g=c" = "g=x")
  m2 <- m2[match(map[m1$strata], m2$strata), ]
  expect_equal(m1[, -1], m2[, -1], ignore_attr = TRUE)
  t1 <- tidy(f1)
  t2 <- tidy(f2)
  t2 <- t2[order(match(t2$strata, map[names(f1$strata)]), t2$time), ]
  expect_equal(t1[, -1], t2[, -1], ignore_attr = TRUE)
})

# ---- input checking ---------------------------------------------------------

test_that("bad input gives classed errors", {
  d <- data.frame(time = c(1, 2, 3), status = c(1, 0, 1), w = c(1, 1, 1))
  bad_t <- d
  bad_t$time[2] <- -1
  expect_error(km(Surv(time, status) ~ 1, data = bad_t),
               class = "survstep_error_input")
  bad_i <- d
  bad_i$time[2] <- Inf
  expect_error(km(Surv(time, status) ~ 1, data = bad_i),
               class = "survstep_error_input")
  bad_s <- d
  bad_s$status[2] <- 3
  expect_error(km(Surv(time, status) ~ 1, data = bad_s),
               class = "survstep_error_input")
  bad_w <- d
  bad_w$w[1] <- -1
  expect_error(km(Surv(time, status) ~ 1, data = bad_w, weights = w),
               class = "survstep_error_input")
  expect_error(km(Surv(time, status) ~ 1, data = d, conf_level = 1.5),
               class = "survstep_error_input")
  expect_error(km(time ~ status, data = d), class = "survstep_error_input")
  fit <- km(Surv(time, status) ~ 1, data = d)
  expect_error(km_at(fit, -1), class = "survstep_error_input")
  expect_error(km_median(d), class = "survstep_error_input")
})

test_that("error messages for bad input", {
  d <- data.frame(time = c(1, 2, 3), status = c(1, 0, 1), w = c(1, 1, 1),
                  g = c("a", "b", "a"))
  bad_t <- d
  bad_t$time[2] <- -1
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_t), error = TRUE)
  bad_i <- d
  bad_i$time[2] <- Inf
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_i), error = TRUE)
  bad_n <- d
  bad_n$time[2] <- NaN
  bad_n$status[2] <- NA
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_n))
  bad_s <- d
  bad_s$status[2] <- 3
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_s), error = TRUE)
  bad_w <- d
  bad_w$w[1] <- -1
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_w, weights = w),
                  error = TRUE)
  bad_w$w[1] <- Inf
  expect_snapshot(km(Surv(time, status) ~ 1, data = bad_w, weights = w),
                  error = TRUE)
  expect_snapshot(km(Surv(time, status) ~ 1, data = d, conf_level = 1.5),
                  error = TRUE)
  expect_snapshot(km(Surv(time, status) ~ 1, data = d, conf_level = 0),
                  error = TRUE)
  expect_snapshot(km(Surv(time, status) ~ 1, data = d, conf_type = "logit"),
                  error = TRUE)
  expect_snapshot(km(time ~ g, data = d), error = TRUE)
  expect_snapshot(km(Surv(time, status) ~ g:w, data = d), error = TRUE)
  expect_snapshot(km(Surv(time, status) ~ 1, data = d, subset = time > 5),
                  error = TRUE)
  fit <- km(Surv(time, status) ~ g, data = d)
  expect_snapshot(km_at(fit, c(1, -2)), error = TRUE)
  expect_snapshot(km_at(fit, Inf), error = TRUE)
  expect_snapshot(km_at(fit, "a"), error = TRUE)
  expect_snapshot(km_at(fit), error = TRUE)
  expect_snapshot(km_median(fit, method = "stata"), error = TRUE)
  expect_snapshot(km_median(d), error = TRUE)
  expect_snapshot(quantile(fit, probs = 1.2), error = TRUE)
})

test_that("missing values are dropped and counted", {
  fit <- km(Surv(time, status) ~ ph.ecog, data = lung)
  expect_identical(fit$n_dropped, 1L)
  expect_identical(sum(fit$records), 227L)
  expect_output(print(fit), "1 observation deleted due to missingness")
  sf <- survfit(Surv(time, status) ~ ph.ecog, data = lung)
  expect_matches_survfit(fit, sf)
  fit2 <- km(Surv(time, status) ~ ph.ecog + meal.cal, data = lung)
  expect_identical(fit2$n_dropped, 48L)
  expect_identical(glance(fit2)$n.dropped, 48L)
  expect_error(km(Surv(time, status) ~ ph.ecog, data = lung,
                  na.action = na.fail), class = "survstep_error_input")
})

test_that("subset and weights are evaluated in data, like survfit()", {
  fit <- km(Surv(time, status) ~ sex, data = lung, subset = age > 60,
            weights = age / 50)
  sf <- survfit(Surv(time, status) ~ sex, data = lung, subset = age > 60,
                weights = age / 50, robust = FALSE)
  expect_true(isTRUE(fit$weighted))
  expect_matches_survfit(fit, sf)
})

test_that("km() and logrank_test() refuse cluster() rather than group by it", {
  lung <- survival::lung
  expect_error(km(Surv(time, status) ~ cluster(inst), lung),
               class = "survstep_error_not_implemented")
  expect_error(logrank_test(Surv(time, status) ~ sex + cluster(inst), lung),
               class = "survstep_error_not_implemented")
  d0 <- lung[0, ]
  expect_no_warning(expect_error(km(Surv(time, status) ~ sex, d0),
                                 class = "survstep_error_input"))
})

# The matrix engine ----------------------------------------------------------

test_that("km_fit() on a Surv object or its matrix equals km()", {
  d <- survival::lung
  fit <- km(Surv(time, status) ~ sex, data = d, conf_type = "log-log")
  eng <- km_fit(Surv(d$time, d$status), group = factor(paste0("sex=", d$sex)),
                conf_type = "log-log")
  for (nm in c("time", "n.risk", "n.event", "surv", "std.error", "conf.low",
               "conf.high", "strata", "records", "n")) {
    expect_identical(eng[[nm]], fit[[nm]], label = nm)
  }
  m <- cbind(d$time, d$status - 1)
  expect_identical(km_fit(m, d$sex)$surv, eng$surv)
  expect_identical(names(km_fit(m, d$sex)$strata), c("1", "2"))
  w <- rep(1:2, length.out = nrow(d))
  expect_identical(km_fit(m, weights = w)$surv,
                   km(Surv(time, status) ~ 1, data = d, weights = w)$surv)
  expect_snapshot(error = TRUE, {
    km_fit(d$time)
    km_fit(cbind(d$time, d$status))
    km_fit(cbind(-d$time, d$status - 1))
    km_fit(m, group = d$sex[-1])
    km_fit(m, weights = -w)
  })
})

test_that("rows with a missing group are left out with na.pass, as survfit() does", {
  d <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                  status = c(1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
                  g = c("a", "b", NA, "a", "b", "a", NA, "b", "a", "b"),
                  s = c(1, 1, 1, 2, 2, NA, 2, 1, 2, 2))
  for (f in list(Surv(time, status) ~ g, Surv(time, status) ~ g + strata(s))) {
    ours <- km(f, data = d, na.action = na.pass)
    ref <- survival::survfit(f, data = d, na.action = na.pass)
    expect_false(any(grepl("NA", names(ours$strata))))
    expect_identical(unname(ours$strata), unname(ref$strata))
    expect_equal(ours$surv, ref$surv, tolerance = 1e-12)
    expect_equal(ours$n.risk, ref$n.risk, tolerance = 1e-12)
    # the left-out rows are reported, as with na.omit
    dropped <- sum(is.na(d$g) | (grepl("strata", deparse(f)) & is.na(d$s)))
    expect_identical(ours$n_dropped, dropped)
    expect_equal(ours$surv, km(f, data = d)$surv, tolerance = 0)
  }
  lr <- logrank_test(Surv(time, status) ~ g, data = d, na.action = na.pass)
  expect_identical(lr$table$group, c("g=a", "g=b"))
  expect_identical(lr$n, 8L)
  d$time[2] <- NA
  expect_snapshot(error = TRUE, {
    km(Surv(time, status) ~ g, data = d, na.action = na.pass)
  })
})
