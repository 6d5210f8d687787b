// Best subsets of Cox model terms by the global score chi-square at beta = 0
// (SAS PROC PHREG SELECTION=SCORE; vignettes/methods.Rmd, "Best subsets").
//
// API (namespace survstep::core):
//
//   struct BestSubsetsSpec     terms (blocks of design columns), forced terms
//                              (SAS INCLUDE=), requested model sizes, how many
//                              subsets to keep per size, prune or not.
//   struct BestSubset          one selected subset: size, rank, statistic,
//                              df, terms (0-based, ascending, forced included).
//   struct BestSubsetsResult   the subsets (by size, then rank), the
//                              statistic of the forced terms alone, the number
//                              of subsets whose statistic was computed.
//   BestSubsetsResult best_subsets_score(const Eigen::VectorXd& u,
//                                        const Eigen::MatrixXd& imat,
//                                        const BestSubsetsSpec& spec,
//                                        const std::vector<char>* dead = nullptr,
//                                        Interrupt* interrupt = nullptr);
//        Given the score vector U and the information matrix I of ALL
//        candidate columns at one point (for the Cox model: beta = 0), the
//        statistic of a subset S of terms is U_S' I_SS^- U_S over its
//        columns, df = the rank of I_SS. Columns flagged in `dead` carry no
//        information and are never used. Pure linear algebra on one p x p
//        matrix: no likelihood evaluation per subset.
//   BestSubsetsResult cox_best_subsets(const CoxData& d, CoxTies ties,
//                                      const BestSubsetsSpec& spec,
//                                      Interrupt* interrupt = nullptr);
//        U(0) and I(0) of every column of d from one evaluation of the
//        partial likelihood (cox_loglik.hpp; Breslow, Efron or exact ties,
//        right-censored or (start, stop] data, strata, weights and offsets
//        as the data object has them), then best_subsets_score(). Each
//        statistic is what coxph(<subset>, iter.max = 0)$score reports.
//
// The search (a depth-first enumeration with branch and bound in the spirit
// of Furnival and Wilson's 1974 leaps and bounds):
//   * a node is a set S of terms (the forced terms and the candidates added
//     so far) with a list F of free candidates (those it may still add);
//     it keeps the conditional information and score of F given S,
//         A = I_FF - I_FS I_SS^- I_SF,   r = U_F - I_FS I_SS^- U_S,
//     so that stat(S + T) = stat(S) + r_T' A_TT^- r_T for T in F;
//   * its children are S + f_i with free terms f_(i+1), ..., f_m; a child's
//     A and r come from the parent's by eliminating f_i's columns (one
//     Gaussian elimination step per column, O(m^2));
//   * at each node F is ordered by the free terms' own conditional
//     statistics, largest first, so that good subsets are found early;
//   * bound: the statistic never decreases when terms are added (it is the
//     squared length of a projection of U on a larger space), so no subset
//     below child i beats stat(S + f_i + ... + f_m). One elimination of A in
//     reverse order gives these suffix statistics for every child at once
//     (O(m^3)). Child i and all later children are skipped when that bound
//     is below the best-th statistic found so far at every model size the
//     subtree can reach (later children have smaller bounds and reach fewer
//     sizes);
//   * pivots: column c is redundant given the columns eliminated before it
//     when its conditional information is <= toler times its own
//     information (1 - R^2 <= toler, a scale-free rule, as stepwise.hpp's).
// With spec.prune = false every subset of the requested sizes is visited in
// the same order; the selected subsets and their statistics are identical
// (each subset's statistic is computed along the same path either way).
// Ties in the statistic are broken by the lexicographic order of the term
// indices.
#ifndef SURVSTEP_CORE_BEST_SUBSETS_HPP
#define SURVSTEP_CORE_BEST_SUBSETS_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "cox_loglik.hpp"
#include "cox_newton.hpp"
#include "interrupt.hpp"

namespace survstep {
namespace core {

struct BestSubsetsSpec {
  std::vector<std::vector<int>> term_cols;  // 0-based design columns per term
  std::vector<bool> forced;                 // in every subset (SAS INCLUDE=)
  std::vector<int> sizes;                   // model sizes wanted: numbers of
                                            // terms, forced terms counted
  std::size_t best = 1;                     // subsets kept per size
  bool prune = true;                        // false: visit every subset
  double toler = 1.8189894035458617e-12;    // pivot rule (see above)
};

struct BestSubset {
  int size = 0;            // number of terms
  int rank = 0;            // 1 = largest statistic of its size
  double statistic = 0.0;  // score chi-square
  int df = 0;              // rank of I_SS
  std::vector<int> terms;  // 0-based, ascending, forced terms included
};

struct BestSubsetsResult {
  std::vector<BestSubset> subsets;  // by size ascending, then rank
  double forced_statistic = 0.0;    // the forced terms alone
  int forced_df = 0;
  std::uint64_t evaluated = 0;  // subsets whose statistic was computed
};

namespace best_subsets_detail {

// The best `cap` subsets of one size: a heap whose top is the worst kept.
class Keeper {
 public:
  explicit Keeper(std::size_t cap = 0) : cap_(cap) {}
  bool full() const { return cap_ == 0 || heap_.size() >= cap_; }
  double threshold() const {
    if (cap_ == 0) return std::numeric_limits<double>::infinity();
    return full() ? heap_.front().statistic : -std::numeric_limits<double>::infinity();
  }
  // worth building the entry? (ties with the worst are resolved in offer())
  bool may_enter(double stat) const { return !full() || stat >= heap_.front().statistic; }
  void offer(BestSubset&& s) {
    if (cap_ == 0) return;
    if (!full()) {
      heap_.push_back(std::move(s));
      std::push_heap(heap_.begin(), heap_.end(), better);
      return;
    }
    if (!better(s, heap_.front())) return;
    std::pop_heap(heap_.begin(), heap_.end(), better);
    heap_.back() = std::move(s);
    std::push_heap(heap_.begin(), heap_.end(), better);
  }
  std::vector<BestSubset> sorted() const {
    std::vector<BestSubset> out = heap_;
    std::sort(out.begin(), out.end(), better);
    return out;
  }
  // a ranks before b: larger statistic, then smaller term indices
  static bool better(const BestSubset& a, const BestSubset& b) {
    if (a.statistic != b.statistic) return a.statistic > b.statistic;
    return a.terms < b.terms;
  }

 private:
  std::size_t cap_;
  std::vector<BestSubset> heap_;  // heap under `better`: front = worst
};

// One node of the search: the free terms (in their order), their columns in
// the local matrices, and the conditional information and score. The
// matrices keep their capacity between visits (a level's first visit is its
// largest), so the search allocates nothing after warming up; only the
// leading m x m block is in use.
struct Node {
  std::vector<int> terms;  // free terms
  std::vector<int> off;    // terms.size() + 1 column offsets
  std::vector<int> col;    // original column of each local column
  int m = 0;               // free columns
  Eigen::MatrixXd a;       // conditional information of the free columns
  Eigen::VectorXd r;       // conditional score
  double stat = 0.0;       // statistic of the node's set
  int df = 0;
  bool sorted = false;  // free terms already in search order
  // scratch
  Eigen::MatrixXd w;
  Eigen::VectorXd v;
  std::vector<double> gain;
  std::vector<double> suffix;  // suffix[i] = stat(S + f_i + ... + f_m) - stat
  std::vector<int> order, tmp_terms, tmp_off, tmp_col, idx;
  std::vector<double> u, rr;
  void reserve(int cap) {
    if (a.rows() < cap) {
      a.resize(cap, cap);
      w.resize(cap, cap);
      r.resize(cap);
      v.resize(cap);
    }
  }
};

// Free terms by decreasing gain, ties by position (deterministic, no
// allocation).
inline void order_by_gain(const std::vector<double>& gain, std::vector<int>& order) {
  const int n = static_cast<int>(gain.size());
  order.resize(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&gain](int a, int b) {
    const double ga = gain[static_cast<std::size_t>(a)];
    const double gb = gain[static_cast<std::size_t>(b)];
    if (ga != gb) return ga > gb;
    return a < b;
  });
}

}  // namespace best_subsets_detail

class BestSubsetsSearch {
 public:
  BestSubsetsSearch(const Eigen::VectorXd& u, const Eigen::MatrixXd& imat,
                    const BestSubsetsSpec& spec, const std::vector<char>* dead,
                    Interrupt* interrupt)
      : u_(u), imat_(imat), spec_(spec), dead_(dead), intr_(interrupt) {}

  BestSubsetsResult run() {
    using best_subsets_detail::Keeper;
    const int nt = static_cast<int>(spec_.term_cols.size());
    std::vector<int> cand;
    for (int t = 0; t < nt; ++t) {
      if (is_forced(t)) {
        forced_.push_back(t);
      } else {
        cand.push_back(t);
      }
    }
    n_forced_ = static_cast<int>(forced_.size());
    kmax_ = 0;
    kmin_ = nt + 1;
    wanted_.assign(static_cast<std::size_t>(nt) + 1, 0);
    for (int k : spec_.sizes) {
      if (k < n_forced_ || k > nt || k < 1) continue;
      wanted_[static_cast<std::size_t>(k)] = 1;
      kmax_ = std::max(kmax_, k);
      kmin_ = std::min(kmin_, k);
    }
    keep_.clear();
    const int nc = static_cast<int>(cand.size());
    for (int k = 0; k <= nt; ++k) {
      std::size_t cap = 0;
      if (wanted_[static_cast<std::size_t>(k)]) {
        cap = std::min(spec_.best, choose(nc, k - n_forced_));
      }
      keep_.emplace_back(cap);
    }
    diag_ = imat_.diagonal();
    single_ = true;
    for (int t : cand)
      single_ = single_ && spec_.term_cols[static_cast<std::size_t>(t)].size() == 1;

    // the root: the forced columns eliminated from the full matrix
    BestSubsetsResult res;
    nodes_.assign(static_cast<std::size_t>(nc) + 1, best_subsets_detail::Node());
    std::vector<int> fcols, ccols;
    for (int t : forced_) append_cols(t, fcols);
    best_subsets_detail::Node& root = nodes_[0];
    root.off.assign(1, 0);
    for (int t : cand) {
      root.terms.push_back(t);
      append_cols(t, ccols);
      root.off.push_back(static_cast<int>(ccols.size()));
    }
    root.col = ccols;
    std::vector<int> all = fcols;
    all.insert(all.end(), ccols.begin(), ccols.end());
    const int nf = static_cast<int>(fcols.size());
    const int na = static_cast<int>(all.size());
    Eigen::MatrixXd w(na, na);
    Eigen::VectorXd v(na);
    for (int j = 0; j < na; ++j) {
      v(j) = u_(all[static_cast<std::size_t>(j)]);
      for (int i = 0; i < na; ++i) {
        w(i, j) =
            imat_(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
      }
    }
    double stat = 0.0;
    int df = 0;
    eliminate_leading(w, v, all.data(), 0, nf, stat, df);
    root.m = na - nf;
    root.reserve(root.m);
    root.a.topLeftCorner(root.m, root.m) = w.bottomRightCorner(root.m, root.m);
    root.r.head(root.m) = v.tail(root.m);
    root.stat = stat;
    root.df = df;
    root.sorted = false;
    res.forced_statistic = stat;
    res.forced_df = df;
    set_ = forced_;
    if (n_forced_ > 0 && n_forced_ <= nt &&
        wanted_[static_cast<std::size_t>(n_forced_)]) {
      offer(n_forced_, stat, df);
    }
    if (kmax_ > n_forced_) visit(0);

    res.evaluated = evaluated_ + (n_forced_ > 0 ? 1u : 0u);
    for (int k = 0; k <= nt; ++k) {
      std::vector<BestSubset> s = keep_[static_cast<std::size_t>(k)].sorted();
      for (std::size_t i = 0; i < s.size(); ++i) {
        s[i].rank = static_cast<int>(i) + 1;
        res.subsets.push_back(std::move(s[i]));
      }
    }
    return res;
  }

 private:
  using Mat = Eigen::MatrixXd;
  using Vec = Eigen::VectorXd;

  bool is_forced(int t) const {
    return static_cast<std::size_t>(t) < spec_.forced.size() &&
           spec_.forced[static_cast<std::size_t>(t)];
  }

  bool is_dead(int c) const {
    return dead_ != nullptr && static_cast<std::size_t>(c) < dead_->size() &&
           (*dead_)[static_cast<std::size_t>(c)] != 0;
  }

  void append_cols(int t, std::vector<int>& out) const {
    const std::vector<int>& c = spec_.term_cols[static_cast<std::size_t>(t)];
    out.insert(out.end(), c.begin(), c.end());
  }

  // n choose k, saturating at SIZE_MAX (k < 0 or k > n: 0)
  static std::size_t choose(int n, int k) {
    if (k < 0 || k > n) return 0;
    k = std::min(k, n - k);
    long double c = 1.0L;
    for (int i = 1; i <= k; ++i) c = c * static_cast<long double>(n - k + i) / i;
    const long double top =
        static_cast<long double>(std::numeric_limits<std::size_t>::max());
    return c >= top ? std::numeric_limits<std::size_t>::max()
                    : static_cast<std::size_t>(std::llround(c));
  }

  // Pivot acceptance for original column `c` with conditional information
  // `piv`.
  bool pivot_ok(double piv, int c) const {
    if (is_dead(c)) return false;
    const double ref = diag_(c);
    return piv > 0.0 && ref > 0.0 && piv > spec_.toler * ref;
  }

  // Eliminate local columns [from, to) of the leading n x n block of (w, v)
  // in order, updating the later columns; col[j] is the original column of
  // local column j. Adds to stat and df.
  void eliminate_leading(Mat& w, Vec& v, const int* col, int from, int to, double& stat,
                         int& df, int n = -1) const {
    if (n < 0) n = static_cast<int>(w.rows());
    for (int c = from; c < to; ++c) {
      const double piv = w(c, c);
      if (!pivot_ok(piv, col[c])) continue;
      const int q = n - c - 1;
      const double rc = v(c);
      stat += rc * rc / piv;
      ++df;
      if (q > 0) {
        v.segment(c + 1, q).noalias() -= w.col(c).segment(c + 1, q) * (rc / piv);
        w.block(c + 1, c + 1, q, q).noalias() -=
            w.col(c).segment(c + 1, q) * (w.row(c).segment(c + 1, q) / piv);
      }
    }
  }

  // The statistic gain of local columns [b0, b1) of node nd given its set
  // (the block alone, eliminated on a copy).
  double block_gain(best_subsets_detail::Node& nd, int b0, int b1, int& df) const {
    df = 0;
    const int k = b1 - b0;
    if (k == 1) {
      const double piv = nd.a(b0, b0);
      if (!pivot_ok(piv, nd.col[static_cast<std::size_t>(b0)])) return 0.0;
      df = 1;
      return nd.r(b0) * nd.r(b0) / piv;
    }
    Mat w = nd.a.block(b0, b0, k, k);
    Vec v = nd.r.segment(b0, k);
    double g = 0.0;
    eliminate_leading(w, v, nd.col.data() + b0, 0, k, g, df);
    return g;
  }

  // Reorder node nd's free terms (and its local matrices) by nd.order.
  static void permute(best_subsets_detail::Node& nd) {
    const int mt = static_cast<int>(nd.terms.size());
    nd.tmp_terms.resize(static_cast<std::size_t>(mt));
    nd.tmp_off.assign(1, 0);
    nd.tmp_col.clear();
    nd.idx.clear();
    for (int i = 0; i < mt; ++i) {
      const int t = nd.order[static_cast<std::size_t>(i)];
      nd.tmp_terms[static_cast<std::size_t>(i)] = nd.terms[static_cast<std::size_t>(t)];
      for (int c = nd.off[static_cast<std::size_t>(t)];
           c < nd.off[static_cast<std::size_t>(t) + 1]; ++c) {
        nd.idx.push_back(c);
        nd.tmp_col.push_back(nd.col[static_cast<std::size_t>(c)]);
      }
      nd.tmp_off.push_back(static_cast<int>(nd.idx.size()));
    }
    const int m = nd.m;
    for (int j = 0; j < m; ++j) {
      const int cj = nd.idx[static_cast<std::size_t>(j)];
      nd.v(j) = nd.r(cj);
      for (int i = 0; i < m; ++i)
        nd.w(i, j) = nd.a(nd.idx[static_cast<std::size_t>(i)], cj);
    }
    nd.a.swap(nd.w);
    nd.r.swap(nd.v);
    nd.terms.swap(nd.tmp_terms);
    nd.off.swap(nd.tmp_off);
    nd.col.swap(nd.tmp_col);
  }

  // suffix[i] = stat(S + f_i + ... + f_m) - stat(S): eliminate the columns
  // from the last backwards on a copy, recording the running sum at the
  // first column of every term.
  void suffix_bounds(best_subsets_detail::Node& nd) const {
    const int mt = static_cast<int>(nd.terms.size());
    const int m = nd.m;
    nd.w.topLeftCorner(m, m) = nd.a.topLeftCorner(m, m);
    nd.v.head(m) = nd.r.head(m);
    nd.suffix.assign(static_cast<std::size_t>(mt), 0.0);
    double acc = 0.0;
    for (int i = mt - 1; i >= 0; --i) {
      for (int c = nd.off[static_cast<std::size_t>(i) + 1] - 1;
           c >= nd.off[static_cast<std::size_t>(i)]; --c) {
        const double piv = nd.w(c, c);
        if (!pivot_ok(piv, nd.col[static_cast<std::size_t>(c)])) continue;
        const double rc = nd.v(c);
        acc += rc * rc / piv;
        if (c > 0) {
          nd.v.head(c).noalias() -= nd.w.col(c).head(c) * (rc / piv);
          nd.w.topLeftCorner(c, c).noalias() -=
              nd.w.col(c).head(c) * (nd.w.row(c).head(c) / piv);
        }
      }
      nd.suffix[static_cast<std::size_t>(i)] = acc;
    }
  }

  void offer(int size, double stat, int df) {
    best_subsets_detail::Keeper& k = keep_[static_cast<std::size_t>(size)];
    if (!k.may_enter(stat)) return;
    BestSubset s;
    s.size = size;
    s.statistic = stat;
    s.df = df;
    s.terms = set_;
    std::sort(s.terms.begin(), s.terms.end());
    k.offer(std::move(s));
  }

  // The smallest threshold over the wanted sizes in [lo, hi].
  double threshold(int lo, int hi) const {
    double thr = std::numeric_limits<double>::infinity();
    for (int k = std::max(lo, kmin_); k <= std::min(hi, kmax_); ++k) {
      if (wanted_[static_cast<std::size_t>(k)]) {
        thr = std::min(thr, keep_[static_cast<std::size_t>(k)].threshold());
      }
    }
    return thr;
  }

  // Child i of nd when every free term is one column (local column i =
  // term i): its set's statistic and df, and (build) its node, already in
  // search order, in one pass over the parent's matrix.
  void child_single(best_subsets_detail::Node& nd, int i, best_subsets_detail::Node& ch,
                    bool build, double& stat, int& df) const {
    const int m = nd.m;
    const double piv = nd.a(i, i);
    const bool ok = pivot_ok(piv, nd.col[static_cast<std::size_t>(i)]);
    const double ri = nd.r(i);
    stat = nd.stat;
    df = nd.df;
    if (ok) {
      stat += ri * ri / piv;
      ++df;
    }
    if (!build) return;
    const int rest = m - i - 1;
    // the child's conditional score and diagonal, its terms' gains
    nd.u.resize(static_cast<std::size_t>(rest));
    nd.rr.resize(static_cast<std::size_t>(rest));
    ch.gain.resize(static_cast<std::size_t>(rest));
    for (int j = 0; j < rest; ++j) {
      const int cj = i + 1 + j;
      const double uj = ok ? nd.a(cj, i) / piv : 0.0;
      const double rj = nd.r(cj) - uj * ri;
      const double dj = nd.a(cj, cj) - uj * nd.a(i, cj);
      nd.u[static_cast<std::size_t>(j)] = uj;
      nd.rr[static_cast<std::size_t>(j)] = rj;
      ch.gain[static_cast<std::size_t>(j)] =
          pivot_ok(dj, nd.col[static_cast<std::size_t>(cj)]) ? rj * rj / dj : 0.0;
    }
    best_subsets_detail::order_by_gain(ch.gain, ch.order);
    ch.m = rest;
    ch.reserve(rest);
    ch.terms.resize(static_cast<std::size_t>(rest));
    ch.col.resize(static_cast<std::size_t>(rest));
    ch.off.resize(static_cast<std::size_t>(rest) + 1);
    for (int q = 0; q < rest; ++q) {
      const int oq = ch.order[static_cast<std::size_t>(q)];
      const int cq = i + 1 + oq;
      ch.terms[static_cast<std::size_t>(q)] = nd.terms[static_cast<std::size_t>(cq)];
      ch.col[static_cast<std::size_t>(q)] = nd.col[static_cast<std::size_t>(cq)];
      ch.off[static_cast<std::size_t>(q)] = q;
      ch.r(q) = nd.rr[static_cast<std::size_t>(oq)];
      const double aiq = nd.a(i, cq);
      for (int p = 0; p < rest; ++p) {
        const int op = ch.order[static_cast<std::size_t>(p)];
        ch.a(p, q) = nd.a(i + 1 + op, cq) - nd.u[static_cast<std::size_t>(op)] * aiq;
      }
    }
    ch.off[static_cast<std::size_t>(rest)] = rest;
    ch.stat = stat;
    ch.df = df;
    ch.sorted = true;
  }

  // Child i of nd in general (terms of several columns): eliminate f_i from
  // a copy of the columns of f_i, ..., f_m; the child sorts itself.
  void child_general(best_subsets_detail::Node& nd, int i, best_subsets_detail::Node& ch,
                     bool build, double& stat, int& df) const {
    const int mt = static_cast<int>(nd.terms.size());
    const int c0 = nd.off[static_cast<std::size_t>(i)];
    const int c1 = nd.off[static_cast<std::size_t>(i) + 1];
    if (!build) {
      int d = 0;
      const double g = block_gain(nd, c0, c1, d);
      stat = nd.stat + g;
      df = nd.df + d;
      return;
    }
    const int m = nd.m;
    const int len = m - c0;
    ch.reserve(len);
    ch.w.topLeftCorner(len, len) = nd.a.block(c0, c0, len, len);
    ch.v.head(len) = nd.r.segment(c0, len);
    stat = nd.stat;
    df = nd.df;
    eliminate_leading(ch.w, ch.v, nd.col.data() + c0, 0, c1 - c0, stat, df, len);
    const int k = c1 - c0;
    const int rest = m - c1;
    ch.m = rest;
    ch.a.topLeftCorner(rest, rest) = ch.w.block(k, k, rest, rest);
    ch.r.head(rest) = ch.v.segment(k, rest);
    ch.col.assign(nd.col.begin() + c1, nd.col.begin() + m);
    ch.terms.assign(nd.terms.begin() + i + 1, nd.terms.end());
    ch.off.clear();
    for (int j = i + 1; j <= mt; ++j)
      ch.off.push_back(nd.off[static_cast<std::size_t>(j)] - c1);
    ch.stat = stat;
    ch.df = df;
    ch.sorted = false;
  }

  void visit(int level) {
    best_subsets_detail::Node& nd = nodes_[static_cast<std::size_t>(level)];
    const int mt = static_cast<int>(nd.terms.size());
    const int nin = n_forced_ + level;  // terms in the node's set
    if (mt == 0 || nin >= kmax_) return;
    if (intr_) intr_->poll(static_cast<std::uint64_t>(mt));

    if (!nd.sorted) {
      // order the free terms by their own conditional statistic
      nd.gain.resize(static_cast<std::size_t>(mt));
      for (int i = 0; i < mt; ++i) {
        int d = 0;
        nd.gain[static_cast<std::size_t>(i)] =
            block_gain(nd, nd.off[static_cast<std::size_t>(i)],
                       nd.off[static_cast<std::size_t>(i) + 1], d);
      }
      best_subsets_detail::order_by_gain(nd.gain, nd.order);
      permute(nd);
      nd.sorted = true;
    }

    bool have_bounds = false;
    for (int i = 0; i < mt; ++i) {
      const int child_size = nin + 1;
      const int reach = nin + (mt - i);  // child plus every later free term
      if (reach < kmin_) break;          // later children reach even less
      const double thr = threshold(child_size, reach);
      // no wanted size in the subtree's reach (nor in the later children's)
      if (thr == std::numeric_limits<double>::infinity()) break;
      if (spec_.prune) {
        if (thr > -std::numeric_limits<double>::infinity()) {
          if (!have_bounds) {
            suffix_bounds(nd);
            have_bounds = true;
          }
          const double bound = nd.stat + nd.suffix[static_cast<std::size_t>(i)];
          const double slack = 1e-8 * (1.0 + std::fabs(thr));
          if (bound < thr - slack) break;  // and every later child
        }
      }
      set_.push_back(nd.terms[static_cast<std::size_t>(i)]);
      ++evaluated_;
      // (whether the child's node is built does not depend on the bounds,
      // so that every subset's statistic is computed along the same path
      // with and without pruning)
      const bool descend = i + 1 < mt && child_size < kmax_;
      best_subsets_detail::Node& ch = nodes_[static_cast<std::size_t>(level) + 1];
      double stat = 0.0;
      int df = 0;
      if (single_) {
        child_single(nd, i, ch, descend, stat, df);
      } else {
        child_general(nd, i, ch, descend, stat, df);
      }
      if (wanted_[static_cast<std::size_t>(child_size)]) offer(child_size, stat, df);
      if (descend) visit(level + 1);
      set_.pop_back();
    }
  }

  const Eigen::VectorXd& u_;
  const Eigen::MatrixXd& imat_;
  const BestSubsetsSpec& spec_;
  const std::vector<char>* dead_;
  Interrupt* intr_;
  Eigen::VectorXd diag_;
  std::vector<int> forced_;
  int n_forced_ = 0;
  int kmin_ = 0, kmax_ = 0;
  bool single_ = true;  // every candidate term is one column
  std::vector<char> wanted_;
  std::vector<best_subsets_detail::Keeper> keep_;
  std::vector<best_subsets_detail::Node> nodes_;
  std::vector<int> set_;
  std::uint64_t evaluated_ = 0;
};

inline BestSubsetsResult best_subsets_score(const Eigen::VectorXd& u,
                                            const Eigen::MatrixXd& imat,
                                            const BestSubsetsSpec& spec,
                                            const std::vector<char>* dead = nullptr,
                                            Interrupt* interrupt = nullptr) {
  BestSubsetsSearch search(u, imat, spec, dead, interrupt);
  return search.run();
}

inline BestSubsetsResult cox_best_subsets(const CoxData& d, CoxTies ties,
                                          const BestSubsetsSpec& spec,
                                          Interrupt* interrupt = nullptr) {
  // U(0) and I(0) on the centred-and-scaled columns (the statistics are
  // invariant to the scaling; the pivot rule is scale free)
  CoxWork w;
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(d.p);
  cox_evaluate_scaled(d, d.p > 0 ? zero.data() : nullptr, ties, cox_what_info, w,
                      interrupt);
  std::vector<char> dead;
  const bool any_dead = d.p > 0 && cox_inestimable(d, dead);
  const Eigen::VectorXd u = w.u;
  const Eigen::MatrixXd imat = w.imat;
  return best_subsets_score(u, imat, spec, any_dead ? &dead : nullptr, interrupt);
}

}  // namespace core
}  // namespace survstep

#endif
