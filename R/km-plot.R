# Kaplan-Meier plot in base graphics -----------------------------------------

km_palette <- function(n) {
  # Okabe-Ito colours, most distinct first
  pal <- c("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
           "#56B4E9", "#000000", "#999999")
  rep_len(pal, n)
}

km_p_label <- function(p_value) {
  if (is.null(p_value)) return(NULL)
  prefix <- "p"
  if (is.list(p_value)) {
    test <- p_value$test
    p <- p_value$p.value
    names_map <- c(logrank = "Log-rank", `gehan-breslow` = "Breslow",
                   `tarone-ware` = "Tarone-Ware", `peto-peto` = "Peto-Peto",
                   `fleming-harrington` = "Fleming-Harrington")
    if (is.character(test) && length(test) == 1L && test %in% names(names_map)) {
      prefix <- paste(names_map[[test]], "p")
    }
  } else {
    p <- p_value
  }
  if (!is.numeric(p) || length(p) != 1L || is.na(p) || p < 0 || p > 1) {
    sv_abort(paste0("`p_value` must be a single number in [0, 1] or an object ",
                    "with a numeric `p.value` element, such as a ",
                    "`logrank_test()` result."), call = sys.call(-2))
  }
  if (p < 0.001) {
    paste0(prefix, " < 0.001")
  } else {
    paste0(prefix, " = ", formatC(p, digits = 2, format = "g", flag = "#"))
  }
}

# Number of curve points inside a rectangle (user coordinates).
km_overlap <- function(rect, xs, ys) {
  inside <- xs >= rect$left & xs <= rect$left + rect$w &
    ys <= rect$top & ys >= rect$top - rect$h
  sum(inside)
}

# Top-left corner for a w x h box inside the plot region: the position with
# the fewest curve points inside (and not on `avoid`), nearest to the
# preferred corner among equals.
km_place <- function(w, h, usr, xs, ys, avoid, prefer) {
  dx <- 0.02 * (usr[2] - usr[1])
  dy <- 0.02 * (usr[4] - usr[3])
  lefts <- seq(usr[1] + dx, max(usr[1] + dx, usr[2] - dx - w),
               length.out = 15)
  tops <- seq(usr[4] - dy, min(usr[4] - dy, usr[3] + dy + h),
              length.out = 15)
  cand <- expand.grid(left = lefts, top = tops)
  pref <- if (is.numeric(prefer)) prefer else switch(
    prefer,
    topright = c(max(lefts), max(tops)),
    bottomleft = c(min(lefts), min(tops)),
    c(max(lefts), max(tops))
  )
  sx <- max(usr[2] - usr[1], 1e-12)
  sy <- max(usr[4] - usr[3], 1e-12)
  score <- vapply(seq_len(nrow(cand)), function(i) {
    r <- list(left = cand$left[i], top = cand$top[i], w = w, h = h)
    pen <- 0
    if (!is.null(avoid)) {
      ovx <- r$left < avoid$left + avoid$w && avoid$left < r$left + w
      ovy <- r$top - h < avoid$top && avoid$top - avoid$h < r$top
      if (ovx && ovy) pen <- 1e6
    }
    pen + km_overlap(r, xs, ys)
  }, numeric(1))
  dist <- sqrt(((cand$left - pref[1]) / sx)^2 + ((cand$top - pref[2]) / sy)^2)
  best <- order(score, dist)[1]
  c(cand$left[best], cand$top[best])
}

#' Plot Kaplan-Meier curves
#'
#' Draws the survival curves of a [km()] fit as step functions with
#' censoring marks, optional pointwise confidence bands, a number-at-risk
#' table under the time axis (one row per curve, aligned with the axis
#' ticks), optional median guide lines, a legend and an optional p-value
#' label. Base graphics only; designed to read well at 7 x 5 inches in
#' `png()` and `pdf()`. Curves from a Cox model ([cox_survfit()],
#' [cox_adjusted_curves()]) are drawn the same way.
#'
#' `fun` chooses the scale: `"surv"` (S(t)), `"event"` (1 - S(t), the
#' cumulative probability of the event, for recurrence or incidence),
#' `"cumhaz"` (the cumulative hazard -log S(t), SPSS's hazard plot; for a
#' Cox curve it is the model's cumulative hazard) and `"cloglog"`
#' (log(-log S(t)) against the logarithm of time, SPSS's log-minus-log
#' plot: under proportional hazards the curves of the groups are parallel).
#' Confidence bands are transformed with the curve. Only the graphical
#' parameters the function sets (margins, axis style, text size) are
#' restored on exit, so it can fill one panel of a `par(mfrow = )` or
#' `layout()` figure.
#'
#' @param x A `survstep_km` object.
#' @param fun The scale of the curves: `"surv"`, `"event"`, `"cumhaz"` or
#'   `"cloglog"` (see Details).
#' @param conf_int Draw the pointwise confidence bands as shaded areas.
#' @param mark_censor Mark censoring times with small vertical ticks; by
#'   default for Kaplan-Meier curves, not for curves from a Cox model (whose
#'   censoring times are those of the whole sample).
#' @param risk_table Draw the number-at-risk table under the time axis.
#' @param median_lines Draw dashed guide lines at S = 0.5 down to each
#'   reached median (the `"survival"` rule of [km_median()]); for
#'   `fun = "surv"` and `"event"` only.
#' @param p_value `NULL`, a number, or an object with a numeric `p.value`
#'   element (such as a `logrank_test()` result) to print in the plot.
#' @param breaks Positions of the time-axis ticks (in the units shown, i.e.
#'   after dividing by `xscale`); also the times of the number-at-risk table.
#' @param xscale Divide the times by this number before plotting (e.g.
#'   `30.4375` to show days as months).
#' @param xlab,ylab Axis titles; put the time unit in `xlab`, e.g.
#'   `"Time (months)"`. The default `ylab` names the scale of `fun`.
#' @param xlim Time-axis limits (after `xscale`); by default from 0 to the
#'   largest time or the last break, whichever is later (for `"cloglog"`
#'   from the first event time: the axis is logarithmic and `breaks` must
#'   be positive).
#' @param ylim Limits of the vertical axis; by default `c(0, 1)` for
#'   `"surv"` and `"event"` and the range of the curves otherwise.
#' @param col Curve colours, recycled over the curves.
#' @param lty,lwd Line types and widths, recycled over the curves.
#' @param labels Curve labels for the legend and the risk table; by default
#'   the curve names of the fit.
#' @param legend Draw a legend; by default only when there are several
#'   curves.
#' @param legend_pos `"auto"` (the place nearest the top right corner
#'   where the legend does not cross a curve) or a keyword of
#'   [graphics::legend()], such as `"topright"`.
#' @param legend_title Optional legend title.
#' @param p_pos `"auto"` (the free place nearest to just below the legend,
#'   or to the bottom left corner without a legend) or a keyword such as
#'   `"bottomleft"`.
#' @param risk_title Title of the number-at-risk table.
#' @param main Optional plot title.
#' @param cex Character expansion for the text of the plot.
#' @param risk_rows The blocks of the table under the axis, in order: one or
#'   more of `"at_risk"` (number at risk), `"events"` (cumulative number of
#'   events) and `"censored"` (cumulative number censored), each counted at
#'   the `breaks` (events and censorings at a break time included). Weighted
#'   fits show weighted counts.
#' @param hr `NULL` or a [cox()] fit whose hazard ratios (with Wald 95%
#'   confidence intervals) are printed in the plot above the p-value, e.g.
#'   the model `Surv(time, status) ~ group` of the curves.
#' @param ... Further graphical parameters passed to [graphics::plot.window()]
#'   (rarely needed).
#' @return Invisibly, the number-at-risk table: a data frame with columns
#'   `strata`, `time` (the break positions), `n.risk`, `n.event.cum` and
#'   `n.censor.cum`.
#' @examples
#' fit <- km(Surv(time, status) ~ sex, data = survival::lung)
#' plot(fit, breaks = seq(0, 1000, by = 200), xlab = "Time (days)",
#'      median_lines = TRUE, p_value = 0.0013)
#' # log-minus-log plot (proportional hazards: parallel curves)
#' plot(fit, fun = "cloglog", breaks = c(10, 30, 100, 300, 1000))
#' # two panels
#' op <- par(mfrow = c(1, 2))
#' plot(fit, fun = "event", risk_table = FALSE)
#' plot(fit, fun = "cumhaz", risk_table = FALSE)
#' par(op)
#' plot(fit, conf_int = TRUE, xscale = 30.4375, breaks = seq(0, 36, 6),
#'      xlab = "Time (months)")
#' # cumulative events under the numbers at risk, and the hazard ratio
#' hr <- cox(Surv(time, status) ~ sex, data = survival::lung)
#' plot(fit, risk_rows = c("at_risk", "events"), hr = hr,
#'      p_value = logrank_test(Surv(time, status) ~ sex, data = survival::lung))
#' @importFrom graphics plot.new plot.window axis box lines points polygon
#'   segments legend text mtext par strwidth strheight abline
#' @importFrom grDevices adjustcolor
#' @export
plot.survstep_km <- function(x, fun = c("surv", "event", "cumhaz", "cloglog"),
                             conf_int = FALSE, mark_censor = NULL,
                             risk_table = TRUE, median_lines = FALSE,
                             p_value = NULL, breaks = NULL, xscale = 1,
                             xlab = "Time", ylab = NULL,
                             xlim = NULL, ylim = NULL, col = NULL,
                             lty = 1, lwd = 2, labels = NULL,
                             legend = NULL, legend_pos = "auto",
                             legend_title = NULL, p_pos = "auto",
                             risk_title = "Number at risk", main = NULL,
                             cex = 1, risk_rows = "at_risk", hr = NULL,
                             ...) {
  fun <- sv_match_arg(fun, c("surv", "event", "cumhaz", "cloglog"), "fun")
  check_flag(conf_int, "conf_int")
  cox_curves <- inherits(x, "survstep_coxsurv")
  if (is.null(mark_censor)) mark_censor <- !cox_curves
  check_flag(mark_censor, "mark_censor")
  check_flag(risk_table, "risk_table")
  check_flag(median_lines, "median_lines")
  if (median_lines && fun %in% c("cumhaz", "cloglog")) {
    sv_abort(sprintf(paste0("`median_lines` can only be drawn with `fun = ",
                            "\"surv\"` or `\"event\"`, not `\"%s\"`."), fun))
  }
  # the vertical scale: tf() maps S to it (bands too); the curves start at
  # tf(1) at time 0, except on the log time axis of "cloglog"
  tf <- switch(fun,
    surv = function(s) s,
    event = function(s) 1 - s,
    cumhaz = function(s) -log(s),
    cloglog = function(s) log(-log(s)))  # -Inf at S = 1, Inf at S = 0
  logx <- fun == "cloglog"
  if (is.null(ylab)) {
    ylab <- switch(fun, surv = "Survival probability",
                   event = "Cumulative event probability",
                   cumhaz = "Cumulative hazard",
                   cloglog = "log(-log S(t))")
  }
  check_number(xscale, "xscale", 0, Inf, open = c(TRUE, FALSE))
  check_number(cex, "cex", 0, Inf, open = c(TRUE, FALSE))
  p_lab <- c(km_hr_label(hr), km_p_label(p_value))
  rr_all <- c("at_risk", "events", "censored")
  if (!is.character(risk_rows) || !length(risk_rows) || anyNA(risk_rows) ||
      !all(risk_rows %in% rr_all) || anyDuplicated(risk_rows)) {
    sv_abort(sprintf(paste0("`risk_rows` must be one or more of %s, ",
                            "not %s."),
                     paste0("\"", rr_all, "\"", collapse = ", "),
                     sv_obj_type(risk_rows)))
  }
  nc <- length(x$strata)
  cnames <- names(x$strata)
  if (is.null(labels)) labels <- cnames
  if (length(labels) != nc) {
    sv_abort(sprintf("`labels` must have one label per curve (%d), not %d.",
                     nc, length(labels)))
  }
  if (is.null(legend)) legend <- nc > 1L
  check_flag(legend, "legend")
  col <- if (is.null(col)) km_palette(nc) else rep_len(col, nc)
  lty <- rep_len(lty, nc)
  lwd <- rep_len(lwd, nc)

  curve <- rep(seq_len(nc), x$strata)
  tt <- x$time / xscale
  tmax <- if (length(tt)) max(tt) else 1
  # where the curves start (at S = 1): time 0, or an earlier first time of
  # counting-process data on a time scale with negative values
  t0 <- km_time_origin(x) / xscale
  # the time axis: linear, or (cloglog) log(t) labelled in t
  xf <- if (logx) log else function(t) t
  if (logx) {
    tpos <- tt[x$n.event > 0 & tt > 0]
    tmin <- if (length(tpos)) min(tpos) else min(tt[tt > 0], 1)
  }
  if (is.null(breaks)) {
    if (logx) {
      rng <- if (is.null(xlim)) c(tmin, tmax) else xlim
      # 1, 3, 10, 30, ... (powers of 10 only when that gives too many)
      k <- seq(floor(log10(rng[1])) - 1, ceiling(log10(rng[2])) + 1)
      inside <- function(b) b[b >= rng[1] * (1 - 1e-9) & b <= rng[2] * (1 + 1e-9)]
      breaks <- inside(sort(c(10^k, 3 * 10^k)))
      if (length(breaks) > 7L) breaks <- inside(10^k)
      if (length(breaks) < 2L) breaks <- signif(rng, 2)
    } else {
      rng <- if (is.null(xlim)) c(t0, tmax) else xlim
      breaks <- pretty(rng, n = 6)
      breaks <- breaks[breaks >= rng[1] - 1e-9 * diff(rng) &
                         breaks <= rng[2] + 1e-9 * diff(rng)]
    }
  } else if (!is.numeric(breaks) || !length(breaks) || anyNA(breaks) ||
             any(!is.finite(breaks)) || (logx && any(breaks <= 0))) {
    sv_abort(sprintf("`breaks` must be a vector of finite%s numbers, not %s.",
                     if (logx) " positive" else "", sv_obj_type(breaks)))
  }
  breaks <- sort(unique(breaks))
  if (is.null(xlim)) {
    xlim <- if (logx) c(min(tmin, breaks), max(tmax, breaks)) else
      c(min(t0, breaks), max(tmax, breaks))
  } else if (logx && any(xlim <= 0)) {
    sv_abort("`xlim` must be positive with `fun = \"cloglog\"` (a log axis).")
  }

  # number at risk at the breaks (in original time units), and the
  # cumulative numbers of events and censorings up to them
  risk <- km_at(x, pmax(breaks, t0) * xscale)
  risk$time <- rep(breaks, nc)
  risk <- risk[, c("strata", "time", "n.risk")]
  cum <- lapply(seq_len(nc), function(k) {
    i <- which(curve == k)
    at <- findInterval(pmax(breaks, t0) * xscale, x$time[i])
    ce <- c(0, cumsum(x$n.event[i]))
    cc <- c(0, cumsum(x$n.censor[i]))
    cbind(ce[at + 1L], cc[at + 1L])
  })
  risk$n.event.cum <- unlist(lapply(cum, function(m) m[, 1]))
  risk$n.censor.cum <- unlist(lapply(cum, function(m) m[, 2]))
  count_txt <- function(v) {
    if (isTRUE(x$weighted)) {
      format(round(v, 1), trim = TRUE, drop0trailing = TRUE)
    } else {
      format(v, trim = TRUE)
    }
  }
  if (!risk_table) risk_rows <- character(0)
  risk_cols <- c(at_risk = "n.risk", events = "n.event.cum",
                 censored = "n.censor.cum")
  risk_titles <- c(at_risk = risk_title, events = "Cumulative events",
                   censored = "Cumulative censored")
  in_range <- breaks >= xlim[1] & breaks <= xlim[2]
  rt <- km_risk_rows(x, labels, col)
  rt_curve <- rt$curve
  rt_label <- rt$label
  rt_col <- rt$col

  # margins: room for the risk table under the axis and its labels at left
  # (only the parameters set here are restored: the figure layout is kept)
  rt_cex <- 0.85 * cex
  line_in <- par("csi")  # height of a margin line in inches
  lab_w <- if (risk_table) {
    max(strwidth(rt_label, units = "inches", cex = rt_cex)) / line_in
  } else 0
  risk_line0 <- 3.5
  margins <- function(risk_table, risk_rows) {
    mar <- c(3.3, 4.1, if (is.null(main)) 1.2 else 2.8, 1.2)
    if (risk_table) {
      mar[1] <- risk_line0 + 1.05 * length(risk_rows) * (length(rt_curve) + 1) +
        0.6
      mar[2] <- max(mar[2], lab_w + 1.2)
    }
    mar
  }
  op <- par(mar = margins(risk_table, risk_rows), mgp = c(2.2, 0.6, 0),
            tcl = -0.35, las = 1, cex = cex, cex.axis = 0.9, cex.lab = 1,
            xaxs = "r", yaxs = "r")
  on.exit(par(op), add = TRUE)
  # a figure too small for the risk table (R's "figure margins too large"
  # otherwise): fewer rows, then none, each with a warning that says so
  too_small <- function() {
    pin <- par("pin")
    pin[2] < 1 || pin[1] < 1.2
  }
  if (risk_table && too_small()) {
    fin <- par("fin")
    what <- sprintf("The figure (%.1f x %.1f in) is too small for the risk table",
                    fin[1], fin[2])
    advice <- paste0("Enlarge the figure (e.g. `png(width = 7, height = 5, ",
                     "units = \"in\", res = 300)`), choose fewer `risk_rows`, ",
                     "or set `risk_table = FALSE`.")
    if (length(risk_rows) > 1L) {
      risk_rows <- risk_rows[1L]
      par(mar = margins(TRUE, risk_rows))
      if (!too_small()) {
        sv_warn(c(sprintf("%s with all its rows; only `risk_rows = \"%s\"` is drawn.",
                          what, risk_rows), advice),
                class = "survstep_warning_plot_space")
      }
    }
    if (too_small()) {
      risk_table <- FALSE
      risk_rows <- character(0)
      par(mar = margins(FALSE, risk_rows))
      sv_warn(c(sprintf("%s; it is left out.", what), advice),
              class = "survstep_warning_plot_space")
    }
  }

  curves <- lapply(seq_len(nc), function(k) {
    i <- which(curve == k)
    cv <- list(t = c(t0, tt[i]), s = c(1, x$surv[i]), lo = c(1, x$conf.low[i]),
               hi = c(1, x$conf.high[i]), cens = tt[i][x$n.censor[i] > 0],
               scens = x$surv[i][x$n.censor[i] > 0])
    # bands of a decreasing transform swap their ends
    lo <- tf(cv$lo)
    hi <- tf(cv$hi)
    flip <- fun != "surv"
    cv$lo <- if (flip) hi else lo
    cv$hi <- if (flip) lo else hi
    cv$s <- tf(cv$s)
    cv$scens <- tf(cv$scens)
    if (logx) {
      keep <- cv$t > 0 & !is.na(cv$s) & is.finite(cv$s)
      cv$t <- log(cv$t[keep])
      cv$s <- cv$s[keep]
      cv$lo <- cv$lo[keep]
      cv$hi <- cv$hi[keep]
      okc <- cv$cens > 0 & !is.na(cv$scens) & is.finite(cv$scens)
      cv$cens <- log(cv$cens[okc])
      cv$scens <- cv$scens[okc]
    } else {
      # (band limits at S = 0 or 1 may be infinite: clipped when drawn)
      cv$s[!is.finite(cv$s)] <- NA
      cv$scens[!is.finite(cv$scens)] <- NA
    }
    cv
  })
  if (is.null(ylim)) {
    ylim <- if (fun %in% c("surv", "event")) c(0, 1) else {
      yy <- unlist(lapply(curves, function(cv) {
        c(cv$s, if (conf_int) c(cv$lo, cv$hi))
      }))
      yy <- yy[is.finite(yy)]
      if (!length(yy)) c(0, 1) else range(yy)
    }
  }
  plot.new()
  plot.window(xlim = xf(xlim), ylim = ylim, ...)
  usr <- par("usr")

  if (conf_int) {
    for (k in seq_len(nc)) {
      cv <- curves[[k]]
      ok <- !is.na(cv$lo) & !is.na(cv$hi)
      if (sum(ok) < 1) next
      tk <- cv$t[ok]
      lo <- pmin(pmax(cv$lo[ok], usr[3]), usr[4])
      hi <- pmin(pmax(cv$hi[ok], usr[3]), usr[4])
      # extend each step to the next time (the band stops where S = 0)
      tend <- c(tk[-1], if (sum(!ok)) cv$t[which(!ok)[1]] else max(cv$t))
      xs <- as.vector(rbind(tk, tend))
      polygon(c(xs, rev(xs)), c(rep(hi, each = 2), rev(rep(lo, each = 2))),
              col = adjustcolor(col[k], alpha.f = 0.18), border = NA)
    }
  }
  med <- km_median(x)$median / xscale
  if (median_lines) {
    if (any(!is.na(med))) {
      segments(usr[1], 0.5, max(med, na.rm = TRUE), 0.5, lty = 2,
               col = "grey45", lwd = 1)
      for (k in which(!is.na(med))) {
        # from the bottom of the axis to S = 0.5 (1 - S = 0.5 alike)
        segments(med[k], usr[3], med[k], 0.5, lty = 2, col = "grey45",
                 lwd = 1)
      }
    }
  }
  for (k in seq_len(nc)) {
    cv <- curves[[k]]
    lines(cv$t, cv$s, type = "s", col = col[k], lty = lty[k], lwd = lwd[k])
    if (mark_censor && length(cv$cens)) {
      points(cv$cens, cv$scens, pch = "|", cex = 0.7, col = col[k])
    }
  }
  axis(1, at = xf(breaks[in_range]), labels = format(breaks[in_range]),
       cex.axis = 0.9)
  if (fun %in% c("surv", "event")) {
    axis(2, at = seq(0, 1, by = 0.2), cex.axis = 0.9)
  } else {
    axis(2, cex.axis = 0.9)
  }
  box(bty = "l")
  mtext(xlab, side = 1, line = 2.1, cex = cex)
  mtext(ylab, side = 2, line = 2.8, las = 0, cex = cex)
  if (!is.null(main)) mtext(main, side = 3, line = 1, font = 2, cex = 1.1 * cex)

  # legend and p-value: pick the emptiest corners
  # points along the drawn step curves (horizontal and vertical parts)
  grid_x <- seq(usr[1], usr[2], length.out = 200)
  if (!logx) grid_x <- grid_x[grid_x >= 0]
  pts <- lapply(curves, function(cv) {
    if (!length(cv$t)) return(list(x = numeric(0), y = numeric(0)))
    idx <- findInterval(grid_x, cv$t)
    y <- cv$s[pmax(idx, 1L)]
    y[idx == 0 | grid_x > max(cv$t)] <- NA
    if (!logx) y[idx == 0] <- cv$s[1]
    drops <- which(abs(diff(cv$s)) > 0)
    ystep <- 0.01 * (usr[4] - usr[3])
    vn <- function(j) {
      max(2, min(200, ceiling(abs(cv$s[j] - cv$s[j + 1]) / ystep)))
    }
    vx <- unlist(lapply(drops, function(j) rep(cv$t[j + 1], vn(j))))
    vy <- unlist(lapply(drops, function(j) {
      seq(cv$s[j], cv$s[j + 1], length.out = vn(j))
    }))
    list(x = c(grid_x, vx), y = c(y, vy))
  })
  xs_all <- unlist(lapply(pts, `[[`, "x"))
  ys_all <- unlist(lapply(pts, `[[`, "y"))
  if (median_lines && any(!is.na(med))) {
    gy <- seq(usr[3], 0.5, length.out = 50)
    mx <- med[!is.na(med)]
    xs_all <- c(xs_all, rep(mx, each = length(gy)),
                grid_x[grid_x <= max(mx)])
    ys_all <- c(ys_all, rep(gy, length(mx)),
                rep(0.5, sum(grid_x <= max(mx))))
  }
  keep <- !is.na(ys_all)
  xs_all <- xs_all[keep]
  ys_all <- ys_all[keep]
  leg_args <- list(legend = labels, col = col, lty = lty, lwd = lwd,
                   bty = "n", cex = 0.9 * cex, title = legend_title,
                   seg.len = 2.5)
  leg_rect <- NULL
  if (legend) {
    # a legend wider than the panel (long labels in a small figure) is set
    # in smaller type, down to 60% of the default, rather than cut off
    r <- do.call(graphics::legend, c(list("topright", plot = FALSE),
                                     leg_args))$rect
    avail <- 0.98 * (usr[2] - usr[1])
    if (r$w > avail) {
      leg_args$cex <- max(0.6 * leg_args$cex, leg_args$cex * avail / r$w)
    }
    if (identical(legend_pos, "auto")) {
      r <- do.call(graphics::legend, c(list("topright", plot = FALSE),
                                       leg_args))$rect
      xy <- km_place(r$w, r$h, usr, xs_all, ys_all, NULL, "topright")
      leg_rect <- list(left = xy[1], top = xy[2], w = r$w, h = r$h)
      do.call(graphics::legend, c(list(xy[1], xy[2]), leg_args))
    } else {
      leg_rect <- do.call(graphics::legend,
                          c(list(legend_pos, inset = c(0.02, 0.02)),
                            leg_args))$rect
    }
  }
  if (!is.null(p_lab)) {
    if (identical(p_pos, "auto")) {
      r <- graphics::legend("bottomleft", legend = p_lab, bty = "n",
                            cex = 0.9 * cex, plot = FALSE)$rect
      pref <- if (is.null(leg_rect)) "bottomleft" else
        c(leg_rect$left, leg_rect$top - leg_rect$h)
      xy <- km_place(r$w, r$h, usr, xs_all, ys_all, leg_rect, pref)
      # a light background keeps the text readable where it must cross
      # a curve
      graphics::legend(xy[1], xy[2], legend = p_lab, bty = "o",
                       box.col = NA, bg = adjustcolor("white", 0.8),
                       cex = 0.9 * cex)
    } else {
      graphics::legend(p_pos, legend = p_lab, bty = "o", box.col = NA,
                       bg = adjustcolor("white", 0.8), cex = 0.9 * cex,
                       inset = c(0.02, 0.02))
    }
  }

  gap <- 0.6 * strwidth("m", cex = rt_cex)
  for (b in seq_along(risk_rows)) {
    line_b <- risk_line0 + 1.05 * (b - 1) * (length(rt_curve) + 1)
    mtext(risk_titles[[risk_rows[b]]], side = 1, line = line_b, at = usr[1],
          adj = 0, font = 2, cex = rt_cex)
    txt <- count_txt(risk[[risk_cols[[risk_rows[b]]]]])
    for (r in seq_along(rt_curve)) {
      ln <- line_b + 1.05 * r
      rows <- which(risk$strata == cnames[rt_curve[r]])
      mtext(txt[rows][in_range], side = 1, line = ln,
            at = xf(breaks[in_range]), cex = rt_cex, col = rt_col[r])
      mtext(rt_label[r], side = 1, line = ln, at = usr[1] - gap, adj = 1,
            cex = rt_cex, col = rt_col[r])
    }
  }
  invisible(risk)
}

# "HR 0.59 (95% CI 0.43-0.82)" lines for the plot from a cox() fit: one
# per coefficient, named when there are several.
km_hr_label <- function(hr) {
  if (is.null(hr)) return(NULL)
  if (!inherits(hr, "survstep_cox")) {
    sv_abort(sprintf("`hr` must be a `cox()` fit, not %s.", sv_obj_type(hr)),
             call = sys.call(-2))
  }
  td <- tidy(hr, exponentiate = TRUE, conf.int = TRUE)
  if (!nrow(td)) return(NULL)
  f <- function(v) formatC(v, digits = 2, format = "f")
  lab <- sprintf("HR %s (95%% CI %s-%s)", f(td$estimate), f(td$conf.low),
                 f(td$conf.high))
  if (nrow(td) > 1L) {
    # a factor's coefficient as "level vs reference"
    who <- td$term
    xl <- hr$xlevels
    for (v in names(xl)) {
      k <- startsWith(td$term, v) & nchar(td$term) > nchar(v)
      who[k] <- paste(substring(td$term[k], nchar(v) + 1L), "vs", xl[[v]][1])
    }
    lab <- paste0(who, ": ", lab)
  }
  lab
}

# The rows of a risk table: one per curve; for curves from a Cox model
# (cox_survfit(), cox_adjusted_curves()) one per stratum of the fit, since
# the curves of a stratum share its risk set ("All" without strata, in
# black). Used by plot() and autoplot(). Returns list(curve = the curve
# whose numbers each row shows, label, col).
km_risk_rows <- function(x, labels, col) {
  nc <- length(labels)
  out <- list(curve = seq_len(nc), label = labels, col = col)
  if (inherits(x, "survstep_coxsurv") && !is.null(x$curves)) {
    st <- if (is.null(x$curves$strata)) rep(NA_character_, nc) else
      x$curves$strata
    key <- ifelse(is.na(st), "\001", st)
    first <- !duplicated(key)
    if (sum(first) < nc) {
      out$curve <- which(first)
      out$label <- ifelse(is.na(st[first]), "All", st[first])
      out$col <- rep("black", length(out$curve))
    }
  }
  out
}

# The time at which the curves of `x` start, at S = 1: 0, or the first time
# when it is negative (counting-process data may use such a time scale), as
# plot.survfit() starts them.
km_time_origin <- function(x) {
  if (length(x$time)) min(0, x$time) else 0
}
