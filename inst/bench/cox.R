# Benchmark: survstep's Cox model against survival's.
#
#   Rscript inst/bench/cox.R            # n = 1e4, 1e5, 1e6 (slow: run once)
#   SURVSTEP_BENCH_N=1e4,1e5 Rscript inst/bench/cox.R
#
# Needs survstep installed. Same-session ratios (CPU seconds of the
# survival call / CPU seconds of the survstep call) for
#   1. cox() vs coxph(), p = 10 numeric covariates, Efron ties, with untied
#      (continuous) and tied (integer) times;
#   2. the engines: cox_fit() vs survival::coxph.fit() on the same matrix
#      (coxph.fit() also computes martingale residuals; neither computes the
#      concordance);
#   3. small data (n = 36, 3 covariates), where R overhead dominates: time
#      per call of cox() vs coxph(). (cox() warns here about the low number
#      of events per variable, about 30 microseconds of R's warning()
#      machinery per call; the warning is kept, as it says what to do.)
# Sizes below 2e5 repeat each call (2e5 / n times) and report the mean.
# Every large-data fit runs in a fresh R process so that its peak memory
# (VmHWM from /proc, Linux only; NA elsewhere) can be measured: the peak is
# reported above the process's resident size just before the call.

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

child_code <- '
args <- commandArgs(TRUE)
suppressPackageStartupMessages({ library(survival); library(survstep) })
d <- readRDS(args[1]); what <- args[2]
X <- as.matrix(d[, grep("^x", names(d))])
f <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
mem <- function(field) {
  s <- tryCatch(readLines("/proc/self/status"), error = function(e) NULL)
  if (is.null(s)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", grep(paste0("^", field), s, value = TRUE))) / 1024
}
reps <- as.integer(args[3])
invisible(gc()); invisible(gc())
base <- mem("VmRSS")
t0 <- proc.time()
for (r in seq_len(reps)) res <- switch(what,
  cox = cox(f, data = d),
  coxph = coxph(f, data = d),
  cox_fit = cox_fit(X, Surv(d$time, d$status)),
  coxph.fit = coxph.fit(X, Surv(d$time, d$status), strata = NULL,
                        offset = NULL, init = NULL, control = coxph.control(),
                        weights = NULL, method = "efron", rownames = NULL))
tm <- proc.time() - t0
cat(sprintf("%.5f %.5f %.1f\\n", sum(tm[1:2]) / reps, tm[[3]] / reps,
            mem("VmHWM") - base))
'
child_file <- tempfile(fileext = ".R")
writeLines(child_code, child_file)
rscript <- file.path(R.home("bin"), "Rscript")

run_child <- function(data_file, what, reps) {
  out <- system2(rscript, c("--vanilla", child_file, data_file, what, reps),
                 stdout = TRUE)
  v <- as.numeric(strsplit(trimws(out[length(out)]), " ")[[1]])
  c(cpu = v[1], elapsed = v[2], peak_mb = v[3])
}

rows <- list()
for (n in sizes) {
  for (tied in c(FALSE, TRUE)) {
    d <- sim(n, tied)
    data_file <- tempfile(fileext = ".rds")
    saveRDS(d, data_file, compress = FALSE)
    # agreement check (in this session, small sizes only)
    if (n <= 1e5) {
      a <- coef(cox(Surv(time, status) ~ ., data = d))
      b <- coef(coxph(Surv(time, status) ~ ., data = d))
      stopifnot(isTRUE(all.equal(unname(a), unname(b), tolerance = 1e-6)))
    }
    for (pair in list(c("cox", "coxph"), c("cox_fit", "coxph.fit"))) {
      reps <- max(1L, as.integer(round(2e5 / n)))
      ours <- run_child(data_file, pair[1], reps)
      theirs <- run_child(data_file, pair[2], reps)
      rows[[length(rows) + 1L]] <- data.frame(
        n = n, times = if (tied) "tied" else "untied",
        comparison = paste(pair[1], "vs", pair[2]),
        survstep_s = ours[["cpu"]], survival_s = theirs[["cpu"]],
        ratio = theirs[["cpu"]] / ours[["cpu"]],
        survstep_peak_mb = ours[["peak_mb"]],
        survival_peak_mb = theirs[["peak_mb"]]
      )
      print(rows[[length(rows)]], row.names = FALSE)
    }
    unlink(data_file)
  }
}
large <- do.call(rbind, rows)

# Small data: R overhead per call.
set.seed(36)
small <- data.frame(time = rexp(36) * 100, status = rbinom(36, 1, 0.7),
                    a = rnorm(36), b = rbinom(36, 1, 0.5), c = runif(36))
per_call <- function(expr, reps = 2000) {
  e <- substitute(expr)
  env <- parent.frame()
  for (i in 1:20) eval(e, env)
  t0 <- proc.time()
  for (i in seq_len(reps)) eval(e, env)
  tm <- proc.time() - t0
  sum(tm[1:2]) / reps
}
t_cox <- per_call(cox(Surv(time, status) ~ a + b + c, data = small))
t_coxph <- per_call(coxph(Surv(time, status) ~ a + b + c, data = small))
small_row <- data.frame(n = 36, times = "untied",
                        comparison = "cox vs coxph (per call)",
                        survstep_s = t_cox, survival_s = t_coxph,
                        ratio = t_coxph / t_cox, survstep_peak_mb = NA,
                        survival_peak_mb = NA)

cat("\nsurvstep", format(utils::packageVersion("survstep")), "/ survival",
    format(utils::packageVersion("survival")), "/", R.version.string, "\n")
cat("CPU seconds; ratio = survival / survstep (> 1: survstep faster);",
    "peak memory in MB above the resident size before the call\n\n")
print(rbind(large, small_row), row.names = FALSE, digits = 3)
unlink(child_file)
