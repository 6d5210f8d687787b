// Cooperative interruption of long computations (methods.md, "Engines").
//
// The core never talks to R. A caller that can be interrupted (the R glue:
// src/glue_interrupt.h) hands an engine an `Interrupt` built from a plain
// function pointer that returns true when the user asked to stop. Engines call
// `poll(work)` inside their long loops with the amount of work just done
// (rows, pairs, iterations); the callback runs only once `every` units have
// accumulated, so the cost is one add and one compare per call.
//
// When the callback reports an interrupt, poll() throws `core::interrupted`.
// It is the one exception the core throws for control flow: it unwinds the
// engine (RAII releases everything) and the glue turns it into R's own
// interrupt condition. A default-constructed Interrupt never fires.
#ifndef SURVSTEP_CORE_INTERRUPT_HPP
#define SURVSTEP_CORE_INTERRUPT_HPP

#include <cstdint>
#include <exception>

namespace survstep {
namespace core {

struct interrupted : std::exception {
  const char* what() const noexcept override { return "interrupted"; }
};

class Interrupt {
 public:
  using Fn = bool (*)(void* ctx);

  Interrupt() = default;
  explicit Interrupt(Fn fn, void* ctx = nullptr, std::uint64_t every = 1u << 18)
      : fn_(fn), ctx_(ctx), every_(every == 0 ? 1 : every) {}

  // Account for `work` units; every `every` units ask the callback.
  void poll(std::uint64_t work = 1) {
    if (!fn_) return;
    done_ += work;
    if (done_ >= every_) {
      done_ = 0;
      if (fn_(ctx_)) throw interrupted();
    }
  }

  // Ask the callback now (e.g. once per Newton iteration or bootstrap rep).
  void check() {
    if (!fn_) return;
    done_ = 0;
    if (fn_(ctx_)) throw interrupted();
  }

  bool active() const { return fn_ != nullptr; }

 private:
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::uint64_t every_ = 1u << 18;
  std::uint64_t done_ = 0;
};

}  // namespace core
}  // namespace survstep

#endif
