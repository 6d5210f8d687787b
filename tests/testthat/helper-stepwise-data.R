# Simulated data for the stepwise tests (test-cox-stepwise.R,
# test-stepwise-sas.R); times rounded to one decimal, so with many ties.

# x3 is a noisy proxy of x1 + x2: it enters first, x1 and x2 follow, and x3 is
# removed once both are in. g is a 4-level factor with one real effect.
sim_proxy <- function(n, seed) {
  set.seed(seed)
  x1 <- stats::rnorm(n)
  x2 <- stats::rnorm(n)
  x3 <- (x1 + x2) / 2 + stats::rnorm(n, sd = 0.5)
  x4 <- stats::rnorm(n)
  g <- factor(sample(c("a", "b", "c", "d"), n, TRUE))
  lp <- 0.7 * x1 + 0.7 * x2 + 0.5 * (g == "c")
  t <- stats::rexp(n, exp(lp))
  cens <- stats::rexp(n, 0.3)
  data.frame(time = round(pmin(t, cens), 1), status = as.integer(t <= cens),
             x1, x2, x3, x4, g, w = stats::runif(n, 0.5, 2),
             s = sample(1:3, n, TRUE))
}
