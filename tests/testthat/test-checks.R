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
