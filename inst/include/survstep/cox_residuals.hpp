// Residuals of a fitted Cox model and the sums the proportional-hazards test
// needs (methods.md section 8; Therneau and Grambsch 2000, ch. 4 and 6;
// Grambsch and Therneau 1994), computed on the prepared data of the fit
// (cox_loglik.hpp / cox_counting.hpp: rows sorted once by the risk-set
// layer, tie blocks, entry order of (start, stop] data).
//
// ============================================================================
// API (namespace survstep::core)
// ============================================================================
//
//   enum CoxResidWhat { cox_resid_martingale = 1, cox_resid_score = 2,
//                       cox_resid_schoenfeld = 4, cox_resid_zph = 8 };
//   struct CoxResiduals        the results (fields below)
//   void cox_residuals(const CoxData& d, const double* beta, CoxTies ties,
//                      int what, CoxResiduals& out,
//                      const double* gtime = nullptr,
//                      Interrupt* interrupt = nullptr);
//        beta in original units (NaN = aliased, counts as 0). One backward
//        sweep over the tie blocks of each stratum; O(n p) (O(n p^2) with
//        cox_resid_zph). Martingale residuals are always computed.
//        gtime (with cox_resid_zph): the centred time transform g(t), one
//        value per row in the caller's order (all rows of a tie block share
//        it; the value of the block's first sorted row is used).
//   void cox_cluster_crossprod(const CoxData& d, const CoxResiduals& r,
//                              const int* cluster, int ncluster,
//                              Eigen::MatrixXd& b, Eigen::VectorXd& total);
//        With u_g = sum over the rows of cluster g (codes 0..ncluster-1 in
//        the caller's order; nullptr = every row its own cluster) of
//        weight_i * score residual_i: b = sum_g u_g u_g', total = sum_g u_g.
//        The robust (Lin-Wei) variance is V b V (V = the model-based
//        variance), the robust score test total' b^- total at beta = init.
//
// Formulas (survival's coxmart, coxscore2 / agscore, coxscho, zph1/zph2; the
// risk set of (start, stop] data holds the rows with start < t <= stop):
//   dLambda_j = (dead weight) / sum_{R_j} w e^eta at each event time;
//   Efron with d tied deaths: d sub-steps r = 0..d-1, denominator
//   sum_R w e^eta - (r/d) sum_D w e^eta, mean death weight, each death
//   charged (1 - r/d) of sub-step r;
//   martingale M_i = status_i - e^{eta_i} int Y_i(t) dLambda(t);
//   score L_i = int (x_i - xbar(t)) dM_i(t);
//   Schoenfeld at a death: x_i - mean over the sub-steps of xbar.
// The integrals are running sums over the backward sweep: a row is charged
// the cumulative sums when it enters the risk set (at its stop time) and
// credited them when it leaves (at its start time, or at the beginning of
// its stratum), as survival's coxscore2.
#ifndef SURVSTEP_CORE_COX_RESIDUALS_HPP
#define SURVSTEP_CORE_COX_RESIDUALS_HPP

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cox_loglik.hpp"
#include "interrupt.hpp"

namespace survstep {
namespace core {

enum CoxResidWhat : int {
  cox_resid_martingale = 1,
  cox_resid_score = 2,
  cox_resid_schoenfeld = 4,
  cox_resid_zph = 8
};

struct CoxResiduals {
  Eigen::VectorXd martingale;        // n, caller's row order (unweighted)
  Eigen::MatrixXd score;             // n x p, caller's row order, original units
  Eigen::MatrixXd schoenfeld;        // nevent x p, deaths in sorted order
                                     // (stratum, time; ties in the caller's order)
  std::vector<int> death_row;        // caller's row of each Schoenfeld row
  std::vector<double> death_time;    // its (timefixed) event time
  std::vector<int> death_stratum;    // its 0-based stratum
  // cox_resid_zph: the score vector and the 2p x 2p information of the
  // model beta + theta g(t) at (beta, theta = 0); the first p elements of
  // zph_u are U(beta) itself (about 0 at the MLE)
  Eigen::VectorXd zph_u;
  Eigen::MatrixXd zph_info;
};

inline void cox_residuals(const CoxData& d, const double* beta, CoxTies ties, int what,
                          CoxResiduals& out, const double* gtime = nullptr,
                          Interrupt* interrupt = nullptr) {
  Interrupt none;
  Interrupt& intr = interrupt ? *interrupt : none;
  const int n = d.n, p = d.p;
  const bool efron = ties == CoxTies::efron;
  const bool want_score = (what & cox_resid_score) != 0 && p > 0;
  const bool want_sch = (what & cox_resid_schoenfeld) != 0;
  const bool want_zph = (what & cox_resid_zph) != 0 && p > 0 && gtime != nullptr;
  const bool need_x = (want_score || want_sch || want_zph) && p > 0;
  using Vec = Eigen::VectorXd;
  using CMap = Eigen::Map<const Vec>;

  Vec bs(p);
  for (int j = 0; j < p; ++j) bs[j] = std::isnan(beta[j]) ? 0.0 : beta[j] / d.scale[j];
  // e^eta and w e^eta per sorted row
  Vec sc(n), risk(n);
  for (int k = 0; k < n; ++k) {
    double eta = d.offset[k];
    if (p > 0) eta += CMap(d.xt.data() + static_cast<std::ptrdiff_t>(k) * p, p).dot(bs);
    sc[k] = std::exp(eta);
    risk[k] = d.weight[k] * sc[k];
  }
  intr.poll(static_cast<std::uint64_t>(n));

  Vec mres = Vec::Zero(n);                           // sorted order
  Eigen::MatrixXd rs;                                // p x n, sorted order
  if (want_score) rs.setZero(p, n);
  const int nsch = want_sch ? d.nevent : 0;
  Eigen::MatrixXd sch;                               // p x nevent, sorted deaths
  std::vector<int> sch_pos;                          // sorted row of each
  if (want_sch) {
    sch.setZero(p, nsch);
    sch_pos.assign(nsch, 0);
  }
  Vec a = Vec::Zero(p), a2(p), xh = Vec::Zero(p), xbar(p), xobs(p), s2(p), xb(p);
  Eigen::MatrixXd cm, cm2, it, i0, i1, i2;
  Vec u0, u1;
  if (want_zph) {
    cm.setZero(p, p);
    cm2.resize(p, p);
    it.resize(p, p);
    i0.setZero(p, p);
    i1.setZero(p, p);
    i2.setZero(p, p);
    u0.setZero(p);
    u1.setZero(p);
  }
  double denom = 0.0, cum = 0.0;
  auto xcol = [&](int k) { return CMap(d.xt.data() + static_cast<std::ptrdiff_t>(k) * p, p); };
  // a row leaves the risk set (or its stratum ends): credit the sums
  auto finish = [&](int k) {
    mres[k] -= sc[k] * cum;
    if (want_score) rs.col(k).noalias() += sc[k] * (xh - xcol(k) * cum);
  };
  auto remove = [&](int k) {
    denom -= risk[k];
    if (need_x) a.noalias() -= risk[k] * xcol(k);
    if (want_zph) cm.noalias() -= risk[k] * xcol(k) * xcol(k).transpose();
  };
  int next_death = nsch;  // Schoenfeld rows are filled from the end
  int eptr = 0;
  int stratum_hi = n;  // one past the last sorted row of the current stratum
  for (int b = d.nblock - 1; b >= 0; --b) {
    const int s = d.block_start[b], e = d.block_start[b + 1];
    const int nd = d.block_ndead[b];
    if (d.block_last[b]) {
      denom = 0.0;
      cum = 0.0;
      if (need_x) {
        a.setZero();
        xh.setZero();
      }
      if (want_zph) cm.setZero();
      stratum_hi = e;
      if (d.counting) eptr = d.entry_bound[d.stratum[s] + 1];
    }
    intr.poll(static_cast<std::uint64_t>(e - s));
    if (d.counting && nd > 0) {
      const int q0 = d.block_entry[b];
      for (int q = q0; q < eptr; ++q) {
        const int k = d.entry[q];
        finish(k);
        remove(k);
      }
      eptr = q0;
      if (d.block_reset[b]) {
        denom = 0.0;
        if (need_x) a.setZero();
        if (want_zph) cm.setZero();
      }
    }
    // the rows of the block enter the risk set: charge the sums so far
    double edenom = 0.0;
    if (nd > 0 && need_x) a2.setZero();
    if (nd > 0 && want_zph) cm2.setZero();
    for (int k = s; k < e; ++k) {
      mres[k] = sc[k] * cum;
      if (want_score) rs.col(k).noalias() = sc[k] * (xcol(k) * cum - xh);
      denom += risk[k];
      if (need_x) a.noalias() += risk[k] * xcol(k);
      if (want_zph) cm.noalias() += risk[k] * xcol(k) * xcol(k).transpose();
      if (d.status[k]) {
        edenom += risk[k];
        if (need_x) a2.noalias() += risk[k] * xcol(k);
        if (want_zph) cm2.noalias() += risk[k] * xcol(k) * xcol(k).transpose();
      }
    }
    if (nd > 0) {
      const double deadwt = d.block_deadwt[b];
      double s1 = 0.0;  // Efron: the part of the hazard the deaths are not charged
      if (want_zph) it.setZero();
      if (!efron || nd == 1) {
        const double hz = deadwt / denom;
        cum += hz;
        if (need_x) {
          xobs = a / denom;
          xh.noalias() += hz * xobs;
        }
        if (want_zph) {
          it.noalias() = hz * cm - (deadwt * xobs) * xobs.transpose();
        }
      } else {
        const double ndd = static_cast<double>(nd);
        const double meanwt = deadwt / ndd;
        if (need_x) {
          s2.setZero();
          xobs.setZero();
        }
        for (int r = 0; r < nd; ++r) {
          const double down = r / ndd;
          const double den = denom - down * edenom;
          const double hz = meanwt / den;
          cum += hz;
          s1 += hz * down;
          if (need_x) {
            xb = (a - down * a2) / den;
            xh.noalias() += hz * xb;
            s2.noalias() += (hz * down) * xb;
            xobs.noalias() += xb / ndd;
          }
          if (want_zph) {
            it.noalias() += hz * (cm - down * cm2) - (meanwt * xb) * xb.transpose();
          }
        }
      }
      const double g = want_zph ? gtime[d.order[s]] : 0.0;
      if (want_zph) {
        i0 += it;
        i1 += g * it;
        i2 += (g * g) * it;
      }
      // the deaths of the block, from the last to the first
      for (int k = e - 1; k >= s; --k) {
        if (!d.status[k]) continue;
        if (efron && nd > 1) {
          mres[k] += sc[k] * s1;
          if (want_score) rs.col(k).noalias() += sc[k] * (xcol(k) * s1 - s2);
        }
        if (want_score) rs.col(k).noalias() += xcol(k) - xobs;
        if (want_zph) {
          const Vec r = xcol(k) - xobs;
          u0.noalias() += d.weight[k] * r;
          u1.noalias() += (g * d.weight[k]) * r;
        }
        if (want_sch) {
          --next_death;
          sch_pos[next_death] = k;
          if (p > 0) sch.col(next_death) = xcol(k) - xobs;
        }
      }
    }
    if (d.block_first[b]) {
      // the stratum ends: every row still in the risk set leaves
      if (d.counting) {
        for (int q = d.entry_bound[d.stratum[s]]; q < eptr; ++q) finish(d.entry[q]);
      } else {
        for (int k = s; k < stratum_hi; ++k) finish(k);
      }
    }
  }

  out.martingale.resize(n);
  for (int k = 0; k < n; ++k) out.martingale[d.order[k]] = d.status[k] + mres[k];
  if (want_score) {
    out.score.resize(n, p);
    for (int j = 0; j < p; ++j) {
      const double sj = d.scale[j];
      for (int k = 0; k < n; ++k) out.score(d.order[k], j) = rs(j, k) / sj;
    }
  } else {
    out.score.resize(0, 0);
  }
  if (want_sch) {
    out.schoenfeld.resize(nsch, p);
    out.death_row.resize(nsch);
    out.death_time.resize(nsch);
    out.death_stratum.resize(nsch);
    for (int q = 0; q < nsch; ++q) {
      const int k = sch_pos[q];
      for (int j = 0; j < p; ++j) out.schoenfeld(q, j) = sch(j, q) / d.scale[j];
      out.death_row[q] = d.order[k];
      out.death_time[q] = d.time[k];
      out.death_stratum[q] = d.stratum[k];
    }
  }
  if (want_zph) {
    out.zph_u.resize(2 * p);
    out.zph_info.resize(2 * p, 2 * p);
    for (int j = 0; j < p; ++j) {
      out.zph_u[j] = u0[j] / d.scale[j];
      out.zph_u[p + j] = u1[j] / d.scale[j];
      for (int i = 0; i < p; ++i) {
        const double f = d.scale[i] * d.scale[j];
        out.zph_info(i, j) = i0(i, j) / f;
        out.zph_info(p + i, j) = out.zph_info(j, p + i) = i1(i, j) / f;
        out.zph_info(p + i, p + j) = i2(i, j) / f;
      }
    }
  }
}

inline void cox_cluster_crossprod(const CoxData& d, const CoxResiduals& r, const int* cluster,
                                  int ncluster, Eigen::MatrixXd& b, Eigen::VectorXd& total) {
  const int n = d.n;
  const int p = static_cast<int>(r.score.cols());
  // weights in the caller's order (d.weight is sorted)
  Eigen::VectorXd w(n);
  for (int k = 0; k < n; ++k) w[d.order[k]] = d.weight[k];
  Eigen::MatrixXd ug;
  if (cluster == nullptr) {
    ug = r.score.array().colwise() * w.array();
  } else {
    ug.setZero(ncluster, p);
    for (int i = 0; i < n; ++i) ug.row(cluster[i]) += w[i] * r.score.row(i);
  }
  b.setZero(p, p);
  b.selfadjointView<Eigen::Lower>().rankUpdate(ug.transpose());
  b.triangularView<Eigen::StrictlyUpper>() = b.transpose();
  total = ug.colwise().sum().transpose();
}

}  // namespace core
}  // namespace survstep

#endif
