# cohort_table(): every number against base R computed here ----------------

colon2 <- function() {
  d <- subset(survival::colon, etype == 2)
  d$sex <- factor(d$sex, 0:1, c("female", "male"))
  d
}

cell <- function(tab, var, level, group) {
  tab[[group]][tab$variable == var & tab$level == level]
}

test_that("categorical counts and percentages equal table() on colon", {
  d <- colon2()
  tab <- cohort_table(d, by = "rx", vars = c("sex", "differ"),
                      type = c(differ = "categorical"))
  st <- tidy(tab)
  for (g in levels(d$rx)) {
    dd <- d[d$rx == g, ]
    ref <- table(dd$differ)
    for (l in names(ref)) {
      r <- st[st$variable == "differ" & st$level == l & st$group == g, ]
      expect_identical(r$n, as.integer(ref[[l]]))
      expect_equal(r$percent, 100 * ref[[l]] / sum(!is.na(dd$differ)),
                   tolerance = 1e-12)
    }
    expect_identical(cell(tab, "differ", "Missing", g),
                     as.character(sum(is.na(dd$differ))))
    expect_identical(
      cell(tab, "sex", "male", g),
      sprintf("%d (%.1f)", sum(dd$sex == "male"), 100 * mean(dd$sex == "male"))
    )
  }
  # overall column: all rows
  expect_identical(st$n[st$variable == "sex" & st$level == "female" &
                          st$group == "Overall"], sum(d$sex == "female"))
  expect_identical(attr(tab, "n"),
                   c(Overall = nrow(d), table(d$rx)[levels(d$rx)]) |>
                     (\(z) stats::setNames(as.integer(z), names(z)))())
})

test_that("p-values equal chisq.test(), fisher.test(), wilcox.test(), t.test()", {
  d <- colon2()
  d2 <- d[d$rx != "Lev", ]
  d2$rx <- droplevels(d2$rx)
  tab <- cohort_table(d2, by = "rx", vars = c("sex", "age", "nodes", "obstruct"),
                      tests = c(nodes = "t", obstruct = "fisher"))
  p <- stats::setNames(tab$p.value[!duplicated(tab$variable)],
                       unique(tab$variable))
  expect_equal(p[["sex"]],
               chisq.test(table(d2$sex, d2$rx), correct = FALSE)$p.value,
               tolerance = 1e-12)
  expect_equal(p[["age"]], suppressWarnings(wilcox.test(age ~ rx, d2))$p.value,
               tolerance = 1e-12)
  expect_equal(p[["nodes"]], t.test(nodes ~ rx, d2, var.equal = TRUE)$p.value,
               tolerance = 1e-12)
  expect_equal(p[["obstruct"]],
               fisher.test(table(d2$obstruct, d2$rx))$p.value,
               tolerance = 1e-12)
  expect_identical(tab$test[!duplicated(tab$variable)],
                   c("chi-square", "Wilcoxon rank-sum", "t-test",
                     "Fisher exact"))
  # three groups: Kruskal-Wallis, ANOVA, Welch
  tab3 <- cohort_table(d, by = "rx", vars = c("age", "nodes"),
                       tests = c(nodes = "welch"), continuous_test = "t")
  expect_equal(tab3$p.value[tab3$variable == "age"][1],
               summary(aov(age ~ rx, d))[[1]][["Pr(>F)"]][1],
               tolerance = 1e-10)
  expect_equal(tab3$p.value[tab3$variable == "nodes"][1],
               oneway.test(nodes ~ rx, d)$p.value, tolerance = 1e-12)
  tabk <- cohort_table(d, by = "rx", vars = "age")
  expect_equal(tabk$p.value[1], kruskal.test(age ~ rx, d)$p.value,
               tolerance = 1e-12)
})

test_that("'auto' chooses Fisher exactly when an expected count is below 5", {
  pbc <- survival::pbc
  tab <- cohort_table(pbc, by = "trt", vars = c("ascites", "sex", "edema"),
                      type = c(edema = "categorical"))
  first <- tab[!duplicated(tab$variable), ]
  ok <- !is.na(pbc$trt)
  for (v in first$variable) {
    tt <- table(pbc[[v]][ok], pbc$trt[ok])
    e <- suppressWarnings(chisq.test(tt, correct = FALSE))$expected
    ref <- if (any(e < 5)) fisher.test(tt)$p.value else
      chisq.test(tt, correct = FALSE)$p.value
    expect_equal(first$p.value[first$variable == v], ref, tolerance = 1e-12)
    expect_identical(first$test[first$variable == v],
                     if (any(e < 5)) "Fisher exact" else "chi-square")
  }
  # rows with a missing group are in Overall only
  expect_identical(attr(tab, "n")[["Overall"]], nrow(pbc))
  expect_identical(sum(attr(tab, "n")[-1]), sum(ok))
})

test_that("continuous summaries equal mean/sd/quantile, any quantile type", {
  pbc <- survival::pbc
  for (qt in c(2, 6, 7)) {
    tab <- cohort_table(pbc, by = "trt", vars = c("bili", "chol"),
                        quantile_type = qt, digits = c(chol = 0))
    st <- tidy(tab)
    for (g in c("1", "2")) {
      x <- pbc$chol[!is.na(pbc$trt) & pbc$trt == as.numeric(g)]
      r <- st[st$variable == "chol" & st$group == g, ]
      q <- quantile(x, c(0.25, 0.5, 0.75), type = qt, na.rm = TRUE,
                    names = FALSE)
      expect_equal(c(r$q1, r$median, r$q3), q, tolerance = 1e-12)
      expect_equal(r$mean, mean(x, na.rm = TRUE), tolerance = 1e-12)
      expect_equal(r$sd, sd(x, na.rm = TRUE), tolerance = 1e-12)
      expect_identical(cell(tab, "chol", "", g),
                       sprintf("%.0f (%.0f, %.0f)", q[2], q[1], q[3]))
      expect_identical(cell(tab, "chol", "Missing", g),
                       as.character(sum(is.na(x))))
    }
  }
})

test_that("the paper's Table 1 reproduces the published counts and moments", {
  res <- du2015_analysis()
  tab <- res$table1
  expect_s3_class(tab, "survstep_cohort_table")
  t1 <- du2015_targets()
  t1 <- t1[t1$table == "Table 1" & t1$section == "characteristics", ]
  f <- format(tab)
  val <- stats::setNames(f[[2]], trimws(f[[1]]))
  # published: counts (%) and mean +/- SD, as printed in the paper
  expect_identical(val[["Sex (male)"]], "26 (72.2)")
  expect_identical(val[["Age, years"]], "53.6 \u00b1 13.1")
  expect_identical(val[["Presence of symptoms"]], "31 (86.1)")
  expect_identical(val[["A"]], "26 (72.2)")
  expect_identical(val[["B"]], "10 (27.8)")
  expect_identical(val[["Albumin, g/L"]], "38.4 \u00b1 6.4")
  expect_identical(val[["Total bilirubin, mg/dL"]], "1.24 \u00b1 0.59")
  expect_identical(val[["Prothrombin time, s"]], "11.7 \u00b1 1.1")
  expect_identical(val[["Presence of ascites"]], "4 (11.1)")
  expect_identical(val[["Pancreas"]], "12 (33.3)")
  expect_identical(val[["Digestive tract"]], "24 (66.7)")
  expect_identical(val[["Size of primary tumor, mm"]], "44.2 \u00b1 20.9")
  expect_identical(val[["Number of liver metastases >3"]], "30 (83.3)")
  expect_identical(val[["Size of largest liver metastasis, mm"]],
                   "29.1 \u00b1 27.8")
  expect_identical(val[["Synchronous hepatic metastasis"]], "25 (69.4)")
  expect_identical(val[["Extrahepatic metastasis"]], "8 (22.2)")
  expect_identical(val[["Ki-67, %"]], "53.5 \u00b1 21.2")
  expect_identical(names(f)[2], "Overall (N = 36)")
})

test_that("non-syntactic column names and logical columns work", {
  d <- data.frame(`Age (years)` = c(50, 60, 70, 80, 55, 65),
                  `ECOG 2+` = c(TRUE, FALSE, TRUE, TRUE, FALSE, NA),
                  arm = rep(c("a", "b"), 3), check.names = FALSE)
  tab <- cohort_table(d, by = "arm")
  expect_identical(unique(tab$variable), c("Age (years)", "ECOG 2+"))
  expect_identical(cell(tab, "ECOG 2+", "TRUE", "a"), "2 (66.7)")
  expect_identical(cell(tab, "ECOG 2+", "Missing", "b"), "1")
  expect_snapshot(print(tab))
})

test_that("printed tables are stable", {
  d <- colon2()
  expect_snapshot(print(cohort_table(
    d, by = "rx", vars = c("age", "sex", "differ", "nodes"),
    statistic = c(age = "mean_sd"), type = c(differ = "categorical"),
    labels = c(differ = "Differentiation"))))
  expect_snapshot(print(cohort_table(d, vars = c("age", "obstruct"),
                                     statistic = "median_range",
                                     missing = "always")))
})

test_that("bad input gives classed errors", {
  d <- colon2()
  expect_snapshot(error = TRUE, cohort_table(d, by = "arm"))
  expect_snapshot(error = TRUE, cohort_table(d, vars = c("age", "bmi")))
  d$empty <- NA_real_
  expect_snapshot(error = TRUE, cohort_table(d, by = "rx", vars = "empty"))
  expect_snapshot(error = TRUE,
                  cohort_table(d, by = "rx", vars = "sex",
                               tests = c(sex = "t")))
  expect_snapshot(error = TRUE,
                  cohort_table(d, vars = "sex", statistic = c(sex = "mean_sd")))
  expect_snapshot(error = TRUE, cohort_table(d, vars = "age", test = TRUE))
  expect_snapshot(error = TRUE, cohort_table(d, vars = "id",
                                             type = c(id = "categorical")))
  expect_snapshot(error = TRUE, cohort_table(d, vars = "age",
                                             statistic = c(age = "mean")))
  expect_snapshot(error = TRUE, cohort_table(as.list(d)))
  expect_snapshot(error = TRUE, cohort_table(d, vars = "age", conf.level = 1))
  expect_error(cohort_table(d, by = "arm"), class = "survstep_error_input")
})

test_that("a statistic that rounds to zero prints as 0.0, not -0.0", {
  d <- data.frame(x = c(-0.04, -0.02, 0.5, 0.8, 1, -0.03))
  expect_lt(stats::quantile(d$x, 0.25), 0)
  ct <- cohort_table(d, vars = "x", statistic = "median_iqr")
  cells <- unlist(format(ct))
  expect_false(any(grepl("-0.0", cells, fixed = TRUE)))
  expect_true(any(grepl("(0.0, ", cells, fixed = TRUE)))
})
