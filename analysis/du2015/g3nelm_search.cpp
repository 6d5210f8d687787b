// Rcpp glue of the G3 NELM cohort reconstruction (used by reconstruct.R and
// the tests of this folder): conversion only. Compiled by search.R with
// Rcpp::sourceCpp() against the installed survstep's published headers.

// [[Rcpp::plugins(cpp17)]]
// [[Rcpp::depends(survstep, RcppEigen, BH)]]

// The flags of survstep's src/Makevars, so that the engines compute exactly
// as in the package.
#ifndef STRICT_R_HEADERS
#define STRICT_R_HEADERS
#endif
#define EIGEN_DONT_PARALLELIZE
#define EIGEN_NO_DEBUG
#define BOOST_MATH_PROMOTE_DOUBLE_POLICY false

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wignored-attributes"  // Eigen's SSE packets
#endif

#include "g3nelm_search.hpp"

#include <Rcpp.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace g3 = du2015::g3nelm;

namespace {

const char* const kCenters[] = {"PUMCH", "CICAMS", "SYSUCC"};
const char* const kSites[] = {"pancreas",  "stomach",      "small bowel", "colon",
                              "esophagus", "gall bladder", "rectum"};
const char* const kSurgSites[] = {"none", "primary", "hepatic", "both"};
const char* const kStrategies[] = {"ST only", "LT then ST", "LT only", "BSC"};
const char* const kReliefs[] = {"none", "partial", "complete"};

int code_of(const std::string& s, const char* const* labels, int n, const char* col) {
  for (int k = 0; k < n; ++k)
    if (s == labels[k]) return k;
  Rcpp::stop("Unknown value '%s' in column `%s`.", s, col);
}

int grid(double x, double scale) { return static_cast<int>(std::lround(x * scale)); }

// Cohort -> list of columns (the CSV layout; factor columns as character).
Rcpp::List cohort_to_list(const g3::Cohort& c) {
  const int n = g3::kN;
  Rcpp::IntegerVector id(n), age(n), male_i(n), sym(n), asc(n), panc(n), psz(n), gt3(n),
      lsz(n), syn(n), ehm(n), ki(n), kih(n), surg(n), rfa(n), ia(n), ns(n), st(n), la(n),
      hb(n), hi(n), hr(n), time(n), status(n);
  Rcpp::NumericVector alb(n), bili(n), pt(n), ib(n), rb(n);
  Rcpp::CharacterVector center(n), sex(n), cp(n), site(n), ssite(n), strat(n), relief(n);
  for (int i = 0; i < n; ++i) {
    const g3::Patient& p = c[i];
    id[i] = i + 1;
    center[i] = kCenters[p.center];
    sex[i] = p.male ? "male" : "female";
    age[i] = p.age;
    sym[i] = p.symptomatic;
    cp[i] = p.child_b ? "B" : "A";
    alb[i] = p.albumin10 / 10.0;
    la[i] = g3::low_albumin(p);
    bili[i] = p.bili100 / 100.0;
    hb[i] = g3::high_bili(p);
    pt[i] = p.pt10 / 10.0;
    asc[i] = p.ascites;
    site[i] = kSites[p.site];
    panc[i] = g3::pancreatic(p);
    psz[i] = p.primary_mm;
    gt3[i] = p.mets_gt3;
    lsz[i] = p.largest_mm;
    syn[i] = p.synchronous;
    ehm[i] = p.extrahepatic;
    ki[i] = p.ki67;
    kih[i] = g3::ki67_high(p);
    surg[i] = g3::surgery(p);
    ssite[i] = kSurgSites[p.surgery_site];
    rfa[i] = p.rfa;
    ia[i] = p.intra_arterial;
    ns[i] = p.nslri;
    st[i] = p.st;
    strat[i] = kStrategies[g3::strategy(p)];
    ib[i] = p.initial10 / 10.0;
    hi[i] = g3::high_initial(p);
    rb[i] = p.remnant10 / 10.0;
    hr[i] = g3::high_remnant(p);
    relief[i] = p.relief < 0 ? Rcpp::String(NA_STRING) : Rcpp::String(kReliefs[p.relief]);
    time[i] = p.time;
    status[i] = p.status;
  }
  Rcpp::List out(35);
  Rcpp::CharacterVector nm(35);
  int k = 0;
  auto put = [&](const char* name, SEXP col) {
    out[k] = col;
    nm[k] = name;
    ++k;
  };
  put("id", id);
  put("center", center);
  put("sex", sex);
  put("age", age);
  put("symptomatic", sym);
  put("child_pugh", cp);
  put("albumin", alb);
  put("low_albumin", la);
  put("bilirubin", bili);
  put("high_bilirubin", hb);
  put("prothrombin", pt);
  put("ascites", asc);
  put("primary_site", site);
  put("pancreatic", panc);
  put("primary_size_mm", psz);
  put("liver_mets_gt3", gt3);
  put("largest_met_mm", lsz);
  put("synchronous", syn);
  put("extrahepatic", ehm);
  put("ki67", ki);
  put("ki67_high", kih);
  put("surgery", surg);
  put("surgery_site", ssite);
  put("rfa", rfa);
  put("intra_arterial", ia);
  put("nslri", ns);
  put("st", st);
  put("strategy", strat);
  put("initial_burden_cm", ib);
  put("high_initial_burden", hi);
  put("remnant_burden_cm", rb);
  put("high_remnant_burden", hr);
  put("symptom_relief", relief);
  put("time", time);
  put("status", status);
  out.attr("names") = nm;
  return out;
}

// List of columns (as produced above or read from the CSV) -> cohort. Only
// the primary columns are read; derived indicators are recomputed.
g3::Cohort list_to_cohort(const Rcpp::List& x) {
  g3::Cohort c;
  auto chr = [&](const char* nm) { return Rcpp::as<std::vector<std::string>>(x[nm]); };
  auto num = [&](const char* nm) { return Rcpp::as<std::vector<double>>(x[nm]); };
  const auto center = chr("center"), sex = chr("sex"), cp = chr("child_pugh"),
             site = chr("primary_site"), ssite = chr("surgery_site");
  const auto age = num("age"), sym = num("symptomatic"), alb = num("albumin"),
             bili = num("bilirubin"), pt = num("prothrombin"), asc = num("ascites"),
             psz = num("primary_size_mm"), gt3 = num("liver_mets_gt3"),
             lsz = num("largest_met_mm"), syn = num("synchronous"),
             ehm = num("extrahepatic"), ki = num("ki67"), rfa = num("rfa"),
             ia = num("intra_arterial"), ns = num("nslri"), st = num("st"),
             ib = num("initial_burden_cm"), rb = num("remnant_burden_cm"),
             time = num("time"), status = num("status");
  Rcpp::CharacterVector relief = x["symptom_relief"];
  if (static_cast<int>(age.size()) != g3::kN) Rcpp::stop("The cohort must have 36 rows.");
  for (int i = 0; i < g3::kN; ++i) {
    g3::Patient& p = c[i];
    p.center = code_of(center[i], kCenters, 3, "center");
    p.male = sex[i] == "male" ? 1 : 0;
    p.age = grid(age[i], 1.0);
    p.symptomatic = grid(sym[i], 1.0);
    p.child_b = cp[i] == "B" ? 1 : 0;
    p.albumin10 = grid(alb[i], 10.0);
    p.bili100 = grid(bili[i], 100.0);
    p.pt10 = grid(pt[i], 10.0);
    p.ascites = grid(asc[i], 1.0);
    p.site = code_of(site[i], kSites, 7, "primary_site");
    p.primary_mm = grid(psz[i], 1.0);
    p.mets_gt3 = grid(gt3[i], 1.0);
    p.largest_mm = grid(lsz[i], 1.0);
    p.synchronous = grid(syn[i], 1.0);
    p.extrahepatic = grid(ehm[i], 1.0);
    p.ki67 = grid(ki[i], 1.0);
    p.surgery_site = code_of(ssite[i], kSurgSites, 4, "surgery_site");
    p.rfa = grid(rfa[i], 1.0);
    p.intra_arterial = grid(ia[i], 1.0);
    p.nslri = grid(ns[i], 1.0);
    p.st = grid(st[i], 1.0);
    p.initial10 = grid(ib[i], 10.0);
    p.remnant10 = grid(rb[i], 10.0);
    p.relief =
        Rcpp::CharacterVector::is_na(relief[i])
            ? g3::kReliefNA
            : code_of(Rcpp::as<std::string>(relief[i]), kReliefs, 3, "symptom_relief");
    p.time = grid(time[i], 1.0);
    p.status = grid(status[i], 1.0);
  }
  return c;
}

}  // namespace

// A feasible starting cohort (before the search), finalised.
// [[Rcpp::export(rng = false)]]
Rcpp::List g3nelm_initial_cpp(double seed) {
  const auto s = static_cast<std::uint64_t>(seed);
  g3::Cohort c = g3::initial_cohort(s);
  g3::finalize(c, s);
  return cohort_to_list(c);
}

// One search run (see SearchOptions in g3nelm_search.hpp) from the
// initial cohort of `seed` (or from `start`, a cohort in the CSV layout);
// returns the best (finalised) cohort, its loss, counters and the trace of
// the best loss. `options`: a named list; missing elements keep the
// defaults.
// [[Rcpp::export(rng = false)]]
Rcpp::List g3nelm_search_cpp(double seed, Rcpp::List options,
                             Rcpp::Nullable<Rcpp::List> start = R_NilValue) {
  const auto s = static_cast<std::uint64_t>(seed);
  g3::SearchOptions o;
  o.seed = s;
  auto num = [&](const char* nm, double dflt) {
    return options.containsElementNamed(nm) ? Rcpp::as<double>(options[nm]) : dflt;
  };
  o.iterations = static_cast<long>(num("iterations", static_cast<double>(o.iterations)));
  o.t_start = num("t_start", o.t_start);
  o.t_end = num("t_end", o.t_end);
  o.cycles = static_cast<int>(num("cycles", o.cycles));
  o.t_reheat = num("t_reheat", o.t_reheat);
  o.skeleton_iterations = static_cast<long>(
      num("skeleton_iterations", static_cast<double>(o.skeleton_iterations)));
  o.skeleton_t_start = num("skeleton_t_start", o.skeleton_t_start);
  o.skeleton_t_end = num("skeleton_t_end", o.skeleton_t_end);
  o.replicas = static_cast<int>(num("replicas", o.replicas));
  o.sweep = static_cast<long>(num("sweep", static_cast<double>(o.sweep)));
  bool interrupted = false;
  auto keep_going = [&interrupted]() {
    try {
      Rcpp::checkUserInterrupt();
    } catch (Rcpp::internal::InterruptedException&) {
      interrupted = true;
      return false;
    }
    return true;
  };
  g3::Cohort from = g3::initial_cohort(s);
  if (start.isNotNull()) {
    from = list_to_cohort(Rcpp::List(start.get()));
    // The search keeps the two described patients in rows 0 and 1.
    int a = -1, b = -1;
    for (int i = 0; i < g3::kN; ++i) {
      if (a < 0 && g3::is_patient_a(from[i])) a = i;
      if (b < 0 && g3::is_patient_b(from[i])) b = i;
    }
    if (a < 0 || b < 0)
      Rcpp::stop("`start` lacks the two patients described in the text.");
    std::swap(from[g3::kPatientA], from[a]);
    if (b == g3::kPatientA) b = a;
    std::swap(from[g3::kPatientB], from[b]);
    if (!g3::feasible(from)) Rcpp::stop("`start` is not a feasible cohort.");
  }
  g3::SearchResult res = g3::anneal(from, o, keep_going);
  if (interrupted) throw Rcpp::internal::InterruptedException();
  g3::finalize(res.best, s);
  return Rcpp::List::create(
      Rcpp::Named("cohort") = cohort_to_list(res.best),
      Rcpp::Named("loss") = res.best_loss,
      Rcpp::Named("evaluations") = static_cast<double>(res.evaluations),
      Rcpp::Named("accepted") = static_cast<double>(res.accepted),
      Rcpp::Named("trace") = Rcpp::wrap(res.trace), Rcpp::Named("seed") = seed);
}

// Target-by-target report for a cohort (list of columns in the CSV layout).
// [[Rcpp::export(rng = false)]]
Rcpp::List g3nelm_report_cpp(Rcpp::List cohort) {
  const g3::Cohort c = list_to_cohort(cohort);
  g3::Evaluator ev;
  const double total = ev.evaluate(c);
  const auto& t = ev.targets();
  const auto& r = ev.reproduced();
  const auto& l = ev.losses();
  const int n = static_cast<int>(t.size());
  static const char* const kinds[] = {"abs",       "rel",         "p",
                                      "p_side",    "not_reached", "not_calculable",
                                      "selection", "p_below",     "penalty"};
  Rcpp::CharacterVector id(n), label(n), kind(n);
  Rcpp::NumericVector published(n), reproduced(n), tol(n), loss(n);
  Rcpp::LogicalVector required(n), pass(n);
  for (int i = 0; i < n; ++i) {
    id[i] = t[i].id;
    label[i] = t[i].label;
    kind[i] = kinds[t[i].kind];
    published[i] = t[i].value;
    reproduced[i] = r[i];
    tol[i] = t[i].tol;
    loss[i] = l[i];
    required[i] = t[i].required;
    pass[i] = g3::target_pass(t[i], r[i]);
  }
  Rcpp::List targets = Rcpp::List::create(
      Rcpp::Named("id") = id, Rcpp::Named("label") = label, Rcpp::Named("kind") = kind,
      Rcpp::Named("required") = required, Rcpp::Named("published") = published,
      Rcpp::Named("reproduced") = reproduced, Rcpp::Named("tolerance") = tol,
      Rcpp::Named("loss") = loss, Rcpp::Named("pass") = pass);
  return Rcpp::List::create(Rcpp::Named("loss") = total, Rcpp::Named("targets") = targets,
                            Rcpp::Named("counts") = g3::check_counts(c));
}
