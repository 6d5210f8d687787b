# Shared by the stepwise tests (test-cox-stepwise.R, test-stepwise-sas.R,
# test-stepwise-firth.R): simulated data (times rounded to one decimal, so
# with many ties), the comparison of a run with a reference's steps, and a
# muffler for the events-per-variable warning (tested elsewhere).

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

# cox_stepwise() `fit` against a reference run `ref` (list(steps =
# data.frame(action, term, statistic, df, p.value, loglik), model, coef)):
# identical actions, terms and df, statistics and p-values to `tol`.
expect_same_steps <- function(fit, ref, tol = 1e-6, loglik_tol = 1e-9) {
  st <- fit$steps
  expect_identical(st$action, ref$steps$action)
  expect_identical(st$term, ref$steps$term)
  expect_equal(st$statistic, ref$steps$statistic, tolerance = tol)
  expect_equal(as.numeric(st$df), ref$steps$df)
  expect_equal(st$p.value, ref$steps$p.value, tolerance = tol)
  expect_equal(st$loglik, ref$steps$loglik, tolerance = loglik_tol)
  expect_identical(fit$selected, ref$model)
  expect_equal(unname(coef(fit)), ref$coef, tolerance = 1e-6)
}

quiet_epv <- function(expr) {
  withCallingHandlers(expr, survstep_warning_low_epv = function(w) {
    invokeRestart("muffleWarning")
  })
}

# The complete cases, response, design (treatment contrasts, intercept
# dropped) and each term's columns of a formula without strata, for the
# independent references of test-stepwise-sas.R and test-stepwise-firth.R.
ref_term_design <- function(formula, data) {
  tt <- stats::terms(formula, data = data)
  mf <- stats::model.frame(tt, data, na.action = stats::na.omit)
  labels <- attr(tt, "term.labels")
  X <- stats::model.matrix(tt, mf)
  assign <- attr(X, "assign")[-1]
  list(y = stats::model.response(mf), X = X[, -1, drop = FALSE],
       labels = labels,
       cols_of = function(terms) which(assign %in% match(terms, labels)))
}
