# ties = "exact": the discrete (exact partial) likelihood, against
# coxph(ties = "exact") and an independent implementation of its formula.

# Independent reference: the log exact partial likelihood summed over the
# event times, each denominator the elementary symmetric polynomial of the
# risk scores by brute-force polynomial multiplication prod_i (1 + r_i z)
# (coefficient of z^d), on scores scaled by their maximum.
exact_loglik_ref <- function(x, time, status, beta, strata = NULL) {
  x <- as.matrix(x)
  eta <- drop(x %*% beta)
  if (is.null(strata)) strata <- rep(1L, length(time))
  ll <- 0
  for (s in unique(strata)) {
    i <- strata == s
    for (u in sort(unique(time[i & status == 1]))) {
      R <- which(i & time >= u)
      D <- which(i & time == u & status == 1)
      d <- length(D)
      m <- max(eta[R])
      poly <- 1
      for (r in exp(eta[R] - m)) poly <- c(poly, 0) + c(0, r * poly)
      ll <- ll + sum(eta[D]) - d * m - log(poly[d + 1L])
    }
  }
  ll
}

expect_exact_match <- function(f1, f2) {
  expect_equal(unname(coef(f2)), unname(coef(f1)), tolerance = 1e-8)
  expect_lt(max(abs(unname(f2$loglik) - unname(f1$loglik))), 1e-10)
  expect_equal(unname(sqrt(diag(vcov(f2)))), unname(sqrt(diag(f1$var))),
               tolerance = 1e-6)
  expect_equal(f2$score, f1$score, tolerance = 1e-8)
  expect_equal(f2$iter, f1$iter)
}

test_that("ties = 'exact' matches coxph on bladder (heavy ties)", {
  b <- survival::bladder
  f1 <- survival::coxph(Surv(stop, event) ~ rx + number + size, data = b,
                        ties = "exact")
  f2 <- cox(Surv(stop, event) ~ rx + number + size, data = b, ties = "exact")
  expect_exact_match(f1, f2)
  expect_equal(f2$method, "exact")
  # the exact likelihood differs from Breslow's and Efron's here
  f3 <- cox(Surv(stop, event) ~ rx + number + size, data = b)
  expect_gt(abs(f3$loglik[2] - f2$loglik[2]), 1e-3)
  # the concordance of the fit, as coxph
  expect_equal(unname(f2$concordance["concordance"]),
               unname(f1$concordance["concordance"]), tolerance = 1e-10)
})

test_that("ties = 'exact' matches coxph on lung with times rounded to 30 days, strata", {
  l <- na.omit(survival::lung[, c("time", "status", "age", "sex", "ph.ecog")])
  l$time <- ceiling(l$time / 30)
  f1 <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, data = l,
                        ties = "exact")
  f2 <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = l,
            ties = "exact")
  expect_exact_match(f1, f2)
  g1 <- survival::coxph(Surv(time, status) ~ age + ph.ecog + strata(sex),
                        data = l, ties = "exact")
  g2 <- cox(Surv(time, status) ~ age + ph.ecog + strata(sex), data = l,
            ties = "exact")
  expect_exact_match(g1, g2)
  # martingale residuals as coxph's (Breslow hazard)
  expect_equal(unname(residuals(g2)), unname(residuals(g1)), tolerance = 1e-8)
})

test_that("ties = 'exact' matches coxph on random data with offset and strata", {
  set.seed(11)
  n <- 300
  d <- data.frame(t = sample(1:6, n, TRUE), s = rbinom(n, 1, 0.7),
                  x1 = rnorm(n), x2 = rbinom(n, 1, 0.4),
                  g = sample(1:3, n, TRUE), o = runif(n, -0.5, 0.5))
  f1 <- survival::coxph(Surv(t, s) ~ x1 + x2 + strata(g) + offset(o),
                        data = d, ties = "exact")
  f2 <- cox(Surv(t, s) ~ x1 + x2 + strata(g) + offset(o), data = d,
            ties = "exact")
  expect_exact_match(f1, f2)
  expect_equal(f2$wald.test, unname(f1$wald.test), tolerance = 1e-8)
})

test_that("ties = 'exact' matches coxph for (start, stop] data", {
  h <- survival::heart
  h$stop2 <- ceiling(h$stop / 2) * 2
  h$start2 <- floor(h$start / 2) * 2
  h <- h[h$start2 < h$stop2, ]
  f1 <- survival::coxph(Surv(start2, stop2, event) ~ age + transplant,
                        data = h, ties = "exact")
  f2 <- cox(Surv(start2, stop2, event) ~ age + transplant, data = h,
            ties = "exact")
  expect_equal(unname(coef(f2)), unname(coef(f1)), tolerance = 1e-8)
  expect_lt(max(abs(unname(f2$loglik) - unname(f1$loglik))), 1e-10)
  expect_equal(unname(sqrt(diag(f2$var))), unname(sqrt(diag(f1$var))),
               tolerance = 1e-6)
})

test_that("the exact log-likelihood and its derivatives equal an independent reference", {
  set.seed(3)
  n <- 120
  x <- cbind(a = rnorm(n), b = rbinom(n, 1, 0.5))
  time <- sample(1:5, n, TRUE)
  status <- rbinom(n, 1, 0.8)
  st <- sample(1:2, n, TRUE)
  beta <- c(0.4, -0.7)
  f <- cox_fit(x, Surv(time, status), strata = st, init = beta,
               ties = "exact", control = cox_control(iter_max = 0))
  ref <- function(b) exact_loglik_ref(x, time, status, b, st)
  expect_lt(max(abs(f$loglik[1] - ref(beta))), 1e-10)
  h <- 1e-5
  num <- vapply(1:2, function(j) {
    e <- replace(numeric(2), j, h)
    (ref(beta + e) - ref(beta - e)) / (2 * h)
  }, numeric(1))
  expect_equal(unname(f$u), num, tolerance = 1e-6)
  # information: numerical derivative of the score
  sc <- function(b) {
    cox_fit(x, Surv(time, status), strata = st, init = b, ties = "exact",
            control = cox_control(iter_max = 0))$u
  }
  hess <- vapply(1:2, function(j) {
    e <- replace(numeric(2), j, 1e-5)
    (sc(beta + e) - sc(beta - e)) / 2e-5
  }, numeric(2))
  expect_equal(unname(solve(f$var)), -unname(hess), tolerance = 1e-6)
  # a large tied set (choose(m, d) beyond the double range) stays finite
  set.seed(4)
  n <- 3000
  x1 <- rnorm(n)
  big <- cox_fit(cbind(x1 = x1), Surv(rep(1:3, length.out = n), rep(1, n)),
                 ties = "exact")
  expect_true(all(is.finite(c(big$coefficients, big$loglik, big$var))))
  expect_true(big$converged)
})

test_that("cox_univariable() and cox_stepwise() accept ties = 'exact'", {
  b <- survival::bladder
  u <- cox_univariable(Surv(stop, event) ~ rx + number, data = b,
                       ties = "exact", exponentiate = FALSE)
  f1 <- survival::coxph(Surv(stop, event) ~ number, data = b, ties = "exact")
  expect_equal(u$estimate[u$term == "number"], unname(coef(f1)),
               tolerance = 1e-8)
  s <- cox_stepwise(Surv(stop, event) ~ rx + number + size, data = b,
                    ties = "exact")
  sel <- s$final
  f2 <- survival::coxph(stats::reformulate(names(coef(sel)), "Surv(stop, event)"),
                        data = b, ties = "exact")
  expect_equal(unname(coef(sel)), unname(coef(f2)), tolerance = 1e-8)
  expect_lt(max(abs(unname(sel$loglik) - unname(f2$loglik))), 1e-10)
  expect_equal(s$ties, "exact")
})

test_that("ties = 'exact' refuses case weights, infeasible tied sets and score residuals", {
  b <- survival::bladder
  b$w <- rep(c(1, 2), length.out = nrow(b))
  expect_snapshot(error = TRUE,
                  cox(Surv(stop, event) ~ rx, data = b, weights = w,
                      ties = "exact"))
  expect_error(cox(Surv(stop, event) ~ rx, data = b, weights = w,
                   ties = "exact"), class = "survstep_error_exact_weights")
  # weights that are all 1 are no weights (as coxph)
  b$one <- 1
  expect_equal(coef(cox(Surv(stop, event) ~ rx, data = b, weights = one,
                        ties = "exact")),
               coef(cox(Surv(stop, event) ~ rx, data = b, ties = "exact")))
  n <- 12000
  big <- data.frame(t = rep(1, n), s = rep(1, n), x = seq_len(n) %% 7)
  expect_snapshot(error = TRUE,
                  cox(Surv(t, s) ~ x, data = big, ties = "exact"))
  expect_error(cox(Surv(t, s) ~ x, data = big, ties = "exact"),
               class = "survstep_error_exact_infeasible")
  fit <- cox(Surv(stop, event) ~ rx + number, data = b, ties = "exact")
  expect_snapshot(error = TRUE, residuals(fit, type = "score"))
  expect_error(cox(Surv(stop, event) ~ rx + cluster(id), data = b,
                   ties = "exact"), class = "survstep_error_not_implemented")
  expect_snapshot(error = TRUE, cox(Surv(stop, event) ~ rx, data = b,
                                    ties = "exakt"))
})

# ties = "exact-marginal": DeLong, Guirguis & So's exact marginal likelihood,
# against numerical integration (stats::integrate) of its formula
marginal_loglik_ref <- function(x, time, status, beta, strata = NULL) {
  x <- as.matrix(x)
  eta <- drop(x %*% beta)
  if (is.null(strata)) strata <- rep(1L, length(time))
  ll <- 0
  for (s in unique(strata)) {
    i <- strata == s
    for (u in sort(unique(time[i & status == 1]))) {
      D <- which(i & time == u & status == 1)
      surv <- setdiff(which(i & time >= u), D)
      if (!length(surv)) next
      a <- exp(eta[D]) / sum(exp(eta[surv]))
      f <- function(t) vapply(t, function(tt) prod(-expm1(-a * tt)), 1) * exp(-t)
      v <- stats::integrate(f, 0, Inf, rel.tol = 1e-12, abs.tol = 0,
                            subdivisions = 2000L)$value
      ll <- ll + log(v)
    }
  }
  ll
}

test_that("ties = 'exact-marginal' equals numerical integration of the marginal likelihood", {
  set.seed(21)
  n <- 90
  x <- cbind(a = rnorm(n), b = rbinom(n, 1, 0.5))
  time <- sample(1:6, n, TRUE)
  status <- rbinom(n, 1, 0.75)
  st <- sample(1:2, n, TRUE)
  ref <- function(b) marginal_loglik_ref(x, time, status, b, st)
  for (beta in list(c(0, 0), c(0.5, -0.8))) {
    f <- cox_fit(x, Surv(time, status), strata = st, init = beta,
                 ties = "exact-marginal", control = cox_control(iter_max = 0))
    expect_lt(abs(f$loglik[1] - ref(beta)), 1e-8)
    num <- vapply(1:2, function(j) {
      e <- replace(numeric(2), j, 1e-4)
      (ref(beta + e) - ref(beta - e)) / 2e-4
    }, numeric(1))
    expect_equal(unname(f$u), num, tolerance = 1e-6)
  }
  # the fitted coefficients maximise the reference likelihood
  fit <- cox_fit(x, Surv(time, status), strata = st, ties = "exact-marginal")
  b <- unname(fit$coefficients)
  grad <- vapply(1:2, function(j) {
    e <- replace(numeric(2), j, 1e-4)
    (ref(b + e) - ref(b - e)) / 2e-4
  }, numeric(1))
  expect_lt(max(abs(grad)), 1e-6)
  expect_lt(abs(fit$loglik[2] - ref(b)), 1e-8)
  # the information is minus the Hessian of the reference
  sc <- function(bb) {
    cox_fit(x, Surv(time, status), strata = st, init = bb,
            ties = "exact-marginal", control = cox_control(iter_max = 0))$u
  }
  hess <- vapply(1:2, function(j) {
    e <- replace(numeric(2), j, 1e-5)
    (sc(b + e) - sc(b - e)) / 2e-5
  }, numeric(2))
  expect_equal(unname(solve(fit$var)), -unname(hess), tolerance = 1e-6)
  # it differs from the discrete likelihood, and equals Breslow's without ties
  disc <- cox_fit(x, Surv(time, status), strata = st, ties = "exact")
  expect_gt(max(abs(disc$coefficients - fit$coefficients)), 1e-4)
  tu <- time + seq_len(n) / (10 * n)
  expect_equal(
    cox_fit(x, Surv(tu, status), ties = "exact-marginal")$coefficients,
    cox_fit(x, Surv(tu, status), ties = "breslow")$coefficients,
    tolerance = 1e-10)
})

test_that("ties = 'exact-marginal' in cox(), large tied sets and bad input", {
  b <- survival::bladder
  fit <- cox(Surv(stop, event) ~ rx + number + size, data = b,
             ties = "exact-marginal")
  expect_equal(fit$method, "exact-marginal")
  expect_true(fit$converged)
  # a big tied set stays finite (and no size limit applies)
  set.seed(5)
  n <- 3000
  big <- cox_fit(cbind(x1 = rnorm(n)), Surv(rep(1:3, length.out = n),
                                             rbinom(n, 1, 0.9)),
                 ties = "exact-marginal")
  expect_true(all(is.finite(c(big$coefficients, big$loglik, big$var))))
  b$w <- rep(c(1, 2), length.out = nrow(b))
  expect_snapshot(error = TRUE,
                  cox(Surv(stop, event) ~ rx, data = b, weights = w,
                      ties = "exact-marginal"))
  expect_error(residuals(fit, type = "schoenfeld"),
               class = "survstep_error_not_implemented")
})
