# Tests of the Peto-Prentice (SAS PETO), modified Peto (SAS MODPETO) and
# exponential likelihood-ratio (SAS -2Log(LR)) tests of logrank_test().
#
# References: an independent R implementation written here from the
# documented formulas (SAS/STAT LIFETEST "Comparison of Two or More Groups";
# Klein & Moeschberger 2003, section 7.3; Lawless 1982), coin's
# "Prentice-Marek" scores (= S~(t) weights) and survival::survreg()'s
# exponential model (whose likelihood-ratio test is the LR test).

library(survival)

# S~(t) = prod_{t_j <= t} (1 - d_j / (n_j + 1)) at each event time (events
# at t included); weights w_t per test; U, V, X^2 as methods.md section 2.
ref_weighted <- function(time, status, group, strata = NULL, test) {
  group <- as.factor(group)
  lev <- levels(group)
  k <- length(lev)
  if (is.null(strata)) strata <- rep(1L, length(time))
  U <- numeric(k)
  V <- matrix(0, k, k)
  O <- E <- numeric(k)
  for (s in unique(strata)) {
    ts <- time[strata == s]
    ds <- status[strata == s]
    gs <- group[strata == s]
    stilde <- 1
    for (t in sort(unique(ts[ds == 1]))) {
      risk <- ts >= t
      dead <- ts == t & ds == 1
      n_t <- sum(risk)
      d_t <- sum(dead)
      stilde <- stilde * (1 - d_t / (n_t + 1))
      w <- switch(test,
                  "peto-prentice" = stilde,
                  "modified-peto" = stilde * n_t / (n_t + 1))
      n_gt <- vapply(lev, function(l) sum(risk & gs == l), 0, USE.NAMES = FALSE)
      d_gt <- vapply(lev, function(l) sum(dead & gs == l), 0, USE.NAMES = FALSE)
      O <- O + w * d_gt
      E <- E + w * d_t * n_gt / n_t
      if (n_t > 1) {
        V <- V + w^2 * d_t * (n_t - d_t) / (n_t * (n_t - 1)) *
          (diag(n_gt, k) - outer(n_gt, n_gt) / n_t)
      }
    }
  }
  keep <- which(E > 0)[-1L]
  U <- O - E
  stat <- drop(t(U[keep]) %*% solve(V[keep, keep, drop = FALSE], U[keep]))
  list(observed = O, expected = E, var = V, statistic = stat,
       df = length(keep))
}

lung <- survival::lung

test_that("peto-prentice and modified-peto equal the formulas", {
  for (test in c("peto-prentice", "modified-peto")) {
    # two groups, k groups, strata; ties in lung's times
    fit <- logrank_test(Surv(time, status) ~ sex, data = lung, test = test)
    ref <- ref_weighted(lung$time, lung$status - 1, lung$sex, test = test)
    expect_equal(fit$table$observed, ref$observed, tolerance = 1e-12)
    expect_equal(fit$table$expected, ref$expected, tolerance = 1e-12)
    expect_equal(unname(fit$var), unname(ref$var), tolerance = 1e-12)
    expect_equal(fit$statistic, ref$statistic, tolerance = 1e-10)
    d <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog < 3, ]
    fit <- logrank_test(Surv(time, status) ~ ph.ecog + strata(sex), data = d,
                        test = test)
    ref <- ref_weighted(d$time, d$status - 1, d$ph.ecog, d$sex, test = test)
    expect_equal(fit$statistic, ref$statistic, tolerance = 1e-10)
    expect_equal(fit$df, ref$df)
  }
  # heavy ties, 3 groups
  set.seed(11)
  n <- 120
  time <- sample(1:15, n, replace = TRUE)
  status <- rbinom(n, 1, 0.7)
  g <- sample(c("a", "b", "c"), n, replace = TRUE)
  for (test in c("peto-prentice", "modified-peto")) {
    fit <- logrank_test(Surv(time, status) ~ g, test = test,
                        data = data.frame(time, status, g))
    ref <- ref_weighted(time, status, g, test = test)
    expect_equal(fit$table$observed, ref$observed, tolerance = 1e-12)
    expect_equal(fit$statistic, ref$statistic, tolerance = 1e-10)
  }
})

test_that("the new weights differ from peto-peto (S(t-)) as documented", {
  pp <- logrank_test(Surv(time, status) ~ sex, data = lung, test = "peto-peto")
  pr <- logrank_test(Surv(time, status) ~ sex, data = lung,
                     test = "peto-prentice")
  sd1 <- survdiff(Surv(time, status) ~ sex, data = lung, rho = 1)
  expect_equal(pp$statistic, sd1$chisq, tolerance = 1e-10)
  expect_gt(abs(pr$statistic - pp$statistic), 1e-3)
})

test_that("peto-prentice has coin's Prentice-Marek scores", {
  skip_if_not_installed("coin")
  for (d in list(lung, survival::aml)) {
    if (!"sex" %in% names(d)) d$sex <- d$x
    d$g <- factor(d$sex)
    ct <- coin::logrank_test(Surv(time, status) ~ g, data = d,
                             type = "Prentice-Marek")
    fit <- logrank_test(Surv(time, status) ~ g, data = d,
                        test = "peto-prentice")
    # coin's linear statistic is the sum of the negated scores of the first
    # group: -(O - E) of that group
    expect_equal(as.numeric(coin::statistic(ct, type = "linear")),
                 -(fit$table$observed - fit$table$expected)[1],
                 tolerance = 1e-10)
  }
})

test_that("lr-exponential equals Lawless's formula and survreg's LR test", {
  ref_lr <- function(time, status, group, w = rep(1, length(time))) {
    N <- tapply(w * status, group, sum)
    Tt <- tapply(w * time, group, sum)
    2 * sum(N) * log(sum(Tt) / sum(N)) -
      2 * sum(ifelse(N > 0, N * log(Tt / N), 0))
  }
  fit <- logrank_test(Surv(time, status) ~ sex, data = lung,
                      test = "lr-exponential")
  expect_equal(fit$statistic, ref_lr(lung$time, lung$status - 1, lung$sex),
               tolerance = 1e-12)
  sr <- survreg(Surv(time, status) ~ factor(sex), data = lung,
                dist = "exponential")
  expect_equal(fit$statistic, unname(2 * diff(sr$loglik)), tolerance = 1e-8)
  expect_equal(fit$df, 1L)
  expect_equal(fit$table$exposure, as.vector(tapply(lung$time, lung$sex, sum)))
  # k groups
  d <- lung[!is.na(lung$ph.ecog), ]
  fit <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                      test = "lr-exponential")
  sr <- survreg(Surv(time, status) ~ factor(ph.ecog), data = d,
                dist = "exponential")
  expect_equal(fit$statistic, unname(2 * diff(sr$loglik)), tolerance = 1e-8)
  expect_equal(fit$df, 3L)
  # case weights
  w <- rep(1:3, length.out = nrow(lung))
  fit <- logrank_test(Surv(time, status) ~ sex, data = lung, weights = w,
                      test = "lr-exponential")
  expect_equal(fit$statistic,
               ref_lr(lung$time, lung$status - 1, lung$sex, w),
               tolerance = 1e-12)
  # counting-process data: exposure = stop - start
  d2 <- data.frame(start = 0, stop = lung$time, status = lung$status,
                   sex = lung$sex)
  d2$start <- pmin(d2$stop / 2, 5)
  fit <- logrank_test(Surv(start, stop, status) ~ sex, data = d2,
                      test = "lr-exponential")
  expect_equal(fit$statistic,
               ref_lr(d2$stop - d2$start, d2$status - 1, d2$sex),
               tolerance = 1e-12)
  # pairwise
  pw <- logrank_pairwise(Surv(time, status) ~ ph.ecog, data = d,
                         test = "lr-exponential")
  sub <- d[d$ph.ecog %in% c(0, 2), ]
  expect_equal(pw$statistic[pw$group1 == "ph.ecog=0" & pw$group2 == "ph.ecog=2"],
               ref_lr(sub$time, sub$status - 1, sub$ph.ecog),
               tolerance = 1e-12)
})

test_that("the new tests work with pairwise and trend", {
  d <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog < 3, ]
  pw <- logrank_pairwise(Surv(time, status) ~ ph.ecog, data = d,
                         test = "modified-peto")
  sub <- d[d$ph.ecog %in% c(0, 1), ]
  ref <- ref_weighted(sub$time, sub$status - 1, sub$ph.ecog,
                      test = "modified-peto")
  expect_equal(pw$statistic[1], ref$statistic, tolerance = 1e-10)
  tr <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                     test = "peto-prentice", trend = TRUE)
  ref <- ref_weighted(d$time, d$status - 1, d$ph.ecog, test = "peto-prentice")
  U <- ref$observed - ref$expected
  sc <- 1:3
  expect_equal(tr$statistic,
               drop((sc %*% U)^2 / (sc %*% ref$var %*% sc)), tolerance = 1e-10)
})

test_that("lr-exponential refuses strata, trend and permutations", {
  d <- lung[!is.na(lung$ph.ecog), ]
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(time, status) ~ sex + strata(ph.ecog), data = d,
                 test = "lr-exponential")
    logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                 test = "lr-exponential", trend = TRUE)
    logrank_test(Surv(time, status) ~ sex, data = d,
                 test = "lr-exponential", distribution = "exact")
  })
  expect_error(logrank_test(Surv(time, status) ~ sex + strata(ph.ecog),
                            data = d, test = "lr-exponential"),
               class = "survstep_error_unsupported")
  expect_error(logrank_test(Surv(time, status) ~ sex, data = d,
                            test = "peto"), class = "survstep_error_input")
})

test_that("print shows the new tests", {
  expect_snapshot({
    logrank_test(Surv(time, status) ~ sex, data = lung, test = "peto-prentice")
    logrank_test(Surv(time, status) ~ sex, data = lung, test = "modified-peto")
    logrank_test(Surv(time, status) ~ sex, data = lung,
                 test = "lr-exponential")
  })
})

test_that("observed - expected is accumulated per event time (fuzz 2026:1612)", {
  # Minimal case of fuzz data set 2026:1612: one informative event (weight
  # 1.85e-5 at t = 0.243, four rows at risk) and a last event of weight
  # 6.1e6 alone in its risk set (o = e). O - E taken as the difference of
  # the two totals (6107024 - 6107024.0000185) lost five digits of the
  # statistic. With one informative time every weight function gives the
  # same X^2 = d^2 / c * (1 - p_A) / p_A, c = d (N - d) / (N - 1).
  d <- data.frame(time = c(1.0256896, 31.6711804, 0.2430054, 0.5885914),
                  status = c(0, 1, 1, 0), g = c("D", "B", "A", "A"),
                  w = c(3.133018e+01, 6.107024e+06, 1.853769e-05,
                        1.453875e+00))
  dd <- d$w[3]
  N <- sum(d$w)
  pA <- (d$w[3] + d$w[4]) / N
  cc <- dd * (N - dd) / (N - 1)
  ref <- dd^2 / cc * (1 - pA) / pA
  for (test in c("logrank", "gehan-breslow", "tarone-ware", "peto-peto")) {
    x <- logrank_test(Surv(time, status) ~ g, data = d, weights = w,
                      test = test)
    expect_equal(x$overall[["statistic"]], ref, tolerance = 1e-9,
                 info = test)
  }
})
