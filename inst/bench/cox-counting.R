# Benchmark: survstep's Cox model on counting-process data
# Surv(start, stop, event) against survival's (coxph()'s agreg path).
#
#   Rscript inst/bench/cox-counting.R             # 1e5 and 1e6 intervals
#   SURVSTEP_BENCH_N=1e5 Rscript inst/bench/cox-counting.R
#   SURVSTEP_BENCH_REPS=3 Rscript inst/bench/cox-counting.R   # repeats
#
# Needs survstep installed. Data: n / 4 subjects with delayed entry, each
# followed over 4 intervals with p = 10 time-varying covariates (new values
# in every interval), an event (70%) at the end of the last interval;
# continuous times (which timefix merges where they nearly tie, as coxph
# does) and times rounded to whole days (heavy ties). Efron ties.
# Comparisons, each call in a fresh R process so that its peak memory
# (VmHWM from /proc, Linux only; NA elsewhere) can be measured above the
# resident size just before the call:
#   1. cox() vs coxph() (formula interfaces, concordance included in both);
#   2. cox_fit() vs agreg.fit() on the same matrix (agreg.fit also computes
#      martingale residuals; no concordance in either).
# Reported: median CPU seconds over the repeats and their ratio
# (survival / survstep; > 1: survstep faster). The results of both are
# checked to agree (coefficients 1e-6) in every run.

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

sizes <- as.numeric(strsplit(Sys.getenv("SURVSTEP_BENCH_N", "1e5,1e6"), ",")[[1]])
reps <- as.integer(Sys.getenv("SURVSTEP_BENCH_REPS", "1"))
p <- 10L

sim_counting <- function(n, tied, k = 4L, seed = 1) {
  set.seed(seed)
  nsub <- n %/% k
  n <- nsub * k
  entry <- runif(nsub, 0, 50)
  len <- matrix(rexp(n, 1 / 30), k)
  if (tied) {
    # whole days: integer entry and interval lengths >= 1
    entry <- floor(entry)
    len <- ceiling(len)
  }
  stop <- rep(entry, each = k) + as.vector(apply(len, 2, cumsum))
  start <- c(rbind(entry, matrix(stop, k)[-k, , drop = FALSE]))
  x <- matrix(rnorm(n * p), n, p, dimnames = list(NULL, paste0("x", 1:p)))
  lp <- drop(x %*% rep(c(0.2, -0.1), length.out = p))
  last <- rep(c(rep(0L, k - 1L), 1L), nsub)
  event <- last * rbinom(n, 1, plogis(0.85 + lp))
  data.frame(x, start = start, stop = stop, event = event)
}

child_code <- '
args <- commandArgs(TRUE)
suppressPackageStartupMessages({ library(survival); library(survstep) })
d <- readRDS(args[1]); what <- args[2]
X <- as.matrix(d[, grep("^x", names(d))])
f <- Surv(start, stop, event) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
y <- Surv(d$start, d$stop, d$event)
mem <- function(field) {
  s <- tryCatch(readLines("/proc/self/status"), error = function(e) NULL)
  if (is.null(s)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", grep(paste0("^", field), s, value = TRUE))) / 1024
}
invisible(gc()); invisible(gc())
base <- mem("VmRSS")
t0 <- proc.time()
res <- switch(what,
  cox = cox(f, data = d),
  coxph = coxph(f, data = d),
  cox_fit = cox_fit(X, y),
  agreg.fit = agreg.fit(X, aeqSurv(y), strata = NULL, offset = NULL,
                        init = NULL, control = coxph.control(),
                        weights = NULL, method = "efron", rownames = NULL,
                        nocenter = c(-1, 0, 1)))
tm <- proc.time() - t0
saveRDS(unname(res$coefficients), args[3])
cat(sprintf("%.5f %.5f %.1f\\n", sum(tm[1:2]), tm[[3]], mem("VmHWM") - base))
'
child_file <- tempfile(fileext = ".R")
writeLines(child_code, child_file)
rscript <- file.path(R.home("bin"), "Rscript")

run_child <- function(data_file, what) {
  coef_file <- tempfile(fileext = ".rds")
  out <- system2(rscript, c("--vanilla", child_file, data_file, what, coef_file),
                 stdout = TRUE)
  v <- as.numeric(strsplit(trimws(out[length(out)]), " ")[[1]])
  b <- readRDS(coef_file)
  unlink(coef_file)
  list(time = c(cpu = v[1], elapsed = v[2], peak_mb = v[3]), coef = b)
}

rows <- list()
for (n in sizes) {
  for (tied in c(FALSE, TRUE)) {
    d <- sim_counting(n, tied)
    data_file <- tempfile(fileext = ".rds")
    saveRDS(d, data_file, compress = FALSE)
    for (pair in list(c("cox", "coxph"), c("cox_fit", "agreg.fit"))) {
      ours <- theirs <- NULL
      for (r in seq_len(reps)) {
        a <- run_child(data_file, pair[1])
        b <- run_child(data_file, pair[2])
        stopifnot(isTRUE(all.equal(a$coef, b$coef, tolerance = 1e-6)))
        ours <- rbind(ours, a$time)
        theirs <- rbind(theirs, b$time)
      }
      med <- function(m, j) stats::median(m[, j])
      rows[[length(rows) + 1L]] <- data.frame(
        intervals = nrow(d), times = if (tied) "tied" else "continuous",
        comparison = paste(pair[1], "vs", pair[2]),
        survstep_s = med(ours, "cpu"), survival_s = med(theirs, "cpu"),
        ratio = med(theirs, "cpu") / med(ours, "cpu"),
        survstep_peak_mb = med(ours, "peak_mb"),
        survival_peak_mb = med(theirs, "peak_mb")
      )
      print(rows[[length(rows)]], row.names = FALSE)
    }
    unlink(data_file)
  }
}

cat("\nsurvstep", format(utils::packageVersion("survstep")), "/ survival",
    format(utils::packageVersion("survival")), "/", R.version.string, "\n")
cat("median CPU seconds over", reps, "run(s); ratio = survival / survstep",
    "(> 1: survstep faster); peak memory in MB above the resident size",
    "before the call\n\n")
print(do.call(rbind, rows), row.names = FALSE, digits = 3)
unlink(child_file)
