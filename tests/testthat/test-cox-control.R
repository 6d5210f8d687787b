test_that("cox_control() has coxph.control()'s defaults", {
  ctl <- cox_control()
  ref <- survival::coxph.control()
  expect_s3_class(ctl, "survstep_cox_control")
  expect_identical(ctl$eps, ref$eps)
  expect_identical(ctl$toler_chol, ref$toler.chol)
  expect_identical(ctl$iter_max, ref$iter.max)
  expect_identical(ctl$toler_inf, ref$toler.inf)
  expect_identical(ctl$timefix, ref$timefix)
  expect_identical(cox_control(eps = 1e-6)$toler_inf, sqrt(1e-6))
  # the prebuilt default used by cox() is the same object
  expect_identical(cox_control_default, ctl)
})

test_that("cox_control() rejects bad values with classed errors", {
  expect_error(cox_control(eps = 0), class = "survstep_error_input")
  expect_error(cox_control(eps = -1), class = "survstep_error_input")
  expect_error(cox_control(eps = NA), class = "survstep_error_input")
  expect_error(cox_control(toler_chol = 2), class = "survstep_error_input")
  expect_error(cox_control(iter_max = -1), class = "survstep_error_input")
  expect_error(cox_control(iter_max = 2.5), class = "survstep_error_input")
  expect_error(cox_control(toler_inf = 0), class = "survstep_error_input")
  expect_error(cox_control(timefix = "yes"), class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox_control(eps = 0)
    cox_control(iter_max = 2.5)
    cox_control(timefix = NA)
  })
})

test_that("a plain list is accepted as control; unknown settings are not", {
  fit <- cox(Surv(time, status) ~ age, survival::lung,
             control = list(eps = 1e-12, iter_max = 50))
  expect_equal(fit$control, cox_control(eps = 1e-12, iter_max = 50))
  expect_error(cox(Surv(time, status) ~ age, survival::lung,
                   control = list(iter.max = 5)),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox(Surv(time, status) ~ age, survival::lung, control = list(iter.max = 5))
    cox(Surv(time, status) ~ age, survival::lung, control = 5)
  })
})

test_that("timefix = FALSE keeps near-tied times apart", {
  d <- data.frame(time = c(1, 1 + 1e-10, 2, 3, 4, 5), status = c(1, 1, 0, 1, 1, 1),
                  x = c(0.5, 1, 2, 0.2, 1.5, 0.3))
  f1 <- epv_ok(cox(Surv(time, status) ~ x, d))
  f2 <- epv_ok(cox(Surv(time, status) ~ x, d,
                   control = cox_control(timefix = FALSE)))
  r1 <- survival::coxph(Surv(time, status) ~ x, d)
  r2 <- survival::coxph(Surv(time, status) ~ x, d,
                        control = survival::coxph.control(timefix = FALSE))
  expect_equal(f1$loglik, r1$loglik, tolerance = 1e-10)
  expect_equal(f2$loglik, r2$loglik, tolerance = 1e-10)
  expect_false(isTRUE(all.equal(f1$loglik, f2$loglik)))
})

test_that("print() shows the settings", {
  expect_snapshot(cox_control())
})
