// Reconstruction of the synthetic 36-patient cohort of Du et al. (2015),
// "Aggressive locoregional treatment improves the outcome of liver metastases
// from grade 3 gastroenteropancreatic neuroendocrine tumors", Medicine
// 94(34):e1429, from its published summary statistics.
//
// The cohort is SYNTHETIC. Hard constraints (every count the paper prints)
// hold by construction: a feasible cohort is built first and every move of
// the search preserves every count (values are swapped between patients,
// continuous values are jittered inside the class that fixes their derived
// indicator); moves that would break a structural rule (follow-up range,
// "nobody without surgery and NSLRI followed to 60 months", the two patients
// the text describes) are rejected by feasible(). Soft targets (medians, CIs,
// survival rates, log-rank p-values, Cox hazard ratios, Table 1 means and
// SDs, the stepwise selection) are approached by simulated annealing on the
// weighted loss documented at make_targets() and target_loss().
//
// Every statistical computation goes through the adapter in namespace
// `engine` below, so that changes in the engines' APIs stay local.
//
// This is research code of the compendium analysis/du2015/ (see its
// README.md), not part of the survstep library: it compiles against
// survstep's published core headers (inst/include/survstep/, on the include
// path of any code that declares `LinkingTo: survstep` or
// `// [[Rcpp::depends(survstep)]]`).
#ifndef DU2015_G3NELM_SEARCH_HPP
#define DU2015_G3NELM_SEARCH_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <survstep/cox_loglik.hpp>
#include <survstep/cox_newton.hpp>
#include <survstep/distributions.hpp>
#include <survstep/km.hpp>
#include <survstep/logrank.hpp>
#include <survstep/stepwise.hpp>
#include <vector>

namespace du2015 {
namespace g3nelm {

constexpr int kN = 36;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------
// Data model. Continuous values live on integer grids (exact, deterministic):
// albumin in 0.1 g/L, bilirubin in 0.01 mg/dL, prothrombin time in 0.1 s,
// tumour burdens in 0.1 cm (= mm), sizes in mm, age in years, Ki-67 in %,
// time in whole months (the paper's SPSS medians are all whole months).

enum Site {
  kPancreas = 0,
  kStomach,
  kSmallBowel,
  kColon,
  kEsophagus,
  kGallBladder,
  kRectum
};
enum SurgerySite { kSurgNone = 0, kSurgPrimary, kSurgHepatic, kSurgBoth };
enum Strategy { kStOnly = 0, kLtThenSt, kLtOnly, kBsc };
enum Relief { kReliefNA = -1, kReliefNone = 0, kReliefPartial = 1, kReliefComplete = 2 };

struct Patient {
  int center = 0;  // 0 PUMCH, 1 CICAMS, 2 SYSUCC
  int male = 0;
  int age = 54;
  int symptomatic = 1;
  int child_b = 0;
  int albumin10 = 400;
  int bili100 = 90;
  int pt10 = 117;
  int ascites = 0;
  int site = kStomach;
  int primary_mm = 44;
  int mets_gt3 = 1;
  int largest_mm = 29;
  int synchronous = 1;
  int extrahepatic = 0;
  int ki67 = 54;
  int surgery_site = kSurgNone;
  int nslri = 0;
  int rfa = 0;             // assigned after the search (loss-neutral)
  int intra_arterial = 0;  // assigned after the search (loss-neutral)
  int st = 0;
  int initial10 = 80;      // sum of diameters at presentation, 0.1 cm
  int remnant10 = 80;      // sum of diameters after the major treatment, 0.1 cm
  int relief = kReliefNA;  // assigned after the search (loss-neutral)
  int time = 12;
  int status = 1;
};

using Cohort = std::array<Patient, kN>;

// Derived indicators (the rules documented in g3nelm()).
inline int low_albumin(const Patient& p) {
  return p.albumin10 < 350 ? 1 : 0;
}  // < 35 g/L
inline int high_bili(const Patient& p) { return p.bili100 > 110 ? 1 : 0; }  // > 1.1 mg/dL
inline int ki67_high(const Patient& p) { return p.ki67 >= 55 ? 1 : 0; }     // >= 55 %
inline int high_initial(const Patient& p) { return p.initial10 > 50 ? 1 : 0; }  // > 5 cm
inline int high_remnant(const Patient& p) { return p.remnant10 > 50 ? 1 : 0; }  // > 5 cm
inline int surgery(const Patient& p) { return p.surgery_site != kSurgNone ? 1 : 0; }
inline int lt(const Patient& p) { return (surgery(p) || p.nslri) ? 1 : 0; }
inline int pancreatic(const Patient& p) { return p.site == kPancreas ? 1 : 0; }
inline int strategy(const Patient& p) {
  if (lt(p)) return p.st ? kLtThenSt : kLtOnly;
  return p.st ? kStOnly : kBsc;
}

// ---------------------------------------------------------------------------
// Hard constraints.

struct Counts {
  int male = 26, symptomatic = 31, child_b = 10, ascites = 4, pancreas = 12;
  std::array<int, 7> sites{{12, 7, 5, 4, 3, 3, 2}};
  std::array<int, 3> centers{{16, 15, 5}};
  int mets_gt3 = 30, synchronous = 25, extrahepatic = 8;
  int low_albumin = 10, high_bili = 8;
  std::array<int, 4> surgery_sites{{10, 16, 5, 5}};  // none, primary, hepatic, both
  int rfa = 3, intra_arterial = 9, nslri = 11, st = 22, lt = 28;
  int surg_nslri = 9, nslri_only = 2;
  std::array<int, 4> strategies{{6, 16, 12, 2}};  // ST only, LT then ST, LT only, BSC
  int deaths = 23, time_min = 2, time_max = 101;
  // Symptom relief. LT: the text says 20 of 23 symptomatic LT patients were
  // relieved, "complete (n = 7) or partial (n = 16)"; 7 + 16 = 23 contradicts
  // 20. We keep 20 relieved (printed twice) and 7 complete, so partial = 13.
  int lt_complete = 7, lt_partial = 13, lt_none = 3;
  int cons_partial = 3, cons_none = 5;
};

// Value domains of the continuous variables (per class where a class count
// is fixed). Ranges printed by the paper are honoured: decreased albumin
// 28-35 g/L (28.0 is the smallest, the largest low value 34.5-34.9 prints as
// 35); increased bilirubin from 1.12 mg/dL (the printed maximum 16.6 cannot
// coexist with Table 1's SD 0.59 and is not honoured).
struct Domains {
  int age_lo = 25, age_hi = 80;
  int alb_low_lo = 280, alb_low_hi = 349, alb_norm_lo = 350, alb_norm_hi = 500;
  int bili_norm_lo = 30, bili_norm_hi = 110, bili_high_lo = 112, bili_high_hi = 450;
  int pt_lo = 100, pt_hi = 140;
  int primary_lo = 10, primary_hi = 110;
  int largest_lo = 5, largest_hi = 130;
  int ki67_lo = 21, ki67_hi = 95;
  int burden_hi = 300;
  int time_lo = 2, time_hi = 101;
  int min_censored = 12;
};

// The two patients the text describes (indices 0 and 1 of every cohort):
// A: "a 61-year-old man receiving distal pancreatectomy with splenectomy ...
//    still alive 31 months after the operation";
// B: "a 53-year-old woman, cholecystectomy and left hemihepatectomy ...
//    died 7 months after the operation".
constexpr int kPatientA = 0;
constexpr int kPatientB = 1;

// The two described patients' attributes.
inline bool is_patient_a(const Patient& a) {
  return a.male && a.age == 61 && a.site == kPancreas &&
         (a.surgery_site == kSurgPrimary || a.surgery_site == kSurgBoth) &&
         a.status == 0 && a.time >= 31;
}
inline bool is_patient_b(const Patient& b) {
  return !b.male && b.age == 53 && b.site == kGallBladder &&
         b.surgery_site == kSurgBoth && b.status == 1 && b.time >= 7;
}

// Structural rules that moves may break (counts cannot: moves swap values).
inline bool structural_ok(const Cohort& c) {
  const Domains dom;
  int tmin = 1000, tmax = -1;
  int alb_low_min = 1000, alb_low_max = -1, bili_high_min = 1000;
  bool lt_only_death_101 = false, lt_only_alive_101 = false, st_at_60 = false;
  // Last death and last censoring without surgery and without NSLRI.
  int nosurg_death = -1, nosurg_cens = -1, nonslri_death = -1, nonslri_cens = -1;
  for (int i = 0; i < kN; ++i) {
    const Patient& p = c[i];
    if (!surgery(p)) {
      int& m = p.status ? nosurg_death : nosurg_cens;
      m = std::max(m, p.time);
    }
    if (!p.nslri) {
      int& m = p.status ? nonslri_death : nonslri_cens;
      m = std::max(m, p.time);
    }
    tmin = std::min(tmin, p.time);
    tmax = std::max(tmax, p.time);
    if (p.st && p.time >= 60) st_at_60 = true;
    if (p.time == dom.time_hi && strategy(p) == kLtOnly) {
      if (p.status)
        lt_only_death_101 = true;
      else
        lt_only_alive_101 = true;
    }
    // Table 2 prints "/" for the 5-year survival without surgery and without
    // NSLRI: nobody outside surgery + NSLRI is followed to 60 months.
    if (p.time >= 60 && !(surgery(p) && p.nslri)) return false;
    // Patients were identified until January 2014 and the paper was
    // submitted in June 2015: survivors were followed at least ~12 months.
    if (!p.status && p.time < dom.min_censored) return false;
    // The eight conservatively treated patients were all symptomatic.
    if (!lt(p) && !p.symptomatic) return false;
    // Sum of diameters includes the primary and the largest metastasis.
    if (p.initial10 < p.primary_mm + p.largest_mm) return false;
    if (p.remnant10 > p.initial10 || p.remnant10 < 0) return false;
    if (low_albumin(p)) {
      alb_low_min = std::min(alb_low_min, p.albumin10);
      alb_low_max = std::max(alb_low_max, p.albumin10);
    }
    if (high_bili(p)) bili_high_min = std::min(bili_high_min, p.bili100);
  }
  if (tmin != dom.time_lo || tmax != dom.time_hi) return false;
  // Figure 1A: the LT-only median is 101 months = the longest follow-up, so
  // an LT-only patient died at 101 months; its 95% CI (0-210.2) has a finite,
  // non-zero SE, so the curve does not drop to 0 then: another LT-only
  // patient was still at risk (alive) at 101 months.
  if (!lt_only_death_101 || !lt_only_alive_101) return false;
  // The "/" of Table 2 (5-year survival not calculable without surgery and
  // without NSLRI; SPSS would print 0 had the curve reached 0): those curves
  // end above 0, i.e. someone is censored at or after the last death.
  if (nosurg_cens < nosurg_death || nonslri_cens < nonslri_death) return false;
  // Table 2 gives a 5-year survival (14.1%) for ST: an ST patient (who must
  // have had surgery + NSLRI) was followed to 60 months.
  if (!st_at_60) return false;
  if (alb_low_min != dom.alb_low_lo || alb_low_max < 345) return false;
  if (bili_high_min != dom.bili_high_lo) return false;
  return true;
}

// During the search the described patients are rows kPatientA and kPatientB.
inline bool feasible(const Cohort& c) {
  return structural_ok(c) && is_patient_a(c[kPatientA]) && is_patient_b(c[kPatientB]);
}

// Checks every count; returns an empty string when all hold, else the first
// violated count (used by tests and the script's report).
inline std::string check_counts(const Cohort& c) {
  const Counts k;
  std::array<int, 7> sites{};
  std::array<int, 3> centers{};
  std::array<int, 4> ss{}, strat{};
  int male = 0, sym = 0, cb = 0, asc = 0, gt3 = 0, syn = 0, ehm = 0, la = 0, hb = 0;
  int rfa = 0, ia = 0, ns = 0, st = 0, ltn = 0, sn = 0, nso = 0, deaths = 0;
  int ltc = 0, ltp = 0, ltno = 0, cp = 0, cno = 0, cc = 0;
  for (const Patient& p : c) {
    if (p.site < 0 || p.site > 6 || p.center < 0 || p.center > 2) return "codes";
    sites[p.site]++;
    centers[p.center]++;
    ss[p.surgery_site]++;
    strat[strategy(p)]++;
    male += p.male;
    sym += p.symptomatic;
    cb += p.child_b;
    asc += p.ascites;
    gt3 += p.mets_gt3;
    syn += p.synchronous;
    ehm += p.extrahepatic;
    la += low_albumin(p);
    hb += high_bili(p);
    rfa += p.rfa;
    ia += p.intra_arterial;
    ns += p.nslri;
    if (p.nslri != ((p.rfa || p.intra_arterial) ? 1 : 0))
      return "nslri = rfa | intra_arterial";
    st += p.st;
    ltn += lt(p);
    sn += surgery(p) && p.nslri;
    nso += !surgery(p) && p.nslri;
    deaths += p.status;
    if (p.symptomatic == (p.relief == kReliefNA)) return "relief NA iff asymptomatic";
    if (p.symptomatic && lt(p)) {
      ltc += p.relief == kReliefComplete;
      ltp += p.relief == kReliefPartial;
      ltno += p.relief == kReliefNone;
    } else if (p.symptomatic) {
      cc += p.relief == kReliefComplete;
      cp += p.relief == kReliefPartial;
      cno += p.relief == kReliefNone;
    }
  }
  if (sites != k.sites) return "primary sites";
  if (centers != k.centers) return "centres";
  if (ss != k.surgery_sites) return "surgery sites";
  if (strat != k.strategies) return "strategies";
  if (male != k.male) return "sex";
  if (sym != k.symptomatic) return "symptoms";
  if (cb != k.child_b) return "Child-Pugh";
  if (asc != k.ascites) return "ascites";
  if (gt3 != k.mets_gt3) return "liver metastases > 3";
  if (syn != k.synchronous) return "synchronous";
  if (ehm != k.extrahepatic) return "extrahepatic";
  if (la != k.low_albumin) return "low albumin";
  if (hb != k.high_bili) return "high bilirubin";
  if (rfa != k.rfa || ia != k.intra_arterial || ns != k.nslri) return "NSLRI";
  if (st != k.st || ltn != k.lt) return "ST / LT";
  if (sn != k.surg_nslri || nso != k.nslri_only) return "surgery x NSLRI";
  if (deaths != k.deaths) return "deaths";
  if (ltc != k.lt_complete || ltp != k.lt_partial || ltno != k.lt_none)
    return "LT relief";
  if (cc != 0 || cp != k.cons_partial || cno != k.cons_none) return "conservative relief";
  if (!structural_ok(c)) return "structural rules";
  bool has_a = false, has_b = false;
  for (const Patient& p : c) {
    has_a = has_a || is_patient_a(p);
    has_b = has_b || is_patient_b(p);
  }
  if (!has_a || !has_b) return "the two patients described in the text";
  return std::string();
}

// ---------------------------------------------------------------------------
// Engine adapter: the only place the loss touches the statistical engines.

namespace engine {

using namespace survstep::core;  // the engines the loss calls

// Chi-square upper tail in closed form for 1 and 2 df (all the loss needs;
// equal to logrank_p_value() / chisq_upper() to rounding), else Boost.
inline double chisq_p(double x, int df) {
  if (std::isnan(x)) return kNaN;
  if (x <= 0.0) return 1.0;
  if (df == 1) return std::erfc(std::sqrt(0.5 * x));
  if (df == 2) return std::exp(-0.5 * x);
  return chisq_upper(x, df);
}
// Two-sided normal p-value.
inline double wald_p(double z) {
  if (std::isnan(z)) return kNaN;
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

// Times and statuses of the whole cohort.
struct SurvData {
  std::array<double, kN> time{};
  std::array<int, kN> status{};
};

inline void prepare(const Cohort& c, SurvData& d) {
  for (int i = 0; i < kN; ++i) {
    d.time[i] = c[i].time;
    d.status[i] = c[i].status;
  }
}

constexpr int kMaxP = 6;

// Design matrix for the Cox engine: kN rows, p <= kMaxP columns,
// column-major (CoxInput's layout).
struct Design {
  int p = 0;
  std::array<double, kN * kMaxP> x{};
  double& operator()(int i, int j) { return x[j * kN + i]; }
  double operator()(int i, int j) const { return x[j * kN + i]; }
};

// Workspaces of the engines, reused across calls (no allocation once grown).
struct Context {
  KmCurves curves;
  KmWork km_work;
  std::array<int, kN> group{};
  LogrankOptions lr_opt;
  LogrankWorkspace lr_ws;
  LogrankResult lr_res;
  std::array<double, kN> sub_time{};
  std::array<int, kN> sub_status{}, sub_group{};
  CoxControl cox_ctl;
  CoxData cox_data, cox_sub;
  CoxWork cox_work;
  CoxEval cox_eval;
  CoxFitResult cox_res;
  Context() { lr_opt.timefix = false; }  // whole months: no near-ties to merge
};

// Kaplan-Meier summary of one group: SPSS median with Collett's SE and the
// literal 1.96 (lower bound truncated at 0), survival at 12/36/60 months (NaN
// after the group's last follow-up unless S is already 0), the survival at
// the group's last time.
struct KmSummary {
  double median = kNaN, se = kNaN, lower = kNaN, upper = kNaN;
  std::array<double, 3> surv{{kNaN, kNaN, kNaN}};  // 12, 36, 60 months
  double s_end = 1.0;
};

// Summaries of the curves of groups 0..n_groups-1 (group < 0: left out).
inline void km_groups(Context& ctx, const SurvData& d, const std::array<int, kN>& group,
                      int n_groups, KmSummary* out) {
  for (int i = 0; i < kN; ++i) ctx.group[i] = group[i] < 0 ? n_groups : group[i];
  km_fit(d.time.data(), d.status.data(), nullptr, ctx.group.data(), kN, n_groups + 1, 0.0,
         false, ctx.curves, ctx.km_work);
  const std::array<double, 3> at{{12.0, 36.0, 60.0}};
  for (int g = 0; g < n_groups; ++g) {
    const KmView v = ctx.curves.curve(g);
    KmSummary& o = out[g];
    o = KmSummary();
    if (v.size == 0) continue;
    const KmQuantile q = km_quantile_spss(v, 0.5, true, 1.96);
    o.median = q.estimate;
    o.se = q.std_error;
    o.lower = q.lower;
    o.upper = q.upper;
    for (int j = 0; j < 3; ++j) o.surv[j] = km_at(v, at[j]).surv;
    o.s_end = v.surv[v.size - 1];
  }
}

// Median follow-up: reverse Kaplan-Meier (a death tied with a censoring is
// not at risk of censoring then), median by the rule of followup_median().
inline double followup_median(Context& ctx, const SurvData& d) {
  ctx.curves.clear();
  km_single(d.time.data(), d.status.data(), nullptr, kN, ctx.curves, ctx.km_work, true);
  return km_quantile_survival(ctx.curves.curve(0), 0.5, 1.959963984540054, ConfType::log)
      .estimate;
}

// Log-rank (Mantel-Cox) p-value over groups 0..k-1; group < 0 leaves a
// patient out. NaN when the test is undefined.
inline double logrank_p(Context& ctx, const SurvData& d, const std::array<int, kN>& group,
                        int k) {
  int n = 0;
  for (int i = 0; i < kN; ++i) {
    if (group[i] < 0) continue;
    ctx.sub_time[n] = d.time[i];
    ctx.sub_status[n] = d.status[i];
    ctx.sub_group[n] = group[i];
    ++n;
  }
  const LogrankStatus st = logrank_test(
      ctx.sub_time.data(), ctx.sub_status.data(), ctx.sub_group.data(), nullptr,
      static_cast<std::size_t>(n), k, 1, ctx.lr_opt, ctx.lr_ws, ctx.lr_res);
  if (st != LogrankStatus::ok || ctx.lr_res.df < 1) return kNaN;
  return chisq_p(ctx.lr_res.statistic, ctx.lr_res.df);
}

struct CoxFit {
  int p = 0;
  std::array<double, kMaxP> beta{}, se{};
  double loglik = kNaN, loglik0 = kNaN;  // at the estimate and at beta = 0
  bool ok = false;  // clean fit: converged, no aliased or infinite coefficient
};

inline CoxFit fit_from_result(const CoxFitResult& r, int p) {
  CoxFit f;
  f.p = p;
  f.loglik = r.loglik;
  f.loglik0 = r.loglik_init;
  const int bad = cox_fit_not_converged | cox_fit_singular | cox_fit_infinite |
                  cox_fit_nonfinite_init | cox_fit_bad_input;
  bool ok = (r.status & bad) == 0 && r.converged;
  for (int j = 0; j < p && j < static_cast<int>(r.beta.size()); ++j) {
    f.beta[j] = r.beta[j];
    f.se[j] = r.var.rows() > j ? std::sqrt(r.var(j, j)) : kNaN;
    ok = ok && std::isfinite(f.beta[j]) && std::isfinite(f.se[j]) && f.se[j] > 0.0 &&
         std::fabs(f.beta[j]) < 8.0;
  }
  f.ok = ok;
  return f;
}

inline bool cox_prepare(Context& ctx, const SurvData& d, const Design& x, CoxData& out) {
  CoxInput in;
  in.n = kN;
  in.p = x.p;
  in.x = x.x.data();
  in.time = d.time.data();
  in.status = d.status.data();
  return cox_data_build(in, out) == cox_data_ok;
}

// Breslow-ties Cox fit by Newton-Raphson as coxph.fit, from 0 or from
// `init` (a warm start during the search; the estimate is the same to the
// convergence tolerance). loglik0, the log partial likelihood at 0, is
// computed only when `want_loglik0`.
inline CoxFit cox_breslow(Context& ctx, const SurvData& d, const Design& x,
                          const double* init = nullptr, bool want_loglik0 = false) {
  if (!cox_prepare(ctx, d, x, ctx.cox_data)) return CoxFit();
  cox_fit(ctx.cox_data, CoxTies::breslow, ctx.cox_ctl, init, ctx.cox_res, ctx.cox_work);
  CoxFit f = fit_from_result(ctx.cox_res, x.p);
  if (init != nullptr) {
    f.loglik0 = want_loglik0 ? cox_evaluate(ctx.cox_data, nullptr, CoxTies::breslow,
                                            cox_what_loglik, ctx.cox_work, ctx.cox_eval)
                             : kNaN;
  }
  return f;
}

// Score test p-value for adding the last column of x to the model `fit` of
// the other columns, at (b_fit, 0) (1 df; coxph(init = c(b, 0), iter.max =
// 0)$score).
inline double score_p_at(Context& ctx, const SurvData& d, const Design& x,
                         const CoxFit& fit) {
  if (!cox_prepare(ctx, d, x, ctx.cox_data)) return kNaN;
  std::array<double, kMaxP> beta{};
  for (int j = 0; j < x.p - 1; ++j) beta[j] = fit.beta[j];
  const double stat = cox_score_test(ctx.cox_data, beta.data(), CoxTies::breslow,
                                     ctx.cox_ctl.toler_chol, ctx.cox_work);
  return chisq_p(stat, 1);
}

// Forward stepwise selection as SPSS COXREG FSTEP(WALD) over the columns of
// x, one term each (score entry at (b_M, 0), Wald removal, Breslow ties).
struct Stepwise {
  unsigned selected = 0;                // bit mask of the selected columns
  std::array<double, kMaxP> score_p{};  // p to enter the final model (NaN: in it)
  bool ok = false;
};

inline Stepwise forward_stepwise_wald(Context& ctx, const SurvData& d, const Design& x,
                                      double pin, double pout) {
  Stepwise out;
  out.score_p.fill(kNaN);
  if (!cox_prepare(ctx, d, x, ctx.cox_data)) return out;
  StepwiseSpec spec;
  for (int j = 0; j < x.p; ++j) {
    spec.term_cols.push_back(std::vector<int>{j});
    spec.forced.push_back(false);
  }
  spec.direction = StepDirection::forward;
  spec.removal = RemovalTest::wald;
  spec.p_enter = pin;
  spec.p_remove = pout;
  CoxStepEngine eng(ctx.cox_data, CoxTies::breslow, ctx.cox_ctl);
  const StepwiseResult res = stepwise_select(eng, spec);
  for (int t : res.model) out.selected |= 1u << t;
  for (const ScoreRow& r : res.not_in_model)
    if (r.term >= 0 && r.term < kMaxP) out.score_p[r.term] = r.p_value;
  const int bad = cox_fit_not_converged | cox_fit_singular | cox_fit_infinite |
                  cox_fit_nonfinite_init;
  out.ok = (res.fit_status & bad) == 0;
  return out;
}

}  // namespace engine

// ---------------------------------------------------------------------------
// Targets and loss.
//
// Each target has a kind (how its error and pass/fail are computed), a
// tolerance `tol` (the pass criterion of issue 4 for required targets), a
// loss scale `scale` and a weight `w`. Its loss is
//
//   w * (z^2 + 10 * max(0, z - 0.9 tol / scale)^2),   z = |error| / scale,
//
// so a target inside its tolerance costs at most about w (tol / scale)^2 and
// one outside is pushed back hard; beyond z = 10, z is replaced by
// 10 + 10 log(z / 10) so that no single far-off target swamps the rest.
// Errors: absolute for medians, CI bounds, survival percentages, follow-up,
// Table 1 means/SDs; log ratios for hazard ratios and p-values. A p-value on
// the wrong side of 0.05 (with a 10% margin) adds
// w * (4 + 10 * (log(p / 0.05) / log 1.6)^2); for p-values where only the
// side is required (Table 3), the ratio term has no hinge. "Not reached"
// costs w * (max(0, 0.55 - S_end) / 0.05)^2, times 11 for a required one
// when S_end <= 0.5. A median that is reached nowhere though a number is
// published costs as z = 3 + 10 (S_end - 0.5). The selection target costs w
// when the stepwise selection differs from the published one. The total loss
// is the sum over targets. Weights: medians 4, CI bounds 1, overall survival
// 6, group survival 1 (0.02 for the three rates that contradict a median),
// log-rank p 3, univariable HR 3 and p 1 (CI bounds 0.15), selection 40,
// multivariable HR 4, Table 1 means/SDs 2, extras 0.1-1.

enum Kind {
  kAbs = 0,  // |r - v| <= tol
  kRel,      // |log(r / v)| <= tol (tol on the log scale)
  kP,        // |log(r / v)| <= tol and the same side of 0.05 as v
  kPSide,    // same side of 0.05 as v (tol only shapes the loss)
  kNR,       // median not reached: S after the last event > 0.5
  kNA,       // "could not be calculated": r is NaN (holds by construction)
  kSel,      // the stepwise selection equals the published one (r = 1)
  kPBelow,   // r < v
  kPenalty   // r == 0 (plausibility penalty, r = the penalty)
};

enum Block {
  kBlkOverall = 0,
  kBlkSurgery,
  kBlkNslri,
  kBlkSt,
  kBlkStrategy,
  kBlkF1b,
  kBlkPrimary,
  kBlkBili,
  kBlkRemnant,
  kBlkUv0,  // 19 univariable blocks follow
  kBlkMv = kBlkUv0 + 19,
  kBlkAssoc,
  kBlkT1Age,
  kBlkT1Alb,
  kBlkT1Bili,
  kBlkT1Pt,
  kBlkT1Psize,
  kBlkT1Lsize,
  kBlkT1Ki67,
  kBlkPlaus,
  kNumBlocks
};

// Fields a move can touch (bit mask), and which fields each block reads.
enum Field : unsigned {
  fTime = 1u << 0,
  fMale = 1u << 1,
  fAge = 1u << 2,
  fSympt = 1u << 3,
  fChild = 1u << 4,
  fAlb = 1u << 5,
  fBili = 1u << 6,
  fPt = 1u << 7,
  fAsc = 1u << 8,
  fSite = 1u << 9,
  fPsize = 1u << 10,
  fGt3 = 1u << 11,
  fLsize = 1u << 12,
  fSync = 1u << 13,
  fEhm = 1u << 14,
  fKi67 = 1u << 15,
  fSurg = 1u << 16,
  fNslri = 1u << 17,
  fSt = 1u << 18,
  fInit = 1u << 19,
  fRem = 1u << 20,
  fSurgSite = 1u << 21,
  fAll = (1u << 22) - 1
};

struct Target {
  std::string id;
  int block;
  int kind;
  double value;  // published
  double tol, scale, w;
  bool required;  // one of issue 4's "targets the shipped cohort must meet"
  std::string label;
};

// Univariable Cox covariates of Table 3, in order.
struct UvSpec {
  const char* id;
  unsigned field;
  double hr, lo, hi, p;
};

inline const std::array<UvSpec, 19>& uv_specs() {
  static const std::array<UvSpec, 19> specs{{
      {"uv_male", fMale, 0.54, 0.20, 1.48, 0.230},
      {"uv_age", fAge, 1.00, 0.97, 1.02, 0.796},
      {"uv_symptomatic", fSympt, 0.57, 0.17, 1.92, 0.361},
      {"uv_pancreatic", fSite, 0.30, 0.12, 0.78, 0.013},
      {"uv_scm", fSync, 1.37, 0.56, 3.37, 0.498},
      {"uv_ehm", fEhm, 0.68, 0.26, 1.75, 0.424},
      {"uv_lesions_gt3", fGt3, 3.13, 0.73, 13.5, 0.126},
      {"uv_child_b", fChild, 1.33, 0.17, 10.3, 0.784},
      {"uv_low_albumin", fAlb, 0.79, 0.31, 2.03, 0.626},
      {"uv_high_bilirubin", fBili, 2.69, 1.07, 6.76, 0.049},
      {"uv_ascites", fAsc, 0.79, 0.18, 3.40, 0.753},
      {"uv_ki67", fKi67, 2.67, 0.78, 9.11, 0.118},
      {"uv_primary_size", fPsize, 0.94, 0.76, 1.17, 0.578},
      {"uv_hepatic_size", fLsize, 0.98, 0.85, 1.14, 0.818},
      {"uv_resection", fSurg, 0.37, 0.15, 0.93, 0.034},
      {"uv_nslri", fNslri, 0.21, 0.06, 0.73, 0.014},
      {"uv_st", fSt, 2.33, 0.91, 6.00, 0.078},
      {"uv_initial_burden", fInit, 0.91, 0.39, 2.15, 0.838},
      {"uv_remnant_burden", fRem, 3.40, 1.38, 8.34, 0.008},
  }};
  return specs;
}

// The covariate value of univariable term k for patient p (Table 3 coding:
// binaries 1 = the named level; age per year; sizes per cm).
inline double uv_value(int k, const Patient& p) {
  switch (k) {
    case 0:
      return p.male;
    case 1:
      return p.age;
    case 2:
      return p.symptomatic;
    case 3:
      return pancreatic(p);
    case 4:
      return p.synchronous;
    case 5:
      return p.extrahepatic;
    case 6:
      return p.mets_gt3;
    case 7:
      return p.child_b;
    case 8:
      return low_albumin(p);
    case 9:
      return high_bili(p);
    case 10:
      return p.ascites;
    case 11:
      return ki67_high(p);
    case 12:
      return p.primary_mm / 10.0;
    case 13:
      return p.largest_mm / 10.0;
    case 14:
      return surgery(p);
    case 15:
      return p.nslri;
    case 16:
      return p.st;
    case 17:
      return high_initial(p);
    default:
      return high_remnant(p);
  }
}

inline unsigned block_fields(int b) {
  switch (b) {
    case kBlkOverall:
      return fTime;
    case kBlkSurgery:
      return fTime | fSurg;
    case kBlkNslri:
      return fTime | fNslri;
    case kBlkSt:
      return fTime | fSt;
    case kBlkStrategy:
      return fTime | fSurg | fNslri | fSt;
    case kBlkF1b:
      return fTime | fSurg | fNslri;
    case kBlkPrimary:
      return fTime | fSite;
    case kBlkBili:
      return fTime | fBili;
    case kBlkRemnant:
      return fTime | fRem;
    case kBlkMv:
      return fTime | fSite | fBili | fSurg | fNslri | fRem;
    case kBlkAssoc:
      return fSurg | fNslri | fRem;
    case kBlkT1Age:
      return fAge;
    case kBlkT1Alb:
      return fAlb;
    case kBlkT1Bili:
      return fBili;
    case kBlkT1Pt:
      return fPt;
    case kBlkT1Psize:
      return fPsize;
    case kBlkT1Lsize:
      return fLsize;
    case kBlkT1Ki67:
      return fKi67;
    case kBlkPlaus:
      return fSurg | fSurgSite | fNslri | fSt | fPsize | fLsize | fInit | fRem;
    default:
      return fTime | uv_specs()[b - kBlkUv0].field;
  }
}

// The target table. Published values are those of du2015-targets.csv (the
// test checks that they agree); extra ids (suffixes _lo/_hi/_p, mv_selected,
// assoc_*, *_p50, plausibility) are derived from the same paper.
inline std::vector<Target> make_targets() {
  std::vector<Target> t;
  const double l16 = std::log(1.6), l15 = std::log(1.15), l10 = std::log(1.10);
  auto add = [&](const std::string& id, int blk, int kind, double v, double tol,
                 double scale, double w, bool req, const std::string& label) {
    t.push_back(Target{id, blk, kind, v, tol, scale, w, req, label});
  };
  auto ci_tol = [](double v) { return std::max(3.0, 0.05 * std::fabs(v)); };
  // Median (SPSS) with its CI, required.
  auto median = [&](const std::string& id, int blk, double v, double lo, double hi,
                    const std::string& label) {
    add(id, blk, kAbs, v, 1.0, 1.0, 4.0, true, label + ": median (months)");
    if (!std::isnan(lo)) {
      add(id + "_lo", blk, kAbs, lo, ci_tol(lo), ci_tol(lo), 1.0, true,
          label + ": median 95% CI lower");
      add(id + "_hi", blk, kAbs, hi, ci_tol(hi), ci_tol(hi), 1.0, true,
          label + ": median 95% CI upper");
    }
  };
  auto rates = [&](const std::string& pre, int blk, double s12, double s36, double s60,
                   const std::string& label, int exempt) {
    const std::array<double, 3> v{{s12, s36, s60}};
    const std::array<const char*, 3> suf{{"_s12", "_s36", "_s60"}};
    const std::array<const char*, 3> yr{{"1-year", "3-year", "5-year"}};
    for (int j = 0; j < 3; ++j) {
      const std::string id = pre + suf[j];
      if (std::isnan(v[j])) {
        add(id, blk, kNA, kNaN, 0, 1, 2.0, true,
            label + ": " + yr[j] + " survival (%), not calculable");
      } else {
        const bool ex = (exempt >> j) & 1;
        add(id, blk, kAbs, v[j], 10.0, 5.0, ex ? 0.02 : 1.0, !ex,
            label + ": " + yr[j] + " survival (%)" +
                (ex ? " [contradicts the median]" : ""));
      }
    }
  };
  auto logrank = [&](const std::string& id, int blk, double v, const std::string& label) {
    add(id, blk, kP, v, l16, l16, 3.0, true, label + ": log-rank p");
  };

  // Overall.
  median("os_median", kBlkOverall, 20.0, 8.9, 31.1, "All patients");
  add("os_s12", kBlkOverall, kAbs, 62.6, 2.0, 1.5, 6.0, true,
      "All patients: 1-year survival (%)");
  add("os_s36", kBlkOverall, kAbs, 30.1, 2.0, 1.5, 6.0, true,
      "All patients: 3-year survival (%)");
  add("os_s60", kBlkOverall, kAbs, 19.8, 2.0, 1.5, 6.0, true,
      "All patients: 5-year survival (%)");
  add("fu_median", kBlkOverall, kAbs, 36.0, 3.0, 2.0, 2.0, true,
      "Median follow-up, reverse Kaplan-Meier (months)");

  // Table 2.
  median("t2_surgery_median", kBlkSurgery, 28.0, 15.1, 40.9, "Surgery");
  rates("t2_surgery", kBlkSurgery, 72.1, 34.2, 23.2, "Surgery", 0);
  median("t2_nosurgery_median", kBlkSurgery, 9.0, 0.0, 22.4, "No surgery");
  rates("t2_nosurgery", kBlkSurgery, 50.4, 12.5, kNaN, "No surgery", 1);
  logrank("t2_surgery_p", kBlkSurgery, 0.026, "Surgery vs none");

  add("t2_nslri_median", kBlkNslri, kNR, kNaN, 0, 1, 0.5, false,
      "NSLRI: median not reached (>101)");
  rates("t2_nslri", kBlkNslri, 77.5, 42.5, 27.2, "NSLRI", 2 | 4);
  median("t2_nonslri_median", kBlkNslri, 15.0, 1.2, 28.8, "No NSLRI");
  rates("t2_nonslri", kBlkNslri, 51.7, 22.6, kNaN, "No NSLRI", 0);
  logrank("t2_nslri_p", kBlkNslri, 0.007, "NSLRI vs none");

  median("t2_st_median", kBlkSt, 15.0, 6.3, 23.7, "ST");
  rates("t2_st", kBlkSt, 53.3, 28.3, 14.1, "ST", 0);
  median("t2_nost_median", kBlkSt, 29.0, 23.4, 34.6, "No ST");
  rates("t2_nost", kBlkSt, 70.9, 34.4, 26.1, "No ST", 0);
  logrank("t2_st_p", kBlkSt, 0.067, "ST vs none");

  // Figure 1.
  median("f1a_st_only_median", kBlkStrategy, 9.0, 3.3, 14.7, "ST only");
  median("f1a_lt_then_st_median", kBlkStrategy, 19.0, 1.3, 36.8, "LT then ST");
  median("f1a_lt_only_median", kBlkStrategy, 101.0, 0.0, 210.2, "LT only");
  logrank("f1a_p", kBlkStrategy, 0.016, "Strategy (BSC excluded)");
  median("f1b_surgery_only_median", kBlkF1b, 20.0, 1.2, 38.8, "Surgery only");
  add("f1b_surgery_nslri_median", kBlkF1b, kNR, kNaN, 0, 1, 6.0, true,
      "Surgery + NSLRI: median not reached (>101)");
  logrank("f1b_p", kBlkF1b, 0.017, "Surgery only vs surgery + NSLRI");
  median("nslri_only_median", kBlkF1b, 19.0, kNaN, kNaN, "NSLRI only");

  // Text.
  median("pancreas_median", kBlkPrimary, 54.0, 16.1, 91.9, "Pancreas");
  median("digestive_median", kBlkPrimary, 11.0, 0.63, 21.4, "Digestive tract");
  logrank("primary_p", kBlkPrimary, 0.009, "Pancreas vs digestive tract");
  median("bili_high_median", kBlkBili, 8.0, 0.68, 15.3, "Increased bilirubin");
  median("bili_normal_median", kBlkBili, 27.0, 15.2, 38.8, "Normal bilirubin");
  logrank("bilirubin_p", kBlkBili, 0.028, "Bilirubin increased vs normal");
  median("burden_low_median", kBlkRemnant, 54.0, 1.6, 106.5, "Low remnant burden");
  median("burden_high_median", kBlkRemnant, 15.0, 4.5, 25.6, "High remnant burden");
  logrank("burden_p", kBlkRemnant, 0.005, "Remnant burden high vs low");

  // Table 3, univariable.
  const auto& uv = uv_specs();
  for (int k = 0; k < 19; ++k) {
    const std::string id = uv[k].id;
    const int blk = kBlkUv0 + k;
    add(id, blk, kRel, uv[k].hr, l15, l15, 3.0, true, id + ": univariable HR");
    const bool cb = k == 7;  // Child-Pugh B interval: implies ~1 death, exempt
    add(id + "_lo", blk, kRel, uv[k].lo, std::log(1.25), std::log(1.25), cb ? 0.0 : 0.15,
        false, id + ": HR 95% CI lower");
    add(id + "_hi", blk, kRel, uv[k].hi, std::log(1.25), std::log(1.25), cb ? 0.0 : 0.15,
        false, id + ": HR 95% CI upper");
    add(id + "_p", blk, kPSide, uv[k].p, l16, std::log(2.0), 1.0, true,
        id + ": Wald p (same side of 0.05)");
  }
  // The abstract's bilirubin p = 0.035, read as the likelihood-ratio p.
  add("uv_high_bilirubin_lr_p", kBlkUv0 + 9, kP, 0.035, l16, l16, 0.5, false,
      "uv_high_bilirubin: likelihood-ratio p (abstract's 0.035)");

  // Table 3, multivariable (forward stepwise Wald).
  add("mv_selected", kBlkMv, kSel, 1.0, 0, 1, 40.0, true,
      "Stepwise selects exactly pancreatic, bilirubin, remnant burden");
  const std::array<const char*, 3> mv_ids{
      {"mv_pancreatic", "mv_high_bilirubin", "mv_remnant_burden"}};
  const std::array<std::array<double, 4>, 3> mv_v{{{{0.275, 0.10, 0.78, 0.015}},
                                                   {{5.55, 1.86, 16.6, 0.002}},
                                                   {{6.03, 2.03, 17.1, 0.001}}}};
  for (int k = 0; k < 3; ++k) {
    const std::string id = mv_ids[k];
    add(id, kBlkMv, kRel, mv_v[k][0], l10, l10, 4.0, true, id + ": multivariable HR");
    add(id + "_lo", kBlkMv, kRel, mv_v[k][1], std::log(1.25), std::log(1.25), 0.15, false,
        id + ": HR 95% CI lower");
    add(id + "_hi", kBlkMv, kRel, mv_v[k][2], std::log(1.25), std::log(1.25), 0.15, false,
        id + ": HR 95% CI upper");
    add(id + "_p", kBlkMv, kPSide, mv_v[k][3], l16, std::log(2.0), 0.5, false,
        id + ": Wald p");
  }
  const std::array<const char*, 2> nm_ids{{"mv_resection", "mv_nslri"}};
  const std::array<std::array<double, 4>, 2> nm_v{
      {{{0.98, 0.37, 2.65, 0.936}}, {{0.36, 0.10, 1.30, 0.097}}}};
  for (int k = 0; k < 2; ++k) {
    const std::string id = nm_ids[k];
    add(id, kBlkMv, kRel, nm_v[k][0], std::log(1.5), std::log(1.5), 0.5, false,
        id + ": HR when added to the final model");
    add(id + "_lo", kBlkMv, kRel, nm_v[k][1], std::log(1.5), std::log(1.5), 0.1, false,
        id + ": HR 95% CI lower");
    add(id + "_hi", kBlkMv, kRel, nm_v[k][2], std::log(1.5), std::log(1.5), 0.1, false,
        id + ": HR 95% CI upper");
    add(id + "_p", kBlkMv, kPSide, nm_v[k][3], l16, std::log(2.0), 0.5, false,
        id + ": score p to enter the final model");
  }
  add("assoc_remnant_surgery", kBlkAssoc, kPBelow, 0.001, 0, std::log(1.6), 0.2, false,
      "Remnant burden vs surgery, Pearson chi-square p < 0.001");
  add("assoc_remnant_nslri", kBlkAssoc, kPBelow, 0.001, 0, std::log(1.6), 0.2, false,
      "Remnant burden vs NSLRI, Pearson chi-square p < 0.001");

  // Table 1 means and SDs (SD with n - 1), within 2%; printed medians of sizes.
  auto msd = [&](const std::string& id, int blk, double m, double sd, double prec) {
    add(id + "_mean", blk, kAbs, m, 0.02 * m, std::max(prec, 0.005 * m), 2.0, true,
        id + ": mean");
    add(id + "_sd", blk, kAbs, sd, 0.02 * sd, std::max(prec, 0.005 * sd), 2.0, true,
        id + ": SD");
  };
  msd("age", kBlkT1Age, 53.6, 13.1, 0.05);
  msd("albumin", kBlkT1Alb, 38.4, 6.4, 0.05);
  msd("bilirubin", kBlkT1Bili, 1.24, 0.59, 0.005);
  msd("prothrombin", kBlkT1Pt, 11.7, 1.1, 0.05);
  msd("primary_size", kBlkT1Psize, 44.2, 20.9, 0.05);
  add("primary_size_p50", kBlkT1Psize, kAbs, 44.0, 1.0, 0.5, 1.0, false,
      "primary_size: median (mm)");
  msd("largest_met_size", kBlkT1Lsize, 29.1, 27.8, 0.05);
  add("largest_met_size_p50", kBlkT1Lsize, kAbs, 29.0, 1.0, 0.5, 1.0, false,
      "largest_met_size: median (mm)");
  msd("ki67", kBlkT1Ki67, 53.5, 21.2, 0.05);
  add("plausibility", kBlkPlaus, kPenalty, 0.0, 0, 1, 0.3, false,
      "Remnant burden consistent with what was resected/ablated (cm^2 of violation)");
  return t;
}

// Shape of the hinge (see the comment above make_targets()).
struct LossShape {
  double zt_frac = 0.9, hinge_required = 10.0, miss = 0.0;
};
constexpr LossShape kLossShape{};

// Loss of a target whose error, in units of its scale, is z.
inline double loss_from_z(const Target& tg, double z) {
  if (z > 10.0) z = 10.0 + 10.0 * std::log(z / 10.0);
  const double zt = kLossShape.zt_frac * tg.tol / tg.scale;
  const double over = std::max(0.0, z - zt);
  const double hinge = tg.required ? kLossShape.hinge_required : 10.0;
  const double miss = (tg.required && z > tg.tol / tg.scale) ? kLossShape.miss : 0.0;
  return tg.w * (z * z + hinge * over * over + miss);
}

// Loss of one target given its reproduced value r (and for kNR, r = S_end).
inline double target_loss(const Target& tg, double r) {
  const double big = 6.0;  // z used when a value cannot be computed
  double z = 0.0;
  double extra = 0.0;
  switch (tg.kind) {
    case kNA:
      return std::isnan(r) ? 0.0 : tg.w * 4.0;
    case kSel:
      return tg.w * (r == 1.0 ? 0.0 : 1.0);
    case kPenalty:
      return tg.w * r;
    case kNR: {
      if (std::isnan(r)) return tg.w * big * big;
      const double zz = std::max(0.0, 0.55 - r) / 0.05;
      return tg.w * zz * zz * ((tg.required && r <= 0.5) ? 11.0 : 1.0);
    }
    case kPBelow: {
      if (std::isnan(r)) return tg.w * big * big;
      const double zz = std::max(0.0, std::log(r / (tg.value / 1.2))) / tg.scale;
      return tg.w * zz * zz;
    }
    case kAbs:
      z = std::isnan(r) ? big : std::fabs(r - tg.value) / tg.scale;
      break;
    case kRel:
    case kP:
    case kPSide:
      z = (std::isnan(r) || !(r > 0)) ? big
                                      : std::fabs(std::log(r / tg.value)) / tg.scale;
      if ((tg.kind == kP || tg.kind == kPSide) && !std::isnan(r)) {
        const bool want_below = tg.value < 0.05;
        const double edge = want_below ? 0.05 / 1.1 : 0.05 * 1.1;
        const double wrong = want_below ? std::log(r / edge) : std::log(edge / r);
        if (wrong > 0) extra = 4.0 + 10.0 * std::pow(wrong / std::log(1.6), 2);
      }
      break;
    default:
      break;
  }
  if (tg.kind == kPSide) {
    // Only the side of 0.05 is required: the ratio shapes the loss gently.
    if (z > 10.0) z = 10.0 + 10.0 * std::log(z / 10.0);
    return tg.w * (z * z + extra);
  }
  return loss_from_z(tg, z) + tg.w * extra;
}

// Pass/fail of a target (the criterion of issue 4 for required targets).
inline bool target_pass(const Target& tg, double r) {
  switch (tg.kind) {
    case kNA:
      return std::isnan(r);
    case kSel:
      return r == 1.0;
    case kPenalty:
      return r == 0.0;
    case kNR:
      return !std::isnan(r) && r > 0.5;
    case kPBelow:
      return !std::isnan(r) && r < tg.value;
    case kAbs:
      return !std::isnan(r) && std::fabs(r - tg.value) <= tg.tol + 1e-9;
    case kRel:
      return !std::isnan(r) && r > 0 &&
             std::fabs(std::log(r / tg.value)) <= tg.tol + 1e-12;
    case kP:
    case kPSide: {
      if (std::isnan(r) || !(r > 0)) return false;
      const bool side = (r < 0.05) == (tg.value < 0.05);
      if (tg.kind == kPSide) return side;
      return side && std::fabs(std::log(r / tg.value)) <= tg.tol + 1e-12;
    }
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// Evaluator: reproduced values of every target, with per-block caching so
// that a move only recomputes the blocks that read the fields it touched.

class Evaluator {
 public:
  Evaluator() : targets_(make_targets()) {
    const int nt = static_cast<int>(targets_.size());
    r_.assign(nt, kNaN);
    loss_.assign(nt, 0.0);
    r_old_ = r_;
    loss_old_ = loss_;
    for (int i = 0; i < nt; ++i) by_block_[targets_[i].block].push_back(i);
    resolve();
  }

  // Restrict the loss to some blocks (the others count 0 and are skipped).
  void set_active(const std::array<bool, kNumBlocks>& active) { active_ = active; }

  const std::vector<Target>& targets() const { return targets_; }
  const std::vector<double>& reproduced() const { return r_; }
  const std::vector<double>& losses() const { return loss_; }
  double total() const { return total_; }

  int index(const std::string& id) const {
    for (std::size_t i = 0; i < targets_.size(); ++i)
      if (targets_[i].id == id) return static_cast<int>(i);
    return -1;
  }

  // Full evaluation (no caching).
  double evaluate(const Cohort& c) {
    use_warm_ = false;
    engine::prepare(c, d_);
    for (int b = 0; b < kNumBlocks; ++b) {
      if (active_[b]) {
        compute_block(c, b);
      } else {
        block_loss_[b] = 0.0;
      }
    }
    total_ = 0.0;
    for (int b = 0; b < kNumBlocks; ++b) total_ += block_loss_[b];
    return total_;
  }

  // Recompute one block (benchmarks and tests).
  void recompute_block(const Cohort& c, int b) { compute_block(c, b); }

  // Evaluate after a move that touched `fields`; then accept() or reject().
  // Blocks are computed cheapest first; as every block's loss is >= 0, the
  // evaluation stops (returning +Inf) once the loss is known to exceed
  // `threshold`: the move would be rejected anyway (exact, not a heuristic).
  double propose(const Cohort& c, unsigned fields,
                 double threshold = std::numeric_limits<double>::infinity()) {
    use_warm_ = true;
    nsaved_ = 0;
    total_old_ = total_;
    time_saved_ = (fields & fTime) != 0;
    if (time_saved_) {
      d_old_ = d_;
      engine::prepare(c, d_);
    }
    double partial = total_;
    for (int b = 0; b < kNumBlocks; ++b)
      if ((block_fields(b) & fields) && active_[b]) partial -= block_loss_[b];
    for (int b : eval_order()) {
      if (!(block_fields(b) & fields) || !active_[b]) continue;
      saved_blocks_[nsaved_++] = b;
      block_old_[b] = block_loss_[b];
      for (int i : by_block_[b]) {
        r_old_[i] = r_[i];
        loss_old_[i] = loss_[i];
      }
      compute_block(c, b);
      partial += block_loss_[b];
      if (partial > threshold) {
        total_ = std::numeric_limits<double>::infinity();
        return total_;
      }
    }
    double tot = 0.0;
    for (int b = 0; b < kNumBlocks; ++b) tot += block_loss_[b];
    total_ = tot;
    return total_;
  }
  static const std::array<int, kNumBlocks>& eval_order() {
    static const std::array<int, kNumBlocks> order = [] {
      std::array<int, kNumBlocks> o{};
      int k = 0;
      for (int b = 0; b < kNumBlocks; ++b)
        if (b < kBlkUv0 || b > kBlkMv) o[k++] = b;  // Kaplan-Meier, log-rank, Table 1
      for (int b = kBlkUv0; b < kBlkMv; ++b) o[k++] = b;  // univariable Cox
      o[k++] = kBlkMv;                                    // stepwise, last
      return o;
    }();
    return order;
  }
  void accept() {}
  void reject() {
    for (int k = 0; k < nsaved_; ++k) {
      const int b = saved_blocks_[k];
      block_loss_[b] = block_old_[b];
      for (int i : by_block_[b]) {
        r_[i] = r_old_[i];
        loss_[i] = loss_old_[i];
      }
    }
    total_ = total_old_;
    if (time_saved_) d_ = d_old_;
  }

 private:
  struct KmIdx {
    int med = -1, lo = -1, hi = -1, s12 = -1, s36 = -1, s60 = -1;
    bool nr = false;
  };
  struct CoxIdx {
    int hr = -1, lo = -1, hi = -1, p = -1;
  };
  struct T1Idx {
    int mean = -1, sd = -1, p50 = -1;
  };

  int must(const std::string& id) const {
    const int i = index(id);
    return i;  // -1 only for optional parts (checked at use)
  }
  KmIdx km_idx(const std::string& med, const std::string& rates, bool nr = false) const {
    KmIdx k;
    k.med = must(med);
    k.nr = nr;
    if (!nr) {
      k.lo = index(med + "_lo");
      k.hi = index(med + "_hi");
    }
    if (!rates.empty()) {
      k.s12 = index(rates + "_s12");
      k.s36 = index(rates + "_s36");
      k.s60 = index(rates + "_s60");
    }
    return k;
  }
  CoxIdx cox_idx(const std::string& id) const {
    return CoxIdx{index(id), index(id + "_lo"), index(id + "_hi"), index(id + "_p")};
  }
  T1Idx t1_idx(const std::string& id) const {
    return T1Idx{index(id + "_mean"), index(id + "_sd"), index(id + "_p50")};
  }

  void resolve() {
    os_ = km_idx("os_median", "os");
    fu_ = index("fu_median");
    surg_[1] = km_idx("t2_surgery_median", "t2_surgery");
    surg_[0] = km_idx("t2_nosurgery_median", "t2_nosurgery");
    p_surg_ = index("t2_surgery_p");
    nslri_[1] = km_idx("t2_nslri_median", "t2_nslri", true);
    nslri_[0] = km_idx("t2_nonslri_median", "t2_nonslri");
    p_nslri_ = index("t2_nslri_p");
    st_[1] = km_idx("t2_st_median", "t2_st");
    st_[0] = km_idx("t2_nost_median", "t2_nost");
    p_st_ = index("t2_st_p");
    strat_[0] = km_idx("f1a_st_only_median", "");
    strat_[1] = km_idx("f1a_lt_then_st_median", "");
    strat_[2] = km_idx("f1a_lt_only_median", "");
    p_f1a_ = index("f1a_p");
    f1b_so_ = km_idx("f1b_surgery_only_median", "");
    f1b_sn_ = km_idx("f1b_surgery_nslri_median", "", true);
    nso_ = km_idx("nslri_only_median", "");
    p_f1b_ = index("f1b_p");
    prim_[1] = km_idx("pancreas_median", "");
    prim_[0] = km_idx("digestive_median", "");
    p_prim_ = index("primary_p");
    bili_[1] = km_idx("bili_high_median", "");
    bili_[0] = km_idx("bili_normal_median", "");
    p_bili_ = index("bilirubin_p");
    rem_[1] = km_idx("burden_low_median", "");
    rem_[0] = km_idx("burden_high_median", "");
    p_rem_ = index("burden_p");
    for (int k = 0; k < 19; ++k) uv_[k] = cox_idx(uv_specs()[k].id);
    sel_ = index("mv_selected");
    mv_[0] = cox_idx("mv_pancreatic");
    mv_[1] = cox_idx("mv_high_bilirubin");
    mv_[2] = cox_idx("mv_remnant_burden");
    nm_[0] = cox_idx("mv_resection");
    nm_[1] = cox_idx("mv_nslri");
    assoc_s_ = index("assoc_remnant_surgery");
    assoc_n_ = index("assoc_remnant_nslri");
    t1_[0] = t1_idx("age");
    t1_[1] = t1_idx("albumin");
    t1_[2] = t1_idx("bilirubin");
    t1_[3] = t1_idx("prothrombin");
    t1_[4] = t1_idx("primary_size");
    t1_[5] = t1_idx("largest_met_size");
    t1_[6] = t1_idx("ki67");
    plaus_ = index("plausibility");
    bili_lr_ = index("uv_high_bilirubin_lr_p");
  }

  // Warm starts of the Cox fits during the search (slots 0-18 univariable,
  // 19 final model, 20-21 final model + one term); off in evaluate().
  const double* warm(int slot) const {
    return use_warm_ && warm_ok_[slot] ? warm_beta_[slot].data() : nullptr;
  }
  void keep_warm(int slot, const engine::CoxFit& f) {
    warm_ok_[slot] = f.ok;
    if (f.ok) warm_beta_[slot] = f.beta;
  }

  void set(int i, double r) {
    if (i < 0) return;
    r_[i] = r;
    loss_[i] = target_loss(targets_[i], r);
  }

  // A median that is not reached where a number is published gets a loss
  // graded by how far the curve stays above 0.5: z = 3 + 10 (S_end - 0.5).
  void set_graded(int i, double r, double s_end) {
    if (i < 0) return;
    if (!std::isnan(r) || std::isnan(s_end) || s_end <= 0.5) {
      set(i, r);
      return;
    }
    r_[i] = r;
    loss_[i] = loss_from_z(targets_[i], 3.0 + 10.0 * (s_end - 0.5));
  }
  void km_set(const engine::KmSummary& s, const KmIdx& k) {
    if (k.nr) {
      set(k.med, s.s_end);
    } else {
      set_graded(k.med, s.median, s.s_end);
    }
    set_graded(k.lo, s.lower, std::isnan(s.median) ? s.s_end : kNaN);
    set_graded(k.hi, s.upper, std::isnan(s.median) ? s.s_end : kNaN);
    set(k.s12, s.surv[0] * 100.0);
    set(k.s36, s.surv[1] * 100.0);
    set(k.s60, s.surv[2] * 100.0);
  }

  template <class G>
  void km_by(const Cohort& c, G g, int k, engine::KmSummary* out) {
    std::array<int, kN> grp{};
    for (int i = 0; i < kN; ++i) grp[i] = g(c[i]);
    engine::km_groups(ctx_, d_, grp, k, out);
  }
  template <class G>
  double logrank_by(const Cohort& c, G g, int k) {
    std::array<int, kN> grp{};
    for (int i = 0; i < kN; ++i) grp[i] = g(c[i]);
    return engine::logrank_p(ctx_, d_, grp, k);
  }
  // Two groups coded 1 / 0 by g: KM of each and the log-rank p.
  template <class G>
  void two_groups(const Cohort& c, G g, const std::array<KmIdx, 2>& k, int pidx) {
    std::array<engine::KmSummary, 2> s;
    km_by(c, g, 2, s.data());
    km_set(s[1], k[1]);
    km_set(s[0], k[0]);
    set(pidx, logrank_by(c, g, 2));
  }

  template <class Get>
  void table1(const Cohort& c, const T1Idx& k, double scale, Get get) {
    std::array<double, kN> v{};
    double m = 0.0;
    for (int i = 0; i < kN; ++i) {
      v[i] = get(c[i]) * scale;
      m += v[i];
    }
    m /= kN;
    double ss = 0.0;
    for (double x : v) ss += (x - m) * (x - m);
    set(k.mean, m);
    set(k.sd, std::sqrt(ss / (kN - 1)));
    if (k.p50 >= 0) {
      std::sort(v.begin(), v.end());
      set(k.p50, 0.5 * (v[kN / 2 - 1] + v[kN / 2]));
    }
  }

  template <class A, class B>
  static double chisq_2x2_p(const Cohort& c, A a, B b) {
    double n11 = 0, n10 = 0, n01 = 0, n00 = 0;
    for (const Patient& p : c) {
      const int x = a(p), y = b(p);
      if (x && y)
        ++n11;
      else if (x)
        ++n10;
      else if (y)
        ++n01;
      else
        ++n00;
    }
    const double r1 = n11 + n10, r0 = n01 + n00, c1 = n11 + n01, c0 = n10 + n00;
    if (r1 == 0 || r0 == 0 || c1 == 0 || c0 == 0) return kNaN;
    const double chi = kN * std::pow(n11 * n00 - n10 * n01, 2) / (r1 * r0 * c1 * c0);
    return engine::chisq_p(chi, 1);
  }

  // Hazard ratio, CI and Wald p of column `col`. A fit flagged as not clean
  // (monotone likelihood: the coefficient runs off to infinity) still
  // reports its last iterate, so that the loss grows with the divergence
  // instead of being flat; such values fail their targets anyway.
  void cox_set(const engine::CoxFit& fit, int col, const CoxIdx& k, bool with_p) {
    const double b = fit.p > col ? fit.beta[col] : kNaN;
    const double se = fit.p > col ? fit.se[col] : kNaN;
    const double z = 1.959963984540054;
    const bool use_b = std::isfinite(b);
    const bool use_se = use_b && std::isfinite(se) && se > 0.0;
    set(k.hr, use_b ? std::exp(b) : kNaN);
    set(k.lo, use_se ? std::exp(b - z * se) : kNaN);
    set(k.hi, use_se ? std::exp(b + z * se) : kNaN);
    if (with_p) set(k.p, use_se ? engine::wald_p(b / se) : kNaN);
  }

  void compute_mv(const Cohort& c) {
    engine::Design x;
    x.p = 5;
    for (int i = 0; i < kN; ++i) {
      x(i, 0) = pancreatic(c[i]);
      x(i, 1) = high_bili(c[i]);
      x(i, 2) = surgery(c[i]);
      x(i, 3) = c[i].nslri;
      x(i, 4) = high_remnant(c[i]);
    }
    const auto sw = engine::forward_stepwise_wald(ctx_, d_, x, 0.05, 0.10);
    set(sel_, (sw.ok && sw.selected == (1u | 2u | 16u)) ? 1.0 : 0.0);
    const std::array<int, 3> in{{0, 1, 4}};
    engine::Design x3;
    x3.p = 3;
    for (int i = 0; i < kN; ++i)
      for (int a = 0; a < 3; ++a) x3(i, a) = x(i, in[a]);
    const engine::CoxFit f3 = engine::cox_breslow(ctx_, d_, x3, warm(19));
    keep_warm(19, f3);
    for (int k = 0; k < 3; ++k) cox_set(f3, k, mv_[k], true);
    // Not selected: HR when added to the final model, and the score test
    // for entering it (at (b_final, 0), where the model's score is 0).
    const std::array<int, 2> cand{{2, 3}};
    for (int k = 0; k < 2; ++k) {
      engine::Design x4 = x3;
      x4.p = 4;
      for (int i = 0; i < kN; ++i) x4(i, 3) = x(i, cand[k]);
      const engine::CoxFit f4 = engine::cox_breslow(ctx_, d_, x4, warm(20 + k));
      keep_warm(20 + k, f4);
      cox_set(f4, 3, nm_[k], false);
      set(nm_[k].p, f3.ok ? engine::score_p_at(ctx_, d_, x4, f3) : kNaN);
    }
  }

  static double plausibility(const Cohort& c) {
    double pen = 0.0;
    for (const Patient& p : c) {
      int lb = 0;
      const bool primary_out =
          p.surgery_site == kSurgPrimary || p.surgery_site == kSurgBoth;
      const bool liver_treated =
          p.surgery_site == kSurgHepatic || p.surgery_site == kSurgBoth || p.nslri;
      if (!primary_out) lb += p.primary_mm;
      if (!liver_treated) lb += p.largest_mm;
      const double v = std::max(0, lb - p.remnant10) / 10.0;
      pen += v * v;
      if (strategy(p) == kBsc && p.initial10 <= 100) {
        const double w = (100 - p.initial10) / 10.0;
        pen += w * w;
      }
    }
    return pen;
  }

  void compute_block(const Cohort& c, int b) {
    switch (b) {
      case kBlkOverall: {
        engine::KmSummary all;
        km_by(
            c, [](const Patient&) { return 0; }, 1, &all);
        km_set(all, os_);
        set(fu_, engine::followup_median(ctx_, d_));
        break;
      }
      case kBlkSurgery:
        two_groups(
            c, [](const Patient& p) { return surgery(p); }, surg_, p_surg_);
        break;
      case kBlkNslri:
        two_groups(
            c, [](const Patient& p) { return p.nslri; }, nslri_, p_nslri_);
        break;
      case kBlkSt:
        two_groups(
            c, [](const Patient& p) { return p.st; }, st_, p_st_);
        break;
      case kBlkStrategy: {
        const auto g = [](const Patient& p) {
          const int s = strategy(p);
          return s == kBsc ? -1 : s;
        };
        std::array<engine::KmSummary, 3> s;
        km_by(c, g, 3, s.data());
        for (int k = 0; k < 3; ++k) km_set(s[k], strat_[k]);
        set(p_f1a_, logrank_by(c, g, 3));
        break;
      }
      case kBlkF1b: {
        // 0 surgery only, 1 surgery + NSLRI, 2 NSLRI only, -1 neither.
        std::array<engine::KmSummary, 3> s;
        km_by(
            c, [](const Patient& p) { return surgery(p) ? p.nslri : (p.nslri ? 2 : -1); },
            3, s.data());
        km_set(s[0], f1b_so_);
        km_set(s[1], f1b_sn_);
        km_set(s[2], nso_);
        set(p_f1b_,
            logrank_by(
                c, [](const Patient& p) { return surgery(p) ? p.nslri : -1; }, 2));
        break;
      }
      case kBlkPrimary:
        two_groups(
            c, [](const Patient& p) { return pancreatic(p); }, prim_, p_prim_);
        break;
      case kBlkBili:
        two_groups(
            c, [](const Patient& p) { return high_bili(p); }, bili_, p_bili_);
        break;
      case kBlkRemnant:
        two_groups(
            c, [](const Patient& p) { return 1 - high_remnant(p); }, rem_, p_rem_);
        break;
      case kBlkMv:
        compute_mv(c);
        break;
      case kBlkAssoc:
        set(assoc_s_, chisq_2x2_p(c, high_remnant, surgery));
        set(assoc_n_,
            chisq_2x2_p(c, high_remnant, [](const Patient& p) { return p.nslri; }));
        break;
      case kBlkT1Age:
        table1(c, t1_[0], 1.0, [](const Patient& p) { return p.age; });
        break;
      case kBlkT1Alb:
        table1(c, t1_[1], 0.1, [](const Patient& p) { return p.albumin10; });
        break;
      case kBlkT1Bili:
        table1(c, t1_[2], 0.01, [](const Patient& p) { return p.bili100; });
        break;
      case kBlkT1Pt:
        table1(c, t1_[3], 0.1, [](const Patient& p) { return p.pt10; });
        break;
      case kBlkT1Psize:
        table1(c, t1_[4], 1.0, [](const Patient& p) { return p.primary_mm; });
        break;
      case kBlkT1Lsize:
        table1(c, t1_[5], 1.0, [](const Patient& p) { return p.largest_mm; });
        break;
      case kBlkT1Ki67:
        table1(c, t1_[6], 1.0, [](const Patient& p) { return p.ki67; });
        break;
      case kBlkPlaus:
        set(plaus_, plausibility(c));
        break;
      default: {
        const int k = b - kBlkUv0;
        engine::Design x;
        x.p = 1;
        for (int i = 0; i < kN; ++i) x(i, 0) = uv_value(k, c[i]);
        const engine::CoxFit fit = engine::cox_breslow(ctx_, d_, x, warm(k), k == 9);
        keep_warm(k, fit);
        cox_set(fit, 0, uv_[k], true);
        if (k == 9) {
          set(bili_lr_,
              fit.ok ? engine::chisq_p(2.0 * (fit.loglik - fit.loglik0), 1) : kNaN);
        }
        break;
      }
    }
    double l = 0.0;
    for (int i : by_block_[b]) l += loss_[i];
    block_loss_[b] = l;
  }

  std::vector<Target> targets_;
  std::array<std::vector<int>, kNumBlocks> by_block_;
  std::vector<double> r_, loss_, r_old_, loss_old_;
  std::array<double, kNumBlocks> block_loss_{}, block_old_{};
  std::array<int, kNumBlocks> saved_blocks_{};
  int nsaved_ = 0;
  bool time_saved_ = false;
  double total_ = 0.0, total_old_ = 0.0;
  engine::SurvData d_, d_old_;
  engine::Context ctx_;
  bool use_warm_ = false;
  std::array<bool, kNumBlocks> active_ = [] {
    std::array<bool, kNumBlocks> a{};
    a.fill(true);
    return a;
  }();
  std::array<std::array<double, engine::kMaxP>, 22> warm_beta_{};
  std::array<bool, 22> warm_ok_{};

  KmIdx os_, f1b_so_, f1b_sn_, nso_;
  std::array<KmIdx, 2> surg_, nslri_, st_, prim_, bili_, rem_;
  std::array<KmIdx, 3> strat_;
  int fu_ = -1, p_surg_ = -1, p_nslri_ = -1, p_st_ = -1, p_f1a_ = -1, p_f1b_ = -1;
  int p_prim_ = -1, p_bili_ = -1, p_rem_ = -1, sel_ = -1, assoc_s_ = -1, assoc_n_ = -1;
  int plaus_ = -1, bili_lr_ = -1;
  std::array<CoxIdx, 19> uv_;
  std::array<CoxIdx, 3> mv_;
  std::array<CoxIdx, 2> nm_;
  std::array<T1Idx, 7> t1_;
};

// ---------------------------------------------------------------------------
// Random numbers: std::mt19937_64 (fully specified by the standard) with our
// own integer, uniform and normal transforms, so that a seed gives the same
// stream with every standard library.

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  // Uniform integer in [lo, hi].
  int integer(int lo, int hi) {
    const std::uint64_t range = static_cast<std::uint64_t>(hi - lo) + 1u;
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % range;
    std::uint64_t x;
    do {
      x = gen_();
    } while (x >= limit);
    return lo + static_cast<int>(x % range);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (int i = static_cast<int>(v.size()) - 1; i > 0; --i)
      std::swap(v[i], v[integer(0, i)]);
  }

 private:
  std::mt19937_64 gen_;
};

inline int clamp_int(double x, int lo, int hi) {
  const int v = static_cast<int>(std::lround(x));
  return std::max(lo, std::min(hi, v));
}

// ---------------------------------------------------------------------------
// A feasible starting cohort: every count holds, feasible() is true.

inline Cohort initial_cohort_once(Rng& rng) {
  const Counts k;
  const Domains dom;
  Cohort c;
  // Treatment tuples (surgery site, NSLRI, ST).
  struct Tx {
    int site, nslri, st;
  };
  std::vector<int> surg_sites;
  for (int s = 1; s <= 3; ++s)
    for (int m = 0; m < k.surgery_sites[s]; ++m) surg_sites.push_back(s);
  rng.shuffle(surg_sites);
  std::vector<Tx> tx;
  for (int m = 0; m < 26; ++m)
    tx.push_back(Tx{surg_sites[m], m < k.surg_nslri ? 1 : 0, 0});
  for (int m = 0; m < k.nslri_only; ++m) tx.push_back(Tx{kSurgNone, 1, 0});
  std::vector<int> lt_st(28, 0);
  for (int m = 0; m < k.strategies[kLtThenSt]; ++m) lt_st[m] = 1;
  rng.shuffle(lt_st);
  for (int m = 0; m < 28; ++m) tx[m].st = lt_st[m];
  for (int m = 0; m < k.strategies[kStOnly]; ++m) tx.push_back(Tx{kSurgNone, 0, 1});
  for (int m = 0; m < k.strategies[kBsc]; ++m) tx.push_back(Tx{kSurgNone, 0, 0});
  // Pinned patients: A (resected pancreas, primary or both), B (both sites).
  auto take = [&](auto pred) {
    for (std::size_t m = 0; m < tx.size(); ++m)
      if (pred(tx[m])) {
        Tx t = tx[m];
        tx.erase(tx.begin() + static_cast<long>(m));
        return t;
      }
    return Tx{kSurgNone, 0, 0};
  };
  const Tx ta = take([](const Tx& t) { return t.site == kSurgPrimary && t.nslri == 0; });
  const Tx tb = take([](const Tx& t) { return t.site == kSurgBoth && t.nslri == 0; });
  rng.shuffle(tx);
  std::vector<Tx> all{ta, tb};
  all.insert(all.end(), tx.begin(), tx.end());
  for (int i = 0; i < kN; ++i) {
    c[i].surgery_site = all[i].site;
    c[i].nslri = all[i].nslri;
    c[i].st = all[i].st;
  }
  // Status and times.
  std::vector<int> others;
  for (int i = 2; i < kN; ++i) others.push_back(i);
  auto choose = [&](std::vector<int> pool, int count) {
    rng.shuffle(pool);
    pool.resize(count);
    return pool;
  };
  for (int i = 0; i < kN; ++i) c[i].status = 0;
  c[kPatientB].status = 1;
  for (int i : choose(others, k.deaths - 1)) c[i].status = 1;
  for (int i = 0; i < kN; ++i) {
    Patient& p = c[i];
    const int hi = (surgery(p) && p.nslri) ? 101 : 59;
    if (p.status) {
      p.time = clamp_int(2.0 - 25.0 * std::log(1.0 - rng.uniform()), 2, hi);
    } else {
      p.time = rng.integer(20, hi);
    }
  }
  c[kPatientA].time = rng.integer(31, 59);
  c[kPatientB].time = rng.integer(7, 40);
  // Figure 1A's LT-only median of 101 months (CI 0-210.2) needs two LT-only
  // patients at risk at 101 months, one dying then, and Figure 1B's "not
  // reached" for surgery + NSLRI needs a third surgery + NSLRI patient at
  // risk then: start from that structure (the search may change it).
  {
    std::vector<int> sn_lt, sn_st, dead;
    for (int i = 2; i < kN; ++i) {
      if (surgery(c[i]) && c[i].nslri) (c[i].st ? sn_st : sn_lt).push_back(i);
    }
    // Make sure there are two LT-only and one LT-then-ST surgery + NSLRI
    // patients by exchanging ST with surgery-only patients if needed.
    for (int i = 2; i < kN && (sn_lt.size() < 2 || sn_st.empty()); ++i) {
      if (!(surgery(c[i]) && !c[i].nslri)) continue;
      if (sn_lt.size() < 2 && !c[i].st && sn_st.size() > 1) {
        const int j = sn_st.back();
        sn_st.pop_back();
        std::swap(c[i].st, c[j].st);
        sn_lt.push_back(j);
      } else if (sn_st.empty() && c[i].st && sn_lt.size() > 2) {
        const int j = sn_lt.back();
        sn_lt.pop_back();
        std::swap(c[i].st, c[j].st);
        sn_st.push_back(j);
      }
    }
    c[sn_lt[0]].time = 101;
    c[sn_lt[0]].status = 1;
    c[sn_lt[1]].time = 101;
    c[sn_lt[1]].status = 0;
    c[sn_st[0]].time = 101;
    c[sn_st[0]].status = 0;
    int deaths = 0;
    for (int i = 0; i < kN; ++i) deaths += c[i].status;
    // Restore the death count with patients outside the three.
    for (int i = 2; i < kN && deaths != k.deaths; ++i) {
      if (i == sn_lt[0] || i == sn_lt[1] || i == sn_st[0]) continue;
      if (deaths > k.deaths && c[i].status) {
        c[i].status = 0;
        --deaths;
      } else if (deaths < k.deaths && !c[i].status) {
        c[i].status = 1;
        ++deaths;
      }
    }
    for (int i = 2; i < kN; ++i)
      if (c[i].status && i != sn_lt[0]) dead.push_back(i);
    c[dead[rng.integer(0, static_cast<int>(dead.size()) - 1)]].time = 2;
    // Table 2's "/": the curves without surgery and without NSLRI end above
    // 0: give each a censoring at its last death time.
    for (int pass = 0; pass < 2; ++pass) {
      auto in_group = [pass](const Patient& p) {
        return pass == 0 ? !surgery(p) : !p.nslri;
      };
      int last_death = -1, last_cens = -1, alive = -1;
      for (int i = 2; i < kN; ++i) {
        if (!in_group(c[i]) || c[i].time >= 101) continue;
        if (c[i].status) {
          last_death = std::max(last_death, c[i].time);
        } else {
          last_cens = std::max(last_cens, c[i].time);
          alive = i;
        }
      }
      if (last_cens >= last_death) continue;
      if (alive < 0) {
        // Trade a death in the group for a survival outside it.
        int j = -1, o = -1;
        for (int i = 2; i < kN && j < 0; ++i)
          if (in_group(c[i]) && c[i].status && c[i].time != 2) j = i;
        for (int i = 2; i < kN && o < 0; ++i)
          if (!in_group(c[i]) && !c[i].status && c[i].time < 101) o = i;
        if (j < 0 || o < 0) continue;
        c[j].status = 0;
        c[o].status = 1;
        alive = j;
      }
      c[alive].time = std::max(std::max(last_death, c[alive].time), 12);
    }
  }
  // Demographics.
  c[kPatientA].male = 1;
  c[kPatientB].male = 0;
  for (int i : choose(others, k.male - 1)) c[i].male = 1;
  for (int i = 0; i < kN; ++i)
    c[i].age = clamp_int(53.6 + 13.1 * rng.normal(), dom.age_lo, dom.age_hi);
  c[kPatientA].age = 61;
  c[kPatientB].age = 53;
  {
    std::vector<int> ltp;
    for (int i = 0; i < kN; ++i)
      if (lt(c[i])) ltp.push_back(i);
    for (int i = 0; i < kN; ++i) c[i].symptomatic = 1;
    for (int i : choose(ltp, kN - k.symptomatic)) c[i].symptomatic = 0;
  }
  std::vector<int> everyone(kN);
  std::iota(everyone.begin(), everyone.end(), 0);
  for (int i : choose(everyone, k.child_b)) c[i].child_b = 1;
  for (int i : choose(everyone, k.ascites)) c[i].ascites = 1;
  for (int i = 0; i < kN; ++i) c[i].mets_gt3 = 0;
  for (int i : choose(everyone, k.mets_gt3)) c[i].mets_gt3 = 1;
  for (int i = 0; i < kN; ++i) c[i].synchronous = 0;
  for (int i : choose(everyone, k.synchronous)) c[i].synchronous = 1;
  for (int i : choose(everyone, k.extrahepatic)) c[i].extrahepatic = 1;
  // Laboratory values.
  {
    std::vector<int> low = choose(everyone, k.low_albumin);
    for (int i = 0; i < kN; ++i)
      c[i].albumin10 = clamp_int(410 + 45 * rng.normal(), 350, 500);
    for (std::size_t m = 0; m < low.size(); ++m)
      c[low[m]].albumin10 = m == 0 ? 280 : (m == 1 ? 349 : rng.integer(285, 345));
    std::vector<int> high = choose(everyone, k.high_bili);
    for (int i = 0; i < kN; ++i) c[i].bili100 = rng.integer(70, 110);
    for (std::size_t m = 0; m < high.size(); ++m)
      c[high[m]].bili100 = m == 0 ? 112 : rng.integer(115, 300);
    for (int i = 0; i < kN; ++i)
      c[i].pt10 = clamp_int(117 + 11 * rng.normal(), dom.pt_lo, dom.pt_hi);
  }
  // Primary sites.
  {
    std::vector<int> sites;
    for (int s = 0; s < 7; ++s) {
      int n = k.sites[s];
      if (s == kPancreas || s == kGallBladder) --n;
      for (int m = 0; m < n; ++m) sites.push_back(s);
    }
    rng.shuffle(sites);
    c[kPatientA].site = kPancreas;
    c[kPatientB].site = kGallBladder;
    for (int i = 2; i < kN; ++i) c[i].site = sites[i - 2];
  }
  // Tumour sizes and burdens.
  for (int i = 0; i < kN; ++i) {
    Patient& p = c[i];
    p.primary_mm = clamp_int(44 + 21 * rng.normal(), dom.primary_lo, dom.primary_hi);
    p.largest_mm = clamp_int(5.0 - 24.0 * std::log(1.0 - rng.uniform()), dom.largest_lo,
                             dom.largest_hi);
    p.ki67 = clamp_int(53.5 + 21.2 * rng.normal(), dom.ki67_lo, dom.ki67_hi);
    p.initial10 =
        std::min(dom.burden_hi, p.primary_mm + p.largest_mm + rng.integer(0, 80));
    p.remnant10 = lt(p) ? rng.integer(0, p.initial10) : p.initial10;
  }
  return c;
}

// The first feasible cohort drawn from the seed's stream.
inline Cohort initial_cohort(std::uint64_t seed) {
  Rng rng(seed);
  Cohort c = initial_cohort_once(rng);
  for (int attempt = 0; attempt < 1000 && !feasible(c); ++attempt)
    c = initial_cohort_once(rng);
  return c;
}

// Columns that no target reads, assigned after the search (deterministic
// given the seed): RFA / intra-arterial split of the NSLRI patients (one has
// both), centres, symptom relief (complete relief to the LT patients with the
// smallest remnant burden).
inline void finalize(Cohort& c, std::uint64_t seed) {
  Rng rng(seed ^ 0x9E3779B97F4A7C15ull);
  const Counts k;
  std::vector<int> ns;
  for (int i = 0; i < kN; ++i)
    if (c[i].nslri) ns.push_back(i);
  rng.shuffle(ns);
  for (int i = 0; i < kN; ++i) c[i].rfa = c[i].intra_arterial = 0;
  for (std::size_t m = 0; m < ns.size(); ++m) {
    Patient& p = c[ns[m]];
    if (m == 0) {
      p.rfa = 1;
      p.intra_arterial = 1;
    } else if (m <= 2) {
      p.rfa = 1;
    } else {
      p.intra_arterial = 1;
    }
  }
  std::vector<int> centers;
  for (int s = 0; s < 3; ++s)
    for (int m = 0; m < k.centers[s]; ++m) centers.push_back(s);
  rng.shuffle(centers);
  for (int i = 0; i < kN; ++i) c[i].center = centers[i];
  std::vector<int> lts, cons;
  for (int i = 0; i < kN; ++i) {
    c[i].relief = kReliefNA;
    if (!c[i].symptomatic) continue;
    (lt(c[i]) ? lts : cons).push_back(i);
  }
  auto by_remnant = [&](int a, int b) {
    if (c[a].remnant10 != c[b].remnant10) return c[a].remnant10 < c[b].remnant10;
    return a < b;
  };
  std::sort(lts.begin(), lts.end(), by_remnant);
  std::sort(cons.begin(), cons.end(), by_remnant);
  for (std::size_t m = 0; m < lts.size(); ++m) {
    const int mi = static_cast<int>(m);
    c[lts[m]].relief = mi < k.lt_complete                  ? kReliefComplete
                       : mi < k.lt_complete + k.lt_partial ? kReliefPartial
                                                           : kReliefNone;
  }
  for (std::size_t m = 0; m < cons.size(); ++m)
    c[cons[m]].relief =
        static_cast<int>(m) < k.cons_partial ? kReliefPartial : kReliefNone;
  // Row order carries no information: shuffle it.
  std::vector<int> perm(kN);
  std::iota(perm.begin(), perm.end(), 0);
  rng.shuffle(perm);
  const Cohort copy = c;
  for (int i = 0; i < kN; ++i) c[i] = copy[perm[i]];
}

// ---------------------------------------------------------------------------
// Moves. Every move preserves every count; structural rules are checked by
// feasible() and a move that breaks one is undone.

struct Undo {
  int n = 0;
  std::array<int, 2> idx{};
  std::array<Patient, 2> old;
};

class Mover {
 public:
  explicit Mover(Rng& rng) : rng_(rng) {}

  // skeleton_only: only moves of times, statuses and treatments.
  void set_skeleton_only(bool on) { skeleton_only_ = on; }

  // Applies a random move to c, recording the changed patients in u.
  // Returns the fields touched (0 when no move was made).
  unsigned move(Cohort& c, Undo& u) {
    u.n = 0;
    const int i = rng_.integer(0, kN - 1);
    int j = rng_.integer(0, kN - 2);
    if (j >= i) ++j;
    double r = rng_.uniform();
    if (skeleton_only_) r *= 0.50;
    unsigned f = 0;
    if (r < 0.36) {
      f = time_move(c, u, i, j, rng_.uniform());
    } else if (r < 0.50) {
      f = treatment_move(c, u, i, j, rng_.uniform());
    } else if (r < 0.64) {
      f = binary_swap(c, u, i, j, rng_.integer(0, 7));
    } else if (r < 0.74) {
      f = value_swap(c, u, i, j, rng_.integer(0, 8));
    } else {
      f = jitter(c, u, i, rng_.integer(0, 9));
    }
    if (f == 0) return 0;
    if (!feasible(c)) {
      undo(c, u);
      return 0;
    }
    return f;
  }

  static void undo(Cohort& c, const Undo& u) {
    for (int m = u.n - 1; m >= 0; --m) c[u.idx[m]] = u.old[m];
  }

 private:
  void save(const Cohort& c, Undo& u, int i) {
    u.idx[u.n] = i;
    u.old[u.n] = c[i];
    ++u.n;
  }
  template <class Field>
  unsigned swap_field(Cohort& c, Undo& u, int i, int j, Field Patient::*m, unsigned f) {
    if (c[i].*m == c[j].*m) return 0;
    save(c, u, i);
    save(c, u, j);
    std::swap(c[i].*m, c[j].*m);
    return f;
  }
  int step(int max) {
    const int s = rng_.integer(1, max);
    return rng_.uniform() < 0.5 ? -s : s;
  }

  unsigned time_move(Cohort& c, Undo& u, int i, int j, double r) {
    if (r < 0.35) {
      save(c, u, i);
      c[i].time = std::max(2, std::min(101, c[i].time + step(3)));
    } else if (r < 0.55) {
      save(c, u, i);
      c[i].time = std::max(2, std::min(101, c[i].time + step(15)));
    } else if (r < 0.65) {
      save(c, u, i);
      c[i].time = rng_.integer(2, 101);
    } else if (r < 0.75) {
      return swap_field(c, u, i, j, &Patient::time, fTime);
    } else if (r < 0.87) {
      if (c[i].time == c[j].time && c[i].status == c[j].status) return 0;
      save(c, u, i);
      save(c, u, j);
      std::swap(c[i].time, c[j].time);
      std::swap(c[i].status, c[j].status);
    } else {
      return swap_field(c, u, i, j, &Patient::status, fTime);
    }
    if (u.n == 1 && c[i].time == u.old[0].time) {
      undo(c, u);
      u.n = 0;
      return 0;
    }
    return fTime;
  }

  unsigned treatment_move(Cohort& c, Undo& u, int i, int j, double r) {
    if (r < 0.5) {
      Patient& a = c[i];
      Patient& b = c[j];
      if (a.surgery_site == b.surgery_site && a.nslri == b.nslri && a.st == b.st)
        return 0;
      save(c, u, i);
      save(c, u, j);
      std::swap(a.surgery_site, b.surgery_site);
      std::swap(a.nslri, b.nslri);
      std::swap(a.st, b.st);
      return fSurg | fSurgSite | fNslri | fSt;
    }
    if (r < 0.75) {
      if (!lt(c[i]) || !lt(c[j])) return 0;
      return swap_field(c, u, i, j, &Patient::st, fSt);
    }
    if (r < 0.92) {
      if (!surgery(c[i]) || !surgery(c[j])) return 0;
      return swap_field(c, u, i, j, &Patient::nslri, fNslri);
    }
    if (!surgery(c[i]) || !surgery(c[j])) return 0;
    return swap_field(c, u, i, j, &Patient::surgery_site, fSurgSite);
  }

  unsigned binary_swap(Cohort& c, Undo& u, int i, int j, int which) {
    switch (which) {
      case 0:
        return swap_field(c, u, i, j, &Patient::male, fMale);
      case 1:
        return swap_field(c, u, i, j, &Patient::symptomatic, fSympt);
      case 2:
        return swap_field(c, u, i, j, &Patient::child_b, fChild);
      case 3:
        return swap_field(c, u, i, j, &Patient::ascites, fAsc);
      case 4:
        if (pancreatic(c[i]) == pancreatic(c[j])) return 0;
        return swap_field(c, u, i, j, &Patient::site, fSite);
      case 5:
        return swap_field(c, u, i, j, &Patient::mets_gt3, fGt3);
      case 6:
        return swap_field(c, u, i, j, &Patient::synchronous, fSync);
      default:
        return swap_field(c, u, i, j, &Patient::extrahepatic, fEhm);
    }
  }

  unsigned value_swap(Cohort& c, Undo& u, int i, int j, int which) {
    switch (which) {
      case 0:
        return swap_field(c, u, i, j, &Patient::age, fAge);
      case 1:
        return swap_field(c, u, i, j, &Patient::albumin10, fAlb);
      case 2:
        return swap_field(c, u, i, j, &Patient::bili100, fBili);
      case 3:
        return swap_field(c, u, i, j, &Patient::primary_mm, fPsize);
      case 4:
        return swap_field(c, u, i, j, &Patient::largest_mm, fLsize);
      case 5:
        return swap_field(c, u, i, j, &Patient::ki67, fKi67);
      case 6:
        return swap_field(c, u, i, j, &Patient::remnant10, fRem);
      case 7:
        return swap_field(c, u, i, j, &Patient::initial10, fInit);
      default: {
        // The whole tumour description moves together.
        save(c, u, i);
        save(c, u, j);
        Patient& a = c[i];
        Patient& b = c[j];
        std::swap(a.primary_mm, b.primary_mm);
        std::swap(a.largest_mm, b.largest_mm);
        std::swap(a.mets_gt3, b.mets_gt3);
        std::swap(a.initial10, b.initial10);
        std::swap(a.remnant10, b.remnant10);
        return fPsize | fLsize | fGt3 | fInit | fRem;
      }
    }
  }

  unsigned jitter(Cohort& c, Undo& u, int i, int which) {
    const Domains dom;
    Patient& p = c[i];
    save(c, u, i);
    unsigned f = 0;
    switch (which) {
      case 0:
        p.age = std::max(dom.age_lo, std::min(dom.age_hi, p.age + step(4)));
        f = fAge;
        break;
      case 1: {
        const bool low = low_albumin(p);
        const int lo = low ? dom.alb_low_lo : dom.alb_norm_lo;
        const int hi = low ? dom.alb_low_hi : dom.alb_norm_hi;
        p.albumin10 = std::max(lo, std::min(hi, p.albumin10 + step(15)));
        f = fAlb;
        break;
      }
      case 2: {
        const bool high = high_bili(p);
        const int lo = high ? dom.bili_high_lo : dom.bili_norm_lo;
        const int hi = high ? dom.bili_high_hi : dom.bili_norm_hi;
        p.bili100 = std::max(lo, std::min(hi, p.bili100 + step(15)));
        f = fBili;
        break;
      }
      case 3:
        p.pt10 = std::max(dom.pt_lo, std::min(dom.pt_hi, p.pt10 + step(4)));
        f = fPt;
        break;
      case 4:
        p.primary_mm =
            std::max(dom.primary_lo, std::min(dom.primary_hi, p.primary_mm + step(8)));
        f = fPsize;
        break;
      case 5:
        p.largest_mm =
            std::max(dom.largest_lo, std::min(dom.largest_hi, p.largest_mm + step(8)));
        f = fLsize;
        break;
      case 6:
        p.ki67 = std::max(dom.ki67_lo, std::min(dom.ki67_hi, p.ki67 + step(8)));
        f = fKi67;
        break;
      case 7:
        p.initial10 = std::max(0, std::min(dom.burden_hi, p.initial10 + step(20)));
        f = fInit;
        break;
      case 8:
        p.remnant10 = std::max(0, std::min(p.initial10, p.remnant10 + step(20)));
        f = fRem;
        break;
      default:
        p.remnant10 = rng_.integer(0, p.initial10);
        f = fRem;
        break;
    }
    if (std::memcmp(&p, &u.old[0], sizeof(Patient)) == 0) {
      u.n = 0;
      return 0;
    }
    return f;
  }

  Rng& rng_;
  bool skeleton_only_ = false;
};

// ---------------------------------------------------------------------------
// Simulated annealing: geometric cooling from t_start to t_end over
// `iterations` proposed moves; Metropolis acceptance; the best cohort seen is
// returned. Deterministic for a given start, seed and platform.

struct SearchOptions {
  std::uint64_t seed = 1;
  long iterations = 1000000;
  double t_start = 3.0;
  double t_end = 0.003;
  long check_every = 20000;  // how often keep_going() is called
  int cycles = 1;            // > 1: reheat from the best cohort (t_reheat)
  double t_reheat = 10.0;
  // Phase 1 (before the above): anneal only the survival skeleton (times,
  // statuses, treatments) against the treatment-group targets.
  long skeleton_iterations = 0;
  double skeleton_t_start = 100.0, skeleton_t_end = 0.05;
  // Parallel tempering instead of annealing when replicas > 1: replicas at
  // temperatures geometric from t_end (coldest) to t_start (hottest), each
  // making `sweep` moves between attempts to exchange neighbouring replicas;
  // `iterations` counts the moves of all replicas together.
  int replicas = 1;
  long sweep = 200;
};

// Blocks of the skeleton phase: overall and treatment-group Kaplan-Meier
// and log-rank targets, and the univariable HRs of the treatments.
inline std::array<bool, kNumBlocks> skeleton_blocks() {
  std::array<bool, kNumBlocks> a{};
  for (int b : {kBlkOverall, kBlkSurgery, kBlkNslri, kBlkSt, kBlkStrategy, kBlkF1b})
    a[b] = true;
  a[kBlkUv0 + 14] = a[kBlkUv0 + 15] = a[kBlkUv0 + 16] = true;
  return a;
}

struct SearchResult {
  Cohort best;
  double best_loss = kNaN;
  std::vector<double> trace;  // best loss after each twentieth of the run
  long evaluations = 0;
  long accepted = 0;
  bool interrupted = false;
};

// One annealing schedule from t0 to t1 over n_it moves, from c (updated to
// the last state); improves res.best / res.best_loss.
inline bool anneal_schedule(Cohort& c, Evaluator& ev, Mover& mover, Rng& rng, long n_it,
                            double t0, double t1, const SearchOptions& o,
                            const std::function<bool()>& keep_going, SearchResult& res,
                            long& done, Cohort& best, double& best_loss) {
  double loss = ev.evaluate(c);
  if (loss < best_loss) {
    best_loss = loss;
    best = c;
  }
  const double ratio = t1 / t0;
  const long total = o.iterations + o.skeleton_iterations;
  Undo u;
  for (long it = 0; it < n_it; ++it, ++done) {
    if (o.check_every > 0 && done % o.check_every == 0 && keep_going && !keep_going()) {
      res.interrupted = true;
      return false;
    }
    if (total >= 20 && (done + 1) % (total / 20) == 0) res.trace.push_back(best_loss);
    const unsigned f = mover.move(c, u);
    if (f == 0) continue;
    ++res.evaluations;
    const double temp = t0 * std::pow(ratio, static_cast<double>(it) / n_it);
    // Metropolis: accept when the new loss is below loss - temp log(u).
    const double uu = rng.uniform();
    const double threshold =
        uu > 0.0 ? loss - temp * std::log(uu) : std::numeric_limits<double>::infinity();
    const double nl = ev.propose(c, f, threshold);
    if (nl <= threshold) {
      ev.accept();
      loss = nl;
      ++res.accepted;
      if (loss < best_loss) {
        best_loss = loss;
        best = c;
      }
    } else {
      ev.reject();
      Mover::undo(c, u);
    }
  }
  return true;
}

// Parallel tempering over o.replicas chains (deterministic: one stream).
inline void parallel_tempering(const Cohort& start, const SearchOptions& o, Rng& rng,
                               const std::function<bool()>& keep_going, SearchResult& res,
                               long& done) {
  const int nr = o.replicas;
  std::vector<Cohort> cs(nr, start);
  std::vector<Evaluator> evs(nr);
  std::vector<double> loss(nr), temp(nr);
  std::vector<int> at(nr);  // at[k]: the chain holding temperature k
  for (int k = 0; k < nr; ++k) {
    temp[k] = o.t_end * std::pow(o.t_start / o.t_end, static_cast<double>(k) / (nr - 1));
    loss[k] = evs[k].evaluate(cs[k]);
    at[k] = k;
  }
  Mover mover(rng);
  Undo u;
  const long rounds = std::max(1L, o.iterations / (o.sweep * nr));
  for (long r = 0; r < rounds; ++r) {
    for (int k = 0; k < nr; ++k) {
      const int ch = at[k];
      for (long m = 0; m < o.sweep; ++m, ++done) {
        if (o.check_every > 0 && done % o.check_every == 0 && keep_going &&
            !keep_going()) {
          res.interrupted = true;
          return;
        }
        const unsigned f = mover.move(cs[ch], u);
        if (f == 0) continue;
        ++res.evaluations;
        const double uu = rng.uniform();
        const double threshold = uu > 0.0 ? loss[ch] - temp[k] * std::log(uu)
                                          : std::numeric_limits<double>::infinity();
        const double nl = evs[ch].propose(cs[ch], f, threshold);
        if (nl <= threshold) {
          evs[ch].accept();
          loss[ch] = nl;
          ++res.accepted;
          if (nl < res.best_loss) {
            res.best_loss = nl;
            res.best = cs[ch];
          }
        } else {
          evs[ch].reject();
          Mover::undo(cs[ch], u);
        }
      }
    }
    // Exchange attempts between neighbouring temperatures.
    for (int k = (r % 2); k + 1 < nr; k += 2) {
      const int a = at[k], b = at[k + 1];
      const double x = (loss[a] - loss[b]) * (1.0 / temp[k] - 1.0 / temp[k + 1]);
      if (x >= 0.0 || rng.uniform() < std::exp(x)) std::swap(at[k], at[k + 1]);
    }
    if (rounds >= 20 && (r + 1) % (rounds / 20) == 0) res.trace.push_back(res.best_loss);
  }
}

inline SearchResult anneal(const Cohort& start, const SearchOptions& o,
                           const std::function<bool()>& keep_going) {
  Rng rng(o.seed);
  Mover mover(rng);
  Evaluator ev;
  SearchResult res;
  long done = 0;
  Cohort c = start;
  if (o.skeleton_iterations > 0) {
    Evaluator sk;
    sk.set_active(skeleton_blocks());
    mover.set_skeleton_only(true);
    Cohort best = c;
    double best_loss = std::numeric_limits<double>::infinity();
    if (!anneal_schedule(c, sk, mover, rng, o.skeleton_iterations, o.skeleton_t_start,
                         o.skeleton_t_end, o, keep_going, res, done, best, best_loss))
      return res;
    c = best;
    mover.set_skeleton_only(false);
  }
  res.best = c;
  res.best_loss = ev.evaluate(c);
  if (o.replicas > 1) {
    parallel_tempering(c, o, rng, keep_going, res, done);
    return res;
  }
  // Cycle 0 gets half of the moves (all of them when cycles == 1); later
  // cycles restart from the best cohort at t_reheat and share the rest.
  const int cycles = std::max(1, o.cycles);
  const long first = cycles == 1 ? o.iterations : o.iterations / 2;
  const long rest = cycles == 1 ? 0 : (o.iterations - first) / (cycles - 1);
  for (int cy = 0; cy < cycles; ++cy) {
    if (cy > 0) c = res.best;
    if (!anneal_schedule(c, ev, mover, rng, cy == 0 ? first : rest,
                         cy == 0 ? o.t_start : o.t_reheat, o.t_end, o, keep_going, res,
                         done, res.best, res.best_loss))
      return res;
  }
  return res;
}

}  // namespace g3nelm
}  // namespace du2015

#endif
