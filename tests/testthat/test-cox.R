lung <- survival::lung

test_that("the fit keeps what predict(), update() and anova() need", {
  fit <- cox(Surv(time, status) ~ age + sex + factor(ph.ecog) + strata(inst),
             lung)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + factor(ph.ecog) +
                           strata(inst), lung)
  expect_s3_class(fit, "survstep_cox")
  expect_identical(fit$call[[1]], as.name("cox"))
  expect_identical(names(fit$assign), names(ref$assign))
  expect_identical(unname(fit$assign), unname(ref$assign))
  expect_identical(fit$xlevels, ref$xlevels)
  expect_identical(fit$contrasts, ref$contrasts)
  expect_identical(fit$na.action, ref$na.action)
  expect_identical(fit$n, ref$n)
  expect_identical(fit$nevent, as.integer(ref$nevent))
  expect_equal(fit$means, ref$means, tolerance = 1e-14)
  expect_equal(fit$coefficients, ref$coefficients, tolerance = 1e-7)
  expect_identical(unclass(fit$y), unclass(ref$y)[, 1:2, drop = FALSE] * 1,
                   ignore_attr = TRUE)
  f2 <- update(fit, . ~ . - factor(ph.ecog))
  expect_identical(names(f2$coefficients), c("age", "sex"))
})

test_that("character covariates are factors; a message says which values were dropped", {
  d <- lung
  d$ecog <- c("zero", "one", "two", "three")[d$ph.ecog + 1]
  d$fecog <- factor(d$ecog, levels = c("zero", "one", "two", "three"))
  fit_chr <- cox(Surv(time, status) ~ age + ecog, d)
  ref <- survival::coxph(Surv(time, status) ~ age + ecog, d)
  expect_equal(fit_chr$coefficients, ref$coefficients, tolerance = 1e-7)
  expect_identical(fit_chr$xlevels, ref$xlevels)
  expect_silent(cox(Surv(time, status) ~ age + ecog, d))
  expect_message(cox(Surv(time, status) ~ age + ecog, d, subset = ph.ecog < 3),
                 class = "survstep_message_levels")
  expect_snapshot(fit <- cox(Surv(time, status) ~ age + ecog, d,
                             subset = ph.ecog < 3))
  expect_false(any(grepl("three", names(fit$coefficients))))
})

test_that("subset, weights, na.action and offset behave as in coxph()", {
  d <- lung
  d$w <- rep(1:3, length.out = nrow(d))
  d$off <- 0.01 * d$age
  fit <- cox(Surv(time, status) ~ sex + ph.karno + offset(off), d,
             subset = age > 50, weights = w, na.action = na.exclude)
  ref <- survival::coxph(Surv(time, status) ~ sex + ph.karno + offset(off), d,
                         subset = age > 50, weights = w,
                         na.action = na.exclude)
  expect_equal(fit$coefficients, ref$coefficients, tolerance = 1e-7)
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
  expect_identical(fit$na.action, ref$na.action)
  expect_equal(predict(fit), predict(ref, reference = "sample"),
               tolerance = 1e-8)
  expect_length(predict(fit), sum(d$age > 50))
})

test_that("the fast path gives the same object as the general path", {
  set.seed(3)
  d <- data.frame(time = rexp(36) * 100, status = rbinom(36, 1, 0.7),
                  a = rnorm(36), b = rbinom(36, 1, 0.5), c = runif(36),
                  k = 1:36)
  row.names(d) <- paste0("r", 1:36)
  fast <- epv_ok(cox(Surv(time, status) ~ a + b + c + k, d, model = TRUE,
                     x = TRUE))
  slow <- epv_ok(cox(Surv(time, status) ~ a + b + c + k, d, subset = TRUE,
                     model = TRUE, x = TRUE))
  fast$call <- slow$call <- NULL
  expect_identical(fast, slow)
  # status coded 1/2 as in survival::lung
  d$status2 <- d$status + 1
  f1 <- cox(Surv(time, status2) ~ a + b, d)
  f2 <- cox(Surv(time, status2) ~ a + b, d, na.action = na.omit)
  f1$call <- f2$call <- NULL
  expect_identical(f1, f2)
  # a formula held in a variable takes the fast path too
  fml <- Surv(time, status) ~ a + b
  f3 <- cox(fml, d)
  f4 <- cox(fml, d, subset = TRUE)
  f3$call <- f4$call <- NULL
  expect_identical(f3, f4)
  # and agrees with coxph
  ref <- survival::coxph(Surv(time, status) ~ a + b + c + k, d)
  expect_equal(unname(fast$coefficients), unname(ref$coefficients),
               tolerance = 1e-7)
})

test_that("bad input gives clear classed errors", {
  d <- lung
  d$none <- NA_real_
  d$const <- 5
  d$dead0 <- 0
  expect_error(cox(Surv(time, dead0) ~ age, d), class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age + const, d),
               class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age + none, d),
               class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age, d, init = c(0, 1)),
               class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age, d, init = 50),
               class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age, d, ties = "exakt"),
               class = "survstep_error_input")
  expect_error(cox(time ~ age, d), class = "survstep_error_input")
  expect_error(cox(Surv(time, status) ~ age * strata(sex), d),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox(Surv(time, dead0) ~ age, d)
    cox(Surv(time, status) ~ age + const, d)
    cox(Surv(time, status) ~ age + none, d)
    cox(Surv(time, status) ~ age + factor(const), d)
    cox(Surv(time, status) ~ age, d, init = c(0, 1))
    cox(Surv(time, status) ~ age, d, init = 50)
    cox(Surv(time, status) ~ age, d, ties = "exakt")
    cox(Surv(time, status) ~ age * strata(sex), d)
    cox(Surv(time, status) ~ age, d, subset = age > 1000)
  })
})

test_that("an empty cell of an interaction gives an NA coefficient, as coxph", {
  set.seed(4)
  d <- data.frame(t = stats::rexp(80), s = stats::rbinom(80, 1, 0.7),
                  a = factor(sample(1:2, 80, TRUE)),
                  b = factor(sample(1:3, 80, TRUE)))
  d <- d[!(d$a == 2 & d$b == 3), ]
  for (ties in c("efron", "breslow")) {
    expect_warning(epv_ok(fit <- cox(Surv(t, s) ~ a * b, d, ties = ties)),
                   class = "survstep_warning_singular")
    ref <- survival::coxph(Surv(t, s) ~ a * b, d, ties = ties)
    expect_identical(names(coef(fit)), names(coef(ref)))
    expect_true(is.na(coef(fit)[["a2:b3"]]))
    expect_equal(coef(fit), coef(ref), tolerance = 1e-8)
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
    ok <- !is.na(coef(ref))
    expect_equal(sqrt(diag(vcov(fit)))[ok], sqrt(diag(vcov(ref)))[ok],
                 tolerance = 1e-6)
    expect_equal(unname(predict(fit)),
                 unname(predict(ref, reference = "sample")), tolerance = 1e-8)
  }
})

test_that("survival's special terms that survstep lacks are refused", {
  lung <- survival::lung
  for (f in list(Surv(time, status) ~ frailty(inst),
                 Surv(time, status) ~ pspline(age),
                 Surv(time, status) ~ ridge(age, sex, theta = 1),
                 Surv(time, status) ~ tt(age))) {
    expect_error(cox(f, lung), class = "survstep_error_not_implemented")
  }
  expect_error(cox_stepwise(Surv(time, status) ~ age + cluster(inst), lung),
               class = "survstep_error_not_implemented")
  expect_snapshot(error = TRUE, cox_stepwise(Surv(time, status) ~ age +
                                                cluster(inst), lung))
})

test_that("zero-row data give the classed error and no stray warning", {
  d0 <- survival::lung[0, ]
  expect_no_warning(expect_error(cox(Surv(time, status) ~ sex, d0),
                                 class = "survstep_error_input"))
})

test_that("zero rows, negative and zero weights, a matrix as `data`", {
  d <- lung[1:40, ]
  expect_error(cox(Surv(time, status) ~ age, d[0, ]),
               class = "survstep_error_input")
  d$wneg <- 1
  d$wneg[3] <- -1
  expect_error(cox(Surv(time, status) ~ age, d, weights = wneg),
               class = "survstep_error_input")
  d$w0 <- rep(c(1, 2), 20)
  d$w0[c(2, 7)] <- 0
  d$wall0 <- 0
  expect_warning(fit <- cox(Surv(time, status) ~ age + sex, d, weights = w0),
                 class = "survstep_warning_zero_weights")
  # the same fit as without those rows
  ref <- cox(Surv(time, status) ~ age + sex, d[-c(2, 7), ], weights = w0)
  expect_equal(fit$coefficients, ref$coefficients, tolerance = 1e-12)
  expect_equal(fit$var, ref$var, tolerance = 1e-12)
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-12)
  expect_identical(fit$n, 38L)
  ref2 <- survival::coxph(Surv(time, status) ~ age + sex, d[-c(2, 7), ],
                          weights = w0, robust = FALSE)
  expect_equal(unname(fit$coefficients), unname(coef(ref2)),
               tolerance = 1e-8)
  expect_warning(cox_univariable(Surv(time, status) ~ age + sex, d,
                                 weights = w0),
                 class = "survstep_warning_zero_weights")
  expect_error(cox(Surv(time, status) ~ age, as.matrix(d[c("time", "status", "age")])),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    cox(Surv(time, status) ~ age, d[0, ])
    cox(Surv(time, status) ~ age, d, weights = wneg)
    cox(Surv(time, status) ~ age, d, weights = wall0)
    cox(Surv(time, status) ~ age, as.matrix(d[c("time", "status", "age")]))
    km(Surv(time, status) ~ 1, as.matrix(d[c("time", "status")]))
  })
  expect_snapshot(fit <- cox(Surv(time, status) ~ age + sex, d, weights = w0))
})

test_that("the null model's loglik has length 1, as coxph's", {
  fit <- cox(Surv(time, status) ~ 1, lung)
  ref <- survival::coxph(Surv(time, status) ~ 1, lung)
  expect_length(fit$loglik, 1L)
  expect_equal(fit$loglik, ref$loglik, tolerance = 1e-12)
  expect_equal(as.numeric(logLik(fit)), ref$loglik, tolerance = 1e-12)
  expect_length(cox_fit(NULL, Surv(lung$time, lung$status))$loglik, 1L)
})
