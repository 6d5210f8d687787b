# Benchmark: km() against survival::survfit() in the same R session.
#
#   Rscript inst/bench/km.R            # n = 1e4, 1e5, 1e6
#   Rscript inst/bench/km.R 1e7        # add larger sizes
#
# Data: exponential times, 70% events, 4 groups. Each size is timed `reps`
# times (median reported); peak memory is the "max used" increase reported by
# gc() around one call. Run on an installed survstep (R CMD INSTALL), not a
# pkgload::load_all() build, which compiles without optimisation.
suppressPackageStartupMessages({
  library(survstep)
  library(survival)
})

args <- commandArgs(trailingOnly = TRUE)
sizes <- c(1e4, 1e5, 1e6, as.numeric(args))
reps <- 5L

time_it <- function(expr_fun, reps) {
  t <- numeric(reps)
  for (i in seq_len(reps)) {
    t[i] <- system.time(expr_fun())[["elapsed"]]
  }
  stats::median(t)
}

peak_mb <- function(expr_fun) {
  invisible(gc(reset = TRUE))
  before <- sum(gc()[, 2])
  res <- expr_fun()
  after <- sum(gc()[, 6])
  rm(res)
  after - before
}

rows <- list()
for (n in sizes) {
  set.seed(42)
  d <- data.frame(time = rexp(n, 1 / 365), status = rbinom(n, 1, 0.7),
                  group = sample(c("A", "B", "C", "D"), n, replace = TRUE))
  f_km <- function() km(Surv(time, status) ~ group, data = d)
  f_sf <- function() survfit(Surv(time, status) ~ group, data = d)
  # check agreement once
  a <- f_km()
  b <- f_sf()
  stopifnot(max(abs(a$surv - b$surv)) < 1e-10,
            max(abs(a$n.risk - b$n.risk)) < 1e-10)
  rm(a, b)
  r <- if (n >= 1e7) 3L else reps
  t_km <- time_it(f_km, r)
  t_sf <- time_it(f_sf, r)
  rows[[length(rows) + 1L]] <- data.frame(
    n = format(n, scientific = TRUE), km_s = t_km, survfit_s = t_sf,
    ratio = t_sf / t_km, km_peak_mb = peak_mb(f_km),
    survfit_peak_mb = peak_mb(f_sf)
  )
  print(rows[[length(rows)]], row.names = FALSE, digits = 3)
}
res <- do.call(rbind, rows)
cat("\nkm() vs survfit(), median of", reps, "runs (seconds), peak memory (MB)\n")
print(res, row.names = FALSE, digits = 3)
