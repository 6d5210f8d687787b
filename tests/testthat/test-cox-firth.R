# Firth's penalized Cox model against the independent reference of
# helper-firth-reference.R (numerical optimisation of l(b) + 1/2 log|I(b)|
# over survival::coxph(init = b, iter.max = 0) evaluations).

firth_toy <- function() {
  # group g = 1 has no events: monotone likelihood in g (one tie at t = 9)
  data.frame(time = c(5, 8, 12, 3, 9, 15, 20, 22, 25, 30, 9, 14, 6, 18),
             status = c(1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1),
             g = c(0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0),
             z = c(1.2, -0.3, 0.5, 2.1, -1, 0.3, 0.8, -0.5, 1.1, -0.2, 0.4,
                   0.9, -1.3, 0.1))
}

# |a - b| <= tol elementwise (absolute, as the accuracy targets are stated)
expect_abs <- function(a, b, tol, label = NULL) {
  a <- unname(as.vector(a))
  b <- unname(as.vector(b))
  expect_identical(length(a), length(b))
  expect_lte(max(abs(a - b)), tol, label = label)
}

expect_firth_ref <- function(fit, ref) {
  expect_abs(fit$coefficients, ref$coefficients, 1e-6, "coefficients")
  expect_abs(fit$loglik, ref$loglik, 1e-6, "penalized loglik")
  expect_abs(cbind(fit$profile$lower, fit$profile$upper), ref$ci, 1e-5,
             "profile interval limits")
  expect_abs(fit$profile$chisq, ref$chisq, 1e-6, "penalized LR statistics")
  # the global penalized LR test against b = 0
  expect_abs(summary(fit)$logtest[["test"]],
             2 * (ref$loglik[2] - ref$loglik[1]), 1e-6, "global PLR")
}

test_that("Firth on a separated toy set matches the reference (Breslow, Efron)", {
  skip_on_cran()
  d <- firth_toy()
  # the ordinary fit diverges and says which group has no events
  expect_warning(epv_ok(cox(Surv(time, status) ~ g + z, d, ties = "breslow")),
                 class = "survstep_warning_infinite_coef")
  for (ties in c("breslow", "efron")) {
    fit <- suppressWarnings(cox(Surv(time, status) ~ g + z, d, firth = TRUE,
                                ties = ties))
    expect_true(all(is.finite(fit$coefficients)))
    expect_false(any(fit$infinite))
    expect_firth_ref(fit, ref_firth(Surv(time, status) ~ g + z, d,
                                    ties = ties))
  }
})

test_that("Firth on lung (no monotone likelihood) matches the reference", {
  skip_on_cran()
  d <- na.omit(survival::lung[, c("time", "status", "age", "sex",
                                  "ph.ecog")])
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, d, firth = TRUE,
             ties = "breslow")
  expect_firth_ref(fit, ref_firth(Surv(time, status) ~ age + sex + ph.ecog,
                                  d, ties = "breslow"))
  # the penalty moves the estimates, by little in a cohort of 164 deaths
  ord <- cox(Surv(time, status) ~ age + sex + ph.ecog, d, ties = "breslow")
  expect_true(all(abs(fit$coefficients - ord$coefficients) <
                    0.05 * sqrt(diag(ord$var))))
})

test_that("Firth with strata, weights and counting-process data (Efron)", {
  skip_on_cran()
  d <- na.omit(survival::lung[, c("time", "status", "age", "sex", "inst")])
  d$site <- d$inst %% 3
  d$w <- rep(1:3, length.out = nrow(d))
  fit <- suppressWarnings(cox(Surv(time, status) ~ age + sex + strata(site),
                              d, weights = w, firth = TRUE, ties = "efron"))
  expect_firth_ref(fit, ref_firth(Surv(time, status) ~ age + sex +
                                    strata(site), d, ties = "efron",
                                  weights = d$w))
  h <- survival::heart
  fit <- suppressWarnings(cox(Surv(start, stop, event) ~ age + transplant, h,
                              firth = TRUE, ties = "efron"))
  expect_firth_ref(fit, ref_firth(Surv(start, stop, event) ~ age +
                                    transplant, h, ties = "efron"))
})

test_that("Firth on the g3nelm() cohort: the paper's model", {
  skip_on_cran()
  d <- g3nelm()
  f <- Surv(time, status) ~ pancreatic + high_bilirubin + high_remnant_burden
  expect_warning(fit <- cox(f, d, firth = TRUE, ties = "breslow"),
                 class = "survstep_warning_low_epv")
  expect_firth_ref(fit, ref_firth(f, d, ties = "breslow"))
})

test_that("profile-likelihood intervals of ordinary fits", {
  skip_on_cran()
  d <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  fit <- cox(Surv(time, status) ~ age + sex, d, ties = "breslow")
  ci <- confint(fit, method = "profile")
  expect_identical(attr(ci, "method"), "profile likelihood")
  ref <- ref_firth(Surv(time, status) ~ age + sex, d, ties = "breslow",
                   penalized = FALSE)
  expect_abs(ci[, 1:2], ref$ci, 1e-5)
  # independently: the profile by offset, maximized by coxph() itself
  q <- stats::qchisq(0.95, 1)
  lhat <- fit$loglik[2]
  prof <- function(t) {
    d$off <- t * d$sex
    survival::coxph(Surv(time, status) ~ age + offset(off), d,
                    ties = "breslow",
                    control = survival::coxph.control(eps = 1e-11))$loglik[2]
  }
  g <- function(t) 2 * (lhat - prof(t)) - q
  b <- fit$coefficients[["sex"]]
  lo <- uniroot(g, c(b - 2, b), tol = 1e-10)$root
  hi <- uniroot(g, c(b, b + 2), tol = 1e-10)$root
  expect_abs(ci["sex", ], c(lo, hi), 1e-5)
  # at another level, for one coefficient
  ci90 <- confint(fit, "sex", level = 0.9, method = "profile")
  q <- stats::qchisq(0.9, 1)
  expect_abs(ci90[1, 1], uniroot(g, c(b - 2, b), tol = 1e-10)$root, 1e-5)
  # Wald stays the default of an ordinary fit
  expect_equal(confint(fit), confint(fit, method = "wald"))
  # a diverging coefficient: the profile never reaches the level
  toy <- firth_toy()
  fi <- suppressWarnings(cox(Surv(time, status) ~ g + z, toy,
                             ties = "breslow"))
  cip <- confint(fi, "g", method = "profile")
  expect_equal(cip[1, 1], -Inf)
  expect_true(is.finite(cip[1, 2]))
})

test_that("methods say the fit is penalized", {
  d <- firth_toy()
  fit <- suppressWarnings(cox(Surv(time, status) ~ g + z, d, firth = TRUE,
                              ties = "breslow"))
  expect_true(fit$firth)
  expect_snapshot({
    print(fit)
    summary(fit)
    summary(fit, wald = TRUE)
  })
  ci <- confint(fit)
  expect_match(attr(ci, "method"), "penalized")
  expect_equal(unname(ci[, 1:2]), unname(cbind(fit$profile$lower,
                                               fit$profile$upper)))
  ciw <- confint(fit, method = "wald")
  expect_equal(unname(ciw[, 2]), unname(fit$coefficients +
                                          qnorm(0.975) * sqrt(diag(fit$var))))
  # other level: recomputed from the data
  ci9 <- confint(fit, level = 0.9)
  expect_true(all(ci9[, 1] > ci[, 1] & ci9[, 2] < ci[, 2]))
  td <- tidy(fit, conf.int = TRUE)
  expect_identical(td$estimator, c("firth", "firth"))
  expect_equal(td$statistic, unname(fit$profile$chisq))
  expect_equal(td$conf.low, unname(fit$profile$lower))
  a <- anova(fit)
  expect_match(attr(a, "heading"), "penalized", all = FALSE)
  expect_equal(a$Chisq[-1], unname(fit$profile$chisq), tolerance = 1e-8)
  ord <- suppressWarnings(cox(Surv(time, status) ~ z, d))
  expect_error(anova(fit, ord), class = "survstep_error_input")
})

test_that("a factor: term tests, and the monotone-likelihood warning names the level", {
  d <- firth_toy()
  d$grp <- factor(ifelse(d$g == 1, "B", ifelse(d$z > 0.5, "C", "A")))
  expect_snapshot(cox(Surv(time, status) ~ grp, d, ties = "breslow"))
  fit <- suppressWarnings(cox(Surv(time, status) ~ grp + z, d, firth = TRUE,
                              ties = "breslow"))
  tt <- fit$profile$term_tests
  expect_identical(tt$term, "grp")
  # the term's penalized LR test: both columns fixed at 0
  ref <- ref_firth(Surv(time, status) ~ grp + z, d, ties = "breslow")
  bb <- c(0, 0, ref$coefficients[3])
  f0 <- ref_max(ref$f, bb, free = 3, scale = ref$scale)
  expect_abs(tt$statistic, 2 * (ref$loglik[2] - f0$value), 1e-6)
  # reference level without events
  d$grp2 <- factor(ifelse(d$g == 1, "A", ifelse(d$z > 0.5, "C", "B")))
  expect_snapshot(cox(Surv(time, status) ~ grp2, d, ties = "breslow"))
})

test_that("Firth univariable screen and cox_table()", {
  d <- firth_toy()
  uv <- suppressWarnings(cox_univariable(Surv(time, status) ~ g + z, d,
                                         firth = TRUE, ties = "breslow"))
  expect_true(attr(uv, "firth"))
  f1 <- suppressWarnings(cox(Surv(time, status) ~ g, d, firth = TRUE,
                             ties = "breslow"))
  expect_equal(uv$estimate[1], exp(unname(f1$coefficients)))
  expect_equal(uv$conf.low[1], exp(unname(f1$profile$lower)))
  expect_equal(uv$conf.high[1], exp(unname(f1$profile$upper)))
  expect_equal(uv$p.value[1], unname(f1$profile$p.value))
  expect_equal(uv$p.value.term[1], unname(f1$profile$p.value))
  mv <- suppressWarnings(cox(Surv(time, status) ~ g + z, d, firth = TRUE,
                             ties = "breslow"))
  tab <- cox_table(uv, mv)
  expect_equal(tab$conf.low_mv, exp(unname(mv$profile$lower)))
  expect_equal(tab$p_mv, unname(mv$profile$p.value))
  expect_identical(attr(tab, "firth"),
                   c(univariable = TRUE, multivariable = TRUE))
  expect_output(print(tab), "Firth's penalized likelihood")
})

test_that("events-per-variable guardrail", {
  d <- firth_toy()
  w <- testthat::capture_warnings(cox(Surv(time, status) ~ z, d))
  expect_length(w, 1L)
  expect_warning(fit <- cox(Surv(time, status) ~ z, d),
                 class = "survstep_warning_low_epv")
  expect_equal(fit$epv[["epv"]], 9)
  expect_output(print(fit), "Events per variable: 9.0")
  expect_snapshot(cox(Surv(time, status) ~ z, d))
  w <- testthat::capture_warnings(
    uv <- cox_univariable(Surv(time, status) ~ z + g, d))
  # once, beside the monotone likelihood of g
  expect_identical(sum(grepl("events per candidate", w)), 1L)
  expect_equal(attr(uv, "epv")[["df"]], 2)
  ws <- testthat::capture_warnings(
    sw <- cox_stepwise(Surv(time, status) ~ z + g, d))
  expect_identical(sum(grepl("events per candidate", ws)), 1L)
  expect_equal(sw$epv[["epv"]], 4.5)
  expect_output(print(sw), "Events per candidate degree of freedom: 4.5")
  # enough events: no warning
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  expect_no_warning(fit <- cox(Surv(time, status) ~ age + sex, lung))
  expect_equal(fit$epv[["epv"]], 165 / 2)
})

test_that("Firth input errors", {
  d <- firth_toy()
  d$id <- seq_len(nrow(d))
  expect_error(cox(Surv(time, status) ~ z, d, firth = TRUE, robust = TRUE),
               class = "survstep_error_firth")
  expect_snapshot(error = TRUE, {
    cox(Surv(time, status) ~ z + cluster(id), d, firth = TRUE)
    cox(Surv(time, status) ~ z, d, firth = NA)
    cox(Surv(time, status) ~ z, d, firth = TRUE, ties = "exact")
    confint(cox(Surv(time, status) ~ z, d), method = "likelihood")
  })
})
