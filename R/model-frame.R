# Shared formula machinery ---------------------------------------------------
#
# Every front end (km(), logrank_test(), cox(), cox_stepwise(), ...) builds its
# model frame here, by rewriting its own call into a call to
# stats::model.frame() so that `data`, `subset`, `weights` and `na.action`
# behave exactly as in lm() and coxph().

#' Build and validate a survival model frame
#'
#' @param call The front end's `match.call()`.
#' @param env The environment the call was made from (`parent.frame()`).
#' @param allow_strata Whether `strata()` terms are allowed.
#' @param allow_counting Whether counting-process responses
#'   `Surv(start, stop, event)` are allowed (the Cox front ends).
#' @return A list: `mf` (model frame), `terms` (with the `strata` special),
#'   `time` (the stop times for counting-process data), `start` (the start
#'   times, `NULL` for right-censored data), `status` (0/1 integer), `weights` (numeric, all 1 when absent),
#'   `has_weights`, `offset` (numeric or `NULL`), `strata` (factor or `NULL`),
#'   `strata_terms` (indices of the strata terms among the term labels),
#'   `na.action`, `n_dropped`.
#' @noRd
sv_model_frame <- function(call, env, allow_strata = TRUE,
                           caller = sys.call(-1), allow_counting = FALSE) {
  if (is.null(call$formula)) {
    sv_abort("`formula` is missing, with no default.", call = caller)
  }
  formula <- eval(call$formula, env)
  check_formula(formula, call = caller)
  data <- if (is.null(call$data)) NULL else eval(call$data, env)
  if (!is.null(data) && !is.data.frame(data) && !is.list(data)) {
    sv_abort(sprintf("`data` must be a data frame, not %s.",
                     sv_obj_type(data)), call = caller)
  }
  tt <- if (is.null(data)) {
    stats::terms(formula, specials = "strata")
  } else {
    stats::terms(formula, specials = "strata", data = data)
  }
  keep <- match(c("formula", "data", "subset", "weights", "na.action"),
                names(call), 0L)
  mf_call <- call[c(1L, keep)]
  mf_call[[1L]] <- quote(stats::model.frame)
  mf_call$formula <- tt
  mf_call$drop.unused.levels <- TRUE
  # Speed: build the frame with na.pass first; only when a value is missing
  # is it rebuilt with the requested na.action (na.omit() copies the whole
  # frame even when nothing is missing). Same rows and attributes either way.
  mf_fast <- mf_call
  mf_fast$na.action <- quote(stats::na.pass)
  build <- function(cl) withCallingHandlers(
    tryCatch(eval(cl, env), error = function(e) {
      sv_abort(c("Can't build the model frame from `formula` and `data`:",
                 conditionMessage(e)), call = caller)
    }),
    warning = function(w) {
      msg <- conditionMessage(w)
      # Surv() on zero rows warns from max(); the empty data get their own
      # classed error later
      if (grepl("no non-missing arguments to max", msg, fixed = TRUE)) {
        invokeRestart("muffleWarning")
      }
      if (grepl("Stop time must be > start time", msg, fixed = TRUE)) {
        sv_abort(paste0("In `Surv(start, stop, event)` every start time must ",
                        "be less than its stop time; some intervals have ",
                        "start >= stop."), call = caller)
      }
      if (grepl("Invalid status value", msg, fixed = TRUE)) {
        sv_abort(paste0("The status in `Surv()` must be 0/1 (alive/dead), ",
                        "1/2 or logical; other values were found."),
                 call = caller)
      }
    }
  )
  mf <- build(mf_fast)
  if (any(vapply(mf, function(col) anyNA(unclass(col)), logical(1)))) {
    mf <- build(mf_call)
  }
  tt <- attr(mf, "terms")

  y <- stats::model.response(mf)
  if (!inherits(y, "Surv")) {
    sv_abort(paste0("The left-hand side of `formula` must be a `Surv()` ",
                    "object, such as `Surv(time, status)`."), call = caller)
  }
  type <- attr(y, "type")
  counting <- identical(type, "counting")
  if (counting && !allow_counting) {
    sv_abort(sprintf(paste0("`%s()` can't take counting-process data ",
                            "(`Surv(start, stop, event)`); use ",
                            "right-censored data (`Surv(time, status)`)."),
                     deparse1(caller[[1L]])),
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = caller)
  }
  if (!identical(type, "right") && !counting) {
    sv_abort(sprintf(paste0("`Surv()` must describe right-censored data ",
                            "(`Surv(time, status)`)%s, not type \"%s\"."),
                     if (allow_counting) paste0(" or counting-process data ",
                                                "(`Surv(start, stop, event)`)")
                     else "", type), call = caller)
  }
  y <- unclass(y)  # plain matrix: `[.Surv` is slow on large data
  start <- if (counting) as.numeric(y[, 1L]) else NULL
  time <- as.numeric(y[, 1L + counting])
  status <- as.integer(y[, 2L + counting])
  if (any(!is.finite(time)) || (counting && any(!is.finite(start)))) {
    sv_abort("Survival times must be finite; found infinite values.",
             call = caller)
  }
  # (start, stop] data may have negative times (as in coxph())
  if (!counting && any(time < 0)) {
    sv_abort(sprintf("Survival times must be non-negative; found %d negative %s.",
                     sum(time < 0), if (sum(time < 0) == 1) "time" else "times"),
             call = caller)
  }

  w <- stats::model.weights(mf)
  has_weights <- !is.null(w)
  if (has_weights) {
    if (!is.numeric(w) || any(!is.finite(w)) || any(w < 0)) {
      sv_abort("`weights` must be finite and non-negative.", call = caller)
    }
    w <- as.numeric(w)
  } else {
    w <- rep(1, length(time))
  }

  off <- stats::model.offset(mf)
  if (!is.null(off)) {
    off <- as.numeric(off)
    if (any(!is.finite(off))) {
      sv_abort("The offset must be finite.", call = caller)
    }
  }

  st_idx <- attr(tt, "specials")$strata
  strata <- NULL
  strata_terms <- integer(0)
  if (length(st_idx)) {
    if (!allow_strata) {
      sv_abort("`strata()` terms are not allowed here.", call = caller)
    }
    strata_terms <- survival::untangle.specials(tt, "strata", 1)$terms
    st_cols <- mf[st_idx]
    strata <- if (length(st_cols) == 1L) {
      droplevels(as.factor(st_cols[[1L]]))
    } else {
      survival::strata(st_cols, shortlabel = TRUE)
    }
  }

  na_act <- attr(mf, "na.action")
  list(
    mf = mf, terms = tt, time = time, start = start, status = status,
    weights = w,
    has_weights = has_weights, offset = off, strata = strata,
    strata_terms = strata_terms, na.action = na_act,
    n_dropped = length(na_act)
  )
}

#' Combine right-hand-side variables into one grouping factor
#'
#' Labels follow `survfit()`: `"x=a"` for one variable, `"x=a, y=b"` for
#' several; `NULL` for an intercept-only formula.
#' @param mf A model frame.
#' @param vars Column names (or indices) of `mf` to combine.
#' @noRd
sv_group_factor <- function(mf, vars) {
  if (!length(vars)) return(NULL)
  cols <- lapply(mf[vars], function(v) {
    if (is.matrix(v)) {
      sv_abort("Matrix-valued grouping variables are not supported.",
               call = sys.call(-3))
    }
    droplevels(as.factor(v))
  })
  nm <- names(mf[vars])
  is_st <- grepl("^strata\\(.*\\)$", nm)
  nm <- sub("^strata\\((.*)\\)$", "\\1", nm)
  # a strata() column already carries "x=a" labels (survival::strata())
  lab <- lapply(seq_along(cols), function(i) {
    if (is_st[i] && all(grepl("=", levels(cols[[i]]), fixed = TRUE))) {
      gsub(" +(,|$)", "\\1", as.character(cols[[i]]))
    } else {
      paste0(nm[i], "=", cols[[i]])
    }
  })
  key <- do.call(interaction, c(unname(cols), list(drop = TRUE, lex.order = TRUE)))
  labels <- do.call(paste, c(lab, list(sep = ", ")))
  factor(labels, levels = unique(labels[order(key)]))
}

# Indices (within mf columns) of the right-hand-side variables, excluding the
# response, weights and offsets.
sv_rhs_vars <- function(mf, tt) {
  vars <- attr(tt, "term.labels")
  vars[vars %in% names(mf)]
}

# Codes of the distinct values of one column: factor codes, or 1, 2, ... in
# order of first occurrence. Returns list(codes, m) with codes in 1..m.
sv_column_codes <- function(x) {
  if (is.factor(x)) return(list(codes = as.integer(x), m = nlevels(x)))
  if (is.character(x)) {
    cx <- string_codes_cpp(x)
    if (!is.null(cx)) {
      m <- attr(cx, "n")
      attr(cx, "n") <- NULL
      return(list(codes = cx, m = m))
    }
  }
  u <- unique(x)
  list(codes = match(x, u), m = length(u))
}
