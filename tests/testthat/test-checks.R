test_that("timefix merges near-ties exactly as survival::aeqSurv", {
  set.seed(11)
  t <- round(runif(200, 0, 50), 1)
  t2 <- t + sample(c(0, 1e-10, -1e-10, 1e-9), 200, replace = TRUE)
  ref <- survival::aeqSurv(survival::Surv(t2, rep(1, 200)))[, 1]
  expect_identical(survstep:::timefix_cpp(t2, sqrt(.Machine$double.eps)),
                   unname(ref))
  expect_false(identical(t2, ref[seq_along(t2)]))
})

test_that("chisq_upper_cpp agrees with pchisq(lower.tail = FALSE)", {
  x <- c(0, 1e-8, 0.5, 3.84, 10, 50, 200)
  for (df in c(1, 2, 5)) {
    expect_equal(survstep:::chisq_upper_cpp(x, df),
                 pchisq(x, df, lower.tail = FALSE), tolerance = 1e-12)
  }
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
                          conf.level = 0.9)),
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
