# Counting-process data Surv(start, stop, event) in cox(), cox_fit(),
# cox_univariable() and cox_stepwise(), against survival::coxph() (its agreg
# path) and survival::concordance().

tight <- function() cox_control(eps = 1e-11, iter_max = 100)
tight_ph <- function() survival::coxph.control(eps = 1e-11, iter.max = 100)

# coefficients 1e-8 relative, SE 1e-6, log-likelihoods 1e-10, the three
# global tests, linear predictors, means and the concordance
expect_same_cox <- function(fit, ref, conc = TRUE) {
  expect_equal(unname(coef(fit)), unname(coef(ref)), tolerance = 1e-8)
  expect_equal(unname(sqrt(diag(fit$var))), unname(sqrt(diag(ref$var))),
               tolerance = 1e-6)
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
  expect_equal(fit$score, ref$score, tolerance = 1e-8)
  expect_equal(fit$wald.test, ref$wald.test, tolerance = 1e-8)
  expect_equal(unname(fit$means), unname(ref$means), tolerance = 1e-12)
  expect_equal(unname(fit$linear.predictors),
               unname(ref$linear.predictors), tolerance = 1e-8)
  expect_identical(fit$n, ref$n)
  expect_identical(as.numeric(fit$nevent), as.numeric(ref$nevent))
  if (conc) {
    expect_equal(fit$concordance[["concordance"]],
                 unname(ref$concordance[["concordance"]]), tolerance = 1e-12)
    expect_equal(fit$concordance[["std"]], unname(ref$concordance[["std"]]),
                 tolerance = 1e-10)
    cc <- survival::concordance(ref)
    expect_equal(fit$concordance[["concordance"]], cc$concordance,
                 tolerance = 1e-12)
    expect_equal(fit$concordance[["std"]], sqrt(cc$var), tolerance = 1e-10)
    count <- if (is.matrix(cc$count)) colSums(cc$count) else cc$count
    expect_equal(unname(fit$concordance[1:5]), unname(count),
                 tolerance = 1e-12)
  }
}

# the same estimates (for invariance checks)
expect_same_estimates <- function(a, b, tol = 1e-10, conc_se = TRUE) {
  expect_equal(unname(coef(a)), unname(coef(b)), tolerance = tol)
  expect_equal(unname(a$var), unname(b$var), tolerance = tol)
  expect_equal(a$loglik, b$loglik, tolerance = tol)
  expect_equal(a$score, b$score, tolerance = tol)
  expect_equal(a$wald.test, b$wald.test, tolerance = tol)
  expect_equal(a$concordance[["concordance"]],
               b$concordance[["concordance"]], tolerance = tol)
  if (conc_se) {
    expect_equal(a$concordance[["std"]], b$concordance[["std"]],
                 tolerance = tol)
  }
}

# Delayed entry, several intervals per subject (a time-varying covariate),
# heavy ties, strata, case weights and an offset; some start times < 0.
sim_counting <- function(nsub, seed, k = 3L) {
  set.seed(seed)
  n <- nsub * k
  entry <- round(stats::runif(nsub, -2, 6))
  len <- matrix(1 + round(stats::rexp(n, 1 / 3)), k)
  stop <- rep(entry, each = k) + as.vector(apply(len, 2, cumsum))
  start <- c(rbind(entry, matrix(stop, k)[-k, , drop = FALSE]))
  x1 <- stats::rnorm(n)
  x2 <- rep(stats::rbinom(nsub, 1, 0.4), each = k)
  g <- factor(rep(sample(c("a", "b", "c"), nsub, TRUE), each = k))
  lp <- 0.5 * x1 - 0.4 * x2 + 0.3 * (g == "b")
  event <- stats::rbinom(n, 1, stats::plogis(-0.5 + lp))
  data.frame(id = rep(seq_len(nsub), each = k), start, stop, event, x1, x2,
             g, s = rep(sample(1:3, nsub, TRUE), each = k),
             w = stats::runif(n, 0.5, 2), off = stats::rnorm(n, 0, 0.3))
}
d_cp <- sim_counting(150, 11)

jasa1 <- survival::heart
f_jasa <- Surv(start, stop, event) ~ age + year + surgery + transplant

cgd0 <- survival::cgd
f_cgd <- Surv(tstart, tstop, status) ~ treat + sex + age + inherit + steroids

test_that("cgd (recurrent infections) matches coxph(), both tie methods", {
  for (ties in c("efron", "breslow")) {
    fit <- cox(f_cgd, data = cgd0, ties = ties, control = tight())
    ref <- survival::coxph(f_cgd, data = cgd0, ties = ties,
                           control = tight_ph())
    expect_same_cox(fit, ref)
    f_st <- update(f_cgd, . ~ . + strata(hos.cat))
    fit <- cox(f_st, data = cgd0, ties = ties, control = tight())
    ref <- survival::coxph(f_st, data = cgd0, ties = ties,
                           control = tight_ph())
    expect_same_cox(fit, ref)
  }
})

test_that("heart (jasa1, transplant as a time-varying covariate) matches", {
  for (ties in c("efron", "breslow")) {
    fit <- cox(f_jasa, data = jasa1, ties = ties, control = tight())
    ref <- survival::coxph(f_jasa, data = jasa1, ties = ties,
                           control = tight_ph())
    expect_same_cox(fit, ref)
    expect_identical(dimnames(fit$y)[[2]], c("start", "stop", "status"))
  }
})

test_that("random data: delayed entry, ties, strata, weights, offsets", {
  f <- Surv(start, stop, event) ~ x1 + x2 + g + offset(off) + strata(s)
  for (ties in c("efron", "breslow")) {
    fit <- cox(f, data = d_cp, weights = w, ties = ties, control = tight())
    ref <- survival::coxph(f, data = d_cp, weights = w, ties = ties,
                           robust = FALSE, control = tight_ph())
    expect_same_cox(fit, ref)
    # without the offset and strata, unweighted
    f2 <- Surv(start, stop, event) ~ x1 + x2 + g
    expect_same_cox(cox(f2, data = d_cp, ties = ties, control = tight()),
                    survival::coxph(f2, data = d_cp, ties = ties,
                                    control = tight_ph()))
  }
})

test_that("cox_fit() takes a Surv object or its 3-column matrix", {
  X <- model.matrix(~ x1 + x2 + g, d_cp)[, -1]
  y <- with(d_cp, Surv(start, stop, event))
  for (ties in c("efron", "breslow")) {
    fit <- cox_fit(X, y, strata = d_cp$s, weights = d_cp$w,
                   offset = d_cp$off, ties = ties, control = tight())
    ref <- survival::agreg.fit(X, y, strata = d_cp$s, offset = d_cp$off,
                               init = NULL, control = tight_ph(),
                               weights = d_cp$w, method = ties,
                               rownames = NULL, nocenter = c(-1, 0, 1))
    expect_equal(unname(fit$coefficients), unname(ref$coefficients),
                 tolerance = 1e-8)
    expect_equal(unname(fit$var), unname(ref$var), tolerance = 1e-7)
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
    expect_equal(fit$score, ref$score, tolerance = 1e-8)
    expect_equal(unname(fit$means), unname(ref$means), tolerance = 1e-12)
    expect_equal(unname(fit$u), unname(ref$first), tolerance = 1e-6)
    expect_null(fit$concordance)
    m <- cox_fit(X, unclass(y), strata = d_cp$s, weights = d_cp$w,
                 offset = d_cp$off, ties = ties, control = tight())
    expect_identical(m$coefficients, fit$coefficients)
  }
  # right-censored data through a Surv object or a 2-column matrix
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  X <- as.matrix(lung[, c("age", "sex")])
  f1 <- cox_fit(X, Surv(lung$time, lung$status))
  f2 <- cox_fit(X, cbind(lung$time, lung$status == 2))
  expect_identical(f1$coefficients, f2$coefficients)
  ref <- survival::coxph(Surv(time, status) ~ age + sex, data = lung)
  expect_equal(unname(f1$coefficients), unname(coef(ref)), tolerance = 1e-8)
})

test_that("survSplit() of veteran equals the unsplit fit", {
  vet <- survival::veteran
  f <- Surv(time, status) ~ trt + karno + age + celltype
  for (ties in c("efron", "breslow")) {
    whole <- cox(f, data = vet, ties = ties, control = tight())
    for (cuts in list(c(30, 90, 180), seq(10, 500, by = 10),
                      c(0.5, 7.25, 100.125))) {
      sp <- survival::survSplit(Surv(time, status) ~ ., data = vet,
                                cut = cuts, episode = "ep")
      split <- cox(Surv(tstart, time, status) ~ trt + karno + age + celltype,
                   data = sp, ties = ties, control = tight())
      expect_equal(unname(coef(split)), unname(coef(whole)), tolerance = 1e-10)
      expect_equal(unname(split$var), unname(whole$var), tolerance = 1e-10)
      expect_equal(split$loglik, whole$loglik, tolerance = 1e-10)
      expect_equal(split$score, whole$score, tolerance = 1e-10)
      expect_equal(split$wald.test, whole$wald.test, tolerance = 1e-10)
      ref <- survival::coxph(Surv(tstart, time, status) ~ trt + karno + age +
                               celltype, data = sp, ties = ties,
                             control = tight_ph())
      expect_same_cox(split, ref)
    }
  }
})

test_that("tmerge() time-dependent covariates match coxph()", {
  # pbcseq: repeated lab values merged onto the baseline data
  pbc1 <- survival::pbc[1:312, c("id", "time", "status", "trt", "age")]
  pbc1$death <- as.integer(pbc1$status == 2)
  td <- survival::tmerge(pbc1, pbc1, id = id, death = event(time, death))
  td <- survival::tmerge(td, survival::pbcseq, id = id,
                         bili = tdc(day, bili), albumin = tdc(day, albumin))
  f <- Surv(tstart, tstop, death) ~ age + log(bili) + albumin + trt
  for (ties in c("efron", "breslow")) {
    fit <- cox(f, data = td, ties = ties, control = tight())
    ref <- survival::coxph(f, data = td, ties = ties, control = tight_ph())
    expect_same_cox(fit, ref)
  }
})

test_that("estimates are invariant to row order, time shifts and splits", {
  f <- Surv(start, stop, event) ~ x1 + x2 + g + offset(off) + strata(s)
  base <- cox(f, data = d_cp, weights = w, control = tight())
  set.seed(5)
  shuffled <- d_cp[sample(nrow(d_cp)), ]
  expect_same_estimates(cox(f, data = shuffled, weights = w,
                            control = tight()), base)
  shifted <- d_cp
  shifted$start <- shifted$start + 1000
  shifted$stop <- shifted$stop + 1000
  expect_same_estimates(cox(f, data = shifted, weights = w,
                            control = tight()), base)
  shifted$start <- d_cp$start - 50
  shifted$stop <- d_cp$stop - 50
  expect_same_estimates(cox(f, data = shifted, weights = w,
                            control = tight()), base)
  # splitting every interval at times without an event (the covariates
  # carried over) changes nothing but the standard error of the
  # concordance, whose influence terms are per row, as in survival
  cut_at <- c(0.5, 2.5, 4.25, 7.5, 11.5)
  sp <- survival::survSplit(Surv(start, stop, event) ~ ., data = d_cp,
                            cut = cut_at, episode = "ep")
  expect_gt(nrow(sp), nrow(d_cp))
  expect_same_estimates(cox(f, data = sp, weights = w, control = tight()),
                        base, conc_se = FALSE)
})

test_that("methods work for counting-process fits", {
  fit <- cox(f_jasa, data = jasa1)
  ref <- survival::coxph(f_jasa, data = jasa1)
  s <- summary(fit)
  expect_equal(s$logtest[["test"]], 2 * diff(ref$loglik), tolerance = 1e-8)
  expect_equal(s$sctest[["test"]], unname(ref$score), tolerance = 1e-8)
  expect_equal(s$concordance[["C"]], unname(ref$concordance["concordance"]),
               tolerance = 1e-10)
  expect_equal(unname(predict(fit)), unname(predict(ref, type = "lp",
                                                    reference = "sample")),
               tolerance = 1e-8)
  nd <- jasa1[1:5, ]
  expect_equal(unname(predict(fit, newdata = nd, type = "risk")),
               unname(predict(ref, newdata = nd, type = "risk",
                              reference = "sample")), tolerance = 1e-8)
  a <- anova(fit)
  b <- anova(ref)
  expect_equal(a$loglik, b$loglik, tolerance = 1e-10)
  expect_equal(a[["Pr(>|Chi|)"]], b[["Pr(>|Chi|)"]], tolerance = 1e-8)
  f_small <- cox(Surv(start, stop, event) ~ age + transplant, data = jasa1)
  a2 <- anova(f_small, fit)
  b2 <- anova(survival::coxph(Surv(start, stop, event) ~ age + transplant,
                              data = jasa1), ref)
  expect_equal(a2$Chisq, b2$Chisq, tolerance = 1e-8)
  expect_snapshot(print(fit))
  expect_snapshot(summary(fit))
})

test_that("bad counting-process input gives classed errors", {
  bad <- data.frame(a = c(0, 2, 1), b = c(1, 2, 3), e = c(1, 0, 1), x = 1:3)
  expect_error(cox(Surv(a, b, e) ~ x, data = bad),
               class = "survstep_error_input")
  ic <- data.frame(l = c(1, 2, 3, 4), r = c(2, NA, 5, 6), x = c(1, 0, 1, 0))
  expect_error(cox(Surv(l, r, type = "interval2") ~ x, data = ic),
               class = "survstep_error_input")
  ms <- data.frame(t = 1:6, st = factor(c("a", "b", "censor", "a", "b", "a"),
                                        levels = c("censor", "a", "b")),
                   x = c(1, 2, 1, 2, 1, 2))
  expect_error(cox(Surv(t, st) ~ x, data = ms), class = "survstep_error_input")
  expect_error(cox_univariable(Surv(a, b, e) ~ x, data = bad),
               class = "survstep_error_input")
  X <- matrix(c(1, 2, 3, 4))
  expect_error(cox_fit(X, cbind(c(0, NA, 1, 2), c(1, 2, 3, 4), c(1, 0, 1, 1))),
               class = "survstep_error_input")
  expect_error(cox_fit(X, cbind(c(0, 2, 1, 2), c(1, 2, 3, 4), c(1, 0, 1, 1))),
               class = "survstep_error_input")
  expect_error(cox_fit(X, c(1, 2, 3, 4)), class = "survstep_error_input")
  # timefix merges 1 and 1 + 1e-12: an interval of length 0
  tf <- cbind(c(0, 1, 0, 2), c(1, 1 + 1e-12, 3, 4), c(1, 0, 1, 1))
  expect_error(cox_fit(X, tf), class = "survstep_error_input")
  expect_no_error(suppressWarnings(
    cox_fit(X, tf, control = cox_control(timefix = FALSE))
  ))
  expect_snapshot(error = TRUE, {
    cox(Surv(a, b, e) ~ x, data = bad)
    cox(Surv(l, r, type = "interval2") ~ x, data = ic)
    cox(Surv(t, st) ~ x, data = ms)
    cox_fit(X, cbind(c(0, NA, 1, 2), c(1, 2, 3, 4), c(1, 0, 1, 1)))
    cox_fit(X, cbind(c(0, 2, 1, 2), c(1, 2, 3, 4), c(1, 0, 1, 1)))
    cox_fit(X, c(1, 2, 3, 4))
    cox_fit(X, cbind(1:4, 1:4, 1:4, 1:4))
    cox_fit(X, tf)
  })
})

test_that("functions without counting-process support say so", {
  skip_if(tryCatch({
    km(Surv(start, stop, event) ~ 1, data = jasa1)
    TRUE
  }, error = function(e) FALSE), "km() takes counting-process data")
  expect_error(km(Surv(start, stop, event) ~ 1, data = jasa1),
               class = "survstep_error_not_implemented")
  expect_snapshot(error = TRUE, km(Surv(start, stop, event) ~ 1, data = jasa1))
})

# cox_univariable() and cox_stepwise() ----------------------------------------

# one coxph() per term, each on the common analysis set `data`
ref_univariable_cp <- function(lhs, terms, data, ties = "efron") {
  do.call(rbind, lapply(terms, function(lab) {
    f <- stats::as.formula(paste(lhs, "~", lab))
    fit <- survival::coxph(f, data = data, ties = ties, control = tight_ph())
    b <- stats::coef(fit)
    se <- sqrt(diag(fit$var))
    data.frame(term = lab, n = fit$n, events = fit$nevent, hr = unname(exp(b)),
               std.error = unname(se),
               p.value = unname(2 * stats::pnorm(-abs(b / se))),
               p.lr = stats::pchisq(2 * diff(fit$loglik), length(b),
                                    lower.tail = FALSE),
               stringsAsFactors = FALSE)
  }))
}

test_that("cox_univariable() on cgd and heart matches coxph()", {
  for (ties in c("efron", "breslow")) {
    out <- cox_univariable(f_cgd, data = cgd0, ties = ties, control = tight())
    ref <- ref_univariable_cp("Surv(tstart, tstop, status)",
                              c("treat", "sex", "age", "inherit", "steroids"),
                              cgd0, ties)
    expect_identical(out$term, ref$term)
    expect_identical(out$n, as.integer(ref$n))
    expect_identical(out$events, as.integer(ref$events))
    expect_equal(out$estimate, ref$hr, tolerance = 1e-8)
    expect_equal(out$std.error, ref$std.error, tolerance = 1e-6)
    expect_equal(out$p.value, ref$p.value, tolerance = 1e-6)
    expect_equal(out$p.value.term, ref$p.lr, tolerance = 1e-6)

    out <- cox_univariable(f_jasa, data = jasa1, ties = ties,
                           control = tight())
    ref <- ref_univariable_cp("Surv(start, stop, event)",
                              c("age", "year", "surgery", "transplant"),
                              jasa1, ties)
    expect_equal(out$estimate, ref$hr, tolerance = 1e-8)
    expect_equal(out$std.error, ref$std.error, tolerance = 1e-6)
    expect_equal(out$p.value.term, ref$p.lr, tolerance = 1e-6)
  }
})

test_that("cox_stepwise() on cgd and heart matches the coxph() reference", {
  cgd2 <- cgd0
  cgd2$height <- cgd2$height / 100
  f <- Surv(tstart, tstop, status) ~ treat + sex + age + inherit + steroids +
    propylac + height + weight + hos.cat
  for (direction in c("forward", "backward")) {
    for (removal in c("wald", "lr", "conditional")) {
      fit <- epv_ok(cox_stepwise(f, data = cgd2, direction = direction,
                          removal = removal, p_enter = 0.2, p_remove = 0.3,
                          control = tight()))
      ref <- ref_cox_stepwise(f, cgd2, direction = direction,
                              removal = removal, p_enter = 0.2,
                              p_remove = 0.3)
      expect_identical(fit$steps$action, ref$steps$action)
      expect_identical(fit$steps$term, ref$steps$term)
      expect_equal(fit$steps$statistic, ref$steps$statistic, tolerance = 1e-6)
      expect_equal(fit$steps$loglik, ref$steps$loglik, tolerance = 1e-9)
      expect_identical(fit$selected, ref$model)
      expect_equal(fit$not_in_model$statistic, ref$not_in_model$statistic,
                   tolerance = 1e-6)
      expect_equal(unname(coef(fit)), unname(ref$coef), tolerance = 1e-6)
      expect_equal(as.numeric(logLik(fit)), ref$loglik, tolerance = 1e-9)
      expect_identical(fit$n, ref$n)
    }
  }
  fit <- cox_stepwise(f_jasa, data = jasa1, p_enter = 0.5, p_remove = 0.6,
                      ties = "breslow", control = tight())
  ref <- ref_cox_stepwise(f_jasa, jasa1, p_enter = 0.5, p_remove = 0.6,
                          ties = "breslow")
  expect_identical(fit$selected, ref$model)
  expect_equal(fit$steps$statistic, ref$steps$statistic, tolerance = 1e-6)
  expect_equal(unname(coef(fit)), unname(ref$coef), tolerance = 1e-6)
  # the final model is a counting-process cox() fit
  expect_identical(ncol(fit$final$y), 3L)
})

test_that("overlapping intervals of an `id` give a classed warning", {
  d <- data.frame(subj = c(1, 1, 2, 2, 3, 3, 4), start = c(0, 5, 0, 3, 0, 2, 0),
                  stop = c(6, 9, 3, 8, 2, 7, 4), e = c(0, 1, 0, 1, 0, 1, 1),
                  x = c(1, 0, 0, 1, 1, 0, 0.5))
  # subject 1: (0, 6] and (5, 9] overlap
  expect_warning(epv_ok(fit <- cox(Surv(start, stop, e) ~ x, data = d,
                                   id = subj)),
                 class = "survstep_warning_overlap")
  # the fit itself is unchanged (as coxph's, which does not check)
  ref <- survival::coxph(Surv(start, stop, e) ~ x, data = d)
  expect_equal(coef(fit), coef(ref), tolerance = 1e-8)
  expect_snapshot(epv_ok(cox(Surv(start, stop, e) ~ x, data = d, id = subj)))
  # intervals that touch are a proper counting process
  d$start[2] <- 6
  expect_no_warning(epv_ok(cox(Surv(start, stop, e) ~ x, data = d,
                               id = subj)))
  expect_no_warning(epv_ok(cox(Surv(start, stop, e) ~ x, data = d,
                               id = as.character(subj))))
  # without `id` nothing is checked; right-censored data have no intervals
  d$start[2] <- 5
  expect_no_warning(epv_ok(cox(Surv(start, stop, e) ~ x, data = d)))
  expect_no_warning(epv_ok(cox(Surv(stop, e) ~ x, data = d, id = subj)))
  # several subjects are counted; a missing id drops its row (na.action)
  d2 <- rbind(d, data.frame(subj = c(5, 5, NA), start = c(0, 1, 0),
                            stop = c(3, 4, 2), e = c(0, 1, 1), x = c(0, 1, 1)))
  w <- tryCatch(cox(Surv(start, stop, e) ~ x, data = d2, id = subj),
                survstep_warning_overlap = function(w) w)
  expect_match(conditionMessage(w), "^2 subjects")
  # with na.fail a missing id, or a missing start time, is an error
  d3 <- d
  d3$start[3] <- NA
  expect_error(cox(Surv(start, stop, e) ~ x, data = d3, na.action = na.fail),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox(Surv(start, stop, e) ~ x, data = d2, id = subj, na.action = na.fail)
    cox(Surv(start, stop, e) ~ x, data = d3, na.action = na.fail)
  })
  # by default (na.omit) a missing start time drops its row, as in coxph()
  expect_equal(coef(epv_ok(cox(Surv(start, stop, e) ~ x, data = d3))),
               coef(survival::coxph(Surv(start, stop, e) ~ x, data = d3)),
               tolerance = 1e-8)
})

test_that("infinite coefficients of (start, stop] data follow agreg.fit's rule", {
  # monotone likelihood: x = 1 rows have the events first in every risk set
  set.seed(5)
  n <- 60
  d <- data.frame(id = seq_len(n), x = rep(0:1, each = n / 2),
                  z = round(rnorm(n), 1))
  d$time <- ifelse(d$x == 1, runif(n, 0, 1), runif(n, 1.5, 3))
  d$status <- 1
  d$status[d$x == 0] <- rbinom(n / 2, 1, 0.3)
  split <- survival::survSplit(Surv(time, status) ~ ., data = d,
                               cut = c(0.5, 1, 2), episode = "ep")
  f <- Surv(tstart, time, status) ~ x + z
  ref_warn <- NULL
  ref <- withCallingHandlers(survival::coxph(f, data = split),
                             warning = function(w) {
                               ref_warn <<- conditionMessage(w)
                               invokeRestart("muffleWarning")
                             })
  expect_match(ref_warn, "Loglik converged before variable  1 ")
  expect_warning(fit <- cox(f, data = split),
                 class = "survstep_warning_infinite_coef")
  expect_identical(unname(fit$infinite), c(TRUE, FALSE))
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
  expect_equal(coef(fit)[["z"]], coef(ref)[["z"]], tolerance = 1e-6)
  # where the rules differ: one data set as Surv(time, status) and as
  # Surv(0, time, status) (the same likelihood and iterations), stopped
  # early (loose eps) with a tiny toler_inf. coxph.fit flags |V U| > eps
  # (and > toler_inf |b|), agreg.fit |V U| > toler_inf (1 + |b|)
  lung <- na.omit(survival::lung[, c("time", "status", "age", "ph.karno")])
  lung$start <- 0
  ctl <- cox_control(eps = 1e-3, toler_inf = 1e-8)
  sctl <- survival::coxph.control(eps = 1e-3, toler.inf = 1e-8)
  warned <- function(expr) {
    w <- FALSE
    withCallingHandlers(expr, warning = function(c) {
      w <<- TRUE
      invokeRestart("muffleWarning")
    })
    w
  }
  right <- Surv(time, status) ~ age + ph.karno
  count <- Surv(start, time, status) ~ age + ph.karno
  expect_false(warned(survival::coxph(right, lung, control = sctl)))
  expect_true(warned(survival::coxph(count, lung, control = sctl)))
  expect_false(warned(fit_r <- cox(right, lung, control = ctl)))
  expect_warning(fit_c <- cox(count, lung, control = ctl),
                 class = "survstep_warning_infinite_coef")
  expect_identical(fit_r$coefficients, fit_c$coefficients)
})
