# cox_best_subsets() against the brute-force survival::coxph() reference in
# helper-best-subsets-reference.R (every subset fitted with iter.max = 0):
# the same subsets in the same order, statistics to 1e-8 (relative), the
# same df.

expect_same_subsets <- function(bs, ref, tol = 1e-8) {
  tab <- tidy(bs)
  expect_identical(tab$size, as.integer(ref$size))
  expect_identical(tab$rank, as.integer(ref$rank))
  expect_identical(tab$terms, ref$terms)
  expect_equal(tab$chisq, ref$chisq, tolerance = tol)
  expect_identical(tab$df, as.integer(ref$df))
  expect_equal(tab$p.value,
               stats::pchisq(ref$chisq, ref$df, lower.tail = FALSE),
               tolerance = 1e-6)
}

lung_cc <- na.omit(survival::lung[, c("time", "status", "age", "sex",
                                      "ph.ecog", "ph.karno", "pat.karno",
                                      "meal.cal", "wt.loss")])
f_lung <- Surv(time, status) ~ age + sex + ph.ecog + ph.karno + pat.karno +
  meal.cal + wt.loss

test_that("lung: the full ranking of all 127 subsets equals coxph's, Breslow and Efron", {
  for (ties in c("breslow", "efron")) {
    bs <- cox_best_subsets(f_lung, data = lung_cc, ties = ties)
    expect_identical(nrow(tidy(bs)), 127L)  # SAS default: all, <= 10 terms
    expect_same_subsets(bs, bs_reference(f_lung, lung_cc, ties = ties))
  }
})

pbc_cc <- survival::pbc[!is.na(survival::pbc$trt), ]
pbc_cc$edema <- factor(pbc_cc$edema)
pbc_cc$stage <- factor(pbc_cc$stage)
pbc_cc <- na.omit(pbc_cc[, c("time", "status", "age", "edema", "bili",
                             "albumin", "stage", "ascites", "hepato",
                             "spiders", "trt")])
f_pbc <- Surv(time, status == 2) ~ age + edema + log(bili) + albumin +
  stage + ascites + hepato + spiders + trt

test_that("pbc: factors enter as whole terms (df = their columns); best and include", {
  bs <- cox_best_subsets(f_pbc, data = pbc_cc, ties = "breslow", best = 3)
  ref <- bs_reference(f_pbc, pbc_cc, ties = "breslow", best = 3)
  expect_same_subsets(bs, ref)
  # a factor's df are its columns: edema has 3 levels, stage 4
  expect_identical(tidy(bs)$df[tidy(bs)$terms == "edema"], 2L)
  bs <- cox_best_subsets(f_pbc, data = pbc_cc, ties = "efron", best = 2,
                         include = ~ age + stage, size = 3:5)
  ref <- bs_reference(f_pbc, pbc_cc, ties = "efron", best = 2,
                      include = c("age", "stage"), size = 3:5)
  expect_same_subsets(bs, ref)
  expect_true(all(vapply(bs$models, function(m) all(c("age", "stage") %in% m),
                         logical(1))))
})

vet <- survival::veteran
f_vet <- Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior

test_that("veteran: all subsets, both tie methods, and an included term", {
  for (ties in c("breslow", "efron")) {
    expect_same_subsets(cox_best_subsets(f_vet, data = vet, ties = ties),
                        bs_reference(f_vet, vet, ties = ties))
  }
  expect_same_subsets(
    cox_best_subsets(f_vet, data = vet, include = "karno", best = 2),
    bs_reference(f_vet, vet, include = "karno", best = 2))
})

sim_bs <- function(n, p, seed, factor = TRUE) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p)
  x[, 2] <- x[, 2] + 0.6 * x[, 1]  # correlated candidates
  colnames(x) <- paste0("x", seq_len(p))
  d <- as.data.frame(x)
  lp <- drop(x[, seq_len(min(p, 4))] %*% c(0.5, -0.4, 0.3, 0.2)[seq_len(min(p, 4))])
  if (factor) {
    d$g <- factor(sample(c("a", "b", "c"), n, TRUE))
    lp <- lp + 0.4 * (d$g == "b")
  }
  t <- stats::rexp(n, exp(lp))
  cens <- stats::rexp(n, 0.4)
  d$time <- ceiling(pmin(t, cens) * 4) / 4  # heavy ties
  d$status <- as.integer(t <= cens)
  d$s <- sample(1:3, n, TRUE)
  d$w <- stats::runif(n, 0.5, 2)
  d
}

test_that("random data with ties, strata and weights: 10 candidates (Efron), 8 (Breslow)", {
  d <- sim_bs(300, 9, seed = 11)
  f <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + g
  fs <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + g +
    strata(s)
  expect_true(any(duplicated(d$time[d$status == 1])))
  bs <- cox_best_subsets(fs, data = d, weights = w, best = 4)
  ref <- bs_reference(f, d, strata = "strata(s)", weights = d$w, best = 4)
  expect_same_subsets(bs, ref)

  f8 <- Surv(time, status) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + g
  bs <- cox_best_subsets(update(f8, . ~ . + strata(s)), data = d,
                         weights = w, ties = "breslow")
  ref <- bs_reference(f8, d, strata = "strata(s)", weights = d$w,
                      ties = "breslow")
  expect_same_subsets(bs, ref)
})

test_that("collinear candidates add nothing to the statistic; df is the rank", {
  d <- sim_bs(200, 4, seed = 3, factor = FALSE)
  d$x5 <- d$x1 + d$x2
  f <- Surv(time, status) ~ x1 + x2 + x3 + x5
  bs <- cox_best_subsets(f, data = d, ties = "breslow")
  ref <- bs_reference(f, d, ties = "breslow")
  tab <- tidy(bs)
  # subsets spanning the same space tie (to rounding): compare by subset
  i <- match(ref$terms, tab$terms)
  expect_false(anyNA(i))
  expect_equal(tab$chisq[i], ref$chisq, tolerance = 1e-8)
  rank_of <- function(terms) {
    x <- as.matrix(d[strsplit(terms, " + ", fixed = TRUE)[[1]]])
    qr(x)$rank
  }
  expect_identical(tab$df, vapply(tab$terms, rank_of, 1L, USE.NAMES = FALSE))
  expect_identical(tab$df[tab$size == 4L], 3L)
  expect_equal(tab$chisq[tab$terms == "x1 + x2 + x5"],
               tab$chisq[tab$terms == "x1 + x2"], tolerance = 1e-10)
})

test_that("counting-process data and exact ties agree with coxph", {
  d <- sim_bs(150, 4, seed = 5, factor = FALSE)
  d$start <- round(stats::runif(150, 0, 0.2), 2)
  d$time <- d$time + d$start + 0.05
  f <- Surv(start, time, status) ~ x1 + x2 + x3 + x4
  expect_same_subsets(cox_best_subsets(f, data = d, ties = "breslow"),
                      bs_reference(f, d, ties = "breslow"))
  d2 <- sim_bs(80, 3, seed = 6, factor = FALSE)
  f2 <- Surv(time, status) ~ x1 + x2 + x3
  expect_same_subsets(cox_best_subsets(f2, data = d2, ties = "exact"),
                      bs_reference(f2, d2, ties = "exact"), tol = 1e-7)
})

test_that("an offset enters every subset's score test (as coxph)", {
  f <- Surv(time, status) ~ age + sex + ph.ecog + wt.loss +
    offset(ph.karno / 50)
  tab <- tidy(cox_best_subsets(f, data = lung_cc, best = 2))
  for (i in seq_len(nrow(tab))) {
    fi <- stats::reformulate(c(strsplit(tab$terms[i], " + ", fixed = TRUE)[[1]],
                               "offset(ph.karno / 50)"),
                             response = quote(Surv(time, status)))
    fit <- survival::coxph(fi, data = lung_cc,
                           control = survival::coxph.control(iter.max = 0))
    expect_equal(tab$chisq[i], unname(fit$score), tolerance = 1e-8)
  }
  no_off <- tidy(cox_best_subsets(
    Surv(time, status) ~ age + sex + ph.ecog + wt.loss, data = lung_cc,
    best = 2))
  expect_false(isTRUE(all.equal(tab$chisq, no_off$chisq)))
})

test_that("branch and bound gives exactly the exhaustive search's result (15 candidates)", {
  d <- sim_bs(400, 14, seed = 21)
  f <- stats::reformulate(c(paste0("x", 1:14), "g"),
                          response = quote(Surv(time, status)))
  for (best in c(1, 3, 10)) {
    bb <- cox_best_subsets(f, data = d, best = best)
    ex <- cox_best_subsets(f, data = d, best = best, search = "exhaustive")
    expect_identical(tidy(bb), tidy(ex))
    expect_identical(ex$evaluated, 2^15 - 1)
    expect_lt(bb$evaluated, ex$evaluated / 4)
  }
  bb <- cox_best_subsets(f, data = d, best = 2, include = c("x3", "g"),
                         size = c(4, 7, 11), ties = "breslow")
  ex <- cox_best_subsets(f, data = d, best = 2, include = c("x3", "g"),
                         size = c(4, 7, 11), ties = "breslow",
                         search = "exhaustive")
  expect_identical(tidy(bb), tidy(ex))
  expect_identical(unique(tidy(bb)$size), c(4L, 7L, 11L))
  # the best subset of each size against coxph for a few sizes
  tab <- tidy(bb)
  for (i in which(tab$rank == 1L)) {
    fi <- stats::reformulate(strsplit(tab$terms[i], " + ", fixed = TRUE)[[1]],
                             response = quote(Surv(time, status)))
    fit <- survival::coxph(fi, data = d, ties = "breslow",
                           control = survival::coxph.control(iter.max = 0))
    expect_equal(tab$chisq[i], unname(fit$score), tolerance = 1e-8)
  }
})

test_that("SAS's default `best`: all subsets up to 10 terms, else the number of terms per size", {
  d <- sim_bs(200, 11, seed = 8, factor = TRUE)
  f <- stats::reformulate(c(paste0("x", 1:11), "g"),
                          response = quote(Surv(time, status)))
  bs <- cox_best_subsets(f, data = d)
  counts <- as.vector(table(tidy(bs)$size))
  expect_identical(counts, as.integer(pmin(12, choose(12, 1:12))))
  expect_identical(bs$best, 12)
  bs <- cox_best_subsets(Surv(time, status) ~ x1 + x2 + x3, data = d,
                         best = Inf)
  expect_identical(nrow(tidy(bs)), 7L)
})

test_that("tidy(), as.data.frame() and the object", {
  bs <- cox_best_subsets(f_lung, data = lung_cc, best = 2, size = 2:3)
  expect_identical(as.data.frame(bs), tidy(bs))
  expect_named(tidy(bs), c("size", "rank", "chisq", "df", "p.value", "terms"))
  expect_identical(bs$models[[1]],
                   strsplit(tidy(bs)$terms[1], " + ", fixed = TRUE)[[1]])
  expect_identical(bs$n, nrow(lung_cc))
  expect_identical(bs$nevent, as.integer(sum(lung_cc$status == 2)))
  expect_identical(bs$n_subsets, choose(7, 2) + choose(7, 3))
  # rows with missing values are left out once, over all terms
  bs2 <- cox_best_subsets(f_lung, data = survival::lung, best = 2, size = 2:3)
  expect_identical(tidy(bs2), tidy(bs))
  expect_identical(bs2$n_dropped, nrow(survival::lung) - nrow(lung_cc))
})

test_that("print() shows SAS's table", {
  lung2 <- survival::lung
  lung2$ph.ecog <- factor(lung2$ph.ecog)
  expect_snapshot(print(cox_best_subsets(
    Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss,
    data = lung2, ties = "breslow", best = 2)))
  expect_snapshot(print(cox_best_subsets(
    Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss,
    data = lung2, include = "age", size = 2:3, best = 3)))
})

test_that("bad input: classed errors", {
  expect_snapshot(error = TRUE, {
    cox_best_subsets(f_lung, data = lung_cc, size = 0)
    cox_best_subsets(f_lung, data = lung_cc, size = 8)
    cox_best_subsets(f_lung, data = lung_cc, size = 2.5)
    cox_best_subsets(f_lung, data = lung_cc, include = c("age", "sex"), size = 1:3)
    cox_best_subsets(f_lung, data = lung_cc, best = 0)
    cox_best_subsets(f_lung, data = lung_cc, best = 1.5)
    cox_best_subsets(f_lung, data = lung_cc, best = "all")
    cox_best_subsets(Surv(time, status) ~ age + sex, data = lung_cc,
                     include = ~ age + sex)
    cox_best_subsets(f_lung, data = lung_cc, include = "ph.ecog2")
    cox_best_subsets(Surv(time, status) ~ strata(sex), data = lung_cc)
    cox_best_subsets(f_lung, data = lung_cc, search = "greedy")
    cox_best_subsets(f_lung, data = lung_cc, bset = 2)
  })
  d <- sim_bs(50, 22, seed = 1, factor = FALSE)
  f22 <- stats::reformulate(paste0("x", 1:22),
                            response = quote(Surv(time, status)))
  expect_snapshot(error = TRUE,
                  cox_best_subsets(f22, data = d, best = Inf))
  expect_error(cox_best_subsets(f_lung, data = lung_cc, size = 8),
               class = "survstep_error_size")
  expect_error(cox_best_subsets(f_lung, data = lung_cc, best = 0),
               class = "survstep_error_best")
  expect_error(cox_best_subsets(Surv(time, status) ~ age, data = lung_cc,
                                include = "age"),
               class = "survstep_error_no_candidates")
  expect_error(cox_best_subsets(f_lung, data = lung_cc, include = "x"),
               class = "survstep_error_input")
})

test_that("Ctrl-C stops an exhaustive search within half a second", {
  skip_on_cran()
  skip_if(.Platform$OS.type != "unix", "needs POSIX signals")
  # 2^26 subsets: seconds of work without the interrupt checks
  r <- sv_interrupt_latency(
    setup = c("set.seed(1); n <- 300; p <- 26",
              "x <- matrix(rnorm(n * p), n, p)",
              "colnames(x) <- paste0('x', 1:p)",
              "d <- data.frame(time = rexp(n), status = rbinom(n, 1, 0.7), x)",
              "f <- reformulate(colnames(x), response = quote(Surv(time, status)))"),
    expr = "cox_best_subsets(f, data = d, best = 1, search = 'exhaustive')",
    engine = "best_subsets_cpp"
  )
  expect_interrupted_within(r)
})
