#' survstep: survival analyses for clinical papers
#'
#' Kaplan-Meier curves ([km()]), the log-rank family of tests
#' ([logrank_test()]), Cox proportional hazards models ([cox()]) and
#' SPSS-style stepwise selection ([cox_stepwise()]), computed by a C++ core
#' that agrees with the \pkg{survival} package where the method is the same
#' and follows SPSS conventions where a paper was analysed in SPSS.
#'
#' Start with `vignette("survstep")`; the formulas, and where survstep
#' follows R's \pkg{survival}, SPSS or SAS, are in `vignette("methods")`;
#' `vignette("du2015-g3-nelm")` reproduces a published paper end to end.
#'
#' @references Collett D (2015). *Modelling Survival Data in Medical
#'   Research*, 3rd ed. Chapman & Hall/CRC.
#'
#'   Klein JP, Moeschberger ML (2003). *Survival Analysis: Techniques for
#'   Censored and Truncated Data*, 2nd ed. Springer.
#'
#'   Therneau TM, Grambsch PM (2000). *Modeling Survival Data: Extending the
#'   Cox Model*. Springer.
#'
#'   Therneau TM (2024). *A Package for Survival Analysis in R*. R package
#'   survival.
#' @keywords internal
#' @useDynLib survstep, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom survival Surv strata
"_PACKAGE"
