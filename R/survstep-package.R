#' survstep: survival analyses for clinical papers
#'
#' Kaplan-Meier curves ([km()]), the log-rank family of tests
#' ([logrank_test()]), Cox proportional hazards models ([cox()]) and
#' SPSS-style stepwise selection ([cox_stepwise()]), computed by a C++ core
#' that agrees with the \pkg{survival} package where the method is the same
#' and follows SPSS conventions where a paper was analysed in SPSS.
#'
#' @keywords internal
#' @useDynLib survstep, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom survival Surv strata
"_PACKAGE"
