# Benchmark: the permutation distributions of logrank_test()
# (distribution = "exact" / "approximate") vs coin::logrank_test()
# (distribution = exact() / approximate()), in the same R session on the
# same data.
#
#   R CMD INSTALL . && Rscript inst/bench/logrank-permutation.R
#
# Options: --sizes=20,30,40,50,60,80,100 (total n, two equal groups),
#          --reps=3, --coin-max=40 (largest n given to coin's exact test:
#          its split-up algorithm for real-valued scores grows very fast
#          with n -- at n = 60 it did not finish in 60 s and at larger n it
#          took more than 15 GB of memory on the development machine -- and
#          R cannot interrupt it), --coin-timeout=120 (seconds allowed to
#          each coin call, which runs in a child R process under the
#          coreutils `timeout` command: NA when it does not finish).
#
# Data: exponential event times, about 20% censored (uniform censoring),
# continuous times (no ties), two groups of n/2.
# Reported per n: median elapsed seconds of survstep's exact p-value and of
# coin's, the ratio coin / survstep (higher = survstep faster), both
# p-values and their difference; growth log(t2/t1)/log(n2/n1) of survstep's
# time. Then the Monte Carlo permutation p-value with B = 10000 at n = 40
# (two groups) and n = 2000 (three groups), survstep vs coin. Finally the
# peak resident memory of one exact call at n = 40 in a fresh process
# (Linux).

suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})
has_coin <- requireNamespace("coin", quietly = TRUE)

args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default) {
  hit <- grep(paste0("^--", name, "="), args, value = TRUE)
  if (length(hit)) sub(paste0("^--", name, "="), "", hit[1]) else default
}
sizes <- as.numeric(strsplit(opt("sizes", "20,30,40,50,60,80,100"), ",")[[1]])
reps <- as.integer(opt("reps", "3"))
coin_max <- as.numeric(opt("coin-max", "40"))
coin_timeout <- opt("coin-timeout", "120")

sim <- function(n, k = 2, seed = 1) {
  set.seed(seed)
  g <- factor(rep(seq_len(k), length.out = n))
  t <- rexp(n, rate = c(1, 1.5, 2)[as.integer(g)])
  cens <- runif(n, 0, 5)
  data.frame(time = pmin(t, cens), status = as.numeric(t <= cens), g = g)
}

timed <- function(expr, reps) {
  expr <- substitute(expr)
  env <- parent.frame()
  out <- NULL
  tm <- numeric(reps)
  for (r in seq_len(reps)) {
    tm[r] <- system.time(out <- eval(expr, env))[["elapsed"]]
  }
  list(time = stats::median(tm), value = out)
}

# coin in a child R process under `timeout` (coin's exact algorithm runs in
# C without checking for interrupts, so an in-process time limit cannot stop
# it): NA time when it does not finish within --coin-timeout seconds.
coin_timed <- function(d, dist) {
  if (!has_coin || nrow(d) > coin_max) return(list(time = NA_real_, p = NA_real_))
  f <- tempfile(fileext = ".rds")
  out <- tempfile(fileext = ".txt")
  on.exit(unlink(c(f, out)), add = TRUE)
  saveRDS(list(d = d, dist = dist), f)
  code <- sprintf(paste0(
    "suppressMessages(library(survival)); a <- readRDS('%s'); ",
    "dist <- if (a$dist == 'exact') coin::exact() else ",
    "coin::approximate(nresample = 10000); ",
    "tm <- system.time(ct <- coin::logrank_test(Surv(time, status) ~ g, ",
    "data = a$d, distribution = dist)); ",
    "writeLines(format(c(tm[['elapsed']], as.numeric(coin::pvalue(ct))), ",
    "digits = 15), '%s')"), f, out)
  status <- system2("timeout", c(coin_timeout, file.path(R.home("bin"), "Rscript"),
                                 "--vanilla", "-e", shQuote(code)),
                    stdout = FALSE, stderr = FALSE)
  if (!identical(as.integer(status), 0L) || !file.exists(out)) {
    return(list(time = NA_real_, p = NA_real_))
  }
  v <- as.numeric(readLines(out))
  list(time = v[1], p = v[2])
}

cat("Exact two-group permutation p-value (equal groups)\n")
rows <- list()
prev <- NULL
for (n in sizes) {
  d <- sim(n)
  s <- timed(logrank_test(Surv(time, status) ~ g, data = d,
                          distribution = "exact"), reps)
  cn <- coin_timed(d, "exact")
  growth <- if (!is.null(prev)) log(s$time / prev$time) / log(n / prev$n) else NA
  rows[[length(rows) + 1L]] <- data.frame(
    n = n, survstep_s = s$time, coin_s = cn$time,
    ratio = cn$time / s$time, p_survstep = s$value$p.value, p_coin = cn$p,
    diff = s$value$p.value - cn$p, growth = growth,
    grid = if (is.null(s$value$permutation$grid)) NA else
      s$value$permutation$grid)
  prev <- list(n = n, time = s$time)
  print(rows[[length(rows)]], digits = 4, row.names = FALSE)
}
cat("(coin_s = NA: coin not run above n =", coin_max, "or not finished in",
    coin_timeout, "s; grid = 0: exact",
    "enumeration of the distinct sums, no grid)\n\n")

cat("Monte Carlo permutation p-value, B = 10000\n")
for (cfg in list(list(n = 40, k = 2), list(n = 2000, k = 3))) {
  d <- sim(cfg$n, cfg$k)
  s <- timed(logrank_test(Surv(time, status) ~ g, data = d,
                          distribution = "approximate", B = 10000, seed = 1),
             reps)
  cn <- if (has_coin) {
    tm <- system.time(ct <- coin::logrank_test(
      Surv(time, status) ~ g, data = d,
      distribution = coin::approximate(nresample = 10000)))[["elapsed"]]
    list(time = tm, p = as.numeric(coin::pvalue(ct)))
  } else list(time = NA_real_, p = NA_real_)
  cat(sprintf(paste0("  n = %d, %d groups: survstep %.3f s (p = %.4f, SE ",
                     "%.4f), coin %.3f s (p = %.4f); ratio %.1f\n"),
              cfg$n, cfg$k, s$time, s$value$p.value,
              s$value$permutation$std.error, cn$time, cn$p,
              cn$time / s$time))
}

if (file.exists("/proc/self/status")) {
  code <- paste0(
    "suppressPackageStartupMessages({library(survival); library(survstep)});",
    "set.seed(1); n <- 40; g <- rep(1:2, 20); t <- rexp(n); c <- runif(n, 0, 5);",
    "d <- data.frame(time = pmin(t, c), status = as.numeric(t <= c), g = g);",
    "invisible(logrank_test(Surv(time, status) ~ g, data = d,",
    " distribution = 'exact'));",
    "x <- readLines('/proc/self/status'); cat(x[grepl('VmHWM', x)])")
  base <- paste0(
    "suppressPackageStartupMessages({library(survival); library(survstep)});",
    "x <- readLines('/proc/self/status'); cat(x[grepl('VmHWM', x)])")
  rss <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(code)),
                 stdout = TRUE)
  rss0 <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(base)),
                  stdout = TRUE)
  cat("\nPeak resident memory, fresh process: after loading", rss0,
      "; after one exact call at n = 40", rss, "\n")
}
