# Forest plot of hazard ratios in base graphics -----------------------------------

#' Forest plot of hazard ratios
#'
#' Draws the hazard ratios of a Cox model with their confidence intervals on
#' a logarithmic axis, one row per coefficient, with a reference row
#' ("1.00 (reference)") for the first level of each factor, the numbers of
#' observations and events (per level for factors, when they are known),
#' the hazard ratio with its interval as text and the p-value (for a factor
#' with several levels, the multi-df test of the term on its heading row).
#' Base graphics, designed for 7 x 5 inches in `png()` and `pdf()`; the text
#' shrinks to fit narrower devices. Only the graphical parameters the
#' function sets are restored on exit, so it can fill one panel of a
#' `par(mfrow = )` or `layout()` figure.
#'
#' For a [cox()] fit the p-values are Wald tests (of the coefficient, and of
#' the term for multi-column terms), the counts come from the fitted data.
#' For a [cox_univariable()] result the term p-value is its `p.value.term`
#' and N / events are those of each term's fit; for a [cox_table()] the
#' multivariable estimates are drawn by default (`which = "univariable"`
#' for the other column).
#'
#' @param x A `survstep_cox` fit, a [cox_univariable()] result or a
#'   [cox_table()].
#' @param labels Optional named character vector of display names for terms
#'   (named by term label) or coefficients (named by coefficient name).
#' @param conf_level Confidence level (for `cox()` fits).
#' @param which For a `cox_table()`: `"multivariable"` (default when the
#'   table has a multivariable model) or `"univariable"`.
#' @param counts Show the N and events columns (when known).
#' @param xlab Title of the hazard-ratio axis.
#' @param xlim Limits of the hazard-ratio axis (positive); by default the
#'   range of the intervals and 1.
#' @param col Colour of the estimates and intervals.
#' @param main Optional title.
#' @param cex Text size.
#' @param ... Unused (an unknown argument is an error of class
#'   `survstep_error_unused_argument`).
#' @return Invisibly, the data frame of the rows drawn: `label`, `term`,
#'   `estimate`, `conf.low`, `conf.high`, `p.value`, `n`, `events`,
#'   `reference` and `heading`.
#' @references Lewis S. and Clarke M. (2001). Forest plots: trying to see
#'   the wood and the trees. *BMJ* 322, 1479-1480.
#' @seealso [cox()], [cox_univariable()], [cox_table()].
#' @examples
#' lung <- survival::lung
#' lung$ph.ecog <- factor(lung$ph.ecog)
#' fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
#' plot(fit, labels = c(age = "Age (years)", sex = "Sex (female)",
#'                      ph.ecog = "ECOG performance status"))
#' uv <- cox_univariable(Surv(time, status) ~ age + sex + ph.ecog,
#'                       data = lung)
#' plot(uv)
#' @name plot.survstep_cox
#' @export
plot.survstep_cox <- function(x, labels = NULL, conf_level = 0.95,
                              counts = TRUE, xlab = "Hazard ratio",
                              xlim = NULL, col = "#0072B2", main = NULL,
                              cex = 1, ...) {
  check_dots_empty("plot.survstep_cox", ...)
  check_conf_level(conf_level)
  if (!length(x$coefficients) || all(is.na(x$coefficients))) {
    sv_abort("Can't draw a forest plot of a model without coefficients.")
  }
  rows <- cox_forest_rows_fit(x, conf_level)
  cox_forest_draw(rows, labels, counts, xlab, xlim, col, main, cex,
                  conf_level)
}

#' @rdname plot.survstep_cox
#' @export
plot.survstep_univariable <- function(x, labels = NULL, counts = TRUE,
                                      xlab = "Hazard ratio", xlim = NULL,
                                      col = "#0072B2", main = NULL, cex = 1,
                                      ...) {
  check_dots_empty("plot.survstep_univariable", ...)
  rows <- cox_forest_rows_univariable(x)
  cl <- attr(x, "conf_level")
  cox_forest_draw(rows, labels, counts, xlab, xlim, col, main, cex,
                  if (is.null(cl)) 0.95 else cl)
}

#' @rdname plot.survstep_cox
#' @export
plot.survstep_cox_table <- function(x, which = NULL, labels = NULL,
                                    counts = TRUE, xlab = "Hazard ratio",
                                    xlim = NULL, col = "#0072B2", main = NULL,
                                    cex = 1, ...) {
  check_dots_empty("plot.survstep_cox_table", ...)
  rows <- cox_forest_rows_table(x, which)
  cl <- attr(x, "conf_level")
  cox_forest_draw(rows, labels, counts, xlab, xlim, col, main, cex,
                  if (is.null(cl)) 0.95 else cl)
}

# The forest rows of a cox_univariable() result (per-level counts when it
# recorded them).
cox_forest_rows_univariable <- function(x) {
  hr <- x$estimate
  lo <- x$conf.low
  hi <- x$conf.high
  if (identical(attr(x, "exponentiate"), FALSE)) {
    hr <- exp(hr)
    lo <- exp(lo)
    hi <- exp(hi)
  }
  lev <- if (is.null(x$level)) rep(NA_character_, nrow(x)) else x$level
  est <- data.frame(term = x$term, level = lev, estimate = hr, conf.low = lo,
                    conf.high = hi, p.value = x$p.value,
                    p.term = x$p.value.term,
                    n = x$n, events = x$events, stringsAsFactors = FALSE)
  cnt <- attr(x, "level_counts")
  for (v in names(cnt)) {
    i <- which(est$term == v & !is.na(est$level))
    k <- match(est$level[i], names(cnt[[v]]$n))
    est$n[i] <- cnt[[v]]$n[k]
    est$events[i] <- cnt[[v]]$events[k]
  }
  cox_forest_rows(est, attr(x, "xlevels"), cnt)
}

# The forest rows of one half of a cox_table() ("multivariable": the terms
# of the model; "univariable": all).
cox_forest_rows_table <- function(x, which) {
  if (is.null(which)) {
    which <- if (any(x$selected)) "multivariable" else "univariable"
  }
  which <- sv_match_arg(which, c("multivariable", "univariable"), "which")
  sfx <- if (which == "multivariable") "_mv" else "_uv"
  if (which == "multivariable" && !any(x$selected)) {
    sv_abort("The table has no multivariable model; use `which = \"univariable\"`.")
  }
  rows <- cox_table_lines(x, sfx)
  if (which == "multivariable") {
    rows <- rows[rows$term %in% x$term_id[x$selected], , drop = FALSE]
  }
  # the table's display names are already in `label`; the forest's
  # `labels` argument matches coefficient and term names
  rows
}

# The rows of a cox() fit: estimates, per-level counts from the fitted data,
# multi-df Wald p-values of the terms.
cox_forest_rows_fit <- function(fit, conf_level) {
  td <- tidy(fit, exponentiate = TRUE, conf.int = TRUE,
             conf.level = conf_level)
  asg <- fit$assign
  term <- rep(names(asg), lengths(asg))[order(unlist(asg))]
  cn <- names(fit$coefficients)
  level <- ifelse(term == cn, NA_character_,
                  ifelse(startsWith(cn, term), substring(cn, nchar(term) + 1L),
                         cn))
  tt <- cox_term_tests(fit)
  p_term <- if (is.null(tt)) rep(NA_real_, length(cn)) else
    tt$p.value[match(term, tt$term)]
  # counts: every coefficient of a factor per level, else the whole fit
  n <- rep(fit$n, length(cn))
  events <- rep(fit$nevent, length(cn))
  xlev <- fit$xlevels
  cnt <- cox_forest_level_counts(fit, names(xlev))
  est <- data.frame(term = term, level = level, estimate = td$estimate,
                    conf.low = td$conf.low, conf.high = td$conf.high,
                    p.value = td$p.value, p.term = p_term, n = n,
                    events = events, stringsAsFactors = FALSE)
  for (v in names(cnt)) {
    i <- which(est$term == v & !is.na(est$level))
    k <- match(est$level[i], names(cnt[[v]]$n))
    est$n[i] <- cnt[[v]]$n[k]
    est$events[i] <- cnt[[v]]$events[k]
  }
  rows <- cox_forest_rows(est, xlev, cnt)
  rows
}

# Observations and events per level of the factor terms `vars` (NULL when
# the data can't be rebuilt).
cox_forest_level_counts <- function(fit, vars) {
  if (!length(vars)) return(list())
  mf <- tryCatch(stats::model.frame(fit), error = function(e) NULL)
  if (is.null(mf) || nrow(mf) != fit$n) return(list())
  y <- stats::model.response(mf)
  status <- y[, ncol(y)]
  out <- list()
  for (v in intersect(vars, names(mf))) {
    f <- factor(mf[[v]], levels = fit$xlevels[[v]])
    out[[v]] <- list(n = table(f), events = tapply(status, f, sum))
    out[[v]]$events[is.na(out[[v]]$events)] <- 0
  }
  out
}

# Display rows: a numeric covariate is one row; a factor (term with levels)
# gets a heading row (with its term p-value when it has several levels), a
# reference row (from `xlevels`) and one row per level.
cox_forest_rows <- function(est, xlevels, counts = NULL) {
  out <- list()
  terms <- unique(est$term)
  for (tm in terms) {
    e <- est[est$term == tm, , drop = FALSE]
    is_factor <- any(!is.na(e$level))
    if (!is_factor) {
      out[[length(out) + 1L]] <- data.frame(
        label = tm, term = tm, coef = tm, estimate = e$estimate,
        conf.low = e$conf.low, conf.high = e$conf.high, p.value = e$p.value,
        n = e$n, events = e$events, reference = FALSE, heading = FALSE,
        stringsAsFactors = FALSE)
      next
    }
    multi <- nrow(e) > 1L
    ref_level <- NULL
    if (!is.null(xlevels[[tm]])) {
      ref_level <- setdiff(xlevels[[tm]], e$level)[1]
      if (is.na(ref_level)) ref_level <- NULL
    }
    n_ref <- ev_ref <- NA_real_
    per_level <- !is.null(counts[[tm]])
    if (!is.null(ref_level) && per_level) {
      n_ref <- as.numeric(counts[[tm]]$n[[ref_level]])
      ev_ref <- as.numeric(counts[[tm]]$events[[ref_level]])
    }
    head_row <- data.frame(
      label = tm, term = tm, coef = NA_character_, estimate = NA_real_,
      conf.low = NA_real_, conf.high = NA_real_,
      p.value = if (multi) e$p.term[1] else NA_real_,
      n = if (per_level) NA_real_ else e$n[1],
      events = if (per_level) NA_real_ else e$events[1],
      reference = FALSE, heading = TRUE, stringsAsFactors = FALSE)
    lv <- data.frame(
      label = e$level, term = tm, coef = paste0(tm, e$level),
      estimate = e$estimate, conf.low = e$conf.low, conf.high = e$conf.high,
      p.value = e$p.value, n = e$n, events = e$events,
      reference = FALSE, heading = FALSE, stringsAsFactors = FALSE)
    if (!per_level) lv$n <- lv$events <- NA_real_
    # a reference row already in the table (HR 1 without interval)
    lv$reference <- !is.na(lv$estimate) & lv$estimate == 1 &
      is.na(lv$conf.low)
    if (any(lv$reference)) lv$p.value[lv$reference] <- NA_real_
    if (!is.null(ref_level)) {
      ref <- data.frame(
        label = ref_level, term = tm, coef = NA_character_, estimate = 1,
        conf.low = NA_real_, conf.high = NA_real_, p.value = NA_real_,
        n = n_ref, events = ev_ref, reference = TRUE, heading = FALSE,
        stringsAsFactors = FALSE)
      lv <- rbind(ref, lv)
    }
    out[[length(out) + 1L]] <- rbind(head_row, lv)
  }
  rows <- do.call(rbind, out)
  rownames(rows) <- NULL
  rows
}

# Display names of forest rows from `labels` (named by coefficient or term).
cox_forest_relabel <- function(rows, labels, call) {
  if (is.null(labels)) return(rows)
  if (!is.character(labels) || is.null(names(labels))) {
    sv_abort(sprintf("`labels` must be a named character vector, not %s.",
                     sv_obj_type(labels)), call = call)
  }
  hc <- !is.na(rows$coef) & rows$coef %in% names(labels)
  rows$label[hc] <- unname(labels[rows$coef[hc]])
  ht <- (rows$heading | (!rows$heading & rows$label == rows$term)) &
    rows$term %in% names(labels) & !hc
  rows$label[ht] <- unname(labels[rows$term[ht]])
  rows
}

cox_forest_draw <- function(rows, labels, counts, xlab, xlim, col, main, cex,
                            conf_level) {
  check_flag(counts, "counts")
  check_number(cex, "cex", 0, Inf, open = c(TRUE, FALSE))
  rows <- cox_forest_relabel(rows, labels, sys.call(-1))
  finite <- c(rows$conf.low, rows$conf.high, rows$estimate)
  finite <- finite[is.finite(finite) & finite > 0]
  if (is.null(xlim)) {
    xlim <- range(c(finite, 1))
    xlim <- exp(log(xlim) + c(-0.06, 0.06) * max(diff(log(xlim)), 0.2))
  } else if (!is.numeric(xlim) || length(xlim) != 2L || anyNA(xlim) ||
             any(xlim <= 0) || xlim[1] >= xlim[2]) {
    sv_abort(sprintf("`xlim` must be two increasing positive numbers, not %s.",
                     sv_obj_type(xlim)))
  }
  has_n <- counts && any(!is.na(rows$n))
  in_factor <- rows$term %in% rows$term[rows$heading]
  indent <- ifelse(in_factor & !rows$heading, "    ", "")
  lab <- paste0(indent, rows$label)
  fmt2 <- function(v) formatC(v, format = "f", digits = 2)
  hr_txt <- ifelse(rows$heading, "",
            ifelse(rows$reference, "1.00 (reference)",
            ifelse(is.na(rows$estimate), "not estimated",
                   paste0(fmt2(rows$estimate), " (", fmt2(rows$conf.low),
                          "-", fmt2(rows$conf.high), ")"))))
  p_txt <- fmt_p(rows$p.value)
  p_txt[p_txt == "<0.001"] <- "< 0.001"
  n_txt <- ifelse(is.na(rows$n), "", format(rows$n, trim = TRUE))
  e_txt <- ifelse(is.na(rows$events), "", format(rows$events, trim = TRUE))
  ci_head <- sprintf("HR (%s%% CI)", format(100 * conf_level))

  nr <- nrow(rows)
  op <- par(mar = c(3.2, 0.6, if (is.null(main)) 0.6 else 2.2, 0.6),
            xpd = NA, cex = cex, mgp = c(2, 0.5, 0), tcl = -0.3)
  on.exit(par(op), add = TRUE)
  plot.new()
  plot.window(xlim = c(0, 1), ylim = c(0.4, nr + 1.3), xaxs = "i",
              yaxs = "i")
  # column widths in user units; shrink the text until the panel of the
  # intervals keeps at least 30% of the width
  tcex <- 0.85
  widths <- function(k) {
    sw <- function(s, font = 1) max(strwidth(s, cex = k, font = font), 0)
    gap <- strwidth("mm", cex = k)
    c(label = max(sw(lab), sw(rows$label[rows$heading], 2)) + gap,
      n = if (has_n) max(sw(n_txt), sw("N", 2)) + gap else 0,
      ev = if (has_n) max(sw(e_txt), sw("Events", 2)) + gap else 0,
      hr = max(sw(hr_txt), sw(ci_head, 2)) + gap,
      p = max(sw(p_txt), sw("P", 2)) + 0.5 * gap)
  }
  w <- widths(tcex)
  while (sum(w) > 0.7 && tcex > 0.45) {
    tcex <- tcex * 0.93
    w <- widths(tcex)
  }
  x_lab <- 0
  x_n <- w[["label"]] + w[["n"]] - 0.5 * strwidth("mm", cex = tcex)
  x_ev <- x_n + w[["ev"]]
  f0 <- w[["label"]] + w[["n"]] + w[["ev"]] + 0.5 * strwidth("m", cex = tcex)
  f1 <- 1 - w[["hr"]] - w[["p"]] - strwidth("m", cex = tcex)
  x_hr <- f1 + strwidth("mm", cex = tcex)
  x_p <- 1
  lx <- log(xlim)
  fx <- function(hr) f0 + (log(hr) - lx[1]) / diff(lx) * (f1 - f0)
  y <- rev(seq_len(nr))
  ytop <- nr + 0.9

  # shading of every other variable (term) block for legibility
  blk <- cumsum(!duplicated(rows$term))
  for (b in unique(blk[blk %% 2 == 0])) {
    yy <- y[blk == b]
    graphics::rect(0, min(yy) - 0.5, 1, max(yy) + 0.5, col = "grey95",
                   border = NA)
  }
  # column headings
  text(x_lab, ytop, "Variable", adj = c(0, 0.5), font = 2, cex = tcex)
  if (has_n) {
    text(x_n, ytop, "N", adj = c(1, 0.5), font = 2, cex = tcex)
    text(x_ev, ytop, "Events", adj = c(1, 0.5), font = 2, cex = tcex)
  }
  text(x_hr, ytop, ci_head, adj = c(0, 0.5), font = 2, cex = tcex)
  text(x_p, ytop, "P", adj = c(1, 0.5), font = 2, cex = tcex)
  segments(0, nr + 0.5, 1, nr + 0.5, col = "grey40", lwd = 0.8)
  # the rows
  text(x_lab, y, lab, adj = c(0, 0.5), cex = tcex,
       font = ifelse(rows$heading, 2, 1))
  if (has_n) {
    text(x_n, y, n_txt, adj = c(1, 0.5), cex = tcex)
    text(x_ev, y, e_txt, adj = c(1, 0.5), cex = tcex)
  }
  text(x_hr, y, hr_txt, adj = c(0, 0.5), cex = tcex,
       col = ifelse(rows$reference, "grey35", "black"))
  text(x_p, y, p_txt, adj = c(1, 0.5), cex = tcex)
  # the intervals, clipped to the axis (an arrow where they run off)
  segments(fx(1), 0.5, fx(1), nr + 0.5, lty = 2, col = "grey40")
  ok <- !rows$heading & !rows$reference & is.finite(rows$estimate) &
    rows$estimate > 0
  for (i in which(ok)) {
    lo <- rows$conf.low[i]
    hi <- rows$conf.high[i]
    if (is.finite(lo) && is.finite(hi) && lo > 0) {
      a <- fx(max(lo, xlim[1]))
      b <- fx(min(hi, xlim[2]))
      segments(a, y[i], b, y[i], col = col, lwd = 1.6)
      ah <- 0.012
      if (lo < xlim[1]) {
        graphics::polygon(c(a, a + ah, a + ah), c(y[i], y[i] + 0.15,
                                                  y[i] - 0.15),
                          col = col, border = NA)
      }
      if (hi > xlim[2]) {
        graphics::polygon(c(b, b - ah, b - ah), c(y[i], y[i] + 0.15,
                                                  y[i] - 0.15),
                          col = col, border = NA)
      }
    }
    if (rows$estimate[i] >= xlim[1] && rows$estimate[i] <= xlim[2]) {
      points(fx(rows$estimate[i]), y[i], pch = 15, col = col,
             cex = 1.1 * tcex / 0.85)
    }
  }
  ref <- rows$reference
  if (any(ref)) {
    points(rep(fx(1), sum(ref)), y[ref], pch = 22, col = "grey35",
           bg = "white", cex = 0.9 * tcex / 0.85)
  }
  # the log axis
  ticks <- grDevices::axisTicks(log10(xlim), log = TRUE, nint = 5)
  ticks <- ticks[ticks >= xlim[1] & ticks <= xlim[2]]
  if (!1 %in% ticks) ticks <- sort(c(ticks, 1))
  segments(f0, 0.4, f1, 0.4, lwd = 0.8)
  axis(1, at = fx(ticks), labels = format(ticks, drop0trailing = TRUE,
                                          trim = TRUE),
       pos = 0.4, cex.axis = tcex, lwd = 0, lwd.ticks = 0.8)
  mtext(xlab, side = 1, line = 2, at = (f0 + f1) / 2, cex = tcex)
  if (!is.null(main)) {
    mtext(main, side = 3, line = 0.7, font = 2, cex = 1.05)
  }
  out <- rows[, c("label", "term", "estimate", "conf.low", "conf.high",
                  "p.value", "n", "events", "reference", "heading")]
  invisible(out)
}
