# du2015_analysis() and du2015_reproduce(): each reproduced number is
# recomputed here directly with survival (survfit, survdiff, coxph) on the
# shipped cohort, so the plumbing (groups, subsets, ids) is checked, not just
# the engines.

res <- du2015_analysis()
d <- g3nelm()
rep_value <- function(id, part = "value") {
  res$reproduced[[part]][res$reproduced$id == id]
}
lr_p <- function(formula, data) {
  sd <- survival::survdiff(formula, data = data)
  stats::pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)
}

test_that("du2015_analysis() counts and summaries are those of the cohort", {
  expect_s3_class(res, "survstep_du2015")
  expect_identical(rep_value("n_total"), 36)
  expect_identical(rep_value("deaths"), as.numeric(sum(d$status)))
  expect_equal(rep_value("age"), mean(d$age))
  expect_equal(rep_value("age", "lower"), sd(d$age))
  expect_identical(rep_value("lt_any"), as.numeric(sum(d$surgery | d$nslri)))
  # reverse Kaplan-Meier median follow-up
  rev <- survival::survfit(survival::Surv(time, 1 - status) ~ 1, data = d)
  expect_equal(rep_value("fu_median"), unname(quantile(rev, 0.5)$quantile))
})

test_that("du2015_analysis() survival rates and log-rank p-values match survival", {
  sf <- survival::survfit(survival::Surv(time, status) ~ 1, data = d)
  s <- summary(sf, times = c(12, 36, 60))$surv
  expect_equal(c(rep_value("os_s12"), rep_value("os_s36"),
                 rep_value("os_s60")), 100 * s, tolerance = 1e-12)
  expect_equal(rep_value("t2_surgery_p"),
               lr_p(survival::Surv(time, status) ~ surgery, d), tolerance = 1e-9)
  expect_equal(rep_value("t2_st_p"),
               lr_p(survival::Surv(time, status) ~ st, d), tolerance = 1e-9)
  # Figure 1A leaves out best supportive care; 1B is the operated patients
  expect_equal(rep_value("f1a_p"),
               lr_p(survival::Surv(time, status) ~ strategy,
                    droplevels(d[d$strategy != "BSC", ])), tolerance = 1e-9)
  expect_equal(rep_value("f1b_p"),
               lr_p(survival::Surv(time, status) ~ nslri,
                    d[d$surgery == 1, ]), tolerance = 1e-9)
  sg <- survival::survfit(survival::Surv(time, status) ~ surgery, data = d)
  s12 <- summary(sg, times = 12)$surv
  expect_equal(rep_value("t2_surgery_s12"), 100 * s12[2], tolerance = 1e-12)
  expect_equal(rep_value("t2_nosurgery_s12"), 100 * s12[1], tolerance = 1e-12)
})

test_that("du2015_analysis() medians follow the SPSS definition", {
  for (g in 0:1) {
    sf <- survival::survfit(survival::Surv(time, status) ~ 1,
                            data = d[d$high_remnant_burden == g, ])
    first <- sf$time[which(sf$surv <= 0.5)[1]]
    id <- if (g == 1) "burden_high_median" else "burden_low_median"
    expect_equal(rep_value(id), first)
  }
  r2 <- du2015_analysis(median_method = "survival")
  sf <- survival::survfit(survival::Surv(time, status) ~ 1, data = d)
  q <- quantile(sf, 0.5)
  got <- r2$reproduced[r2$reproduced$id == "os_median", ]
  expect_equal(c(got$value, got$lower, got$upper),
               unname(c(q$quantile, q$lower, q$upper)))
})

test_that("du2015_analysis() Table 3 is coxph with Breslow ties", {
  uv <- res$table3
  ref <- survival::coxph(survival::Surv(time, status) ~ high_remnant_burden,
                         data = d, ties = "breslow")
  expect_equal(rep_value("uv_remnant_burden"), unname(exp(coef(ref))),
               tolerance = 1e-8)
  ref <- survival::coxph(survival::Surv(time, status) ~ I(primary_size_mm / 10),
                         data = d, ties = "breslow")
  expect_equal(rep_value("uv_primary_size"), unname(exp(coef(ref))),
               tolerance = 1e-8)
  final <- survival::coxph(survival::Surv(time, status) ~ pancreatic +
                             high_bilirubin + high_remnant_burden,
                           data = d, ties = "breslow")
  expect_setequal(names(coef(res$stepwise$final)), names(coef(final)))
  expect_equal(c(rep_value("mv_pancreatic"), rep_value("mv_high_bilirubin"),
                 rep_value("mv_remnant_burden")),
               unname(exp(coef(final))), tolerance = 1e-8)
  # a candidate left out is reported from the final model plus that term
  plus <- survival::coxph(survival::Surv(time, status) ~ pancreatic +
                            high_bilirubin + high_remnant_burden + nslri,
                          data = d, ties = "breslow")
  expect_equal(rep_value("mv_nslri"), unname(exp(coef(plus))["nslri"]),
               tolerance = 1e-8)
  r_efron <- du2015_analysis(ties = "efron")
  ref <- survival::coxph(survival::Surv(time, status) ~ nslri, data = d)
  expect_equal(r_efron$reproduced$value[r_efron$reproduced$id == "uv_nslri"],
               unname(exp(coef(ref))), tolerance = 1e-8)
})

test_that("the comparison assesses every target except the exempt ones", {
  cmp <- res$comparison
  expect_true(all(cmp$within[cmp$statistic == "count" & cmp$part == "value"]))
  exempt <- unique(cmp$id[is.na(cmp$within) & cmp$part == "value"])
  expect_setequal(exempt, c("t2_nosurgery_s12", "t2_nslri_s36", "t2_nslri_s60",
                            "mv_resection", "mv_nslri"))
  expect_output(print(res), "assessed published numbers within tolerance")
})

test_that("du2015_reproduce() writes the tables, figures and comparison", {
  dir <- tempfile("du2015-")
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  expect_silent(du2015_reproduce(dir, quiet = TRUE))
  files <- list.files(dir)
  expect_true(all(c("table1.csv", "table1.md", "table2.csv", "table2.md",
                    "table3.csv", "table3.md", "comparison.csv",
                    "comparison.md", "figure1A.png", "figure1B.png",
                    "figure1C.png", "figure1.pdf") %in% files))
  t3 <- utils::read.csv(file.path(dir, "table3.csv"), check.names = FALSE)
  expect_identical(nrow(t3), nrow(res$table3))
  png <- readBin(file.path(dir, "figure1A.png"), "raw", 8)
  expect_identical(png[2:4], charToRaw("PNG"))
})

test_that("du2015 functions give clear errors", {
  expect_error(du2015_analysis(d[, -1:-3]), class = "survstep_error_input")
  expect_error(du2015_analysis(ties = "exact"), class = "survstep_error_input")
  expect_error(du2015_reproduce(dir = 1), class = "survstep_error_input")
  expect_error(du2015_figure1(list()), class = "survstep_error_input")
  expect_snapshot(error = TRUE, du2015_analysis(d[, c("time", "status")]))
})

test_that("arguments the du2015 functions do not have are classed errors", {
  cls <- "survstep_error_unused_argument"
  expect_error(du2015_analysis(d, "breslow", "spss", 1), class = cls)
  expect_error(du2015_analysis(ties_method = "efron"), class = cls)
  expect_error(du2015_targets(1), class = cls)
  expect_error(du2015_reproduce(tempfile(), d, TRUE, "x"), class = cls)
  expect_error(du2015_reproduce(tempfile(), quiet = NA),
               class = "survstep_error_input")
  expect_snapshot(error = TRUE, du2015_analysis(method = "spss"))
  expect_snapshot(error = TRUE, du2015_targets("Medicine"))
  res <- du2015_analysis(d)
  expect_error(du2015_figure1(res, panel = "D"), class = "survstep_error_input")
  expect_snapshot(error = TRUE, du2015_figure1(res, panel = c("A", NA)))
})
