# Kaplan-Meier plot in ggplot2 (Suggests) ----------------------------------

# The curve data of a km fit, as plotted: one row per curve and step, with
# the start of each curve at time 0, S = 1. `fun` transforms the estimate
# and its bounds: "surv" (S), "event" (1 - S), "cumhaz" (-log S).
km_curve_data <- function(x, labels, xscale, fun) {
  nc <- length(x$strata)
  curve <- rep(seq_len(nc), x$strata)
  out <- lapply(seq_len(nc), function(k) {
    i <- which(curve == k)
    data.frame(strata = labels[k],
               time = c(km_time_origin(x), x$time[i]) / xscale,
               estimate = c(1, x$surv[i]),
               conf.low = c(1, x$conf.low[i]),
               conf.high = c(1, x$conf.high[i]),
               n.censor = c(0, x$n.censor[i]),
               stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, out)
  tr <- switch(fun,
               surv = function(s) s,
               event = function(s) 1 - s,
               cumhaz = function(s) -log(s))
  lo <- tr(out$conf.low)
  hi <- tr(out$conf.high)
  out$estimate <- tr(out$estimate)
  out$conf.low <- pmin(lo, hi)
  out$conf.high <- pmax(lo, hi)
  out$strata <- factor(out$strata, levels = labels)
  out
}

# Step-shaped ribbon: the bounds of [t_i, t_{i+1}) held constant over the
# interval (x: t1, t2, t2, t3, t3, ..., tn, tn; bounds 1, 1, 2, 2, ..., n).
km_step_ribbon <- function(d) {
  parts <- lapply(split(d, d$strata), function(s) {
    n <- nrow(s)
    if (!n) return(NULL)
    ix <- rep(seq_len(n), each = 2L)
    data.frame(strata = s$strata[1L], time = s$time[ix[-1L]],
               conf.low = s$conf.low[ix[-2L * n]],
               conf.high = s$conf.high[ix[-2L * n]],
               stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, parts)
  out$strata <- factor(out$strata, levels = levels(d$strata))
  out
}

# ggplot2's data pronoun, used inside aes()
utils::globalVariables(".data")

#' Kaplan-Meier plot with ggplot2
#'
#' A ggplot2 version of [plot.survstep_km()]: step curves, censoring marks,
#' optional confidence ribbons and median lines, an optional p-value label
#' and a number-at-risk table that shares the plot's time axis. The table is
#' composed under the curves with patchwork, which aligns the panels of both
#' plots exactly (also after `ggplot2::ggsave()` and theming), so the counts
#' stay under their ticks.
#'
#' @param object A `survstep_km` object.
#' @param fun What to plot: `"surv"` (the survival probability), `"event"`
#'   (cumulative incidence, 1 - S, for recurrence or mortality) or
#'   `"cumhaz"` (the cumulative hazard -log S).
#' @param conf_int Draw pointwise confidence ribbons.
#' @param mark_censor Mark censoring times; `NULL` (the default) marks them
#'   except on curves from a Cox model ([cox_survfit()], [cox_adjusted_curves()]),
#'   whose risk table also has one row per stratum of the fit ("All" without
#'   strata), as [plot.survstep_km()] draws it.
#' @param risk_table Add the number-at-risk table (needs patchwork).
#' @param median_lines Dashed guide lines to each reached median (`fun =
#'   "surv"` only).
#' @param p_value `NULL`, a number, or a [logrank_test()] result to print in
#'   the plot.
#' @param breaks Time-axis breaks (in the units shown, after `xscale`); also
#'   the times of the number-at-risk table.
#' @param xscale Divide times by this (e.g. `30.4375` for days to months).
#' @param xlab,ylab Axis titles.
#' @param labels Curve labels; by default the levels of the grouping
#'   variable (the curve names without the `variable=` prefix).
#' @param legend_title Legend title; by default the grouping variable.
#' @param palette Colours, recycled over the curves; by default the
#'   colour-blind-safe Okabe-Ito palette.
#' @param risk_height Height of the risk table as a fraction of the figure.
#' @param ... Must be empty.
#' @return A ggplot object (`risk_table = FALSE`) or a patchwork of the
#'   curves and the risk table; add themes to a patchwork with `&`, e.g.
#'   `p & ggplot2::theme_bw()`.
#' @seealso [plot.survstep_km()] for base graphics.
#' @details The curve is the same as [plot.survstep_km()]'s: the step function
#'   of the Kaplan-Meier estimate from (0, 1), censoring marks at the
#'   censored times, the pointwise band of the fit's `conf_type` held
#'   constant between event times. `fun = "event"` plots 1 - S(t) and its
#'   bounds, `fun = "cumhaz"` -log S(t) (the Kaplan-Meier based cumulative
#'   hazard). Colours follow Okabe and Ito's palette, distinguishable with
#'   the common colour-vision deficiencies.
#' @references Okabe M, Ito K (2008). *Color Universal Design (CUD): How to
#'   make figures and presentations that are friendly to colorblind people*.
#'   <https://jfly.uni-koeln.de/color/>.
#'
#'   Pedersen TL (2024). *patchwork: The Composer of Plots*. R package.
#' @examplesIf requireNamespace("ggplot2", quietly = TRUE) && requireNamespace("patchwork", quietly = TRUE)
#' fit <- km(Surv(time / 30.4375, status) ~ sex, data = survival::lung)
#' lr <- logrank_test(Surv(time, status) ~ sex, data = survival::lung)
#' ggplot2::autoplot(fit, p_value = lr, breaks = seq(0, 36, 6),
#'                   xlab = "Months", conf_int = TRUE)
#' @exportS3Method ggplot2::autoplot
autoplot.survstep_km <- function(object, fun = c("surv", "event", "cumhaz"),
                                 conf_int = FALSE, mark_censor = NULL,
                                 risk_table = TRUE, median_lines = FALSE,
                                 p_value = NULL, breaks = NULL, xscale = 1,
                                 xlab = "Time", ylab = NULL, labels = NULL,
                                 legend_title = NULL, palette = NULL,
                                 risk_height = 0.22, ...) {
  check_dots_empty("autoplot.survstep_km", ...)
  sv_need("ggplot2", "autoplot()")
  fun <- sv_match_arg(fun, c("surv", "event", "cumhaz"), "fun")
  check_flag(conf_int, "conf_int")
  # (curves from a Cox model have no censoring of their own)
  if (is.null(mark_censor)) mark_censor <- !inherits(object, "survstep_coxsurv")
  check_flag(mark_censor, "mark_censor")
  check_flag(risk_table, "risk_table")
  check_flag(median_lines, "median_lines")
  check_number(xscale, "xscale", 0, Inf, open = c(TRUE, FALSE))
  check_number(risk_height, "risk_height", 0, 1, open = c(TRUE, TRUE))
  if (risk_table) sv_need("patchwork", "a risk table under autoplot()")
  x <- object
  nc <- length(x$strata)
  cnames <- names(x$strata)
  var <- unique(sub("=.*$", "", cnames[grepl("=", cnames, fixed = TRUE)]))
  if (is.null(labels)) {
    labels <- if (length(var) == 1L) sub("^[^=]*=", "", cnames) else cnames
  }
  if (length(labels) != nc || anyDuplicated(labels)) {
    sv_abort(sprintf("`labels` must have %d distinct labels, one per curve.",
                     nc))
  }
  if (is.null(legend_title)) {
    legend_title <- if (length(var) == 1L) var else NULL
  }
  if (is.null(ylab)) {
    ylab <- switch(fun, surv = "Survival probability",
                   event = "Cumulative incidence",
                   cumhaz = "Cumulative hazard")
  }
  cols <- if (is.null(palette)) km_palette(nc) else rep_len(palette, nc)
  names(cols) <- labels
  p_lab <- km_p_label(p_value)

  d <- km_curve_data(x, labels, xscale, fun)
  tmax <- max(d$time)
  t0 <- km_time_origin(x) / xscale
  if (is.null(breaks)) {
    breaks <- pretty(c(t0, tmax), n = 6)
    breaks <- breaks[breaks >= t0 - 1e-9 * abs(t0) &
                       breaks <= tmax * (1 + 1e-9)]
  } else if (!is.numeric(breaks) || !length(breaks) ||
             any(!is.finite(breaks)) || any(breaks < t0)) {
    sv_abort(if (t0 < 0) {
      sprintf(paste0("`breaks` must be finite numbers, none before the ",
                     "curves' first time (%s), not %s."),
              format(t0), sv_obj_type(breaks))
    } else {
      sprintf("`breaks` must be non-negative finite numbers, not %s.",
              sv_obj_type(breaks))
    })
  }
  breaks <- sort(unique(breaks))
  xlim <- c(t0, max(tmax, breaks))
  xscale_gg <- ggplot2::scale_x_continuous(
    limits = xlim, breaks = breaks, expand = ggplot2::expansion(mult = 0.05)
  )

  g <- ggplot2::ggplot(d, ggplot2::aes(.data$time, .data$estimate,
                                       colour = .data$strata))
  if (conf_int) {
    rib <- km_step_ribbon(d)
    g <- g + ggplot2::geom_ribbon(
      data = rib, ggplot2::aes(x = .data$time, ymin = .data$conf.low,
                               ymax = .data$conf.high, fill = .data$strata),
      inherit.aes = FALSE, alpha = 0.18, colour = NA, na.rm = TRUE) +
      ggplot2::scale_fill_manual(values = cols, guide = "none")
  }
  g <- g + ggplot2::geom_step(direction = "hv", linewidth = 0.8)
  if (mark_censor) {
    cz <- d[d$n.censor > 0, , drop = FALSE]
    g <- g + ggplot2::geom_point(data = cz, shape = 3, size = 1.8,
                                 show.legend = FALSE)
  }
  if (median_lines && fun == "surv") {
    med <- km_median(x)
    med$strata <- factor(labels, levels = labels)
    med <- med[!is.na(med$median), , drop = FALSE]
    if (nrow(med)) {
      med$median <- med$median / xscale
      g <- g + ggplot2::annotate("segment", x = 0, xend = max(med$median),
                                 y = 0.5, yend = 0.5, linetype = "dashed",
                                 colour = "grey40") +
        ggplot2::geom_segment(data = med, ggplot2::aes(
          x = .data$median, xend = .data$median, y = 0.5, yend = 0),
          inherit.aes = FALSE, linetype = "dashed", colour = "grey40")
    }
  }
  ylim <- if (fun == "cumhaz") NULL else c(0, 1)
  g <- g + xscale_gg +
    ggplot2::scale_y_continuous(limits = ylim,
                                expand = ggplot2::expansion(mult = 0.02)) +
    ggplot2::scale_colour_manual(values = cols, name = legend_title) +
    ggplot2::labs(x = xlab, y = ylab) +
    ggplot2::theme_classic(base_size = 11) +
    # the legend above the panel never covers a curve or a band
    ggplot2::theme(legend.position = if (nc < 2L) "none" else "top",
                   legend.justification = "left",
                   legend.margin = ggplot2::margin(0, 0, 0, 0))
  if (!is.null(p_lab)) {
    yp <- if (fun == "surv") 0.05 else 0.95
    g <- g + ggplot2::annotate("text", x = xlim[1] + 0.02 * diff(xlim),
                               y = if (is.null(ylim)) -Inf else yp,
                               label = p_lab, hjust = 0,
                               vjust = if (is.null(ylim)) -0.5 else 0.5,
                               size = 3.6)
  }
  if (!risk_table) return(g)

  # one row per curve (per stratum of the fit for a Cox model's curves)
  rt <- km_risk_rows(x, labels, unname(cols))
  risk <- km_at(x, breaks * xscale)
  risk$time <- rep(breaks, nc)
  risk$curve <- rep(seq_len(nc), each = length(breaks))
  risk <- risk[risk$curve %in% rt$curve, , drop = FALSE]
  row_label <- rt$label[match(risk$curve, rt$curve)]
  risk$strata <- factor(row_label, levels = rev(rt$label))
  risk$label <- if (isTRUE(x$weighted)) {
    format(round(risk$n.risk, 1), trim = TRUE, drop0trailing = TRUE)
  } else format(risk$n.risk, trim = TRUE)
  rt_cols <- stats::setNames(rt$col, rt$label)
  tab <- ggplot2::ggplot(risk, ggplot2::aes(.data$time, .data$strata,
                                            label = .data$label)) +
    ggplot2::geom_text(ggplot2::aes(colour = .data$strata), size = 3.3,
                       show.legend = FALSE) +
    xscale_gg +
    ggplot2::scale_colour_manual(values = rt_cols) +
    ggplot2::labs(x = NULL, y = NULL, title = "Number at risk") +
    ggplot2::theme_classic(base_size = 11) +
    ggplot2::theme(axis.line = ggplot2::element_blank(),
                   axis.ticks = ggplot2::element_blank(),
                   axis.text.x = ggplot2::element_blank(),
                   plot.title = ggplot2::element_text(size = 10)) +
    ggplot2::coord_cartesian(clip = "off")
  patchwork::wrap_plots(g, tab, ncol = 1L,
                        heights = c(1 - risk_height, risk_height))
}
