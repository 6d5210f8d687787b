# Independent reference for cox_best_subsets(): EVERY subset of the
# candidate terms fitted by survival::coxph() with iter.max = 0, whose
# `$score` is the score test of all the subset's coefficients at beta = 0
# (df = the number of non-aliased coefficients), ranked within each size by
# the statistic (ties by the order of the terms in the formula). `formula`'s
# right-hand side lists the candidates; `strata` and `include` are term
# labels added to every subset (`include` counted in the size); `weights` a
# vector of case weights or NULL. `data` must be complete (no missing
# values), so that every subset is fitted to the same rows.
bs_reference <- function(formula, data, include = character(),
                         strata = character(), size = NULL, best = Inf,
                         ties = "efron", weights = NULL) {
  labs <- attr(stats::terms(formula), "term.labels")
  cand <- setdiff(labs, include)
  n_inc <- length(include)
  if (is.null(size)) size <- seq.int(n_inc + 1L, length(labs))
  resp <- formula[[2L]]
  wvec <- weights
  one <- function(set) {
    f <- stats::reformulate(c(set, strata), response = resp)
    environment(f) <- environment()
    fit <- suppressWarnings(survival::coxph(
      f, data = data, ties = ties, weights = wvec,
      control = survival::coxph.control(iter.max = 0)))
    c(chisq = unname(fit$score), df = sum(!is.na(stats::coef(fit))))
  }
  rows <- list()
  for (k in size) {
    m <- k - n_inc
    subs <- if (m == 0L) list(integer(0)) else
      utils::combn(length(cand), m, simplify = FALSE)
    res <- lapply(subs, function(s) {
      set <- labs[sort(match(c(include, cand[s]), labs))]
      st <- one(set)
      data.frame(size = k, chisq = st[["chisq"]], df = st[["df"]],
                 key = paste(sprintf("%03d", sort(match(set, labs))),
                             collapse = " "),
                 terms = paste(set, collapse = " + "),
                 stringsAsFactors = FALSE)
    })
    res <- do.call(rbind, res)
    res <- res[order(-res$chisq, res$key), , drop = FALSE]
    res <- utils::head(res, best)
    res$rank <- seq_len(nrow(res))
    rows[[length(rows) + 1L]] <- res
  }
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  out[c("size", "rank", "chisq", "df", "terms")]
}
