// The bootstrap of a whole Cox model-building procedure (vignettes/methods.Rmd,
// "Bootstrap stability and validation"): the stepwise selection of
// stepwise.hpp re-run on B resamples of the analysis set, and Harrell's
// optimism bootstrap of its discrimination and calibration.
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   class BootRng
//        std::mt19937_64 seeded through std::seed_seq {seed low 32 bits,
//        seed high 32 bits} (both fully specified by the C++ standard, so a
//        seed gives the same numbers with every standard library), and
//        bounded(m): an unbiased integer in [0, m) by rejection (not
//        std::uniform_int_distribution, whose algorithm differs between
//        standard libraries).
//   void boot_draw(BootRng& rng, int m, std::vector<int>& out)
//        The m resampling units (0-based, with replacement) of the next
//        replicate: replicates 1, 2, ... take consecutive draws of one
//        stream, so replicate b of a run with B >= b is the same whatever B.
//
//   struct BootSpec      the procedure: StepwiseSpec, ties, control,
//                        Firth's penalised likelihood or not, and whether
//                        to validate (C, calibration slope)
//   struct BootReplicate one replicate's outcome (see the field comments)
//   struct BootResult    the apparent (original-data) run and B replicates
//   void cox_stepwise_boot(const CoxInput& in, const std::vector<int>& unit,
//                          const BootSpec& spec, std::uint64_t seed, int B,
//                          BootResult& out, Interrupt* interrupt = nullptr);
//        `in`: the analysis set (unsorted, the caller's rows); `unit`: the
//        0-based resampling unit (cluster) of each row, or empty to resample
//        rows. Each replicate draws as many units as there are, with
//        replacement, and takes all rows of each drawn unit (in the order
//        drawn, rows of a unit in their original order): the data a caller
//        gets from `data[rows, ]`. The replicate's data are prepared by the
//        one risk-set layer (cox_model_data(): sort, timefix, centring), the
//        offset centred as the R front end centres it, and the selection is
//        stepwise_select() on a CoxStepEngine (with spec.firth a
//        CoxFirthStepEngine) over those data: the same routine as one
//        cox_stepwise() run, nothing else. (The calibration slope is an
//        ordinary Cox fit of the linear predictor either way.)
//
// Outcome of a replicate (BootReplicate::status):
//   boot_ok          the selection ran (its fits may still have failed to
//                    converge: fit_status has the OR of the CoxFitStatus bits
//                    of every fit of the run, as cox_stepwise() reports them);
//   boot_no_events   the resample has no event: nothing can be fitted, the
//                    replicate is left out of every summary (counted);
//   boot_bad_data    the risk-set layer refused the resample (cannot happen
//                    for rows the original run accepted; kept as a guard).
//
// A design column that is constant in a resample (a factor level that was
// not drawn) is dropped from its term for that replicate, as the R front end
// drops unused factor levels; a term left without columns cannot enter
// (and is in no model), and a forced one has no coefficient there.
//
// Validation (spec.validate; Harrell 2015, section 5.3.5): for the
// procedure's model b fitted to resample b, with linear predictor X beta_b
// (+ offset),
//   c_train  Harrell's C (concordance.hpp) on the resample,
//   c_test   Harrell's C of X beta_b on the original data,
//   slope    the coefficient of a one-covariate Cox model of the original
//            data on X beta_b (same ties, strata, weights; the calibration
//            slope; 1 on the training data by construction).
// A model whose linear predictor is constant (no term selected) gets C = 1/2
// and slope 1, as rms::validate.cph does.
#ifndef SURVSTEP_CORE_BOOTSTRAP_HPP
#define SURVSTEP_CORE_BOOTSTRAP_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "concordance.hpp"
#include "cox_loglik.hpp"
#include "cox_model.hpp"
#include "cox_newton.hpp"
#include "interrupt.hpp"
#include "stepwise.hpp"

namespace survstep {
namespace core {

class BootRng {
 public:
  explicit BootRng(std::uint64_t seed) {
    std::seed_seq seq{static_cast<std::uint32_t>(seed & 0xffffffffu),
                      static_cast<std::uint32_t>(seed >> 32)};
    gen_.seed(seq);
  }
  std::uint64_t next() { return gen_(); }
  // Uniform on [0, m), m >= 1: reject the 2^64 mod m lowest raw values so
  // that every residue is equally likely.
  std::uint64_t bounded(std::uint64_t m) {
    const std::uint64_t lim = (0 - m) % m;
    for (;;) {
      const std::uint64_t r = gen_();
      if (r >= lim) return r % m;
    }
  }

 private:
  std::mt19937_64 gen_;
};

inline void boot_draw(BootRng& rng, int m, std::vector<int>& out) {
  out.resize(static_cast<std::size_t>(m));
  for (int i = 0; i < m; ++i) {
    out[static_cast<std::size_t>(i)] =
        static_cast<int>(rng.bounded(static_cast<std::uint64_t>(m)));
  }
}

enum BootStatus : int { boot_ok = 0, boot_no_events = 1, boot_bad_data = 2 };

struct BootSpec {
  StepwiseSpec step;
  CoxTies ties = CoxTies::efron;
  CoxControl control;
  bool firth = false;  // every fit of the selection by Firth's penalised likelihood
  bool validate = false;
};

struct BootReplicate {
  int status = boot_ok;    // BootStatus
  int data_status = 0;     // CoxDataStatus when status == boot_bad_data
  int n = 0;               // rows of the resample
  std::vector<int> model;  // selected terms, ascending
  Eigen::VectorXd beta;    // per design column: coefficient, NaN when not
                           // in the model (or aliased)
  int fit_status = 0;      // OR of the status bits of every fit of the run
  int final_status = 0;    // status bits of the selected model's fit
  double c_train = std::numeric_limits<double>::quiet_NaN();
  double c_test = std::numeric_limits<double>::quiet_NaN();
  double slope = std::numeric_limits<double>::quiet_NaN();
  int slope_status = 0;  // status bits of the calibration fit
};

struct BootResult {
  BootReplicate apparent;  // the procedure on the original data
  std::vector<BootReplicate> reps;
};

namespace boot_detail {

// The rows of `in` listed in `rows`, copied into owned buffers that `view`
// points to.
struct Gathered {
  std::vector<double> time, start, weight, offset, x;
  std::vector<int> status, strata;
  CoxInput view;
};

inline void gather(const CoxInput& in, const std::vector<int>& rows, Gathered& g) {
  const int n = static_cast<int>(rows.size());
  g.view = in;
  g.view.n = n;
  g.time.resize(n);
  g.status.resize(n);
  for (int i = 0; i < n; ++i) {
    g.time[i] = in.time[rows[i]];
    g.status[i] = in.status[rows[i]];
  }
  g.view.time = g.time.data();
  g.view.status = g.status.data();
  if (in.start) {
    g.start.resize(n);
    for (int i = 0; i < n; ++i) g.start[i] = in.start[rows[i]];
    g.view.start = g.start.data();
  }
  if (in.weight) {
    g.weight.resize(n);
    for (int i = 0; i < n; ++i) g.weight[i] = in.weight[rows[i]];
    g.view.weight = g.weight.data();
  }
  if (in.offset) {
    // centred within the data set, as the R front end hands offsets over
    g.offset.resize(n);
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += in.offset[rows[i]];
    const double m = s / n;
    for (int i = 0; i < n; ++i) g.offset[i] = in.offset[rows[i]] - m;
    g.view.offset = g.offset.data();
  }
  if (in.strata) {
    g.strata.resize(n);
    for (int i = 0; i < n; ++i) g.strata[i] = in.strata[rows[i]];
    g.view.strata = g.strata.data();
  }
  const int p = in.p;
  g.x.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(p));
  for (int j = 0; j < p; ++j) {
    const double* src = detail::input_column(in, j);
    double* dst = g.x.data() + static_cast<std::size_t>(j) * n;
    for (int i = 0; i < n; ++i) dst[i] = src[rows[i]];
  }
  g.view.x = p > 0 ? g.x.data() : nullptr;
  g.view.xcol = nullptr;
}

// Harrell's C of the linear predictor of (cols, beta) on prepared data d,
// and whether the predictor is constant. `sub` and `lp` are scratch.
inline double c_index(const CoxData& d, const std::vector<int>& cols,
                      const Eigen::VectorXd& beta, CoxData& sub, std::vector<double>& lp,
                      std::vector<double>& lps, bool& constant, Interrupt* interrupt) {
  cox_data_select(d, cols, sub);
  lp.resize(static_cast<std::size_t>(d.n));
  cox_linear_predictors(sub, beta, lp.data());
  constant = true;
  for (int i = 1; i < d.n; ++i) {
    if (lp[i] != lp[0]) {
      constant = false;
      break;
    }
  }
  if (constant) return 0.5;
  lps.resize(static_cast<std::size_t>(d.n));
  for (int k = 0; k < d.n; ++k) lps[k] = lp[d.order[k]];
  return concordance_sorted(d, lps.data(), d.weighted, interrupt).concordance;
}

}  // namespace boot_detail

// One run of the procedure on prepared data d (the replicate's or the
// original), into rep (model, beta, status bits). With validation, also
// c_train (Harrell's C of its model on d) and, when `orig` is given,
// c_test and slope on the original data.
class BootRunner {
 public:
  BootRunner(const BootSpec& spec, const CoxInput& orig_in, const CoxData& orig,
             Interrupt* interrupt)
      : spec_(spec), orig_in_(orig_in), orig_(orig), intr_(interrupt), ncol_(orig_in.p) {}

  // `engine` runs on d.
  template <class Engine>
  void run(Engine& engine, const CoxData& d, bool test_on_orig,
           BootReplicate& rep) {
    // columns constant in these data (a factor level not drawn) leave their
    // term, as the R front end drops unused levels; a term left without
    // columns cannot enter
    const StepwiseSpec* step = &spec_.step;
    if (d.any_constant) {
      local_ = spec_.step;
      for (std::vector<int>& cols : local_.term_cols) {
        cols.erase(std::remove_if(cols.begin(), cols.end(),
                                  [&d](int c) { return d.constant[c] != 0; }),
                   cols.end());
      }
      step = &local_;
    }
    const StepwiseResult res = stepwise_select(engine, *step);
    rep.model = res.model;
    rep.fit_status = res.fit_status;
    rep.final_status = res.fit.status;
    rep.beta = Eigen::VectorXd::Constant(ncol_, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t j = 0; j < res.cols.size(); ++j) {
      rep.beta(res.cols[j]) = res.fit.beta(static_cast<Eigen::Index>(j));
    }
    if (!spec_.validate) return;
    bool constant = false;
    rep.c_train =
        boot_detail::c_index(d, res.cols, res.fit.beta, sub_, lp_, lps_, constant, intr_);
    if (!test_on_orig) {
      rep.c_test = rep.c_train;
      rep.slope = 1.0;
      return;
    }
    rep.c_test = boot_detail::c_index(orig_, res.cols, res.fit.beta, sub_, lp_, lps_,
                                      constant, intr_);
    if (constant) {
      rep.slope = 1.0;
      return;
    }
    // calibration: the original data with the one column lp_ (caller order)
    CoxInput cin = orig_in_;
    cin.p = 1;
    cin.x = lp_.data();
    cin.xcol = nullptr;
    cin.center = nullptr;
    cin.offset = nullptr;  // the offset is part of lp_
    if (cox_model_data(cin, cal_, intr_) != cox_data_ok) return;
    cox_fit(cal_, spec_.ties, spec_.control, nullptr, calfit_, work_, intr_);
    rep.slope = calfit_.beta(0);
    rep.slope_status = calfit_.status;
  }

 private:
  const BootSpec& spec_;
  const CoxInput& orig_in_;
  const CoxData& orig_;
  Interrupt* intr_;
  int ncol_;
  StepwiseSpec local_;
  CoxData sub_, cal_;
  CoxWork work_;
  CoxFitResult calfit_;
  std::vector<double> lp_, lps_;
};

namespace boot_detail {

template <class Engine>
void stepwise_boot(const CoxInput& in, const std::vector<int>& unit,
                              const BootSpec& spec, std::uint64_t seed, int B,
                              BootResult& out, Interrupt* interrupt = nullptr) {
  // the original data (its offset centred as the front end does)
  std::vector<int> all(static_cast<std::size_t>(in.n));
  for (int i = 0; i < in.n; ++i) all[i] = i;
  boot_detail::Gathered g0;
  boot_detail::gather(in, all, g0);
  CoxData d0;
  out.apparent = BootReplicate();
  out.apparent.n = in.n;
  out.apparent.data_status = cox_model_data(g0.view, d0, interrupt);
  out.reps.assign(static_cast<std::size_t>(B > 0 ? B : 0), BootReplicate());
  if (out.apparent.data_status != cox_data_ok) {
    out.apparent.status = boot_bad_data;
    return;
  }
  if (d0.nevent == 0) {
    out.apparent.status = boot_no_events;
    return;
  }
  BootRunner runner(spec, g0.view, d0, interrupt);
  {
    Engine engine0(d0, spec.ties, spec.control, interrupt);
    runner.run(engine0, d0, false, out.apparent);
  }

  // units -> rows
  int m = in.n;
  std::vector<int> ustart, urows;
  if (!unit.empty()) {
    m = 0;
    for (int u : unit) m = std::max(m, u + 1);
    ustart.assign(static_cast<std::size_t>(m) + 1, 0);
    for (int u : unit) ++ustart[static_cast<std::size_t>(u) + 1];
    for (int u = 0; u < m; ++u) ustart[u + 1] += ustart[u];
    urows.resize(unit.size());
    std::vector<int> fill(ustart.begin(), ustart.end() - 1);
    for (int i = 0; i < in.n; ++i) urows[static_cast<std::size_t>(fill[unit[i]]++)] = i;
  }
  std::vector<int> draw, rows;
  boot_detail::Gathered gb;
  CoxData db;  // rebuilt in place for every replicate
  Engine engine(db, spec.ties, spec.control, interrupt);
  BootRng rng(seed);
  for (int b = 0; b < B; ++b) {
    if (interrupt) interrupt->check();
    BootReplicate& rep = out.reps[static_cast<std::size_t>(b)];
    boot_draw(rng, m, draw);
    if (unit.empty()) {
      rows = draw;
    } else {
      rows.clear();
      for (int u : draw) {
        rows.insert(rows.end(), urows.begin() + ustart[u], urows.begin() + ustart[u + 1]);
      }
    }
    rep.n = static_cast<int>(rows.size());
    boot_detail::gather(in, rows, gb);
    rep.data_status = cox_model_data(gb.view, db, interrupt);
    if (rep.data_status != cox_data_ok) {
      rep.status = boot_bad_data;
      continue;
    }
    if (db.nevent == 0) {
      rep.status = boot_no_events;
      continue;
    }
    runner.run(engine, db, true, rep);
  }
}

}  // namespace boot_detail

inline void cox_stepwise_boot(const CoxInput& in, const std::vector<int>& unit,
                              const BootSpec& spec, std::uint64_t seed, int B,
                              BootResult& out, Interrupt* interrupt = nullptr) {
  if (spec.firth) {
    boot_detail::stepwise_boot<CoxFirthStepEngine>(in, unit, spec, seed, B, out, interrupt);
  } else {
    boot_detail::stepwise_boot<CoxStepEngine>(in, unit, spec, seed, B, out, interrupt);
  }
}

}  // namespace core
}  // namespace survstep

#endif
