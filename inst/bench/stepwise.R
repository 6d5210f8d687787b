# Benchmark: SPSS-style forward stepwise Cox selection.
#
#   R CMD INSTALL . && Rscript inst/bench/stepwise.R
# from the root of a source checkout (the installed package is timed: an
# optimised build, unlike pkgload::load_all()'s debug build).
#
# cox_stepwise(direction = "forward") against
#   * MASS::stepAIC() forward selection on survival::coxph() over the same 20
#     candidates (AIC criterion: a different rule, the same search work), and
#   * the independent survival-based reference implementation of the SPSS
#     procedure used by the tests (tests/testthat/helper-stepwise-reference.R:
#     same steps, every statistic from a coxph() call).
# n = 1e4 and 1e5; the slow competitors run once per size (stepAIC takes
# more than a minute at n = 1e5). Ratios are same-session elapsed times.
# Also: small-data timing (n = 200, 10 candidates), where a bootstrap of the
# whole procedure repeats it thousands of times.

ref_file <- file.path("tests", "testthat", "helper-stepwise-reference.R")
if (!file.exists(ref_file)) {
  stop("Run this script from the root of the survstep source checkout.")
}
library(survstep)
library(survival)
source(ref_file)

sim_candidates <- function(n, p = 20, seed = 1) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p,
              dimnames = list(NULL, paste0("x", seq_len(p))))
  beta <- c(0.5, -0.4, 0.3, 0.2, 0.1, rep(0, p - 5))
  t <- stats::rexp(n, exp(drop(x %*% beta)))
  cens <- stats::rexp(n, 0.5)
  data.frame(time = pmin(t, cens), status = as.integer(t <= cens), x)
}

elapsed <- function(expr) {
  gc()
  unname(system.time(expr)[["elapsed"]])
}

results <- list()
for (n in c(1e4, 1e5)) {
  d <- sim_candidates(n)
  f <- stats::as.formula(paste("Surv(time, status) ~",
                               paste0("x", 1:20, collapse = " + ")))
  reps <- if (n <= 1e4) 5L else 3L
  t_sw <- stats::median(vapply(seq_len(reps), function(i) {
    elapsed(fit <<- cox_stepwise(f, data = d, direction = "forward"))
  }, 0))
  t_ref <- elapsed(ref <- ref_cox_stepwise(f, d, direction = "forward"))
  stopifnot(identical(fit$steps$term, ref$steps$term))
  null <- coxph(Surv(time, status) ~ 1, data = d)
  t_aic <- elapsed(aic <- MASS::stepAIC(
    null, scope = list(lower = ~ 1, upper = f), direction = "forward",
    trace = 0
  ))
  results[[length(results) + 1L]] <- data.frame(
    n = n, candidates = 20L, steps_survstep = nrow(fit$steps) - 1L,
    steps_stepAIC = length(attr(stats::terms(aic), "term.labels")),
    survstep_s = t_sw, reference_s = t_ref, stepAIC_s = t_aic,
    ratio_reference = t_ref / t_sw, ratio_stepAIC = t_aic / t_sw
  )
  print(results[[length(results)]])
}

# small data: the procedure as one bootstrap replicate would run it
d <- sim_candidates(200, p = 10, seed = 2)
f10 <- stats::as.formula(paste("Surv(time, status) ~",
                               paste0("x", 1:10, collapse = " + ")))
reps <- 50L
t_sw <- elapsed(for (i in seq_len(reps)) cox_stepwise(f10, data = d)) / reps
t_ref <- elapsed(for (i in 1:5) ref_cox_stepwise(f10, d)) / 5
null <- coxph(Surv(time, status) ~ 1, data = d)
t_aic <- elapsed(for (i in 1:5) MASS::stepAIC(
  null, scope = list(lower = ~ 1, upper = f10), direction = "forward",
  trace = 0)) / 5
results[[length(results) + 1L]] <- data.frame(
  n = 200, candidates = 10L,
  steps_survstep = nrow(cox_stepwise(f10, data = d)$steps) - 1L,
  steps_stepAIC = NA_integer_, survstep_s = t_sw, reference_s = t_ref,
  stepAIC_s = t_aic, ratio_reference = t_ref / t_sw,
  ratio_stepAIC = t_aic / t_sw
)

cat("\nForward stepwise Cox selection: elapsed seconds and ratios\n")
print(do.call(rbind, results), digits = 3, row.names = FALSE)
