# Engine accuracy against survival::coxph ------------------------------------

# coxph.control(eps = 1e-12) warns that toler.chol is not below eps; that
# warning (and only that one) is muffled.
ref_coxph <- function(formula, data, weights = NULL, ...) {
  data$.w. <- if (is.null(weights)) 1 else data[[weights]]
  withCallingHandlers(
    survival::coxph(formula, data = data, weights = .w., model = TRUE, ...,
                    control = survival::coxph.control(eps = 1e-12,
                                                      iter.max = 50)),
    warning = function(w) {
      if (grepl("tolerance should be < eps", conditionMessage(w))) {
        invokeRestart("muffleWarning")
      }
    }
  )
}
tight <- cox_control(eps = 1e-12, iter_max = 50)

# Compare a cox() fit with the coxph() reference at the tolerances of the
# issue: coefficients 1e-8, SEs 1e-6, loglik 1e-10, tests 1e-7,
# concordance 1e-8 (against survival::concordance() of the coxph fit).
expect_matches_coxph <- function(fit, ref) {
  expect_equal(unname(fit$coefficients), unname(ref$coefficients),
               tolerance = 1e-8)
  expect_equal(unname(sqrt(diag(fit$var))), unname(sqrt(diag(ref$var))),
               tolerance = 1e-6)
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
  expect_equal(fit$score, ref$score, tolerance = 1e-7)
  expect_equal(unname(fit$wald.test), unname(ref$wald.test), tolerance = 1e-7)
  expect_equal(2 * diff(fit$loglik), 2 * diff(ref$loglik), tolerance = 1e-7)
  expect_equal(unname(fit$linear.predictors),
               unname(ref$linear.predictors), tolerance = 1e-8)
  cc <- survival::concordance(ref)
  expect_equal(fit$concordance[["concordance"]], cc$concordance,
               tolerance = 1e-8)
  expect_equal(fit$concordance[["std"]], sqrt(cc$var), tolerance = 1e-8)
  counts <- if (is.matrix(cc$count)) colSums(cc$count) else cc$count
  expect_equal(unname(fit$concordance[1:5]), unname(counts[1:5]),
               tolerance = 1e-12)
  expect_identical(fit$nevent, as.integer(ref$nevent))
  expect_identical(fit$n, ref$n)
}

lung <- survival::lung
veteran <- survival::veteran
pbc <- survival::pbc
colon <- survival::colon
ovarian <- survival::ovarian

test_that("cox() matches coxph() on lung, veteran, pbc, colon, ovarian", {
  cases <- list(
    list(Surv(time, status) ~ age + sex + factor(ph.ecog) + wt.loss, lung),
    list(Surv(time, status) ~ age + sex + ph.karno + strata(inst), lung),
    list(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior,
         veteran),
    list(Surv(time, status == 2) ~ age + edema + log(bili) + log(albumin) +
           log(protime), pbc),
    list(Surv(time, status) ~ rx + sex + age + obstruct + nodes +
           strata(etype), colon),
    list(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian)
  )
  for (cs in cases) {
    for (ties in c("efron", "breslow")) {
      fit <- epv_ok(cox(cs[[1]], data = cs[[2]], ties = ties,
                        control = tight))
      ref <- ref_coxph(cs[[1]], data = cs[[2]], ties = ties)
      expect_matches_coxph(fit, ref)
    }
  }
})

# Random data with heavy ties, strata, factors, offsets and case weights.
sim_ties <- function(n, seed) {
  set.seed(seed)
  data.frame(
    time = sample(1:12, n, replace = TRUE),
    status = rbinom(n, 1, 0.7),
    x1 = rnorm(n),
    x2 = rbinom(n, 1, 0.4),
    g = factor(sample(c("a", "b", "c"), n, replace = TRUE)),
    s = sample(1:3, n, replace = TRUE),
    off = runif(n, -0.5, 0.5),
    wi = sample(1:4, n, replace = TRUE),
    wr = runif(n, 0.2, 3)
  )
}

test_that("cox() matches coxph() with heavy ties, strata, offsets, weights", {
  d <- sim_ties(400, 1)
  for (ties in c("efron", "breslow")) {
    f <- Surv(time, status) ~ x1 + x2 + g + strata(s) + offset(off)
    expect_matches_coxph(cox(f, d, ties = ties, control = tight),
                         ref_coxph(f, d, ties = ties))
    # integer weights: coxph keeps the model-based variance
    expect_matches_coxph(cox(f, d, weights = wi, ties = ties, control = tight),
                         ref_coxph(f, d, weights = "wi", ties = ties))
    # non-integer weights: compare with coxph's model-based variance
    expect_matches_coxph(
      cox(Surv(time, status) ~ x1 * g + x2, d, weights = wr, ties = ties,
          control = tight),
      ref_coxph(Surv(time, status) ~ x1 * g + x2, d, weights = "wr",
                ties = ties, robust = FALSE)
    )
  }
})

test_that("cox() matches coxph() on larger random data and a few events", {
  set.seed(7)
  n <- 3000
  d <- data.frame(x1 = rnorm(n), x2 = rnorm(n), x3 = rbinom(n, 1, 0.3))
  d$time <- round(rexp(n, exp(0.5 * d$x1 - 0.3 * d$x3)), 2)
  d$status <- rbinom(n, 1, 0.5)
  for (ties in c("efron", "breslow")) {
    expect_matches_coxph(
      cox(Surv(time, status) ~ x1 + x2 + x3, d, ties = ties, control = tight),
      ref_coxph(Surv(time, status) ~ x1 + x2 + x3, d, ties = ties)
    )
  }
  d2 <- d[1:40, ]
  d2$status <- 0
  d2$status[c(3, 9, 17)] <- 1
  expect_matches_coxph(
    epv_ok(cox(Surv(time, status) ~ x1 + x2, d2, control = tight)),
    ref_coxph(Surv(time, status) ~ x1 + x2, d2)
  )
})

test_that("init and iter_max = 0 give coxph's loglik and score test at init", {
  d <- sim_ties(300, 2)
  init <- c(0.2, -0.3, 0.1, 0.4)
  for (ties in c("efron", "breslow")) {
    fit <- cox(Surv(time, status) ~ x1 + x2 + g, d, ties = ties, init = init,
               control = cox_control(iter_max = 0))
    ref <- survival::coxph(Surv(time, status) ~ x1 + x2 + g, d, ties = ties,
                           init = init, iter.max = 0)
    expect_equal(unname(fit$coefficients), init)
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-12)
    expect_equal(fit$score, ref$score, tolerance = 1e-10)
    expect_equal(unname(fit$var), unname(ref$var), tolerance = 1e-10)
    # and a full fit from init converges to the same solution
    fit2 <- cox(Surv(time, status) ~ x1 + x2 + g, d, ties = ties, init = init,
                control = tight)
    ref2 <- ref_coxph(Surv(time, status) ~ x1 + x2 + g, d, ties = ties,
                      init = init)
    expect_matches_coxph(fit2, ref2)
  }
})

test_that("cox_fit() on a matrix equals cox() and coxph.fit()", {
  d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.karno", "inst")])
  x <- as.matrix(d[, c("age", "sex", "ph.karno")])
  fit <- cox_fit(x, Surv(d$time, d$status), strata = d$inst, control = tight)
  fit2 <- cox(Surv(time, status) ~ age + sex + ph.karno + strata(inst), d,
              control = tight)
  expect_identical(fit$coefficients, fit2$coefficients)
  expect_identical(fit$var, fit2$var)
  expect_identical(fit$loglik, fit2$loglik)
  y <- survival::Surv(d$time, d$status)
  ref <- survival::coxph.fit(x, y, strata = d$inst, offset = NULL,
                             init = NULL,
                             control = survival::coxph.control(iter.max = 50),
                             weights = NULL, method = "efron",
                             rownames = NULL)
  expect_equal(unname(fit$coefficients), unname(ref$coefficients),
               tolerance = 1e-8)
  expect_equal(fit$means, ref$means, ignore_attr = TRUE, tolerance = 1e-14)
  # a vector is one covariate; a logical status column is accepted
  f1 <- cox_fit(d$age, cbind(d$time, d$status == 2))
  expect_named(f1$coefficients, "x")
  # a matrix without column names: coefficients x1, x2, ...; the same
  # numbers as with names
  xu <- unname(x)
  fu <- cox_fit(xu, Surv(d$time, d$status), strata = d$inst, control = tight)
  expect_named(fu$coefficients, c("x1", "x2", "x3"))
  expect_identical(dimnames(fu$var), list(c("x1", "x2", "x3"), c("x1", "x2", "x3")))
  expect_identical(unname(fu$coefficients), unname(fit$coefficients))
  # the null model
  f0 <- cox_fit(NULL, Surv(d$time, d$status))
  expect_length(f0$coefficients, 0)
  expect_equal(f0$loglik,
               survival::coxph(Surv(time, status) ~ 1, d)$loglik,
               tolerance = 1e-12)
})

# Closed form ------------------------------------------------------------------

# The small data set of Therneau and Grambsch's appendix (survival's own
# test "book1"): after the row with a missing status is removed, six
# subjects; two tied deaths at t = 6 (x = 1 and x = 0).
#   t = 1: risk set x = {0, 1, 1, 1, 0, 0}, one death with x = 1
#   t = 6: risk set x = {0, 1, 0, 0}, deaths x = 1 and x = 0
#   t = 9: risk set x = {0}, one death with x = 0 (contributes 0)
# With r = exp(b):
#   Breslow: l = 2b - log(3r + 3) - 2 log(r + 3)
#            U = 2 - r/(r + 1) - 2r/(r + 3)
#            I = r/(r + 1)^2 + 6r/(r + 3)^2
#   Efron:   the second term at t = 6 removes half the deaths' risk,
#            (r + 3) - (r + 1)/2 = (r + 5)/2, with risk-weighted mean of x
#            (r/2) / ((r + 5)/2) = r/(r + 5):
#            l = 2b - log(3r + 3) - log(r + 3) - log((r + 5)/2)
#            U = 2 - r/(r + 1) - r/(r + 3) - r/(r + 5)
#            I = r/(r + 1)^2 + 3r/(r + 3)^2 + 5r/(r + 5)^2
# Breslow's MLE solves U = 0: -r^2 + 3r + 6 = 0, r = (3 + sqrt(33)) / 2.
book <- data.frame(time = c(9, 1, 1, 6, 6, 8), status = c(1, 1, 0, 1, 1, 0),
                   x = c(0, 1, 1, 1, 0, 0))
by_hand <- list(
  breslow = list(
    l = function(b) { r <- exp(b); 2 * b - log(3 * r + 3) - 2 * log(r + 3) },
    u = function(b) { r <- exp(b); 2 - r / (r + 1) - 2 * r / (r + 3) },
    i = function(b) { r <- exp(b); r / (r + 1)^2 + 6 * r / (r + 3)^2 }
  ),
  efron = list(
    l = function(b) {
      r <- exp(b)
      2 * b - log(3 * r + 3) - log(r + 3) - log((r + 5) / 2)
    },
    u = function(b) {
      r <- exp(b)
      2 - r / (r + 1) - r / (r + 3) - r / (r + 5)
    },
    i = function(b) {
      r <- exp(b)
      r / (r + 1)^2 + 3 * r / (r + 3)^2 + 5 * r / (r + 5)^2
    }
  )
)

test_that("loglik, score and information agree with the hand-worked example", {
  x <- matrix(book$x, dimnames = list(NULL, "x"))
  for (ties in c("breslow", "efron")) {
    h <- by_hand[[ties]]
    for (b in c(0, 0.5, -1, 1.4)) {
      # the engine evaluated at beta = b (no iteration): loglik, score U(b)
      # and variance 1 / I(b)
      ev <- cox_fit(x, Surv(book$time, book$status), init = b, ties = ties,
                    control = cox_control(iter_max = 0, timefix = FALSE))
      expect_equal(ev$loglik[1], h$l(b), tolerance = 1e-14)
      expect_equal(unname(ev$u), h$u(b), tolerance = 1e-14)
      expect_equal(1 / drop(ev$var), h$i(b), tolerance = 1e-14)
    }
    fit <- epv_ok(cox(Surv(time, status) ~ x, book, ties = ties,
                      control = tight))
    # at beta = 0
    expect_equal(fit$loglik[1], h$l(0), tolerance = 1e-14)
    expect_equal(fit$score, h$u(0)^2 / h$i(0), tolerance = 1e-14)
    # at the MLE
    bhat <- uniroot(h$u, c(0, 5), tol = 1e-14)$root
    expect_equal(unname(fit$coefficients), bhat, tolerance = 1e-9)
    expect_equal(fit$loglik[2], h$l(bhat), tolerance = 1e-14)
    expect_equal(drop(fit$var), 1 / h$i(bhat), tolerance = 1e-9)
  }
  expect_equal(by_hand$breslow$l(0), -log(6) - 2 * log(4))
  expect_equal(by_hand$breslow$u(0), 1)
  expect_equal(by_hand$breslow$i(0), 5 / 8)
  fit <- epv_ok(cox(Surv(time, status) ~ x, book, ties = "breslow",
                    control = tight))
  expect_equal(unname(exp(fit$coefficients)), (3 + sqrt(33)) / 2,
               tolerance = 1e-10)
})

test_that("Efron with case weights uses the mean weight of the tied deaths", {
  # Two tied deaths at t = 2 with weights 1 and 3 (x = 1 and x = 0), one
  # censored subject (x = 0, weight 2) at t = 3. Risk set at t = 2:
  # w e^(bx) = r, 3, 2; deaths' risk r + 3. Mean death weight 2:
  #   l = 1*b + 3*0 - 2 [log(r + 5) + log(r + 5 - (r + 3)/2)]
  d <- data.frame(time = c(2, 2, 3), status = c(1, 1, 0), x = c(1, 0, 0),
                  w = c(1, 3, 2))
  l <- function(b) {
    r <- exp(b)
    b - 2 * (log(r + 5) + log(r + 5 - (r + 3) / 2))
  }
  ev <- cox_fit(d$x, Surv(d$time, d$status), weights = d$w, init = 0.7,
                control = cox_control(iter_max = 0, timefix = FALSE))
  expect_equal(ev$loglik[1], l(0.7), tolerance = 1e-14)
  num_u <- (l(0.7 + 1e-5) - l(0.7 - 1e-5)) / 2e-5
  expect_equal(unname(ev$u), num_u, tolerance = 1e-8)
})

# Input errors of cox_fit() ---------------------------------------------------

test_that("cox_fit() validates its input with classed errors", {
  x <- matrix(rnorm(20), 10)
  t <- 1:10
  s <- rep(c(0, 1), 5)
  y <- cbind(t, s)
  expect_error(cox_fit(x, cbind(t, 0)), class = "survstep_error_input")
  expect_error(cox_fit(x, cbind(-t, s)), class = "survstep_error_input")
  expect_error(cox_fit(x, cbind(t, s + 2)), class = "survstep_error_input")
  expect_error(cox_fit(x[1:5, ], y), class = "survstep_error_input")
  expect_error(cox_fit(cbind(x, 1), y), class = "survstep_error_input")
  expect_error(cox_fit(x, y, init = 1), class = "survstep_error_input")
  expect_error(cox_fit(x, y, init = c(1000, 1000)),
               class = "survstep_error_input")
  expect_error(cox_fit(x, y, weights = rep(0, 10)),
               class = "survstep_error_input")
  expect_error(cox_fit(x, y, ties = "exakt"), class = "survstep_error_input")
  expect_error(cox_fit(x, y, control = list(eps = -1)),
               class = "survstep_error_input")
  expect_error(cox_fit(data.frame(x), y), class = "survstep_error_input")
  # the old (x, time, status) form is an error, not a silent misfit
  expect_error(cox_fit(x, t, s), class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox_fit(x, cbind(t, 0))
    cox_fit(cbind(x, a = 1), y)
    cox_fit(x, y, init = c(1000, 1000))
    cox_fit(x, y, init = 1:3)
    cox_fit(x, t, s)
  })
})

# Problems of the fit: classed warnings and usable objects --------------------

test_that("collinear columns give NA coefficients and a singular warning", {
  d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.karno")])
  d$both <- d$age + 2 * d$sex
  expect_warning(
    fit <- cox(Surv(time, status) ~ age + sex + both + ph.karno, d),
    class = "survstep_warning_singular"
  )
  ref <- survival::coxph(Surv(time, status) ~ age + sex + both + ph.karno, d)
  expect_identical(is.na(fit$coefficients), is.na(ref$coefficients))
  expect_equal(fit$coefficients, ref$coefficients, tolerance = 1e-6)
  expect_true(fit$aliased[["both"]])
  expect_equal(nobs(fit), ref$nevent)
  expect_equal(attr(logLik(fit), "df"), 3)
  expect_true(all(is.na(vcov(fit)["both", ])))
  expect_length(predict(fit), nrow(d))
  expect_snapshot(fit)
})

test_that("monotone likelihood gives an infinite-coefficient warning naming the term", {
  set.seed(5)
  d <- data.frame(time = rexp(40), age = rnorm(40),
                  grp = factor(rep(c("low", "high"), each = 20),
                               levels = c("low", "high")))
  d$status <- as.integer(d$grp == "high" | runif(40) < 0.3)
  d$status[d$grp == "low"] <- 0L
  expect_warning(fit <- cox(Surv(time, status) ~ age + grp, d),
                 class = "survstep_warning_infinite_coef")
  cnd <- tryCatch(cox(Surv(time, status) ~ age + grp, d),
                  survstep_warning_infinite_coef = function(w) w)
  expect_match(conditionMessage(cnd), "grphigh")
  expect_match(conditionMessage(cnd), "term `grp`")
  ref <- suppressWarnings(survival::coxph(Surv(time, status) ~ age + grp, d))
  expect_equal(fit$coefficients, ref$coefficients, tolerance = 1e-6)
  expect_true(fit$infinite[["grphigh"]])
  expect_false(fit$infinite[["age"]])
  expect_true(is.finite(fit$coefficients[["grphigh"]]))
  expect_s3_class(summary(fit), "summary_survstep_cox")
})

test_that("running out of iterations gives a convergence warning", {
  expect_warning(
    fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, lung,
               control = cox_control(iter_max = 1)),
    class = "survstep_warning_convergence"
  )
  expect_false(fit$converged)
  expect_true(all(is.finite(fit$coefficients)))
  expect_true(all(is.finite(fit$var)))
  expect_output(print(fit), "Likelihood ratio test")
})

test_that("cox_wald_cols() gives the multi-df Wald test b' V^-1 b", {
  fit <- cox(Surv(time, status) ~ age + sex + factor(ph.ecog), lung)
  cols <- fit$assign[["factor(ph.ecog)"]]
  b <- fit$coefficients[cols]
  v <- fit$var[cols, cols]
  w <- cox_wald_cols(fit, cols)
  expect_equal(w[["statistic"]], drop(t(b) %*% solve(v) %*% b),
               tolerance = 1e-10)
  expect_equal(w[["df"]], 3)
  expect_equal(w[["p.value"]], pchisq(w[["statistic"]], 3, lower.tail = FALSE))
})

test_that("every column count (unrolled and general kernels) matches coxph", {
  set.seed(11)
  n <- 300
  X <- matrix(rnorm(n * 12), n, 12, dimnames = list(NULL, paste0("z", 1:12)))
  d <- data.frame(X, time = sample(1:30, n, replace = TRUE),
                  status = rbinom(n, 1, 0.6), s = sample(1:2, n, TRUE))
  for (p in c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12)) {
    f <- stats::reformulate(c(paste0("z", seq_len(p)), "strata(s)"),
                            response = quote(Surv(time, status)))
    for (ties in c("efron", "breslow")) {
      expect_matches_coxph(cox(f, d, ties = ties, control = tight),
                           ref_coxph(f, d, ties = ties))
    }
  }
})

test_that("concordance of a given risk score equals survival::concordancefit()", {
  set.seed(21)
  n <- 500
  time <- sample(1:60, n, replace = TRUE)
  status <- rbinom(n, 1, 0.6)
  risk <- round(rnorm(n), 1)
  w <- runif(n, 0.5, 2)
  st <- sample(1:3, n, replace = TRUE)
  y <- survival::Surv(time, status)
  for (args in list(list(NULL, NULL), list(w, NULL), list(NULL, st),
                    list(w, st))) {
    # cox() at beta = 1 without iterating: the linear predictor is the
    # score (up to a constant, which the concordance does not see)
    d <- data.frame(time, status, risk, w = if (is.null(args[[1]])) 1 else
      args[[1]], st = if (is.null(args[[2]])) 1 else args[[2]])
    f <- if (is.null(args[[2]])) Surv(time, status) ~ risk else
      Surv(time, status) ~ risk + strata(st)
    fit <- if (is.null(args[[1]])) {
      cox(f, d, init = 1, control = cox_control(iter_max = 0))
    } else {
      cox(f, d, weights = w, init = 1, control = cox_control(iter_max = 0))
    }
    ours <- fit$concordance
    ref <- survival::concordancefit(y, risk, strata = args[[2]],
                                    weights = args[[1]], reverse = TRUE)
    counts <- if (is.matrix(ref$count)) colSums(ref$count) else ref$count
    expect_equal(unname(ours[1:5]), unname(counts), tolerance = 1e-10)
    expect_equal(ours[["concordance"]], ref$concordance, tolerance = 1e-10)
    expect_equal(ours[["std"]], sqrt(ref$var), tolerance = 1e-10)
  }
})

test_that("Ctrl-C stops cox() at n = 5e6 within half a second of the signal", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  # a child process fits cox() on 5e6 rows (several seconds) and gets SIGINT
  # 1 s into the C++ engine (helper-interrupt.R); without the interrupt
  # checks the child would run to the end of the fit
  r <- sv_interrupt_latency(
    setup = c("set.seed(1); n <- 5e6",
              "d <- data.frame(time = rexp(n), status = rbinom(n, 1, 0.7),",
              "                x1 = rnorm(n), x2 = rnorm(n), x3 = rnorm(n))"),
    expr = "cox(Surv(time, status) ~ x1 + x2 + x3, data = d)",
    engine = "cox_fit_cpp", delay = 1
  )
  expect_interrupted_within(r)
})

test_that("a diverging coefficient gives one consistent fit (monotone likelihood)", {
  # x separates the events (all before the x = 1 rows): its coefficient runs
  # off to -Inf. With tight control the information of x vanishes before the
  # log-likelihood stops moving; the fit keeps the large coefficient (as
  # coxph's loglik and linear predictors do) and flags it as infinite, so
  # that loglik, linear predictors, predict(), concordance and logLik() are
  # all at the reported coefficients.
  d <- data.frame(time = 1:8, status = c(1, 1, 1, 0, 1, 0, 0, 0),
                  x = c(0, 0, 0, 0, 0, 1, 1, 1),
                  z = c(0.3, -1.2, 0.5, 2.1, -0.4, 0.9, -0.7, 1.4))
  f <- Surv(time, status) ~ x + z
  for (ties in c("efron", "breslow")) {
    expect_warning(
      epv_ok(fit <- cox(f, d, ties = ties,
                        control = cox_control(eps = 1e-12, iter_max = 100))),
      class = "survstep_warning_infinite_coef")
    ref <- suppressWarnings(survival::coxph(
      f, d, ties = ties,
      control = survival::coxph.control(eps = 1e-12, iter.max = 100)))
    b <- coef(fit)
    expect_false(anyNA(b))
    expect_lt(b[["x"]], -20)
    expect_true(fit$infinite[["x"]])
    expect_false(any(fit$aliased))
    expect_equal(b[["z"]], coef(ref)[["z"]], tolerance = 1e-8)
    # coxph's loglik and linear predictors include the diverged coefficient
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
    at_b <- survival::coxph(f, d, ties = ties, init = b,
                            control = survival::coxph.control(iter.max = 0))
    expect_equal(fit$loglik[2], at_b$loglik[2], tolerance = 1e-10)
    expect_equal(as.numeric(logLik(fit)), fit$loglik[2])
    lp <- drop(scale(as.matrix(d[c("x", "z")]), center = fit$means,
                     scale = FALSE) %*% b)
    expect_equal(fit$linear.predictors, lp, tolerance = 1e-10)
    expect_equal(unname(predict(fit)), lp, tolerance = 1e-10)
    conc <- survival::concordance(survival::Surv(d$time, d$status) ~ lp,
                                  reverse = TRUE)
    expect_equal(fit$concordance[["concordance"]], conc$concordance,
                 tolerance = 1e-12)
    expect_equal(fit$concordance[["concordance"]],
                 ref$concordance[["concordance"]], tolerance = 1e-12)
    # the variance of the diverged coefficient is huge, not zero
    expect_gt(fit$var["x", "x"], 1e6)
  }
})

test_that("a coefficient without information is NA, as coxph gives", {
  # one event; everyone at risk at it has x = 1, so x cancels from the
  # partial likelihood at every beta (its computed information is rounding
  # noise, which a relative tolerance can't see when x is alone)
  d <- data.frame(time = 1:4, status = c(0, 0, 1, 0), x = c(0, 0, 1, 1),
                  z = c(0.5, -1, 2, 0.3),
                  w = c(1, 1, 1, 28666852))
  for (wt in list(NULL, d$w)) {
    d$wt <- if (is.null(wt)) 1 else wt
    expect_warning(epv_ok(fit <- cox(Surv(time, status) ~ x, d,
                                     weights = wt)),
                   class = "survstep_warning_singular")
    ref <- survival::coxph(Surv(time, status) ~ x, d, weights = wt)
    expect_true(is.na(coef(fit)[["x"]]))
    expect_true(is.na(coef(ref)[["x"]]))
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
    expect_identical(fit$wald.test, numeric(0))
    expect_identical(ref$wald.test, numeric(0))
    # with an estimable covariate beside it: only x is NA
    expect_warning(epv_ok(fit2 <- cox(Surv(time, status) ~ x + z, d,
                                      weights = wt)),
                   class = "survstep_warning_singular")
    expect_true(is.na(coef(fit2)[["x"]]))
    expect_false(is.na(coef(fit2)[["z"]]))
  }
})

test_that("weights whose log-likelihood overflows are a classed error", {
  d <- data.frame(time = 1:6, status = c(1, 0, 1, 0, 1, 0),
                  x = c(0, 1, 0, 1, 1, 0))
  d$w <- c(1, 1, 1e308, 1, 1, 1)
  expect_error(cox(Surv(time, status) ~ x, d, weights = w),
               class = "survstep_error_overflow")
  d$w2 <- c(1, 1, 1e308, 1e308, 1, 1)
  expect_error(cox(Surv(time, status) ~ x, d, weights = w2),
               class = "survstep_error_overflow")
  expect_snapshot(error = TRUE, {
    cox(Surv(time, status) ~ x, d, weights = w)
    cox(Surv(time, status) ~ x, d, weights = w2)
  })
})
