test_that("timefix merges near-ties exactly as survival::aeqSurv", {
  # through the Cox engine: a fit of the near-tied times equals, to the
  # last bit, the fit of the times aeqSurv() merged, without timefix
  set.seed(11)
  t <- round(runif(200, 1, 50), 1)
  t2 <- t + sample(c(0, 1e-10, -1e-10, 1e-9), 200, replace = TRUE)
  s <- rbinom(200, 1, 0.7)
  x <- round(rnorm(200), 2)
  ref <- survival::aeqSurv(survival::Surv(t2, s))
  expect_false(identical(t2, unname(ref[, 1])))
  fix <- cox_fit(x, Surv(t2, s))
  merged <- cox_fit(x, Surv(unname(ref[, 1]), s),
                    control = cox_control(timefix = FALSE))
  raw <- cox_fit(x, Surv(t2, s), control = cox_control(timefix = FALSE))
  expect_identical(fix$loglik, merged$loglik)
  expect_identical(fix$coefficients, merged$coefficients)
  expect_false(identical(fix$loglik, raw$loglik))
  expect_equal(fix$loglik,
               survival::coxph(Surv(t2, s) ~ x)$loglik, tolerance = 1e-12)
})

test_that("p-values are chi-square upper tails (pchisq(lower.tail = FALSE))", {
  # through the stepwise engine, whose p-values come from the C++ core
  d <- na.omit(survival::lung[, c("time", "status", "age", "sex", "ph.ecog",
                                  "ph.karno", "wt.loss")])
  d$ph.ecog <- factor(d$ph.ecog)
  fit <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
                        wt.loss, data = d, p_enter = 0.5, p_remove = 0.6)
  st <- fit$steps[-1L, ]
  expect_equal(st$p.value, pchisq(st$statistic, st$df, lower.tail = FALSE),
               tolerance = 1e-12)
  nim <- fit$not_in_model
  expect_equal(nim$p.value, pchisq(nim$statistic, nim$df, lower.tail = FALSE),
               tolerance = 1e-12)
})

test_that("sv_match_arg names the argument and the choices", {
  f <- function(test = c("a", "bb")) survstep:::sv_match_arg(test, c("a", "bb"), "test")
  expect_identical(f(), "a")
  expect_identical(f("b"), "bb")
  expect_error(f("zz"), class = "survstep_error_input")
  expect_snapshot(f("zz"), error = TRUE)
})
