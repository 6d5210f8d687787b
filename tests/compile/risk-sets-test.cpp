// Standalone test of the risk-set layer (inst/include/survstep/risk_sets.hpp)
// against naive references: stable sorting by key (all radix paths: already
// sorted, small, integer keys, IEEE keys with carried low bits), the
// counting sort by code, and timefix on one and on two sorted sequences.
// Built and run by .ci/run; not part of the package. Exit status 0 = pass.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "survstep/risk_sets.hpp"

namespace sc = survstep::core;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}

struct Rec {
  double t;
  int row;
  int code;
};

// naive aeqSurv on the union of a and b (any order), in place
void naive_timefix(std::vector<double>& a, std::vector<double>& b, double tol) {
  std::vector<double> y(a);
  y.insert(y.end(), b.begin(), b.end());
  std::sort(y.begin(), y.end());
  y.erase(std::unique(y.begin(), y.end()), y.end());
  if (y.size() < 2) return;
  double m = 0.0;
  for (double v : y) m += std::fabs(v);
  m /= static_cast<double>(y.size());
  std::vector<double> cuts{y[0]};
  for (std::size_t k = 1; k < y.size(); ++k) {
    const double dy = y[k] - y[k - 1];
    if (!(dy <= tol || dy / m <= tol)) cuts.push_back(y[k]);
  }
  for (std::vector<double>* v : {&a, &b}) {
    for (double& t : *v) t = *(std::upper_bound(cuts.begin(), cuts.end(), t) - 1);
  }
}

void test_sort(std::size_t n, int kind, std::mt19937& gen) {
  std::uniform_real_distribution<double> u(-50.0, 3000.0);
  std::uniform_int_distribution<int> code(0, 4);
  std::vector<Rec> rec(n);
  for (std::size_t i = 0; i < n; ++i) {
    double t = u(gen);
    if (kind == 1) t = std::ceil(t);            // integer times, heavy ties
    if (kind == 2) t = 1000.0 + t * 1e-12;      // one high-bit run
    if (kind == 3) t = static_cast<double>(i);  // already sorted
    if (kind == 4 && i % 3 == 0) t = (i % 2) ? -0.0 : 0.0;
    rec[i] = Rec{t, static_cast<int>(i), code(gen)};
  }
  std::vector<Rec> ref(rec);
  std::stable_sort(ref.begin(), ref.end(), [](const Rec& x, const Rec& y) {
    return sc::order_key(x.t) < sc::order_key(y.t);
  });
  const sc::TimeKey tk =
      sc::make_time_key_of(n, [&rec](std::size_t i) { return rec[i].t; });
  std::vector<Rec> tmp;
  std::vector<std::size_t> hist;
  sc::sort_by_key(
      rec, tmp, [tk](const Rec& r) { return tk(r.t); }, hist);
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) same = same && rec[i].row == ref[i].row;
  check(same, "sort_by_key is a stable sort by time");
  // counting sort by code keeps the time order
  std::vector<std::size_t> start;
  sc::group_by_code(
      rec, tmp, [](const Rec& r) { return r.code; }, 5, start);
  std::stable_sort(ref.begin(), ref.end(),
                   [](const Rec& x, const Rec& y) { return x.code < y.code; });
  same = start[0] == 0 && start[5] == n;
  for (std::size_t i = 0; i < n; ++i) same = same && rec[i].row == ref[i].row;
  for (int c = 0; c < 5; ++c) {
    for (std::size_t i = start[c]; i < start[c + 1]; ++i) same = same && rec[i].code == c;
  }
  check(same, "group_by_code is a stable counting sort with correct starts");
}

void test_timefix(std::mt19937& gen) {
  std::uniform_real_distribution<double> u(0.0, 10.0);
  const double tol = 1.4901161193847656e-08;
  for (int rep = 0; rep < 50; ++rep) {
    std::vector<double> a(200), b(150);
    for (double& t : a) t = std::round(u(gen) * 4) / 4;
    for (double& t : b) t = std::round(u(gen) * 4) / 4;
    // near-ties and chains of them
    for (std::size_t i = 0; i < a.size(); i += 7) a[i] += (i % 3) * 1e-9;
    for (std::size_t i = 0; i < b.size(); i += 5) b[i] += 1e-9;
    std::vector<double> ra(a), rb(b);
    naive_timefix(ra, rb, tol);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::sort(ra.begin(), ra.end());
    std::sort(rb.begin(), rb.end());
    sc::detail::VecSeq sa{a}, sb{b};
    sc::timefix_sorted(tol, sa, sb);
    check(a == ra && b == rb, "timefix_sorted on two sequences = aeqSurv on the union");
    std::vector<double> one(a), none;
    std::vector<double> r1(one);
    naive_timefix(r1, none, tol);
    check(!sc::timefix(one, tol) && one == r1, "timefix of merged times changes nothing");
  }
  std::vector<double> t{3.0, 1.0, 1.0 + 1e-9, 2.0, 1.0 + 2e-9, 3.0 + 1e-10};
  std::vector<double> r(t), none;
  naive_timefix(r, none, tol);
  check(sc::timefix(t, tol) && t == r, "timefix in any order");
}

}  // namespace

int main() {
  std::mt19937 gen(42);
  for (int kind = 0; kind < 5; ++kind) {
    for (std::size_t n : {1u, 7u, 300u, 600u, 5000u, 100000u}) test_sort(n, kind, gen);
  }
  test_timefix(gen);
  check(sc::order_key(-0.0) == sc::order_key(0.0), "-0 and +0 share a key");
  check(sc::key_value(sc::order_key(-2.5)) == -2.5, "key_value inverts order_key");
  if (failures == 0) std::printf("risk-sets: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
