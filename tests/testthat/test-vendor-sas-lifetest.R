# survstep against PROC LIFETEST output printed for the public whas500 data
# and a ten-subject example (PSI AIMS CAMIS project; sources, commands and
# transcriptions in fixtures/README.md and the fixture headers). Each number
# is compared to the digits SAS printed.

whas <- function() {
  d <- read_fixture("whas500.csv")
  # SAS: lenfoly = round(lenfol/365.25, 0.01); no lenfol gives an exact
  # half (800 lenfol = 1461 (2m + 1) has no integer solution), so R's round()
  # agrees with SAS's
  d$lenfoly <- round(d$lenfol / 365.25, 2)
  d
}

test_that("the whas500 transcription has the counts the sources print", {
  d <- whas()
  expect_identical(nrow(d), 500L)
  expect_identical(sum(d$fstat), 215L)
  expect_identical(sum(d$fstat == 0L), 285L)
  expect_identical(length(unique(d$id)), 500L)
  # the Number Failed / Number Left columns of the SAS time-list table
  km_tab <- read_fixture("sas-lifetest-whas500-km.csv")
  for (i in seq_len(nrow(km_tab))) {
    g <- d[d$afb == km_tab$afb[i], ]
    expect_identical(sum(g$fstat == 1L & g$lenfoly <= km_tab$lenfoly[i]),
                     km_tab$failed[i])
    expect_identical(sum(g$lenfoly > km_tab$lenfoly[i]), km_tab$left[i])
  }
})

test_that("LIFETEST TEST= statistics on whas500 match to the printed digit", {
  d <- whas()
  tab <- read_fixture("sas-lifetest-whas500-tests.csv")
  expect_identical(nrow(tab), 14L)
  for (i in seq_len(nrow(tab))) {
    f <- if (tab$time[i] == "lenfol") Surv(lenfol, fstat) ~ afb else
      Surv(lenfoly, fstat) ~ afb
    args <- list(f, data = d, test = tab$test[i])
    if (tab$test[i] == "fleming-harrington") {
      args$p <- tab$p[i]
      args$q <- tab$q[i]
    }
    r <- do.call(logrank_test, args)
    lab <- paste(tab$page[i], tab$time[i], tab$sas_label[i])
    expect_printed(unname(r$statistic), tab$chisq[i], 4, lab)
    expect_identical(as.integer(r$df), tab$df[i])
    expect_printed(unname(r$p.value), tab$pvalue[i], 4, lab)
  }
})

test_that("LIFETEST product-limit estimates at TIMELIST=1 3 5 match", {
  d <- whas()
  tab <- read_fixture("sas-lifetest-whas500-km.csv")
  fit <- km(Surv(lenfoly, fstat) ~ afb, data = d)
  at <- km_at(fit, times = c(1, 3, 5))
  for (i in seq_len(nrow(tab))) {
    row <- at[at$strata == paste0("afb=", tab$afb[i]) &
                at$time == tab$timelist[i], ]
    expect_identical(nrow(row), 1L)
    lab <- sprintf("afb=%d t=%d", tab$afb[i], tab$timelist[i])
    expect_printed(row$estimate, tab$survival[i], 4, lab)
    expect_printed(1 - row$estimate, tab$failure[i], 4, lab)
    expect_printed(row$std.error, tab$se[i], 4, lab)
  }
})

test_that("LIFETEST quartile estimates and LOGLOG limits match (SAS rule)", {
  d <- whas()
  tab <- read_fixture("sas-lifetest-whas500-quartiles.csv")
  fit <- km(Surv(lenfoly, fstat) ~ afb, data = d)
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75), method = "sas")
  for (i in seq_len(nrow(tab))) {
    row <- q[q$strata == paste0("afb=", tab$afb[i]) &
               q$prob == tab$percent[i] / 100, ]
    expect_identical(nrow(row), 1L)
    lab <- sprintf("afb=%d %d%%", tab$afb[i], tab$percent[i])
    expect_printed(row$estimate, tab$estimate[i], 5, lab)
    expect_printed(row$conf.low, tab$lower[i], 5, lab)
    # three of the six upper limits are missing in SAS: the set runs to the
    # last step with S > 0 (the next step takes S to 0)
    expect_printed(row$conf.high, tab$upper[i], 5, lab)
  }
  # the median table gives the same numbers
  med <- km_median(fit, method = "sas")
  m <- tab[tab$percent == 50, ]
  expect_printed(med$median, m$estimate, 5, "median")
  expect_printed(med$conf.low, m$lower, 5, "median lower")
  expect_printed(med$conf.high, m$upper, 5, "median upper")
})

test_that("LIFETEST quartiles and time-list rates of the ten-subject cases", {
  dat <- read_fixture("sas-lifetest-camis-flat.csv")
  res <- read_fixture("sas-lifetest-camis-flat-results.csv")
  for (cs in c("A", "B")) {
    d <- dat[dat$case == cs, ]
    expect_identical(sum(d$status), if (cs == "A") 5L else 6L)
    fit <- km(Surv(time, status) ~ 1, data = d, conf_type = "log-log")
    r <- res[res$case == cs & res$quantity == "quartile", ]
    q <- quantile(fit, probs = r$at / 100, method = "sas")
    lab <- paste("case", cs, "quartiles")
    expect_printed(q$estimate, r$estimate, r$digits_est, lab)
    expect_printed(q$conf.low, r$lower, r$digits_lim, lab)
    expect_printed(q$conf.high, r$upper, r$digits_lim, lab)
    r <- res[res$case == cs & res$quantity == "rate", ]
    a <- km_at(fit, times = r$at)
    lab <- paste("case", cs, "rates")
    expect_printed(a$estimate, r$estimate, r$digits_est, lab)
    expect_printed(a$conf.low, r$lower, r$digits_lim, lab)
    expect_printed(a$conf.high, r$upper, r$digits_lim, lab)
  }
})
