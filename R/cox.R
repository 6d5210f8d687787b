# Formula interface of the Cox model ------------------------------------------

#' Cox proportional hazards regression
#'
#' Fits a Cox proportional hazards model with a C++ engine whose results
#' agree with [survival::coxph()] (coefficients, standard errors,
#' log-likelihoods, likelihood-ratio, Wald and score tests, concordance), for
#' Efron's (the default, as `coxph()`) or Breslow's (as SPSS COXREG)
#' handling of tied event times.
#'
#' The formula works as in `coxph()`: a [survival::Surv()] response,
#' numeric, logical, factor or character covariates (characters are treated
#' as factors, coded by [stats::model.matrix()] with the default contrasts),
#' interactions, `strata()` terms (separate baseline hazards; removed from
#' the design) and `offset()` terms. `data`, `subset`, `weights` and
#' `na.action` behave as in [stats::lm()]: by default rows with a missing
#' value in any variable of the formula are dropped (listwise deletion) and
#' counted in the printed output.
#'
#' Problems of the fit are classed warnings and the fit is still returned:
#' collinear columns (`survstep_warning_singular`, their coefficients are
#' `NA`), monotone likelihood (`survstep_warning_infinite_coef`, naming the
#' term whose coefficient drifts to infinity; common in small cohorts with a
#' category without events) and non-convergence
#' (`survstep_warning_convergence`). Invalid input is a classed error
#' (`survstep_error_input`): no events, a covariate that is constant or
#' entirely missing, `init` of the wrong length or overflowing `exp()`, an
#' unknown `ties` method or invalid `control` settings.
#'
#' With case weights the variance is the model-based inverse information
#' unless `robust = TRUE`. Case weights that are not whole numbers (for
#' example inverse-probability-of-treatment weights from a propensity score)
#' are not frequencies, and then the model-based variance is wrong: use
#' `robust = TRUE` (`coxph()` switches to the robust variance by itself in
#' that case; `cox()` does not change the variance silently).
#'
#' @section Robust variance:
#' With `robust = TRUE`, or a `cluster(id)` term in the formula, the
#' variance is the robust sandwich estimator of Lin and Wei (1989),
#' \eqn{D'D}{D'D} with \eqn{D}{D} the matrix of weighted dfbeta residuals
#' (score residuals times the model-based variance, see
#' [residuals.survstep_cox()]) summed within each cluster, as `coxph()`
#' computes it: for correlated rows (several rows or events per subject,
#' matched sets, centres) and for non-integer weights. The model-based
#' variance is kept as `naive.var`; `summary()`, `confint()`, `vcov()`,
#' `tidy()`, `cox_table()` and the Wald tests then use the robust one and
#' say so, and `summary()` adds the robust score test (`rscore`, computed at
#' `init` from the score residuals summed within clusters). The likelihood
#' ratio and score tests still assume independent rows. Unlike `coxph()`,
#' the robust score test includes the offset (`coxph()` evaluates it
#' without the offset). `cluster()` must not contain missing values;
#' `robust = FALSE` with a `cluster()` term and `robust = TRUE` for
#' counting-process data without `cluster()` are errors.
#'
#' @section Firth's penalized likelihood:
#' With `firth = TRUE` the coefficients maximize the penalized log partial
#' likelihood \eqn{l(b) + \frac12 \log|I(b)|}{l(b) + 1/2 log|I(b)|}
#' (Firth 1993; Heinze and Schemper 2001), with \eqn{I(b)}{I(b)} the
#' information matrix. They are found by the Newton-Raphson solver of the
#' ordinary fit with the modified score
#' \eqn{U_k(b) + \frac12 \mathrm{tr}(I(b)^{-1} \partial I(b)/\partial
#' b_k)}{U_k(b) + 1/2 tr(I(b)^-1 dI(b)/db_k)} (the derivative of the
#' information needs the third moments of the covariates in each risk set)
#' and the step \eqn{I(b)^{-1} U^*(b)}{I(b)^-1 U*(b)}, halved while the
#' penalized likelihood falls. The estimates are finite even under monotone
#' likelihood. Breslow's ties give `coxphf`'s estimates; Efron's, strata,
#' case weights and counting-process data are supported as in the
#' ordinary fit.
#'
#' Inference is as `coxphf`'s (profile likelihood): confidence intervals
#' are the profile penalized likelihood intervals (the values of
#' \eqn{b_k}{b_k} at which twice the drop of the penalized log-likelihood,
#' maximized over the other coefficients, reaches the chi-square(1)
#' quantile; Venzon and Moolgavkar 1988; found by bracketing and Brent's
#' root finder), and p-values are penalized likelihood-ratio tests (the
#' coefficient, or a term's coefficients, fixed at 0, the others
#' re-maximized under the full model's penalty). `loglik` holds the
#' penalized log-likelihoods; the global test is the penalized
#' likelihood-ratio test against \eqn{b = 0}{b = 0}. `se(coef)` is the
#' square root of the diagonal of \eqn{I(b)^{-1}}{I(b)^-1}; Wald tests and
#' intervals only on request (`summary(fit, wald = TRUE)`,
#' `confint(fit, method = "wald")`). `print()`, `summary()`, `tidy()`,
#' `confint()` and `anova()` say that the fit is penalized. A robust
#' variance can't be combined with `firth = TRUE` (an error of class
#' `survstep_error_firth`).
#'
#' @section Events per variable:
#' The fit stores `epv` (events, coefficients, events per coefficient) and
#' prints it. Below 10 events per degree of freedom a warning of class
#' `survstep_warning_low_epv` says that the estimates are biased away from
#' zero and the model over-fitted (Peduzzi et al. 1995), and points to
#' `firth = TRUE` and to a bootstrap stability analysis.
#'
#' @section Wald test:
#' The global Wald test (`wald.test`, shown by `summary()` and `glance()`)
#' is \eqn{b' V^- b}{b' V^- b} with a generalised inverse whose pivot rule
#' is scale free: a column counts as redundant when its pivot is small
#' *relative to its own variance* (one minus its squared multiple
#' correlation with the columns before it is below
#' `control$toler_chol`). The statistic and its degrees of freedom
#' (`wald.df`, the rank actually used, reported by `summary()`) therefore do
#' not change when a covariate is expressed in other units. This differs
#' from `survival::coxph()`, whose rule is relative to the largest diagonal
#' element of \eqn{V}{V}: when coefficient variances differ by a factor of
#' about \eqn{10^{12}}{1e12} (covariate scales differing by about
#' \eqn{10^6}{1e6}), it silently drops well-determined coefficients from the
#' test and still reports the full df. When the scales are comparable both
#' give the same value. Multi-column term tests in `summary()` use the same
#' rule.
#'
#' @param formula A formula with a `Surv(time, status)` response on the left
#'   and the covariates on the right, for example
#'   `Surv(time, status) ~ age + sex + strata(site)`. Counting-process data
#'   `Surv(start, stop, event)` (time-varying covariates as built by
#'   [survival::survSplit()] or [survival::tmerge()], delayed entry,
#'   several intervals per subject) are fitted as `coxph()` does: the risk
#'   set at an event time t holds the intervals with start < t <= stop, and
#'   the concordance compares each event with the intervals at risk at its
#'   time. Start times may be negative; every start must be less than its
#'   stop.
#' @param data A data frame containing the variables of `formula`.
#'   Or a table in a database (a remote `dplyr::tbl()` on a DBI connection):
#'   the rows stay there and only sums per (stratum, group, time) are
#'   read, with the numbers of the in-memory fit (also for
#'   `Surv(start, stop, event)`: sums per start time as well); see
#'   `vignette("large-data")`.
#' @param subset Optional expression selecting the rows of `data` to use.
#' @param weights Optional positive case weights (a column of `data`).
#' @param na.action Function handling missing values (default
#'   `getOption("na.action")`, normally [stats::na.omit()]).
#' @param ties Method for tied event times: `"efron"` (default, as
#'   `coxph()`), `"breslow"` (as SPSS) or `"exact"` (the exact discrete
#'   partial likelihood: `coxph(ties = "exact")`, SAS PHREG `TIES=DISCRETE`,
#'   Stata `stcox, exactp`) or `"exact-marginal"` (the exact marginal
#'   likelihood: SAS `TIES=EXACT`, Stata `exactm`). See "Tied event times"
#'   in [cox_fit()].
#' @param firth Whether to use Firth's penalized likelihood (Heinze and
#'   Schemper, 2001), the remedy for monotone likelihood (a category without
#'   events) and for the small-sample bias of ordinary estimates. See
#'   "Firth's penalized likelihood".
#' @param init Optional starting values, one per coefficient.
#' @param control Settings from [cox_control()].
#' @param x,y,model Whether to keep the design matrix, the `Surv` response
#'   and the model frame in the fit.
#' @param robust Whether to use the robust (sandwich) variance; by default
#'   (`NULL`) `TRUE` when the formula has a `cluster()` term. See "Robust
#'   variance".
#' @param id Optional subject identifier (a column of `data`), as in
#'   `coxph()`: for counting-process data the rows of one subject are its
#'   intervals. When they overlap, the data are not a proper counting
#'   process (a subject would be counted twice in some risk sets), and a
#'   warning of class `survstep_warning_overlap` names the first such
#'   subject. Rows with a missing `id` are handled by `na.action`.
#' @param max_levels For `data` in a database (a remote `dplyr::tbl()`,
#'   see `vignette("large-data")`): the largest number of values of a factor
#'   (a character column or `factor(x)` term) that is expanded into
#'   treatment-contrast indicator columns in SQL; more is an error of class
#'   `survstep_error_too_many_levels`. Default 50. Ignored for a data frame.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return An object of class `survstep_cox`: a list with `coefficients`,
#'   `var`, `loglik` (null model and fit), `score`, `wald.test`,
#'   `wald.df`, `iter`,
#'   `linear.predictors`, `means`, `concordance`, `method`, `n`, `nevent`,
#'   `converged`, `aliased`, `infinite`, `epv`, `firth` (with
#'   `firth = TRUE` also `profile`: the interval limits, the penalized
#'   likelihood-ratio chi-squares and p-values per coefficient and term,
#'   and `loglik_null_penalized`) (with a robust variance also
#'   `naive.var`, `rscore`, `robust = TRUE`, `n.cluster`), and `call`,
#'   `formula`, `terms`,
#'   `assign`, `xlevels`, `contrasts`, `na.action` so that [predict()],
#'   [update()], [anova()] and [stats::step()] work. Methods: `print()`,
#'   `summary()`, `coef()`, `vcov()`, `confint()`, `logLik()`, `AIC()`,
#'   `BIC()`, `nobs()`, `predict()`, `anova()`, `tidy()`, `glance()`,
#'   `residuals()`, `fitted()`.
#' @references Therneau T. M. and Grambsch P. M. (2000). *Modeling Survival
#'   Data: Extending the Cox Model*. Springer.
#'
#'   Firth D. (1993). Bias reduction of maximum likelihood estimates.
#'   *Biometrika* 80, 27--38.
#'
#'   Heinze G. and Schemper M. (2001). A solution to the problem of monotone
#'   likelihood in Cox regression. *Biometrics* 57, 114--119.
#'
#'   Venzon D. J. and Moolgavkar S. H. (1988). A method for computing
#'   profile-likelihood-based confidence intervals. *Applied Statistics*
#'   37, 87--94.
#'
#'   Peduzzi P., Concato J., Feinstein A. R. and Holford T. R. (1995).
#'   Importance of events per independent variable in proportional hazards
#'   regression analysis. II. Accuracy and precision of regression
#'   estimates. *Journal of Clinical Epidemiology* 48, 1503--1510.
#'
#'   Lin D. Y. and Wei L. J. (1989). The robust inference for the Cox
#'   proportional hazards model. *Journal of the American Statistical
#'   Association* 84, 1074--1078.
#' @seealso [cox_fit()] for the matrix interface, [cox_control()],
#'   [residuals.survstep_cox()].
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = survival::lung)
#' fit
#' summary(fit)
#' # SPSS-compatible tie handling
#' cox(Surv(time, status) ~ age + sex, data = survival::lung, ties = "breslow")
#' # a time-varying covariate: heart transplant (Stanford heart data)
#' cox(Surv(start, stop, event) ~ age + surgery + transplant,
#'     data = survival::heart)
#' # Firth's penalized likelihood: profile intervals, penalized LR tests
#' cox(Surv(time, status) ~ age + sex, data = survival::lung, firth = TRUE,
#'     ties = "breslow")
#' # robust variance, rows clustered by patient
#' cox(Surv(start, stop, event) ~ age + surgery + transplant + cluster(id),
#'     data = survival::heart)
#' @export
cox <- function(formula, data, subset, weights, na.action,
                ties = c("efron", "breslow", "exact", "exact-marginal"),
                firth = FALSE, init = NULL,
                control = cox_control(), x = FALSE, y = TRUE, model = FALSE,
                robust = NULL, id, max_levels = 50L, ...) {
  call <- match.call()
  if (...length()) check_dots_empty("cox", ...)
  ties <- sv_match_arg(ties, cox_ties_methods, "ties")
  # (the four flags checked at once; each named when it is not a flag)
  if (!sv_all_flags(firth, x, y, model)) {
    check_flag(firth, "firth")
    check_flag(x, "x")
    check_flag(y, "y")
    check_flag(model, "model")
  }
  control <- if (missing(control)) cox_control_default else
    check_cox_control(control)
  remote <- sv_db_is_remote(call, parent.frame())
  if (remote) {
    # data in a database (R/db.R): the Newton iterations as aggregate queries
    if (firth) sv_db_not_yet("`firth = TRUE`", call)
    if (!is.null(robust)) check_flag(robust, "robust")
    if (isTRUE(robust)) sv_db_not_yet("`robust = TRUE` (a robust variance)", call)
    if (!missing(id)) sv_db_not_yet("`id`", call)
    # the rows themselves stay in the database
    if (x || model) {
      sv_db_abort_local(if (x) "`x = TRUE`" else "`model = TRUE`", call)
    }
    fit <- cox_db(call, parent.frame(), ties, control, init, max_levels,
                  call)
    return(cox_epv(fit, length(fit$coefficients), "cox", FALSE, call))
  }
  # (constant columns of the fast path: the engine's error, the same text)
  fr <- sv_frame(call, parent.frame(), design = TRUE, counting = TRUE,
                 positive_weights = "a Cox model", fast_constant = FALSE,
                 cluster = TRUE, remote = FALSE)
  cox_check_frame(fr, call)
  if (!is.null(fr$id)) cox_check_overlap(fr$y, fr$id, call)
  robust <- cox_check_robust(robust, fr, call)
  if (firth) cox_check_firth(robust, ties, call)

  X <- fr$x
  # the fast path hands the engine the data columns (no n x p copy) unless
  # the matrix itself is needed
  if (is.list(X) && (x || !is.null(init))) X <- sv_frame_matrix(fr)
  fit <- cox_engine(X, fr$y, fr$strata, fr$weights, fr$offset, init, ties,
                    control, terms_of_cols = fr$term_of_col, call = call,
                    firth = firth,
                    cluster = if (!is.null(fr$cluster_terms)) fr$cluster)
  if (firth) {
    fit <- cox_firth_inference(fit, list(x = X, y = fr$y, strata = fr$strata,
                                         weights = fr$weights,
                                         offset = fr$offset),
                               fr$assign, ties, control)
  }
  fit <- cox_epv(fit, length(fit$coefficients), "cox", firth, call)
  if (robust) {
    fit <- cox_robust(fit, X, fr$y, fr$strata, fr$weights, fr$offset,
                      fr$cluster, ties, control, init)
    if (!is.null(fr$cluster_terms)) {
      vars <- attr(fr$terms, "variables")
      fit$cluster_var <- deparse1(
        vars[[1L + attr(fr$terms, "specials")$cluster]][[2L]])
    }
  }
  if (is.list(X) && isTRUE(fr$simple$all_double)) {
    # the fast path's design columns are the data's own double columns (no
    # copy): kept so that residuals(), predict() and cox_zph() need not
    # rebuild the frame from the call
    fit$xcols <- X
    fit$row_names <- attr(fr$simple$data, "row.names")
  }
  tt <- fr$terms
  fit$call <- call
  # (the fast path's formula object is formula(terms) already when it
  # carries only its class and environment)
  ff <- fr$simple$formula
  fit$formula <- if (!is.null(ff) && length(attributes(ff)) == 2L) ff else
    stats::formula(tt)
  fit$terms <- tt
  fit$assign <- fr$assign
  fit$xlevels <- fr$xlevels
  fit$contrasts <- fr$contrasts
  fit$na.action <- fr$na.action
  fit$offset_mean <- if (is.null(fr$offset)) 0 else mean(fr$offset)
  fit$control <- control
  fit$firth <- firth
  if (!is.null(fr$weights)) fit$weights <- fr$weights
  # without row names (building them costs more than the fit at large n)
  if (y) {
    yy <- fr$y
    attr(yy, "type") <- if (ncol(yy) == 2L) "right" else "counting"
    class(yy) <- "Surv"
    fit$y <- yy
  }
  if (x) {
    fit$x <- X
    if (!is.null(fr$strata)) {
      fit$strata <- structure(fr$strata + 1L, levels = fr$strata_levels,
                              class = "factor")
    }
  }
  if (model) fit$model <- sv_frame_model(fr)
  class(fit) <- "survstep_cox"
  fit
}

# The Cox checks of a frame (sv_frame() has checked the data themselves and
# the constant covariates), shared by cox(), cox_univariable() and
# cox_stepwise(): observations left, strata() not inside an interaction;
# and the message about the values of a character covariate that are not in
# the rows used. (Positive weights: sv_frame(positive_weights =).)
cox_check_frame <- function(fr, call, strata_inter = TRUE) {
  if (fr$n == 0L) cox_abort_no_rows(fr, call)
  # (the simple frame of plain numeric columns, the usual small fit, has no
  # strata terms and no model frame: nothing more to check)
  if (!is.null(fr$simple)) return(invisible(fr))
  if (strata_inter) cox_check_strata_terms(fr$terms, fr$strata_terms, call)
  if (!is.null(fr$mf)) cox_message_dropped_levels(fr$mf, fr$data, call)
  invisible(fr)
}

# Counting-process data with an `id`: the intervals of one subject must not
# overlap. Sorted by (id, start), an overlap shows between neighbours: an
# interval starting before the previous one of its subject stops.
cox_check_overlap <- function(y, id, call) {
  n <- nrow(y)
  if (ncol(y) != 3L || n < 2L) return(invisible())
  o <- order(id, y[, 1L])
  ido <- id[o]
  start <- y[o, 1L]
  stop <- y[o, 2L]
  bad <- which(ido[-1L] == ido[-n] & start[-1L] < stop[-n])
  if (!length(bad)) return(invisible())
  k <- bad[1L]
  n_id <- length(unique(ido[bad]))
  sv_warn(c(sprintf(paste0("%d %s (`id`) %s overlapping intervals, so the ",
                           "data are not a proper counting process; for ",
                           "example `id` %s: (%s, %s] and (%s, %s]."),
                    n_id, if (n_id == 1L) "subject" else "subjects",
                    if (n_id == 1L) "has" else "have",
                    format(ido[k]), format(start[k]), format(stop[k]),
                    format(start[k + 1L]), format(stop[k + 1L])),
            "Check `id` and the start and stop times."),
          class = "survstep_warning_overlap", call = call)
  invisible()
}

cox_check_strata_terms <- function(tt, strata_terms, call = sys.call(-1)) {
  if (!length(strata_terms)) return(invisible())
  fac <- attr(tt, "factors")
  st_vars <- rownames(fac)[attr(tt, "specials")$strata]
  other <- setdiff(seq_len(ncol(fac)), strata_terms)
  if (length(other) && any(fac[st_vars, other, drop = FALSE] != 0)) {
    sv_abort("`strata()` terms can't be part of an interaction in `cox()`.",
             call = call)
  }
  invisible()
}

# No rows left: name the entirely missing covariates when there are any.
cox_abort_no_rows <- function(fr, call) {
  allna <- fr$all_missing
  if (length(allna)) {
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s entirely ",
                            "missing (no observation has a value)."),
                     sv_name_list(allna, "variable")),
             call = call)
  }
  sv_abort(paste0("Can't fit a Cox model: ", sv_no_rows_reason(fr), "."),
           call = call)
}

# A character covariate is treated as a factor of the values present in the
# rows used; say so when some of its values in `data` are not among them.
cox_message_dropped_levels <- function(mf, data, call) {
  chr <- names(mf)[vapply(mf, is.character, logical(1))]
  if (!length(chr) || is.null(data)) return(invisible())
  for (v in chr) {
    if (!v %in% names(data) || !is.character(data[[v]])) next
    all_lev <- unique(data[[v]][!is.na(data[[v]])])
    dropped <- setdiff(all_lev, unique(mf[[v]]))
    if (length(dropped)) {
      message(structure(
        class = c("survstep_message_levels", "message", "condition"),
        list(message = sprintf(paste0("Character covariate `%s` is treated ",
                                      "as a factor; %s not in the rows ",
                                      "used: %s.\n"),
                               v, if (length(dropped) == 1L) "value" else
                                 "values",
                               paste0("\"", sort(dropped), "\"",
                                      collapse = ", ")),
             call = NULL)
      ))
    }
  }
  invisible()
}
