# cox_zph() against survival::cox.zph()

expect_zph_equal <- function(a, b, tol = 1e-7, sort_y = FALSE) {
  for (tr in c("km", "rank", "identity", "log")) {
    za <- cox_zph(a, transform = tr)
    zb <- survival::cox.zph(b, transform = tr)
    expect_equal(unname(za$table), unname(zb$table), tolerance = tol,
                 label = tr)
    expect_equal(rownames(za$table), rownames(zb$table))
    expect_equal(za$x, zb$x, tolerance = 1e-10)
    expect_equal(za$time, zb$time, tolerance = 1e-10)
    ya <- unname(za$y)
    yb <- unname(zb$y)
    if (sort_y) {
      # tied event times of (start, stop] data: the residuals of the ties
      # may come in another order
      ya <- ya[do.call(order, c(list(za$time), as.data.frame(ya))), ,
               drop = FALSE]
      yb <- yb[do.call(order, c(list(zb$time), as.data.frame(yb))), ,
               drop = FALSE]
    }
    expect_equal(ya, yb, tolerance = 1e-7, label = paste(tr, "y"))
    expect_equal(unname(za$var), unname(zb$var), tolerance = 1e-7)
    zt <- cox_zph(a, transform = tr, terms = FALSE, global = FALSE)
    zbt <- survival::cox.zph(b, transform = tr, terms = FALSE,
                             global = FALSE)
    expect_equal(unname(zt$table), unname(zbt$table), tolerance = tol)
  }
}

test_that("cox_zph() equals cox.zph() on the survival data sets", {
  lung <- survival::lung
  veteran <- survival::veteran
  colon <- survival::colon
  for (ties in c("efron", "breslow")) {
    expect_zph_equal(
      cox(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = ties),
      survival::coxph(Surv(time, status) ~ age + sex + ph.ecog, lung,
                      ties = ties))
    # a factor: one multi-df test per term
    expect_zph_equal(
      cox(Surv(time, status) ~ trt + celltype + karno, veteran, ties = ties),
      survival::coxph(Surv(time, status) ~ trt + celltype + karno, veteran,
                      ties = ties))
    expect_zph_equal(
      cox(Surv(time, status) ~ rx + nodes + strata(etype), colon,
          ties = ties),
      survival::coxph(Surv(time, status) ~ rx + nodes + strata(etype), colon,
                      ties = ties))
  }
})

test_that("cox_zph() on counting-process fits, weights and offsets", {
  heart <- survival::heart
  a <- cox(Surv(start, stop, event) ~ age + surgery + transplant, heart)
  b <- survival::coxph(Surv(start, stop, event) ~ age + surgery + transplant,
                       heart)
  expect_zph_equal(a, b, sort_y = TRUE)
  set.seed(11)
  d <- data.frame(t = sample(1:30, 200, TRUE), s = rbinom(200, 1, 0.7),
                  x1 = rnorm(200), x2 = rbinom(200, 1, 0.5),
                  g = sample(1:2, 200, TRUE), w = runif(200, 0.5, 2),
                  o = rnorm(200, 0, 0.2))
  a <- cox(Surv(t, s) ~ x1 + x2 + offset(o) + strata(g), d, weights = w)
  b <- survival::coxph(Surv(t, s) ~ x1 + x2 + offset(o) + strata(g), d,
                       weights = w, robust = FALSE)
  expect_zph_equal(a, b)
})

test_that("print, tidy and plot of cox_zph()", {
  fit <- cox(Surv(time, status) ~ trt + celltype + karno, survival::veteran)
  z <- cox_zph(fit)
  expect_snapshot(print(z))
  td <- tidy(z)
  expect_equal(td$term, c("trt", "celltype", "karno", "GLOBAL"))
  expect_equal(td$statistic, unname(z$table[, "chisq"]))
  f <- tempfile(fileext = ".png")
  grDevices::png(f, width = 900, height = 700)
  expect_invisible(plot(z))
  grDevices::dev.off()
  expect_gt(file.size(f), 1000)
  pdf(NULL)
  expect_invisible(plot(z, terms = "karno", conf_level = NULL))
  grDevices::dev.off()
})

test_that("cox_zph() refuses null models and bad input", {
  lung <- survival::lung
  null <- cox(Surv(time, status) ~ 1, lung)
  expect_snapshot(error = TRUE, cox_zph(null))
  fit <- cox(Surv(time, status) ~ age, lung)
  expect_snapshot(error = TRUE, cox_zph(fit, transform = "sqrt"))
  expect_snapshot(error = TRUE, cox_zph(lm(time ~ age, lung)))
  noev <- fit
  noev$nevent <- 0L
  expect_snapshot(error = TRUE, cox_zph(noev))
})
