# Word and HTML tables through flextable (Suggests) ------------------------

# One path for every survstep table: its format() method gives the printed
# table; flextable adds the caption, footnotes and publication styling.
sv_flextable <- function(tab, caption = NULL, footer = NULL, bold_rows = NULL,
                         indent_rows = NULL) {
  sv_need("flextable", "as_flextable()")
  ft <- flextable::flextable(tab)
  ft <- flextable::theme_booktabs(ft)
  ft <- flextable::bold(ft, part = "header")
  if (length(bold_rows)) ft <- flextable::bold(ft, i = bold_rows, j = 1)
  if (length(indent_rows)) {
    ft <- flextable::padding(ft, i = indent_rows, j = 1, padding.left = 18)
  }
  ft <- flextable::align(ft, j = seq_len(ncol(tab))[-1L], align = "center",
                         part = "all")
  if (!is.null(caption)) ft <- flextable::set_caption(ft, caption)
  for (f in footer) ft <- flextable::add_footer_lines(ft, f)
  flextable::autofit(ft)
}

#' Tables for Word, PowerPoint and HTML
#'
#' `as_flextable()` methods turn survstep's publication tables into
#' [flextable](https://ardata-fr.github.io/flextable-book/) objects, which
#' `flextable::save_as_docx()` writes to Word and R Markdown/Quarto render in
#' Word and HTML documents. The cells are those of the table's `format()`
#' method (so the same arguments, such as `digits`, apply); test names and
#' abbreviations go to the footer.
#'
#' @param x A table from [cohort_table()], [km_table()] or [cox_table()].
#' @param caption Optional table caption.
#' @param ... Passed to the table's `format()` method.
#' @return A `flextable` object.
#' @references Gohel D, Skintzos P (2023). *flextable: Functions for Tabular
#'   Reporting*. R package, <https://ardata-fr.github.io/flextable-book/>.
#' @examplesIf requireNamespace("flextable", quietly = TRUE)
#' lung <- survival::lung
#' lung$sex <- factor(lung$sex, 1:2, c("male", "female"))
#' tab <- cohort_table(lung, by = "sex", vars = c("age", "ph.ecog", "wt.loss"),
#'                     type = c(ph.ecog = "categorical"))
#' ft <- flextable::as_flextable(tab, caption = "Table 1")
#' \donttest{
#' flextable::save_as_docx(flextable::as_flextable(tab),
#'                         path = file.path(tempdir(), "table1.docx"))
#' }
#' @name as_flextable
#' @exportS3Method flextable::as_flextable
as_flextable.survstep_cohort_table <- function(x, caption = NULL, ...) {
  tab <- format(x, indent = "", ...)
  first <- !duplicated(x$variable)
  tst <- unique(stats::na.omit(x$test))
  footer <- c(
    if (any(x$type == "continuous")) {
      "Continuous variables: summary as shown per row (median (Q1, Q3) or mean \u00b1 SD)."
    },
    "Categorical variables: n (%) of the non-missing values.",
    if (length(tst)) paste0("P: ", paste(tst, collapse = "; "), ".")
  )
  sv_flextable(tab, caption, footer,
               bold_rows = which(first & x$type == "categorical"),
               indent_rows = which(!first))
}

#' @rdname as_flextable
#' @exportS3Method flextable::as_flextable
as_flextable.survstep_km_table <- function(x, caption = NULL, ...) {
  tab <- format(x, ...)
  med <- tab[[4L]]
  footer <- c(
    sprintf("Median: %s method.", attr(x, "median_method")),
    if (any(grepl("NR", med, fixed = TRUE))) "NR: not reached.",
    if (any(grepl("(NE)", med, fixed = TRUE))) "NE: not estimable."
  )
  sv_flextable(tab, caption, footer)
}

#' @rdname as_flextable
#' @exportS3Method flextable::as_flextable
as_flextable.survstep_cox_table <- function(x, caption = NULL, ...) {
  tab <- format(x, ...)
  footer <- sprintf("HR: hazard ratio; CI: %g%% confidence interval.",
                    100 * attr(x, "conf_level"))
  if (any(!is.na(x$p_term_uv) & !is.na(x$level_id))) {
    footer <- paste(footer, "P on a factor's line: test of the whole factor.")
  }
  sv_flextable(tab, caption, footer)
}
