# Validation helpers and classed conditions --------------------------------
#
# Every user-facing problem is signalled through sv_abort() / sv_warn() so
# that it carries a survstep class and can be caught or snapshot-tested.
#   errors:   survstep_error_input (bad argument or data)
#   warnings: survstep_warning_convergence, survstep_warning_infinite_coef,
#             survstep_warning_singular, survstep_warning_na (rows dropped) ...

sv_condition <- function(message, class, call, base) {
  # (class<- rather than structure(): this runs on every warning)
  cond <- list(message = message, call = call)
  class(cond) <- c(class, base, "condition")
  cond
}

#' Signal a classed survstep error
#'
#' @param message The message; a character vector is pasted with newlines.
#' @param class Extra classes, most specific first.
#' @param call The call reported with the error (default: the caller).
#' @noRd
sv_abort <- function(message, class = "survstep_error_input",
                     call = sys.call(-1)) {
  message <- paste(message, collapse = "\n")
  stop(sv_condition(message, unique(c(class, "survstep_error")), call,
                    "error"))
}

#' Signal a classed survstep warning
#' @noRd
sv_warn <- function(message, class = "survstep_warning",
                    call = sys.call(-1)) {
  if (length(message) != 1L) message <- paste(message, collapse = "\n")
  warning(sv_condition(message, unique(c(class, "survstep_warning")), call,
                       "warning"))
}

# Describe a value's type for "must be ..., not ..." messages.
sv_obj_type <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.factor(x)) return("a factor")
  if (is.data.frame(x)) return("a data frame")
  if (is.array(x)) {
    type <- if (is.character(x)) "character" else if (is.numeric(x))
      "numeric" else if (is.logical(x)) "logical" else typeof(x)
    return(sprintf("a %s %s", type, if (is.matrix(x)) "matrix" else "array"))
  }
  if (length(x) == 1L && is.atomic(x)) {
    if (is.na(x)) return("`NA`")
    return(paste0("`", format(x), "`"))
  }
  paste0(if (is.character(x)) "a character" else if (is.numeric(x))
    "a numeric" else if (is.logical(x)) "a logical" else class(x)[1],
    " vector of length ", length(x))
}

check_number <- function(x, arg, lower = -Inf, upper = Inf,
                         open = c(FALSE, FALSE), call = sys.call(-1)) {
  ok <- is.numeric(x) && length(x) == 1L && !is.na(x) && is.finite(x)
  if (ok) {
    ok <- (if (open[1]) x > lower else x >= lower) &&
      (if (open[2]) x < upper else x <= upper)
  }
  if (!ok) {
    lo <- if (open[1]) "(" else "["
    hi <- if (open[2]) ")" else "]"
    range <- if (is.finite(lower) || is.finite(upper)) {
      paste0(" in ", lo, format(lower), ", ", format(upper), hi)
    } else ""
    sv_abort(sprintf("`%s` must be a single finite number%s, not %s.",
                     arg, range, sv_obj_type(x)), call = call)
  }
  invisible(x)
}

check_conf_level <- function(x, arg = "conf_level", call = sys.call(-1)) {
  check_number(x, arg, 0, 1, open = c(TRUE, TRUE), call = call)
}

check_flag <- function(x, arg, call = sys.call(-1)) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    sv_abort(sprintf("`%s` must be `TRUE` or `FALSE`, not %s.", arg,
                     sv_obj_type(x)), call = call)
  }
  invisible(x)
}

# Whether every argument is TRUE or FALSE (the fast test before check_flag()
# names the one that is not).
sv_all_flags <- function(...) {
  for (i in seq_len(...length())) {
    v <- ...elt(i)
    if (!is.logical(v) || length(v) != 1L || is.na(v)) return(FALSE)
  }
  TRUE
}

# match.arg() with a classed error naming the argument.
sv_match_arg <- function(arg, choices, name, call = sys.call(-1)) {
  if (is.null(arg) || identical(arg, choices)) return(choices[1L])
  if (!is.character(arg) || length(arg) != 1L || is.na(arg)) {
    sv_abort(sprintf("`%s` must be a single string, not %s.", name,
                     sv_obj_type(arg)), call = call)
  }
  i <- pmatch(arg, choices)
  if (is.na(i)) {
    sv_abort(sprintf("`%s` must be one of %s, not \"%s\".", name,
                     paste0("\"", choices, "\"", collapse = ", "), arg),
             call = call)
  }
  choices[i]
}

check_formula <- function(formula, call = sys.call(-1), allow = character()) {
  if (!inherits(formula, "formula") || length(formula) != 3L) {
    sv_abort(paste0("`formula` must be a two-sided formula with a ",
                    "`Surv()` response, such as `Surv(time, status) ~ group`."),
             call = call)
  }
  rhs_fun <- all.names(formula[[3L]], functions = TRUE, unique = TRUE)
  bad <- setdiff(intersect(rhs_fun, names(sv_unsupported_specials)), allow)
  if (length(bad)) {
    sv_abort(sprintf("The %s not supported by survstep (%s).",
                     sv_name_list(paste0(bad, "()"), "term"),
                     paste(unique(sv_unsupported_specials[bad]), collapse = "; ")),
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = call)
  }
  invisible(formula)
}

# Special terms of survival's formulas that survstep does not implement; a
# model with them would otherwise treat them as ordinary covariates.
sv_unsupported_specials <- c(
  cluster = "robust variances are available in `cox()` and `cox_univariable()` only",
  frailty = "frailty and penalised terms are not implemented; use survival::coxph()",
  frailty.gamma = "frailty and penalised terms are not implemented; use survival::coxph()",
  frailty.gaussian = "frailty and penalised terms are not implemented; use survival::coxph()",
  frailty.t = "frailty and penalised terms are not implemented; use survival::coxph()",
  pspline = "frailty and penalised terms are not implemented; use survival::coxph()",
  ridge = "frailty and penalised terms are not implemented; use survival::coxph()",
  tt = "time-transform terms are not implemented; use survival::coxph()"
)

# "covariate `a` is" / "covariates `a`, `b` are": the subject of a message
# about one or more named variables.
sv_name_list <- function(what, noun) {
  sprintf("%s %s %s", if (length(what) == 1L) noun else paste0(noun, "s"),
          paste0("`", what, "`", collapse = ", "),
          if (length(what) == 1L) "is" else "are")
}

# Inputs of the matrix engines (km_fit(), logrank_fit(), cox_fit()) -------
#
# Shapes and storage types are checked here; the values (times, status,
# weights, offsets, covariates) are checked by the C++ core in the pass that
# reads them, and reported through each family's decode table.

# `y`: a Surv object of right-censored (or, with `counting`, counting-
# process) data, or its numeric matrix. Returns a double matrix.
sv_engine_y <- function(y, call, counting = FALSE) {
  type <- if (inherits(y, "Surv")) attr(y, "type") else NULL
  if (!is.null(type) && !type %in% c("right", "counting")) {
    sv_abort(sprintf(paste0("`y` must be right-censored or counting-process ",
                            "data, not a `Surv()` object of type \"%s\"."),
                     type),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = call)
  }
  if (!(is.numeric(y) || is.logical(y)) || !is.matrix(y) ||
      !ncol(y) %in% c(2L, 3L)) {
    sv_abort(sprintf(paste0("`y` must be a `Surv()` object or a numeric ",
                            "matrix with columns time and status, not %s."),
                     sv_obj_type(y)), call = call)
  }
  if (ncol(y) == 3L && !isTRUE(counting)) {
    sv_abort(paste0("Counting-process data (`Surv(start, stop, event)`) ",
                    "are not supported here; `y` must have two columns ",
                    "(time, status)."),
             class = c("survstep_error_not_implemented",
                       "survstep_error_input"), call = call)
  }
  if (nrow(y) == 0L) {
    sv_abort("`y` must have at least one row.", call = call)
  }
  if (anyNA(y)) {
    sv_abort("`y` must not contain missing values.", call = call)
  }
  if (inherits(y, "Surv") || !is.double(y)) {
    y <- unclass(y)
    attributes(y) <- list(dim = dim(y))
    if (!is.double(y)) storage.mode(y) <- "double"
  }
  y
}

# `group`/`strata`: NULL, a factor (levels are labels) or any vector (its
# sorted distinct values). Returns list(codes = 0-based or NULL, levels).
sv_engine_group <- function(group, n, arg, call) {
  if (is.null(group)) return(list(codes = NULL, levels = NULL))
  if (length(group) != n || anyNA(group) || is.matrix(group)) {
    sv_abort(sprintf("`%s` must be a vector of length %d without missing values.",
                     arg, n), call = call)
  }
  if (!is.factor(group)) group <- as.factor(group)
  codes <- unclass(group)
  if (any(tabulate(codes, nlevels(group)) == 0L)) {
    group <- droplevels(group)
    codes <- unclass(group)
  }
  list(codes = as.vector(codes) - 1L, levels = levels(group))
}

sv_engine_weights <- function(weights, n, call) {
  if (is.null(weights)) return(NULL)
  if (!is.numeric(weights) || length(weights) != n || anyNA(weights) ||
      any(!is.finite(weights)) || any(weights < 0)) {
    sv_abort(sprintf("`weights` must be %d finite, non-negative numbers.", n),
             call = call)
  }
  as.double(weights)
}

# The names of the arguments in `...` ("" for unnamed ones), without
# evaluating them (an argument such as `id = id` may not exist).
sv_dots_names <- function(...) {
  nms <- names(substitute(list(...)))[-1L]
  if (is.null(nms)) rep("", ...length()) else nms
}

# A classed error for arguments that a function does not have (they land in
# its `...`): `fn` is the function's name for the message.
check_dots_empty <- function(fn, ..., .renamed = NULL, call = sys.call(-1)) {
  if (...length() == 0L) return(invisible())
  nms <- sv_dots_names(...)
  # the other spelling of a renamed argument is taken by sv_renamed()
  nms <- nms[!nms %in% names(.renamed)]
  if (!length(nms)) return(invisible())
  named <- unique(nms[nzchar(nms)])
  n_unnamed <- sum(!nzchar(nms))
  what <- c(
    if (length(named)) {
      sprintf("has no argument%s %s", if (length(named) > 1L) "s" else "",
              paste0("`", named, "`", collapse = ", "))
    },
    if (n_unnamed) {
      sprintf("was given %d unnamed argument%s too many", n_unnamed,
              if (n_unnamed > 1L) "s" else "")
    }
  )
  sv_abort(sprintf("`%s()` %s.", fn, paste(what, collapse = " and ")),
           class = c("survstep_error_unused_argument", "survstep_error_input"),
           call = call)
}

# Argument names: survstep's own arguments are snake_case (`conf_level`,
# `conf_type`, `p_adjust_method`); methods of generics keep the generic's
# names (`summary(conf.int =)`, `confint(level =)`, broom's `tidy(conf.int =,
# conf.level =)`); `subset`, `weights`, `na.action` are lm()'s. The dotted
# spelling of a renamed argument is accepted with a classed warning: `old`
# (the dotted name) is looked up in `...` and, when given, replaces `value`.
sv_renamed <- function(fn, value, old, new, ..., call = sys.call(-1)) {
  dots <- list(...)
  if (!old %in% names(dots)) return(value)
  sv_warn(sprintf(paste0("`%s()` spells `%s` as `%s` (snake_case, as all ",
                         "survstep arguments); `%s` is used as `%s`."),
                  fn, old, new, old, new),
          class = c("survstep_warning_renamed_argument",
                    "survstep_warning_deprecated"), call = call)
  dots[[old]]
}

# old (dotted) = new (snake_case) spellings accepted by sv_renamed()
sv_renames <- c(conf.level = "conf_level", conf.type = "conf_type",
                p.adjust.method = "p_adjust_method")

# Runs one call into the C++ glue (`expr`) and turns a failed memory
# allocation (a std::bad_alloc, which Rcpp reports as an error of class
# "std::bad_alloc") into a classed error that says what happened.
sv_engine_call <- function(expr, call = sys.call(-1)) {
  tryCatch(expr, "std::bad_alloc" = function(e) {
    sv_abort(paste0("Not enough memory for the computation (a memory ",
                    "allocation in the C++ engine failed). Use fewer rows, ",
                    "groups or covariates, or free memory."),
             class = "survstep_error_memory",
             call = call)
  })
}

# A Suggests package that a function needs: a classed error if absent.
sv_need <- function(pkg, what, call = sys.call(-1)) {
  if (!requireNamespace(pkg, quietly = TRUE)) {
    sv_abort(sprintf("%s needs the %s package: install.packages(\"%s\").",
                     what, pkg, pkg),
             class = c("survstep_error_missing_package",
                       "survstep_error_input"), call = call)
  }
  invisible(TRUE)
}

# A generic that does not apply to a survstep result (`coef()` of a
# Kaplan-Meier fit, `residuals()` of a table, ...): a classed error naming the
# generic, the object's class and what to use instead, rather than a default
# method's NULL or an unrelated error. The methods that call it are
# registered from one table in R/generics.R.
sv_abort_not_for <- function(object, generic, instead = NULL,
                             call = sys.call(-1)) {
  sv_abort(c(sprintf("`%s()` does not apply to a `%s` object.", generic,
                     class(object)[1L]),
             if (length(instead)) sprintf("Use %s instead.", instead)),
           class = c("survstep_error_not_applicable", "survstep_error_input"),
           call = call)
}

# The error of an interval whose start and stop times `timefix` merged: the
# rule of survival::aeqSurv() (the families' one timefix), stated.
sv_timefix_merged_message <- function(what, fix) {
  paste0("Can't ", what, ": `timefix` merged the start and stop times of ",
         "an interval (as `survival::aeqSurv()` merges times that differ ",
         "by at most `sqrt(.Machine$double.eps)`, absolutely or relative to ",
         "the mean absolute time); use ", fix, " or drop that interval.")
}
