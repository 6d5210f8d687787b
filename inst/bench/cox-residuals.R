# Benchmark: survstep's Cox residuals, robust variance and PH test against
# survival's, in the same run.
#
#   Rscript inst/bench/cox-residuals.R            # n = 1e6
#   SURVSTEP_BENCH_N=1e5 Rscript inst/bench/cox-residuals.R
#   SURVSTEP_BENCH_REPS=3 Rscript inst/bench/cox-residuals.R   # repeats
#
# Needs survstep installed. Data: n rows, p = 10 normal covariates,
# continuous times (exponential, 30% censored), n / 4 clusters; Efron ties.
# Comparisons (median elapsed seconds over the repeats, ratio = survival /
# survstep, > 1: survstep faster), each checked for agreement:
#   1. residuals(type = "martingale") and residuals(type = "dfbeta") of a
#      fit without the design kept (both rebuild the data from the call;
#      coxph() keeps its martingale residuals in the fit, so its
#      "martingale" call only copies them);
#   2. the robust fit: cox(... + cluster(id)) vs coxph(... + cluster(id));
#   3. cox_zph(fit) vs cox.zph(fit) (transform "km").
# Also "fit + martingale": cox() + residuals() vs coxph() alone (coxph()
# computes its martingale residuals while fitting).
#
# survival before 3.6 computes score residuals (dfbeta, the robust
# variance) in O(n^2) time (coxscore2: 111 s at n = 1e5 under load);
# those two comparisons then run at n = min(n, SURVSTEP_BENCH_SURV_MAX)
# (default 2e5) for both packages, and the row says which n was used.

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

sizes <- as.numeric(strsplit(Sys.getenv("SURVSTEP_BENCH_N", "1e6"), ",")[[1]])
reps <- as.integer(Sys.getenv("SURVSTEP_BENCH_REPS", "1"))
p <- 10L

sim <- function(n, seed = 1) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p, dimnames = list(NULL, paste0("x", 1:p)))
  lp <- drop(x %*% rep(c(0.2, -0.1), length.out = p))
  t <- rexp(n, exp(lp) / 30)
  cens <- rexp(n, 1 / 70)
  d <- data.frame(x, time = pmin(t, cens), status = as.integer(t <= cens))
  d$id <- sample.int(max(1L, n %/% 4L), n, TRUE)
  d
}

timed <- function(expr) {
  env <- parent.frame()
  e <- substitute(expr)
  out <- NULL
  tm <- vapply(seq_len(reps), function(i) {
    gc(FALSE)
    system.time(out <<- eval(e, env))[["elapsed"]]
  }, numeric(1))
  list(value = out, time = stats::median(tm))
}

rows <- list()
add <- function(n, what, a, b, diff) {
  rows[[length(rows) + 1L]] <<- data.frame(
    n = n, task = what, survstep = a$time, survival = b$time,
    ratio = b$time / a$time, max_abs_diff = diff
  )
  cat(sprintf("n = %g  %-24s survstep %7.2f s  survival %7.2f s  ratio %6.1f  diff %.1e\n",
              n, what, a$time, b$time, b$time / a$time, diff))
}

for (n in sizes) {
  d <- sim(n)
  f <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
  fa <- cox(f, data = d)
  fb <- coxph(f, data = d)

  a <- timed(residuals(fa, type = "martingale"))
  b <- timed(residuals(fb, type = "martingale"))
  add(n, "residuals martingale", a, b, max(abs(a$value - b$value)))

  a <- timed({
    fit <- cox(f, data = d)
    residuals(fit)
  })
  b <- timed(coxph(f, data = d))
  add(n, "fit + martingale", a, b,
      max(abs(a$value - residuals(b$value))))

  ns <- n
  if (utils::packageVersion("survival") < "3.6") {
    ns <- min(n, as.numeric(Sys.getenv("SURVSTEP_BENCH_SURV_MAX", "2e5")))
  }
  ds <- if (ns < n) d[seq_len(ns), ] else d
  fas <- if (ns < n) cox(f, data = ds) else fa
  fbs <- if (ns < n) coxph(f, data = ds) else fb
  a <- timed(residuals(fas, type = "dfbeta"))
  b <- timed(residuals(fbs, type = "dfbeta"))
  add(ns, "residuals dfbeta", a, b,
      max(abs(unname(a$value) - unname(b$value))))

  fc <- update(f, . ~ . + cluster(id))
  a <- timed(cox(fc, data = ds))
  b <- timed(coxph(fc, data = ds))
  add(ns, "robust fit (cluster)", a, b,
      max(abs(unname(a$value$var) - unname(b$value$var))) /
        max(abs(b$value$var)))

  a <- timed(cox_zph(fa))
  b <- timed(cox.zph(fb))
  add(n, "cox_zph (km)", a, b,
      max(abs(unname(a$value$table) - unname(b$value$table))))
}

res <- do.call(rbind, rows)
print(res, digits = 3, row.names = FALSE)
