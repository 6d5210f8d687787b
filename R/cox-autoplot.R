# Forest plots in ggplot2 (Suggests) ---------------------------------------

#' Forest plot of hazard ratios with ggplot2
#'
#' A ggplot2 version of the forest plots of [plot.survstep_cox()]: one line
#' per covariate, a heading line per factor followed by its reference level
#' (drawn as an open point at 1) and its other levels, hazard ratios with
#' their confidence intervals on a log axis, and the numbers (hazard ratio
#' with interval, p-value) as the labels of a secondary axis on the right so
#' that they stay aligned with their lines when the plot is themed, resized
#' or saved with `ggplot2::ggsave()`.
#'
#' @param object A [cox()] fit, a [cox_univariable()] result or a
#'   [cox_table()].
#' @param labels Optional named character vector of display names, named by
#'   coefficient or term.
#' @param conf_level For a `cox()` fit: the confidence level of the
#'   intervals (Wald). Other objects use the level they were made with.
#' @param which For a `cox_table()`: `"multivariable"` (default when the
#'   table has a model) or `"univariable"`.
#' @param colour Colour of the points and intervals.
#' @param xlab Title of the hazard-ratio axis.
#' @param ... Must be empty: a misspelled or unknown argument is an error of
#'   class `survstep_error_unused_argument`.
#' @return A `ggplot` object; its data (`$data`) has one row per line of the
#'   plot with `label`, `estimate`, `conf.low`, `conf.high`, `p.value`,
#'   `reference`, `heading` and the vertical position `y`.
#' @details The lines are those of the base-graphics forest plot (the same
#'   function builds them): for a factor, the reference level is the first
#'   level, and the heading line carries the test of the whole factor when it
#'   has more than one coefficient (multi-df Wald for a `cox()` fit, the
#'   `term_test` of [cox_univariable()]).
#' @references Lewis S, Clarke M (2001). Forest plots: trying to see the wood
#'   and the trees. *BMJ* 322, 1479-1480.
#' @seealso [plot.survstep_cox()], [autoplot.survstep_km()]
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   lung <- survival::lung
#'   lung$ph.ecog <- factor(lung$ph.ecog)
#'   fit <- cox(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
#'   ggplot2::autoplot(fit, labels = c(age = "Age (years)", sex = "Sex"))
#' }
#' @name autoplot.survstep_cox
#' @exportS3Method ggplot2::autoplot
autoplot.survstep_cox <- function(object, labels = NULL, conf_level = 0.95,
                                  colour = "#0072B2", xlab = "Hazard ratio",
                                  ...) {
  check_dots_empty("autoplot.survstep_cox", ...)
  sv_need("ggplot2", "autoplot()")
  check_conf_level(conf_level)
  if (!length(object$coefficients) || all(is.na(object$coefficients))) {
    sv_abort("Can't draw a forest plot of a model without coefficients.")
  }
  rows <- cox_forest_rows_fit(object, conf_level)
  cox_forest_ggplot(rows, labels, conf_level, colour, xlab)
}

#' @rdname autoplot.survstep_cox
#' @exportS3Method ggplot2::autoplot
autoplot.survstep_univariable <- function(object, labels = NULL,
                                          colour = "#0072B2",
                                          xlab = "Hazard ratio", ...) {
  check_dots_empty("autoplot.survstep_univariable", ...)
  sv_need("ggplot2", "autoplot()")
  cl <- attr(object, "conf_level")
  cox_forest_ggplot(cox_forest_rows_univariable(object), labels,
                    if (is.null(cl)) 0.95 else cl, colour, xlab)
}

#' @rdname autoplot.survstep_cox
#' @exportS3Method ggplot2::autoplot
autoplot.survstep_cox_table <- function(object, which = NULL, labels = NULL,
                                        colour = "#0072B2",
                                        xlab = "Hazard ratio", ...) {
  check_dots_empty("autoplot.survstep_cox_table", ...)
  sv_need("ggplot2", "autoplot()")
  cl <- attr(object, "conf_level")
  cox_forest_ggplot(cox_forest_rows_table(object, which), labels,
                    if (is.null(cl)) 0.95 else cl, colour, xlab)
}

cox_forest_ggplot <- function(rows, labels, conf_level, colour, xlab) {
  rows <- cox_forest_relabel(rows, labels, sys.call(-1))
  if (!is.character(colour) || length(colour) != 1L) {
    sv_abort("`colour` must be one colour.", call = sys.call(-1))
  }
  in_factor <- rows$term %in% rows$term[rows$heading] & !rows$heading
  rows$label <- ifelse(in_factor, paste0("    ", rows$label), rows$label)
  rows$y <- rev(seq_len(nrow(rows)))
  fmt2 <- function(v) formatC(v, format = "f", digits = 2)
  p_txt <- ifelse(is.na(rows$p.value), "", paste0("p ", fmt_p(rows$p.value)))
  p_txt <- sub("p <", "p < ", sub("^p ([0-9])", "p = \\1", p_txt))
  num <- ifelse(rows$heading, p_txt,
         ifelse(rows$reference, "1.00 (reference)",
         ifelse(is.na(rows$estimate), "not estimated",
                paste0(fmt2(rows$estimate), " (", fmt2(rows$conf.low), "-",
                       fmt2(rows$conf.high), ")  ", p_txt))))
  est <- rows[!rows$heading & !rows$reference & !is.na(rows$estimate), ,
              drop = FALSE]
  ref <- rows[rows$reference, , drop = FALSE]
  g <- ggplot2::ggplot(rows, ggplot2::aes(y = .data$y)) +
    ggplot2::geom_vline(xintercept = 1, linetype = 2, colour = "grey50") +
    ggplot2::geom_segment(
      data = est[is.finite(est$conf.low) & is.finite(est$conf.high), ,
                 drop = FALSE],
      ggplot2::aes(x = .data$conf.low, xend = .data$conf.high,
                   yend = .data$y), colour = colour, linewidth = 0.6) +
    ggplot2::geom_point(data = est, ggplot2::aes(x = .data$estimate),
                        shape = 15, size = 2.6, colour = colour) +
    ggplot2::geom_point(data = ref, ggplot2::aes(x = 1), shape = 1,
                        size = 2.4, colour = colour) +
    ggplot2::scale_x_log10(breaks = c(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2,
                                      5, 10, 20, 50, 100),
                           labels = function(b) format(b, drop0trailing = TRUE,
                                                       trim = TRUE)) +
    ggplot2::scale_y_continuous(
      breaks = rows$y, labels = rows$label, expand = ggplot2::expansion(add = 0.6),
      sec.axis = ggplot2::dup_axis(labels = num, name = NULL)) +
    ggplot2::labs(
      x = sprintf("%s (%s%% CI, log scale)", xlab, format(100 * conf_level)),
      y = NULL) +
    ggplot2::theme_minimal(base_size = 11) +
    ggplot2::theme(panel.grid.major.y = ggplot2::element_blank(),
                   panel.grid.minor = ggplot2::element_blank(),
                   axis.text.y.left = ggplot2::element_text(hjust = 0),
                   axis.text.y.right = ggplot2::element_text(hjust = 0))
  g
}
