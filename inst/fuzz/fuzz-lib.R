# Differential fuzzing of survstep against survival: the reusable functions.
#
# Sourced by inst/fuzz/fuzz.R (the command-line driver) and by
# tests/testthat/test-fuzz.R (a small fixed run). Everything here is base R
# plus survival and survstep; no other package is needed.
#
#   fz_dataset(seed, index)  one random data set (deterministic in both)
#   fz_check(ds)             every comparison on one data set; returns the
#                            number of comparisons and the disagreements
#   fz_run(seed, indices)    fz_check() over many data sets, in this process
#   fz_run_children(...)     the same in batches of child R processes
#                            (system2()), so that a crash is counted
#   fz_replay(seed, index)   one data set again, with every detail printed
#
# A disagreement is classified as
#   "expected: <reason>"  a documented difference (monotone likelihood,
#                         non-convergence, a convention of survstep);
#   "known <id>"          a defect of fz_known_issues (being fixed);
#   "unexplained"         anything else: a bug until shown otherwise.

# Known defects (issue 7) that are being fixed. Each entry: the checks it
# covers (a regular expression on the check name) and a predicate on the
# disagreement record and the data set. Empty this list as the fixes land;
# the run then reports any remaining case as "unexplained".
fz_known_issues <- list()
# (Issue 7, items 1-4 -- unit-dependent stepwise selection and aliasing, the
# scale of the global Wald test, the fit after divergence and inestimable
# coefficients with extreme weights -- are fixed, so their entries are gone.)

# Tolerances of the project's tests.
# Chi-square statistics are compared relative to max(|value|, stat_floor).
fz_tol <- list(coef = 1e-8, loglik = 1e-8, se = 1e-6, km = 1e-10,
               stat = 1e-6, stat_floor = 1e-6)

# Random data sets ------------------------------------------------------------

# One seed per (seed, index): data set `index` of run `seed` is the same
# whatever else the run contains.
fz_seed <- function(seed, index) {
  set.seed((as.numeric(seed) * 1000003 + as.numeric(index)) %%
             .Machine$integer.max)
}

fz_pick <- function(x, prob = NULL) x[sample.int(length(x), 1L, prob = prob)]

# A random survival data set and the description of how it was made
# (`spec`). Columns: time, status, g (grouping factor), s (strata), w
# (weights), x1, x2 (binary), x3 (special: collinear, constant, separated,
# badly scaled, ...), x4, f (factor), off (offset).
fz_dataset <- function(seed, index, max_n = 5000L) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv())
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  fz_seed(seed, index)
  sp <- list(seed = seed, index = index)
  sp$n <- n <- switch(
    fz_pick(c("tiny", "small", "medium", "large"), c(0.3, 0.35, 0.27, 0.08)),
    tiny = sample.int(8L, 1L),
    small = sample(9:60, 1L),
    medium = sample(61:600, 1L),
    large = sample(601:5000, 1L)
  )
  sp$n <- n <- min(n, max_n)
  sp$times <- fz_pick(c("continuous", "ties", "heavy-ties", "zero-ties",
                        "all-tied", "extreme-small", "extreme-large",
                        "extreme-mixed", "near-ties"),
                      c(0.25, 0.2, 0.12, 0.1, 0.05, 0.07, 0.07, 0.06, 0.08))
  x1 <- stats::rnorm(n)
  x2 <- stats::rbinom(n, 1L, fz_pick(c(0.5, 0.1, 0.9)))
  x4 <- stats::runif(n, -1, 1)
  nf <- fz_pick(2:4)
  f <- factor(sample(letters[seq_len(nf)], n, replace = TRUE),
              levels = letters[seq_len(nf)])
  beta <- stats::rnorm(3) * fz_pick(c(0, 0.5, 2))
  rate <- exp(beta[1] * x1 + beta[2] * x2 + beta[3] * as.integer(f) / nf)
  t0 <- stats::rexp(n, rate)
  time <- switch(
    sp$times,
    continuous = t0,
    ties = pmax(1, round(t0 * 10)),
    `heavy-ties` = round(t0 * 2),
    `zero-ties` = {
      tt <- round(t0 * 5)
      tt[stats::runif(n) < 0.2] <- 0
      tt
    },
    `all-tied` = rep(fz_pick(c(0, 1, 3.5)), n),
    `extreme-small` = t0 * 1e-200,
    `extreme-large` = t0 * 1e200,
    `extreme-mixed` = t0 * 10^stats::runif(n, -12, 12),
    `near-ties` = round(t0 * 4) + stats::rnorm(n, 0, 1e-9) *
      (stats::runif(n) < 0.5)
  )
  if (sp$times == "near-ties") time <- abs(time)
  sp$status <- fz_pick(c("mixed", "mostly-events", "mostly-censored",
                         "all-events", "all-censored", "single-event"),
                       c(0.4, 0.2, 0.15, 0.1, 0.07, 0.08))
  status <- switch(
    sp$status,
    mixed = stats::rbinom(n, 1L, 0.6),
    `mostly-events` = stats::rbinom(n, 1L, 0.9),
    `mostly-censored` = stats::rbinom(n, 1L, 0.1),
    `all-events` = rep(1L, n),
    `all-censored` = rep(0L, n),
    `single-event` = replace(integer(n), sample.int(n, 1L), 1L)
  )
  k <- fz_pick(1:5, c(0.15, 0.4, 0.25, 0.1, 0.1))
  g <- factor(sample(LETTERS[seq_len(k)], n, replace = TRUE),
              levels = LETTERS[seq_len(k)])
  sp$empty_level <- stats::runif(1) < 0.15
  if (sp$empty_level) levels(g) <- c(levels(g), "Zempty")
  sp$strata <- fz_pick(c("none", "few", "singletons"), c(0.55, 0.3, 0.15))
  s <- switch(
    sp$strata,
    none = rep(1L, n),
    few = sample.int(fz_pick(2:4), n, replace = TRUE),
    singletons = {
      ss <- sample.int(2L, n, replace = TRUE)
      m <- min(n, fz_pick(1:3))
      ss[sample.int(n, m)] <- 2L + seq_len(m)
      ss
    }
  )
  sp$weights <- fz_pick(c("none", "integer", "fractional", "extreme",
                          "with-zeros"), c(0.5, 0.17, 0.15, 0.1, 0.08))
  w <- switch(
    sp$weights,
    none = rep(1, n),
    integer = as.numeric(sample.int(5L, n, replace = TRUE)),
    fractional = stats::runif(n, 0.05, 3),
    extreme = {
      ww <- 10^stats::runif(n, -6, 7)
      if (stats::runif(1) < 0.2) ww[sample.int(n, 1L)] <- 1e308
      ww
    },
    `with-zeros` = sample(c(0, 0.5, 1, 2), n, replace = TRUE)
  )
  sp$x3 <- fz_pick(c("plain", "collinear", "constant", "separated",
                     "badly-scaled", "tiny-scale", "duplicate", "binary-rare"),
                   c(0.3, 0.1, 0.08, 0.14, 0.12, 0.1, 0.06, 0.1))
  x3 <- switch(
    sp$x3,
    plain = stats::rnorm(n),
    collinear = 2 * x1 - 3 * x2 + 1,
    constant = rep(2.5, n),
    separated = as.numeric(rank(time, ties.method = "first") >
                             ceiling(n / 2)),
    `badly-scaled` = stats::rnorm(n, 1e6, 1) * 1e8,
    `tiny-scale` = stats::rnorm(n) * 1e-9,
    duplicate = x1,
    `binary-rare` = replace(numeric(n), sample.int(n, 1L), 1)
  )
  sp$offset <- stats::runif(1) < 0.2
  off <- if (sp$offset) stats::rnorm(n, 0, 0.5) else rep(0, n)
  d <- data.frame(time = time, status = as.integer(status), g = g, s = s,
                  w = w, x1 = x1, x2 = x2, x3 = x3, x4 = x4, f = f,
                  off = off)
  sp$empty_f <- stats::runif(1) < 0.1
  if (sp$empty_f) levels(d$f) <- c(levels(d$f), "zz")
  sp$na <- fz_pick(c("none", "some", "everywhere"), c(0.7, 0.2, 0.1))
  if (sp$na != "none") {
    frac <- if (sp$na == "some") 0.03 else 0.25
    for (v in c("time", "status", "g", "s", "w", "x1", "x2", "x3", "f")) {
      if (sp$na == "some" && stats::runif(1) < 0.5) next
      d[[v]][stats::runif(n) < frac] <- NA
    }
  }
  # the analysis: which covariates the Cox model uses, which KM conf type
  sp$cox_vars <- c("x1", if (stats::runif(1) < 0.6) "x2",
                   if (stats::runif(1) < 0.5) "f",
                   if (stats::runif(1) < 0.6) "x3")
  sp$conf_type <- fz_pick(c("log", "log-log", "plain"))
  sp$fh <- c(fz_pick(c(0, 0.5, 1, 2)), fz_pick(c(0, 0.5, 1, 2)))
  sp$time_scale <- fz_pick(c(1e-3, 7.3, 1e5))
  sp$unit_scale <- 10^stats::runif(1, -8, 8)
  sp$unit_shift <- stats::runif(1, -100, 100)
  sp$perm <- sample.int(n)
  sp$sw_direction <- fz_pick(c("forward", "backward"))
  sp$sw_removal <- fz_pick(c("wald", "lr", "conditional"))
  sp$sw_include <- stats::runif(1) < 0.3
  sp$sw_p <- fz_pick(list(c(0.05, 0.1), c(0.15, 0.2), c(0.5, 0.6)))
  list(data = d, spec = sp)
}

# Comparison bookkeeping ------------------------------------------------------

fz_acc <- function(ds) {
  acc <- new.env(parent = emptyenv())
  acc$ds <- ds
  acc$n <- 0L
  acc$rows <- list()
  acc$flags <- list()
  acc
}

fz_fmt <- function(x) {
  if (is.null(x)) return("NULL")
  x <- unlist(x)
  if (length(x) > 6L) x <- c(x[1:6], NA)
  paste(format(x, digits = 10), collapse = " ")
}

fz_disagree <- function(acc, check, detail, a = NULL, b = NULL,
                        flags = acc$flags) {
  acc$rows[[length(acc$rows) + 1L]] <- list(
    check = check, detail = detail, survstep = fz_fmt(a),
    reference = fz_fmt(b), flags = flags
  )
  invisible(FALSE)
}

# Compare a with b: same length, same NA pattern, and
# |a - b| <= tol * max(|b|, floor) elementwise (rel = TRUE), or
# |a - b| <= tol (rel = FALSE). `floor` may be a vector (e.g. the SE of a
# coefficient).
fz_compare <- function(acc, check, a, b, tol, rel = TRUE, floor = 0) {
  acc$n <- acc$n + 1L
  a <- unname(as.numeric(a))
  b <- unname(as.numeric(b))
  b[is.nan(b)] <- NA
  a[is.nan(a)] <- NA
  if (length(a) != length(b)) {
    return(fz_disagree(acc, check, sprintf("length %d vs %d", length(a),
                                           length(b)), a, b))
  }
  if (!identical(is.na(a), is.na(b))) {
    return(fz_disagree(acc, check, "NA pattern differs", a, b))
  }
  ok <- !is.na(a)
  if (!any(ok)) return(invisible(TRUE))
  fin <- is.finite(a[ok]) & is.finite(b[ok])
  if (any(!fin)) {
    if (!identical(a[ok][!fin], b[ok][!fin])) {
      return(fz_disagree(acc, check, "non-finite values differ", a, b))
    }
  }
  aa <- a[ok][fin]
  bb <- b[ok][fin]
  fl <- if (length(floor) > 1L) floor[ok][fin] else floor
  lim <- if (rel) tol * pmax(abs(bb), fl) else rep(tol, length(bb))
  err <- abs(aa - bb)
  if (any(err > lim)) {
    j <- which.max(err / pmax(lim, 1e-300))
    return(fz_disagree(acc, check, sprintf(
      "max error %.3g (allowed %.3g) at element %d", err[j], lim[j], j),
      a, b))
  }
  invisible(TRUE)
}

fz_same <- function(acc, check, a, b) {
  acc$n <- acc$n + 1L
  if (!identical(a, b)) fz_disagree(acc, check, "not identical", a, b)
  invisible(TRUE)
}

# Evaluate `expr`, keeping the value, the error (or NULL) and the warnings
# (messages and classes); warnings and messages are muffled.
fz_try <- function(expr) {
  warns <- list()
  val <- tryCatch(
    withCallingHandlers(expr,
      warning = function(w) {
        warns[[length(warns) + 1L]] <<- list(
          message = conditionMessage(w), class = class(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) invokeRestart("muffleMessage")),
    error = function(e) e
  )
  err <- if (inherits(val, "error")) val else NULL
  list(value = if (is.null(err)) val, error = err, warnings = warns)
}

fz_warned <- function(res, pattern = NULL, class = NULL) {
  any(vapply(res$warnings, function(w) {
    (!is.null(pattern) && grepl(pattern, w$message)) ||
      (!is.null(class) && class %in% w$class)
  }, logical(1)))
}

# Both calls must fail, or neither; a failure of one alone is a
# disagreement. Returns TRUE when both succeeded.
fz_both <- function(acc, check, sv, ref) {
  if (!is.null(sv$error) || !is.null(ref$error)) {
    acc$n <- acc$n + 1L
    if (is.null(sv$error) || is.null(ref$error)) {
      fz_disagree(acc, paste0(check, ":error"), "only one side failed",
                  if (!is.null(sv$error)) conditionMessage(sv$error) else "ok",
                  if (!is.null(ref$error)) conditionMessage(ref$error) else
                    "ok")
    }
    return(FALSE)
  }
  TRUE
}

# Kaplan-Meier ----------------------------------------------------------------

fz_km_call <- function(ds, data, conf_type, survfit = FALSE) {
  sp <- ds$spec
  rhs <- if (sp$strata == "none") "g" else "g + strata(s)"
  f <- stats::as.formula(paste("Surv(time, status) ~", rhs),
                         env = globalenv())
  cl <- if (survfit) {
    call("survfit", f, data = data, conf.type = conf_type)
  } else {
    call("km", f, data = data, conf_type = conf_type)
  }
  if (sp$weights != "none") {
    cl$weights <- quote(w)
    if (survfit) cl$robust <- FALSE
  }
  cl
}

fz_eval <- function(cl) {
  env <- new.env(parent = asNamespace("survstep"))
  env$km <- survstep::km
  env$survfit <- survival::survfit
  eval(cl, env)
}

fz_check_km <- function(acc, ds) {
  sp <- ds$spec
  sv <- fz_try(fz_eval(fz_km_call(ds, ds$data, sp$conf_type)))
  ref <- fz_try(fz_eval(fz_km_call(ds, ds$data, sp$conf_type,
                                   survfit = TRUE)))
  if (!fz_both(acc, "km", sv, ref)) return(invisible())
  fit <- sv$value
  sf <- ref$value
  tol <- fz_tol$km
  sizes <- if (is.null(sf$strata)) length(sf$time) else unname(sf$strata)
  fz_same(acc, "km:strata", as.integer(unname(fit$strata)),
          as.integer(sizes))
  if (length(fit$time) != length(sf$time)) return(invisible())
  fz_compare(acc, "km:time", fit$time, sf$time, 1e-12)
  fz_compare(acc, "km:n.risk", fit$n.risk, sf$n.risk, tol, floor = 1)
  fz_compare(acc, "km:n.event", fit$n.event, sf$n.event, tol, floor = 1)
  fz_compare(acc, "km:n.censor", fit$n.censor, sf$n.censor, tol, floor = 1)
  fz_compare(acc, "km:surv", fit$surv, sf$surv, tol, rel = FALSE)
  from <- length(acc$rows) + 1L
  se_s <- ifelse(sf$surv == 0, NA, sf$surv * sf$std.err)
  fz_compare(acc, "km:std.error", fit$std.error, se_s, tol, rel = FALSE)
  fz_compare(acc, "km:lower", fit$conf.low, sf$lower, tol, rel = FALSE)
  fz_compare(acc, "km:upper", fit$conf.high, sf$upper, tol, rel = FALSE)
  fz_km_conditioning(acc, ds, sf, from, fit)
  med <- fz_try(survstep::km_median(fit))
  tab <- fz_try(summary(sf)$table)
  if (!fz_both(acc, "km:median", med, tab)) return(invisible())
  tab <- tab$value
  if (is.null(dim(tab))) tab <- t(tab)
  lv <- sf$conf.int
  ref_med <- tab[, c("median", paste0(lv, "LCL"), paste0(lv, "UCL")),
                 drop = FALSE]
  m <- med$value
  tscale <- max(abs(fit$time), 1e-300)
  fz_compare(acc, "km:median",
             as.matrix(m[, c("median", "conf.low", "conf.high")]),
             ref_med, 1e-10, floor = tscale)
  invisible()
}

# After differences in the Greenwood standard error or the confidence
# limits of weighted curves: the Greenwood term d / (n (n - d)) loses about
# log10(n / (n - d)) digits when nearly all the weight at risk dies at once
# (extreme weights: n = 6502.003, d = 6502.001 loses 6.5 digits), so sums
# of the same weights in another order differ far beyond 1e-10. If
# survfit() itself moves at least a hundredth as much when only the order
# of the rows (and so of its sums) is reversed, the difference is
# floating-point noise of an ill-conditioned problem, not a defect. (A
# relative perturbation of the weights would not show it: the dying rows'
# weight enters n and d alike.)
fz_km_conditioning <- function(acc, ds, sf, from, fit) {
  if (length(acc$rows) < from || ds$spec$weights == "none") {
    return(invisible())
  }
  # Or directly: survstep's bands computed from survfit's own S and
  # Greenwood sum equal survfit's (so the band formula is right), and the
  # Greenwood sums differ by no more than 16 eps times the condition number
  # n / (n - d) of the worst step so far in the curve.
  z <- stats::qnorm(1 - (1 - fit$conf_level) / 2)
  cv_ref <- sf$std.err^2
  own <- survstep:::km_bands_cpp(sf$surv, cv_ref, z, fit$conf_type)
  same_formula <- isTRUE(all.equal(own$conf.low, sf$lower, tolerance = 1e-12)) &&
    isTRUE(all.equal(own$conf.high, sf$upper, tolerance = 1e-12))
  curve <- rep(seq_along(fit$strata), fit$strata)
  kap <- ifelse(fit$n.event > 0 & fit$n.risk > fit$n.event,
                fit$n.risk / (fit$n.risk - fit$n.event), 1)
  kap <- unlist(lapply(split(kap, curve), cummax), use.names = FALSE)
  ok <- is.finite(fit$cumvar) & is.finite(cv_ref)
  within <- all(abs(fit$cumvar[ok] - cv_ref[ok]) <=
                  16 * .Machine$double.eps * kap[ok] * cv_ref[ok])
  if (same_formula && within) {
    for (k in seq.int(from, length(acc$rows))) {
      acc$rows[[k]]$class <- paste(
        "expected: ill-conditioned Greenwood sum (within 16 eps times",
        "n / (n - d) of survfit())")
    }
    return(invisible())
  }
  d <- ds$data[rev(seq_len(nrow(ds$data))), , drop = FALSE]
  pert <- fz_try(fz_eval(fz_km_call(ds, d, ds$spec$conf_type,
                                    survfit = TRUE)))
  if (!is.null(pert$error) || length(pert$value$time) != length(sf$time)) {
    return(invisible())
  }
  p <- pert$value
  se <- function(f) ifelse(f$surv == 0, NA, f$surv * f$std.err)
  moved <- function(a, b) {
    ok <- is.finite(a) & is.finite(b)
    if (!any(ok)) 0 else max(abs(a[ok] - b[ok]))
  }
  sens <- c(std.error = moved(se(p), se(sf)), lower = moved(p$lower, sf$lower),
            upper = moved(p$upper, sf$upper))
  for (k in seq.int(from, length(acc$rows))) {
    q <- sub("^km:", "", acc$rows[[k]]$check)
    err <- suppressWarnings(as.numeric(sub("^max error ([^ ]+) .*", "\\1",
                                           acc$rows[[k]]$detail)))
    if (q %in% names(sens) && is.finite(err) && sens[[q]] * 100 >= err) {
      acc$rows[[k]]$class <- paste(
        "expected: ill-conditioned Greenwood sum (survfit() moves as much",
        "when the rows are reversed)")
      acc$rows[[k]]$detail <- sprintf("%s; perturbation moves it by %.3g",
                                      acc$rows[[k]]$detail, sens[[q]])
    }
  }
  invisible()
}

# Log-rank family -------------------------------------------------------------

# Independent reference from the formulas of methods.md section 2, after
# survival's timefix (aeqSurv). `wfun(n_t, S(t-))` gives the weights; `w`
# case weights (frequency weights: n and d are sums of them) or NULL.
fz_ref_logrank <- function(time, status, group, strata, wfun, w = NULL,
                           km = c("cumprod", "log1p")) {
  km <- match.arg(km)
  y <- survival::aeqSurv(survival::Surv(time, status))
  time <- y[, 1L]
  status <- y[, 2L]
  group <- droplevels(as.factor(group))
  if (is.null(w)) w <- rep(1, length(time))
  k <- nlevels(group)
  gi <- as.integer(group)
  U <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (st in unique(strata)) {
    i <- strata == st
    t <- time[i]
    wi <- w[i]
    ev <- status[i] == 1 & wi > 0
    g <- gi[i]
    et <- sort(unique(t[ev]))
    m <- length(et)
    if (!m) next
    ng <- matrix(0, m, k)
    dg <- matrix(0, m, k)
    for (j in seq_len(k)) {
      o <- order(t[g == j])
      tj <- t[g == j][o]
      # weight of the rows of group j with time >= each event time: suffix
      # sums, accumulated from the last time backwards (a difference of
      # prefix sums would lose every small weight next to one of 1e308)
      suffix <- c(rev(cumsum(rev(wi[g == j][o]))), 0)
      ng[, j] <- suffix[findInterval(et, tj, left.open = TRUE) + 1L]
      dg[, j] <- vapply(et, function(u) sum(wi[ev & g == j & t == u]), 0)
    }
    n <- rowSums(ng)
    dd <- rowSums(dg)
    # (km = "log1p": the same product evaluated as exp(sum(log1p(-d/n))),
    # to measure how much the statistic depends on the rounding of S)
    s_before <- if (km == "cumprod") c(1, cumprod(1 - dd / n))[seq_len(m)] else
      c(1, exp(cumsum(log1p(-dd / n))))[seq_len(m)]
    tw <- wfun(n, s_before)
    U <- U + colSums(tw * (dg - dd * ng / n))
    E <- E + colSums(tw * dd * ng / n)
    vf <- ifelse(n > 1, tw^2 * dd * (n - dd) / (n * (n - 1)), 0)
    V <- V + diag(colSums(vf * ng), k) - crossprod(ng, ng * vf / n)
  }
  use <- which(E > 0)[-1L]
  if (!length(use)) return(list(statistic = 0, df = 0L, ok = TRUE))
  vv <- V[use, use, drop = FALSE]
  # (extreme case weights can overflow the reference's arithmetic)
  if (any(!is.finite(vv)) || any(!is.finite(U[use]))) {
    return(list(statistic = NA_real_, df = NA, ok = FALSE))
  }
  rc <- if (all(vv == 0)) 0 else rcond(vv)
  if (rc < 1e-10) return(list(statistic = NA_real_, df = NA, ok = FALSE))
  list(statistic = drop(crossprod(U[use], solve(vv, U[use]))),
       df = length(use), ok = TRUE)
}

fz_lr_formula <- function(ds) {
  rhs <- if (ds$spec$strata == "none") "g" else "g + strata(s)"
  stats::as.formula(paste("Surv(time, status) ~", rhs), env = globalenv())
}

# A documented difference of logrank_test() from survdiff() when one side
# fails.
fz_lr_convention <- function(sv, ref) {
  if (!is.null(sv$error) && is.null(ref$error) &&
      inherits(sv$error, "survstep_error_input") &&
      grepl("no events", conditionMessage(sv$error)) &&
      isTRUE(all(ref$value$obs == 0))) {
    return("expected: logrank_test() refuses data without events (survdiff: 0)")
  }
  if (!is.null(sv$error) && is.null(ref$error) &&
      inherits(sv$error, "survstep_error_input") &&
      grepl("only one group", conditionMessage(sv$error)) &&
      isTRUE(ref$value$chisq == 0)) {
    return(paste("expected: logrank_test() refuses a comparison without two",
                 "groups at risk (survdiff: 0 on 0 df)"))
  }
  if (is.null(sv$error) && !is.null(ref$error) &&
      grepl("singular", conditionMessage(ref$error))) {
    return("expected: survdiff() fails on a singular variance (survstep: generalized inverse)")
  }
  NULL
}

fz_check_logrank <- function(acc, ds) {
  sp <- ds$spec
  if (sp$weights != "none") return(fz_check_logrank_weighted(acc, ds))
  d <- ds$data
  f <- fz_lr_formula(ds)
  for (rho in 0:1) {
    test <- if (rho == 0) "logrank" else "peto-peto"
    sv <- fz_try(survstep::logrank_test(f, data = d, test = test))
    ref <- fz_try(survival::survdiff(f, data = d, rho = rho))
    chk <- paste0("logrank:", test)
    conv <- fz_lr_convention(sv, ref)
    if (!is.null(conv)) {
      acc$n <- acc$n + 1L
      fz_disagree(acc, paste0(chk, ":error"), conv,
                  if (is.null(sv$error)) "ok" else conditionMessage(sv$error),
                  if (is.null(ref$error)) "ok" else
                    conditionMessage(ref$error))
      acc$rows[[length(acc$rows)]]$class <- conv
      next
    }
    if (!fz_both(acc, chk, sv, ref)) next
    acc$flags$lr_singular <- fz_warned(sv, class = "survstep_warning_singular")
    fz_compare(acc, paste0(chk, ":statistic"), sv$value$overall[["statistic"]],
               ref$value$chisq, fz_tol$loglik, floor = fz_tol$stat_floor)
    o <- if (is.matrix(ref$value$obs)) rowSums(ref$value$obs) else
      ref$value$obs
    e <- if (is.matrix(ref$value$exp)) rowSums(ref$value$exp) else
      ref$value$exp
    keep <- sv$value$table$n > 0
    fz_compare(acc, paste0(chk, ":observed"), sv$value$table$observed[keep],
               o, fz_tol$loglik, floor = 1e-10)
    fz_compare(acc, paste0(chk, ":expected"), sv$value$table$expected[keep],
               e, fz_tol$loglik, floor = 1e-10)
    acc$flags$lr_singular <- NULL
  }
  # the other weights against the independent reference
  cc <- stats::complete.cases(d[, c("time", "status", "g",
                                    if (sp$strata != "none") "s")])
  dd <- d[cc, , drop = FALSE]
  if (!nrow(dd)) return(invisible())
  others <- list(
    `gehan-breslow` = function(n, s) n,
    `tarone-ware` = function(n, s) sqrt(n),
    `fleming-harrington` = function(n, s) s^sp$fh[1] * (1 - s)^sp$fh[2]
  )
  for (test in names(others)) {
    sv <- if (test == "fleming-harrington") {
      fz_try(survstep::logrank_test(f, data = d, test = test, p = sp$fh[1],
                                    q = sp$fh[2]))
    } else {
      fz_try(survstep::logrank_test(f, data = d, test = test))
    }
    if (!is.null(sv$error)) next  # errors are compared with survdiff above
    ref <- fz_ref_logrank(dd$time, dd$status, dd$g,
                          if (sp$strata == "none") rep(1L, nrow(dd)) else dd$s,
                          others[[test]])
    if (!ref$ok) next
    fz_compare(acc, paste0("logrank:", test, ":statistic"),
               sv$value$overall[["statistic"]], ref$statistic,
               fz_tol$loglik, floor = fz_tol$stat_floor)
  }
  invisible()
}

# Case weights: integer weights against survdiff() on the expanded data;
# all weights against the independent reference. Weights whose sum
# overflows must give a classed error.
fz_check_logrank_weighted <- function(acc, ds) {
  sp <- ds$spec
  d <- ds$data
  f <- fz_lr_formula(ds)
  vars <- c("time", "status", "g", "w", if (sp$strata != "none") "s")
  dd <- d[stats::complete.cases(d[, vars]), , drop = FALSE]
  if (!nrow(dd)) return(invisible())
  if (!is.finite(sum(dd$w))) {
    sv <- fz_try(survstep::logrank_test(f, data = d, weights = w))
    acc$n <- acc$n + 1L
    if (!inherits(sv$error, "survstep_error_input")) {
      fz_disagree(acc, "logrank:weights:overflow",
                  "no classed error for weights whose sum overflows",
                  if (is.null(sv$error)) "ok" else conditionMessage(sv$error),
                  "error")
    }
    return(invisible())
  }
  if (sp$weights == "integer") {
    big <- dd[rep(seq_len(nrow(dd)), dd$w), , drop = FALSE]
    for (rho in 0:1) {
      test <- if (rho == 0) "logrank" else "peto-peto"
      sv <- fz_try(survstep::logrank_test(f, data = d, weights = w,
                                          test = test))
      ref <- fz_try(survival::survdiff(f, data = big, rho = rho))
      chk <- paste0("logrank:weights:", test)
      conv <- fz_lr_convention(sv, ref)
      if (!is.null(conv)) {
        acc$n <- acc$n + 1L
        fz_disagree(acc, paste0(chk, ":error"), conv)
        acc$rows[[length(acc$rows)]]$class <- conv
        next
      }
      if (!fz_both(acc, chk, sv, ref)) next
      acc$flags$lr_singular <- fz_warned(sv,
                                         class = "survstep_warning_singular")
      fz_compare(acc, paste0(chk, ":statistic"),
                 sv$value$overall[["statistic"]], ref$value$chisq,
                 fz_tol$loglik, floor = fz_tol$stat_floor)
      acc$flags$lr_singular <- NULL
    }
  }
  others <- list(
    logrank = function(n, s) rep(1, length(n)),
    `gehan-breslow` = function(n, s) n,
    `tarone-ware` = function(n, s) sqrt(n),
    `peto-peto` = function(n, s) s,
    `fleming-harrington` = function(n, s) s^sp$fh[1] * (1 - s)^sp$fh[2]
  )
  for (test in names(others)) {
    sv <- if (test == "fleming-harrington") {
      fz_try(survstep::logrank_test(f, data = d, weights = w, test = test,
                                    p = sp$fh[1], q = sp$fh[2]))
    } else {
      fz_try(survstep::logrank_test(f, data = d, weights = w, test = test))
    }
    if (!is.null(sv$error)) next  # errors are compared with survdiff above
    ref <- fz_ref_logrank(dd$time, dd$status, dd$g,
                          if (sp$strata == "none") rep(1L, nrow(dd)) else dd$s,
                          others[[test]], w = dd$w)
    if (!ref$ok) next
    from <- length(acc$rows) + 1L
    fz_compare(acc, paste0("logrank:weights:", test, ":statistic"),
               sv$value$overall[["statistic"]], ref$statistic,
               fz_tol$loglik, floor = fz_tol$stat_floor)
    if (length(acc$rows) >= from) {
      fz_lr_conditioning(acc, from, ds, f, d, dd, test, others[[test]],
                         sv$value$overall[["statistic"]], ref$statistic)
    }
  }
  invisible()
}

# After a weighted log-rank statistic disagreed with the reference: perturb
# the weights at 1e-12 relative (far below the precision of any real weight)
# and recompute both sides, and recompute the reference with the
# Kaplan-Meier weight evaluated as exp(sum(log1p(-d/n))). When the perturbation moves either side by at
# least a hundredth of the disagreement, the statistic is ill-conditioned
# (extreme weights, a near-singular variance matrix) and the difference is
# floating-point noise, not a defect.
fz_lr_conditioning <- function(acc, from, ds, f, d, dd, test, wfun, a, b) {
  sp <- ds$spec
  # a total weight at risk above sqrt(.Machine$double.xmax) (1.3e154)
  # overflows the reference's n (n - 1) (variance of the tied-deaths term):
  # the reference formula, not cox()'s, is then invalid
  if (isTRUE(sum(dd$w) > sqrt(.Machine$double.xmax))) {
    for (k in seq.int(from, length(acc$rows))) {
      acc$rows[[k]]$class <- paste(
        "expected: weights above 1e154 overflow the reference's",
        "n (n - 1) in the log-rank variance")
    }
    return(invisible())
  }
  jit <- function(w) w * (1 + 1e-12 * sin(seq_along(w) * 12.9898))
  dp <- d
  dp$w <- jit(d$w)
  svp <- if (test == "fleming-harrington") {
    fz_try(survstep::logrank_test(f, data = dp, weights = w, test = test,
                                  p = sp$fh[1], q = sp$fh[2]))
  } else {
    fz_try(survstep::logrank_test(f, data = dp, weights = w, test = test))
  }
  wp <- dp$w[match(rownames(dd), rownames(d))]
  refp <- fz_ref_logrank(dd$time, dd$status, dd$g,
                         if (sp$strata == "none") rep(1L, nrow(dd)) else dd$s,
                         wfun, w = wp)
  if (!is.null(svp$error) || !refp$ok) return(invisible())
  # the reference with S(t-) evaluated another, equally exact, way: the
  # weights s^p (1 - s)^q of Fleming-Harrington (and Peto-Peto's s) depend
  # on the rounding of S when 1 - S is near the unit roundoff
  refk <- fz_ref_logrank(dd$time, dd$status, dd$g,
                         if (sp$strata == "none") rep(1L, nrow(dd)) else dd$s,
                         wfun, w = dd$w, km = "log1p")
  den <- max(abs(b), fz_tol$stat_floor)
  obs <- c(statistic = abs(a - b) / den)
  sens <- c(statistic = max(abs(svp$value$overall[["statistic"]] - a),
                            abs(refp$statistic - b),
                            if (refk$ok) abs(refk$statistic - b) else 0) / den)
  fz_mark_ill_conditioned(acc, from, obs, sens)
}

# Cox -------------------------------------------------------------------------

fz_cox_control <- list(eps = 1e-11, iter_max = 100L,
                       toler_chol = .Machine$double.eps^0.75, toler_inf = 1e-6)

fz_cox_formula <- function(ds, vars = ds$spec$cox_vars) {
  sp <- ds$spec
  rhs <- paste(c(vars, if (sp$strata != "none") "strata(s)",
                 if (sp$offset) "offset(off)"), collapse = " + ")
  stats::as.formula(paste("Surv(time, status) ~", rhs), env = globalenv())
}

# Cox weights must be positive: data sets with zero weights use them + 1.
fz_cox_data <- function(ds) {
  d <- ds$data
  if (ds$spec$weights == "with-zeros") d$w <- d$w + 1
  d
}

fz_cox_sv <- function(ds, data, ties, vars = ds$spec$cox_vars,
                      timefix = TRUE) {
  ctl <- fz_cox_control
  cl <- call("cox", fz_cox_formula(ds, vars), data = data, ties = ties,
             control = survstep::cox_control(eps = ctl$eps,
                                             iter_max = ctl$iter_max,
                                             toler_chol = ctl$toler_chol,
                                             toler_inf = ctl$toler_inf,
                                             timefix = timefix))
  if (ds$spec$weights != "none") cl$weights <- quote(w)
  env <- new.env(parent = globalenv())
  env$cox <- survstep::cox
  fz_try(eval(cl, env))
}

fz_cox_ref <- function(ds, data, ties) {
  ctl <- fz_cox_control
  cl <- call("coxph", fz_cox_formula(ds), data = data, ties = ties,
             control = survival::coxph.control(eps = ctl$eps,
                                               iter.max = ctl$iter_max,
                                               toler.chol = ctl$toler_chol,
                                               toler.inf = ctl$toler_inf),
             robust = FALSE)
  if (ds$spec$weights != "none") cl$weights <- quote(w)
  env <- new.env(parent = globalenv())
  env$coxph <- survival::coxph
  fz_try(eval(cl, env))
}

fz_se <- function(v, keep) {
  out <- rep(NA_real_, length(keep))
  if (is.null(v)) return(out)
  dv <- suppressWarnings(diag(as.matrix(v)))
  dv <- suppressWarnings(sqrt(dv))
  if (length(dv) == sum(keep)) out[keep] <- dv else out[keep] <- dv[keep]
  out
}

# A documented difference of cox() from coxph() for a failure of one side.
fz_cox_convention <- function(sv, ref) {
  if (is.null(sv$error)) return(NULL)
  msg <- conditionMessage(sv$error)
  if (!inherits(sv$error, "survstep_error_input")) return(NULL)
  if (inherits(sv$error, "survstep_error_overflow") &&
      (!is.null(ref$error) || !all(is.finite(ref$value$loglik)))) {
    return(paste("expected: cox() refuses weights that overflow the fit",
                 "(coxph: loglik -Inf or an error)"))
  }
  if (grepl("no events", msg)) {
    return("expected: cox() refuses data without events (coxph: NA fit)")
  }
  if (grepl("constant|entirely missing|only missing", msg)) {
    return("expected: cox() refuses a constant covariate (coxph: NA coef)")
  }
  if (grepl("no observations|no rows|zero rows|Can't fit", msg) &&
      !is.null(ref$error)) {
    return("expected: both fail")
  }
  NULL
}

# Whether the factor of the Cox model has a level without rows in the
# analysis set (cox() drops such levels, coxph() keeps them).
fz_cox_empty_levels <- function(ds, d) {
  sp <- ds$spec
  if (!"f" %in% sp$cox_vars) return(FALSE)
  cols <- c("time", "status", sp$cox_vars,
            if (sp$strata != "none") "s", if (sp$weights != "none") "w")
  cc <- stats::complete.cases(d[, cols])
  any(table(d$f[cc]) == 0)
}

# Weights near the largest double (the "extreme" weights with a 1e308): the
# sums of the Cox fit overflow as soon as the linear predictor moves. cox()
# then either refuses the weights (the overflow error) or stops without
# convergence and warns, depending on where the overflow shows (which can
# depend on the covariate units); coxph() may fail outright. Either way the
# fit says that it failed: no silent wrong answer. (Exact invariance would
# need the weights rescaled internally by a power of 2.)
# TRUE when the partial likelihood carries no information at all: every
# event's risk set (rows of its stratum with time >= the event time and a
# positive weight) is that row alone, so the information matrix is exactly
# zero. cox() then reports every coefficient NA (singular design); coxph()
# may report 0 with a standard error from rounding-level information.
fz_no_information <- function(ds, d) {
  vars <- c("time", "status", "w", "s", "x1", "x2", "x3", "x4", "f", "off")
  d <- d[stats::complete.cases(d[, intersect(vars, names(d))]), , drop = FALSE]
  st <- if (grepl("strata(s)", deparse1(fz_cox_formula(ds)), fixed = TRUE))
    d$s else rep(1L, nrow(d))
  w <- if (ds$spec$weights != "none") d$w else rep(1, nrow(d))
  ev <- which(d$status == 1 & w > 0)
  if (!length(ev)) return(FALSE)
  all(vapply(ev, function(i) {
    sum(st == st[i] & d$time >= d$time[i] & w > 0) == 1L
  }, logical(1)))
}

fz_huge_weights <- function(ds) {
  ds$spec$weights != "none" && isTRUE(max(ds$data$w, na.rm = TRUE) >= 1e300)
}

fz_failed_loudly <- function(res) {
  inherits(res$error, "survstep_error_overflow") ||
    (is.null(res$error) && fz_cox_unstable(res))
}

# fz_both() for two survstep fits; a failure of one alone is expected when
# both fail loudly with huge weights.
fz_both_huge <- function(acc, check, a, b, ds) {
  n_rows <- length(acc$rows)
  ok <- fz_both(acc, check, a, b)
  if (!ok && length(acc$rows) > n_rows && fz_huge_weights(ds) &&
      fz_failed_loudly(a) && fz_failed_loudly(b)) {
    acc$rows[[length(acc$rows)]]$class <- paste(
      "expected: weights near the largest double (cox() refuses them or",
      "warns of non-convergence, depending on the units)")
  }
  ok
}

fz_check_cox <- function(acc, ds) {
  d <- fz_cox_data(ds)
  for (ties in c("efron", "breslow")) {
    chk <- paste0("cox:", ties)
    sv <- fz_cox_sv(ds, d, ties)
    ref <- fz_cox_ref(ds, d, ties)
    conv <- fz_cox_convention(sv, ref)
    if (is.null(sv$error) && !is.null(ref$error) && fz_huge_weights(ds) &&
        fz_cox_unstable(sv)) {
      acc$n <- acc$n + 1L
      conv <- paste("expected: coxph() fails on weights near the largest",
                    "double where cox() warns of non-convergence")
      fz_disagree(acc, paste0(chk, ":error"), conv, "ok",
                  conditionMessage(ref$error))
      acc$rows[[length(acc$rows)]]$class <- conv
      next
    }
    if (is.null(sv$error) && !is.null(ref$error) &&
        grepl("infinite argument", conditionMessage(ref$error)) &&
        fz_cox_unstable(sv)) {
      acc$n <- acc$n + 1L
      conv <- paste("expected: coxph() fails on an infinite variance where",
                    "cox() warns of monotone likelihood")
      fz_disagree(acc, paste0(chk, ":error"), conv, "ok",
                  conditionMessage(ref$error))
      acc$rows[[length(acc$rows)]]$class <- conv
      next
    }
    if (!is.null(conv) && is.null(ref$error)) {
      acc$n <- acc$n + 1L
      fz_disagree(acc, paste0(chk, ":error"), conv,
                  conditionMessage(sv$error), "ok")
      acc$rows[[length(acc$rows)]]$class <- conv
      next
    }
    if (!fz_both(acc, chk, sv, ref)) next
    fit <- sv$value
    r <- ref$value
    acc$flags <- list(
      ref_infinite = fz_warned(ref, "may be infinite"),
      ref_noconv = fz_warned(ref, "Ran out of iterations|did not converge"),
      sv_infinite = fz_warned(sv, class = "survstep_warning_infinite_coef"),
      sv_noconv = fz_warned(sv, class = "survstep_warning_convergence"),
      sv_singular = fz_warned(sv, class = "survstep_warning_singular"),
      no_info = fz_no_information(ds, d),
      # how much higher cox()'s final log partial likelihood is than
      # coxph()'s, and whether coxph() set NA a column cox() estimates
      ll_gain = utils::tail(fit$loglik, 1) - utils::tail(r$loglik, 1),
      ll_scale = max(1, abs(r$loglik[1])),
      ref_dropped = identical(names(fit$coefficients),
                              names(r$coefficients)) &&
        any(is.na(r$coefficients) & !is.na(fit$coefficients))
    )
    se_ref <- fz_se(r$var, !is.na(r$coefficients))
    names(se_ref) <- names(r$coefficients)
    b_ref <- r$coefficients
    # cox() drops unused factor levels (with a message); coxph() keeps
    # their columns with an NA coefficient
    same_cols <- identical(names(b_ref), names(fit$coefficients))
    if (!same_cols) {
      acc$n <- acc$n + 1L
      fz_disagree(acc, paste0(chk, ":columns"), "different columns",
                  names(fit$coefficients), names(b_ref))
      if (fz_cox_empty_levels(ds, d)) {
        acc$rows[[length(acc$rows)]]$class <- paste(
          "expected: cox() drops unused factor levels (coxph: NA",
          "coefficient or another baseline)")
      }
    }
    if (same_cols) {
      keep <- !is.na(b_ref)
      fz_same(acc, paste0(chk, ":aliased"), unname(is.na(fit$coefficients)),
              unname(!keep))
      fz_compare(acc, paste0(chk, ":coef"), fit$coefficients, b_ref,
                 fz_tol$coef, floor = ifelse(is.na(se_ref), 0, se_ref))
      fz_compare(acc, paste0(chk, ":se"),
                 fz_se(fit$var, !is.na(fit$coefficients)), se_ref, fz_tol$se)
    }
    keep <- !is.na(b_ref)
    ll_ref <- r$loglik
    if (length(ll_ref) == 1L) ll_ref <- rep(ll_ref, 2L)
    ll_sv <- fit$loglik
    if (length(ll_sv) == 1L) ll_sv <- rep(ll_sv, 2L)
    fz_compare(acc, paste0(chk, ":loglik"), ll_sv, ll_ref, fz_tol$loglik,
               floor = max(abs(ll_ref[1]), 1e-10))
    lscale <- max(abs(ll_ref[1]), 1)
    fz_compare(acc, paste0(chk, ":lr"), 2 * diff(ll_sv), 2 * diff(ll_ref),
               2 * fz_tol$loglik * lscale, rel = FALSE)
    if (any(keep)) {
      fz_compare(acc, paste0(chk, ":score"), fit$score, r$score, fz_tol$stat,
                 floor = fz_tol$stat_floor)
      ok <- fz_compare(acc, paste0(chk, ":wald"), fit$wald.test,
                       r$wald.test, fz_tol$stat, floor = fz_tol$stat_floor)
      if (!ok) {
        # the scale-invariant Wald test from coxph's own b and V
        sw <- fz_scaled_wald(r$coefficients, r$var)
        near <- function(a) isTRUE(abs(a - sw) <= fz_tol$stat * max(sw, 1e-10))
        # (otherwise the flags decide: monotone likelihood, non-convergence;
        # the scale-invariant Wald test of issue 7.2 is in place)
        if (near(fit$wald.test)) {
          acc$rows[[length(acc$rows)]]$class <-
            "expected: Wald test on scaled columns (coxph's is not scale invariant)"
        }
      }
    }
    if (!is.null(r$concordance) && !is.null(fit$concordance)) {
      ok <- fz_compare(acc, paste0(chk, ":concordance"),
                       fit$concordance[c("concordant", "discordant", "tied.x",
                                         "tied.y", "concordance")],
                       r$concordance[c("concordant", "discordant", "tied.x",
                                       "tied.y", "concordance")],
                       fz_tol$loglik, floor = 1e-8)
      # When every coefficient is zero up to rounding, coxph's linear
      # predictors differ only by noise (e.g. 1e-17) where cox()'s are exactly
      # equal: coxph then counts pairs tied on time as tied.y (and others as
      # concordant or discordant by the noise), cox() as tied.xy (tied.x).
      # The counts describe rounding, not the data.
      lp <- tryCatch(stats::predict(r, type = "lp"), error = function(e) NULL)
      if (!ok && !is.null(lp) && length(lp) &&
          diff(range(lp)) <= 1e-10 && all(fit$coefficients == 0, na.rm = TRUE)) {
        acc$rows[[length(acc$rows)]]$class <- paste(
          "expected: all linear predictors equal up to rounding (coxph's",
          "concordance counts classify pairs by noise)")
      } else if (!ok && !is.null(lp)) {
        why <- fz_concordance_rounding(fit, r, lp, d, ds)
        if (!is.null(why)) acc$rows[[length(acc$rows)]]$class <- why
      }
    }
    acc$flags <- list()
  }
  invisible()
}

# Why the concordance counts of cox() (`fit`) and coxph() (`r`, linear
# predictors `lp`) may differ without a defect, or NULL:
# - near-tied pairs: the count differences are no larger than the (weighted)
#   number of pairs, within a stratum, whose linear predictors are equal up
#   to rounding (0 < |lp_i - lp_j| <= 1e-12 max(1, |lp_i|, |lp_j|)) in
#   either package -- such a pair is tied on x in one and ordered by noise in
#   the other;
# - summation rounding: every count agrees within n * eps of the total
#   (weighted) number of pairs, the error bound of the running sums over n
#   rows (a tiny count next to a large one, e.g. 2e-7 next to 175).
fz_concordance_rounding <- function(fit, r, lp, d, ds) {
  el <- c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")
  ca <- unlist(fit$concordance[el])
  cb <- unlist(r$concordance[el])
  if (length(ca) != length(el) || length(cb) != length(el) ||
      anyNA(ca) || anyNA(cb)) return(NULL)
  diff <- abs(ca - cb)
  tot <- max(sum(cb), sum(ca))
  n <- length(lp)
  if (isTRUE(all(diff <= n * .Machine$double.eps * tot))) {
    return(paste("expected: concordance counts within summation rounding",
                 "(n * eps of the total pair weight)"))
  }
  la <- fit$linear.predictors
  if (length(la) != n || anyNA(la) || anyNA(lp)) return(NULL)
  rows <- match(names(lp), rownames(d))
  if (anyNA(rows)) return(NULL)
  w <- if (ds$spec$weights != "none") d$w[rows] else rep(1, n)
  st <- if (grepl("strata(s)", deparse1(fz_cox_formula(ds)), fixed = TRUE))
    d$s[rows] else rep(1L, n)
  # coxph()'s stored counts against survival's own concordancefit() on
  # coxph()'s linear predictors and response: when those disagree and
  # cox() matches concordancefit(), the difference is coxph()'s
  if (!is.null(r$y) && nrow(r$y) == n) {
    cf <- tryCatch(survival::concordancefit(
      r$y, lp, strata = st, weights = w, reverse = TRUE,
      timefix = FALSE)$count, error = function(e) NULL)
    if (!is.null(cf)) {
      cf <- colSums(matrix(cf, ncol = 5L))
      tol <- 1e-8 * pmax(abs(cf), 1e-8)
      if (isTRUE(any(abs(cf - cb) > tol) && all(abs(cf - ca) <= tol))) {
        return(paste("expected: coxph()'s stored concordance differs from",
                     "survival::concordancefit() on coxph()'s own linear",
                     "predictors, which cox() matches"))
      }
    }
  }
  near <- function(x) {
    dx <- abs(outer(x, x, "-"))
    sc <- pmax(1, abs(outer(x, rep(1, n))), abs(outer(rep(1, n), x)))
    dx > 0 & dx <= 1e-12 * sc & outer(st, st, "==")
  }
  nr <- (near(unname(la)) | near(unname(lp))) & upper.tri(diag(n))
  if (!isTRUE(any(nr))) return(NULL)
  pw <- outer(w, w, function(a, b) pmax(a, b, a * b))
  bound <- sum(pw[nr])
  if (isTRUE(all(diff[1:4] <= bound * (1 + 1e-8)))) {
    return(paste("expected: concordance pair(s) with linear predictors equal",
                 "up to rounding, tied in one package and ordered in the other"))
  }
  NULL
}

# b' V^-1 b computed on the correlation scale (invariant to column units);
# NA when that matrix is singular.
fz_scaled_wald <- function(b, v) {
  keep <- !is.na(b)
  b <- b[keep]
  v <- as.matrix(v)
  if (nrow(v) != length(b)) v <- v[keep, keep, drop = FALSE]
  sd <- sqrt(diag(v))
  if (!length(b) || any(!is.finite(sd)) || any(sd == 0)) return(NA_real_)
  cm <- v / outer(sd, sd)
  z <- b / sd
  tryCatch(drop(crossprod(z, solve(cm, z))), error = function(e) NA_real_)
}

# Invariances -------------------------------------------------------------------

fz_cox_key <- function(fit) {
  se <- fz_se(fit$var, !is.na(fit$coefficients))
  list(coef = unname(fit$coefficients), se = se, loglik = fit$loglik,
       score = fit$score, wald = fit$wald.test,
       concordance = fit$concordance[["concordance"]])
}

# Compare two survstep Cox fits that must be the same up to the known
# transformation `scale` of the coefficients (1 for none).
fz_cox_equal <- function(acc, chk, a, b, scale = 1) {
  ka <- fz_cox_key(a)
  kb <- fz_cox_key(b)
  fz_same(acc, paste0(chk, ":aliased"), is.na(ka$coef), is.na(kb$coef))
  fz_compare(acc, paste0(chk, ":coef"), ka$coef * scale, kb$coef,
             fz_tol$coef, floor = ifelse(is.na(kb$se), 0, kb$se))
  fz_compare(acc, paste0(chk, ":se"), ka$se * abs(scale), kb$se, fz_tol$se)
  fz_compare(acc, paste0(chk, ":loglik"), ka$loglik, kb$loglik,
             fz_tol$loglik, floor = max(abs(kb$loglik[1]), 1e-10))
  fz_compare(acc, paste0(chk, ":score"), ka$score, kb$score, fz_tol$stat,
             floor = fz_tol$stat_floor)
  fz_compare(acc, paste0(chk, ":wald"), ka$wald, kb$wald, fz_tol$stat,
             floor = fz_tol$stat_floor)
  fz_compare(acc, paste0(chk, ":concordance"), ka$concordance,
             kb$concordance, fz_tol$loglik, floor = 1e-8)
}

# Largest relative difference of each quantity between two Cox fits (on
# the same scale), as in fz_cox_equal().
fz_cox_relerr <- function(a, b, scale = 1) {
  ka <- fz_cox_key(a)
  kb <- fz_cox_key(b)
  re <- function(x, y, fl) {
    ok <- is.finite(x) & is.finite(y)
    if (!any(ok)) return(0)
    fl <- rep_len(fl, length(x))[ok]
    max(abs(x[ok] - y[ok]) / pmax(abs(y[ok]), fl, 1e-300))
  }
  c(coef = re(ka$coef * scale, kb$coef, ifelse(is.na(kb$se), 0, kb$se)),
    se = re(ka$se * abs(scale), kb$se, 0),
    loglik = re(ka$loglik, kb$loglik, max(abs(kb$loglik[1]), 1e-10)),
    score = re(ka$score, kb$score, fz_tol$stat_floor),
    wald = re(ka$wald, kb$wald, fz_tol$stat_floor),
    concordance = re(ka$concordance, kb$concordance, 1e-8))
}

# Reclassify the rows acc$rows[from:] whose quantity q moved by obs[[q]]
# when a rounding-level perturbation of the data moves it by sens[[q]] at
# least a hundredth as much: an ill-conditioned fit, not a defect.
fz_mark_ill_conditioned <- function(acc, from, obs, sens) {
  for (k in seq.int(from, length(acc$rows))) {
    q <- sub(".*:", "", acc$rows[[k]]$check)
    if (q %in% names(obs) && isTRUE(sens[[q]] * 100 >= obs[[q]]) &&
        isTRUE(obs[[q]] > 0)) {
      acc$rows[[k]]$class <- paste(
        "expected: ill-conditioned fit (a rounding-level perturbation of",
        "the data moves it as much)")
      acc$rows[[k]]$detail <- sprintf("%s; perturbation moves it by %.3g",
                                      acc$rows[[k]]$detail, sens[[q]])
    }
  }
  invisible()
}

# After fz_cox_equal() found differences between `fit` and `base`: if a
# perturbation of the numeric covariates at the level of rounding (relative
# 1e-15) moves the fit by at least a hundredth as much, the problem is
# ill-conditioned and the difference is floating-point noise, not a defect.
fz_cox_conditioning <- function(acc, ds, d, base, fit, scale, from, timefix) {
  if (length(acc$rows) < from) return(invisible())
  dp <- d
  for (v in c("x1", "x3", "x4")) {
    dp[[v]] <- d[[v]] * (1 + 2^-50 * sin(seq_len(nrow(d)) * 12.9898))
  }
  pert <- fz_cox_sv(ds, dp, "efron", timefix = timefix)
  if (!is.null(pert$error)) return(invisible())
  obs <- fz_cox_relerr(fit$value, base$value, scale)
  sens <- fz_cox_relerr(pert$value, base$value)
  fz_mark_ill_conditioned(acc, from, obs, sens)
}

fz_cox_unstable <- function(res) {
  fz_warned(res, class = "survstep_warning_infinite_coef") ||
    fz_warned(res, class = "survstep_warning_convergence") ||
    fz_cox_sup_zero(res)
}

# TRUE when a fit's final log partial likelihood is 0 up to rounding while
# the initial one is not: a log partial likelihood is < 0 and reaches 0 only
# in the limit of a monotone likelihood (every event ranked first in its
# risk set), so the coefficients diverged even without a warning (coxph's
# and cox()'s infinite-coefficient test sees a zero score there) and where
# the iteration stopped depends on the units.
fz_cox_sup_zero <- function(res) {
  ll <- if (is.list(res$value)) res$value$loglik
  is.numeric(ll) && length(ll) == 2L && all(is.finite(ll)) &&
    abs(ll[2]) <= 1e-10 * max(1, abs(ll[1])) && abs(ll[1]) > 1e-8
}

fz_check_invariance <- function(acc, ds) {
  sp <- ds$spec
  d <- fz_cox_data(ds)
  n <- nrow(d)
  # row order and time scaling
  dp <- d[sp$perm, , drop = FALSE]
  dt <- d
  dt$time <- dt$time * sp$time_scale
  # (times are scaled with timefix off: survival's timefix, which survstep
  # follows, merges times closer than an absolute 1.5e-8)
  fit0 <- fz_cox_sv(ds, d, "efron")
  fit0n <- fz_cox_sv(ds, d, "efron", timefix = FALSE)
  for (tr in c("rows", "time")) {
    fit1 <- if (tr == "rows") fz_cox_sv(ds, dp, "efron") else
      fz_cox_sv(ds, dt, "efron", timefix = FALSE)
    base <- if (tr == "time") fit0n else fit0
    chk <- paste0("inv-", tr, ":cox")
    if (!fz_both(acc, chk, fit1, base)) next
    acc$flags <- list(sv_infinite = fz_cox_unstable(base) ||
                        fz_cox_unstable(fit1))
    from <- length(acc$rows) + 1L
    fz_cox_equal(acc, chk, fit1$value, base$value)
    fz_cox_conditioning(acc, ds, d, base, fit1, 1, from, tr != "time")
    acc$flags <- list()
  }
  kcall <- function(data) {
    cl <- fz_km_call(ds, data, "log")
    cl$timefix <- FALSE
    fz_try(fz_eval(cl))
  }
  km0 <- kcall(ds$data)
  dkt <- ds$data
  dkt$time <- dkt$time * sp$time_scale
  km1 <- kcall(dkt)
  if (fz_both(acc, "inv-time:km", km1, km0) &&
      length(km1$value$surv) == length(km0$value$surv)) {
    fz_compare(acc, "inv-time:km:surv", km1$value$surv, km0$value$surv,
               fz_tol$km, rel = FALSE)
    fz_compare(acc, "inv-time:km:time", km1$value$time / sp$time_scale,
               km0$value$time, 1e-12)
  } else if (is.null(km1$error) && is.null(km0$error)) {
    fz_same(acc, "inv-time:km:length", length(km1$value$surv),
            length(km0$value$surv))
  }
  if (sp$weights == "none") {
    f <- fz_lr_formula(ds)
    lr0 <- fz_try(survstep::logrank_test(f, data = ds$data))
    lr1 <- fz_try(survstep::logrank_test(f, data = ds$data[sp$perm, ]))
    if (fz_both(acc, "inv-rows:logrank", lr1, lr0)) {
      fz_compare(acc, "inv-rows:logrank:statistic", lr1$value$statistic,
                 lr0$value$statistic, fz_tol$loglik, floor = fz_tol$stat_floor)
    }
  }
  # covariate units: x1 (numeric, always in the model) shifted by up to 100
  # of its units and rescaled (the shift first, so that no digits are lost)
  du <- d
  du$x1 <- (du$x1 + sp$unit_shift) * sp$unit_scale
  fitu <- fz_cox_sv(ds, du, "efron")
  if (fz_both_huge(acc, "inv-units:cox", fitu, fit0, ds)) {
    acc$flags <- list(sv_infinite = fz_cox_unstable(fit0) ||
                        fz_cox_unstable(fitu))
    sc <- ifelse(names(fitu$value$coefficients) == "x1", sp$unit_scale, 1)
    from <- length(acc$rows) + 1L
    fz_cox_equal(acc, "inv-units:cox", fitu$value, fit0$value, scale = sc)
    fz_cox_conditioning(acc, ds, d, fit0, fitu, sc, from, TRUE)
    acc$flags <- list()
  }
  fz_check_univariable_units(acc, ds, d, du)
  fz_check_stepwise_units(acc, ds, d, du)
  invisible()
}

fz_sw_formula <- function(ds) {
  sp <- ds$spec
  rhs <- paste(c("x1", "x2", "f", "x4", if (sp$x3 != "constant") "x3",
                 if (sp$strata != "none") "strata(s)"), collapse = " + ")
  stats::as.formula(paste("Surv(time, status) ~", rhs), env = globalenv())
}

fz_sw_call <- function(ds, fun, data) {
  cl <- call(fun, fz_sw_formula(ds), data = data)
  if (ds$spec$weights != "none") cl$weights <- quote(w)
  env <- new.env(parent = globalenv())
  env$cox_stepwise <- survstep::cox_stepwise
  env$cox_univariable <- survstep::cox_univariable
  list(call = cl, env = env)
}

fz_check_univariable_units <- function(acc, ds, d, du) {
  one <- function(data) {
    x <- fz_sw_call(ds, "cox_univariable", data)
    x$call$exponentiate <- FALSE
    fz_try(eval(x$call, x$env))
  }
  u0 <- one(d)
  u1 <- one(du)
  if (!fz_both_huge(acc, "inv-units:univariable", u1, u0, ds)) {
    return(invisible())
  }
  a <- u1$value
  b <- u0$value
  if (nrow(a) != nrow(b)) {
    return(fz_same(acc, "inv-units:univariable:rows", nrow(a), nrow(b)))
  }
  sc <- ifelse(a$term == "x1", ds$spec$unit_scale, 1)
  # as for inv-units:cox: a univariable fit that warned of an infinite
  # coefficient or of non-convergence (monotone likelihood, e.g. under
  # extreme weights) may give NA in one set of units and a diverged finite
  # value in the other; fz_classify() reads this flag
  acc$flags <- list(sv_infinite = fz_cox_unstable(u0) || fz_cox_unstable(u1))
  on.exit(acc$flags <- list(), add = TRUE)
  from <- length(acc$rows) + 1L
  fz_compare(acc, "inv-units:univariable:estimate", a$estimate * sc,
             b$estimate, fz_tol$coef,
             floor = ifelse(is.na(b$std.error), 0, b$std.error))
  fz_compare(acc, "inv-units:univariable:std.error", a$std.error * sc,
             b$std.error, fz_tol$se)
  fz_compare(acc, "inv-units:univariable:p.value", a$p.value, b$p.value,
             fz_tol$stat, floor = 1e-300)
  fz_compare(acc, "inv-units:univariable:p.value.term", a$p.value.term,
             b$p.value.term, fz_tol$stat, floor = 1e-300)
  if (length(acc$rows) < from) return(invisible())
  # As fz_cox_conditioning() for cox(): when a rounding-level perturbation
  # of the covariates (relative 2^-50) moves a quantity by at least a
  # hundredth as much as the change of units did, the fit is
  # ill-conditioned (e.g. a standard error of 1e5 from three rows) and the
  # difference is floating-point noise, not a defect.
  dp <- d
  for (v in c("x1", "x3", "x4")) {
    dp[[v]] <- d[[v]] * (1 + 2^-50 * sin(seq_len(nrow(d)) * 12.9898))
  }
  up <- one(dp)
  if (!is.null(up$error) || nrow(up$value) != nrow(b)) return(invisible())
  p <- up$value
  relerr <- function(x, y, fl = 0) {
    ok <- is.finite(x) & is.finite(y)
    if (!any(ok)) return(0)
    max(abs(x[ok] - y[ok]) / pmax(abs(y[ok]), rep_len(fl, length(x))[ok],
                                  1e-300))
  }
  se_fl <- ifelse(is.na(b$std.error), 0, b$std.error)
  obs <- c(estimate = relerr(a$estimate * sc, b$estimate, se_fl),
           std.error = relerr(a$std.error * sc, b$std.error),
           p.value = relerr(a$p.value, b$p.value),
           p.value.term = relerr(a$p.value.term, b$p.value.term))
  sens <- c(estimate = relerr(p$estimate, b$estimate, se_fl),
            std.error = relerr(p$std.error, b$std.error),
            p.value = relerr(p$p.value, b$p.value),
            p.value.term = relerr(p$p.value.term, b$p.value.term))
  fz_mark_ill_conditioned(acc, from, obs, sens)
}

fz_check_stepwise_units <- function(acc, ds, d, du) {
  sp <- ds$spec
  one <- function(data) {
    x <- fz_sw_call(ds, "cox_stepwise", data)
    x$call$direction <- sp$sw_direction
    x$call$removal <- sp$sw_removal
    x$call$p_enter <- sp$sw_p[1]
    x$call$p_remove <- sp$sw_p[2]
    if (sp$sw_include) x$call$include <- "x1"
    fz_try(eval(x$call, x$env))
  }
  s0 <- one(d)
  s1 <- one(du)
  if (!fz_both(acc, "inv-units:stepwise", s1, s0)) return(invisible())
  a <- s1$value
  b <- s0$value
  fz_same(acc, "inv-units:stepwise:selected", a$selected, b$selected)
  if (nrow(a$steps) == nrow(b$steps)) {
    fz_same(acc, "inv-units:stepwise:terms", a$steps$term, b$steps$term)
    fz_compare(acc, "inv-units:stepwise:statistic", a$steps$statistic,
               b$steps$statistic, fz_tol$stat, floor = fz_tol$stat_floor)
    fz_compare(acc, "inv-units:stepwise:loglik", a$steps$loglik,
               b$steps$loglik, fz_tol$loglik,
               floor = max(abs(b$steps$loglik), 1e-10, na.rm = TRUE))
  } else {
    fz_same(acc, "inv-units:stepwise:steps", nrow(a$steps), nrow(b$steps))
  }
}

# One data set, every check ---------------------------------------------------------

# Classify a disagreement: a documented reason, a known issue, or
# "unexplained".
fz_classify <- function(rec, ds) {
  if (!is.null(rec$class)) return(rec$class)
  fl <- rec$flags
  if (grepl("^(cox|inv-)", rec$check)) {
    if (isTRUE(fl$ref_infinite) && isTRUE(fl$sv_infinite)) {
      return("expected: monotone likelihood (infinite coefficient)")
    }
    if (isTRUE(fl$ref_noconv) || isTRUE(fl$sv_noconv)) {
      return("expected: non-convergence")
    }
    if (grepl("^inv-", rec$check) && isTRUE(fl$sv_infinite)) {
      return("expected: monotone likelihood (infinite coefficient)")
    }
    # cox() keeps the diverging coefficients of a monotone likelihood, with
    # the infinite-coefficient warning, as one consistent fit (issue 7.3);
    # coxph() silently reports them NA, its information being singular at
    # the diverged estimate
    if (grepl("^cox:[a-z]+:(aliased|coef|se|wald)$", rec$check) &&
        isTRUE(fl$sv_infinite) && !isTRUE(fl$ref_infinite)) {
      return(paste("expected: monotone likelihood (cox() keeps the diverging",
                   "coefficients with a warning; coxph() gives NA)"))
    }
  }
  # a higher partial likelihood is a better fit whatever the route: under a
  # monotone likelihood cox() iterates further towards the supremum; with
  # extreme weights coxph()'s Cholesky tolerance may set NA a column that
  # carries information (cox() estimates it and its likelihood is higher)
  gain <- isTRUE(fl$ll_gain > 1e-8 * fl$ll_scale)
  if (grepl("^cox:[a-z]+:(loglik|lr)$", rec$check) &&
      isTRUE(fl$sv_infinite) && isTRUE(fl$ll_gain > 0)) {
    return(paste("expected: monotone likelihood (cox() iterates further",
                 "towards the supremum; its log-likelihood is higher)"))
  }
  if (grepl("^cox:[a-z]+:(aliased|coef|se|wald|score|loglik|lr)$",
            rec$check) && isTRUE(fl$ref_dropped) && gain) {
    return(paste("expected: coxph() sets NA a column that carries",
                 "information (cox() estimates it; its log-likelihood is",
                 "higher)"))
  }
  if (grepl("^cox:[a-z]+:(aliased|coef|se|wald)$", rec$check) &&
      isTRUE(fl$no_info) && isTRUE(fl$sv_singular)) {
    return(paste("expected: no information (every risk set is one row;",
                 "cox() gives NA, coxph() 0 with a rounding-level SE)"))
  }
  if (grepl("^logrank", rec$check) && isTRUE(fl$lr_singular)) {
    return("expected: singular variance (generalized inverse)")
  }
  for (k in fz_known_issues) {
    if (grepl(k$checks, rec$check) && isTRUE(k$when(rec, ds))) return(k$id)
  }
  "unexplained"
}

fz_check <- function(ds) {
  acc <- fz_acc(ds)
  steps <- list(km = fz_check_km, logrank = fz_check_logrank,
                cox = fz_check_cox, invariance = fz_check_invariance)
  for (nm in names(steps)) {
    res <- tryCatch(steps[[nm]](acc, ds), error = function(e) e)
    if (inherits(res, "error")) {
      acc$n <- acc$n + 1L
      fz_disagree(acc, paste0("harness:", nm), paste(
        "the check itself failed:", conditionMessage(res)))
    }
  }
  rows <- lapply(acc$rows, function(r) {
    r$class <- fz_classify(r, ds)
    r
  })
  list(n = acc$n, rows = rows)
}

# Runs ----------------------------------------------------------------------------

fz_rows_df <- function(seed, index, rows) {
  if (!length(rows)) {
    return(data.frame(seed = numeric(0), index = integer(0),
                      check = character(0), class = character(0),
                      detail = character(0), survstep = character(0),
                      reference = character(0), stringsAsFactors = FALSE))
  }
  data.frame(
    seed = seed, index = index,
    check = vapply(rows, `[[`, "", "check"),
    class = vapply(rows, `[[`, "", "class"),
    detail = vapply(rows, `[[`, "", "detail"),
    survstep = vapply(rows, `[[`, "", "survstep"),
    reference = vapply(rows, `[[`, "", "reference"),
    stringsAsFactors = FALSE
  )
}

# Run data sets `indices` of run `seed` in this process. `progress` (a file
# name or NULL) receives the index of the data set being checked and
# `result` (a file name or NULL) the results so far after each data set, so
# that a parent can tell which one crashed and keep the others.
fz_run <- function(seed, indices, progress = NULL, result = NULL,
                   max_n = 5000L) {
  res <- list(datasets = 0L, comparisons = 0L, crashes = integer(0),
              rows = fz_rows_df(seed, 0L, list()))
  for (i in indices) {
    if (!is.null(progress)) cat(i, "\n", file = progress)
    # self-test of the crash accounting: this data set kills its process
    if (identical(Sys.getenv("SURVSTEP_FUZZ_CRASH_AT"), as.character(i))) {
      tools::pskill(Sys.getpid(), tools::SIGKILL)
    }
    one <- fz_check(fz_dataset(seed, i, max_n = max_n))
    res$datasets <- res$datasets + 1L
    res$comparisons <- res$comparisons + one$n
    if (length(one$rows)) res$rows <- rbind(res$rows,
                                            fz_rows_df(seed, i, one$rows))
    if (!is.null(result)) saveRDS(res, result)
  }
  res
}

fz_lib_file <- function() {
  f <- getOption("survstep.fuzz_lib")
  if (!is.null(f) && file.exists(f)) return(f)
  system.file("fuzz", "fuzz-lib.R", package = "survstep")
}

# Child entry point: Rscript -e 'source(lib); fz_child()' --args seed from to
# result progress libpaths max_n
fz_child <- function() {
  a <- commandArgs(trailingOnly = TRUE)
  a <- a[a != "--args"]
  if (nzchar(a[6])) .libPaths(c(strsplit(a[6], .Platform$path.sep)[[1]],
                               .libPaths()))
  suppressPackageStartupMessages({
    library(survival)
    library(survstep)
  })
  fz_run(as.numeric(a[1]), seq.int(as.integer(a[2]), as.integer(a[3])),
         progress = a[5], result = a[4], max_n = as.integer(a[7]))
  invisible()
}

# Run data sets first..n of run `seed` in batches, each batch in a child R
# process; a child that dies (segfault, abort, timeout) is counted as a crash
# of the data set it was checking, and the batch goes on after it.
fz_run_children <- function(seed, n, batch = 25L, lib = NULL,
                            timeout = 900, verbose = TRUE, max_n = 5000L,
                            first = 1L) {
  lib_file <- normalizePath(fz_lib_file())
  libs <- paste(c(lib, .libPaths()), collapse = .Platform$path.sep)
  rscript <- file.path(R.home("bin"), "Rscript")
  total <- list(datasets = 0L, comparisons = 0L, crashes = integer(0),
                rows = fz_rows_df(seed, 0L, list()))
  from <- as.integer(first)
  t0 <- proc.time()[["elapsed"]]
  while (from <= n) {
    to <- min(n, from + batch - 1L)
    res_file <- tempfile("fuzz-res", fileext = ".rds")
    prog_file <- tempfile("fuzz-prog")
    err_file <- tempfile("fuzz-err")
    expr <- sprintf("source(%s); fz_child()", deparse(lib_file))
    status <- suppressWarnings(system2(
      rscript, c("--vanilla", "-e", shQuote(expr), "--args", seed, from, to,
                 shQuote(res_file), shQuote(prog_file), shQuote(libs),
                 as.integer(max_n)),
      stdout = FALSE, stderr = err_file, timeout = timeout))
    if (!file.exists(prog_file)) {
      err <- if (file.exists(err_file)) readLines(err_file, warn = FALSE)
      stop("The fuzz child process failed before its first data set:\n",
           paste(utils::tail(err, 20), collapse = "\n"), call. = FALSE)
    }
    done <- to
    if (file.exists(res_file)) {
      res <- readRDS(res_file)
      total$datasets <- total$datasets + res$datasets
      total$comparisons <- total$comparisons + res$comparisons
      total$rows <- rbind(total$rows, res$rows)
      done <- from + res$datasets - 1L
    }
    if (done < to || !identical(status, 0L)) {
      # the child died: the data set after the last saved one crashed
      bad <- done + 1L
      if (bad <= to) {
        total$crashes <- c(total$crashes, bad)
        total$datasets <- total$datasets + 1L
        err <- if (file.exists(err_file)) readLines(err_file, warn = FALSE)
        err <- utils::tail(err[nzchar(err)], 3)
        total$rows <- rbind(total$rows, data.frame(
          seed = seed, index = bad, check = "crash", class = "unexplained",
          detail = sprintf("child R process died (exit status %s): %s",
                           status, paste(err, collapse = " | ")),
          survstep = "", reference = "", stringsAsFactors = FALSE))
        done <- bad
      }
    }
    from <- done + 1L
    unlink(c(res_file, prog_file, err_file))
    if (verbose) {
      message(sprintf("%d/%d data sets, %d disagreements, %d crashes, %.0f s",
                      total$datasets, n - first + 1L, nrow(total$rows),
                      length(total$crashes),
                      proc.time()[["elapsed"]] - t0))
    }
  }
  total
}

# Counts by class, and the unexplained cases.
fz_summary <- function(res) {
  cls <- table(factor(res$rows$class))
  list(datasets = res$datasets, comparisons = res$comparisons,
       disagreements = nrow(res$rows), by_class = cls,
       crashes = length(res$crashes),
       unexplained = res$rows[res$rows$class == "unexplained", ,
                              drop = FALSE])
}

fz_print_summary <- function(res) {
  s <- fz_summary(res)
  cat(sprintf("data sets: %d\ncomparisons: %d\ndisagreements: %d\n",
              s$datasets, s$comparisons, s$disagreements))
  if (length(s$by_class)) {
    for (k in names(s$by_class)) {
      cat(sprintf("  %-60s %d\n", k, s$by_class[[k]]))
    }
  }
  cat(sprintf("crashes: %d\nunexplained: %d\n", s$crashes,
              nrow(s$unexplained)))
  invisible(s)
}

# Replay one data set: print how it was made, its data (for small n) and
# every disagreement.
fz_replay <- function(seed, index, print_data = TRUE, max_n = 5000L) {
  ds <- fz_dataset(seed, index, max_n = max_n)
  sp <- ds$spec
  cat(sprintf("data set %s:%s  n = %d\n", seed, index, sp$n))
  str(sp[setdiff(names(sp), "perm")], give.head = FALSE)
  if (print_data && sp$n <= 30) print(ds$data)
  res <- fz_check(ds)
  cat(sprintf("%d comparisons, %d disagreements\n", res$n, length(res$rows)))
  for (r in res$rows) {
    cat(sprintf("\n[%s] %s: %s\n  survstep:  %s\n  reference: %s\n",
                r$class, r$check, r$detail, r$survstep, r$reference))
  }
  invisible(list(dataset = ds, result = res))
}
