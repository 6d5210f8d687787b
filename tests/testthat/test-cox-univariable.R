# cox_univariable() against one survival::coxph() fit per term.

lung2 <- survival::lung
lung2$ph.ecog <- factor(lung2$ph.ecog)
lung2$sex <- factor(lung2$sex, labels = c("male", "female"))
f_uni <- Surv(time, status) ~ age + sex + ph.ecog + wt.loss + log(meal.cal)

# one coxph() per term on `data`; rows as cox_univariable() should give them
ref_univariable <- function(terms, data, ties = "efron", conf_level = 0.95,
                            strata = NULL, weights = NULL) {
  z <- stats::qnorm((1 + conf_level) / 2)
  do.call(rbind, lapply(terms, function(lab) {
    rhs <- paste(c(lab, strata), collapse = " + ")
    f <- stats::as.formula(paste("Surv(time, status) ~", rhs))
    fit <- if (is.null(weights)) {
      survival::coxph(f, data = data, ties = ties,
                      control = survival::coxph.control(eps = 1e-11))
    } else {
      data$.w <- data[[weights]]
      survival::coxph(f, data = data, ties = ties, weights = .w,
                      robust = FALSE,
                      control = survival::coxph.control(eps = 1e-11))
    }
    b <- stats::coef(fit)
    se <- sqrt(diag(fit$var))
    df <- length(b)
    data.frame(
      term = lab, n = fit$n, events = fit$nevent,
      hr = unname(exp(b)), log_hr = unname(b), std.error = unname(se),
      conf.low = unname(exp(b - z * se)), conf.high = unname(exp(b + z * se)),
      p.value = unname(2 * stats::pnorm(-abs(b / se))),
      p.lr = stats::pchisq(2 * diff(fit$loglik), df, lower.tail = FALSE),
      p.score = stats::pchisq(fit$score, df, lower.tail = FALSE),
      p.wald = stats::pchisq(fit$wald.test, df, lower.tail = FALSE),
      stringsAsFactors = FALSE
    )
  }))
}

expect_matches_ref <- function(out, ref, exponentiate = TRUE) {
  expect_identical(out$term, ref$term)
  expect_identical(out$n, as.integer(ref$n))
  expect_identical(out$events, as.integer(ref$events))
  expect_equal(out$estimate, if (exponentiate) ref$hr else ref$log_hr,
               tolerance = 1e-7)
  expect_equal(out$std.error, ref$std.error, tolerance = 1e-6)
  if (exponentiate) {
    expect_equal(out$conf.low, ref$conf.low, tolerance = 1e-6)
    expect_equal(out$conf.high, ref$conf.high, tolerance = 1e-6)
  } else {
    expect_equal(out$conf.low, log(ref$conf.low), tolerance = 1e-6)
    expect_equal(out$conf.high, log(ref$conf.high), tolerance = 1e-6)
  }
  expect_equal(out$p.value, ref$p.value, tolerance = 1e-6)
}

test_that("each term alone on the common analysis set matches coxph()", {
  vars <- c("time", "status", "age", "sex", "ph.ecog", "wt.loss", "meal.cal")
  cc <- lung2[stats::complete.cases(lung2[, vars]), ]
  labs <- c("age", "sex", "ph.ecog", "wt.loss", "log(meal.cal)")
  for (ties in c("efron", "breslow")) {
    out <- cox_univariable(f_uni, data = lung2, ties = ties,
                           control = cox_control(eps = 1e-11))
    ref <- ref_univariable(labs, cc, ties = ties)
    expect_matches_ref(out, ref)
    # one p.value.term per term, repeated on each of its rows
    expect_equal(out$p.value.term, ref$p.lr, tolerance = 1e-6)
    expect_identical(out$level, c(NA, "female", "1", "2", "3", NA, NA))
    expect_identical(unique(out$n), nrow(cc))
  }
  expect_identical(attr(out, "n_dropped"), nrow(lung2) - nrow(cc))
})

test_that("term tests: lr, score and wald p-values of the whole term", {
  vars <- c("time", "status", "age", "sex", "ph.ecog", "wt.loss", "meal.cal")
  cc <- lung2[stats::complete.cases(lung2[, vars]), ]
  ref <- ref_univariable(c("age", "sex", "ph.ecog", "wt.loss",
                           "log(meal.cal)"), cc)
  sc <- cox_univariable(f_uni, data = lung2, term_test = "score")
  wa <- cox_univariable(f_uni, data = lung2, term_test = "wald")
  expect_equal(sc$p.value.term, ref$p.score, tolerance = 1e-6)
  expect_equal(wa$p.value.term, ref$p.wald, tolerance = 1e-6)
  expect_identical(attr(sc, "term_test"), "score")
})

test_that("log hazard ratios and other confidence levels", {
  vars <- c("time", "status", "age", "sex", "ph.ecog", "wt.loss", "meal.cal")
  cc <- lung2[stats::complete.cases(lung2[, vars]), ]
  out <- cox_univariable(f_uni, data = lung2, exponentiate = FALSE,
                         conf_level = 0.9)
  ref <- ref_univariable(c("age", "sex", "ph.ecog", "wt.loss",
                           "log(meal.cal)"), cc, conf_level = 0.9)
  expect_matches_ref(out, ref, exponentiate = FALSE)
})

test_that("analysis_set = 'available' fits each term on its own rows", {
  out <- cox_univariable(f_uni, data = lung2, analysis_set = "available")
  labs <- c("age", "sex", "ph.ecog", "wt.loss", "log(meal.cal)")
  ref <- do.call(rbind, lapply(labs, function(l) ref_univariable(l, lung2)))
  expect_matches_ref(out, ref)
  expect_identical(out$n[out$term == "age"], nrow(lung2))
  expect_identical(out$n[out$term == "wt.loss"], sum(!is.na(lung2$wt.loss)))
})

test_that("strata and weights are used in every univariable fit", {
  set.seed(11)
  n <- 150L
  d <- data.frame(a = stats::rnorm(n), g = factor(sample(1:3, n, TRUE)),
                  s = sample(c("x", "y"), n, TRUE),
                  w = stats::runif(n, 0.5, 3))
  d$time <- ceiling(stats::rexp(n, exp(0.5 * d$a)) * 5)
  d$status <- stats::rbinom(n, 1, 0.7)
  out <- cox_univariable(Surv(time, status) ~ a + g + strata(s), data = d,
                         weights = w, ties = "breslow")
  ref <- ref_univariable(c("a", "g"), d, ties = "breslow",
                         strata = "strata(s)", weights = "w")
  expect_matches_ref(out, ref)
  expect_false(any(grepl("strata", out$term)))
})

test_that("the common set equals the stepwise analysis set", {
  f <- Surv(time, status) ~ age + sex + ph.ecog + wt.loss + log(meal.cal)
  uni <- cox_univariable(f, data = lung2)
  sw <- cox_stepwise(f, data = lung2)
  expect_identical(unique(uni$n), sw$n)
  expect_identical(unique(uni$events), sw$nevent)
})

test_that("problems in a fit are classed warnings naming the term", {
  d <- data.frame(time = c(1:20), status = rep(c(1L, 0L), 10),
                  g = factor(rep(c("a", "b"), each = 10)),
                  x = stats::rnorm(20))
  d$status[d$g == "b"] <- 0L
  expect_warning(epv_ok(out <- cox_univariable(Surv(time, status) ~ g + x,
                                               data = d)),
                 class = "survstep_warning_infinite_coef")
  expect_identical(nrow(out), 2L)
})

test_that("bad input gives classed errors", {
  expect_snapshot(error = TRUE, {
    cox_univariable(f_uni, data = lung2, conf_level = 95)
    cox_univariable(f_uni, data = lung2, exponentiate = "yes")
    cox_univariable(f_uni, data = lung2, term_test = "likelihood")
    cox_univariable(f_uni, data = lung2, analysis_set = "all")
    cox_univariable(Surv(time, status) ~ strata(sex), data = lung2)
    cox_univariable(Surv(time, status) ~ age + age:strata(sex), data = lung2)
    cox_univariable(time ~ age, data = lung2)
  })
  expect_error(cox_univariable(f_uni, data = lung2, conf_level = 2),
               class = "survstep_error_input")
})
