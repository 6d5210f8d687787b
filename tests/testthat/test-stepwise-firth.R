# cox_stepwise(firth = TRUE) against an independent reference written here
# with survival::coxph() and optim() only (no survstep code):
#
# - the penalized log-likelihood of a model on columns C at b is
#     l*(b) = coxph(y ~ X[, C], init = b, iter.max = 0)$loglik
#             + 1/2 log det I(b),  I(b) = solve(that fit's var);
#   the empty model's is l(0) (no penalty);
# - the penalized fit maximises l* with optim() (BFGS), polished by
#   Firth's modified Newton steps b + I^-1 U* with U* the numerical
#   (central-difference) gradient of l*;
# - entry (Heinze & Schemper 2001 / coxphf conventions): the penalized
#   score test at (b*_M, 0) in the model [M, E], U*' I^-1 U* with U* the
#   numerical gradient of l* of [M, E] there and I its information;
# - removal: penalized likelihood ratio 2 [l*(b*_M) - max l*_M(b_E = 0)]
#   (the same columns, E's coefficients held at 0, as coxphf's
#   coxphftest), or the Wald statistic b*_E' V_EE^-1 b*_E, V = I(b*)^-1;
# - SPSS rules: smallest p enters when p <= p_enter; after each entry the
#   largest p >= p_remove leaves, repeated; stop when nothing qualifies or
#   the next model was visited.

ref_firth_stepwise <- function(formula, data, p_enter = 0.05,
                               p_remove = 0.10, removal = "lr",
                               direction = "forward", ties = "breslow") {
  des <- ref_term_design(formula, data)
  y <- des$y
  X <- des$X
  labels <- des$labels
  cols_of <- des$cols_of
  l0 <- survival::coxph(y ~ 1, ties = ties)$loglik[1]
  at <- function(cols, b) {
    Xs <- X[, cols, drop = FALSE]
    survival::coxph(y ~ Xs, ties = ties, init = b,
                    control = survival::coxph.control(iter.max = 0))
  }
  pl <- function(cols, b) {
    if (!length(cols)) return(l0)
    f <- at(cols, b)
    f$loglik[1] - 0.5 * as.numeric(determinant(f$var)$modulus)
  }
  grad <- function(cols, b, h = 1e-5) {
    vapply(seq_along(b), function(j) {
      e <- replace(numeric(length(b)), j, h)
      (pl(cols, b + e) - pl(cols, b - e)) / (2 * h)
    }, 0)
  }
  # maximise l* over the coefficients not in `zero` (positions in cols)
  pfit <- function(cols, zero = integer()) {
    p <- length(cols)
    if (!p) return(list(b = numeric(0), loglik = l0))
    free <- setdiff(seq_len(p), zero)
    full <- function(bf) replace(numeric(p), free, bf)
    if (!length(free)) {
      return(list(b = numeric(p), loglik = pl(cols, numeric(p))))
    }
    # start at the ordinary estimate of the free columns (finite here),
    # columns on a common scale
    Xf <- X[, cols[free], drop = FALSE]
    b0 <- unname(stats::coef(suppressWarnings(
      survival::coxph(y ~ Xf, ties = ties))))
    b0[!is.finite(b0) | abs(b0) > 10 / apply(Xf, 2, stats::sd)] <- 0
    o <- stats::optim(b0,
                      function(bf) -pl(cols, full(bf)),
                      function(bf) -grad(cols, full(bf))[free],
                      method = "BFGS",
                      control = list(reltol = 1e-14, maxit = 500,
                                     parscale = 1 / apply(Xf, 2, stats::sd)))
    b <- full(o$par)
    for (it in 1:50) {
      u <- grad(cols, b)[free]
      v <- solve(solve(at(cols, b)$var)[free, free, drop = FALSE])
      step <- drop(v %*% u)
      b[free] <- b[free] + step
      if (max(abs(step)) < 1e-10) break
    }
    list(b = b, loglik = pl(cols, b), var = at(cols, b)$var)
  }
  score_stat <- function(model, fit, e) {
    cols <- c(cols_of(model), cols_of(e))
    b <- c(fit$b, rep(0, length(cols_of(e))))
    u <- grad(cols, b)
    drop(t(u) %*% at(cols, b)$var %*% u)
  }
  removal_stat <- function(model, fit, e) {
    pos <- match(cols_of(e), cols_of(model))
    if (removal == "wald") {
      b <- fit$b[pos]
      return(drop(t(b) %*% solve(fit$var[pos, pos, drop = FALSE], b)))
    }
    2 * (fit$loglik - pfit(cols_of(model), zero = pos)$loglik)
  }
  ordered <- function(terms) labels[labels %in% terms]
  model <- if (direction == "backward") labels else character()
  fit <- pfit(cols_of(model))
  visited <- paste(model, collapse = "+")
  steps <- data.frame(action = "start", term = NA_character_,
                      statistic = NA_real_, df = NA_real_, p.value = NA_real_,
                      loglik = fit$loglik, stringsAsFactors = FALSE)
  record <- function(action, term, stat) {
    df <- length(cols_of(term))
    steps[nrow(steps) + 1L, ] <<- list(
      action, term, stat, df, stats::pchisq(stat, df, lower.tail = FALSE),
      fit$loglik)
  }
  repeat {
    stop <- FALSE
    while (length(model)) {
      r <- vapply(model, function(e) removal_stat(model, fit, e), 0)
      p <- stats::pchisq(r, lengths(lapply(model, cols_of)),
                         lower.tail = FALSE)
      k <- which.max(p)
      if (!(p[k] >= p_remove)) break
      nm <- setdiff(model, model[k])
      if (paste(nm, collapse = "+") %in% visited) {
        stop <- TRUE
        break
      }
      gone <- model[k]
      model <- nm
      fit <- pfit(cols_of(model))
      visited <- c(visited, paste(model, collapse = "+"))
      record("remove", gone, unname(r[k]))
    }
    if (stop) break
    cand <- setdiff(labels, model)
    if (!length(cand)) break
    s <- vapply(cand, function(e) score_stat(model, fit, e), 0)
    p <- stats::pchisq(s, lengths(lapply(cand, cols_of)), lower.tail = FALSE)
    k <- which.min(p)
    if (!(p[k] <= p_enter)) break
    nm <- ordered(c(model, cand[k]))
    if (paste(nm, collapse = "+") %in% visited) break
    model <- nm
    fit <- pfit(cols_of(model))
    visited <- c(visited, paste(model, collapse = "+"))
    record("enter", cand[k], unname(s[k]))
  }
  list(steps = steps, model = model, coef = fit$b, loglik = fit$loglik)
}

expect_same_firth_run <- function(fit, ref) {
  expect_same_steps(fit, ref, tol = 1e-5, loglik_tol = 1e-8)
}

# 40 patients, no event with x1 = 0: the ordinary likelihood is monotone in
# x1 (coxph's coefficient diverges), the penalized one has a finite maximum
firth_mono <- local({
  set.seed(2)
  n <- 40
  d <- data.frame(x1 = stats::rbinom(n, 1, 0.5), x2 = stats::rnorm(n),
                  x3 = stats::rnorm(n))
  d$time <- round(stats::rexp(n, exp(0.8 * d$x2)), 1)
  d$status <- stats::rbinom(n, 1, 0.7)
  d$status[d$x1 == 0] <- 0
  d
})
f_mono <- Surv(time, status) ~ x1 + x2 + x3

firth_lung <- survival::lung[stats::complete.cases(
  survival::lung[, c("time", "status", "age", "sex", "ph.ecog",
                     "wt.loss")]), ]
f_flung <- Surv(time, status) ~ age + sex + ph.ecog + wt.loss

test_that("the monotone-likelihood case: same steps as the reference", {
  skip_on_cran()
  expect_warning(survival::coxph(f_mono, data = firth_mono),
                 "infinite")
  for (ties in c("breslow", "efron")) {
    fit <- quiet_epv(cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                                    ties = ties, p_enter = 0.5,
                                    p_remove = 0.55))
    ref <- ref_firth_stepwise(f_mono, firth_mono, p_enter = 0.5,
                              p_remove = 0.55, ties = ties)
    expect_same_firth_run(fit, ref)
    expect_identical(fit$steps$term[2], "x1")
    expect_true(is.finite(coef(fit)[["x1"]]))
  }
  # Wald removal of the penalized fit
  fit <- quiet_epv(cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                                  ties = "breslow", removal = "wald",
                                  direction = "backward", p_enter = 0.05,
                                  p_remove = 0.10))
  ref <- ref_firth_stepwise(f_mono, firth_mono, removal = "wald",
                            direction = "backward", p_enter = 0.05,
                            p_remove = 0.10)
  expect_same_firth_run(fit, ref)
  expect_true("remove" %in% fit$steps$action)
})

test_that("lung subsets: same steps as the reference", {
  skip_on_cran()
  subsets <- list(firth_lung[1:60, ], firth_lung[61:140, ])
  for (d in subsets) {
    for (dir in c("forward", "backward")) {
      fit <- quiet_epv(cox_stepwise(f_flung, data = d, firth = TRUE,
                                      ties = "breslow", direction = dir,
                                      p_enter = 0.3, p_remove = 0.35))
      ref <- ref_firth_stepwise(f_flung, d, p_enter = 0.3, p_remove = 0.35,
                                direction = dir)
      expect_same_firth_run(fit, ref)
    }
  }
  # the backward run on the first subset removes terms
  fit <- quiet_epv(cox_stepwise(f_flung, data = subsets[[1]], firth = TRUE,
                                  ties = "breslow", direction = "backward",
                                  p_enter = 0.3, p_remove = 0.35))
  expect_true("remove" %in% fit$steps$action)
})

test_that("a factor among the candidates enters as a penalized block", {
  skip_on_cran()
  d <- firth_lung[1:90, ]
  d$ph.ecog <- factor(d$ph.ecog)
  f <- Surv(time, status) ~ age + ph.ecog + sex
  fit <- quiet_epv(cox_stepwise(f, data = d, firth = TRUE, ties = "efron",
                                p_enter = 0.2, p_remove = 0.25))
  ref <- ref_firth_stepwise(f, d, p_enter = 0.2, p_remove = 0.25,
                            ties = "efron")
  expect_same_firth_run(fit, ref)
  expect_true(any(fit$steps$df > 1, na.rm = TRUE))
})

test_that("the final model is cox(firth = TRUE) on the selected terms", {
  fit <- quiet_epv(cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                                  ties = "breslow", p_enter = 0.5,
                                  p_remove = 0.55))
  form <- stats::reformulate(fit$selected, response = quote(Surv(time, status)))
  direct <- quiet_epv(cox(form, data = firth_mono, ties = "breslow",
                            firth = TRUE))
  expect_true(fit$final$firth)
  expect_equal(coef(fit), coef(direct), tolerance = 1e-8)
  expect_equal(confint(fit), confint(direct), tolerance = 1e-8)
  expect_equal(fit$final$profile$p.value, direct$profile$p.value,
               tolerance = 1e-8)
  expect_true(isTRUE(fit$final$call$firth))
  # the steps' log-likelihood is the penalized one of that model
  expect_equal(fit$steps$loglik[nrow(fit$steps)],
               as.numeric(logLik(direct)), tolerance = 1e-8)
  expect_identical(fit$removal, "lr")
  expect_snapshot(print(fit))
})

test_that("the bootstrap refuses a Firth selection (not implemented)", {
  fit <- quiet_epv(cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                                  p_enter = 0.5, p_remove = 0.55))
  expect_error(cox_stepwise_boot(fit, B = 5, seed = 1),
               class = "survstep_error_not_implemented")
  expect_error(cox_validate(fit, B = 5, seed = 1),
               class = "survstep_error_not_implemented")
})

test_that("bad Firth-selection input gives classed errors", {
  expect_snapshot(error = TRUE, {
    cox_stepwise(f_mono, data = firth_mono, firth = TRUE, style = "sas")
    cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                 removal = "conditional")
    cox_stepwise(f_mono, data = firth_mono, firth = TRUE, ties = "exact")
    cox_stepwise(f_mono, data = firth_mono, firth = NA)
  })
  expect_error(cox_stepwise(f_mono, data = firth_mono, firth = TRUE,
                            removal = "conditional"),
               class = "survstep_error_firth")
})
