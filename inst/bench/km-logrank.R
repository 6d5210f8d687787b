# Benchmark: km() vs survival::survfit() and logrank_test() vs
# survival::survdiff(), in the same R session on the same data.
#
#   R CMD INSTALL . && Rscript inst/bench/km-logrank.R
#
# from the root of a source checkout (the installed, optimised build is
# timed, not a pkgload::load_all() debug build). Options:
#
#   --sizes=1e4,1e5,1e6,1e7   sample sizes (default; also SURVSTEP_BENCH_SIZES)
#   --quick                   drop sizes above 1e6 (also SURVSTEP_BENCH_QUICK=1)
#   --reps=5                  timed runs of each call for n < 1e7
#   --big-reps=1              timed runs of survfit()/survdiff() for n >= 1e7
#                             (km()/logrank_test() get min(reps, 3) there)
#   --scenarios=days,continuous
#   --no-rss                  skip the fresh-process peak RSS measurement
#   --out=results.csv         also write the results as CSV
#
# The full run (up to 1e7) takes about 15 minutes and needs about 4 GB.
#
# Data: 4 groups with different hazards, exponential event times, uniform
# censoring on (0, 2500) days (about 32% censored). Two scenarios: "days"
# (times rounded up to whole days: heavy ties, about 2,500 distinct times)
# and "continuous" (no ties). Rows are in random order.
#
# For each n and scenario, each pair runs on `Surv(time, status) ~ grp`:
#   1. one untimed call of each function (also the warm-up) gives the rise of
#      R's heap during the call and the results, which must agree (KM: times,
#      numbers at risk and of events, survival, standard error of log S;
#      log-rank: chi-square, observed and expected) or the script stops;
#   2. timed runs, alternating survstep and survival calls so that load from
#      other jobs hits both alike; below n = 2e5 each timed run repeats the
#      call 2e5 / n times and reports the time per call. Reported: medians of
#      elapsed and CPU (user + system) seconds and the ratios survival /
#      survstep (higher = survstep faster); on a busy machine the CPU ratio
#      is the steadier one;
#   3. (Linux) one call of each function in a fresh process for the peak
#      resident memory, which also counts C/C++ allocations (see
#      child_peak_rss()).
# Growth: log(t2 / t1) / log(n2 / n1) between consecutive sizes; n log n
# cost gives 1 + log(log n2 / log n1) / log(n2 / n1) (1.07 from 1e6 to 1e7),
# linear cost 1.

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})
options(width = 200)

# ---- data ------------------------------------------------------------------

make_data <- function(n, scenario, seed = 1) {
  set.seed(seed)
  grp <- sample(c("placebo", "low", "mid", "high"), n, replace = TRUE)
  rate <- c(placebo = 1 / 700, low = 1 / 800, mid = 1 / 900,
            high = 1 / 1000)[grp]
  t_event <- stats::rexp(n, rate)
  t_cens <- stats::runif(n, 0, 2500)
  time <- pmin(t_event, t_cens)
  if (scenario == "days") time <- ceiling(time)
  data.frame(time = time, status = as.integer(t_event <= t_cens),
             grp = grp, stringsAsFactors = FALSE)
}

# ---- measurement -----------------------------------------------------------

proc_kb <- function(field) {
  f <- "/proc/self/status"
  if (!file.exists(f)) return(NA_real_)
  x <- grep(paste0("^", field, ":"), readLines(f), value = TRUE)
  if (!length(x)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", x))
}
# Reset VmHWM to the current RSS (Linux >= 4.0); FALSE where impossible.
reset_hwm <- function() {
  tryCatch({
    writeLines("5", "/proc/self/clear_refs")
    TRUE
  }, error = function(e) FALSE, warning = function(w) FALSE)
}

# One call of f(): its result and the rise of R's heap during the call (MB):
# "max used" (Ncells + Vcells) after it above "used" before it.
with_peak_heap <- function(f) {
  invisible(gc(reset = TRUE))
  heap_before <- sum(gc(reset = TRUE)[, 2L])
  res <- f()
  list(result = res, heap_mb = sum(gc()[, 6L]) - heap_before)
}

# Seconds per call (elapsed and CPU) of `inner` back-to-back calls of f().
time_calls <- function(f, inner) {
  invisible(gc())
  t0 <- proc.time()
  for (i in seq_len(inner)) f()
  dt <- proc.time() - t0
  c(elapsed = dt[["elapsed"]], cpu = dt[["user.self"]] + dt[["sys.self"]]) /
    inner
}

# Alternate timed runs of f_a (survstep) and f_b (survival).
time_pair <- function(f_a, f_b, reps_a, reps_b, inner) {
  ta <- tb <- NULL
  for (r in seq_len(max(reps_a, reps_b))) {
    if (r <= reps_a) ta <- rbind(ta, time_calls(f_a, inner))
    if (r <= reps_b) tb <- rbind(tb, time_calls(f_b, inner))
  }
  list(a = apply(ta, 2L, stats::median), b = apply(tb, 2L, stats::median))
}

# ---- agreement checks (stop rather than time wrong answers) -----------------

max_abs <- function(x, y) {
  ok <- is.finite(x) & is.finite(y)
  if (!identical(is.finite(x), is.finite(y))) return(Inf)
  if (!any(ok)) 0 else max(abs(x[ok] - y[ok]))
}

check_km <- function(a, b) {
  if (!identical(unname(a$strata), unname(b$strata)) ||
      !identical(names(a$strata), names(b$strata))) {
    stop("km() and survfit() give different curves (strata).")
  }
  d <- c(time = max_abs(a$time, b$time),
         n.risk = max_abs(a$n.risk, b$n.risk),
         n.event = max_abs(a$n.event, b$n.event),
         surv = max_abs(a$surv, b$surv),
         se_logS = max_abs(sqrt(a$cumvar), b$std.err))
  tol <- c(time = 0, n.risk = 0, n.event = 0, surv = 1e-10, se_logS = 1e-8)
  if (any(d > tol)) {
    stop("km() and survfit() disagree: ",
         paste(names(d), format(d, digits = 3), sep = " ", collapse = ", "))
  }
  d[["surv"]]
}

check_logrank <- function(a, b) {
  if (!identical(a$table$group, names(b$n))) {
    stop("logrank_test() and survdiff() order the groups differently.")
  }
  rel_chisq <- abs(a$overall[["statistic"]] - b$chisq) / b$chisq
  d <- c(chisq_rel = rel_chisq,
         observed = max_abs(a$table$observed, b$obs),
         expected = max_abs(a$table$expected, b$exp) / max(b$exp))
  if (any(d > 1e-9)) {
    stop("logrank_test() and survdiff() disagree: ",
         paste(names(d), format(d, digits = 3), sep = " ", collapse = ", "))
  }
  abs(a$overall[["statistic"]] - b$chisq)
}

# ---- the pairs -------------------------------------------------------------

pairs <- list(
  `km/survfit` = list(
    survstep = function(d) km(Surv(time, status) ~ grp, data = d),
    survival = function(d) survfit(Surv(time, status) ~ grp, data = d),
    check = check_km, check_name = "max |dS|"),
  `logrank/survdiff` = list(
    survstep = function(d) logrank_test(Surv(time, status) ~ grp, data = d),
    survival = function(d) survdiff(Surv(time, status) ~ grp, data = d),
    check = check_logrank, check_name = "|d chisq|")
)

# ---- peak resident memory in a fresh process ------------------------------

# R's gc() sees only R's heap, not memory that C/C++ code allocates itself,
# and the resident size of a long-running session is blurred by freed memory
# that malloc keeps. So (Linux) each function also runs once in a fresh
# Rscript process with a fixed malloc mmap threshold (freed large blocks go
# back to the system): the peak resident size (VmHWM, reset through
# /proc/self/clear_refs) above the resident size just before the call.
script_file <- sub("^--file=", "",
                   grep("^--file=", commandArgs(FALSE), value = TRUE))

child_peak_rss <- function(n, scenario, pair, side) {
  if (length(script_file) != 1L || !file.exists("/proc/self/clear_refs")) {
    return(NA_real_)
  }
  out <- suppressWarnings(system2(
    file.path(R.home("bin"), "Rscript"),
    c(shQuote(script_file),
      shQuote(paste0("--child=", paste(n, scenario, pair, side, sep = ";")))),
    env = c("MALLOC_MMAP_THRESHOLD_=65536", "MALLOC_TRIM_THRESHOLD_=131072"),
    stdout = TRUE, stderr = FALSE))
  hit <- grep("^PEAK_RSS_MB ", out, value = TRUE)
  if (length(hit) != 1L) return(NA_real_)
  as.numeric(sub("^PEAK_RSS_MB ", "", hit))
}

child <- grep("^--child=", commandArgs(trailingOnly = TRUE), value = TRUE)
if (length(child)) {
  spec <- strsplit(sub("^--child=", "", child[1L]), ";")[[1]]
  d <- make_data(as.numeric(spec[1L]), spec[2L])
  f <- pairs[[spec[3L]]][[spec[4L]]]
  invisible(gc())
  invisible(gc())
  rss_ok <- reset_hwm()
  rss_before <- proc_kb("VmRSS")
  res <- f(d)
  if (rss_ok) {
    cat("PEAK_RSS_MB", (proc_kb("VmHWM") - rss_before) / 1024, "\n")
  }
  quit(save = "no")
}

# ---- options ---------------------------------------------------------------

opt_value <- function(args, name, default) {
  hit <- grep(paste0("^--", name, "="), args, value = TRUE)
  if (length(hit)) sub(paste0("^--", name, "="), "", hit[length(hit)])
  else default
}
args <- commandArgs(trailingOnly = TRUE)
known <- c("sizes", "reps", "big-reps", "scenarios", "out")
bad <- args[!(args %in% c("--quick", "--no-rss") |
                grepl(paste0("^--(", paste(known, collapse = "|"), ")="),
                      args))]
if (length(bad)) stop("Unknown argument(s): ", paste(bad, collapse = " "))

sizes <- as.numeric(strsplit(
  opt_value(args, "sizes", Sys.getenv("SURVSTEP_BENCH_SIZES",
                                      "1e4,1e5,1e6,1e7")), ",")[[1]])
quick <- "--quick" %in% args ||
  Sys.getenv("SURVSTEP_BENCH_QUICK") %in% c("1", "true", "TRUE")
if (quick) sizes <- sizes[sizes <= 1e6]
sizes <- sort(unique(sizes))
reps <- as.integer(opt_value(args, "reps", "5"))
big_reps <- as.integer(opt_value(args, "big-reps", "1"))
scenarios <- strsplit(opt_value(args, "scenarios", "days,continuous"),
                      ",")[[1]]
out_csv <- opt_value(args, "out", "")
rss <- !("--no-rss" %in% args)
stopifnot(length(sizes) > 0, all(is.finite(sizes)), all(sizes >= 100),
          reps >= 1, big_reps >= 1,
          all(scenarios %in% c("days", "continuous")))

# ---- run -------------------------------------------------------------------

load_avg <- function() {
  if (!file.exists("/proc/loadavg")) return("n/a")
  paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
}
cat("survstep ", format(packageVersion("survstep")), ", survival ",
    format(packageVersion("survival")), ", ", R.version.string, ", ",
    Sys.info()[["machine"]], ", ", parallel::detectCores(), " cores",
    ", load average at start ", load_avg(), "\n", sep = "")
cat("sizes: ", paste(format(sizes, scientific = TRUE), collapse = ", "),
    "; timed runs: ", reps, " (n >= 1e7: survstep ", min(reps, 3L),
    ", survival ", big_reps, "); scenarios: ",
    paste(scenarios, collapse = ", "), "\n\n", sep = "")

rows <- list()
for (n in sizes) {
  inner <- max(1L, as.integer(round(2e5 / n)))
  reps_a <- if (n >= 1e7) min(reps, 3L) else reps
  reps_b <- if (n >= 1e7) big_reps else reps
  for (scenario in scenarios) {
    d <- make_data(n, scenario)
    for (pair in names(pairs)) {
      p <- pairs[[pair]]
      f_a <- function() p$survstep(d)
      f_b <- function() p$survival(d)
      m_a <- with_peak_heap(f_a)
      m_b <- with_peak_heap(f_b)
      agree <- p$check(m_a$result, m_b$result)
      m_a$result <- m_b$result <- NULL
      tm <- time_pair(f_a, f_b, reps_a, reps_b, inner)
      row <- data.frame(
        n = n, scenario = scenario, pair = pair,
        survstep_s = tm$a[["elapsed"]], survival_s = tm$b[["elapsed"]],
        ratio = tm$b[["elapsed"]] / tm$a[["elapsed"]],
        cpu_ratio = tm$b[["cpu"]] / tm$a[["cpu"]],
        survstep_cpu_s = tm$a[["cpu"]], survival_cpu_s = tm$b[["cpu"]],
        survstep_mb = m_a$heap_mb, survival_mb = m_b$heap_mb,
        survstep_rss_mb = if (rss) child_peak_rss(n, scenario, pair,
                                                  "survstep") else NA,
        survival_rss_mb = if (rss) child_peak_rss(n, scenario, pair,
                                                  "survival") else NA,
        check = p$check_name, diff = agree,
        reps = if (reps_a == reps_b) as.character(reps_a)
               else paste0(reps_a, "/", reps_b),
        stringsAsFactors = FALSE
      )
      rows[[length(rows) + 1L]] <- row
      cat(sprintf(paste0("n = %-5s %-10s %-16s survstep %8.4f s  survival ",
                         "%8.4f s  ratio %6.1f  (CPU %6.1f)\n"),
                  format(n, scientific = TRUE), scenario, pair,
                  row$survstep_s, row$survival_s, row$ratio, row$cpu_ratio))
    }
    rm(d)
    invisible(gc())
  }
}
res <- do.call(rbind, rows)

# ---- report ----------------------------------------------------------------

fmt_s <- function(x) formatC(x, format = "g", digits = 3)
fmt_1 <- function(x) ifelse(is.na(x), "NA", formatC(x, format = "f",
                                                    digits = 1))
tab <- data.frame(
  n = format(res$n, scientific = TRUE), scenario = res$scenario,
  pair = res$pair,
  survstep_s = fmt_s(res$survstep_s), survival_s = fmt_s(res$survival_s),
  ratio = fmt_1(res$ratio), cpu_ratio = fmt_1(res$cpu_ratio),
  survstep_MB = fmt_1(res$survstep_mb), survival_MB = fmt_1(res$survival_mb),
  survstep_rssMB = fmt_1(res$survstep_rss_mb),
  survival_rssMB = fmt_1(res$survival_rss_mb),
  check = paste(res$check, formatC(res$diff, format = "e", digits = 0)),
  reps = res$reps
)
tab <- tab[order(res$pair, match(res$scenario, scenarios), res$n), ]
cat("\nMedian elapsed seconds per call; ratio = survival / survstep",
    "(elapsed; cpu_ratio: CPU seconds).\nPeak extra memory of one call in MB:",
    "_MB = rise of R's heap (gc()); _rssMB = rise of the peak resident size",
    "in a fresh process\n(includes C++ allocations outside R's heap).\n\n")
print(tab, row.names = FALSE, right = TRUE)

cat("\nGrowth exponent log(t2/t1) / log(n2/n1) of the median elapsed and CPU",
    "time per call (n log n cost: nlogn; linear: 1)\n\n")
expo <- function(t, n, i) {
  round(log(t[i] / t[i - 1L]) / log(n[i] / n[i - 1L]), 2)
}
gr <- list()
for (key in unique(paste(res$pair, res$scenario))) {
  r <- res[paste(res$pair, res$scenario) == key, ]
  r <- r[order(r$n), ]
  if (nrow(r) < 2L) next
  for (i in 2:nrow(r)) {
    n1 <- r$n[i - 1L]
    n2 <- r$n[i]
    gr[[length(gr) + 1L]] <- data.frame(
      pair = r$pair[i], scenario = r$scenario[i],
      from = format(n1, scientific = TRUE), to = format(n2, scientific = TRUE),
      survstep = expo(r$survstep_s, r$n, i),
      survstep_cpu = expo(r$survstep_cpu_s, r$n, i),
      survival = expo(r$survival_s, r$n, i),
      survival_cpu = expo(r$survival_cpu_s, r$n, i),
      nlogn = round(1 + log(log(n2) / log(n1)) / log(n2 / n1), 2),
      stringsAsFactors = FALSE
    )
  }
}
if (length(gr)) {
  gr <- do.call(rbind, gr)
  print(gr, row.names = FALSE)
}

goal <- res[res$n == 1e6, ]
if (nrow(goal)) {
  target <- c(`km/survfit` = 10, `logrank/survdiff` = 20)
  cat("\nGoals at n = 1e6 (km() >= 10x survfit(), logrank_test() >= 20x",
      "survdiff()):\n")
  for (i in seq_len(nrow(goal))) {
    g <- goal[i, ]
    cat(sprintf("  %-16s %-10s ratio %5.1f (CPU %5.1f), goal %2.0fx: %s\n",
                g$pair, g$scenario, g$ratio, g$cpu_ratio, target[[g$pair]],
                if (g$ratio >= target[[g$pair]]) "met" else "NOT met"))
  }
}
if (length(gr)) {
  big <- gr[as.numeric(gr$from) >= 1e5, ]
  if (nrow(big)) {
    verdict <- function(e) {
      if (all(e <= big$nlogn)) "yes" else paste0("no (max ", max(e), ")")
    }
    cat("survstep's growth from n = 1e5 up no worse than n log n: elapsed ",
        verdict(big$survstep), ", CPU ", verdict(big$survstep_cpu), "\n",
        sep = "")
  }
}
cat("Load average at end:", load_avg(), "\n")

if (nzchar(out_csv)) {
  utils::write.csv(res, out_csv, row.names = FALSE)
  cat("Wrote", out_csv, "\n")
}
