# Bootstrap stability and validation of a Cox model-building procedure ------

#' Bootstrap stability of a stepwise Cox selection
#'
#' Re-runs the selection of a [cox_stepwise()] fit (the same candidates,
#' `include` and `start` terms, style, direction, step limit, entry and
#' removal rules, Firth's penalized likelihood or not, ties and iteration
#' settings) on `B` bootstrap resamples of its analysis set, and reports how
#' stable the selected model is: how often each term is selected, how often
#' each model is selected, how often pairs of terms are selected together,
#' and the bootstrap distribution of each coefficient (Sauerbrei and
#' Schumacher, 1992; Heinze, Wallisch and Dunkler, 2018).
#'
#' @details
#' **Resampling.** Each replicate draws the rows of the analysis set with
#' replacement (as many as there are), or, with `cluster`, whole clusters
#' (as many as there are) with all their rows. The resample is what
#' `data[rows, ]` gives: [cox_boot_indices()] returns the rows of each
#' replicate, so that any replicate can be re-run by hand. The whole
#' bootstrap runs in C++: every replicate is prepared by the package's one
#' risk-set layer and selected by the same routine as [cox_stepwise()] (no
#' R code per replicate).
#'
#' **Random numbers.** The resamples come from one `std::mt19937_64`
#' stream seeded through `std::seed_seq` with `seed` (replicates 1, 2, ...
#' take consecutive draws, so replicate b is the same whatever `B`), and
#' integers in a range by rejection sampling (not
#' `std::uniform_int_distribution`, whose algorithm differs between
#' compilers): the same `seed` gives the same resamples and results on every
#' platform, and does not depend on R's random number generator. With
#' `seed = NULL` a seed is drawn from R's generator (so [set.seed()] makes
#' the call reproducible); the seed used is stored in the result.
#'
#' **Replicates that fail.** A resample without an event cannot be fitted:
#' it is left out of every summary and counted (`n_failed`); the
#' frequencies are proportions of the `n_ok` replicates that ran. A
#' replicate in which some fit of the selection did not converge, or had a
#' coefficient that may be infinite (monotone likelihood), is kept (its
#' selection is what [cox_stepwise()] would report, with a warning) and
#' counted in `n_not_converged` and `n_infinite`. A design column that has
#' a single value in a resample (a factor level that was not drawn, a rare
#' binary covariate) is dropped from its term there, as [cox_stepwise()]
#' drops unused factor levels; a term left without columns cannot enter (it
#' counts as not selected). [cox_stepwise()] itself refuses a constant
#' covariate, so to repeat such a replicate by hand, drop that candidate
#' from the formula. A forced term that is constant in a resample has no
#' coefficient (`NA`) there.
#'
#' **Coefficients.** For every coefficient, the bootstrap median and the
#' 2.5% and 97.5% percentiles (`stats::quantile()`, type 7) of its hazard
#' ratio over all replicates, with a hazard ratio of 1 (a coefficient of 0)
#' in the replicates that did not select its term, as Heinze, Wallisch and
#' Dunkler (2018) recommend; the proportion of replicates that selected it;
#' and the median over the replicates that selected it (`median_selected`,
#' conditional on selection). The percentile interval describes the
#' variability of the whole procedure, not a confidence interval for a
#' prespecified model.
#'
#' @param object A [cox_stepwise()] fit (class `survstep_stepwise`).
#' @param B Number of bootstrap replicates (a whole number >= 1).
#' @param seed The seed (a whole number), or `NULL` to draw one from R's
#'   random number generator.
#' @param cluster Optional resampling units: one value per row of the
#'   analysis set (`object$n` values, in the order of the rows used), for
#'   example the patient of each row of counting-process data. Clusters
#'   are numbered in order of first appearance. `NULL` resamples rows.
#' @param ... `cox_stepwise_boot()`: must be empty (a misspelled or
#'   unknown argument is an error of class
#'   `survstep_error_unused_argument`). `plot()`: passed on to
#'   [graphics::barplot()]. Other methods: ignored.
#' @return An object of class `survstep_stepwise_boot`, a list with
#' * `inclusion`: one row per term: `term`, `forced`, `selected` (in the
#'   original selection), `count` and `proportion` of the replicates that
#'   selected it;
#' * `models`: the distinct selected models, most frequent first: `model`
#'   (its terms), `count`, `proportion`, `cumulative`;
#' * `pairwise`: a terms x terms matrix, the proportion of replicates that
#'   selected both terms (the diagonal is the inclusion proportion);
#' * `coefficients`: one row per coefficient: `term` (coefficient name),
#'   `label` (its term), `estimate` (hazard ratio of the original selected
#'   model, `NA` when not selected), `boot_median`, `conf.low`, `conf.high`,
#'   `proportion` and `median_selected` (hazard ratios, see Details);
#' * `replicates`: the raw results: `status` (0 = ran, 1 = no event in the
#'   resample), `model` (replicates x terms logical matrix), `beta`
#'   (replicates x coefficients, `NA` when not selected), `fit_status` (OR
#'   of the status bits of the run's fits: 1 = not converged, 2 = singular,
#'   4 = infinite coefficient);
#' * `B`, `n_ok`, `n_failed`, `n_not_converged`, `n_infinite`, `seed`,
#'   `cluster` (whether clusters were resampled), `n`, `call`, and
#'   `stepwise` (a short description of the procedure).
#' @references
#' Sauerbrei, W. and Schumacher, M. (1992). A bootstrap resampling procedure
#' for model building: application to the Cox regression model.
#' *Statistics in Medicine* 11, 2093-2109.
#'
#' Heinze, G., Wallisch, C. and Dunkler, D. (2018). Variable selection -- a
#' review and recommendations for the practicing statistician. *Biometrical
#' Journal* 60, 431-449.
#' @seealso [cox_validate()] for the optimism-corrected performance of the
#'   same procedure, [cox_boot_indices()] for the resamples.
#' @examples
#' lung2 <- survival::lung
#' lung2$ph.ecog <- factor(lung2$ph.ecog)
#' fit <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
#'                       wt.loss, data = lung2, ties = "breslow")
#' bt <- cox_stepwise_boot(fit, B = 100, seed = 1)
#' bt
#' tidy(bt)
#' plot(bt)
#' @export
cox_stepwise_boot <- function(object, B = 1000, seed = NULL, cluster = NULL,
                              ...) {
  call <- match.call()
  check_dots_empty("cox_stepwise_boot", ...)
  if (!inherits(object, "survstep_stepwise")) {
    sv_abort(sprintf(paste0("`object` must be a `cox_stepwise()` fit ",
                            "(class `survstep_stepwise`), not %s."),
                     sv_obj_type(object)), call = call)
  }
  run <- bt_run(object, cluster, seed, B, validate = FALSE, call = call)
  B <- run$B
  seed <- run$seed
  src <- run$src
  reps <- run$res$reps
  ok <- reps$status == 0L
  n_ok <- sum(ok)
  labels <- src$labels
  model <- reps$model[ok, , drop = FALSE]
  colnames(model) <- labels
  count <- colSums(model)
  prop <- if (n_ok) count / n_ok else rep(NA_real_, length(labels))
  inclusion <- data.frame(
    term = labels, forced = src$forced, selected = labels %in% src$selected,
    count = as.integer(count), proportion = unname(prop),
    stringsAsFactors = FALSE
  )

  key <- bt_model_text(model, labels)
  tab <- sort(table(key), decreasing = TRUE)
  models <- data.frame(model = names(tab), count = as.integer(tab),
                       stringsAsFactors = FALSE)
  models$proportion <- models$count / n_ok
  models$cumulative <- cumsum(models$proportion)

  pairwise <- if (n_ok) crossprod(model * 1) / n_ok else
    matrix(NA_real_, length(labels), length(labels))
  dimnames(pairwise) <- list(labels, labels)

  beta <- reps$beta[ok, , drop = FALSE]
  cn <- src$colnames
  colnames(beta) <- cn
  col_label <- labels[src$col_term]
  est <- stats::coef(object$final)
  coefficients <- do.call(rbind, lapply(seq_along(cn), function(j) {
    sel <- model[, src$col_term[j]]
    b <- beta[, j]
    b0 <- ifelse(sel, b, 0)
    q <- if (n_ok) stats::quantile(b0, c(0.5, 0.025, 0.975), na.rm = TRUE,
                                   names = FALSE) else rep(NA_real_, 3L)
    bs <- b[sel & !is.na(b)]
    data.frame(
      term = cn[j], label = col_label[j],
      estimate = unname(exp(est[cn[j]])),
      boot_median = exp(q[1L]), conf.low = exp(q[2L]), conf.high = exp(q[3L]),
      proportion = if (n_ok) mean(sel) else NA_real_,
      median_selected = if (length(bs)) exp(stats::median(bs)) else NA_real_,
      stringsAsFactors = FALSE
    )
  }))
  rownames(coefficients) <- NULL

  fs <- reps$fit_status[ok]
  structure(
    list(
      inclusion = inclusion, models = models, pairwise = pairwise,
      coefficients = coefficients,
      replicates = list(status = reps$status, model = `colnames<-`(
        reps$model, labels), beta = `colnames<-`(reps$beta, cn),
        fit_status = reps$fit_status, n = reps$n),
      B = B, n_ok = n_ok, n_failed = B - n_ok,
      n_not_converged = sum(bitwAnd(fs, 1L) != 0L),
      n_infinite = sum(bitwAnd(fs, 4L) != 0L),
      seed = seed, cluster = !is.null(run$unit), n = src$n,
      stepwise = bt_describe(object), call = call
    ),
    class = "survstep_stepwise_boot"
  )
}

#' @rdname cox_stepwise_boot
#' @param x A `survstep_stepwise_boot` object.
#' @param digits Number of decimal places.
#' @export
print.survstep_stepwise_boot <- function(x, digits = 3, ...) {
  cat(sprintf("Bootstrap of the stepwise selection: %d replicates%s (seed %s)\n",
              x$B, if (x$cluster) " of clusters" else "", format(x$seed)))
  cat(x$stepwise, "\n", sep = "")
  bt_print_failures(x)
  cat("\nInclusion frequencies\n")
  inc <- x$inclusion
  tab <- data.frame(
    Term = inc$term,
    Selected = ifelse(inc$forced, "forced", ifelse(inc$selected, "yes", "no")),
    `Inclusion %` = formatC(100 * inc$proportion, format = "f", digits = 1),
    check.names = FALSE, stringsAsFactors = FALSE
  )
  sw_print_table(tab)
  cat("\nMost frequent models\n")
  m <- utils::head(x$models, 5L)
  sw_print_table(data.frame(
    Model = m$model, Count = m$count,
    `%` = formatC(100 * m$proportion, format = "f", digits = 1),
    `Cumulative %` = formatC(100 * m$cumulative, format = "f", digits = 1),
    check.names = FALSE, stringsAsFactors = FALSE), right = FALSE)
  if (nrow(x$models) > 5L) {
    cat(sprintf("(%d distinct models in all)\n", nrow(x$models)))
  }
  co <- x$coefficients[!is.na(x$coefficients$estimate), , drop = FALSE]
  if (nrow(co)) {
    cat("\nHazard ratios of the selected model\n")
    sw_print_table(data.frame(
      ` ` = co$term,
      HR = sw_fmt_num(co$estimate, digits),
      `Boot median` = sw_fmt_num(co$boot_median, digits),
      `2.5%` = sw_fmt_num(co$conf.low, digits),
      `97.5%` = sw_fmt_num(co$conf.high, digits),
      `Selected %` = formatC(100 * co$proportion, format = "f", digits = 1),
      check.names = FALSE, stringsAsFactors = FALSE))
    cat(paste0("(bootstrap hazard ratios are 1 in the replicates that did ",
               "not select the term)\n"))
  }
  invisible(x)
}

#' @rdname cox_stepwise_boot
#' @param what `tidy()`: `"coefficients"` (one row per coefficient),
#'   `"inclusion"` (one row per term) or `"models"`.
#' @export
tidy.survstep_stepwise_boot <- function(x, what = c("coefficients",
                                                    "inclusion", "models"),
                                        ...) {
  what <- sv_match_arg(what, c("coefficients", "inclusion", "models"), "what")
  out <- x[[what]]
  rownames(out) <- NULL
  out
}

#' @rdname cox_stepwise_boot
#' @param main,xlab Plot title and axis label.
#' @export
plot.survstep_stepwise_boot <- function(x, main = "Bootstrap inclusion frequency",
                                        xlab = "Replicates selecting the term (%)",
                                        ...) {
  inc <- x$inclusion
  o <- order(inc$proportion, decreasing = FALSE)
  col <- ifelse(inc$forced, "grey80",
                ifelse(inc$selected, "grey30", "grey65"))[o]
  op <- graphics::par(mar = c(4.5, max(4, 0.6 * max(nchar(inc$term)) + 1),
                              3, 1))
  on.exit(graphics::par(op))
  mid <- graphics::barplot(100 * inc$proportion[o], names.arg = inc$term[o],
                           horiz = TRUE, las = 1, xlim = c(0, 105), col = col,
                           border = NA, main = main, xlab = xlab, ...)
  graphics::text(100 * inc$proportion[o], mid,
                 formatC(100 * inc$proportion[o], format = "f", digits = 0),
                 pos = 4, cex = 0.8, xpd = TRUE)
  graphics::abline(v = 0, col = "grey40")
  kind <- c(any(inc$selected & !inc$forced), any(!inc$selected),
            any(inc$forced))
  graphics::legend("bottomright",
                   legend = c("selected in the fit", "not selected",
                              "forced")[kind],
                   fill = c("grey30", "grey65", "grey80")[kind], border = NA,
                   bty = "n", cex = 0.8)
  invisible(x)
}

#' Bootstrap validation of a Cox model-building procedure
#'
#' Harrell's optimism bootstrap of the *whole* procedure behind a fit: for
#' a [cox_stepwise()] fit the selection is repeated in every replicate; for
#' a [cox()] fit the same model is refitted. Reports the apparent,
#' optimism and optimism-corrected Harrell C, Somers' D_xy and calibration
#' slope, in the layout of `rms::validate.cph()`.
#'
#' @details
#' For each bootstrap resample b (drawn as in [cox_stepwise_boot()], with the
#' same `seed` giving the same resamples), the procedure is run on the
#' resample, giving the linear predictor \eqn{\eta_b = X\hat\beta_b} (plus
#' the offset, if any). Its performance on the resample (`training`) and on
#' the original data (`test`) is measured by
#' * Harrell's C of \eqn{\eta_b} (as `survival::concordance()`, ties in the
#'   predictor counting 1/2, within strata) and \eqn{D_{xy} = 2C - 1};
#' * the calibration slope: the coefficient of a Cox model of the data on
#'   \eqn{\eta_b} alone (same ties, strata and weights), which is 1 on the
#'   training data by construction.
#' The optimism is the mean of `training - test` over the replicates; the
#' corrected index is `index.orig - optimism`, where `index.orig` is the
#' apparent performance of the original fit on the original data (slope 1).
#' A model with a constant linear predictor (no term selected) has C = 1/2,
#' D_xy = 0 and slope 1 (as `rms::validate.cph()` sets them). Replicates
#' without an event are left out and counted (column `n` is the number of
#' replicates used); non-converged fits are kept and counted.
#'
#' For a [cox()] fit, the data are rebuilt from its call (as `update()`
#' would): the data must still be available and unchanged, otherwise the
#' error has class `survstep_error_data_unavailable`. A `cluster()` term or
#' `id` of the fit makes the clusters the resampling units. The model is
#' refitted from zero starting values (`init` is not used).
#'
#' @inheritParams cox_stepwise_boot
#' @param object A [cox_stepwise()] fit (class `survstep_stepwise`) or a
#'   [cox()] fit (class `survstep_cox`).
#' @param B Number of bootstrap replicates (a whole number >= 1).
#' @param cluster Optional resampling units, one value per row of the
#'   analysis set; by default the fit's `cluster()` term or `id` (for a
#'   [cox()] fit), else rows.
#' @return An object of class `survstep_validate`: a matrix with rows `C`,
#'   `Dxy` and `Slope` and columns `index.orig`, `training`, `test`,
#'   `optimism`, `index.corrected` and `n`, with attributes `replicates` (a
#'   data frame per replicate: `status`, `c_train`, `c_test`, `slope`,
#'   `fit_status`, `model`), `B`, `n_failed`, `n_not_converged`, `seed` and
#'   `procedure`.
#' @references
#' Harrell, F. E., Lee, K. L. and Mark, D. B. (1996). Multivariable
#' prognostic models: issues in developing models, evaluating assumptions
#' and adequacy, and measuring and reducing errors. *Statistics in
#' Medicine* 15, 361-387.
#'
#' Harrell, F. E. (2015). *Regression Modeling Strategies*, 2nd ed.,
#' section 5.3. Springer.
#'
#' Steyerberg, E. W. (2019). *Clinical Prediction Models*, 2nd ed.,
#' chapter 17. Springer.
#' @seealso [cox_stepwise_boot()], `rms::validate.cph()`.
#' @examples
#' lung2 <- survival::lung
#' lung2$ph.ecog <- factor(lung2$ph.ecog)
#' fit <- cox_stepwise(Surv(time, status) ~ age + sex + ph.ecog + ph.karno +
#'                       wt.loss, data = lung2, ties = "breslow")
#' cox_validate(fit, B = 50, seed = 1)
#' cox_validate(cox(Surv(time, status) ~ age + sex, data = lung2), B = 50,
#'              seed = 1)
#' @export
cox_validate <- function(object, B = 200, seed = NULL, cluster = NULL, ...) {
  call <- match.call()
  check_dots_empty("cox_validate", ...)
  if (!inherits(object, c("survstep_stepwise", "survstep_cox"))) {
    sv_abort(sprintf(paste0("`object` must be a `cox_stepwise()` or `cox()` ",
                            "fit, not %s."), sv_obj_type(object)), call = call)
  }
  run <- bt_run(object, cluster, seed, B, validate = TRUE, call = call)
  B <- run$B
  seed <- run$seed
  src <- run$src
  reps <- run$res$reps
  ok <- reps$status == 0L
  n_ok <- sum(ok)
  app <- run$res$apparent
  c_orig <- app$c_train
  tr <- reps$c_train[ok]
  te <- reps$c_test[ok]
  sl <- reps$slope[ok]
  opt_c <- mean(tr - te)
  opt_s <- mean(1 - sl)
  out <- rbind(
    C = c(c_orig, mean(tr), mean(te), opt_c, c_orig - opt_c, n_ok),
    Dxy = c(2 * c_orig - 1, mean(2 * tr - 1), mean(2 * te - 1), 2 * opt_c,
            2 * (c_orig - opt_c) - 1, n_ok),
    Slope = c(1, 1, mean(sl), opt_s, 1 - opt_s, n_ok)
  )
  colnames(out) <- c("index.orig", "training", "test", "optimism",
                     "index.corrected", "n")
  labels <- src$labels
  model_text <- bt_model_text(reps$model, labels)
  fs <- reps$fit_status[ok]
  structure(
    out,
    replicates = data.frame(status = reps$status, c_train = reps$c_train,
                            c_test = reps$c_test, slope = reps$slope,
                            fit_status = reps$fit_status, model = model_text,
                            stringsAsFactors = FALSE),
    B = B, n_failed = B - n_ok,
    n_not_converged = sum(bitwAnd(fs, 1L) != 0L | bitwAnd(
      reps$slope_status[ok], 1L) != 0L),
    seed = seed, cluster = !is.null(run$unit),
    procedure = if (inherits(object, "survstep_stepwise")) {
      bt_describe(object)
    } else if (isTRUE(object$firth)) {
      "Fixed Cox model, Firth's penalized likelihood (no selection)"
    } else "Fixed Cox model (no selection)",
    call = call,
    class = "survstep_validate"
  )
}

#' @rdname cox_validate
#' @details `update()` re-runs the validation from its call (through
#'   `getCall()`); the model generics (`coef()`, `residuals()`, ...) do not
#'   apply (see [survstep-generics]).
#' @importFrom stats getCall
#' @export
getCall.survstep_validate <- function(x, ...) attr(x, "call")

#' @rdname cox_validate
#' @param x A `survstep_validate` object.
#' @param digits Number of significant digits.
#' @export
print.survstep_validate <- function(x, digits = 4, ...) {
  cat(sprintf("Bootstrap validation (optimism): %d replicates%s (seed %s)\n",
              attr(x, "B"), if (isTRUE(attr(x, "cluster"))) " of clusters"
              else "", format(attr(x, "seed"))))
  cat(attr(x, "procedure"), "\n\n", sep = "")
  m <- unclass(x)
  attributes(m) <- attributes(m)[c("dim", "dimnames")]
  print(round(m, digits))
  nf <- attr(x, "n_failed")
  if (nf > 0L) {
    cat(sprintf("\n%d replicate%s without an event left out.\n", nf,
                if (nf == 1L) "" else "s"))
  }
  nc <- attr(x, "n_not_converged")
  if (nc > 0L) {
    cat(sprintf("%d replicate%s with a fit that did not converge (kept).\n",
                nc, if (nc == 1L) "" else "s"))
  }
  rep <- attr(x, "replicates")
  mods <- rep$model[rep$status == 0L]
  if (length(unique(mods)) > 1L) {
    cat(sprintf("\n%d distinct models selected in the replicates.\n",
                length(unique(mods))))
  }
  invisible(x)
}

#' Bootstrap resamples of [cox_stepwise_boot()] and [cox_validate()]
#'
#' The units (rows, or clusters) drawn in each replicate for a seed: the
#' same draws as the C++ bootstrap makes (one `std::mt19937_64` stream
#' seeded with `seed`, replicates taking consecutive draws, integers drawn by
#' rejection sampling), so that any replicate can be re-run in R, for
#' example `cox_stepwise(..., data = data[idx[, b], ])`.
#'
#' @param seed The seed, a whole number (as given to [cox_stepwise_boot()];
#'   the seed of a result is its `seed` element).
#' @param n Number of units: rows of the analysis set, or clusters.
#' @param B Number of replicates.
#' @return An `n` x `B` integer matrix: column b holds the (1-based) units of
#'   replicate b.
#' @examples
#' cox_boot_indices(seed = 1, n = 10, B = 3)
#' @export
cox_boot_indices <- function(seed, n, B) {
  call <- match.call()
  seed <- bt_check_seed(seed, call, null_ok = FALSE)
  B <- bt_check_B(B, call)
  n <- bt_check_B(n, call, arg = "n")
  boot_indices_cpp(seed, as.integer(n), as.integer(B))
}

# Helpers --------------------------------------------------------------------

bt_check_B <- function(B, call, arg = "B") {
  ok <- is.numeric(B) && length(B) == 1L && !is.na(B) && is.finite(B) &&
    B >= 1 && B == round(B) && B <= .Machine$integer.max
  if (!ok) {
    sv_abort(sprintf("`%s` must be a whole number >= 1, not %s.", arg,
                     sv_obj_type(B)), call = call)
  }
  as.integer(B)
}

bt_check_seed <- function(seed, call, null_ok = TRUE) {
  if (is.null(seed) && null_ok) {
    return(sample.int(.Machine$integer.max, 1L))
  }
  ok <- is.numeric(seed) && length(seed) == 1L && !is.na(seed) &&
    is.finite(seed) && seed == round(seed) && abs(seed) <= 2^53
  if (!ok) {
    sv_abort(sprintf("`seed` must be a single whole number%s, not %s.",
                     if (null_ok) " (or `NULL`)" else "", sv_obj_type(seed)),
             call = call)
  }
  as.numeric(seed)
}

# The engine input of the procedure behind a fit.
bt_source <- function(object, call) {
  if (inherits(object, "survstep_stepwise")) {
    bd <- object$boot_data
    if (is.null(bd)) {
      sv_abort(c(paste0("Can't re-run the selection: `object` does not ",
                        "contain its data (`boot_data`)."),
                 paste0("Refit it with `cox_stepwise()` of this version of ",
                        "survstep.")),
               class = c("survstep_error_data_unavailable",
                         "survstep_error_input"), call = call)
    }
    control <- object$final$control
    cn <- colnames(bd$x)
    col_term <- integer(length(cn))
    for (t in seq_along(bd$term_cols)) col_term[bd$term_cols[[t]] + 1L] <- t
    return(c(bd[c("x", "y", "weights", "offset", "strata", "term_cols",
                  "forced", "labels")],
             list(unit = NULL, colnames = cn, col_term = col_term,
                  direction = object$direction, removal = object$removal,
                  p_enter = object$p_enter, p_remove = object$p_remove,
                  style = if (is.null(object$style)) "spss" else object$style,
                  start = bd$start, max_steps = object$max_steps,
                  firth = isTRUE(object$firth),
                  ties = object$ties, control = control,
                  selected = object$selected, n = object$n)))
  }
  bt_source_cox(object, call)
}

# A cox() fit: its frame rebuilt from the call, checked against the fit.
bt_source_cox <- function(object, call) {
  unavailable <- function(why) {
    sv_abort(c(sprintf("Can't rebuild the data of the `cox()` fit: %s.", why),
               paste0("The data of its call must still be available and ",
                      "unchanged; refit it.")),
             class = c("survstep_error_data_unavailable",
                       "survstep_error_input"), call = call)
  }
  fcall <- object$call
  if (is.null(fcall)) unavailable("it has no call")
  env <- environment(object$terms)
  if (is.null(env)) env <- parent.frame(2L)
  mfi <- tryCatch(
    suppressWarnings(suppressMessages(
      sv_frame(fcall, env, design = TRUE, counting = TRUE,
               positive_weights = "a Cox model", cluster = TRUE))),
    error = function(e) unavailable(conditionMessage(e)))
  des <- tryCatch(sw_design(mfi, call = call),
                  error = function(e) unavailable(conditionMessage(e)))
  x <- des$x
  cn <- names(stats::coef(object))
  y0 <- object$y
  if (!identical(colnames(x), cn) || mfi$n != object$n ||
      (!is.null(y0) && !isTRUE(all.equal(unclass(y0)[, seq_len(ncol(y0))],
                                          unclass(mfi$y), check.attributes = FALSE)))) {
    unavailable("the rows or columns found differ from those of the fit")
  }
  col_term <- integer(length(cn))
  for (t in seq_along(des$term_cols)) col_term[des$term_cols[[t]] + 1L] <- t
  unit <- if (!is.null(mfi$cluster)) mfi$cluster else mfi$id
  list(x = x, y = mfi$y, weights = mfi$weights, offset = mfi$offset,
       strata = mfi$strata, term_cols = des$term_cols,
       forced = rep(TRUE, length(des$labels)), labels = des$labels,
       unit = unit, colnames = cn, col_term = col_term,
       direction = "forward", removal = "wald", p_enter = 0.05,
       p_remove = 0.10, style = "spss", start = NULL, max_steps = NULL,
       firth = isTRUE(object$firth),
       ties = object$method, control = object$control,
       selected = des$labels, n = mfi$n)
}

bt_units <- function(cluster, src, call) {
  u <- if (is.null(cluster)) src$unit else cluster
  if (is.null(u)) return(NULL)
  if (!is.atomic(u) || length(u) != src$n || anyNA(u)) {
    sv_abort(sprintf(paste0("`cluster` must be a vector with one value per ",
                            "row of the analysis set (%d) and no missing ",
                            "values, not %s."), src$n, sv_obj_type(u)),
             call = call)
  }
  match(u, unique(u)) - 1L
}

# The C++ bootstrap of the procedure behind `object`: list(src, unit, res,
# B, seed).
bt_run <- function(object, cluster, seed, B, validate, call) {
  B <- bt_check_B(B, call)
  seed <- bt_check_seed(seed, call)
  src <- bt_source(object, call)
  unit <- bt_units(cluster, src, call)
  off <- src$offset
  if (!is.null(off) && all(off == 0)) off <- NULL
  ctl <- src$control
  res <- stepwise_boot_cpp(
    x = src$x, y = src$y, weights = src$weights, offset = off,
    strata = src$strata, unit = unit, term_cols = src$term_cols,
    forced = src$forced, direction = src$direction, removal = src$removal,
    p_enter = src$p_enter, p_remove = src$p_remove, ties = src$ties,
    eps = ctl$eps, iter_max = as.integer(ctl$iter_max),
    toler_chol = ctl$toler_chol, toler_inf = ctl$toler_inf,
    timefix_tol = if (isTRUE(ctl$timefix)) sqrt(.Machine$double.eps) else 0,
    seed = seed, B = B, validate = validate,
    convergence = cox_control_rule(ctl), tols = cox_control_tols(ctl),
    style = src$style, start = src$start,
    max_steps = if (is.null(src$max_steps)) -1L else src$max_steps,
    firth = isTRUE(src$firth)
  )
  bt_check_apparent(res, src, call)
  list(src = src, unit = unit, res = res, B = B, seed = seed)
}

# The C++ run on the original data must select what the fit selected.
bt_check_apparent <- function(res, src, call) {
  app <- res$apparent
  sel <- src$labels[which(app$model[1L, ])]
  if (app$status[1L] != 0L || !setequal(sel, src$selected)) {
    sv_abort(paste0("internal error: the bootstrap engine does not reproduce ",
                    "the original selection."),
             class = "survstep_error_internal", call = call)
  }
  invisible()
}

# The terms of each row of a replicates x terms logical matrix as text
# ("(no terms)" for the empty model, NA for a failed replicate), one paste
# per distinct model.
bt_model_text <- function(model, labels) {
  if (!nrow(model)) return(character())
  code <- do.call(paste, c(unname(as.data.frame(model * 1L)), sep = ""))
  u <- unique(code)
  first <- model[match(u, code), , drop = FALSE]
  text <- vapply(seq_along(u), function(k) {
    r <- first[k, ]
    if (anyNA(r)) NA_character_ else if (any(r))
      paste(labels[r], collapse = " + ") else "(no terms)"
  }, "")
  text[match(code, u)]
}

bt_describe <- function(object) {
  out <- bt_describe_rules(object)
  if (isTRUE(object$firth)) {
    out <- sub(";", "; Firth's penalized likelihood;", out, fixed = TRUE)
  }
  out
}

bt_describe_rules <- function(object) {
  style <- if (is.null(object$style)) "spss" else object$style
  if (style == "sas") {
    return(sprintf("Stepwise Cox selection, %s: %s %s ties; n = %d.",
                   sw_describe_method(style, object$direction),
                   gsub("\n", " ", sw_describe_rules(object)),
                   cox_ties_label(object$ties), object$n))
  }
  dir <- if (object$direction == "forward") "Forward" else "Backward"
  rem <- c(wald = "Wald", lr = "LR", conditional = "conditional")[[
    object$removal]]
  sprintf(paste0("%s stepwise Cox selection: entry score p <= %s, removal ",
                 "%s p >= %s, %s ties; n = %d."),
          dir, format(object$p_enter), rem, format(object$p_remove),
          cox_ties_label(object$ties), object$n)
}

bt_print_failures <- function(x) {
  if (x$n_failed > 0L) {
    cat(sprintf("%d replicate%s without an event left out; %d used.\n",
                x$n_failed, if (x$n_failed == 1L) "" else "s", x$n_ok))
  }
  if (x$n_not_converged > 0L) {
    cat(sprintf("%d replicate%s with a fit that did not converge (kept).\n",
                x$n_not_converged, if (x$n_not_converged == 1L) "" else "s"))
  }
  if (x$n_infinite > 0L) {
    cat(sprintf(paste0("%d replicate%s with a coefficient that may be ",
                       "infinite (kept).\n"),
                x$n_infinite, if (x$n_infinite == 1L) "" else "s"))
  }
  invisible()
}
