# Benchmark: survival curves from a Cox fit, survstep against survival.
#
#   Rscript inst/bench/cox-survfit.R          # n = 1e4, 1e5, 1e6 (slow: run once)
#   SURVSTEP_BENCH_N=1e4,1e5 Rscript inst/bench/cox-survfit.R
#
# Needs survstep installed. Same-session ratios (CPU seconds of the
# survival call / CPU seconds of the survstep call) for
#   1. cox_survfit(fit, newdata) vs survfit(coxph_fit, newdata) with 10
#      newdata rows, p = 10 numeric covariates, Efron ties, standard errors
#      and log CIs (both rebuild the model frame from the fit's call);
#   2. cox_basehaz(fit) vs basehaz(coxph_fit).
# Untied (continuous) and tied (integer) times. Sizes below 2e5 repeat each
# call (2e5 / n times) and report the mean. The fits themselves are not
# timed. Before timing, the curves are checked to agree (1e-8).

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

sizes <- Sys.getenv("SURVSTEP_BENCH_N", "1e4,1e5,1e6")
sizes <- as.numeric(strsplit(sizes, ",")[[1]])
p <- 10L

sim <- function(n, tied, seed = 1) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p, dimnames = list(NULL, paste0("x", 1:p)))
  lp <- drop(x %*% rep(c(0.2, -0.1), length.out = p))
  t <- rexp(n, exp(lp)) * 100
  cens <- rexp(n, 1 / 150)
  time <- pmin(t, cens)
  if (tied) time <- ceiling(time)
  data.frame(x, time = time, status = as.integer(t <= cens))
}

cpu <- function(expr, reps) {
  e <- substitute(expr)
  env <- parent.frame()
  invisible(gc())
  t0 <- proc.time()
  for (r in seq_len(reps)) eval(e, env)
  tm <- proc.time() - t0
  sum(tm[1:2]) / reps
}

f <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
rows <- list()
for (n in sizes) {
  for (tied in c(FALSE, TRUE)) {
    d <- sim(n, tied)
    set.seed(2)
    nd <- as.data.frame(matrix(rnorm(10 * p), 10, p,
                               dimnames = list(NULL, paste0("x", 1:p))))
    ours <- cox(f, data = d)
    theirs <- coxph(f, data = d)
    a <- cox_survfit(ours, nd)
    b <- survfit(theirs, newdata = nd)
    stopifnot(max(abs(a$surv - as.vector(b$surv))) < 1e-8,
              max(abs(sqrt(a$cumvar) - as.vector(b$std.err))) < 1e-8)
    rm(a, b)
    reps <- max(1L, as.integer(round(2e5 / n)))
    t1 <- cpu(cox_survfit(ours, nd), reps)
    t2 <- cpu(survfit(theirs, newdata = nd), reps)
    t3 <- cpu(cox_basehaz(ours), reps)
    t4 <- cpu(basehaz(theirs), reps)
    rows[[length(rows) + 1L]] <- data.frame(
      n = n, times = if (tied) "tied" else "untied",
      comparison = c("cox_survfit vs survfit.coxph (10 rows)",
                     "cox_basehaz vs basehaz"),
      survstep_s = c(t1, t3), survival_s = c(t2, t4),
      ratio = c(t2 / t1, t4 / t3)
    )
    print(rows[[length(rows)]], row.names = FALSE, digits = 3)
  }
}
cat("\nsurvstep", format(utils::packageVersion("survstep")), "/ survival",
    format(utils::packageVersion("survival")), "/", R.version.string, "\n")
cat("CPU seconds; ratio = survival / survstep (> 1: survstep faster)\n\n")
print(do.call(rbind, rows), row.names = FALSE, digits = 3)
