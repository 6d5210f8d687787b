# cox_control(convergence = "sas" / "spss"): the vendors' stopping rules,
# against a test-side reimplementation that takes coxph's own Newton steps
# (coxph(init = b, iter.max = 1) from the previous point) and applies each
# rule as SAS PHREG and SPSS COXREG document it.

vendor_path <- function(formula, data, ties, rule, maxit = 25,
                        gconv = 1e-8, bcon = 1e-4, lcon = 1e-5) {
  fit_at <- function(b, it) {
    suppressWarnings(survival::coxph(formula, data = data, ties = ties,
                                     init = b, iter.max = it))
  }
  p <- length(stats::coef(survival::coxph(formula, data = data,
                                          iter.max = 0)))
  b <- rep(0, p)
  z <- fit_at(b, 0)
  l_old <- z$loglik[1]
  relgrad <- function(z) z$score / (abs(z$loglik[1]) + 1e-6)
  if (rule == "sas" && relgrad(z) < gconv) return(list(iter = 0L, coef = b))
  for (k in seq_len(maxit)) {
    f <- fit_at(b, 1)
    bn <- unname(stats::coef(f))
    ln <- f$loglik[2]
    done <- switch(rule,
      # PHREG GCONV: g' H^-1 g / (|l| + 1e-6) at the new point
      sas = relgrad(fit_at(bn, 0)) < gconv,
      # COXREG: parameter change below BCON or relative loglik change below LCON
      spss = (bcon > 0 && max(abs(bn - b)) < bcon) ||
        (lcon > 0 && abs(ln - l_old) / abs(l_old) < lcon))
    if (done) return(list(iter = k, coef = bn))
    b <- bn
    l_old <- ln
  }
  list(iter = NA_integer_, coef = b)
}

test_that("convergence = 'sas' stops where PHREG's GCONV rule stops", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex",
                                     "ph.ecog", "wt.loss")])
  f <- Surv(time, status) ~ age + sex + ph.ecog + wt.loss
  for (ties in c("breslow", "efron")) {
    ref <- vendor_path(f, lung, ties, "sas")
    fit <- cox(f, data = lung, ties = ties,
               control = cox_control(convergence = "sas"))
    expect_identical(fit$iter, ref$iter)
    expect_equal(unname(coef(fit)), ref$coef, tolerance = 1e-10)
    expect_true(fit$converged)
  }
  # a looser GCONV stops earlier, at the reference's iteration
  ref <- vendor_path(f, lung, "breslow", "sas", gconv = 1e-3)
  fit <- cox(f, data = lung, ties = "breslow",
             control = cox_control(convergence = "sas", gconv = 1e-3))
  expect_identical(fit$iter, ref$iter)
  expect_equal(unname(coef(fit)), ref$coef, tolerance = 1e-10)
  default <- cox(f, data = lung, ties = "breslow")
  expect_lt(fit$iter, default$iter)
  expect_gt(max(abs(coef(fit) - coef(default))), 1e-8)
})

test_that("convergence = 'spss' stops where COXREG's BCON/LCON rule stops", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex",
                                     "ph.ecog", "ph.karno")])
  f <- Surv(time, status) ~ age + sex + ph.ecog + ph.karno
  ref <- vendor_path(f, lung, "breslow", "spss")
  fit <- cox(f, data = lung, ties = "breslow",
             control = cox_control(convergence = "spss"))
  expect_identical(fit$iter, ref$iter)
  expect_equal(unname(coef(fit)), ref$coef, tolerance = 1e-10)
  # LCON alone, BCON alone, and the stopping point moves with them
  for (tol in list(c(0, 1e-5), c(1e-4, 0), c(1e-2, 0), c(0, 1e-3))) {
    ref <- vendor_path(f, lung, "breslow", "spss", bcon = tol[1], lcon = tol[2])
    fit <- cox(f, data = lung, ties = "breslow",
               control = cox_control(convergence = "spss", bcon = tol[1],
                                     lcon = tol[2]))
    expect_identical(fit$iter, ref$iter)
    expect_equal(unname(coef(fit)), ref$coef, tolerance = 1e-10)
  }
  loose <- cox(f, data = lung, ties = "breslow",
               control = cox_control(convergence = "spss", bcon = 1e-2,
                                     lcon = 0))
  expect_lt(loose$iter, cox(f, data = lung, ties = "breslow")$iter)
})

test_that("cox_stepwise() and cox_univariable() use the rule for every model", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex",
                                     "ph.ecog", "ph.karno", "wt.loss")])
  ctl <- cox_control(convergence = "spss", bcon = 1e-2, lcon = 0)
  s <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
                      wt.loss, data = lung, ties = "breslow", control = ctl)
  sel <- names(coef(s$final))
  f <- stats::reformulate(sel, "Surv(time, status)")
  ref <- vendor_path(f, lung, "breslow", "spss", bcon = 1e-2, lcon = 0)
  expect_identical(s$final$iter, ref$iter)
  expect_equal(unname(coef(s$final)), ref$coef, tolerance = 1e-10)
  # each step's log-likelihood is the one of the model fitted by the rule
  last <- s$steps[nrow(s$steps), ]
  expect_equal(last$loglik, cox(f, data = lung, ties = "breslow",
                                control = ctl)$loglik[2], tolerance = 1e-12)
  u <- cox_univariable(Surv(time, status) ~ age + sex, data = lung,
                       ties = "breslow", exponentiate = FALSE,
                       control = cox_control(convergence = "sas",
                                             gconv = 1e-3))
  ref <- vendor_path(Surv(time, status) ~ age, lung, "breslow", "sas",
                     gconv = 1e-3)
  expect_equal(u$estimate[u$term == "age"], ref$coef, tolerance = 1e-10)
})

test_that("cox_control() checks the convergence settings", {
  expect_snapshot(error = TRUE, cox_control(convergence = "stata"))
  expect_snapshot(error = TRUE, cox_control(convergence = "spss", bcon = 0,
                                            lcon = 0))
  expect_snapshot(error = TRUE, cox_control(gconv = -1))
  expect_identical(cox_control(convergence = "sas")$iter_max, 25L)
  expect_identical(cox_control(convergence = "spss")$iter_max, 20L)
  expect_snapshot(print(cox_control(convergence = "spss")))
})
