# Validation helpers and classed conditions --------------------------------
#
# Every user-facing problem is signalled through sv_abort() / sv_warn() so
# that it carries a survstep class and can be caught or snapshot-tested.
#   errors:   survstep_error_input (bad argument or data)
#   warnings: survstep_warning_convergence, survstep_warning_infinite_coef,
#             survstep_warning_singular, survstep_warning_na (rows dropped) ...

sv_condition <- function(message, class, call, base) {
  structure(
    class = c(class, base, "condition"),
    list(message = message, call = call)
  )
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
  message <- paste(message, collapse = "\n")
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

check_formula <- function(formula, call = sys.call(-1)) {
  if (!inherits(formula, "formula") || length(formula) != 3L) {
    sv_abort(paste0("`formula` must be a two-sided formula with a ",
                    "`Surv()` response, such as `Surv(time, status) ~ group`."),
             call = call)
  }
  rhs_fun <- all.names(formula[[3L]], functions = TRUE, unique = TRUE)
  bad <- intersect(rhs_fun, names(sv_unsupported_specials))
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
  cluster = "robust variances are not implemented; use survival::coxph()",
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

# A classed error for arguments that a function does not have (they land in
# its `...`): `fn` is the function's name for the message.
check_dots_empty <- function(fn, ..., call = sys.call(-1)) {
  if (...length() == 0L) return(invisible())
  nms <- names(substitute(list(...)))[-1L]
  if (is.null(nms)) nms <- rep("", ...length())
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
