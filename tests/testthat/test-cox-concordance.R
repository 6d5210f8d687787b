# concordance() of a cox() fit against survival::concordance() of the same
# coxph() fit: the estimate, its variance and the counts, with strata,
# weights, clusters, offsets, counting-process data, time weights,
# truncation, new data, influence values and ranks.

conc_lung <- stats::na.omit(survival::lung[, c("time", "status", "age", "sex",
                                               "ph.ecog", "inst", "wt.loss")])

expect_same_concordance <- function(a, b, info = NULL) {
  expect_s3_class(a, "concordance")
  expect_equal(unname(coef(a)), unname(coef(b)), tolerance = 1e-12, info = info)
  expect_equal(unname(vcov(a)), unname(vcov(b)), tolerance = 1e-10, info = info)
  expect_equal(unname(a$count), unname(b$count), tolerance = 1e-12, info = info)
  expect_identical(a$n, b$n, info = info)
}

test_that("concordance() equals survival's for right-censored fits", {
  cases <- list(
    plain = Surv(time, status) ~ age + sex,
    missing = Surv(time, status) ~ age + ph.ecog,
    strata = Surv(time, status) ~ age + strata(sex),
    strata2 = Surv(time, status) ~ age + strata(sex, ph.ecog),
    factor = Surv(time, status) ~ age + factor(ph.ecog),
    offset = Surv(time, status) ~ age + sex + offset(age / 50)
  )
  for (nm in names(cases)) {
    f <- cases[[nm]]
    expect_same_concordance(concordance(cox(f, data = survival::lung)),
                            survival::concordance(survival::coxph(f, data = survival::lung)),
                            info = nm)
  }
  f <- Surv(time, status) ~ age + sex + cluster(inst)
  a <- concordance(cox(f, data = conc_lung))
  b <- survival::concordance(survival::coxph(f, data = conc_lung))
  expect_same_concordance(a, b)
  # the clustered variance is not the unclustered one
  a0 <- concordance(cox(Surv(time, status) ~ age + sex, data = conc_lung))
  expect_gt(abs(vcov(a) - vcov(a0)), 1e-5)
  # weights, and zero weights (left out by the fit, as a subset by coxph)
  w <- seq(0.5, 2, length.out = nrow(conc_lung))
  expect_same_concordance(
    concordance(cox(Surv(time, status) ~ age + sex, data = conc_lung, weights = w)),
    survival::concordance(survival::coxph(Surv(time, status) ~ age + sex,
                                          data = conc_lung, weights = w)))
  w0 <- rep(c(0, 1, 2), length.out = nrow(conc_lung))
  a <- suppressWarnings(concordance(cox(Surv(time, status) ~ age + sex,
                                        data = conc_lung, weights = w0)))
  b <- survival::concordance(survival::coxph(Surv(time, status) ~ age + sex,
                                             data = conc_lung, weights = w0,
                                             subset = w0 > 0))
  expect_same_concordance(a, b)
  # the value stored in the fit
  fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
  expect_equal(unname(coef(concordance(fit))),
               unname(fit$concordance[["concordance"]]), tolerance = 1e-12)
  expect_equal(sqrt(unname(vcov(concordance(fit)))),
               unname(fit$concordance[["std"]]), tolerance = 1e-10)
})

test_that("concordance() equals survival's for counting-process fits", {
  for (f in list(Surv(tstart, tstop, status) ~ treat + age + strata(hos.cat),
                 Surv(tstart, tstop, status) ~ treat + age + cluster(id))) {
    expect_same_concordance(concordance(cox(f, data = survival::cgd)),
                            survival::concordance(survival::coxph(f, data = survival::cgd)),
                            info = deparse1(f))
  }
  vet <- survival::survSplit(Surv(time, status) ~ ., data = survival::veteran,
                             cut = c(50, 100, 200), episode = "tgroup")
  f <- Surv(tstart, time, status) ~ karno + celltype
  expect_same_concordance(
    concordance(cox(f, data = vet, ties = "breslow")),
    survival::concordance(survival::coxph(f, data = vet, ties = "breslow")))
})

test_that("time weights, truncation, influence, ranks and new data as survival", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = conc_lung[1:150, ])
  ref <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog,
                         data = conc_lung[1:150, ])
  for (tw in c("n", "S", "S/G", "n/G2", "I")) {
    expect_same_concordance(concordance(fit, timewt = tw, ymax = 700),
                            survival::concordance(ref, timewt = tw, ymax = 700),
                            info = tw)
  }
  expect_same_concordance(concordance(fit, ymin = 100),
                          survival::concordance(ref, ymin = 100))
  a <- concordance(fit, influence = 3, ranks = TRUE)
  b <- survival::concordance(ref, influence = 3, ranks = TRUE)
  expect_equal(a$dfbeta, b$dfbeta, tolerance = 1e-12)
  expect_equal(a$influence, b$influence, tolerance = 1e-12)
  expect_equal(as.matrix(a$ranks), as.matrix(b$ranks), tolerance = 1e-12)
  # new data with missing values (dropped) and strata
  expect_same_concordance(
    concordance(fit, newdata = survival::lung[151:228, ]),
    survival::concordance(ref, newdata = survival::lung[151:228, ]))
  fs <- cox(Surv(time, status) ~ age + strata(sex), data = survival::lung)
  rs <- survival::coxph(Surv(time, status) ~ age + strata(sex), data = survival::lung)
  expect_same_concordance(
    concordance(fs, newdata = survival::lung[1:100, ]),
    survival::concordance(rs, newdata = survival::lung[1:100, ]))
  # a user cluster
  cl <- rep(1:30, length.out = 150)
  expect_same_concordance(concordance(fit, cluster = cl),
                          survival::concordance(ref, cluster = cl))
})

test_that("concordance() of a selection is that of its final model", {
  sw <- suppressWarnings(cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog +
                                        wt.loss, data = conc_lung))
  expect_identical(coef(concordance(sw)), coef(concordance(sw$final)))
  ref <- survival::coxph(stats::formula(sw$final), data = conc_lung)
  expect_same_concordance(concordance(sw), survival::concordance(ref))
})

test_that("concordance() bad input is a classed error", {
  fit <- cox(Surv(time, status) ~ age + sex, data = conc_lung)
  fit2 <- cox(Surv(time, status) ~ age, data = conc_lung)
  expect_error(concordance(fit, survival::coxph(Surv(time, status) ~ age,
                                                 data = conc_lung)),
               class = "survstep_error_input")
  expect_error(concordance(fit, cox(Surv(time, status) ~ age,
                                    data = survival::lung)),
               class = "survstep_error_input")
  expect_error(concordance(fit, cox(Surv(time, status) ~ age, data = conc_lung,
                                    weights = rep(2, nrow(conc_lung)))),
               class = "survstep_error_input")
  expect_error(concordance(fit, bogus = 1), class = "survstep_error_unused_argument")
  expect_error(concordance(fit, timewt = "x"), class = "survstep_error_input")
  expect_error(concordance(fit, influence = 5), class = "survstep_error_input")
  expect_error(concordance(fit, ymax = "a"), class = "survstep_error_input")
  expect_error(concordance(fit, cluster = 1:3), class = "survstep_error_input")
  expect_error(concordance(fit, newdata = 1:3), class = "survstep_error_input")
  expect_error(concordance(fit, newdata = conc_lung[, c("age", "sex")]),
               class = "survstep_error_input")
  # (survival's C code fails on these time weights for (start, stop] data)
  hf <- cox(Surv(start, stop, event) ~ age + transplant, data = survival::heart)
  for (tw in c("S", "I", "S/G", "n/G2")) {
    expect_error(concordance(hf, timewt = tw),
                 class = "survstep_error_not_implemented", info = tw)
  }
  expect_error(concordance(fit, newdata = conc_lung[1, ]),
               class = "survstep_error_input")
  expect_error(concordance(fit, newdata = conc_lung[0, ]),
               class = "survstep_error_input")
  expect_error(concordance(fit, newdata = conc_lung[, -2]),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    concordance(hf, timewt = "S")
    concordance(fit, newdata = conc_lung[1, ])
    concordance(fit, newdata = conc_lung[, c("time", "age", "sex")])
    concordance(fit, 3)
    concordance(fit, cox(Surv(time, status) ~ age, data = survival::lung))
    concordance(fit, timewt = "x")
    concordance(fit, cluster = 1:3)
  })
})

test_that("several fits: survival's comparison of concordances", {
  a1 <- cox(Surv(time, status) ~ age, data = conc_lung)
  a2 <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = conc_lung)
  b1 <- survival::coxph(Surv(time, status) ~ age, data = conc_lung)
  b2 <- survival::coxph(Surv(time, status) ~ age + sex + ph.ecog,
                        data = conc_lung)
  for (infl in 0:3) {
    a <- concordance(a1, a2, influence = infl, timewt = "S/G", ranks = TRUE)
    b <- survival::concordance(b1, b2, influence = infl, timewt = "S/G",
                               ranks = TRUE)
    expect_identical(names(a), names(b))
    expect_equal(coef(a), setNames(coef(b), c("a1", "a2")), tolerance = 1e-12)
    expect_equal(vcov(a), vcov(b), tolerance = 1e-10)
    expect_equal(a$count, `rownames<-`(b$count, c("a1", "a2")), tolerance = 1e-12)
    expect_equal(a$cvar, b$cvar, tolerance = 1e-10)
    expect_equal(a$dfbeta, b$dfbeta, tolerance = 1e-12)
    expect_equal(a$influence, b$influence, tolerance = 1e-12)
    expect_equal(a$ranks[-1], b$ranks[-1], tolerance = 1e-12)
    expect_identical(unique(a$ranks$fit), c("a1", "a2"))
  }
  # with case weights and clusters the diagonal is each fit's own variance
  # (survival 3.5 weights the dfbetas twice there, and fails with clusters)
  w <- seq(0.5, 2, length.out = nrow(conc_lung))
  for (f in list(~ age, ~ age + cluster(inst))) {
    w1 <- cox(stats::update(Surv(time, status) ~ ., f), data = conc_lung,
              weights = w)
    w2 <- cox(stats::update(Surv(time, status) ~ sex, f), data = conc_lung,
              weights = w)
    a <- concordance(w1, w2)
    expect_equal(diag(vcov(a)), c(vcov(concordance(w1)), vcov(concordance(w2))),
                 tolerance = 1e-12)
    expect_equal(unname(coef(a)), c(coef(concordance(w1)), coef(concordance(w2))),
                 tolerance = 1e-12)
  }
  # a selection is its final model
  sw <- suppressWarnings(cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog,
                                      data = conc_lung))
  a <- concordance(sw, a1)
  expect_equal(unname(coef(a)), c(coef(concordance(sw$final)), coef(concordance(a1))),
               tolerance = 1e-12)
  expect_identical(names(coef(a)), c("sw", "a1"))
})
