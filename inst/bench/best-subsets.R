# Benchmark: best subsets by the score criterion (SAS PHREG SELECTION=SCORE).
#
#   R CMD INSTALL . && Rscript inst/bench/best-subsets.R
# (the installed package is timed: an optimised build).
#
# cox_best_subsets() with 20 candidate terms at n = 1e4 (SAS's default
# best = 20 per size, and best = 1), against fitting every one of the
# 2^20 - 1 subsets with survival::coxph(iter.max = 0) (the score test at 0,
# the same statistic): that is far too slow to run, so its time is
# ESTIMATED from a random sample of 200 subsets (each candidate in with
# probability 1/2, i.e. uniform over subsets) and extrapolated linearly.
# The exhaustive search of cox_best_subsets() (every subset's statistic, no
# bound) is timed too. Peak memory: the process's peak resident set size
# (VmHWM) during each call, reset before it where Linux allows
# (/proc/self/clear_refs); R's own heap peak from gc() besides.
library(survstep)
library(survival)
options(width = 200)

sim_candidates <- function(n, p = 20, seed = 1) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p,
              dimnames = list(NULL, paste0("x", seq_len(p))))
  x[, 2] <- x[, 2] + 0.5 * x[, 1]
  x[, 6] <- x[, 6] + 0.5 * x[, 3]
  beta <- c(0.5, -0.4, 0.3, 0.2, 0.1, rep(0, p - 5))
  t <- stats::rexp(n, exp(drop(x %*% beta)))
  cens <- stats::rexp(n, 0.5)
  data.frame(time = round(pmin(t, cens), 3), status = as.integer(t <= cens),
             x)
}

vm_hwm_mb <- function() {
  s <- tryCatch(readLines("/proc/self/status"), error = function(e) "")
  l <- grep("^VmHWM:", s, value = TRUE)
  if (!length(l)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", l)) / 1024
}
reset_hwm <- function() {
  ok <- tryCatch({
    cat("5", file = "/proc/self/clear_refs")
    TRUE
  }, error = function(e) FALSE, warning = function(w) FALSE)
  ok
}

# elapsed seconds (median of reps), peak RSS and R heap peak of one call
measure <- function(expr_fn, reps = 3L) {
  times <- numeric(reps)
  for (i in seq_len(reps)) {
    gc()
    times[i] <- system.time(val <- expr_fn())[["elapsed"]]
  }
  gc(reset = TRUE)
  reset <- reset_hwm()
  before <- vm_hwm_mb()
  val <- expr_fn()
  peak <- vm_hwm_mb()
  g <- gc()
  list(seconds = stats::median(times), value = val,
       peak_rss_mb = peak, rss_before_mb = before, hwm_reset = reset,
       r_heap_peak_mb = sum(g[, ncol(g)]))
}

n <- 1e4
p <- 20
d <- sim_candidates(n, p)
f <- stats::reformulate(paste0("x", seq_len(p)),
                        response = quote(Surv(time, status)))

rows <- list()
for (cfg in list(list(best = NULL, ties = "efron", search = "branch-and-bound"),
                 list(best = 1, ties = "efron", search = "branch-and-bound"),
                 list(best = NULL, ties = "breslow", search = "branch-and-bound"),
                 list(best = NULL, ties = "efron", search = "exhaustive"))) {
  m <- measure(function() {
    cox_best_subsets(f, data = d, best = cfg$best, ties = cfg$ties,
                     search = cfg$search)
  }, reps = if (cfg$search == "exhaustive") 1L else 3L)
  rows[[length(rows) + 1L]] <- data.frame(
    best = if (is.null(cfg$best)) "SAS default (20)" else format(cfg$best),
    ties = cfg$ties, search = cfg$search, seconds = m$seconds,
    statistics_computed = m$value$evaluated,
    rows_reported = nrow(tidy(m$value)),
    peak_rss_mb = m$peak_rss_mb, rss_before_mb = m$rss_before_mb,
    hwm_reset = m$hwm_reset,
    r_heap_peak_mb = m$r_heap_peak_mb, stringsAsFactors = FALSE)
  if (cfg$search == "exhaustive") ex <- m$value else if (is.null(cfg$best) &&
                                                        cfg$ties == "efron") {
    bb <- m$value
  }
}
stopifnot(identical(tidy(bb), tidy(ex)))

# a harder design for the bound: 20 candidates sharing one latent factor
# with alternating signs (suppressor pairs), so that adding a term can raise
# the statistic of a weak one a lot
set.seed(3)
z <- matrix(stats::rnorm(n * p), n, p)
xh <- z + stats::rnorm(n) %o% rep(1, p) * 0.7
xh[, seq(2, p, 2)] <- -xh[, seq(2, p, 2)] + 0.3 * xh[, seq(1, p - 1, 2)]
colnames(xh) <- paste0("x", seq_len(p))
th <- stats::rexp(n, exp(drop(xh %*% (rep(c(0.1, -0.1), length.out = p) * 0.3))))
ch <- stats::rexp(n, 0.5)
dh <- data.frame(time = round(pmin(th, ch), 3), status = as.integer(th <= ch),
                 xh)
for (srch in c("branch-and-bound", "exhaustive")) {
  m <- measure(function() {
    cox_best_subsets(f, data = dh, search = srch)
  }, reps = if (srch == "exhaustive") 1L else 3L)
  rows[[length(rows) + 1L]] <- data.frame(
    best = "SAS default (20), hard design", ties = "efron", search = srch,
    seconds = m$seconds, statistics_computed = m$value$evaluated,
    rows_reported = nrow(tidy(m$value)),
    peak_rss_mb = m$peak_rss_mb, rss_before_mb = m$rss_before_mb,
    hwm_reset = m$hwm_reset,
    r_heap_peak_mb = m$r_heap_peak_mb, stringsAsFactors = FALSE)
  if (srch == "exhaustive") ex_h <- m$value else bb_h <- m$value
}
stopifnot(identical(tidy(bb_h), tidy(ex_h)))
res <- do.call(rbind, rows)

# coxph on every subset: estimated from 200 random subsets
set.seed(2)
cand <- paste0("x", seq_len(p))
subs <- lapply(1:200, function(i) {
  s <- cand[stats::runif(p) < 0.5]
  if (!length(s)) cand[sample.int(p, 1L)] else s
})
t_sample <- system.time(for (s in subs) {
  fit <- coxph(stats::reformulate(s, response = quote(Surv(time, status))),
               data = d, control = coxph.control(iter.max = 0))
})[["elapsed"]]
t_all <- t_sample / length(subs) * (2^p - 1)
# check: the best subsets' statistics are coxph's
tab <- tidy(bb)
for (i in which(tab$rank == 1L)[c(1, 5, 10, 20)]) {
  s <- strsplit(tab$terms[i], " + ", fixed = TRUE)[[1]]
  fit <- coxph(stats::reformulate(s, response = quote(Surv(time, status))),
               data = d, control = coxph.control(iter.max = 0))
  stopifnot(abs(fit$score / tab$chisq[i] - 1) < 1e-8)
}

cat(sprintf("\nBest subsets, %d candidate terms, n = %d (%d events)\n", p, n,
            sum(d$status)))
print(res, digits = 3, row.names = FALSE)
cat(sprintf(paste0("\ncoxph(iter.max = 0) on all 2^%d - 1 = %d subsets: ",
                   "ESTIMATED %.0f s (%.1f min), extrapolated from %d random ",
                   "subsets in %.2f s\n"),
            p, 2^p - 1, t_all, t_all / 60, length(subs), t_sample))
cat(sprintf("ratio (estimated all-subsets coxph time / cox_best_subsets):\n"))
for (i in seq_len(nrow(res))) {
  cat(sprintf("  %-30s %-7s %-16s %8.3f s  ratio %.0f\n", res$best[i],
              res$ties[i], res$search[i], res$seconds[i],
              t_all / res$seconds[i]))
}
