# km(), logrank_test() and cox() on a remote table (R/db.R) give the numbers
# of the in-memory fit on the same rows. SQLite (RSQLite) is the tested
# backend; DuckDB runs the same tests when installed.

db_backends <- function() {
  out <- list()
  if (requireNamespace("RSQLite", quietly = TRUE)) {
    out$sqlite <- function() {
      con <- DBI::dbConnect(RSQLite::SQLite(), ":memory:")
      con
    }
  }
  # duckdb is optional and not a declared dependency (it is not installable
  # on every machine, and R CMD check would look it up in a repository)
  ddb <- "duckdb"
  if (requireNamespace(ddb, quietly = TRUE)) {
    drv <- getExportedValue(ddb, "duckdb")
    out$duckdb <- function() DBI::dbConnect(drv(), ":memory:")
  }
  out
}

skip_if_no_db <- function() {
  skip_if_not_installed("DBI")
  skip_if_not_installed("dbplyr")
  skip_if_not_installed("dplyr")
  skip_if_not_installed("RSQLite")
}

# A data set with ties, near-ties (timefix), weights, NAs, groups, strata,
# a factor and (start, stop] times.
db_data <- function(n = 400, seed = 1) {
  set.seed(seed)
  d <- data.frame(
    time = round(rexp(n, 0.1), 1) + 0.1,
    status = rbinom(n, 1, 0.7),
    arm = sample(c("A", "B", "C"), n, replace = TRUE),
    site = sample(1:3, n, replace = TRUE),
    age = round(rnorm(n, 60, 10), 1),
    bmi = rnorm(n, 25, 4),
    w = round(runif(n, 0.2, 3), 3),
    stringsAsFactors = FALSE
  )
  # near-tied times: differ from a tied time by less than the timefix
  # tolerance (merged in memory; must be merged the same way here)
  k <- seq(5, n, by = 37)
  d$time[k] <- d$time[k - 1L] * (1 + 1e-12)
  d$start <- pmax(0, round(d$time - runif(n, 0.05, 8), 1))
  d$start[d$start >= d$time] <- 0
  d$age[c(3, 50)] <- NA
  d$arm[7] <- NA
  d
}

db_with <- function(d, code, backend) {
  con <- backend()
  on.exit(DBI::dbDisconnect(con), add = TRUE)
  DBI::dbWriteTable(con, "d", d)
  tb <- dplyr::tbl(con, "d")
  code(tb, con)
}

# The same classed error, with the same message, in memory and in the db.
expect_same_error <- function(fun, d, tb) {
  a <- tryCatch(fun(d), error = identity)
  b <- tryCatch(fun(tb), error = identity)
  expect_s3_class(b, "survstep_error_input")
  expect_identical(class(b), class(a))
  expect_identical(conditionMessage(b), conditionMessage(a))
}

km_fields <- c("time", "n.risk", "n.event", "n.censor", "surv", "std.error",
               "conf.low", "conf.high", "cumvar", "strata", "records", "n",
               "weighted", "n_dropped")

expect_km_same <- function(a, b) {
  expect_equal(unclass(b)[km_fields], unclass(a)[km_fields],
               tolerance = 1e-10)
  expect_equal(km_median(b), km_median(a), tolerance = 1e-10)
  expect_equal(km_median(b, method = "spss"), km_median(a, method = "spss"),
               tolerance = 1e-10)
  tt <- c(0.5, 2, 7.3, 15, 40)
  expect_equal(km_at(b, tt), km_at(a, tt), tolerance = 1e-10)
  expect_equal(km_mean(b), km_mean(a), tolerance = 1e-10)
}

test_that("km() on a remote table equals km() in memory", {
  skip_if_no_db()
  d <- db_data()
  for (be in db_backends()) db_with(d, function(tb, con) {
    expect_km_same(km(Surv(time, status) ~ 1, data = d),
                   km(Surv(time, status) ~ 1, data = tb))
    expect_km_same(km(Surv(time, status) ~ arm, data = d),
                   km(Surv(time, status) ~ arm, data = tb))
    a <- km(Surv(time, status) ~ arm + site, data = d, weights = w,
            subset = age > 50, conf_type = "log-log")
    b <- km(Surv(time, status) ~ arm + site, data = tb, weights = w,
            subset = age > 50, conf_type = "log-log")
    expect_km_same(a, b)
    expect_true(b$weighted)
    expect_equal(b$n_dropped, a$n_dropped)
    expect_equal(b$db$n_dropped, 3)
    expect_equal(b$db$n_queries, 2L)
    expect_lt(b$db$rows_transferred, nrow(d))
    # expressions of columns in the formula, strata() terms
    expect_km_same(
      km(Surv(time / 7, status == 1) ~ strata(site) + I(age > 60), data = d),
      km(Surv(time / 7, status == 1) ~ strata(site) + I(age > 60), data = tb))
    # timefix = FALSE keeps the near-ties apart in both
    a <- km(Surv(time, status) ~ arm, data = d, timefix = FALSE)
    b <- km(Surv(time, status) ~ arm, data = tb, timefix = FALSE)
    expect_km_same(a, b)
    expect_gt(length(a$time),
              length(km(Surv(time, status) ~ arm, data = d)$time))
    # counting-process data
    expect_km_same(km(Surv(start, time, status) ~ arm, data = d, weights = w),
                   km(Surv(start, time, status) ~ arm, data = tb, weights = w))
    # the reverse KM of follow-up
    expect_equal(followup_median(Surv(time, status) ~ arm, data = tb),
                 followup_median(Surv(time, status) ~ arm, data = d),
                 tolerance = 1e-10)
  }, be)
})

test_that("km() keeps the in-memory timefix merge of near-tied times", {
  skip_if_no_db()
  # two near-tied times in different groups: merged over all rows
  d <- data.frame(time = c(1, 1 + 1e-10, 2, 3, 3 * (1 + 1e-9), 4, 5, 6),
                  status = c(1, 1, 0, 1, 1, 1, 0, 1),
                  g = c("a", "b", "a", "b", "a", "b", "a", "b"))
  for (be in db_backends()) db_with(d, function(tb, con) {
    a <- km(Surv(time, status) ~ g, data = d)
    b <- km(Surv(time, status) ~ g, data = tb)
    expect_km_same(a, b)
    expect_false(any(b$time == 1 + 1e-10))
    expect_equal(b$time, c(1, 2, 3, 5, 1, 3, 4, 6))
  }, be)
})

lr_fields <- c("statistic", "df", "p.value", "overall", "trend", "table",
               "var", "test", "method", "p", "q", "n", "n_events", "strata",
               "n_dropped")

test_that("logrank_test() on a remote table equals the in-memory test", {
  skip_if_no_db()
  d <- db_data()
  for (be in db_backends()) db_with(d, function(tb, con) {
    for (test in c("logrank", "gehan-breslow", "tarone-ware", "peto-peto",
                   "fleming-harrington")) {
      a <- logrank_test(Surv(time, status) ~ arm, data = d, test = test)
      b <- logrank_test(Surv(time, status) ~ arm, data = tb, test = test)
      expect_equal(unclass(b)[lr_fields], unclass(a)[lr_fields],
                   tolerance = 1e-10)
    }
    a <- logrank_test(Surv(time, status) ~ arm + strata(site), data = d,
                      weights = w, test = "fleming-harrington", p = 0.5,
                      q = 1)
    b <- logrank_test(Surv(time, status) ~ arm + strata(site), data = tb,
                      weights = w, test = "fleming-harrington", p = 0.5,
                      q = 1)
    expect_equal(unclass(b)[lr_fields], unclass(a)[lr_fields],
                 tolerance = 1e-10)
    a <- logrank_test(Surv(time, status) ~ arm, data = d, trend = TRUE,
                      subset = site != 2)
    b <- logrank_test(Surv(time, status) ~ arm, data = tb, trend = TRUE,
                      subset = site != 2)
    expect_equal(unclass(b)[lr_fields], unclass(a)[lr_fields],
                 tolerance = 1e-10)
    a <- logrank_test(Surv(start, time, status) ~ arm, data = d,
                      test = "tarone-ware")
    b <- logrank_test(Surv(start, time, status) ~ arm, data = tb,
                      test = "tarone-ware")
    expect_equal(unclass(b)[lr_fields], unclass(a)[lr_fields],
                 tolerance = 1e-10)
    expect_equal(
      logrank_pairwise(Surv(time, status) ~ arm, data = tb, weights = w,
                       p_adjust_method = "holm"),
      logrank_pairwise(Surv(time, status) ~ arm, data = d, weights = w,
                       p_adjust_method = "holm"), tolerance = 1e-10)
  }, be)
})

test_that("bad input on a remote table gives the in-memory errors", {
  skip_if_no_db()
  d <- db_data(60)
  d$ctime <- as.character(d$time)
  be <- db_backends()$sqlite
  db_with(d, function(tb, con) {
    same <- function(fun) expect_same_error(fun, d, tb)
    same(function(x) km(Surv(time, status) ~ arm, data = x, subset = age > 1e3))
    same(function(x) km(Surv(time, status) ~ nope, data = x))
    same(function(x) km(Surv(time, status) ~ arm, data = x, subset = nope > 1))
    same(function(x) km(Surv(ctime, status) ~ arm, data = x))
    same(function(x) km(Surv(time, status) ~ arm, data = x,
                        na.action = na.fail))
    same(function(x) logrank_test(Surv(time, status) ~ arm, data = x,
                                  subset = age > 1e3))
    same(function(x) logrank_test(Surv(ctime, status) ~ arm, data = x))
    expect_snapshot(error = TRUE, {
      km(Surv(time, status) ~ arm, data = tb, subset = age > 1e3)
      km(Surv(time, status) ~ nope, data = tb)
      km(Surv(ctime, status) ~ arm, data = tb)
      logrank_test(Surv(time, status) ~ arm, data = tb, na.action = na.fail)
    })
  }, be)
  con <- be()
  DBI::dbWriteTable(con, "d", d)
  tb <- dplyr::tbl(con, "d")
  DBI::dbDisconnect(con)
  expect_error(km(Surv(time, status) ~ arm, data = tb),
               class = "survstep_error_db_connection")
  expect_snapshot(error = TRUE, km(Surv(time, status) ~ arm, data = tb))
})

cox_fields <- c("coefficients", "var", "loglik", "score", "wald.test",
                "wald.df", "means", "method", "n", "nevent", "aliased",
                "infinite")

expect_cox_same <- function(a, b) {
  expect_equal(coef(b), coef(a), tolerance = 1e-8)
  expect_equal(sqrt(diag(vcov(b))), sqrt(diag(vcov(a))), tolerance = 1e-8)
  expect_equal(b$loglik, a$loglik, tolerance = 1e-10)
  expect_equal(unclass(b)[cox_fields], unclass(a)[cox_fields],
               tolerance = 1e-8)
  expect_equal(b$n_dropped, length(a$na.action))
  expect_equal(b$u, a$u, tolerance = 1e-6 * max(1, abs(a$u)))
  if (length(b$xlevels)) {
    f <- names(b$xlevels)
    expect_equal(b$xlevels, a$xlevels[f])
    expect_equal(b$contrasts, a$contrasts[f])
  }
  expect_equal(summary(b)$coefficients, summary(a)$coefficients,
               tolerance = 1e-8)
}

test_that("cox() on a remote table equals cox() in memory", {
  skip_if_no_db()
  d <- db_data()
  for (be in db_backends()) db_with(d, function(tb, con) {
    for (ties in c("efron", "breslow")) {
      a <- cox(Surv(time, status) ~ age + bmi + arm, data = d, ties = ties)
      b <- cox(Surv(time, status) ~ age + bmi + arm, data = tb, ties = ties)
      expect_cox_same(a, b)
      expect_s3_class(b, "survstep_cox")
      # one aggregate query per Newton evaluation
      expect_equal(b$db$newton_queries, b$iter + 1L)
      a <- cox(Surv(time, status) ~ age + factor(site) + strata(arm),
               data = d, weights = w, ties = ties, subset = bmi > 20)
      b <- cox(Surv(time, status) ~ age + factor(site) + strata(arm),
               data = tb, weights = w, ties = ties, subset = bmi > 20)
      expect_cox_same(a, b)
    }
    # the Newton path: the iterations of the in-memory fit
    a <- cox(Surv(time, status) ~ bmi, data = d,
             control = cox_control(eps = 1e-12))
    b <- cox(Surv(time, status) ~ bmi, data = tb,
             control = cox_control(eps = 1e-12))
    expect_equal(b$iter, a$iter)
    expect_cox_same(a, b)
    # the reference: survival::coxph
    ref <- survival::coxph(Surv(time, status) ~ age + bmi + arm, data = d)
    b <- cox(Surv(time, status) ~ age + bmi + arm, data = tb)
    expect_equal(unname(coef(b)), unname(coef(ref)), tolerance = 1e-8)
    expect_equal(b$loglik, ref$loglik, tolerance = 1e-10)
    expect_equal(unname(sqrt(diag(vcov(b)))), unname(sqrt(diag(vcov(ref)))),
                 tolerance = 1e-6)
  }, be)
})

test_that("cox() on a remote table takes counting-process data", {
  skip_if_no_db()
  d <- db_data()
  # delayed entry with ties between start and stop times, and near-ties of
  # a start with a stop (merged together by the timefix in memory)
  d$start[seq(11, nrow(d), 41)] <- d$time[seq(10, nrow(d) - 1, 41)] * (1 + 1e-12)
  d$start[d$start >= d$time] <- 0
  for (be in db_backends()) db_with(d, function(tb, con) {
    for (ties in c("efron", "breslow")) {
      a <- cox(Surv(start, time, status) ~ age + bmi + arm, data = d,
               ties = ties)
      b <- cox(Surv(start, time, status) ~ age + bmi + arm, data = tb,
               ties = ties)
      expect_cox_same(a, b)
      # two aggregate queries per Newton evaluation (stops and starts)
      expect_equal(b$db$newton_queries, 2L * (b$iter + 1L))
      a <- cox(Surv(start, time, status) ~ age + factor(site) + strata(arm),
               data = d, weights = w, ties = ties, subset = bmi > 20)
      b <- cox(Surv(start, time, status) ~ age + factor(site) + strata(arm),
               data = tb, weights = w, ties = ties, subset = bmi > 20)
      expect_cox_same(a, b)
    }
  }, be)
  # survival's heart data (time-varying transplant status) against coxph
  h <- survival::heart
  db_with(h, function(tb, con) {
    for (ties in c("efron", "breslow")) {
      ref <- survival::coxph(Surv(start, stop, event) ~ age + surgery +
                               transplant, data = h, ties = ties)
      b <- cox(Surv(start, stop, event) ~ age + surgery + transplant,
               data = tb, ties = ties)
      expect_equal(unname(coef(b)), unname(coef(ref)), tolerance = 1e-8)
      expect_equal(b$loglik, ref$loglik, tolerance = 1e-10)
      expect_equal(unname(sqrt(diag(vcov(b)))), unname(sqrt(diag(vcov(ref)))),
                   tolerance = 1e-6)
    }
  }, db_backends()$sqlite)
  # start >= stop: the in-memory error
  bad <- d[1:60, ]
  bad$start[c(2, 9)] <- bad$time[c(2, 9)] + 1
  db_with(bad, function(tb, con) {
    expect_same_error(function(x) cox(Surv(start, time, status) ~ age,
                                      data = x), bad, tb)
  }, db_backends()$sqlite)
})

test_that("cox() on a remote table keeps the timefix merge of near-ties", {
  skip_if_no_db()
  set.seed(3)
  n <- 200
  d <- data.frame(time = round(rexp(n), 2) + 0.01, status = rbinom(n, 1, 0.8),
                  x = rnorm(n))
  d$time[seq(2, n, 9)] <- d$time[seq(1, n - 1, 9)] * (1 + 1e-11)
  for (be in db_backends()) db_with(d, function(tb, con) {
    expect_cox_same(cox(Surv(time, status) ~ x, data = d),
                    cox(Surv(time, status) ~ x, data = tb))
    ctl <- cox_control(timefix = FALSE)
    a <- cox(Surv(time, status) ~ x, data = d, control = ctl)
    expect_cox_same(a, cox(Surv(time, status) ~ x, data = tb, control = ctl))
    expect_false(isTRUE(all.equal(coef(a),
                                  coef(cox(Surv(time, status) ~ x, data = d)),
                                  tolerance = 1e-12)))
  }, be)
})

test_that("cox() on a remote table: errors and methods needing rows", {
  skip_if_no_db()
  d <- db_data(80)
  d$ctime <- as.character(d$time)
  d$id <- as.character(seq_len(nrow(d)))
  be <- db_backends()$sqlite
  db_with(d, function(tb, con) {
    same <- function(fun) expect_same_error(fun, d, tb)
    same(function(x) cox(Surv(time, status) ~ age, data = x,
                         subset = age > 1e3))
    same(function(x) cox(Surv(time, status) ~ nope, data = x))
    same(function(x) cox(Surv(ctime, status) ~ age, data = x))
    same(function(x) cox(Surv(time, status) ~ age, data = x,
                         na.action = na.fail))
    expect_error(cox(Surv(time, status) ~ id, data = tb, max_levels = 20),
                 class = "survstep_error_too_many_levels")
    fit <- cox(Surv(time, status) ~ age + arm, data = tb)
    for (f in list(residuals, predict, cox_zph, cox_survfit,
                   survival::concordance)) {
      expect_error(f(fit), class = "survstep_error_needs_local_data")
    }
    expect_snapshot(error = TRUE, {
      cox(Surv(time, status) ~ id, data = tb, max_levels = 20)
      residuals(fit)
    })
    # a backend without EXP()
    st <- get("sv_db_state", envir = asNamespace("survstep"))
    st$exp_probe <- quote(no_such_exp(0))
    on.exit(st$exp_probe <- quote(exp(0)), add = TRUE)
    expect_error(cox(Surv(time, status) ~ age, data = tb),
                 class = "survstep_error_db_function")
    expect_snapshot(error = TRUE, cox(Surv(time, status) ~ age, data = tb),
                    transform = function(x) gsub("\\(3[0-9.]+\\)", "(<version>)", x))
  }, be)
})

test_that("cox_univariable() on a remote table equals the in-memory screen", {
  skip_if_no_db()
  d <- db_data()
  cols <- c("term", "level", "n", "events", "estimate", "std.error",
            "conf.low", "conf.high", "p.value", "p.value.term")
  for (be in db_backends()) db_with(d, function(tb, con) {
    for (ties in c("efron", "breslow")) for (tst in c("lr", "score", "wald")) {
      # NAs in age and arm (the common analysis set drops them for every
      # term), a character factor, strata, weights and a subset
      a <- cox_univariable(Surv(time, status) ~ age + arm + bmi + strata(site),
                           data = d, weights = w, subset = bmi > 18,
                           ties = ties, term_test = tst)
      b <- cox_univariable(Surv(time, status) ~ age + arm + bmi + strata(site),
                           data = tb, weights = w, subset = bmi > 18,
                           ties = ties, term_test = tst)
      expect_s3_class(b, "survstep_univariable")
      expect_equal(as.data.frame(b)[cols], as.data.frame(a)[cols],
                   tolerance = 1e-8)
      expect_identical(attr(b, "n_dropped"), attr(a, "n_dropped"))
      expect_equal(attr(b, "epv"), attr(a, "epv"))
      expect_identical(attr(b, "xlevels")$arm, attr(a, "xlevels")$arm)
      expect_equal(attr(b, "level_counts"), attr(a, "level_counts"))
      db <- attr(b, "db")
      expect_identical(names(db$terms), c("age", "arm", "bmi"))
      expect_gt(db$n_queries, sum(vapply(db$terms, `[[`, 0, "n_queries")))
    }
    # counting-process data
    a <- cox_univariable(Surv(start, time, status) ~ age + factor(site), data = d)
    b <- cox_univariable(Surv(start, time, status) ~ age + factor(site), data = tb)
    expect_equal(as.data.frame(b)[cols], as.data.frame(a)[cols],
                 tolerance = 1e-8)
    expect_equal(attr(b, "level_counts"), attr(a, "level_counts"))
    expect_length(attr(b, "level_counts")$`factor(site)`$n, 3L)
    # the paper's table from a remote screen: the in-memory numbers
    ua <- cox_univariable(Surv(time, status) ~ age + arm, data = d)
    ub <- cox_univariable(Surv(time, status) ~ age + arm, data = tb)
    fa <- cox(Surv(time, status) ~ age + arm, data = d)
    expect_equal(cox_table(ub, fa), cox_table(ua, fa), tolerance = 1e-8)
    # the same low events-per-variable warning as in memory (and cox() too)
    few <- d[1:40, ]
    DBI::dbWriteTable(con, "few", few)
    tf <- dplyr::tbl(con, "few")
    expect_warning(cox_univariable(Surv(time, status) ~ age + arm, data = tf),
                   class = "survstep_warning_low_epv")
    expect_warning(cox(Surv(time, status) ~ age + arm, data = tf),
                   class = "survstep_warning_low_epv")
    expect_warning(cox(Surv(time, status) ~ age + arm, data = few),
                   class = "survstep_warning_low_epv")
  }, be)
})

test_that("cox_univariable() on a remote table: environments, na.action, warnings, errors", {
  skip_if_no_db()
  d <- db_data()
  db_with(d, function(tb, con) {
    # `subset` is evaluated in the formula's environment, as model.frame()
    # does (a local variable of the caller does not shadow it)
    cutoff <- 50
    fml <- Surv(time, status) ~ age + arm
    inner <- function(data) {
      cutoff <- 70
      cox_univariable(fml, data = data, subset = age > cutoff)
    }
    a <- inner(d)
    b <- inner(tb)
    expect_identical(b$n, a$n)
    expect_equal(b$estimate, a$estimate, tolerance = 1e-8)
    expect_equal(inner(tb)$n[1], sum(complete.cases(d[c("age", "arm")]) &
                                       d$age > 50, na.rm = TRUE))
    # and so does cox() on a remote table
    inner_cox <- function(data) {
      cutoff <- 70
      cox(fml, data = data, subset = age > cutoff)
    }
    expect_identical(inner_cox(tb)$n, inner_cox(d)$n)
    # na.pass: missing values are an error, as in memory (no silent drop)
    expect_error(cox_univariable(Surv(time, status) ~ age + arm, data = d,
                                 na.action = na.pass),
                 class = "survstep_error_input")
    expect_error(cox_univariable(Surv(time, status) ~ age + arm, data = tb,
                                 na.action = na.pass),
                 class = "survstep_error_input")
    ok <- cox_univariable(Surv(time, status) ~ bmi + site, data = tb,
                          na.action = na.pass)
    expect_equal(ok$estimate,
                 cox_univariable(Surv(time, status) ~ bmi + site, data = d,
                                 na.action = na.pass)$estimate,
                 tolerance = 1e-8)
    # zero weights: one warning for the common rows, as in memory
    d0 <- d
    d0$w[1:3] <- 0
    DBI::dbWriteTable(con, "d0", d0)
    t0 <- dplyr::tbl(con, "d0")
    count_zw <- function(data) {
      n <- 0L
      withCallingHandlers(
        cox_univariable(Surv(time, status) ~ age + bmi + arm, data = data,
                        weights = w),
        survstep_warning_zero_weights = function(w) {
          n <<- n + 1L
          invokeRestart("muffleWarning")
        })
      n
    }
    expect_identical(count_zw(t0), count_zw(d0))
    expect_identical(count_zw(t0), 1L)
    # what is not available: classed errors
    ni <- "survstep_error_not_implemented"
    expect_error(cox_univariable(Surv(time, status) ~ I(age / 10), data = tb),
                 class = ni)
    expect_error(cox(Surv(time, status) ~ I(age / 10), data = tb), class = ni)
    expect_error(cox_univariable(Surv(time, status) ~ ., data = tb), class = ni)
    expect_error(cox_univariable(Surv(time, status) ~ age * bmi, data = tb),
                 class = ni)
    expect_error(cox_univariable(Surv(time, status) ~ age + cluster(site),
                                 data = tb), class = ni)
    expect_error(cox_univariable(Surv(time, status) ~ age, data = tb,
                                 robust = "yes"), class = "survstep_error_input")
    # weights as a local vector: a classed error naming it (every remote path)
    for (f in list(cox, cox_univariable, km, logrank_test)) {
      expect_error(f(Surv(time, status) ~ arm, data = tb, weights = d$w),
                   "local object `d`", class = "survstep_error_input")
    }
    # a scalar of the formula's environment is fine
    k <- 2
    expect_equal(coef(cox(Surv(time, status) ~ age, data = tb, weights = w * k)),
                 coef(cox(Surv(time, status) ~ age, data = d, weights = w * k)),
                 tolerance = 1e-8)
    # no factors: the in-memory empty xlevels
    expect_identical(attr(cox_univariable(Surv(time, status) ~ bmi, data = tb),
                          "xlevels"),
                     attr(cox_univariable(Surv(time, status) ~ bmi, data = d),
                          "xlevels"))
  }, db_backends()$sqlite)
})

test_that("remote cox(): what it cannot do is an error, never a silent difference", {
  skip_if_no_db()
  d <- db_data(120)
  d$st <- d$status + 1L            # 1/2-coded status
  d$id <- rep(1:40, 3)
  db_with(d, function(tb, con) {
    ni <- "survstep_error_not_implemented"
    expect_error(cox(Surv(time, status) ~ bmi, data = tb, robust = TRUE), class = ni)
    expect_error(cox(Surv(time, status) ~ bmi + cluster(id), data = tb), class = ni)
    expect_error(cox(Surv(time, status) ~ bmi + offset(site / 10), data = tb),
                 class = ni)
    expect_error(cox(Surv(time, status) ~ bmi, data = tb, x = TRUE),
                 class = "survstep_error_needs_local_data")
    expect_error(cox(Surv(time, status) ~ bmi, data = tb, model = TRUE),
                 class = "survstep_error_needs_local_data")
    # Surv()'s 1/2 coding is decided on every row of the table, as
    # model.frame() evaluates Surv() before `subset`
    same <- function(fun) expect_same_error(fun, d, tb)
    same(function(x) cox(Surv(time, st) ~ bmi, data = x, subset = st == 1))
    same(function(x) cox(Surv(time, status) ~ bmi, data = x, subset = status == 0))
    a <- cox(Surv(time, st) ~ bmi, data = d, subset = site > 1)
    b <- cox(Surv(time, st) ~ bmi, data = tb, subset = site > 1)
    expect_equal(coef(b), coef(a), tolerance = 1e-8)
    # km() and logrank_test() refuse what they cannot code as memory does
    expect_error(km(Surv(time, st) ~ arm, data = tb, subset = st == 1),
                 class = "survstep_error_not_implemented")
    expect_equal(km(Surv(time, st) ~ arm, data = tb, subset = site > 1)$surv,
                 km(Surv(time, st) ~ arm, data = d, subset = site > 1)$surv,
                 tolerance = 1e-10)
    # Surv()'s arguments by name, and type = "right"
    a <- cox(Surv(time, status) ~ bmi, data = d)
    expect_equal(coef(cox(Surv(event = status, time = time) ~ bmi, data = tb)),
                 coef(a), tolerance = 1e-8)
    expect_equal(coef(cox(Surv(time, status, type = "right") ~ bmi, data = tb)),
                 coef(a), tolerance = 1e-8)
  }, db_backends()$sqlite)
})

test_that("what cox() on a remote table does not do yet is a classed error", {
  skip_if_no_db()
  d <- db_data(80)
  db_with(d, function(tb, con) {
    expect_error(cox(Surv(time, status) ~ age * bmi, data = tb),
                 class = "survstep_error_not_implemented")
    expect_error(cox(Surv(time, status) ~ age, data = tb, ties = "exact"),
                 class = "survstep_error_not_implemented")
    for (args in list(list(firth = TRUE), list(robust = TRUE),
                      list(analysis_set = "available"))) {
      expect_error(do.call(cox_univariable,
                           c(list(Surv(time, status) ~ age + arm, data = tb),
                             args)),
                   class = "survstep_error_not_implemented")
    }
    expect_error(logrank_test(Surv(time, status) ~ arm, data = tb,
                              distribution = "approximate", B = 10, seed = 1),
                 class = "survstep_error_needs_local_data")
  }, db_backends()$sqlite)
})

test_that("DuckDB gives the in-memory numbers", {
  skip_if_no_db()
  skip_if_not_installed(ddb <- "duckdb")
  d <- db_data()
  db_with(d, function(tb, con) {
    expect_km_same(km(Surv(time, status) ~ arm, data = d),
                   km(Surv(time, status) ~ arm, data = tb))
    expect_cox_same(cox(Surv(time, status) ~ age + arm, data = d),
                    cox(Surv(time, status) ~ age + arm, data = tb))
  }, db_backends()$duckdb)
})
