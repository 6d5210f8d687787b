# One naming convention: snake_case arguments; the dotted spellings of the
# common ones are accepted with a classed warning, never "unused argument".

test_that("conf.level / conf.type are accepted with a warning and used", {
  lung <- survival::lung
  ref <- km(Surv(time, status) ~ sex, data = lung, conf_level = 0.9,
            conf_type = "plain")
  # one classed warning per renamed argument
  expect_warning(expect_warning(
    fit <- km(Surv(time, status) ~ sex, data = lung, conf.level = 0.9,
              conf.type = "plain"),
    class = "survstep_warning_renamed_argument"),
    class = "survstep_warning_renamed_argument")
  expect_equal(fit$conf.low, ref$conf.low)
  expect_identical(fit$conf_level, 0.9)
  expect_snapshot(km(Surv(time, status) ~ 1, data = lung, conf.level = 0.9))
  expect_warning(fu <- followup_median(Surv(time, status) ~ 1, data = lung,
                                       conf.level = 0.8),
                 class = "survstep_warning_renamed_argument")
  expect_equal(fu, followup_median(Surv(time, status) ~ 1, data = lung,
                                   conf_level = 0.8))
  expect_warning(kf <- km_fit(Surv(lung$time, lung$status), conf.level = 0.8),
                 class = "survstep_warning_renamed_argument")
  expect_equal(kf$conf.high,
               km_fit(Surv(lung$time, lung$status), conf_level = 0.8)$conf.high)
  expect_warning(tab <- km_table(Surv(time, status) ~ sex, data = lung,
                                 times = 365, conf.level = 0.8,
                                 median_method = "survival"),
                 class = "survstep_warning_renamed_argument")
  expect_identical(attr(tab, "conf_level"), 0.8)
  expect_equal(tab$conf.low,
               km_table(Surv(time, status) ~ sex, data = lung, times = 365,
                        conf_level = 0.8, median_method = "survival")$conf.low)
})

test_that("cox_univariable() and cox_table() take conf.level too", {
  lung <- na.omit(survival::lung[, c("time", "status", "age", "sex")])
  expect_warning(uv <- cox_univariable(Surv(time, status) ~ age + sex,
                                       data = lung, conf.level = 0.9),
                 class = "survstep_warning_renamed_argument")
  ref <- cox_univariable(Surv(time, status) ~ age + sex, data = lung,
                         conf_level = 0.9)
  expect_equal(uv$conf.low, ref$conf.low)
  expect_warning(ct <- cox_table(ref, conf.level = 0.9),
                 class = "survstep_warning_renamed_argument")
  expect_identical(attr(ct, "conf_level"), 0.9)
})

test_that("logrank_pairwise(): p_adjust_method, and p.adjust.method with a warning", {
  lung <- survival::lung
  ref <- logrank_pairwise(Surv(time, status) ~ ph.ecog, data = lung,
                          subset = ph.ecog < 3, p_adjust_method = "holm")
  expect_warning(old <- logrank_pairwise(Surv(time, status) ~ ph.ecog,
                                         data = lung, subset = ph.ecog < 3,
                                         p.adjust.method = "holm"),
                 class = "survstep_warning_renamed_argument")
  expect_identical(old, ref)
  expect_equal(ref$p.adj, p.adjust(ref$p.value, "holm"))
})

test_that("an unknown argument is still a classed error", {
  expect_error(km(Surv(time, status) ~ 1, data = survival::lung,
                  conf.lvl = 0.9),
               class = "survstep_error_unused_argument")
})

test_that("tidy() of a log-rank test has broom's survdiff columns", {
  lung <- survival::lung
  lr <- logrank_test(Surv(time, status) ~ sex + ph.ecog, data = lung)
  td <- tidy(lr)
  sd <- survival::survdiff(Surv(time, status) ~ sex + ph.ecog, data = lung)
  expect_identical(names(td), c("sex", "ph.ecog", "N", "obs", "exp"))
  expect_identical(td$sex, c(rep("1", 4), rep("2", 3)))
  expect_equal(td$N, as.vector(sd$n))
  expect_equal(td$obs, as.vector(sd$obs))
  expect_equal(td$exp, as.vector(sd$exp), tolerance = 1e-10)
  expect_identical(names(glance(lr)), c("statistic", "df", "p.value"))
  one <- logrank_test(Surv(time, status) ~ sex, data = lung)
  expect_identical(names(tidy(one)), c("sex", "N", "obs", "exp"))
})

test_that("tidy() of a log-rank test equals broom::tidy(survdiff)", {
  skip_if_not_installed("broom")
  lung <- survival::lung
  td <- tidy(logrank_test(Surv(time, status) ~ sex + ph.ecog, data = lung))
  bt <- broom::tidy(survival::survdiff(Surv(time, status) ~ sex + ph.ecog,
                                       data = lung))
  expect_identical(names(td), names(bt))
  expect_equal(td$N, bt$N)
  expect_equal(td$exp, bt$exp, tolerance = 1e-10)
})
