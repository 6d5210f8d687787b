// R side of core::Interrupt (inst/include/survstep/interrupt.hpp).
//
//   survstep::core::Interrupt r_interrupt();   an Interrupt that asks R
//       whether the user pressed Ctrl-C (R_CheckUserInterrupt run under
//       R_ToplevelExec, so R never long-jumps through C++ frames);
//   survstep::core::Interrupt r_interrupt_timed(TimedInterrupt& state);
//       the same, asking R at most every 20 ms;
//   SV_CATCH_INTERRUPT(expr)                   runs expr; a core::interrupted
//       thrown inside becomes R's interrupt condition.
#ifndef SURVSTEP_GLUE_INTERRUPT_H
#define SURVSTEP_GLUE_INTERRUPT_H

#include <Rcpp.h>

#include <chrono>

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

// The same, asking R at most once per `min_gap` (a steady-clock check in
// between): for engines that check() many times per millisecond (the
// bootstrap's thousands of tiny fits, each Newton iteration a check).
struct TimedInterrupt {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration min_gap = std::chrono::milliseconds(20);
};

inline bool r_interrupt_pending_timed(void* ctx) {
  TimedInterrupt* t = static_cast<TimedInterrupt*>(ctx);
  const auto now = std::chrono::steady_clock::now();
  if (now - t->last < t->min_gap) return false;
  t->last = now;
  return r_interrupt_pending(nullptr);
}

// `state` must outlive the returned Interrupt.
inline core::Interrupt r_interrupt_timed(TimedInterrupt& state,
                                         std::uint64_t every = 1u << 18) {
  return core::Interrupt(&r_interrupt_pending_timed, &state, every);
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
