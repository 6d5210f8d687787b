# Table 1: cohort characteristics by group ----------------------------------

#' Cohort characteristics table ("Table 1")
#'
#' The first table of a clinical paper: each baseline variable summarised
#' overall and by group, with the number of missing values and a test of
#' difference between the groups.
#'
#' @details
#' **Variable types.** A factor, character or logical column is
#' *categorical*; a numeric column whose values are all 0 or 1 is
#' *dichotomous* (one row: the count of `1`); any other numeric column is
#' *continuous*. `type` overrides this per variable: `"dichotomous"` shows
#' one level only (`value`, by default `1`, `TRUE` or the last factor
#' level), `"categorical"` one row per level (a numeric column is then taken
#' by its sorted distinct values).
#'
#' **Summaries.** Categorical: n (%), the percentage of the non-missing
#' values of the column (group). Continuous: by default the median (first
#' quartile, third quartile), which does not presume normality; per variable
#' `"mean_sd"` (mean ± standard deviation), `"median_range"` or
#' `"mean_sd_range"`. Quartiles use [stats::quantile()] with
#' `quantile_type` (7, R's default; 6 is SPSS's and Minitab's, 2 SAS's
#' `PCTLDEF=5`). A "Missing" row follows a variable that has missing values
#' (`missing = "ifany"`), always (`"always"`) or never (`"no"`).
#'
#' **Tests** (only with `by`; missing values are left out). Categorical and
#' dichotomous variables: Pearson's chi-square test without continuity
#' correction ([stats::chisq.test()] with `correct = FALSE`, as SPSS's
#' "Pearson Chi-Square" and SAS's `CHISQ`), or Fisher's exact test
#' ([stats::fisher.test()]; for tables larger than 2 x 2 the
#' Freeman-Halton extension); `"auto"` (the default) chooses Fisher's test
#' when an expected count is below 5 (Cochran's rule), chi-square otherwise.
#' Continuous variables: `"wilcoxon"` (the default; Wilcoxon-Mann-Whitney
#' rank-sum test with two groups, [stats::wilcox.test()], normal
#' approximation with continuity correction when there are ties;
#' Kruskal-Wallis with more groups), `"t"` (Student's t-test with pooled
#' variance; one-way ANOVA F-test with more groups) or `"welch"` (Welch's
#' t-test; Welch's one-way test). The test used is reported per row in
#' column `test`.
#'
#' @param data A data frame with one row per patient.
#' @param by Optional name of the grouping column (a string). Rows with a
#'   missing group are left out of the group columns and the tests but are
#'   counted in the overall column.
#' @param vars Names of the columns to summarise, in order (default: every
#'   column except `by`).
#' @param type Optional named character vector (or list) of variable types,
#'   `"continuous"`, `"categorical"` or `"dichotomous"`, named by column.
#' @param statistic Optional named character vector of summaries for
#'   continuous variables: `"median_iqr"`, `"mean_sd"`, `"median_range"`,
#'   `"mean_sd_range"`. An unnamed single value sets the default for every
#'   continuous variable.
#' @param value Optional named list of the level shown for dichotomous
#'   variables.
#' @param digits Decimal places of continuous summaries: one number, or a
#'   named vector by column (the others get 1).
#' @param labels Optional named character vector of display labels.
#' @param overall Add an overall column.
#' @param test Add p-values (default: `TRUE` when `by` is given).
#' @param continuous_test,categorical_test Default tests, see Details.
#' @param tests Optional named character vector of tests by column,
#'   overriding the defaults.
#' @param missing When to add a "Missing" row: `"ifany"`, `"always"`, `"no"`.
#' @param percent_digits Decimal places of percentages.
#' @param quantile_type The `type` of [stats::quantile()] for quartiles.
#' @param max_levels A categorical variable with more distinct values than
#'   this is an error (it is usually a continuous variable read as text).
#' @param ... Must be empty.
#' @return A data frame of class `survstep_cohort_table`, one row per line of
#'   the table: `variable` (the column), `label`, `level` (`""` on a
#'   variable's first line, the level, or `"Missing"`), `type`, one character
#'   column per group (`Overall` first when `overall = TRUE`), `p.value` and
#'   `test` (on each variable's first line). The group sizes are in
#'   attribute `n`. `format()` gives the printed table (group sizes in the
#'   header), `tidy()` the underlying numbers (counts, percentages, means,
#'   standard deviations, quantiles) in long form.
#' @references
#' Cochran WG (1954). Some methods for strengthening the common chi-square
#' tests. *Biometrics* 10:417-451.
#'
#' Freeman GH, Halton JH (1951). Note on an exact treatment of contingency,
#' goodness of fit and other problems of significance. *Biometrika*
#' 38:141-149.
#'
#' Hollander M, Wolfe DA (1999). *Nonparametric Statistical Methods*, 2nd ed.
#' Wiley.
#' @seealso [km_table()], [cox_table()]
#' @examples
#' colon <- subset(survival::colon, etype == 2)
#' colon$sex <- factor(colon$sex, 0:1, c("female", "male"))
#' cohort_table(colon, by = "rx",
#'              vars = c("age", "sex", "obstruct", "differ", "nodes"),
#'              statistic = c(age = "mean_sd"),
#'              type = c(differ = "categorical"),
#'              labels = c(obstruct = "Obstruction", differ = "Differentiation"))
#' @export
cohort_table <- function(data, by = NULL, vars = NULL, type = NULL,
                         statistic = NULL, value = NULL, digits = 1,
                         labels = NULL, overall = TRUE,
                         test = !is.null(by),
                         continuous_test = c("wilcoxon", "t", "welch"),
                         categorical_test = c("auto", "chisq", "fisher"),
                         tests = NULL,
                         missing = c("ifany", "always", "no"),
                         percent_digits = 1, quantile_type = 7,
                         max_levels = 20, ...) {
  check_dots_empty("cohort_table", ...)
  if (!is.data.frame(data)) {
    sv_abort(sprintf("`data` must be a data frame, not %s.",
                     sv_obj_type(data)))
  }
  data <- as.data.frame(data)
  if (!is.null(by)) {
    if (!is.character(by) || length(by) != 1L || is.na(by)) {
      sv_abort(sprintf("`by` must be the name of a column (a string), not %s.",
                       sv_obj_type(by)))
    }
    if (!by %in% names(data)) {
      sv_abort(sprintf("Can't find `by` column `%s` in `data`.", by))
    }
  }
  if (is.null(vars)) vars <- setdiff(names(data), by)
  if (!is.character(vars) || !length(vars) || anyNA(vars)) {
    sv_abort(sprintf("`vars` must be a character vector of column names, not %s.",
                     sv_obj_type(vars)))
  }
  miss <- setdiff(vars, names(data))
  if (length(miss)) {
    sv_abort(sprintf("Can't find %s %s in `data`.",
                     if (length(miss) > 1L) "columns" else "column",
                     paste0("`", miss, "`", collapse = ", ")))
  }
  if (!is.null(by) && by %in% vars) {
    sv_abort(sprintf("`vars` must not contain the `by` column `%s`.", by))
  }
  check_flag(overall, "overall")
  check_flag(test, "test")
  continuous_test <- sv_match_arg(continuous_test, c("wilcoxon", "t", "welch"),
                                  "continuous_test")
  categorical_test <- sv_match_arg(categorical_test,
                                   c("auto", "chisq", "fisher"),
                                   "categorical_test")
  missing <- sv_match_arg(missing, c("ifany", "always", "no"), "missing")
  check_number(percent_digits, "percent_digits", 0, 10)
  check_number(max_levels, "max_levels", 1)
  if (!is.numeric(quantile_type) || length(quantile_type) != 1L ||
      !quantile_type %in% 1:9) {
    sv_abort(sprintf("`quantile_type` must be a whole number from 1 to 9, not %s.",
                     sv_obj_type(quantile_type)))
  }
  if (test && is.null(by)) {
    sv_abort("`test = TRUE` needs groups to compare: give `by`.")
  }

  type <- ct_named(type, vars, "type",
                   c("continuous", "categorical", "dichotomous"))
  statistic <- ct_named(statistic, vars, "statistic",
                        c("median_iqr", "mean_sd", "median_range",
                          "mean_sd_range"), allow_default = TRUE)
  tests <- ct_named(tests, vars, "tests",
                    c("wilcoxon", "t", "welch", "chisq", "fisher", "auto"))
  labels <- ct_named(labels, vars, "labels", NULL)
  digits <- ct_digits(digits, vars)
  if (!is.null(value) && (!is.list(value) && !is.atomic(value) ||
                          is.null(names(value)) ||
                          any(!names(value) %in% vars))) {
    sv_abort("`value` must be a named list whose names are in `vars`.")
  }

  g <- NULL
  if (!is.null(by)) {
    g <- data[[by]]
    if (!is.factor(g)) g <- factor(g)
    g <- droplevels(g)
    if (nlevels(g) < 1L) {
      sv_abort(sprintf("The `by` column `%s` has no non-missing values.", by))
    }
  }
  col_names <- c(if (overall) "Overall", if (!is.null(g)) levels(g))
  if (!length(col_names)) {
    sv_abort("Nothing to show: with `overall = FALSE`, give `by`.")
  }
  if (anyDuplicated(col_names)) {
    sv_abort(sprintf("The `by` column `%s` has a level named \"Overall\"; rename it or use `overall = FALSE`.",
                     by))
  }
  members <- c(if (overall) list(Overall = rep(TRUE, nrow(data))),
               if (!is.null(g)) lapply(stats::setNames(levels(g), levels(g)),
                                       function(l) !is.na(g) & g == l))
  n_by <- vapply(members, sum, 0L)

  rows <- list()
  stats_long <- list()
  for (v in vars) {
    x <- data[[v]]
    vt <- ct_type(x, v, type[[v]], max_levels)
    if (all(is.na(x))) {
      sv_abort(sprintf("Column `%s` has only missing values; leave it out of `vars`.",
                       v))
    }
    st <- statistic[[v]]
    if (is.null(st)) st <- statistic[[".default"]]
    if (!is.null(statistic[[v]]) && vt != "continuous") {
      sv_abort(sprintf(paste0("`statistic` for `%s` is \"%s\", but `%s` is ",
                              "%s; summaries are for continuous variables."),
                       v, st, v, vt))
    }
    if (is.null(st)) st <- "median_iqr"
    tst <- tests[[v]]
    if (!is.null(tst)) {
      ok <- if (vt == "continuous") c("wilcoxon", "t", "welch") else
        c("chisq", "fisher", "auto")
      if (!tst %in% ok) {
        sv_abort(sprintf(paste0("`tests` for `%s` is \"%s\", which does not ",
                                "fit a %s variable; use one of %s."),
                         v, tst, vt, paste0("\"", ok, "\"", collapse = ", ")))
      }
    } else {
      tst <- if (vt == "continuous") continuous_test else categorical_test
    }
    lab <- if (is.null(labels[[v]])) v else labels[[v]]
    block <- if (vt == "continuous") {
      ct_continuous(x, members, st, digits[[v]], quantile_type)
    } else {
      ct_categorical(x, members, vt, value[[v]], v, percent_digits)
    }
    cells <- block$cells
    lev <- block$level
    if (vt == "categorical") {
      cells <- rbind(rep("", length(members)), cells)
      lev <- c("", lev)
    }
    nmiss <- vapply(members, function(m) sum(is.na(x[m])), 0L)
    if (missing == "always" || (missing == "ifany" && any(nmiss > 0L))) {
      cells <- rbind(cells, as.character(nmiss))
      lev <- c(lev, "Missing")
    }
    p <- NA_real_
    used <- NA_character_
    if (test) {
      tt <- ct_test(x, g, vt, tst, if (vt == "dichotomous") block$value)
      p <- tt$p.value
      used <- tt$test
    }
    colnames(cells) <- col_names
    out <- data.frame(variable = v, label = lab, level = lev, type = vt,
                      stringsAsFactors = FALSE)
    out <- cbind(out, as.data.frame(cells, stringsAsFactors = FALSE))
    out$p.value <- c(p, rep(NA_real_, nrow(out) - 1L))
    out$test <- c(used, rep(NA_character_, nrow(out) - 1L))
    rows[[v]] <- out
    stats_long[[v]] <- cbind(variable = v, block$stats,
                             stringsAsFactors = FALSE)
  }
  res <- do.call(rbind, rows)
  rownames(res) <- NULL
  stats_long <- do.call(rbind, stats_long)
  rownames(stats_long) <- NULL
  structure(res, class = c("survstep_cohort_table", "data.frame"),
            n = n_by, by = by, groups = col_names, statistics = stats_long)
}

# A per-variable option: NULL, a named vector/list (names in `vars`), or
# (with allow_default) one unnamed value for all. Returns a named list.
ct_named <- function(x, vars, arg, choices, allow_default = FALSE,
                     call = sys.call(-1)) {
  if (is.null(x)) return(list())
  if (!is.atomic(x) && !is.list(x)) {
    sv_abort(sprintf("`%s` must be a named character vector, not %s.", arg,
                     sv_obj_type(x)), call = call)
  }
  x <- as.list(x)
  nm <- names(x)
  if (allow_default && is.null(nm) && length(x) == 1L) {
    nm <- ".default"
  }
  if (is.null(nm) || any(!nzchar(nm))) {
    sv_abort(sprintf("`%s` must be named by column (e.g. `%s = c(age = ...)`).",
                     arg, arg), call = call)
  }
  names(x) <- nm
  bad <- setdiff(nm, c(vars, if (allow_default) ".default"))
  if (length(bad)) {
    sv_abort(sprintf("`%s` names %s, not in `vars`.", arg,
                     paste0("`", bad, "`", collapse = ", ")), call = call)
  }
  for (k in nm) {
    val <- x[[k]]
    if (!is.character(val) || length(val) != 1L || is.na(val)) {
      sv_abort(sprintf("`%s` for `%s` must be a single string, not %s.", arg,
                       k, sv_obj_type(val)), call = call)
    }
    if (!is.null(choices) && !val %in% choices) {
      sv_abort(sprintf("`%s` for `%s` must be one of %s, not \"%s\".", arg, k,
                       paste0("\"", choices, "\"", collapse = ", "), val),
               call = call)
    }
  }
  x
}

ct_digits <- function(digits, vars, call = sys.call(-1)) {
  ok <- is.numeric(digits) && length(digits) >= 1L && !anyNA(digits) &&
    all(digits >= 0 & digits <= 10 & digits == round(digits))
  if (!ok || (length(digits) > 1L && is.null(names(digits)))) {
    sv_abort(sprintf(paste0("`digits` must be one whole number in [0, 10] or ",
                            "such numbers named by column, not %s."),
                     sv_obj_type(digits)), call = call)
  }
  out <- stats::setNames(as.list(rep(if (is.null(names(digits))) digits else 1,
                                     length(vars))), vars)
  if (!is.null(names(digits))) {
    bad <- setdiff(names(digits), vars)
    if (length(bad)) {
      sv_abort(sprintf("`digits` names %s, not in `vars`.",
                       paste0("`", bad, "`", collapse = ", ")), call = call)
    }
    out[names(digits)] <- as.list(digits)
  }
  out
}

ct_type <- function(x, v, given, max_levels, call = sys.call(-1)) {
  if (!is.atomic(x) || is.matrix(x) || inherits(x, c("Date", "POSIXt"))) {
    sv_abort(sprintf(paste0("Column `%s` is %s; a table summarises numbers, ",
                            "factors, strings and logicals."), v,
                     sv_obj_type(x)), call = call)
  }
  numeric <- is.numeric(x) && !is.factor(x)
  if (!is.null(given)) {
    if (given == "continuous" && !numeric) {
      sv_abort(sprintf("Column `%s` is %s and can't be summarised as continuous.",
                       v, sv_obj_type(x)), call = call)
    }
    vt <- given
  } else if (numeric) {
    ux <- unique(x[!is.na(x)])
    vt <- if (length(ux) && all(ux %in% c(0, 1))) "dichotomous" else
      "continuous"
  } else if (is.logical(x)) {
    vt <- "dichotomous"
  } else {
    vt <- "categorical"
  }
  if (vt != "continuous") {
    k <- length(unique(x[!is.na(x)]))
    if (k > max_levels) {
      sv_abort(sprintf(paste0("Column `%s` has %d distinct values, more than ",
                              "`max_levels` (%d) for a categorical variable; ",
                              "give `type = c(%s = \"continuous\")` or group it ",
                              "with `cut()`."), v, k, as.integer(max_levels),
                       v), call = call)
    }
  }
  vt
}

ct_levels <- function(x) {
  if (is.factor(x)) levels(x) else as.character(sort(unique(x[!is.na(x)])))
}

ct_categorical <- function(x, members, vt, value, v, percent_digits,
                           call = sys.call(-1)) {
  lev <- ct_levels(x)
  xc <- as.character(x)
  if (vt == "dichotomous") {
    if (is.null(value)) {
      value <- if (is.factor(x)) lev[length(lev)] else
        if (is.logical(x)) "TRUE" else "1"
    }
    value <- as.character(value)
    if (length(value) != 1L || !value %in% lev) {
      sv_abort(sprintf("`value` for `%s` must be one of its values (%s), not %s.",
                       v, paste0("\"", lev, "\"", collapse = ", "),
                       sv_obj_type(value)), call = call)
    }
    lev_show <- value
  } else {
    lev_show <- lev
  }
  stats <- list()
  cells <- matrix("", length(lev_show), length(members))
  for (j in seq_along(members)) {
    xs <- xc[members[[j]]]
    nn <- sum(!is.na(xs))
    for (i in seq_along(lev_show)) {
      k <- sum(xs == lev_show[i], na.rm = TRUE)
      pct <- if (nn > 0) 100 * k / nn else NA_real_
      cells[i, j] <- if (is.na(pct)) sprintf("%d", k) else
        sprintf("%d (%s)", k, formatC(pct, format = "f",
                                      digits = percent_digits))
      stats[[length(stats) + 1L]] <- ct_stats_row(
        level = lev_show[i], group = names(members)[j], n = k,
        n.nonmissing = nn, percent = pct)
    }
  }
  list(cells = cells, level = lev_show, value = if (vt == "dichotomous")
    lev_show, stats = do.call(rbind, stats))
}

# One row of the long statistics table (tidy()): every variable type has
# the same columns, NA where a statistic does not apply.
ct_stats_row <- function(level, group, n, n.nonmissing, percent = NA_real_,
                         mean = NA_real_, sd = NA_real_, median = NA_real_,
                         q1 = NA_real_, q3 = NA_real_, min = NA_real_,
                         max = NA_real_) {
  data.frame(level = level, group = group, n = n, n.nonmissing = n.nonmissing,
             percent = percent, mean = mean, sd = sd, median = median,
             q1 = q1, q3 = q3, min = min, max = max, stringsAsFactors = FALSE)
}

ct_continuous <- function(x, members, st, digits, quantile_type) {
  # (a value that rounds to zero prints as 0.0, never -0.0)
  f <- function(z) sub("^-(0\\.?0*)$", "\\1",
                       formatC(z, format = "f", digits = digits))
  cells <- character(length(members))
  stats <- list()
  for (j in seq_along(members)) {
    z <- x[members[[j]]]
    z <- z[!is.na(z)]
    n <- length(z)
    if (n) {
      q <- stats::quantile(z, c(0, 0.25, 0.5, 0.75, 1), type = quantile_type,
                           names = FALSE)
      m <- mean(z)
      s <- if (n > 1L) stats::sd(z) else NA_real_
    } else {
      q <- rep(NA_real_, 5)
      m <- s <- NA_real_
    }
    cells[j] <- if (!n) "-" else switch(
      st,
      median_iqr = sprintf("%s (%s, %s)", f(q[3]), f(q[2]), f(q[4])),
      mean_sd = if (is.na(s)) f(m) else sprintf("%s \u00b1 %s", f(m), f(s)),
      median_range = sprintf("%s (%s-%s)", f(q[3]), f(q[1]), f(q[5])),
      mean_sd_range = sprintf("%s \u00b1 %s (%s-%s)", f(m),
                              if (is.na(s)) "-" else f(s), f(q[1]), f(q[5]))
    )
    stats[[j]] <- ct_stats_row(
      level = "", group = names(members)[j], n = n, n.nonmissing = n,
      mean = m, sd = s, median = q[3], q1 = q[2], q3 = q[4], min = q[1],
      max = q[5])
  }
  list(cells = matrix(cells, 1L), level = "", stats = do.call(rbind, stats))
}

# The test of one variable across the groups of `g` (missing values out).
ct_test <- function(x, g, vt, tst, value) {
  ok <- !is.na(x) & !is.na(g)
  x <- x[ok]
  g <- droplevels(g[ok])
  k <- nlevels(g)
  if (k < 2L) return(list(p.value = NA_real_, test = "fewer than 2 groups"))
  if (vt == "continuous") {
    if (any(tabulate(as.integer(g), k) < (if (tst == "wilcoxon") 1L else 2L))) {
      return(list(p.value = NA_real_, test = "a group is too small"))
    }
    if (tst == "wilcoxon") {
      if (k == 2L) {
        r <- suppressWarnings(stats::wilcox.test(x ~ g))
        return(list(p.value = r$p.value, test = "Wilcoxon rank-sum"))
      }
      return(list(p.value = stats::kruskal.test(x, g)$p.value,
                  test = "Kruskal-Wallis"))
    }
    equal <- tst == "t"
    if (k == 2L) {
      r <- stats::t.test(x ~ g, var.equal = equal)
      return(list(p.value = r$p.value,
                  test = if (equal) "t-test" else "Welch t-test"))
    }
    r <- stats::oneway.test(x ~ g, var.equal = equal)
    return(list(p.value = r$p.value,
                test = if (equal) "ANOVA" else "Welch ANOVA"))
  }
  xc <- as.character(x)
  if (vt == "dichotomous") xc <- ifelse(xc == value, value, "other")
  tab <- table(xc, g)
  if (nrow(tab) < 2L) {
    return(list(p.value = NA_real_, test = "no variation"))
  }
  if (tst == "auto") {
    expected <- outer(rowSums(tab), colSums(tab)) / sum(tab)
    tst <- if (any(expected < 5)) "fisher" else "chisq"
  }
  if (tst == "chisq") {
    r <- suppressWarnings(stats::chisq.test(tab, correct = FALSE))
    return(list(p.value = r$p.value, test = "chi-square"))
  }
  r <- tryCatch(stats::fisher.test(tab, workspace = 2e7),
                error = function(e) NULL)
  if (is.null(r)) {
    r <- suppressWarnings(stats::chisq.test(tab, correct = FALSE))
    return(list(p.value = r$p.value,
                test = "chi-square (Fisher's test too large)"))
  }
  list(p.value = r$p.value, test = "Fisher exact")
}

#' @rdname cohort_table
#' @param x A `survstep_cohort_table`.
#' @param p_digits Decimal places of p-values.
#' @param indent Text put before level and "Missing" rows.
#' @export
format.survstep_cohort_table <- function(x, p_digits = 3, indent = "  ",
                                         ...) {
  check_dots_empty("format.survstep_cohort_table", ...)
  groups <- attr(x, "groups")
  n <- attr(x, "n")
  first <- !duplicated(x$variable)
  lab <- ifelse(first, x$label, paste0(indent, x$level))
  out <- data.frame(Characteristic = lab, stringsAsFactors = FALSE)
  for (gname in groups) {
    out[[sprintf("%s (N = %d)", gname, n[[gname]])]] <- x[[gname]]
  }
  if (any(!is.na(x$test)) || !all(is.na(x$p.value))) {
    out$P <- ifelse(first, fmt_p(x$p.value, p_digits), "")
  }
  out
}

#' @export
print.survstep_cohort_table <- function(x, ...) {
  by <- attr(x, "by")
  cat("Cohort characteristics", if (!is.null(by)) sprintf(" by %s", by),
      "\n", sep = "")
  print(format(x, ...), row.names = FALSE, right = FALSE)
  tst <- unique(stats::na.omit(x$test))
  if (length(tst)) cat("Tests:", paste(tst, collapse = "; "), "\n")
  invisible(x)
}

#' @rdname cohort_table
#' @export
tidy.survstep_cohort_table <- function(x, ...) {
  check_dots_empty("tidy.survstep_cohort_table", ...)
  attr(x, "statistics")
}
