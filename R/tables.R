# Publication tables and published-vs-reproduced comparison ------------------

#' Tolerance rules for comparing reproduced with published numbers
#'
#' Builds the rule set used by [compare_published()]. A rule is a list with
#' any of these elements; a reproduced number passes when every element that
#' is present holds:
#' * `abs`, `rel`: the absolute difference is at most
#'   `max(abs, rel * abs(published))` (a missing element counts as 0);
#' * `ratio`: `max(r / p, p / r) <= ratio` (for p-values and hazard ratios);
#' * `side`: published and reproduced lie on the same side of `side` (for
#'   p-values against a significance level);
#' * `exempt`: a character string giving the reason why the number is shown
#'   but not assessed (for example a published value that contradicts another
#'   one); `within` is then `NA`.
#'
#' Rules are looked up by the `id` of a published number, then by its
#' `statistic` (so one target can have a rule of its own). A
#' rule may hold separate sub-rules `value` (the estimate) and `bounds` (the
#' `lower` and `upper` columns, e.g. confidence limits); otherwise it applies
#' to all parts.
#'
#' @param ... Named rules, one per statistic or target id, overriding the
#'   defaults.
#' @param .default The rule for statistics without a rule of their own.
#' @return A named list of rules, class `survstep_tolerance`.
#' @seealso [compare_published()]
#' @references Du S, Ni J, Weng L, et al. (2015). Aggressive locoregional
#'   treatment improves the outcome of liver metastases from grade 3
#'   gastroenteropancreatic neuroendocrine tumors. *Medicine* 94(34), e1429.
#' @examples
#' tol <- compare_tolerance(median_months = list(abs = 1))
#' names(tol)
#' @export
compare_tolerance <- function(..., .default = list(rel = 0.05)) {
  defaults <- list(
    count = list(abs = 0),
    median_months = list(value = list(abs = 1),
                         bounds = list(abs = 3, rel = 0.05)),
    logrank_p = list(ratio = 1.6, side = 0.05),
    hr = list(value = list(rel = 0.15), bounds = list(rel = 0.25)),
    mean_sd = list(rel = 0.02),
    survival_pct_12m = list(abs = 2),
    survival_pct_36m = list(abs = 2),
    survival_pct_60m = list(abs = 2),
    fraction = list(abs = 0)
  )
  user <- list(...)
  if (length(user) && (is.null(names(user)) || any(names(user) == ""))) {
    sv_abort("Every rule in `...` must be named by its statistic.")
  }
  rules <- utils::modifyList(defaults, user, keep.null = FALSE)
  rules[[".default"]] <- .default
  lapply(names(rules), function(nm) check_rule(rules[[nm]], nm))
  structure(rules, class = "survstep_tolerance")
}

check_rule <- function(rule, name) {
  ok_names <- c("abs", "rel", "ratio", "side", "exempt", "value", "bounds")
  if (!is.list(rule) || !length(rule) || is.null(names(rule)) ||
      !all(names(rule) %in% ok_names)) {
    sv_abort(sprintf(paste0("The tolerance rule for `%s` must be a named ",
                            "list with elements among %s."), name,
                     paste0("`", ok_names, "`", collapse = ", ")),
             call = sys.call(-2))
  }
  for (el in intersect(names(rule), c("abs", "rel", "ratio", "side"))) {
    v <- rule[[el]]
    if (!is.numeric(v) || length(v) != 1L || !is.finite(v) || v < 0) {
      sv_abort(sprintf("`%s` in the tolerance rule for `%s` must be a single non-negative number.",
                       el, name), call = sys.call(-2))
    }
  }
  if (!is.null(rule$exempt) &&
      (!is.character(rule$exempt) || length(rule$exempt) != 1L ||
       is.na(rule$exempt))) {
    sv_abort(sprintf("`exempt` in the tolerance rule for `%s` must be a single string (the reason).",
                     name), call = sys.call(-2))
  }
  for (el in intersect(names(rule), c("value", "bounds"))) {
    check_rule(rule[[el]], paste0(name, "$", el))
  }
  invisible(rule)
}

# The rule for one target (by id, else by statistic) and part ("value",
# "lower" or "upper").
rule_for <- function(tolerance, id, statistic, part) {
  rule <- tolerance[[id]]
  if (is.null(rule)) rule <- tolerance[[statistic]]
  if (is.null(rule)) rule <- tolerance[[".default"]]
  sub <- if (part == "value") rule$value else rule$bounds
  if (!is.null(sub)) return(sub)
  rule[setdiff(names(rule), c("value", "bounds"))]
}

rule_text <- function(rule) {
  if (!is.null(rule$exempt)) return(paste0("not assessed: ", rule$exempt))
  parts <- character(0)
  if (!is.null(rule$abs) || !is.null(rule$rel)) {
    a <- if (is.null(rule$abs)) 0 else rule$abs
    r <- if (is.null(rule$rel)) 0 else rule$rel
    parts <- c(parts, if (r == 0) sprintf("+/-%g", a) else if (a == 0)
      sprintf("+/-%g%%", 100 * r) else sprintf("+/-max(%g, %g%%)", a, 100 * r))
  }
  if (!is.null(rule$ratio)) parts <- c(parts, sprintf("ratio<=%g", rule$ratio))
  if (!is.null(rule$side)) parts <- c(parts, sprintf("same side of %g", rule$side))
  if (!length(parts)) "exact" else paste(parts, collapse = ", ")
}

rule_pass <- function(rule, pub, rep) {
  if (!is.null(rule$exempt)) return(NA)
  if (is.na(pub) || is.na(rep)) return(is.na(pub) && is.na(rep))
  ok <- TRUE
  if (!is.null(rule$abs) || !is.null(rule$rel) ||
      is.null(rule$ratio) && is.null(rule$side)) {
    a <- if (is.null(rule$abs)) 0 else rule$abs
    r <- if (is.null(rule$rel)) 0 else rule$rel
    ok <- ok && abs(rep - pub) <= max(a, r * abs(pub)) + 1e-12 * abs(pub)
  }
  if (!is.null(rule$ratio)) {
    ok <- ok && pub > 0 && rep > 0 && max(rep / pub, pub / rep) <= rule$ratio
  }
  if (!is.null(rule$side)) {
    ok <- ok && ((pub < rule$side) == (rep < rule$side))
  }
  ok
}

#' Compare reproduced numbers with a paper's published numbers
#'
#' Lines up a table of published values (in the layout of the shipped
#' `du2015-targets.csv`: columns `id`, `statistic`, `value`, `lower`, `upper`,
#' and optionally `source`, `analysis`, `group`, `note`) with reproduced values
#' matched by `id`, and reports, for every published number, the reproduced
#' number, the difference and whether it lies within tolerance.
#'
#' A published `NA` value (for example a median that was "not reached", or a
#' survival rate that "could not be calculated") is matched when the
#' reproduced value is also `NA`.
#'
#' @param reproduced A data frame with columns `id` and `value`, and
#'   optionally `lower` and `upper` (the same meaning as in `published`).
#' @param published A data frame in the layout above, or the path of a CSV
#'   file holding one.
#' @param tolerance Tolerance rules from [compare_tolerance()], or a single
#'   number used as a relative tolerance for everything.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per published number: `id`,
#'   `analysis`, `group`, `statistic`, `part` (`"value"`, `"lower"` or
#'   `"upper"`), `published`, `reproduced`, `difference` (reproduced minus
#'   published), `tolerance` (the rule, as text) and `within` (logical; `NA` for
#'   numbers whose rule is `exempt`).
#' @references Du S, Ni J, Weng L, et al. (2015). Aggressive locoregional
#'   treatment improves the outcome of liver metastases from grade 3
#'   gastroenteropancreatic neuroendocrine tumors. *Medicine* 94(34), e1429.
#' @examples
#' published <- data.frame(
#'   id = c("os_median", "p"), statistic = c("median_months", "logrank_p"),
#'   value = c(20, 0.026), lower = c(8.9, NA), upper = c(31.1, NA)
#' )
#' reproduced <- data.frame(id = c("os_median", "p"), value = c(20, 0.031),
#'                          lower = c(9.5, NA), upper = c(30.5, NA))
#' compare_published(reproduced, published)
#' @export
compare_published <- function(reproduced, published,
                              tolerance = compare_tolerance(), ...) {
  check_dots_empty("compare_published", ...)
  if (is.character(published) && length(published) == 1L) {
    if (!file.exists(published)) {
      sv_abort(sprintf("Can't find the file `published` = \"%s\".", published))
    }
    published <- utils::read.csv(published, stringsAsFactors = FALSE)
  }
  if (!is.data.frame(published)) {
    sv_abort(sprintf("`published` must be a data frame or a CSV path, not %s.",
                     sv_obj_type(published)))
  }
  if (!is.data.frame(reproduced)) {
    sv_abort(sprintf("`reproduced` must be a data frame, not %s.",
                     sv_obj_type(reproduced)))
  }
  need <- c("id", "statistic", "value")
  miss <- setdiff(need, names(published))
  if (length(miss)) {
    sv_abort(sprintf("`published` must have columns %s; missing: %s.",
                     paste0("`", need, "`", collapse = ", "),
                     paste0("`", miss, "`", collapse = ", ")))
  }
  miss <- setdiff(c("id", "value"), names(reproduced))
  if (length(miss)) {
    sv_abort(sprintf("`reproduced` must have columns `id` and `value`; missing: %s.",
                     paste0("`", miss, "`", collapse = ", ")))
  }
  if (anyDuplicated(reproduced$id)) {
    sv_abort(sprintf("`reproduced` has duplicated ids: %s.",
                     paste(unique(reproduced$id[duplicated(reproduced$id)]),
                           collapse = ", ")))
  }
  unknown <- setdiff(reproduced$id, published$id)
  if (length(unknown)) {
    sv_abort(sprintf("`reproduced` has ids that are not in `published`: %s.",
                     paste(unknown, collapse = ", ")))
  }
  if (is.numeric(tolerance) && length(tolerance) == 1L) {
    tolerance <- compare_tolerance(.default = list(rel = tolerance))
    tolerance <- structure(list(.default = tolerance$.default),
                           class = "survstep_tolerance")
  }
  if (!inherits(tolerance, "survstep_tolerance")) {
    sv_abort("`tolerance` must come from `compare_tolerance()` or be a single number.")
  }
  for (col in c("lower", "upper")) {
    if (is.null(published[[col]])) published[[col]] <- NA_real_
    if (is.null(reproduced[[col]])) reproduced[[col]] <- NA_real_
  }
  for (col in c("analysis", "group")) {
    if (is.null(published[[col]])) published[[col]] <- NA_character_
  }
  published <- published[published$id %in% reproduced$id, , drop = FALSE]
  idx <- match(published$id, reproduced$id)
  rows <- list()
  for (part in c("value", "lower", "upper")) {
    pub <- suppressWarnings(as.numeric(published[[part]]))
    rep <- suppressWarnings(as.numeric(reproduced[[part]][idx]))
    keep <- if (part == "value") rep(TRUE, length(pub)) else !is.na(pub)
    if (!any(keep)) next
    rules <- Map(rule_for, id = published$id[keep],
                 statistic = published$statistic[keep],
                 MoreArgs = list(tolerance = tolerance, part = part))
    rows[[part]] <- data.frame(
      id = published$id[keep], analysis = published$analysis[keep],
      group = published$group[keep], statistic = published$statistic[keep],
      part = part, published = pub[keep], reproduced = rep[keep],
      difference = rep[keep] - pub[keep],
      tolerance = vapply(rules, rule_text, ""),
      within = mapply(rule_pass, rules, pub[keep], rep[keep]),
      stringsAsFactors = FALSE
    )
  }
  out <- do.call(rbind, unname(rows))
  ord <- order(match(out$id, published$id),
               match(out$part, c("value", "lower", "upper")))
  out <- out[ord, , drop = FALSE]
  rownames(out) <- NULL
  out
}

#' Kaplan-Meier summary table for several grouping variables
#'
#' The "Table 2" of a clinical paper: for each grouping variable, one row per
#' group with the number (and percentage) of patients, the median survival
#' with its confidence interval, the survival probability at chosen times, and
#' the log-rank p-value of the variable. Several grouping variables are
#' stacked; each is analysed on its own (not crossed).
#'
#' @param formula A formula `Surv(time, status) ~ a + b + ...`; each
#'   right-hand-side variable is one grouping (use `~ 1` for the whole
#'   cohort).
#' @param data A data frame.
#' @param times Times at which to report survival (in the units of `time`).
#' @param median_method `"spss"` (Collett's standard error, +/-1.96) or
#'   `"survival"` (`survfit()`'s median and Brookmeyer-Crowley interval); see
#'   [km_median()].
#' @param test The test reported in `p.value`; see [logrank_test()].
#' @param conf_level Confidence level of the median and survival intervals.
#' @param labels Optional named character vector of display names for the
#'   variables (names are variable names).
#' @param max_groups A variable with more distinct values than this is an
#'   error (it is probably continuous: group it with [cut()] first).
#' @param ... Passed to [km()] (for example `conf_type` or `na.action`).
#' @return A data frame of class `survstep_km_table` with columns
#'   `variable`, `group`, `n`, `percent`, `events`, `median`, `conf.low`,
#'   `conf.high`, one `surv_<time>` column (percent) per time, and `p.value`
#'   (on the first row of each variable). `format()` turns it into a
#'   character table ready for `knitr::kable()`.
#' @seealso [cox_table()], [km_median()], [km_at()], [logrank_test()]
#' @details For each variable, [km()] gives the curves, [km_median()] the
#'   medians (`median_method`: SPSS's rule, the first time S(t) <= 0.5 with
#'   the interval median +/- 1.96 SE, or survival's, with the
#'   Brookmeyer-Crowley interval), [km_at()] the survival rates at `times`
#'   and [logrank_test()] the p-value. A median or bound that is not reached
#'   is shown as "not reached"/"NR", an interval that cannot be computed as
#'   "NE" (see `format()`), never as a literal `NA`.
#'
#'   Each variable is analysed on the rows where it is not missing (as
#'   [km()] and [logrank_test()] drop rows with a missing group), so `n`
#'   and `percent` of a variable with missing values sum to fewer rows than
#'   the data have; [cohort_table()] reports the missing counts.
#'
#'   With counting-process data (`Surv(start, stop, status)`, delayed
#'   entry) `n` counts the rows of each group: the patients when each has
#'   one row, intervals otherwise.
#' @references Collett D (2015). *Modelling Survival Data in Medical
#'   Research*, 3rd ed. Chapman & Hall/CRC, chapter 2.
#'
#'   Brookmeyer R, Crowley J (1982). A confidence interval for the median
#'   survival time. *Biometrics* 38, 29-41.
#' @examples
#' lung <- survival::lung
#' lung$sex <- factor(lung$sex, 1:2, c("male", "female"))
#' tab <- km_table(Surv(time / 30.44, status) ~ sex + ph.ecog, data = lung,
#'                 times = c(6, 12))
#' tab
#' format(tab)
#' @export
km_table <- function(formula, data, times = c(12, 36, 60),
                     median_method = c("spss", "survival"),
                     test = "logrank", conf_level = 0.95, labels = NULL,
                     max_groups = 10, ...) {
  check_formula(formula)
  if (missing(data) || !is.data.frame(data)) {
    sv_abort("`data` must be a data frame.")
  }
  conf_level <- sv_renamed("km_table", conf_level, "conf.level", "conf_level",
                           ...)
  median_method <- sv_match_arg(median_method, c("spss", "survival"),
                                "median_method")
  check_conf_level(conf_level)
  if (!is.numeric(times) || any(!is.finite(times)) || any(times < 0)) {
    sv_abort("`times` must be non-negative finite numbers.")
  }
  vars <- all.vars(formula[[3L]])
  if (length(attr(stats::terms(formula), "term.labels")) != length(vars)) {
    sv_abort(paste0("The right-hand side of `formula` must list plain ",
                    "variables, such as `~ surgery + nslri`."))
  }
  miss <- setdiff(vars, names(data))
  if (length(miss)) {
    sv_abort(sprintf("Can't find %s in `data`.",
                     paste0("`", miss, "`", collapse = ", ")))
  }
  check_number(max_groups, "max_groups", 1)
  for (v in vars) {
    k <- length(unique(data[[v]][!is.na(data[[v]])]))
    if (k > max_groups) {
      sv_abort(sprintf(paste0(
        "`%s` has %d distinct values, more than `max_groups` (%d): a ",
        "Kaplan-Meier table needs a grouping variable. Group it first, for ",
        "example with `cut(%s, breaks = 3)` or at its median."),
        v, k, as.integer(max_groups), v))
    }
  }
  lhs <- formula[[2L]]
  # `conf.level` (taken above) is not passed on to km()
  one <- function(var, ..., conf.level = NULL) {
    f <- if (is.null(var)) {
      stats::as.formula(call("~", lhs, 1), env = environment(formula))
    } else {
      stats::as.formula(call("~", lhs, as.name(var)), env = environment(formula))
    }
    fit <- km(f, data = data, conf_level = conf_level, ...)
    med <- km_median(fit, method = median_method)
    at <- km_at(fit, times)
    grp <- if (is.null(var)) "All" else sub(paste0("^", var, "="), "", med$strata)
    # (counting-process data: the rows; the number at risk at the first
    # time is not the size of a group when rows enter later)
    nn <- if (is.null(med$n)) med$records else med$n
    out <- data.frame(
      variable = if (is.null(var)) "All patients" else var,
      group = grp, n = nn, percent = 100 * nn / sum(nn), events = med$events,
      median = med$median, conf.low = med$conf.low, conf.high = med$conf.high,
      stringsAsFactors = FALSE
    )
    for (tm in times) {
      est <- at$estimate[at$time == tm]
      out[[paste0("surv_", format(tm))]] <- 100 * est
    }
    out$p.value <- NA_real_
    if (!is.null(var) && nrow(out) > 1L) {
      lr <- logrank_test(f, data = data, test = test)
      out$p.value[1L] <- lr$p.value
    }
    out
  }
  rows <- if (length(vars)) lapply(vars, one, ...) else list(one(NULL, ...))
  out <- do.call(rbind, rows)
  if (!is.null(labels)) {
    hit <- out$variable %in% names(labels)
    out$variable[hit] <- unname(labels[out$variable[hit]])
  }
  rownames(out) <- NULL
  structure(out, class = c("survstep_km_table", "data.frame"),
            times = times, median_method = median_method,
            conf_level = conf_level)
}

fmt_num <- function(x, digits) {
  ifelse(is.na(x), NA_character_, formatC(x, format = "f", digits = digits))
}

fmt_p <- function(p, digits = 3) {
  ifelse(is.na(p), "", ifelse(p < 10^-digits, paste0("<", format(10^-digits,
         scientific = FALSE)), formatC(p, format = "f", digits = digits)))
}

#' @rdname km_table
#' @param x A `survstep_km_table`.
#' @param digits Decimal places for medians and survival percentages.
#' @param not_reached Text for a median that was not reached.
#' @param not_estimable Text for a survival rate that could not be calculated.
#' @param bound_not_reached Text for a confidence bound of the median that
#'   was not reached (the curve of the bound never falls to 50%).
#' @param ci_not_estimable Text, in the brackets, for a median whose
#'   interval could not be computed (with the SPSS method: its standard
#'   error is not estimable, as when the median is the last event time).
#' @export
format.survstep_km_table <- function(x, digits = 1, not_reached = "not reached",
                                     not_estimable = "/",
                                     bound_not_reached = "NR",
                                     ci_not_estimable = "NE", ...) {
  times <- attr(x, "times")
  bound <- function(v) ifelse(is.na(v), bound_not_reached, fmt_num(v, digits))
  ci <- ifelse(is.na(x$conf.low) & is.na(x$conf.high),
               sprintf(" (%s)", ci_not_estimable),
               sprintf(" (%s-%s)", bound(x$conf.low), bound(x$conf.high)))
  med <- ifelse(is.na(x$median), not_reached,
                paste0(fmt_num(x$median, digits), ci))
  out <- data.frame(
    Variable = ifelse(duplicated(x$variable), "", x$variable),
    Group = x$group,
    `n (%)` = sprintf("%d (%.1f)", as.integer(round(x$n)), x$percent),
    `Median (95% CI)` = med,
    check.names = FALSE, stringsAsFactors = FALSE
  )
  names(out)[4] <- sprintf("Median (%g%% CI)", 100 * attr(x, "conf_level"))
  for (tm in times) {
    v <- x[[paste0("surv_", format(tm))]]
    out[[sprintf("S(%s), %%", format(tm))]] <-
      ifelse(is.na(v), not_estimable, fmt_num(v, digits))
  }
  out$P <- fmt_p(x$p.value)
  out
}

#' @export
print.survstep_km_table <- function(x, ...) {
  cat(sprintf("Kaplan-Meier table (median: %s method)\n",
              attr(x, "median_method")))
  f <- format(x, ...)
  print(f, row.names = FALSE, right = FALSE)
  med <- f[[4L]]
  notes <- c(
    if (any(grepl("NR", med, fixed = TRUE)))
      "NR: confidence bound not reached",
    if (any(grepl("(NE)", med, fixed = TRUE)))
      sprintf("NE: confidence interval not estimable%s",
              if (identical(attr(x, "median_method"), "spss"))
                " (no standard error of the median)" else "")
  )
  if (length(notes)) cat(paste(notes, collapse = "; "), "\n")
  invisible(x)
}

#' Cox regression table: univariable and multivariable hazard ratios
#'
#' The "Table 3" of a clinical paper: the univariable hazard ratio (with
#' confidence interval and p-value) of every candidate beside the hazard ratio
#' of the multivariable model, with a dash for terms that were not selected.
#' Factors get a heading line with the test of the whole factor, a reference
#' line ("1.00 (reference)") and one line per level; every line shows its
#' number of observations and events.
#'
#' @param univariable A data frame from [cox_univariable()].
#' @param multivariable A `survstep_stepwise` fit from [cox_stepwise()], a
#'   `survstep_cox` fit from [cox()], or `NULL`.
#' @param conf_level Confidence level of the multivariable intervals.
#' @param labels Optional named character vector of display names, named by
#'   term (or by `term` and `level` pasted together, as in the coefficient
#'   names).
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame of class `survstep_cox_table`, one row per
#'   coefficient, with columns `term`, `level`, `coef_name`, `hr_uv`,
#'   `conf.low_uv`, `conf.high_uv`, `p_uv`, `hr_mv`, `conf.low_mv`,
#'   `conf.high_mv`, `p_mv`, `selected`, `n_uv` and `events_uv` (the
#'   observations and events of the term's univariable fit), `n_level` and
#'   `events_level` (per level of a factor, `NA` otherwise), `p_term_uv` and
#'   `p_term_mv` (the test of the whole term: the univariable `term_test`, and
#'   the multi-df Wald test in the multivariable model), `term_id` and
#'   `level_id` (the term and level as the formula and data name them,
#'   before `labels`). Attributes give the levels of the factors,
#'   the multivariable N and events and the variance used. `format()` gives
#'   the display table (reference and heading lines added) for
#'   `knitr::kable()`.
#' @seealso [km_table()], [cox_univariable()], [cox_stepwise()]
#' @details The univariable columns are [cox_univariable()]'s (each term fitted
#'   alone); the multivariable ones come from [tidy()] of the final model
#'   with Wald intervals exp(b +/- z SE) and Wald p-values, the numbers SPSS's
#'   "Variables in the Equation" table prints. A factor's heading line shows
#'   the test of the whole factor when it has more than one coefficient: the
#'   univariable `term_test` (likelihood ratio by default) and the
#'   multivariable Wald chi-square on its degrees of freedom (SPSS's block
#'   line). The reference level is the first level (treatment contrasts).
#'   When the model reports a robust (sandwich) variance, the printed table
#'   says so.
#'   With Firth fits ([cox_univariable()] or [cox()] with `firth = TRUE`)
#'   the hazard ratios are Firth's penalized ones with profile penalized
#'   likelihood intervals and penalized likelihood-ratio p-values; the
#'   `firth` attribute (and the printed note) says which half is penalized.
#' @references Cox DR (1972). Regression models and life-tables (with
#'   discussion). *Journal of the Royal Statistical Society B* 34, 187-220.
#'
#'   Therneau TM, Grambsch PM (2000). *Modeling Survival Data: Extending the
#'   Cox Model*. Springer, chapter 3.
#' @examples
#' lung <- na.omit(survival::lung[, c("time", "status", "age", "sex",
#'                                    "ph.ecog")])
#' lung$ph.ecog <- factor(lung$ph.ecog)
#' uv <- cox_univariable(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
#' mv <- cox(Surv(time, status) ~ sex + ph.ecog, data = lung)
#' cox_table(uv, mv)
#' @export
cox_table <- function(univariable, multivariable = NULL, conf_level = 0.95,
                      labels = NULL, ...) {
  conf_level <- sv_renamed("cox_table", conf_level, "conf.level",
                           "conf_level", ...)
  check_dots_empty("cox_table", ..., .renamed = sv_renames)
  need <- c("term", "estimate", "conf.low", "conf.high", "p.value")
  if (!is.data.frame(univariable) || length(setdiff(need, names(univariable)))) {
    sv_abort(sprintf(paste0("`univariable` must be a data frame from ",
                            "`cox_univariable()` with columns %s."),
                     paste0("`", need, "`", collapse = ", ")))
  }
  check_conf_level(conf_level)
  uv <- univariable
  lev <- if (is.null(uv$level)) rep(NA_character_, nrow(uv)) else uv$level
  coef_name <- ifelse(is.na(lev) | lev == "", uv$term, paste0(uv$term, lev))
  uv_hr <- uv$estimate
  if (!isTRUE(attr(uv, "exponentiate")) && !is.null(attr(uv, "exponentiate"))) {
    uv_hr <- exp(uv_hr)
  }
  col_or_na <- function(nm) if (is.null(uv[[nm]])) NA_real_ else uv[[nm]]
  out <- data.frame(
    term = uv$term, level = lev, coef_name = coef_name,
    hr_uv = uv_hr, conf.low_uv = uv$conf.low, conf.high_uv = uv$conf.high,
    p_uv = uv$p.value, hr_mv = NA_real_, conf.low_mv = NA_real_,
    conf.high_mv = NA_real_, p_mv = NA_real_, selected = FALSE,
    n_uv = col_or_na("n"), events_uv = col_or_na("events"),
    n_level = NA_real_, events_level = NA_real_,
    p_term_uv = col_or_na("p.value.term"), p_term_mv = NA_real_,
    term_id = uv$term, level_id = lev, stringsAsFactors = FALSE
  )
  counts <- attr(uv, "level_counts")
  for (v in names(counts)) {
    i <- which(out$term == v & !is.na(out$level))
    k <- match(out$level[i], names(counts[[v]]$n))
    out$n_level[i] <- counts[[v]]$n[k]
    out$events_level[i] <- counts[[v]]$events[k]
  }
  fit <- NULL
  if (!is.null(multivariable)) {
    fit <- if (inherits(multivariable, "survstep_stepwise")) {
      multivariable$final
    } else multivariable
    if (!inherits(fit, "survstep_cox")) {
      sv_abort(sprintf(paste0("`multivariable` must be a `cox_stepwise()` or ",
                              "`cox()` fit, not %s."), sv_obj_type(fit)))
    }
    td <- tidy(fit, exponentiate = TRUE, conf.int = TRUE,
               conf.level = conf_level)
    unknown <- setdiff(td$term, out$coef_name)
    if (length(unknown)) {
      sv_abort(sprintf(paste0("The multivariable model has terms that are not ",
                              "in `univariable`: %s."),
                       paste(unknown, collapse = ", ")))
    }
    i <- match(td$term, out$coef_name)
    out$hr_mv[i] <- td$estimate
    out$conf.low_mv[i] <- td$conf.low
    out$conf.high_mv[i] <- td$conf.high
    out$p_mv[i] <- td$p.value
    out$selected[i] <- TRUE
    # (a Firth fit: the term's penalized likelihood-ratio test)
    tt <- if (isTRUE(fit$firth) && !is.null(fit$profile)) {
      fit$profile$term_tests
    } else cox_term_tests(fit)
    if (!is.null(tt)) {
      hit <- out$selected & out$term %in% tt$term
      out$p_term_mv[hit] <- tt$p.value[match(out$term[hit], tt$term)]
    }
  }
  if (!is.null(labels)) {
    hit <- out$coef_name %in% names(labels)
    # a level's own label replaces the level; a term's label the term
    is_level <- hit & !is.na(out$level)
    out$level[is_level] <- unname(labels[out$coef_name[is_level]])
    out$term[hit & !is_level] <- unname(labels[out$coef_name[hit & !is_level]])
    hit2 <- !hit & out$term %in% names(labels)
    out$term[hit2] <- unname(labels[out$term[hit2]])
    hit3 <- is_level & out$term %in% names(labels)
    out$term[hit3] <- unname(labels[out$term[hit3]])
  }
  firth <- c(univariable = isTRUE(attr(uv, "firth")),
             multivariable = !is.null(multivariable) && isTRUE(fit$firth))
  structure(out, class = c("survstep_cox_table", "data.frame"),
            conf_level = conf_level, xlevels = attr(uv, "xlevels"),
            level_counts = counts,
            n_mv = if (is.null(fit)) NULL else fit$n,
            events_mv = if (is.null(fit)) NULL else fit$nevent,
            robust = !is.null(fit) && isTRUE(fit$robust),
            firth = firth)
}

# The display lines of a cox_table (one block per term: cox_forest_rows()'s
# heading / reference / level lines) for the univariable ("_uv") or
# multivariable ("_mv") half.
cox_table_lines <- function(x, sfx) {
  est <- data.frame(
    term = x$term_id, level = x$level_id,
    estimate = x[[paste0("hr", sfx)]],
    conf.low = x[[paste0("conf.low", sfx)]],
    conf.high = x[[paste0("conf.high", sfx)]],
    p.value = x[[paste0("p", sfx)]], p.term = x[[paste0("p_term", sfx)]],
    n = ifelse(is.na(x$n_level), x$n_uv, x$n_level),
    events = ifelse(is.na(x$n_level), x$events_uv, x$events_level),
    stringsAsFactors = FALSE)
  rows <- cox_forest_rows(est, attr(x, "xlevels"), attr(x, "level_counts"))
  # display names (after `labels`): the term on a heading line or the line
  # of a numeric covariate, the level on a factor's lines
  in_factor <- rows$term %in% rows$term[rows$heading] & !rows$heading
  i <- match(rows$coef, paste0(x$term_id, ifelse(is.na(x$level_id), "",
                                                 x$level_id)))
  term_lab <- x$term[match(rows$term, x$term_id)]
  rows$label <- ifelse(in_factor, ifelse(is.na(i), rows$label, x$level[i]),
                       term_lab)
  rows
}

#' @rdname cox_table
#' @param x A `survstep_cox_table`.
#' @param digits Significant decimals for hazard ratios.
#' @param dash Text for a term that is not in the multivariable model.
#' @param reference Text for the hazard ratio of a factor's reference level.
#' @param ... Unused.
#' @export
format.survstep_cox_table <- function(x, digits = 2, dash = "\u2014",
                                      reference = "1.00 (reference)", ...) {
  uvl <- cox_table_lines(x, "_uv")
  mvl <- cox_table_lines(x, "_mv")
  sel_term <- unique(x$term_id[x$selected])
  ci <- function(lo, hi) ifelse(is.na(lo), dash, sprintf("%s-%s",
                                 fmt_num(lo, digits), fmt_num(hi, digits)))
  hr <- function(v) ifelse(is.na(v), dash, fmt_num(v, digits))
  # a factor's levels indented under its heading
  in_factor <- uvl$term %in% uvl$term[uvl$heading] & !uvl$heading
  label <- ifelse(in_factor, paste0("  ", uvl$label), uvl$label)
  # a term not in the model: a dash in each of its cells
  pcol <- function(l, in_model) {
    p <- ifelse(is.na(l$p.value), "", fmt_p(l$p.value))
    p[l$reference] <- ""
    p[!in_model] <- dash
    p
  }
  hr_cell <- function(l, in_model) {
    v <- hr(l$estimate)
    v[l$heading] <- ""
    v[l$reference] <- reference
    v[!in_model] <- dash
    v
  }
  ci_cell <- function(l, in_model) {
    v <- ci(l$conf.low, l$conf.high)
    v[l$heading | l$reference] <- ""
    v[!in_model] <- dash
    v
  }
  n_ev <- ifelse(is.na(uvl$n), "", sprintf("%s (%s)", fmt_count(uvl$n),
                                           fmt_count(uvl$events)))
  uv_in <- rep(TRUE, nrow(uvl))
  mv_in <- uvl$term %in% sel_term
  out <- data.frame(
    Factor = label,
    `N (events)` = n_ev,
    `HR (univariable)` = hr_cell(uvl, uv_in),
    `95% CI` = ci_cell(uvl, uv_in),
    P = pcol(uvl, uv_in),
    `HR (multivariable)` = hr_cell(mvl, mv_in),
    `95% CI ` = ci_cell(mvl, mv_in),
    `P ` = pcol(mvl, mv_in),
    check.names = FALSE, stringsAsFactors = FALSE
  )
  out
}

# A count for a table cell: whole numbers without decimals.
fmt_count <- function(v) {
  ifelse(is.na(v), "", ifelse(v == round(v), format(round(v), trim = TRUE,
                                                    big.mark = ","),
                              formatC(v, digits = 1, format = "f")))
}

#' @export
print.survstep_cox_table <- function(x, ...) {
  cat("Cox regression: univariable and multivariable hazard ratios\n")
  print(format(x, dash = "-", ...), row.names = FALSE, right = FALSE)
  ns <- unique(x$n_uv[!is.na(x$n_uv)])
  es <- unique(x$events_uv[!is.na(x$events_uv)])
  if (length(ns)) {
    rng <- function(v) paste(unique(fmt_count(range(v))), collapse = "-")
    cat(sprintf("\nUnivariable: each term fitted alone, N = %s, %s events",
                rng(ns), rng(es)))
    if (length(ns) == 1L) cat(" (the same rows for every term)")
    cat(".\n")
  }
  if (!is.null(attr(x, "n_mv"))) {
    cat(sprintf("Multivariable: one model, N = %s, %s events%s.\n",
                fmt_count(attr(x, "n_mv")), fmt_count(attr(x, "events_mv")),
                if (isTRUE(attr(x, "robust"))) {
                  "; robust (sandwich) standard errors"
                } else ""))
  }
  if (any(!is.na(x$p_term_uv) & !is.na(x$level))) {
    cat("P on a factor's line: test of the whole factor.\n")
  }
  fr <- attr(x, "firth")
  if (any(fr)) {
    cat("Firth's penalized likelihood (", paste(names(fr)[fr], collapse = " and "),
        "): profile penalized likelihood\nintervals and penalized ",
        "likelihood-ratio p-values.\n", sep = "")
  }
  invisible(x)
}
