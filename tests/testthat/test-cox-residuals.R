# residuals.survstep_cox() against survival::residuals.coxph()

resid_types <- c("martingale", "deviance", "score", "schoenfeld", "dfbeta",
                 "dfbetas", "scaledsch")

# every residual type of cox() vs coxph() on the same call
expect_resid_equal <- function(a, b, tol = 1e-8, types = resid_types, ...) {
  for (t in types) {
    ra <- residuals(a, type = t, ...)
    rb <- residuals(b, type = t, ...)
    # coxph() drops the column names of dfbeta(s); survstep keeps them
    expect_equal(strip_colnames(ra), strip_colnames(rb), tolerance = tol,
                 label = t)
  }
}

strip_colnames <- function(x) {
  x <- unclass(x)
  if (is.matrix(x)) colnames(x) <- NULL
  x
}

resid_random_data <- function(n = 250, seed = 1) {
  set.seed(seed)
  d <- data.frame(t = sample(1:25, n, TRUE), s = rbinom(n, 1, 0.7),
                  x1 = rnorm(n), x2 = rbinom(n, 1, 0.4),
                  g = sample(1:3, n, TRUE), w = sample(1:3, n, TRUE),
                  wr = runif(n, 0.2, 2), o = rnorm(n, 0, 0.3))
  d$t0 <- pmax(0, d$t - sample(1:10, n, TRUE))
  d$t0[d$t0 >= d$t] <- d$t[d$t0 >= d$t] - 1
  d$id <- sample(1:80, n, TRUE)
  d
}

test_that("residuals equal residuals.coxph on the survival data sets", {
  lung <- survival::lung
  veteran <- survival::veteran
  pbc <- survival::pbc
  colon <- survival::colon
  ovarian <- survival::ovarian
  for (ties in c("efron", "breslow")) {
    expect_resid_equal(
      cox(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = ties),
      survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, lung,
                      ties = ties))
    expect_resid_equal(
      cox(Surv(time, status) ~ trt + celltype + karno, veteran, ties = ties),
      survival::coxph(Surv(time, status) ~ trt + celltype + karno, veteran,
                      ties = ties))
    expect_resid_equal(
      cox(Surv(time, status == 2) ~ age + log(bili) + edema, pbc,
          ties = ties),
      survival::coxph(Surv(time, status == 2) ~ age + log(bili) + edema, pbc,
                      ties = ties))
    expect_resid_equal(
      cox(Surv(time, status) ~ rx + nodes + strata(etype), colon,
          ties = ties),
      survival::coxph(Surv(time, status) ~ rx + nodes + strata(etype), colon,
                      ties = ties))
    expect_resid_equal(
      epv_ok(cox(Surv(futime, fustat) ~ age + rx, ovarian, ties = ties)),
      survival::coxph(Surv(futime, fustat) ~ age + rx, ovarian, ties = ties))
  }
})

test_that("residuals of counting-process fits equal residuals.coxph", {
  heart <- survival::heart
  cgd <- survival::cgd
  for (ties in c("efron", "breslow")) {
    a <- cox(Surv(start, stop, event) ~ age + surgery + transplant, heart,
             ties = ties)
    b <- survival::coxph(Surv(start, stop, event) ~ age + surgery +
                           transplant, heart, ties = ties)
    expect_resid_equal(a, b)
    # collapsed by subject
    for (t in c("martingale", "deviance", "score", "dfbeta", "dfbetas")) {
      expect_equal(strip_colnames(residuals(a, type = t, collapse = heart$id)),
                   strip_colnames(residuals(b, type = t, collapse = heart$id)),
                   tolerance = 1e-8, label = t)
    }
    expect_resid_equal(
      cox(Surv(tstart, tstop, status) ~ treat + sex + age + strata(hos.cat),
          cgd, ties = ties),
      survival::coxph(Surv(tstart, tstop, status) ~ treat + sex + age +
                        strata(hos.cat), cgd, ties = ties))
  }
})

test_that("residuals with ties, weights, strata and offsets", {
  d <- resid_random_data()
  for (ties in c("efron", "breslow")) {
    a <- epv_ok(cox(Surv(t, s) ~ x1 + x2 + strata(g), d, weights = w, ties = ties))
    b <- survival::coxph(Surv(t, s) ~ x1 + x2 + strata(g), d, weights = w,
                         ties = ties)
    expect_resid_equal(a, b)
    expect_resid_equal(a, b, weighted = TRUE,
                       types = c("martingale", "score", "dfbeta", "dfbetas"))
    # residuals.coxph() multiplies the Schoenfeld residuals (sorted by
    # stratum and time) by the weights in the data's order; the weight of
    # each event is meant
    ord <- order(d$g, d$t, -d$s)
    dead <- ord[d$s[ord] == 1]
    expect_equal(
      unname(residuals(a, type = "schoenfeld", weighted = TRUE)),
      unname(residuals(b, type = "schoenfeld")) * d$w[dead], tolerance = 1e-8)
    a <- epv_ok(cox(Surv(t, s) ~ x1 + x2 + offset(o), d, weights = wr, ties = ties))
    b <- survival::coxph(Surv(t, s) ~ x1 + x2 + offset(o), d, weights = wr,
                         ties = ties, robust = FALSE)
    expect_resid_equal(a, b)
    expect_resid_equal(a, b, weighted = FALSE)
    a <- epv_ok(cox(Surv(t0, t, s) ~ x1 + x2 + strata(g) + offset(o), d,
             weights = wr, ties = ties))
    b <- survival::coxph(Surv(t0, t, s) ~ x1 + x2 + strata(g) + offset(o),
                         d, weights = wr, ties = ties, robust = FALSE)
    expect_resid_equal(a, b)
    for (t in c("martingale", "deviance", "score", "dfbeta")) {
      # (residuals.coxph() evaluates log() of the rows without events too
      # and warns about the NaNs it then discards)
      expect_equal(strip_colnames(residuals(a, type = t, collapse = d$id)),
                   strip_colnames(suppressWarnings(
                     residuals(b, type = t, collapse = d$id))),
                   tolerance = 1e-8, label = t)
    }
  }
})

test_that("one covariate gives vectors; na.exclude pads with NA", {
  lung <- survival::lung
  a <- cox(Surv(time, status) ~ ph.ecog, lung, na.action = na.exclude)
  b <- survival::coxph(Surv(time, status) ~ ph.ecog, lung,
                       na.action = na.exclude)
  expect_resid_equal(a, b)
  expect_length(residuals(a), nrow(lung))
  expect_true(is.na(residuals(a, type = "dfbeta")[is.na(lung$ph.ecog)]))
  # a fit on a fast path (plain numeric columns) and one keeping the frame
  a <- cox(Surv(time, status) ~ age + sex, lung, model = TRUE)
  b <- survival::coxph(Surv(time, status) ~ age + sex, lung)
  expect_resid_equal(a, b)
  # the null model: martingale and deviance residuals only
  a <- cox(Surv(time, status) ~ 1, lung)
  b <- survival::coxph(Surv(time, status) ~ 1, lung)
  expect_equal(residuals(a), residuals(b), tolerance = 1e-8)
  expect_equal(residuals(a, type = "deviance"),
               residuals(b, type = "deviance"), tolerance = 1e-8)
})

test_that("the martingale residuals sum to zero and dfbeta approximates a refit", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  fit <- cox(Surv(time, status) ~ age + sex, lung)
  expect_equal(sum(residuals(fit)), 0, tolerance = 1e-10)
  # score residuals sum to the score at the fit (about 0)
  expect_equal(unname(colSums(residuals(fit, type = "score"))), c(0, 0),
               tolerance = 1e-6)
  # leave-one-out: dfbeta is close to the change in the coefficients
  i <- which.max(abs(residuals(fit, type = "dfbeta")[, 1]))
  refit <- cox(Surv(time, status) ~ age + sex, lung[-i, ])
  expect_equal(unname(coef(fit) - coef(refit)),
               unname(residuals(fit, type = "dfbeta")[i, ]), tolerance = 0.1)
})

test_that("fitted() gives the linear predictors", {
  lung <- survival::lung
  fit <- cox(Surv(time, status) ~ age + ph.ecog, lung, na.action = na.exclude)
  ref <- survival::coxph(Surv(time, status) ~ age + ph.ecog, lung,
                         na.action = na.exclude)
  expect_equal(unname(fitted(fit)), unname(predict(ref, type = "lp",
                                                   reference = "sample")),
               tolerance = 1e-8)
})

test_that("bad residual requests are classed errors", {
  lung <- survival::lung
  fit <- cox(Surv(time, status) ~ age + sex, lung)
  expect_snapshot(error = TRUE, residuals(fit, type = "pearson"))
  expect_snapshot(error = TRUE, residuals(fit, collapse = 1:3))
  expect_snapshot(error = TRUE, residuals(fit, type = "schoenfeld",
                                          collapse = lung$inst))
  expect_snapshot(error = TRUE, residuals(fit, weighted = NA))
  null <- cox(Surv(time, status) ~ 1, lung)
  expect_snapshot(error = TRUE, residuals(null, type = "score"))
  expect_error(residuals(fit, type = "pearson"), class = "survstep_error_input")
})
