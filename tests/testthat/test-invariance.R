# Unit invariance (vignettes/methods.Rmd, "Scale invariance"): rescaling a
# covariate by any factor in [1e-8, 1e8] and shifting it must leave every
# statistic of cox(), cox_univariable() and cox_stepwise() unchanged
# (coefficients and standard errors of the rescaled column transform as
# b / a), every selection decision identical, and aliasing detection
# unchanged.

inv_tol <- 1e-8

# The rescaled data: column `col` becomes x * a + s, with the shift a
# multiple of the new column's spread (a shift far larger than the spread
# loses the column's digits in any implementation).
inv_rescale <- function(d, col, a, k) {
  x <- d[[col]] * a
  d[[col]] <- x + k * stats::sd(x)
  d
}

# Random factors in [1e-8, 1e8] (log-uniform; the first one at an end) and
# shifts; columns drawn from `cols`.
inv_draws <- function(cols, n, seed) {
  set.seed(seed)
  a <- 10^stats::runif(n, -8, 8)
  a[1] <- c(1e-8, 1e8)[seed %% 2 + 1]
  data.frame(col = sample(cols, n, replace = TRUE), a = a,
             k = stats::runif(n, -5, 5), stringsAsFactors = FALSE)
}

inv_lung <- local({
  d <- survival::lung
  keep <- stats::complete.cases(d[, c("time", "status", "age", "sex",
                                      "ph.karno", "wt.loss", "ph.ecog")])
  d <- d[keep, ]
  d$ph.ecog <- factor(d$ph.ecog)
  d
})

inv_veteran <- local({
  d <- survival::veteran
  d$celltype <- factor(d$celltype)
  d
})

inv_pbc <- local({
  d <- survival::pbc[1:312, ]
  d <- d[stats::complete.cases(d[, c("age", "bili", "albumin", "protime",
                                     "edema", "stage")]), ]
  d$stage <- factor(d$stage)
  d$lbili <- log(d$bili)
  d$death <- as.integer(d$status == 2)
  d
})

# Random data: heavy ties in time, a 3-level factor, strata, a binary and
# two continuous covariates of very different spread.
inv_random <- function(seed, n = 150) {
  set.seed(seed)
  x1 <- stats::rnorm(n)
  x2 <- stats::rexp(n) * 50
  g <- factor(sample(c("a", "b", "c"), n, replace = TRUE))
  b <- stats::rbinom(n, 1, 0.4)
  st <- sample(1:2, n, replace = TRUE)
  eta <- 0.5 * x1 + 0.01 * x2 + 0.4 * (g == "b") + 0.3 * b
  t <- ceiling(stats::rexp(n, exp(eta)) * 5)
  c <- ceiling(stats::rexp(n, 0.3) * 5)
  data.frame(time = pmin(t, c), status = as.integer(t <= c), x1 = x1,
             x2 = x2, g = g, b = b, st = st)
}

# cox(): coefficients and SEs of column `col` scaled by `a` (b -> b / a),
# everything else equal.
expect_cox_invariant <- function(f0, f1, col, a) {
  b0 <- coef(f0)
  b1 <- coef(f1)
  expect_identical(is.na(b1), is.na(b0))
  b0[col] <- b0[col] / a
  expect_equal(b1, b0, tolerance = inv_tol)
  se0 <- sqrt(diag(vcov(f0)))
  se0[col] <- se0[col] / a
  expect_equal(sqrt(diag(vcov(f1))), se0, tolerance = inv_tol)
  expect_equal(f1$loglik, f0$loglik, tolerance = inv_tol)
  s0 <- summary(f0)
  s1 <- summary(f1)
  for (t in c("logtest", "waldtest", "sctest")) {
    expect_equal(s1[[t]], s0[[t]], tolerance = inv_tol)
  }
  expect_identical(f1$wald.df, f0$wald.df)
  expect_equal(s1$coefficients[, c("z", "Pr(>|z|)")],
               s0$coefficients[, c("z", "Pr(>|z|)")], tolerance = inv_tol)
  expect_equal(f1$concordance, f0$concordance, tolerance = inv_tol)
  # up to a constant: columns with values in {-1, 0, 1} are not centred
  # (as coxph), and a shifted one is
  lp0 <- f0$linear.predictors
  lp1 <- f1$linear.predictors
  expect_equal(lp1 - lp1[1], lp0 - lp0[1], tolerance = inv_tol)
}

expect_stepwise_invariant <- function(s0, s1, col, a) {
  expect_identical(s1$steps$action, s0$steps$action)
  expect_identical(s1$steps$term, s0$steps$term)
  expect_identical(s1$steps$df, s0$steps$df)
  expect_equal(s1$steps$statistic, s0$steps$statistic, tolerance = inv_tol)
  expect_equal(s1$steps$p.value, s0$steps$p.value, tolerance = inv_tol)
  expect_equal(s1$steps$loglik, s0$steps$loglik, tolerance = inv_tol)
  expect_identical(s1$selected, s0$selected)
  expect_identical(s1$stop_reason, s0$stop_reason)
  expect_identical(s1$not_in_model$term, s0$not_in_model$term)
  expect_identical(s1$not_in_model$df, s0$not_in_model$df)
  expect_equal(s1$not_in_model$statistic, s0$not_in_model$statistic,
               tolerance = inv_tol)
  expect_equal(s1$not_in_model$p.value, s0$not_in_model$p.value,
               tolerance = inv_tol)
  expect_equal(s1$residual, s0$residual, tolerance = inv_tol)
  expect_cox_invariant(s0$final, s1$final,
                       intersect(col, names(coef(s0$final))), a)
}

test_that("issue example: rescaling age does not change the selected model", {
  f <- Surv(time, status) ~ age + sex + ph.karno + wt.loss + ph.ecog
  run <- function(d) {
    cox_stepwise(f, data = d, include = "age", p_enter = 0.15,
                 p_remove = 0.2)
  }
  s0 <- run(inv_lung)
  expect_identical(s0$selected, c("age", "sex", "ph.karno", "ph.ecog"))
  # coxph's score test of ph.karno given age + sex + ph.ecog
  m <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog,
                       data = inv_lung)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog + ph.karno,
                         data = inv_lung, init = c(coef(m), 0),
                         iter.max = 0)$score
  expect_equal(s0$steps$statistic[s0$steps$term %in% "ph.karno"], ref,
               tolerance = 1e-6)
  for (a in c(1e5, 1e-8, 1e8)) {
    d <- inv_lung
    d$age <- d$age * a
    s1 <- run(d)
    expect_stepwise_invariant(s0, s1, "age", a)
  }
})

test_that("issue example: the global Wald test and its df are invariant", {
  lung <- survival::lung
  f <- Surv(time, status) ~ age + sex + ph.karno
  f0 <- cox(f, data = lung)
  ref <- survival::coxph(f, data = lung)
  expect_equal(f0$wald.test, ref$wald.test, tolerance = 1e-7)
  expect_identical(f0$wald.df, 3L)
  for (a in c(1e-8, 1e5, 1e8)) {
    d <- lung
    d$age <- d$age * a
    f1 <- cox(f, data = d)
    expect_cox_invariant(f0, f1, "age", a)
    expect_identical(summary(f1)$waldtest[["df"]], 3)
    expect_equal(glance(f1)$p.value.wald, glance(f0)$p.value.wald,
                 tolerance = inv_tol)
  }
})

test_that("the global Wald df is the rank used", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  fit <- cox_fit(as.matrix(lung[, c("age", "sex")]),
                 survival::Surv(lung$time, lung$status == 2))
  expect_identical(fit$wald.df, 2L)
  # a variance of rank 1 whose columns differ in scale by 1e8: df 1, and
  # the same statistic as on a common scale
  v <- tcrossprod(c(1e-8, 1))
  r <- survstep:::cox_wald_cols(list(coefficients = c(1e-8, 1), var = v), 1:2)
  expect_identical(r[["df"]], 1)
  expect_equal(r[["statistic"]], 1, tolerance = 1e-10)
  v2 <- v + diag(c(1e-16, 1)) * 1e-3
  r2 <- survstep:::cox_wald_cols(list(coefficients = c(1e-8, 1), var = v2),
                                 1:2)
  r3 <- survstep:::cox_wald_cols(list(coefficients = c(1, 1),
                                      var = v2 * c(1e8, 1) %o% c(1e8, 1)),
                                 1:2)
  expect_identical(r2[["df"]], 2)
  expect_equal(r3, r2, tolerance = 1e-10)
})

test_that("cox() is invariant on lung, veteran, pbc and random data", {
  cases <- list(
    list(d = inv_lung, f = Surv(time, status) ~ age + sex + ph.karno +
           wt.loss + ph.ecog, cols = c("age", "sex", "ph.karno", "wt.loss")),
    list(d = inv_veteran, f = Surv(time, status) ~ karno + diagtime + age +
           prior + trt + celltype,
         cols = c("karno", "diagtime", "age", "prior", "trt")),
    list(d = inv_pbc, f = Surv(time, death) ~ age + lbili + albumin +
           protime + edema + stage,
         cols = c("age", "lbili", "albumin", "protime", "edema")),
    list(d = inv_random(1), f = Surv(time, status) ~ x1 + x2 + g + b +
           strata(st), cols = c("x1", "x2", "b"))
  )
  for (i in seq_along(cases)) {
    cs <- cases[[i]]
    f0 <- cox(cs$f, data = cs$d)
    dr <- inv_draws(cs$cols, 3, seed = i)
    for (j in seq_len(nrow(dr))) {
      f1 <- cox(cs$f, data = inv_rescale(cs$d, dr$col[j], dr$a[j], dr$k[j]))
      expect_cox_invariant(f0, f1, dr$col[j], dr$a[j])
    }
    # two columns at opposite extremes at once
    d2 <- inv_rescale(inv_rescale(cs$d, cs$cols[1], 1e-8, 1), cs$cols[2],
                      1e8, -2)
    f2 <- cox(cs$f, data = d2)
    b0 <- coef(f0)
    b0[cs$cols[1:2]] <- b0[cs$cols[1:2]] / c(1e-8, 1e8)
    expect_equal(coef(f2), b0, tolerance = inv_tol)
    expect_equal(summary(f2)$waldtest, summary(f0)$waldtest,
                 tolerance = inv_tol)
  }
  # Breslow ties on the tied random data
  d <- inv_random(2)
  f <- Surv(time, status) ~ x1 + x2 + g + b + strata(st)
  f0 <- cox(f, data = d, ties = "breslow")
  f1 <- cox(f, data = inv_rescale(d, "x2", 1e-7, 3), ties = "breslow")
  expect_cox_invariant(f0, f1, "x2", 1e-7)
})

test_that("cox_univariable() is invariant for every term test", {
  f <- Surv(time, status) ~ age + sex + ph.karno + wt.loss + ph.ecog
  d1 <- inv_rescale(inv_rescale(inv_lung, "age", 1e8, 2), "wt.loss", 1e-8, -1)
  for (tt in c("lr", "score", "wald")) {
    u0 <- cox_univariable(f, data = inv_lung, term_test = tt,
                          exponentiate = FALSE)
    u1 <- cox_univariable(f, data = d1, term_test = tt, exponentiate = FALSE)
    a <- ifelse(u0$term == "age", 1e8, ifelse(u0$term == "wt.loss", 1e-8, 1))
    expect_equal(u1$estimate, u0$estimate / a, tolerance = inv_tol)
    expect_equal(u1$std.error, u0$std.error / a, tolerance = inv_tol)
    expect_equal(u1$p.value, u0$p.value, tolerance = inv_tol)
    expect_equal(u1$p.value.term, u0$p.value.term, tolerance = inv_tol)
    expect_identical(u1[c("term", "level", "n", "events")],
                     u0[c("term", "level", "n", "events")])
  }
})

test_that("cox_stepwise() is invariant in every direction and removal rule", {
  cases <- list(
    list(d = inv_lung, f = Surv(time, status) ~ age + sex + ph.karno +
           wt.loss + ph.ecog, cols = c("age", "ph.karno", "wt.loss", "sex"),
         include = "age", p = c(0.15, 0.2)),
    list(d = inv_veteran, f = Surv(time, status) ~ karno + diagtime + age +
           prior + trt + celltype, cols = c("karno", "diagtime", "age"),
         include = NULL, p = c(0.2, 0.3)),
    list(d = inv_pbc, f = Surv(time, death) ~ age + lbili + albumin +
           protime + edema + stage, cols = c("age", "lbili", "protime"),
         include = "age", p = c(0.05, 0.1)),
    list(d = inv_random(3), f = Surv(time, status) ~ x1 + x2 + g + b +
           strata(st), cols = c("x1", "x2", "b"), include = NULL,
         p = c(0.3, 0.5))
  )
  seed <- 10L
  for (cs in cases) {
    for (dir in c("forward", "backward")) {
      for (rem in c("wald", "lr", "conditional")) {
        run <- function(d) {
          cox_stepwise(cs$f, data = d, direction = dir, removal = rem,
                       include = cs$include, p_enter = cs$p[1],
                       p_remove = cs$p[2])
        }
        s0 <- run(cs$d)
        seed <- seed + 1L
        dr <- inv_draws(cs$cols, 1, seed = seed)
        for (j in seq_len(nrow(dr))) {
          s1 <- run(inv_rescale(cs$d, dr$col[j], dr$a[j], dr$k[j]))
          expect_stepwise_invariant(s0, s1, dr$col[j], dr$a[j])
        }
      }
    }
  }
})

test_that("a term that is the only one in the model can be tested for removal", {
  # conditional removal with nothing left (the reduced model is the null
  # model): the statistic is the LR statistic of the null model
  s <- cox_stepwise(Surv(time, status) ~ age + sex, data = survival::lung,
                    removal = "conditional")
  expect_identical(s$selected, "sex")
  s2 <- cox_stepwise(Surv(time, status) ~ age + sex, data = survival::lung,
                     removal = "conditional", direction = "backward",
                     p_remove = 0.99, p_enter = 0.98)
  expect_true(all(is.finite(s2$steps$statistic[-1])))
  b <- cox_stepwise(Surv(time, status) ~ sex, data = survival::lung,
                    removal = "conditional", direction = "backward",
                    p_remove = 0.9999, p_enter = 0.5)
  ref <- survival::coxph(Surv(time, status) ~ sex, data = survival::lung)
  expect_identical(b$selected, "sex")
  b2 <- cox_stepwise(Surv(time, status) ~ sex, data = survival::lung,
                     removal = "conditional", direction = "backward",
                     p_remove = 1e-6, p_enter = 1e-7)
  expect_identical(b2$steps$action, c("start", "remove"))
  expect_equal(b2$steps$statistic[2], 2 * diff(ref$loglik),
               tolerance = 1e-8)
})

test_that("aliasing detection is invariant to rescaling", {
  set.seed(4)
  n <- 120
  d <- data.frame(x1 = stats::rnorm(n), x2 = stats::rnorm(n),
                  x4 = stats::rnorm(n))
  d$x3 <- d$x1 + 2 * d$x2
  t <- stats::rexp(n, exp(0.5 * d$x1))
  d$time <- pmin(t, 2)
  d$status <- as.integer(t <= 2)
  f <- Surv(time, status) ~ x1 + x2 + x3 + x4
  expect_warning(f0 <- cox(f, data = d), class = "survstep_warning_singular")
  expect_identical(unname(is.na(coef(f0))), c(FALSE, FALSE, TRUE, FALSE))
  for (a in c(1e-8, 1e-3, 1e4, 1e8)) {
    for (col in c("x1", "x3", "x4")) {
      d1 <- d
      d1[[col]] <- d1[[col]] * a
      expect_warning(f1 <- cox(f, data = d1),
                     class = "survstep_warning_singular")
      expect_identical(is.na(coef(f1)), is.na(coef(f0)))
      expect_equal(summary(f1)$waldtest, summary(f0)$waldtest,
                   tolerance = inv_tol)
    }
  }
  # non-collinear columns of scales 1e-8 and 1e8 stay estimable
  d2 <- d
  d2$x1 <- d2$x1 * 1e-8
  d2$x4 <- d2$x4 * 1e8
  f2 <- cox(Surv(time, status) ~ x1 + x2 + x4, data = d2)
  expect_false(anyNA(coef(f2)))
  expect_identical(f2$wald.df, 3L)
  # in stepwise: x3 can't enter once x1 and x2 are in, on any scale
  for (a in c(1, 1e-8, 1e8)) {
    d1 <- d
    d1$x3 <- d1$x3 * a
    s <- cox_stepwise(f, data = d1, include = c("x1", "x2"), p_enter = 0.5,
                      p_remove = 0.6)
    nim <- s$not_in_model
    expect_false("x3" %in% s$selected)
    expect_identical(nim$df[nim$term == "x3"], 0L)
  }
})
