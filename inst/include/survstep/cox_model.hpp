// One Cox fit from the caller's rows to every quantity a fit reports: the
// driver behind cox_fit() / cox() (methods.md section 3). The R glue only
// converts its input and output (src/cox_glue.cpp).
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   bool cox_ties_from_string(const std::string& s, CoxTies& out);
//        "breslow" / "efron" / "exact" / "exact-marginal" -> CoxTies; false (out unchanged)
//        otherwise.
//
//   bool newton_rule_from_string(const std::string& s, NewtonRule& out);
//        "survival" / "sas" / "spss" -> NewtonRule (newton.hpp); false
//        (out unchanged) otherwise.
//
//   struct CoxModelOptions   ties, control (CoxControl), concordance
//   struct CoxModelResult    see the field comments
//   int cox_model_fit(const CoxInput& in, const CoxModelOptions& opt,
//                     const double* init, CoxModelResult& out,
//                     Interrupt* interrupt = nullptr);
//   int cox_model_fit(in, opt, init, out, CoxData& d, CoxWork& w,
//                     interrupt);
//        The same with the caller's prepared data and scratch buffers: they
//        stay allocated after the call (and are reused by a next call), so a
//        caller that copies `out` into its own memory first does not hand
//        the freed pages back to the system just to fault them in again at
//        the next fit.
//        Returns out.data_status (CoxModelStatus): cox_data_ok (then
//        out.fit etc. are filled), a CoxDataStatus of cox_data_build() /
//        cox_counting_build(), cox_model_constant (a column of x has one
//        value in every row: out.constant flags them, nothing is fitted;
//        what to do about it is the caller's policy) or cox_model_no_events.
//        Steps: prepare the data (the risk-set layer, once), the Newton fit
//        (cox_newton.hpp; with opt.firth Firth's penalised fit of
//        cox_firth.hpp), the linear predictors in the caller's row order,
//        the global Wald test against init, the concordance (optional).
//   void cox_model_finish(const CoxData& d, const CoxModelOptions& opt,
//                         const double* init, CoxModelResult& out,
//                         Interrupt* interrupt = nullptr);
//        The last three steps for a fit already in out.fit on data d: how
//        the stepwise engine reports its selected model without refitting.
//
// Status bits of out.fit.status: NewtonStatus (newton.hpp), plus
// cox_fit_lp_large when the iterations ran out and coxph.fit would add "one
// or more coefficients may be infinite" (right-censored data only: agreg.fit
// has no such warning).
#ifndef SURVSTEP_CORE_COX_MODEL_HPP
#define SURVSTEP_CORE_COX_MODEL_HPP

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "concordance.hpp"
#include "cox_counting.hpp"
#include "cox_firth.hpp"
#include "cox_loglik.hpp"
#include "cox_newton.hpp"
#include "interrupt.hpp"
#include "options.hpp"

namespace survstep {
namespace core {

inline bool cox_ties_from_string(const std::string& s, CoxTies& out) {
  static const OptionName<CoxTies> table[] = {{"efron", CoxTies::efron},
                                              {"breslow", CoxTies::breslow},
                                              {"exact", CoxTies::exact},
                                              {"exact-marginal", CoxTies::exact_marginal}};
  return option_from_string(s, table, out);
}

inline bool newton_rule_from_string(const std::string& s, NewtonRule& out) {
  static const OptionName<NewtonRule> table[] = {{"survival", NewtonRule::survival},
                                                 {"sas", NewtonRule::sas},
                                                 {"spss", NewtonRule::spss}};
  return option_from_string(s, table, out);
}

enum CoxModelStatus : int {
  cox_model_constant = 10,   // a column of x is constant (see `constant`)
  cox_model_no_events = 11,  // no row has an event
};

struct CoxModelOptions {
  CoxTies ties = CoxTies::efron;
  CoxControl control;
  bool concordance = false;
  // optional 0-based cluster codes (caller's row order, below ncluster):
  // the concordance's variance is then summed within clusters (coxph's
  // cluster() term)
  const int* cluster = nullptr;
  int ncluster = 0;
  bool firth = false;  // Firth's penalised likelihood (cox_firth.hpp)
};

struct CoxModelResult {
  int data_status = cox_data_ok;       // CoxDataStatus / CoxModelStatus
  std::vector<int> constant;           // per column: 1 = one value in every row
  CoxFitResult fit;                    // the Newton fit (cox_newton.hpp)
  Eigen::VectorXd mean;                // centring values (CoxData::mean)
  std::vector<double> linear_predictors;  // caller's row order
  double wald = 0.0;                   // global Wald test against init
  int wald_df = 0;                     // its df (rank used)
  bool has_concordance = false;
  ConcordanceResult concordance;
  int nevent = 0;                      // unweighted number of events
};

// The prepared data: (start, stop] data when in.start is set.
inline int cox_model_data(const CoxInput& in, CoxData& d, Interrupt* interrupt = nullptr) {
  return in.start ? cox_counting_build(in, d, interrupt) : cox_data_build(in, d, interrupt);
}

inline void cox_model_finish(const CoxData& d, const CoxModelOptions& opt, const double* init,
                             CoxModelResult& out, Interrupt* interrupt = nullptr) {
  const int n = d.n;
  out.mean = d.mean;
  out.nevent = d.nevent;
  out.linear_predictors.resize(n);
  cox_linear_predictors(d, out.fit.beta, out.linear_predictors.data());
  out.wald = cox_wald_global(out.fit, init, opt.control.toler_chol, &out.wald_df);
  out.has_concordance = opt.concordance;
  if (opt.concordance) {
    // on the prepared (sorted, post-timefix) data
    std::vector<double> lps(n);
    for (int k = 0; k < n; ++k) lps[k] = out.linear_predictors[d.order[k]];
    std::vector<int> cl;
    if (opt.cluster) {
      cl.resize(n);
      for (int k = 0; k < n; ++k) cl[k] = opt.cluster[d.order[k]];
    }
    out.concordance = concordance_sorted(d, lps.data(), d.weighted, interrupt,
                                         opt.cluster ? cl.data() : nullptr, opt.ncluster);
  }
}

inline int cox_model_fit(const CoxInput& in, const CoxModelOptions& opt, const double* init,
                         CoxModelResult& out, CoxData& d, CoxWork& w,
                         Interrupt* interrupt = nullptr) {
  out.data_status = cox_model_data(in, d, interrupt);
  if (out.data_status != cox_data_ok) return out.data_status;
  if (d.p > 0 && d.any_constant) {
    out.constant.assign(d.constant.begin(), d.constant.end());
    return out.data_status = cox_model_constant;
  }
  if (d.nevent == 0) return out.data_status = cox_model_no_events;
  if (opt.firth) {
    CoxFirthWork fw;
    cox_penalised_fit(d, opt.ties, opt.control, init, true, nullptr, out.fit, w, fw, interrupt);
    if (out.fit.status & newton_bad_input) return out.data_status;  // exact ties
  } else {
    cox_fit(d, opt.ties, opt.control, init, out.fit, w, interrupt);
  }
  cox_model_finish(d, opt, init, out, interrupt);
  return out.data_status;
}

inline int cox_model_fit(const CoxInput& in, const CoxModelOptions& opt, const double* init,
                         CoxModelResult& out, Interrupt* interrupt = nullptr) {
  CoxData d;
  CoxWork w;
  return cox_model_fit(in, opt, init, out, d, w, interrupt);
}

}  // namespace core
}  // namespace survstep

#endif
