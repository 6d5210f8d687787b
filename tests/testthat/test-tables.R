pub <- data.frame(
  id = c("m", "p1", "p2", "hr", "nr", "cnt"),
  statistic = c("median_months", "logrank_p", "logrank_p", "hr",
                "median_months", "count"),
  value = c(20, 0.026, 0.067, 2.69, NA, 26),
  lower = c(8.9, NA, NA, 1.07, NA, NA),
  upper = c(31.1, NA, NA, 6.76, NA, NA),
  stringsAsFactors = FALSE
)

test_that("compare_published applies each rule by hand-checked values", {
  rep <- data.frame(
    id = c("m", "p1", "p2", "hr", "nr", "cnt"),
    value = c(20.9, 0.040, 0.045, 3.2, NA, 25),
    lower = c(12.5, NA, NA, 1.2, NA, NA),
    upper = c(31.1, NA, NA, 9, NA, NA)
  )
  out <- compare_published(rep, pub)
  key <- paste(out$id, out$part)
  within <- setNames(out$within, key)
  # median 20 -> 20.9: |0.9| <= 1; lower 8.9 -> 12.5: 3.6 > max(3, 0.445)
  expect_true(within[["m value"]])
  expect_false(within[["m lower"]])
  expect_true(within[["m upper"]])
  # 0.026 -> 0.040: ratio 1.54 <= 1.6, both < 0.05
  expect_true(within[["p1 value"]])
  # 0.067 -> 0.045: ratio 1.49 but crosses 0.05
  expect_false(within[["p2 value"]])
  # hr 2.69 -> 3.2: 19% > 15%; bounds 1.07 -> 1.2 (12%) ok, 6.76 -> 9 (33%) no
  expect_false(within[["hr value"]])
  expect_true(within[["hr lower"]])
  expect_false(within[["hr upper"]])
  expect_true(within[["nr value"]])
  expect_false(within[["cnt value"]])
  expect_equal(out$difference[key == "m value"], 0.9)
  expect_identical(nrow(out), 10L)
})

test_that("rules by id override rules by statistic; numbers work as rel tolerance", {
  rep <- data.frame(id = "m", value = 22)
  expect_false(compare_published(rep, pub)$within[1])
  tol <- compare_tolerance(m = list(abs = 2.5))
  expect_true(compare_published(rep, pub, tol)$within[1])
  expect_true(compare_published(rep, pub, 0.1)$within[1])
  expect_false(compare_published(rep, pub, 0.05)$within[1])
})

test_that("a published NA is matched only by a reproduced NA", {
  expect_false(compare_published(data.frame(id = "nr", value = 50), pub)$within)
  expect_true(compare_published(data.frame(id = "nr", value = NA), pub)$within)
})

test_that("compare_published reads the shipped targets file", {
  path <- system.file("extdata", "du2015-targets.csv", package = "survstep")
  skip_if(path == "")
  tg <- utils::read.csv(path)
  out <- compare_published(data.frame(id = "n_total", value = 36), path)
  expect_true(out$within)
  expect_identical(out$published, 36)
})

test_that("compare_published gives clear errors", {
  rep <- data.frame(id = "m", value = 20)
  expect_error(compare_published(rep, pub[, -2]), class = "survstep_error_input")
  expect_error(compare_published(data.frame(id = "zz", value = 1), pub),
               class = "survstep_error_input")
  expect_error(compare_published(data.frame(value = 1), pub),
               class = "survstep_error_input")
  expect_error(compare_published(rep, pub, tolerance = "x"),
               class = "survstep_error_input")
  expect_error(compare_tolerance(hr = list(foo = 1)), class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    compare_published(rep, pub[, -2])
    compare_published(data.frame(id = c("m", "zz"), value = 1:2), pub)
    compare_published(rep, "no-such-file.csv")
    compare_tolerance(list(abs = 1))
  })
})


lung_tab <- function() {
  lung <- survival::lung
  lung$sex <- factor(lung$sex, 1:2, c("male", "female"))
  lung$months <- lung$time / 30.44
  lung
}

test_that("km_table() matches survfit() and survdiff() group by group", {
  lung <- lung_tab()
  tab <- km_table(Surv(months, status) ~ sex + ph.ecog, data = lung,
                  times = c(6, 12), median_method = "survival")
  expect_s3_class(tab, "survstep_km_table")
  for (v in c("sex", "ph.ecog")) {
    dd <- lung[!is.na(lung[[v]]), ]
    g <- factor(dd[[v]])
    sf <- survival::survfit(survival::Surv(months, status) ~ g, data = dd)
    sd <- survival::survdiff(survival::Surv(months, status) ~ g, data = dd)
    rows <- tab[tab$variable == v, ]
    expect_identical(rows$group, levels(g))
    expect_equal(rows$n, as.numeric(table(g)), ignore_attr = TRUE)
    expect_equal(rows$percent, 100 * as.numeric(table(g)) / nrow(dd))
    expect_equal(rows$events, as.numeric(tapply(dd$status == 2, g, sum)),
                 ignore_attr = TRUE)
    q <- quantile(sf, probs = 0.5)
    expect_equal(rows$median, unname(q$quantile[, 1]), tolerance = 1e-12)
    expect_equal(rows$conf.low, unname(q$lower[, 1]), tolerance = 1e-12)
    expect_equal(rows$conf.high, unname(q$upper[, 1]), tolerance = 1e-12)
    s <- summary(sf, times = c(6, 12), extend = TRUE)
    st <- matrix(s$surv, nrow = 2)
    expect_equal(rows$surv_6, 100 * st[1, ], tolerance = 1e-12)
    expect_equal(rows$surv_12, 100 * st[2, ], tolerance = 1e-12)
    p <- stats::pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)
    expect_equal(rows$p.value[1], p, tolerance = 1e-9)
    expect_true(all(is.na(rows$p.value[-1])))
  }
})

test_that("km_table()'s SPSS median is the first time with S <= 0.5", {
  lung <- lung_tab()
  tab <- km_table(Surv(months, status) ~ sex, data = lung, times = 12)
  expect_identical(attr(tab, "median_method"), "spss")
  for (lev in levels(lung$sex)) {
    sf <- survival::survfit(survival::Surv(months, status) ~ 1,
                            data = lung[lung$sex == lev, ])
    first <- sf$time[which(sf$surv <= 0.5)[1]]
    expect_equal(tab$median[tab$group == lev], first)
  }
})

test_that("km_table() with ~ 1 reports the whole cohort and no test", {
  tab <- km_table(Surv(time, status) ~ 1, data = survival::aml, times = 12)
  expect_identical(nrow(tab), 1L)
  expect_identical(tab$n, 23)
  expect_true(is.na(tab$p.value))
  sf <- survival::survfit(survival::Surv(time, status) ~ 1, data = survival::aml)
  expect_equal(tab$surv_12, 100 * summary(sf, times = 12)$surv)
})

test_that("format() of km_table() gives journal-style strings", {
  lung <- lung_tab()
  tab <- km_table(Surv(months, status) ~ sex, data = lung, times = 12)
  f <- format(tab)
  expect_true(is.data.frame(f))
  expect_match(f[[3]][1], "^138 \\(60\\.5\\)$")
  expect_match(f[[4]][1], sprintf("^%.1f \\(%.1f-%.1f\\)$", tab$median[1],
                                  tab$conf.low[1], tab$conf.high[1]))
  expect_output(print(tab), "Kaplan-Meier table")
})

test_that("km_table() gives clear errors", {
  lung <- lung_tab()
  expect_error(km_table(Surv(months, status) ~ sex, data = as.list(lung)),
               class = "survstep_error_input")
  expect_error(km_table(Surv(months, status) ~ sex, data = lung, times = -1),
               class = "survstep_error_input")
  expect_error(km_table(Surv(months, status) ~ nosuch, data = lung),
               class = "survstep_error_input")
  expect_error(km_table(Surv(months, status) ~ sex * age, data = lung),
               class = "survstep_error_input")
})

test_that("cox_table() lines up univariable and multivariable fits as coxph", {
  d <- g3nelm()
  f <- Surv(time, status) ~ pancreatic + high_bilirubin + surgery +
    high_remnant_burden + strategy
  uv <- epv_ok(cox_univariable(f, data = d, ties = "breslow"))
  mv <- epv_ok(cox(Surv(time, status) ~ pancreatic + high_bilirubin +
                     high_remnant_burden, data = d, ties = "breslow"))
  tab <- cox_table(uv, mv)
  expect_s3_class(tab, "survstep_cox_table")
  # univariable half: each term alone in coxph
  for (v in c("pancreatic", "high_bilirubin", "surgery", "high_remnant_burden")) {
    ref <- survival::coxph(stats::as.formula(paste("Surv(time, status) ~", v)),
                           data = d, ties = "breslow")
    r <- tab$coef_name == v
    expect_equal(tab$hr_uv[r], unname(exp(coef(ref))), tolerance = 1e-8)
    ci <- exp(confint(ref))
    expect_equal(c(tab$conf.low_uv[r], tab$conf.high_uv[r]), unname(c(ci)),
                 tolerance = 1e-6)
  }
  ref_s <- survival::coxph(Surv(time, status) ~ strategy, data = d,
                           ties = "breslow")
  r <- tab$term == "strategy"
  expect_equal(tab$hr_uv[r], unname(exp(coef(ref_s))), tolerance = 1e-8)
  # multivariable half: the joint coxph fit, NA for terms not in the model
  ref <- survival::coxph(Surv(time, status) ~ pancreatic + high_bilirubin +
                           high_remnant_burden, data = d, ties = "breslow")
  sel <- match(names(coef(ref)), tab$coef_name)
  expect_equal(tab$hr_mv[sel], unname(exp(coef(ref))), tolerance = 1e-8)
  expect_equal(tab$p_mv[sel], unname(summary(ref)$coefficients[, 5]),
               tolerance = 1e-6)
  expect_true(all(is.na(tab$hr_mv[-sel])))
  expect_identical(tab$selected, seq_len(nrow(tab)) %in% sel)
  f <- format(tab)
  # a dash in every multivariable cell of the unselected terms' lines
  # (surgery; strategy: heading, reference and level lines)
  unsel <- c(3, 5:9)
  expect_identical(trimws(f$Factor[unsel]),
                   c("surgery", "strategy", levels(d$strategy)))
  for (k in 6:8) expect_true(all(f[unsel, k] == "\u2014"))
  expect_true(all(f[-unsel, 6] != "\u2014"))
  expect_output(print(tab), "univariable")
})

test_that("cox_table() has reference lines, N and events per level, factor tests", {
  lung <- survival::lung
  lung$ecog <- factor(lung$ph.ecog)
  lung$sex <- factor(lung$sex, labels = c("male", "female"))
  uv <- cox_univariable(Surv(time, status) ~ age + sex + ecog + ph.karno,
                        data = lung)
  mv <- cox(Surv(time, status) ~ age + sex + ecog, data = lung)
  tab <- cox_table(uv, mv)
  cc <- lung[stats::complete.cases(lung[, c("time", "status", "age", "sex",
                                            "ecog", "ph.karno")]), ]
  # per-level counts of the univariable (common) rows, from table()
  r <- tab$term_id == "ecog"
  expect_equal(tab$n_level[r], as.vector(table(cc$ecog))[-1])
  expect_equal(tab$events_level[r],
               as.vector(tapply(cc$status == 2, cc$ecog, sum))[-1])
  expect_equal(unique(tab$n_uv), nrow(cc))
  # multi-df tests: univariable LR (coxph's) and multivariable Wald
  ref_uv <- survival::coxph(Surv(time, status) ~ ecog, data = cc)
  expect_equal(unique(tab$p_term_uv[r]),
               unname(summary(ref_uv)$logtest["pvalue"]), tolerance = 1e-8)
  ref_mv <- survival::coxph(Surv(time, status) ~ age + sex + ecog, data = lung)
  k <- grep("^ecog", names(coef(ref_mv)))
  w <- drop(t(coef(ref_mv)[k]) %*% solve(vcov(ref_mv)[k, k], coef(ref_mv)[k]))
  expect_equal(unique(tab$p_term_mv[r]), pchisq(w, 3, lower.tail = FALSE),
               tolerance = 1e-6)
  f <- format(tab)
  expect_identical(f$Factor[1:9], c("age", "sex", "  male", "  female", "ecog",
                                    "  0", "  1", "  2", "  3"))
  expect_identical(f[["HR (univariable)"]][c(3, 6)],
                   rep("1.00 (reference)", 2))
  expect_identical(f[["HR (multivariable)"]][c(3, 6)],
                   rep("1.00 (reference)", 2))
  n0 <- sum(cc$ecog == "0")
  e0 <- sum(cc$status[cc$ecog == "0"] == 2)
  expect_identical(f[["N (events)"]][6], sprintf("%d (%d)", n0, e0))
  # the factor's test on its heading line, both halves
  expect_identical(f$P[5], survstep:::fmt_p(unique(tab$p_term_uv[r])))
  expect_identical(f[["P "]][5], survstep:::fmt_p(unique(tab$p_term_mv[r])))
  # a term not in the model: dashes
  expect_identical(f[["HR (multivariable)"]][f$Factor == "ph.karno"],
                   "\u2014")
  expect_identical(f[["P "]][f$Factor == "ph.karno"], "\u2014")
  expect_snapshot(print(tab))
  # labels: a term's label and a level's label
  tl <- cox_table(uv, mv, labels = c(ecog = "ECOG PS", sexfemale = "Women"))
  fl <- format(tl)
  expect_identical(fl$Factor[c(4, 5)], c("  Women", "ECOG PS"))
  expect_identical(fl[["HR (univariable)"]][3], "1.00 (reference)")
})

test_that("cox_table() takes a cox_stepwise() fit and relabels terms", {
  d <- g3nelm()
  f <- Surv(time, status) ~ pancreatic + high_bilirubin + surgery + nslri +
    high_remnant_burden
  uv <- epv_ok(cox_univariable(f, data = d, ties = "breslow"))
  sw <- epv_ok(cox_stepwise(f, data = d, ties = "breslow", removal = "wald"))
  tab <- cox_table(uv, sw, labels = c(pancreatic = "Pancreatic primary"))
  expect_identical(tab$term[1], "Pancreatic primary")
  expect_equal(tab$hr_mv[tab$selected],
               unname(exp(coef(sw$final))), tolerance = 1e-12)
})

test_that("cox_table() gives clear errors", {
  d <- g3nelm()
  uv <- cox_univariable(Surv(time, status) ~ pancreatic, data = d)
  mv <- cox(Surv(time, status) ~ pancreatic + surgery, data = d)
  expect_error(cox_table(data.frame(x = 1)), class = "survstep_error_input")
  expect_error(cox_table(uv, mv), class = "survstep_error_input")
  expect_error(cox_table(uv, lm(time ~ age, data = d)),
               class = "survstep_error_input")
  expect_error(cox_table(uv, conf_level = 2), class = "survstep_error_input")
  expect_snapshot(error = TRUE, cox_table(uv, mv))
})

test_that("compare_published() shows exempt numbers without assessing them", {
  pub <- data.frame(id = c("a", "b"), statistic = "count", value = c(3, 4))
  rep <- data.frame(id = c("a", "b"), value = c(3, 9))
  tol <- compare_tolerance(b = list(exempt = "contradicts a"))
  out <- compare_published(rep, pub, tol)
  expect_identical(out$within, c(TRUE, NA))
  expect_identical(out$tolerance[2], "not assessed: contradicts a")
  expect_identical(out$reproduced, c(3, 9))
  expect_error(compare_tolerance(b = list(exempt = 1)),
               class = "survstep_error_input")
})

test_that("km_table() shows unreached and unestimable bounds as the paper would", {
  d <- g3nelm()
  tab <- km_table(Surv(time, status) ~ surgery, data = d,
                  median_method = "survival")
  f <- format(tab)
  # the upper bounds are not reached: shown as "NR", never as "NA"
  expect_true(all(is.na(tab$conf.high)))
  expect_false(any(grepl("NA", f[[4]], fixed = TRUE)))
  expect_identical(f[[4]], sprintf("%.1f (%.1f-NR)", tab$median, tab$conf.low))
  expect_identical(format(tab, bound_not_reached = "not reached")[[4]][1],
                   sprintf("%.1f (%.1f-not reached)", tab$median[1],
                           tab$conf.low[1]))
  # SPSS: no standard error of the median when it is the last event time
  d2 <- data.frame(time = 1:6, status = c(1, 1, 1, 0, 0, 0))
  tab2 <- km_table(Surv(time, status) ~ 1, data = d2, times = 2)
  expect_true(is.na(tab2$conf.low) && is.na(tab2$conf.high))
  expect_identical(format(tab2)[[4]], "3.0 (NE)")
  expect_snapshot(print(tab))
  expect_snapshot(print(tab2))
})

test_that("km_table() refuses a continuous grouping variable", {
  d <- g3nelm()
  expect_snapshot(error = TRUE, km_table(Surv(time, status) ~ age, data = d))
  expect_error(km_table(Surv(time, status) ~ age, data = d),
               class = "survstep_error_input")
  expect_s3_class(km_table(Surv(time, status) ~ age, data = d,
                           max_groups = 50, times = 12),
                  "survstep_km_table")
})
