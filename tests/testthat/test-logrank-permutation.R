# Tests of the permutation distributions of logrank_test()
# (distribution = "exact" / "approximate").
#
# References: brute-force enumeration of every relabelling (within strata)
# written here from the definition, with the scores computed here from the
# formula c_i = delta_i w(t_i) - sum_{t_j <= t_i} w(t_j) d_j / n_j; and
# coin::logrank_test(distribution = exact() / approximate()).

library(survival)

# the weighted log-rank scores of one stratum, from the formula
ref_scores <- function(time, status, test = "logrank") {
  ut <- sort(unique(time[status == 1]))
  km <- 1
  stilde <- 1
  w <- h <- numeric(length(ut))
  for (j in seq_along(ut)) {
    n_j <- sum(time >= ut[j])
    d_j <- sum(time == ut[j] & status == 1)
    stilde <- stilde * (1 - d_j / (n_j + 1))
    w[j] <- switch(test, "logrank" = 1, "gehan-breslow" = n_j,
                   "peto-peto" = km, "peto-prentice" = stilde)
    h[j] <- w[j] * d_j / n_j
    km <- km * (1 - d_j / n_j)
  }
  vapply(seq_along(time), function(i) {
    at <- ut <= time[i]
    status[i] * (if (status[i] == 1) w[ut == time[i]] else 0) - sum(h[at])
  }, 0)
}

# P(|T - E| >= |t - E|) over all relabellings within strata, T the sum of
# the scores of group 2
ref_exact <- function(time, status, group, strata = NULL, test = "logrank") {
  group <- as.integer(as.factor(group)) - 1L
  if (is.null(strata)) strata <- rep(1L, length(time))
  per <- lapply(split(seq_along(time), strata), function(idx) {
    sc <- ref_scores(time[idx], status[idx], test)
    m <- sum(group[idx] == 1L)
    sums <- if (m == 0L) 0 else if (m == length(idx)) sum(sc) else
      combn(length(idx), m, function(s) sum(sc[s]))
    list(sums = sums, obs = sum(sc[group[idx] == 1L]),
         mean = m * mean(sc))
  })
  tot <- 0
  for (p in per) tot <- as.vector(outer(tot, p$sums, "+"))
  obs <- sum(vapply(per, `[[`, 0, "obs"))
  e <- sum(vapply(per, `[[`, 0, "mean"))
  mean(abs(tot - e) >= abs(obs - e) - 1e-9)
}

test_that("exact p-values equal brute-force enumeration (1e-12)", {
  set.seed(20)
  for (rep in 1:12) {
    n <- sample(6:12, 1)
    ties <- rep %% 2 == 0
    time <- if (ties) sample(1:5, n, replace = TRUE) else round(rexp(n), 4)
    status <- rbinom(n, 1, 0.7)
    status[1] <- 1
    g <- sample(rep(c("a", "b"), length.out = n))
    test <- c("logrank", "gehan-breslow", "peto-peto", "peto-prentice")[
      1 + rep %% 4]
    d <- data.frame(time, status, g)
    fit <- logrank_test(Surv(time, status) ~ g, data = d, test = test,
                        distribution = "exact")
    expect_equal(fit$p.value, ref_exact(time, status, g, test = test),
                 tolerance = 1e-12)
  }
  # strata: relabellings within strata only
  for (rep in 1:4) {
    n <- 14
    time <- sample(1:6, n, replace = TRUE)
    status <- rbinom(n, 1, 0.7)
    status[c(1, 8)] <- 1
    s <- rep(1:2, each = 7)
    g <- c(sample(rep(1:2, c(3, 4))), sample(rep(1:2, c(5, 2))))
    d <- data.frame(time, status, g, s)
    fit <- logrank_test(Surv(time, status) ~ g + strata(s), data = d,
                        distribution = "exact")
    expect_equal(fit$p.value, ref_exact(time, status, g, s), tolerance = 1e-12)
  }
})

test_that("exact and Monte Carlo p-values agree with coin", {
  skip_if_not_installed("coin")
  aml <- survival::aml
  fit <- logrank_test(Surv(time, status) ~ x, data = aml,
                      distribution = "exact")
  ct <- coin::logrank_test(Surv(time, status) ~ x, data = aml,
                           distribution = coin::exact())
  expect_equal(fit$p.value, as.numeric(coin::pvalue(ct)), tolerance = 1e-8)
  expect_equal(fit$statistic, as.numeric(coin::statistic(ct))^2,
               tolerance = 1e-10)
  # random data, n = 30 (grid resolution: agreement to about 1e-6)
  set.seed(5)
  for (test in c("logrank", "peto-peto")) {
    d <- data.frame(time = rexp(30), status = rbinom(30, 1, 0.8),
                    g = factor(rep(1:2, c(12, 18))))
    fit <- logrank_test(Surv(time, status) ~ g, data = d, test = test,
                        distribution = "exact")
    ct <- coin::logrank_test(Surv(time, status) ~ g, data = d,
                             type = if (test == "logrank") "logrank" else
                               "Peto-Peto",
                             distribution = coin::exact())
    expect_equal(fit$p.value, as.numeric(coin::pvalue(ct)), tolerance = 1e-4)
  }
  # k groups, Monte Carlo: coin's quadratic statistic; p within 4 MC SEs
  lung <- survival::lung
  d <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog < 3, ]
  d$g <- factor(d$ph.ecog)
  fit <- logrank_test(Surv(time, status) ~ g, data = d,
                      distribution = "approximate", B = 4000, seed = 3)
  ct <- coin::logrank_test(Surv(time, status) ~ g, data = d,
                           distribution = coin::approximate(nresample = 4000))
  expect_equal(fit$statistic, as.numeric(coin::statistic(ct)),
               tolerance = 1e-10)
  se <- sqrt(2) * max(fit$permutation$std.error, 1 / 4000)
  expect_lt(abs(fit$p.value - as.numeric(coin::pvalue(ct))), 4 * se + 1e-3)
})

test_that("Monte Carlo p-values are within 4 standard errors of the exact", {
  set.seed(8)
  d <- data.frame(time = rexp(26), status = rbinom(26, 1, 0.8),
                  g = rep(1:2, c(10, 16)), s = rep(1:2, 13))
  for (f in list(Surv(time, status) ~ g, Surv(time, status) ~ g + strata(s))) {
    ex <- logrank_test(f, data = d, distribution = "exact")
    mc <- logrank_test(f, data = d, distribution = "approximate", B = 20000,
                       seed = 99)
    expect_equal(mc$statistic, ex$statistic, tolerance = 1e-12)
    se <- sqrt(ex$p.value * (1 - ex$p.value) / 20000)
    expect_lt(abs(mc$p.value - ex$p.value), 4 * se)
    expect_equal(mc$permutation$std.error,
                 sqrt(mc$p.value * (1 - mc$p.value) / 20000))
  }
})

test_that("a seed gives the same Monte Carlo result; trend and pairwise", {
  lung <- survival::lung
  d <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog < 3, ]
  a <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                    distribution = "approximate", B = 500, seed = 42)
  b <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                    distribution = "approximate", B = 500, seed = 42)
  expect_identical(a$p.value, b$p.value)
  # seed = NULL follows R's generator
  set.seed(1)
  c1 <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                     distribution = "approximate", B = 500)
  set.seed(1)
  c2 <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                     distribution = "approximate", B = 500)
  expect_identical(c1$p.value, c2$p.value)
  expect_identical(c1$permutation$seed, c2$permutation$seed)
  # trend: the scored statistic (c'(T - E))^2 / c'Cov c, coin's
  # linear-by-linear test with the same scores
  tr <- logrank_test(Surv(time, status) ~ ph.ecog, data = d, trend = TRUE,
                     distribution = "approximate", B = 2000, seed = 1)
  sc <- ref_scores(d$time, d$status - 1)
  Tg <- tapply(sc, d$ph.ecog, sum)
  ng <- tapply(sc, d$ph.ecog, length)
  n <- nrow(d)
  v <- sum((sc - mean(sc))^2) / (n - 1)
  cov <- v * (diag(as.vector(ng)) - outer(ng, ng) / n)
  cc <- 1:3
  Eg <- ng * mean(sc)
  expect_equal(tr$statistic,
               drop((cc %*% (Tg - Eg))^2 / (cc %*% cov %*% cc)),
               tolerance = 1e-8)
  pw <- logrank_pairwise(Surv(time, status) ~ ph.ecog, data = d,
                         distribution = "approximate", B = 300, seed = 2)
  expect_true(all(pw$p.value >= 0 & pw$p.value <= 1))
  expect_equal(nrow(pw), 3L)
})

test_that("the exact algorithm is fast at n = 40 and refuses large n", {
  set.seed(2)
  d <- data.frame(time = rexp(40), status = rbinom(40, 1, 0.8),
                  g = rep(1:2, 20))
  tm <- system.time(fit <- logrank_test(Surv(time, status) ~ g, data = d,
                                        distribution = "exact"))[["elapsed"]]
  expect_lt(tm, 5)
  expect_true(fit$p.value > 0 && fit$p.value <= 1)
  big <- data.frame(time = rexp(400), status = 1, g = rep(1:2, 200))
  expect_error(logrank_test(Surv(time, status) ~ g, data = big,
                            distribution = "exact"),
               class = "survstep_error_exact_too_large")
})

test_that("bad permutation arguments give classed errors", {
  aml <- survival::aml
  lung <- survival::lung
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(time, status) ~ x, data = aml,
                 distribution = "approximate", B = 0)
    logrank_test(Surv(time, status) ~ x, data = aml,
                 distribution = "approximate", B = 10.5)
    logrank_test(Surv(time, status) ~ x, data = aml,
                 distribution = "approximate", seed = "a")
    logrank_test(Surv(time, status) ~ x, data = aml, B = 100)
    logrank_test(Surv(time, status) ~ ph.ecog, data = lung,
                 distribution = "exact")
    logrank_test(Surv(time, status) ~ x, data = aml, distribution = "exakt")
  })
  expect_error(logrank_test(Surv(time, status) ~ x, data = aml,
                            distribution = "approximate", B = -1),
               class = "survstep_error_input")
  expect_error(logrank_test(Surv(time, status) ~ x, data = aml,
                            distribution = "approximate", seed = NA),
               class = "survstep_error_input")
  expect_error(logrank_test(Surv(time, status) ~ ph.ecog, data = lung,
                            distribution = "exact"),
               class = "survstep_error_exact_groups")
  big <- data.frame(time = rexp(400), status = 1, g = rep(1:2, 200))
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(time, status) ~ g, data = big, distribution = "exact")
  }, transform = function(x) gsub("about [0-9.e+]+ updates", "about N updates", x))
  expect_error(logrank_test(Surv(time, status) ~ x, data = aml,
                            weights = rep(2, 23), distribution = "exact"),
               class = "survstep_error_unsupported")
  cp <- data.frame(start = 0, stop = aml$time, status = aml$status, x = aml$x)
  expect_error(logrank_test(Surv(start, stop, status) ~ x, data = cp,
                            distribution = "exact"),
               class = "survstep_error_unsupported")
})

test_that("print shows the permutation p-value", {
  aml <- survival::aml
  expect_snapshot({
    logrank_test(Surv(time, status) ~ x, data = aml, distribution = "exact")
    logrank_test(Surv(time, status) ~ x, data = aml,
                 distribution = "approximate", B = 1000, seed = 1)
  })
})
