# survstep against PROC PHREG output printed for the public whas500 data
# (PSI AIMS CAMIS project; source in fixtures/README.md and the fixture
# header), compared to the digits SAS printed.

whas_phreg_fit <- function(convergence) {
  d <- read_fixture("whas500.csv")
  d$afb0 <- as.numeric(d$afb == 0L)  # SAS CLASS reference = the last level
  cox(Surv(lenfol, fstat) ~ afb0, data = d, ties = "breslow",
      control = cox_control(convergence = convergence))
}

test_that("PHREG CLASS afb / RL on whas500 matches to the printed digit", {
  tab <- read_fixture("sas-phreg-whas500.csv")
  fit <- whas_phreg_fit("sas")
  td <- tidy(fit)
  ci <- tidy(fit, exponentiate = TRUE, conf.int = TRUE)
  expect_printed(td$estimate, tab$estimate, 5, "estimate")
  expect_printed(td$std.error, tab$se, 5, "standard error")
  expect_printed(td$statistic^2, tab$chisq, 4, "Wald chi-square")
  expect_printed(td$p.value, tab$pvalue, 4, "p")
  expect_printed(ci$estimate, tab$hr, 3, "hazard ratio")
  expect_printed(ci$conf.low, tab$hr_lower, 3, "lower limit")
  expect_printed(ci$conf.high, tab$hr_upper, 3, "upper limit")
})

test_that("PHREG's printed Wald chi-square needs its own stopping rule", {
  # PHREG stops (GCONV=1E-8) one Newton step before coxph's rule does; the
  # fully converged fit (= coxph(ties = "breslow")) gives 10.6142, not the
  # printed 10.6143, while the estimate, SE and HR agree to the printed digit
  tab <- read_fixture("sas-phreg-whas500.csv")
  sas <- whas_phreg_fit("sas")
  surv <- whas_phreg_fit("survival")
  expect_lt(sas$iter, surv$iter)
  td <- tidy(surv)
  expect_printed(td$estimate, tab$estimate, 5, "estimate")
  expect_printed(td$std.error, tab$se, 5, "standard error")
  expect_false(printed_match(td$statistic^2, tab$chisq, 4))
  expect_identical(round(td$statistic^2, 4), 10.6142)
})

test_that("PHREG SELECTION=SCORE BEST=3 on the myeloma data matches to the printed digit", {
  d <- read_fixture("myeloma.csv")
  expect_identical(c(nrow(d), sum(d$VStatus)), c(65L, 48L))
  tab <- read_fixture("sas-phreg-myeloma-score.csv")
  bs <- cox_best_subsets(Surv(Time, VStatus) ~ LogBUN + HGB + Platelet + Age +
                           LogWBC + Frac + LogPBM + Protein + SCalc,
                         data = d, ties = "breslow", best = 3)
  got <- tidy(bs)
  got <- got[got$size == 2L, ]
  expect_identical(got$terms, tab$terms)
  expect_identical(got$rank, tab$rank)
  expect_printed(got$chisq, tab$chisq, 4, "score chi-square")
})
