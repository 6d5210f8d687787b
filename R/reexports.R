#' @importFrom survival Surv
#' @export
survival::Surv

#' @importFrom survival strata
#' @export
survival::strata

#' @importFrom generics tidy
#' @export
generics::tidy

#' @importFrom generics glance
#' @export
generics::glance

#' @importFrom survival cluster
#' @export
survival::cluster

#' @importFrom survival concordance
#' @export
survival::concordance
