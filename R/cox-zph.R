# Test of proportional hazards --------------------------------------------

#' Test the proportional-hazards assumption of a Cox model
#'
#' The score test of Grambsch and Therneau (1994) for a time-varying
#' coefficient \eqn{\beta_j(t) = \beta_j + \theta_j g(t)}{beta_j(t) = beta_j
#' + theta_j g(t)}, one test per term (all columns of a factor together) and
#' a global test, with the numbers of [survival::cox.zph()] (survival 3.x:
#' the exact score test at \eqn{(\hat\beta, \theta = 0)}{(beta, theta = 0)}
#' from the Schoenfeld residuals and the information, no refit). The score
#' vector and the \eqn{2p \times 2p}{2p x 2p} information come from the C++
#' core in one pass over the sorted data of the fit (the risk sets, ties,
#' strata, weights and offset of the fit).
#'
#' `transform` chooses \eqn{g(t)}{g(t)}: `"km"` (default) one minus the
#' Kaplan-Meier estimate of all rows (left-continuous, unweighted, as
#' `cox.zph()`), `"rank"` the ranks of the times, `"identity"` the times,
#' `"log"` their logarithm; each centred at its mean over the events.
#' A small p-value says the effect of that term changes over time; the plot
#' shows how (see [plot.survstep_zph()]). The test has little power with few
#' events: a large p-value in a small cohort is weak evidence that the
#' hazards are proportional.
#'
#' @param fit A `survstep_cox` fit from [cox()] with at least one
#'   coefficient.
#' @param transform The time transform: `"km"`, `"rank"`, `"identity"` or
#'   `"log"`.
#' @param terms If `TRUE` (default), one test per term (a factor's columns
#'   together, with several degrees of freedom); if `FALSE`, one test per
#'   coefficient.
#' @param global Whether to add the global test of all coefficients.
#' @return An object of class `survstep_zph`: `table` (a matrix with columns
#'   `chisq`, `df`, `p`, one row per term plus `GLOBAL`), `x` (the
#'   transformed event times), `time` (the event times), `y` (the scaled
#'   Schoenfeld residuals, one column per term: \eqn{\hat\beta(t)}{beta(t)}
#'   for a one-column term, the ratio to the fitted effect for a multi-column
#'   term; `NA` at the events of a stratum in which the term does not vary,
#'   where the residual carries no information, as `cox.zph()` gives it when
#'   another term varies there; `cox.zph()` gives the unscaled residual, 0,
#'   plus the coefficient when no term varies in that stratum), `var`
#'   (their variance), `strata` (the stratum of each event, for stratified
#'   fits), `beta` (the fitted effect of each term, 1 for a
#'   multi-column term), `transform` and `call`. Methods: `print()`, `tidy()`,
#'   `plot()`.
#' @references Grambsch P. M. and Therneau T. M. (1994). Proportional
#'   hazards tests and diagnostics based on weighted residuals.
#'   *Biometrika* 81, 515--526.
#'
#'   Therneau T. M. and Grambsch P. M. (2000). *Modeling Survival Data:
#'   Extending the Cox Model*, chapter 6. Springer.
#' @seealso [residuals.survstep_cox()] (`type = "scaledsch"`).
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = survival::lung)
#' zph <- cox_zph(fit)
#' zph
#' tidy(zph)
#' plot(zph)
#' @export
cox_zph <- function(fit, transform = c("km", "rank", "identity", "log"),
                    terms = TRUE, global = TRUE) {
  call <- match.call()
  ecall <- sys.call()
  if (!inherits(fit, "survstep_cox")) {
    sv_abort(sprintf("`fit` must be a fit from `cox()`, not an object of class <%s>.",
                     class(fit)[1L]), call = ecall)
  }
  if (inherits(fit, "survstep_cox_db")) {
    sv_db_abort_local("`cox_zph()` (Schoenfeld residuals)", ecall)
  }
  transform <- sv_match_arg(transform, c("km", "rank", "identity", "log"),
                            "transform", call = ecall)
  check_flag(terms, "terms", call = ecall)
  check_flag(global, "global", call = ecall)
  coef <- fit$coefficients
  if (!length(coef) || all(is.na(coef))) {
    sv_abort(paste0("Can't test proportional hazards in a null model ",
                    "(`fit` has no coefficients)."), call = ecall)
  }
  if (!isTRUE(fit$nevent > 0)) {
    sv_abort("Can't test proportional hazards: `fit` has no events.",
             call = ecall)
  }
  dat <- cox_fit_data(fit, ecall, matrix = FALSE)
  n <- length(dat$time)
  # the event times after timefix, as the fit used them
  times <- dat$time
  start <- dat$start
  if (dat$tol_fix > 0) {
    if (is.null(start)) {
      times <- timefix_cpp(times, dat$tol_fix)
    } else {
      tf <- timefix_cpp(c(start, times), dat$tol_fix)
      start <- tf[seq_len(n)]
      times <- tf[n + seq_len(n)]
    }
  }
  event <- dat$status == 1L
  if (transform == "log" && any(times[event] <= 0)) {
    sv_abort(paste0("`transform = \"log\"` needs positive event times; use ",
                    "another transform."), call = ecall)
  }
  ttimes <- switch(transform,
    identity = times,
    rank = rank(times),
    log = log(times),
    km = zph_km(start, times, dat$status)
  )
  gtime <- ttimes - mean(ttimes[event])

  keep <- !is.na(coef)
  fcoef <- coef[keep]
  nvar <- length(fcoef)
  asgn <- if (terms) fit$assign else
    stats::setNames(as.list(seq_along(coef)), names(coef))
  new <- cumsum(keep)
  asgn <- lapply(asgn, function(j) unname(new[j[keep[j]]]))
  asgn <- asgn[lengths(asgn) > 0L]
  dat$x <- if (is.list(dat$x)) dat$x[keep] else dat$x[, keep, drop = FALSE]
  res <- cox_residuals_engine(fit, dat, c("schoenfeld", "zph"),
                              beta = unname(fcoef), gtime = gtime)
  imat <- res$zph_info
  u <- c(rep(0, nvar), res$zph_u[nvar + seq_len(nvar)])
  quad <- function(kk) {
    r <- tryCatch(drop(solve(imat[kk, kk, drop = FALSE], u[kk]) %*% u[kk]),
                  error = function(e) NA_real_)
    r
  }
  test <- vapply(asgn, function(jj) quad(c(seq_len(nvar), jj + nvar)),
                 numeric(1))
  df <- lengths(asgn)
  if (global) {
    test <- c(test, GLOBAL = quad(seq_len(2L * nvar)))
    df <- c(df, GLOBAL = nvar)
  }
  if (anyNA(test)) {
    sv_warn(paste0("The information of the proportional-hazards test is ",
                   "singular for some terms; their tests are `NA`."),
            class = "survstep_warning_singular", call = ecall)
  }
  tbl <- cbind(chisq = unname(test), df = unname(df),
               p = stats::pchisq(unname(test), unname(df), lower.tail = FALSE))
  rownames(tbl) <- names(test)

  # scaled Schoenfeld residuals (as cox.zph(): the information is shared
  # out over the strata where a covariate varies)
  rows <- res$death_row
  sres <- res$schoenfeld
  dstrat <- res$death_stratum
  ns <- if (is.null(dat$strata)) 1L else max(dat$strata) + 1L
  s_all <- if (is.null(dat$strata)) rep(0L, n) else dat$strata
  ndead <- tabulate(dstrat + 1L, ns)
  varies <- vapply(seq_len(nvar), function(j) {
    v <- if (is.list(dat$x)) dat$x[[j]] else dat$x[, j]
    if (ns == 1L) return(any(v != v[1L]))
    as.vector(tapply(v, s_all, function(z) any(z != z[1L])))
  }, logical(ns))
  varies <- matrix(varies, ns, nvar)
  used <- varies * ndead
  for (jj in asgn) {
    if (length(jj) > 1L && any(used[, jj] == 0)) {
      used[, jj] <- apply(used[, jj, drop = FALSE], 1L, max)
    }
  }
  wtmat <- matrix(0, nvar, nvar)
  for (i in seq_len(ns)) wtmat <- wtmat + outer(used[i, ], used[i, ], pmin)
  vmean <- imat[seq_len(nvar), seq_len(nvar), drop = FALSE] /
    ifelse(wtmat == 0, 1, wtmat)
  termname <- names(asgn)
  nterm <- length(asgn)
  if (terms && any(lengths(asgn) > 1L)) {
    tm <- matrix(0, nvar, nterm)
    for (i in seq_len(nterm)) {
      j <- asgn[[i]]
      tm[j, i] <- if (length(j) == 1L) 1 else fcoef[j]
    }
    sres <- sres %*% tm
    vmean <- t(tm) %*% vmean %*% tm
    used <- used[, vapply(asgn, `[`, numeric(1), 1L), drop = FALSE]
  }
  for (i in seq_len(ns)) {
    k <- which(used[i, ] > 0)
    j <- which(dstrat == i - 1L)
    if (!length(j)) next
    if (length(k)) {
      # (vmean is symmetric: r V^-1 for each residual row r)
      sres[j, k] <- sres[j, k, drop = FALSE] %*%
        solve(vmean[k, k, drop = FALSE])
    }
    sres[j, setdiff(seq_len(ncol(sres)), k)] <- NA
  }
  for (i in seq_len(nterm)) {
    j <- asgn[[i]]
    sres[, i] <- sres[, i] + if (length(j) == 1L) fcoef[j] else 1
  }
  dimnames(sres) <- list(signif(res$death_time, 4), termname)
  out <- list(table = tbl, x = unname(ttimes[rows]),
              time = unname(res$death_time), y = sres,
              var = solve(vmean), transform = transform, call = call,
              beta = vapply(asgn, function(j) {
                if (length(j) == 1L) unname(fcoef[j]) else 1
              }, numeric(1)))
  if (!is.null(dat$strata_factor)) out$strata <- dat$strata_factor[rows]
  class(out) <- "survstep_zph"
  out
}

# 1 - S(t-) of the pooled, unweighted Kaplan-Meier curve (km_fit(); delayed
# entry for (start, stop] data), at each row's time.
zph_km <- function(start, times, status) {
  y <- if (is.null(start)) cbind(time = times, status = status) else
    cbind(start = start, stop = times, status = status)
  km <- km_fit(y, timefix = FALSE)
  idx <- findInterval(times, km$time, left.open = TRUE)
  1 - c(1, km$surv)[idx + 1L]
}

#' @export
print.survstep_zph <- function(x, digits = max(getOption("digits") - 4L, 3L),
                               ...) {
  cat("Test of proportional hazards (scaled Schoenfeld residuals, ",
      "transform = \"", x$transform, "\")\n", sep = "")
  stats::printCoefmat(x$table, digits = digits, P.values = TRUE,
                      has.Pvalue = TRUE, signif.stars = FALSE,
                      cs.ind = integer(0), tst.ind = 1L, zap.ind = 2L)
  invisible(x)
}

#' @rdname cox_zph
#' @param x A `survstep_zph` object from `cox_zph()`.
#' @param ... Unused.
#' @return `tidy()`: a data frame with `term`, `statistic` (chi-square),
#'   `df` and `p.value`, one row per term (and `GLOBAL`).
#' @export
tidy.survstep_zph <- function(x, ...) {
  data.frame(term = rownames(x$table), statistic = x$table[, "chisq"],
             df = x$table[, "df"], p.value = x$table[, "p"],
             row.names = NULL, stringsAsFactors = FALSE)
}

#' Plot the scaled Schoenfeld residuals of a proportional-hazards test
#'
#' One panel per term: the scaled Schoenfeld residuals against (transformed)
#' time, a natural-spline smooth of them (an estimate of
#' \eqn{\beta(t)}{beta(t)}, Grambsch and Therneau 1994) with a pointwise
#' confidence band (dashed limits), and a dotted red line at the fitted,
#' constant coefficient.
#' A flat smooth, with the dashed line inside the band, is what proportional
#' hazards predict. Base graphics, as survival's `plot.cox.zph()`.
#'
#' @param x A `survstep_zph` object from [cox_zph()].
#' @param terms Which terms to plot (names or positions); all by default.
#' @param df Degrees of freedom of the natural spline (default 4).
#' @param nsmo Number of points of the smooth.
#' @param conf_level Confidence level of the band (`NULL` for none).
#' @param resid Whether to show the residuals.
#' @param ... Further graphical arguments for [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' plot(cox_zph(fit))
#' @export
plot.survstep_zph <- function(x, terms = NULL, df = 4, nsmo = 40,
                              conf_level = 0.95, resid = TRUE, ...) {
  call <- sys.call()
  nm <- colnames(x$y)
  if (is.null(terms)) terms <- seq_along(nm)
  if (is.character(terms)) terms <- match(terms, nm)
  if (anyNA(terms) || any(terms < 1 | terms > length(nm))) {
    sv_abort(sprintf("`terms` must name terms of the test (%s).",
                     paste0("`", nm, "`", collapse = ", ")), call = call)
  }
  if (!is.null(conf_level)) check_conf_level(conf_level, "conf_level",
                                             call = call)
  xx <- x$x
  df <- max(1L, min(df, length(unique(xx)) - 1L))
  pred_x <- seq(min(xx), max(xx), length.out = nsmo)
  basis <- splines::ns(c(pred_x, xx), df = df, intercept = TRUE)
  pmat <- basis[seq_len(nsmo), , drop = FALSE]
  xmat <- basis[-seq_len(nsmo), , drop = FALSE]
  # time axis: the transformed scale labelled in the original times (eight
  # labels evenly spread on the transformed scale, as plot.cox.zph())
  if (x$transform == "identity") {
    lab_t <- pretty(x$time)
    lab_t <- lab_t[lab_t >= min(x$time) & lab_t <= max(x$time)]
    at <- lab_t
  } else {
    u <- !duplicated(xx)
    grid <- seq(min(xx), max(xx), length.out = 17)[2L * (1:8)]
    lab_t <- unique(signif(stats::approx(xx[u], x$time[u], grid,
                                         ties = mean)$y, 2))
    at <- stats::approx(x$time[u], xx[u], lab_t, ties = mean)$y
  }
  # one panel per term, in a grid unless the caller has set up a layout
  if (length(terms) > 1L && all(graphics::par("mfrow") == 1L)) {
    nr <- ceiling(sqrt(length(terms)))
    old <- graphics::par(mfrow = c(nr, ceiling(length(terms) / nr)))
    on.exit(graphics::par(old), add = TRUE)
  }
  for (i in terms) {
    y <- x$y[, i]
    ok <- !is.na(y)
    qm <- qr(xmat[ok, , drop = FALSE])
    yhat <- drop(pmat %*% qr.coef(qm, y[ok]))
    band <- NULL
    if (!is.null(conf_level)) {
      r <- qm$rank
      bk <- backsolve(qr.R(qm)[seq_len(r), seq_len(r), drop = FALSE], diag(r))
      xtx <- bk %*% t(bk)
      pm <- pmat[, qm$pivot[seq_len(r)], drop = FALSE]
      seval <- rowSums((pm %*% xtx) * pm)
      z <- stats::qnorm((1 + conf_level) / 2)
      half <- z * sqrt(x$var[i, i] * seval)
      band <- cbind(yhat - half, yhat + half)
    }
    yr <- range(c(if (resid) y[ok], yhat, band), na.rm = TRUE)
    graphics::plot(range(xx), yr, type = "n", xaxt = "n",
                   xlab = "Time", ylab = paste0("Beta(t) for ", nm[i]), ...)
    graphics::axis(1, at = at, labels = as.character(lab_t))
    if (resid) graphics::points(xx[ok], y[ok], col = "grey45", cex = 0.6)
    if (!is.null(band)) {
      graphics::polygon(c(pred_x, rev(pred_x)), c(band[, 1], rev(band[, 2])),
                        col = grDevices::adjustcolor("steelblue", 0.3),
                        border = NA)
      graphics::matlines(pred_x, band, lty = 2, col = "steelblue4")
    }
    graphics::lines(pred_x, yhat, lwd = 2, col = "steelblue4")
    # the fitted constant effect (1 for a multi-column term's ratio)
    if (!is.null(x$beta)) {
      graphics::abline(h = x$beta[i], lty = 3, col = "firebrick")
    }
  }
  invisible(x)
}
