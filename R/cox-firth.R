# Firth's penalized Cox model and profile-likelihood inference ---------------
#
# The fit itself is the engine's (cox_engine(firth = TRUE): Newton-Raphson on
# log L + 1/2 log|I|, cox_firth.hpp). Here: the profile (penalized)
# likelihood intervals and likelihood-ratio tests (cox_profile_cpp()), the
# events-per-variable guardrail, and the method helpers.

# One call into the profile engine on the data of a fit. `dat`: x (matrix or
# list of columns), y, strata (0-based or NULL), weights, offset (raw).
cox_profile_run <- function(dat, beta, loglik, var, ties, control, firth,
                            crit, cols, tests) {
  p <- if (is.list(dat$x)) length(dat$x) else ncol(dat$x)
  # aliased coefficients (NA) stay at 0
  beta[is.na(beta)] <- 0
  var[is.na(var)] <- 0
  strata <- dat$strata
  if (!is.null(strata)) strata <- as.integer(strata)
  cox_profile_cpp(
    if (p > 0L) dat$x else NULL, dat$y, strata, dat$weights,
    cox_centre_offset(dat$offset),
    if (isTRUE(control$timefix)) sqrt(.Machine$double.eps) else 0,
    ties, firth, as.double(beta), as.double(loglik),
    unname(var), as.double(crit), as.integer(cols),
    lapply(tests, as.integer), control$eps, control$toler_chol,
    as.integer(control$iter_max), control$toler_inf
  )
}

# The profile inference a Firth fit carries (as coxphf with pl = TRUE):
# profile penalized likelihood intervals at `level` for every coefficient,
# the penalized likelihood-ratio test of each coefficient (b_j = 0, the
# others re-maximized), of each multi-column term and of all coefficients
# (the global test against b = 0).
cox_firth_inference <- function(fit, dat, assign, ties, control,
                                level = 0.95) {
  b <- fit$coefficients
  p <- length(b)
  fit$firth <- TRUE
  if (p == 0L) return(fit)
  est <- which(!is.na(b))
  multi <- if (is.null(assign)) list() else assign[lengths(assign) > 1L]
  tests <- c(as.list(est - 1L), lapply(multi, function(cols) cols - 1L),
             list(seq_len(p) - 1L))
  lhat <- cox_loglik_fit(fit)
  r <- cox_profile_run(dat, b, lhat, fit$var, ties, control, TRUE,
                       stats::qchisq(level, 1), est - 1L, tests)
  lower <- upper <- chisq <- stats::setNames(rep(NA_real_, p), names(b))
  lower[est] <- r$lower
  upper[est] <- r$upper
  ne <- length(est)
  chisq[est] <- pmax(2 * (lhat - r$test_loglik[seq_len(ne)]), 0)
  fit$profile <- list(
    level = level, lower = lower, upper = upper, chisq = chisq,
    p.value = stats::pchisq(chisq, 1, lower.tail = FALSE)
  )
  if (length(multi)) {
    tl <- r$test_loglik[ne + seq_along(multi)]
    stat <- pmax(2 * (lhat - tl), 0)
    df <- vapply(multi, function(cols) sum(!is.na(b[cols])), numeric(1))
    fit$profile$term_tests <- data.frame(
      term = names(multi), statistic = stat, df = df,
      p.value = stats::pchisq(stat, df, lower.tail = FALSE),
      row.names = NULL, stringsAsFactors = FALSE)
  }
  # the global penalized LR test against b = 0 (loglik[1] is at `init`)
  l0 <- r$test_loglik[length(tests)]
  fit$loglik_null_penalized <- l0
  fit
}

# Profile-likelihood intervals of a fit (penalized for a Firth fit) for the
# coefficients `parm` at `level`, on the log hazard-ratio scale.
cox_profile_confint <- function(object, parm, level, call) {
  b <- object$coefficients
  firth <- isTRUE(object$firth)
  if (firth && !is.null(object$profile) &&
      isTRUE(all.equal(object$profile$level, level))) {
    return(cbind(object$profile$lower[parm], object$profile$upper[parm]))
  }
  if (isTRUE(object$robust)) {
    sv_abort(paste0("Profile-likelihood intervals assume independent rows; ",
                    "a fit with a robust variance has Wald intervals only ",
                    "(`method = \"wald\"`)."), call = call)
  }
  cols <- match(parm, names(b))
  ok <- !is.na(b[cols])
  out <- matrix(NA_real_, length(parm), 2L)
  if (any(ok)) {
    r <- cox_profile_object(object, stats::qchisq(level, 1), cols[ok] - 1L,
                            list(), call)
    out[ok, 1L] <- r$lower
    out[ok, 2L] <- r$upper
  }
  out
}

# cox_profile_run() on the data of a fitted `survstep_cox` (rebuilt).
cox_profile_object <- function(object, crit, cols, tests, call) {
  dat <- cox_fit_data(object, call = call)
  control <- if (is.null(object$control)) cox_control_default else
    object$control
  cox_profile_run(dat, object$coefficients, cox_loglik_fit(object),
                  object$var, object$method, control, isTRUE(object$firth),
                  crit, cols, tests)
}

# The options `firth = TRUE` can't honour: a robust variance, exact ties.
cox_check_firth <- function(robust, ties, call) {
  if (!ties %in% c("efron", "breslow")) {
    sv_abort(paste0("`firth = TRUE` is available with `ties = \"efron\"` or ",
                    "`\"breslow\"` (coxphf's), not with exact ties."),
             class = c("survstep_error_firth", "survstep_error_input"),
             call = call)
  }
  if (robust) cox_abort_firth_robust(call)
  invisible()
}

cox_abort_firth_robust <- function(call) {
  sv_abort(paste0("`firth = TRUE` can't be combined with a robust variance ",
                  "(`robust = TRUE` or a `cluster()` term): its inference is ",
                  "by the profile penalized likelihood, which assumes ",
                  "independent rows."),
           class = c("survstep_error_firth", "survstep_error_input"),
           call = call)
}

# Events per variable ---------------------------------------------------------

# Store the events per candidate degree of freedom in `fit` (a list) and warn
# (once, classed survstep_warning_low_epv) when below 10.
cox_epv <- function(fit, df, what, firth, call) {
  nev <- fit$nevent
  epv <- if (df > 0) nev / df else NA_real_
  fit$epv <- c(events = nev, df = df, epv = epv)
  if (df > 0 && epv < 10) cox_warn_epv(nev, df, what, firth, call)
  fit
}

# (the messages' fixed parts, built once for each place and firth = FALSE /
# TRUE: the warning fires on most small fits, so it costs one sprintf())
cox_epv_fmt <- local({
  head <- paste0("Only %.1f events per candidate degree of freedom ",
                 "(%d events, %d df ")
  tail <- paste0("); below 10 the estimates are biased away from zero, ",
                 "confidence intervals are too narrow and selected models ",
                 "are unstable and over-optimistic (Peduzzi et al. 1995).\n")
  advice <- c(
    paste0("Consider `firth = TRUE` (Firth's penalized likelihood) for the ",
           "estimates and a bootstrap stability analysis of the selection ",
           "(`cox_stepwise_boot()`); fewer candidate terms raise the events ",
           "per variable."),
    paste0("Consider a bootstrap stability analysis of the selection ",
           "(`cox_stepwise_boot()`); fewer candidate terms raise the events ",
           "per variable.")
  )
  where <- c(cox = "in the model",
             stepwise = "among the candidates of the selection",
             univariable = "over all the terms screened")
  lapply(where, function(w) paste0(head, w, tail, advice))
})

cox_epv_class <- c("survstep_warning_low_epv", "survstep_warning", "warning",
                   "condition")

cox_warn_epv <- function(nevent, df, what, firth, call) {
  if (!(df > 0) || nevent / df >= 10) return(invisible())
  # (the condition built here rather than by sv_warn(): this runs on most
  # small fits, and R's own warning() is most of its cost)
  cond <- list(message = sprintf(cox_epv_fmt[[what]][[1L + firth]],
                                 nevent / df, as.integer(nevent),
                                 as.integer(df)),
               call = call)
  class(cond) <- cox_epv_class
  warning(cond)
}

# Printing helpers -------------------------------------------------------------

# The coefficient table of a Firth fit: coef, exp(coef), se(coef), profile
# interval limits (hazard-ratio scale), penalized LR chi-square and p.
cox_firth_coef_matrix <- function(x, p_name = "p") {
  coef <- x$coefficients
  pr <- x$profile
  lev <- round(100 * pr$level, 2)
  tab <- cbind(coef, exp(coef), cox_se(x), exp(pr$lower), exp(pr$upper),
               pr$chisq, pr$p.value)
  dimnames(tab) <- list(names(coef),
                        c("coef", "exp(coef)", "se(coef)",
                          paste0("lower .", lev), paste0("upper .", lev),
                          "Chisq", p_name))
  tab
}

cox_firth_note <- function(x) {
  if (!isTRUE(x$firth)) return(invisible())
  cat("Firth's penalized likelihood (Heinze & Schemper 2001): profile ",
      "penalized\nlikelihood intervals and penalized likelihood-ratio ",
      "tests.\n", sep = "")
  invisible()
}

cox_epv_line <- function(x) {
  e <- x$epv
  if (is.null(e) || is.na(e[["epv"]])) return(invisible())
  cat("Events per variable: ", format(round(e[["epv"]], 1), nsmall = 1),
      " (", e[["events"]], " events, ", e[["df"]], " df)\n", sep = "")
  invisible()
}
