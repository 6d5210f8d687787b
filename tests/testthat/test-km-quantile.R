# Quantile rules of Kaplan-Meier curves: quantile() = survival's
# quantile.survfit(), km_median() = print.survfit(), method = "sas" = the
# formulas of the SAS/STAT LIFETEST documentation (Computational Formulas),
# re-implemented here independently on the curve's distinct event times.

library(survival)

# the KM curve at its distinct event times, written from the product-limit
# and Greenwood formulas (unweighted data)
ref_km_steps <- function(time, status) {
  et <- sort(unique(time[status == 1]))
  n <- vapply(et, function(t) sum(time >= t), numeric(1))
  d <- vapply(et, function(t) sum(time == t & status == 1), numeric(1))
  s <- cumprod(1 - d / n)
  gw <- cumsum(ifelse(n > d, d / (n * (n - d)), 0))
  list(time = et, surv = s, cumvar = gw)
}

# SAS: q = (inf{t: S(t) <= 1-p} + inf{t: S(t) < 1-p}) / 2 (NA when the second
# does not exist); CI = {t: |g(S(t)) - g(1-p)| <= z g'(S(t)) se(S(t))}, a
# union of steps [t_k, t_k+1); limits t_first and t_(last + 1) (NA if the
# last step is the curve's last one, or if S(t_(last + 1)) = 0: LIFETEST
# prints a missing upper limit there, see test-vendor-sas-lifetest.R).
ref_sas_quantile <- function(time, status, p, conf_type = "log-log",
                             z = qnorm(0.975), tol = sqrt(.Machine$double.eps)) {
  st <- ref_km_steps(time, status)
  lev <- 1 - p
  a <- st$time[st$surv <= lev + tol][1]
  b <- st$time[st$surv < lev - tol][1]
  est <- if (is.na(a) || is.na(b)) NA_real_ else (a + b) / 2
  s <- st$surv
  se <- s * sqrt(st$cumvar)
  g <- switch(conf_type, "log-log" = function(u) log(-log(u)),
              log = function(u) log(u), plain = function(u) u)
  gd <- switch(conf_type, "log-log" = function(u) 1 / (u * log(u)),
               log = function(u) 1 / u, plain = function(u) rep(1, length(u)))
  ok <- s > 0 & (conf_type != "log-log" | s < 1)
  inset <- ok & abs(g(s) - g(lev)) <= z * abs(gd(s)) * se
  inset[is.na(inset)] <- FALSE
  k <- which(inset)
  lo <- if (length(k)) st$time[min(k)] else NA_real_
  hi <- if (length(k) && max(k) < length(st$time) && s[max(k) + 1] > 0)
    st$time[max(k) + 1] else NA_real_
  c(estimate = est, lower = lo, upper = hi)
}

random_km_data <- function(n, seed) {
  set.seed(seed)
  data.frame(time = ceiling(rexp(n, 1 / 30)), status = rbinom(n, 1, 0.7),
             g = sample(c("a", "b"), n, replace = TRUE))
}

# censorings between events (no flat stretch at a quartile)
flat_end <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8),
                       status = c(1, 0, 1, 0, 1, 1, 0, 0))
# a curve flat at exactly 0.5 from its second time to its end
flat_half <- data.frame(time = 1:4, status = c(1, 1, 0, 0))

test_that("quantile() equals survival::quantile.survfit(), flat ends included", {
  cases <- list(
    list(Surv(time, status) ~ 1, flat_half),
    list(Surv(time, status) ~ 1, flat_end),
    list(Surv(time, status) ~ sex, survival::lung),
    list(Surv(time, status) ~ trt, survival::veteran),
    list(Surv(time, status) ~ x, survival::aml),
    list(Surv(futime, fustat) ~ rx, survival::ovarian)
  )
  for (s in 1:20) cases[[length(cases) + 1L]] <-
    list(Surv(time, status) ~ g, random_km_data(25 + 5 * s, s))
  probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
  for (cs in cases) {
    for (ct in c("log", "log-log", "plain")) {
      fit <- km(cs[[1]], data = cs[[2]], conf_type = ct)
      sf <- survfit(cs[[1]], data = cs[[2]], conf.type = ct)
      ref <- quantile(sf, probs = probs)
      q <- quantile(fit, probs = probs)
      m <- function(x) as.vector(t(matrix(x, ncol = length(probs))))
      expect_equal(q$estimate, m(ref$quantile), tolerance = 1e-12)
      expect_equal(q$conf.low, m(ref$lower), tolerance = 1e-12)
      expect_equal(q$conf.high, m(ref$upper), tolerance = 1e-12)
    }
  }
})

test_that("km_median() (print.survfit) and quantile() differ only on a flat end", {
  fit <- km(Surv(time, status) ~ 1, data = flat_half)
  sf <- survfit(Surv(time, status) ~ 1, data = flat_half)
  expect_identical(fit$surv[2:4], c(0.5, 0.5, 0.5))
  # print.survfit: start of the flat stretch; quantile.survfit: midpoint of
  # its start and the last time; SAS: not estimable
  expect_identical(km_median(fit)$median, unname(summary(sf)$table["median"]))
  expect_identical(km_median(fit)$median, 2)
  expect_identical(quantile(fit, probs = 0.5)$estimate,
                   unname(quantile(sf, probs = 0.5)$quantile))
  expect_identical(quantile(fit, probs = 0.5)$estimate, 3)
  expect_identical(km_median(fit, method = "sas")$median, NA_real_)
  # a flat stretch at 0.5 that drops later: all three give the midpoint
  d2 <- data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 1))
  fit2 <- km(Surv(time, status) ~ 1, data = d2)
  expect_identical(fit2$surv, c(0.75, 0.5, 0.5, 0))
  expect_identical(km_median(fit2)$median, 3)
  expect_identical(quantile(fit2, probs = 0.5)$estimate, 3)
  expect_identical(km_median(fit2, method = "sas")$median, 3)
})

test_that("method = 'sas' follows the LIFETEST formulas", {
  cases <- list(flat_half, flat_end,
                data.frame(time = survival::aml$time,
                           status = survival::aml$status),
                data.frame(time = survival::lung$time,
                           status = survival::lung$status - 1),
                data.frame(time = survival::veteran$time,
                           status = survival::veteran$status))
  for (s in 1:25) cases[[length(cases) + 1L]] <- random_km_data(10 + 4 * s, s)
  probs <- c(0.25, 0.5, 0.75)
  n_ci <- 0
  for (d in cases) {
    fit <- km(Surv(time, status) ~ 1, data = d)
    for (ct in c("log-log", "log", "plain")) {
      q <- quantile(fit, probs = probs, method = "sas",
                    conf_type = if (ct == "log-log") NULL else ct)
      for (k in seq_along(probs)) {
        ref <- ref_sas_quantile(d$time, d$status, probs[k], ct)
        expect_identical(c(q$estimate[k], q$conf.low[k], q$conf.high[k]),
                         unname(ref))
        n_ci <- n_ci + sum(!is.na(ref[2:3]))
      }
    }
  }
  expect_gt(n_ci, 300)  # the comparison covers many finite limits
  # the median table agrees with quantile(probs = 0.5)
  fit <- km(Surv(time, status) ~ sex, data = survival::lung)
  expect_identical(km_median(fit, method = "sas")$conf.low,
                   quantile(fit, probs = 0.5, method = "sas")$conf.low)
})

test_that("bad quantile arguments are classed errors", {
  fit <- km(Surv(time, status) ~ sex, data = survival::lung)
  expect_snapshot(quantile(fit, method = "stata"), error = TRUE)
  expect_snapshot(km_median(fit, method = "spss", conf_type = "log"),
                  error = TRUE)
  expect_snapshot(km_median(fit, method = "sas", conf_type = "logit"),
                  error = TRUE)
  expect_error(quantile(fit, probz = 0.5),
               class = "survstep_error_unused_argument")
})
