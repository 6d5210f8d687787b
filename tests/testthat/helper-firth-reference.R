# An independent reference for Firth's penalized Cox model (Heinze and
# Schemper 2001), written from the formulas and not from the package's code:
# the penalized log-likelihood l*(b) = l(b) + 1/2 log|I(b)|, with l(b) and
# I(b) taken from survival::coxph(..., init = b, iter.max = 0) (loglik[2]
# and solve(vcov)), maximized numerically: optim() (BFGS) on central
# differences of l*, finished by Newton steps on those differences; profile
# intervals by uniroot() on the profile penalized likelihood ratio.

# coxph() at b without iterations; `weights` a vector (or NULL)
ref_coxph0 <- function(b, formula, data, ties, weights = NULL, x = FALSE) {
  args <- list(formula, data = data, ties = ties,
               control = survival::coxph.control(iter.max = 0), x = x)
  if (!is.null(b)) args$init <- b
  if (!is.null(weights)) args$weights <- weights
  suppressWarnings(do.call(survival::coxph, args))
}

# l(b) and I(b) as coxph(init = b, iter.max = 0) computes them (loglik[2],
# solve(var)), through its fitting function on the model's matrices (built
# once by coxph(x = TRUE)): coxph.fit(), or agreg.fit() for (start, stop].
ref_evaluator <- function(formula, data, ties, weights = NULL) {
  fit0 <- ref_coxph0(NULL, formula, data, ties, weights, x = TRUE)
  x <- fit0$x
  y <- fit0$y
  st <- fit0$strata
  w <- if (is.null(weights)) rep(1, nrow(x)) else as.double(weights)
  stopifnot(length(w) == nrow(x))
  fitter <- if (ncol(y) == 3L) survival::agreg.fit else survival::coxph.fit
  ctl <- survival::coxph.control(iter.max = 0)
  list(p = ncol(x), sd = apply(x, 2, stats::sd), eval = function(b) {
    f <- tryCatch(suppressWarnings(fitter(
      x, y, if (is.null(st)) NULL else as.integer(st), NULL, b, ctl, w, ties,
      rownames = NULL, resid = FALSE)), error = function(e) NULL)
    if (is.null(f)) return(list(ll = -Inf, info = NULL))
    info <- tryCatch(solve(f$var), error = function(e) NULL)
    list(ll = f$loglik[2], info = info)
  })
}

ref_pl_fun <- function(ev, penalized) {
  function(b) {
    e <- ev$eval(b)
    if (!penalized) return(e$ll)
    if (is.null(e$info) || !is.finite(e$ll)) return(-Inf)
    e$ll + 0.5 * as.numeric(determinant(e$info, logarithm = TRUE)$modulus)
  }
}

# l*(b) through coxph() itself (for spot checks of the evaluator)
ref_pl <- function(b, formula, data, ties, weights = NULL) {
  fit <- ref_coxph0(b, formula, data, ties, weights)
  ll <- fit$loglik[2]
  info <- tryCatch(solve(fit$var), error = function(e) NULL)
  if (is.null(info)) return(-Inf)
  ll + 0.5 * as.numeric(determinant(info, logarithm = TRUE)$modulus)
}

# central differences; steps h * scale (scale: 1 / sd of each column)
ref_grad <- function(f, b, h = 1e-4 * rep(1, length(b))) {
  vapply(seq_along(b), function(j) {
    e <- replace(numeric(length(b)), j, h[j])
    (f(b + e) - f(b - e)) / (2 * h[j])
  }, numeric(1))
}

ref_hess <- function(f, b, h) {
  H <- vapply(seq_along(b), function(j) {
    e <- replace(numeric(length(b)), j, 10 * h[j])
    (ref_grad(f, b + e, h) - ref_grad(f, b - e, h)) / (20 * h[j])
  }, numeric(length(b)))
  H <- matrix(H, length(b))
  (H + t(H)) / 2
}

# maximize f over the coordinates `free` (others stay at b): Newton steps
# on numerical derivatives with step-halving, then a check with optim()
ref_max <- function(f, b, free = seq_along(b), scale = rep(1, length(b)),
                    check = TRUE) {
  g <- function(bf) {
    bb <- b
    bb[free] <- bf
    f(bb)
  }
  h <- 1e-4 * scale[free]
  newton <- function(bf) {
    val <- g(bf)
    for (it in 1:200) {
      step <- tryCatch(-solve(ref_hess(g, bf, h), ref_grad(g, bf, h)),
                       error = function(e) NULL)
      if (is.null(step) || any(!is.finite(step))) break
      for (k in 1:40) {
        nv <- tryCatch(g(bf + step), error = function(e) -Inf)
        if (is.finite(nv) && nv >= val - 1e-12) break
        step <- step / 2
      }
      if (!is.finite(nv)) break
      bf <- bf + step
      val <- nv
      if (max(abs(step) / scale[free]) < 1e-11) break
    }
    list(par = bf, value = val)
  }
  m <- newton(b[free])
  o <- if (!check) list(value = Inf) else tryCatch(stats::optim(m$par, function(v) -g(v),
                             function(v) -ref_grad(g, v, h), method = "BFGS",
                             control = list(reltol = 1e-15,
                                            parscale = scale[free])),
                error = function(e) list(value = Inf))
  if (-o$value > m$value + 1e-10) m <- newton(o$par)
  bf <- m$par
  bb <- b
  bb[free] <- bf
  list(beta = bb, value = f(bb))
}

ref_firth <- function(formula, data, ties = "breslow", level = 0.95,
                      penalized = TRUE, weights = NULL) {
  ev <- ref_evaluator(formula, data, ties, weights)
  f <- ref_pl_fun(ev, penalized)
  p <- ev$p
  sc <- 1 / ev$sd
  m <- ref_max(f, numeric(p), scale = sc)
  b <- m$beta
  lhat <- m$value
  # a spot check of the evaluator against coxph() itself
  if (penalized) {
    stopifnot(abs(ref_pl(b, formula, data, ties, weights) - lhat) < 1e-9)
  }
  q <- stats::qchisq(level, 1)
  warm <- b
  prof <- function(j, t) {
    bb <- warm
    bb[j] <- t
    if (p == 1L) return(f(bb))
    r <- ref_max(f, bb, free = setdiff(seq_len(p), j), scale = sc,
                 check = FALSE)
    warm <<- r$beta
    r$value
  }
  se <- sqrt(diag(solve(-ref_hess(f, b, 1e-4 * sc))))
  ci <- t(vapply(seq_len(p), function(j) {
    g <- function(t) 2 * (lhat - prof(j, t)) - q
    warm <<- b
    lo <- uniroot(g, b[j] - c(2.5, 1.5) * se[j], tol = 1e-10,
                  extendInt = "downX")$root
    warm <<- b
    hi <- uniroot(g, b[j] + c(1.5, 2.5) * se[j], tol = 1e-10,
                  extendInt = "upX")$root
    c(lo, hi)
  }, numeric(2)))
  chisq <- vapply(seq_len(p), function(j) {
    warm <<- b
    2 * (lhat - prof(j, 0))
  }, numeric(1))
  list(coefficients = b, loglik = c(f(numeric(p)), lhat), ci = ci,
       chisq = chisq, f = f, scale = sc)
}
