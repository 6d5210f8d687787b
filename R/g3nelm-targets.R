# Internal helpers for the G3 NELM reconstruction (used by
# inst/scripts/reconstruct-g3nelm.R and the tests) ---------------------------

#' Target-by-target report of a reconstructed cohort
#'
#' Evaluates every target of the reconstruction loss (the published numbers
#' of Du et al. 2015 and the extra ones derived from the paper) on a cohort in
#' the layout of [g3nelm()].
#'
#' @param data A cohort in the layout of [g3nelm()] (factors or character).
#' @return A list: `loss` (the total loss), `targets` (a data frame: `id`,
#'   `label`, `kind`, `required`, `published`, `reproduced`, `tolerance`,
#'   `loss`, `pass`) and `counts` (`""` when every count the paper prints
#'   holds, else the first one violated).
#' @noRd
g3nelm_report <- function(data = g3nelm()) {
  cols <- lapply(as.list(data), function(x) {
    if (is.factor(x)) as.character(x) else x
  })
  res <- g3nelm_report_cpp(cols)
  res$targets <- as.data.frame(res$targets, stringsAsFactors = FALSE)
  res
}
