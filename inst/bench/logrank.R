# Benchmark: survstep::logrank_test() vs survival::survdiff()
#
# Run from a shell with the package installed (R CMD INSTALL .), not under
# pkgload::load_all(), which compiles without optimisation:
#
#   Rscript inst/bench/logrank.R            # n = 1e4, 1e5, 1e6
#   Rscript inst/bench/logrank.R 1e7        # ... and 1e7 (needs ~6 GB, slow)
#
# Both functions run in the same session on the same data: 4 groups, about
# 70% events, two kinds of times (integer days with heavy ties, and
# continuous times without ties). Reported: median elapsed and CPU seconds
# over several runs, the ratios survdiff / logrank_test (the CPU ratio is the
# steadier one on a shared machine), the peak extra memory of each call (R
# heap from gc(), and process RSS on Linux), and the difference of the
# chi-square statistics.

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

args <- commandArgs(trailingOnly = TRUE)
max_n <- if (length(args)) as.numeric(args[1]) else 1e6
sizes <- c(1e4, 1e5, 1e6, 1e7)
sizes <- sizes[sizes <= max_n]

reps_for <- function(n) if (n <= 1e4) 9L else if (n <= 1e5) 7L else if (n <= 1e6) 5L else 1L

make_data <- function(n, kind, seed = 1) {
  set.seed(seed)
  grp <- sample(c("placebo", "low", "mid", "high"), n, replace = TRUE)
  rate <- c(placebo = 1 / 700, low = 1 / 800, mid = 1 / 900,
            high = 1 / 1000)[grp]
  t_event <- rexp(n, rate)
  t_cens <- runif(n, 0, 2500)
  time <- pmin(t_event, t_cens)
  if (kind == "days") time <- ceiling(time)
  data.frame(time = time, status = as.integer(t_event <= t_cens),
             grp = grp, stringsAsFactors = FALSE)
}

# Peak resident memory above the level at the start of the call (Linux:
# /proc/self/clear_refs resets VmHWM); NA elsewhere.
rss_kb <- function(field) {
  f <- "/proc/self/status"
  if (!file.exists(f)) return(NA_real_)
  x <- grep(paste0("^", field, ":"), readLines(f), value = TRUE)
  if (!length(x)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", x))
}
reset_peak <- function() {
  ok <- tryCatch({
    writeLines("5", "/proc/self/clear_refs")
    TRUE
  }, error = function(e) FALSE, warning = function(w) FALSE)
  ok
}

measure <- function(fun, reps) {
  times <- cpu <- numeric(reps)
  for (r in seq_len(reps)) {
    gc()
    st <- system.time(res <- fun())
    times[r] <- st[["elapsed"]]
    cpu[r] <- st[["user.self"]] + st[["sys.self"]]
  }
  # memory, on one more run
  gc(reset = TRUE)
  before_r <- sum(gc()[, 2])
  can_rss <- reset_peak()
  base_rss <- rss_kb("VmRSS")
  res <- fun()
  peak_r <- sum(gc()[, 6]) - before_r
  peak_rss <- if (can_rss) (rss_kb("VmHWM") - base_rss) / 1024 else NA_real_
  list(time = stats::median(times), cpu = stats::median(cpu),
       peak_r_mb = peak_r,
       peak_rss_mb = peak_rss, result = res)
}

rows <- list()
for (kind in c("days", "continuous")) {
  for (n in sizes) {
    d <- make_data(n, kind)
    reps <- reps_for(n)
    a <- measure(function() logrank_test(Surv(time, status) ~ grp, data = d),
                 reps)
    b <- measure(function() survdiff(Surv(time, status) ~ grp, data = d),
                 max(1L, min(reps, 3L)))
    rows[[length(rows) + 1L]] <- data.frame(
      times = kind, n = n,
      survstep_s = a$time, survdiff_s = b$time,
      ratio = b$time / a$time,
      survstep_cpu_s = a$cpu, survdiff_cpu_s = b$cpu,
      cpu_ratio = b$cpu / a$cpu,
      survstep_peak_mb = a$peak_r_mb, survdiff_peak_mb = b$peak_r_mb,
      survstep_rss_mb = a$peak_rss_mb, survdiff_rss_mb = b$peak_rss_mb,
      chisq_diff = abs(a$result$statistic - b$result$chisq)
    )
    cat(sprintf(paste0("%-10s n = %8.0f  logrank_test %7.3f s  survdiff ",
                       "%7.3f s  ratio %5.1f  (CPU time ratio %5.1f)\n"),
                kind, n, a$time, b$time, b$time / a$time, b$cpu / a$cpu))
    rm(d)
    gc()
  }
}
res <- do.call(rbind, rows)
cat("\nMedian elapsed and CPU (user + system) seconds; peak extra memory in",
    "MB (R heap from gc(), process RSS on Linux)\n\n")
print(format(res, digits = 3), row.names = FALSE)
cat("\nR", R.version$major, ".", R.version$minor, ", survival ",
    format(packageVersion("survival")), ", survstep ",
    format(packageVersion("survstep")), ", ", Sys.info()[["machine"]], "\n",
    sep = "")
