# Independent reference implementation of SPSS COXREG forward / backward
# stepwise selection (METHOD = FSTEP / BSTEP), written only with
# survival::coxph() from the rules in methods.md section 4. It shares no code
# with survstep: every statistic comes from a coxph() call.
#
# - one complete-case analysis set over the response, strata, weights and all
#   terms of `formula`, fixed for the whole run;
# - one design matrix built once (treatment contrasts, as coxph codes it); a
#   term is the block of columns model.matrix() assigns to it;
# - entry by the score statistic at (b_M, 0):
#     coxph(y ~ X[, c(M, E)], init = c(b_M, 0), iter.max = 0)$score;
# - removal by Wald (b_E' V_EE^-1 b_E from vcov), LR (refit without E) or the
#   conditional statistic 2 [l(b_M) - l(b~_keep, 0)] with
#   b~_keep = b_keep - V_keep,E V_EE^-1 b_E, l evaluated by coxph(init = ,
#   iter.max = 0);
# - blocks compared by p-value (ties: larger Wilson-Hilferty z, then formula
#   order); entry when p <= p_enter, removal when p >= p_remove; a block
#   not of full column rank given the model is not eligible for entry;
# - after every entry, remove until nothing qualifies; stop when nothing
#   qualifies or the next model was already visited (the move is not made);
# - "variables not in the equation": score statistic of every candidate at
#   the final model, and the residual chi-square (joint score test of all of
#   them at (b_M, 0)).

ref_wh_z <- function(stat, df) {
  # Wilson-Hilferty normal deviate: a monotone stand-in for -log(p) that
  # only breaks exact p-value ties (p underflowing to 0).
  a <- 2 / (9 * df)
  ((pmax(stat, 0) / df)^(1 / 3) - (1 - a)) / sqrt(a)
}

ref_cox_stepwise <- function(formula, data, direction = c("forward", "backward"),
                             removal = c("wald", "lr", "conditional"),
                             p_enter = 0.05, p_remove = 0.10,
                             include = character(), ties = "efron",
                             weights = NULL, eps = 1e-11) {
  direction <- match.arg(direction)
  removal <- match.arg(removal)
  tt <- stats::terms(formula, specials = "strata", data = data)
  if (!is.null(weights)) data$.w <- data[[weights]]
  mf <- if (is.null(weights)) {
    stats::model.frame(tt, data, na.action = stats::na.omit)
  } else {
    stats::model.frame(tt, data, weights = .w, na.action = stats::na.omit)
  }
  y <- stats::model.response(mf)
  wt <- stats::model.weights(mf)
  if (is.null(wt)) wt <- rep(1, nrow(mf))
  off <- stats::model.offset(mf)
  if (is.null(off)) off <- rep(0, nrow(mf))
  st_idx <- attr(tt, "specials")$strata
  labels <- attr(tt, "term.labels")
  if (length(st_idx)) {
    st_terms <- survival::untangle.specials(tt, "strata", 1)$terms
    st <- survival::strata(mf[st_idx], shortlabel = TRUE)
    tt_x <- stats::drop.terms(tt, st_terms, keep.response = TRUE)
    labels <- labels[-st_terms]
  } else {
    st <- rep(1L, nrow(mf))
    tt_x <- tt
  }
  X <- stats::model.matrix(tt_x, mf)
  assign <- attr(X, "assign")[-1]
  X <- X[, -1, drop = FALSE]
  cols_of <- function(terms) which(assign %in% match(terms, labels))
  ctl <- survival::coxph.control(eps = eps, iter.max = 100)
  ctl0 <- survival::coxph.control(iter.max = 0)

  fit_cols <- function(cols) {
    if (!length(cols)) {
      f <- survival::coxph(y ~ strata(st) + offset(off), weights = wt,
                           ties = ties)
      return(list(coef = numeric(0), var = matrix(0, 0, 0),
                  loglik = f$loglik[1]))
    }
    Xs <- X[, cols, drop = FALSE]
    f <- survival::coxph(y ~ Xs + strata(st) + offset(off), weights = wt,
                         ties = ties, control = ctl)
    # model-based variance (coxph switches to the robust one for
    # non-integer case weights; SPSS weights are frequency weights)
    v <- if (is.null(f$naive.var)) f$var else f$naive.var
    list(coef = unname(stats::coef(f)), var = unname(v),
         loglik = f$loglik[2])
  }
  loglik_at <- function(cols, beta) {
    if (!length(cols)) return(fit_cols(integer(0))$loglik)
    Xs <- X[, cols, drop = FALSE]
    f <- survival::coxph(y ~ Xs + strata(st) + offset(off), weights = wt,
                         ties = ties, init = beta, control = ctl0)
    f$loglik[1]
  }
  score_at <- function(cols_m, beta_m, cols_e) {
    Xs <- X[, c(cols_m, cols_e), drop = FALSE]
    f <- survival::coxph(y ~ Xs + strata(st) + offset(off), weights = wt,
                         ties = ties, init = c(beta_m, rep(0, length(cols_e))),
                         control = ctl0)
    f$score
  }
  # rank of the candidate block given the model columns (its score df)
  block_df <- function(cols_m, cols_e) {
    q <- function(cols) {
      if (!length(cols)) return(0L)
      qr(cbind(X[, cols, drop = FALSE]), tol = 1e-7)$rank
    }
    q(c(cols_m, cols_e)) - q(cols_m)
  }

  candidates <- setdiff(labels, include)
  key <- function(m) paste(sort(match(m, labels)), collapse = ",")
  model <- if (direction == "forward") include else labels
  model <- labels[labels %in% model]
  fit <- fit_cols(cols_of(model))
  visited <- key(model)
  steps <- data.frame(step = 0L, action = "start", term = NA_character_,
                      statistic = NA_real_, df = NA_integer_,
                      p.value = NA_real_, loglik = fit$loglik,
                      stringsAsFactors = FALSE)
  stop_reason <- NULL
  add_step <- function(action, term, stat, df, p) {
    steps[nrow(steps) + 1L, ] <<- list(nrow(steps), action, term, stat,
                                       as.integer(df), p, fit$loglik)
  }

  removal_stats <- function() {
    rem <- setdiff(model, include)
    cols_m <- cols_of(model)
    out <- lapply(rem, function(e) {
      ce <- cols_of(e)
      pos <- match(ce, cols_m)
      keep <- setdiff(seq_along(cols_m), pos)
      b <- fit$coef
      V <- fit$var
      stat <- switch(removal,
        wald = drop(t(b[pos]) %*% solve(V[pos, pos, drop = FALSE], b[pos])),
        lr = 2 * (fit$loglik - fit_cols(cols_m[keep])$loglik),
        conditional = {
          bt <- b[keep] - V[keep, pos, drop = FALSE] %*%
            solve(V[pos, pos, drop = FALSE], b[pos])
          2 * (fit$loglik - loglik_at(cols_m[keep], drop(bt)))
        })
      c(stat, length(ce))
    })
    data.frame(term = rem, statistic = vapply(out, `[`, 0, 1),
               df = vapply(out, `[`, 0, 2), stringsAsFactors = FALSE)
  }
  entry_stats <- function(cands) {
    cols_m <- cols_of(model)
    out <- lapply(cands, function(e) {
      ce <- cols_of(e)
      c(score_at(cols_m, fit$coef, ce), block_df(cols_m, ce), length(ce))
    })
    data.frame(term = cands, statistic = vapply(out, `[`, 0, 1),
               df = vapply(out, `[`, 0, 2), ncol = vapply(out, `[`, 0, 3),
               stringsAsFactors = FALSE)
  }

  repeat {
    # removal, repeated until nothing qualifies
    repeat {
      if (!length(setdiff(model, include))) break
      rs <- removal_stats()
      rs$p.value <- stats::pchisq(rs$statistic, rs$df, lower.tail = FALSE)
      o <- order(-rs$p.value, ref_wh_z(rs$statistic, rs$df),
                 match(rs$term, labels))[1]
      if (!(rs$p.value[o] >= p_remove)) break
      new_model <- setdiff(model, rs$term[o])
      if (key(new_model) %in% visited) {
        stop_reason <- "repeat"
        break
      }
      model <- new_model
      fit <- fit_cols(cols_of(model))
      visited <- c(visited, key(model))
      add_step("remove", rs$term[o], rs$statistic[o], rs$df[o], rs$p.value[o])
    }
    if (!is.null(stop_reason)) break
    cands <- setdiff(candidates, model)
    if (!length(cands)) {
      stop_reason <- "none"
      break
    }
    es <- entry_stats(cands)
    # a block aliased (wholly or partly) with the model can't enter
    es <- es[es$df == es$ncol, , drop = FALSE]
    if (!nrow(es)) {
      stop_reason <- "none"
      break
    }
    es$p.value <- stats::pchisq(es$statistic, es$df, lower.tail = FALSE)
    o <- order(es$p.value, -ref_wh_z(es$statistic, es$df),
               match(es$term, labels))[1]
    if (!(es$p.value[o] <= p_enter)) {
      stop_reason <- "none"
      break
    }
    new_model <- labels[labels %in% c(model, es$term[o])]
    if (key(new_model) %in% visited) {
      stop_reason <- "repeat"
      break
    }
    model <- new_model
    fit <- fit_cols(cols_of(model))
    visited <- c(visited, key(model))
    add_step("enter", es$term[o], es$statistic[o], es$df[o], es$p.value[o])
  }

  out <- setdiff(candidates, model)
  nim <- entry_stats(out)
  nim$p.value <- stats::pchisq(nim$statistic, nim$df, lower.tail = FALSE)
  nim$ncol <- NULL
  resid <- if (length(out)) {
    cm <- cols_of(model)
    co <- cols_of(out)
    s <- score_at(cm, fit$coef, co)
    df <- block_df(cm, co)
    c(statistic = s, df = df,
      p.value = stats::pchisq(s, df, lower.tail = FALSE))
  } else {
    c(statistic = NA_real_, df = NA_real_, p.value = NA_real_)
  }
  cm <- cols_of(model)
  list(steps = steps, model = model, not_in_model = nim, residual = resid,
       coef = stats::setNames(fit$coef, colnames(X)[cm]), var = fit$var,
       loglik = fit$loglik, stop_reason = stop_reason,
       n = nrow(mf), nevent = sum(y[, 2]))
}
