# survstep against Stata output printed for Stata's public cancer.dta
# ("Patient survival in drug trial"; stata.com "Survival example" page;
# sources in fixtures/README.md and the fixture headers), compared to the
# digits Stata printed.

stata_cancer <- function() {
  d <- read_fixture("stata-cancer.csv")
  d$dose <- factor(d$drug, 1:3, c("Control", "5 mg", "10 mg"))
  d
}

stata_table <- function(which) {
  tab <- read_fixture("stata-sts-cancer.csv")
  tab[tab$table == which, ]
}

test_that("the cancer.dta transcription has the counts Stata prints", {
  d <- stata_cancer()
  st <- stata_table("stset")
  expect_identical(nrow(d), st$n)
  expect_identical(sum(d$died), st$events)
  expect_identical(sum(d$studytime), st$time_at_risk)
  expect_identical(max(d$studytime), 39L)
  expect_identical(median(d$studytime), 12.5)  # stdescribe: exit time
  expect_identical(mean(d$studytime), 15.5)
  ss <- stata_table("stsum")
  ss <- ss[ss$dose != "All", ]
  for (i in seq_len(nrow(ss))) {
    g <- d[d$dose == ss$dose[i], ]
    expect_identical(nrow(g), ss$n[i])
    expect_identical(sum(g$studytime), ss$time_at_risk[i])
    expect_printed(sum(g$died) / sum(g$studytime), ss$rate[i], 7, ss$dose[i])
  }
  li <- stata_table("list")
  for (i in seq_len(nrow(li))) {
    g <- d[d$dose == li$dose[i] & d$studytime == li$time[i], ]
    expect_identical(c(sum(g$died), sum(g$died == 0L)),
                     c(li$events[i], li$lost[i]))
  }
})

test_that("stsum survival-time percentiles match", {
  d <- stata_cancer()
  ss <- stata_table("stsum")
  fit <- km(Surv(studytime, died) ~ dose, data = d)
  all <- km(Surv(studytime, died) ~ 1, data = d)
  for (i in seq_len(nrow(ss))) {
    f <- if (ss$dose[i] == "All") all else fit
    q <- quantile(f, probs = c(0.25, 0.5, 0.75))
    if (ss$dose[i] != "All") q <- q[q$strata == paste0("dose=", ss$dose[i]), ]
    expect_printed(q$estimate, c(ss$p25[i], ss$p50[i], ss$p75[i]), 0,
                   ss$dose[i])
    m <- km_median(f)
    if (ss$dose[i] != "All") m <- m[m$strata == paste0("dose=", ss$dose[i]), ]
    expect_printed(m$median, ss$p50[i], 0, paste(ss$dose[i], "median"))
  }
})

test_that("sts list (Kaplan-Meier, Greenwood SE, log-log CI) matches", {
  d <- stata_cancer()
  li <- stata_table("list")
  fit <- km(Surv(studytime, died) ~ dose, data = d, conf_type = "log-log")
  for (i in seq_len(nrow(li))) {
    a <- km_at(fit, times = li$time[i])
    a <- a[a$strata == paste0("dose=", li$dose[i]), ]
    lab <- paste(li$dose[i], li$time[i])
    expect_identical(a$n.risk, as.numeric(li$n[i]))
    expect_printed(a$estimate, li$surv[i], 4, lab)
    expect_printed(a$std.error, li$se[i], 4, lab)
    expect_printed(a$conf.low, li$lower[i], 4, lab)
    if (li$upper_read[i] == 1L) expect_printed(a$conf.high, li$upper[i], 4, lab)
  }
})

test_that("sts list, compare matches except after a curve has reached 0", {
  d <- stata_cancer()
  cmp <- stata_table("compare")
  fit <- km(Surv(studytime, died) ~ dose, data = d)
  a <- km_at(fit, times = sort(unique(cmp$time)))
  key <- paste(a$strata, a$time)
  s <- a$estimate[match(paste0("dose=", cmp$dose, " ", cmp$time), key)]
  # Stata prints "." for the Control curve from t = 25 on, after its last
  # time (23, the death that takes S to 0); survstep reports 0 there, as
  # SAS does for a time after a last event (test-vendor-sas-lifetest.R)
  after_zero <- cmp$dose == "Control" & cmp$time > 23
  expect_identical(sum(after_zero), 5L)
  expect_printed(s[!after_zero], cmp$surv[!after_zero], 4, "compare")
  expect_true(all(is.na(cmp$surv[after_zero])))
  expect_identical(s[after_zero], rep(0, 5))
})
