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

test_that("unknown or misspelled arguments of exported functions are classed errors", {
  lung <- survival::lung
  fit <- km(Surv(time, status) ~ sex, data = lung)
  cf <- cox(Surv(time, status) ~ age, data = lung)
  y <- Surv(lung$time, lung$status)
  calls <- list(
    quote(km(Surv(time, status) ~ sex, data = lung, conf_levle = 0.9)),
    quote(km_fit(y, lung$sex, conf_lvl = 0.9)),
    quote(km_median(fit, methd = "spss")),
    quote(km_at(fit, 100, extend = TRUE)),
    quote(km_mean(fit, rmean = 100)),
    quote(followup_median(Surv(time, status) ~ 1, data = lung,
                          timefix = FALSE)),
    quote(logrank_test(Surv(time, status) ~ sex, data = lung, rho = 1)),
    quote(logrank_fit(y, lung$sex, NULL, NULL, "logrank", 1, 0, FALSE, NULL,
                      TRUE, "extra")),
    quote(logrank_pairwise(Surv(time, status) ~ ph.ecog, data = lung,
                           rho = 1)),
    quote(cox(Surv(time, status) ~ age, data = lung, method = "breslow")),
    quote(cox_fit(matrix(lung$age), y, iter.max = 5)),
    quote(cox_control(iter.max = 5)),
    quote(cox_univariable(Surv(time, status) ~ age, data = lung,
                          conf_lvl = 0.9)),
    quote(cox_stepwise(Surv(time, status) ~ age + sex, data = lung,
                       p.enter = 0.1)),
    quote(cox_table(cox_univariable(Surv(time, status) ~ age, data = lung),
                    digits = 2)),
    quote(compare_published(data.frame(id = "a", value = 1),
                            data.frame(id = "a", value = 1), tolerence = 0.1))
  )
  for (cl in calls) {
    expect_error(eval(cl), class = "survstep_error_unused_argument",
                 label = deparse(cl)[1])
  }
  expect_snapshot(error = TRUE, {
    km(Surv(time, status) ~ sex, data = lung, conf_levle = 0.9)
    km_median(fit, methd = "spss")
    logrank_test(Surv(time, status) ~ sex, data = lung, rho = 1)
    logrank_fit(y, lung$sex, NULL, NULL, "logrank", 1, 0, FALSE, NULL, TRUE,
                "extra")
    cox(Surv(time, status) ~ age, data = lung, method = "breslow")
    cox_control(iter.max = 5)
    cox_stepwise(Surv(time, status) ~ age + sex, data = lung, p.enter = 0.1)
  })
})

test_that("a failed allocation in the C++ glue becomes a classed error", {
  bad_alloc <- function() {
    stop(structure(class = c("std::bad_alloc", "C++Error", "error",
                             "condition"),
                   list(message = "std::bad_alloc", call = NULL)))
  }
  f <- function() survstep:::sv_engine_call(bad_alloc(), call = quote(f()))
  expect_error(f(), class = "survstep_error_memory")
  expect_snapshot(error = TRUE, f())
  # other errors pass through unchanged
  expect_error(survstep:::sv_engine_call(stop("other")), "other")
})
