# Case weights and delayed entry, Surv(start, stop, event), in the log-rank
# family: against survdiff() (no delayed entry), against the test on the
# data with each row repeated (integer weights) and against an independent
# implementation of the formulas written here (methods.md section 2).

# The weighted k-sample test from its definition: at each distinct event
# time t of a stratum, the rows at risk are those with start < t <= stop;
# n and d are sums of case weights; S(t-) is the pooled product-limit
# estimate just before t over the same risk sets.
lr_reference <- function(start, stop, status, group, strata = NULL,
                         weights = NULL, test = "logrank", p = 1, q = 0,
                         scores = NULL) {
  n <- length(stop)
  if (is.null(strata)) strata <- rep(1L, n)
  if (is.null(weights)) weights <- rep(1, n)
  group <- factor(group)
  lev <- levels(group)
  k <- length(lev)
  U <- numeric(k)
  obs <- exp <- numeric(k)
  V <- matrix(0, k, k)
  for (s in unique(strata)) {
    in_s <- strata == s
    times <- sort(unique(stop[in_s & status == 1 & weights > 0]))
    all_times <- sort(unique(stop[in_s]))
    km_before <- function(t) {
      # S(t-): product over the distinct times u < t
      prod(vapply(all_times[all_times < t], function(u) {
        at <- in_s & start < u & stop >= u
        nr <- sum(weights[at])
        d <- sum(weights[at & stop == u & status == 1])
        if (nr > 0) (nr - d) / nr else 1
      }, numeric(1)))
    }
    for (t in times) {
      at <- in_s & start < t & stop >= t
      ev <- at & stop == t & status == 1
      n_g <- vapply(lev, function(l) sum(weights[at & group == l]), 0)
      d_g <- vapply(lev, function(l) sum(weights[ev & group == l]), 0)
      nt <- sum(n_g)
      dt <- sum(d_g)
      w <- switch(test,
        "logrank" = 1,
        "gehan-breslow" = nt,
        "tarone-ware" = sqrt(nt),
        "peto-peto" = km_before(t),
        "fleming-harrington" = {
          sk <- km_before(t)
          sk^p * (1 - sk)^q
        })
      obs <- obs + w * d_g
      exp <- exp + w * dt * n_g / nt
      if (nt > 1) {
        V <- V + w^2 * dt * (nt - dt) / (nt * (nt - 1)) *
          (diag(n_g, k) - outer(n_g, n_g) / nt)
      }
    }
  }
  U <- obs - exp
  keep <- which(exp > 0)[-1]
  stat <- drop(t(U[keep]) %*% solve(V[keep, keep, drop = FALSE], U[keep]))
  out <- list(statistic = stat, df = length(keep), observed = obs,
              expected = exp, var = V)
  if (!is.null(scores)) {
    out$trend <- sum(scores * U)^2 / drop(t(scores) %*% V %*% scores)
  }
  out
}

`%||%` <- function(a, b) if (is.null(a)) b else a

lr_sim_counting <- function(n, seed, k = 3, n_strata = 2, entry = TRUE) {
  set.seed(seed)
  start <- if (entry) round(runif(n, 0, 6)) else rep(0, n)
  stop <- start + ceiling(rexp(n, 1 / 8))  # integer times: many ties
  data.frame(
    start = start, stop = stop,
    status = rbinom(n, 1, 0.7),
    g = factor(sample(letters[seq_len(k)], n, replace = TRUE)),
    s = sample(seq_len(n_strata), n, replace = TRUE),
    w = sample(1:3, n, replace = TRUE),
    fw = round(runif(n, 0.2, 3), 3)
  )
}

lr_all_tests <- list(
  list(test = "logrank"), list(test = "gehan-breslow"),
  list(test = "tarone-ware"), list(test = "peto-peto"),
  list(test = "fleming-harrington", p = 0.5, q = 2)
)

lr_call <- function(formula, data, spec, ...) {
  args <- c(list(formula, data = data), spec, list(...))
  do.call(logrank_test, args)
}

test_that("delayed entry: every test equals the definition (strata, 3 groups)", {
  for (seed in 1:3) {
    d <- lr_sim_counting(150, seed)
    for (spec in lr_all_tests) {
      for (stratified in c(FALSE, TRUE)) {
        f <- if (stratified) {
          Surv(start, stop, status) ~ g + strata(s)
        } else {
          Surv(start, stop, status) ~ g
        }
        ours <- lr_call(f, d, spec)
        ref <- lr_reference(d$start, d$stop, d$status, d$g,
                            if (stratified) d$s, NULL, spec$test,
                            spec$p %||% 1, spec$q %||% 0)
        lab <- paste(spec$test, seed, stratified)
        expect_equal(ours$statistic, ref$statistic, tolerance = 1e-10,
                     label = lab)
        expect_identical(ours$df, ref$df, label = lab)
        expect_equal(ours$table$observed, unname(ref$observed),
                     tolerance = 1e-10, label = lab)
        expect_equal(ours$table$expected, unname(ref$expected),
                     tolerance = 1e-10, label = lab)
        expect_equal(unname(ours$var), unname(ref$var), tolerance = 1e-10,
                     label = lab)
      }
    }
  }
})

test_that("without delayed entry, (0, stop] data give survdiff()'s test", {
  d <- lr_sim_counting(300, 11, k = 4, entry = FALSE)
  for (rho in c(0, 1)) {
    test <- if (rho == 0) "logrank" else "peto-peto"
    ref <- survival::survdiff(Surv(stop, status) ~ g + strata(s), data = d,
                              rho = rho)
    ours <- logrank_test(Surv(start, stop, status) ~ g + strata(s), data = d,
                         test = test)
    expect_equal(ours$statistic, ref$chisq, tolerance = 1e-12)
    expect_equal(ours$table$observed, unname(rowSums(ref$obs)),
                 tolerance = 1e-12)
    expect_equal(ours$table$expected, unname(rowSums(ref$exp)),
                 tolerance = 1e-12)
    expect_equal(unname(ours$var), unname(ref$var), tolerance = 1e-12)
  }
  for (spec in lr_all_tests) {
    a <- lr_call(Surv(start, stop, status) ~ g + strata(s), d, spec)
    b <- lr_call(Surv(stop, status) ~ g + strata(s), d, spec)
    expect_equal(a$statistic, b$statistic, tolerance = 1e-12,
                 label = spec$test)
    expect_equal(a$table, b$table, tolerance = 1e-12, label = spec$test)
  }
})

test_that("splitting follow-up at times without events leaves the test unchanged", {
  d <- lr_sim_counting(200, 5, entry = TRUE)
  d$id <- seq_len(nrow(d))
  cuts <- c(2.5, 7.5, 12.5)  # not event times (those are integers)
  sp <- survival::survSplit(Surv(start, stop, status) ~ ., data = d,
                            cut = cuts, id = "id2")
  for (spec in lr_all_tests) {
    a <- lr_call(Surv(start, stop, status) ~ g + strata(s), d, spec)
    b <- lr_call(Surv(start, stop, status) ~ g + strata(s), sp, spec)
    expect_equal(b$statistic, a$statistic, tolerance = 1e-12,
                 label = spec$test)
    expect_equal(b$table$observed, a$table$observed, tolerance = 1e-12)
    expect_equal(b$table$expected, a$table$expected, tolerance = 1e-12)
  }
})

test_that("integer case weights give the test on the expanded data", {
  for (entry in c(FALSE, TRUE)) {
    d <- lr_sim_counting(120, 21, k = 3, entry = entry)
    big <- d[rep(seq_len(nrow(d)), d$w), ]
    f <- Surv(start, stop, status) ~ g + strata(s)
    for (spec in lr_all_tests) {
      a <- lr_call(f, d, spec, weights = quote(w))
      b <- lr_call(f, big, spec)
      lab <- paste(spec$test, entry)
      expect_equal(a$statistic, b$statistic, tolerance = 1e-10, label = lab)
      expect_identical(a$df, b$df, label = lab)
      expect_equal(a$table[c("n", "events", "observed", "expected",
                             "variance")],
                   b$table[c("n", "events", "observed", "expected",
                             "variance")], tolerance = 1e-10, label = lab)
      expect_equal(a$var, b$var, tolerance = 1e-10, label = lab)
      # and the trend test
      at <- lr_call(f, d, spec, weights = quote(w), trend = TRUE)
      bt <- lr_call(f, big, spec, trend = TRUE)
      expect_equal(at$statistic, bt$statistic, tolerance = 1e-10, label = lab)
    }
  }
  # right-censored data: against survdiff() on the expanded data
  d <- lr_sim_counting(150, 22, k = 3, entry = FALSE)
  big <- d[rep(seq_len(nrow(d)), d$w), ]
  a <- logrank_test(Surv(stop, status) ~ g, data = d, weights = w)
  ref <- survival::survdiff(Surv(stop, status) ~ g, data = big)
  expect_equal(a$statistic, ref$chisq, tolerance = 1e-10)
  expect_equal(a$table$n, unname(as.numeric(ref$n)))
})

test_that("fractional weights equal the definition; zero weights drop rows", {
  d <- lr_sim_counting(150, 31, k = 3, entry = TRUE)
  for (spec in lr_all_tests) {
    ours <- lr_call(Surv(start, stop, status) ~ g + strata(s), d, spec,
                    weights = quote(fw), trend = TRUE)
    ref <- lr_reference(d$start, d$stop, d$status, d$g, d$s, d$fw, spec$test,
                        spec$p %||% 1, spec$q %||% 0, scores = 1:3)
    expect_equal(ours$overall[["statistic"]], ref$statistic,
                 tolerance = 1e-10, label = spec$test)
    expect_equal(ours$statistic, ref$trend, tolerance = 1e-10,
                 label = spec$test)
    expect_equal(ours$table$expected, unname(ref$expected),
                 tolerance = 1e-10, label = spec$test)
  }
  d$z <- ifelse(seq_len(nrow(d)) %% 4 == 0, 0, d$fw)
  for (spec in lr_all_tests) {
    a <- lr_call(Surv(start, stop, status) ~ g + strata(s), d, spec,
                 weights = quote(z))
    b <- lr_call(Surv(start, stop, status) ~ g + strata(s), d[d$z > 0, ],
                 spec, weights = quote(z))
    expect_equal(a$statistic, b$statistic, tolerance = 1e-12,
                 label = spec$test)
    expect_equal(a$table$expected, b$table$expected, tolerance = 1e-12)
  }
})

test_that("logrank_fit() and logrank_pairwise() take weights and (start, stop] data", {
  d <- lr_sim_counting(200, 41, k = 3, entry = TRUE)
  y <- Surv(d$start, d$stop, d$status)
  ref <- logrank_test(Surv(start, stop, status) ~ g + strata(s), data = d,
                      weights = fw, test = "tarone-ware")
  eng <- logrank_fit(y, d$g, d$s, weights = d$fw, test = "tarone-ware")
  expect_equal(eng$statistic, ref$statistic, tolerance = 1e-14)
  expect_equal(eng$table$expected, ref$table$expected, tolerance = 1e-14)
  pw <- logrank_pairwise(Surv(start, stop, status) ~ g + strata(s), data = d,
                         test = "peto-peto", weights = fw)
  for (j in seq_len(nrow(pw))) {
    pair <- sub("^g=", "", c(pw$group1[j], pw$group2[j]))
    sub <- d[d$g %in% pair, ]
    one <- logrank_test(Surv(start, stop, status) ~ g + strata(s),
                        data = sub, weights = fw, test = "peto-peto")
    expect_equal(pw$statistic[j], one$statistic, tolerance = 1e-12)
  }
})

test_that("bad weights and counting-process input give classed errors", {
  d <- lr_sim_counting(40, 51, k = 2, entry = TRUE)
  d$neg <- d$fw
  d$neg[3] <- -1
  d$badw <- d$fw
  d$badw[5] <- Inf
  # an interval shorter than the timefix tolerance
  e <- d
  e$stop[1] <- e$start[1] + 1e-12
  expect_error(logrank_test(Surv(start, stop, status) ~ g, data = d,
                            weights = neg),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(start, stop, status) ~ g, data = d, weights = neg)
    logrank_test(Surv(start, stop, status) ~ g, data = d, weights = badw)
    logrank_test(Surv(start, stop, status) ~ g, data = e)
    logrank_fit(Surv(e$start, e$stop, e$status), e$g)
    logrank_fit(cbind(d$stop, d$start, d$status), d$g)
    logrank_test(Surv(start, stop, status) ~ g, data = d, wieghts = fw)
  })
  # the interval of 1e-12 is kept without the timefix
  expect_s3_class(logrank_test(Surv(start, stop, status) ~ g, data = e,
                               timefix = FALSE), "survstep_logrank")
})

test_that("too many groups: a classed error instead of bad_alloc", {
  # the case of issue 7: 50,000 one-row groups
  big <- data.frame(time = seq_len(5e4), status = 1, id = seq_len(5e4))
  expect_error(logrank_test(Surv(time, status) ~ id, data = big),
               class = "survstep_error_too_many_groups")
  expect_error(logrank_pairwise(Surv(time, status) ~ id, data = big),
               class = "survstep_error_too_many_groups")
  n <- 2001
  d <- data.frame(time = seq_len(n), status = 1, id = seq_len(n))
  expect_error(logrank_test(Surv(time, status) ~ id, data = d),
               class = "survstep_error_too_many_groups")
  expect_error(logrank_fit(Surv(d$time, d$status), d$id),
               class = "survstep_error_too_many_groups")
  expect_snapshot(error = TRUE, {
    logrank_test(Surv(time, status) ~ id, data = d)
  })
  # up to the limit the test is computed
  m <- 300
  small <- d[seq_len(m), ]
  small$status <- rep(0:1, length.out = m)
  res <- logrank_test(Surv(time, status) ~ id, data = small)
  ref <- survival::survdiff(Surv(time, status) ~ id, data = small)
  expect_equal(res$statistic, ref$chisq, tolerance = 1e-8)
})
