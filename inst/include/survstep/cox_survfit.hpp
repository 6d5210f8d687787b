// Survival curves from a fitted Cox model (vignettes/methods.Rmd, "Survival
// curves from a Cox model" and "Adjusted survival curves"): the baseline
// cumulative hazard as
// survival's survfit.coxph() computes it (its default stype = 2: S =
// exp(-Lambda)), and the curves of new covariate rows with the variance
// that includes the uncertainty of the coefficients.
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   enum class CoxHazard { breslow = 1, efron = 2 };   // survfit's ctype
//
//   struct CoxBaseline            one entry per distinct time of each stratum
//                                 (every stop time, events and censorings),
//                                 strata in code order.
//   int cox_baseline(const CoxData& d, const double* beta, CoxHazard type,
//                    const double* weight, CoxBaseline& out,
//                    Interrupt* interrupt = nullptr);
//        d: the prepared data of the fit (cox_data_build() or
//        cox_counting_build(), the same settings as the fit); beta in
//        original units (length d.p; aliased coefficients as 0); weight:
//        the case weights in the CALLER's row order (nullptr = all 1): they
//        give the counts n.risk / n.censor of every row, also of the
//        (start, stop] rows that carry no information (weight 0 in d).
//        The reference subject has x = d.mean and the offset 0 of d (the
//        caller's offsets are centred): its linear predictor is
//        sum(d.mean * beta) + the offset centre. Returns 0.
//   struct CoxCurveRequest        new rows: x centred at d.mean (m x p), the
//                                 relative risk exp(lp - lp_reference), and
//                                 a stratum code per row (-1 = one curve in
//                                 every stratum).
//   struct CoxCurves              the curves one after the other.
//   void cox_curves(const CoxBaseline& b, const Eigen::MatrixXd& var,
//                   const CoxCurveRequest& req, bool se, CoxCurves& out,
//                   Interrupt* interrupt = nullptr);
//        var: the coefficients' variance (p x p, 0 for aliased ones).
//        Curve order: row by row for rows with a stratum; for rows without
//        (-1), stratum by stratum and within a stratum row by row (as
//        survfit.coxph lists them).
//
//   struct CoxAdjusted            direct-adjusted (marginal) curves.
//   void cox_adjusted(const CoxBaseline& b, const Eigen::MatrixXd& var,
//                     const Eigen::MatrixXd& x, const std::vector<double>& risk,
//                     const std::vector<int>& group, int ngroup, bool se,
//                     CoxAdjusted& out, Interrupt* interrupt = nullptr);
//        x (m x p, centred) and risk as in CoxCurveRequest; group: 0-based
//        group of each row. One curve per (group, stratum), group-major:
//        the mean over the rows of the group of their predicted curves in
//        that stratum (Makuch 1982; Chang et al. 2001), with the
//        delta-method variance (below).
//
// Formulas (per stratum; sums over the risk set R(t) at a distinct time t,
// r_i = w_i exp(eta_i), d events of total weight dw, E = sum of r over the
// events, xs = sum r x over R(t), xe = the same over the events):
//   Breslow (ctype 1): dLambda = dw / D, dV1 = dw / D^2,
//                      dA = dw xs / D^2, with D = sum r over R(t);
//   Efron   (ctype 2): with D_j = D - (j / d) E, j = 0..d-1,
//                      dLambda = dw mean_j 1 / D_j, dV1 = dw mean_j 1 / D_j^2,
//                      dA = dw mean_j (xs - (j / d) xe) / D_j^2
//                      (survival's agsurv5, the tied events' average);
//   curve of a row z (centred) with relative risk q:
//     Lambda_z(t) = q Lambda(t),  S_z(t) = exp(-Lambda_z(t)),
//     Var(Lambda_z(t)) = q^2 [ V1(t) + c(t)' V c(t) ],
//     c(t) = Lambda(t) z - A(t),   A(t) = sum_{s <= t} dA (centred units),
//   the Tsiatis (1981) variance with the delta-method term of beta-hat.
//   c' V c = Lambda^2 z'Vz - 2 Lambda z'(V A) + A'VA: the per-time products
//   V A(t) and A'VA are computed once and shared by all rows (O(p^2) per
//   time once, O(p) per time and row).
//
//   adjusted curve of rows i = 1..m: Sbar(t) = mean_i S_i(t); with
//   w_i = q_i S_i(t), wbar = mean w_i, g(t) = Lambda(t) mean(w_i z_i) -
//   wbar A(t) (minus the gradient in beta), the delta-method variance is
//     Var(Sbar(t)) = wbar^2 V1(t) + g(t)' V g(t)
//   (for m = 1 this is S^2 Var(Lambda_z(t)), the single-curve variance).
//
// Cost: one backward pass over the tie blocks (O(n p)), plus the output.
#ifndef SURVSTEP_CORE_COX_SURVFIT_HPP
#define SURVSTEP_CORE_COX_SURVFIT_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"

namespace survstep {
namespace core {

enum class CoxHazard : int { breslow = 1, efron = 2 };

struct CoxBaseline {
  int p = 0;
  int nstrata = 0;
  std::vector<int> stratum_start;  // nstrata + 1: entries of stratum s
  std::vector<double> records;     // nstrata: rows (unweighted)
  std::vector<double> time, n_risk, n_event, n_censor;  // per entry
  std::vector<double> cumhaz;      // Lambda(t) of the reference subject
  std::vector<double> cumvar1;     // V1(t)
  Eigen::MatrixXd cumxbar;         // p x entries: A(t), centred original units
};

struct CoxCurveRequest {
  Eigen::MatrixXd x;         // m x p, centred at d.mean
  std::vector<double> risk;  // m: exp(lp - lp_reference)
  std::vector<int> stratum;  // m: stratum code, or -1 for every stratum
};

struct CoxCurves {
  std::vector<int> sizes;    // entries per curve
  std::vector<int> row;      // per curve: the request row (0-based)
  std::vector<int> stratum;  // per curve: the stratum code
  std::vector<double> time, n_risk, n_event, n_censor;
  std::vector<double> surv, cumhaz, cumvar;  // cumvar = Var(Lambda_z(t))
};

inline int cox_baseline(const CoxData& d, const double* beta, CoxHazard type,
                        const double* weight, CoxBaseline& out,
                        Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int n = d.n, p = d.p, nb = d.nblock;
  const bool efron = type == CoxHazard::efron;
  const bool counting = d.counting;
  out.p = p;
  out.nstrata = d.nstrata;

  // risk r_k = w_k exp(eta_k) (weight 0 for unused (start, stop] rows) and
  // the original weight of every sorted row
  Eigen::VectorXd bs(p);
  for (int j = 0; j < p; ++j) bs[j] = beta ? beta[j] / d.scale[j] : 0.0;
  std::vector<double> risk(n), wt(n);
  for (int k = 0; k < n; ++k) {
    double eta = d.offset[k];
    if (p > 0) eta += d.xt.col(k).dot(bs);
    risk[k] = d.weight[k] * std::exp(eta);
    wt[k] = weight ? weight[d.order[k]] : 1.0;
  }
  intr.poll(static_cast<std::uint64_t>(n));

  // backward pass: per block the hazard increments (stored per block)
  std::vector<double> haz(nb, 0.0), v1(nb, 0.0), nrisk(nb, 0.0);
  Eigen::MatrixXd xinc = Eigen::MatrixXd::Zero(p, nb);  // dA, scaled units
  Eigen::VectorXd xs = Eigen::VectorXd::Zero(p), xe(p);
  double denom = 0.0, wsum = 0.0;
  int eptr = 0;
  for (int b = nb - 1; b >= 0; --b) {
    const int s = d.block_start[b], e = d.block_start[b + 1];
    if (d.block_last[b]) {
      denom = 0.0;
      wsum = 0.0;
      xs.setZero();
      if (counting) eptr = d.entry_bound[d.stratum[s] + 1];
    }
    intr.poll(static_cast<std::uint64_t>(e - s));
    // rows with a start at or after this time leave the risk set (they
    // entered at their stop time, later in this backward pass)
    if (counting) {
      const int q0 = d.block_entry[b];
      for (int q = q0; q < eptr; ++q) {
        const int k = d.entry[q];
        denom -= risk[k];
        wsum -= wt[k];
        if (p > 0) xs.noalias() -= risk[k] * d.xt.col(k);
      }
      eptr = q0;
      if (d.block_ndead[b] > 0 && d.block_reset[b]) {
        denom = 0.0;
        xs.setZero();
      }
    }
    double erisk = 0.0;
    xe.setZero();
    for (int k = s; k < e; ++k) {
      denom += risk[k];
      wsum += wt[k];
      if (p > 0) xs.noalias() += risk[k] * d.xt.col(k);
      if (d.status[k]) {
        erisk += risk[k];
        if (p > 0) xe.noalias() += risk[k] * d.xt.col(k);
      }
    }
    nrisk[b] = wsum;
    const int nd = d.block_ndead[b];
    if (nd == 0) continue;
    const double dw = d.block_deadwt[b];
    if (!efron || nd == 1) {
      haz[b] = dw / denom;
      v1[b] = dw / (denom * denom);
      if (p > 0) xinc.col(b) = (dw / (denom * denom)) * xs;
    } else {
      const double dd = static_cast<double>(nd);
      double h = 0.0, v = 0.0, c0 = 0.0, c1 = 0.0;
      for (int j = 0; j < nd; ++j) {
        const double f = j / dd;
        const double t = 1.0 / (denom - f * erisk);
        h += t;
        v += t * t;
        c0 += t * t;
        c1 += t * t * f;
      }
      haz[b] = dw * h / dd;
      v1[b] = dw * v / dd;
      if (p > 0) xinc.col(b) = (dw / dd) * (c0 * xs - c1 * xe);
    }
  }

  // forward: cumulative sums per stratum, one entry per block
  out.stratum_start.assign(d.nstrata + 1, 0);
  out.records.assign(d.nstrata, 0.0);
  out.time.resize(nb);
  out.n_risk.resize(nb);
  out.n_event.resize(nb);
  out.n_censor.resize(nb);
  out.cumhaz.resize(nb);
  out.cumvar1.resize(nb);
  out.cumxbar.resize(p, nb);
  Eigen::VectorXd inv_scale(p);
  for (int j = 0; j < p; ++j) inv_scale[j] = 1.0 / d.scale[j];
  double ch = 0.0, cv = 0.0;
  Eigen::VectorXd ca = Eigen::VectorXd::Zero(p);
  for (int b = 0; b < nb; ++b) {
    const int s = d.block_start[b], e = d.block_start[b + 1];
    const int st = d.stratum[s];
    if (d.block_first[b]) {
      ch = cv = 0.0;
      ca.setZero();
    }
    ++out.stratum_start[st + 1];
    out.records[st] += e - s;
    double ev = 0.0, ce = 0.0;
    for (int k = s; k < e; ++k) {
      if (d.status[k]) {
        ev += wt[k];
      } else {
        ce += wt[k];
      }
    }
    ch += haz[b];
    cv += v1[b];
    if (p > 0) ca += xinc.col(b).cwiseProduct(inv_scale);
    out.time[b] = d.time[s];
    out.n_risk[b] = nrisk[b];
    out.n_event[b] = ev;
    out.n_censor[b] = ce;
    out.cumhaz[b] = ch;
    out.cumvar1[b] = cv;
    if (p > 0) out.cumxbar.col(b) = ca;
  }
  for (int st = 0; st < d.nstrata; ++st) out.stratum_start[st + 1] += out.stratum_start[st];
  return 0;
}

inline void cox_curves(const CoxBaseline& b, const Eigen::MatrixXd& var,
                       const CoxCurveRequest& req, bool se, CoxCurves& out,
                       Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int p = b.p;
  const int m = static_cast<int>(req.risk.size());
  out = CoxCurves();
  // the curves: (row, stratum) pairs in survfit.coxph's order
  for (int i = 0; i < m; ++i) {
    if (req.stratum[i] >= 0) {
      out.row.push_back(i);
      out.stratum.push_back(req.stratum[i]);
    }
  }
  for (int s = 0; s < b.nstrata; ++s) {
    for (int i = 0; i < m; ++i) {
      if (req.stratum[i] < 0) {
        out.row.push_back(i);
        out.stratum.push_back(s);
      }
    }
  }
  const int nc = static_cast<int>(out.row.size());
  std::size_t total = 0;
  out.sizes.resize(nc);
  for (int c = 0; c < nc; ++c) {
    const int s = out.stratum[c];
    out.sizes[c] = b.stratum_start[s + 1] - b.stratum_start[s];
    total += static_cast<std::size_t>(out.sizes[c]);
  }
  out.time.reserve(total);
  out.n_risk.reserve(total);
  out.n_event.reserve(total);
  out.n_censor.reserve(total);
  out.surv.reserve(total);
  out.cumhaz.reserve(total);
  out.cumvar.reserve(total);

  // shared per-time products: VA(t) (p per entry) and A'VA, per stratum as
  // needed (computed once for all rows of the stratum)
  std::vector<char> done(b.nstrata, 0);
  Eigen::MatrixXd va;   // p x entries (all strata)
  std::vector<double> ava;
  if (se && p > 0) {
    va.resize(p, static_cast<Eigen::Index>(b.time.size()));
    ava.assign(b.time.size(), 0.0);
  }
  auto prepare = [&](int s) {
    if (done[s] || !se || p == 0) return;
    const int a = b.stratum_start[s], e = b.stratum_start[s + 1];
    if (e > a) {
      va.middleCols(a, e - a).noalias() = var * b.cumxbar.middleCols(a, e - a);
      for (int k = a; k < e; ++k) ava[k] = b.cumxbar.col(k).dot(va.col(k));
    }
    intr.poll(static_cast<std::uint64_t>(e - a) * static_cast<std::uint64_t>(p));
    done[s] = 1;
  };

  Eigen::VectorXd vz(p);
  for (int c = 0; c < nc; ++c) {
    const int i = out.row[c], s = out.stratum[c];
    prepare(s);
    const double q = req.risk[i];
    const int a = b.stratum_start[s], e = b.stratum_start[s + 1];
    double zvz = 0.0;
    if (se && p > 0) {
      vz.noalias() = var * req.x.row(i).transpose();
      zvz = req.x.row(i).dot(vz);
    }
    for (int k = a; k < e; ++k) {
      const double lam = b.cumhaz[k];
      out.time.push_back(b.time[k]);
      out.n_risk.push_back(b.n_risk[k]);
      out.n_event.push_back(b.n_event[k]);
      out.n_censor.push_back(b.n_censor[k]);
      out.cumhaz.push_back(q * lam);
      out.surv.push_back(std::exp(-q * lam));
      if (se) {
        double cvc = 0.0;
        if (p > 0) {
          cvc = lam * lam * zvz - 2.0 * lam * req.x.row(i).dot(va.col(k)) + ava[k];
          cvc = std::max(cvc, 0.0);
        }
        out.cumvar.push_back(q * q * (b.cumvar1[k] + cvc));
      }
    }
    intr.poll(static_cast<std::uint64_t>(e - a) * static_cast<std::uint64_t>(p + 1));
  }
}


struct CoxAdjusted {
  std::vector<int> sizes;    // entries per curve
  std::vector<int> group;    // per curve
  std::vector<int> stratum;  // per curve
  std::vector<double> time, n_risk, n_event, n_censor;
  std::vector<double> surv;
  std::vector<double> cumvar;  // Var(Sbar) / Sbar^2 (the variance of log Sbar)
};

inline void cox_adjusted(const CoxBaseline& b, const Eigen::MatrixXd& var,
                         const Eigen::MatrixXd& x, const std::vector<double>& risk,
                         const std::vector<int>& group, int ngroup, bool se,
                         CoxAdjusted& out, Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int p = b.p;
  const int m = static_cast<int>(risk.size());
  out = CoxAdjusted();
  std::vector<std::vector<int>> rows(ngroup);
  for (int i = 0; i < m; ++i) rows[group[i]].push_back(i);
  Eigen::VectorXd wz(p), g(p);
  for (int gr = 0; gr < ngroup; ++gr) {
    const std::vector<int>& ri = rows[gr];
    const double mi = static_cast<double>(ri.size());
    for (int s = 0; s < b.nstrata; ++s) {
      const int a = b.stratum_start[s], e = b.stratum_start[s + 1];
      out.group.push_back(gr);
      out.stratum.push_back(s);
      out.sizes.push_back(e - a);
      for (int k = a; k < e; ++k) {
        const double lam = b.cumhaz[k];
        double sbar = 0.0, wbar = 0.0;
        wz.setZero();
        for (int i : ri) {
          const double si = std::exp(-risk[i] * lam);
          const double wi = risk[i] * si;
          sbar += si;
          wbar += wi;
          if (se && p > 0) wz.noalias() += wi * x.row(i).transpose();
        }
        sbar /= mi;
        wbar /= mi;
        out.time.push_back(b.time[k]);
        out.n_risk.push_back(b.n_risk[k]);
        out.n_event.push_back(b.n_event[k]);
        out.n_censor.push_back(b.n_censor[k]);
        out.surv.push_back(sbar);
        if (se) {
          double v = wbar * wbar * b.cumvar1[k];
          if (p > 0) {
            g.noalias() = (lam / mi) * wz - wbar * b.cumxbar.col(k);
            v += std::max(g.dot(var * g), 0.0);
          }
          out.cumvar.push_back(sbar > 0.0 ? v / (sbar * sbar)
                                          : std::numeric_limits<double>::quiet_NaN());
        }
        intr.poll(static_cast<std::uint64_t>(ri.size()) * static_cast<std::uint64_t>(p + 1));
      }
    }
  }
}

}  // namespace core
}  // namespace survstep

#endif
