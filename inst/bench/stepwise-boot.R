# Benchmark: the bootstrap of the paper's stepwise selection.
#
#   R CMD INSTALL . && Rscript inst/bench/stepwise-boot.R
# from the root of a source checkout (the installed package is timed).
#
# The data and selection of the paper (du2015_analysis(): g3nelm(), 36
# patients, five candidates, forward selection, Wald removal, Breslow ties).
# Same-session elapsed seconds of
#   * cox_stepwise_boot(B = 1000): the whole bootstrap in C++;
#   * an R loop of cox_stepwise() over the same 1000 resamples
#     (cox_boot_indices(); candidates constant in a resample dropped from the
#     formula, as the bootstrap does; the selections are checked to agree);
#   * the same loop with MASS::stepAIC() forward selection on coxph() (AIC:
#     a different rule, the usual R idiom);
#   * cox_validate(B = 200) against an R loop of cox_stepwise() +
#     survival::concordance() + coxph() (the calibration slope).
# Peak memory: VmHWM (Linux) of a fresh R process running the bootstrap,
# above that of the process after loading the data.

library(survstep)
library(survival)
if (!requireNamespace("MASS", quietly = TRUE)) stop("needs MASS")

d <- survstep:::du2015_prepare(g3nelm())
cands <- survstep:::du2015_stepwise_candidates
form <- function(v) stats::as.formula(paste("Surv(time, status) ~",
                                            paste(v, collapse = " + ")))
fit <- cox_stepwise(form(cands), data = d, ties = "breslow")
B <- 1000L
seed <- 2015
idx <- cox_boot_indices(seed, nrow(d), B)
varying <- function(db) cands[vapply(cands, function(v) length(unique(db[[v]])) > 1L, NA)]

elapsed <- function(expr) {
  gc()
  unname(system.time(expr)[["elapsed"]])
}
med_time <- function(reps, expr) {
  e <- substitute(expr)
  stats::median(vapply(seq_len(reps), function(i) elapsed(eval(e, parent.frame(3))), 0))
}

t_boot <- med_time(5, bt <- suppressWarnings(cox_stepwise_boot(fit, B = B, seed = seed)))

loop_sel <- vector("list", B)
t_loop <- elapsed(for (b in seq_len(B)) {
  db <- d[idx[, b], ]
  loop_sel[[b]] <- suppressWarnings(suppressMessages(
    cox_stepwise(form(varying(db)), data = db, ties = "breslow")))$selected
})
agree <- vapply(seq_len(B), function(b) {
  setequal(loop_sel[[b]], cands[bt$replicates$model[b, ]])
}, NA)
stopifnot(all(agree))

t_aic <- elapsed(for (b in seq_len(B)) {
  db <- d[idx[, b], ]
  null <- coxph(Surv(time, status) ~ 1, data = db, ties = "breslow")
  suppressWarnings(MASS::stepAIC(null, scope = list(lower = ~ 1,
                                                    upper = form(varying(db))),
                                 direction = "forward", trace = 0))
})

Bv <- 200L
t_val <- med_time(5, v <- suppressWarnings(cox_validate(fit, B = Bv, seed = seed)))
idv <- cox_boot_indices(seed, nrow(d), Bv)
lp_of <- function(f, dd) {
  cf <- stats::coef(f)
  if (!length(cf)) return(rep(0, nrow(dd)))
  drop(as.matrix(dd[, names(cf), drop = FALSE]) %*% cf)
}
c_of <- function(lp, dd) {
  if (length(unique(lp)) == 1L) return(0.5)
  concordance(Surv(dd$time, dd$status) ~ lp, reverse = TRUE)$concordance
}
t_val_loop <- elapsed(vref <- vapply(seq_len(Bv), function(b) {
  db <- d[idv[, b], ]
  f <- suppressWarnings(suppressMessages(
    cox_stepwise(form(varying(db)), data = db, ties = "breslow")))
  lte <- lp_of(f, d)
  sl <- if (length(unique(lte)) == 1L) 1 else
    unname(coef(coxph(Surv(d$time, d$status) ~ lte, ties = "breslow")))
  c(c_of(lp_of(f, db), db), c_of(lte, d), sl)
}, numeric(3)))
stopifnot(isTRUE(all.equal(attr(v, "replicates")$c_test, vref[2, ],
                           tolerance = 1e-10)))

peak_mb <- NA_real_
if (file.exists("/proc/self/status")) {
  child <- tempfile(fileext = ".R")
  writeLines(c(
    "suppressPackageStartupMessages(library(survstep))",
    "mem <- function() { s <- readLines('/proc/self/status');",
    "  as.numeric(gsub('[^0-9]', '', s[startsWith(s, 'VmHWM')])) / 1024 }",
    "d <- survstep:::du2015_prepare(g3nelm())",
    paste0("fit <- cox_stepwise(Surv(time, status) ~ ",
           paste(cands, collapse = " + "), ", data = d, ties = 'breslow')"),
    "gc(); base <- mem()",
    "bt <- suppressWarnings(cox_stepwise_boot(fit, B = 1000, seed = 2015))",
    "cat('\\n', mem() - base, '\\n', sep = '')"), child)
  out <- system2(file.path(R.home("bin"), "Rscript"), c("--vanilla", child),
                 stdout = TRUE, stderr = FALSE)
  peak_mb <- suppressWarnings(as.numeric(utils::tail(out, 1L)))
}

res <- data.frame(
  task = c("stability, B = 1000", "stability, B = 1000",
           "validation, B = 200"),
  peer = c("R loop of cox_stepwise()", "R loop of MASS::stepAIC(coxph)",
           "R loop of cox_stepwise() + concordance() + coxph()"),
  survstep_s = c(t_boot, t_boot, t_val),
  peer_s = c(t_loop, t_aic, t_val_loop)
)
res$ratio <- res$peer_s / res$survstep_s
print(res, digits = 4, row.names = FALSE)
cat(sprintf("peak memory of cox_stepwise_boot(B = 1000): %.1f MB above baseline\n",
            peak_mb))
cat(sprintf("replicates: %d ok, %d not converged, %d infinite coefficient\n",
            bt$n_ok, bt$n_not_converged, bt$n_infinite))
