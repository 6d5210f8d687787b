# Residuals of Cox fits ------------------------------------------------------

# The engine inputs of a fit, rebuilt from its model frame (the fit's own
# `model` when kept, else the call re-evaluated on its data, as
# residuals.coxph() does through coxph.getdata()): the design, the response
# parts, 0-based strata codes, weights, the centred offset (as cox_engine()
# passes it; `raw_offset` before centring) and the timefix tolerance.
# Rows with zero case weight (which cox() leaves out) are an error, or with
# `drop_zero_weights = TRUE` left out as in the fit. With `matrix = FALSE`
# the design may come back as the fit's list of columns (the residual
# engine reads them without a copy).
cox_fit_data <- function(object, call = sys.call(-1),
                         drop_zero_weights = FALSE, matrix = TRUE) {
  control <- if (is.null(object$control)) cox_control_default else
    object$control
  tol_fix <- if (isTRUE(control$timefix)) sqrt(.Machine$double.eps) else 0
  if (!is.null(object$xcols) && !is.null(object$y) &&
      is.null(object[["model"]])) {
    # cox()'s fast path kept its columns (no strata, weights or offset)
    yy <- cox_y_parts(unclass(object$y))
    n <- length(yy$time)
    X <- object$xcols
    if (matrix) {
      X <- unlist(X, use.names = FALSE)
      dim(X) <- c(n, length(object$xcols))
      colnames(X) <- names(object$xcols)
    }
    rn <- object$row_names
    rn <- if (is.integer(rn) && length(rn) == 2L && is.na(rn[1L])) {
      as.character(seq_len(abs(rn[2L])))
    } else as.character(rn)
    return(list(x = X, y = yy$y, start = yy$start, time = yy$time,
                status = yy$status, strata = NULL, weights = NULL,
                offset = NULL, raw_offset = NULL, cluster = NULL,
                tol_fix = tol_fix, row_names = rn, strata_factor = NULL))
  }
  mf <- tryCatch(stats::model.frame(object), error = function(e) {
    sv_abort(c(paste0("Can't rebuild the data of the fit (its call is ",
                      "evaluated again on `data`):"), conditionMessage(e)),
             call = call)
  })
  tt <- object$terms
  X <- object[["x"]]
  if (is.null(X) || is.list(X)) X <- model.matrix.survstep_cox(object, data = mf)
  X <- unclass(X)
  attr(X, "assign") <- attr(X, "contrasts") <- NULL
  storage.mode(X) <- "double"
  y <- stats::model.response(mf)
  if (!inherits(y, "Surv")) {
    sv_abort("Can't rebuild the response of the fit.", call = call)
  }
  yy <- cox_y_parts(y)
  w <- stats::model.weights(mf)
  if (!is.null(w) && drop_zero_weights && any(w == 0)) {
    keep <- w != 0
    mf <- mf[keep, , drop = FALSE]
    X <- X[keep, , drop = FALSE]
    yy <- cox_y_parts(yy$y[keep, , drop = FALSE])
    w <- w[keep]
  }
  if (!is.null(w)) {
    if (any(w == 0)) {
      sv_abort(paste0("Residuals of a fit with zero case weights are not ",
                      "available; drop those rows before fitting."),
               class = c("survstep_error_not_implemented",
                         "survstep_error_input"), call = call)
    }
    w <- as.double(w)
  }
  off <- stats::model.offset(mf)
  raw_off <- off
  if (!is.null(off)) {
    off <- as.double(off)
    off <- if (all(off == 0)) NULL else off - mean(off)
  }
  st_idx <- attr(tt, "specials")$strata
  strata <- NULL
  if (length(st_idx)) strata <- sv_strata_codes(mf[st_idx])$codes
  cl_idx <- attr(tt, "specials")$cluster
  cluster <- NULL
  if (length(cl_idx)) cluster <- mf[[cl_idx]]
  if (nrow(X) != object$n || length(yy$time) != object$n) {
    sv_abort(sprintf(paste0("Can't rebuild the data of the fit: the data now ",
                            "give %d rows, the fit used %d. Has `data` ",
                            "changed since the fit?"), nrow(X), object$n),
             call = call)
  }
  list(x = X, y = yy$y, start = yy$start, time = yy$time, status = yy$status,
       strata = strata, weights = w, offset = off, raw_offset = raw_off,
       cluster = cluster, tol_fix = tol_fix,
       row_names = rownames(mf), strata_factor = if (length(st_idx)) {
         sv_frame_factor(strata, sv_strata_codes(mf[st_idx])$levels)
       })
}

# One call into the residual engine (cox_residuals.hpp).
cox_residuals_engine <- function(object, dat, what, beta = NULL,
                                 gtime = NULL, cluster = NULL,
                                 ncluster = 0L, init = NULL) {
  if (is.null(beta)) beta <- unname(object$coefficients)
  p <- if (is.list(dat$x)) length(dat$x) else ncol(dat$x)
  cox_residuals_cpp(
    if (p > 0L) dat$x else NULL, dat$y, if (is.null(dat$strata)) NULL else
      as.integer(dat$strata), dat$weights, dat$offset,
    as.double(beta), object$method, dat$tol_fix,
    what, gtime, cluster, as.integer(ncluster),
    if (is.null(init)) NULL else as.double(init),
    cox_control_default$toler_chol
  )
}

# Robust variance ------------------------------------------------------------

# The robust (Lin and Wei 1989) variance of a fit from cox_engine() on the
# same inputs: V B V with V the model-based variance and B the crossproduct
# of the weighted score residuals summed within clusters (one row per
# cluster when `cluster` is NULL); the robust score test at `init`
# (`rscore`) and the Wald test with the robust variance. The model-based
# variance is kept as `naive.var`. (methods.md section 8)
cox_robust <- function(fit, x, y, strata, weights, offset, cluster, ties,
                       control, init = NULL) {
  coef <- fit$coefficients
  p <- length(coef)
  cox_check_exact_residuals(ties, "Robust variances (from score residuals)",
                            sys.call(-1))
  if (p == 0L || all(is.na(coef))) return(fit)
  codes <- NULL
  ncl <- nrow(y)
  if (!is.null(cluster)) {
    u <- unique(cluster)
    codes <- match(cluster, u) - 1L
    ncl <- length(u)
  }
  if (!is.null(offset)) {
    offset <- as.double(offset)
    offset <- if (all(offset == 0)) NULL else offset - mean(offset)
  }
  if (!is.null(strata)) strata <- as.integer(as.factor(strata))
  if (!is.null(weights)) weights <- as.double(weights)
  init0 <- if (is.null(init)) rep(0, p) else as.double(init)
  r <- cox_residuals_cpp(
    x, y, strata, weights, offset,
    as.double(unname(coef)), ties,
    if (control$timefix) sqrt(.Machine$double.eps) else 0,
    "robust", NULL, codes, as.integer(ncl), init0, control$toler_chol
  )
  v <- unname(fit$var)
  v[is.na(v)] <- 0
  rv <- v %*% r$crossprod %*% v
  rv <- (rv + t(rv)) / 2
  cn <- names(coef)
  dimnames(rv) <- list(cn, cn)
  ok <- !is.na(coef)
  rv[!ok, ] <- 0
  rv[, !ok] <- 0
  fit$naive.var <- fit$var
  fit$var <- rv
  fit$rscore <- r$rscore
  wt <- wald_test_cpp(rv[ok, ok, drop = FALSE], unname(coef[ok] - init0[ok]),
                      control$toler_chol)
  fit$wald.test <- wt[["statistic"]]
  fit$wald.df <- wt[["df"]]
  fit$robust <- TRUE
  fit$n.cluster <- ncl
  fit
}

# robust = NULL: TRUE with a cluster() term, else FALSE. Conflicting
# settings are errors: cluster() with robust = FALSE, and robust = TRUE for
# counting-process data without cluster() (a subject's rows must be
# summed, as coxph() requires).
cox_check_robust <- function(robust, fr, call) {
  has_cl <- !is.null(fr$cluster)
  if (is.null(robust)) return(has_cl)
  check_flag(robust, "robust", call = call)
  if (has_cl && !robust) {
    sv_abort(paste0("`robust = FALSE` conflicts with the `cluster()` term ",
                    "(a cluster only changes the robust variance); drop one ",
                    "of them."), call = call)
  }
  if (robust && !has_cl && ncol(fr$y) == 3L) {
    sv_abort(paste0("`robust = TRUE` with counting-process data ",
                    "(`Surv(start, stop, event)`) needs a `cluster(id)` term ",
                    "naming the subject of each row."), call = call)
  }
  robust
}

#' Residuals of a Cox model
#'
#' The residuals of [survival::residuals.coxph()], computed by the C++ core
#' in one pass over the sorted data of the fit (the risk sets of the fit,
#' with the same tie handling, strata, case weights and offset), for
#' right-censored and counting-process (`Surv(start, stop, event)`) fits.
#'
#' * `"martingale"`: \eqn{M_i = \delta_i - e^{\eta_i} \int Y_i(t)
#'   d\hat\Lambda_0(t)}{M_i = status_i - exp(eta_i) * (cumulative baseline
#'   hazard over the row's time at risk)}, with Efron's approximation
#'   changing the hazard increments at tied deaths as `coxph()` does.
#' * `"deviance"`: \eqn{\mathrm{sign}(M_i) \sqrt{-2 (M_i + \delta_i \log
#'   (\delta_i - M_i))}}{sign(M) sqrt(-2 (M + status log(status - M)))}.
#' * `"score"`: the per-row contributions \eqn{L_i = \int (x_i - \bar
#'   x(t)) dM_i(t)}{L_i = int (x_i - xbar(t)) dM_i(t)} to the score vector
#'   (one column per coefficient).
#' * `"dfbeta"`: score residuals times the variance matrix, the approximate
#'   change in the coefficients when the row is left out; `"dfbetas"`
#'   divides each column by the coefficient's standard error.
#' * `"schoenfeld"`: one row per event, \eqn{x_i - \bar x(t_i)}{x_i -
#'   xbar(t_i)}, ordered by stratum and event time (the row names are the
#'   event times); `"scaledsch"`: \eqn{d\,V r_i + \hat\beta}{d V r_i +
#'   beta} (d events, V the variance), the scaled Schoenfeld residuals
#'   whose smooth against time estimates \eqn{\beta(t)}{beta(t)} (see
#'   [cox_zph()]).
#'
#' The model-based variance is used for dfbeta and the scaled residuals
#' also in a fit with a robust variance (as `residuals.coxph()`).
#' The data are rebuilt from the fit's call (or the kept `model`), so `data`
#' must not have changed since the fit.
#'
#' @param object A `survstep_cox` fit from [cox()].
#' @param type The type of residual (see Details).
#' @param collapse Optional vector with one value per row of the residuals
#'   (an id): the residuals are summed within its values (as
#'   `rowsum()`), for subjects with several rows in counting-process data.
#'   Not available for Schoenfeld residuals.
#' @param weighted Whether to multiply the residuals by the case weights;
#'   by default `TRUE` for `"dfbeta"` and `"dfbetas"` (so that they sum to
#'   the robust variance's building blocks) and `FALSE` otherwise, as in
#'   `residuals.coxph()`.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A vector (martingale, deviance; score-type residuals of a
#'   one-coefficient model) or a matrix with one column per coefficient. For
#'   the non-Schoenfeld types, rows removed by `na.action = na.exclude` are
#'   padded back with `NA` ([stats::naresid()]). Schoenfeld residuals of a
#'   stratified model carry a `strata` attribute (events per stratum). With
#'   `weighted = TRUE` each Schoenfeld residual is multiplied by the weight
#'   of its own event (`residuals.coxph()` multiplies the residuals, sorted
#'   by time, by the weights in the data's row order).
#' @references Therneau T. M., Grambsch P. M. and Fleming T. R. (1990).
#'   Martingale-based residuals for survival models. *Biometrika* 77,
#'   147--160.
#'
#'   Therneau T. M. and Grambsch P. M. (2000). *Modeling Survival Data:
#'   Extending the Cox Model*, chapter 4. Springer.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' head(residuals(fit))
#' head(residuals(fit, type = "dfbeta"))
#' head(residuals(fit, type = "scaledsch"))
#' @export
residuals.survstep_cox <- function(object,
                                   type = c("martingale", "deviance", "score",
                                            "schoenfeld", "dfbeta", "dfbetas",
                                            "scaledsch"),
                                   collapse = FALSE, weighted = NULL, ...) {
  call <- sys.call()
  check_dots_empty("residuals", ..., call = call)
  types <- c("martingale", "deviance", "score", "schoenfeld", "dfbeta",
             "dfbetas", "scaledsch")
  type <- sv_match_arg(type, types, "type", call = call)
  if (is.null(weighted)) weighted <- type %in% c("dfbeta", "dfbetas")
  check_flag(weighted, "weighted", call = call)
  has_collapse <- !missing(collapse) && !isFALSE(collapse)
  sch <- type %in% c("schoenfeld", "scaledsch")
  if (has_collapse && sch) {
    sv_abort(sprintf("`collapse` can't be used with %s residuals (one row per event).",
                     type), call = call)
  }
  coef <- object$coefficients
  p <- length(coef)
  if (p == 0L && !type %in% c("martingale", "deviance")) {
    sv_abort(sprintf(paste0("A null model (no covariates) has no %s ",
                            "residuals."), type), call = call)
  }
  if (!type %in% c("martingale", "deviance")) {
    cox_check_exact_residuals(object$method,
                              sprintf("`type = \"%s\"` residuals", type), call)
  }
  dat <- cox_fit_data(object, call, matrix = FALSE)
  what <- switch(type, martingale = , deviance = "martingale",
                 schoenfeld = , scaledsch = "schoenfeld", "score")
  res <- cox_residuals_engine(object, dat, what)
  vv <- if (!is.null(object$naive.var)) object$naive.var else object$var
  vv <- unname(vv)
  vv[is.na(vv)] <- 0
  w <- if (is.null(dat$weights)) rep(1, object$n) else dat$weights
  cn <- names(coef)

  if (sch) {
    rr <- res$schoenfeld
    rows <- res$death_row
    if (weighted) rr <- rr * w[rows]
    if (type == "scaledsch") {
      b <- coef
      b[is.na(b)] <- 0
      rr <- rr %*% vv * length(rows) + rep(b, each = nrow(rr))
    }
    dimnames(rr) <- list(format_times(res$death_time), cn)
    if (p == 1L) rr <- stats::setNames(drop(rr), rownames(rr))
    if (type == "schoenfeld" && !is.null(dat$strata_factor)) {
      attr(rr, "strata") <- table(dat$strata_factor[rows])
    }
    return(rr)
  }
  status <- dat$status
  if (what == "martingale") {
    rr <- res$martingale
    names(rr) <- dat$row_names
  } else {
    rr <- res$score
    if (type == "dfbeta") {
      rr <- rr %*% vv
    } else if (type == "dfbetas") {
      rr <- (rr %*% vv) %*% diag(sqrt(1 / diag(vv)), p)
    }
    dimnames(rr) <- list(dat$row_names, cn)
    if (p == 1L) rr <- stats::setNames(drop(rr), dat$row_names)
  }
  if (weighted) rr <- rr * w
  if (!is.null(object$na.action)) {
    rr <- stats::naresid(object$na.action, rr)
    if (type == "deviance") status <- stats::naresid(object$na.action, status)
  }
  if (has_collapse) {
    nr <- NROW(rr)
    if (length(collapse) != nr) {
      sv_abort(sprintf(paste0("`collapse` must have one value per row of ",
                              "the residuals (%d), not %d."),
                       nr, length(collapse)), call = call)
    }
    rr <- drop(rowsum(rr, collapse))
    if (type == "deviance") status <- drop(rowsum(status, collapse))
  }
  if (type == "deviance") {
    # status log(status - M) only where there are events (0 elsewhere)
    term <- numeric(length(rr))
    ev <- !is.na(status) & status != 0
    term[ev] <- status[ev] * log(status[ev] - rr[ev])
    rr <- stats::setNames(sign(rr) * sqrt(-2 * (rr + term)), names(rr))
  }
  rr
}

# Row names for event times as residuals.coxph() gives them.
format_times <- function(t) as.character(t)

#' @export
fitted.survstep_cox <- function(object, ...) {
  stats::predict(object, type = "lp")
}
