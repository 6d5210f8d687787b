// Options that cross from R as strings, parsed once into the core's enums:
// here those of the Cox family (shared by cox_glue.cpp and
// stepwise_glue.cpp); km_glue.cpp and logrank_glue.cpp parse their own
// (their core headers can't share a translation unit with concordance.hpp
// yet). An unknown value is an error (the R front ends have matched the
// user's choice with sv_match_arg(), so this only fires on a broken internal
// call), never a silent default.
#ifndef SURVSTEP_GLUE_OPTIONS_H
#define SURVSTEP_GLUE_OPTIONS_H

#include <Rcpp.h>

#include <string>

#include "survstep/cox_loglik.hpp"
#include "survstep/stepwise.hpp"

namespace survstep {
namespace glue {

[[noreturn]] inline void unknown_option(const char* what, const std::string& value) {
  Rcpp::stop("internal: unknown %s \"%s\"", what, value);
}

// ties = "efron" / "breslow" (cox(), cox_fit(), cox_stepwise())
inline core::CoxTies parse_ties(const std::string& s) {
  if (s == "efron") return core::CoxTies::efron;
  if (s == "breslow") return core::CoxTies::breslow;
  unknown_option("`ties` method", s);
}

// direction = "forward" / "backward" (cox_stepwise())
inline core::StepDirection parse_direction(const std::string& s) {
  if (s == "forward") return core::StepDirection::forward;
  if (s == "backward") return core::StepDirection::backward;
  unknown_option("stepwise `direction`", s);
}

// removal = "wald" / "lr" / "conditional" (cox_stepwise())
inline core::RemovalTest parse_removal(const std::string& s) {
  if (s == "wald") return core::RemovalTest::wald;
  if (s == "lr") return core::RemovalTest::lr;
  if (s == "conditional") return core::RemovalTest::conditional;
  unknown_option("stepwise `removal` test", s);
}

}  // namespace glue
}  // namespace survstep

#endif  // SURVSTEP_GLUE_OPTIONS_H
