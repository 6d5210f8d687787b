# cox_stepwise() against the independent survival::coxph() reference in
# helper-stepwise-reference.R: identical step sequences, statistics to 1e-6.

tight <- function() cox_control(eps = 1e-11, iter_max = 100)

expect_same_run <- function(fit, ref, tol = 1e-6) {
  steps <- fit$steps
  expect_identical(steps$action, ref$steps$action)
  expect_identical(steps$term, ref$steps$term)
  expect_equal(steps$statistic, ref$steps$statistic, tolerance = tol)
  expect_equal(as.numeric(steps$df), as.numeric(ref$steps$df))
  expect_equal(steps$p.value, ref$steps$p.value, tolerance = tol)
  expect_equal(steps$loglik, ref$steps$loglik, tolerance = 1e-9)
  expect_identical(fit$selected, ref$model)
  nim <- fit$not_in_model
  expect_identical(nim$term, ref$not_in_model$term)
  expect_equal(nim$statistic, ref$not_in_model$statistic, tolerance = tol)
  expect_equal(as.numeric(nim$df), as.numeric(ref$not_in_model$df))
  expect_equal(nim$p.value, ref$not_in_model$p.value, tolerance = tol)
  expect_equal(unlist(fit$residual), ref$residual, tolerance = tol,
               ignore_attr = TRUE)
  expect_equal(unname(coef(fit)), unname(ref$coef), tolerance = 1e-6)
  expect_equal(unname(sqrt(diag(vcov(fit)))), unname(sqrt(diag(ref$var))),
               tolerance = 1e-6)
  expect_equal(as.numeric(logLik(fit)), ref$loglik, tolerance = 1e-9)
  expect_identical(fit$n, ref$n)
  expect_identical(fit$nevent, as.integer(ref$nevent))
}

lung2 <- survival::lung
lung2$ph.ecog <- factor(lung2$ph.ecog)
f_lung <- Surv(time, status) ~ age + sex + ph.ecog + ph.karno + pat.karno +
  meal.cal + wt.loss

pbc2 <- survival::pbc
pbc2$edema <- factor(pbc2$edema)
pbc2$stage <- factor(pbc2$stage)
f_pbc <- Surv(time, status == 2) ~ age + sex + edema + log(bili) + albumin +
  log(protime) + stage + ascites + hepato + spiders + trt + chol + copper

f_vet <- Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior

d_proxy <- sim_proxy(200, 1)
f_proxy <- Surv(time, status) ~ x3 + x1 + x2 + x4 + g

test_that("forward and backward match the reference on lung for every rule", {
  for (direction in c("forward", "backward")) {
    for (removal in c("wald", "lr", "conditional")) {
      for (ties in c("efron", "breslow")) {
        fit <- cox_stepwise(f_lung, data = lung2, direction = direction,
                            removal = removal, ties = ties, control = tight())
        ref <- ref_cox_stepwise(f_lung, lung2, direction = direction,
                                removal = removal, ties = ties)
        expect_same_run(fit, ref)
      }
    }
  }
})

test_that("a term that entered is later removed (x3 = proxy of x1 + x2)", {
  for (removal in c("wald", "lr", "conditional")) {
    for (ties in c("efron", "breslow")) {
      fit <- cox_stepwise(f_proxy, data = d_proxy, removal = removal,
                          ties = ties, control = tight())
      ref <- ref_cox_stepwise(f_proxy, d_proxy, removal = removal,
                              ties = ties)
      expect_same_run(fit, ref)
      expect_identical(fit$steps$action,
                       c("start", "enter", "enter", "enter", "remove"))
      expect_identical(fit$steps$term[c(2, 5)], c("x3", "x3"))
      expect_false("x3" %in% fit$selected)
    }
  }
})

test_that("pbc (3-level and 4-level factors, transformed terms) matches", {
  for (direction in c("forward", "backward")) {
    for (removal in c("wald", "lr", "conditional")) {
      fit <- epv_ok(cox_stepwise(f_pbc, data = pbc2, direction = direction,
                          removal = removal, ties = "breslow",
                          control = tight()))
      ref <- ref_cox_stepwise(f_pbc, pbc2, direction = direction,
                              removal = removal, ties = "breslow")
      expect_same_run(fit, ref)
    }
  }
  fit <- epv_ok(cox_stepwise(f_pbc, data = pbc2))
  expect_identical(fit$n, sum(stats::complete.cases(
    pbc2[, c("time", "status", "age", "sex", "edema", "bili", "albumin",
             "protime", "stage", "ascites", "hepato", "spiders", "trt",
             "chol", "copper")])))
  expect_identical(fit$n_dropped, nrow(pbc2) - fit$n)
})

test_that("veteran (4-level celltype) matches in both directions", {
  for (direction in c("forward", "backward")) {
    for (removal in c("wald", "lr", "conditional")) {
      for (ties in c("efron", "breslow")) {
        fit <- cox_stepwise(f_vet, data = survival::veteran,
                            direction = direction, removal = removal,
                            ties = ties, control = tight())
        ref <- ref_cox_stepwise(f_vet, survival::veteran,
                                direction = direction, removal = removal,
                                ties = ties)
        expect_same_run(fit, ref)
      }
    }
  }
})

test_that("forced terms stay in every model and are never candidates", {
  fit <- cox_stepwise(f_proxy, data = d_proxy, direction = "backward",
                      removal = "lr", include = "x4", control = tight())
  ref <- ref_cox_stepwise(f_proxy, d_proxy, direction = "backward",
                          removal = "lr", include = "x4")
  expect_same_run(fit, ref)
  expect_true(all(grepl("x4", fit$steps$model)))
  expect_false("x4" %in% fit$steps$term)
  expect_false("x4" %in% fit$not_in_model$term)

  fit <- cox_stepwise(f_proxy, data = d_proxy, include = ~ g,
                      removal = "conditional", ties = "breslow",
                      control = tight())
  ref <- ref_cox_stepwise(f_proxy, d_proxy, include = "g",
                          removal = "conditional", ties = "breslow")
  expect_same_run(fit, ref)
  expect_identical(fit$steps$model[1], "g")
  expect_identical(fit$include, "g")

  fit <- cox_stepwise(f_lung, data = lung2, include = c("age", "wt.loss"),
                      removal = "wald", control = tight())
  ref <- ref_cox_stepwise(f_lung, lung2, include = c("age", "wt.loss"))
  expect_same_run(fit, ref)
})

test_that("case weights, strata and offsets match the reference", {
  f <- Surv(time, status) ~ x3 + x1 + x2 + x4 + g + strata(s)
  for (removal in c("wald", "lr", "conditional")) {
    fit <- cox_stepwise(f, data = d_proxy, weights = w, removal = removal,
                        control = tight())
    ref <- ref_cox_stepwise(f, d_proxy, weights = "w", removal = removal)
    expect_same_run(fit, ref)
  }
  d2 <- d_proxy
  d2$off <- 0.3 * d2$x4
  f <- Surv(time, status) ~ x3 + x1 + x2 + g + offset(off)
  fit <- cox_stepwise(f, data = d2, direction = "backward",
                      removal = "conditional", control = tight())
  ref <- ref_cox_stepwise(f, d2, direction = "backward",
                          removal = "conditional")
  expect_same_run(fit, ref)
})

test_that("random data with heavy ties and several factors match", {
  set.seed(20240611)
  n <- 300L
  d <- data.frame(
    a = stats::rnorm(n), b = stats::rbinom(n, 1, 0.4),
    f3 = factor(sample(c("lo", "mid", "hi"), n, TRUE)),
    f5 = factor(sample(letters[1:5], n, TRUE)),
    z = stats::runif(n)
  )
  lp <- 0.4 * d$a + 0.5 * d$b + 0.6 * (d$f5 == "e") - 0.5 * (d$f5 == "b")
  d$time <- ceiling(stats::rexp(n, exp(lp)) * 4)  # few distinct times
  d$status <- stats::rbinom(n, 1, 0.75)
  d$a[sample(n, 15)] <- NA
  d$f3[sample(n, 10)] <- NA
  f <- Surv(time, status) ~ a + b + f3 + f5 + z
  for (direction in c("forward", "backward")) {
    for (removal in c("wald", "lr", "conditional")) {
      for (ties in c("efron", "breslow")) {
        fit <- cox_stepwise(f, data = d, direction = direction,
                            removal = removal, ties = ties,
                            p_enter = 0.10, p_remove = 0.15,
                            control = tight())
        ref <- ref_cox_stepwise(f, d, direction = direction,
                                removal = removal, ties = ties,
                                p_enter = 0.10, p_remove = 0.15)
        expect_same_run(fit, ref)
        expect_identical(fit$n, n - sum(is.na(d$a) | is.na(d$f3)))
      }
    }
  }
})

test_that("the run stops when the next model would repeat an earlier one", {
  # the score p of x is just below its Wald p; with p_enter = p_remove
  # between the two, x enters and its removal would return to step 0
  set.seed(54)
  n <- 60
  x <- stats::rnorm(n)
  t <- stats::rexp(n, exp(0.3 * x))
  cens <- stats::rexp(n, 0.2)
  d <- data.frame(time = pmin(t, cens), status = as.integer(t <= cens), x)
  ref <- ref_cox_stepwise(Surv(time, status) ~ x, d, p_enter = 2e-4,
                          p_remove = 2e-4)
  expect_identical(ref$stop_reason, "repeat")
  fit <- cox_stepwise(Surv(time, status) ~ x, data = d, p_enter = 2e-4,
                      p_remove = 2e-4, control = tight())
  expect_same_run(fit, ref)
  expect_match(fit$stop_reason, "repeat")
  expect_identical(fit$selected, "x")
})

test_that("nothing entering gives the null model and a full not-in table", {
  set.seed(3)
  d <- data.frame(time = stats::rexp(80), status = 1L,
                  u = stats::rnorm(80), v = stats::rnorm(80))
  ref <- ref_cox_stepwise(Surv(time, status) ~ u + v, d, p_enter = 0.001,
                          p_remove = 0.002)
  fit <- cox_stepwise(Surv(time, status) ~ u + v, data = d, p_enter = 0.001,
                      p_remove = 0.002, control = tight())
  expect_identical(fit$selected, character())
  expect_identical(nrow(fit$steps), 1L)
  expect_length(coef(fit), 0)
  expect_equal(fit$not_in_model$statistic, ref$not_in_model$statistic,
               tolerance = 1e-6)
  # residual chi-square of all terms at the null model = coxph's score test
  sc <- survival::coxph(Surv(time, status) ~ u + v, d)$score
  expect_equal(fit$residual$statistic, unname(sc), tolerance = 1e-8)
  expect_identical(fit$residual$df, 2)
})

test_that("every term in the model gives an empty not-in table", {
  fit <- cox_stepwise(f_vet, data = survival::veteran, direction = "backward",
                      p_enter = 0.5, p_remove = 1)
  expect_identical(nrow(fit$not_in_model), 0L)
  expect_true(is.na(fit$residual$statistic))
})

test_that("$final is a cox() fit of the selected model on the analysis set", {
  fit <- cox_stepwise(f_lung, data = lung2, ties = "breslow",
                      control = tight())
  expect_s3_class(fit$final, "survstep_cox")
  expect_identical(nobs(fit), fit$nevent)
  ref <- survival::coxph(Surv(time, status) ~ sex + ph.ecog,
                         data = lung2[stats::complete.cases(
                           lung2[, c("age", "sex", "ph.ecog", "ph.karno",
                                     "pat.karno", "meal.cal", "wt.loss")]), ],
                         ties = "breslow")
  expect_equal(coef(fit), coef(ref), tolerance = 1e-7)
  expect_equal(vcov(fit), vcov(ref), tolerance = 1e-6, ignore_attr = TRUE)
  # refitting the stored call reproduces the final model
  refit <- eval(fit$final$call)
  expect_equal(coef(refit), coef(fit))
  expect_identical(refit$n, fit$n)
  # methods delegate
  expect_equal(predict(fit, type = "lp"), predict(fit$final, type = "lp"))
  expect_identical(tidy(fit), tidy(fit$final))
  expect_identical(glance(fit), glance(fit$final))
  expect_equal(confint(fit), confint(fit$final))
})

test_that("print reads like SPSS output and warns about optimism", {
  fit <- cox_stepwise(f_lung, data = lung2, ties = "breslow")
  expect_snapshot(print(fit))
  fit <- cox_stepwise(f_proxy, data = d_proxy, removal = "lr",
                      include = "x4")
  expect_snapshot(print(fit))
  utils::capture.output(v <- withVisible(print(fit)))
  expect_false(v$visible)
  expect_identical(v$value, fit)
})

test_that("bad input gives classed errors", {
  expect_snapshot(error = TRUE, {
    cox_stepwise(f_lung, data = lung2, p_enter = 0.2, p_remove = 0.1)
    cox_stepwise(f_lung, data = lung2, include = "height")
    cox_stepwise(f_lung, data = lung2, include = ~ age + inst)
    cox_stepwise(f_lung, data = lung2, include = Surv(time, status) ~ age)
    cox_stepwise(f_lung, data = lung2, include = 1)
    cox_stepwise(Surv(time, status) ~ age + strata(sex), data = lung2,
                 include = "strata(sex)")
    cox_stepwise(Surv(time, status) ~ age + age:strata(sex), data = lung2)
    cox_stepwise(Surv(time, status) ~ age, data = lung2, direction = "both")
    cox_stepwise(Surv(time, status) ~ age, data = lung2, removal = "score")
    cox_stepwise(Surv(time, status) ~ age, data = lung2, ties = "exakt")
    cox_stepwise(Surv(time, status) ~ age, data = lung2, p_enter = 0)
    cox_stepwise(Surv(time, status) ~ strata(sex), data = lung2)
  })
  d <- data.frame(time = 1:10, status = 0L, x = stats::rnorm(10),
                  k = 1, m = NA_real_)
  expect_snapshot(error = TRUE, {
    cox_stepwise(Surv(time, status) ~ x, data = d)
    cox_stepwise(Surv(time, status + 1L) ~ x + k, data = d)
    cox_stepwise(Surv(time, status + 1L) ~ x + m, data = d)
  })
  expect_error(cox_stepwise(f_lung, data = lung2, p_enter = 0.2),
               class = "survstep_error_input")
  expect_error(cox_stepwise(f_lung, data = lung2, include = "height"),
               class = "survstep_error_input")
  expect_error(
    cox_stepwise(Surv(time, status) ~ age + strata(sex), data = lung2,
                 include = "strata(sex)"),
    class = "survstep_error_input")
})

test_that("strata() in the formula stratify every model", {
  f <- Surv(time, status) ~ age + ph.ecog + ph.karno + wt.loss + strata(sex)
  fit <- cox_stepwise(f, data = lung2, removal = "lr", control = tight())
  ref <- ref_cox_stepwise(f, lung2, removal = "lr")
  expect_same_run(fit, ref)
  expect_false(any(grepl("strata", fit$candidates)))
})

test_that("a candidate aliased with the model can't enter", {
  set.seed(5)
  n <- 150L
  d <- data.frame(x1 = stats::rnorm(n), x2 = stats::rnorm(n))
  d$x5 <- d$x1 + d$x2
  d$time <- stats::rexp(n, exp(d$x1 - d$x2))
  d$status <- 1L
  fit <- cox_stepwise(Surv(time, status) ~ x1 + x2 + x5, data = d)
  expect_identical(fit$steps$term[-1], c("x1", "x2"))
  expect_identical(fit$not_in_model$term, "x5")
  expect_identical(fit$not_in_model$df, 0L)
  expect_true(is.na(fit$not_in_model$statistic))
  expect_true(is.na(fit$residual$statistic))
  # backward from a singular full model stops at once, with a warning
  classes <- list()
  fit <- withCallingHandlers(
    cox_stepwise(Surv(time, status) ~ x1 + x2 + x5, data = d,
                 direction = "backward"),
    warning = function(w) {
      classes[[length(classes) + 1L]] <<- class(w)
      invokeRestart("muffleWarning")
    })
  expect_gte(length(classes), 1L)
  expect_true(all(vapply(classes, function(cl)
    "survstep_warning_singular" %in% cl, logical(1))))
  expect_identical(nrow(fit$steps), 1L)
  expect_match(fit$stop_reason, "singular")
})

test_that("monotone likelihood during the run is a classed warning", {
  set.seed(8)
  n <- 90L
  d <- data.frame(x = stats::rnorm(n),
                  g = factor(rep(c("a", "b", "c"), each = 30)))
  d$time <- stats::rexp(n, exp(d$x))
  d$status <- 1L
  d$status[d$g == "c"] <- 0L  # no events in level c: its HR drifts to 0
  expect_warning(
    fit <- cox_stepwise(Surv(time, status) ~ x + g, data = d,
                        direction = "backward"),
    class = "survstep_warning_infinite_coef")
  expect_s3_class(fit, "survstep_stepwise")
  expect_s3_class(fit$final, "survstep_cox")
})

test_that("the final call keeps `subset` and the analysis set", {
  f <- Surv(time, status) ~ age + sex + ph.ecog + ph.karno + meal.cal
  fit <- cox_stepwise(f, data = lung2, subset = age > 50)
  refit <- eval(fit$final$call)
  expect_identical(refit$n, fit$n)
  expect_equal(coef(refit), coef(fit))
  fit <- cox_stepwise(f, data = lung2, subset = 1:150)
  refit <- eval(fit$final$call)
  expect_identical(fit$final$n, fit$n)
  expect_identical(refit$n, fit$n)
  fit <- cox_stepwise(f, data = lung2, subset = -(1:20), p_enter = 0.2,
                      p_remove = 0.3)
  expect_identical(fit$final$n, fit$n)
  expect_identical(fit$n, sum(stats::complete.cases(
    lung2[-(1:20), c("age", "sex", "ph.ecog", "ph.karno", "meal.cal")])))
})
