# Tests of logrank_test() and logrank_pairwise().
#
# References: survival::survdiff() (log-rank = rho 0, Peto-Peto = rho 1), an
# independent R implementation written here from the formulas of
# methods.md section 2 (ref_logrank()), and a hand-worked example.

library(survival)

`%||%` <- function(x, y) if (is.null(x)) y else x

# Independent reference ------------------------------------------------------
#
# Straight from the formulas: for each stratum and distinct event time t,
# n_t, d_t, n_gt, d_gt and the weight w_t; O_g = sum w d_gt,
# E_g = sum w d_t n_gt / n_t, V = sum w^2 d_t (n_t - d_t) / (n_t (n_t - 1))
# (diag(n_gt) - n_gt n_gt' / n_t); X^2 = U' V^-1 U over the groups with E > 0
# minus the first. S(t-) is the pooled Kaplan-Meier just before t.
ref_logrank <- function(time, status, group, strata = NULL,
                        test = "logrank", p = 1, q = 0, scores = NULL) {
  group <- as.factor(group)
  lev <- levels(group)
  k <- length(lev)
  if (is.null(strata)) strata <- rep(1L, length(time))
  O <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (s in unique(strata)) {
    ts <- time[strata == s]
    ds <- status[strata == s]
    gs <- group[strata == s]
    surv_before <- 1
    for (t in sort(unique(ts[ds == 1]))) {
      risk <- ts >= t
      dead <- ts == t & ds == 1
      n_t <- sum(risk)
      d_t <- sum(dead)
      n_gt <- vapply(lev, function(l) sum(risk & gs == l), numeric(1),
                     USE.NAMES = FALSE)
      d_gt <- vapply(lev, function(l) sum(dead & gs == l), numeric(1),
                     USE.NAMES = FALSE)
      w <- switch(test,
        "logrank" = 1,
        "gehan-breslow" = n_t,
        "tarone-ware" = sqrt(n_t),
        "peto-peto" = surv_before,
        "fleming-harrington" = surv_before^p * (1 - surv_before)^q
      )
      O <- O + w * d_gt
      E <- E + w * d_t * n_gt / n_t
      if (n_t > 1) {
        V <- V + w^2 * d_t * (n_t - d_t) / (n_t * (n_t - 1)) *
          (diag(n_gt, k) - outer(n_gt, n_gt) / n_t)
      }
      surv_before <- surv_before * (1 - d_t / n_t)
    }
  }
  U <- O - E
  use <- which(E > 0)[-1]
  chisq <- drop(crossprod(U[use], solve(V[use, use, drop = FALSE], U[use])))
  out <- list(observed = O, expected = E, var = V, statistic = chisq,
              df = length(use))
  if (!is.null(scores)) {
    out$trend <- sum(scores * U)^2 / drop(t(scores) %*% V %*% scores)
  }
  out
}

# survdiff() on the same data and formula, with survdiff's totals.
sd_totals <- function(fit) {
  o <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  e <- if (is.matrix(fit$exp)) apply(fit$exp, 1, sum) else fit$exp
  list(observed = unname(o), expected = unname(e))
}

# Random data with heavy ties, strata and 3-4 groups.
sim_ties <- function(n, seed, k = 4, n_strata = 3) {
  set.seed(seed)
  g <- sample(letters[seq_len(k)], n, replace = TRUE)
  rate <- c(a = 0.10, b = 0.14, c = 0.08, d = 0.12)[g]
  data.frame(
    time = pmax(1, round(rexp(n, rate))),
    status = rbinom(n, 1, 0.7),
    g = g,
    s = sample(seq_len(n_strata), n, replace = TRUE),
    stringsAsFactors = FALSE
  )
}

lung2 <- transform(survival::lung, status = status - 1)
pbc2 <- survival::pbc

# Agreement with survdiff ------------------------------------------------------

oracle_cases <- list(
  list(Surv(time, status) ~ sex, lung2),
  list(Surv(time, status) ~ ph.ecog, lung2),
  list(Surv(time, status) ~ ph.ecog + strata(inst), lung2),
  list(Surv(time, status) ~ sex + ph.ecog, lung2),
  list(Surv(time, status) ~ celltype, survival::veteran),
  list(Surv(time, status) ~ trt + strata(celltype), survival::veteran),
  list(Surv(time, status) ~ x, survival::aml),
  list(Surv(futime, fustat) ~ rx, survival::ovarian),
  list(Surv(futime, fustat) ~ rx + strata(resid.ds), survival::ovarian),
  list(Surv(time, status) ~ rx, survival::colon),
  list(Surv(time, status) ~ rx + strata(sex, etype), survival::colon),
  list(Surv(time, status == 2) ~ trt, pbc2),
  list(Surv(time, status == 2) ~ stage + strata(sex), pbc2),
  list(Surv(time, status) ~ g, sim_ties(600, 1)),
  list(Surv(time, status) ~ g + strata(s), sim_ties(600, 2)),
  list(Surv(time, status) ~ g + strata(s), sim_ties(6000, 3)),
  list(Surv(time, status) ~ g, sim_ties(6000, 4)),
  # non-integer times above the radix-sort threshold
  list(Surv(time, status) ~ g + strata(s),
       transform(sim_ties(6000, 10), time = time / 7))
)

test_that("log-rank and Peto-Peto agree with survdiff(rho = 0 / 1)", {
  for (case in oracle_cases) {
    for (rho in 0:1) {
      f <- case[[1]]
      d <- case[[2]]
      ref <- survdiff(f, data = d, rho = rho)
      fit <- logrank_test(f, data = d,
                          test = if (rho == 0) "logrank" else "peto-peto")
      tot <- sd_totals(ref)
      label <- paste(deparse(f), "rho =", rho)
      expect_equal(fit$statistic, ref$chisq, tolerance = 1e-9, label = label)
      expect_lt(abs(fit$statistic - ref$chisq), 1e-9 * max(1, ref$chisq))
      expect_identical(fit$df, sum(tot$expected > 0) - 1L, label = label)
      expect_identical(fit$p.value,
                       pchisq(fit$statistic, fit$df, lower.tail = FALSE))
      # observed and expected: the same arithmetic as survdiff, bit for bit
      expect_identical(fit$table$observed, tot$observed, label = label)
      expect_identical(fit$table$expected, tot$expected, label = label)
      expect_identical(unname(fit$var), unname(ref$var), label = label)
      expect_identical(fit$table$n, as.numeric(ref$n), label = label)
      expect_identical(fit$table$group, names(ref$n), label = label)
      expect_identical(fit$n_dropped, length(ref$na.action), label = label)
    }
  }
})

test_that("Fleming-Harrington(rho, 0) equals survdiff(rho)", {
  for (rho in c(0.5, 2)) {
    ref <- survdiff(Surv(time, status) ~ ph.ecog + strata(sex), data = lung2,
                    rho = rho)
    fit <- logrank_test(Surv(time, status) ~ ph.ecog + strata(sex),
                        data = lung2, test = "fleming-harrington", p = rho)
    expect_equal(fit$statistic, ref$chisq, tolerance = 1e-9)
    expect_identical(fit$table$expected, sd_totals(ref)$expected)
  }
})

test_that("timefix merges near-tied times as survdiff does, and can be off", {
  set.seed(5)
  d <- sim_ties(400, 5)
  d$time <- d$time + sample(c(0, 1e-10, -1e-10), 400, replace = TRUE)
  # (survdiff(timefix = FALSE) passes `timefix` on to model.frame() and fails
  # in survival 3.5, so its default is the oracle for timefix = TRUE)
  ref <- survdiff(Surv(time, status) ~ g + strata(s), data = d)
  on <- logrank_test(Surv(time, status) ~ g + strata(s), data = d)
  expect_equal(on$statistic, ref$chisq, tolerance = 1e-9)
  expect_identical(on$table$expected, sd_totals(ref)$expected)
  fixed <- transform(d, time = aeqSurv(Surv(time, status))[, 1])
  expect_false(identical(fixed$time, d$time))
  on2 <- logrank_test(Surv(time, status) ~ g + strata(s), data = fixed,
                      timefix = FALSE)
  expect_identical(on2$table, on$table)
  off <- logrank_test(Surv(time, status) ~ g + strata(s), data = d,
                      timefix = FALSE)
  raw <- ref_logrank(d$time, d$status, d$g, d$s)
  expect_equal(off$statistic, raw$statistic, tolerance = 1e-10)
  expect_false(isTRUE(all.equal(on$statistic, off$statistic)))
})

# Weighted tests against the independent implementation -------------------

weighted_cases <- list(
  list(d = lung2, f = Surv(time, status) ~ ph.ecog, g = "ph.ecog", s = NULL),
  list(d = lung2, f = Surv(time, status) ~ ph.ecog + strata(sex),
       g = "ph.ecog", s = "sex"),
  list(d = survival::veteran, f = Surv(time, status) ~ celltype,
       g = "celltype", s = NULL),
  list(d = sim_ties(500, 6), f = Surv(time, status) ~ g + strata(s),
       g = "g", s = "s"),
  list(d = sim_ties(300, 7, k = 3, n_strata = 1), f = Surv(time, status) ~ g,
       g = "g", s = NULL)
)

test_that("Gehan-Breslow, Tarone-Ware, Peto-Peto and Fleming-Harrington match the formulas", {
  specs <- list(
    list(test = "gehan-breslow"), list(test = "tarone-ware"),
    list(test = "peto-peto"), list(test = "logrank"),
    list(test = "fleming-harrington", p = 0, q = 1),
    list(test = "fleming-harrington", p = 1, q = 1),
    list(test = "fleming-harrington", p = 0.5, q = 2),
    list(test = "fleming-harrington", p = 0, q = 0)
  )
  for (case in weighted_cases) {
    d <- case$d[stats::complete.cases(case$d[c("time", "status", case$g,
                                              case$s)]), ]
    for (sp in specs) {
      args <- c(list(case$f, data = d), sp)
      fit <- do.call(logrank_test, args)
      ref <- ref_logrank(d$time, d$status, d[[case$g]],
                         if (is.null(case$s)) NULL else d[[case$s]],
                         test = sp$test, p = sp$p %||% 1, q = sp$q %||% 0)
      label <- paste(deparse(case$f), sp$test, sp$p, sp$q)
      expect_equal(fit$statistic, ref$statistic, tolerance = 1e-10,
                   label = label)
      expect_identical(fit$df, ref$df, label = label)
      expect_equal(fit$table$observed, ref$observed, tolerance = 1e-12,
                   label = label)
      expect_equal(fit$table$expected, ref$expected, tolerance = 1e-12,
                   label = label)
      expect_equal(unname(fit$var), ref$var, tolerance = 1e-12, label = label)
    }
  }
})

test_that("the weighted tests differ from each other (the weights are used)", {
  stats <- vapply(
    c("logrank", "gehan-breslow", "tarone-ware", "peto-peto"),
    function(t) logrank_test(Surv(time, status) ~ ph.ecog, data = lung2,
                             test = t)$statistic, numeric(1))
  expect_identical(length(unique(round(stats, 8))), 4L)
})

test_that("the trend test matches (c'U)^2 / (c'Vc), with strata and ties", {
  d <- sim_ties(500, 8)
  for (sc in list(NULL, c(-3, -1, 1, 3), c(0, 1, 5, 6))) {
    for (test in c("logrank", "gehan-breslow", "peto-peto")) {
      fit <- logrank_test(Surv(time, status) ~ g + strata(s), data = d,
                          test = test, trend = TRUE, scores = sc)
      ref <- ref_logrank(d$time, d$status, d$g, d$s, test = test,
                         scores = sc %||% 1:4)
      expect_equal(fit$statistic, ref$trend, tolerance = 1e-10)
      expect_identical(fit$df, 1L)
      expect_identical(fit$p.value,
                       pchisq(fit$statistic, 1, lower.tail = FALSE))
      expect_equal(fit$overall[["statistic"]], ref$statistic,
                   tolerance = 1e-10)
    }
  }
  # equally spaced scores are all equivalent; two groups give the 1-df test
  a <- logrank_test(Surv(time, status) ~ g, data = d, trend = TRUE)
  b <- logrank_test(Surv(time, status) ~ g, data = d, trend = TRUE,
                    scores = c(-3, -1, 1, 3))
  expect_equal(a$statistic, b$statistic, tolerance = 1e-12)
  two <- logrank_test(Surv(time, status) ~ sex, data = lung2, trend = TRUE)
  expect_equal(two$statistic, two$overall[["statistic"]], tolerance = 1e-12)
})

# A hand-worked example --------------------------------------------------------
#
# Group A: deaths at 1 and 3, censored at 5; group B: deaths at 2, 4 and 6.
#   t  n_t  n_At  d_t  d_At  E_At  c_t = d(n-d)/(n(n-1))  V_t = c n_A (1-n_A/n)
#   1   6    3     1    1    1/2        1/6                   1/4
#   2   5    2     1    0    2/5        1/5                   6/25
#   3   4    2     1    1    1/2        1/4                   1/4
#   4   3    1     1    0    1/3        1/3                   2/9
#   6   1    0     1    0    0          (n_t = 1: no term)
# Log-rank: O_A = 2, E_A = 26/15, U_A = 4/15, V = 433/450,
#   X^2 = (4/15)^2 / (433/450) = 32/433.
# Gehan-Breslow (w = 6, 5, 4, 3, 1): U_A = 3 - 2 + 2 - 1 = 2,
#   V = 36/4 + 25 * 6/25 + 16/4 + 9 * 2/9 = 21, X^2 = 4/21.
# Peto-Peto (S(t-) = 1, 5/6, 2/3, 1/2, 1/3): U_A = 1/2 - 1/3 + 1/3 - 1/6 = 1/3,
#   V = 1/4 + 1/6 + 1/9 + 1/18 = 7/12, X^2 = (1/9) / (7/12) = 4/21.
# Tarone-Ware: U_A = sqrt(6)/2 - 2 sqrt(5)/5 + 1 - sqrt(3)/3,
#   V = 6/4 + 5 * 6/25 + 4/4 + 3 * 2/9 = 131/30.
hand <- data.frame(time = c(1, 3, 5, 2, 4, 6), status = c(1, 1, 0, 1, 1, 1),
                   arm = rep(c("A", "B"), each = 3))

test_that("a hand-worked example gives the textbook numbers", {
  lr <- logrank_test(Surv(time, status) ~ arm, data = hand)
  expect_equal(lr$statistic, 32 / 433, tolerance = 1e-14)
  expect_equal(lr$table$observed, c(2, 3))
  expect_equal(lr$table$expected, c(26 / 15, 49 / 15), tolerance = 1e-14)
  expect_equal(lr$table$variance, c(433, 433) / 450, tolerance = 1e-14)
  expect_equal(lr$table$n, c(3, 3))
  expect_equal(lr$table$events, c(2, 3))
  gb <- logrank_test(Surv(time, status) ~ arm, data = hand,
                     test = "gehan-breslow")
  expect_equal(gb$statistic, 4 / 21, tolerance = 1e-14)
  expect_equal(gb$table$observed[1] - gb$table$expected[1], 2,
               tolerance = 1e-14)
  pp <- logrank_test(Surv(time, status) ~ arm, data = hand,
                     test = "peto-peto")
  expect_equal(pp$statistic, 4 / 21, tolerance = 1e-14)
  expect_equal(pp$table$variance[1], 7 / 12, tolerance = 1e-14)
  tw <- logrank_test(Surv(time, status) ~ arm, data = hand,
                     test = "tarone-ware")
  u <- sqrt(6) / 2 - 2 * sqrt(5) / 5 + 1 - sqrt(3) / 3
  expect_equal(tw$statistic, u^2 / (131 / 30), tolerance = 1e-14)
})

# Invariances ----------------------------------------------------------------

test_that("results do not depend on row order, time scale or group labels", {
  for (seed in 1:4) {
    d <- sim_ties(300, 100 + seed)
    for (test in c("logrank", "gehan-breslow", "peto-peto")) {
      base <- logrank_test(Surv(time, status) ~ g + strata(s), data = d,
                           test = test)
      set.seed(seed)
      shuffled <- d[sample(nrow(d)), ]
      r1 <- logrank_test(Surv(time, status) ~ g + strata(s), data = shuffled,
                         test = test)
      expect_equal(r1$statistic, base$statistic, tolerance = 1e-12)
      expect_equal(r1$table, base$table, tolerance = 1e-12)
      for (scale in c(1 / 7, 1000, 86400)) {
        scaled <- transform(d, time = time * scale)
        r2 <- logrank_test(Surv(time, status) ~ g + strata(s), data = scaled,
                           test = test)
        expect_equal(r2$statistic, base$statistic, tolerance = 1e-12)
      }
      relab <- transform(d, g = factor(g, levels = c("d", "b", "a", "c"),
                                       labels = c("w", "x", "y", "z")))
      r3 <- logrank_test(Surv(time, status) ~ g + strata(s), data = relab,
                         test = test)
      expect_equal(r3$statistic, base$statistic, tolerance = 1e-10)
      m <- match(c("g=a", "g=b", "g=c", "g=d"), base$table$group)
      m3 <- match(c("g=y", "g=x", "g=z", "g=w"), r3$table$group)
      expect_equal(r3$table$expected[m3], base$table$expected[m],
                   tolerance = 1e-12)
    }
  }
})

# Pairwise -------------------------------------------------------------------

test_that("logrank_pairwise() equals the two-group test on each subset", {
  d <- subset(lung2, !is.na(ph.ecog) & ph.ecog < 3)
  for (test in c("logrank", "tarone-ware")) {
    pw <- logrank_pairwise(Surv(time, status) ~ ph.ecog + strata(sex),
                           data = d, test = test, p_adjust_method = "holm")
    expect_named(pw, c("group1", "group2", "statistic", "df", "p.value",
                       "p.adj"))
    expect_identical(pw$group1, c("ph.ecog=0", "ph.ecog=0", "ph.ecog=1"))
    expect_identical(pw$group2, c("ph.ecog=1", "ph.ecog=2", "ph.ecog=2"))
    pairs <- list(c(0, 1), c(0, 2), c(1, 2))
    for (j in seq_along(pairs)) {
      sub <- d[d$ph.ecog %in% pairs[[j]], ]
      one <- logrank_test(Surv(time, status) ~ ph.ecog + strata(sex),
                          data = sub, test = test)
      expect_identical(pw$statistic[j], one$statistic)
      expect_identical(pw$df[j], 1L)
      expect_identical(pw$p.value[j], one$p.value)
      if (test == "logrank") {
        ref <- survdiff(Surv(time, status) ~ ph.ecog + strata(sex), data = sub)
        expect_equal(pw$statistic[j], ref$chisq, tolerance = 1e-9)
      }
    }
    expect_identical(pw$p.adj, p.adjust(pw$p.value, "holm"))
  }
  for (m in c("none", "bonferroni", "BH", "hommel")) {
    pw <- logrank_pairwise(Surv(time, status) ~ g, data = sim_ties(400, 9),
                           p_adjust_method = m)
    expect_identical(nrow(pw), 6L)
    expect_identical(pw$p.adj, p.adjust(pw$p.value, m))
  }
})

test_that("logrank_pairwise() passes subset, na.action, p, q, timefix", {
  pw <- logrank_pairwise(Surv(time, status) ~ ph.ecog, data = lung2,
                         test = "fleming-harrington", p = 0, q = 1,
                         subset = ph.ecog < 3, timefix = FALSE)
  one <- logrank_test(Surv(time, status) ~ ph.ecog, data = lung2,
                      subset = ph.ecog %in% c(0, 2),
                      test = "fleming-harrington", p = 0, q = 1,
                      timefix = FALSE)
  expect_identical(pw$statistic[2], one$statistic)
  expect_error(
    logrank_pairwise(Surv(time, status) ~ ph.ecog, data = lung2,
                     na.action = na.fail),
    class = "survstep_error_input"
  )
})

test_that("a pair without events gives NA and a warning", {
  d <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8),
                  status = c(1, 0, 1, 1, 0, 0, 0, 0),
                  g = rep(c("a", "b", "c", "d"), each = 2))
  expect_warning(pw <- logrank_pairwise(Surv(time, status) ~ g, data = d),
                 class = "survstep_warning_no_events")
  expect_true(is.na(pw$statistic[pw$group1 == "g=c" & pw$group2 == "g=d"]))
  expect_false(anyNA(pw$statistic[pw$group1 == "g=a"]))
})

# Model frame: lean path vs shared machinery ---------------------------------

test_that("the lean model frame gives the results of the general path", {
  d <- lung2
  d$sex_chr <- c("male", "female")[d$sex]
  d$sex_fac <- factor(d$sex_chr, levels = c("male", "female", "other"))
  y <- with(d, Surv(time, status))
  # a precomputed Surv object takes the shared path
  shared <- logrank_test(y ~ sex_chr + strata(ph.ecog), data = d)
  lean <- logrank_test(Surv(time, status) ~ sex_chr + strata(ph.ecog),
                       data = d)
  expect_identical(lean$table, shared$table)
  expect_identical(lean$statistic, shared$statistic)
  expect_identical(lean$n_dropped, shared$n_dropped)
  expect_identical(lean$strata, shared$strata)
  # status coded 1/2, logical, factor groups with unused levels, na.exclude
  a <- logrank_test(Surv(time, status + 1) ~ sex_fac, data = d,
                    na.action = na.exclude)
  b <- logrank_test(Surv(time, status == 1) ~ sex_fac, data = d)
  expect_identical(a$table, shared_tab <- b$table)
  expect_identical(shared_tab$group, c("sex_fac=male", "sex_fac=female"))
  expect_s3_class(
    logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                 na.action = na.exclude)$na.action, "exclude")
  # custom na.action goes through model.frame
  c1 <- logrank_test(Surv(time, status) ~ ph.ecog, data = d,
                     na.action = function(x) stats::na.omit(x))
  c2 <- logrank_test(Surv(time, status) ~ ph.ecog, data = d)
  expect_identical(c1$statistic, c2$statistic)
  # survival::Surv(), named arguments, a data expression
  n1 <- logrank_test(survival::Surv(time = time, event = status) ~ sex,
                     data = d[d$age > 50, ])
  n2 <- logrank_test(Surv(time, status) ~ sex, data = d,
                     subset = age > 50)
  expect_identical(n1$table, n2$table)
  # variables from the calling environment, no data
  time <- d$time
  status <- d$status
  grp <- d$sex
  e <- logrank_test(Surv(time, status) ~ grp)
  expect_identical(e$statistic,
                   logrank_test(Surv(time, status) ~ sex, data = d)$statistic)
})

# Objects, methods, printing ---------------------------------------------------

test_that("tidy() and glance() return the documented columns", {
  fit <- logrank_test(Surv(time, status) ~ sex, data = lung2)
  td <- tidy(fit)
  # broom's survdiff columns: the grouping variable, N, obs, exp
  expect_named(td, c("sex", "N", "obs", "exp"))
  expect_identical(td$obs, fit$table$observed)
  gl <- glance(fit)
  expect_named(gl, c("statistic", "df", "p.value"))
  expect_identical(gl$p.value, fit$p.value)
  expect_s3_class(fit, "survstep_logrank")
})

test_that("print methods are stable", {
  expect_snapshot({
    logrank_test(Surv(time, status) ~ sex, data = lung2)
    logrank_test(Surv(time, status) ~ ph.ecog + strata(sex), data = lung2,
                 test = "gehan-breslow")
    logrank_test(Surv(time, status) ~ ph.ecog, data = lung2,
                 subset = ph.ecog < 3, test = "fleming-harrington", p = 0,
                 q = 1, trend = TRUE)
    logrank_test(Surv(time, status) ~ arm, data = hand, test = "tarone-ware")
  })
  expect_snapshot(print(
    logrank_pairwise(Surv(time, status) ~ ph.ecog, data = lung2,
                     subset = ph.ecog < 3, p_adjust_method = "holm")
  ))
  x <- logrank_test(Surv(time, status) ~ sex, data = lung2)
  expect_invisible(print(x))
})

# Errors and warnings --------------------------------------------------------

bad <- data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 0, 1, 1, 1),
                  g = c("A", "B", "A", "B", "A", "B"),
                  s = c(1, 1, 1, 1, 2, 2),
                  h = c("A", "B", "A", "B", "C", "C"))

test_that("bad input gives classed errors", {
  cls <- "survstep_error_input"
  expect_error(logrank_test(Surv(time, status * 0) ~ g, bad), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ 1, bad), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ strata(s), bad), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, subset = g == "A"),
               class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, test = "wilcoxon"),
               class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, trend = TRUE,
                            scores = 1:3), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, trend = TRUE,
                            scores = c(1, NA)), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, trend = TRUE,
                            scores = c(2, 2)), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, scores = 1:2),
               class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad,
                            test = "fleming-harrington", p = -1), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad,
                            test = "fleming-harrington", q = Inf), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, p = 2), class = cls)
  expect_error(logrank_test(time ~ g, bad), class = cls)
  expect_error(logrank_test(~g, bad), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g + offset(time), bad),
               class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, 1:3), class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, trend = NA),
               class = cls)
  expect_error(logrank_test(Surv(time, status) ~ g, bad, timefix = "yes"),
               class = cls)
  neg <- transform(bad, time = replace(time, 1, -1))
  expect_error(logrank_test(Surv(time, status) ~ g, neg), class = cls)
  inf <- transform(bad, time = replace(time, 1, Inf))
  expect_error(logrank_test(Surv(time, status) ~ g, inf), class = cls)
  st3 <- transform(bad, status = replace(status, 1, 3))
  expect_error(logrank_test(Surv(time, status) ~ g, st3), class = cls)
  na <- transform(bad, g = replace(g, 2, NA))
  expect_error(logrank_test(Surv(time, status) ~ g, na, na.action = na.fail),
               class = cls)
  expect_error(logrank_pairwise(Surv(time, status) ~ g, bad, foo = 1),
               class = cls)
  expect_error(logrank_pairwise(Surv(time, status) ~ g, bad,
                                p_adjust_method = "xx"), class = cls)
})

test_that("error messages are clear", {
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(time, status * 0) ~ g, bad)
    logrank_test(Surv(time, status) ~ 1, bad)
    logrank_test(Surv(time, status) ~ g, bad, subset = g == "A")
    logrank_test(Surv(time, status) ~ g, bad, test = "wilcoxon")
    logrank_test(Surv(time, status) ~ g, bad, trend = TRUE, scores = 1:3)
    logrank_test(Surv(time, status) ~ g, bad, trend = TRUE,
                 scores = c(1, NA))
    logrank_test(Surv(time, status) ~ g, bad, trend = TRUE, scores = c(2, 2))
    logrank_test(Surv(time, status) ~ g, bad, scores = 1:2)
    logrank_test(Surv(time, status) ~ g, bad, test = "fleming-harrington",
                 p = -1)
    logrank_test(Surv(time, status) ~ g, bad, p = 2)
    logrank_test(time ~ g, bad)
    logrank_test(Surv(time, status) ~ g + offset(time), bad)
    logrank_test(Surv(time, status) ~ g,
                 transform(bad, time = replace(time, 1, -1)))
    logrank_test(Surv(time, status) ~ g,
                 transform(bad, status = replace(status, 1, 3)))
    logrank_test(Surv(time, status) ~ g,
                 transform(bad, g = replace(g, 2, NA)), na.action = na.fail)
    logrank_pairwise(Surv(time, status) ~ g, bad, foo = 1)
  })
})

test_that("missing values are dropped and counted", {
  na <- transform(bad, g = replace(g, 2, NA))
  fit <- logrank_test(Surv(time, status) ~ g, na)
  expect_identical(fit$n_dropped, 1L)
  expect_identical(fit$n, 5L)
  expect_identical(as.vector(fit$na.action), 2L)
  expect_snapshot(print(fit))
})

test_that("a singular variance gives a classed warning and reduced df", {
  # group h=C lives only in stratum 2, alone: expected > 0, variance 0
  expect_warning(fit <- logrank_test(Surv(time, status) ~ h + strata(s), bad),
                 class = "survstep_warning_singular")
  expect_identical(fit$df, 1L)
  ref <- ref_logrank(bad$time[1:4], bad$status[1:4], bad$h[1:4])
  expect_equal(fit$statistic, ref$statistic, tolerance = 1e-12)
})

# Reusing one workspace across calls from C++ is tested without R in
# tests/compile/logrank-workspace-test.cpp (run by .ci/run).

# The matrix engine ----------------------------------------------------------

test_that("logrank_fit() on a Surv object or its matrix equals logrank_test()", {
  d <- na.omit(survival::lung[, c("time", "status", "ph.ecog", "sex")])
  ref <- logrank_test(Surv(time, status) ~ ph.ecog + strata(sex), data = d,
                      test = "tarone-ware")
  eng <- logrank_fit(Surv(d$time, d$status),
                     factor(paste0("ph.ecog=", d$ph.ecog)),
                     strata = factor(paste0("sex=", d$sex)),
                     test = "tarone-ware")
  for (nm in c("statistic", "df", "p.value", "table", "var", "strata")) {
    expect_identical(eng[[nm]], ref[[nm]], label = nm)
  }
  m <- cbind(d$time, d$status - 1)
  expect_equal(logrank_fit(m, d$ph.ecog, d$sex, test = "tarone-ware")$statistic,
               eng$statistic, tolerance = 1e-14)
  expect_snapshot(error = TRUE, {
    logrank_fit(m, rep(1, nrow(m)))
    logrank_fit(m, d$sex, weights = rep(-1, nrow(m)))
    logrank_fit(cbind(d$time, d$status), d$sex)
    logrank_fit(m, d$sex, wieghts = rep(1, nrow(m)))
  })
})

test_that("the buffers kept between log-rank calls carry nothing from one call to the next", {
  set.seed(31)
  a <- data.frame(time = ceiling(rexp(400) * 30), status = rbinom(400, 1, 0.7),
                  g = sample(letters[1:3], 400, TRUE), s = sample(1:2, 400, TRUE))
  b <- data.frame(start = 0, stop = ceiling(rexp(60) * 10) + 1,
                  status = rbinom(60, 1, 0.5), g = sample(1:2, 60, TRUE),
                  w = runif(60))
  first <- logrank_test(Surv(time, status) ~ g + strata(s), data = a)
  other <- logrank_test(Surv(start, stop, status) ~ g, data = b, weights = w,
                        test = "peto-peto")
  again <- logrank_test(Surv(time, status) ~ g + strata(s), data = a)
  expect_identical(again$statistic, first$statistic)
  expect_identical(again$var, first$var)
  ref <- survival::survdiff(Surv(time, status) ~ g + strata(s), data = a)
  expect_equal(unname(again$statistic), ref$chisq, tolerance = 1e-10)
  expect_identical(logrank_test(Surv(start, stop, status) ~ g, data = b,
                                weights = w, test = "peto-peto")$statistic,
                   other$statistic)
})
