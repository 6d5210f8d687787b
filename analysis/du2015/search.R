# The G3 NELM search as R functions (sourced by reconstruct.R and by the
# tests' helper). survstep must be installed: the search compiles against its
# published headers (system.file("include", package = "survstep")) and its
# R functions read the shipped cohort.

# Compiles g3nelm_search.cpp with Rcpp::sourceCpp() into `env` (R's default
# optimisation, the defines of survstep's src/Makevars) and defines there
#   g3nelm_initial_cpp(seed)                 a feasible starting cohort;
#   g3nelm_search_cpp(seed, options, start)  one annealing run;
#   g3nelm_report(data)                      the target-by-target report.
load_g3nelm_search <- function(dir, env = parent.frame(), quiet = TRUE) {
  if (!requireNamespace("survstep", quietly = TRUE)) {
    stop("Install survstep first (R CMD INSTALL . at the repository root): ",
         "the search compiles against its headers.", call. = FALSE)
  }
  Rcpp::sourceCpp(file.path(dir, "g3nelm_search.cpp"), env = env,
                  verbose = !quiet, showOutput = !quiet)
  env$g3nelm_report <- g3nelm_report
  environment(env$g3nelm_report) <- env
  invisible(env)
}

# Target-by-target report of a cohort in the layout of survstep::g3nelm()
# (factors or character): a list with `loss` (the total loss), `targets` (a
# data frame: `id`, `label`, `kind`, `required`, `published`, `reproduced`,
# `tolerance`, `loss`, `pass`) and `counts` ("" when every count the paper
# prints holds, else the first one violated).
g3nelm_report <- function(data = survstep::g3nelm()) {
  cols <- lapply(as.list(data), function(x) {
    if (is.factor(x)) as.character(x) else x
  })
  res <- g3nelm_report_cpp(cols)
  res$targets <- as.data.frame(res$targets, stringsAsFactors = FALSE)
  res
}
