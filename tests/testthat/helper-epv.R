# Many tests fit tiny hand-made data sets (a few events): there the
# events-per-variable guardrail of cox(), cox_univariable() and
# cox_stepwise() warns by design. epv_ok() marks such a call: it lets
# through every other condition and muffles only survstep_warning_low_epv
# (whose own behaviour is tested in test-cox-firth.R).
epv_ok <- function(expr) {
  withCallingHandlers(expr, survstep_warning_low_epv = function(w) {
    invokeRestart("muffleWarning")
  })
}
