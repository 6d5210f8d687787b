# Survival curves from a Cox fit ------------------------------------------------

#' Survival curves from a Cox model
#'
#' Predicted survival curves for covariate values (`newdata`) from a [cox()]
#' fit, with pointwise standard errors and confidence intervals, numerically
#' equal to [survival::survfit.coxph()] (its defaults `stype = 2`,
#' `se.fit = TRUE`). `survival::survfit()` on a `survstep_cox` fit calls
#' `cox_survfit()`, so code written for `coxph()` keeps working.
#'
#' The baseline cumulative hazard is the Breslow (Nelson-Aalen type)
#' estimator for a fit with Breslow ties and Efron's tie-adjusted version for
#' a fit with Efron ties (`ctype` 1 and 2 in `survfit.coxph()`), computed at
#' the fitted coefficients; a curve is \eqn{S(t \mid z) = \exp(-\Lambda_0(t)
#' e^{z'\beta})}{S(t | z) = exp(-Lambda0(t) exp(z' beta))}. The standard
#' error of \eqn{\hat\Lambda(t \mid z)}{Lambda(t | z)} (Tsiatis, 1981) adds
#' to the variance of the hazard increments the term \eqn{c(t)' V c(t)}{c'
#' V c} for the uncertainty of \eqn{\hat\beta}{beta}, with \eqn{c(t) =
#' \int (z - \bar x(s)) d\hat\Lambda(s)}{c(t) = integral of (z - xbar(s))
#' dLambda(s)} (Therneau and Grambsch, 2000, section 10.2); the confidence
#' intervals are computed from it on the log scale (`"log"`, default),
#' log-log or plain scale, as for [km()]. Formulas: `vignette("methods",
#' package = "survstep")`, section "Survival curves from a Cox model".
#'
#' Without `newdata` the curve is for a subject with the fit's covariate
#' means (`fit$means`, where 0/1 columns are not centred), as
#' `survfit.coxph()`; for a model with factors or interactions such a
#' subject does not exist, so give `newdata`. In a stratified model, when
#' `newdata` contains the strata variables each row gets the curve of its
#' stratum; otherwise each row gets one curve per stratum.
#'
#' The data of the fit are rebuilt from its call (as `survfit.coxph()`
#' does), so the data must still be available unchanged.
#'
#' @param fit A `survstep_cox` fit from [cox()].
#' @param newdata Optional data frame with the covariates (and offset) of
#'   the model, one curve per row; by default the covariate means.
#' @param conf_level Confidence level of the pointwise intervals.
#' @param conf_type `"log"` (default), `"log-log"` or `"plain"`.
#' @param ctype Baseline hazard: `NULL` (default) follows the fit's ties
#'   method (Breslow -> 1, Efron -> 2), as `survfit.coxph()`; `1` Breslow
#'   (Nelson-Aalen type), `2` Efron.
#' @param se Whether to compute standard errors and confidence intervals.
#' @return An object of class `c("survstep_coxsurv", "survstep_km")`: the
#'   curves one after the other in the layout of a [km()] fit (`time`,
#'   `n.risk`, `n.event`, `n.censor`, `surv`, `std.error` (of S),
#'   `conf.low`, `conf.high`, `cumvar` (the variance of the cumulative
#'   hazard), `strata` (entries per curve, named by curve)), plus `cumhaz`
#'   and `curves` (one row per curve: `curve`, `row` of `newdata`,
#'   `strata`). `plot()`, `tidy()`, [km_at()], [km_median()], `summary()`
#'   and `quantile()` work on it.
#' @references Tsiatis A. A. (1981). A large sample study of Cox's
#'   regression model. *Annals of Statistics* 9, 93-108.
#'
#'   Therneau T. M. and Grambsch P. M. (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer (chapter 10).
#' @seealso [cox_basehaz()], [cox_adjusted_curves()].
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' sf <- cox_survfit(fit, newdata = data.frame(age = c(50, 70), sex = 1))
#' km_at(sf, c(180, 365))
#' plot(sf, labels = c("age 50", "age 70"), legend_title = "Men")
#' # survival's generic works too
#' survival::survfit(fit)
#' @export
cox_survfit <- function(fit, newdata = NULL, conf_level = 0.95,
                        conf_type = c("log", "log-log", "plain"),
                        ctype = NULL, se = TRUE, ...) {
  call <- match.call()
  check_dots_empty("cox_survfit", ..., call = call)
  check_cox_fit(fit, call = call)
  check_conf_level(conf_level, call = call)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type", call = call)
  check_flag(se, "se", call = call)
  ctype <- cox_survfit_ctype(fit, ctype, call)
  dat <- cox_survfit_data(fit, call)
  rows <- cox_newdata_rows(fit, dat, newdata, call)
  beta <- cox_beta0(fit)
  res <- cox_survfit_cpp(
    dat$x, dat$y, dat$strata, dat$weights, dat$offset,
    dat$tol_fix, beta, ctype, cox_var0(fit), rows$x, rows$offset,
    rows$strata, se
  )
  labels <- cox_curve_labels(rows, res$row, res$stratum, dat$strata_labels)
  # (the km()-shaped object; the engine gives the records per stratum)
  out <- km_curves_object(res, labels, res$records[res$stratum + 1L],
                          conf_level, conf_type, ncol(dat$y) == 3L)
  out$cumhaz <- res$cumhaz
  out$curves <- data.frame(
    curve = labels, row = res$row + 1L,
    strata = if (is.null(dat$strata_labels)) NA_character_ else
      dat$strata_labels[res$stratum + 1L],
    stringsAsFactors = FALSE
  )
  out$newdata <- newdata
  out$ctype <- ctype
  out$weighted <- !is.null(dat$weights)
  out$call <- call
  class(out) <- c("survstep_coxsurv", "survstep_km")
  out
}

#' @rdname cox_survfit
#' @param formula A `survstep_cox` fit (the name of `survfit()`'s first
#'   argument).
#' @param se.fit,conf.int,conf.type `survfit.coxph()`'s names of `se`,
#'   `conf_level` and `conf_type`.
#' @param ... Unused: an unknown argument of `cox_survfit()` is an error of
#'   class `survstep_error_unused_argument`; the other arguments of
#'   `survfit.coxph()` given to `survfit()` are not supported (an error of
#'   class `survstep_error_not_implemented` names them).
#' @importFrom survival survfit
#' @method survfit survstep_cox
#' @export
survfit.survstep_cox <- function(formula, newdata = NULL, se.fit = TRUE,
                                 conf.int = 0.95,
                                 conf.type = c("log", "log-log", "plain"),
                                 ctype = NULL, ...) {
  # (the names only: an argument such as `id = id` is not evaluated)
  if (...length()) {
    dots <- sv_dots_names(...)
    dots[!nzchar(dots)] <- "unnamed arguments"
    sv_abort(sprintf(paste0("`survfit()` on a `cox()` fit does not support ",
                            "%s; use `survival::coxph()` for that."),
                     paste0("`", unique(dots), "`", collapse = ", ")),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"))
  }
  out <- cox_survfit(formula, newdata = newdata, conf_level = conf.int,
                     conf_type = conf.type[1], ctype = ctype, se = se.fit)
  # the call made, so that update() re-runs survfit() rather than
  # cox_survfit(fit = formula)
  out$call <- match.call()
  out$call[[1L]] <- quote(survival::survfit)
  out
}

#' Cumulative baseline hazard of a Cox model
#'
#' The Breslow/Efron cumulative baseline hazard of a [cox()] fit, as
#' [survival::basehaz()]: at the covariate means (`centered = TRUE`, the
#' curve of `cox_survfit(fit)`) or at covariates 0 (`centered = FALSE`),
#' per stratum.
#'
#' @param fit A `survstep_cox` fit from [cox()].
#' @param centered Whether the hazard is for a subject at the covariate
#'   means (`fit$means`) or at zero.
#' @param ... Unused (an unknown argument is an error of class
#'   `survstep_error_unused_argument`).
#' @return A data frame with columns `hazard`, `time` and, for a stratified
#'   model, `strata` (a factor).
#' @references Breslow N. E. (1972). Discussion of Professor Cox's paper.
#'   *Journal of the Royal Statistical Society B* 34, 216-217.
#' @seealso [cox_survfit()].
#' @examples
#' fit <- cox(Surv(time, status) ~ age + strata(sex), data = survival::lung)
#' head(cox_basehaz(fit))
#' @export
cox_basehaz <- function(fit, centered = TRUE, ...) {
  call <- match.call()
  check_dots_empty("cox_basehaz", ..., call = call)
  check_cox_fit(fit, call = call)
  check_flag(centered, "centered", call = call)
  sf <- cox_survfit(fit, se = FALSE)
  chaz <- sf$cumhaz
  if (!centered) {
    chaz <- chaz * exp(-sum(fit$means * cox_beta0(fit)))
  }
  out <- data.frame(hazard = chaz, time = sf$time)
  if (!all(is.na(sf$curves$strata))) {
    out$strata <- factor(rep(names(sf$strata), sf$strata),
                         levels = names(sf$strata))
  }
  out
}

#' @export
print.survstep_coxsurv <- function(x, digits = max(getOption("digits") - 4, 3),
                                   ...) {
  if (!is.null(x$adjusted)) {
    cat("Adjusted survival curves from a Cox model: by `", x$adjusted$variable,
        "`, averaged over ", x$adjusted$n, " rows (",
        c("Breslow", "Efron")[x$ctype], " baseline hazard)\n", sep = "")
  } else {
    cat("Survival curves from a Cox model (",
        c("Breslow", "Efron")[x$ctype], " baseline hazard)\n", sep = "")
  }
  if (!is.null(x$call)) {
    cat("Call: ")
    dput(x$call, control = NULL)
  }
  cat("\n")
  print(km_median_table(x, digits), right = TRUE, quote = FALSE)
  invisible(x)
}

#' @export
summary.survstep_coxsurv <- function(object, times = NULL, censored = FALSE,
                                     ...) {
  out <- NextMethod()
  out$mean <- NULL
  class(out) <- c("summary_survstep_coxsurv", class(out))
  out
}

#' @export
print.summary_survstep_coxsurv <- function(x, ...) {
  x$mean <- data.frame(strata = character(0))
  tmp <- utils::capture.output(NextMethod())
  cut <- grep("^Restricted mean", tmp)
  if (length(cut)) tmp <- tmp[seq_len(cut[1] - 2L)]
  writeLines(tmp)
  invisible(x)
}

# Helpers ------------------------------------------------------------------------

check_cox_fit <- function(fit, arg = "fit", call = sys.call(-1)) {
  if (!inherits(fit, "survstep_cox")) {
    sv_abort(sprintf("`%s` must be a `survstep_cox` fit from `cox()`, not %s.",
                     arg, sv_obj_type(fit)), call = call)
  }
  if (inherits(fit, "survstep_cox_db")) {
    sv_db_abort_local("Predicted survival curves of a Cox model", call)
  }
  invisible(fit)
}

# survfit.coxph's ctype: 1 = Breslow, 2 = Efron hazard; NULL follows ties.
cox_survfit_ctype <- function(fit, ctype, call) {
  # exact ties: the Breslow hazard, as survfit.coxph
  if (is.null(ctype)) {
    return(if (fit$method %in% c("breslow", "exact", "exact-marginal")) 1L else 2L)
  }
  if (!is.numeric(ctype) || length(ctype) != 1L || !ctype %in% 1:2) {
    sv_abort(sprintf("`ctype` must be 1 (Breslow) or 2 (Efron), not %s.",
                     sv_obj_type(ctype)), call = call)
  }
  as.integer(ctype)
}

cox_beta0 <- function(fit) {
  b <- fit$coefficients
  b[is.na(b)] <- 0
  unname(as.double(b))
}

cox_var0 <- function(fit) {
  v <- fit$var
  v[is.na(v)] <- 0
  v <- unname(v)
  storage.mode(v) <- "double"
  v
}

# The data of a fit (cox_fit_data(), R/cox-residuals.R) as the survival
# engines take it: NULL design without coefficients, strata codes and
# labels.
cox_survfit_data <- function(fit, call) {
  dat <- cox_fit_data(fit, call, drop_zero_weights = TRUE)
  if (ncol(dat$x) == 0L) dat$x <- NULL
  if (!is.null(dat$strata)) dat$strata <- as.integer(dat$strata)
  dat$strata_labels <- if (is.null(dat$strata_factor)) NULL else
    levels(dat$strata_factor)
  dat
}

# The design rows of `newdata` (or the covariate means): x (m x p, original
# units), offset (centred as the fit's), the 0-based stratum of each row
# (-1: a curve in every stratum) and the row labels.
cox_newdata_rows <- function(fit, dat, newdata, call) {
  p <- length(fit$coefficients)
  tt <- fit$terms
  st <- cox_strata_terms(tt)
  if (is.null(newdata)) {
    # survfit.coxph: the covariate means, the (weighted) mean offset
    off <- dat$raw_offset
    off_mean <- if (is.null(off)) 0 else if (is.null(dat$weights)) mean(off)
      else sum(off * dat$weights) / sum(dat$weights)
    return(list(x = matrix(as.double(fit$means), 1L, p),
                offset = off_mean - cox_offset_centre(dat),
                strata = -1L, labels = NULL))
  }
  if (!is.data.frame(newdata)) {
    if (is.list(newdata)) {
      newdata <- as.data.frame(newdata, stringsAsFactors = FALSE)
    } else {
      sv_abort(sprintf("`newdata` must be a data frame, not %s.",
                       sv_obj_type(newdata)), call = call)
    }
  }
  if (nrow(newdata) == 0L) {
    sv_abort("`newdata` must have at least one row.", call = call)
  }
  # a strata() variable inside an interaction (x:strata(g)): the rows'
  # covariates and their stratum's baseline are not separable here
  sp <- attr(tt, "specials")$strata
  if (length(sp)) {
    fac <- attr(tt, "factors")
    inter <- attr(tt, "order") > 1L & colSums(fac[sp, , drop = FALSE]) > 0
    if (any(inter)) {
      sv_abort(sprintf(paste0(
        "Predictions for `newdata` are not available for a model with ",
        "`strata()` inside an interaction (%s); fit the strata separately ",
        "or predict without `newdata`."),
        paste0("`", colnames(fac)[inter], "`", collapse = ", ")),
        class = c("survstep_error_not_implemented", "survstep_error_input"),
        call = call)
    }
  }
  des <- cox_newdata_design(fit, newdata, stats::na.pass, call)
  mf2 <- des$mf
  X <- des$x
  off <- stats::model.offset(mf2)
  off <- if (is.null(off)) rep(0, nrow(X)) else as.double(off)
  bad <- !stats::complete.cases(X) | is.na(off)
  if (any(bad)) {
    sv_abort(sprintf("`newdata` must not have missing covariate values (%s %s).",
                     if (sum(bad) == 1L) "row" else "rows",
                     paste(utils::head(which(bad), 10L), collapse = ", ")),
             call = call)
  }
  strata <- rep(-1L, nrow(X))
  if (length(st) && !is.null(dat$strata_labels)) {
    sv <- survival::untangle.specials(tt, "strata", 1)$vars
    svars <- all.vars(stats::reformulate(sv))
    if (all(svars %in% names(newdata))) {
      lab <- cox_strata_labels_of(tt, sv, newdata)
      code <- match(lab, dat$strata_labels)
      if (anyNA(code)) {
        sv_abort(sprintf("`newdata` has strata not in the fitted data: %s.",
                         paste0("\"", unique(lab[is.na(code)]), "\"",
                                collapse = ", ")),
                 call = call)
      }
      strata <- code - 1L
    }
  }
  storage.mode(X) <- "double"
  list(x = unname(X), offset = off - cox_offset_centre(dat), strata = strata,
       labels = rownames(newdata))
}

# The design of `newdata` for a Cox fit (the covariate and offset terms,
# without strata() and cluster()): the model frame `mf` (with `na.action`)
# and the matrix `x` of the fit's columns. Every problem is a classed error:
# not a data frame, a covariate missing, a factor level the fit did not
# see, or a value the design cannot take (such as a number for a factor).
cox_newdata_design <- function(fit, newdata, na.action, call) {
  if (!is.list(newdata)) {
    sv_abort(sprintf("`newdata` must be a data frame, not %s.",
                     sv_obj_type(newdata)), call = call)
  }
  tt <- fit$terms
  nonx <- cox_nonx_terms(tt)
  tt2 <- cox_terms_x(tt, nonx)
  miss <- setdiff(all.vars(stats::delete.response(tt2)), names(newdata))
  if (length(miss)) {
    sv_abort(sprintf("`newdata` must contain every covariate of the model; %s missing.",
                     sv_name_list(miss, "variable")),
             call = call)
  }
  xlev <- fit$xlevels
  if (length(nonx)) xlev[attr(tt, "term.labels")[nonx]] <- NULL
  for (v in intersect(names(xlev), names(newdata))) {
    vals <- newdata[[v]]
    bad <- setdiff(unique(as.character(vals[!is.na(vals)])), xlev[[v]])
    if (length(bad)) {
      sv_abort(sprintf(paste0("`newdata$%s` has %s not in the fitted data: %s."),
                       v, if (length(bad) == 1L) "a level" else "levels",
                       paste0("\"", bad, "\"", collapse = ", ")),
               call = call)
    }
  }
  design_error <- function(e) {
    sv_abort(sprintf("Can't use `newdata`: %s.",
                     sub("\\.?\n?$", "", conditionMessage(e))),
             call = call)
  }
  mf <- tryCatch(stats::model.frame(tt2, newdata, xlev = xlev,
                                    na.action = na.action),
                 error = design_error)
  X <- tryCatch(stats::model.matrix(tt2, mf, contrasts.arg = fit$contrasts),
                error = design_error)
  X <- X[, attr(X, "assign") != 0L, drop = FALSE]
  if (ncol(X) != length(fit$coefficients)) {
    sv_abort("`newdata` does not give the same design columns as the fit.",
             call = call)
  }
  list(mf = mf, x = X)
}

cox_offset_centre <- function(dat) {
  if (is.null(dat$raw_offset) || all(dat$raw_offset == 0)) 0 else
    mean(dat$raw_offset)
}

# The stratum labels of the rows of `newdata`, as the frame builder labels
# the strata of the fit.
cox_strata_labels_of <- function(tt, strata_vars, newdata) {
  e <- new.env(parent = environment(tt))
  e$strata <- survival::strata
  vals <- lapply(strata_vars, function(s) {
    as.character(eval(str2lang(s), newdata, e))
  })
  do.call(paste, c(vals, list(sep = ", ")))
}

cox_curve_labels <- function(rows, row, stratum, strata_labels) {
  rl <- rows$labels
  if (is.null(rl)) {
    return(if (is.null(strata_labels)) "All" else strata_labels[stratum + 1L])
  }
  lab <- rl[row + 1L]
  if (!is.null(strata_labels) && any(rows$strata < 0L)) {
    multi <- rows$strata[row + 1L] < 0L
    if (length(rl) == 1L) {
      lab[multi] <- strata_labels[stratum[multi] + 1L]
    } else {
      lab[multi] <- paste0(strata_labels[stratum[multi] + 1L], ", ",
                           lab[multi])
    }
  }
  make.unique(lab, sep = " #")
}

#' Adjusted (direct-standardised) survival curves from a Cox model
#'
#' The "corrected group prognosis" curves of Makuch (1982) and Chang, Gelman
#' and Pagano (1982) (compared with the curve at the mean covariates by
#' Ghali et al., 2001): for each level of `variable`, the average over the
#' rows of `data` (by default the rows the model was fitted to) of their
#' predicted survival curves ([cox_survfit()]) with `variable` set to that
#' level and every other covariate as observed. Unlike the curve at the
#' covariate means, these are the survival curves the study population
#' would have had if everybody had been in that group, so they are the
#' adjusted counterpart of Kaplan-Meier curves by group.
#'
#' The pointwise standard errors are delta-method ones: the variance of the
#' average curve from the variance of the baseline hazard increments and
#' of the coefficients, as for one predicted curve (see
#' `vignette("methods", package = "survstep")`, "Adjusted survival
#' curves"); the confidence intervals are computed from them on the log
#' (default), log-log or plain scale. The sampling variation of the
#' covariate distribution itself is not included (the average is over a
#' fixed set of rows, as in Chang et al.). No bootstrap is done.
#'
#' `variable` can be a covariate of the model (a factor or character
#' variable: every level by default; a numeric one: give `levels`) in a
#' model without `strata()`, or the variable of the model's single
#' `strata()` term: then the curve of each stratum averages all rows in
#' that stratum's baseline hazard.
#'
#' @inheritParams cox_survfit
#' @param variable Name of the grouping variable (a string).
#' @param data The rows to average over; by default the rows of the fit
#'   (rebuilt from its call). Must contain every covariate of the model.
#' @param ... Unused (an unknown argument is an error of class
#'   `survstep_error_unused_argument`).
#' @param levels The values to set `variable` to; by default the levels
#'   of a factor or character covariate (or every stratum).
#' @return An object of class `c("survstep_coxadjusted", "survstep_coxsurv",
#'   "survstep_km")`, one curve per level, with the components of
#'   [cox_survfit()] (without `cumhaz`).
#' @references Makuch R. W. (1982). Adjusted survival curve estimation using
#'   covariates. *Journal of Chronic Diseases* 35, 437-443.
#'
#'   Chang I.-M., Gelman R. and Pagano M. (1982). Corrected group prognostic
#'   curves and summary statistics. *Journal of Chronic Diseases* 35,
#'   669-674.
#'
#'   Ghali W. A., Quan H., Brant R., van Melle G., Norris C. M., Faris P. D.,
#'   Galbraith P. D. and Knudtson M. L. (2001). Comparison of 2 methods for
#'   calculating adjusted survival curves from proportional hazards models.
#'   *JAMA* 286, 1494-1497.
#'
#'   Therneau T. M., Crowson C. S. and Atkinson E. J. (2015). Adjusted
#'   survival curves. Vignette of the survival package.
#' @seealso [cox_survfit()], [km()].
#' @examples
#' colon2 <- subset(survival::colon, etype == 2)
#' fit <- cox(Surv(time, status) ~ rx + age + nodes, data = colon2)
#' adj <- cox_adjusted_curves(fit, "rx")
#' adj
#' plot(adj, xscale = 365.25, xlab = "Years", legend_title = "Treatment")
#' @export
cox_adjusted_curves <- function(fit, variable, data = NULL, levels = NULL,
                                conf_level = 0.95,
                                conf_type = c("log", "log-log", "plain"),
                                ctype = NULL, se = TRUE, ...) {
  call <- match.call()
  check_dots_empty("cox_adjusted_curves", ..., call = call)
  check_cox_fit(fit, call = call)
  if (!is.character(variable) || length(variable) != 1L || is.na(variable)) {
    sv_abort(sprintf("`variable` must be the name of a variable (a string), not %s.",
                     sv_obj_type(variable)), call = call)
  }
  check_conf_level(conf_level, call = call)
  conf_type <- sv_match_arg(conf_type, c("log", "log-log", "plain"),
                            "conf_type", call = call)
  check_flag(se, "se", call = call)
  ctype <- cox_survfit_ctype(fit, ctype, call)
  dat <- cox_survfit_data(fit, call)
  if (is.null(data)) data <- cox_fit_rows(fit, call)
  if (!is.data.frame(data)) {
    sv_abort(sprintf("`data` must be a data frame, not %s.", sv_obj_type(data)),
             call = call)
  }
  tt <- fit$terms
  st <- cox_strata_terms(tt)
  strata_vars <- if (length(st)) {
    all.vars(stats::reformulate(
      survival::untangle.specials(tt, "strata", 1)$vars))
  } else character(0)
  cov_vars <- all.vars(stats::delete.response(
    cox_terms_x(tt, cox_nonx_terms(tt))))
  if (variable %in% strata_vars) {
    if (length(strata_vars) > 1L) {
      sv_abort(sprintf(paste0("Can't adjust by `%s`: the model is stratified by ",
                              "several variables (%s)."), variable,
                       paste0("`", strata_vars, "`", collapse = ", ")),
               class = c("survstep_error_not_implemented", "survstep_error_input"),
               call = call)
    }
    if (!is.null(levels)) {
      sv_abort("`levels` can't be given when `variable` is the strata variable.",
               call = call)
    }
    nd <- data[setdiff(names(data), variable)]
    rows <- cox_newdata_rows(fit, dat, nd, call)
    group <- integer(nrow(rows$x))
    ngroup <- 1L
  } else {
    if (!variable %in% cov_vars) {
      sv_abort(sprintf("`variable` must be a covariate of the model; `%s` is not.",
                       variable), call = call)
    }
    if (length(st)) {
      sv_abort(sprintf(paste0("Can't adjust by `%s` in a stratified model: ",
                              "adjust by the strata variable, or refit ",
                              "without `strata()`."), variable),
               class = c("survstep_error_not_implemented", "survstep_error_input"),
               call = call)
    }
    if (!variable %in% names(data)) {
      sv_abort(sprintf("`data` must contain the variable `%s`.", variable),
               call = call)
    }
    if (is.null(levels)) {
      v <- data[[variable]]
      levels <- if (!is.null(fit$xlevels[[variable]])) {
        fit$xlevels[[variable]]
      } else if (is.factor(v)) {
        base::levels(v)
      } else if (is.character(v) || is.logical(v)) {
        sort(unique(v[!is.na(v)]))
      } else {
        sv_abort(sprintf(paste0("`%s` is numeric: give the values to compare ",
                                "in `levels`."), variable), call = call)
      }
    }
    if (!length(levels) || anyNA(levels)) {
      sv_abort("`levels` must be one or more values without `NA`.", call = call)
    }
    known <- fit$xlevels[[variable]]
    if (!is.null(known) && !all(as.character(levels) %in% known)) {
      sv_abort(sprintf("`levels` must be levels of `%s` in the fit (%s), not %s.",
                       variable, paste0("\"", known, "\"", collapse = ", "),
                       paste0("\"", setdiff(as.character(levels), known), "\"",
                              collapse = ", ")),
               call = call)
    }
    parts <- lapply(levels, function(lv) {
      nd <- data
      nd[[variable]] <- if (is.factor(data[[variable]])) {
        factor(rep(as.character(lv), nrow(nd)),
               levels = base::levels(data[[variable]]))
      } else rep(lv, nrow(nd))
      cox_newdata_rows(fit, dat, nd, call)
    })
    rows <- list(x = do.call(rbind, lapply(parts, `[[`, "x")),
                 offset = unlist(lapply(parts, `[[`, "offset")))
    group <- rep(seq_along(levels) - 1L, each = nrow(data))
    ngroup <- length(levels)
  }
  res <- cox_adjusted_cpp(
    dat$x, dat$y, dat$strata, dat$weights, dat$offset,
    dat$tol_fix, cox_beta0(fit), ctype, cox_var0(fit), rows$x,
    rows$offset, group, ngroup, se
  )
  labels <- if (ngroup == 1L) dat$strata_labels else as.character(levels)
  # (the km()-shaped object; the engine gives the records per stratum)
  out <- km_curves_object(res, labels, res$records[res$stratum + 1L],
                          conf_level, conf_type, ncol(dat$y) == 3L)
  out$curves <- data.frame(curve = labels, stringsAsFactors = FALSE)
  out$adjusted <- list(variable = variable, n = nrow(data))
  out$ctype <- ctype
  out$weighted <- !is.null(dat$weights)
  out$call <- call
  class(out) <- c("survstep_coxadjusted", "survstep_coxsurv", "survstep_km")
  out
}

# The rows of the data a fit used (its `data` evaluated again, the rows of
# the model frame kept).
cox_fit_rows <- function(fit, call) {
  env <- environment(fit$terms)
  if (is.null(env)) env <- parent.frame(2)
  data <- if (is.null(fit$call$data)) NULL else
    tryCatch(eval(fit$call$data, env), error = function(e) NULL)
  mf <- tryCatch(stats::model.frame(fit), error = function(e) NULL)
  if (!is.data.frame(data) || is.null(mf) || nrow(mf) != fit$n ||
      !all(rownames(mf) %in% rownames(data))) {
    sv_abort(paste0("Can't rebuild the rows of the Cox fit from its call; ",
                    "give them in `data`."), call = call)
  }
  data[rownames(mf), , drop = FALSE]
}
