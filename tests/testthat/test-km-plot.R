# plot.survstep_km: runs on png and pdf devices, returns the risk table.

library(survival)

plot_to <- function(device, expr) {
  f <- tempfile(fileext = paste0(".", device))
  if (device == "png") {
    grDevices::png(f, width = 7, height = 5, units = "in", res = 72)
  } else {
    grDevices::pdf(f, width = 7, height = 5)
  }
  on.exit({
    grDevices::dev.off()
    unlink(f)
  })
  force(expr)
}

test_that("the number-at-risk table agrees with summary(survfit, times)", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  br <- seq(0, 1000, by = 250)
  risk <- plot_to("pdf", plot(fit, breaks = br))
  ss <- summary(survfit(Surv(time, status) ~ sex, data = lung), times = br,
                extend = TRUE)
  expect_identical(risk$n.risk, ss$n.risk)
  expect_identical(risk$time, rep(br, 2))
  expect_identical(risk$strata, as.character(ss$strata))
})

test_that("xscale converts the time axis", {
  fit <- km(Surv(time, status) ~ 1, data = lung)
  risk <- plot_to("pdf", plot(fit, xscale = 30.4375, breaks = seq(0, 36, 12)))
  expect_identical(risk$n.risk, km_at(fit, seq(0, 36, 12) * 30.4375)$n.risk)
})

test_that("all options draw without warnings on png and pdf", {
  fit <- km(Surv(time, status) ~ ph.ecog, data = lung)
  for (dev in c("png", "pdf")) {
    expect_silent(plot_to(dev, plot(fit, conf_int = TRUE,
                                    median_lines = TRUE,
                                    p_value = list(p.value = 2e-6,
                                                   test = "logrank"),
                                    xlab = "Time (days)", main = "Lung")))
    expect_silent(plot_to(dev, plot(fit, risk_table = FALSE, legend = FALSE,
                                    mark_censor = FALSE, col = "black",
                                    lty = 1:4, p_value = 0.04,
                                    legend_pos = "bottomleft",
                                    p_pos = "topright")))
  }
  w <- km(Surv(time, status) ~ sex, data = lung, weights = age / 60)
  expect_silent(plot_to("png", plot(w, labels = c("Male", "Female"))))
  expect_invisible(plot_to("pdf", plot(w)))
})

test_that("p-value labels", {
  expect_identical(km_p_label(0.00131), "p = 0.0013")
  expect_identical(km_p_label(0.0654), "p = 0.065")
  expect_identical(km_p_label(0.5), "p = 0.50")
  expect_identical(km_p_label(1e-5), "p < 0.001")
  expect_identical(km_p_label(structure(list(p.value = 0.2, test = "logrank"),
                                        class = "survstep_logrank")),
                   "Log-rank p = 0.20")
  expect_identical(km_p_label(list(p.value = 0.2)), "p = 0.20")
})

test_that("bad plot arguments give classed errors", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  expect_snapshot(plot_to("pdf", plot(fit, p_value = "x")), error = TRUE)
  expect_snapshot(plot_to("pdf", plot(fit, labels = "a")), error = TRUE)
  expect_snapshot(plot_to("pdf", plot(fit, breaks = c(0, NA))),
                  error = TRUE)
  expect_error(plot_to("pdf", plot(fit, xscale = 0)),
               class = "survstep_error_input")
})

test_that("fun = event, cumhaz and cloglog draw with the risk table", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  base <- plot_to("pdf", plot(fit, breaks = c(10, 100, 500, 1000)))
  for (f in c("surv", "event", "cumhaz", "cloglog")) {
    for (dev in c("png", "pdf")) {
      expect_silent(r <- plot_to(dev, plot(fit, fun = f, conf_int = TRUE,
                                           breaks = c(10, 100, 500, 1000),
                                           p_value = 0.001)))
      expect_identical(r, base)
    }
  }
  expect_silent(plot_to("png", plot(fit, fun = "event",
                                    median_lines = TRUE)))
  expect_silent(plot_to("png", plot(fit, fun = "cloglog")))
  one <- km(Surv(time, status) ~ 1, data = lung)
  expect_silent(plot_to("png", plot(one, fun = "cumhaz", conf_int = TRUE)))
})

test_that("the plot keeps par(mfrow) layouts and restores what it set", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  plot_to("pdf", {
    op <- par(mfrow = c(1, 2), mar = c(1, 1, 1, 1))
    plot(fit)
    expect_identical(par("mfg"), c(1L, 1L, 1L, 2L))
    expect_identical(par("mar"), c(1, 1, 1, 1))
    plot(fit, fun = "cloglog")
    expect_identical(par("mfg"), c(1L, 2L, 1L, 2L))
    par(op)
  })
})

test_that("Cox curves plot like Kaplan-Meier curves", {
  cf <- cox(Surv(time, status) ~ age + sex, data = lung)
  sf <- cox_survfit(cf, data.frame(age = c(50, 70), sex = 1))
  for (f in c("surv", "event", "cumhaz", "cloglog")) {
    expect_silent(r <- plot_to("png", plot(sf, fun = f, conf_int = TRUE)))
  }
  expect_identical(r$n.risk, km_at(sf, r$time[1:(nrow(r) / 2)])$n.risk)
})

test_that("bad fun arguments give classed errors", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  expect_snapshot(plot_to("pdf", plot(fit, fun = "log")), error = TRUE)
  expect_snapshot(plot_to("pdf", plot(fit, fun = "cloglog",
                                      breaks = c(0, 100))), error = TRUE)
  expect_snapshot(plot_to("pdf", plot(fit, fun = "cumhaz",
                                      median_lines = TRUE)), error = TRUE)
})

test_that("cumulative events and censored rows agree with summary(survfit)", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  br <- c(0, 100, 365, 500, 800)
  risk <- plot_to("png", plot(fit, breaks = br,
                              risk_rows = c("at_risk", "events", "censored")))
  ss <- summary(survfit(Surv(time, status) ~ sex, data = lung), times = br,
                extend = TRUE)
  # summary() counts the events and censorings in (previous time, time]
  cum <- function(v) unlist(lapply(split(v, ss$strata), cumsum),
                            use.names = FALSE)
  expect_equal(risk$n.event.cum, cum(ss$n.event))
  expect_equal(risk$n.censor.cum, cum(ss$n.censor))
  # everyone is at risk, has had the event or was censored by the last break
  n0 <- as.vector(table(lung$sex))
  last <- risk$time == max(br)
  expect_equal(risk$n.event.cum[last] + risk$n.censor.cum[last] +
                 risk$n.risk[last] -
                 vapply(split(lung$time, lung$sex), function(t) sum(t == max(br)),
                        numeric(1), USE.NAMES = FALSE),
               n0)
  expect_error(plot_to("png", plot(fit, risk_rows = "deaths")),
               class = "survstep_error_input")
  expect_error(plot_to("png", plot(fit, risk_rows = character(0))),
               class = "survstep_error_input")
})

test_that("hr = a cox() fit prints its hazard ratios", {
  fit <- km(Surv(time, status) ~ sex, data = lung)
  hr <- cox(Surv(time, status) ~ sex, data = lung)
  td <- tidy(hr, exponentiate = TRUE, conf.int = TRUE)
  lab <- survstep:::km_hr_label(hr)
  expect_identical(lab, sprintf("HR %.2f (95%% CI %.2f-%.2f)", td$estimate,
                                td$conf.low, td$conf.high))
  lung2 <- lung
  lung2$ecog <- factor(lung2$ph.ecog)
  h3 <- cox(Surv(time, status) ~ ecog, data = lung2)
  expect_identical(substr(survstep:::km_hr_label(h3), 1, 8),
                   c("1 vs 0: ", "2 vs 0: ", "3 vs 0: "))
  f <- tempfile(fileext = ".png")
  grDevices::png(f, width = 5, height = 5, units = "in", res = 72)
  plot(fit, hr = hr, p_value = 0.001)
  grDevices::dev.off()
  expect_gt(file.size(f), 5000)
  unlink(f)
  expect_error(plot_to("png", plot(fit, hr = "0.59")),
               class = "survstep_error_input")
})

test_that("a figure too small for the risk table: fewer rows, then none, with a warning", {
  fit <- km(Surv(time, status) ~ celltype, data = survival::veteran)
  all3 <- c("at_risk", "events", "censored")
  # the margin texts drawn (from the display list)
  draw <- function(w, h, ...) {
    f <- tempfile(fileext = ".png")
    grDevices::png(f, width = w, height = h, units = "in", res = 72)
    on.exit({
      grDevices::dev.off()
      unlink(f)
    })
    grDevices::dev.control("enable")
    plot(fit, ...)
    rp <- grDevices::recordPlot()
    unlist(lapply(rp[[1]], function(e) {
      a <- e[[2]]
      nm <- tryCatch(a[[1]]$name, error = function(err) "")
      if (identical(nm, "C_mtext")) as.character(a[[2]])
    }))
  }
  titles <- c("Number at risk", "Cumulative events", "Cumulative censored")
  # big enough: no warning, all rows
  expect_no_warning(t_all <- draw(7, 7, risk_rows = all3))
  expect_true(all(titles %in% t_all))
  # three rows do not fit at 3.5 x 4.2 in, one does
  expect_warning(t_one <- draw(3.5, 4.2, risk_rows = all3),
                 class = "survstep_warning_plot_space")
  expect_true("Number at risk" %in% t_one)
  expect_false(any(titles[-1] %in% t_one))
  expect_no_warning(t_one2 <- draw(3.5, 4.2, risk_rows = "at_risk"))
  expect_identical(t_one, t_one2)
  # nothing fits at 3.5 x 2.6 in: the curves alone, not R's error
  w <- character(0)
  withCallingHandlers(t_none <- draw(3.5, 2.6, risk_rows = all3),
                      survstep_warning_plot_space = function(cnd) {
                        w <<- c(w, conditionMessage(cnd))
                        invokeRestart("muffleWarning")
                      })
  expect_length(w, 1L)
  expect_match(w, "left out", fixed = TRUE)
  expect_false(any(titles %in% t_none))
  expect_true("Time" %in% t_none)
})
