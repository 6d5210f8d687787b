# Benchmark: km(), logrank_test() and cox() on a table in a database versus
# collecting the table into R and running survival.
#
#   Rscript inst/bench/db.R [--backend=sqlite|duckdb] [n ...]   (default:
#   SQLite, n = 1e6 1e7)
#
# SQLite (RSQLite): the table is written into a database file. DuckDB
# (duckdb, when installed): the table is written to a Parquet file and
# queried in place through a view over read_parquet(), as a registry
# extract would be.
#
# A synthetic registry: integer follow-up days (<= 3650), 4 groups, a
# stratum with 5 values, 9 numeric covariates and a 2-level character one
# (p = 10 Cox columns). For each n: seconds and peak R memory (MB, from
# gc()'s "max used"; the database engine's own memory is outside R) of each
# step, the number of queries and the rows that crossed from the database
# to R, and the largest difference between the in-database and the
# collected (survival) results.
suppressPackageStartupMessages({
  library(survstep)
  library(DBI)
})
args <- commandArgs(TRUE)
backend <- sub("^--backend=", "", grep("^--backend=", args, value = TRUE))
if (!length(backend)) backend <- "sqlite"
backend <- match.arg(backend, c("sqlite", "duckdb"))
args <- grep("^--", args, value = TRUE, invert = TRUE)
stopifnot(requireNamespace("dbplyr"),
          requireNamespace(if (backend == "sqlite") "RSQLite" else "duckdb"))
sizes <- if (length(args)) as.numeric(args) else c(1e6, 1e7)

registry <- function(n, seed = 1) {
  set.seed(seed)
  x <- matrix(round(rnorm(n * 9), 3), n, 9,
              dimnames = list(NULL, paste0("x", 1:9)))
  grp <- sample(c("a", "b", "c", "d"), n, replace = TRUE)
  lp <- 0.1 * x[, 1] - 0.05 * x[, 2] + 0.2 * (grp == "b")
  t_ev <- rexp(n, exp(lp) / 2000)
  t_cens <- runif(n, 30, 3650)
  data.frame(time = pmax(1, ceiling(pmin(t_ev, t_cens))),
             status = as.integer(t_ev <= t_cens), grp = grp,
             site = sample(1:5, n, replace = TRUE),
             sex = sample(c("f", "m"), n, replace = TRUE), x,
             stringsAsFactors = FALSE)
}

measure <- function(expr) {
  invisible(gc(reset = TRUE))
  base <- sum(gc()[, 2L])
  t <- system.time(value <- force(expr))[["elapsed"]]
  peak <- sum(gc()[, 6L]) - base
  list(value = value, seconds = t, peak_mb = peak)
}

form <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + sex
rows <- list()
for (n in sizes) {
  d <- registry(n)
  if (backend == "sqlite") {
    file <- tempfile(fileext = ".sqlite")
    con <- dbConnect(RSQLite::SQLite(), file)
    tw <- system.time(dbWriteTable(con, "reg", d))[["elapsed"]]
  } else {
    file <- tempfile(fileext = ".parquet")
    con <- dbConnect(getExportedValue("duckdb", "duckdb")())
    tw <- system.time({
      dbWriteTable(con, "reg_load", d)
      dbExecute(con, sprintf("COPY reg_load TO '%s' (FORMAT PARQUET)", file))
      dbExecute(con, "DROP TABLE reg_load")
      dbExecute(con, sprintf(
        "CREATE VIEW reg AS SELECT * FROM read_parquet('%s')", file))
    })[["elapsed"]]
  }
  rm(d)
  invisible(gc())
  tb <- dplyr::tbl(con, "reg")
  k <- measure(km(Surv(time, status) ~ grp, data = tb))
  l <- measure(logrank_test(Surv(time, status) ~ grp, data = tb))
  cx <- measure(cox(form, data = tb, ties = "breslow"))
  ce <- measure(cox(form, data = tb))
  # the peer: collect the table, then survival
  col <- measure(as.data.frame(dplyr::collect(tb)))
  dl <- col$value
  col$value <- NULL
  sk <- measure(survival::survfit(Surv(time, status) ~ grp, data = dl))
  sl <- measure(survival::survdiff(Surv(time, status) ~ grp, data = dl))
  sc <- measure(survival::coxph(form, data = dl, ties = "breslow"))
  se <- measure(survival::coxph(form, data = dl))
  rm(dl)
  dbDisconnect(con)
  unlink(file)
  acc <- c(
    km_surv = max(abs(k$value$surv - sk$value$surv)),
    logrank_chisq = abs(l$value$statistic - sl$value$chisq),
    cox_breslow_coef = max(abs(coef(cx$value) - coef(sc$value))),
    cox_efron_coef = max(abs(coef(ce$value) - coef(se$value))),
    cox_efron_loglik_rel = abs(ce$value$loglik[2] / se$value$loglik[2] - 1)
  )
  rows[[length(rows) + 1L]] <- data.frame(
    n = n, write_s = tw,
    km_s = k$seconds, logrank_s = l$seconds, cox_breslow_s = cx$seconds,
    cox_efron_s = ce$seconds, km_mb = k$peak_mb, cox_mb = ce$peak_mb,
    cox_queries = ce$value$db$n_queries,
    cox_newton_queries = ce$value$db$newton_queries,
    cox_rows_transferred = ce$value$db$rows_transferred,
    collect_s = col$seconds, collect_mb = col$peak_mb,
    survfit_s = sk$seconds, survdiff_s = sl$seconds,
    coxph_breslow_s = sc$seconds, coxph_efron_s = se$seconds,
    coxph_mb = se$peak_mb
  )
  cat(sprintf("%s, n = %g\n", backend, n))
  print(rows[[length(rows)]], row.names = FALSE)
  print(signif(acc, 3))
}
res <- do.call(rbind, rows)
cat("\nIn the database vs collect + survival (same run):\n")
print(data.frame(
  n = res$n,
  km_ratio = (res$collect_s + res$survfit_s) / res$km_s,
  cox_ratio = (res$collect_s + res$coxph_efron_s) / res$cox_efron_s,
  cox_queries = res$cox_queries,
  peak_mb_db = pmax(res$km_mb, res$cox_mb),
  peak_mb_collect = res$collect_mb + res$coxph_mb
), row.names = FALSE)
