# Every model generic on every survstep result either gives the right value
# or an error of class `survstep_error_not_applicable` (R/generics.R): none
# falls through to a default that returns NULL or a stray list component.

gen_d <- local({
  d <- survival::lung[, c("time", "status", "age", "sex", "ph.ecog",
                          "wt.loss")]
  d <- d[stats::complete.cases(d), ][1:120, ]
  d$sex <- factor(d$sex, labels = c("m", "f"))
  d$ecog <- factor(pmin(d$ph.ecog, 2))
  d
})

gen_objects <- local({
  d <- gen_d
  fit <- cox(Surv(time, status) ~ age + sex, data = d)
  sw <- suppressWarnings(cox_stepwise(
    Surv(time, status) ~ age + sex + wt.loss + ecog, data = d))
  uv <- cox_univariable(Surv(time, status) ~ age + sex, data = d)
  list(
    cox = fit,
    stepwise = sw,
    best_subsets = cox_best_subsets(Surv(time, status) ~ age + sex + wt.loss,
                                    data = d),
    km = km(Surv(time, status) ~ sex, data = d),
    logrank = logrank_test(Surv(time, status) ~ sex, data = d),
    zph = cox_zph(fit),
    coxsurv = survival::survfit(fit),
    coxadjusted = cox_adjusted_curves(fit, "sex"),
    stepwise_boot = suppressWarnings(cox_stepwise_boot(sw, B = 4, seed = 1)),
    validate = suppressWarnings(cox_validate(fit, B = 4, seed = 1)),
    univariable = uv,
    km_table = km_table(Surv(time, status) ~ sex, data = d,
                        times = c(100, 300)),
    cox_table = cox_table(uv, fit),
    cohort_table = cohort_table(d, by = "sex", vars = c("age", "ecog")),
    du2015 = suppressWarnings(suppressMessages(du2015_analysis())),
    summary_cox = summary(fit),
    summary_km = summary(km(Surv(time, status) ~ sex, data = d)),
    summary_coxsurv = summary(survival::survfit(fit), times = 100),
    cox_control = cox_control(),
    tolerance = compare_tolerance()
  )
})

gen_calls <- list(
  residuals = function(o) residuals(o), fitted = function(o) fitted(o),
  weights = function(o) weights(o), coef = function(o) coef(o),
  vcov = function(o) vcov(o), confint = function(o) confint(o),
  logLik = function(o) logLik(o), predict = function(o) predict(o),
  anova = function(o) anova(o), model.frame = function(o) model.frame(o),
  terms = function(o) terms(o), survfit = function(o) survival::survfit(o),
  formula = function(o) formula(o), nobs = function(o) nobs(o),
  summary = function(o) summary(o),
  plot = function(o) {
    grDevices::pdf(NULL)
    on.exit(grDevices::dev.off())
    plot(o)
  }
)

# The generics that do not apply, per object (the matrix of
# /tmp/generics-matrix.txt; written out here, not read from R/generics.R).
model_na <- c("residuals", "fitted", "weights", "coef", "vcov", "confint",
              "logLik", "predict", "anova", "model.frame", "terms", "survfit")
table_na <- c(model_na, "formula", "nobs")
gen_not_applicable <- list(
  cox = character(),
  stepwise = character(),
  best_subsets = c(model_na, "summary", "plot"),
  km = model_na,
  logrank = c(model_na, "summary", "plot"),
  zph = c(table_na, "summary"),
  coxsurv = c(model_na, "formula", "nobs"),
  coxadjusted = c(model_na, "formula", "nobs"),
  stepwise_boot = c(table_na, "summary"),
  validate = c(table_na, "summary", "plot"),
  univariable = table_na,
  km_table = table_na,
  cox_table = table_na,
  cohort_table = table_na,
  du2015 = c(table_na, "summary", "plot"),
  summary_cox = c(setdiff(model_na, "coef"), "nobs", "summary", "plot"),
  summary_km = c(model_na, "nobs", "summary", "plot"),
  summary_coxsurv = c(model_na, "formula", "nobs", "summary", "plot"),
  cox_control = c(table_na, "summary", "plot"),
  tolerance = c(table_na, "summary", "plot")
)

test_that("generics that do not apply give a classed error naming them", {
  expect_setequal(names(gen_not_applicable), names(gen_objects))
  for (on in names(gen_objects)) {
    o <- gen_objects[[on]]
    for (g in gen_not_applicable[[on]]) {
      err <- expect_error(gen_calls[[g]](o),
                          class = "survstep_error_not_applicable",
                          info = paste(on, g))
      expect_match(conditionMessage(err), sprintf("`%s()`", g), fixed = TRUE,
                   info = paste(on, g))
      expect_match(conditionMessage(err), class(o)[1L], fixed = TRUE,
                   info = paste(on, g))
    }
  }
})

test_that("no generic on a survstep result returns NULL by default", {
  # every cell of the matrix: an error of ours, or a value; NULL only from
  # weights() of an unweighted model (as lm() and coxph())
  for (on in names(gen_objects)) {
    o <- gen_objects[[on]]
    for (g in setdiff(names(gen_calls), gen_not_applicable[[on]])) {
      v <- gen_calls[[g]](o)
      if (g != "plot" && !(g == "weights" && on %in% c("cox", "stepwise"))) {
        expect_false(is.null(v), info = paste(on, g))
      }
    }
  }
})

test_that("a stepwise result passes the model generics to its final model", {
  sw <- gen_objects$stepwise
  # the final model refitted from its formula: an independent fit
  ref <- cox(formula(sw), data = gen_d)
  expect_equal(coef(sw), coef(ref))
  expect_equal(residuals(sw), residuals(ref))
  expect_equal(residuals(sw, type = "deviance"),
               residuals(ref, type = "deviance"))
  expect_equal(fitted(sw), fitted(ref))
  expect_null(weights(sw))
  expect_equal(model.frame(sw), model.frame(ref), ignore_attr = TRUE)
  expect_identical(attr(terms(sw), "term.labels"),
                   attr(terms(ref), "term.labels"))
  expect_equal(anova(sw)[, "Pr(>|Chi|)"], anova(ref)[, "Pr(>|Chi|)"])
  expect_equal(survival::survfit(sw)$surv, survival::survfit(ref)$surv)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_equal(plot(sw), plot(ref))
  # and survival agrees on the fitted values
  sref <- survival::coxph(formula(sw), data = gen_d)
  expect_equal(unname(fitted(sw)), unname(stats::predict(sref, type = "lp")),
               tolerance = 1e-6)
})

test_that("nobs() of best subsets, curves and tests counts the right rows", {
  d <- gen_d
  best <- gen_objects$best_subsets
  # the number of events, as nobs() of each subset's Cox model
  expect_identical(nobs(best), nobs(cox(Surv(time, status) ~ age, data = d)))
  expect_identical(nobs(best), sum(d$status == 2L))
  expect_identical(nobs(gen_objects$km), nrow(d))
  expect_identical(nobs(gen_objects$logrank), nrow(d))
  d$age[1:3] <- NA
  expect_identical(nobs(km(Surv(time, status) ~ age > 60, data = d)),
                   nrow(d) - 3L)
  expect_identical(nobs(logrank_test(Surv(time, status) ~ age > 60,
                                     data = d)), nrow(d) - 3L)
})

test_that("formula() and update() re-use the call", {
  d <- gen_d
  best <- gen_objects$best_subsets
  expect_equal(formula(best), Surv(time, status) ~ age + sex + wt.loss,
               ignore_attr = TRUE)
  expect_equal(tidy(update(best, best = 1)),
               tidy(cox_best_subsets(Surv(time, status) ~ age + sex + wt.loss,
                                     data = d, best = 1)))
  expect_equal(update(gen_objects$km, . ~ 1)$surv,
               km(Surv(time, status) ~ 1, data = d)$surv)
  expect_identical(update(gen_objects$logrank, test = "peto-peto")$statistic,
                   logrank_test(Surv(time, status) ~ sex, data = d,
                                test = "peto-peto")$statistic)
  fit <- gen_objects$cox
  expect_equal(update(gen_objects$zph, transform = "identity")$table,
               cox_zph(fit, transform = "identity")$table)
  nd <- data.frame(age = 60, sex = factor("f", levels = c("m", "f")))
  expect_equal(update(gen_objects$coxsurv, newdata = nd)$surv,
               cox_survfit(fit, newdata = nd)$surv)
  # coef() of a Cox model's summary is its coefficient table, as for lm()
  expect_identical(coef(gen_objects$summary_cox)[, "coef"], coef(fit))
  v <- gen_objects$validate
  expect_equal(unclass(update(v))[, ], unclass(v)[, ])
  expect_identical(attr(update(v, B = 3), "B"), 3L)
})

test_that("not-applicable errors say what to use instead", {
  expect_snapshot(error = TRUE, {
    coef(gen_objects$best_subsets)
    residuals(gen_objects$km)
    plot(gen_objects$logrank)
    model.frame(gen_objects$stepwise_boot)
    nobs(gen_objects$coxsurv)
  })
})
