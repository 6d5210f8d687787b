// Standalone test of logrank.hpp's workspace contract: a C++ caller looping
// over many data sets with ONE LogrankWorkspace and ONE LogrankResult (data
// of varying size on both sides of the radix-sort threshold, 2-4 groups,
// 1 or 3 strata, case weights, delayed entry, every test weight) gets
// bit-for-bit the results of a fresh workspace per data set, and the
// log-rank statistic equals a naive reference (pooled over strata:
// sum of O - E and of the hypergeometric variance, the first group dropped).
// Built and run by .ci/run; not part of the package. Exit status 0 = pass.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "survstep/logrank.hpp"

namespace sc = survstep::core;

namespace {

int failures = 0;

void check(bool ok, const char* what, int set) {
  if (!ok) {
    std::printf("FAILED: %s (data set %d)\n", what, set);
    ++failures;
  }
}

struct Data {
  std::vector<double> time, start, weight;
  std::vector<int> status, group, stratum;
  int n_groups = 2, n_strata = 1;
};

Data make(std::size_t n, int k, int n_strata, bool weighted, bool entry,
          std::mt19937& gen) {
  std::uniform_int_distribution<int> t(1, 60);  // heavy ties
  std::uniform_int_distribution<int> g(0, k - 1);
  std::uniform_int_distribution<int> s(0, n_strata - 1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Data d;
  d.n_groups = k;
  d.n_strata = n_strata;
  for (std::size_t i = 0; i < n; ++i) {
    const double stop = t(gen);
    d.time.push_back(stop);
    d.start.push_back(entry ? std::floor(u(gen) * stop * 0.8) - 1.0 : 0.0);
    d.status.push_back(u(gen) < 0.6 ? 1 : 0);
    d.group.push_back(static_cast<int>(i) < k ? static_cast<int>(i) : g(gen));
    d.stratum.push_back(s(gen));
    d.weight.push_back(weighted ? 0.25 + 3.0 * u(gen) : 1.0);
  }
  d.status[0] = 1;
  return d;
}

sc::LogrankStatus run(const Data& d, const sc::LogrankOptions& opt, bool weighted,
                      bool entry, sc::LogrankWorkspace& ws, sc::LogrankResult& res) {
  return sc::logrank_test(d.time.data(), d.status.data(), d.group.data(),
                          d.n_strata > 1 ? d.stratum.data() : nullptr, d.time.size(),
                          d.n_groups, d.n_strata, opt, ws, res,
                          weighted ? d.weight.data() : nullptr,
                          entry ? d.start.data() : nullptr);
}

// naive stratified log-rank X^2 (Mantel-Cox weights): risk set at t is
// {start < t <= stop} within the stratum; the first group is dropped and the
// (k-1)x(k-1) system solved by Gaussian elimination
double naive_logrank(const Data& d, bool weighted, bool entry) {
  const int k = d.n_groups;
  std::vector<double> u(k, 0.0), v(k * k, 0.0);
  for (int s = 0; s < d.n_strata; ++s) {
    std::vector<double> times;
    for (std::size_t i = 0; i < d.time.size(); ++i) {
      if ((d.n_strata == 1 || d.stratum[i] == s) && d.status[i] == 1) {
        times.push_back(d.time[i]);
      }
    }
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    for (double t : times) {
      std::vector<double> ng(k, 0.0), dg(k, 0.0);
      for (std::size_t i = 0; i < d.time.size(); ++i) {
        if (d.n_strata > 1 && d.stratum[i] != s) continue;
        const double lo = entry ? d.start[i] : -INFINITY;
        if (!(lo < t && t <= d.time[i])) continue;
        const double w = weighted ? d.weight[i] : 1.0;
        ng[d.group[i]] += w;
        if (d.time[i] == t && d.status[i] == 1) dg[d.group[i]] += w;
      }
      double n = 0.0, dd = 0.0;
      for (int g = 0; g < k; ++g) {
        n += ng[g];
        dd += dg[g];
      }
      for (int g = 0; g < k; ++g) u[g] += dg[g] - dd * ng[g] / n;
      if (n > 1.0) {
        const double f = dd * (n - dd) / (n * (n - 1.0));
        for (int g = 0; g < k; ++g) {
          for (int h = 0; h < k; ++h) {
            v[g + h * k] += f * ng[g] * ((g == h ? 1.0 : 0.0) - ng[h] / n);
          }
        }
      }
    }
  }
  const int m = k - 1;
  std::vector<double> a(m * m), b(m);
  for (int i = 0; i < m; ++i) {
    b[i] = u[i + 1];
    for (int j = 0; j < m; ++j) a[i + j * m] = v[(i + 1) + (j + 1) * k];
  }
  std::vector<double> x(b);
  for (int c = 0; c < m; ++c) {  // no pivoting needed: V is positive definite here
    for (int r = c + 1; r < m; ++r) {
      const double f = a[r + c * m] / a[c + c * m];
      for (int j = c; j < m; ++j) a[r + j * m] -= f * a[c + j * m];
      x[r] -= f * x[c];
    }
  }
  for (int c = m - 1; c >= 0; --c) {
    for (int j = c + 1; j < m; ++j) x[c] -= a[c + j * m] * x[j];
    x[c] /= a[c + c * m];
  }
  double stat = 0.0;
  for (int i = 0; i < m; ++i) stat += b[i] * x[i];
  return stat;
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

int main() {
  std::mt19937 gen(20261203);
  const std::size_t sizes[] = {36, 5000, 7, 36, 300, 4096, 2, 70000, 12};
  sc::LogrankWorkspace shared_ws;
  sc::LogrankResult shared_res;
  int set = 0;
  for (int w = 0; w <= 6; ++w) {
    for (std::size_t n : sizes) {
      ++set;
      const int k = 2 + set % 3;
      const int n_strata = set % 2 ? 1 : 3;
      const bool weighted = set % 4 == 0;
      const bool entry = set % 5 == 0;
      const Data d = make(n, k, n_strata, weighted, entry, gen);
      sc::LogrankOptions opt;
      opt.weight = static_cast<sc::LogrankWeight>(w);
      opt.p = 0.5;
      opt.q = 1.0;
      sc::LogrankWorkspace fresh_ws;
      sc::LogrankResult fresh;
      const sc::LogrankStatus a = run(d, opt, weighted, entry, shared_ws, shared_res);
      const sc::LogrankStatus b = run(d, opt, weighted, entry, fresh_ws, fresh);
      check(a == b, "status", set);
      check(shared_res.statistic == fresh.statistic, "statistic", set);
      check(shared_res.df == fresh.df && shared_res.rank == fresh.rank, "df", set);
      check(same(shared_res.observed, fresh.observed), "observed", set);
      check(same(shared_res.expected, fresh.expected), "expected", set);
      check(same(shared_res.var, fresh.var), "variance", set);
      check(same(shared_res.n, fresh.n), "n", set);
      if (w == 0 && n >= 7 && n <= 5000 && a == sc::LogrankStatus::ok) {
        const double ref = naive_logrank(d, weighted, entry);
        check(std::fabs(fresh.statistic - ref) <= 1e-9 * std::max(1.0, ref),
              "statistic against the naive reference", set);
      }
    }
  }
  std::printf("logrank workspace test: %d data sets, %d failures\n", set, failures);
  return failures == 0 ? 0 : 1;
}
