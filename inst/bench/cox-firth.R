# Benchmark: Firth's penalized Cox model, cox(firth = TRUE).
#
#   Rscript inst/bench/cox-firth.R
#   SURVSTEP_BENCH_LARGE=0 Rscript inst/bench/cox-firth.R   # skip n = 1e5
#
# Needs survstep installed (and its tests directory for the reference:
# run from the package source). coxphf is not installable on the build
# machine, so the peer is the R reference of
# tests/testthat/helper-firth-reference.R (the penalized likelihood from
# coxph(init = b, iter.max = 0), maximized numerically), timed in the same
# run on the same data:
#   1. the paper's cohort (g3nelm(), n = 36, p = 3, Breslow ties):
#      seconds per cox(firth = TRUE) call (estimates, profile intervals and
#      penalized LR tests of the 3 coefficients), per fit without the
#      profile inference (the engine alone, cox_fit_cpp(firth = TRUE)),
#      and the reference's seconds for the same numbers;
#   2. n = 1e5, p = 10 (simulated, Efron ties): seconds of
#      cox(firth = TRUE) with its 10 profile intervals and 10 tests, of
#      the penalized fit alone, and of the ordinary cox() for comparison;
#      peak memory (VmHWM, Linux) of the process.

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

ref_file <- "tests/testthat/helper-firth-reference.R"
have_ref <- file.exists(ref_file)
if (have_ref) source(ref_file)

per_call <- function(expr, min_time = 1) {
  e <- substitute(expr)
  env <- parent.frame()
  reps <- 0L
  t0 <- proc.time()[["elapsed"]]
  repeat {
    eval(e, env)
    reps <- reps + 1L
    el <- proc.time()[["elapsed"]] - t0
    if (el >= min_time) break
  }
  el / reps
}

cat("1. g3nelm(): n = 36, p = 3, Breslow ties\n")
d <- g3nelm()
f <- Surv(time, status) ~ pancreatic + high_bilirubin + high_remnant_burden
w <- suppressWarnings
t_full <- per_call(w(cox(f, d, firth = TRUE, ties = "breslow")))
X <- as.matrix(d[, c("pancreatic", "high_bilirubin", "high_remnant_burden")])
storage.mode(X) <- "double"
Y <- cbind(d$time, d$status)
storage.mode(Y) <- "double"
ctl <- cox_control()
t_fit <- per_call(survstep:::cox_fit_cpp(X, Y, NULL, NULL, NULL, NULL,
                                         "breslow", ctl$eps, ctl$toler_chol,
                                         ctl$iter_max, ctl$toler_inf, 0,
                                         FALSE, firth = TRUE))
t_ord <- per_call(w(cox(f, d, ties = "breslow")))
cat(sprintf("   cox(firth = TRUE) with profile CIs and PLR tests: %.3g ms\n",
            1e3 * t_full))
cat(sprintf("   penalized fit alone (engine):                    %.3g ms\n",
            1e3 * t_fit))
cat(sprintf("   ordinary cox() for comparison:                   %.3g ms\n",
            1e3 * t_ord))
if (have_ref) {
  t_ref <- system.time(r <- ref_firth(f, d, ties = "breslow"))[["elapsed"]]
  fit <- w(cox(f, d, firth = TRUE, ties = "breslow"))
  cat(sprintf("   R reference (coxph + optim/uniroot), same numbers: %.3g s",
              t_ref))
  cat(sprintf("  -> ratio %.0fx\n", t_ref / t_full))
  cat(sprintf("   max |diff|: coef %.1e, CI %.1e, PLR %.1e\n",
              max(abs(fit$coefficients - r$coefficients)),
              max(abs(cbind(fit$profile$lower, fit$profile$upper) - r$ci)),
              max(abs(fit$profile$chisq - r$chisq))))
}

if (Sys.getenv("SURVSTEP_BENCH_LARGE", "1") != "0") {
  cat("2. n = 1e5, p = 10, Efron ties (integer times)\n")
  set.seed(1)
  n <- 1e5
  p <- 10L
  x <- matrix(rnorm(n * p), n, p, dimnames = list(NULL, paste0("x", 1:p)))
  lp <- drop(x %*% rep(c(0.2, -0.1), length.out = p))
  t <- rexp(n, exp(lp)) * 100
  cens <- rexp(n, 1 / 150)
  big <- data.frame(x, time = ceiling(pmin(t, cens)),
                    status = as.integer(t <= cens))
  fb <- stats::reformulate(colnames(x), "Surv(time, status)")
  tb_full <- system.time(fit <- cox(fb, big, firth = TRUE))[["elapsed"]]
  yb <- cbind(big$time, big$status)
  storage.mode(yb) <- "double"
  tb_fit <- system.time(survstep:::cox_fit_cpp(
    x, yb, NULL, NULL, NULL, NULL, "efron", ctl$eps, ctl$toler_chol,
    ctl$iter_max, ctl$toler_inf, sqrt(.Machine$double.eps), FALSE,
    firth = TRUE))[["elapsed"]]
  tb_ord <- system.time(cox(fb, big))[["elapsed"]]
  cat(sprintf("   cox(firth = TRUE), 10 profile CIs + 11 PLR tests: %.2f s\n",
              tb_full))
  cat(sprintf("   penalized fit alone (engine): %.3f s\n", tb_fit))
  cat(sprintf("   ordinary cox(): %.3f s\n", tb_ord))
  hwm <- tryCatch({
    st <- readLines("/proc/self/status")
    as.numeric(sub("[^0-9]*([0-9]+).*", "\\1", grep("^VmHWM", st,
                                                    value = TRUE))) / 1024
  }, error = function(e) NA_real_)
  cat(sprintf("   peak memory of the process (VmHWM): %.0f MB\n", hwm))
}
