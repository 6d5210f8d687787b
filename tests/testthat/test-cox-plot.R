# Forest plots of cox() fits, cox_univariable() results and cox_table()s.

library(survival)

plot_to <- function(device, expr, file = NULL) {
  f <- if (is.null(file)) tempfile(fileext = paste0(".", device)) else file
  if (device == "png") {
    grDevices::png(f, width = 7, height = 5, units = "in", res = 100)
  } else {
    grDevices::pdf(f, width = 7, height = 5)
  }
  on.exit({
    grDevices::dev.off()
    if (is.null(file)) unlink(f)
  })
  force(expr)
}

lung2 <- lung
lung2$ph.ecog <- factor(lung2$ph.ecog)

test_that("the rows of a cox() fit: estimates, reference rows, counts", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
  r <- plot_to("pdf", plot(fit))
  expect_identical(r$label, c("age", "sex", "ph.ecog", "0", "1", "2", "3"))
  expect_identical(r$heading, c(FALSE, FALSE, TRUE, rep(FALSE, 4)))
  expect_identical(r$reference, c(FALSE, FALSE, FALSE, TRUE, rep(FALSE, 3)))
  est <- r[!r$heading & !r$reference, ]
  expect_equal(est$estimate, unname(exp(coef(fit))))
  ci <- exp(confint(fit))
  expect_equal(est$conf.low, unname(ci[, 1]))
  expect_equal(est$conf.high, unname(ci[, 2]))
  # counts per level of the fitted rows
  used <- na.omit(lung2[, c("time", "status", "age", "sex", "ph.ecog")])
  tab <- table(used$ph.ecog)
  expect_equal(r$n[4:7], as.numeric(tab))
  expect_equal(r$events[4:7],
               as.numeric(tapply(used$status == 2, used$ph.ecog, sum)))
  expect_equal(r$n[1:2], c(fit$n, fit$n))
  # the term's multi-df Wald p-value on the heading row
  expect_equal(r$p.value[3], summary(fit)$term_tests$p.value)
  # labels by term and by coefficient
  r2 <- plot_to("pdf", plot(fit, labels = c(age = "Age", ph.ecog = "ECOG",
                                            ph.ecog3 = "ECOG 3")))
  expect_identical(r2$label[c(1, 3, 7)], c("Age", "ECOG", "ECOG 3"))
})

test_that("cox_univariable() and cox_table() results", {
  uv <- cox_univariable(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
  expect_s3_class(uv, "survstep_univariable")
  r <- plot_to("pdf", plot(uv))
  expect_identical(r$label, c("age", "sex", "ph.ecog", "0", "1", "2", "3"))
  expect_equal(r$estimate[5:7], uv$estimate[3:5])
  expect_equal(r$p.value[3], uv$p.value.term[3])
  # per-level counts (the factor's heading line has none)
  expect_identical(r$n[3], NA_real_)
  cc <- lung2[stats::complete.cases(lung2[, c("time", "status", "age", "sex",
                                              "ph.ecog")]), ]
  expect_equal(r$n[4:7], as.vector(table(cc$ph.ecog)))
  expect_equal(r$events[4:7], as.vector(tapply(cc$status == 2, cc$ph.ecog,
                                               sum)))
  mv <- cox(Surv(time, status) ~ sex + ph.ecog, data = lung2)
  tab <- cox_table(uv, mv)
  r2 <- plot_to("pdf", plot(tab))
  expect_equal(r2$estimate[!is.na(r2$estimate) & !r2$reference],
               unname(c(exp(coef(mv))[1], exp(coef(mv))[-1])),
               ignore_attr = TRUE)
  r3 <- plot_to("pdf", plot(tab, which = "univariable"))
  # the univariable half: every term, the factor with its reference line
  expect_identical(nrow(r3), 7L)
  expect_identical(r3$reference, c(rep(FALSE, 3), TRUE, rep(FALSE, 3)))
  expect_snapshot(error = TRUE, plot_to("pdf", plot(tab, which = "both")))
  expect_snapshot(error = TRUE, plot_to("pdf", plot(mv, xlim = c(0, 2))))
})

test_that("forest plots draw on png and pdf and keep par(mfrow)", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog + wt.loss, data = lung2)
  f <- tempfile(fileext = ".png")
  expect_silent(plot_to("png", plot(fit, main = "Lung cancer"), file = f))
  expect_gt(file.size(f), 5000)
  unlink(f)
  expect_silent(plot_to("pdf", plot(fit, counts = FALSE, cex = 0.8)))
  plot_to("pdf", {
    op <- par(mfrow = c(1, 2))
    plot(fit)
    expect_identical(par("mfg"), c(1L, 1L, 1L, 2L))
    plot(fit)
    expect_identical(par("mfg"), c(1L, 2L, 1L, 2L))
    par(op)
  })
})

test_that("autoplot() forest plots carry the rows of the base forest plots", {
  skip_if_not_installed("ggplot2")
  fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
  g <- ggplot2::autoplot(fit, labels = c(age = "Age"))
  expect_s3_class(g, "ggplot")
  base <- plot_to("pdf", plot(fit, labels = c(age = "Age")))
  expect_equal(g$data$estimate, base$estimate)
  expect_equal(g$data$conf.low, base$conf.low)
  expect_identical(trimws(g$data$label), base$label)
  expect_identical(g$data$y, rev(seq_len(nrow(base))))
  # the points drawn are the estimates of the non-reference lines
  pts <- ggplot2::layer_data(g, 3)
  est <- base$estimate[!base$heading & !base$reference & !is.na(base$estimate)]
  expect_equal(10^pts$x, est)
  uv <- cox_univariable(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
  expect_identical(ggplot2::autoplot(uv)$data$estimate,
                   plot_to("pdf", plot(uv))$estimate)
  tab <- cox_table(uv, cox(Surv(time, status) ~ sex + ph.ecog, data = lung2))
  gt <- ggplot2::autoplot(tab)
  expect_identical(gt$data$estimate, plot_to("pdf", plot(tab))$estimate)
  f <- tempfile(fileext = ".png")
  ggplot2::ggsave(f, gt, width = 6, height = 3, dpi = 72)
  expect_gt(file.size(f), 3000)
  unlink(f)
  expect_error(ggplot2::autoplot(fit, colour = 1:2),
               class = "survstep_error_input")
  expect_error(ggplot2::autoplot(fit, color = "red"),
               class = "survstep_error_unused_argument")
})
