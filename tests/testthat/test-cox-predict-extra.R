# predict() standard errors and collapse, NA rows of newdata, the
# concordance's clustered variance, and arguments that used to be ignored
# (found by an independent review against survival).

test_that("predict(se.fit = TRUE) gives coxph's standard errors", {
  forms <- list(Surv(time, status) ~ age + sex + ph.ecog,
                Surv(time, status) ~ age + factor(ph.ecog) + strata(sex))
  nd <- survival::lung[c(1:10, 40), ]
  for (f in forms) {
    fit <- cox(f, data = survival::lung)
    ref <- survival::coxph(f, data = survival::lung)
    for (ty in c("lp", "terms")) {
      a <- predict(fit, type = ty, se.fit = TRUE)
      b <- predict(ref, type = ty, se.fit = TRUE, reference = "sample")
      expect_equal(unname(a$fit), unname(b$fit), tolerance = 1e-10,
                   ignore_attr = TRUE)
      expect_equal(unname(a$se.fit), unname(b$se.fit), tolerance = 1e-10,
                   ignore_attr = TRUE)
      a <- predict(fit, newdata = nd, type = ty, se.fit = TRUE)
      b <- predict(ref, newdata = nd, type = ty, se.fit = TRUE,
                   reference = "sample")
      expect_equal(unname(a$se.fit), unname(b$se.fit), tolerance = 1e-10,
                   ignore_attr = TRUE)
    }
    # the risk by the delta method: exp(lp) * se(lp)
    a <- predict(fit, newdata = nd, type = "risk", se.fit = TRUE)
    lp <- predict(ref, newdata = nd, type = "lp", se.fit = TRUE,
                  reference = "sample")
    expect_equal(unname(a$fit), unname(exp(lp$fit)), tolerance = 1e-10)
    expect_equal(unname(a$se.fit), unname(exp(lp$fit) * lp$se.fit),
                 tolerance = 1e-10)
  }
  # an independent reference: sqrt(x' V x) with x centred at the means
  fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
  X <- as.matrix(survival::lung[1:5, c("age", "sex")])
  Xc <- sweep(X, 2, fit$means)
  se <- sqrt(rowSums((Xc %*% vcov(fit)) * Xc))
  expect_equal(unname(predict(fit, newdata = survival::lung[1:5, ],
                              se.fit = TRUE)$se.fit), unname(se),
               tolerance = 1e-12)
  # the robust variance when the fit has it
  rf <- cox(Surv(time, status) ~ age + sex, data = survival::lung,
            robust = TRUE)
  rr <- survival::coxph(Surv(time, status) ~ age + sex, data = survival::lung,
                        robust = TRUE)
  expect_equal(unname(predict(rf, se.fit = TRUE)$se.fit),
               unname(predict(rr, se.fit = TRUE, reference = "sample")$se.fit),
               tolerance = 1e-10)
})

test_that("predict(collapse = ) sums within subject as predict.coxph()", {
  cgd <- survival::cgd
  fit <- cox(Surv(tstart, tstop, status) ~ treat + age, data = cgd)
  ref <- survival::coxph(Surv(tstart, tstop, status) ~ treat + age, data = cgd)
  a <- predict(fit, type = "expected", collapse = cgd$id)
  b <- predict(ref, type = "expected", collapse = cgd$id)
  expect_length(a, length(unique(cgd$id)))
  expect_equal(unname(a), unname(b), tolerance = 1e-10)
  expect_identical(names(a), names(b))
  # independently: the per-row expected counts summed by subject
  rows <- predict(fit, type = "expected")
  expect_equal(unname(a), as.vector(tapply(rows, cgd$id, sum)),
               tolerance = 1e-12)
  a <- predict(fit, type = "lp", se.fit = TRUE, collapse = cgd$id)
  b <- predict(ref, type = "lp", se.fit = TRUE, collapse = cgd$id,
               reference = "sample")
  expect_equal(unname(a$se.fit), unname(b$se.fit), tolerance = 1e-10)
  expect_error(predict(fit, type = "expected", collapse = 1:3),
               class = "survstep_error_input")
})

test_that("predict() refuses what it cannot do instead of ignoring it", {
  fit <- cox(Surv(tstart, tstop, status) ~ treat + age, data = survival::cgd)
  expect_error(predict(fit, typo = 1), class = "survstep_error_unused_argument")
  expect_error(residuals(fit, foo = 3), class = "survstep_error_unused_argument")
  expect_error(predict(fit, type = "expected", se.fit = TRUE),
               class = "survstep_error_not_implemented")
  expect_error(predict(fit, se.fit = "yes"), class = "survstep_error_input")
  # survfit()'s unsupported arguments are named, not evaluated
  expect_error(survival::survfit(fit, id = id),
               class = "survstep_error_not_implemented")
  expect_snapshot(error = TRUE, {
    predict(fit, typo = 1)
    survival::survfit(fit, id = id)
  })
})

test_that("type = 'expected' for newdata: NA for rows with a missing covariate", {
  lung <- survival::lung
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
  nd <- lung[1:20, ]
  expect_true(anyNA(nd$ph.ecog))
  a <- predict(fit, newdata = nd, type = "expected")
  b <- predict(ref, newdata = nd, type = "expected")
  expect_identical(unname(is.na(a)), unname(is.na(b)))
  expect_equal(unname(a), unname(b), tolerance = 1e-10)
  s <- predict(fit, newdata = nd, type = "survival")
  expect_equal(unname(s), unname(exp(-b)), tolerance = 1e-10)
  om <- predict(fit, newdata = nd, type = "expected", na.action = stats::na.omit)
  expect_equal(unname(om), unname(b[!is.na(b)]), tolerance = 1e-10)
  expect_true(all(is.na(predict(fit, newdata = nd[is.na(nd$ph.ecog), ],
                                type = "expected"))))
})

test_that("strata() inside an interaction: newdata predictions are refused", {
  f <- Surv(time, status) ~ age + karno + karno:strata(celltype)
  fit <- cox(f, data = survival::veteran)
  ref <- survival::coxph(f, data = survival::veteran)
  expect_equal(unname(coef(fit)), unname(coef(ref)), tolerance = 1e-8)
  expect_error(survival::survfit(fit, newdata = survival::veteran[40, ]),
               class = "survstep_error_not_implemented")
  expect_error(predict(fit, newdata = survival::veteran[1:5, ],
                       type = "expected"),
               class = "survstep_error_not_implemented")
})

test_that("the concordance's SE is summed within cluster() as coxph's", {
  lungc <- survival::lung[!is.na(survival::lung$inst), ]
  set.seed(7)
  lungc$wt <- runif(nrow(lungc), 0.5, 2)
  cases <- list(
    list(Surv(time, status) ~ age + sex + cluster(inst), lungc, NULL),
    list(Surv(time, status) ~ age + sex + cluster(inst), lungc, "wt"),
    list(Surv(tstart, tstop, status) ~ treat + age + cluster(id),
         survival::cgd, NULL),
    list(Surv(time, status) ~ rx + cluster(litter), survival::rats, NULL),
    list(Surv(time, status) ~ rx + strata(etype) + cluster(id),
         survival::colon, NULL))
  for (cs in cases) {
    d <- cs[[2]]
    if (is.null(cs[[3]])) {
      a <- cox(cs[[1]], data = d)
      b <- survival::coxph(cs[[1]], data = d)
    } else {
      d$w_ <- d[[cs[[3]]]]
      a <- cox(cs[[1]], data = d, weights = w_)
      b <- survival::coxph(cs[[1]], data = d, weights = w_)
    }
    expect_equal(unname(a$concordance["concordance"]),
                 unname(b$concordance["concordance"]), tolerance = 1e-12)
    expect_equal(unname(a$concordance["std"]), unname(b$concordance["std"]),
                 tolerance = 1e-10)
  }
  # clustering changes it (each patient of cgd has several rows)
  un <- cox(Surv(tstart, tstop, status) ~ treat + age, data = survival::cgd)
  cl <- cox(Surv(tstart, tstop, status) ~ treat + age + cluster(id),
            data = survival::cgd)
  expect_gt(abs(cl$concordance["std"] / un$concordance["std"] - 1), 0.05)
})

test_that("bad newdata for predict() is a classed error naming the problem", {
  v <- survival::veteran
  v$celltype <- factor(v$celltype)
  fit <- cox(Surv(time, status) ~ age + celltype, data = v)
  err <- expect_error(predict(fit, newdata = data.frame(age = 60)),
                      class = "survstep_error_input")
  expect_match(conditionMessage(err), "celltype", fixed = TRUE)
  expect_error(predict(fit, newdata = data.frame(age = 60, celltype = 2)),
               class = "survstep_error_input")
  expect_error(predict(fit, newdata = 1:3), class = "survstep_error_input")
})

test_that("predict() with an aliased column equals predict.coxph()", {
  d <- stats::na.omit(survival::lung[, c("time", "status", "age", "sex",
                                         "ph.ecog")])
  d$age2 <- 2 * d$age
  f <- Surv(time, status) ~ age + sex + age2 + ph.ecog
  expect_warning(a <- cox(f, data = d), class = "survstep_warning_singular")
  b <- survival::coxph(f, data = d)
  expect_true(is.na(coef(a)[["age2"]]))
  for (nd in list(NULL, d[c(1, 5, 9), ])) {
    for (type in c("lp", "terms")) {
      pa <- if (is.null(nd)) predict(a, type = type, se.fit = TRUE) else
        predict(a, newdata = nd, type = type, se.fit = TRUE)
      pb <- if (is.null(nd)) predict(b, type = type, se.fit = TRUE) else
        predict(b, newdata = nd, type = type, se.fit = TRUE)
      expect_equal(unclass(pa$fit), unclass(pb$fit), tolerance = 1e-10,
                   ignore_attr = TRUE, info = type)
      expect_equal(unclass(pa$se.fit), unclass(pb$se.fit), tolerance = 1e-10,
                   ignore_attr = TRUE, info = type)
    }
  }
})
