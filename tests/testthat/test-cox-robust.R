# Robust (Lin-Wei) variance of cox() against coxph(robust = TRUE)

expect_robust_equal <- function(a, b, tol = 1e-7) {
  expect_equal(unname(a$var), unname(b$var), tolerance = tol)
  expect_equal(unname(a$naive.var), unname(b$naive.var), tolerance = tol)
  expect_equal(a$rscore, b$rscore, tolerance = tol)
  expect_equal(a$wald.test, b$wald.test, tolerance = tol)
  expect_equal(unname(coef(a)), unname(coef(b)), tolerance = 1e-8)
}

robust_random_data <- function(n = 300, seed = 3) {
  set.seed(seed)
  d <- data.frame(t = sample(1:30, n, TRUE), s = rbinom(n, 1, 0.7),
                  x1 = rnorm(n), x2 = rbinom(n, 1, 0.4),
                  g = sample(1:3, n, TRUE), w = sample(1:3, n, TRUE),
                  wr = runif(n, 0.2, 2), o = rnorm(n, 0, 0.3),
                  id = sample(1:60, n, TRUE))
  d
}

test_that("cluster(id) on counting-process data equals coxph()", {
  heart <- survival::heart
  cgd <- survival::cgd
  for (ties in c("efron", "breslow")) {
    a <- cox(Surv(start, stop, event) ~ age + surgery + transplant +
               cluster(id), heart, ties = ties)
    b <- survival::coxph(Surv(start, stop, event) ~ age + surgery +
                           transplant + cluster(id), heart, ties = ties)
    expect_robust_equal(a, b)
    expect_equal(a$n.cluster, length(unique(heart$id)))
    a <- cox(Surv(tstart, tstop, status) ~ treat + age + strata(hos.cat) +
               cluster(id), cgd, ties = ties)
    b <- survival::coxph(Surv(tstart, tstop, status) ~ treat + age +
                           strata(hos.cat) + cluster(id), cgd, ties = ties)
    expect_robust_equal(a, b)
  }
})

test_that("robust = TRUE, weights and strata equal coxph()", {
  lung <- survival::lung
  a <- cox(Surv(time, status) ~ age + sex + ph.ecog, lung, robust = TRUE)
  b <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, lung,
                       robust = TRUE)
  expect_robust_equal(a, b)
  d <- robust_random_data()
  for (ties in c("efron", "breslow")) {
    # non-integer weights: coxph() uses the robust variance by itself
    a <- cox(Surv(t, s) ~ x1 + x2 + strata(g), d, weights = wr, ties = ties,
             robust = TRUE)
    b <- survival::coxph(Surv(t, s) ~ x1 + x2 + strata(g), d, weights = wr,
                         ties = ties)
    expect_robust_equal(a, b)
    a <- cox(Surv(t, s) ~ x1 + x2 + cluster(id), d, weights = w, ties = ties)
    b <- survival::coxph(Surv(t, s) ~ x1 + x2 + cluster(id), d, weights = w,
                         ties = ties)
    expect_robust_equal(a, b)
  }
})

test_that("with an offset the robust score test includes it", {
  d <- robust_random_data()
  a <- cox(Surv(t, s) ~ x1 + x2 + offset(o) + cluster(id), d, weights = wr)
  b <- survival::coxph(Surv(t, s) ~ x1 + x2 + offset(o) + cluster(id), d,
                       weights = wr)
  expect_equal(unname(a$var), unname(b$var), tolerance = 1e-7)
  expect_equal(a$wald.test, b$wald.test, tolerance = 1e-7)
  # the robust score test at beta = 0 from the score residuals there
  f0 <- survival::coxph(Surv(t, s) ~ x1 + x2 + offset(o), d, weights = wr,
                        init = c(0, 0), robust = FALSE,
                        control = survival::coxph.control(iter.max = 0))
  r0 <- rowsum(residuals(f0, type = "score", weighted = TRUE), d$id)
  u <- colSums(r0)
  expect_equal(a$rscore, drop(u %*% solve(crossprod(r0), u)),
               tolerance = 1e-7)
})

test_that("summary, confint, tidy and glance use the robust variance", {
  heart <- survival::heart
  a <- cox(Surv(start, stop, event) ~ age + surgery + transplant +
             cluster(id), heart)
  b <- survival::coxph(Surv(start, stop, event) ~ age + surgery +
                         transplant + cluster(id), heart)
  sa <- summary(a)
  sb <- summary(b)
  expect_equal(unname(sa$coefficients), unname(sb$coefficients),
               tolerance = 1e-7)
  expect_equal(colnames(sa$coefficients), colnames(sb$coefficients))
  expect_equal(unname(sa$conf.int), unname(sb$conf.int), tolerance = 1e-7)
  # (summary.coxph() rounds the statistics to 2 decimals, not the p-values)
  expect_equal(sa$waldtest[["pvalue"]], sb$waldtest[["pvalue"]],
               tolerance = 1e-7)
  expect_equal(sa$robscore[["pvalue"]], sb$robscore[["pvalue"]],
               tolerance = 1e-7)
  expect_equal(sa$robscore[["test"]], b$rscore, tolerance = 1e-7)
  expect_equal(unname(confint(a)), unname(confint(b)), tolerance = 1e-7)
  expect_equal(unname(vcov(a)), unname(vcov(b)), tolerance = 1e-7)
  td <- tidy(a, conf.int = TRUE)
  expect_equal(td$std.error, unname(sqrt(diag(b$var))), tolerance = 1e-7)
  gl <- glance(a)
  expect_equal(gl$statistic.robust, b$rscore, tolerance = 1e-7)
  expect_equal(gl$statistic.wald, b$wald.test, tolerance = 1e-7)
  expect_snapshot(print(a))
  expect_snapshot(print(summary(a)))
})

test_that("cox_univariable() and cox_table() pass the robust variance on", {
  heart <- survival::heart
  uv <- cox_univariable(Surv(start, stop, event) ~ age + surgery +
                          cluster(id), heart, term_test = "wald")
  b1 <- survival::coxph(Surv(start, stop, event) ~ age + cluster(id), heart)
  b2 <- survival::coxph(Surv(start, stop, event) ~ surgery + cluster(id),
                        heart)
  expect_equal(uv$term, c("age", "surgery"))
  expect_equal(uv$std.error, unname(sqrt(c(b1$var, b2$var))),
               tolerance = 1e-7)
  expect_equal(uv$p.value.term,
               c(summary(b1)$waldtest[["pvalue"]],
                 summary(b2)$waldtest[["pvalue"]]), tolerance = 1e-7)
  mv <- cox(Surv(start, stop, event) ~ age + surgery + cluster(id), heart)
  tab <- cox_table(uv, mv)
  bm <- survival::coxph(Surv(start, stop, event) ~ age + surgery +
                          cluster(id), heart)
  expect_equal(tab$conf.low_mv, unname(summary(bm)$conf.int[, 3]),
               tolerance = 1e-7)
})

test_that("robust settings that conflict or miss data are classed errors", {
  lung <- survival::lung
  heart <- survival::heart
  expect_snapshot(error = TRUE,
                  cox(Surv(time, status) ~ age + cluster(inst), lung))
  expect_snapshot(error = TRUE,
                  cox(Surv(start, stop, event) ~ age + cluster(id), heart,
                      robust = FALSE))
  expect_snapshot(error = TRUE,
                  cox(Surv(start, stop, event) ~ age, heart, robust = TRUE))
  expect_snapshot(error = TRUE,
                  cox(Surv(time, status) ~ age, lung, robust = NA))
  expect_error(cox(Surv(time, status) ~ age + cluster(inst) + cluster(sex),
                   lung), class = "survstep_error_input")
  # survstep functions without robust variances still refuse cluster()
  expect_error(cox_stepwise(Surv(time, status) ~ age + cluster(inst), lung),
               class = "survstep_error_not_implemented")
})
