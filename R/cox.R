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
#' (`coxph()` switches to a robust variance when weights are not whole
#' numbers; compare with `coxph(..., robust = FALSE)`).
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
#'   `Surv(time, status) ~ age + sex + strata(site)`.
#' @param data A data frame containing the variables of `formula`.
#' @param subset Optional expression selecting the rows of `data` to use.
#' @param weights Optional positive case weights (a column of `data`).
#' @param na.action Function handling missing values (default
#'   `getOption("na.action")`, normally [stats::na.omit()]).
#' @param ties `"efron"` (default) or `"breslow"`.
#' @param firth Whether to use Firth's penalized likelihood (Heinze and
#'   Schemper, 2001). Not implemented yet: `TRUE` gives an error of class
#'   `survstep_error_not_implemented`.
#' @param init Optional starting values, one per coefficient.
#' @param control Settings from [cox_control()].
#' @param x,y,model Whether to keep the design matrix, the `Surv` response
#'   and the model frame in the fit.
#' @return An object of class `survstep_cox`: a list with `coefficients`,
#'   `var`, `loglik` (null model and fit), `score`, `wald.test`,
#'   `wald.df`, `iter`,
#'   `linear.predictors`, `means`, `concordance`, `method`, `n`, `nevent`,
#'   `converged`, `aliased`, `infinite`, and `call`, `formula`, `terms`,
#'   `assign`, `xlevels`, `contrasts`, `na.action` so that [predict()],
#'   [update()], [anova()] and [stats::step()] work. Methods: `print()`,
#'   `summary()`, `coef()`, `vcov()`, `confint()`, `logLik()`, `AIC()`,
#'   `BIC()`, `nobs()`, `predict()`, `anova()`, `tidy()`, `glance()`.
#' @references Therneau T. M. and Grambsch P. M. (2000). *Modeling Survival
#'   Data: Extending the Cox Model*. Springer.
#' @seealso [cox_fit()] for the matrix interface, [cox_control()].
#' @examples
#' fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = survival::lung)
#' fit
#' summary(fit)
#' # SPSS-compatible tie handling
#' cox(Surv(time, status) ~ age + sex, data = survival::lung, ties = "breslow")
#' @export
cox <- function(formula, data, subset, weights, na.action,
                ties = c("efron", "breslow"), firth = FALSE, init = NULL,
                control = cox_control(), x = FALSE, y = TRUE, model = FALSE) {
  call <- match.call()
  ties <- sv_match_arg(ties, c("efron", "breslow"), "ties")
  check_flag(firth, "firth")
  check_flag(x, "x")
  check_flag(y, "y")
  check_flag(model, "model")
  control <- if (missing(control)) cox_control_default else
    check_cox_control(control)
  if (firth) {
    sv_abort(paste0("`firth = TRUE` (Firth's penalized likelihood) is not ",
                    "implemented yet."),
             class = c("survstep_error_not_implemented", "survstep_error_input"))
  }
  env <- parent.frame()
  mfr <- cox_fast_frame(call, env)
  if (is.null(mfr)) mfr <- sv_model_frame(call, env)
  fast <- !is.null(mfr$fast_x)
  mf <- mfr$mf
  tt <- mfr$terms
  if (!fast) {
    if (nrow(mf) == 0L) cox_abort_no_rows(call, env)
    cox_check_strata_terms(tt, mfr$strata_terms)
    if (mfr$has_weights && any(mfr$weights <= 0)) {
      sv_abort("`weights` must be positive for a Cox model.")
    }
    cox_check_constant_vars(mf, tt)
    cox_message_dropped_levels(mf, call, env)
  }

  des <- if (fast) mfr$fast_x else cox_design(tt, mf, mfr$strata_terms)
  X <- des$x
  # the fast path hands the engine the data columns (no n x p copy) unless
  # the matrix itself is needed
  if (fast && (x || !is.null(init))) X <- cox_fast_matrix(des$cols)
  fit <- cox_engine(if (is.null(X)) des$cols else X, mfr$time, mfr$status,
                    mfr$strata,
                    if (mfr$has_weights) mfr$weights else NULL, mfr$offset,
                    init, ties, control, terms_of_cols = des$term_of_col,
                    call = call)
  fit$call <- call
  fit$formula <- stats::formula(tt)
  fit$terms <- tt
  fit$assign <- des$assign
  fit$xlevels <- if (fast) stats::setNames(list(), character(0)) else
    stats::.getXlevels(tt, mf)
  fit$contrasts <- des$contrasts
  fit$na.action <- mfr$na.action
  fit$offset_mean <- if (is.null(mfr$offset)) 0 else mean(mfr$offset)
  fit$control <- control
  fit$firth <- FALSE
  if (mfr$has_weights) fit$weights <- mfr$weights
  if (y) {
    # without row names (building them costs more than the fit at large n)
    fit$y <- if (fast) mfr$y else stats::model.response(mf)
    dimnames(fit$y) <- list(NULL, c("time", "status"))
  }
  if (x) {
    fit$x <- X
    if (!is.null(mfr$strata)) fit$strata <- mfr$strata
  }
  if (model) fit$model <- if (fast) cox_fast_model_frame(mfr) else mf
  class(fit) <- "survstep_cox"
  fit
}

# Design matrix without intercept and strata columns, as coxph(): `assign`
# is a list from term label to column indices (term indices refer to the
# full terms object).
cox_design <- function(tt, mf, strata_terms, contrasts = NULL) {
  tt2 <- tt
  attr(tt2, "intercept") <- 1L
  if (length(strata_terms)) tt2 <- tt2[-strata_terms]
  X <- stats::model.matrix(tt2, mf, contrasts.arg = contrasts)
  asg <- attr(X, "assign")
  contr <- attr(X, "contrasts")
  keep <- asg != 0L
  X <- X[, keep, drop = FALSE]
  rownames(X) <- NULL
  asg <- asg[keep]
  # shift term indices back to the full terms object
  for (s in sort(strata_terms)) asg <- asg + (asg >= s)
  labels <- attr(tt, "term.labels")
  term_of_col <- labels[asg]
  assign <- split(seq_along(asg), factor(term_of_col, levels = unique(term_of_col)))
  attr(X, "assign") <- asg
  attr(X, "contrasts") <- contr
  storage.mode(X) <- "double"
  list(x = X, assign = assign, term_of_col = term_of_col, contrasts = contr,
       terms_x = tt2)
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
cox_abort_no_rows <- function(call, env, caller = sys.call(-1)) {
  mcall <- call[c(1L, match(c("formula", "data", "subset"), names(call), 0L))]
  mcall[[1L]] <- quote(stats::model.frame)
  mcall$na.action <- quote(stats::na.pass)
  mf <- tryCatch(eval(mcall, env), error = function(e) NULL)
  allna <- character(0)
  if (!is.null(mf) && nrow(mf) > 0L) {
    allna <- names(mf)[vapply(mf, function(v) all(is.na(v)), logical(1))]
  }
  if (length(allna)) {
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s entirely ",
                            "missing (no observation has a value)."),
                     sv_name_list(allna, "variable")),
             call = caller)
  }
  sv_abort(paste0("Can't fit a Cox model: no observations are left after ",
                  "removing missing values and applying `subset`."),
           call = caller)
}

# A character covariate is treated as a factor of the values present in the
# rows used; say so when some of its values in `data` are not among them.
cox_message_dropped_levels <- function(mf, call, env) {
  chr <- names(mf)[vapply(mf, is.character, logical(1))]
  if (!length(chr) || is.null(call$data)) return(invisible())
  data <- eval(call$data, env)
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

# Fast path for the common small-data call: `cox(Surv(time, status) ~ a + b,
# data)` with plain numeric columns, no missing values and no subset,
# weights, na.action, strata or offset. Builds what sv_model_frame() and
# cox_design() would (same terms attributes, same design), without the cost
# of model.frame() and model.matrix(). Returns NULL when not applicable.
cox_fast_frame <- function(call, env) {
  nms <- names(call)[-1L]
  if (!all(nms %in% c("formula", "data", "ties", "firth", "init", "control",
                      "x", "y", "model")) || !"data" %in% nms ||
      !"formula" %in% nms) {
    return(NULL)
  }
  fcall <- call$formula
  fobj <- NULL
  if (is.name(fcall)) {
    # a formula held in a variable, as in resampling loops
    fobj <- get0(as.character(fcall), envir = env)
    if (!inherits(fobj, "formula")) return(NULL)
    fcall <- fobj
  }
  if (!is.call(fcall) || !identical(fcall[[1L]], as.name("~")) ||
      length(fcall) != 3L || !is.name(call$data)) {
    return(NULL)
  }
  data <- get0(as.character(call$data), envir = env)
  if (!identical(class(data), "data.frame")) return(NULL)
  lhs <- fcall[[2L]]
  if (!is.call(lhs) || length(lhs) != 3L || !is.name(lhs[[2L]]) ||
      !is.name(lhs[[3L]]) || !is.null(names(lhs)) ||
      !(identical(lhs[[1L]], quote(Surv)) ||
        identical(lhs[[1L]], quote(survival::Surv)))) {
    return(NULL)
  }
  # right-hand side: a + b + c of plain column names
  vars <- character(0)
  rhs <- fcall[[3L]]
  while (is.call(rhs) && identical(rhs[[1L]], as.name("+")) &&
         length(rhs) == 3L) {
    if (!is.name(rhs[[3L]])) return(NULL)
    vars <- c(as.character(rhs[[3L]]), vars)
    rhs <- rhs[[2L]]
  }
  if (!is.name(rhs)) return(NULL)
  vars <- c(as.character(rhs), vars)
  tname <- as.character(lhs[[2L]])
  sname <- as.character(lhs[[3L]])
  dn <- names(data)
  if (anyDuplicated(vars) || any(vars == ".") ||
      !all(c(vars, tname, sname) %in% dn)) {
    return(NULL)
  }
  cols <- .subset(data, vars)
  for (v in cols) {
    if (!(is.double(v) || is.integer(v)) || !is.null(attributes(v)) ||
        anyNA(v)) {
      return(NULL)
    }
  }
  # the response, as Surv(time, status) builds it
  time <- .subset2(data, tname)
  status <- .subset2(data, sname)
  if (!(is.double(time) || is.integer(time)) || !is.null(attributes(time)) ||
      anyNA(time) || !(is.double(status) || is.integer(status) ||
                       is.logical(status)) ||
      !is.null(attributes(status)) || anyNA(status)) {
    return(NULL)
  }
  time <- as.double(time)
  # 0/1 (or 1/2) status and finite, non-negative times, checked in C++
  status <- cox_fast_surv_cpp(time, status)
  if (is.null(status)) return(NULL)
  n <- length(time)
  y <- structure(c(time, status), dim = c(n, 2L),
                 dimnames = list(NULL, c("time", "status")), type = "right",
                 class = "Surv")

  formula <- if (is.null(fobj)) eval(fcall, env) else fobj
  tt <- stats::terms(formula, specials = "strata")
  if (!is.null(attr(tt, "specials")$strata) || !is.null(attr(tt, "offset")) ||
      !identical(attr(tt, "term.labels"), vars)) {
    return(NULL)
  }
  lhs_label <- paste0(if (is.name(lhs[[1L]])) "Surv" else "survival::Surv",
                      "(", tname, ", ", sname, ")")
  attr(tt, "predvars") <- as.call(c(quote(list), lhs, lapply(vars, as.name)))
  attr(tt, "dataClasses") <- stats::setNames(
    c("nmatrix.2", rep("numeric", length(vars))), c(lhs_label, vars)
  )
  asg <- seq_along(vars)
  list(
    mf = NULL, y = y, data = data, lhs_label = lhs_label, cols = cols,
    terms = tt, time = time, status = status,
    weights = NULL, has_weights = FALSE, offset = NULL, strata = NULL,
    strata_terms = integer(0), na.action = NULL, n_dropped = 0L,
    fast_x = list(x = NULL, cols = lapply(cols, as.double),
                  assign = stats::setNames(as.list(asg), vars),
                  term_of_col = vars, contrasts = NULL, terms_x = tt)
  )
}

# The design matrix of the fast path (built only when asked for).
cox_fast_matrix <- function(cols) {
  X <- unlist(cols, use.names = FALSE)  # fresh vector: attributes set in place
  if (!is.double(X)) X <- as.double(X)
  dim(X) <- c(length(cols[[1L]]), length(cols))
  dimnames(X) <- list(NULL, names(cols))
  attr(X, "assign") <- seq_along(cols)
  X
}

# The model frame the fast path stands for (built only when asked for).
cox_fast_model_frame <- function(mfr) {
  structure(c(list(mfr$y), unclass(mfr$cols)),
            names = c(mfr$lhs_label, names(mfr$cols)), terms = mfr$terms,
            row.names = attr(mfr$data, "row.names"), class = "data.frame")
}

# A covariate (model-frame variable) with a single value in the rows used is
# an input error (coxph() would give an NA coefficient, or model.matrix() an
# obscure contrasts error for a one-level factor).
cox_check_constant_vars <- function(mf, tt, call = sys.call(-1)) {
  fac <- attr(tt, "factors")
  if (!length(fac)) return(invisible())
  vars <- rownames(fac)[rowSums(fac != 0) > 0]
  st <- attr(tt, "specials")$strata
  if (length(st)) vars <- setdiff(vars, rownames(fac)[st])
  const <- vapply(vars, function(v) {
    x <- mf[[v]]
    if (is.matrix(x)) nrow(unique(x)) == 1L else length(unique(x)) == 1L
  }, logical(1))
  if (any(const)) {
    what <- vars[const]
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s constant ",
                            "(the same value in every row used)."),
                     sv_name_list(what, "covariate")),
             call = call)
  }
  invisible()
}
