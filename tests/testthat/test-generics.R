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
  deviance = function(o) stats::deviance(o),
  df.residual = function(o) stats::df.residual(o),
  sigma = function(o) stats::sigma(o),
  concordance = function(o) survival::concordance(o),
  quantile = function(o) stats::quantile(o),
  median = function(o) stats::median(o),
  case.names = function(o) stats::case.names(o),
  variable.names = function(o) stats::variable.names(o),
  update = function(o) stats::update(o),
  plot = function(o) {
    grDevices::pdf(NULL)
    on.exit(grDevices::dev.off())
    plot(o)
  }
)

# The generics that do not apply, per object (the matrix of
# /tmp/generics-matrix.txt; written out here, not read from R/generics.R).
model_na <- c("residuals", "fitted", "weights", "coef", "vcov", "confint",
              "logLik", "predict", "anova", "model.frame", "terms", "survfit",
              "deviance", "df.residual", "sigma", "concordance")
table_na <- c(model_na, "formula", "nobs")

# quantile() and median() of survival times belong to curves; case.names()
# and variable.names() have no rows or columns to name on a list result
curve_na <- c("quantile", "median", "case.names", "variable.names")
names_na <- c("case.names", "variable.names")
# a Cox model has no residual df or scale (deviance() is -2 log L)
cox_na <- c("df.residual", "sigma", curve_na)
gen_not_applicable <- list(
  cox = cox_na,
  stepwise = cox_na,
  best_subsets = c(model_na, curve_na, "summary", "plot"),
  km = c(model_na, names_na),
  logrank = c(model_na, curve_na, "summary", "plot"),
  zph = c(table_na, curve_na, "summary"),
  coxsurv = c(model_na, names_na, "formula", "nobs"),
  coxadjusted = c(model_na, names_na, "formula", "nobs"),
  stepwise_boot = c(table_na, curve_na, "summary"),
  # (a matrix for row and column names)
  validate = c(table_na, "quantile", "median", "summary", "plot"),
  # (the tables are data frames for everything else; they keep no call, and
  # quantile() or median() of a whole table means nothing)
  univariable = c(table_na, "update", "quantile", "median"),
  km_table = c(table_na, "update", "quantile", "median"),
  cox_table = c(table_na, "update", "quantile", "median"),
  cohort_table = c(table_na, "update", "quantile", "median"),
  du2015 = c(table_na, curve_na, "update", "summary", "plot"),
  summary_cox = c(setdiff(model_na, "coef"), curve_na, "nobs", "summary",
                  "plot"),
  summary_km = c(model_na, curve_na, "nobs", "summary", "plot"),
  summary_coxsurv = c(model_na, curve_na, "formula", "nobs", "summary",
                      "plot"),
  cox_control = c(table_na, curve_na, "update", "summary", "plot"),
  tolerance = c(table_na, curve_na, "update", "summary", "plot")
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
    # (update() re-runs calls whose data lived in gen_objects' local
    # scope; it is tested with its data below)
    for (g in setdiff(names(gen_calls), c(gen_not_applicable[[on]], "update"))) {
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
    sigma(gen_objects$cox)
    update(gen_objects$univariable)
  })
})

test_that("median() of curves is survival's median() of the survfit", {
  d <- gen_d
  fit <- km(Surv(time, status) ~ sex, data = d)
  ref <- stats::median(survival::survfit(Surv(time, status) ~ sex, data = d))
  expect_equal(unname(stats::median(fit)), as.vector(ref), tolerance = 1e-12)
  expect_identical(names(stats::median(fit)), names(fit$strata))
  # a curve that never falls to one half has no median
  d2 <- data.frame(time = 1:10, status = c(1, rep(0, 9)))
  expect_identical(unname(stats::median(km(Surv(time, status) ~ 1,
                                           data = d2))), NA_real_)
  # the method argument reaches quantile(): SPSS's first time at or below
  expect_equal(unname(stats::median(fit, method = "spss")),
               quantile(fit, 0.5, method = "spss")$estimate)
  # curves predicted from a Cox model: the same rule
  cs <- gen_objects$coxsurv
  expect_equal(unname(stats::median(cs)), quantile(cs, 0.5)$estimate)
})

test_that("deviance() of a Cox model is -2 log L, as coxph's extractAIC(k = 0)", {
  d <- gen_d
  fit <- gen_objects$cox
  ref <- survival::coxph(Surv(time, status) ~ age + sex, data = d)
  expect_equal(stats::deviance(fit), -2 * ref$loglik[2], tolerance = 1e-10)
  expect_equal(stats::deviance(fit), stats::extractAIC(ref, k = 0)[2],
               tolerance = 1e-10, ignore_attr = TRUE)
  sw <- gen_objects$stepwise
  expect_equal(stats::deviance(sw),
               -2 * as.numeric(stats::logLik(cox(formula(sw), data = d))),
               tolerance = 1e-10)
  # drop1() on it gives coxph's AIC column
  expect_equal(stats::drop1(fit)$AIC, stats::drop1(ref)$AIC, tolerance = 1e-8)
})
