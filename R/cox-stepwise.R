# Univariable screening and SPSS-style stepwise Cox selection ----------------

#' Stepwise Cox regression as SPSS COXREG or SAS PROC PHREG does it
#'
#' Forward (SPSS `METHOD = FSTEP`) or backward (`METHOD = BSTEP`) stepwise
#' selection of the terms of a Cox model, with the rules of SPSS COXREG:
#' entry by the score statistic, removal by the Wald, likelihood-ratio or
#' conditional statistic, factors entering and leaving as blocks, and one
#' complete-case analysis set for the whole run. With `style = "sas"`, the
#' rules of SAS/STAT PROC PHREG `SELECTION = FORWARD`, `BACKWARD` or
#' `STEPWISE` instead.
#'
#' @details
#' **Styles.** `style` chooses whose rules the run follows; `direction`
#' names the vendor's method:
#'
#' | `style` | `direction` | vendor method | enters | removes |
#' |---|---|---|---|---|
#' | `"spss"` | `"forward"` | SPSS COXREG `METHOD = FSTEP` | yes | yes, after each entry |
#' | `"spss"` | `"backward"` | SPSS COXREG `METHOD = BSTEP` | yes | yes (starts from all terms) |
#' | `"sas"` | `"forward"` | SAS PHREG `SELECTION = FORWARD` | yes | never |
#' | `"sas"` | `"backward"` | SAS PHREG `SELECTION = BACKWARD` | never | yes (starts from all terms) |
#' | `"sas"` | `"stepwise"` | SAS PHREG `SELECTION = STEPWISE` | yes | yes, after each entry |
#'
#' and the options map as
#'
#' | survstep | SPSS COXREG | SAS PHREG |
#' |---|---|---|
#' | `p_enter` | `CRITERIA = PIN` (0.05) | `SLENTRY=` (0.05) |
#' | `p_remove` | `CRITERIA = POUT` (0.10) | `SLSTAY=` (0.05) |
#' | `removal` | `FSTEP(WALD / LR / COND)` | Wald only |
#' | `include` | terms entered with `METHOD = ENTER` first | `INCLUDE=` |
#' | `start` | -- | `START=` |
#' | `max_steps` | -- | `MAXSTEP=` |
#' | `ties = "breslow"` | (always Breslow) | `TIES = BRESLOW` (PHREG's default) |
#'
#' `direction = "stepwise"` is SAS's; with `style = "spss"` it is an error
#' (FSTEP already removes). An option SAS has no equivalent for
#' (`removal = "lr"` or `"conditional"`) is an error with `style = "sas"`
#' (class `survstep_error_style`). `start` and `max_steps` work with both
#' styles.
#'
#' **SAS rules** (`style = "sas"`), as the PHREG documentation describes
#' them: entry by the score chi-square of each effect not in the model,
#' the effect with the *largest* statistic entering when it is significant
#' at `p_enter`; removal by the Wald chi-square, the effect with the
#' *smallest* statistic leaving when it is not significant at `p_remove`.
#' Blocks are compared by their statistic, not their p-value (this matters
#' only between effects with different degrees of freedom, such as a factor
#' and a numeric covariate), as the SAS/STAT 12.3 documentation words it
#' ("the effect with the largest score statistic is added"); later editions
#' say the most significant effect is added, which would compare by
#' p-value. `SELECTION = FORWARD` never removes and
#' `BACKWARD` never re-enters a removed effect. `STEPWISE` removes after
#' every entry until every effect stays, and stops when the effect just
#' entered is the first one removed after its entry (that removal is made,
#' so the final model is the one before that entry): this is how SAS avoids
#' an endless cycle when `p_enter > p_remove`, which `style = "sas"`
#' allows. A move back to a model visited before is also refused, as in
#' the SPSS rules. No PHREG selection output was available to check these
#' rules against; `vignette("methods", package = "survstep")` lists which
#' of them were read in the documentation and which are a reconstruction. `ties` keeps its default (`"efron"`); PHREG's default is
#' `TIES = BRESLOW`, so give `ties = "breslow"` to reproduce a PHREG run.
#' PHREG's convergence rule differs from survival's: add
#' `control = cox_control(convergence = "sas")` to stop every fit where
#' PHREG stops (otherwise the statistics agree to about 4 decimals, which
#' can change a decision only at a p-value on the boundary).
#'
#' **Starting model.** `include` terms are in every model and never removed
#' (SAS `INCLUDE=`). `start` terms are in the first model (together with
#' `include`) but may be removed like any other (SAS `START=`); when `start`
#' is given, backward selection also starts from those terms instead of all
#' of them. Every run that removes checks the starting model for removal
#' before the first entry (the SAS documentation does not say whether
#' `SELECTION = STEPWISE` does this with `START=`). `max_steps` stops the run after that many entries and removals
#' (SAS `MAXSTEP=`; `NULL`, the default, means no limit).
#'
#' **Analysis set.** Rows with a missing value in the response, the weights,
#' a `strata()` variable or *any* term of `formula` are deleted once, before
#' the first step (as SPSS does), so that every model in the run is fitted to
#' the same cases and their likelihoods are comparable. `n`, `nevent` and
#' `n_dropped` report the analysis set.
#'
#' **Terms.** Every term of `formula` other than `strata()` and `offset()` is
#' a candidate. A factor (or any term that contributes several columns, such
#' as `poly(x, 2)` or an interaction) is one block: it enters and leaves as a
#' whole, and blocks with different degrees of freedom are compared by
#' p-value. The design matrix is built once from the full formula (treatment
#' contrasts, as [cox()] codes it), so a term always has the same columns;
#' as in SPSS, hierarchy (main effects before interactions) is not enforced.
#' `strata()` terms stratify every model and are never candidates; they
#' cannot appear in `include` or inside an interaction. `offset()` terms are
#' in every model.
#'
#' **Entry** (score test). At each step, for every candidate E not in the
#' current model M, the score statistic is evaluated at (b_M, 0):
#' \deqn{S_E = U' I^{-1} U}{S_E = U' I^-1 U} over the columns of M and E,
#' which equals `coxph(y ~ M + E, init = c(b_M, 0), iter.max = 0)$score` and,
#' because U_M = 0 at the maximum, \eqn{U_E' (I_{EE} - I_{EM} I_{MM}^{-1}
#' I_{ME})^{-1} U_E}{U_E' (I_EE - I_EM I_MM^-1 I_ME)^-1 U_E}. All candidates'
#' statistics come from one evaluation of the score vector and information
#' matrix over every candidate column (no refit per candidate). The candidate
#' with the smallest p-value enters when p <= `p_enter`. A block that is
#' (wholly or partly) collinear with the model cannot enter.
#'
#' **Removal**, checked after every entry and repeated until nothing
#' qualifies (and, for `"backward"`, from the start): the term with the
#' largest p-value is removed when p >= `p_remove`. Terms in `include` are
#' never removed. The statistics are
#' * `"wald"`: \eqn{b_E' V_{EE}^{-1} b_E}{b_E' V_EE^-1 b_E} (SPSS `WALD`);
#' * `"lr"`: \eqn{2[l(M) - l(M \setminus E)]}{2 [l(M) - l(M without E)]},
#'   refitting the model without E (SPSS `LR`);
#' * `"conditional"`: \eqn{2[l(b_M) - l(\tilde b)]}{2 [l(b_M) - l(b~)]}
#'   where \eqn{\tilde b}{b~} sets \eqn{b_E = 0} and moves the other
#'   coefficients to \eqn{b_K - V_{KE} V_{EE}^{-1} b_E}{b_K - V_KE V_EE^-1 b_E}
#'   (the conditional approximation of Lawless and Singhal, 1978), without a
#'   refit (SPSS `COND`).
#'
#' **Firth's penalized likelihood** (`firth = TRUE`). Every model of the
#' run is fitted by maximizing \eqn{l^*(b) = l(b) + \frac{1}{2}\log|I(b)|}{l*(b) =
#' l(b) + 1/2 log|I(b)|} (Firth 1993; Heinze and Schemper 2001), as
#' [cox()] with `firth = TRUE` does, and the tests are those of the
#' penalized likelihood, as in coxphf (Heinze and Ploner):
#' * entry: the penalized score test of each candidate E at the current
#'   penalized estimate, \eqn{U^{*\top} I^{-1} U^*}{U*' I^-1 U*} at
#'   \eqn{(b^*_M, 0)}{(b*_M, 0)} in the model with E, where
#'   \eqn{U^*}{U*} is the score of the penalized likelihood of that model
#'   (its penalty includes E's columns, so each candidate is evaluated in
#'   its own model) and I the information;
#' * removal (`removal = "lr"`, the default with `firth = TRUE`): the
#'   penalized likelihood-ratio test \eqn{2[l^*(b^*) - l^*(\tilde b)]}{2
#'   [l*(b*) - l*(b~)]}, \eqn{\tilde b}{b~} the penalized maximum of the
#'   same model with E's coefficients held at 0 (the penalty keeps E's
#'   columns, as coxphf's penalized likelihood-ratio tests do);
#'   `removal = "wald"` uses \eqn{b^{*\top}_E V_{EE}^{-1} b^*_E}{b*_E' V_EE^-1
#'   b*_E} with \eqn{V = I(b^*)^{-1}}{V = I(b*)^-1}. There is no penalized
#'   conditional statistic.
#'
#' `loglik` in `steps` is then the penalized log-likelihood (the empty
#' model's is \eqn{l(0)}{l(0)}), and `final` is the Firth fit of the
#' selected terms as [cox()] with `firth = TRUE` gives it, with profile
#' penalized likelihood intervals and tests (printed as "95% profile CI").
#' Firth selection follows the SPSS rules (`style = "spss"`), with Breslow
#' or Efron ties. [cox_stepwise_boot()] and [cox_validate()] re-run the
#' Firth selection in every replicate.
#'
#' **Stopping.** The run stops when no term qualifies for entry or removal,
#' or when the next move would return to a model visited before (that move
#' is not made). Exact p-value ties (for example p-values that underflow to 0
#' in large samples) are broken by the larger Wilson-Hilferty normal deviate
#' of the statistic, then by the order of the terms in `formula`.
#'
#' **SPSS settings.** SPSS COXREG uses Breslow's method for tied times, so
#' use `ties = "breslow"` to reproduce an SPSS analysis.
#'
#' **Inference after selection.** The p-values and confidence intervals of
#' the final model ignore that the model was chosen by looking at the data:
#' they are too small and too narrow (Harrell, 2015, section 4.3). Report
#' them as descriptive, or validate the whole procedure by the bootstrap:
#' [cox_stepwise_boot()] (stability of the selection) and [cox_validate()]
#' (optimism-corrected C and calibration slope).
#'
#' @param formula A formula with a [survival::Surv()] response on the left
#'   (`Surv(time, status)`, or counting-process data
#'   `Surv(start, stop, event)` as in [cox()]) and the candidate terms on
#'   the right; `strata()` terms stratify every model and `offset()` terms
#'   are in every model.
#' @param data A data frame in which to interpret the variables of `formula`,
#'   `subset` and `weights`.
#' @param subset An optional expression selecting the rows of `data` to use.
#' @param weights Optional positive case weights (as in `cox()`).
#' @param na.action A function for missing values; by default
#'   `getOption("na.action")` (usually [stats::na.omit()]), applied once over
#'   all terms.
#' @param direction `"forward"` (start from the `include` terms and enter
#'   candidates: SPSS `FSTEP`, which also removes, or SAS
#'   `SELECTION = FORWARD`, which does not), `"backward"` (start from all
#'   terms and remove: SPSS `BSTEP`, which also re-enters, or SAS
#'   `SELECTION = BACKWARD`, which does not) or, with `style = "sas"`,
#'   `"stepwise"` (SAS `SELECTION = STEPWISE`). See "Styles".
#' @param removal The removal statistic: `"wald"`, `"lr"` (likelihood ratio)
#'   or `"conditional"`. `style = "sas"` removes by the Wald statistic only.
#' @param p_enter Significance level for entry (SPSS `PIN`, SAS `SLENTRY`);
#'   by default (`NULL`) 0.05.
#' @param p_remove Significance level for removal (SPSS `POUT`, SAS
#'   `SLSTAY`); by default (`NULL`) 0.10 for `style = "spss"`, where it
#'   must be at least `p_enter`, and 0.05 for `style = "sas"`.
#' @param include Terms forced into every model and never removed: a
#'   character vector of term labels (as in `attr(terms(formula),
#'   "term.labels")`, e.g. `"age"` or `"factor(ph.ecog)"`) or a one-sided
#'   formula such as `~ age + sex`.
#' @param ties Method for tied event times: `"efron"` (as [survival::coxph()]),
#'   `"breslow"` (as SPSS) or `"exact"` (the discrete exact partial
#'   likelihood, SAS `TIES=DISCRETE`) or `"exact-marginal"` (SAS
#'   `TIES=EXACT`); see "Tied event times" in [cox_fit()].
#' @param control Iteration settings from [cox_control()], used for every
#'   model fitted during the run and for the final model.
#' @param style Whose selection rules to follow: `"spss"` (SPSS COXREG, the
#'   default) or `"sas"` (SAS/STAT PROC PHREG). See "Styles".
#' @param start Terms in the starting model that may be removed (SAS
#'   `START=`), given like `include`; `NULL` for none. A term can't be in
#'   both `start` and `include`.
#' @param max_steps The largest number of entries and removals (SAS
#'   `MAXSTEP=`), a whole number; `NULL` (the default) for no limit.
#' @param firth If `TRUE`, every model of the selection is fitted by Firth's
#'   penalized likelihood: entry by the penalized score test, removal by the
#'   penalized likelihood-ratio test (or its Wald test with
#'   `removal = "wald"`); see "Firth's penalized likelihood".
#' @return An object of class `survstep_stepwise`, a list with
#' * `steps`: a data frame with one row per step (step 0 is the starting
#'   model): `step`, `action` (`"start"`, `"enter"`, `"remove"`), `term`,
#'   `statistic`, `df`, `p.value`, `test` (`"score"` for entries, the removal
#'   statistic for removals), `loglik` (log partial likelihood of the model
#'   after the step) and `model` (its terms);
#' * `not_in_model`: the "variables not in the equation" table for the final
#'   model: `term`, `statistic` (score), `df`, `p.value`;
#' * `residual`: the residual chi-square, the joint score test of all terms
#'   not in the final model (`statistic`, `df`, `p.value`; `NA` when every
#'   term is in the model);
#' * `final`: the selected model as a [cox()] fit (class `survstep_cox`)
#'   on the analysis set, so that all its methods work: the selection's own
#'   fit of it (no refit; `iter` counts the iterations of that warm-started
#'   fit), with `na.action` the rows left out of the analysis set; its
#'   `call` is the equivalent `cox()` call, restricted to the analysis set
#'   (refitting it gives the same estimates to the convergence tolerance);
#' * `selected`, `include`, `candidates`: term labels;
#' * `n`, `nevent`, `n_dropped`, `na.action`: the analysis set;
#' * `stop_reason`, `style`, `direction`, `removal`, `p_enter`,
#'   `p_remove`, `start`, `max_steps`, `firth`, `ties`, `call`;
#' * `boot_data`: the design, response, weights, offset and strata of the
#'   analysis set, kept so that [cox_stepwise_boot()] and [cox_validate()]
#'   can re-run the selection without the original data.
#'
#' [coef()], [vcov()], [confint()], [logLik()], [nobs()], [predict()],
#' [residuals()], [fitted()], [weights()], [model.frame()], [terms()],
#' [formula()], [anova()], [survival::survfit()], [plot()], [summary()],
#' [tidy()] and [glance()] are passed on to `final`; [update()] re-runs the
#' selection.
#' @references
#' IBM Corp. *IBM SPSS Statistics Algorithms: COXREG*.
#'
#' SAS Institute Inc. *SAS/STAT User's Guide: The PHREG Procedure*,
#' section "Effect Selection Methods" and the MODEL statement options
#' `SELECTION=`, `SLENTRY=`, `SLSTAY=`, `INCLUDE=`, `START=`, `MAXSTEP=`.
#'
#' Firth, D. (1993). Bias reduction of maximum likelihood estimates.
#' *Biometrika* 80, 27-38.
#'
#' Heinze, G. and Schemper, M. (2001). A solution to the problem of
#' monotone likelihood in Cox regression. *Biometrics* 57, 114-119.
#'
#' Heinze, G. and Ploner, M. *coxphf: Cox regression with Firth's
#' penalized likelihood*, R package.
#'
#' Lawless, J. F. and Singhal, K. (1978). Efficient screening of
#' nonnormal regression models. *Biometrics* 34, 318-327.
#'
#' Collett, D. (2015). *Modelling Survival Data in Medical Research*, 3rd ed.,
#' chapter 3. Chapman & Hall/CRC.
#'
#' Harrell, F. E. (2015). *Regression Modeling Strategies*, 2nd ed.,
#' section 4.3. Springer.
#' @seealso [cox_univariable()] for the univariable screen, [cox()],
#'   [cox_stepwise_boot()] and [cox_validate()] for the bootstrap.
#' @examples
#' lung2 <- survival::lung
#' lung2$ph.ecog <- factor(lung2$ph.ecog)
#' fit <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
#'                       wt.loss, data = lung2, ties = "breslow")
#' fit
#' fit$steps
#' coef(fit)
#'
#' # backward selection, likelihood-ratio removal, age always in the model
#' cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss,
#'              data = lung2, direction = "backward", removal = "lr",
#'              include = "age")
#'
#' # SAS PROC PHREG SELECTION = STEPWISE (SLENTRY = SLSTAY = 0.05, Breslow
#' # ties as PHREG), starting from age and wt.loss, at most 6 steps
#' sas <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
#'                       wt.loss, data = lung2, style = "sas",
#'                     direction = "stepwise", ties = "breslow",
#'                     start = ~ age + wt.loss, max_steps = 6)
#' sas
#' sas$steps[, c("step", "action", "term", "statistic", "p.value", "test")]
#'
#' # Firth's penalized likelihood for every model (a small cohort)
#' small <- lung2[1:60, ]
#' fir <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + wt.loss,
#'                     data = small, firth = TRUE, ties = "breslow",
#'                     p_enter = 0.1, p_remove = 0.15)
#' fir
#' confint(fir)
#' @export
cox_stepwise <- function(formula, data, subset, weights, na.action,
                         direction = c("forward", "backward", "stepwise"),
                         removal = c("wald", "lr", "conditional"),
                         p_enter = NULL, p_remove = NULL, include = NULL,
                         ties = c("efron", "breslow", "exact", "exact-marginal"),
                         control = cox_control(), style = c("spss", "sas"),
                         start = NULL, max_steps = NULL, firth = FALSE, ...) {
  call <- match.call()
  check_dots_empty("cox_stepwise", ...)
  style <- sv_match_arg(style, c("spss", "sas"), "style")
  direction <- sv_match_arg(direction, c("forward", "backward", "stepwise"),
                            "direction")
  removal_given <- !missing(removal)
  removal <- sv_match_arg(removal, c("wald", "lr", "conditional"), "removal")
  ties <- sv_match_arg(ties, cox_ties_methods, "ties")
  sw_check_style(style, direction, removal, removal_given, call)
  check_flag(firth, "firth")
  if (firth) {
    cox_check_firth(FALSE, ties, call)
    sw_check_firth(style, removal, removal_given, call)
    if (!removal_given) removal <- "lr"
  }
  rules <- sw_style_rules(style)
  if (is.null(p_enter)) p_enter <- rules$p_enter
  if (is.null(p_remove)) p_remove <- rules$p_remove
  check_number(p_enter, "p_enter", 0, 1, open = c(TRUE, FALSE))
  check_number(p_remove, "p_remove", 0, 1, open = c(TRUE, FALSE))
  if (style == "spss" && p_enter > p_remove) {
    sv_abort(sprintf(paste0(
      "`p_enter` (%s) must not be larger than `p_remove` (%s): a term ",
      "could enter and be removed at once."), format(p_enter),
      format(p_remove)))
  }
  max_steps <- sw_check_max_steps(max_steps, call)
  control <- check_cox_control(control)
  env <- parent.frame()

  mfi <- sv_frame(call, env, design = TRUE, counting = TRUE,
                  positive_weights = "a Cox model")
  des <- sw_design(mfi, call = call)
  include <- sw_include_labels(include, des, call = call)
  start <- sw_include_labels(start, des, call = call, arg = "start")
  if (length(both <- intersect(start, include))) {
    sv_abort(sprintf(paste0(
      "`start` and `include` both name `%s`: `include` terms are forced into ",
      "every model (SAS INCLUDE=), `start` terms begin in the model and may ",
      "be removed (SAS START=); name each term in one of them."), both[1L]),
      call = call)
  }

  forced <- des$labels %in% include
  start_in <- des$labels %in% start
  nev <- as.integer(sum(mfi$y[, ncol(mfi$y)]))
  epv <- c(events = nev, df = ncol(des$x),
           epv = if (ncol(des$x) > 0L) nev / ncol(des$x) else NA_real_)
  cox_warn_epv(nev, ncol(des$x), "stepwise", firth, call)
  res <- sw_run(mfi, des, forced = forced, direction = direction,
                removal = removal, p_enter = p_enter, p_remove = p_remove,
                ties = ties, control = control, style = style,
                start = start_in, max_steps = max_steps, firth = firth)

  labels <- des$labels
  term_or_na <- function(i) labels[ifelse(i < 0L, NA_integer_, i + 1L)]
  model_text <- vapply(res$models, function(m) {
    if (length(m)) paste(labels[m + 1L], collapse = " + ") else "(no terms)"
  }, "")
  action <- c("start", "enter", "remove")[res$steps$action + 1L]
  steps <- data.frame(
    step = res$steps$step,
    action = action,
    term = term_or_na(res$steps$term),
    statistic = ifelse(action == "start", NA_real_, res$steps$statistic),
    df = ifelse(action == "start", NA_integer_, res$steps$df),
    p.value = ifelse(action == "start", NA_real_, res$steps$p_value),
    test = ifelse(action == "start", NA_character_,
                  ifelse(action == "enter", "score", removal)),
    loglik = res$steps$loglik,
    model = model_text,
    stringsAsFactors = FALSE
  )
  nim <- res$not_in
  not_in_model <- data.frame(
    term = labels[nim$term + 1L],
    statistic = nim$statistic,
    df = nim$df,
    p.value = nim$p_value,
    stringsAsFactors = FALSE
  )
  residual <- data.frame(statistic = res$resid[1L], df = res$resid[2L],
                         p.value = res$resid[3L])
  selected <- labels[res$model + 1L]

  sw_fit_warnings(res, direction, call = call)

  final_call <- sw_final_call(call, env, mfi, des, selected, ties, firth)
  final <- sw_final_fit(res, mfi, des, selected, final_call, ties, control,
                        call = call, firth = firth)

  stop_reason <- sw_stop_reasons[res$stop + 1L]

  structure(
    list(
      steps = steps,
      not_in_model = not_in_model,
      residual = residual,
      final = final,
      selected = selected,
      include = include,
      candidates = setdiff(labels, include),
      n = mfi$n,
      nevent = nev,
      epv = epv,
      n_dropped = mfi$n_dropped,
      na.action = mfi$na.action,
      stop_reason = stop_reason,
      style = style,
      direction = direction,
      removal = removal,
      start = start,
      max_steps = max_steps,
      firth = firth,
      p_enter = p_enter,
      p_remove = p_remove,
      ties = ties,
      call = call,
      boot_data = sw_boot_data(mfi, des, forced, start_in)
    ),
    class = "survstep_stepwise"
  )
}

# Design ----------------------------------------------------------------------

# The candidate design: the design matrix cox() would build for the full
# formula (intercept dropped, so factors get treatment contrasts as coxph
# codes them), and the 0-based columns of every non-strata term.
sw_design <- function(mfi, call, what = "stepwise") {
  tt <- mfi$terms
  labels <- attr(tt, "term.labels")
  st_terms <- mfi$strata_terms
  fac <- attr(tt, "factors")
  st_vars <- attr(tt, "specials")$strata
  if (length(st_vars) && length(fac)) {
    # strata() inside an interaction: not a stratification, not a candidate
    in_inter <- colSums(fac[st_vars, , drop = FALSE] != 0) > 0 &
      !(seq_along(labels) %in% st_terms)
    if (any(in_inter)) {
      sv_abort(sprintf(paste0(
        "Can't use `strata()` inside the term `%s` as a %s: ",
        "`strata()` terms stratify every model%s."),
        labels[which(in_inter)[1L]],
        switch(what, stepwise = "stepwise candidate",
               `best subsets` = "best-subsets candidate", "univariable term"),
        if (what == "univariable") "" else " and are never selected"),
        call = call)
    }
  }
  cl_terms <- mfi$cluster_terms
  x_labels <- labels[setdiff(seq_along(labels), c(st_terms, cl_terms))]
  if (!length(x_labels)) {
    sv_abort(paste0("`formula` has no covariate terms: give at least one ",
                    "covariate besides `strata()` and `offset()` on its ",
                    "right-hand side."), call = call)
  }
  if (mfi$n == 0L) cox_abort_no_rows(mfi, call)
  sw_check_events(mfi, call = call)
  cox_check_frame(mfi, call, strata_inter = FALSE)
  term_cols <- lapply(x_labels, function(l) as.integer(mfi$assign[[l]]) - 1L)
  list(x = sv_frame_matrix(mfi), labels = x_labels, term_cols = term_cols,
       term_of_col = mfi$term_of_col, terms = tt,
       strata_labels = labels[c(st_terms, cl_terms)])
}

sw_include_labels <- function(include, des, call, arg = "include") {
  if (is.null(include)) return(character())
  if (inherits(include, "formula")) {
    if (length(include) != 2L) {
      sv_abort(sprintf(paste0("`%s` must be a character vector of term labels ",
                      "or a one-sided formula such as `~ age + sex`, not a ",
                      "two-sided formula."), arg), call = call)
    }
    inc <- attr(stats::terms(include, specials = "strata"), "term.labels")
  } else if (is.character(include) && !anyNA(include)) {
    inc <- include
  } else {
    sv_abort(sprintf(paste0(
      "`%s` must be a character vector of term labels or a one-sided ",
      "formula such as `~ age + sex`, not %s."), arg, sv_obj_type(include)),
      call = call)
  }
  inc <- unique(gsub("[[:space:]]+", "", inc))
  norm <- function(x) gsub("[[:space:]]+", "", x)
  is_strata <- grepl("^strata\\(", inc)
  if (any(is_strata)) {
    sv_abort(sprintf(paste0(
      "`%s` can't name `%s`: `strata()` terms stratify every model and ",
      "are never selected or forced."), arg, inc[is_strata][1L]), call = call)
  }
  pos <- match(inc, norm(des$labels))
  if (anyNA(pos)) {
    bad <- inc[is.na(pos)]
    sv_abort(c(sprintf(
      "`%s` names %s not in `formula`: %s.", arg,
      if (length(bad) == 1L) "a term" else "terms",
      paste0("`", bad, "`", collapse = ", ")),
      sprintf("The terms of `formula` are: %s.",
              paste0("`", des$labels, "`", collapse = ", "))), call = call)
  }
  des$labels[sort(pos)]
}

# Styles ----------------------------------------------------------------------

# The rules of each vendor style: default significance levels and how
# blocks are compared (vignettes/methods.Rmd, "Stepwise selection").
sw_style_rules <- function(style) {
  switch(style,
    spss = list(p_enter = 0.05, p_remove = 0.10, compare = "p-value"),
    sas = list(p_enter = 0.05, p_remove = 0.05, compare = "chi-square"))
}

# Why the run stopped, by the engine's StepStop code (stepwise.hpp).
sw_stop_reasons <- c(
  "no term met the entry criterion",
  "every candidate term is in the model",
  "the next step would repeat an earlier model",
  "the starting model is singular",
  "the term just entered was removed at the next backward step",
  "the step limit (`max_steps`) was reached",
  "no term in the model met the removal criterion"
)

# Options one style has no equivalent for: classed errors.
sw_check_style <- function(style, direction, removal, removal_given, call) {
  if (style == "spss" && direction == "stepwise") {
    sv_abort(c(paste0(
      "`direction = \"stepwise\"` is a SAS PHREG method (SELECTION=STEPWISE); ",
      "use it with `style = \"sas\"`."),
      paste0("With `style = \"spss\"`, `direction = \"forward\"` is SPSS ",
             "FSTEP, which already removes terms after each entry.")),
      class = c("survstep_error_style", "survstep_error_input"), call = call)
  }
  if (style == "sas" && removal_given && removal != "wald") {
    sv_abort(c(sprintf(paste0(
      "`removal = \"%s\"` has no SAS PHREG equivalent: PHREG removes by ",
      "the Wald chi-square."), removal),
      paste0("Use `removal = \"wald\"` (the default) with `style = \"sas\"`, ",
             "or `style = \"spss\"` for likelihood-ratio or conditional ",
             "removal.")),
      class = c("survstep_error_style", "survstep_error_input"), call = call)
  }
  invisible()
}

# Firth's penalized likelihood: SPSS-style rules, penalized score entry,
# penalized LR (default) or Wald removal.
sw_check_firth <- function(style, removal, removal_given, call) {
  if (style == "sas") {
    sv_abort(c(paste0("`firth = TRUE` is not implemented with ",
                      "`style = \"sas\"`."),
               "Use `style = \"spss\"` (the default) for a Firth-penalized selection."),
             class = c("survstep_error_not_implemented",
                       "survstep_error_firth", "survstep_error_input"),
             call = call)
  }
  if (removal == "conditional") {
    sv_abort(paste0("`removal = \"conditional\"` has no Firth-penalized ",
                    "version: use `removal = \"lr\"` (the default with ",
                    "`firth = TRUE`) or `\"wald\"`."),
             class = c("survstep_error_firth", "survstep_error_input"),
             call = call)
  }
  invisible()
}

sw_check_max_steps <- function(max_steps, call) {
  if (is.null(max_steps)) return(NULL)
  ok <- is.numeric(max_steps) && length(max_steps) == 1L &&
    !is.na(max_steps) && max_steps >= 0 && max_steps == round(max_steps) &&
    max_steps < .Machine$integer.max
  if (!ok) {
    sv_abort(sprintf(paste0("`max_steps` must be `NULL` or a single whole ",
                            "number >= 0, not %s."), sv_obj_type(max_steps)),
             call = call)
  }
  as.integer(max_steps)
}

sw_check_events <- function(mfi, call) {
  if (!mfi$n) {
    sv_abort(paste0("Can't fit a Cox model: no observation is complete in ",
                    "the response and all terms of `formula`."), call = call)
  }
  status <- mfi$y[, ncol(mfi$y)]
  w <- if (is.null(mfi$weights)) 1 else mfi$weights
  if (!any(status == 1 & w > 0)) {
    sv_abort(sprintf(paste0(
      "Can't fit a Cox model: there are no events among the %d analysed ",
      "observations."), mfi$n), call = call)
  }
  invisible()
}

# The final model as a cox() fit, from the selection's own fit of it
# (res$final: coefficients, variance, log-likelihood and the rest computed
# by the C++ run in the shape of cox_fit(); no refit): the columns of the
# selected terms in the full design, the terms object of the selected terms
# (with the full frame's predvars and dataClasses, so that predict() codes
# new data as the frame did), and `final_call`, the equivalent cox() call on
# the analysis set (for update() and model.frame()).
sw_final_fit <- function(res, mfi, des, selected, final_call, ties, control,
                         call, firth = FALSE) {
  cols <- res$cols + 1L
  cn <- colnames(des$x)[cols]
  toc <- des$term_of_col[cols]
  assign <- split(seq_along(cols), factor(toc, levels = unique(toc)))
  if (firth) {
    # the Firth fit of the selected terms with its profile penalized
    # likelihood inference, as cox(firth = TRUE) gives it
    x <- des$x[, cols, drop = FALSE]
    fit <- cox_engine(x, mfi$y, mfi$strata, mfi$weights, mfi$offset, NULL,
                      ties, control, terms_of_cols = toc, call = call,
                      firth = TRUE)
    fit <- cox_firth_inference(
      fit, list(x = x, y = mfi$y, strata = mfi$strata, weights = mfi$weights,
                offset = mfi$offset), assign, ties, control)
  } else {
    cox_signal_status(res$final, mfi$n, ncol(mfi$y) == 3L,
                      cox_col_labels(cn, toc), control, mfi$weights,
                      mfi$offset, NULL, call)
    fit <- cox_engine_result(res$final, cn, length(cols), ties, mfi$n)
  }
  tt_full <- mfi$terms
  tt <- sw_final_terms(tt_full, final_call$formula)
  sw_check_coding(tt_full, tt, selected, call)
  contr <- mfi$contrasts
  if (!is.null(contr)) {
    contr <- contr[names(contr) %in% rownames(attr(tt, "factors"))]
    if (!length(contr)) contr <- NULL
  }
  fit$call <- final_call
  fit$formula <- stats::formula(tt)
  fit$terms <- tt
  fit$assign <- assign
  fit$xlevels <- if (is.null(mfi$mf)) {
    stats::setNames(list(), character(0))
  } else {
    stats::.getXlevels(tt, mfi$mf)
  }
  fit$contrasts <- contr
  fit$na.action <- mfi$na.action
  fit$offset_mean <- if (is.null(mfi$offset)) 0 else mean(mfi$offset)
  fit$control <- control
  fit$firth <- firth
  if (!is.null(mfi$weights)) fit$weights <- mfi$weights
  fit$y <- structure(mfi$y, type = if (ncol(mfi$y) == 2L) "right" else
    "counting", class = "Surv")
  class(fit) <- "survstep_cox"
  fit
}

# The terms object of the final formula, with the predvars and dataClasses
# of the same variables in the full frame's terms (so that poly(), ns() and
# the like are evaluated on new data as in the frame).
sw_final_terms <- function(tt_full, form) {
  tt <- stats::terms(form, specials = "strata")
  vars_of <- function(t) {
    vapply(as.list(attr(t, "variables"))[-1L], deparse1, "")
  }
  idx <- match(vars_of(tt), vars_of(tt_full))
  pv <- attr(tt_full, "predvars")
  if (!is.null(pv) && !anyNA(idx)) {
    attr(tt, "predvars") <- as.call(c(quote(list), as.list(pv)[-1L][idx]))
  }
  dc <- attr(tt_full, "dataClasses")
  if (!is.null(dc) && !anyNA(idx)) attr(tt, "dataClasses") <- dc[idx]
  tt
}

# A selected term that model.matrix() codes differently in the final formula
# than in the full one (an interaction selected without its main effects:
# its "factors" entries change between contrasts and full dummy coding).
sw_check_coding <- function(tt_full, tt, selected, call) {
  if (!length(selected)) return(invisible())
  ff <- attr(tt_full, "factors")
  fr <- attr(tt, "factors")
  rows <- rownames(fr)
  same <- identical(unname(ff[rows, selected, drop = FALSE]),
                    unname(fr[rows, selected, drop = FALSE]))
  if (!same) {
    sv_warn(paste0(
      "A selected term is coded differently without the terms that were ",
      "not selected (an interaction without its main effects?): the final ",
      "model keeps the coding of the full formula, which `update()` and ",
      "`predict()` on new data do not reproduce."),
      class = "survstep_warning_coding", call = call)
  }
  invisible()
}

# The call of the final model: cox() on the selected terms (plus strata and
# offsets), restricted to the stepwise analysis set by adding the complete
# cases of the variables of the terms that were not selected to `subset`.
sw_final_call <- function(call, env, mfi, des, selected, ties,
                          firth = FALSE) {
  tt <- mfi$terms
  vars <- attr(tt, "variables")[-1L]
  var_text <- vapply(as.list(vars), function(v) paste(deparse(v), collapse = ""), "")
  fac <- attr(tt, "factors")
  off <- attr(tt, "offset")
  rhs <- c(selected, des$strata_labels, var_text[off])
  lhs <- tt[[2L]]
  form <- if (length(rhs)) {
    stats::reformulate(rhs, response = lhs)
  } else {
    stats::as.formula(call("~", lhs, 1))
  }
  environment(form) <- environment(stats::formula(tt))
  attributes(form) <- attributes(form)[c("class", ".Environment")]

  # variables used only by terms that were not selected
  used <- function(labs) {
    if (!length(labs)) return(character())
    rownames(fac)[rowSums(fac[, labs, drop = FALSE] != 0) > 0]
  }
  dropped_vars <- setdiff(used(setdiff(des$labels, selected)),
                          c(used(c(selected, des$strata_labels)),
                            var_text[off]))
  new <- call
  new[[1L]] <- quote(cox)
  new$formula <- form
  keep <- c("", "formula", "data", "subset", "weights", "na.action")
  new <- new[names(new) %in% keep | seq_along(new) == 1L]
  if (length(dropped_vars)) {
    cc <- as.call(c(quote(stats::complete.cases),
                    lapply(dropped_vars, str2lang)))
    if (is.null(call$subset)) {
      new$subset <- cc
    } else if (sw_subset_is_logical(call, env)) {
      new$subset <- call("&", call("(", call$subset), cc)
    } else {
      # row numbers (positive or negative) as a logical vector
      rows <- call("replace", call("logical", call("length", cc)),
                   call$subset, TRUE)
      new$subset <- call("&", rows, cc)
    }
  }
  new$ties <- ties
  new$control <- call$control
  if (firth) new$firth <- TRUE
  new
}

sw_subset_is_logical <- function(call, env) {
  data <- if (is.null(call$data)) NULL else eval(call$data, env)
  val <- if (is.null(data)) eval(call$subset, env) else
    eval(call$subset, data, env)
  is.logical(val)
}

# Statistical problems met during the run, as classed warnings.
sw_fit_warnings <- function(res, direction, call) {
  st <- res$fit_status
  if (bitwAnd(st, 1L)) {
    sv_warn(paste0("At least one model fitted during the stepwise run did ",
                   "not converge; see `$final` and consider `cox_control()`."),
            class = "survstep_warning_convergence", call = call)
  }
  if (bitwAnd(st, 4L)) {
    sv_warn(paste0("At least one model fitted during the stepwise run has ",
                   "a coefficient that may be infinite (monotone ",
                   "likelihood); its Wald statistics are unreliable."),
            class = "survstep_warning_infinite_coef", call = call)
  }
  if (res$stop == 3L) {
    sv_warn(paste0("Backward selection stopped at once: the model with all ",
                   "terms has collinear (aliased) columns. Remove the ",
                   "redundant terms or use `direction = \"forward\"`."),
            class = "survstep_warning_singular", call = call)
  }
  invisible()
}

# Methods -----------------------------------------------------------------------

sw_fmt_p <- function(p) {
  out <- ifelse(is.na(p), "", ifelse(p < 0.001, "<0.001",
                                     formatC(p, format = "f", digits = 3)))
  out
}

sw_fmt_num <- function(x, digits = 3) {
  ifelse(is.na(x), "", formatC(x, format = "f", digits = digits))
}

sw_print_table <- function(df, right = TRUE) {
  df[] <- lapply(df, function(v) {
    v <- as.character(v)
    v[is.na(v)] <- ""
    v
  })
  print(df, right = right, row.names = FALSE)
}

#' @rdname cox_stepwise
#' @param x,object A `survstep_stepwise` object.
#' @param digits Number of decimal places for statistics and coefficients.
#' @param ... `cox_stepwise()`: must be empty (a misspelled or unknown
#'   argument is an error of class `survstep_error_unused_argument`).
#'   Methods: passed on to the method for `final` (`summary()`, `coef()`,
#'   `predict()`, ...); ignored by `print()`.
#' @export
print.survstep_stepwise <- function(x, digits = 3, ...) {
  style <- if (is.null(x$style)) "spss" else x$style
  cat("Stepwise Cox regression: ", sw_describe_method(style, x$direction),
      "\n", sep = "")
  cat(sw_describe_rules(x), "\n", sep = "")
  if (isTRUE(x$firth)) {
    cat("Firth's penalized likelihood (Heinze & Schemper 2001) for every ",
        "model: penalized\nscore test for entry, penalized ",
        if (x$removal == "lr") "likelihood-ratio" else "Wald",
        " test for removal.\n", sep = "")
  }
  cat(sprintf("Ties: %s.  n = %d, events = %d",
              cox_ties_label(x$ties),
              x$n, x$nevent))
  if (x$n_dropped > 0) {
    cat(sprintf(" (%d observation%s deleted due to missing values)",
                x$n_dropped, if (x$n_dropped == 1) "" else "s"))
  }
  cat(".\n")
  if (!is.null(x$epv) && !is.na(x$epv[["epv"]])) {
    cat(sprintf("Events per candidate degree of freedom: %s (%d df).\n",
                format(round(x$epv[["epv"]], 1), nsmall = 1),
                as.integer(x$epv[["df"]])))
  }
  if (length(x$include)) {
    cat("Forced into every model: ", paste(x$include, collapse = ", "),
        ".\n", sep = "")
  }
  if (length(x$start)) {
    cat("In the starting model (removable): ",
        paste(x$start, collapse = ", "), ".\n", sep = "")
  }

  cat("\nStep summary\n")
  st <- x$steps
  tab <- data.frame(
    Step = st$step,
    Action = st$action,
    Term = ifelse(is.na(st$term), "", st$term),
    Test = ifelse(is.na(st$test), "", st$test),
    `Chi-square` = sw_fmt_num(st$statistic, digits),
    df = ifelse(is.na(st$df), "", st$df),
    Sig. = sw_fmt_p(st$p.value),
    `-2 Log Lik` = sw_fmt_num(-2 * st$loglik, digits),
    check.names = FALSE, stringsAsFactors = FALSE
  )
  # (penalized log-likelihoods of a Firth run; the empty model's is l(0))
  if (isTRUE(x$firth)) names(tab)[names(tab) == "-2 Log Lik"] <- "-2 Log PL"

  sw_print_table(tab)
  cat("Stopped: ", x$stop_reason, ".\n", sep = "")

  cat("\nVariables in the Equation\n")
  vin <- sw_in_equation(x$final, conf_level = 0.95)
  if (is.null(vin)) {
    cat("  (no terms in the final model)\n")
  } else {
    vtab <- data.frame(
      ` ` = vin$label,
      B = sw_fmt_num(vin$estimate, digits),
      SE = sw_fmt_num(vin$std.error, digits),
      Wald = sw_fmt_num(vin$wald, digits),
      df = vin$df,
      Sig. = sw_fmt_p(vin$p.value),
      `Exp(B)` = sw_fmt_num(exp(vin$estimate), digits),
      `95% CI` = ifelse(is.na(vin$estimate), "", paste0(
        sw_fmt_num(vin$conf.low, digits), "-",
        sw_fmt_num(vin$conf.high, digits))),
      check.names = FALSE, stringsAsFactors = FALSE
    )
    vtab$df[is.na(vtab$df)] <- ""
    names(vtab)[1L] <- ""
    if (isTRUE(x$firth)) names(vtab)[names(vtab) == "95% CI"] <- "95% profile CI"
    sw_print_table(vtab)
  }

  cat("\nVariables not in the Equation\n")
  nim <- x$not_in_model
  if (!nrow(nim)) {
    cat("  (every term is in the model)\n")
  } else {
    ntab <- data.frame(
      ` ` = nim$term,
      Score = sw_fmt_num(nim$statistic, digits),
      df = nim$df,
      Sig. = sw_fmt_p(nim$p.value),
      check.names = FALSE, stringsAsFactors = FALSE
    )
    names(ntab)[1L] <- ""
    sw_print_table(ntab)
    r <- x$residual
    cat(sprintf("Residual Chi Square = %s with %d df, Sig. = %s\n",
                sw_fmt_num(r$statistic, digits), as.integer(r$df),
                sw_fmt_p(r$p.value)))
  }
  cat(paste0("\nNote: the p-values and confidence intervals above ignore ",
             "that the model was\nselected from the data; they are too ",
             "small and too narrow (optimistic).\n"))
  invisible(x)
}

# The vendor procedure a style and direction reproduce.
sw_describe_method <- function(style, direction) {
  if (style == "sas") {
    sprintf("SAS PROC PHREG SELECTION = %s", toupper(direction))
  } else if (direction == "forward") {
    "Forward stepwise (SPSS METHOD = FSTEP)"
  } else {
    "Backward stepwise (SPSS METHOD = BSTEP)"
  }
}

# The entry, removal and comparison rules of a run, one line.
sw_describe_rules <- function(x) {
  style <- if (is.null(x$style)) "spss" else x$style
  rem <- c(wald = "Wald", lr = "likelihood ratio (LR)",
           conditional = "conditional (COND)")[[x$removal]]
  enters <- !(style == "sas" && x$direction == "backward")
  removes <- !(style == "sas" && x$direction == "forward")
  if (style == "sas") {
    lab <- c(
      if (enters) sprintf("Entry: largest score chi-square, p <= %s (SLENTRY)",
                          format(x$p_enter)),
      if (removes) sprintf("Removal: smallest Wald chi-square, p >= %s (SLSTAY)",
                           format(x$p_remove)))
    out <- paste0(paste(lab, collapse = ".\n"), ".")
    if (x$direction == "stepwise") {
      out <- paste0(out, "\nStops when the term just entered is removed.")
    }
  } else {
    out <- sprintf("Entry: score test p <= %s.  Removal: %s test p >= %s.",
                   format(x$p_enter), rem, format(x$p_remove))
  }
  if (!is.null(x$max_steps)) {
    out <- paste0(out, sprintf("\nAt most %d steps (MAXSTEP).", x$max_steps))
  }
  out
}

# SPSS "Variables in the Equation": one row per coefficient, plus a block row
# (multi-df Wald test) above the coefficients of a multi-column term.
sw_in_equation <- function(fit, conf_level = 0.95) {
  b <- stats::coef(fit)
  if (!length(b)) return(NULL)
  v <- stats::vcov(fit)
  se <- sqrt(diag(v))
  z <- stats::qnorm((1 + conf_level) / 2)
  # a Firth fit: its profile penalized likelihood intervals
  prof <- isTRUE(fit$firth) && !is.null(fit$profile) &&
    isTRUE(all.equal(fit$profile$level, conf_level))
  assign <- sw_assign(fit, names(b))
  rows <- list()
  for (lab in unique(assign)) {
    idx <- which(assign == lab)
    if (length(idx) > 1L) {
      ok <- idx[!is.na(b[idx])]
      w <- if (length(ok)) {
        drop(t(b[ok]) %*% solve(v[ok, ok, drop = FALSE], b[ok]))
      } else NA_real_
      rows[[length(rows) + 1L]] <- data.frame(
        label = lab, estimate = NA_real_, std.error = NA_real_, wald = w,
        df = length(ok), p.value = stats::pchisq(w, length(ok),
                                                 lower.tail = FALSE),
        conf.low = NA_real_, conf.high = NA_real_, stringsAsFactors = FALSE)
    }
    for (j in idx) {
      rows[[length(rows) + 1L]] <- data.frame(
        label = if (length(idx) > 1L) paste0("  ", names(b)[j]) else names(b)[j],
        estimate = unname(b[j]), std.error = unname(se[j]),
        wald = unname((b[j] / se[j])^2), df = 1L,
        p.value = stats::pchisq(unname((b[j] / se[j])^2), 1,
                                lower.tail = FALSE),
        conf.low = unname(exp(if (prof) fit$profile$lower[j] else
          b[j] - z * se[j])),
        conf.high = unname(exp(if (prof) fit$profile$upper[j] else
          b[j] + z * se[j])),
        stringsAsFactors = FALSE)
    }
  }
  do.call(rbind, rows)
}

# Observations and events (unweighted) per level of the factor `lab` from
# its treatment-contrast columns lab<level> of the design `x` (the
# reference level: the rows where all are 0); NULL for other terms.
# The shape of cox_forest_level_counts(): list(n = , events = ), named by
# level.
sw_level_counts <- function(x, y, lab, levels) {
  if (is.null(levels)) return(NULL)
  cols <- paste0(lab, levels)
  have <- cols %in% colnames(x)
  if (sum(!have) != 1L || !all(colnames(x) %in% cols)) return(NULL)
  ind <- x[, cols[have], drop = FALSE]
  if (any(ind != 0 & ind != 1)) return(NULL)
  status <- y[, ncol(y)]
  in_level <- lapply(seq_along(levels), function(j) {
    if (have[j]) ind[, cols[j]] == 1 else rowSums(ind) == 0
  })
  n <- vapply(in_level, sum, numeric(1))
  ev <- vapply(in_level, function(r) sum(status[r]), numeric(1))
  list(n = stats::setNames(n, levels), events = stats::setNames(ev, levels))
}

# Term label of each coefficient of a fit with terms.
sw_assign <- function(fit, coef_names) {
  tt <- stats::terms(fit)
  labs <- attr(tt, "term.labels")
  st <- attr(tt, "specials")$strata
  mm_assign <- fit$assign
  if (is.list(mm_assign)) {
    out <- rep(NA_character_, length(coef_names))
    for (nm in names(mm_assign)) out[mm_assign[[nm]]] <- nm
    return(out)
  }
  # fall back: match coefficient names against term labels
  vapply(coef_names, function(cn) {
    hit <- labs[startsWith(cn, labs)]
    if (length(hit)) hit[which.max(nchar(hit))] else cn
  }, "", USE.NAMES = FALSE)
}

#' @rdname cox_stepwise
#' @export
summary.survstep_stepwise <- function(object, ...) {
  summary(object$final, ...)
}

#' @rdname cox_stepwise
#' @export
coef.survstep_stepwise <- function(object, ...) stats::coef(object$final, ...)

#' @rdname cox_stepwise
#' @export
vcov.survstep_stepwise <- function(object, ...) stats::vcov(object$final, ...)

#' @rdname cox_stepwise
#' @param parm,level As in [stats::confint()].
#' @export
confint.survstep_stepwise <- function(object, parm, level = 0.95, ...) {
  if (missing(parm)) {
    stats::confint(object$final, level = level, ...)
  } else {
    stats::confint(object$final, parm = parm, level = level, ...)
  }
}

#' @rdname cox_stepwise
#' @export
logLik.survstep_stepwise <- function(object, ...) stats::logLik(object$final, ...)

#' @rdname cox_stepwise
#' @export
nobs.survstep_stepwise <- function(object, ...) stats::nobs(object$final, ...)

#' @rdname cox_stepwise
#' @export
deviance.survstep_stepwise <- function(object, ...) {
  stats::deviance(object$final, ...)
}

#' @rdname cox_stepwise
#' @export
formula.survstep_stepwise <- function(x, ...) stats::formula(x$final, ...)

#' @rdname cox_stepwise
#' @export
predict.survstep_stepwise <- function(object, ...) {
  stats::predict(object$final, ...)
}

#' @rdname cox_stepwise
#' @export
residuals.survstep_stepwise <- function(object, ...) {
  stats::residuals(object$final, ...)
}

#' @rdname cox_stepwise
#' @export
fitted.survstep_stepwise <- function(object, ...) stats::fitted(object$final, ...)

#' @rdname cox_stepwise
#' @export
weights.survstep_stepwise <- function(object, ...) stats::weights(object$final, ...)

#' @rdname cox_stepwise
#' @export
model.frame.survstep_stepwise <- function(formula, ...) {
  stats::model.frame(formula$final, ...)
}

#' @rdname cox_stepwise
#' @export
terms.survstep_stepwise <- function(x, ...) stats::terms(x$final, ...)

#' @rdname cox_stepwise
#' @export
anova.survstep_stepwise <- function(object, ...) stats::anova(object$final, ...)

#' @rdname cox_stepwise
#' @export
survfit.survstep_stepwise <- function(formula, ...) survfit(formula$final, ...)

#' @rdname cox_stepwise
#' @param y Unused (the `plot()` generic's second argument).
#' @export
plot.survstep_stepwise <- function(x, y, ...) graphics::plot(x$final, ...)

#' @rdname cox_stepwise
#' @export
tidy.survstep_stepwise <- function(x, ...) generics::tidy(x$final, ...)

#' @rdname cox_stepwise
#' @export
glance.survstep_stepwise <- function(x, ...) generics::glance(x$final, ...)

# Engine ------------------------------------------------------------------------

# What re-running the selection needs (cox_stepwise_boot(), cox_validate()):
# the engine's input for the analysis set, so that the bootstrap does not
# depend on the data still being where the call found them.
sw_boot_data <- function(mfi, des, forced, start) {
  list(x = des$x, y = mfi$y, weights = mfi$weights, offset = mfi$offset,
       strata = mfi$strata, term_cols = des$term_cols, forced = forced,
       start = start, labels = des$labels, term_of_col = des$term_of_col)
}

# One call into the C++ selection loop; `final` in its result is the
# selected model in the shape of cox_fit_cpp()'s result.
sw_run <- function(mfi, des, forced, direction, removal, p_enter, p_remove,
                   ties, control, style = "spss", start = NULL,
                   max_steps = NULL, firth = FALSE) {
  # the engine's conventions (as cox_engine()): a zero offset is none, a
  # non-zero one is centred
  off <- mfi$offset
  if (!is.null(off)) off <- if (all(off == 0)) NULL else off - mean(off)
  if (ties %in% c("exact", "exact-marginal")) {
    cox_check_exact(mfi$y, mfi$strata, mfi$weights, control, sys.call(-1), ties)
  }
  stepwise_cpp(
    x = des$x, y = mfi$y, weights = mfi$weights, offset = off,
    strata = mfi$strata, term_cols = des$term_cols, forced = forced,
    direction = direction, removal = removal,
    p_enter = p_enter, p_remove = p_remove, ties = ties,
    eps = control$eps, iter_max = as.integer(control$iter_max),
    toler_chol = control$toler_chol, toler_inf = control$toler_inf,
    timefix_tol = if (isTRUE(control$timefix)) sqrt(.Machine$double.eps) else 0,
    concordance = TRUE, convergence = cox_control_rule(control),
    tols = cox_control_tols(control), style = style, start = start,
    max_steps = if (is.null(max_steps)) -1L else as.integer(max_steps),
    firth = firth
  )
}

# Univariable screen --------------------------------------------------------------

#' Univariable Cox regression of every term of a formula
#'
#' Fits one Cox model per term of `formula` (each term alone, plus any
#' `strata()` and `offset()` terms) and returns one row per coefficient: the
#' left half of a clinical paper's "Table 3" (univariable hazard ratios next
#' to the multivariable ones from [cox()] or [cox_stepwise()]).
#'
#' By default (`analysis_set = "common"`) every term is fitted on the same
#' analysis set: the rows complete in the response, the weights, the strata
#' and *all* terms of `formula`, which is the set a multivariable model or
#' [cox_stepwise()] on the same formula uses, so that univariable and
#' multivariable estimates are comparable. With `analysis_set =
#' "available"` each term uses every row complete in its own variables (the
#' row counts then differ between terms and are reported per row).
#'
#' A factor with k levels gives k - 1 rows (treatment contrasts against its
#' first level, as [cox()] codes it), each with its own Wald p-value, and a
#' term p-value (`p.value.term`) from one test of all its coefficients:
#' by default the likelihood-ratio test (`term_test = "lr"`); `"score"` gives
#' the score (log-rank type) test and `"wald"` the multi-df Wald test. For a
#' one-column term `p.value.term` is the same test on 1 df (the
#' likelihood-ratio p-value usually differs slightly from the Wald
#' `p.value`).
#'
#' `data` may also be a remote table (a `dplyr::tbl()` on a DBI connection;
#' `vignette("large-data")`): each term is then fitted inside the database as
#' [cox()] does there, on the common analysis set, with the same numbers as
#' in memory; attribute `db` records the queries (`n_queries`,
#' `rows_transferred`, and each term's fit record in `terms`);
#' `level_counts` comes from one `GROUP BY` query per factor term;
#' `firth`, `robust`, `cluster()`, offsets, interactions, `I()` terms and
#' `analysis_set = "available"` are not available (an error of class
#' `survstep_error_not_implemented`). Rows are dropped for missing values of
#' the table's columns; a term whose expression is missing where its columns
#' are not (`log()` of a negative value, say) is not supported. Character
#' columns give factors with their levels in sorted order (as `factor()`
#' orders a character vector), and a database without a logical type (SQLite)
#' stores a logical column as 0/1.
#'
#' @inheritParams cox_stepwise
#' @param conf_level Confidence level of the intervals (default 0.95).
#' @param exponentiate If `TRUE` (the default), `estimate`, `conf.low` and
#'   `conf.high` are hazard ratios; if `FALSE`, log hazard ratios.
#'   `std.error` is always the standard error of the log hazard ratio.
#' @param term_test The test behind `p.value.term`: `"lr"` (likelihood
#'   ratio), `"score"` or `"wald"`.
#' @param analysis_set `"common"` (one complete-case set over all terms) or
#'   `"available"` (each term on the rows complete in its own variables).
#' @param robust Whether the standard errors, intervals, Wald p-values and
#'   the Wald term test use the robust (sandwich) variance, as in [cox()];
#'   by default (`NULL`) `TRUE` when the formula has a `cluster()` term
#'   (which is then not a covariate).
#' @param firth If `TRUE`, each term is fitted by Firth's penalized
#'   likelihood (as [cox()] with `firth = TRUE`): `conf.low` and
#'   `conf.high` are profile penalized likelihood intervals, `p.value` the
#'   penalized likelihood-ratio test of the coefficient and, with
#'   `term_test = "lr"`, `p.value.term` the penalized likelihood-ratio test
#'   of the term (Heinze and Schemper 2001). `std.error` stays the Wald
#'   standard error. Not with a robust variance.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A data frame with one row per coefficient: `term` (the term
#'   label, e.g. `"ph.ecog"`), `level` (the factor level or column suffix,
#'   `NA` for a numeric covariate), `n` and `events` (observations and
#'   events in the fit), `estimate`, `std.error`, `conf.low`, `conf.high`,
#'   `p.value` (Wald z test of the coefficient) and `p.value.term` (the
#'   `term_test` of the whole term). Attributes `conf_level`,
#'   `exponentiate`, `term_test`, `analysis_set`, `firth` and `n_dropped`
#'   record the settings, `epv` the events per candidate degree of freedom
#'   (events, total df of all terms, their ratio; below 10 a warning of
#'   class `survstep_warning_low_epv`), `xlevels` the levels of the factors
#'   and `level_counts` the observations and events per level of each
#'   factor (`list(n, events)`, named by level, reference level included).
#'   Class
#'   `c("survstep_univariable", "data.frame")`: `plot()` draws a forest plot
#'   ([plot.survstep_cox()]).
#' @seealso [cox_stepwise()], [cox()].
#' @references Hosmer DW, Lemeshow S, May S (2008). *Applied Survival
#'   Analysis*, 2nd ed. Wiley, chapter 5 (purposeful selection).
#'
#'   Therneau TM, Grambsch PM (2000). *Modeling Survival Data: Extending the
#'   Cox Model*. Springer, section 3.4.
#' @examples
#' lung2 <- survival::lung
#' lung2$ph.ecog <- factor(lung2$ph.ecog)
#' cox_univariable(Surv(time, status) ~ age + sex + ph.ecog + wt.loss,
#'                 data = lung2)
#' # log hazard ratios, Breslow ties as SPSS, each term on its own rows
#' cox_univariable(Surv(time, status) ~ age + sex + ph.ecog + wt.loss,
#'                 data = lung2, ties = "breslow", exponentiate = FALSE,
#'                 analysis_set = "available")
#' @export
cox_univariable <- function(formula, data, subset, weights, na.action,
                            ties = c("efron", "breslow", "exact", "exact-marginal"),
                            conf_level = 0.95,
                            exponentiate = TRUE,
                            term_test = c("lr", "score", "wald"),
                            analysis_set = c("common", "available"),
                            control = cox_control(), robust = NULL,
                            firth = FALSE, ...) {
  call <- match.call()
  conf_level <- sv_renamed("cox_univariable", conf_level, "conf.level",
                           "conf_level", ...)
  check_dots_empty("cox_univariable", ..., .renamed = sv_renames)
  ties <- sv_match_arg(ties, cox_ties_methods, "ties")
  term_test <- sv_match_arg(term_test, c("lr", "score", "wald"), "term_test")
  analysis_set <- sv_match_arg(analysis_set, c("common", "available"),
                               "analysis_set")
  check_conf_level(conf_level)
  check_flag(exponentiate, "exponentiate")
  check_flag(firth, "firth")
  control <- check_cox_control(control)
  env <- parent.frame()
  if (sv_db_is_remote(call, env)) {
    # data in a database (R/db.R): one aggregate-query fit per term
    return(cox_univariable_db(call, env, ties, control, conf_level,
                              exponentiate, term_test, analysis_set, robust,
                              firth))
  }

  mfi <- sv_frame(call, env, design = TRUE, counting = TRUE,
                  positive_weights = "a Cox model", cluster = TRUE)
  robust <- cox_check_robust(robust, mfi, call)
  if (firth) cox_check_firth(robust, ties, call)
  des <- sw_design(mfi, call = call, what = "univariable")
  nev <- as.integer(sum(mfi$y[, ncol(mfi$y)]))
  epv <- c(events = nev, df = ncol(des$x),
           epv = if (ncol(des$x) > 0L) nev / ncol(des$x) else NA_real_)
  cox_warn_epv(nev, ncol(des$x), "univariable", firth, call)
  z <- stats::qnorm((1 + conf_level) / 2)
  n_dropped <- mfi$n_dropped

  counts <- list()  # observations and events per level of the factors
  rows <- lapply(seq_along(des$labels), function(k) {
    lab <- des$labels[k]
    if (analysis_set == "common") {
      m <- mfi
      cols <- des$term_cols[[k]] + 1L
      x <- des$x[, cols, drop = FALSE]
      toc <- des$term_of_col[cols]
    } else {
      tcall <- call
      tcall$formula <- sw_term_formula(des, lab)
      # (the zero-weight rows were reported with the first frame)
      m <- withCallingHandlers(
        sv_frame(tcall, env, design = TRUE, counting = TRUE,
                 positive_weights = "a Cox model", cluster = TRUE),
        survstep_warning_zero_weights = function(w) {
          invokeRestart("muffleWarning")
        })
      d1 <- sw_design(m, call = call, what = "univariable")
      x <- d1$x
      toc <- d1$term_of_col
    }
    fit <- cox_engine(x, m$y, m$strata, m$weights, m$offset,
                      NULL, ties, control, terms_of_cols = toc, call = call,
                      concordance = FALSE, firth = firth)
    if (firth) {
      fit <- cox_firth_inference(
        fit, list(x = x, y = m$y, strata = m$strata, weights = m$weights,
                  offset = m$offset),
        stats::setNames(list(seq_len(ncol(x))), lab), ties, control,
        level = conf_level)
    }
    if (robust) {
      fit <- cox_robust(fit, x, m$y, m$strata, m$weights, m$offset,
                        m$cluster, ties, control)
    }
    counts[[lab]] <<- sw_level_counts(x, m$y, lab, mfi$xlevels[[lab]])
    sw_univariable_row(fit, lab, colnames(x), m$n, term_test, z, exponentiate,
                       firth)
  })
  sw_univariable_table(rows, conf_level, exponentiate, term_test,
                       analysis_set, n_dropped, firth, epv, mfi$xlevels,
                       counts)
}

# The univariable table from its term rows (sw_univariable_row()), with the
# attributes its methods read: `xlevels` the levels of the factors (reference
# rows of the forest plot), `level_counts` the observations and events per
# level (NULL entries dropped).
sw_univariable_table <- function(rows, conf_level, exponentiate, term_test,
                                 analysis_set, n_dropped, firth, epv,
                                 xlevels, counts) {
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  attr(out, "conf_level") <- conf_level
  attr(out, "exponentiate") <- exponentiate
  attr(out, "term_test") <- term_test
  attr(out, "analysis_set") <- analysis_set
  attr(out, "n_dropped") <- n_dropped
  attr(out, "firth") <- firth
  attr(out, "epv") <- epv
  attr(out, "xlevels") <- xlevels
  counts <- counts[!vapply(counts, is.null, logical(1))]
  attr(out, "level_counts") <- counts
  class(out) <- c("survstep_univariable", "data.frame")
  out
}

# One term's rows of the univariable table from its fit (in memory or on a
# remote table): estimate, standard error, Wald (or, with Firth, profile)
# interval and p per coefficient, and the term's test.
sw_univariable_row <- function(fit, lab, cn, n, term_test, z, exponentiate,
                               firth) {
  b <- fit$coefficients
  se <- sqrt(diag(fit$var))
  se[is.na(b)] <- NA_real_
  df <- sum(!is.na(b))
  stat_term <- switch(term_test,
    lr = 2 * (cox_loglik_fit(fit) - fit$loglik[1]),
    score = fit$score,
    wald = fit$wald.test)
  if (term_test == "wald") df <- fit$wald.df
  p_term <- if (df > 0) {
    stats::pchisq(stat_term, df, lower.tail = FALSE)
  } else NA_real_
  level <- ifelse(cn == lab, NA_character_,
                  ifelse(startsWith(cn, lab), substring(cn, nchar(lab) + 1L),
                         cn))
  lo <- b - z * se
  hi <- b + z * se
  pw <- 2 * stats::pnorm(abs(b / se), lower.tail = FALSE)
  if (firth) {
    # profile penalized likelihood intervals and penalized LR tests
    lo <- fit$profile$lower
    hi <- fit$profile$upper
    pw <- fit$profile$p.value
    if (term_test == "lr" && length(b) > 1L) {
      p_term <- fit$profile$term_tests$p.value[1L]
    }
  }
  tr <- if (exponentiate) exp else identity
  data.frame(
    term = lab, level = level, n = n,
    events = fit$nevent, estimate = unname(tr(b)),
    std.error = unname(se), conf.low = unname(tr(lo)),
    conf.high = unname(tr(hi)),
    p.value = unname(pw),
    p.value.term = p_term, stringsAsFactors = FALSE
  )
}

# Formula with one term of `des` plus the strata and offset terms.
sw_term_formula <- function(des, label) {
  tt <- des$terms
  vars <- attr(tt, "variables")[-1L]
  var_text <- vapply(as.list(vars), function(v) {
    paste(deparse(v, width.cutoff = 500L), collapse = "")
  }, "")
  rhs <- c(label, des$strata_labels, var_text[attr(tt, "offset")])
  form <- stats::reformulate(rhs, response = tt[[2L]])
  environment(form) <- environment(stats::formula(tt))
  form
}
