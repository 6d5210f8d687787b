# cox_stepwise_boot() and cox_validate() against R loops over the same
# resamples: cox_stepwise() (the selection), survival::concordance() (C) and
# survival::coxph() (calibration slope) on data[rows, ].

lung_boot <- survival::lung
lung_boot$ph.ecog <- factor(lung_boot$ph.ecog)
vars_lung <- c("time", "status", "age", "sex", "ph.ecog", "ph.karno",
               "wt.loss")
lung_cc <- lung_boot[stats::complete.cases(lung_boot[, vars_lung]), vars_lung]
cand_lung <- c("age", "sex", "ph.ecog", "ph.karno", "wt.loss")

g3_data <- function() {
  d <- survstep:::du2015_prepare(g3nelm())
  d[, c("time", "status", survstep:::du2015_stepwise_candidates)]
}
cand_g3 <- function() survstep:::du2015_stepwise_candidates

sw_formula <- function(cands) {
  stats::as.formula(paste("Surv(time, status) ~", paste(cands, collapse = " + ")))
}

# cox_stepwise() on one resample; candidates constant in the resample
# dropped (cox_stepwise() refuses a constant covariate; the bootstrap
# cannot enter them)
ref_select <- function(d, cands, ...) {
  keep <- cands[vapply(cands, function(v) length(unique(d[[v]])) > 1L, NA)]
  cox_stepwise(sw_formula(keep), data = d, ...)
}

expect_replicates_match <- function(bt, data, cands, reps, ...) {
  idx <- cox_boot_indices(bt$seed, nrow(data), max(reps))
  for (b in reps) {
    d <- data[idx[, b], ]
    ref <- suppressWarnings(suppressMessages(ref_select(d, cands, ...)))
    got <- colnames(bt$replicates$model)[bt$replicates$model[b, ]]
    expect_identical(sort(got), sort(ref$selected), label = paste("replicate", b))
    cf <- stats::coef(ref)
    expect_equal(unname(bt$replicates$beta[b, names(cf)]), unname(cf),
                 tolerance = 1e-10, label = paste("coefficients of replicate", b))
    rest <- setdiff(colnames(bt$replicates$beta), names(cf))
    expect_true(all(is.na(bt$replicates$beta[b, rest])))
  }
}

test_that("each replicate selects what cox_stepwise() selects on its resample (lung)", {
  fit <- cox_stepwise(sw_formula(cand_lung), data = lung_cc, ties = "breslow")
  bt <- cox_stepwise_boot(fit, B = 20, seed = 11)
  expect_identical(bt$n_ok, 20L)
  expect_replicates_match(bt, lung_cc, cand_lung, 1:20, ties = "breslow")

  # backward, LR removal, a forced term, Efron ties
  fit2 <- cox_stepwise(sw_formula(cand_lung), data = lung_cc,
                       direction = "backward", removal = "lr",
                       include = "age")
  bt2 <- cox_stepwise_boot(fit2, B = 20, seed = 5)
  expect_true(all(bt2$replicates$model[, "age"]))
  expect_replicates_match(bt2, lung_cc, cand_lung, 1:20,
                          direction = "backward", removal = "lr",
                          include = "age")
})

test_that("the convergence rule of the fit is used in every replicate", {
  d <- g3_data()
  ctl <- cox_control(convergence = "spss")
  fit <- suppressWarnings(cox_stepwise(sw_formula(cand_g3()), data = d,
                                       ties = "breslow", control = ctl))
  bt <- suppressWarnings(cox_stepwise_boot(fit, B = 10, seed = 7))
  expect_replicates_match(bt, d, cand_g3(), 1:10, ties = "breslow",
                          control = ctl)
})

test_that("exact ties: each replicate as cox_stepwise() on its resample", {
  d <- lung_cc[1:80, ]
  d$time <- round(d$time / 30)
  fit <- cox_stepwise(sw_formula(cand_lung), data = d, ties = "exact")
  bt <- cox_stepwise_boot(fit, B = 5, seed = 1)
  expect_output(print(bt), "exact ties")
  expect_replicates_match(bt, d, cand_lung, 1:5, ties = "exact")
})

test_that("each replicate selects what cox_stepwise() selects on its resample (g3nelm)", {
  d <- g3_data()
  fit <- cox_stepwise(sw_formula(cand_g3()), data = d, ties = "breslow")
  bt <- suppressWarnings(cox_stepwise_boot(fit, B = 20, seed = 2015))
  expect_replicates_match(bt, d, cand_g3(), 1:20, ties = "breslow")
})

test_that("the summaries are the frequencies of the replicates", {
  fit <- cox_stepwise(sw_formula(cand_lung), data = lung_cc, ties = "breslow")
  bt <- cox_stepwise_boot(fit, B = 60, seed = 3)
  m <- bt$replicates$model
  expect_equal(bt$inclusion$proportion, unname(colMeans(m)))
  expect_identical(bt$inclusion$term, cand_lung)
  expect_identical(bt$inclusion$selected, cand_lung %in% fit$selected)
  expect_equal(unname(bt$pairwise["sex", "ph.ecog"]),
               mean(m[, "sex"] & m[, "ph.ecog"]))
  expect_equal(unname(diag(bt$pairwise)), unname(colMeans(m)))
  key <- apply(m, 1L, function(r) paste(colnames(m)[r], collapse = " + "))
  expect_identical(bt$models$count[1L], max(table(key)))
  expect_equal(sum(bt$models$proportion), 1)
  # coefficient summaries: HR 1 when the term was not selected
  co <- bt$coefficients
  b <- bt$replicates$beta[, "sex"]
  b0 <- ifelse(m[, "sex"], b, 0)
  r <- co[co$term == "sex", ]
  expect_equal(r$boot_median, exp(stats::median(b0)))
  expect_equal(c(r$conf.low, r$conf.high),
               exp(unname(stats::quantile(b0, c(0.025, 0.975)))))
  expect_equal(r$proportion, mean(m[, "sex"]))
  expect_equal(r$median_selected, exp(stats::median(b[m[, "sex"]])))
  expect_equal(r$estimate, unname(exp(coef(fit)["sex"])))
  expect_true(is.na(co$estimate[co$term == "age"]))
  expect_identical(tidy(bt), co)
  expect_identical(tidy(bt, what = "inclusion"), bt$inclusion)
})

test_that("the same seed gives the same result; resamples are per replicate", {
  fit <- cox_stepwise(sw_formula(cand_lung), data = lung_cc, ties = "breslow")
  a <- cox_stepwise_boot(fit, B = 15, seed = 42)
  b <- cox_stepwise_boot(fit, B = 15, seed = 42)
  expect_identical(a$replicates, b$replicates)
  c <- cox_stepwise_boot(fit, B = 5, seed = 42)
  expect_identical(c$replicates$model, a$replicates$model[1:5, ])
  expect_false(identical(cox_stepwise_boot(fit, B = 15, seed = 43)$replicates,
                         a$replicates))
  # R's generator only when seed = NULL
  set.seed(1)
  s1 <- cox_stepwise_boot(fit, B = 2)$seed
  set.seed(1)
  s2 <- cox_stepwise_boot(fit, B = 2)$seed
  expect_identical(s1, s2)
})

test_that("the resamples are the same on every platform", {
  # std::mt19937_64: the C++ standard fixes its 10000th output
  # (9981545732273789042 = 2324009717 * 2^32 + 2172573810)
  expect_identical(survstep:::boot_rng_check_cpp(), c(2324009717, 2172573810))
  # the draws of seed 1 (std::seed_seq, rejection sampling): fixed values
  idx <- cox_boot_indices(1, 10, 2)
  expect_identical(dim(idx), c(10L, 2L))
  expect_true(all(idx >= 1L & idx <= 10L))
  expect_snapshot(print(idx))
  expect_snapshot(print(cox_boot_indices(-7, 5, 1)))
  # about uniform
  big <- cox_boot_indices(3, 7, 2000)
  expect_lt(max(abs(tabulate(big, 7) / length(big) - 1 / 7)), 0.01)
})

# The optimism bootstrap written as an R loop over the same resamples.
ref_validate <- function(data, cands, seed, B, ties, fixed = NULL) {
  idx <- cox_boot_indices(seed, nrow(data), B)
  lp_of <- function(fit, d) {
    cf <- stats::coef(fit)
    if (!length(cf)) return(rep(0, nrow(d)))
    x <- stats::model.matrix(stats::reformulate(c(cands, fixed)), d)
    drop(x[, names(cf), drop = FALSE] %*% cf)
  }
  c_of <- function(lp, d) {
    if (length(unique(lp)) == 1L) return(0.5)
    survival::concordance(survival::Surv(d$time, d$status) ~ lp,
                          reverse = TRUE)$concordance
  }
  fit_of <- function(d) {
    if (is.null(fixed)) return(suppressMessages(ref_select(d, cands, ties = ties)))
    survival::coxph(sw_formula(fixed), data = d, ties = ties)
  }
  f0 <- fit_of(data)
  out <- t(vapply(seq_len(B), function(b) {
    d <- data[idx[, b], ]
    f <- fit_of(d)
    lp_tr <- lp_of(f, d)
    lp_te <- lp_of(f, data)
    slope <- if (length(unique(lp_te)) == 1L) 1 else
      unname(stats::coef(survival::coxph(
        survival::Surv(data$time, data$status) ~ lp_te, ties = ties)))
    c(c_of(lp_tr, d), c_of(lp_te, data), slope)
  }, numeric(3)))
  list(c_app = c_of(lp_of(f0, data), data), reps = out)
}

expect_validate_matches <- function(v, ref) {
  rp <- attr(v, "replicates")
  expect_equal(rp$c_train, ref$reps[, 1], tolerance = 1e-10)
  expect_equal(rp$c_test, ref$reps[, 2], tolerance = 1e-10)
  expect_equal(rp$slope, ref$reps[, 3], tolerance = 1e-10)
  opt <- mean(ref$reps[, 1] - ref$reps[, 2])
  expect_equal(v["C", "index.orig"], ref$c_app, tolerance = 1e-10)
  expect_equal(v["C", "optimism"], opt, tolerance = 1e-10)
  expect_equal(v["C", "index.corrected"], ref$c_app - opt, tolerance = 1e-10)
  expect_equal(v["Dxy", "index.corrected"], 2 * (ref$c_app - opt) - 1,
               tolerance = 1e-10)
  expect_equal(v["Slope", "test"], mean(ref$reps[, 3]), tolerance = 1e-10)
  expect_equal(v["Slope", "index.corrected"], mean(ref$reps[, 3]),
               tolerance = 1e-10)
}

test_that("cox_validate() of a selection equals the R loop (lung, g3nelm)", {
  fit <- cox_stepwise(sw_formula(cand_lung), data = lung_cc, ties = "breslow")
  v <- cox_validate(fit, B = 10, seed = 9)
  expect_identical(colnames(v), c("index.orig", "training", "test", "optimism",
                                  "index.corrected", "n"))
  expect_identical(rownames(v), c("C", "Dxy", "Slope"))
  expect_equal(v["C", "index.orig"], unname(fit$final$concordance["concordance"]))
  expect_validate_matches(v, ref_validate(lung_cc, cand_lung, 9, 10, "breslow"))

  d <- g3_data()
  fit <- cox_stepwise(sw_formula(cand_g3()), data = d, ties = "breslow")
  v <- suppressWarnings(cox_validate(fit, B = 10, seed = 2015))
  expect_validate_matches(v, suppressWarnings(
    ref_validate(d, cand_g3(), 2015, 10, "breslow")))
})

test_that("cox_validate() of a fixed cox() model equals the R loop", {
  fit <- cox(Surv(time, status) ~ age + sex + ph.karno, data = lung_cc)
  v <- cox_validate(fit, B = 10, seed = 4)
  expect_validate_matches(v, ref_validate(lung_cc, NULL, 4, 10, "efron",
                                          fixed = c("age", "sex", "ph.karno")))
  expect_snapshot(print(v))
})

test_that("clusters are resampled whole", {
  d <- lung_cc
  d$grp <- rep(seq_len(50), length.out = nrow(d))
  fit <- cox(Surv(time, status) ~ age + sex + cluster(grp), data = d)
  v <- cox_validate(fit, B = 5, seed = 8)
  expect_true(attr(v, "cluster"))
  ids <- unique(d$grp)
  idx <- cox_boot_indices(8, length(ids), 5)
  rp <- attr(v, "replicates")
  for (b in 1:5) {
    rows <- unlist(lapply(idx[, b], function(k) which(d$grp == ids[k])))
    db <- d[rows, ]
    f <- survival::coxph(Surv(time, status) ~ age + sex, data = db)
    expect_equal(rp$c_train[b], unname(f$concordance["concordance"]),
                 tolerance = 1e-10)
  }
  # a stepwise fit with the cluster argument
  sw <- cox_stepwise(sw_formula(c("age", "sex")), data = d)
  bt <- cox_stepwise_boot(sw, B = 5, seed = 8, cluster = d$grp)
  expect_true(bt$cluster)
  expect_identical(bt$replicates$n, rp$status * 0L + vapply(1:5, function(b) {
    length(unlist(lapply(idx[, b], function(k) which(d$grp == ids[k]))))
  }, 1L))
})

test_that("strata, weights and counting-process data with an id", {
  d <- lung_cc
  set.seed(2)
  d$w <- runif(nrow(d), 0.5, 2)
  fit <- cox(Surv(time, status) ~ age + ph.karno + strata(sex), data = d,
             weights = w)
  v <- cox_validate(fit, B = 6, seed = 12)
  idx <- cox_boot_indices(12, nrow(d), 6)
  rp <- attr(v, "replicates")
  for (b in 1:6) {
    db <- d[idx[, b], ]
    f <- survival::coxph(Surv(time, status) ~ age + ph.karno + strata(sex),
                         data = db, weights = w)
    expect_equal(rp$c_train[b], unname(f$concordance["concordance"]),
                 tolerance = 1e-10)
    lp <- drop(as.matrix(d[, c("age", "ph.karno")]) %*% coef(f))
    cc <- survival::concordance(Surv(time, status) ~ lp + strata(sex),
                                data = d, weights = w, reverse = TRUE)
    expect_equal(rp$c_test[b], cc$concordance, tolerance = 1e-10)
    sl <- survival::coxph(Surv(time, status) ~ lp + strata(sex), data = d,
                          weights = w)
    expect_equal(rp$slope[b], unname(coef(sl)), tolerance = 1e-10)
  }

  h <- survival::heart
  hfit <- cox(Surv(start, stop, event) ~ age + transplant, data = h, id = id)
  hv <- cox_validate(hfit, B = 4, seed = 3)
  expect_true(attr(hv, "cluster"))
  ids <- unique(h$id)
  hidx <- cox_boot_indices(3, length(ids), 4)
  hr <- attr(hv, "replicates")
  for (b in 1:4) {
    rows <- unlist(lapply(hidx[, b], function(k) which(h$id == ids[k])))
    f <- survival::coxph(Surv(start, stop, event) ~ age + transplant,
                         data = h[rows, ])
    expect_equal(hr$c_train[b], unname(f$concordance["concordance"]),
                 tolerance = 1e-10)
  }
})

test_that("replicates without an event are left out and counted", {
  set.seed(7)
  n <- 30
  d <- data.frame(time = rexp(n), x = rnorm(n), z = rbinom(n, 1, 0.5))
  d$status <- 0L
  d$status[c(3, 17)] <- 1L
  fit <- suppressWarnings(cox_stepwise(Surv(time, status) ~ x + z, data = d,
                                       p_enter = 0.5, p_remove = 0.6))
  bt <- suppressWarnings(cox_stepwise_boot(fit, B = 40, seed = 1))
  idx <- cox_boot_indices(1, n, 40)
  no_event <- apply(idx, 2L, function(r) !any(r %in% c(3, 17)))
  expect_gt(sum(no_event), 0L)
  expect_identical(bt$n_failed, sum(no_event))
  expect_identical(bt$n_ok, 40L - sum(no_event))
  expect_identical(bt$replicates$status == 1L, no_event)
  expect_true(all(is.na(bt$replicates$model[no_event, ])))
  expect_equal(bt$inclusion$proportion,
               unname(colMeans(bt$replicates$model[!no_event, ])))
  v <- suppressWarnings(cox_validate(fit, B = 40, seed = 1))
  expect_identical(attr(v, "n_failed"), sum(no_event))
  expect_identical(unname(v[, "n"]), rep(40 - sum(no_event), 3))
  expect_output(print(bt), "without an event left out")
})

test_that("print() and plot()", {
  d <- g3_data()
  fit <- cox_stepwise(sw_formula(cand_g3()), data = d, ties = "breslow")
  bt <- suppressWarnings(cox_stepwise_boot(fit, B = 100, seed = 2015))
  expect_snapshot(print(bt))
  v <- suppressWarnings(cox_validate(fit, B = 50, seed = 2015))
  expect_snapshot(print(v))
  f <- tempfile(fileext = ".png")
  grDevices::png(f)
  expect_identical(plot(bt), bt)
  grDevices::dev.off()
  expect_gt(file.size(f), 1000)
})

test_that("bad input: classed errors", {
  fit <- cox_stepwise(sw_formula(cand_lung), data = lung_cc, ties = "breslow")
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, B = 0))
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, B = 10.5))
  expect_snapshot(error = TRUE, cox_validate(fit, B = "a"))
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, seed = "a"))
  expect_snapshot(error = TRUE, cox_validate(fit, seed = c(1, 2)))
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, seed = 1.5))
  expect_snapshot(error = TRUE, cox_stepwise_boot(lung_cc))
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, B = 2, cluster = 1:3))
  expect_snapshot(error = TRUE, cox_stepwise_boot(fit, B = 2, sed = 1))
  expect_error(cox_stepwise_boot(fit, B = -1), class = "survstep_error_input")
  expect_error(cox_boot_indices("1", 3, 2), class = "survstep_error_input")

  old <- fit
  old$boot_data <- NULL
  expect_snapshot(error = TRUE, cox_stepwise_boot(old, B = 5))
  expect_error(cox_validate(old, B = 5),
               class = "survstep_error_data_unavailable")

  gone <- lung_cc
  cfit <- cox(Surv(time, status) ~ age + sex, data = gone)
  rm(gone)
  expect_snapshot(error = TRUE, cox_validate(cfit, B = 5))
  changed <- lung_cc
  cfit2 <- cox(Surv(time, status) ~ age + sex, data = changed)
  changed <- changed[-1, ]
  expect_error(cox_validate(cfit2, B = 5),
               class = "survstep_error_data_unavailable")
})

test_that("Ctrl-C stops cox_stepwise_boot() within half a second", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  # 36 rows, 1e6 replicates: minutes without the per-replicate check
  r <- sv_interrupt_latency(
    setup = c("d <- survstep:::du2015_prepare(g3nelm())",
              paste0("fit <- cox_stepwise(Surv(time, status) ~ pancreatic + ",
                     "high_bilirubin + surgery + nslri + high_remnant_burden, ",
                     "data = d, ties = 'breslow')")),
    expr = "cox_stepwise_boot(fit, B = 1e6, seed = 1)",
    engine = "stepwise_boot_cpp"
  )
  expect_interrupted_within(r)
})

test_that("the layout is rms::validate.cph()'s", {
  skip_if_not_installed("rms")
  d <- lung_cc
  f <- rms::cph(Surv(time, status) ~ age + sex + ph.karno, data = d, x = TRUE,
                y = TRUE, surv = FALSE)
  set.seed(1)
  r <- rms::validate(f, B = 5)
  v <- cox_validate(cox(Surv(time, status) ~ age + sex + ph.karno, data = d),
                    B = 5, seed = 1)
  expect_identical(colnames(v), colnames(r))
  expect_true(all(c("Dxy", "Slope") %in% rownames(r)))
  # the apparent D_xy is the same statistic (rms: Somers' D of -lp)
  expect_equal(v["Dxy", "index.orig"], unname(r["Dxy", "index.orig"]),
               tolerance = 1e-6)
  expect_identical(unname(v["Slope", "index.orig"]), 1)
})
