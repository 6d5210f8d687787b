// Conversions shared by the selection glue (stepwise_glue.cpp, boot_glue.cpp,
// best_subsets_glue.cpp): the R description of a selection -> the core's
// specs. Conversion only.
//
//   void term_columns(term_cols, forced, cols, forced_out)
//       list of 0-based integer columns per term and the per-term forced
//       flags -> the core's vectors (StepwiseSpec, BestSubsetsSpec)
//
//   core::StepwiseSpec stepwise_spec(term_cols, forced, direction, removal,
//                                    p_enter, p_remove, toler, style, start,
//                                    max_steps)
//       term_cols: list of 0-based integer columns per term; forced and
//       start: per term (start NULL: none); direction "forward" /
//       "backward" / "stepwise"; removal "wald" / "lr" / "conditional";
//       style "spss" / "sas" (unknown -> error); max_steps < 0: no limit.
#ifndef SURVSTEP_STEPWISE_GLUE_H
#define SURVSTEP_STEPWISE_GLUE_H

#include <Rcpp.h>

#include <string>
#include <vector>

#include "survstep/stepwise.hpp"

namespace survstep {
namespace glue {

inline void term_columns(Rcpp::List term_cols, Rcpp::LogicalVector forced,
                         std::vector<std::vector<int>>& cols,
                         std::vector<bool>& forced_out) {
  if (forced.size() != term_cols.size()) Rcpp::stop("internal: `forced` must have one flag per term");
  cols.clear();
  forced_out.clear();
  for (R_xlen_t t = 0; t < term_cols.size(); ++t) {
    Rcpp::IntegerVector c = term_cols[t];
    cols.emplace_back(c.begin(), c.end());
    forced_out.push_back(forced[t] == TRUE);
  }
}

inline core::StepwiseSpec stepwise_spec(Rcpp::List term_cols, Rcpp::LogicalVector forced,
                                        const std::string& direction,
                                        const std::string& removal, double p_enter,
                                        double p_remove, double toler,
                                        const std::string& style, SEXP start,
                                        int max_steps) {
  core::StepwiseSpec spec;
  term_columns(term_cols, forced, spec.term_cols, spec.forced);
  if (!core::step_direction_from_string(direction, spec.direction)) {
    Rcpp::stop("internal: unknown `direction` \"%s\"", direction);
  }
  if (!core::removal_test_from_string(removal, spec.removal)) {
    Rcpp::stop("internal: unknown `removal` \"%s\"", removal);
  }
  if (!core::step_style_from_string(style, spec.style)) {
    Rcpp::stop("internal: unknown `style` \"%s\"", style);
  }
  if (!Rf_isNull(start)) {
    Rcpp::LogicalVector st(start);
    for (R_xlen_t t = 0; t < st.size(); ++t) spec.start.push_back(st[t] == TRUE);
  }
  spec.max_steps = max_steps;
  spec.p_enter = p_enter;
  spec.p_remove = p_remove;
  spec.toler = toler;
  return spec;
}

}  // namespace glue
}  // namespace survstep

#endif
