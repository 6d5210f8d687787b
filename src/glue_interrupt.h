// R side of core::Interrupt (inst/include/survstep/interrupt.hpp).
//
//   survstep::core::Interrupt r_interrupt();   an Interrupt that asks R
//       whether the user pressed Ctrl-C (R_CheckUserInterrupt run under
//       R_ToplevelExec, so R never long-jumps through C++ frames);
//   SV_CATCH_INTERRUPT(expr)                   runs expr; a core::interrupted
//       thrown inside becomes R's interrupt condition.
#ifndef SURVSTEP_GLUE_INTERRUPT_H
#define SURVSTEP_GLUE_INTERRUPT_H

#include <Rcpp.h>

#include "survstep/interrupt.hpp"

namespace survstep {
namespace glue {

inline void check_interrupt_fn(void*) { R_CheckUserInterrupt(); }

inline bool r_interrupt_pending(void*) {
  return R_ToplevelExec(check_interrupt_fn, nullptr) == FALSE;
}

inline core::Interrupt r_interrupt(std::uint64_t every = 1u << 18) {
  return core::Interrupt(&r_interrupt_pending, nullptr, every);
}

}  // namespace glue
}  // namespace survstep

#define SV_CATCH_INTERRUPT(expr)                   \
  try {                                            \
    expr;                                          \
  } catch (const survstep::core::interrupted&) {   \
    throw Rcpp::internal::InterruptedException();  \
  }

#endif
