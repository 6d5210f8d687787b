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
#'   p-values against a significance level).
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
  ok_names <- c("abs", "rel", "ratio", "side", "value", "bounds")
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
#' @return A data frame with one row per published number: `id`,
#'   `analysis`, `group`, `statistic`, `part` (`"value"`, `"lower"` or
#'   `"upper"`), `published`, `reproduced`, `difference` (reproduced minus
#'   published), `tolerance` (the rule, as text) and `within` (logical).
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
                              tolerance = compare_tolerance()) {
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
