lung <- survival::lung
vet <- survival::veteran

test_that("print() and summary() read like coxph's", {
  fit <- cox(Surv(time, status) ~ age + sex + factor(ph.ecog), lung)
  expect_snapshot(print(fit))
  expect_snapshot(print(summary(fit)))
  expect_snapshot(print(cox(Surv(time, status) ~ 1, lung)))
  expect_snapshot(print(summary(cox(Surv(time, status) ~ strata(sex), lung))))
  capture.output(vis <- withVisible(print(fit)))
  expect_false(vis$visible)
  expect_identical(vis$value, fit)
  expect_output(print(fit), "Likelihood ratio test=30.87  on 5 df")
})

test_that("summary() statistics agree with summary.coxph()", {
  for (ties in c("efron", "breslow")) {
    fit <- cox(Surv(time, status) ~ trt + celltype + karno, vet, ties = ties)
    ref <- summary(survival::coxph(Surv(time, status) ~ trt + celltype + karno,
                                   vet, ties = ties))
    s <- summary(fit, conf.int = 0.9)
    ref9 <- summary(survival::coxph(Surv(time, status) ~ trt + celltype + karno,
                                    vet, ties = ties), conf.int = 0.9)
    expect_equal(unname(s$coefficients), unname(ref$coefficients),
                 tolerance = 1e-6)
    expect_equal(s$conf.int, ref9$conf.int, tolerance = 1e-6)
    expect_equal(s$logtest, ref$logtest, tolerance = 1e-7)
    # summary.coxph() rounds the Wald statistic to 2 decimals
    expect_equal(s$waldtest[["test"]],
                 survival::coxph(Surv(time, status) ~ trt + celltype + karno,
                                 vet, ties = ties)$wald.test, tolerance = 1e-7)
    expect_equal(s$waldtest[-1], ref$waldtest[-1], tolerance = 1e-6)
    expect_equal(s$sctest, ref$sctest, tolerance = 1e-7)
    expect_equal(unname(s$concordance), unname(ref$concordance),
                 tolerance = 1e-8)
    # multi-df Wald test of the factor: b' V^-1 b from the fit
    tt <- s$term_tests
    cols <- fit$assign$celltype
    b <- coef(fit)[cols]
    expect_equal(tt$statistic, drop(b %*% solve(vcov(fit)[cols, cols], b)),
                 tolerance = 1e-10)
    expect_identical(tt$df, 3)
  }
})

test_that("coef, vcov, confint, logLik, AIC, BIC, nobs agree with coxph", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.karno, lung)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.karno, lung)
  expect_equal(coef(fit), coef(ref), tolerance = 1e-7)
  expect_equal(vcov(fit), vcov(ref), tolerance = 1e-6)
  expect_equal(confint(fit), confint(ref), tolerance = 1e-6)
  expect_equal(confint(fit, "sex", level = 0.9), confint(ref, "sex", level = 0.9),
               tolerance = 1e-6)
  expect_equal(confint(fit, 2), confint(ref, 2), tolerance = 1e-6)
  expect_equal(logLik(fit), logLik(ref), tolerance = 1e-10)
  expect_equal(AIC(fit), AIC(ref), tolerance = 1e-10)
  expect_equal(BIC(fit), BIC(ref), tolerance = 1e-10)
  expect_identical(nobs(fit), as.integer(nobs(ref)))
  expect_equal(extractAIC(fit), extractAIC(ref), tolerance = 1e-10)
  expect_equal(extractAIC(fit, k = log(nobs(fit))),
               extractAIC(ref, k = log(nobs(ref))), tolerance = 1e-10)
})

test_that("predict() agrees with predict.coxph(reference = 'sample')", {
  fit <- cox(Surv(time, status) ~ age + sex + factor(ph.ecog) + wt.loss, lung,
             na.action = na.exclude)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + factor(ph.ecog) +
                           wt.loss, lung, na.action = na.exclude)
  expect_equal(predict(fit), predict(ref, reference = "sample"),
               tolerance = 1e-8)
  expect_equal(predict(fit, type = "risk"),
               predict(ref, type = "risk", reference = "sample"),
               tolerance = 1e-8)
  expect_equal(predict(fit, reference = "zero"),
               predict(ref, reference = "zero"), tolerance = 1e-8)
  nd <- data.frame(age = c(50, 60, 70, NA), sex = c(1, 2, 1, 2),
                   ph.ecog = c(0, 1, 3, 2), wt.loss = c(0, 5, 10, 2))
  expect_equal(predict(fit, nd), predict(ref, nd, reference = "sample"),
               tolerance = 1e-8)
  expect_equal(predict(fit, nd, type = "risk"),
               predict(ref, nd, type = "risk", reference = "sample"),
               tolerance = 1e-8)
  expect_equal(predict(fit, nd, reference = "zero"),
               predict(ref, nd, reference = "zero"), tolerance = 1e-8)
  # strata and offsets
  d <- na.omit(lung[, c("time", "status", "age", "sex", "inst")])
  d$off <- d$age / 100
  fs <- cox(Surv(time, status) ~ age + offset(off) + strata(inst), d)
  rs <- survival::coxph(Surv(time, status) ~ age + offset(off) + strata(inst),
                        d)
  nd2 <- data.frame(age = c(40, 80), off = c(0.1, 0.3))
  # the offset is centred at its fitted mean, as in the fit's linear
  # predictors (predict.coxph() does so only on some of its code paths)
  expect_equal(predict(fs, nd2),
               predict(rs, nd2, reference = "sample") - mean(d$off),
               tolerance = 1e-8)
  expect_equal(predict(fs, d), predict(fs), tolerance = 1e-12,
               ignore_attr = TRUE)
  expect_equal(predict(fs), predict(rs, reference = "sample"),
               tolerance = 1e-8)
  expect_error(predict(fit, type = "hazard"), class = "survstep_error_input")
})

test_that("anova() agrees with anova.coxph for nested fits and sequentially", {
  d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst")])
  f1 <- cox(Surv(time, status) ~ age, d)
  f2 <- cox(Surv(time, status) ~ age + sex + factor(ph.ecog), d)
  r1 <- survival::coxph(Surv(time, status) ~ age, d)
  r2 <- survival::coxph(Surv(time, status) ~ age + sex + factor(ph.ecog), d)
  a <- anova(f1, f2)
  r <- anova(r1, r2)
  expect_equal(as.data.frame(a), as.data.frame(r), tolerance = 1e-8,
               ignore_attr = TRUE)
  expect_s3_class(a, "anova")
  expect_equal(as.data.frame(anova(f2)), as.data.frame(anova(r2)),
               tolerance = 1e-8, ignore_attr = TRUE)
  expect_identical(rownames(anova(f2)), rownames(anova(r2)))
  fs <- cox(Surv(time, status) ~ age + sex + strata(inst), d, ties = "breslow")
  rs <- survival::coxph(Surv(time, status) ~ age + sex + strata(inst), d,
                        ties = "breslow")
  expect_equal(as.data.frame(anova(fs)), as.data.frame(anova(rs)),
               tolerance = 1e-8, ignore_attr = TRUE)
  expect_snapshot(anova(f1, f2))
  expect_error(anova(f1, cox(Surv(time, status) ~ age, lung)),
               class = "survstep_error_input")
  expect_error(anova(f1, cox(Surv(time, status) ~ age, d, ties = "breslow")),
               class = "survstep_error_input")
})

test_that("stats::step() works on cox() fits and picks what it picks for coxph", {
  d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "wt.loss",
                        "meal.cal")])
  full <- cox(Surv(time, status) ~ age + sex + ph.ecog + wt.loss + meal.cal, d)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog + wt.loss +
                           meal.cal, d)
  s1 <- stats::step(full, trace = 0)
  s2 <- stats::step(ref, trace = 0)
  expect_identical(attr(terms(s1$formula), "term.labels"),
                   attr(terms(s2), "term.labels"))
  expect_equal(coef(s1), coef(s2), tolerance = 1e-6)
  expect_equal(s1$anova$AIC, s2$anova$AIC, tolerance = 1e-8)
})

test_that("tidy() and glance() give broom's columns and values", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, lung)
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, lung)
  s <- summary(ref)
  td <- tidy(fit)
  expect_named(td, c("term", "estimate", "std.error", "statistic", "p.value"))
  expect_equal(td$estimate, unname(coef(ref)), tolerance = 1e-7)
  expect_equal(td$std.error, unname(s$coefficients[, "se(coef)"]),
               tolerance = 1e-6)
  expect_equal(td$p.value, unname(s$coefficients[, "Pr(>|z|)"]),
               tolerance = 1e-6)
  te <- tidy(fit, exponentiate = TRUE, conf.int = TRUE, conf.level = 0.9)
  s9 <- summary(ref, conf.int = 0.9)
  expect_named(te, c("term", "estimate", "std.error", "statistic", "p.value",
                     "conf.low", "conf.high"))
  expect_equal(te$estimate, unname(s9$conf.int[, 1]), tolerance = 1e-7)
  expect_equal(te$conf.low, unname(s9$conf.int[, 3]), tolerance = 1e-6)
  expect_equal(te$conf.high, unname(s9$conf.int[, 4]), tolerance = 1e-6)
  gl <- glance(fit)
  expect_named(gl, c("n", "nevent", "statistic.log", "p.value.log",
                     "statistic.sc", "p.value.sc", "statistic.wald",
                     "p.value.wald", "concordance", "std.error.concordance",
                     "logLik", "AIC", "BIC", "nobs"))
  expect_equal(gl$statistic.log, unname(s$logtest["test"]), tolerance = 1e-7)
  expect_equal(gl$p.value.sc, unname(s$sctest["pvalue"]), tolerance = 1e-7)
  expect_equal(gl$statistic.wald, ref$wald.test, tolerance = 1e-7)
  expect_equal(gl$concordance, unname(s$concordance[1]), tolerance = 1e-8)
  expect_equal(gl$std.error.concordance, unname(s$concordance[2]),
               tolerance = 1e-8)
  expect_equal(gl$AIC, AIC(ref), tolerance = 1e-10)
  expect_equal(gl$BIC, BIC(ref), tolerance = 1e-10)
  expect_identical(gl$n, ref$n)
})

test_that("model.frame() and model.matrix() rebuild the fitted data", {
  fit <- cox(Surv(time, status) ~ age + factor(ph.ecog) + strata(sex), lung,
             x = TRUE)
  fit2 <- cox(Surv(time, status) ~ age + factor(ph.ecog) + strata(sex), lung)
  expect_identical(unname(model.matrix(fit2)), unname(fit$x))
  expect_identical(nrow(model.frame(fit2)), fit$n)
})

test_that("predict(type = 'expected', 'survival', 'terms') equals predict.coxph", {
  lung <- survival::lung
  heart <- survival::heart
  set.seed(5)
  d <- data.frame(t = sample(1:20, 200, TRUE), s = rbinom(200, 1, 0.7),
                  x1 = rnorm(200), f = factor(sample(letters[1:3], 200, TRUE)),
                  g = sample(1:2, 200, TRUE), w = runif(200, 0.5, 2))
  fits <- list(
    list(cox(Surv(time, status) ~ age + factor(ph.ecog), lung,
             na.action = na.exclude),
         survival::coxph(Surv(time, status) ~ age + factor(ph.ecog), lung,
                         na.action = na.exclude)),
    list(cox(Surv(start, stop, event) ~ age + surgery + transplant, heart,
             ties = "breslow"),
         survival::coxph(Surv(start, stop, event) ~ age + surgery +
                           transplant, heart, ties = "breslow")),
    list(cox(Surv(t, s) ~ x1 + f + strata(g), d, weights = w),
         survival::coxph(Surv(t, s) ~ x1 + f + strata(g), d, weights = w,
                         robust = FALSE))
  )
  for (ab in fits) {
    a <- ab[[1]]
    b <- ab[[2]]
    expect_equal(predict(a, type = "expected"), predict(b, type = "expected"),
                 tolerance = 1e-8)
    expect_equal(predict(a, type = "survival"), predict(b, type = "survival"),
                 tolerance = 1e-8)
    expect_equal(predict(a, type = "terms"), predict(b, type = "terms"),
                 tolerance = 1e-8)
    expect_equal(predict(a, type = "terms", terms = 1),
                 predict(b, type = "terms", terms = 1), tolerance = 1e-8)
  }
  nd <- data.frame(x1 = c(-1, 0, 2), f = c("a", "c", "b"), g = c(1, 2, 2))
  expect_equal(predict(fits[[3]][[1]], nd, type = "terms"),
               predict(fits[[3]][[2]], nd, type = "terms"), tolerance = 1e-8)
  expect_equal(predict(fits[[3]][[1]], nd, type = "terms",
                       reference = "zero"),
               predict(fits[[3]][[2]], nd, type = "terms",
                       reference = "zero"), tolerance = 1e-8)
  expect_snapshot(error = TRUE, predict(fits[[1]][[1]], type = "terms",
                                        terms = "sex"))
  expect_snapshot(error = TRUE, predict(fits[[3]][[1]], nd, type = "expected"))
  # expected / survival for newdata with the response, as predict.coxph
  nd$t <- c(3, 10, 25)
  nd$s <- c(1, 0, 1)
  for (k in 1:3) {
    a <- fits[[k]][[1]]
    b <- fits[[k]][[2]]
    new <- switch(k, lung[c(1, 5, 9, 40), ], heart[c(2, 7, 30, 100), ], nd)
    expect_equal(unname(predict(a, new, type = "expected")),
                 unname(predict(b, new, type = "expected")), tolerance = 1e-8)
    expect_equal(unname(predict(a, new, type = "survival")),
                 unname(predict(b, new, type = "survival")), tolerance = 1e-8)
  }
})
