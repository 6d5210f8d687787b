# autoplot(<survstep_km>): the layers carry the fit's numbers ---------------

skip_if_not_installed("ggplot2")
skip_if_not_installed("patchwork")

lung_fit <- function() {
  km(Surv(time, status) ~ sex, data = survival::lung)
}

step_layer <- function(g) {
  i <- which(vapply(g$layers, function(l) inherits(l$geom, "GeomStep"),
                    logical(1)))
  ggplot2::layer_data(g, i)
}

test_that("the step layer is the Kaplan-Meier curve, from (0, 1)", {
  fit <- lung_fit()
  g <- ggplot2::autoplot(fit, risk_table = FALSE)
  expect_s3_class(g, "ggplot")
  ld <- step_layer(g)
  ref <- survival::survfit(Surv(time, status) ~ sex, data = survival::lung)
  k <- rep(1:2, ref$strata)
  for (j in 1:2) {
    lj <- ld[ld$group == j, ]
    expect_equal(lj$x, c(0, ref$time[k == j]), tolerance = 1e-12)
    expect_equal(lj$y, c(1, ref$surv[k == j]), tolerance = 1e-12)
  }
  # event scale: 1 - S; cumulative hazard: -log S
  ev <- step_layer(ggplot2::autoplot(fit, fun = "event", risk_table = FALSE))
  expect_equal(ev$y[ev$group == 1], 1 - c(1, ref$surv[k == 1]),
               tolerance = 1e-12)
  ch <- step_layer(ggplot2::autoplot(fit, fun = "cumhaz", risk_table = FALSE))
  expect_equal(ch$y[ch$group == 2], -log(c(1, ref$surv[k == 2])),
               tolerance = 1e-12)
})

test_that("ribbons hold each interval's bounds; censor marks sit on the curve", {
  fit <- km(Surv(time, status) ~ x, data = survival::aml)
  g <- ggplot2::autoplot(fit, conf_int = TRUE, risk_table = FALSE)
  rib <- ggplot2::layer_data(g, 1)
  ref <- survival::survfit(Surv(time, status) ~ x, data = survival::aml)
  k <- rep(1:2, ref$strata)
  # the band is a step function: points (t_i, lo_i) and (t_{i+1}, lo_i)
  for (j in 1:2) {
    rj <- rib[rib$group == j, ]
    tj <- c(0, ref$time[k == j])
    lo <- c(1, ref$lower[k == j])
    hi <- c(1, ref$upper[k == j])
    n <- length(tj)
    ex <- c(tj[1], rep(tj[-1], each = 2))
    elo <- rep(lo, each = 2)[-2 * n]
    ehi <- rep(hi, each = 2)[-2 * n]
    expect_equal(rj$x, ex, tolerance = 1e-12)
    ok <- !is.na(elo)
    expect_equal(rj$ymin[ok], elo[ok], tolerance = 1e-12)
    expect_equal(rj$ymax[ok], ehi[ok], tolerance = 1e-12)
  }
  pts <- ggplot2::layer_data(g, which(vapply(g$layers, function(l)
    inherits(l$geom, "GeomPoint"), logical(1))))
  cens <- ref$n.censor > 0
  expect_equal(sort(pts$x), sort(ref$time[cens]))
  expect_equal(sort(pts$y), sort(ref$surv[cens]), tolerance = 1e-12)
})

test_that("the risk table shares the axis and counts of km_at()", {
  fit <- lung_fit()
  p <- ggplot2::autoplot(fit, breaks = seq(0, 1000, 250))
  expect_s3_class(p, "patchwork")
  tab <- p[[2]]
  td <- ggplot2::layer_data(tab, 1)
  at <- km_at(fit, seq(0, 1000, 250))
  expect_equal(sort(as.numeric(td$label)), sort(at$n.risk))
  # identical x scales (limits and breaks) in both panels: aligned
  b1 <- ggplot2::ggplot_build(p[[1]])$layout$panel_params[[1]]$x$breaks
  b2 <- ggplot2::ggplot_build(tab)$layout$panel_params[[1]]$x$breaks
  expect_identical(b1, b2)
  r1 <- ggplot2::ggplot_build(p[[1]])$layout$panel_params[[1]]$x.range
  r2 <- ggplot2::ggplot_build(tab)$layout$panel_params[[1]]$x.range
  expect_identical(r1, r2)
  f <- tempfile(fileext = ".png")
  ggplot2::ggsave(f, p, width = 5, height = 4, dpi = 72)
  expect_gt(file.size(f), 5000)
})

test_that("curves from a Cox model: no censor marks, one risk row per stratum", {
  lung <- survival::lung
  fit <- cox(Surv(time, status) ~ age + sex, data = lung)
  nd <- data.frame(age = c(50, 70), sex = c(1, 2))
  cs <- cox_survfit(fit, newdata = nd)
  ref <- survival::survfit(survival::coxph(Surv(time, status) ~ age + sex,
                                           data = lung), newdata = nd)
  p <- ggplot2::autoplot(cs, breaks = seq(0, 1000, 250))
  g <- p[[1]]
  expect_false(any(vapply(g$layers, function(l) inherits(l$geom, "GeomPoint"),
                          logical(1))))
  ld <- step_layer(g)
  expect_equal(ld$y[ld$group == 2], c(1, ref$surv[, 2]), tolerance = 1e-8)
  # the two curves share the cohort's risk set: one row, "All"
  td <- ggplot2::layer_data(p[[2]], 1)
  expect_identical(nrow(td), 5L)
  all_km <- survival::survfit(Surv(time, status) ~ 1, data = lung)
  expect_identical(as.numeric(td$label),
                   summary(all_km, times = seq(0, 1000, 250))$n.risk)
  expect_identical(levels(ggplot2::ggplot_build(p[[2]])$plot$data$strata), "All")
  # a stratified fit: one row per stratum
  sfit <- cox(Surv(time, status) ~ age + strata(sex), data = lung)
  sc <- cox_survfit(sfit, newdata = data.frame(age = c(50, 70)))
  ps <- ggplot2::autoplot(sc, breaks = seq(0, 1000, 250))
  expect_identical(length(unique(ggplot2::layer_data(ps[[2]], 1)$y)), 2L)
  # marks on request
  gm <- ggplot2::autoplot(cs, mark_censor = TRUE, risk_table = FALSE)
  expect_true(any(vapply(gm$layers, function(l) inherits(l$geom, "GeomPoint"),
                         logical(1))))
})

test_that("labels default to the levels with the variable as legend title", {
  g <- ggplot2::autoplot(lung_fit(), risk_table = FALSE)
  sc <- g$scales$get_scales("colour")
  expect_identical(sc$name, "sex")
  b <- ggplot2::ggplot_build(g)
  expect_identical(b$plot$scales$get_scales("colour")$get_labels(),
                   c("1", "2"))
})

test_that("bad arguments give classed errors", {
  fit <- lung_fit()
  expect_snapshot(error = TRUE, ggplot2::autoplot(fit, fun = "hazard"))
  expect_snapshot(error = TRUE, ggplot2::autoplot(fit, labels = "a"))
  expect_snapshot(error = TRUE, ggplot2::autoplot(fit, breaks = -1))
  expect_snapshot(error = TRUE, ggplot2::autoplot(fit, colour = "red"))
})
