# Ctrl-C stops the long C++ loops of Kaplan-Meier, the log-rank family and
# stepwise selection (the Cox fit's test is in test-cox-fit.R). Each
# test runs the computation in a child process and sends SIGINT to it (see
# helper-interrupt.R); without the interrupt checks each computation would
# go on for seconds (or, for the log-rank test with many groups, minutes).

test_that("Ctrl-C stops km_fit() at n = 1e7 within half a second", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  # the engine behind km() (the frame of 1e7 rows would only add time)
  r <- sv_interrupt_latency(
    setup = c("set.seed(1); n <- 1e7",
              "y <- cbind(runif(n), rep(c(1, 0, 1), length.out = n))",
              "g <- rep(1:3, length.out = n)"),
    expr = "km_fit(y, g)",
    engine = "km_fit_cpp", delay = 0.2
  )
  expect_interrupted_within(r)
})

test_that("Ctrl-C stops logrank_test() within half a second", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  # 2000 groups: O(k^2) work per event time, minutes without interrupts
  r <- sv_interrupt_latency(
    setup = c("set.seed(1); n <- 2e5",
              "d <- data.frame(time = rexp(n), status = rbinom(n, 1, 0.7),",
              "                g = sample(1:2000, n, replace = TRUE))"),
    expr = "logrank_test(Surv(time, status) ~ g, data = d)",
    engine = "logrank_cpp"
  )
  expect_interrupted_within(r)
})

test_that("Ctrl-C stops cox_stepwise() within half a second", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  r <- sv_interrupt_latency(
    setup = c("set.seed(1); n <- 3e5",
              "d <- data.frame(time = rexp(n), status = rbinom(n, 1, 0.7),",
              "  x1 = rnorm(n), x2 = rnorm(n), x3 = rnorm(n), x4 = rnorm(n),",
              "  x5 = rnorm(n), x6 = rnorm(n))"),
    expr = paste0("cox_stepwise(Surv(time, status) ~ x1 + x2 + x3 + x4 + ",
                  "x5 + x6, data = d, p_enter = 0.99, p_remove = 0.999)"),
    engine = "stepwise_cpp"
  )
  expect_interrupted_within(r)
})
