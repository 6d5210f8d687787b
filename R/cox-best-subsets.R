# Best subsets by the score criterion (SAS PROC PHREG SELECTION=SCORE) --------

#' Best subsets of Cox model terms by the global score chi-square
#'
#' For each model size, the subsets of the terms of `formula` with the
#' largest global score chi-square, as SAS PROC PHREG's best subset
#' selection (`SELECTION=SCORE`, with `BEST=`, `START=`/`STOP=` and
#' `INCLUDE=`): the "Regression Models Selected by Score Criterion" table.
#'
#' @details
#' **Statistic.** The score chi-square of a subset S is the score test of
#' all its coefficients at \eqn{\beta = 0}{beta = 0},
#' \deqn{U_S(0)' I_{SS}(0)^{-1} U_S(0),}{U_S(0)' I_SS(0)^-1 U_S(0),}
#' with df the rank of \eqn{I_{SS}(0)}{I_SS(0)}: what
#' `survival::coxph(<subset>, iter.max = 0)$score` reports and what SAS
#' computes for every subset. No model is fitted: the score vector U(0) and
#' the information matrix I(0) of all candidate columns come from one pass
#' of the Cox partial likelihood (with the `ties` method, strata, case
#' weights and offset of the call), and each subset's statistic is linear
#' algebra on that one matrix. The statistic is a screening device: it is
#' not the likelihood-ratio or Wald statistic of the fitted subset, and the
#' selected subsets' p-values ignore the search (fit the chosen model with
#' [cox()] and validate it, for example with [cox_validate()]).
#'
#' **Terms.** Every term of `formula` other than `strata()` and `offset()`
#' is one effect: a factor (or any term with several columns, such as
#' `poly(x, 2)` or an interaction) enters a subset with all its columns, as
#' SAS treats a `CLASS` effect, so its df is its number of columns and
#' `size` counts terms, not columns. The design is built once from the
#' full formula (treatment contrasts, as [cox()] codes it) and one
#' complete-case analysis set is used for all subsets (rows with a missing
#' value in any term are left out once). Columns that are collinear with the
#' others in a subset do not add to its statistic or its df.
#'
#' **Search.** The statistic never decreases when a term is added, so a
#' branch of the search can be dropped when the statistic of the largest
#' subset it can reach is below the `best`-th statistic found so far at
#' every model size it can reach (branch and bound, in the spirit of
#' Furnival and Wilson's 1974 "leaps and bounds", which SAS cites for this
#' method). Every branch works on the conditional information of the
#' remaining terms given the ones already in the subset, so a subset costs
#' one elimination step on a small matrix; `search = "exhaustive"` visits
#' every subset of the requested sizes (the results are identical; it is
#' there to check the search and to time it).
#'
#' **SAS settings.** PROC PHREG uses Breslow's method for ties by default
#' (`TIES=BRESLOW`): use `ties = "breslow"` to reproduce a SAS analysis.
#' `size` plays the part of `START=` and `STOP=` (here it counts every term
#' of a model, the `include` terms included), `include` that of
#' `INCLUDE=` (SAS forces the first n effects of the `MODEL` statement;
#' here any terms can be named). The default `best` is SAS's: when
#' `BEST=` is omitted PROC PHREG lists all models of each size when there
#' are at most 10 explanatory effects, else at most as many models per size
#' as there are effects. Ties in the statistic are broken by the order of
#' the terms in `formula`.
#'
#' @inheritParams cox_stepwise
#' @param size The model sizes to report: whole numbers, the number of
#'   terms in the model with the `include` terms counted (SAS `START=` and
#'   `STOP=`). By default every size from one more than the number of
#'   `include` terms to the number of terms of `formula`.
#' @param best How many subsets to report per size (SAS `BEST=`): a whole
#'   number >= 1, or `Inf` for all. By default (`NULL`) SAS's default: all
#'   subsets when `formula` has at most 10 terms, else as many per size as
#'   there are terms. At most a million subsets are reported in all.
#' @param include Terms forced into every subset (SAS `INCLUDE=`): term
#'   labels or a one-sided formula, as in [cox_stepwise()].
#' @param ties Method for tied event times used for U(0) and I(0):
#'   `"efron"` (as [survival::coxph()]), `"breslow"` (as SAS PHREG's
#'   default), `"exact"` or `"exact-marginal"`.
#' @param control [cox_control()] settings: its `toler_chol` is the
#'   tolerance for collinear columns and `timefix` the merging of near-tied
#'   times (nothing is iterated).
#' @param search `"branch-and-bound"` (the default) or `"exhaustive"`.
#' @param ... Must be empty.
#' @return An object of class `survstep_best_subsets`, a list with
#' * `table`: one row per selected subset: `size` (number of terms),
#'   `rank` (1 = largest statistic of its size), `chisq` (the score
#'   chi-square), `df`, `p.value` (upper tail of the chi-square on `df`)
#'   and `terms` (the subset's term labels, in formula order, joined by
#'   `" + "`);
#' * `models`: the same subsets as a list of character vectors of term
#'   labels;
#' * `include`, `candidates`: term labels; `include_chisq`: the score
#'   statistic and df of the `include` terms alone;
#' * `n`, `nevent`, `n_dropped`, `na.action`: the analysis set;
#' * `evaluated`: the number of subsets whose statistic was computed
#'   (the search also passes through smaller subsets than the requested
#'   sizes), `n_subsets`: the number of subsets of the requested sizes;
#' * `size`, `best`, `ties`, `search`, `call`.
#'
#' [tidy()] and [as.data.frame()] give `table`; `print()` shows it as SAS's
#' "Regression Models Selected by Score Criterion".
#' @references
#' Furnival, G. M. and Wilson, R. W. (1974). Regressions by leaps and
#' bounds. *Technometrics* 16, 499-511.
#'
#' SAS Institute Inc. *SAS/STAT User's Guide: The PHREG Procedure*,
#' "MODEL Statement" (options `SELECTION=SCORE`, `BEST=`, `INCLUDE=`,
#' `START=`, `STOP=`), "Effect Selection Methods" and "Example: Best
#' Subset Selection" (the myeloma data of Krall, Uthoff and Harley, 1975:
#' survstep gives the three best two-variable models and their score
#' chi-squares that the example quotes, 12.7252, 11.1842 and 9.9962; see
#' `tests/testthat/test-vendor-sas-phreg.R`);
#' <https://go.documentation.sas.com/api/docsets/statug/v_023/content/statug_phreg_syntax17.htm>
#' (the `BEST=` default quoted above),
#' <https://support.sas.com/documentation/cdl/en/statug/65328/HTML/default/statug_phreg_details55.htm>
#' and
#' <https://support.sas.com/documentation/cdl/en/statug/63962/HTML/default/statug_phreg_sect047.htm>.
#'
#' Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data:
#' Extending the Cox Model*. Springer, section 3.4 (the score test).
#' @seealso [cox_stepwise()] for SPSS-style stepwise selection, [cox()].
#' @examples
#' lung2 <- survival::lung
#' lung2$ph.ecog <- factor(lung2$ph.ecog)
#' bs <- cox_best_subsets(Surv(time, status) ~ age + sex + ph.ecog +
#'                          ph.karno + wt.loss, data = lung2,
#'                        ties = "breslow", best = 2)
#' bs
#' tidy(bs)
#'
#' # age in every model, subsets of 2 and 3 terms
#' cox_best_subsets(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
#'                    wt.loss, data = lung2, include = "age", size = 2:3)
#' @export
cox_best_subsets <- function(formula, data, subset, weights, na.action,
                             size = NULL, best = NULL, include = NULL,
                             ties = c("efron", "breslow", "exact",
                                      "exact-marginal"),
                             control = cox_control(),
                             search = c("branch-and-bound", "exhaustive"),
                             ...) {
  call <- match.call()
  check_dots_empty("cox_best_subsets", ...)
  ties <- sv_match_arg(ties, cox_ties_methods, "ties")
  search <- sv_match_arg(search, c("branch-and-bound", "exhaustive"), "search")
  control <- check_cox_control(control)
  env <- parent.frame()

  mfi <- sv_frame(call, env, design = TRUE, counting = TRUE,
                  positive_weights = "a Cox model")
  des <- sw_design(mfi, call = call, what = "best subsets")
  include <- sw_include_labels(include, des, call = call)
  labels <- des$labels
  n_terms <- length(labels)
  n_inc <- length(include)
  if (n_inc == n_terms) {
    sv_abort(c(paste0("Can't search for best subsets: every term of ",
                      "`formula` is in `include`, so there are no ",
                      "candidate terms."),
               "Leave at least one term out of `include`."),
             class = c("survstep_error_no_candidates", "survstep_error_input"),
             call = call)
  }
  size <- bs_check_size(size, n_inc, n_terms, call)
  best <- bs_check_best(best, n_terms, call)
  n_cand <- n_terms - n_inc
  n_report <- sum(pmin(best, choose(n_cand, size - n_inc)))
  if (n_report > bs_max_report) {
    sv_abort(c(sprintf(paste0("Can't report %s subsets (at most %s): ",
                              "`best = %s` with %d candidate terms."),
                       format(n_report, big.mark = ",", scientific = FALSE),
                       format(bs_max_report, big.mark = ",",
                              scientific = FALSE),
                       format(best), n_cand),
               "Give a smaller `best`, or fewer sizes in `size`."),
             class = c("survstep_error_best", "survstep_error_input"),
             call = call)
  }
  if (ties %in% c("exact", "exact-marginal")) {
    cox_check_exact(mfi$y, mfi$strata, mfi$weights, control, call, ties)
  }
  forced <- labels %in% include
  off <- mfi$offset
  if (!is.null(off)) off <- if (all(off == 0)) NULL else off - mean(off)
  res <- best_subsets_cpp(
    x = des$x, y = mfi$y, weights = mfi$weights, offset = off,
    strata = mfi$strata, term_cols = des$term_cols, forced = forced,
    sizes = as.integer(size), best = best,
    prune = search == "branch-and-bound", ties = ties,
    toler_chol = control$toler_chol,
    timefix_tol = if (isTRUE(control$timefix)) sqrt(.Machine$double.eps) else 0
  )

  models <- lapply(res$terms, function(i) labels[i + 1L])
  df <- res$df
  table <- data.frame(
    size = res$size,
    rank = res$rank,
    chisq = res$statistic,
    df = df,
    p.value = ifelse(df > 0, stats::pchisq(res$statistic, pmax(df, 1L),
                                           lower.tail = FALSE), NA_real_),
    terms = vapply(models, paste, "", collapse = " + "),
    stringsAsFactors = FALSE
  )
  n_subsets <- sum(choose(n_cand, size - n_inc))
  structure(
    list(
      table = table,
      models = models,
      include = include,
      candidates = setdiff(labels, include),
      include_chisq = c(chisq = res$forced[1L], df = res$forced[2L]),
      n = mfi$n,
      nevent = as.integer(sum(mfi$y[, ncol(mfi$y)])),
      n_dropped = mfi$n_dropped,
      na.action = mfi$na.action,
      evaluated = res$evaluated,
      n_subsets = n_subsets,
      size = size,
      best = best,
      ties = ties,
      search = search,
      call = call
    ),
    class = "survstep_best_subsets"
  )
}

# The largest number of subsets cox_best_subsets() reports (each is kept in
# memory during the search).
bs_max_report <- 1e6

# `size`: whole numbers in [max(1, n_inc), n_terms]; sorted, unique.
bs_check_size <- function(size, n_inc, n_terms, call) {
  lo <- max(1L, n_inc)
  if (is.null(size)) return(seq.int(n_inc + 1L, n_terms))
  ok <- is.numeric(size) && length(size) >= 1L && !anyNA(size) &&
    all(is.finite(size)) && all(size == round(size))
  if (!ok) {
    sv_abort(sprintf("`size` must be whole numbers, not %s.",
                     sv_obj_type(size)),
             class = c("survstep_error_size", "survstep_error_input"),
             call = call)
  }
  bad <- size[size < lo | size > n_terms]
  if (length(bad)) {
    why <- if (n_inc > 0L) {
      sprintf(" (the %d terms of `formula`, of which %d %s in `include`)",
              n_terms, n_inc, if (n_inc == 1L) "is" else "are")
    } else {
      sprintf(" (the number of terms of `formula`)")
    }
    sv_abort(c(sprintf("`size` must be between %d and %d%s; found %s.",
                       lo, n_terms, why, paste(format(bad), collapse = ", ")),
               "`size` counts the terms of a model, `include` terms included."),
             class = c("survstep_error_size", "survstep_error_input"),
             call = call)
  }
  sort(unique(as.integer(size)))
}

# `best`: a whole number >= 1 or Inf; NULL = SAS's default (all subsets for
# at most 10 terms, else the number of terms).
bs_check_best <- function(best, n_terms, call) {
  if (is.null(best)) return(if (n_terms <= 10L) Inf else as.numeric(n_terms))
  ok <- is.numeric(best) && length(best) == 1L && !is.na(best) &&
    best >= 1 && (is.infinite(best) || best == round(best))
  if (!ok) {
    sv_abort(sprintf(paste0("`best` must be a whole number >= 1 (or `Inf` ",
                            "for all subsets), not %s."), sv_obj_type(best)),
             class = c("survstep_error_best", "survstep_error_input"),
             call = call)
  }
  as.numeric(best)
}

#' @rdname cox_best_subsets
#' @param x A `survstep_best_subsets` object.
#' @param digits Decimal places of the statistics (SAS prints 4).
#' @export
print.survstep_best_subsets <- function(x, digits = 4, ...) {
  cat("Best subsets by the global score chi-square at beta = 0",
      "(SAS PHREG SELECTION=SCORE)\n")
  cat(sprintf("n = %d, events = %d%s; ties: %s\n", x$n, x$nevent,
              if (x$n_dropped > 0) {
                sprintf(" (%d %s deleted due to missingness)", x$n_dropped,
                        if (x$n_dropped == 1L) "observation" else
                          "observations")
              } else "", cox_ties_label(x$ties)))
  if (length(x$include)) {
    cat(sprintf("In every model: %s\n", paste(x$include, collapse = ", ")))
  }
  cat(sprintf("Score statistics computed: %s (%s), for %s subsets of the requested sizes\n",
              format(x$evaluated, big.mark = ",", scientific = FALSE),
              x$search,
              format(x$n_subsets, big.mark = ",", scientific = FALSE)))
  cat("\nRegression Models Selected by Score Criterion\n\n")
  tab <- x$table
  if (!nrow(tab)) {
    cat("(none)\n")
    return(invisible(x))
  }
  h <- c("Number of Variables", "Score Chi-Square", "df",
         "Variables Included in Model")
  chisq <- formatC(tab$chisq, digits = digits, format = "f")
  w1 <- nchar(h[1L])
  w2 <- max(nchar(h[2L]), nchar(chisq))
  w3 <- max(nchar(h[3L]), nchar(tab$df))
  cat(sprintf("%*s  %*s  %*s  %s\n", w1, h[1L], w2, h[2L], w3, h[3L],
              h[4L]), sep = "")
  vars <- gsub(" + ", " ", tab$terms, fixed = TRUE)
  cat(sprintf("%*d  %*s  %*d  %s\n", w1, tab$size, w2, chisq, w3, tab$df,
              vars), sep = "")
  invisible(x)
}

#' @rdname cox_best_subsets
#' @export
tidy.survstep_best_subsets <- function(x, ...) x$table

#' @rdname cox_best_subsets
#' @param row.names,optional Ignored (as for data frames).
#' @export
as.data.frame.survstep_best_subsets <- function(x, row.names = NULL,
                                                optional = FALSE, ...) {
  x$table
}
