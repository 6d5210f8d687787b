// Symmetric LDL' factorisation with a singularity tolerance, as used by the
// Cox solver (the semantics of survival's cholesky2 / chsolve2 / chinv2):
//
//   int  chol_decompose(Eigen::MatrixXd& m, double toler);
//        m: symmetric p x p (lower triangle and diagonal are read). On return
//        the strict lower triangle holds the unit lower factor L and the
//        diagonal holds D. A pivot that is not finite or is below
//        toler * (largest positive diagonal element) is declared redundant:
//        its D is set to 0 and its row/column take no part in the
//        factorisation (the factor is that of the principal submatrix of the
//        non-redundant columns). Returns the rank, negated when a redundant
//        pivot was clearly negative (< -8 * threshold: not non-negative
//        definite); 0 when no diagonal element is positive.
//   int  chol_decompose_relative(Eigen::MatrixXd& m, double toler,
//                                const double* ref = nullptr);
//        The same factor with a scale-free pivot rule: pivot i is redundant
//        when it is not finite or is below toler * ref[i], ref being the
//        original diagonal of m (nullptr) or the caller's reference
//        diagonal (e.g. the diagonal of the matrix a Schur complement was
//        taken from); a column whose reference is not positive is
//        redundant. A pivot divided by its reference is 1 - R^2 of the
//        column on the kept earlier ones, so the decisions, the rank and
//        every quadratic form are unchanged when m is replaced by D m D for
//        any positive diagonal D (rescaled covariates); chol_decompose's
//        rule, relative to the largest diagonal element, is not
//        (vignettes/methods.Rmd, "Scale invariance").
//   void chol_solve(const Eigen::MatrixXd& f, double* y);
//        Solve A b = y in place with the factor from chol_decompose;
//        components of redundant columns are set to 0.
//   void chol_inverse(const Eigen::MatrixXd& f, Eigen::MatrixXd& out);
//        Generalised inverse: the inverse of the non-redundant principal
//        submatrix, with zero rows and columns for the redundant ones.
//   double chol_quadratic(const Eigen::MatrixXd& f, const double* y,
//                         double* work);
//        y' A^- y (work: length-p scratch).
#ifndef SURVSTEP_CORE_CHOLESKY_HPP
#define SURVSTEP_CORE_CHOLESKY_HPP

#include <Eigen/Dense>
#include <cmath>
#include <limits>

namespace survstep {
namespace core {

namespace detail {
// The LDL' loop shared by both pivot rules: thresh(i) is the threshold of
// pivot i (below it, or not finite, the column is redundant).
template <class Thresh>
inline int chol_decompose_impl(Eigen::MatrixXd& m, Thresh thresh) {
  const int p = static_cast<int>(m.rows());
  int rank = 0;
  bool nonneg = true;
  for (int i = 0; i < p; ++i) {
    const double piv = m(i, i);
    const double t = thresh(i);
    if (!std::isfinite(piv) || !(piv >= t) || !(t >= 0.0)) {
      if (piv < -8.0 * t || t < 0.0) nonneg = false;
      m(i, i) = 0.0;
      // a redundant column takes no part: its multipliers are zero
      for (int j = i + 1; j < p; ++j) m(j, i) = 0.0;
      continue;
    }
    ++rank;
    for (int j = i + 1; j < p; ++j) {
      const double lji = m(j, i) / piv;
      // trailing update of column j (rows >= j) uses the raw column i
      m(j, j) -= lji * m(j, i);
      for (int k = j + 1; k < p; ++k) m(k, j) -= lji * m(k, i);
    }
    for (int j = i + 1; j < p; ++j) m(j, i) /= piv;
  }
  return nonneg ? rank : -rank;
}

inline void chol_zero(Eigen::MatrixXd& m) {
  const int p = static_cast<int>(m.rows());
  for (int i = 0; i < p; ++i) {
    m(i, i) = 0.0;
    for (int j = i + 1; j < p; ++j) m(j, i) = 0.0;
  }
}
}  // namespace detail

inline int chol_decompose(Eigen::MatrixXd& m, double toler) {
  const int p = static_cast<int>(m.rows());
  double big = 0.0;
  for (int i = 0; i < p; ++i) {
    if (m(i, i) > big) big = m(i, i);
  }
  if (!(big > 0.0)) {
    detail::chol_zero(m);
    return 0;
  }
  const double thresh = big * toler;
  // a pivot equal to a positive threshold is kept, one below it is not
  return detail::chol_decompose_impl(m, [thresh](int) { return thresh; });
}

inline int chol_decompose_relative(Eigen::MatrixXd& m, double toler,
                                   const double* ref = nullptr) {
  const int p = static_cast<int>(m.rows());
  Eigen::VectorXd t(p);
  bool any = false;
  for (int i = 0; i < p; ++i) {
    const double r = ref ? ref[i] : m(i, i);
    // a reference that is not positive makes the column redundant (NaN
    // threshold); a negative one also marks the matrix as indefinite
    t[i] = r > 0.0 && std::isfinite(r)
               ? toler * r
               : (r < 0.0 ? -1.0 : std::numeric_limits<double>::quiet_NaN());
    any = any || r > 0.0;
  }
  if (!any) {
    detail::chol_zero(m);
    return 0;
  }
  return detail::chol_decompose_impl(m, [&t](int i) { return t[i]; });
}

inline void chol_solve(const Eigen::MatrixXd& f, double* y) {
  const int p = static_cast<int>(f.rows());
  for (int i = 0; i < p; ++i) {
    double s = y[i];
    for (int j = 0; j < i; ++j) s -= f(i, j) * y[j];
    y[i] = s;
  }
  for (int i = p - 1; i >= 0; --i) {
    if (f(i, i) == 0.0) {
      y[i] = 0.0;
      continue;
    }
    double s = y[i] / f(i, i);
    for (int j = i + 1; j < p; ++j) s -= f(j, i) * y[j];
    y[i] = s;
  }
}

inline void chol_inverse(const Eigen::MatrixXd& f, Eigen::MatrixXd& out) {
  const int p = static_cast<int>(f.rows());
  out.resize(p, p);
  // strict lower triangle of out <- L^{-1} (unit lower); multipliers of
  // redundant rows are ignored.
  for (int k = 0; k < p; ++k) {
    out(k, k) = 1.0;
    for (int j = k + 1; j < p; ++j) {
      if (f(j, j) == 0.0 || f(k, k) == 0.0) {
        out(j, k) = 0.0;
        continue;
      }
      double s = -f(j, k);
      for (int i = k + 1; i < j; ++i) {
        if (f(i, i) != 0.0) s -= f(j, i) * out(i, k);
      }
      out(j, k) = s;
    }
  }
  // V(i, k) = sum_{j >= max(i, k)} Linv(j, i) Dinv(j) Linv(j, k); computed
  // into the upper triangle (i <= k) then mirrored.
  for (int i = 0; i < p; ++i) {
    for (int k = i; k < p; ++k) {
      double s = 0.0;
      if (f(i, i) != 0.0 && f(k, k) != 0.0) {
        for (int j = k; j < p; ++j) {
          if (f(j, j) == 0.0) continue;
          const double lji = (j == i) ? 1.0 : out(j, i);
          const double ljk = (j == k) ? 1.0 : out(j, k);
          s += lji * ljk / f(j, j);
        }
      }
      if (i == k) {
        out(i, i) = s;
      } else {
        out(i, k) = s;  // upper triangle: Linv (lower) still intact
      }
    }
  }
  for (int i = 0; i < p; ++i) {
    for (int k = i + 1; k < p; ++k) out(k, i) = out(i, k);
  }
}

inline double chol_quadratic(const Eigen::MatrixXd& f, const double* y, double* work) {
  const int p = static_cast<int>(f.rows());
  for (int i = 0; i < p; ++i) work[i] = y[i];
  chol_solve(f, work);
  double s = 0.0;
  for (int i = 0; i < p; ++i) s += y[i] * work[i];
  return s;
}

}  // namespace core
}  // namespace survstep

#endif
