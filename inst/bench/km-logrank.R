# Benchmark: km() vs survival::survfit() and logrank_test() vs
# survival::survdiff(), in the same R session on the same data.
#
# Run from a shell with the package installed (R CMD INSTALL .), not under
# pkgload::load_all(), which compiles without optimisation:
#
#   Rscript inst/bench/km-logrank.R                 # n = 1e4 ... 1e7
#   Rscript inst/bench/km-logrank.R 1e6             # sizes up to 1e6 only
#   Rscript inst/bench/km-logrank.R 1e6 days        # one kind of times only
#
# Data: 4 groups, about 70% events, two kinds of times: integer days (heavy
# ties) and continuous times (no ties). Reported per size and kind: median
# elapsed and CPU seconds over several runs, the ratios survival / survstep
# (the CPU ratio is the steadier one on a shared machine), the peak extra
# memory of one call (R heap from gc(), and process RSS on Linux), the
# largest difference of the results (so a fast wrong answer can't pass), and
# the growth exponent of survstep's time between consecutive sizes (1 is
# linear; n log n shows as slightly above 1).
# Goals at n = 1e6: km() >= 10x survfit(), logrank_test() >= 20x survdiff().

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

args <- commandArgs(trailingOnly = TRUE)
max_n <- if (length(args) >= 1L) as.numeric(args[1]) else 1e7
kinds <- if (length(args) >= 2L) args[2] else c("days", "continuous")
sizes <- c(1e4, 1e5, 1e6, 1e7)
sizes <- sizes[sizes <= max_n]
reps_for <- function(n) if (n <= 1e4) 9L else if (n <= 1e5) 7L else if (n <= 1e6) 5L else 2L

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
# writing 5 to /proc/self/clear_refs resets VmHWM); NA elsewhere.
rss_kb <- function(field) {
  f <- "/proc/self/status"
  if (!file.exists(f)) return(NA_real_)
  x <- grep(paste0("^", field, ":"), readLines(f), value = TRUE)
  if (!length(x)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", x))
}
reset_peak <- function() {
  tryCatch({
    writeLines("5", "/proc/self/clear_refs")
    TRUE
  }, error = function(e) FALSE, warning = function(w) FALSE)
}

measure <- function(fun, reps) {
  times <- cpu <- numeric(reps)
  for (r in seq_len(reps)) {
    gc()
    st <- system.time(res <- fun())
    times[r] <- st[["elapsed"]]
    cpu[r] <- st[["user.self"]] + st[["sys.self"]]
  }
  gc(reset = TRUE)
  before_r <- sum(gc()[, 2])
  can_rss <- reset_peak()
  base_rss <- rss_kb("VmRSS")
  res <- fun()
  peak_r <- sum(gc()[, 6]) - before_r
  peak_rss <- if (can_rss) (rss_kb("VmHWM") - base_rss) / 1024 else NA_real_
  list(time = stats::median(times), cpu = stats::median(cpu),
       peak_r_mb = peak_r, peak_rss_mb = peak_rss, result = res)
}

pairs <- list(
  km = list(
    label = "km() vs survfit()",
    ours = function(d) km(Surv(time, status) ~ grp, data = d),
    theirs = function(d) survfit(Surv(time, status) ~ grp, data = d),
    diff = function(a, b) max(abs(a$surv - b$surv), abs(a$std.err - b$std.err),
                              abs(a$n.risk - b$n.risk))
  ),
  logrank = list(
    label = "logrank_test() vs survdiff()",
    ours = function(d) logrank_test(Surv(time, status) ~ grp, data = d),
    theirs = function(d) survdiff(Surv(time, status) ~ grp, data = d),
    diff = function(a, b) abs(a$statistic - b$chisq)
  )
)

rows <- list()
for (kind in kinds) {
  for (n in sizes) {
    d <- make_data(n, kind)
    reps <- reps_for(n)
    for (p in names(pairs)) {
      pr <- pairs[[p]]
      a <- measure(function() pr$ours(d), reps)
      b <- measure(function() pr$theirs(d), max(1L, min(reps, 3L)))
      rows[[length(rows) + 1L]] <- data.frame(
        pair = p, times = kind, n = n,
        survstep_s = a$time, survival_s = b$time, ratio = b$time / a$time,
        cpu_ratio = b$cpu / a$cpu,
        survstep_heap_mb = a$peak_r_mb, survival_heap_mb = b$peak_r_mb,
        survstep_rss_mb = a$peak_rss_mb, survival_rss_mb = b$peak_rss_mb,
        max_diff = pr$diff(a$result, b$result)
      )
      cat(sprintf("%-30s %-10s n = %8.0f  survstep %7.3f s  survival %7.3f s  ratio %5.1f (CPU %5.1f)\n",
                  pr$label, kind, n, a$time, b$time, b$time / a$time,
                  b$cpu / a$cpu))
      rm(a, b)
    }
    rm(d)
    gc()
  }
}
res <- do.call(rbind, rows)
res <- res[order(res$pair, res$times, res$n), ]
growth <- ave(log10(res$survstep_s), res$pair, res$times,
              FUN = function(v) c(NA, diff(v)))
res$growth <- growth / ave(log10(res$n), res$pair, res$times,
                           FUN = function(v) c(NA, diff(v)))
cat("\nMedian elapsed seconds; ratio = survival / survstep (elapsed and CPU);",
    "peak extra memory in MB\n(R heap from gc(), process RSS on Linux);",
    "max_diff = largest difference of the results;\ngrowth = exponent of",
    "survstep's time between consecutive sizes.\n\n")
print(format(res, digits = 3), row.names = FALSE)
cat("\nR ", R.version$major, ".", R.version$minor, ", survival ",
    format(packageVersion("survival")), ", survstep ",
    format(packageVersion("survstep")), ", ", Sys.info()[["machine"]], "\n",
    sep = "")
