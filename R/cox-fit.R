# Matrix-level Cox engine ----------------------------------------------------

#' Fit a Cox model from a design matrix
#'
#' The matrix-level engine behind [cox()], in the spirit of
#' [survival::coxph.fit()]: no formula, no model frame, one call into the C++
#' core. Use it when the design matrix is already at hand (simulations,
#' bootstraps, resampling), where the formula machinery would dominate the
#' run time.
#'
#' The fit follows `coxph.fit()` (for counting-process data
#' `agreg.fit()`, whose risk set at an event time t holds the intervals with
#' start < t <= stop): Newton-Raphson from `init` (default 0) on
#' centred and scaled columns, step-halving when the log partial likelihood
#' falls, convergence when `|1 - l_old / l_new| <= eps`, and a Cholesky
#' decomposition with tolerance `toler_chol` that declares redundant columns
#' (their coefficients are `NA`). As in `coxph()`, columns whose values are
#' all in \{-1, 0, 1\} are not centred, a non-zero offset is centred, and the
#' variance is the inverse of the observed information (model-based, also
#' with case weights).
#'
#' Problems in the fit are signalled as classed warnings, and the result is
#' still returned: `survstep_warning_singular` (aliased columns),
#' `survstep_warning_infinite_coef` (monotone likelihood: a coefficient
#' drifts to infinity) and `survstep_warning_convergence` (`iter_max`
#' reached).
#'
#' @section Tied event times:
#' `"breslow"` and `"efron"` are the usual approximations (SPSS COXREG uses
#' Breslow's; SAS PHREG `TIES=BRESLOW` and `TIES=EFRON`; Stata `stcox`
#' `breslow` and `efron`). `ties = "exact"` maximises the exact partial
#' likelihood of the discrete-time model (Kalbfleisch and Prentice's
#' "discrete" likelihood; `coxph(ties = "exact")`, SAS `TIES=DISCRETE`,
#' Stata `exactp`): at a time with d tied
#' events among the m rows at risk the term is the product of the d risk
#' scores over the sum of the products over all d-subsets of the risk set,
#' computed with its first and second derivatives by the recursion of Gail,
#' Lubin and Rubinstein (1981) -- for right-censored data in one backward
#' sweep per stratum, O(n d_max p^2) in all, on rescaled scores that cannot
#' overflow (coxph's recursion gives `-Inf` once choose(m, d) exceeds the
#' double range). For (start, stop] data the risk set is the intervals with
#' start < t <= stop, as `coxph()`. As in `coxph()`, case weights other
#' than 1 are an error (class `survstep_error_exact_weights`), martingale
#' and deviance residuals and [cox_survfit()] curves use
#' the Breslow hazard, and score and Schoenfeld residuals (and so the robust
#' variance) are not available. A tied set whose events times rows at risk
#' exceed 1e8 is refused with an error of class
#' `survstep_error_exact_infeasible` suggesting `"efron"`.
#'
#' `ties = "exact-marginal"` maximises the exact marginal likelihood (SAS
#' PHREG `TIES=EXACT`, Stata `stcox, exactm`; Kalbfleisch and Prentice
#' 1973, DeLong, Guirguis and So 1994), which treats the tied times as
#' grouped continuous times: the term of a tied set is the probability
#' that its d events all precede the survivors of the risk set,
#' \deqn{\int_0^\infty \prod_{i \in D} \{1 - \exp(-r_i t / S)\}
#' e^{-t} \, dt,}{int_0^Inf prod_{i in D} (1 - exp(-r_i t / S)) exp(-t) dt,}
#' S the summed risk score of the survivors, evaluated (with its first and
#' second derivatives) by the trapezoidal rule in log t centred at the mode
#' of the log-concave integrand, accurate to rounding. Its weights,
#' residuals and curves follow the rules of `"exact"` (no limit on the size
#' of a tied set: the cost is O(m p^2) per set).
#'
#' @param x A numeric matrix of covariates (one row per observation), or a
#'   numeric vector for one covariate. Column names are used as coefficient
#'   names. A matrix with zero columns fits the null model.
#' @param y The response, as [survival::coxph.fit()] takes it: a
#'   [survival::Surv()] object, `Surv(time, status)` for right-censored data
#'   or `Surv(start, stop, event)` for counting-process data (time-varying
#'   covariates, delayed entry), or its numeric matrix: two columns (time,
#'   status) or three (start, stop, status). Times must be finite (and
#'   non-negative for right-censored data), each start time less than its
#'   stop time; the status is 1 (or `TRUE`) for an event, 0 (or `FALSE`)
#'   for a censored time.
#' @param strata Optional stratum of each observation (any vector; each
#'   distinct value is a stratum with its own baseline hazard).
#' @param weights Optional positive case weights.
#' @param offset Optional offset added to the linear predictor.
#' @param init Optional starting values for the coefficients (default 0).
#' @param ties Method for tied event times: `"efron"` (the default, as
#'   `coxph()`), `"breslow"` (as SPSS) or `"exact"` (the discrete exact
#'   partial likelihood) or `"exact-marginal"` (the exact marginal
#'   likelihood); see "Tied event times".
#' @param control Settings from [cox_control()].
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A list with components `coefficients`, `var` (variance matrix),
#'   `loglik` (at `init` and at the solution), `score` (score test at
#'   `init`), `wald.test` (Wald test of all coefficients against `init`)
#'   and `wald.df` (its degrees of freedom: the rank of the variance matrix
#'   it used; see "Wald test" in [cox()]), `iter`, `linear.predictors` (centred as in `coxph()`), `means` (the
#'   centring values), `method`, `n`, `nevent`, `converged`, `aliased` and
#'   `infinite` (logical, per coefficient) and `u` (the score vector at the
#'   solution). Unlike [cox()], no concordance is computed (as
#'   `coxph.fit()`).
#' @seealso [cox()] for the formula interface.
#' @references Therneau TM, Grambsch PM (2000). *Modeling Survival Data:
#'   Extending the Cox Model*. Springer, chapter 3.
#'
#'   Efron B (1977). The efficiency of Cox's likelihood function for censored
#'   data. *JASA* 72, 557-565. Breslow N (1974). Covariance analysis of
#'   censored survival data. *Biometrics* 30, 89-99.
#'
#'   Gail MH, Lubin JH, Rubinstein LV (1981). Likelihood calculations for
#'   matched case-control studies and survival studies with tied death
#'   times. *Biometrika* 68, 703-707.
#'
#'   DeLong DM, Guirguis GH, So YC (1994). Efficient computation of subset
#'   selection probabilities with application to Cox regression.
#'   *Biometrika* 81, 607-611. Kalbfleisch JD, Prentice RL (1973). Marginal
#'   likelihoods based on Cox's regression and life model. *Biometrika* 60,
#'   267-278.
#' @examples
#' lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
#' fit <- cox_fit(as.matrix(lung[, c("age", "sex")]),
#'                Surv(lung$time, lung$status))
#' fit$coefficients
#' sqrt(diag(fit$var))
#' # counting-process data: a time-varying covariate (heart transplant)
#' h <- survival::heart
#' fit2 <- cox_fit(cbind(age = h$age, transplant = as.numeric(h$transplant == "1")),
#'                 Surv(h$start, h$stop, h$event))
#' fit2$coefficients
#' @export
cox_fit <- function(x, y, strata = NULL, weights = NULL, offset = NULL,
                    init = NULL,
                    ties = c("efron", "breslow", "exact", "exact-marginal"),
                    control = cox_control(), ...) {
  call <- sys.call()
  check_dots_empty("cox_fit", ..., call = call)
  ties <- sv_match_arg(ties, cox_ties_methods, "ties", call = call)
  control <- check_cox_control(control, call = call)
  y <- cox_fit_response(y, call)
  n <- nrow(y)
  if (is.null(x)) x <- matrix(0, n, 0L)
  if (is.data.frame(x)) {
    sv_abort("`x` must be a numeric matrix, not a data frame; use `model.matrix()` or `cox()`.",
             call = call)
  }
  if (!is.matrix(x)) {
    if (!is.numeric(x) && !is.logical(x)) {
      sv_abort(sprintf("`x` must be a numeric matrix, not %s.",
                       sv_obj_type(x)), call = call)
    }
    x <- matrix(x, ncol = 1L, dimnames = list(NULL, "x"))
  }
  if (!(is.numeric(x) || is.logical(x))) {
    sv_abort(sprintf("`x` must be a numeric or logical matrix, not %s.",
                     sv_obj_type(x)), call = call)
  }
  if (nrow(x) != n) {
    sv_abort(sprintf("`x` must have %d rows (one per row of `y`), not %d.",
                     n, nrow(x)), call = call)
  }
  # without `init` the engine finds missing and infinite values itself (with
  # the same message) in a pass it makes anyway
  if (!is.null(init) && anyNA(x)) {
    sv_abort("`x` must not contain missing or infinite values.", call = call)
  }
  # names for the coefficients (x itself is not renamed: that would copy it)
  cn <- colnames(x)
  if (is.null(cn) && ncol(x) > 0L) cn <- paste0("x", seq_len(ncol(x)))
  if (!is.double(x)) storage.mode(x) <- "double"

  if (!is.null(weights)) {
    if (!is.numeric(weights) || length(weights) != n || anyNA(weights)) {
      sv_abort(sprintf("`weights` must be %d finite, positive numbers.", n),
               call = call)
    }
  }
  if (!is.null(offset)) {
    if (!is.numeric(offset) || length(offset) != n || anyNA(offset)) {
      sv_abort(sprintf("`offset` must be %d finite numbers.", n), call = call)
    }
  }
  if (!is.null(strata)) {
    if (length(strata) != n || anyNA(strata)) {
      sv_abort(sprintf("`strata` must have length %d and no missing values.",
                       n), call = call)
    }
    strata <- as.integer(as.factor(strata)) - 1L
  }
  cox_engine(x, y, strata, weights, offset, init, ties, control,
             terms_of_cols = NULL, call = call, concordance = FALSE,
             col_names = cn)
}

# The response of cox_fit(): a Surv object or its 2- or 3-column matrix, as
# a double matrix (time, status) or (start, stop, status) with a 0/1 status.
cox_fit_response <- function(y, call) {
  type <- NULL
  if (inherits(y, "Surv")) {
    type <- attr(y, "type")
    if (!type %in% c("right", "counting")) {
      sv_abort(sprintf(paste0(
        "`y` must describe right-censored (`Surv(time, status)`) or ",
        "counting-process (`Surv(start, stop, event)`) data, not type ",
        "\"%s\"."), type), call = call)
    }
    y <- unclass(y)
  }
  if (!is.matrix(y) || !(is.numeric(y) || is.logical(y)) ||
      !ncol(y) %in% 2:3) {
    sv_abort(sprintf(paste0(
      "`y` must be a `Surv()` object or a numeric matrix with 2 columns ",
      "(time, status) or 3 (start, stop, status), not %s."),
      if (is.matrix(y)) sprintf("a matrix with %d columns", ncol(y)) else
        sv_obj_type(y)), call = call)
  }
  n <- nrow(y)
  if (n == 0L) {
    sv_abort("Can't fit a Cox model to zero observations.", call = call)
  }
  counting <- ncol(y) == 3L
  # the values are checked in the engine (one pass in C++: a status other
  # than 0/1 is its data status 4); missing values here, without copies
  if (anyNA(y)) {
    sv_abort(if (anyNA(y[, ncol(y)])) {
      cox_status_table$data[["4"]]
    } else if (counting) {
      "`y` must not contain missing start or stop times."
    } else {
      "`time` must contain finite, non-negative values only."
    }, call = call)
  }
  if (!is.double(y)) storage.mode(y) <- "double"
  y
}

# A Surv object or response matrix as the engine's double matrix `y` (2 or
# 3 columns) and its columns (start NULL for right-censored data), for the
# callers that rebuild a fit's data (residuals, curves).
cox_y_parts <- function(y) {
  y <- unclass(y)
  y <- matrix(as.double(y), nrow(y), ncol(y))
  counting <- ncol(y) == 3L
  list(y = y, start = if (counting) y[, 1L], time = y[, 1L + counting],
       status = y[, 2L + counting])
}

# The one decode table of the Cox engine's status values (cox_model.hpp,
# newton.hpp), read by cox_signal_status(): `data` maps the data status
# (input refused by the engine) to its error message, `fit` the status bits
# of a fit to their condition classes.
cox_status_table <- list(
  data = c(
    "1" = "internal: the Cox engine got data of the wrong shape.",
    "3" = "`time` must contain finite, non-negative values only.",
    "3c" = "The stop times must be finite.",
    "4" = paste0("The status (last column of `y`) must be 0/1 or ",
                 "logical without missing values."),
    "5" = "`weights` must be %d finite, positive numbers.",
    "6" = "`offset` must be %d finite numbers.",
    "7" = "`x` must not contain missing or infinite values.",
    "8" = "Every start time must be finite and less than its stop time.",
    "9" = sv_timefix_merged_message("fit a Cox model",
                                    "`cox_control(timefix = FALSE)`"),
    "11" = "Can't fit a Cox model: there are no events (every time is censored)."
  ),
  # (10, constant columns, is handled by cox_engine(): aliased or an error)
  fit = c(
    not_converged = 1L,   # survstep_warning_convergence
    singular = 2L,        # survstep_warning_singular (aliased columns)
    infinite = 4L,        # survstep_warning_infinite_coef
    nonfinite_init = 8L,  # survstep_error_overflow
    halving_at_end = 16L, # (no condition)
    bad_input = 32L,      # internal error
    lp_large = 64L        # with not_converged: "may be infinite"
  )
)

# Classed conditions for the status of an engine result `res`:
# errors for refused data and a non-finite start, warnings for the fit.
# `labels` are the formatted names of the columns.
cox_signal_status <- function(res, n, counting, labels, control, weights,
                              offset, init, call, detail = NULL) {
  tab <- cox_status_table
  ds <- res$data_status
  if (ds != 0L) {
    key <- if (ds == 3L && counting) "3c" else as.character(ds)
    msg <- tab$data[key]
    if (is.na(msg)) msg <- "The data can't be used for a Cox model."
    sv_abort(if (grepl("%d", msg, fixed = TRUE)) sprintf(msg, n) else msg,
             call = call)
  }
  has <- function(bit) bitwAnd(res$status, tab$fit[[bit]]) != 0L
  if (has("bad_input")) {
    sv_abort("internal: the Cox engine refused its input.", call = call)
  }
  if (has("nonfinite_init")) {
    # the log partial likelihood at the start is not finite
    if (!is.null(weights) && is.null(offset) && is.null(init)) {
      cox_abort_weights_overflow(weights, call)
    }
    sv_abort(paste0("Can't fit a Cox model: the log partial likelihood at ",
                    "the starting values is not finite (numerical overflow). ",
                    "Check `weights`, `offset` and `init` for extreme ",
                    "values."),
             class = c("survstep_error_overflow", "survstep_error_input"),
             call = call)
  }
  if (has("not_converged") && control$iter_max > 0L) {
    sv_warn(c(sprintf(paste0("The Cox model did not converge in %d ",
                             "iterations (`iter_max`); estimates are from ",
                             "the last iteration."), control$iter_max),
              if (has("lp_large"))
                "One or more coefficients may be infinite."),
            class = "survstep_warning_convergence", call = call)
  }
  aliased <- as.logical(res$aliased)
  infinite <- as.logical(res$infinite)
  if (any(aliased)) cox_warn_singular(labels[aliased], call)
  if (any(infinite)) {
    sv_warn(c(sprintf(paste0("The log-likelihood converged before the ",
                             "coefficient of %s did (monotone likelihood); ",
                             "the %s may be infinite."),
                      paste(labels[infinite], collapse = ", "),
                      if (sum(infinite) == 1L) "estimate" else "estimates"),
              detail,
              paste0("Use `firth = TRUE` (Firth's penalized likelihood: ",
                     "finite estimates with profile intervals) or combine ",
                     "sparse categories.")),
            class = "survstep_warning_infinite_coef", call = call)
  }
  invisible()
}

# The engine shared by cox(), cox_fit(), cox_univariable() and the
# sequential anova(), in the shape of cox_fit(): inputs are validated; `x`
# is a double matrix with column names, or (cox()'s fast path, without
# `init`) a named list of double columns; `y` the double response matrix
# (2 or 3 columns, status 0/1); `strata` 0-based integer codes or NULL.
# `terms_of_cols` names the term each column belongs to (for warnings);
# NULL uses the column names. `col_names`: the coefficient names when `x`
# has no column names (cox_fit(); NULL = the names of `x`). `cluster`: the
# values of a cluster() term (one per row) or NULL; the concordance's
# variance is then summed within clusters, as coxph()'s.
cox_engine <- function(x, y, strata, weights, offset, init, ties,
                       control, terms_of_cols = NULL, call = sys.call(-1),
                       concordance = TRUE, firth = FALSE,
                       col_names = NULL, cluster = NULL) {
  n <- nrow(y)
  p <- if (is.list(x)) length(x) else ncol(x)
  if (n == 0L) {
    sv_abort("Can't fit a Cox model: the data have no rows.", call = call)
  }
  cn <- if (!is.null(col_names)) col_names else if (is.list(x)) names(x) else colnames(x)
  if (!is.null(weights)) {
    weights <- as.double(weights)
    if (!is.finite(sum(weights))) cox_abort_weights_overflow(weights, call)
  }
  offset <- cox_centre_offset(offset)
  if (!is.null(strata) && max(strata) == min(strata)) strata <- NULL
  if (!is.null(init)) {
    if (!is.numeric(init) || length(init) != p || anyNA(init) ||
        any(!is.finite(init))) {
      sv_abort(sprintf("`init` must be %d finite %s (one per coefficient), not %s.",
                       p, if (p == 1L) "number" else "numbers",
                       sv_obj_type(init)), call = call)
    }
    init <- as.double(init)
    eta <- drop(x %*% init) - sum(colMeans(x) * init) +
      (if (is.null(offset)) 0 else offset)
    if (any(eta > log(.Machine$double.xmax)) ||
        all(eta < log(.Machine$double.xmin))) {
      sv_abort(paste0("Can't start from `init`: exp() of the linear ",
                      "predictor overflows or underflows. Use smaller ",
                      "starting values."), call = call)
    }
  }
  if (ties %in% c("exact", "exact-marginal")) {
    cox_check_exact(y, strata, weights, control, call, ties)
  }
  res <- cox_fit_cpp(
    if (p > 0L) x else NULL, y, strata, weights, offset, init, ties,
    control$eps, control$toler_chol, control$iter_max, control$toler_inf,
    if (control$timefix) sqrt(.Machine$double.eps) else 0, concordance,
    cox_control_rule(control), cox_control_tols(control), firth,
    if (concordance && !is.null(cluster)) match(cluster, unique(cluster)) - 1L
  )
  if (res$data_status == 10L) {
    const <- which(res$constant)
    # A constant column of a term whose other columns vary (an empty cell of
    # an interaction or of a factor combination) is aliased, as in coxph():
    # fit without it and report it as NA.
    if (!is.null(terms_of_cols) && length(const) < p &&
        all(terms_of_cols[const] %in% terms_of_cols[-const])) {
      return(cox_engine_drop(const, x, y, strata, weights, offset,
                             init, ties, control, terms_of_cols, call,
                             concordance, firth, cluster = cluster))
    }
    what <- if (is.null(terms_of_cols)) cn[const] else
      unique(terms_of_cols[const])
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s constant ",
                            "(the same value in every row used)."),
                     sv_name_list(what, "covariate")),
             call = call)
  }
  if (res$data_status == 0L && !is.null(weights) &&
      any(is.nan(res$coefficients) & !as.logical(res$aliased))) {
    # the sums of the fit overflowed during the iterations (a weight near
    # the largest double): a NaN coefficient is never an answer
    cox_abort_weights_overflow(weights, call)
  }
  if (res$data_status != 0L || res$status != 0L) {
    detail <- if (res$data_status == 0L && any(res$infinite)) {
      cox_monotone_detail(x, y, as.logical(res$infinite), cn, terms_of_cols)
    }
    cox_signal_status(res, n, ncol(y) == 3L, cox_col_labels(cn, terms_of_cols),
                      control, weights, offset, init, call, detail)
  }
  cox_engine_result(res, cn, p, ties, n)
}

# Why a coefficient diverges, for the monotone-likelihood warning: the
# group of rows without any event. For each diverging column with two
# values (a dummy of a factor level, a binary covariate) the value whose
# rows have no event; for a term of several columns whose columns all
# diverge, its reference group (every column 0). `x` as cox_engine()'s.
cox_monotone_detail <- function(x, y, infinite, cn, terms_of_cols) {
  status <- y[, ncol(y)]
  col <- function(j) if (is.list(x)) x[[j]] else x[, j]
  toc <- if (is.null(terms_of_cols)) cn else terms_of_cols
  out <- character(0)
  lev_of <- function(j) {
    if (toc[j] != cn[j] && startsWith(cn[j], toc[j])) {
      sprintf("level `%s` of `%s`", substring(cn[j], nchar(toc[j]) + 1L),
              toc[j])
    } else NULL
  }
  for (j in which(infinite)) {
    v <- col(j)
    u <- sort(unique(v))
    if (length(u) != 2L) next
    for (val in u) {
      rows <- v == val
      if (sum(status[rows]) == 0) {
        lev <- if (val == u[2L]) lev_of(j)
        out <- c(out, sprintf("%s has no events (%d %s with `%s` = %s).",
                              if (is.null(lev)) sprintf("The group `%s` = %s",
                                                        cn[j], format(val))
                              else sub("^l", "L", lev),
                              sum(rows), if (sum(rows) == 1L) "row" else
                                "rows", cn[j], format(val)))
      }
    }
  }
  for (tm in unique(toc[infinite])) {
    cols <- which(toc == tm)
    if (length(cols) < 2L || !all(infinite[cols])) next
    ref <- Reduce(`&`, lapply(cols, function(j) col(j) == 0))
    if (any(ref) && sum(status[ref]) == 0) {
      out <- c(out, sprintf(paste0("The reference level of `%s` has no ",
                                   "events (%d %s)."), tm, sum(ref),
                            if (sum(ref) == 1L) "row" else "rows"))
    }
  }
  if (length(out)) out else NULL
}

# The engine's offset convention: none when all zero, else centred.
cox_centre_offset <- function(offset) {
  if (is.null(offset)) return(NULL)
  offset <- as.double(offset)
  if (all(offset == 0)) NULL else offset - mean(offset)
}

# Column names for messages: "`x`", or "`x1` (term `x`)" when the column
# belongs to a term of another name.
cox_col_labels <- function(cn, terms_of_cols = NULL) {
  if (is.null(terms_of_cols)) return(paste0("`", cn, "`"))
  paste0("`", cn, "`", ifelse(terms_of_cols != cn,
                              paste0(" (term `", terms_of_cols, "`)"), ""))
}

# The fit list of an engine result (cox_fit_cpp() or the stepwise final
# model): names, NA for aliased coefficients, coxph()'s conventions.
cox_engine_result <- function(res, cn, p, ties, n) {
  coef <- res$coefficients
  names(coef) <- cn
  var <- res$var
  dimnames(var) <- list(cn, cn)
  aliased <- as.logical(res$aliased)
  infinite <- as.logical(res$infinite)
  names(aliased) <- names(infinite) <- cn
  coef[aliased] <- NA_real_
  means <- res$means
  names(means) <- cn
  conc <- res$concordance
  if (!is.null(conc)) {
    names(conc) <- c("concordant", "discordant", "tied.x", "tied.y",
                     "tied.xy", "concordance", "std")
  }
  # as coxph(): numeric(0) when no coefficient was estimated
  wald <- if (p > 0L && all(aliased)) numeric(0) else res$wald
  fit <- list(
    coefficients = coef, var = var,
    # one value for the null model, as coxph()
    loglik = if (p == 0L) res$loglik[1L] else res$loglik, score = res$score,
    wald.test = wald, wald.df = res$wald_df, iter = res$iter,
    linear.predictors = res$linear.predictors, means = means,
    concordance = conc, method = ties, n = n, nevent = res$nevent,
    converged = res$converged, aliased = aliased, infinite = infinite,
    u = stats::setNames(res$u, cn)
  )
  # not computed (cox_fit(), as coxph.fit()): no such field
  if (is.null(conc)) fit$concordance <- NULL
  fit
}

# Weights so large that the log partial likelihood overflows.
cox_abort_weights_overflow <- function(weights, call) {
  sv_abort(c(sprintf(paste0("Can't fit a Cox model: the `weights` are too ",
                            "large (the log partial likelihood overflows; ",
                            "the largest weight is %g)."), max(weights)),
             "Divide them by a common factor."),
           class = c("survstep_error_overflow", "survstep_error_input"),
           call = call)
}

# cox_engine() without the columns `drop`, which come back as aliased (NA
# coefficient, NA variance) with the singular-design warning.
cox_engine_drop <- function(drop, x, y, strata, weights, offset,
                            init, ties, control, terms_of_cols, call,
                            concordance, firth = FALSE, cluster = NULL) {
  cn <- colnames(x)
  p <- length(cn)
  keep <- setdiff(seq_len(p), drop)
  fit <- withCallingHandlers(
    cox_engine(x[, keep, drop = FALSE], y, strata, weights, offset,
               if (is.null(init)) NULL else init[keep], ties, control,
               terms_of_cols[keep], call, concordance, firth,
               cluster = cluster),
    survstep_warning_singular = function(w) invokeRestart("muffleWarning"))
  widen <- function(v, fill) {
    out <- stats::setNames(rep(fill, p), cn)
    out[keep] <- v
    out
  }
  var <- matrix(NA_real_, p, p, dimnames = list(cn, cn))
  var[keep, keep] <- fit$var
  means <- widen(fit$means, 0)
  means[drop] <- colMeans(x[, drop, drop = FALSE])
  aliased <- widen(fit$aliased, TRUE)
  fit$coefficients <- widen(fit$coefficients, NA_real_)
  fit$var <- var
  fit$means <- means
  fit$aliased <- aliased
  fit$infinite <- widen(fit$infinite, FALSE)
  fit$u <- widen(fit$u, 0)
  cox_warn_singular(paste0("`", cn[aliased], "`"), call)
  fit
}

# The classed warning for aliased columns; `labels` are the formatted names.
cox_warn_singular <- function(labels, call) {
  sv_warn(sprintf(paste0("The design matrix is singular (collinear ",
                         "columns): %s %s set to `NA`."),
                  paste(labels, collapse = ", "),
                  if (length(labels) == 1L) "is" else "are"),
          class = "survstep_warning_singular", call = call)
}

# Multi-df Wald test of a set of coefficients: b_E' V_EE^- b_E, df = rank.
# `fit` is a survstep_cox (or a cox_fit() result); `cols` are column indices
# or names. Aliased (NA) coefficients are left out.
cox_wald_cols <- function(fit, cols, toler_chol = .Machine$double.eps^0.75) {
  b <- fit$coefficients[cols]
  ok <- !is.na(b)
  if (!any(ok)) return(c(statistic = NA_real_, df = 0, p.value = NA_real_))
  v <- fit$var[cols, cols, drop = FALSE][ok, ok, drop = FALSE]
  r <- wald_test_cpp(v, unname(b[ok]), toler_chol)
  c(statistic = r[["statistic"]], df = r[["df"]],
    p.value = stats::pchisq(r[["statistic"]], r[["df"]], lower.tail = FALSE))
}

# Exact ties ------------------------------------------------------------------

# The tie methods of cox(), cox_fit(), cox_univariable(), cox_stepwise().
cox_ties_methods <- c("efron", "breslow", "exact", "exact-marginal")

# Their names in printed output.
cox_ties_label <- function(ties) {
  c(efron = "Efron", breslow = "Breslow", exact = "exact",
    `exact-marginal` = "exact marginal")[[ties]]
}

# The largest tied set (events d times rows at risk m) that `ties = "exact"`
# accepts: one evaluation of the likelihood costs O(d m p^2) per tied set.
cox_exact_limit <- 1e8

# Checks for `ties = "exact"` (cox_exact.hpp): case weights must all be 1
# (coxph() refuses other weights for the exact method), and the largest
# tied set must be within cox_exact_limit.
cox_check_exact <- function(y, strata, weights, control, call,
                            ties = "exact") {
  if (!is.null(weights) && any(weights != 1)) {
    sv_abort(c(paste0("Can't use `ties = \"", ties, "\"` with case weights: ",
                      "the exact likelihoods are defined for ",
                      "unweighted rows (as `coxph()` requires)."),
               paste0("Use `ties = \"efron\"` or `\"breslow\"`, or ",
                      "replicate the rows instead of weighting them.")),
             class = c("survstep_error_exact_weights", "survstep_error_input"),
             call = call)
  }
  # the marginal likelihood costs O(m p^2) per tied set: no limit
  if (ties != "exact") return(invisible(NULL))
  s <- cox_exact_size_cpp(y, if (is.null(strata)) NULL else as.integer(strata),
                          if (control$timefix) sqrt(.Machine$double.eps) else 0)
  if (s[["work"]] > cox_exact_limit) {
    sv_abort(c(sprintf(paste0("Can't use `ties = \"exact\"`: a tied set of ",
                              "%d events among %d rows at risk is too large ",
                              "for the exact partial likelihood (events x ",
                              "rows at risk = %.3g > %.3g)."),
                       as.integer(s[["deaths"]]), as.integer(s[["at_risk"]]),
                       s[["work"]], cox_exact_limit),
               "Use `ties = \"efron\"`, which approximates it closely."),
             class = c("survstep_error_exact_infeasible",
                       "survstep_error_input"), call = call)
  }
  invisible(s)
}

# Residuals that the exact method does not define (as residuals.coxph():
# score and Schoenfeld residuals, and what is built on them).
cox_check_exact_residuals <- function(method, what, call) {
  if (isTRUE(method %in% c("exact", "exact-marginal"))) {
    sv_abort(c(sprintf(paste0("%s of a fit with `ties = \"%s\"` ",
                              "are not available (as in `coxph()`)."), what,
                       method),
               "Refit with `ties = \"efron\"` or `\"breslow\"`."),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = call)
  }
}
