# The log-rank family of k-sample tests ------------------------------------

lr_tests <- c("logrank", "gehan-breslow", "tarone-ware", "peto-peto",
              "fleming-harrington", "peto-prentice", "modified-peto",
              "lr-exponential")

lr_distributions <- c("asymptotic", "exact", "approximate")

#' Log-rank and weighted log-rank tests
#'
#' Compares survival between the groups formed by the right-hand side of
#' `formula` with the log-rank test or one of its weighted relatives, computed
#' by a C++ core. `test = "logrank"` and `test = "peto-peto"` give exactly
#' [survival::survdiff()] with `rho = 0` and `rho = 1`.
#'
#' For each distinct event time \eqn{t} (within a stratum) with \eqn{n_t}
#' subjects at risk and \eqn{d_t} events, \eqn{n_{gt}} and \eqn{d_{gt}} of
#' them in group \eqn{g}, and a weight \eqn{w_t}:
#' \deqn{U_g = \sum_t w_t (d_{gt} - d_t n_{gt} / n_t)}{U_g = sum_t w_t (d_gt - d_t n_gt / n_t)}
#' \deqn{V_{gh} = \sum_t w_t^2 \frac{d_t (n_t - d_t)}{n_t (n_t - 1)}
#'   n_{gt} (\delta_{gh} - n_{ht} / n_t)}{V_gh = sum_t w_t^2 d_t (n_t - d_t) / (n_t (n_t - 1)) n_gt (delta_gh - n_ht / n_t)}
#' (no variance term when \eqn{n_t = 1}), summed over strata. The statistic is
#' \eqn{U' V^{-1} U} over the groups with a positive expected count, the first
#' of them dropped; its degrees of freedom are the number of those groups
#' minus one, as in `survdiff()`. Should that matrix be singular, a
#' generalized inverse is used, the degrees of freedom become its rank and a
#' warning of class `survstep_warning_singular` is given.
#' The weights are
#' * `"logrank"` (Mantel-Cox): \eqn{w_t = 1};
#' * `"gehan-breslow"` (generalized Wilcoxon; SPSS's "Breslow"):
#'   \eqn{w_t = n_t}. This is *not* `survdiff(rho = 1)`;
#' * `"tarone-ware"`: \eqn{w_t = \sqrt{n_t}}{w_t = sqrt(n_t)};
#' * `"peto-peto"`: \eqn{w_t = S(t-)}, the pooled
#'   Kaplan-Meier estimate just before \eqn{t} within the stratum
#'   (= `survdiff(rho = 1)` = SAS `FLEMING(1,0)`);
#' * `"fleming-harrington"`: \eqn{w_t = S(t-)^p (1 - S(t-))^q}
#'   (`survdiff(rho = r)` is `p = r, q = 0`);
#' * `"peto-prentice"` (Peto and Peto 1972, Prentice 1978; SAS `TEST=PETO`):
#'   \eqn{w_t = \tilde S(t) = \prod_{t_j \le t} (1 - d_j / (n_j + 1))}{w_t
#'   = S~(t) = prod_{t_j <= t} (1 - d_j / (n_j + 1))}, pooled within the
#'   stratum; note that \eqn{\tilde S}{S~} includes the events at \eqn{t}
#'   itself (Klein and Moeschberger 2003, section 7.3);
#' * `"modified-peto"` (Andersen, Borgan, Gill and Keiding 1982; SAS
#'   `TEST=MODPETO`): \eqn{w_t = \tilde S(t) n_t / (n_t + 1)}{w_t = S~(t)
#'   n_t / (n_t + 1)}.
#'
#' `test = "lr-exponential"` is not a rank test: it is the likelihood-ratio
#' test of equal hazards under exponential models (Lawless 1982; the
#' "-2Log(LR)" line of SAS PROC LIFETEST),
#' \deqn{X^2 = 2 N \log(T/N) - 2 \sum_g N_g \log(T_g / N_g)}{X^2 = 2 N
#'   log(T/N) - 2 sum_g N_g log(T_g/N_g)}
#' on (number of groups with follow-up) - 1 degrees of freedom, where
#' \eqn{N_g} is the number of events and \eqn{T_g} the total time at risk of
#' group \eqn{g} (\eqn{T_g} = sum of `stop - start` for counting-process
#' data; case weights multiply both). Its `table` gives the events as
#' `observed`, \eqn{N T_g / T} as `expected` and \eqn{T_g} as `exposure`.
#' It supports case weights, counting-process data and
#' [logrank_pairwise()], but not strata, `trend = TRUE` or a permutation
#' distribution (errors of class `survstep_error_unsupported`), as SAS
#' computes it only for unstratified groups.
#'
#' **The same tests in other software.** Each name's aliases (an empty cell:
#' that software has no such option; "=" means the weights are the same by
#' the documented formula, checked in survstep's tests only where stated):
#'
#' | survstep `test` | SAS LIFETEST `TEST=` | SPSS KM | Stata `sts test` | lifelines `weightings` | coin `logrank_test(type=)` | survminer `log.rank.weights` |
#' |---|---|---|---|---|---|---|
#' | `"logrank"` | `LOGRANK` | Log Rank | (default) | (default) | `"logrank"` | `"1"` / `"survdiff"` |
#' | `"gehan-breslow"` | `WILCOXON` | Breslow | `wilcoxon` | `"wilcoxon"` | `"Gehan-Breslow"` | `"n"` |
#' | `"tarone-ware"` | `TARONE` | Tarone-Ware | `tware` | `"tarone-ware"` | `"Tarone-Ware"` | `"sqrtN"` |
#' | `"peto-peto"` | `FLEMING(1,0)` | | `fh(1 0)` | `"fleming-harrington"`, `p=1, q=0` | `"Peto-Peto"` | |
#' | `"fleming-harrington"` | `FLEMING(p,q)` | | `fh(p q)` | `"fleming-harrington"` | `"Fleming-Harrington"` (`rho`, `gamma`) | `"FH"` (p = q = 1) |
#' | `"peto-prentice"` | `PETO` | | `peto` | `"peto"` | `"Prentice-Marek"` | `"S1"` |
#' | `"modified-peto"` | `MODPETO` | | | | (none: `"Andersen-Borgan-Gill-Keiding"` uses \eqn{\tilde S(t-)}{S~(t-)}) | `"S2"` |
#' | `"lr-exponential"` | `-2Log(LR)` (printed by default) | | | | | |
#'
#' coin's `"Prentice"` weights, \eqn{\prod n_j / (n_j + d_j)}, are yet
#' another estimate and are not offered. SPSS offers only the first three.
#' The tests compare `"peto-prentice"` with coin's `"Prentice-Marek"`
#' linear statistic and every weight with an independent R implementation
#' of the formulas above, and every SAS name in the table with LIFETEST
#' output printed for public data (`tests/testthat/test-vendor-sas-lifetest.R`).
#'
#' **Permutation distributions** (`distribution = "exact"` or
#' `"approximate"`). Conditional on the data, the group labels are
#' exchangeable within strata under the null hypothesis. Each subject gets
#' the weighted log-rank score \eqn{c_i = \delta_i w(t_i) - \sum_{t_j \le
#' t_i} w(t_j) d_j / n_j}{c_i = delta_i w(t_i) - sum_{t_j <= t_i} w(t_j)
#' d_j / n_j} (the weights of `test`; the scores of coin's
#' `logrank_trafo()` with the sign reversed), so that the sum of the scores
#' of group \eqn{g} is \eqn{U_g}. The statistic is the quadratic form of the
#' group sums \eqn{T} about their permutation mean, with their permutation
#' covariance (a generalised inverse over the groups present, one dropped;
#' for the trend test \eqn{(c'(T - E))^2 / c'Cov c}), which is the statistic
#' of `coin::logrank_test()` for data without strata (with `strata()` the
#' scores here are computed within each stratum and the labels permuted
#' within strata, as `survdiff()`'s stratified test; coin's `| strata`
#' computes the scores on the pooled data, so the two differ); for two
#' groups it is
#' \eqn{(T_1 - E T_1)^2 / Var(T_1)}, and the two-sided p-value is
#' \eqn{P(|T_1 - E T_1| \ge |t_1 - E T_1|)}{P(|T_1 - E| >= |t_1 - E|)}
#' over the relabellings, coin's two-sided definition. (The permutation
#' variance differs from the hypergeometric \eqn{V} of the asymptotic test,
#' so `statistic` differs from `overall`'s chi-square.)
#' * `"exact"` (two groups): the whole permutation distribution by the shift
#'   algorithm (Streitberg and Roehmel 1986) in C++, stratum by stratum,
#'   on an integer grid: the weight and the cumulative hazard of each
#'   subject are multiplied by one integer scale \eqn{M} and rounded (so
#'   that subjects tied in time stay tied and relabellings equal by the
#'   structure of the data stay equal), \eqn{M} as large as about
#'   \eqn{2 \times 10^8}{2e8} operations allow (reported as `grid`). Fast
#'   up to a total of about 60-100 subjects whatever the group sizes; where
#'   not even \eqn{10^4} grid steps over the range of the scores fit, an
#'   error of class `survstep_error_exact_too_large` suggests
#'   `"approximate"`.
#' * `"approximate"`: `B` random relabellings within strata (Monte Carlo);
#'   the p-value is the proportion of relabellings with a statistic at least
#'   the observed one, reported with its Monte Carlo standard error
#'   \eqn{\sqrt{p(1-p)/B}}{sqrt(p (1 - p) / B)}; any number of groups,
#'   and `trend = TRUE`. The random numbers come from a 64-bit Mersenne
#'   Twister seeded with `seed` and unbiased integer draws written out in
#'   the package, so a seed gives the same p-value on every platform
#'   (`seed = NULL` draws the seed from R's generator, so `set.seed()`
#'   makes it reproducible).
#' Permutation distributions need right-censored data without case weights.
#'
#' With `trend = TRUE` the test for trend over ordered groups is reported:
#' \eqn{(c'U)^2 / (c'Vc)} on 1 degree of freedom for group scores \eqn{c}
#' (default `1, 2, ..., k`; any equally spaced scores give the same value).
#'
#' Times closer than `sqrt(.Machine$double.eps)` are merged first when
#' `timefix = TRUE`, as [survival::aeqSurv()] does for `survdiff()`.
#'
#' **Delayed entry.** With counting-process data, `Surv(start, stop, event)`,
#' a row is at risk at the times \eqn{t} with `start < t <= stop` (left
#' truncation, or follow-up split into intervals): \eqn{n_t} and
#' \eqn{n_{gt}} count those rows, and the Kaplan-Meier estimate of the
#' Peto-Peto and Fleming-Harrington weights is the one of [km()] on the same
#' data. With every `start` below the first time, the test is the test of
#' `Surv(stop, event)`.
#'
#' **Case weights** (`weights`, as the `WEIGHT` statement of SAS PROC
#' LIFETEST) enter as frequency weights: \eqn{n_t}, \eqn{d_t},
#' \eqn{n_{gt}}, \eqn{d_{gt}} and the pooled Kaplan-Meier estimate are
#' sums of the weights, so that integer weights give exactly the test on the
#' data with each row repeated that many times (`survdiff()` has no
#' weights). Rows with weight 0 take no part; no variance term is added at
#' an event time with a weighted number at risk of at most 1. The variance
#' is the usual one, not a robust (sandwich) variance for estimated weights
#' such as inverse probability weights.
#'
#' The test needs the \eqn{k \times k}{k x k} matrix \eqn{V}: more than
#' 2000 groups are refused with an error of class
#' `survstep_error_too_many_groups`.
#' See Klein and Moeschberger (2003, section 7.3) and Collett (2015,
#' chapter 2) for the tests.
#'
#' @param formula A formula with a [survival::Surv()] response of
#'   right-censored data, such as `Surv(time, status) ~ group`, or of
#'   counting-process data with delayed entry, `Surv(start, stop, status) ~
#'   group`. The groups are the combinations of the right-hand-side
#'   variables; [survival::strata()] terms define strata, over which the test
#'   is pooled as in `survdiff()`. Rows with a missing group or stratum are
#'   left out (also with `na.action = na.pass`, as `survfit()` does).
#' @param data A data frame holding the variables of `formula`.
#'   Or a table in a database (a remote `dplyr::tbl()` on a DBI connection):
#'   the rows stay there and only sums per (stratum, group, time) are
#'   read, with the numbers of the in-memory fit; see
#'   `vignette("large-data")`.
#' @param subset An optional expression selecting the rows to use, as in
#'   [stats::lm()].
#' @param weights Optional non-negative case weights (a column of `data`),
#'   see Details.
#' @param na.action A missing-data filter (default `getOption("na.action")`,
#'   normally [stats::na.omit()]); the number of dropped rows is reported.
#' @param test The test: one of `"logrank"`, `"gehan-breslow"`,
#'   `"tarone-ware"`, `"peto-peto"`, `"fleming-harrington"`,
#'   `"peto-prentice"`, `"modified-peto"` or `"lr-exponential"`.
#' @param p,q Non-negative exponents of the Fleming-Harrington weights; only
#'   used (and only allowed) with `test = "fleming-harrington"`.
#' @param trend If `TRUE`, report the 1-degree-of-freedom test for trend over
#'   the groups in their level order.
#' @param scores Numeric scores of the groups for the trend test, one per
#'   group in level order; `NULL` (default) uses `1, 2, ..., k`.
#' @param timefix If `TRUE` (default), merge floating-point near-ties of the
#'   times as `survdiff()` does.
#' @param distribution The null distribution of the p-value: `"asymptotic"`
#'   (default; chi-square), `"exact"` (the permutation distribution, two
#'   groups) or `"approximate"` (Monte Carlo permutations); see Details.
#' @param B The number of Monte Carlo permutations for
#'   `distribution = "approximate"` (a whole number >= 1).
#' @param seed The seed of the Monte Carlo permutations: a whole number, or
#'   `NULL` (default) to draw one from R's random number generator.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`. (`distribution`, `B` and `seed`
#'   come after it and must be named.)
#'
#' @return An object of class `survstep_logrank`, a list with
#'   * `statistic`, `df`, `p.value`: the test reported (the trend test when
#'     `trend = TRUE`, else the overall test; with a permutation
#'     `distribution`, the permutation statistic and p-value);
#'   * `permutation`: `NULL`, or a list `distribution, statistic, df,
#'     p.value, std.error` (0 for `"exact"`), `B`, `seed` (Monte Carlo) and
#'     `grid` (the scale \eqn{M} of the exact algorithm);
#'   * `overall`: named numeric vector `statistic, df, p.value` of the
#'     k-sample test;
#'   * `trend`: `NULL`, or a list `statistic, df, p.value, scores`;
#'   * `table`: data frame with one row per group: `group, n, events`
#'     (sums of the case weights when there are any; `n` counts intervals
#'     of counting-process data), `observed, expected` (weighted by
#'     \eqn{w_t} as
#'     `survdiff(rho)` reports them; event counts for the log-rank test) and
#'     `variance` (the diagonal of \eqn{V});
#'   * `var`: the matrix \eqn{V}; `test`, `method` (a label), `p`, `q`;
#'   * `n`, `n_events`, `strata` (stratum labels or `NULL`), `n_dropped`,
#'     `na.action`, `call`.
#'
#'   Methods: `print()` (as `print.survdiff()` plus the test name), `tidy()`
#'   (`group, n, observed, expected`) and `glance()`
#'   (`statistic, df, p.value`).
#' @seealso [logrank_pairwise()] for all pairwise comparisons,
#'   [survival::survdiff()].
#' @export
#' @references Mantel N (1966). Evaluation of survival data and two new rank
#'   order statistics arising in its consideration. *Cancer Chemotherapy
#'   Reports* 50, 163-170.
#'
#'   Gehan EA (1965). A generalized Wilcoxon test for comparing arbitrarily
#'   singly-censored samples. *Biometrika* 52, 203-223. Breslow N (1970). A
#'   generalized Kruskal-Wallis test for comparing K samples subject to
#'   unequal patterns of censorship. *Biometrika* 57, 579-594.
#'
#'   Tarone RE, Ware J (1977). On distribution-free tests for equality of
#'   survival distributions. *Biometrika* 64, 156-160.
#'
#'   Peto R, Peto J (1972). Asymptotically efficient rank invariant test
#'   procedures. *Journal of the Royal Statistical Society A* 135, 185-207.
#'
#'   Harrington DP, Fleming TR (1982). A class of rank test procedures for
#'   censored survival data. *Biometrika* 69, 553-566.
#'
#'   Prentice RL (1978). Linear rank tests with right censored data.
#'   *Biometrika* 65, 167-179. Andersen PK, Borgan O, Gill RD, Keiding N
#'   (1982). Linear nonparametric tests for comparison of counting
#'   processes, with applications to censored survival data. *International
#'   Statistical Review* 50, 219-258.
#'
#'   Lawless JF (1982). *Statistical Models and Methods for Lifetime Data*.
#'   Wiley. SAS Institute Inc. SAS/STAT User's Guide, The LIFETEST
#'   Procedure, "Comparison of Two or More Groups of Survival Data".
#'
#'   Streitberg B, Roehmel J (1986). Exact distributions for permutation and
#'   rank tests: an introduction to some recently published algorithms.
#'   *Statistical Software Newsletter* 12, 10-17. Hothorn T, Hornik K, van
#'   de Wiel MA, Zeileis A (2006). A Lego system for conditional inference.
#'   *The American Statistician* 60, 257-263.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis*, 2nd ed. Springer,
#'   sections 7.3-7.5. Collett D (2015). *Modelling Survival Data in Medical
#'   Research*, 3rd ed., chapter 2.
#' @examples
#' logrank_test(Surv(time, status) ~ sex, data = survival::lung)
#' logrank_test(Surv(time, status) ~ sex, data = survival::lung,
#'              test = "gehan-breslow")
#' # stratified, with a trend test over ECOG performance score
#' logrank_test(Surv(time, status) ~ ph.ecog + strata(sex),
#'              data = survival::lung, subset = ph.ecog < 3, trend = TRUE)
#' # SAS's PETO test and the exponential likelihood-ratio test
#' logrank_test(Surv(time, status) ~ sex, data = survival::lung,
#'              test = "peto-prentice")
#' logrank_test(Surv(time, status) ~ sex, data = survival::lung,
#'              test = "lr-exponential")
#' # exact and Monte Carlo permutation p-values for a small cohort
#' aml <- survival::aml
#' logrank_test(Surv(time, status) ~ x, data = aml, distribution = "exact")
#' logrank_test(Surv(time, status) ~ x, data = aml,
#'              distribution = "approximate", B = 2000, seed = 1)
logrank_test <- function(formula, data, subset, weights, na.action,
                         test = c("logrank", "gehan-breslow", "tarone-ware",
                                  "peto-peto", "fleming-harrington",
                                  "peto-prentice", "modified-peto",
                                  "lr-exponential"),
                         p = 1, q = 0, trend = FALSE, scores = NULL,
                         timefix = TRUE, ...,
                         distribution = c("asymptotic", "exact",
                                          "approximate"),
                         B = 10000, seed = NULL) {
  call <- match.call()
  caller <- sys.call()
  check_dots_empty("logrank_test", ..., call = caller)
  test <- sv_match_arg(test, lr_tests, "test", call = caller)
  lr_check_pq(test, p, q, !missing(p) || !missing(q), caller)
  check_flag(trend, "trend", call = caller)
  check_flag(timefix, "timefix", call = caller)
  if (!is.null(scores) && !trend) {
    sv_abort("`scores` is only used when `trend = TRUE`.", call = caller)
  }
  perm <- lr_check_permutation(distribution, B, seed, !missing(B),
                               !missing(seed), test, caller)
  fr <- lr_frame(call, parent.frame(), caller)
  sv_db_check_permutation(fr, perm, caller)
  if (trend) {
    scores <- lr_check_scores(scores, length(fr$group_levels), caller)
  }
  g <- list(codes = fr$group, levels = fr$group_levels)
  st <- list(codes = fr$strata, levels = fr$strata_levels)
  out <- lr_result(fr$y, g, st, fr$weights, test, p, q, trend, scores,
                   timefix, caller, perm)
  out$n_dropped <- fr$n_dropped
  out$na.action <- fr$na.action
  out$call <- call
  if (!is.null(fr$db)) out <- sv_db_finish_logrank(out, fr)
  out
}

#' Log-rank tests from a response matrix
#'
#' The matrix-level engine behind [logrank_test()]: no formula, no model
#' frame, one call into the C++ core.
#'
#' @param y A [survival::Surv()] object of right-censored data, or its
#'   matrix (columns time and status, the status 0 or 1); or of
#'   counting-process data (columns start, stop and status, start < stop).
#' @param group The groups to compare: a factor (its levels, in order, are
#'   the groups) or any vector (its sorted distinct values).
#' @param strata Optional strata (a factor or any vector), over which the
#'   test is pooled.
#' @param weights Optional non-negative case weights, as in
#'   [logrank_test()].
#' @inheritParams logrank_test
#' @return An object of class `survstep_logrank` as from [logrank_test()],
#'   without `call` and `na.action`.
#' @seealso [logrank_test()].
#' @details The engine behind [logrank_test()]: the same statistic, from a
#'   response matrix and integer codes, without a formula (for simulations
#'   and bootstraps). The formulas are those of [logrank_test()].
#' @references Klein JP, Moeschberger ML (2003). *Survival Analysis*, 2nd
#'   ed. Springer, sections 7.3-7.5.
#' @examples
#' lung <- survival::lung
#' logrank_fit(survival::Surv(lung$time, lung$status), lung$sex)
#' @export
logrank_fit <- function(y, group, strata = NULL, weights = NULL,
                        test = c("logrank", "gehan-breslow", "tarone-ware",
                                 "peto-peto", "fleming-harrington",
                                 "peto-prentice", "modified-peto",
                                 "lr-exponential"),
                        p = 1, q = 0, trend = FALSE, scores = NULL,
                        timefix = TRUE, ...,
                        distribution = c("asymptotic", "exact",
                                         "approximate"),
                        B = 10000, seed = NULL) {
  call <- sys.call()
  check_dots_empty("logrank_fit", ..., call = call)
  test <- sv_match_arg(test, lr_tests, "test", call = call)
  perm <- lr_check_permutation(distribution, B, seed, !missing(B),
                               !missing(seed), test, call)
  lr_check_pq(test, p, q, !missing(p) || !missing(q), call)
  check_flag(trend, "trend", call = call)
  check_flag(timefix, "timefix", call = call)
  if (!is.null(scores) && !trend) {
    sv_abort("`scores` is only used when `trend = TRUE`.", call = call)
  }
  y <- sv_engine_y(y, call, counting = TRUE)
  n <- nrow(y)
  weights <- sv_engine_weights(weights, n, call)
  if (missing(group) || is.null(group)) {
    sv_abort("`group` must be given: the groups to compare.", call = call)
  }
  g <- sv_engine_group(group, n, "group", call)
  if (length(g$levels) < 2L) {
    sv_abort("Can't compare groups: `group` has fewer than two values.",
             call = call)
  }
  lr_check_group_count(length(g$levels), call)
  st <- sv_engine_group(strata, n, "strata", call)
  if (trend) scores <- lr_check_scores(scores, length(g$levels), call)
  out <- lr_result(y, g, st, weights, test, p, q, trend, scores, timefix,
                   call, perm)
  out$n_dropped <- 0L
  out
}

# The engine and the result object shared by logrank_test() and
# logrank_fit(): g and st are lists of 0-based codes and labels, w the case
# weights or NULL.
lr_result <- function(y, g, st, w, test, p, q, trend, scores, timefix,
                      caller, perm = NULL) {
  lr_check_test_options(test, trend, st, caller)
  if (!is.null(w) && !is.finite(sum(w))) {
    sv_abort(sprintf(paste0("Can't compute the test: the `weights` are too ",
                            "large (their sum overflows; the largest is %s). ",
                            "Divide them by a common factor."),
                     format(max(w))), call = caller)
  }
  fit <- lr_engine(y, g, st, w, test, p, q, timefix,
                   if (trend) scores else NULL, caller)
  lr_check_fit(fit, caller)
  if (!is.finite(fit$statistic)) {
    # only extreme case weights can overflow the sums
    sv_abort(paste0("Can't compute the test: the statistic overflows (the ",
                    "`weights` are too large). Divide them by a common ",
                    "factor."), call = caller)
  }

  overall <- c(statistic = fit$statistic, df = fit$df,
               p.value = stats::pchisq(fit$statistic, fit$df,
                                       lower.tail = FALSE))
  groups <- g$levels
  trend_res <- NULL
  if (trend) {
    if (fit$trend_status != 0L) {
      sv_abort(paste0("Can't compute the trend test: the variance of the ",
                      "scored statistic is zero."), call = caller)
    }
    trend_res <- list(
      statistic = fit$trend_statistic, df = 1L,
      p.value = stats::pchisq(fit$trend_statistic, 1, lower.tail = FALSE),
      scores = stats::setNames(as.numeric(scores), groups)
    )
  }
  main <- if (trend) trend_res else
    list(statistic = fit$statistic, df = fit$df, p.value = overall[[3L]])
  permutation <- NULL
  if (!is.null(perm) && perm$distribution != "asymptotic") {
    permutation <- lr_permutation(y, g, st, w, test, p, q, timefix,
                                  if (trend) scores else NULL, perm, caller)
    main <- permutation[c("statistic", "df", "p.value")]
  }
  var <- fit$var
  dimnames(var) <- list(groups, groups)
  table <- data.frame(
    group = groups, n = fit$n, events = fit$events,
    observed = fit$observed, expected = fit$expected,
    variance = unname(diag(var)), stringsAsFactors = FALSE
  )
  if (test == "lr-exponential") {
    # observed and expected events under one common exponential hazard
    table$observed <- fit$events
    table$expected <- sum(fit$events) * fit$exposure / sum(fit$exposure)
    table$variance <- NA_real_
    table$exposure <- fit$exposure
  }
  structure(
    list(
      statistic = main$statistic, df = main$df, p.value = main$p.value,
      overall = overall, trend = trend_res, permutation = permutation,
      table = table, var = var,
      test = test, method = lr_method(test, p, q, trend),
      p = if (test == "fleming-harrington") p else NULL,
      q = if (test == "fleming-harrington") q else NULL,
      n = nrow(y), n_events = sum(fit$events),
      strata = st$levels, n_dropped = NULL, na.action = NULL, call = NULL
    ),
    class = "survstep_logrank"
  )
}

#' Pairwise log-rank tests between all groups
#'
#' Runs the two-group version of [logrank_test()] on every pair of groups
#' (each pair's own subset of the data, so each is exactly the test one would
#' get on that subset), and adjusts the p-values with [stats::p.adjust()].
#'
#' @inheritParams logrank_test
#' @param p_adjust_method A method of [stats::p.adjust()]: `"none"`
#'   (default), `"holm"`, `"hochberg"`, `"hommel"`, `"bonferroni"`, `"BH"`,
#'   `"BY"` or `"fdr"`.
#' @param ... Further arguments of [logrank_test()]: `subset`, `weights`,
#'   `na.action`, `p`, `q`, `timefix`, `distribution`, `B`, `seed` (with a
#'   permutation `distribution`, each pair gets its permutation statistic
#'   and p-value; the same `seed` for every pair). (They come before `p_adjust_method`
#'   so that `p` is not taken as an abbreviation of it.) Any other name is an
#'   error of class `survstep_error_unused_argument`.
#' @return A data frame with one row per pair of groups (in level order):
#'   `group1, group2, statistic, df, p.value, p.adj`. A pair without any
#'   event gets `NA` with a warning.
#' @export
#' @references Holm S (1979). A simple sequentially rejective multiple test
#'   procedure. *Scandinavian Journal of Statistics* 6, 65-70.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis*, 2nd ed. Springer,
#'   section 7.3.
#' @examples
#' logrank_pairwise(Surv(time, status) ~ ph.ecog, data = survival::lung,
#'                  subset = ph.ecog < 3, p_adjust_method = "holm")
logrank_pairwise <- function(formula, data,
                             test = c("logrank", "gehan-breslow",
                                      "tarone-ware", "peto-peto",
                                      "fleming-harrington", "peto-prentice",
                                      "modified-peto", "lr-exponential"),
                             ..., p_adjust_method = "none") {
  caller <- sys.call()
  env <- parent.frame()
  test <- sv_match_arg(test, lr_tests, "test", call = caller)
  dots <- match.call(expand.dots = FALSE)$...
  nms <- names(dots)
  if ("p.adjust.method" %in% nms) {
    p_adjust_method <- sv_renamed("logrank_pairwise", p_adjust_method,
                                  "p.adjust.method", "p_adjust_method",
                                  p.adjust.method = eval(dots$p.adjust.method,
                                                         env), call = caller)
    dots$p.adjust.method <- NULL
    nms <- names(dots)
  }
  p_adjust_method <- sv_match_arg(p_adjust_method, stats::p.adjust.methods,
                                  "p_adjust_method", call = caller)
  allowed <- c("subset", "weights", "na.action", "p", "q", "timefix",
               "distribution", "B", "seed")
  if (length(dots) && (is.null(nms) || any(!nzchar(nms)) ||
                       any(!nms %in% allowed))) {
    bad <- if (is.null(nms)) "" else nms[!nms %in% allowed | !nzchar(nms)]
    sv_abort(sprintf(paste0("`...` must hold named arguments of ",
                            "`logrank_test()` (%s), not %s."),
                     paste0("`", allowed, "`", collapse = ", "),
                     if (all(nzchar(bad))) paste0("`", bad, "`",
                                                  collapse = ", ")
                     else "unnamed arguments"),
             class = c("survstep_error_unused_argument", "survstep_error_input"),
             call = caller)
  }
  opt <- list(p = 1, q = 0, timefix = TRUE, distribution = "asymptotic",
              B = 10000, seed = NULL)
  for (nm in intersect(nms, names(opt))) {
    val <- eval(dots[[nm]], env)
    if (!is.null(val)) opt[[nm]] <- val
  }
  lr_check_pq(test, opt$p, opt$q, any(c("p", "q") %in% nms), caller)
  check_flag(opt$timefix, "timefix", call = caller)
  perm <- lr_check_permutation(opt$distribution, opt$B, opt$seed,
                               "B" %in% nms, "seed" %in% nms, test, caller)

  call <- match.call(expand.dots = TRUE)
  fr <- lr_frame(call, env, caller)
  sv_db_check_permutation(fr, perm, caller)
  lr_check_test_options(test, FALSE, list(levels = fr$strata_levels), caller)
  groups <- fr$group_levels
  codes <- fr$group
  pairs <- utils::combn(length(groups), 2L)
  np <- ncol(pairs)
  stat <- pval <- rep(NA_real_, np)
  df <- rep(NA_integer_, np)
  empty <- character(0)
  for (j in seq_len(np)) {
    a <- pairs[1L, j]
    b <- pairs[2L, j]
    use <- which(codes == a - 1L | codes == b - 1L)
    fit <- lr_engine(
      fr$y[use, , drop = FALSE],
      list(codes = as.integer(codes[use] == b - 1L), levels = groups[c(a, b)]),
      list(codes = if (is.null(fr$strata)) NULL else fr$strata[use],
           levels = fr$strata_levels),
      if (is.null(fr$weights)) NULL else fr$weights[use],
      test, opt$p, opt$q, opt$timefix, NULL, caller)
    status <- lr_status(fit)
    if (status %in% c("ok", "singular")) {
      if (status == "singular") lr_warn_singular(caller)
      stat[j] <- fit$statistic
      df[j] <- fit$df
      pval[j] <- stats::pchisq(fit$statistic, fit$df, lower.tail = FALSE)
      if (perm$distribution != "asymptotic") {
        pm <- lr_permutation(
          fr$y[use, , drop = FALSE],
          list(codes = as.integer(codes[use] == b - 1L),
               levels = groups[c(a, b)]),
          list(codes = if (is.null(fr$strata)) NULL else fr$strata[use],
               levels = fr$strata_levels),
          if (is.null(fr$weights)) NULL else fr$weights[use],
          test, opt$p, opt$q, opt$timefix, NULL, perm, caller)
        stat[j] <- pm$statistic
        df[j] <- pm$df
        pval[j] <- pm$p.value
      }
    } else if (status %in% c("invalid_input", "empty_interval")) {
      lr_check_fit(fit, caller)
    } else {
      empty <- c(empty, paste(groups[a], "vs", groups[b]))
    }
  }
  if (length(empty)) {
    sv_warn(sprintf(paste0("Can't compare %s: no events, or only one ",
                           "group at risk at the event times; `NA` returned."),
                    paste(empty, collapse = "; ")),
            class = "survstep_warning_no_events", call = caller)
  }
  out <- data.frame(
    group1 = groups[pairs[1L, ]], group2 = groups[pairs[2L, ]],
    statistic = stat, df = df, p.value = pval,
    p.adj = stats::p.adjust(pval, method = p_adjust_method),
    stringsAsFactors = FALSE
  )
  attr(out, "method") <- lr_method(test, opt$p, opt$q, FALSE)
  attr(out, "p_adjust_method") <- p_adjust_method
  out
}

# Printing and tidiers -------------------------------------------------------

#' @param x A `survstep_logrank` object.
#' @param digits Significant digits, as in `print.survdiff()`.
#' @param ... Unused.
#' @rdname logrank_test
#' @export
print.survstep_logrank <- function(x, digits = max(getOption("digits") - 4L,
                                                   3L), ...) {
  saveopt <- options(digits = digits)
  on.exit(options(saveopt))
  if (!is.null(x$call)) {
    cat("Call:\n")
    dput(x$call)
    cat("\n")
  }
  if (length(x$na.action)) {
    cat("n=", x$n, ", ", stats::naprint(x$na.action), ".\n\n", sep = "")
  }
  cat(x$method, "\n", sep = "")
  if (!x$test %in% c("logrank", "lr-exponential")) {
    cat("Weights: ", lr_weight_text(x$test, x$p, x$q), "\n",
        "(observed and expected are weighted sums)\n", sep = "")
  }
  if (length(x$strata)) {
    cat("Stratified by ", length(x$strata), " strata.\n", sep = "")
  }
  cat("\n")
  tb <- x$table
  o_e <- tb$observed - tb$expected
  temp <- cbind(tb$n, tb$observed, tb$expected, o_e^2 / tb$expected,
                o_e^2 / tb$variance)
  dimnames(temp) <- list(tb$group, c("N", "Observed", "Expected",
                                     "(O-E)^2/E", "(O-E)^2/V"))
  print(temp)
  ov <- x$overall
  cat("\n Chisq=", format(round(ov[["statistic"]], 1)), " on",
      ov[["df"]], "degrees of freedom, p=",
      format.pval(ov[["p.value"]]), "\n")
  if (!is.null(x$trend)) {
    cat(" Test for trend (scores ",
        paste(format(x$trend$scores), collapse = ", "), "): Chisq= ",
        format(round(x$trend$statistic, 1)), " on 1 degree of freedom, p= ",
        format.pval(x$trend$p.value), "\n", sep = "")
  }
  pm <- x$permutation
  if (!is.null(pm)) {
    what <- if (!is.null(x$trend)) "trend " else ""
    if (pm$distribution == "exact") {
      cat(" Exact permutation ", what, "p= ",
          format.pval(pm$p.value, digits = 4),
          " (two-sided; statistic ", format(round(pm$statistic, 2)),
          " standardised by its permutation variance)\n", sep = "")
    } else {
      cat(" Monte Carlo permutation ", what, "p= ",
          format.pval(pm$p.value, digits = 4),
          " (SE ", format(signif(pm$std.error, 2)), "; B = ", format(pm$B),
          ", seed = ", format(pm$seed), "; statistic ",
          format(round(pm$statistic, 2)), " on ", pm$df, " df)\n", sep = "")
    }
  }
  invisible(x)
}

#' @rdname logrank_test
#' @details `tidy()` returns broom's columns for `survival::survdiff()`: one
#'   column per grouping variable (its values, parsed from the group labels
#'   `var=value`; a single `group` column when they are not of that form),
#'   `N`, `obs` and `exp`; `glance()` gives `statistic`, `df`, `p.value`.
#' @export
tidy.survstep_logrank <- function(x, ...) {
  tb <- x$table
  grp <- lr_group_columns(tb$group)
  cbind(grp, data.frame(N = tb$n, obs = tb$observed, exp = tb$expected))
}

# Group labels "a=1, b=x" as a data frame with columns a and b (as broom's
# survdiff tidier); labels not of that form give one column `group`.
lr_group_columns <- function(labels) {
  parts <- strsplit(labels, ", ", fixed = TRUE)
  kv <- lapply(parts, function(p) regmatches(p, regexpr("=", p), invert = TRUE))
  ok <- length(labels) > 0L &&
    all(vapply(kv, function(k) all(lengths(k) == 2L), logical(1)))
  if (ok) {
    keys <- lapply(kv, function(k) vapply(k, `[`, "", 1L))
    ok <- all(vapply(keys, identical, logical(1), keys[[1L]])) &&
      !anyDuplicated(keys[[1L]])
  }
  if (!ok) return(data.frame(group = labels, stringsAsFactors = FALSE))
  vals <- do.call(rbind, lapply(kv, function(k) vapply(k, `[`, "", 2L)))
  vals <- matrix(vals, nrow = length(labels))
  out <- as.data.frame(vals, stringsAsFactors = FALSE)
  names(out) <- keys[[1L]]
  out
}

#' @rdname logrank_test
#' @export
glance.survstep_logrank <- function(x, ...) {
  data.frame(statistic = x$statistic, df = x$df, p.value = x$p.value)
}

# Internals --------------------------------------------------------------------

lr_method <- function(test, p, q, trend) {
  name <- switch(test,
    "logrank" = "Log-rank (Mantel-Cox) test",
    "gehan-breslow" = "Gehan-Breslow (generalized Wilcoxon) test",
    "tarone-ware" = "Tarone-Ware test",
    "peto-peto" = "Peto-Peto (Prentice) test",
    "fleming-harrington" = sprintf("Fleming-Harrington (p = %s, q = %s) test",
                                   format(p), format(q)),
    "peto-prentice" = "Peto-Prentice test (SAS PETO)",
    "modified-peto" = "Modified Peto-Peto test (Andersen et al.; SAS MODPETO)",
    "lr-exponential" = "Likelihood-ratio test of exponential hazards"
  )
  if (trend) paste0(name, " for trend") else name
}

lr_weight_text <- function(test, p, q) {
  switch(test,
    "gehan-breslow" = "w(t) = n(t), the number at risk",
    "tarone-ware" = "w(t) = sqrt(n(t))",
    "peto-peto" = "w(t) = S(t-), the pooled Kaplan-Meier estimate",
    "fleming-harrington" = sprintf("w(t) = S(t-)^%s (1 - S(t-))^%s",
                                   format(p), format(q)),
    "peto-prentice" = "w(t) = S~(t) = prod_{t_j <= t} (1 - d_j/(n_j + 1))",
    "modified-peto" = "w(t) = S~(t) n(t)/(n(t) + 1)",
    "w(t) = 1"
  )
}

# Options that some tests do not support: the exponential likelihood-ratio
# test is defined for unstratified groups and has no trend form.
lr_check_test_options <- function(test, trend, st, call) {
  if (test != "lr-exponential") return(invisible())
  what <- if (trend) "a trend test" else if (length(st$levels) > 1L)
    "strata" else NULL
  if (!is.null(what)) {
    sv_abort(sprintf(paste0("Can't use %s with `test = \"lr-exponential\"`: ",
                            "the exponential likelihood-ratio test (SAS ",
                            "LIFETEST's -2Log(LR)) compares unstratified ",
                            "groups only. Use a rank test such as ",
                            "`test = \"logrank\"`."), what),
             class = c("survstep_error_unsupported", "survstep_error_input"),
             call = call)
  }
  invisible()
}

# The permutation options: distribution, B and seed, checked before the
# frame is built. Returns list(distribution, B, seed) (seed drawn from R's
# generator when NULL, so that set.seed() makes runs reproducible).
lr_check_permutation <- function(distribution, B, seed, B_given, seed_given,
                                 test, call) {
  distribution <- sv_match_arg(distribution, lr_distributions,
                               "distribution", call = call)
  if (distribution == "asymptotic") {
    if (B_given || seed_given) {
      sv_abort(paste0("`B` and `seed` are only used with ",
                      "`distribution = \"approximate\"`."),
               call = call)
    }
    return(list(distribution = distribution))
  }
  if (test == "lr-exponential") {
    sv_abort(paste0("Can't compute a permutation distribution for ",
                    "`test = \"lr-exponential\"`: it is available for the ",
                    "weighted log-rank tests only."),
             class = c("survstep_error_unsupported", "survstep_error_input"),
             call = call)
  }
  # the bootstrap's checks (R/cox-boot.R): one rule for B and seed
  B <- bt_check_B(B, call)
  seed <- bt_check_seed(seed, call)
  list(distribution = distribution, B = as.numeric(B),
       seed = as.numeric(seed))
}

# What the status values of the permutation core mean (PermutationStatus in
# permutation.hpp, in order).
lr_perm_status_table <- c("ok", "too_large", "invalid_input", "no_variance")

# The permutation p-value (exact or Monte Carlo) of the same weighted
# log-rank statistic: list(distribution, statistic, df, p.value, std.error,
# B, seed, grid).
lr_permutation <- function(y, g, st, w, test, p, q, timefix, trend_scores,
                           perm, call) {
  if (ncol(y) != 2L) {
    sv_abort(paste0("Can't compute a permutation distribution for ",
                    "counting-process data (`Surv(start, stop, event)`): ",
                    "relabelling rows with delayed entry is not a valid ",
                    "permutation test. Use `distribution = \"asymptotic\"`."),
             class = c("survstep_error_unsupported", "survstep_error_input"),
             call = call)
  }
  if (!is.null(w)) {
    sv_abort(paste0("Can't compute a permutation distribution with case ",
                    "`weights`; expand integer frequency weights into rows ",
                    "first, or use `distribution = \"asymptotic\"`."),
             class = c("survstep_error_unsupported", "survstep_error_input"),
             call = call)
  }
  k <- length(g$levels)
  if (perm$distribution == "exact" && k != 2L) {
    sv_abort(sprintf(paste0("Can't compute the exact distribution for %d ",
                            "groups: it is available for two groups. Use ",
                            "`distribution = \"approximate\"` (Monte Carlo ",
                            "permutations) for %d groups."), k, k),
             class = c("survstep_error_exact_groups", "survstep_error_input"),
             call = call)
  }
  if (perm$distribution == "exact") trend_scores <- NULL
  res <- sv_engine_call(logrank_permutation_cpp(
    y, g$codes, k, st$codes, max(length(st$levels), 1L), test,
    as.numeric(p), as.numeric(q),
    if (timefix) sqrt(.Machine$double.eps) else 0,
    if (is.null(trend_scores)) NULL else as.numeric(trend_scores),
    perm$distribution, if (is.null(perm$B)) 1 else perm$B,
    if (is.null(perm$seed)) 0 else perm$seed
  ), call)
  if (!lr_status(res) %in% c("ok", "singular")) lr_check_fit(res, call)
  status <- lr_perm_status_table[res$perm_status + 1L]
  if (status == "too_large") {
    sv_abort(sprintf(paste0(
      "Can't compute the exact distribution for these data: with %d ",
      "subjects it would need about %s updates of the shift algorithm at ",
      "the coarsest grid allowed (and would not finish in reasonable time). ",
      "Use `distribution = \"approximate\"` (Monte Carlo permutations; ",
      "`B` replicates with their standard error)."), nrow(y),
      format(signif(res$work, 2))),
      class = c("survstep_error_exact_too_large", "survstep_error_input"),
      call = call)
  }
  if (status == "invalid_input") {
    sv_abort("Can't compute the permutation distribution: invalid input.",
             call = call)
  }
  if (status == "no_variance") {
    sv_warn(paste0("The permutation variance of the statistic is zero (all ",
                   "scores equal within strata); the p-value is 1."),
            class = "survstep_warning_no_variance", call = call)
    res$statistic <- 0
    res$p_value <- 1
    res$df <- max(res$df, 1L)
  }
  list(distribution = perm$distribution, statistic = res$statistic,
       df = res$df, p.value = res$p_value,
       std.error = if (perm$distribution == "approximate") res$std_error
                   else 0,
       B = if (perm$distribution == "approximate") perm$B else NULL,
       seed = if (perm$distribution == "approximate") perm$seed else NULL,
       grid = if (perm$distribution == "exact") res$grid else NULL)
}

lr_check_pq <- function(test, p, q, given, call) {
  if (test != "fleming-harrington") {
    if (given) {
      sv_abort(paste0("`p` and `q` are only used with ",
                      "`test = \"fleming-harrington\"`."), call = call)
    }
    return(invisible())
  }
  check_number(p, "p", lower = 0, call = call)
  check_number(q, "q", lower = 0, call = call)
  invisible()
}

lr_check_scores <- function(scores, k, call) {
  if (is.null(scores)) return(seq_len(k))
  if (!is.numeric(scores) || length(scores) != k) {
    sv_abort(sprintf(paste0("`scores` must be a numeric vector with one ",
                            "score per group (%d), not %s."), k,
                     sv_obj_type(scores)), call = call)
  }
  if (any(!is.finite(scores))) {
    sv_abort("`scores` must be finite; found missing or infinite values.",
             call = call)
  }
  if (length(unique(scores)) < 2L) {
    sv_abort("`scores` must not all be equal.", call = call)
  }
  as.numeric(scores)
}

lr_warn_singular <- function(call) {
  sv_warn(paste0("The variance matrix of the test is singular; a ",
                 "generalized inverse was used and the degrees of freedom ",
                 "reduced to its rank."),
          class = "survstep_warning_singular", call = call)
}

# What the status values of the log-rank core mean (LogrankStatus in
# logrank.hpp, in order): the one decode table of the family.
lr_status_table <- c("ok", "no_events", "too_few_groups", "singular",
                     "invalid_input", "empty_interval")

lr_status <- function(fit) lr_status_table[fit$status + 1L]

lr_check_fit <- function(fit, call) {
  switch(lr_status(fit),
    no_events = sv_abort("Can't compute the test: there are no events.",
                         call = call),
    too_few_groups = sv_abort(paste0("Can't compare groups: only one group ",
                                     "has subjects at risk at the event ",
                                     "times."), call = call),
    singular = lr_warn_singular(call),
    invalid_input = sv_abort(paste0("`y` must hold finite, non-negative ",
                                    "times (counting-process data: finite ",
                                    "start < stop) and a 0/1 status."),
                             call = call),
    empty_interval = sv_abort(
      sv_timefix_merged_message("compute the test", "`timefix = FALSE`"),
      call = call)
  )
  invisible(fit)
}

# One call into C++: y (n x 2 double matrix: time, status; or n x 3: start,
# stop, status), g and st (lists of 0-based codes, NULL for no strata, and
# labels), w (double case weights or NULL).
lr_engine <- function(y, g, st, w, test, p, q, timefix, scores, call) {
  sv_engine_call(logrank_cpp(
    y, g$codes, length(g$levels), st$codes, max(length(st$levels), 1L), w,
    test, as.numeric(p), as.numeric(q),
    if (timefix) sqrt(.Machine$double.eps) else 0,
    if (is.null(scores)) NULL else as.numeric(scores)
  ), call)
}

# The largest number of groups the tests compare: the k x k variance matrix
# (and the work of O(k^2) per event time and O(k^3) for the statistic) grows
# quickly, and a grouping variable with thousands of values is almost always
# an identifier or a continuous covariate.
lr_max_groups <- 2000L

lr_check_group_count <- function(k, call) {
  if (k <= lr_max_groups) return(invisible())
  gib <- k^2 * 8 / 2^30
  sv_abort(sprintf(paste0(
    "Can't compare %d groups: the test needs a %d x %d variance matrix ",
    "(%s GiB) and work growing with its size; at most %d groups are ",
    "compared. A grouping variable with about one value per row is ",
    "usually an identifier or a continuous covariate: group it into fewer ",
    "classes (for example with `cut()`), or model it with `cox()`."),
    k, k, k, format(signif(gib, 3)), lr_max_groups),
    class = c("survstep_error_too_many_groups", "survstep_error_input"),
    call = call)
}

# Model frame ------------------------------------------------------------------

# The frame of the log-rank tests: groups from the right-hand-side variables
# other than strata() terms, which define strata.
lr_frame <- function(call, env, caller) {
  fr <- sv_frame(call, env, caller, group = "terms", counting = TRUE)
  if (!is.null(fr$offset)) {
    sv_abort("Offset terms are not supported by the log-rank tests.",
             call = caller)
  }
  if (!length(fr$group_vars)) {
    sv_abort(paste0("Can't compare groups: the right-hand side of `formula` ",
                    "has no grouping variable (besides `strata()` terms)."),
             call = caller)
  }
  if (fr$n == 0L) {
    sv_abort(paste0("Can't compute the test: ", sv_no_rows_reason(fr), "."),
             call = caller)
  }
  if (length(fr$group_levels) < 2L) {
    sv_abort(sprintf(paste0("Can't compare groups: `formula` defines only ",
                            "one group (%s)."),
                     paste0("\"", fr$group_levels, "\"")), call = caller)
  }
  lr_check_group_count(length(fr$group_levels), caller)
  fr
}
