# cox_survfit(), survfit() on cox() fits and cox_basehaz(): survival's
# survfit.coxph() and basehaz() are the reference.

library(survival)

# Largest differences between a survfit.coxph() result and ours, curve by
# curve. survfit lists strata in order and, within a stratum, the rows of
# newdata as matrix columns; strata found in newdata give one curve per row.
survfit_diff <- function(ref, ours) {
  S <- as.matrix(ref$surv)
  H <- as.matrix(ref$cumhaz)
  E <- as.matrix(ref$std.err)
  L <- as.matrix(ref$lower)
  U <- as.matrix(ref$upper)
  ns <- if (is.null(ref$strata)) length(ref$time) else ref$strata
  st <- rep(seq_along(ns), ns)
  oc <- rep(seq_along(ours$strata), ours$strata)
  o <- 0L
  out <- c(time = 0, n.risk = 0, surv = 0, cumhaz = 0, se = 0, lower = 0,
           upper = 0)
  amax <- function(a, b) {
    ok <- !(is.na(a) & is.na(b))
    if (!any(ok)) return(0)
    if (any(is.na(a[ok]) != is.na(b[ok]))) return(Inf)
    max(abs(a[ok] - b[ok]), na.rm = TRUE)
  }
  for (s in seq_along(ns)) {
    for (j in seq_len(ncol(S))) {
      o <- o + 1L
      i <- which(st == s)
      k <- which(oc == o)
      if (length(i) != length(k)) return(c(out, length = Inf))
      out <- pmax(out, c(
        time = amax(ref$time[i], ours$time[k]),
        n.risk = amax(ref$n.risk[i], ours$n.risk[k]),
        surv = amax(S[i, j], ours$surv[k]),
        cumhaz = amax(H[i, j], ours$cumhaz[k]),
        se = amax(E[i, j], sqrt(ours$cumvar[k])),
        lower = amax(L[i, j], ours$conf.low[k]),
        upper = amax(U[i, j], ours$conf.high[k])
      ))
    }
  }
  expect_identical(o, length(ours$strata))
  out
}

expect_survfit_equal <- function(ref, ours, tol = 1e-8) {
  d <- survfit_diff(ref, ours)
  expect_true(all(d <= tol), label = paste(names(d), signif(d, 3),
                                           collapse = ", "))
}

lung_nd <- data.frame(age = c(50, 60, 75), sex = c(1, 2, 1),
                      ph.ecog = c(0, 1, 2))

test_that("lung: default curve and newdata rows, both ties, every CI type", {
  for (ties in c("efron", "breslow")) {
    f <- Surv(time, status) ~ age + sex + ph.ecog
    ref <- coxph(f, data = lung, ties = ties)
    fit <- cox(f, data = lung, ties = ties)
    expect_survfit_equal(survfit(ref), cox_survfit(fit))
    for (ct in c("log", "log-log", "plain")) {
      expect_survfit_equal(survfit(ref, newdata = lung_nd, conf.type = ct),
                           cox_survfit(fit, lung_nd, conf_type = ct))
    }
    expect_survfit_equal(survfit(ref, newdata = lung_nd, conf.int = 0.9),
                         cox_survfit(fit, lung_nd, conf_level = 0.9))
  }
})

test_that("the default curve is at fit$means (0/1 columns not centred)", {
  ref <- coxph(Surv(time, status) ~ age + I(sex - 1), data = lung)
  fit <- cox(Surv(time, status) ~ age + I(sex - 1), data = lung)
  expect_equal(unname(fit$means), unname(ref$means), tolerance = 1e-12)
  expect_survfit_equal(survfit(ref), cox_survfit(fit))
  one <- data.frame(age = fit$means[["age"]], sex = 1)
  expect_equal(cox_survfit(fit, one)$surv, cox_survfit(fit)$surv,
               tolerance = 1e-12)
})

test_that("ctype overrides the fit's hazard type", {
  ref <- coxph(Surv(time, status) ~ age + sex, data = lung)
  fit <- cox(Surv(time, status) ~ age + sex, data = lung)
  expect_survfit_equal(survfit(ref, newdata = lung_nd, ctype = 1),
                       cox_survfit(fit, lung_nd, ctype = 1))
  expect_false(isTRUE(all.equal(cox_survfit(fit, ctype = 1)$surv,
                                cox_survfit(fit)$surv)))
})

test_that("strata: lung strata(sex) and colon strata(sex, differ)", {
  for (ties in c("efron", "breslow")) {
    f <- Surv(time, status) ~ age + ph.ecog + strata(sex)
    ref <- coxph(f, data = lung, ties = ties)
    fit <- cox(f, data = lung, ties = ties)
    # strata found in newdata: one curve per row
    expect_survfit_equal(survfit(ref, newdata = lung_nd),
                         cox_survfit(fit, lung_nd))
    # not found: every row in every stratum
    expect_survfit_equal(survfit(ref, newdata = lung_nd[, -2]),
                         cox_survfit(fit, lung_nd[, -2]))
    expect_survfit_equal(survfit(ref), cox_survfit(fit))

    colon2 <- subset(colon, etype == 2)
    f2 <- Surv(time, status) ~ rx + age + nodes + strata(sex, differ)
    ref2 <- coxph(f2, data = colon2, ties = ties)
    fit2 <- cox(f2, data = colon2, ties = ties)
    nd <- data.frame(rx = c("Obs", "Lev+5FU", "Lev"), age = c(50, 70, 60),
                     nodes = c(2, 8, 1), sex = c(0, 1, 1), differ = c(2, 3, 1))
    expect_survfit_equal(survfit(ref2, newdata = nd), cox_survfit(fit2, nd))
    expect_survfit_equal(survfit(ref2, newdata = nd[, 1:3]),
                         cox_survfit(fit2, nd[, 1:3]))
  }
  sf <- cox_survfit(fit2, nd)
  expect_identical(sf$curves$strata,
                   c("sex=0, differ=2", "sex=1, differ=3", "sex=1, differ=1"))
  expect_identical(names(sf$strata), c("1", "2", "3"))
})

test_that("counting-process fits: heart and cgd", {
  for (ties in c("efron", "breslow")) {
    f <- Surv(start, stop, event) ~ age + surgery + transplant
    ref <- coxph(f, data = heart, ties = ties)
    fit <- cox(f, data = heart, ties = ties)
    nd <- data.frame(age = c(-10, 0, 5), surgery = c(0, 1, 0),
                     transplant = factor(c(0, 1, 1)))
    expect_survfit_equal(survfit(ref, newdata = nd), cox_survfit(fit, nd))
    expect_survfit_equal(survfit(ref), cox_survfit(fit))

    f2 <- Surv(tstart, tstop, status) ~ treat + age + inherit + strata(hos.cat)
    ref2 <- coxph(f2, data = cgd, ties = ties)
    fit2 <- cox(f2, data = cgd, ties = ties)
    nd2 <- data.frame(treat = c("placebo", "rIFN-g"), age = c(10, 20),
                      inherit = c("X-linked", "autosomal"))
    expect_survfit_equal(survfit(ref2, newdata = nd2), cox_survfit(fit2, nd2))
  }
})

test_that("case weights and offsets", {
  d <- lung
  d$w <- ifelse(is.na(d$inst), 1, d$inst) / 3
  for (ties in c("efron", "breslow")) {
    f <- Surv(time, status) ~ age + sex + offset(ph.ecog / 5)
    # cox() reports the model-based variance (coxph: robust = FALSE)
    ref <- coxph(f, data = d, ties = ties, weights = w, robust = FALSE)
    fit <- cox(f, data = d, ties = ties, weights = w)
    expect_survfit_equal(survfit(ref, newdata = lung_nd),
                         cox_survfit(fit, lung_nd))
    expect_survfit_equal(survfit(ref), cox_survfit(fit))
  }
  # integer weights on random data with ties
  set.seed(9)
  n <- 300
  r <- data.frame(time = rpois(n, 20) + 1, status = rbinom(n, 1, 0.7),
                  x1 = rnorm(n), x2 = rbinom(n, 1, 0.4),
                  g = sample(1:3, n, TRUE), w = sample(1:3, n, TRUE))
  ref <- coxph(Surv(time, status) ~ x1 + x2 + strata(g), data = r, weights = w)
  fit <- cox(Surv(time, status) ~ x1 + x2 + strata(g), data = r, weights = w)
  nd <- data.frame(x1 = c(-1, 1), x2 = c(0, 1))
  expect_survfit_equal(survfit(ref, newdata = nd), cox_survfit(fit, nd))
})

test_that("robust variances: non-integer weights and cluster()", {
  d <- lung
  d$w <- ifelse(is.na(d$inst), 1, d$inst) / 3
  # coxph() switches to the robust variance for non-integer weights
  ref <- coxph(Surv(time, status) ~ age + sex, data = d, weights = w)
  fit <- cox(Surv(time, status) ~ age + sex, data = d, weights = w,
             robust = TRUE)
  expect_survfit_equal(survfit(ref, newdata = lung_nd),
                       cox_survfit(fit, lung_nd))
  f <- Surv(tstart, tstop, status) ~ treat + age + cluster(id)
  ref <- coxph(f, data = cgd)
  fit <- cox(f, data = cgd)
  nd <- data.frame(treat = c("placebo", "rIFN-g"), age = c(10, 20))
  expect_survfit_equal(survfit(ref, newdata = nd), cox_survfit(fit, nd))
})

test_that("survfit() on a cox() fit dispatches to cox_survfit()", {
  fit <- cox(Surv(time, status) ~ age + sex, data = lung)
  ref <- coxph(Surv(time, status) ~ age + sex, data = lung)
  sf <- survfit(fit, newdata = lung_nd, conf.type = "log-log")
  expect_s3_class(sf, "survstep_coxsurv")
  expect_survfit_equal(survfit(ref, newdata = lung_nd, conf.type = "log-log"),
                       sf)
  no_se <- survfit(fit, se.fit = FALSE)
  expect_true(all(is.na(no_se$conf.low)))
  expect_identical(no_se$surv, cox_survfit(fit)$surv)
})

test_that("summaries of the curves: km_at() and summary() as survival's", {
  fit <- cox(Surv(time, status) ~ age + sex, data = lung)
  ref <- coxph(Surv(time, status) ~ age + sex, data = lung)
  tt <- c(0, 100, 365, 500)
  s1 <- summary(survfit(ref, newdata = lung_nd[1, ]), times = tt)
  a <- km_at(cox_survfit(fit, lung_nd[1, ]), tt)
  expect_equal(a$estimate, s1$surv, tolerance = 1e-10)
  expect_equal(a$std.error, s1$std.err, tolerance = 1e-10)
  expect_equal(a$conf.low, s1$lower, tolerance = 1e-10)
  expect_equal(a$n.risk, s1$n.risk)
  td <- tidy(cox_survfit(fit, lung_nd))
  expect_identical(unique(td$strata), c("1", "2", "3"))
  expect_snapshot(print(cox_survfit(fit, lung_nd)))
  expect_snapshot(print(summary(cox_survfit(fit, lung_nd[1, ]),
                                times = c(100, 365))))
})

test_that("cox_basehaz() equals survival::basehaz()", {
  for (f in list(Surv(time, status) ~ age + sex,
                 Surv(time, status) ~ age + ph.ecog + strata(sex))) {
    for (ties in c("efron", "breslow")) {
      ref <- coxph(f, data = lung, ties = ties)
      fit <- cox(f, data = lung, ties = ties)
      for (cen in c(TRUE, FALSE)) {
        b0 <- basehaz(ref, centered = cen)
        b1 <- cox_basehaz(fit, centered = cen)
        expect_equal(b1$time, b0$time)
        expect_equal(b1$hazard, b0$hazard, tolerance = 1e-8)
        expect_identical(as.character(b1$strata), as.character(b0$strata))
      }
    }
  }
  ref <- coxph(Surv(start, stop, event) ~ age + surgery, data = heart)
  fit <- cox(Surv(start, stop, event) ~ age + surgery, data = heart)
  expect_equal(cox_basehaz(fit)$hazard, basehaz(ref)$hazard, tolerance = 1e-8)
})

test_that("bad input is a classed error naming the argument", {
  fit <- cox(Surv(time, status) ~ age + factor(ph.ecog), data = lung)
  expect_snapshot(error = TRUE, cox_survfit(fit, data.frame(sex = 1)))
  expect_snapshot(error = TRUE,
                  cox_survfit(fit, data.frame(age = 50, ph.ecog = 7)))
  fit2 <- cox(Surv(time, status) ~ age + strata(sex), data = lung)
  expect_snapshot(error = TRUE,
                  cox_survfit(fit2, data.frame(age = 50, sex = 3)))
  expect_snapshot(error = TRUE, cox_survfit(fit, data.frame(age = NA,
                                                            ph.ecog = 1)))
  expect_snapshot(error = TRUE, cox_survfit(lm(1 ~ 1)))
  expect_snapshot(error = TRUE, cox_survfit(fit, ctype = 3))
  expect_snapshot(error = TRUE, cox_survfit(fit, conf_type = "logit"))
  expect_snapshot(error = TRUE, survfit(fit, id = 1))
  sf <- cox_survfit(fit, data.frame(age = 50, ph.ecog = 1))
  expect_snapshot(error = TRUE, km_at(sf, -1))
  expect_snapshot(error = TRUE, km_at(sf, NA))
  expect_error(summary(sf, times = c(1, NA)), class = "survstep_error_input")
  # the data of the fit are gone: a fit that rebuilds them from its call
  # says so; plain numeric columns are kept by the fit itself
  d <- lung
  fit3 <- cox(Surv(time, status) ~ age + factor(sex), data = d)
  fit4 <- cox(Surv(time, status) ~ age, data = d)
  before <- cox_survfit(fit4)$surv
  d <- d[1:10, ]
  expect_error(cox_survfit(fit3), class = "survstep_error_input")
  expect_equal(cox_survfit(fit4)$surv, before)
})

# Adjusted curves: the mean of the individually predicted curves, computed
# here with survfit(coxph, newdata).
adjusted_reference <- function(ref, data, variable, level) {
  nd <- data
  nd[[variable]] <- if (is.factor(data[[variable]])) {
    factor(rep(level, nrow(nd)), levels = levels(data[[variable]]))
  } else rep(level, nrow(nd))
  sf <- survfit(ref, newdata = nd, se.fit = FALSE)
  list(time = sf$time, surv = rowMeans(sf$surv))
}

test_that("cox_adjusted_curves() = the mean of survfit(coxph) curves", {
  colon2 <- na.omit(subset(colon, etype == 2)[, c("time", "status", "rx",
                                                   "age", "nodes", "sex")])
  for (ties in c("efron", "breslow")) {
    f <- Surv(time, status) ~ rx + age + nodes + sex
    ref <- coxph(f, data = colon2, ties = ties)
    fit <- cox(f, data = colon2, ties = ties)
    adj <- cox_adjusted_curves(fit, "rx")
    expect_identical(names(adj$strata), levels(colon2$rx))
    cv <- rep(names(adj$strata), adj$strata)
    for (lv in levels(colon2$rx)) {
      r <- adjusted_reference(ref, colon2, "rx", lv)
      expect_equal(adj$time[cv == lv], r$time)
      expect_lt(max(abs(adj$surv[cv == lv] - r$surv)), 1e-10)
    }
    # a numeric variable at given values
    adj2 <- cox_adjusted_curves(fit, "age", levels = c(40, 70))
    r <- adjusted_reference(ref, colon2, "age", 70)
    expect_lt(max(abs(adj2$surv[rep(2:1, adj2$strata) == 1] - r$surv)),
              1e-10)
  }
  # counting-process data (heart)
  ref <- coxph(Surv(start, stop, event) ~ transplant + age + surgery,
               data = heart)
  fit <- cox(Surv(start, stop, event) ~ transplant + age + surgery,
             data = heart)
  adj <- cox_adjusted_curves(fit, "transplant")
  r <- adjusted_reference(ref, heart, "transplant", "1")
  expect_lt(max(abs(adj$surv[rep(1:2, adj$strata) == 2] - r$surv)), 1e-10)
})

test_that("adjusting by the strata variable averages in each stratum", {
  d <- na.omit(lung[, c("time", "status", "age", "ph.ecog", "sex")])
  ref <- coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = d)
  fit <- cox(Surv(time, status) ~ age + ph.ecog + strata(sex), data = d)
  adj <- cox_adjusted_curves(fit, "sex")
  expect_identical(names(adj$strata), c("sex=1", "sex=2"))
  sf <- survfit(ref, newdata = d[, c("age", "ph.ecog")], se.fit = FALSE)
  ns <- sf$strata
  st <- rep(seq_along(ns), ns)
  for (s in 1:2) {
    expect_lt(max(abs(adj$surv[rep(1:2, adj$strata) == s] -
                        rowMeans(sf$surv[st == s, ]))), 1e-10)
  }
})

test_that("the delta-method SE reduces to survfit's when all rows agree", {
  # the only covariate is the grouping variable: every row's curve is the
  # curve of its level
  d <- na.omit(lung[, c("time", "status", "ph.ecog")])
  d$ph.ecog <- factor(d$ph.ecog)
  ref <- coxph(Surv(time, status) ~ ph.ecog, data = d)
  fit <- cox(Surv(time, status) ~ ph.ecog, data = d)
  adj <- cox_adjusted_curves(fit, "ph.ecog", conf_type = "log-log")
  sf <- survfit(ref, newdata = data.frame(ph.ecog = factor(0:3)),
                conf.type = "log-log")
  cv <- rep(seq_along(adj$strata), adj$strata)
  for (j in 1:4) {
    expect_lt(max(abs(sqrt(adj$cumvar[cv == j]) - sf$std.err[, j])), 1e-10)
    expect_lt(max(abs(adj$conf.low[cv == j] - sf$lower[, j]), na.rm = TRUE),
              1e-10)
  }
  expect_snapshot(print(adj))
  expect_silent({
    f <- tempfile(fileext = ".pdf")
    grDevices::pdf(f)
    plot(adj, conf_int = TRUE)
    grDevices::dev.off()
    unlink(f)
  })
})

test_that("cox_adjusted_curves() bad input", {
  colon2 <- subset(colon, etype == 2)
  fit <- cox(Surv(time, status) ~ rx + age, data = colon2)
  expect_snapshot(error = TRUE, cox_adjusted_curves(fit, "sex"))
  expect_snapshot(error = TRUE, cox_adjusted_curves(fit, "age"))
  expect_snapshot(error = TRUE, cox_adjusted_curves(fit, 1))
  expect_snapshot(error = TRUE, cox_adjusted_curves(fit, "rx",
                                                    levels = "Placebo"))
  fit2 <- cox(Surv(time, status) ~ rx + age + strata(sex), data = colon2)
  expect_snapshot(error = TRUE, cox_adjusted_curves(fit2, "rx"))
})

test_that("unknown arguments are classed errors", {
  fit <- cox(Surv(time, status) ~ age + sex, data = lung)
  expect_error(cox_survfit(fit, conf.level = 0.9),
               class = "survstep_error_unused_argument")
  expect_error(cox_basehaz(fit, centred = FALSE),
               class = "survstep_error_unused_argument")
  expect_error(cox_adjusted_curves(fit, "sex", levels = 1:2, conf.int = 0.9),
               class = "survstep_error_unused_argument")
  expect_error(plot(fit, pch = 1), class = "survstep_error_unused_argument")
})
