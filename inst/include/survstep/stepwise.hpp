// Stepwise selection of Cox model terms: SPSS COXREG (METHOD = FSTEP /
// BSTEP) and SAS PROC PHREG (SELECTION = FORWARD / BACKWARD / STEPWISE)
// rules, one loop (vignettes/methods.Rmd, "Stepwise selection").
//
// Effects ("terms") are blocks of design-matrix columns. Entry is by the
// score statistic of each candidate at (b_M, 0); all candidates' statistics
// come from ONE evaluation of the score vector and information matrix over
// the model columns plus every candidate column. Removal is by the Wald,
// likelihood-ratio or conditional (Lawless-Singhal) statistic, checked after
// every entry and repeated until nothing qualifies. Blocks are compared by
// p-value. The run stops when nothing qualifies or the next model was
// already visited.
//
// StepStyle::sas changes the rules, not the loop: blocks are compared by
// their chi-square statistic (largest score enters, smallest Wald leaves),
// FORWARD never removes and BACKWARD never enters, and STEPWISE stops when
// the term just entered is the first one removed after its entry. For both
// styles, `start` terms begin in the model but may leave (SAS START=),
// `forced` terms never leave (SAS INCLUDE=), and `max_steps` limits the
// number of entries and removals (SAS MAXSTEP=).
//
// The Cox likelihood itself is not computed here: the selection loop is a
// template over an `Engine` with the members
//
//   StepFit fit(const std::vector<int>& cols, const Eigen::VectorXd& init);
//       maximum partial likelihood on the given design columns, Newton-
//       Raphson started at `init`;
//   double loglik(const std::vector<int>& cols, const Eigen::VectorXd& beta);
//       log partial likelihood at beta (no iteration);
//   double score_info(const std::vector<int>& cols,
//                     const Eigen::VectorXd& beta, Eigen::VectorXd& u,
//                     Eigen::MatrixXd& imat);
//       score vector and information matrix at beta; returns the loglik.
//
// With `cols` empty, fit() and loglik() return the null model's loglik.
//
// An engine whose objective is penalised (a member `static constexpr bool
// penalised = true`, CoxFirthStepEngine) changes two things, because its
// penalty depends on the columns in the model: each candidate's score
// statistic is evaluated in its own model [M, E] (one evaluation per
// candidate), and the likelihood-ratio removal statistic compares the fit
// with the fit of the SAME columns with the term's coefficients held at 0
// (the penalised likelihood-ratio test of Heinze and Schemper 2001, as
// coxphf), through the member
//
//   double restricted_loglik(const std::vector<int>& cols,
//                            const std::vector<int>& zero,
//                            const Eigen::VectorXd& init);
//       maximum over the coefficients not in `zero` (positions within
//       cols), those in `zero` held at 0.
#ifndef SURVSTEP_CORE_STEPWISE_HPP
#define SURVSTEP_CORE_STEPWISE_HPP

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <type_traits>
#include <string>
#include <vector>

#include "cholesky.hpp"
#include "cox_loglik.hpp"
#include "cox_firth.hpp"
#include "cox_model.hpp"
#include "cox_newton.hpp"
#include "distributions.hpp"
#include "options.hpp"

namespace survstep {
namespace core {

enum class StepDirection { forward = 0, backward = 1, stepwise = 2 };
enum class StepStyle { spss = 0, sas = 1 };
enum class RemovalTest { wald = 0, lr = 1, conditional = 2 };
enum class StepAction { start = 0, enter = 1, remove = 2 };
enum class StepStop {
  no_entry = 0,       // no candidate met the entry criterion
  all_entered = 1,    // every candidate is in the model
  repeated_model = 2, // the next move would revisit an earlier model
  singular_start = 3, // backward: the starting model has aliased columns
  entered_removed = 4, // SAS stepwise: the term just entered was removed
  max_steps = 5,       // the step limit was reached
  no_removal = 6       // SAS backward: no term met the removal criterion
};


// What the engine returns for one fitted model.
struct StepFit {
  Eigen::VectorXd beta;
  Eigen::MatrixXd var;  // inverse information at beta
  double loglik = 0.0;
  int status = 0;       // CoxFitStatus bits (cox_newton.hpp)
  int iter = 0;
  // what a fit object reports besides (filled by CoxStepEngine; optional
  // for other engines)
  Eigen::VectorXd score;       // U at beta
  std::vector<int> aliased;    // 1 = redundant column
  std::vector<int> infinite;   // 1 = coefficient may be infinite
  bool converged = false;
};

// Option strings (as the R front end spells them) -> enums; false for an
// unknown value (out unchanged).
inline bool step_direction_from_string(const std::string& s, StepDirection& out) {
  static const OptionName<StepDirection> table[] = {
      {"forward", StepDirection::forward},
      {"backward", StepDirection::backward},
      {"stepwise", StepDirection::stepwise}};
  return option_from_string(s, table, out);
}

inline bool step_style_from_string(const std::string& s, StepStyle& out) {
  static const OptionName<StepStyle> table[] = {{"spss", StepStyle::spss},
                                                {"sas", StepStyle::sas}};
  return option_from_string(s, table, out);
}

inline bool removal_test_from_string(const std::string& s, RemovalTest& out) {
  static const OptionName<RemovalTest> table[] = {{"wald", RemovalTest::wald},
                                                  {"lr", RemovalTest::lr},
                                                  {"conditional", RemovalTest::conditional}};
  return option_from_string(s, table, out);
}

struct StepwiseSpec {
  std::vector<std::vector<int>> term_cols;  // 0-based design columns per term
  std::vector<bool> forced;                 // in every model, never removed
  std::vector<bool> start;                  // in the first model, removable
  StepDirection direction = StepDirection::forward;
  StepStyle style = StepStyle::spss;
  int max_steps = -1;                       // entries + removals; < 0: none
  RemovalTest removal = RemovalTest::wald;
  double p_enter = 0.05;
  double p_remove = 0.10;
  double toler = 1.8189894035458617e-12;    // .Machine$double.eps^0.75
};

struct StepRecord {
  int step = 0;
  StepAction action = StepAction::start;
  int term = -1;  // -1 for the start row
  double statistic = std::numeric_limits<double>::quiet_NaN();
  int df = 0;
  double p_value = std::numeric_limits<double>::quiet_NaN();
  double loglik = 0.0;
  std::vector<int> model;  // terms in the model after this step
  int fit_status = 0;      // status of the fit after this step
};

struct ScoreRow {
  int term = -1;
  double statistic = std::numeric_limits<double>::quiet_NaN();
  int df = 0;  // rank of the block given the model
  double p_value = std::numeric_limits<double>::quiet_NaN();
  bool eligible = false;  // full column rank given the model
};

struct StepwiseResult {
  std::vector<StepRecord> steps;
  std::vector<int> model;    // final model: term indices, ascending
  std::vector<int> cols;     // its design columns, in model order
  StepFit fit;               // its fit
  double null_loglik = 0.0;  // loglik of the model with no columns
  std::vector<ScoreRow> not_in_model;
  double resid_statistic = std::numeric_limits<double>::quiet_NaN();
  int resid_df = 0;
  double resid_p_value = std::numeric_limits<double>::quiet_NaN();
  StepStop stop = StepStop::no_entry;
  int fit_status = 0;        // OR of every fit's status
};

namespace stepwise_detail {

// Whether an engine's objective is penalised (see the top of this file).
template <class E, class = void>
struct is_penalised : std::false_type {};
template <class E>
struct is_penalised<E, std::void_t<decltype(E::penalised)>>
    : std::integral_constant<bool, E::penalised> {};

// Generalised inverse of a symmetric non-negative definite matrix through
// the LDL' factor of cholesky.hpp with its scale-free pivot rule
// (chol_decompose_relative): a pivot is redundant when it is below toler
// times its reference diagonal element (`ref`, default the diagonal of
// `a`), so every decision and statistic is unchanged when a covariate is
// rescaled. solve() applies the generalised inverse and rank() counts the
// kept pivots.
class LdlTol {
 public:
  LdlTol(const Eigen::MatrixXd& a, double toler, const double* ref = nullptr) : f_(a) {
    const int r = f_.rows() > 0 ? chol_decompose_relative(f_, toler, ref) : 0;
    rank_ = r < 0 ? -r : r;
  }
  int rank() const { return rank_; }
  Eigen::VectorXd solve(const Eigen::VectorXd& b) const {
    Eigen::VectorXd x = b;
    if (x.size() > 0) chol_solve(f_, x.data());
    return x;
  }
  Eigen::MatrixXd solve(const Eigen::MatrixXd& b) const {
    Eigen::MatrixXd x = b;
    for (Eigen::Index c = 0; c < x.cols(); ++c) chol_solve(f_, x.col(c).data());
    return x;
  }
  double quad(const Eigen::VectorXd& b) const { return b.dot(solve(b)); }

 private:
  Eigen::MatrixXd f_;
  int rank_ = 0;
};

// Wilson-Hilferty normal deviate of a chi-square statistic: monotone in the
// upper-tail probability, used only to break exact p-value ties (p values
// underflowing to 0 in large samples).
inline double wh_z(double stat, double df) {
  const double a = 2.0 / (9.0 * df);
  return (std::cbrt(std::max(stat, 0.0) / df) - (1.0 - a)) / std::sqrt(a);
}

inline Eigen::VectorXd sub_vector(const Eigen::VectorXd& v,
                                  const std::vector<int>& idx) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(idx.size()));
  for (std::size_t i = 0; i < idx.size(); ++i) out(static_cast<Eigen::Index>(i)) = v(idx[i]);
  return out;
}

inline Eigen::MatrixXd sub_matrix(const Eigen::MatrixXd& m,
                                  const std::vector<int>& rows,
                                  const std::vector<int>& cols) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()),
                      static_cast<Eigen::Index>(cols.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(rows[i], cols[j]);
    }
  }
  return out;
}

// What a selection keeps of a Cox fit.
inline StepFit step_fit_of(const CoxFitResult& f) {
  StepFit out;
  out.beta = f.beta;
  out.var = f.var;
  out.loglik = f.loglik;
  out.status = f.status;
  out.iter = f.iter;
  out.score = f.score;
  out.aliased = f.aliased;
  out.infinite = f.infinite;
  out.converged = f.converged;
  return out;
}

}  // namespace stepwise_detail

// The selection loop. `Engine` as described at the top of this file.
template <class Engine>
class StepwiseSelector {
 public:
  StepwiseSelector(Engine& engine, const StepwiseSpec& spec)
      : engine_(engine), spec_(spec),
        n_terms_(static_cast<int>(spec.term_cols.size())) {}

  StepwiseResult run() {
    StepwiseResult res;
    const bool sas = spec_.style == StepStyle::sas;
    // SAS FORWARD never removes, SAS BACKWARD never enters; SPSS FSTEP and
    // BSTEP (and SAS STEPWISE) do both
    const bool can_enter = !(sas && spec_.direction == StepDirection::backward);
    const bool can_remove = !(sas && spec_.direction == StepDirection::forward);
    bool any_start = false;
    for (int t = 0; t < n_terms_; ++t) any_start = any_start || is_start(t);
    res.null_loglik = engine_.loglik(std::vector<int>(), Eigen::VectorXd());
    in_.assign(static_cast<std::size_t>(n_terms_), false);
    for (int t = 0; t < n_terms_; ++t) {
      // (a term without columns -- constant in a bootstrap resample -- can
      // be in no model)
      const bool has_cols = !spec_.term_cols[static_cast<std::size_t>(t)].empty();
      const bool first = any_start ? is_start(t)
                                   : spec_.direction == StepDirection::backward;
      in_[static_cast<std::size_t>(t)] = is_forced(t) || (first && has_cols);
    }
    refit(Eigen::VectorXd(), res);
    visited_.insert(in_);
    push_step(res, StepAction::start, -1,
              std::numeric_limits<double>::quiet_NaN(), 0,
              std::numeric_limits<double>::quiet_NaN());

    bool stopped = false;
    if ((spec_.direction == StepDirection::backward || any_start) &&
        (fit_.status & cox_fit_singular)) {
      res.stop = StepStop::singular_start;
      stopped = true;
    }
    int moves = 0;
    int just_entered = -1;  // the term entered by the last move
    auto at_limit = [&]() {
      if (spec_.max_steps >= 0 && moves >= spec_.max_steps) {
        res.stop = StepStop::max_steps;
        return true;
      }
      return false;
    };
    while (!stopped) {
      // removal, repeated until nothing qualifies
      bool removed_any = false;
      while (can_remove) {
        int term = -1;
        double stat = 0.0, p = 0.0;
        int df = 0;
        if (!best_removal(term, stat, df, p)) break;
        if (!(p >= spec_.p_remove)) break;
        if (at_limit()) {
          stopped = true;
          break;
        }
        std::vector<bool> next = in_;
        next[static_cast<std::size_t>(term)] = false;
        // SAS STEPWISE: the term just entered is the first one removed
        // after its entry -> make the removal and stop (no cycle)
        const bool back_out = sas && !removed_any && term == just_entered;
        if (!back_out && visited_.count(next)) {
          res.stop = StepStop::repeated_model;
          stopped = true;
          break;
        }
        in_ = next;
        visited_.insert(in_);
        refit(warm_start(), res);
        push_step(res, StepAction::remove, term, stat, df, p);
        ++moves;
        removed_any = true;
        if (back_out) {
          res.stop = StepStop::entered_removed;
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      if (!can_enter) {
        res.stop = StepStop::no_removal;
        break;
      }
      std::vector<ScoreRow> rows;
      double rs = 0.0, rp = 0.0;
      int rdf = 0;
      if (!score_candidates(rows, false, rs, rdf, rp)) {
        res.stop = StepStop::all_entered;
        break;
      }
      const ScoreRow* best = nullptr;
      for (const ScoreRow& r : rows) {
        if (!r.eligible) continue;
        if (best == nullptr || more_significant(r.p_value, r.statistic, r.df,
                                                best->p_value, best->statistic,
                                                best->df)) {
          best = &r;
        }
      }
      if (best == nullptr || !(best->p_value <= spec_.p_enter)) {
        res.stop = StepStop::no_entry;
        break;
      }
      if (at_limit()) break;
      std::vector<bool> next = in_;
      next[static_cast<std::size_t>(best->term)] = true;
      if (visited_.count(next)) {
        res.stop = StepStop::repeated_model;
        break;
      }
      const ScoreRow chosen = *best;
      in_ = next;
      visited_.insert(in_);
      refit(warm_start(), res);
      push_step(res, StepAction::enter, chosen.term, chosen.statistic,
                chosen.df, chosen.p_value);
      ++moves;
      just_entered = chosen.term;
    }

    // variables not in the equation, at the final model
    score_candidates(res.not_in_model, true, res.resid_statistic,
                     res.resid_df, res.resid_p_value);
    res.model = model_terms();
    res.cols = cols_;
    res.fit = fit_;
    return res;
  }

 private:
  bool is_forced(int t) const {
    return static_cast<std::size_t>(t) < spec_.forced.size() &&
           spec_.forced[static_cast<std::size_t>(t)];
  }

  bool is_start(int t) const {
    return static_cast<std::size_t>(t) < spec_.start.size() &&
           spec_.start[static_cast<std::size_t>(t)];
  }

  std::vector<int> model_terms() const {
    std::vector<int> out;
    for (int t = 0; t < n_terms_; ++t) {
      if (in_[static_cast<std::size_t>(t)]) out.push_back(t);
    }
    return out;
  }

  std::vector<int> columns_of(const std::vector<int>& terms) const {
    std::vector<int> out;
    for (int t : terms) {
      const std::vector<int>& c = spec_.term_cols[static_cast<std::size_t>(t)];
      out.insert(out.end(), c.begin(), c.end());
    }
    return out;
  }

  // Positions (within cols_) of term t's columns.
  std::vector<int> positions_of(int t) const {
    std::vector<int> pos;
    for (int c : spec_.term_cols[static_cast<std::size_t>(t)]) {
      for (std::size_t j = 0; j < cols_.size(); ++j) {
        if (cols_[j] == c) pos.push_back(static_cast<int>(j));
      }
    }
    return pos;
  }

  // Start values for the refit after a move: the current coefficients,
  // 0 for an entering block.
  Eigen::VectorXd warm_start() const {
    const std::vector<int> cols = columns_of(model_terms());
    Eigen::VectorXd b = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) {
      for (std::size_t i = 0; i < cols_.size(); ++i) {
        if (cols_[i] == cols[j] && std::isfinite(fit_.beta(static_cast<Eigen::Index>(i)))) {
          b(static_cast<Eigen::Index>(j)) = fit_.beta(static_cast<Eigen::Index>(i));
        }
      }
    }
    return b;
  }

  void refit(const Eigen::VectorXd& init, StepwiseResult& res) {
    cols_ = columns_of(model_terms());
    Eigen::VectorXd b = init;
    if (b.size() != static_cast<Eigen::Index>(cols_.size())) {
      b = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cols_.size()));
    }
    fit_ = engine_.fit(cols_, b);
    res.fit_status |= fit_.status;
  }

  void push_step(StepwiseResult& res, StepAction action, int term, double stat,
                 int df, double p) {
    StepRecord r;
    r.step = static_cast<int>(res.steps.size());
    r.action = action;
    r.term = term;
    r.statistic = stat;
    r.df = df;
    r.p_value = p;
    r.loglik = fit_.loglik;
    r.model = model_terms();
    r.fit_status = fit_.status;
    res.steps.push_back(r);
  }

  // a is more significant than b: SPSS, smaller p (ties by the larger WH
  // deviate); SAS, the larger chi-square statistic (ties by term order)
  bool more_significant(double pa, double sa, int da, double pb, double sb,
                        int db) const {
    if (spec_.style == StepStyle::sas) return sa > sb;
    if (pa != pb) return pa < pb;
    return stepwise_detail::wh_z(sa, da) > stepwise_detail::wh_z(sb, db);
  }

  // The removable term with the largest p-value for the removal statistic.
  bool best_removal(int& term, double& stat, int& df, double& p) {
    bool found = false;
    for (int t = 0; t < n_terms_; ++t) {
      if (!in_[static_cast<std::size_t>(t)] || is_forced(t)) continue;
      int d = 0;
      const double s = removal_statistic(t, d);
      const double pv = chisq_upper(s, static_cast<double>(d));
      // least significant: larger p; ties by smaller WH deviate
      if (!found || more_significant(p, stat, df, pv, s, d)) {
        term = t;
        stat = s;
        df = d;
        p = pv;
        found = true;
      }
    }
    return found;
  }

  double removal_statistic(int t, int& df) {
    const std::vector<int> pos = positions_of(t);
    df = static_cast<int>(pos.size());
    std::vector<int> keep;
    for (std::size_t j = 0; j < cols_.size(); ++j) {
      if (std::find(pos.begin(), pos.end(), static_cast<int>(j)) == pos.end()) {
        keep.push_back(static_cast<int>(j));
      }
    }
    const Eigen::VectorXd b_e = stepwise_detail::sub_vector(fit_.beta, pos);
    const Eigen::MatrixXd v_ee = stepwise_detail::sub_matrix(fit_.var, pos, pos);
    std::vector<int> keep_cols;
    for (int j : keep) keep_cols.push_back(cols_[static_cast<std::size_t>(j)]);
    switch (spec_.removal) {
      case RemovalTest::wald: {
        const stepwise_detail::LdlTol ch(v_ee, spec_.toler);
        return ch.quad(b_e);
      }
      case RemovalTest::lr: {
        if constexpr (stepwise_detail::is_penalised<Engine>::value) {
          return 2.0 * (fit_.loglik - engine_.restricted_loglik(cols_, pos, fit_.beta));
        } else {
          const Eigen::VectorXd init = stepwise_detail::sub_vector(fit_.beta, keep);
          const StepFit f = engine_.fit(keep_cols, init);
          return 2.0 * (fit_.loglik - f.loglik);
        }
      }
      case RemovalTest::conditional: {
        // the term is the only one in the model: the reduced model is the
        // null model (no coefficients to adjust)
        if (keep.empty()) {
          return 2.0 * (fit_.loglik - engine_.loglik(keep_cols, Eigen::VectorXd()));
        }
        const stepwise_detail::LdlTol ch(v_ee, spec_.toler);
        const Eigen::VectorXd b_k = stepwise_detail::sub_vector(fit_.beta, keep);
        const Eigen::MatrixXd v_ke = stepwise_detail::sub_matrix(fit_.var, keep, pos);
        const Eigen::VectorXd bt = b_k - v_ke * ch.solve(b_e);
        return 2.0 * (fit_.loglik - engine_.loglik(keep_cols, bt));
      }
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

  // Score statistics at (b_M, 0) of every candidate not in the model, from
  // one evaluation of U and I over the model and all candidate columns
  // (a penalised engine: one evaluation per candidate, over [M, E]).
  // Each statistic is the full U'I^-1 U over [M, E] (= coxph's score test
  // with init = c(b_M, 0)); with U_M = 0 at the MLE it is
  // U_E' (I_EE - I_EM I_MM^-1 I_ME)^-1 U_E. With `residual`, also the joint
  // statistic of all of them. Returns false when no candidate is out.
  bool score_candidates(std::vector<ScoreRow>& rows, bool residual,
                        double& rstat, int& rdf, double& rp) {
    rows.clear();
    std::vector<int> out_terms;
    for (int t = 0; t < n_terms_; ++t) {
      if (!in_[static_cast<std::size_t>(t)] && !is_forced(t)) out_terms.push_back(t);
    }
    if (out_terms.empty()) return false;
    if constexpr (stepwise_detail::is_penalised<Engine>::value) {
      for (int t : out_terms) {
        score_block(std::vector<int>{t}, &rows, false, rstat, rdf, rp);
      }
      if (residual) score_block(out_terms, nullptr, true, rstat, rdf, rp);
    } else {
      score_block(out_terms, &rows, residual, rstat, rdf, rp);
    }
    return true;
  }

  // The score statistics of the terms `out_terms` (rows, when given) and
  // their joint statistic (with `residual`) from one evaluation at
  // (b_M, 0) over the model columns and the columns of out_terms.
  void score_block(const std::vector<int>& out_terms, std::vector<ScoreRow>* rows,
                   bool residual, double& rstat, int& rdf, double& rp) {
    const Eigen::Index m = static_cast<Eigen::Index>(cols_.size());
    std::vector<int> all = cols_;
    const std::vector<int> out_cols = columns_of(out_terms);
    all.insert(all.end(), out_cols.begin(), out_cols.end());
    const Eigen::Index q = static_cast<Eigen::Index>(out_cols.size());
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(m + q);
    for (Eigen::Index j = 0; j < m; ++j) {
      beta(j) = std::isfinite(fit_.beta(j)) ? fit_.beta(j) : 0.0;
    }
    Eigen::VectorXd u;
    Eigen::MatrixXd imat;
    engine_.score_info(all, beta, u, imat);

    const Eigen::VectorXd u_m = u.head(m);
    const Eigen::VectorXd u_o = u.tail(q);
    const Eigen::MatrixXd i_mo = imat.topRightCorner(m, q);
    const Eigen::MatrixXd i_oo = imat.bottomRightCorner(q, q);
    Eigen::MatrixXd w(m, q);   // I_MM^- I_MO
    Eigen::VectorXd v(m);      // I_MM^- U_M
    double base = 0.0;         // U_M' I_MM^- U_M
    if (m > 0) {
      const stepwise_detail::LdlTol ch_m(imat.topLeftCorner(m, m), spec_.toler);
      w = ch_m.solve(i_mo);
      v = ch_m.solve(u_m);
      base = u_m.dot(v);
    }
    // Schur complement of the whole out block and adjusted score
    const Eigen::MatrixXd a_all = m > 0 ? Eigen::MatrixXd(i_oo - i_mo.transpose().lazyProduct(w))
                                        : i_oo;
    const Eigen::VectorXd r_all = m > 0 ? Eigen::VectorXd(u_o - w.transpose() * u_m)
                                        : u_o;
    // Aliasing of a candidate given the model: the pivots of its Schur
    // complement relative to its own information diagonal (1 - R^2 on the
    // model columns), a scale-free rule.
    const Eigen::VectorXd d_oo = i_oo.diagonal();
    if (rows != nullptr) {
      Eigen::Index offset = 0;
      for (int t : out_terms) {
        const Eigen::Index k = static_cast<Eigen::Index>(
            spec_.term_cols[static_cast<std::size_t>(t)].size());
        const stepwise_detail::LdlTol ch(a_all.block(offset, offset, k, k), spec_.toler,
                                         d_oo.data() + offset);
        const Eigen::VectorXd r = r_all.segment(offset, k);
        ScoreRow row;
        row.term = t;
        row.df = ch.rank();
        row.eligible = row.df == static_cast<int>(k) && k > 0;
        if (row.df > 0) {
          row.statistic = base + ch.quad(r);
          row.p_value = chisq_upper(row.statistic, static_cast<double>(row.df));
        }
        rows->push_back(row);
        offset += k;
      }
    }
    if (residual) {
      const stepwise_detail::LdlTol ch(a_all, spec_.toler, d_oo.data());
      rdf = ch.rank();
      if (rdf > 0) {
        rstat = base + ch.quad(r_all);
        rp = chisq_upper(rstat, static_cast<double>(rdf));
      }
    }
  }

  Engine& engine_;
  const StepwiseSpec& spec_;
  int n_terms_;
  std::vector<bool> in_;
  std::set<std::vector<bool>> visited_;
  std::vector<int> cols_;
  StepFit fit_;
};

// ---------------------------------------------------------------------------
// What the Cox engines behind the selection loop share: one prepared data
// object with every candidate column (sorted, centred and scaled once), from
// which each model's columns are selected without re-sorting, the fit's
// scratch memory, and `interrupt` (interrupt.hpp, may be nullptr), checked
// once per fit or evaluation and polled inside them (Ctrl-C stops the
// selection).
class CoxStepEngineBase {
 protected:
  CoxStepEngineBase(const CoxData& full, CoxTies ties, const CoxControl& ctl,
                    Interrupt* interrupt)
      : full_(full), ties_(ties), ctl_(ctl), intr_(interrupt) {}

  // the columns `cols` of the full data into sub_
  void select(const std::vector<int>& cols) {
    if (intr_) intr_->check();
    cox_data_select(full_, cols, sub_);
  }

  // the unpenalised log-likelihood of sub_ at beta (nullptr: at 0), with the
  // score and information in eval_ when `what` asks for them
  double evaluate_plain(const double* beta, int what) {
    return cox_evaluate(sub_, beta, ties_, what, work_, eval_, intr_);
  }

  // warm starts only under survival's rule (which converges to the same point
  // from any start); a vendor rule's stopping point depends on the start, and
  // the vendors fit every model of a run from 0
  bool warm_start(const Eigen::VectorXd& init) const {
    return sub_.p > 0 && init.size() == sub_.p && ctl_.rule == NewtonRule::survival;
  }

  const CoxData& full_;
  CoxTies ties_;
  CoxControl ctl_;
  Interrupt* intr_;
  CoxData sub_;
  CoxWork work_;
  CoxEval eval_;
  CoxFitResult fitres_;
};

// The Cox engine: every model by the partial likelihood (Breslow or Efron).
class CoxStepEngine : private CoxStepEngineBase {
 public:
  CoxStepEngine(const CoxData& full, CoxTies ties, const CoxControl& ctl,
                Interrupt* interrupt = nullptr)
      : CoxStepEngineBase(full, ties, ctl, interrupt) {}

  StepFit fit(const std::vector<int>& cols, const Eigen::VectorXd& init) {
    select(cols);
    cox_fit(sub_, ties_, ctl_, warm_start(init) ? init.data() : nullptr, fitres_, work_,
            intr_);
    return stepwise_detail::step_fit_of(fitres_);
  }

  double loglik(const std::vector<int>& cols, const Eigen::VectorXd& beta) {
    select(cols);
    return evaluate_plain(cols.empty() ? nullptr : beta.data(), cox_what_loglik);
  }

  double score_info(const std::vector<int>& cols, const Eigen::VectorXd& beta,
                    Eigen::VectorXd& u, Eigen::MatrixXd& imat) {
    select(cols);
    const double l = evaluate_plain(cols.empty() ? nullptr : beta.data(), cox_what_info);
    u = eval_.score;
    imat = eval_.info;
    return l;
  }
};

// The same with every model fitted by Firth's penalised likelihood
// l*(b) = l(b) + 1/2 log|I(b)| (cox_firth.hpp; Heinze and Schemper 2001):
// fit() is the penalised maximum, loglik() the penalised log-likelihood
// (the null model's: l(0), no columns, no penalty), score_info() the
// penalised score U* = U + 1/2 (tr(I^-1 dI/db_k))_k with the information I
// (so candidates' statistics are U*' I^-1 U* at (b*_M, 0) in [M, E]), and
// restricted_loglik() the penalised fit of the same columns with some
// coefficients held at 0. Breslow or Efron ties.
class CoxFirthStepEngine : private CoxStepEngineBase {
 public:
  static constexpr bool penalised = true;

  CoxFirthStepEngine(const CoxData& full, CoxTies ties, const CoxControl& ctl,
                     Interrupt* interrupt = nullptr)
      : CoxStepEngineBase(full, ties, ctl, interrupt) {}

  StepFit fit(const std::vector<int>& cols, const Eigen::VectorXd& init) {
    select(cols);
    return penalised_fit(init, nullptr);
  }

  double loglik(const std::vector<int>& cols, const Eigen::VectorXd& beta) {
    select(cols);
    if (cols.empty()) return evaluate_plain(nullptr, cox_what_loglik);
    return evaluate(beta, false);
  }

  double score_info(const std::vector<int>& cols, const Eigen::VectorXd& beta,
                    Eigen::VectorXd& u, Eigen::MatrixXd& imat) {
    select(cols);
    const double l = evaluate(beta, true);
    const int p = sub_.p;
    u.resize(p);
    imat.resize(p, p);
    for (int j = 0; j < p; ++j) {
      u(j) = work_.u(j) / sub_.scale[j];
      for (int i = 0; i < p; ++i) {
        imat(i, j) = work_.imat(i, j) / (sub_.scale[i] * sub_.scale[j]);
      }
    }
    return l;
  }

  double restricted_loglik(const std::vector<int>& cols, const std::vector<int>& zero,
                           const Eigen::VectorXd& init) {
    select(cols);
    std::vector<char> fixed(cols.size(), 0);
    Eigen::VectorXd b = init;
    for (int j : zero) {
      fixed[static_cast<std::size_t>(j)] = 1;
      b(j) = 0.0;
    }
    return penalised_fit(b, &fixed).loglik;
  }

 private:
  double evaluate(const Eigen::VectorXd& beta, bool derivatives) {
    Interrupt none;
    Interrupt& intr = intr_ ? *intr_ : none;
    const int p = sub_.p;
    Eigen::VectorXd bs(p);
    for (int j = 0; j < p; ++j) bs(j) = beta(j) / sub_.scale[j];
    CoxPenalisedObjective obj(sub_, ties_, work_, fw_, true, ctl_.toler_chol);
    return obj.evaluate(bs, derivatives, intr);
  }

  StepFit penalised_fit(const Eigen::VectorXd& init, const std::vector<char>* fixed) {
    // a held coefficient starts (and stays) at its init, 0: its start is
    // always used
    const bool use_init =
        warm_start(init) || (sub_.p > 0 && init.size() == sub_.p && fixed != nullptr);
    Eigen::VectorXd b0;
    if (fixed != nullptr && !use_init) b0 = Eigen::VectorXd::Zero(sub_.p);
    cox_penalised_fit(sub_, ties_, ctl_, use_init ? init.data() : (b0.size() ? b0.data() : nullptr),
                      true, fixed, fitres_, work_, fw_, intr_);
    return stepwise_detail::step_fit_of(fitres_);
  }

  CoxFirthWork fw_;
};

template <class Engine>
StepwiseResult stepwise_select(Engine& engine, const StepwiseSpec& spec) {
  StepwiseSelector<Engine> sel(engine, spec);
  return sel.run();
}

// The selected model of a Cox run as a full fit report (cox_model.hpp),
// from what the selection computed (coefficients, variance, log-likelihood,
// score, iterations and status of its last fit of that model): no refit.
// `full` is the data the CoxStepEngine ran on. The log-likelihood at 0 is
// the null model's; the score test at 0, the linear predictors, the Wald
// test and the concordance (opt.concordance) are computed here.
inline void cox_stepwise_final(const CoxData& full, const StepwiseResult& res,
                               const CoxModelOptions& opt, CoxModelResult& out,
                               Interrupt* interrupt = nullptr) {
  CoxData d;
  cox_data_select(full, res.cols, d);
  out.data_status = cox_data_ok;
  CoxFitResult& f = out.fit;
  const int p = d.p;
  f.beta = res.fit.beta;
  f.var = res.fit.var;
  f.loglik = res.fit.loglik;
  f.loglik_init = res.null_loglik;
  f.status = res.fit.status;
  f.iter = res.fit.iter;
  f.score = res.fit.score;
  f.aliased = res.fit.aliased;
  f.infinite = res.fit.infinite;
  f.converged = res.fit.converged;
  f.lp_large = (f.status & cox_fit_lp_large) != 0;
  if (f.score.size() != p) f.score = Eigen::VectorXd::Zero(p);
  if (static_cast<int>(f.aliased.size()) != p) f.aliased.assign(p, 0);
  if (static_cast<int>(f.infinite.size()) != p) f.infinite.assign(p, 0);
  CoxWork w;
  f.score_test = cox_score_test(d, nullptr, opt.ties, opt.control.toler_chol, w);
  cox_model_finish(d, opt, nullptr, out, interrupt);
}

}  // namespace core
}  // namespace survstep

#endif
