# The one model frame (R/model-frame.R): its fast paths give the record of
# the general path.

frame_of <- function(f, ..., .group = "none", .design = FALSE,
                     .counting = FALSE, .fast = TRUE) {
  call <- match.call()
  call <- call[!names(call) %in% c(".group", ".design", ".counting", ".fast")]
  names(call)[names(call) == "f"] <- "formula"
  survstep:::sv_frame(call, parent.frame(), caller = NULL, group = .group,
                      design = .design, counting = .counting, fast = .fast)
}

# Both paths, on the same call; the parts that only say where the record
# came from are dropped.
both_paths <- function(expr, env = parent.frame()) {
  e <- substitute(expr)
  strip <- function(fr) {
    if (is.list(fr$x)) fr$x <- survstep:::sv_frame_matrix(fr)
    fr[setdiff(names(fr), c("mf", "data", "simple", "all_missing"))]
  }
  fast <- eval(e, env)
  e$.fast <- FALSE
  slow <- eval(e, env)
  list(fast = strip(fast), slow = strip(slow))
}

test_that("the lean path gives the record of the general path", {
  set.seed(11)
  n <- 300
  d <- data.frame(
    time = ceiling(rexp(n) * 50), status = rbinom(n, 1, 0.7),
    g = sample(c("b", "a", "c"), n, TRUE),
    f = factor(sample(c("x", "y"), n, TRUE), levels = c("z", "y", "x")),
    num = sample(c(2.5, 10, 1), n, TRUE), lgl = sample(c(TRUE, FALSE), n, TRUE),
    s = sample(1:3, n, TRUE), s2 = sample(c("u", "v"), n, TRUE),
    stringsAsFactors = FALSE
  )
  dna <- d
  dna$time[c(3, 50)] <- NA
  dna$g[7] <- NA
  dna$s[9] <- NA
  dna$status[11] <- NA
  row.names(dna) <- paste0("r", seq_len(n))
  tf <- transform(d, time = time + 0.5)
  cases <- list(
    quote(frame_of(Surv(time, status) ~ 1, data = d, .group = "all")),
    quote(frame_of(Surv(time, status) ~ g, data = d, .group = "all")),
    quote(frame_of(Surv(time, status) ~ g + f, data = d, .group = "all")),
    quote(frame_of(Surv(time, status) ~ num + lgl, data = d, .group = "all")),
    quote(frame_of(Surv(time, status) ~ g + strata(s), data = d,
                   .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g + strata(s, s2), data = d,
                   .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g + strata(s) + strata(s2), data = d,
                   .group = "all")),
    quote(frame_of(Surv(time, status) ~ f, data = dna, .group = "all")),
    quote(frame_of(Surv(time, status) ~ g + strata(s), data = dna,
                   .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g + strata(s), data = dna,
                   na.action = na.exclude, .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g, data = d, subset = num > 1,
                   .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g, data = dna, subset = lgl,
                   .group = "all")),
    quote(frame_of(Surv(time, status + 1) ~ g, data = d, .group = "all")),
    quote(frame_of(Surv(time, status == 1) ~ f + g, data = dna,
                   .group = "all")),
    quote(frame_of(survival::Surv(time = time, event = status) ~ g, data = d,
                   .group = "terms")),
    quote(frame_of(Surv(time, status) ~ g, data = tf, .group = "all")),
    quote(frame_of(Surv(time, status) ~ g:f, data = d, .group = "all"))
  )
  for (cl in cases) {
    r <- eval(call("both_paths", cl))
    expect_identical(r$fast, r$slow, label = deparse(cl))
  }
  # the data from the calling environment, no `data`
  time <- d$time
  status <- d$status
  grp <- d$g
  r <- both_paths(frame_of(Surv(time, status) ~ grp, .group = "all"))
  expect_identical(r$fast, r$slow)
})

test_that("the small-data Cox path gives the record of the general path", {
  set.seed(12)
  n <- 40
  d <- data.frame(time = rexp(n) * 100, status = rbinom(n, 1, 0.7),
                  a = rnorm(n), b = rbinom(n, 1, 0.5), k = seq_len(n))
  row.names(d) <- paste0("r", seq_len(n))
  d2 <- transform(d, status = status + 1L, time = as.integer(ceiling(time)))
  f <- Surv(time, status) ~ a + b
  cases <- list(
    quote(frame_of(Surv(time, status) ~ a + b + k, data = d, .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ a, data = d2, .design = TRUE)),
    quote(frame_of(survival::Surv(time, status) ~ k + a, data = d,
                   .design = TRUE)),
    quote(frame_of(f, data = d, .design = TRUE))
  )
  for (cl in cases) {
    r <- eval(call("both_paths", cl))
    expect_identical(r$fast, r$slow, label = deparse(cl))
  }
})

test_that("the small-data path's kept formulas give the record of a new parse", {
  set.seed(13)
  n <- 30
  d <- data.frame(time = rexp(n) * 100, status = rbinom(n, 1, 0.7),
                  a = rnorm(n), b = rnorm(n), c = rnorm(n), e = rnorm(n),
                  g = rnorm(n))
  cases <- list(
    quote(frame_of(Surv(time, status) ~ a + b, data = d, .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ b + a, data = d, .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ a, data = d, .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ c + e, data = d, .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ e + g, data = d, .design = TRUE)),
    quote(frame_of(survival::Surv(time, status) ~ a + b, data = d,
                   .design = TRUE)),
    quote(frame_of(Surv(time, status) ~ a + b + c + e + g, data = d,
                   .design = TRUE))
  )
  # each case twice in a row (the second one found among the kept formulas)
  # and the whole list twice (more formulas than are kept)
  for (round in 1:2) {
    for (cl in c(cases, cases)) {
      r <- eval(call("both_paths", cl))
      expect_identical(r$fast, r$slow, label = deparse(cl))
    }
  }
  # a kept formula is given the environment of the formula of the call
  f <- Surv(time, status) ~ a + b
  fr1 <- frame_of(f, data = d, .design = TRUE)
  expect_identical(environment(fr1$terms), environment())
  fr2 <- local(frame_of(Surv(time, status) ~ a + b, data = d, .design = TRUE))
  expect_false(identical(environment(fr2$terms), environment()))
  expect_identical(environment(fr2$terms), environment(fr2$simple$formula))
  expect_identical(environment(fr1$terms), environment())
  fit <- local({
    z <- 1
    cox(Surv(time, status) ~ a + b, data = d)
  })
  expect_identical(get("z", environment(fit$terms)), 1)
  expect_identical(environment(fit$formula), environment(fit$terms))
})

test_that("the kept formulas do not keep the caller's frame alive", {
  set.seed(14)
  d <- data.frame(time = rexp(24), status = rep(c(1, 1, 1, 1, 1, 0), 4),
                  a = rnorm(24))
  freed <- new.env()
  freed$done <- FALSE
  local({
    e <- environment()
    reg.finalizer(e, function(e) freed$done <- TRUE)
    fit <- cox(Surv(time, status) ~ a, data = d)
    invisible(NULL)
  })
  invisible(gc())
  expect_true(freed$done)
})

test_that("the record has the documented shape", {
  d <- survival::lung
  fr <- frame_of(Surv(time, status) ~ sex + strata(ph.ecog), data = d,
                 weights = rep(2, nrow(d)), .group = "terms")
  expect_identical(colnames(fr$y), c("time", "status"))
  expect_true(all(fr$y[, 2] %in% c(0, 1)))
  expect_identical(fr$strata_levels, paste0("ph.ecog=", 0:3))
  expect_identical(range(fr$strata), c(0L, 3L))
  expect_identical(fr$group_levels, c("sex=1", "sex=2"))
  expect_identical(sort(unique(fr$group)), 0:1)
  expect_identical(fr$weights, rep(2, fr$n))
  expect_null(fr$offset)
  expect_identical(fr$n_dropped, 1L)
  fr <- frame_of(Surv(time, status) ~ sex, data = d)
  expect_null(fr$weights)
  expect_null(fr$group)
  fr <- frame_of(Surv(time, status) ~ factor(ph.ecog) + age + offset(log(age)),
                 data = d, .design = TRUE)
  expect_identical(colnames(fr$x), c("factor(ph.ecog)1", "factor(ph.ecog)2",
                                     "factor(ph.ecog)3", "age"))
  expect_identical(fr$assign, list(`factor(ph.ecog)` = 1:3, age = 4L))
  expect_named(fr$xlevels, "factor(ph.ecog)")
  expect_equal(fr$offset, log(d$age[!is.na(d$ph.ecog)]))
})

test_that("counting-process data are read and validated", {
  d <- data.frame(start = c(0, 1, 0, 2, 0), stop = c(1, 3, 2, 5, 4),
                  event = c(0, 1, 0, 1, 1), g = c(1, 1, 2, 2, 1))
  fr <- frame_of(Surv(start, stop, event) ~ g, data = d, .group = "all",
                 .counting = TRUE)
  expect_identical(colnames(fr$y), c("start", "stop", "status"))
  expect_identical(unname(fr$y[, 2]), d$stop)
  bad <- transform(d, start = replace(start, 2, 3))
  na <- transform(d, start = replace(start, 2, NA))
  expect_snapshot(error = TRUE, {
    followup_median(Surv(start, stop, event) ~ g, data = d)
    frame_of(Surv(start, stop, event) ~ g, data = bad, .counting = TRUE)
    frame_of(Surv(start, stop, event) ~ g, data = na, .counting = TRUE,
             na.action = na.fail)
    km(Surv(start, stop, type = "interval2") ~ 1, data = d)
    km(Surv(stop, factor(event)) ~ 1, data = d)
  })
  expect_identical(
    frame_of(Surv(start, stop, event) ~ g, data = na, .counting = TRUE)$n, 4L)
})

test_that("group codes follow sv_group_factor() labels and order", {
  set.seed(3)
  n <- 500
  d <- data.frame(
    num = sample(c(2.5, 10, 1), n, TRUE),
    chr = sample(c("b", "a", "C"), n, TRUE),
    lgl = sample(c(TRUE, FALSE), n, TRUE),
    fac = factor(sample(c("x", "y"), n, TRUE), levels = c("z", "y", "x")),
    int = sample(c(3L, 1L, 2L), n, TRUE),
    stringsAsFactors = FALSE
  )
  d$chr[5] <- NA
  d$utf <- sample(c("\u00e9t\u00e9", "hiver"), n, TRUE)
  for (vars in list("num", "chr", "lgl", "fac", "int", "utf",
                    c("chr", "fac"), c("int", "num", "lgl"))) {
    mf <- model.frame(reformulate(vars), data = d)
    ref <- survstep:::sv_group_factor(mf, vars)
    got <- survstep:::sv_group_codes(mf, vars)
    expect_identical(got$levels, levels(ref))
    expect_identical(got$codes, as.integer(ref) - 1L)
    rows <- seq(2L, nrow(mf), by = 3L)
    sub <- survstep:::sv_group_codes(mf, vars, rows)
    ref_sub <- survstep:::sv_group_factor(mf[rows, , drop = FALSE], vars)
    expect_identical(sub$levels, levels(ref_sub))
    expect_identical(sub$codes, as.integer(ref_sub) - 1L)
  }
  latin <- c("caf\xe9", "the")
  Encoding(latin) <- "latin1"
  x <- c(latin, enc2utf8(latin[1]))
  expect_null(survstep:::string_codes_cpp(x))
  expect_identical(
    as.vector(survstep:::string_codes_cpp(c("b", "a", NA, "b", "c"))),
    c(1L, 2L, NA, 1L, 3L))
})

test_that("the record keeps `id` for the rows used", {
  d <- data.frame(start = c(0, 2, 0, 1, 0), stop = c(2, 5, 1, 4, 3),
                  e = c(0, 1, 0, 1, 1), x = c(1, NA, 0, 1, 0.5),
                  subj = c("a", "a", "b", "b", "c"))
  fr <- frame_of(Surv(start, stop, e) ~ x, data = d, id = subj,
                 .design = TRUE, .counting = TRUE)
  expect_identical(fr$id, d$subj[-2])
  expect_identical(fr$n, 4L)
  fr <- frame_of(Surv(start, stop, e) ~ x, data = d, .design = TRUE,
                 .counting = TRUE)
  expect_null(fr$id)
  # the fast path declines when `id` is given (same record either way)
  d2 <- data.frame(time = 1:5, status = c(1, 0, 1, 1, 0), x = c(3, 1, 2, 5, 4),
                   subj = 1:5)
  r <- both_paths(frame_of(Surv(time, status) ~ x, data = d2, id = subj,
                           .design = TRUE))
  expect_identical(r$fast, r$slow)
  expect_identical(r$fast$id, 1:5)
})

test_that("a factor status (multi-state to Surv()) is named as such", {
  l <- survival::lung
  l$status <- factor(l$status)
  calls <- list(
    function() km(Surv(time, status) ~ sex, data = l),
    function() logrank_test(Surv(time, status) ~ sex, data = l),
    function() cox(Surv(time, status) ~ sex, data = l),
    function() cox_univariable(Surv(time, status) ~ sex + age, data = l))
  for (f in calls) {
    err <- expect_error(f(), class = "survstep_error_not_implemented")
    expect_match(conditionMessage(err), "status in `Surv()` is a factor",
                 fixed = TRUE)
  }
})
