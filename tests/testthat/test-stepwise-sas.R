# cox_stepwise(style = "sas") against an independent reference of SAS/STAT
# PROC PHREG SELECTION = FORWARD / BACKWARD / STEPWISE, written here from the
# documented rules (PHREG "Effect Selection Methods") with survival::coxph()
# alone; it shares no code with survstep or with the SPSS reference:
#
# - FORWARD: start from the INCLUDE= and START= effects; compute the score
#   chi-square of every effect not in the model at (b_M, 0)
#   (coxph(init = c(b_M, 0), iter.max = 0)$score); if the LARGEST is
#   significant at SLENTRY, that effect enters; never remove;
# - BACKWARD: start from all effects (or the START= ones); the Wald
#   chi-square of every removable effect (b_E' V_EE^-1 b_E from coxph's
#   variance); if the SMALLEST is not significant at SLSTAY, that effect
#   leaves and stays out; never enter;
# - STEPWISE: as FORWARD, and after each entry as BACKWARD until every
#   effect stays; stop when the effect just entered is the first one
#   removed after it (the removal is made);
# - MAXSTEP: at most that many entries and removals;
# - INCLUDE= effects never leave, START= effects may.

sas_tight <- function() cox_control(eps = 1e-11, iter_max = 100)

ref_phreg_select <- function(formula, data, selection, slentry = 0.05,
                             slstay = 0.05, include = character(),
                             start = character(), maxstep = Inf,
                             ties = "efron") {
  des <- ref_term_design(formula, data)
  y <- des$y
  X <- des$X
  labels <- des$labels
  cols_of <- des$cols_of
  ctl <- survival::coxph.control(eps = 1e-11, iter.max = 100)
  ctl0 <- survival::coxph.control(iter.max = 0)
  fit_terms <- function(terms) {
    cols <- cols_of(terms)
    if (!length(cols)) {
      f <- survival::coxph(y ~ 1, ties = ties)
      return(list(coef = numeric(0), var = matrix(0, 0, 0),
                  loglik = f$loglik[1]))
    }
    Xs <- X[, cols, drop = FALSE]
    f <- survival::coxph(y ~ Xs, ties = ties, control = ctl)
    list(coef = unname(stats::coef(f)), var = unname(f$var),
         loglik = f$loglik[2])
  }
  score_chisq <- function(model, fit, e) {
    cm <- cols_of(model)
    Xs <- X[, c(cm, cols_of(e)), drop = FALSE]
    f <- survival::coxph(y ~ Xs, ties = ties, control = ctl0,
                         init = c(fit$coef, rep(0, length(cols_of(e)))))
    f$score
  }
  wald_chisq <- function(model, fit, e) {
    pos <- match(cols_of(e), cols_of(model))
    b <- fit$coef[pos]
    drop(t(b) %*% solve(fit$var[pos, pos, drop = FALSE], b))
  }
  ordered <- function(terms) labels[labels %in% terms]
  enters <- selection != "backward"
  removes <- selection != "forward"
  model <- ordered(c(include, if (length(start)) start else
    if (selection == "backward") labels))
  fit <- fit_terms(model)
  steps <- data.frame(action = "start", term = NA_character_,
                      statistic = NA_real_, df = NA_real_, p.value = NA_real_,
                      loglik = fit$loglik, stringsAsFactors = FALSE)
  record <- function(action, term, stat) {
    df <- length(cols_of(term))
    steps[nrow(steps) + 1L, ] <<- list(
      action, term, stat, df, stats::pchisq(stat, df, lower.tail = FALSE),
      fit$loglik)
  }
  nsteps <- 0
  just_entered <- NA_character_
  stop <- NULL
  repeat {
    removed <- 0L
    while (removes) {
      cand <- setdiff(model, include)
      if (!length(cand)) break
      w <- vapply(cand, function(e) wald_chisq(model, fit, e), 0)
      k <- which.min(w)
      p <- stats::pchisq(w[k], length(cols_of(cand[k])), lower.tail = FALSE)
      if (!(p >= slstay)) break
      if (nsteps >= maxstep) {
        stop <- "maxstep"
        break
      }
      model <- setdiff(model, cand[k])
      fit <- fit_terms(model)
      record("remove", cand[k], unname(w[k]))
      nsteps <- nsteps + 1
      removed <- removed + 1L
      if (removed == 1L && identical(cand[k], just_entered)) {
        stop <- "entered_removed"
        break
      }
    }
    if (!is.null(stop) || !enters) break
    cand <- setdiff(labels, model)
    if (!length(cand)) break
    s <- vapply(cand, function(e) score_chisq(model, fit, e), 0)
    k <- which.max(s)
    p <- stats::pchisq(s[k], length(cols_of(cand[k])), lower.tail = FALSE)
    if (!(p <= slentry)) break
    if (nsteps >= maxstep) {
      stop <- "maxstep"
      break
    }
    model <- ordered(c(model, cand[k]))
    fit <- fit_terms(model)
    record("enter", cand[k], unname(s[k]))
    nsteps <- nsteps + 1
    just_entered <- cand[k]
  }
  list(steps = steps, model = model, coef = fit$coef, loglik = fit$loglik,
       stop = if (is.null(stop)) "none" else stop)
}

expect_same_phreg <- function(fit, ref, tol = 1e-6) {
  expect_same_steps(fit, ref, tol)
  st <- fit$steps
  expect_identical(st$test[-1],
                   as.character(ifelse(st$action[-1] == "enter", "score",
                                       "wald")))
}

sas_lung <- survival::lung
sas_lung$ph.ecog <- factor(sas_lung$ph.ecog)
f_sas_lung <- Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
  pat.karno + meal.cal + wt.loss

sas_pbc <- survival::pbc
sas_pbc$edema <- factor(sas_pbc$edema)
sas_pbc$stage <- factor(sas_pbc$stage)
sas_pbc <- sas_pbc[stats::complete.cases(sas_pbc), ]
f_sas_pbc <- Surv(time, status == 2) ~ age + sex + edema + log(bili) +
  albumin + log(protime) + stage + ascites + hepato + spiders + trt +
  chol + copper

f_sas_vet <- Surv(time, status) ~ trt + celltype + karno + diagtime + age +
  prior

# x3 is a noisy proxy of x1 + x2 (enters first, leaves once both are in);
# sim_proxy() in helper-stepwise-data.R
sas_d <- sim_proxy(200, 1)
f_sas_sim <- Surv(time, status) ~ x3 + x1 + x2 + x4 + g

sas_cases <- list(
  lung = list(f = f_sas_lung, data = sas_lung),
  pbc = list(f = f_sas_pbc, data = sas_pbc),
  veteran = list(f = f_sas_vet, data = survival::veteran),
  sim = list(f = f_sas_sim, data = sas_d)
)

test_that("SAS forward, backward and stepwise match the PHREG reference", {
  for (nm in names(sas_cases)) {
    cs <- sas_cases[[nm]]
    for (sel in c("forward", "backward", "stepwise")) {
      for (ties in c("breslow", "efron")) {
        fit <- quiet_epv(cox_stepwise(cs$f, data = cs$data, style = "sas",
                            direction = sel, ties = ties,
                            control = sas_tight()))
        ref <- ref_phreg_select(cs$f, cs$data, sel, ties = ties)
        expect_same_phreg(fit, ref)
        expect_identical(fit$p_enter, 0.05)
        expect_identical(fit$p_remove, 0.05)
      }
    }
  }
})

test_that("the simulated case removes an earlier term in stepwise mode", {
  fit <- cox_stepwise(f_sas_sim, data = sas_d, style = "sas",
                      direction = "stepwise", control = sas_tight())
  ref <- ref_phreg_select(f_sas_sim, sas_d, "stepwise")
  expect_same_phreg(fit, ref)
  # the case exercises removal of a term that was not just entered
  expect_true("remove" %in% fit$steps$action)
  expect_false("x3" %in% fit$selected)
})

test_that("other significance levels, start and include match", {
  fit <- cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                      direction = "stepwise", p_enter = 0.2, p_remove = 0.15,
                      control = sas_tight())
  expect_same_phreg(fit, ref_phreg_select(f_sas_lung, sas_lung, "stepwise",
                                          slentry = 0.2, slstay = 0.15))
  # START= terms begin in the model and may leave; INCLUDE= terms stay
  for (sel in c("forward", "backward", "stepwise")) {
    fit <- quiet_epv(cox_stepwise(f_sas_pbc, data = sas_pbc, style = "sas",
                        direction = sel, start = c("chol", "trt", "age"),
                        include = "sex", control = sas_tight()))
    ref <- ref_phreg_select(f_sas_pbc, sas_pbc, sel,
                            start = c("chol", "trt", "age"), include = "sex")
    expect_same_phreg(fit, ref)
    expect_true("sex" %in% fit$selected)
  }
  fit <- quiet_epv(cox_stepwise(f_sas_pbc, data = sas_pbc, style = "sas",
                      direction = "stepwise", start = ~ chol + trt,
                      control = sas_tight()))
  expect_identical(fit$steps$model[1], "trt + chol")
  expect_false(any(c("chol", "trt") %in% fit$selected))
  expect_identical(fit$start, c("trt", "chol"))
})

test_that("max_steps stops the run (SAS MAXSTEP=)", {
  # (veteran's stepwise run enters two terms and stops)
  for (k in 0:1) {
    fit <- cox_stepwise(f_sas_vet, data = survival::veteran, style = "sas",
                        direction = "stepwise", max_steps = k,
                        control = sas_tight())
    ref <- ref_phreg_select(f_sas_vet, survival::veteran, "stepwise",
                            maxstep = k)
    expect_same_phreg(fit, ref)
    expect_identical(nrow(fit$steps), k + 1L)
    expect_match(fit$stop_reason, "max_steps")
  }
  fit <- quiet_epv(cox_stepwise(f_sas_pbc, data = sas_pbc, style = "sas",
                      direction = "backward", max_steps = 3,
                      control = sas_tight()))
  expect_same_phreg(fit, ref_phreg_select(f_sas_pbc, sas_pbc, "backward",
                                          maxstep = 3))
  # the limit applies to the SPSS rules too
  fit <- cox_stepwise(f_sas_lung, data = sas_lung, max_steps = 1)
  expect_identical(nrow(fit$steps), 2L)
})

test_that("stepwise stops when the term just entered is removed", {
  # SLENTRY > SLSTAY: sex enters (score p = 0.011) and its Wald p (0.012)
  # fails SLSTAY = 0.01 at once
  fit <- cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                      direction = "stepwise", p_enter = 0.3, p_remove = 0.01,
                      control = sas_tight())
  ref <- ref_phreg_select(f_sas_lung, sas_lung, "stepwise", slentry = 0.3,
                          slstay = 0.01)
  expect_same_phreg(fit, ref)
  expect_identical(ref$stop, "entered_removed")
  n <- nrow(fit$steps)
  expect_identical(fit$steps$action[n], "remove")
  expect_identical(fit$steps$term[n], fit$steps$term[n - 1L])
  expect_match(fit$stop_reason, "just entered was removed")
  # the SPSS rule instead refuses the move back to a visited model
  sp <- cox_stepwise(f_sas_lung, data = sas_lung, p_enter = 0.01,
                     p_remove = 0.01, control = sas_tight())
  expect_false(identical(sp$stop_reason, fit$stop_reason))
})

test_that("SAS compares blocks by statistic, SPSS by p-value", {
  # a 3-df factor with the larger score statistic but the larger p-value
  # than a 1-df covariate
  set.seed(3)
  n <- 300
  d <- data.frame(x = stats::rnorm(n),
                  g = factor(sample(letters[1:4], n, TRUE)))
  lp <- 0.15 * d$x + 0.3 * (d$g == "b") + 0.3 * (d$g == "c")
  tt <- stats::rexp(n, exp(lp))
  d$time <- pmin(tt, 2)
  d$status <- as.integer(tt <= 2)
  f <- Surv(time, status) ~ x + g
  first <- cox_stepwise(f, data = d, max_steps = 0)$not_in_model
  expect_gt(first$statistic[first$term == "g"],
            first$statistic[first$term == "x"])
  expect_gt(first$p.value[first$term == "g"],
            first$p.value[first$term == "x"])
  sas <- cox_stepwise(f, data = d, style = "sas", p_enter = 0.9,
                      max_steps = 1, control = sas_tight())
  spss <- cox_stepwise(f, data = d, p_enter = 0.9, p_remove = 0.95,
                       max_steps = 1)
  expect_identical(sas$steps$term[2], "g")
  expect_identical(spss$steps$term[2], "x")
  expect_same_phreg(sas, ref_phreg_select(f, d, "forward", slentry = 0.9,
                                          maxstep = 1))
})

test_that("style = \"spss\" is unchanged and the default", {
  a <- cox_stepwise(f_sas_lung, data = sas_lung, ties = "breslow")
  b <- cox_stepwise(f_sas_lung, data = sas_lung, ties = "breslow",
                    style = "spss", p_enter = 0.05, p_remove = 0.10)
  expect_identical(a$steps, b$steps)
  expect_identical(a$style, "spss")
  expect_identical(a$p_remove, 0.10)
})

test_that("print() names the style and its rules", {
  fit <- cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                      direction = "stepwise", ties = "breslow")
  expect_snapshot(print(fit))
  fit <- cox_stepwise(f_sas_vet, data = survival::veteran, style = "sas",
                      direction = "backward", max_steps = 2,
                      start = ~ trt + celltype + karno + age)
  expect_snapshot(print(fit))
})

test_that("the bootstrap re-runs the SAS rules", {
  fit <- cox_stepwise(f_sas_sim, data = sas_d, style = "sas",
                      direction = "stepwise", start = "x4", max_steps = 4)
  bt <- cox_stepwise_boot(fit, B = 5, seed = 1)
  expect_match(bt$stepwise, "SELECTION = STEPWISE")
  expect_s3_class(bt, "survstep_stepwise_boot")
})

test_that("bad SAS-style input gives classed errors", {
  expect_snapshot(error = TRUE, {
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas", removal = "lr")
    cox_stepwise(f_sas_lung, data = sas_lung, direction = "stepwise")
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                 start = "age", include = "age")
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas", start = "bmi")
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas", max_steps = -1)
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas", max_steps = 1.5)
    cox_stepwise(f_sas_lung, data = sas_lung, style = "stata")
  })
  expect_error(
    cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                 removal = "conditional"),
    class = "survstep_error_style")
  expect_error(
    cox_stepwise(f_sas_lung, data = sas_lung, direction = "stepwise"),
    class = "survstep_error_style")
  # an explicit Wald removal is SAS's own
  expect_s3_class(cox_stepwise(f_sas_lung, data = sas_lung, style = "sas",
                               removal = "wald"), "survstep_stepwise")
})
