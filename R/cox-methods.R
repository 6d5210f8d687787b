# Methods for survstep_cox fits ------------------------------------------------

#' @importFrom stats coef vcov confint logLik nobs extractAIC model.frame
#' @importFrom stats model.matrix predict anova
NULL

cox_df <- function(object) sum(!is.na(object$coefficients))

# The log partial likelihood at the fitted coefficients (`loglik` has one
# value for the null model, two otherwise: at init and at the fit).
cox_loglik_fit <- function(object) object$loglik[length(object$loglik)]

cox_se <- function(object) {
  se <- sqrt(diag(object$var))
  se[is.na(object$coefficients)] <- NA_real_
  names(se) <- names(object$coefficients)
  se
}

# Global tests: likelihood ratio, Wald and score, each with df and p-value.
# The Wald test's df is the rank its generalised inverse used (`wald.df`,
# from the scale-free pivot rule of the core), which can be below the number
# of estimated coefficients.
cox_global_tests <- function(object) {
  df <- cox_df(object)
  df_wald <- if (is.null(object$wald.df)) df else object$wald.df
  # a Firth fit: the penalized LR test against b = 0
  l0 <- if (!is.null(object$loglik_null_penalized))
    object$loglik_null_penalized else object$loglik[1]
  lr <- 2 * (cox_loglik_fit(object) - l0)
  p <- function(x, df) {
    if (df > 0) stats::pchisq(x, df, lower.tail = FALSE) else NA_real_
  }
  # numeric(0) when every coefficient is aliased (as coxph)
  wald <- if (length(object$wald.test)) object$wald.test else NA_real_
  out <- list(
    logtest = c(test = lr, df = df, pvalue = p(lr, df)),
    waldtest = c(test = wald, df = df_wald, pvalue = p(wald, df_wald)),
    sctest = c(test = object$score, df = df, pvalue = p(object$score, df))
  )
  if (!is.null(object$rscore)) {
    out$robscore <- c(test = object$rscore, df = df,
                      pvalue = p(object$rscore, df))
  }
  out
}

# The line saying which variance a robust fit reports.
cox_robust_note <- function(x) {
  if (!isTRUE(x$robust)) return(invisible())
  cat("Robust (sandwich) variance, ", x$n.cluster, " clusters",
      if (!is.null(x$cluster_var)) paste0(" of `", x$cluster_var, "`"),
      "\n", sep = "")
  invisible()
}

#' @export
print.survstep_cox <- function(x, digits = max(1L, getOption("digits") - 3L),
                               ...) {
  if (!is.null(x$call)) {
    cat("Call:\n")
    dput(x$call)
    cat("\n")
  }
  coef <- x$coefficients
  if (length(coef) == 0L) {
    cat("Null model\n")
    cat("  log likelihood=", format(x$loglik[1]), "\n")
  } else {
    firth <- isTRUE(x$firth) && !is.null(x$profile)
    tab <- if (firth) cox_firth_coef_matrix(x, "p") else
      cox_coef_matrix(x, "p")
    if (firth) {
      stats::printCoefmat(tab, digits = digits, P.values = TRUE,
                          has.Pvalue = TRUE, signif.stars = FALSE,
                          cs.ind = 1:5, tst.ind = 6L, ...)
    } else {
      stats::printCoefmat(tab, digits = digits, P.values = TRUE,
                          has.Pvalue = TRUE, signif.stars = FALSE, ...)
    }
    tests <- cox_global_tests(x)
    cat("\n")
    cox_firth_note(x)
    cat(if (firth) "Penalized likelihood ratio test=" else
      "Likelihood ratio test=", format(round(tests$logtest[["test"]], 2)),
        "  on ", tests$logtest[["df"]], " df,", " p=",
        format.pval(tests$logtest[["pvalue"]], digits = digits), "\n",
        sep = "")
  }
  cat("n= ", x$n, ", number of events= ", x$nevent, "\n", sep = "")
  if (length(x$na.action)) {
    cat("   (", stats::naprint(x$na.action), ")\n", sep = "")
  }
  cox_epv_line(x)
  cox_robust_note(x)
  invisible(x)
}

#' Summarise a Cox model
#'
#' @param object A `survstep_cox` fit from [cox()].
#' @param conf.int Confidence level of the hazard-ratio intervals.
#' @param wald For a Firth fit ([cox()] with `firth = TRUE`): whether to add
#'   Wald z tests and use Wald intervals (by default the profile penalized
#'   likelihood intervals and penalized likelihood-ratio tests only, as
#'   `coxphf`). Ignored for ordinary fits, which always show Wald tests.
#' @param ... Unused.
#' @return An object of class `summary_survstep_cox` with the coefficient
#'   table (`coefficients`: coef, exp(coef), se(coef), z, Pr(>|z|)), the
#'   hazard ratios with confidence intervals (`conf.int`), the
#'   likelihood-ratio, Wald and score tests (`logtest`, `waldtest`,
#'   `sctest`: test, df, pvalue; for a robust fit also the robust score test
#'   `robscore`, and the Wald test and standard errors use the robust
#'   variance, with the model-based ones in a `se(coef)` column next to
#'   `robust se`), Harrell's `concordance` with its standard
#'   error, multi-df Wald tests of terms with several columns (`term_tests`),
#'   and `n`, `nevent`, `na.action`, `method`.
#' @details Coefficients with Wald tests, hazard ratios with Wald intervals
#'   exp(b +/- z SE), the concordance (Harrell's C, with its standard error
#'   as `survival::concordance()`), and the global likelihood-ratio, Wald and
#'   score tests, as `summary.coxph()`. The global Wald test is computed on
#'   scaled columns and reports the degrees of freedom actually used.
#' @references Harrell FE, Lee KL, Mark DB (1996). Multivariable prognostic
#'   models. *Statistics in Medicine* 15, 361-387.
#'
#'   Therneau TM, Grambsch PM (2000). *Modeling Survival Data: Extending the
#'   Cox Model*. Springer, chapter 3.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' summary(fit)
#' @export
summary.survstep_cox <- function(object, conf.int = 0.95, wald = FALSE,
                                 ...) {
  check_conf_level(conf.int, "conf.int")
  check_flag(wald, "wald")
  coef <- object$coefficients
  se <- cox_se(object)
  firth <- isTRUE(object$firth) && !is.null(object$profile)
  zq <- stats::qnorm((1 + conf.int) / 2)
  if (firth) {
    tab <- cox_firth_coef_matrix(object, "Pr(>Chisq)")[, c(1:3, 6:7),
                                                       drop = FALSE]
    if (wald) {
      w <- cox_coef_matrix(object, "Wald p")[, 4:5, drop = FALSE]
      tab <- cbind(tab, w)
    }
    lim <- if (wald) cbind(coef - zq * se, coef + zq * se) else
      cox_profile_confint(object, names(coef), conf.int, sys.call())
  } else {
    tab <- cox_coef_matrix(object, "Pr(>|z|)")
    lim <- cbind(coef - zq * se, coef + zq * se)
  }
  ci <- cbind(exp(coef), exp(-coef), exp(lim[, 1L]), exp(lim[, 2L]))
  dimnames(ci) <- list(names(coef), c("exp(coef)", "exp(-coef)",
                                      paste0("lower .", round(100 * conf.int, 2)),
                                      paste0("upper .", round(100 * conf.int, 2))))
  tests <- cox_global_tests(object)
  out <- c(
    list(call = object$call, n = object$n, nevent = object$nevent,
         na.action = object$na.action, method = object$method,
         robust = isTRUE(object$robust), n.cluster = object$n.cluster,
         cluster_var = object$cluster_var,
         coefficients = tab, conf.int = ci, conf.level = conf.int,
         concordance = c(C = object$concordance[["concordance"]],
                         "se(C)" = object$concordance[["std"]]),
         term_tests = if (firth) object$profile$term_tests else
           cox_term_tests(object),
         firth = firth, wald = wald, epv = object$epv),
    tests
  )
  class(out) <- "summary_survstep_cox"
  out
}

# Multi-df Wald tests for the terms that have more than one column.
cox_term_tests <- function(object) {
  asg <- object$assign
  multi <- asg[lengths(asg) > 1L]
  if (!length(multi)) return(NULL)
  rows <- lapply(multi, function(cols) cox_wald_cols(object, cols))
  data.frame(term = names(multi),
             statistic = vapply(rows, `[[`, numeric(1), "statistic"),
             df = vapply(rows, `[[`, numeric(1), "df"),
             p.value = vapply(rows, `[[`, numeric(1), "p.value"),
             row.names = NULL, stringsAsFactors = FALSE)
}

#' @export
print.summary_survstep_cox <- function(x, digits = max(getOption("digits") - 3L, 3L),
                                       ...) {
  if (!is.null(x$call)) {
    cat("Call:\n")
    dput(x$call)
    cat("\n")
  }
  cat("  n= ", x$n, ", number of events= ", x$nevent, "\n", sep = "")
  if (length(x$na.action)) {
    cat("   (", stats::naprint(x$na.action), ")\n", sep = "")
  }
  if (nrow(x$coefficients) == 0L) {
    cat("   Null model\n")
    return(invisible(x))
  }
  cat("\n")
  stats::printCoefmat(x$coefficients, digits = digits, signif.stars = FALSE,
                      ...)
  cat("\n")
  print(x$conf.int, digits = digits)
  if (isTRUE(x$firth)) {
    cat(if (isTRUE(x$wald)) "(Wald intervals, on request)\n" else
      "(Profile penalized likelihood intervals)\n")
  }
  if (!is.null(x$term_tests)) {
    cat(if (isTRUE(x$firth))
      "\nPenalized likelihood-ratio tests of multi-column terms:\n" else
        "\nWald tests of multi-column terms:\n")
    tt <- x$term_tests
    m <- cbind(Chisq = tt$statistic, Df = tt$df, "Pr(>Chisq)" = tt$p.value)
    rownames(m) <- tt$term
    stats::printCoefmat(m, digits = digits, P.values = TRUE,
                        has.Pvalue = TRUE, signif.stars = FALSE,
                        cs.ind = integer(0), tst.ind = 1L, zap.ind = 2L)
  }
  cat("\n")
  cat("Concordance= ", format(round(x$concordance[1], 3)), "  (se = ",
      format(round(x$concordance[2], 3)), " )\n", sep = "")
  pdig <- max(1L, getOption("digits") - 4L)
  line <- function(label, t) {
    cat(label, format(round(t[["test"]], 2)), "  on ", t[["df"]], " df,",
        "   p=", format.pval(t[["pvalue"]], digits = pdig), "\n", sep = "")
  }
  if (isTRUE(x$firth)) {
    line("Penalized likelihood ratio test= ", x$logtest)
    if (isTRUE(x$wald)) line("Wald test                      = ", x$waldtest)
    cox_firth_note(x)
  } else {
    line("Likelihood ratio test= ", x$logtest)
    line("Wald test            = ", x$waldtest)
    line("Score (logrank) test = ", x$sctest)
  }
  if (!is.null(x$robscore)) {
    line("Robust score test    = ", x$robscore)
    cox_robust_note(x)
    cat("(The likelihood ratio and score tests assume independent rows;\n",
        " the Wald and robust score tests and the standard errors do not.)\n",
        sep = "")
  }
  cat("Ties: ", x$method, "\n", sep = "")
  cox_epv_line(x)
  invisible(x)
}

#' @export
coef.survstep_cox <- function(object, ...) object$coefficients

#' @export
vcov.survstep_cox <- function(object, ...) {
  v <- object$var
  nm <- names(object$coefficients)
  dimnames(v) <- list(nm, nm)
  na <- is.na(object$coefficients)
  v[na, ] <- NA_real_
  v[, na] <- NA_real_
  v
}

#' @export
confint.survstep_cox <- function(object, parm, level = 0.95,
                                 method = NULL, ...) {
  check_conf_level(level, "level")
  if (is.null(method)) method <- if (isTRUE(object$firth)) "profile" else "wald"
  method <- sv_match_arg(method, c("wald", "profile"), "method")
  cf <- object$coefficients
  pnames <- names(cf)
  if (missing(parm)) {
    parm <- pnames
  } else if (is.numeric(parm)) {
    parm <- pnames[parm]
  }
  a <- (1 - level) / 2
  a <- c(a, 1 - a)
  pct <- paste(format(100 * a, trim = TRUE, scientific = FALSE, digits = 3),
               "%")
  if (method == "profile") {
    ci <- cox_profile_confint(object, parm, level, sys.call())
    dimnames(ci) <- list(parm, pct)
    attr(ci, "method") <- if (isTRUE(object$firth))
      "profile penalized likelihood (Firth)" else "profile likelihood"
    return(ci)
  }
  se <- cox_se(object)[parm]
  ci <- cbind(cf[parm] + stats::qnorm(a[1]) * se,
              cf[parm] + stats::qnorm(a[2]) * se)
  dimnames(ci) <- list(parm, pct)
  if (isTRUE(object$firth)) attr(ci, "method") <- "Wald (Firth fit)"
  ci
}

#' @export
logLik.survstep_cox <- function(object, ...) {
  structure(cox_loglik_fit(object), df = cox_df(object), nobs = object$nevent,
            class = "logLik")
}

#' @export
nobs.survstep_cox <- function(object, ...) object$nevent

# -2 log L, as SAS PHREG prints it and as stats::step(), drop1() and add1()
# use it (for coxph, whose deviance() is NULL, they take extractAIC(k = 0))
#' @export
deviance.survstep_cox <- function(object, ...) -2 * cox_loglik_fit(object)

#' @export
extractAIC.survstep_cox <- function(fit, scale = 0, k = 2, ...) {
  edf <- cox_df(fit)
  c(edf, -2 * cox_loglik_fit(fit) + k * edf)
}

#' @export
model.frame.survstep_cox <- function(formula, ...) {
  if (!is.null(formula[["model"]])) return(formula[["model"]])
  call <- formula$call
  fcall <- call[c(1L, match(c("formula", "data", "subset", "weights",
                              "na.action"), names(call), 0L))]
  fcall[[1L]] <- quote(stats::model.frame)
  fcall$formula <- formula$terms
  fcall$xlev <- formula$xlevels
  env <- environment(formula$terms)
  if (is.null(env)) env <- parent.frame()
  eval(fcall, env)
}

#' @export
model.matrix.survstep_cox <- function(object, data = NULL, ...) {
  if (is.null(data)) {
    if (!is.null(object[["x"]])) return(object[["x"]])
    data <- stats::model.frame(object)
  }
  st <- cox_nonx_terms(object$terms)
  sv_frame_design(object$terms, data, st, contrasts = object$contrasts)$x
}

# The terms that are not covariates of the design: strata() and cluster().
cox_nonx_terms <- function(tt) {
  cl <- if (is.null(attr(tt, "specials")$cluster)) integer(0) else
    survival::untangle.specials(tt, "cluster", 1)$terms
  sort(c(cox_strata_terms(tt), cl))
}

cox_strata_terms <- function(tt) {
  if (is.null(attr(tt, "specials")$strata)) return(integer(0))
  survival::untangle.specials(tt, "strata", 1)$terms
}

#' Predictions from a Cox model
#'
#' @param object A `survstep_cox` fit from [cox()].
#' @param newdata Optional data frame in which to predict; by default the
#'   rows used in the fit (missing-value rows are padded back with `NA` when
#'   `na.action = na.exclude` was used).
#' @param type `"lp"` for the linear predictor, `"risk"` for the relative
#'   risk `exp(lp)`, `"terms"` for the contribution of each term to the
#'   linear predictor (a matrix with one column per term, centred as
#'   `reference` says, with the attribute `constant`, as
#'   `predict.coxph(type = "terms")`), `"expected"` for the expected number
#'   of events of each row given its covariates and follow-up (its
#'   cumulative hazard over the time it was at risk, = status minus the
#'   martingale residual) and `"survival"` for `exp(-expected)`, the
#'   probability of surviving that follow-up. For `"expected"` and
#'   `"survival"`, `newdata` must contain the response (its follow-up times,
#'   `Surv(start, stop, event)` intervals for counting-process fits) and
#'   the strata variables, as `predict.coxph()` requires: the expected count
#'   is the cumulative baseline hazard of the row's stratum (Breslow or
#'   Efron, as [cox_survfit()]) over its time at risk times its relative
#'   risk.
#' @param reference `"sample"` (default) centres each covariate at its mean
#'   in the fitted data, as `coxph()`'s linear predictors (0/1 columns are
#'   not centred, as in `coxph()`); `"zero"` uses no centring.
#'   An offset in `newdata` is centred at the mean offset of the fit, so
#'   that predicting on the fitted data reproduces the fit's linear
#'   predictors. For a stratified model the centring is the overall one
#'   (`predict.coxph(reference = "sample")`), not `predict.coxph()`'s default
#'   within-stratum centring (`reference = "strata"`).
#' @param terms For `type = "terms"`: the terms (names or positions in the
#'   fit's `assign`) to return; all by default.
#' @param na.action Missing-value handling for `newdata` (default
#'   [stats::na.pass()]: `NA` predictions).
#' @param se.fit `TRUE` to return standard errors too, for `type = "lp"`,
#'   `"risk"` and `"terms"`: for the linear predictor (and each term)
#'   \eqn{\sqrt{x' V x}}{sqrt(x' V x)} with `x` centred as `reference`
#'   says and `V` the fit's variance (robust when the fit is), as
#'   `predict.coxph()`; for the risk the delta method, `risk * se(lp)`
#'   (`predict.coxph()` of survival 3.5 multiplies by `sqrt(risk)`
#'   instead; a fix is proposed in therneau/survival pull request 314). For
#'   `"expected"` and `"survival"` standard errors are not available (an
#'   error of class `survstep_error_not_implemented`): use [cox_survfit()]
#'   for curves with confidence bands.
#' @param collapse Optional vector of subject identifiers, one per
#'   prediction: the predictions (and squared standard errors) are summed
#'   within subject, as `predict.coxph(collapse = )`, typically for the
#'   expected number of events of a subject with several (start, stop]
#'   rows.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A numeric vector of predictions (a matrix for `"terms"`); with
#'   `se.fit = TRUE` a list with components `fit` and `se.fit`.
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, chapters 3 and 10.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' predict(fit, newdata = data.frame(age = c(50, 70), sex = 1:2),
#'         type = "risk")
#' head(predict(fit, type = "expected"))
#' head(predict(fit, type = "terms"))
#' @export
predict.survstep_cox <- function(object, newdata,
                                 type = c("lp", "risk", "expected",
                                          "survival", "terms"),
                                 reference = c("sample", "zero"),
                                 terms = names(object$assign),
                                 na.action = stats::na.pass, se.fit = FALSE,
                                 collapse = NULL, ...) {
  call <- sys.call()
  check_dots_empty("predict", ..., call = call)
  type <- sv_match_arg(type, c("lp", "risk", "expected", "survival", "terms"),
                       "type", call = call)
  reference <- sv_match_arg(reference, c("sample", "zero"), "reference",
                            call = call)
  check_flag(se.fit, "se.fit", call = call)
  has_new <- !missing(newdata) && !is.null(newdata)
  if (type %in% c("expected", "survival")) {
    if (se.fit) {
      sv_abort(sprintf(paste0(
        "Standard errors of `type = \"%s\"` predictions are not ",
        "available; use `cox_survfit(fit, newdata)` for survival curves ",
        "with confidence bands."), type),
        class = c("survstep_error_not_implemented", "survstep_error_input"),
        call = call)
    }
    if (has_new) {
      pred <- cox_predict_expected_new(object, newdata, type, na.action, call)
      return(cox_predict_collapse(pred, NULL, collapse, call))
    }
    dat <- cox_fit_data(object, call, matrix = FALSE)
    res <- cox_residuals_engine(object, dat, "martingale")
    pred <- stats::setNames(dat$status - res$martingale, dat$row_names)
    if (type == "survival") pred <- exp(-pred)
    if (!is.null(object$na.action)) {
      pred <- stats::napredict(object$na.action, pred)
    }
    return(cox_predict_collapse(pred, NULL, collapse, call))
  }
  coef <- object$coefficients
  coef[is.na(coef)] <- 0
  tt <- object$terms
  st <- cox_nonx_terms(tt)
  if (type == "terms") {
    asg <- object$assign
    if (is.numeric(terms)) {
      if (any(terms != floor(terms) | terms < 1 | terms > length(asg))) {
        sv_abort(sprintf("`terms` must be term names or positions 1 to %d.",
                         length(asg)), call = call)
      }
      terms <- names(asg)[terms]
    }
    bad <- setdiff(terms, names(asg))
    if (!is.character(terms) || length(bad)) {
      sv_abort(sprintf("`terms` must name terms of the model (%s), not %s.",
                       paste0("`", names(asg), "`", collapse = ", "),
                       paste0("`", bad, "`", collapse = ", ")), call = call)
    }
  }
  if (!has_new) {
    if (reference == "sample" && type != "terms" && !se.fit) {
      pred <- object$linear.predictors
    } else {
      mf <- stats::model.frame(object)
      X <- model.matrix.survstep_cox(object, data = mf)
      off <- stats::model.offset(mf)
      off <- if (is.null(off)) 0 else off - object$offset_mean
      rn <- rownames(mf)
    }
    na_used <- object$na.action
  } else {
    des <- cox_newdata_design(object, newdata, na.action, call)
    mf2 <- des$mf
    X <- des$x
    off <- stats::model.offset(mf2)
    off <- if (is.null(off)) 0 else off - object$offset_mean
    rn <- rownames(mf2)
    na_used <- attr(mf2, "na.action")
  }
  se <- NULL
  if (exists("X", inherits = FALSE)) {
    if (reference == "sample") X <- X - rep(object$means, each = nrow(X))
    # the estimated (non-aliased) columns among `cols`: aliased columns
    # have no coefficient and no variance
    estimated <- function(cols) cols[!is.na(object$coefficients[cols])]
    # x' V x of the estimated columns
    V <- object$var
    se_of <- function(cols) {
      Xc <- X[, cols, drop = FALSE]
      sqrt(rowSums((Xc %*% V[cols, cols, drop = FALSE]) * Xc))
    }
    if (type == "terms") {
      asg <- lapply(object$assign[terms], estimated)
      pred <- vapply(asg, function(cols) {
        drop(X[, cols, drop = FALSE] %*% coef[cols])
      }, numeric(nrow(X)))
      pred <- matrix(pred, nrow(X), length(asg),
                     dimnames = list(rn, names(asg)))
      if (se.fit) {
        se <- matrix(vapply(asg, se_of, numeric(nrow(X))), nrow(X),
                     length(asg), dimnames = dimnames(pred))
      }
      attr(pred, "constant") <- sum(object$coefficients * object$means,
                                    na.rm = TRUE)
    } else {
      pred <- drop(X %*% coef) + off
      names(pred) <- rn
      if (se.fit) se <- stats::setNames(se_of(estimated(seq_along(coef))), rn)
    }
  }
  if (type == "risk") {
    pred <- exp(pred)
    # the delta method: d exp(lp) = exp(lp) d lp
    if (se.fit) se <- se * pred
  }
  if (!is.null(na_used)) {
    pred <- stats::napredict(na_used, pred)
    if (se.fit) se <- stats::napredict(na_used, se)
  }
  cox_predict_collapse(pred, if (se.fit) se, collapse, call)
}

# predict()'s collapse = : sums within subject (squared standard errors
# summed), as predict.coxph(); the value, or list(fit, se.fit) when `se` is
# given.
cox_predict_collapse <- function(pred, se, collapse, call) {
  if (!is.null(collapse)) {
    n <- NROW(pred)
    if (length(collapse) != n || anyNA(collapse)) {
      sv_abort(sprintf(paste0("`collapse` must be %d subject identifiers ",
                              "(one per prediction) without missing ",
                              "values, not %s."), n, sv_obj_type(collapse)),
               call = call)
    }
    keep_attr <- attr(pred, "constant")
    vec <- !is.matrix(pred)
    pred <- rowsum(pred, collapse)
    if (!is.null(se)) se <- sqrt(rowsum(se^2, collapse))
    if (vec) {
      pred <- stats::setNames(pred[, 1L], rownames(pred))
      if (!is.null(se)) se <- stats::setNames(se[, 1L], rownames(se))
    } else {
      attr(pred, "constant") <- keep_attr
    }
  }
  if (is.null(se)) pred else list(fit = pred, se.fit = se)
}

# predict(type = "expected" / "survival") for `newdata`: the baseline
# cumulative hazard (cox_survfit()'s curve at the covariate means, offset
# at its centre) per stratum, read at each row's stop (minus start) time,
# times exp(lp) of the row.
cox_predict_expected_new <- function(object, newdata, type, na.action, call) {
  if (!is.data.frame(newdata)) {
    sv_abort(sprintf("`newdata` must be a data frame, not %s.",
                     sv_obj_type(newdata)), call = call)
  }
  tt <- object$terms
  resp <- tt[[2L]]
  if (!all(all.vars(resp) %in% names(newdata))) {
    sv_abort(paste0("`newdata` must contain the response variables (",
                    paste0("`", all.vars(resp), "`", collapse = ", "),
                    ") for `type = \"", type, "\"`: the expected number of ",
                    "events depends on each row's follow-up."), call = call)
  }
  y <- eval(resp, newdata, environment(tt))
  if (!inherits(y, "Surv") ||
      (!is.null(object$y) && ncol(y) != ncol(object$y))) {
    sv_abort("The response in `newdata` must be of the fit's `Surv()` type.",
             call = call)
  }
  y <- unclass(y)
  dat <- cox_survfit_data(object, call)
  p <- length(object$coefficients)
  nd_ok <- newdata
  # rows with a missing follow-up, covariate or stratum get NA (na.pass, as
  # predict.coxph()) or are dropped (na.omit)
  miss <- !stats::complete.cases(y)
  rhs <- intersect(all.vars(stats::delete.response(tt)), names(newdata))
  if (length(rhs)) miss <- miss | !stats::complete.cases(newdata[rhs])
  omit <- identical(na.action, stats::na.omit) ||
    identical(na.action, "na.omit")
  if (all(miss)) {
    pred <- stats::setNames(rep(NA_real_, nrow(newdata)), rownames(newdata))
    return(if (omit) pred[0L] else pred)
  }
  if (any(miss)) nd_ok <- newdata[!miss, , drop = FALSE]
  rows <- cox_newdata_rows(object, dat, nd_ok, call)
  if (!is.null(dat$strata_labels) && any(rows$strata < 0L)) {
    sv_abort(paste0("`newdata` must contain the strata variables of the ",
                    "model for `type = \"", type, "\"`."), call = call)
  }
  beta <- cox_beta0(object)
  base <- cox_survfit_cpp(
    dat$x, dat$y, dat$strata, dat$weights, dat$offset,
    dat$tol_fix, beta, cox_survfit_ctype(object, NULL, call),
    cox_var0(object), matrix(as.double(object$means), 1L, p), 0, -1L, FALSE
  )
  ends <- cumsum(base$sizes)
  starts <- ends - base$sizes + 1L
  chaz_at <- function(t, s) {
    k <- if (is.null(dat$strata_labels)) rep(1L, length(t)) else
      match(s, base$stratum)
    out <- numeric(length(t))
    for (kk in unique(k)) {
      i <- which(k == kk)
      idx <- starts[kk]:ends[kk]
      j <- findInterval(t[i], base$time[idx])
      out[i] <- c(0, base$cumhaz[idx])[j + 1L]
    }
    out
  }
  yy <- y[!miss, , drop = FALSE]
  ny <- ncol(yy)
  st <- rows$strata
  h <- chaz_at(yy[, ny - 1L], st)
  if (ny == 3L) h <- h - chaz_at(yy[, 1L], st)
  lp <- drop((rows$x - rep(object$means, each = nrow(rows$x))) %*% beta) +
    rows$offset
  pred <- rep(NA_real_, nrow(newdata))
  pred[!miss] <- h * exp(lp)
  names(pred) <- rownames(newdata)
  if (type == "survival") pred <- exp(-pred)
  if (omit) pred <- pred[!miss]
  pred
}

#' Compare Cox models by likelihood-ratio tests
#'
#' With one fit, a sequential table: each term added in turn (first to
#' last) to the null model, refitted on the rows of the full model. With
#' several nested fits, the likelihood-ratio test between consecutive fits
#' (fitted to the same rows, with the same ties method).
#'
#' @param object A `survstep_cox` fit.
#' @param ... Further `survstep_cox` fits.
#' @param test Only `"Chisq"` is available.
#' @return An `anova` data frame with columns `loglik`, `Chisq`, `Df` and
#'   `Pr(>|Chi|)`, as survival's `anova.coxph()`.
#' @details Sequential (type I) likelihood-ratio tests: each term is added in
#'   formula order to the model with the terms before it, all fitted on the
#'   same rows, as `anova.coxph()`; with several fits, the likelihood-ratio
#'   test of each against the previous one.
#'
#'   For one Firth fit (`cox(..., firth = TRUE)`) the table has the
#'   penalized likelihood-ratio test of each term instead: its coefficients
#'   fixed at 0, the others re-maximized, with the penalty of the full
#'   model (Heinze and Schemper 2001; `coxphf::coxphftest()`). Several
#'   Firth fits are compared by their penalized log-likelihoods (the
#'   heading says so); a Firth fit can't be compared with an ordinary one.
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, section 3.4.
#'
#'   Heinze G, Schemper M (2001). A solution to the problem of monotone
#'   likelihood in Cox regression. *Biometrics* 57, 114-119.
#' @examples
#' lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
#' f1 <- cox(Surv(time, status) ~ age, data = lung)
#' f2 <- cox(Surv(time, status) ~ age + sex, data = lung)
#' anova(f1, f2)
#' anova(f2)
#' @export
anova.survstep_cox <- function(object, ..., test = "Chisq") {
  fits <- c(list(object), list(...))
  is_cox <- vapply(fits, inherits, logical(1), "survstep_cox")
  if (!all(is_cox)) {
    sv_abort("Every argument of `anova()` must be a fit from `cox()`.")
  }
  resp <- vapply(fits, function(f) deparse1(stats::formula(f)[[2L]]),
                 character(1))
  firth <- vapply(fits, function(f) isTRUE(f$firth), logical(1))
  if (any(firth) && !all(firth)) {
    sv_abort(paste0("Can't compare a Firth (penalized) fit with an ",
                    "ordinary one: their log-likelihoods are not on the ",
                    "same scale."))
  }
  if (length(fits) == 1L && firth[1]) {
    return(cox_anova_firth(object, resp[1]))
  }
  if (length(fits) == 1L) return(cox_anova_sequential(object, resp[1]))
  if (any(resp != resp[1])) {
    sv_abort("All models must have the same response.")
  }
  ns <- vapply(fits, function(f) f$n, numeric(1))
  if (any(ns != ns[1])) {
    sv_abort(paste0("Can't compare models fitted to different numbers of ",
                    "observations (", paste(ns, collapse = ", "), ")."))
  }
  ties <- vapply(fits, function(f) f$method, character(1))
  if (any(ties != ties[1])) {
    sv_abort("All models must use the same `ties` method.")
  }
  loglik <- vapply(fits, function(f) cox_loglik_fit(f), numeric(1))
  df <- vapply(fits, cox_df, numeric(1))
  tab <- data.frame(loglik = loglik, Chisq = c(NA, abs(2 * diff(loglik))),
                    Df = abs(c(NA, diff(df))))
  tab[["Pr(>|Chi|)"]] <- stats::pchisq(tab$Chisq, tab$Df, lower.tail = FALSE)
  rownames(tab) <- seq_along(fits)
  vars <- vapply(fits, function(f) {
    paste(deparse(stats::delete.response(stats::terms(stats::formula(f)))[[2L]]),
          collapse = " ")
  }, character(1))
  structure(tab, heading = c(
    paste0("Analysis of Deviance Table\n Cox model", if (firth[1])
      " (Firth's penalized likelihood; penalized log-likelihoods)",
      ": response is ", resp[1]),
    paste0(" Model ", format(seq_along(fits)), ": ~ ", vars, collapse = "\n")
  ), class = c("anova", "data.frame"))
}

# A Firth fit: each term's penalized likelihood-ratio test, its
# coefficients fixed at 0 and the others re-maximized under the full
# model's penalty (as coxphf's coxphftest()).
cox_anova_firth <- function(object, resp) {
  asg <- object$assign
  b <- object$coefficients
  lhat <- cox_loglik_fit(object)
  r <- cox_profile_object(object, 1, integer(0),
                          lapply(asg, function(cols) cols - 1L), NULL)
  df <- vapply(asg, function(cols) sum(!is.na(b[cols])), numeric(1))
  tab <- data.frame(loglik = c(lhat, r$test_loglik),
                    Chisq = c(NA, pmax(2 * (lhat - r$test_loglik), 0)),
                    Df = c(NA, df))
  tab[["Pr(>|Chi|)"]] <- stats::pchisq(tab$Chisq, tab$Df, lower.tail = FALSE)
  rownames(tab) <- c("<full model>", names(asg))
  structure(tab, heading = paste0(
    "Analysis of Deviance Table\n Cox model (Firth's penalized ",
    "likelihood): response is ", resp,
    "\nPenalized likelihood-ratio tests, each term dropped from the full ",
    "model\n(its coefficients fixed at 0, the full model's penalty)\n"
  ), class = c("anova", "data.frame"))
}

cox_anova_sequential <- function(object, resp) {
  mf <- stats::model.frame(object)
  X <- model.matrix.survstep_cox(object, data = mf)
  y <- unclass(stats::model.response(mf))
  y <- matrix(as.double(y), nrow(y), ncol(y))
  st <- cox_strata_terms(object$terms)
  strata <- NULL
  if (length(st)) {
    sv <- survival::untangle.specials(object$terms, "strata", 1)$vars
    strata <- sv_strata_codes(mf[sv])$codes
  }
  w <- stats::model.weights(mf)
  off <- stats::model.offset(mf)
  asg <- object$assign
  loglik <- numeric(length(asg) + 1L)
  df <- numeric(length(asg) + 1L)
  loglik[1] <- object$loglik[1]
  if (!is.null(object$call$init)) {
    null <- cox_engine(X[, 0L, drop = FALSE], y, strata, w, off,
                       NULL, object$method, object$control, call = NULL,
                       concordance = FALSE)
    loglik[1] <- cox_loglik_fit(null)
  }
  for (k in seq_along(asg)) {
    cols <- unlist(asg[seq_len(k)], use.names = FALSE)
    if (k == length(asg) && is.null(object$call$init)) {
      loglik[k + 1L] <- cox_loglik_fit(object)
      df[k + 1L] <- cox_df(object)
      next
    }
    fk <- suppressWarnings(cox_engine(
      X[, cols, drop = FALSE], y, strata,
      w, off, NULL, object$method, object$control,
      terms_of_cols = NULL, call = NULL, concordance = FALSE))
    loglik[k + 1L] <- cox_loglik_fit(fk)
    df[k + 1L] <- sum(!is.na(fk$coefficients))
  }
  tab <- data.frame(loglik = loglik, Chisq = c(NA, 2 * diff(loglik)),
                    Df = c(NA, diff(df)))
  tab[["Pr(>|Chi|)"]] <- stats::pchisq(tab$Chisq, tab$Df, lower.tail = FALSE)
  rownames(tab) <- c("NULL", names(asg))
  structure(tab, heading = paste0(
    "Analysis of Deviance Table\n Cox model: response is ", resp,
    "\nTerms added sequentially (first to last)\n"
  ), class = c("anova", "data.frame"))
}

#' Tidy and glance methods for Cox fits
#'
#' `tidy()` returns one row per coefficient; `glance()` one row per model,
#' with broom's `glance.coxph()` column names.
#'
#' @param x A `survstep_cox` fit from [cox()].
#' @param exponentiate Whether to report hazard ratios (`exp(estimate)` and
#'   exponentiated confidence limits) instead of log hazard ratios.
#' @param conf.int Whether to add `conf.low` and `conf.high`.
#' @param conf.level Confidence level.
#' @param ... Unused.
#' @return `tidy()`: a data frame with `term`, `estimate`, `std.error`,
#'   `statistic` (Wald z), `p.value` and optionally `conf.low`,
#'   `conf.high`. For a Firth fit (`cox(..., firth = TRUE)`) `statistic`
#'   is the penalized likelihood-ratio chi-square of the coefficient (1 df)
#'   with its `p.value`, the intervals are profile penalized likelihood
#'   intervals, and a column `estimator` says `"firth"`. `glance()`: a one-row data frame with `n`, `nevent`,
#'   `statistic.log`, `p.value.log`, `statistic.sc`, `p.value.sc`,
#'   `statistic.wald`, `p.value.wald`, `concordance`,
#'   `std.error.concordance`, `logLik`, `AIC`, `BIC`, `nobs`; for a fit with
#'   a robust variance (`std.error` and the Wald test are then robust) also
#'   `statistic.robust` and `p.value.robust` (the robust score test).
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, chapters 3 and 10.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' tidy(fit, exponentiate = TRUE, conf.int = TRUE)
#' glance(fit)
#' @name tidy.survstep_cox
#' @export
tidy.survstep_cox <- function(x, exponentiate = FALSE, conf.int = FALSE,
                              conf.level = 0.95, ...) {
  check_flag(exponentiate, "exponentiate")
  check_flag(conf.int, "conf.int")
  check_conf_level(conf.level, "conf.level")
  est <- x$coefficients
  se <- cox_se(x)
  z <- est / se
  out <- data.frame(term = names(est), estimate = unname(est),
                    std.error = unname(se), statistic = unname(z),
                    p.value = unname(2 * stats::pnorm(abs(z), lower.tail = FALSE)),
                    stringsAsFactors = FALSE)
  firth <- isTRUE(x$firth) && !is.null(x$profile)
  if (firth) {
    # penalized likelihood-ratio tests and profile intervals (as coxphf)
    out$statistic <- unname(x$profile$chisq)
    out$p.value <- unname(x$profile$p.value)
  }
  if (conf.int && firth) {
    lim <- cox_profile_confint(x, names(est), conf.level, sys.call())
    out$conf.low <- unname(lim[, 1L])
    out$conf.high <- unname(lim[, 2L])
  } else if (conf.int) {
    q <- stats::qnorm((1 + conf.level) / 2)
    out$conf.low <- out$estimate - q * out$std.error
    out$conf.high <- out$estimate + q * out$std.error
  }
  if (firth) out$estimator <- "firth"
  if (exponentiate) {
    out$estimate <- exp(out$estimate)
    if (conf.int) {
      out$conf.low <- exp(out$conf.low)
      out$conf.high <- exp(out$conf.high)
    }
  }
  out
}

#' @rdname tidy.survstep_cox
#' @export
glance.survstep_cox <- function(x, ...) {
  tests <- cox_global_tests(x)
  ll <- stats::logLik(x)
  out <- data.frame(
    n = x$n, nevent = x$nevent,
    statistic.log = tests$logtest[["test"]],
    p.value.log = tests$logtest[["pvalue"]],
    statistic.sc = tests$sctest[["test"]],
    p.value.sc = tests$sctest[["pvalue"]],
    statistic.wald = tests$waldtest[["test"]],
    p.value.wald = tests$waldtest[["pvalue"]],
    concordance = x$concordance[["concordance"]],
    std.error.concordance = x$concordance[["std"]],
    logLik = as.numeric(ll), AIC = stats::AIC(ll), BIC = stats::BIC(ll),
    nobs = x$nevent
  )
  if (!is.null(tests$robscore)) {
    out$statistic.robust <- tests$robscore[["test"]]
    out$p.value.robust <- tests$robscore[["pvalue"]]
  }
  out
}

# Terms of the covariates only (no response, no strata terms, offsets kept),
# with `predvars` carried over from the fitted terms for safe prediction.
cox_terms_x <- function(tt, strata_terms) {
  labs <- attr(tt, "term.labels")
  if (length(strata_terms)) labs <- labs[-strata_terms]
  vars <- as.list(attr(tt, "variables"))[-1L]
  offs <- vapply(vars[attr(tt, "offset")], deparse1, "")
  rhs <- c(labs, offs)
  if (!length(rhs)) rhs <- "1"
  f <- stats::reformulate(rhs, intercept = TRUE, env = environment(tt))
  tt2 <- stats::terms(f, keep.order = TRUE)
  pv <- attr(tt, "predvars")
  if (!is.null(pv)) {
    old <- vapply(vars, deparse1, "")
    new <- vapply(as.list(attr(tt2, "variables"))[-1L], deparse1, "")
    attr(tt2, "predvars") <- as.call(c(quote(list),
                                       as.list(pv)[-1L][match(new, old)]))
  }
  tt2
}

# coef, exp(coef), se(coef), z and the Wald p-value, one row per coefficient
cox_coef_matrix <- function(x, p_name) {
  coef <- x$coefficients
  se <- cox_se(x)
  z <- coef / se
  pv <- stats::pchisq(z^2, 1, lower.tail = FALSE)
  if (isTRUE(x$robust)) {
    nse <- sqrt(diag(x$naive.var))
    nse[is.na(coef)] <- NA_real_
    tab <- cbind(coef, exp(coef), nse, se, z, pv)
    dimnames(tab) <- list(names(coef), c("coef", "exp(coef)", "se(coef)",
                                         "robust se", "z", p_name))
    return(tab)
  }
  tab <- cbind(coef, exp(coef), se, z, pv)
  dimnames(tab) <- list(names(coef),
                        c("coef", "exp(coef)", "se(coef)", "z", p_name))
  tab
}

#' Concordance of a Cox model
#'
#' Harrell's concordance index of a [cox()] fit and its variants, computed
#' from the fit's linear predictor by [survival::concordancefit()] exactly
#' as [survival::concordance()] computes it for a `coxph()` fit: the same
#' strata, case weights and clusters (a `cluster()` term of the formula, or
#' `cluster`), so that the result, its standard error and its print method
#' are those of `survival`.
#'
#' The concordance of the fit itself is also in `fit$concordance` (and in
#' `summary(fit)`); this method adds the time weights, truncation
#' (`ymin`, `ymax`), influence values, ranks and new data. As in
#' `survival`, `concordancefit()` always merges near-tied times
#' ([survival::aeqSurv()]), while `fit$concordance` is computed on the
#' fit's times (merged only with `control$timefix = TRUE`, the default): for
#' a fit with `timefix = FALSE` and near-tied times the two can differ, as
#' they do for `coxph()`.
#'
#' @param object A fit from [cox()] (or a selection from [cox_stepwise()]:
#'   its final model).
#' @param ... Further fits of the same data (from [cox()] or
#'   [cox_stepwise()]): their concordances with the variance matrix of the
#'   estimates, to compare them, as [survival::concordance()] gives it for
#'   several fits.
#' @param newdata Optional data frame with the response and the covariates:
#'   the concordance of the model's predictions on these data (rows with a
#'   missing value are dropped).
#' @param cluster Optional vector (one value per row used by the fit or of
#'   `newdata`) grouping correlated rows: the variance is summed within
#'   groups. Without `newdata` it defaults to the fit's `cluster()` term,
#'   if any; with `newdata` there is no default (as in `survival`).
#' @param ymin,ymax Optional lower and upper truncation of the time scale.
#' @param timewt Time weights: `"n"` (Harrell's C), `"S"`, `"S/G"`,
#'   `"n/G2"` (Uno's C) or `"I"`, as in [survival::concordance()]. For
#'   counting-process fits (`Surv(start, stop, event)`) only `"n"`: the
#'   others are an error of class `survstep_error_not_implemented`
#'   (`survival` refuses `"S/G"` and `"n/G2"` there, and its C code fails
#'   on `"S"` and `"I"`).
#' @param influence 0 (none), 1 (the dfbeta of the concordance), 2 (the
#'   influence matrix) or 3 (both).
#' @param ranks Whether to return the per-event ranks (for the
#'   concordance's regression interpretation).
#' @param timefix Accepted as in [survival::concordance()], where it
#'   merges the near-tied times of `newdata` before
#'   [survival::concordancefit()] merges them again: the result is the
#'   same either way.
#' @param keepstrata Keep the per-stratum counts when there are at most
#'   this many strata (or `TRUE` / `FALSE`).
#' @return An object of class `"concordance"` (survival's class, with its
#'   print, `coef()` and `vcov()` methods): `concordance`, `count`, `n`,
#'   `var`, `cvar` and the optional `dfbeta`, `influence` and `ranks`. For
#'   several fits `concordance` is a named vector, `count` has a row per
#'   fit and `var` is the variance matrix of the estimates (from their
#'   dfbetas); `influence = 3` then keeps neither dfbeta nor influence, as
#'   in `survival`. With case weights the diagonal of `var` is each fit's
#'   own variance (survival 3.5 weights the dfbetas a second time there).
#'   The fits must be of the same rows with the same case weights.
#' @references Harrell FE, Lee KL, Mark DB (1996). Multivariable prognostic
#'   models. *Statistics in Medicine* 15:361-387.
#'
#'   Therneau TM, Atkinson EJ (2023). The concordance statistic. Vignette of
#'   the `survival` package.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = survival::lung)
#' concordance(fit)
#' concordance(fit, timewt = "n/G2")
#' # two nested models of the same rows
#' fit2 <- cox(Surv(time, status) ~ age, data = survival::lung,
#'             subset = !is.na(ph.ecog))
#' fit3 <- update(fit, subset = !is.na(ph.ecog))
#' concordance(fit2, fit3)
#' @method concordance survstep_cox
#' @export
concordance.survstep_cox <- function(object, ..., newdata = NULL,
                                     cluster = NULL, ymin = NULL,
                                     ymax = NULL,
                                     timewt = c("n", "S", "S/G", "n/G2", "I"),
                                     influence = 0, ranks = FALSE,
                                     timefix = TRUE, keepstrata = 10) {
  call <- sys.call()
  mcall <- match.call()
  if (...length()) {
    nms <- sv_dots_names(...)
    if (any(nzchar(nms))) check_dots_empty("concordance", ..., call = call)
  }
  fits <- list(object, ...)
  # the fits' names as survival's concordance() gives them
  fname <- as.character(mcall)[1L + seq_along(fits)]
  for (i in seq_along(fits)) {
    f <- fits[[i]]
    if (inherits(f, "survstep_stepwise")) f <- fits[[i]] <- f$final
    if (!inherits(f, "survstep_cox")) {
      sv_abort(sprintf(paste0("`%s` must be a `cox()` fit, not a `%s` ",
                              "object; the concordance of several fits ",
                              "compares fits of the same data."), fname[i],
                       class(f)[1L]), call = call)
    }
    if (inherits(f, "survstep_cox_db")) {
      sv_db_abort_local("The concordance of a Cox model", call)
    }
  }
  timewt <- sv_match_arg(timewt, c("n", "S", "S/G", "n/G2", "I"), "timewt",
                         call = call)
  check_flag(ranks, "ranks", call = call)
  check_flag(timefix, "timefix", call = call)
  if (!is.numeric(influence) || length(influence) != 1L ||
      !influence %in% 0:3) {
    sv_abort(sprintf("`influence` must be 0, 1, 2 or 3, not %s.",
                     sv_obj_type(influence)), call = call)
  }
  for (nm in c("ymin", "ymax")) {
    v <- get(nm)
    if (!is.null(v) && (!is.numeric(v) || length(v) != 1L || is.na(v))) {
      sv_abort(sprintf("`%s` must be NULL or one number, not %s.", nm,
                       sv_obj_type(v)), call = call)
    }
  }
  data <- lapply(fits, cox_concordance_data, newdata = newdata,
                 cluster = cluster, timefix = timefix, call = call)
  if (timewt != "n" && any(vapply(data, function(d) ncol(d$y) == 3L, TRUE))) {
    # (survival refuses "S/G" and "n/G2" for (start, stop] data, and its C
    # code fails on "S" and "I" there)
    sv_abort(sprintf(paste0("`timewt = \"%s\"` is not available for ",
                            "counting-process data (`Surv(start, stop, ",
                            "event)`); use `timewt = \"n\"`."), timewt),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = call)
  }
  # survival::concordancefit() on one fit's data (its errors re-signalled)
  fit_one <- function(d, infl) {
    args <- list(y = d$y, x = d$x, strata = d$strata, weights = d$weights,
                 ymin = ymin, ymax = ymax, timewt = timewt,
                 cluster = d$cluster, influence = infl, ranks = ranks,
                 reverse = TRUE, keepstrata = keepstrata)
    args <- args[!vapply(args, is.null, TRUE)]
    tryCatch(do.call(survival::concordancefit, args),
             error = function(e) {
               sv_abort(sprintf("Can't compute the concordance: %s",
                                conditionMessage(e)), call = call)
             })
  }
  if (length(fits) == 1L) {
    res <- fit_one(data[[1L]], influence)
  } else {
    res <- cox_concordance_several(data, fname, fit_one, influence, ranks,
                                   call)
  }
  class(res) <- "concordance"
  res$call <- call
  res
}

# The data survival's concordance() takes from a fit (its cord.getdata()):
# the response (times merged as the fit merged them), the linear predictor,
# strata, case weights and clusters; with `newdata`, those of the new rows
# (rows with a missing value dropped), without weights.
cox_concordance_data <- function(object, newdata, cluster, timefix, call) {
  tt <- object$terms
  st_idx <- attr(tt, "specials")$strata
  if (is.null(newdata)) {
    dat <- cox_fit_data(object, call, drop_zero_weights = TRUE,
                        matrix = FALSE)
    y <- survival::Surv(dat$time, dat$status)
    if (!is.null(dat$start)) y <- survival::Surv(dat$start, dat$time, dat$status)
    if (dat$tol_fix > 0) y <- survival::aeqSurv(y)
    # (the rows' names label the ranks, as for a coxph() fit's y)
    if (length(dat$row_names) == nrow(y)) rownames(y) <- dat$row_names
    lp <- object$linear.predictors
    strata <- dat$strata_factor
    weights <- dat$weights
    if (is.null(cluster)) cluster <- dat$cluster
  } else {
    if (!is.data.frame(newdata)) {
      sv_abort(sprintf("`newdata` must be a data frame, not %s.",
                       sv_obj_type(newdata)), call = call)
    }
    if (nrow(newdata) < 2L) {
      sv_abort(sprintf("`newdata` must have at least 2 rows, not %d.",
                       nrow(newdata)), call = call)
    }
    # the response's variables from newdata itself (model.frame() would
    # take a missing one from the formula's environment)
    yvars <- all.vars(stats::formula(tt)[[2L]])
    miss <- setdiff(yvars, names(newdata))
    if (length(miss)) {
      sv_abort(sprintf("`newdata` must contain the response of the model (%s).",
                       paste0("`", miss, "`", collapse = ", ")), call = call)
    }
    mf <- tryCatch(
      stats::model.frame(tt, newdata, na.action = stats::na.omit,
                         xlev = object$xlevels),
      error = function(e) {
        sv_abort(c("Can't evaluate the model's variables in `newdata`:",
                   conditionMessage(e)), call = call)
      })
    y <- stats::model.response(mf)
    if (!inherits(y, "Surv")) {
      sv_abort("`newdata` must contain the response of the model.",
               call = call)
    }
    if (nrow(y) < 2L) {
      sv_abort(sprintf(paste0("`newdata` must have at least 2 rows without ",
                              "missing values, not %d."), nrow(y)),
               call = call)
    }
    if (timefix) y <- survival::aeqSurv(y)
    nas <- attr(mf, "na.action")
    nd <- if (length(nas)) newdata[-nas, , drop = FALSE] else newdata
    lp <- unname(stats::predict(object, newdata = nd, type = "lp"))
    strata <- NULL
    if (length(st_idx)) {
      sc <- sv_strata_codes(mf[st_idx])
      strata <- sv_frame_factor(sc$codes, sc$levels)
    }
    weights <- NULL
  }
  if (!is.null(cluster) && length(cluster) != length(lp)) {
    sv_abort(sprintf("`cluster` must have one value per row (%d), not %d.",
                     length(lp), length(cluster)), call = call)
  }
  list(y = y, x = as.double(lp), strata = strata, weights = weights,
       cluster = cluster)
}

# Several fits (survival's cord.work()): each concordance with its dfbeta,
# and the variance matrix of the estimates from the dfbetas, so that fits
# of the same data can be compared. The fits must have the same rows and
# weights.
cox_concordance_several <- function(data, fname, fit_one, influence, ranks,
                                    call) {
  n <- length(data[[1L]]$x)
  for (i in seq_along(data)[-1L]) {
    if (length(data[[i]]$x) != n) {
      sv_abort(sprintf(paste0("All fits must use the same rows: `%s` has %d, ",
                              "`%s` %d."), fname[1L], n, fname[i],
                       length(data[[i]]$x)), call = call)
    }
    if (!identical(unclass(data[[1L]]$y), unclass(data[[i]]$y))) {
      sv_warn(sprintf("`%s` and `%s` do not have the same response.",
                      fname[1L], fname[i]), call = call)
    }
    if (!identical(data[[1L]]$weights, data[[i]]$weights)) {
      sv_abort(sprintf("All fits must have the same case weights; `%s` and `%s` do not.",
                       fname[1L], fname[i]), call = call)
    }
  }
  flist <- lapply(data, fit_one, infl = if (influence == 2) 3 else 1)
  ndf <- length(flist[[1L]]$dfbeta)
  if (any(vapply(flist, function(f) length(f$dfbeta), 1L) != ndf)) {
    sv_abort("All fits must have the same clusters.", call = call)
  }
  count <- do.call(rbind, lapply(flist, function(f) {
    if (is.matrix(f$count)) colSums(f$count) else f$count
  }))
  concordance <- vapply(flist, function(f) f$concordance, 0)
  dfbeta <- vapply(flist, function(f) f$dfbeta, numeric(ndf))
  if (!is.matrix(dfbeta)) dfbeta <- matrix(dfbeta, nrow = ndf)
  names(concordance) <- fname
  rownames(count) <- fname
  # (the dfbetas carry the case weights and are summed within clusters:
  # their crossproduct has each fit's own variance on its diagonal.
  # survival 3.5's cord.work() multiplies by the weights once more, so that
  # its diagonal differs from the single fits' variances with case weights,
  # and fails with weights and clusters together)
  vmat <- crossprod(dfbeta)
  res <- list(concordance = concordance, count = count, n = flist[[1L]]$n,
              var = vmat, cvar = vapply(flist, function(f) f$cvar, 0))
  if (influence == 1) {
    res$dfbeta <- dfbeta
  } else if (influence == 2) {
    res$influence <- array(unlist(lapply(flist, function(f) f$influence)),
                           dim = c(dim(flist[[1L]]$influence), length(flist)))
  }
  if (ranks) {
    rk <- lapply(flist, function(f) f$ranks)
    rdat <- data.frame(fit = rep(fname, vapply(rk, nrow, 1L)),
                       do.call(rbind, rk))
    row.names(rdat) <- NULL
    res$ranks <- rdat
  }
  res
}

#' @rdname concordance.survstep_cox
#' @method concordance survstep_stepwise
#' @export
concordance.survstep_stepwise <- concordance.survstep_cox
