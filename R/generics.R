# Generics on survstep results: which apply and which do not ----------------

#' Model generics on survstep results
#'
#' @description
#' Which of R's model generics (`coef()`, `residuals()`, `model.frame()`,
#' `update()`, ...) work on the results of survstep's functions. A generic
#' either gives the right answer or signals an error of class
#' `survstep_error_not_applicable` that names the generic, the class and
#' what to use instead; none falls through to a default method that returns
#' `NULL` or a list component that happens to share the name.
#'
#' * **Cox models** (`survstep_cox` from [cox()]): all of them; see
#'   [cox()] and [residuals.survstep_cox()]. A `cox_stepwise()` result
#'   passes every model generic on to its final model (see
#'   [cox_stepwise()]). `deviance()` is -2 log L (the partial likelihood,
#'   as SAS PHREG prints it; what `stats::step()` and `drop1()` use). The
#'   exceptions are the generics of models with residual degrees of freedom
#'   and a scale, `df.residual()` and `sigma()` (use `logLik()`),
#'   `quantile()` and `median()` (survival-time quantiles belong to curves:
#'   `quantile(cox_survfit(fit))`), and `case.names()` and
#'   `variable.names()` (use `names(coef(fit))`). `concordance()` is
#'   `survival`'s concordance of the linear predictor
#'   ([concordance.survstep_cox()]); on other results it does not apply.
#' * **Best subsets** ([cox_best_subsets()]): no model is fitted, so there
#'   are no coefficients, residuals or likelihood: fit the chosen subset
#'   with [cox()]. `nobs()` is the number of events of the analysis set
#'   (what `nobs()` of each subset's [cox()] fit gives), `formula()` the
#'   formula searched, `update()` re-runs the search, `tidy()` and
#'   `as.data.frame()` give the table.
#' * **Kaplan-Meier curves** ([km()]): `nobs()` is the number of records
#'   used; `update()` and `formula()` work from the call; `plot()`,
#'   `summary()`, `quantile()`, `median()`, `tidy()` and `glance()` as
#'   documented in [km()] and [quantile.survstep_km()]. Curves predicted from a Cox model ([cox_survfit()],
#'   [cox_adjusted_curves()]) plot and tidy as curves, but have no `nobs()`
#'   or `formula()` of their own (use those of the model).
#' * **Log-rank tests** ([logrank_test()]): `nobs()` is the number of
#'   observations in the test; `update()`, `formula()`, `tidy()`,
#'   `glance()` work.
#' * **Bootstrap and validation results** ([cox_stepwise_boot()],
#'   [cox_validate()]), **proportional-hazards tests** ([cox_zph()]),
#'   **tables** ([cox_univariable()], [km_table()], [cox_table()],
#'   [cohort_table()]), [du2015_analysis()], [cox_control()] and
#'   [compare_tolerance()]: the model generics do not apply (nor
#'   `deviance()`, `df.residual()`, `sigma()`); `update()` re-runs the call
#'   where one is kept (`cox_validate()`, `cox_stepwise_boot()` and
#'   `cox_zph()` keep it) and is an error for the tables, which keep none.
#'   The tables are data frames for everything else.
#' * **Summaries** (`summary()` of a Cox model or of curves): `print()`;
#'   `coef()` of a Cox model's summary is its coefficient table (as for
#'   `lm()`); `update()` refits the model. Other model generics do not
#'   apply: call them on the model or the curves.
#'
#' @return `nobs()`: a whole number. The other methods listed here signal
#'   an error of class `survstep_error_not_applicable`.
#' @examples
#' best <- cox_best_subsets(Surv(time, status) ~ age + sex + ph.ecog,
#'                          data = survival::lung)
#' nobs(best)
#' try(coef(best))
#' fit <- cox(Surv(time, status) ~ age + sex, data = survival::lung)
#' coef(fit)
#' @name survstep-generics
#' @importFrom stats fitted formula residuals terms weights deviance
#'   df.residual sigma quantile median case.names variable.names update
#' @evalNamespace sv_na_namespace()
NULL

# The generics that do not apply, per class (most specific class first where
# classes inherit), with what to use instead. Each generic's method is one
# of the sv_na_*() functions below; sv_na_namespace() registers them.
sv_na_model <- c("residuals", "fitted", "weights", "coef", "vcov", "confint",
                 "logLik", "predict", "anova", "model.frame", "terms",
                 "survfit", "deviance", "df.residual", "sigma", "concordance")
# (their defaults return NULL, numeric(0) or an error about a list; data
# frames have their own)
sv_na_list <- c("quantile", "median", "case.names", "variable.names")
# (tables keep no call: update() would fail with "need an object with call
# component")
sv_na_table <- c(sv_na_model, "formula", "nobs", "update", "quantile",
                 "median")
# generics whose defaults mislead on a Cox model (no residual degrees of
# freedom or scale; survival-time quantiles come from curves); deviance()
# is -2 log L (cox-methods.R)
sv_na_cox <- c("df.residual", "sigma", "quantile", "median", "case.names",
               "variable.names")
sv_na_cox_instead <- paste0(
  "`logLik()` for the partial likelihood, `names(coef())` for the ",
  "coefficients and `quantile(cox_survfit(fit))` for survival-time ",
  "quantiles")
sv_not_applicable <- list(
  survstep_stepwise = list(generics = sv_na_cox, instead = sv_na_cox_instead),
  survstep_cox = list(generics = sv_na_cox, instead = sv_na_cox_instead),
  survstep_best_subsets = list(
    generics = c(sv_na_model, sv_na_list, "summary", "plot"),
    instead = "`tidy()` for the subsets and `cox()` to fit one of them"),
  survstep_coxsurv = list(
    generics = c("nobs", "formula", "case.names", "variable.names",
                 "concordance"),
    instead = "the generic on the Cox model the curves were predicted from"),
  survstep_km = list(
    generics = c(sv_na_model, "case.names", "variable.names"),
    instead = "`tidy()`, `summary()` or `km_at()` for the estimates"),
  survstep_logrank = list(
    generics = c(sv_na_model, sv_na_list, "summary", "plot"),
    instead = "`tidy()` or `glance()` for the test"),
  survstep_zph = list(
    generics = c(setdiff(sv_na_table, "update"), sv_na_list, "summary"),
    instead = paste0("`tidy()` for the tests or `residuals(fit, type = ",
                     "\"scaledsch\")` of the Cox model")),
  survstep_stepwise_boot = list(
    generics = c(setdiff(sv_na_table, "update"), sv_na_list, "summary"),
    instead = "`tidy(x, what = )` for the bootstrap results"),
  survstep_validate = list(
    generics = c(setdiff(sv_na_table, "update"), "summary", "plot"),
    instead = "the matrix itself (`x[\"C\", \"index.corrected\"]`)"),
  survstep_univariable = list(
    generics = sv_na_table,
    instead = "the data frame's columns, or `cox()` for a fitted model"),
  survstep_km_table = list(generics = sv_na_table,
                           instead = "the data frame's columns"),
  survstep_cox_table = list(generics = sv_na_table,
                            instead = "the data frame's columns"),
  survstep_cohort_table = list(generics = sv_na_table,
                               instead = "`tidy()` or the data frame's columns"),
  survstep_du2015 = list(
    generics = c(sv_na_table, sv_na_list, "summary", "plot"),
    instead = "the generic on one of its fits (`x$fits`)"),
  summary_survstep_cox = list(
    generics = c(setdiff(sv_na_model, "coef"), sv_na_list, "nobs", "summary",
                 "plot"),
    instead = "the generic on the Cox model"),
  summary_survstep_coxsurv = list(
    generics = c("formula", "quantile", "median", "concordance"),
    instead = "the generic on the Cox model or on its curves"),
  summary_survstep_km = list(
    generics = c(sv_na_model, sv_na_list, "nobs", "summary", "plot"),
    instead = "the generic on the curves"),
  survstep_cox_control = list(generics = c(sv_na_table, sv_na_list, "summary",
                                          "plot"),
                              instead = "`print()`"),
  survstep_tolerance = list(generics = c(sv_na_table, sv_na_list, "summary",
                                        "plot"),
                            instead = "`print()`")
)

# The NAMESPACE directives of the methods above (roxygen @evalNamespace).
sv_na_namespace <- function() {
  unlist(lapply(names(sv_not_applicable), function(cls) {
    g <- unique(sv_not_applicable[[cls]]$generics)
    sprintf("S3method(%s,%s,sv_na_%s)", g, cls, gsub(".", "_", g, fixed = TRUE))
  }))
}

sv_not_for <- function(object, generic, call) {
  cls <- intersect(class(object), names(sv_not_applicable))[1L]
  sv_abort_not_for(object, generic, sv_not_applicable[[cls]]$instead,
                   call = call)
}

sv_na_residuals <- function(object, ...) {
  sv_not_for(object, "residuals", sys.call())
}
sv_na_fitted <- function(object, ...) sv_not_for(object, "fitted", sys.call())
sv_na_weights <- function(object, ...) sv_not_for(object, "weights", sys.call())
sv_na_coef <- function(object, ...) sv_not_for(object, "coef", sys.call())
sv_na_vcov <- function(object, ...) sv_not_for(object, "vcov", sys.call())
sv_na_confint <- function(object, parm, level = 0.95, ...) {
  sv_not_for(object, "confint", sys.call())
}
sv_na_logLik <- function(object, ...) sv_not_for(object, "logLik", sys.call())
sv_na_predict <- function(object, ...) sv_not_for(object, "predict", sys.call())
sv_na_anova <- function(object, ...) sv_not_for(object, "anova", sys.call())
sv_na_model_frame <- function(formula, ...) {
  sv_not_for(formula, "model.frame", sys.call())
}
sv_na_terms <- function(x, ...) sv_not_for(x, "terms", sys.call())
sv_na_survfit <- function(formula, ...) {
  sv_not_for(formula, "survfit", sys.call())
}
sv_na_formula <- function(x, ...) sv_not_for(x, "formula", sys.call())
sv_na_nobs <- function(object, ...) sv_not_for(object, "nobs", sys.call())
sv_na_summary <- function(object, ...) sv_not_for(object, "summary", sys.call())
sv_na_plot <- function(x, y, ...) sv_not_for(x, "plot", sys.call())
sv_na_update <- function(object, ...) sv_not_for(object, "update", sys.call())
sv_na_deviance <- function(object, ...) {
  sv_not_for(object, "deviance", sys.call())
}
sv_na_df_residual <- function(object, ...) {
  sv_not_for(object, "df.residual", sys.call())
}
sv_na_sigma <- function(object, ...) sv_not_for(object, "sigma", sys.call())
sv_na_concordance <- function(object, ...) {
  sv_not_for(object, "concordance", sys.call())
}
sv_na_quantile <- function(x, ...) sv_not_for(x, "quantile", sys.call())
sv_na_median <- function(x, na.rm = FALSE, ...) {
  sv_not_for(x, "median", sys.call())
}
sv_na_case_names <- function(object, ...) {
  sv_not_for(object, "case.names", sys.call())
}
sv_na_variable_names <- function(object, ...) {
  sv_not_for(object, "variable.names", sys.call())
}

# Generics that do apply ---------------------------------------------------

#' @rdname survstep-generics
#' @param object A survstep result.
#' @param ... Unused.
#' @export
nobs.survstep_best_subsets <- function(object, ...) object$nevent

#' @rdname survstep-generics
#' @export
nobs.survstep_km <- function(object, ...) sum(object$records)

#' @rdname survstep-generics
#' @export
nobs.survstep_logrank <- function(object, ...) as.integer(object$n)
