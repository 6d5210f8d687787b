# The model frame: the one way every front end gets its data --------------
#
# km(), followup_median(), logrank_test(), logrank_pairwise(), cox(),
# cox_univariable() and cox_stepwise() all call sv_frame(), which rewrites the
# front end's call into a call to stats::model.frame() (so that `data`,
# `subset`, `weights` and `na.action` behave exactly as in lm() and coxph()),
# validates what it finds (classed errors, once, here) and returns one record:
#
#   y           double matrix of the Surv() response: (time, status) for
#               right-censored data, (start, stop, status) for counting-
#               process data; status 0/1; one row per observation used
#   strata      0-based integer stratum codes (strata() terms) or NULL,
#   strata_levels  with their labels in code order (or NULL)
#   group       0-based integer group codes or NULL (when asked for), with
#   group_levels   survfit()-style labels "x=a, y=b" in code order
#   weights     case weights (double) or NULL when absent; for a model that
#               needs positive weights (`positive_weights`), rows with zero
#               weight are left out of the record (with a classed warning)
#   offset      offset (double) or NULL when absent
#   id          the `id` argument's values (cox(): the subject of each row
#               of counting-process data, as coxph()'s `id`) or NULL when
#               absent; for the overlap check and cluster/robust variances
#   x, assign, contrasts, xlevels, term_of_col
#               the design of the non-strata terms (when asked for): a double
#               matrix without intercept as coxph() codes it, or (fast path)
#               the list of its double columns, which the Cox engine reads
#               without an n x p copy; sv_frame_matrix() gives the matrix
#   terms       the terms object (with the `strata` special); strata_terms
#               are the indices of the strata() terms among its term labels
#   na.action, n_dropped
#   n           number of observations used
#   mf          the model frame (general path only, else NULL), for the
#               `model = TRUE` copy and the messages that need the columns
#
# Two fast paths for the common cases live here and nowhere else; they give
# the same record (tests/testthat/test-model-frame.R checks it) or decline
# (NULL), in which case the general path runs and reports every problem:
#   * sv_frame_lean(): a literal Surv(time, event) response without weights
#     or offset: the response is read without building a Surv() object and
#     missing values are dropped by row index, not by na.omit() copying the
#     frame (large km() and log-rank data);
#   * sv_frame_simple(): cox(Surv(time, status) ~ a + b, data) with plain
#     numeric columns and nothing else, without model.frame() and
#     model.matrix() (small Cox data, where R overhead dominates).

#' Build and validate the model frame of a front end
#'
#' @param call The front end's `match.call()`.
#' @param env The environment the call was made from (`parent.frame()`).
#' @param caller The call reported with errors.
#' @param group Which grouping codes to build: `"none"`, `"all"` (every
#'   right-hand-side variable, `strata()` terms included, as the curves of
#'   `km()`) or `"terms"` (the variables other than the `strata()` terms, as
#'   the groups of the log-rank tests).
#' @param design Whether to build the design matrix of the non-strata terms.
#' @param counting Whether counting-process data, `Surv(start, stop, event)`,
#'   are accepted; else the name of the front end for the error (a string),
#'   or `FALSE` for a generic one.
#' @param positive_weights `NULL`, or the name of a model that needs positive
#'   weights (such as `"a Cox model"`): negative weights are then an error
#'   that says so, and rows with zero weight are left out (they carry no
#'   information) with a warning of class `survstep_warning_zero_weights`.
#' @param fast `FALSE` skips the fast paths (for the identity tests).
#' @param fast_constant Whether the small-data fast path checks for constant
#'   covariates; `FALSE` when the caller's engine reports them with the same
#'   error (cox(): its columns are its covariates there).
#' @param cluster Whether a `cluster()` term is accepted (robust variances
#'   of the Cox model): it is then left out of the design, and its values
#'   (no missing values allowed) are the record's `cluster`.
#' @param remote Whether `data` is a remote table, when the caller has
#'   already asked [sv_db_is_remote()] (else asked here).
#' @return The record described at the top of `R/model-frame.R`.
#' @noRd
sv_frame <- function(call, env, caller = sys.call(-1), group = "none",
                     design = FALSE, counting = FALSE, positive_weights = NULL,
                     fast = TRUE, fast_constant = TRUE, cluster = FALSE,
                     remote = NULL) {
  if (is.null(call$formula)) {
    sv_abort("`formula` is missing, with no default.", call = caller)
  }
  # a remote table (R/db.R): the same record from aggregated rows
  if (is.null(remote)) remote <- sv_db_is_remote(call, env)
  if (remote) {
    if (design) sv_db_abort_local("This method", caller)
    return(sv_db_frame(call, env, caller, group, counting))
  }
  if (fast && design) {
    # plain column names only: no special term to refuse, response checked
    fr <- sv_frame_simple(call, env)
    if (!is.null(fr)) {
      if (fast_constant && fr$n > 0L) sv_check_constant(fr, caller)
      return(fr)
    }
  }
  formula <- eval(call$formula, env)
  check_formula(formula, call = caller,
                allow = if (isTRUE(cluster)) "cluster" else character())
  raw <- if (fast && !design) sv_frame_lean(call, formula, env)
  if (is.null(raw)) raw <- sv_frame_general(call, formula, env, caller)
  if (!is.null(positive_weights)) {
    raw <- sv_frame_positive_weights(raw, positive_weights, caller)
  }
  fr <- sv_frame_finish(raw, group, caller, counting)
  if (design && fr$n > 0L) {
    # a covariate with one value can't be coded (model.matrix() would give
    # an obscure contrasts error for a one-level factor)
    sv_check_constant(fr, caller)
    fr <- c(fr, sv_frame_design(fr$terms, fr$mf,
                                c(fr$strata_terms, fr$cluster_terms)))
  }
  fr
}

# A covariate (model-frame variable of a non-strata term) with a single value
# in the rows used is an input error.
sv_check_constant <- function(fr, caller) {
  if (is.null(fr$mf)) {
    # the fast path: plain numeric columns, the design columns themselves
    vars <- names(fr$x)
    const <- vapply(fr$x, function(v) max(v) == min(v), logical(1))
  } else {
    mf <- fr$mf
    fac <- attr(fr$terms, "factors")
    if (!length(fac)) return(invisible())
    vars <- rownames(fac)[rowSums(fac != 0) > 0]
    st <- c(attr(fr$terms, "specials")$strata,
            attr(fr$terms, "specials")$cluster)
    if (length(st)) vars <- setdiff(vars, rownames(fac)[st])
    const <- vapply(vars, function(v) {
      x <- mf[[v]]
      if (is.matrix(x)) return(nrow(unique(x)) == 1L)
      # one comparison per value (unique() would hash every value)
      length(x) > 0L && !anyNA(x) && all(x == x[1L])
    }, logical(1))
  }
  if (any(const)) {
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s constant ",
                            "(the same value in every row used)."),
                     sv_name_list(vars[const], "covariate")),
             call = caller)
  }
  invisible()
}

# For a model that needs positive weights: negative weights are an error
# naming the model; rows with zero weight are dropped from the model frame
# (general path: the only one with weights) with a warning.
sv_frame_positive_weights <- function(raw, model, caller) {
  w <- raw$weights
  if (is.null(w) || !is.numeric(w) || anyNA(w)) return(raw)
  neg <- sum(w < 0)
  if (neg > 0L) {
    sv_abort(sprintf("`weights` must be positive for %s; found %d negative %s.",
                     model, neg, if (neg == 1L) "weight" else "weights"),
             call = caller)
  }
  zero <- w == 0
  nz <- sum(zero)
  if (nz == 0L) return(raw)
  if (nz == length(w)) {
    sv_abort(sprintf("`weights` must be positive for %s; all are zero.",
                     model), call = caller)
  }
  keep <- which(!zero)
  mf <- raw$mf
  mf2 <- mf[keep, , drop = FALSE]
  attr(mf2, "terms") <- attr(mf, "terms")
  attr(mf2, "na.action") <- attr(mf, "na.action")
  raw$mf <- mf2
  raw$y <- raw$y[keep, , drop = FALSE]
  raw$weights <- w[keep]
  if (!is.null(raw$offset)) raw$offset <- raw$offset[keep]
  if (!is.null(raw$id)) raw$id <- raw$id[keep]
  sv_warn(sprintf(paste0("%d %s with zero weight %s left out (%s uses ",
                         "positive weights only)."),
                  nz, if (nz == 1L) "row" else "rows",
                  if (nz == 1L) "was" else "were", model),
          class = "survstep_warning_zero_weights", call = caller)
  raw
}

# Common tail of every path: `raw` holds mf (the model frame, all rows when
# `rows` is given), terms, y (response matrix for the rows of mf), rows
# (1-based rows of mf used, or NULL for all), na.action, weights, offset and,
# from sv_frame_simple(), the design.
sv_frame_finish <- function(raw, group, caller, counting) {
  mf <- raw$mf
  tt <- raw$terms
  rows <- raw$rows
  y <- raw$y
  if (!is.null(rows)) y <- y[rows, , drop = FALSE]
  y <- sv_check_y(y, caller, counting)
  n <- nrow(y)

  w <- raw$weights
  if (!is.null(w)) {
    if (!is.numeric(w) || any(!is.finite(w)) || any(w < 0)) {
      sv_abort("`weights` must be finite and non-negative.", call = caller)
    }
    w <- as.double(w)
  }
  off <- raw$offset
  if (!is.null(off)) {
    off <- as.double(off)
    if (any(!is.finite(off))) {
      sv_abort("The offset must be finite.", call = caller)
    }
  }

  st_idx <- attr(tt, "specials")$strata
  na_act <- raw$na.action
  if (group != "none") {
    # a row with a missing group or stratum (kept by na.action = na.pass)
    # belongs to no curve and no group: it is left out, as survfit() does
    miss <- sv_frame_missing_groups(mf, tt, rows, st_idx)
    if (length(miss)) {
      keep <- if (is.null(rows)) seq_len(nrow(mf)) else rows
      pos <- match(miss, keep)
      rows <- keep[-pos]
      y <- y[-pos, , drop = FALSE]
      if (!is.null(w)) w <- w[-pos]
      if (!is.null(off)) off <- off[-pos]
      na_act <- sv_na_action_add(na_act, miss, mf)
    }
  }
  n <- nrow(y)
  strata_terms <- integer(0)
  st <- NULL
  if (length(st_idx)) {
    strata_terms <- survival::untangle.specials(tt, "strata", 1)$terms
    st <- sv_strata_codes(mf[st_idx], rows)
  }
  cl_idx <- attr(tt, "specials")$cluster
  cluster_terms <- integer(0)
  cl <- NULL
  if (length(cl_idx)) {
    cluster_terms <- survival::untangle.specials(tt, "cluster", 1)$terms
    cl <- mf[[cl_idx]]
    if (!is.null(rows)) cl <- cl[rows]
  }
  g <- NULL
  if (group != "none") {
    labs <- attr(tt, "term.labels")
    if (group == "terms" && length(strata_terms)) labs <- labs[-strata_terms]
    vars <- labs[labs %in% names(mf)]
    g <- if (length(vars) && n > 0L) sv_group_codes(mf, vars, rows, caller) else
      list(codes = NULL, levels = NULL)
    g$vars <- vars
    g$bad <- setdiff(labs, vars)
  }
  id <- raw$id
  if (!is.null(id)) {
    if (!is.null(rows)) id <- id[rows]
    if (!is.atomic(id) || is.matrix(id)) {
      sv_abort(sprintf("`id` must be a vector (one value per row), not %s.",
                       sv_obj_type(id)), call = caller)
    }
  }
  fr <- list(
    y = y, strata = st$codes, strata_levels = st$levels,
    group = g$codes, group_levels = g$levels, group_vars = g$vars,
    group_bad_terms = g$bad,
    weights = w, offset = off, id = id, terms = tt,
    strata_terms = strata_terms,
    na.action = na_act, n_dropped = length(na_act), n = n,
    mf = if (isTRUE(raw$general)) mf else NULL, data = raw$data,
    all_missing = raw$all_missing
  )
  if (length(cl_idx)) {
    fr$cluster <- cl
    fr$cluster_terms <- cluster_terms
  }
  fr
}

# The rows of mf (among `rows`, all when NULL) with a missing value in a
# grouping variable (a right-hand-side variable of the formula, strata()
# terms included).
sv_frame_missing_groups <- function(mf, tt, rows, st_idx) {
  labs <- attr(tt, "term.labels")
  vars <- union(labs[labs %in% names(mf)], names(mf)[st_idx])
  if (!length(vars)) return(integer(0))
  # anyNA() first: the common case (nothing missing) costs one scan per
  # variable and no copies (the rows are taken only from a variable with a
  # missing value somewhere)
  vars <- vars[vapply(vars, function(v) {
    x <- mf[[v]]
    !is.matrix(x) && anyNA(x) && (is.null(rows) || anyNA(x[rows]))
  }, logical(1))]
  if (!length(vars)) return(integer(0))
  idx <- if (is.null(rows)) seq_len(nrow(mf)) else rows
  bad <- rep(FALSE, length(idx))
  for (v in vars) bad <- bad | is.na(mf[[v]][idx])
  idx[bad]
}

# Add the rows `miss` of mf to an na.action record (an "omit" record when
# there is none, as na.omit() makes).
sv_na_action_add <- function(na_act, miss, mf) {
  rn <- attr(mf, "row.names")
  new <- stats::setNames(as.integer(miss), as.character(rn[miss]))
  if (is.null(na_act)) return(structure(new, class = "omit"))
  cls <- class(na_act)
  all <- c(unclass(na_act), new)
  structure(all[order(all)], class = cls)
}

# Validate the response matrix; returns it as a double matrix with column
# names and no row names. Right-censored: finite, non-negative times.
# Counting process: finite start < stop (negative start times are allowed, as
# in coxph()).
sv_check_y <- function(y, caller, counting) {
  nc <- ncol(y)
  if (nc == 3L && !isTRUE(counting)) {
    what <- if (is.character(counting)) sprintf("`%s`", counting) else
      "this function"
    sv_abort(sprintf(paste0("Counting-process data ",
                            "(`Surv(start, stop, event)`) are not ",
                            "supported by %s; use `Surv(time, event)`."),
                     what),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = caller)
  }
  # one pass in C++: rows with a missing value, infinite times, invalid rows
  chk <- surv_check_cpp(y)
  if (chk[1L]) {
    sv_abort(sprintf(paste0("The `Surv()` response must not be missing; ",
                            "found %d %s with a missing time or status ",
                            "(kept by `na.action`; use `na.omit`)."),
                     chk[1L], if (chk[1L] == 1L) "row" else "rows"),
             call = caller)
  }
  if (nc == 3L) {
    if (chk[2L]) {
      sv_abort("Start and stop times must be finite; found infinite values.",
               call = caller)
    }
    if (chk[3L]) {
      sv_abort(sprintf(paste0("Each start time must be smaller than its stop ",
                              "time; found %d %s with start >= stop."),
                       chk[3L], if (chk[3L] == 1L) "interval" else "intervals"),
               call = caller)
    }
    dn <- c("start", "stop", "status")
  } else {
    if (chk[2L]) {
      sv_abort("Survival times must be finite; found infinite values.",
               call = caller)
    }
    if (chk[3L]) {
      sv_abort(sprintf(paste0("Survival times must be non-negative; found %d ",
                              "negative %s."),
                       chk[3L], if (chk[3L] == 1L) "time" else "times"),
               call = caller)
    }
    dn <- c("time", "status")
  }
  if (!is.double(y)) storage.mode(y) <- "double"
  want <- list(dim = dim(y), dimnames = list(NULL, dn))
  if (!identical(attributes(y), want)) attributes(y) <- want
  y
}

# General path: stats::model.frame() with the call's own arguments.
sv_frame_general <- function(call, formula, env, caller) {
  data <- if (is.null(call$data)) NULL else eval(call$data, env)
  if (!is.null(data) && !is.data.frame(data) && !is.list(data)) {
    sv_abort(sprintf("`data` must be a data frame, not %s.",
                     sv_obj_type(data)), call = caller)
  }
  # cluster() is a special only where it is accepted (check_formula())
  specials <- c("strata", if ("cluster" %in% all.names(formula[[3L]])) "cluster")
  tt <- if (is.null(data)) {
    stats::terms(formula, specials = specials)
  } else {
    stats::terms(formula, specials = specials, data = data)
  }
  cl_idx <- attr(tt, "specials")$cluster
  if (length(cl_idx) > 1L) {
    sv_abort("`formula` can't have more than one `cluster()` term.",
             call = caller)
  }
  keep <- match(c("formula", "data", "subset", "weights", "na.action", "id"),
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
      if (grepl("Invalid status value", msg, fixed = TRUE)) {
        sv_abort(paste0("The status in `Surv()` must be 0/1 (alive/dead), ",
                        "1/2 or logical; other values were found."),
                 call = caller)
      }
      if (grepl("Stop time must be > start time", msg, fixed = TRUE)) {
        # Surv() would make these rows missing (and na.omit() drop them)
        sv_abort_start_stop(caller)
      }
    }
  )
  mf <- build(mf_fast)
  if (length(cl_idx) && anyNA(mf[[cl_idx]])) {
    sv_abort(sprintf(paste0("`cluster()` must not contain missing values; ",
                            "found %d. Give every row a cluster (or remove ",
                            "those rows)."), sum(is.na(mf[[cl_idx]]))),
             call = caller)
  }
  all_missing <- NULL
  if (any(vapply(mf, function(col) anyNA(unclass(col)), logical(1)))) {
    mf_na <- mf
    mf <- build(mf_call)
    if (nrow(mf) == 0L && nrow(mf_na) > 0L) {
      # say which variables have no value at all
      allna <- names(mf_na)[vapply(mf_na, function(v) all(is.na(v)),
                                   logical(1))]
      all_missing <- allna[!startsWith(allna, "(")]
    }
  }
  tt <- attr(mf, "terms")

  y <- stats::model.response(mf)
  if (!inherits(y, "Surv")) {
    sv_abort(paste0("The left-hand side of `formula` must be a `Surv()` ",
                    "object, such as `Surv(time, status)`."), call = caller)
  }
  type <- attr(y, "type")
  if (type %in% c("mright", "mcounting")) {
    # Surv() makes multi-state data of a factor status: usually a status
    # read in as a factor by mistake
    sv_abort(paste0("The status in `Surv()` is a factor, which `Surv()` ",
                    "reads as multi-state data (not supported). For ",
                    "right-censored data give a 0/1 or logical status, ",
                    "such as `as.integer(status == \"dead\")` or ",
                    "`as.integer(as.character(status))`."),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = caller)
  }
  if (!type %in% c("right", "counting")) {
    sv_abort(sprintf(paste0("`Surv()` must describe right-censored data ",
                            "(`Surv(time, status)`) or counting-process data ",
                            "(`Surv(start, stop, status)`), not type \"%s\" ",
                            "(interval-censored and multi-state data are ",
                            "not supported)."), type),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = caller)
  }
  list(mf = mf, terms = tt, y = unclass(y), rows = NULL,
       na.action = attr(mf, "na.action"), data = data, general = TRUE,
       all_missing = all_missing,
       weights = stats::model.weights(mf), offset = stats::model.offset(mf),
       id = mf[["(id)"]])
}

# Lean path for a literal Surv(time, event) response (km() and the log-rank
# tests on large data): the response is read by sv_lean_surv() instead of
# survival::Surv() and missing values are dropped by row index. NULL when it
# does not apply (weights, offsets, other na.action functions, a response
# that is not a literal two-argument Surv() call, values Surv() would
# refuse); the general path then runs.
sv_frame_lean <- function(call, formula, env) {
  if (!is.null(call$weights) || !is.null(call$id)) return(NULL)
  fenv <- environment(formula)
  lhs <- formula[[2L]]
  if (!sv_is_surv_call(lhs, fenv)) return(NULL)
  sc <- tryCatch(match.call(survival::Surv, lhs), error = function(e) NULL)
  if (is.null(sc)) return(NULL)
  args <- as.list(sc)[-1L]
  if (length(args) != 2L || !"time" %in% names(args) ||
      !all(names(args) %in% c("time", "time2", "event"))) {
    return(NULL)
  }
  event <- args[[setdiff(names(args), "time")]]
  data <- if (is.null(call$data)) NULL else eval(call$data, env)
  if (!is.null(data) && (!is.data.frame(data) ||
                         !is.null(attr(data, "na.action")))) {
    return(NULL)
  }
  na_fun <- if (is.null(call$na.action)) getOption("na.action") else
    eval(call$na.action, env)
  if (is.character(na_fun) && length(na_fun) == 1L) {
    na_fun <- tryCatch(get(na_fun, mode = "function", envir = env),
                       error = function(e) NULL)
  }
  na_kind <- if (identical(na_fun, stats::na.omit)) "omit" else
    if (identical(na_fun, stats::na.exclude)) "exclude" else
      if (identical(na_fun, stats::na.fail)) "fail" else NA_character_
  if (is.na(na_kind)) return(NULL)

  lean_lhs <- as.call(list(call(":::", as.name("survstep"),
                                as.name("sv_lean_surv")), args$time, event))
  lean <- formula
  lean[[2L]] <- lean_lhs
  tt <- tryCatch(
    if (is.null(data)) {
      stats::terms(lean, specials = "strata")
    } else {
      stats::terms(lean, specials = "strata", data = data)
    },
    error = function(e) NULL
  )
  if (is.null(tt) || !is.null(attr(tt, "offset"))) return(NULL)
  keep <- match(c("formula", "data", "subset"), names(call), 0L)
  mf_call <- call[c(1L, keep)]
  mf_call[[1L]] <- quote(stats::model.frame)
  mf_call$formula <- tt
  if (!is.null(data)) mf_call$data <- data  # evaluated once, not twice
  mf_call$na.action <- quote(stats::na.pass)
  mf_call$drop.unused.levels <- TRUE
  # any error (or a value Surv() would refuse): the general path reports it
  mf <- tryCatch(eval(mf_call, env), error = function(e) NULL)
  if (is.null(mf)) return(NULL)
  y <- mf[[1L]]
  if (!is.double(y)) storage.mode(y) <- "double"
  tt <- sv_lean_terms(attr(mf, "terms"), lhs)

  rows <- NULL
  na_act <- NULL
  if (anyNA(y) || any(vapply(mf[-1L], anyNA, logical(1)))) {
    if (na_kind == "fail") return(NULL)
    ok <- stats::complete.cases(mf)
    rows <- which(ok)
    omit <- which(!ok)
    names(omit) <- attr(mf, "row.names")[omit]
    na_act <- structure(omit, class = na_kind)
  }
  list(mf = mf, terms = tt, y = y, rows = rows, na.action = na_act,
       weights = NULL, offset = NULL, data = data)
}

# survival::Surv() for the lean path: the same reading of right-censored
# (time, event) data, cheaper; anything unusual signals the fallback to the
# general path (an error caught by sv_frame_lean()).
sv_lean_surv <- function(time, event) {
  fallback <- function() {
    stop(structure(class = c("survstep_fallback", "error", "condition"),
                   list(message = "fallback", call = NULL)))
  }
  if (inherits(time, "difftime")) time <- unclass(time)
  if (!is.numeric(time) || is.object(time) || is.object(event) ||
      length(event) != length(time)) {
    fallback()
  }
  if (is.numeric(event)) {
    code <- surv_status_code_cpp(event)
    if (code == 2L) fallback()
    if (code == 1L) event <- event - 1
  } else if (!is.logical(event)) {
    fallback()
  }
  cbind(time = time, status = event)
}

# The terms of the lean frame with the user's Surv() call put back in place
# of the sv_lean_surv() call, as the general path has them.
sv_lean_terms <- function(tt, lhs) {
  label <- paste(deparse(lhs, width.cutoff = 500L), collapse = " ")
  tt[[2L]] <- lhs
  for (a in c("variables", "predvars")) {
    v <- attr(tt, a)
    v[[2L]] <- lhs
    attr(tt, a) <- v
  }
  fac <- attr(tt, "factors")
  if (length(fac)) {
    rownames(fac)[1L] <- label
    attr(tt, "factors") <- fac
  }
  dc <- attr(tt, "dataClasses")
  names(dc)[1L] <- label
  attr(tt, "dataClasses") <- dc
  tt
}

sv_is_surv_call <- function(lhs, env) {
  if (!is.call(lhs) || is.null(env)) return(FALSE)
  fn <- tryCatch(eval(lhs[[1L]], env), error = function(e) NULL)
  identical(fn, survival::Surv)
}

# Fast path of the common small-data Cox call: `cox(Surv(time, status) ~ a +
# b + c, data)` with plain numeric columns, no missing values and no subset,
# weights, na.action, strata or offset. Builds what the general path and
# sv_frame_design() would (same terms attributes, same design), without the
# cost of model.frame() and model.matrix(). NULL when not applicable.
sv_no_xlevels <- stats::setNames(list(), character(0))

sv_frame_simple <- function(call, env) {
  nms <- names(call)[-1L]
  if (!"data" %in% nms || !"formula" %in% nms ||
      any(c("subset", "weights", "na.action", "id") %in% nms)) {
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
  formula <- if (is.null(fobj)) eval(fcall, env) else fobj
  # the formula's part: parsed once for a formula refitted in a loop
  sf <- sv_simple_formula_lookup(formula)
  if (is.null(sf)) {
    sf <- sv_simple_formula(formula)
    if (is.null(sf)) return(NULL)
    kept <- sv_simple_formula_cache$kept
    sv_simple_formula_cache$kept <-
      c(list(sf), kept[seq_len(min(length(kept), sv_simple_formula_keep - 1L))])
  }
  vars <- sf$vars
  tname <- sf$tname
  sname <- sf$sname
  dn <- names(data)
  if (!all(c(vars, tname, sname) %in% dn)) return(NULL)
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
  y <- c(time, status)
  dim(y) <- c(n, 2L)
  dimnames(y) <- list(NULL, c("time", "status"))

  tt <- sf$terms
  attr(tt, ".Environment") <- environment(formula)
  # the record of sv_frame_finish() and sv_frame_design(), field for field
  list(
    y = y, strata = NULL, strata_levels = NULL, group = NULL,
    group_levels = NULL, group_vars = NULL, group_bad_terms = NULL,
    weights = NULL, offset = NULL, id = NULL, terms = tt,
    strata_terms = integer(0),
    na.action = NULL, n_dropped = 0L, n = n, mf = NULL, data = data,
    all_missing = NULL,
    x = lapply(cols, as.double),
    assign = sf$assign, contrasts = NULL, xlevels = sv_no_xlevels,
    term_of_col = vars,
    simple = list(data = data, lhs_label = sf$lhs_label, cols = cols,
                  formula = formula,
                  all_double = all(vapply(cols, is.double, TRUE)))
  )
}

# The formula's part of sv_frame_simple(): for `Surv(time, status) ~ a + b`
# of plain names (each once, no `.`), the names, the label of the response,
# the terms object (as the general path's, with the empty environment in
# place of the formula's: the cache below must not keep a caller's frame
# alive) and the assign list.
# NULL when the formula is not of that form. The last few are kept in
# sv_simple_formula_cache, keyed by the two sides of the formula: resampling
# and simulation loops refit one formula (or a pair of them) many times, and
# parsing it with terms() was a quarter of a small fit.
sv_simple_formula_cache <- new.env(parent = emptyenv())
sv_simple_formula_keep <- 4L

sv_simple_formula_lookup <- function(formula) {
  for (sf in sv_simple_formula_cache$kept) {
    if (identical(formula[[3L]], sf$rhs) && identical(formula[[2L]], sf$lhs)) {
      return(sf)
    }
  }
  NULL
}

sv_simple_formula <- function(formula) {
  lhs <- formula[[2L]]
  if (!is.call(lhs) || length(lhs) != 3L || !is.name(lhs[[2L]]) ||
      !is.name(lhs[[3L]]) || !is.null(names(lhs)) ||
      !(identical(lhs[[1L]], quote(Surv)) ||
        identical(lhs[[1L]], quote(survival::Surv)))) {
    return(NULL)
  }
  # right-hand side: a + b + c of plain column names
  vars <- character(0)
  rhs <- formula[[3L]]
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
  if (anyDuplicated(vars) || any(vars == ".")) return(NULL)
  tt <- stats::terms(formula, specials = "strata")
  if (!is.null(attr(tt, "specials")$strata) || !is.null(attr(tt, "offset")) ||
      !identical(attr(tt, "term.labels"), vars)) {
    return(NULL)
  }
  lhs_label <- paste0(if (is.name(lhs[[1L]])) "Surv" else "survival::Surv",
                      "(", tname, ", ", sname, ")")
  attr(tt, "predvars") <- as.call(c(quote(list), lhs, lapply(vars, as.name)))
  dcl <- c("nmatrix.2", rep("numeric", length(vars)))
  names(dcl) <- c(lhs_label, vars)
  attr(tt, "dataClasses") <- dcl
  attr(tt, ".Environment") <- emptyenv()
  asg <- as.list(seq_along(vars))
  names(asg) <- vars
  list(lhs = formula[[2L]], rhs = formula[[3L]], vars = vars, tname = tname,
       sname = sname, lhs_label = lhs_label, terms = tt, assign = asg)
}

# The design of the non-strata terms, as coxph() codes it: model.matrix()
# without the intercept column (so factors get treatment contrasts) and
# without strata columns; `assign` is a list from term label to column
# indices; term indices refer to the full terms object.
sv_frame_design <- function(tt, mf, strata_terms, contrasts = NULL) {
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
  assign <- split(seq_along(asg),
                  factor(term_of_col, levels = unique(term_of_col)))
  attr(X, "assign") <- asg
  attr(X, "contrasts") <- contr
  storage.mode(X) <- "double"
  list(x = X, assign = assign, contrasts = contr,
       xlevels = stats::.getXlevels(tt, mf), term_of_col = term_of_col)
}

# The design matrix of a record (the fast path keeps its columns as a list).
sv_frame_matrix <- function(fr) {
  x <- fr$x
  if (!is.list(x)) return(x)
  cols <- x
  X <- unlist(cols, use.names = FALSE)  # fresh vector: attributes set in place
  if (!is.double(X)) X <- as.double(X)
  dim(X) <- c(fr$n, length(cols))
  dimnames(X) <- list(NULL, names(cols))
  attr(X, "assign") <- seq_along(cols)
  X
}

# The model frame a record stands for (the fast path builds none).
sv_frame_model <- function(fr) {
  if (!is.null(fr$mf)) return(fr$mf)
  s <- fr$simple
  y <- structure(fr$y, type = "right", class = "Surv")
  structure(c(list(y), unclass(s$cols)),
            names = c(s$lhs_label, names(s$cols)), terms = fr$terms,
            row.names = attr(s$data, "row.names"), class = "data.frame")
}

# Grouping and strata codes --------------------------------------------------

#' Combine right-hand-side variables into one grouping factor
#'
#' Labels follow `survfit()`: `"x=a"` for one variable, `"x=a, y=b"` for
#' several; `NULL` for an intercept-only formula.
#' @param mf A model frame.
#' @param vars Column names (or indices) of `mf` to combine.
#' @noRd
sv_group_factor <- function(mf, vars) {
  if (!length(vars)) return(NULL)
  cols <- lapply(mf[vars], function(v) droplevels(as.factor(v)))
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
  key <- do.call(interaction, c(unname(cols),
                                list(drop = TRUE, lex.order = TRUE)))
  labels <- do.call(paste, c(lab, list(sep = ", ")))
  factor(labels, levels = unique(labels[order(key)]))
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

# The grouping of sv_group_factor() (labels, level order) in O(n): codes of
# the combinations by hashing, labels from sv_group_factor() applied to one
# representative row per combination. Returns 0-based codes for the rows
# `rows` of mf (all rows when NULL) and the labels.
sv_group_codes <- function(mf, vars, rows = NULL, caller = sys.call(-1)) {
  cols <- mf[vars]
  for (v in vars) {
    if (is.matrix(cols[[v]]) || !is.atomic(cols[[v]])) {
      sv_abort(sprintf(paste0("Can't group by `%s`: matrix-valued grouping ",
                              "variables are not supported."), v),
               call = caller)
    }
  }
  code <- NULL
  m <- 1
  for (x in cols) {
    # (rows with a missing value were left out by sv_frame_finish())
    cx <- sv_column_codes(if (is.null(rows)) x else x[rows])
    code <- if (is.null(code)) cx$codes else (code - 1) * cx$m + cx$codes
    m <- m * cx$m
  }
  if (length(cols) > 1L) {
    u <- unique(code)
    code <- match(code, u)
    m <- length(u)
  }
  first <- first_rows_cpp(code, m)
  present <- which(first > 0L)
  rep_rows <- first[present]
  if (!is.null(rows)) rep_rows <- rows[rep_rows]
  rep_f <- sv_group_factor(mf[rep_rows, vars, drop = FALSE], vars)
  map <- integer(m)
  map[present] <- as.integer(rep_f) - 1L
  list(codes = map[code], levels = levels(rep_f))
}

# 0-based stratum codes in the level order of the strata factor(s) (first
# one slowest, as survival::strata()), for the rows `rows` of the columns
# (all when NULL); labels are the values joined by ", ".
sv_strata_codes <- function(cols, rows = NULL) {
  codes <- NULL
  for (x in cols) {
    x <- as.factor(if (is.null(rows)) x else x[rows])
    codes <- if (is.null(codes)) as.integer(x) else
      (codes - 1) * nlevels(x) + as.integer(x)
  }
  u <- sort(unique(codes))
  first <- match(u, codes)
  labs <- lapply(cols, function(x) {
    as.character(if (is.null(rows)) x[first] else x[rows[first]])
  })
  list(codes = match(codes, u) - 1L,
       levels = do.call(paste, c(labs, list(sep = ", "))))
}

# Why a record has no rows, for the front ends' "no observations" errors:
# `data` itself has none, or every row was removed by `na.action` and
# `subset`.
sv_no_rows_reason <- function(fr) {
  data <- fr$data
  if (is.data.frame(data) && nrow(data) == 0L) return("`data` has no rows")
  "no rows are left after removing missing values and applying `subset`"
}

# A record's 0-based codes and labels as a factor (for the matrix engines).
sv_frame_factor <- function(codes, levels) {
  if (is.null(codes)) return(NULL)
  structure(codes + 1L, levels = levels, class = "factor")
}

# Intervals with start >= stop (Surv() would make them missing): the error
# of the in-memory frame and of a remote table (R/db.R).
sv_abort_start_stop <- function(caller) {
  sv_abort(paste0("Each start time in `Surv(start, stop, event)` must ",
                  "be smaller than its stop time; some are not."),
           call = caller)
}
