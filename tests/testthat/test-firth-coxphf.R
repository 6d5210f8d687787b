# Firth's penalized Cox model against the coxphf package (Heinze, Ploner,
# Jiricka; CRAN), the implementation of Heinze and Schemper (2001) that the
# method's papers use. coxphf handles ties by Breslow's method only, so
# every comparison is ties = "breslow". coxphf's reported log-likelihoods
# are shifted by a constant relative to l(b) + 1/2 log|I(b)| (the same at
# b = 0 and at the estimate), so the comparisons are of the likelihood-ratio
# statistics, which are what both packages report as tests.
skip_if_not_installed("coxphf")

coxphf_fit <- function(formula, data, ...) {
  coxphf::coxphf(formula, data = data, pl = TRUE, maxit = 200,
                 epsilon = 1e-10, gconv = 1e-10, ...)
}

expect_same_firth <- function(fit, ref, tol_ci = 1e-6) {
  expect_equal(unname(fit$coefficients), unname(ref$coefficients),
               tolerance = 1e-8)
  expect_equal(unname(fit$var), unname(ref$var), tolerance = 1e-7)
  # profile penalized likelihood intervals (coxphf: exp scale)
  ci <- exp(confint(fit))
  expect_equal(unname(ci[, 1]), unname(ref$ci.lower), tolerance = tol_ci)
  expect_equal(unname(ci[, 2]), unname(ref$ci.upper), tolerance = tol_ci)
  # penalized likelihood-ratio p-values per coefficient
  tab <- summary(fit)$coefficients
  expect_equal(unname(tab[, ncol(tab)]), unname(ref$prob), tolerance = 1e-6)
  # the global penalized likelihood-ratio test
  expect_equal(summary(fit)$logtest[["test"]],
               2 * diff(ref$loglik), tolerance = 1e-8)
}

test_that("lung: estimates, variance, profile CIs and PLR tests equal coxphf", {
  d <- na.omit(survival::lung[, c("time", "status", "age", "sex", "ph.ecog")])
  d$status <- d$status - 1
  f <- Surv(time, status) ~ age + sex + ph.ecog
  fit <- cox(f, d, firth = TRUE, ties = "breslow",
             control = cox_control(eps = 1e-12))
  expect_same_firth(fit, coxphf_fit(f, d))
})

test_that("monotone likelihood (a group without events): equal to coxphf", {
  d <- data.frame(time = c(5, 8, 12, 3, 9, 15, 20, 22, 25, 30, 9, 14, 6, 18),
                  status = c(1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1),
                  g = c(0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0),
                  z = c(1.2, -0.3, 0.5, 2.1, -1, 0.3, 0.8, -0.5, 1.1, -0.2,
                        0.4, 0.9, -1.3, 0.1))
  f <- Surv(time, status) ~ g + z
  fit <- suppressWarnings(cox(f, d, firth = TRUE, ties = "breslow",
                              control = cox_control(eps = 1e-12)))
  ref <- coxphf_fit(f, d)
  expect_true(all(is.finite(fit$coefficients)))
  expect_same_firth(fit, ref)
})

test_that("counting-process data (jasa1 heart transplants): equal to coxphf", {
  d <- survival::heart
  f <- Surv(start, stop, event) ~ age + transplant
  fit <- cox(f, d, firth = TRUE, ties = "breslow",
             control = cox_control(eps = 1e-12))
  expect_same_firth(fit, coxphf_fit(f, d))
})

test_that("the paper's cohort (36 patients, 3 covariates): equal to coxphf", {
  d <- g3nelm()
  f <- Surv(time, status) ~ high_bilirubin + pancreatic + high_remnant_burden
  fit <- suppressWarnings(cox(f, d, firth = TRUE, ties = "breslow",
                              control = cox_control(eps = 1e-12)))
  expect_same_firth(fit, coxphf_fit(f, d))
})
