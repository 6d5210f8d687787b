// Distribution helpers for the numerical core: one Boost.Math policy alias,
// upper tails through complement() (never 1 - cdf).
#ifndef SURVSTEP_CORE_DISTRIBUTIONS_HPP
#define SURVSTEP_CORE_DISTRIBUTIONS_HPP

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/policies/policy.hpp>

#include <cmath>
#include <limits>

namespace survstep {
namespace core {

// Errors become NaN / Inf values instead of exceptions; no float promotion so
// results match R's double-precision pchisq()/qnorm() closely.
using math_policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

// P(X > x) for X ~ chi-square(df); NaN for invalid input.
inline double chisq_upper(double x, double df) {
  if (!(df > 0.0) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  boost::math::chi_squared_distribution<double, math_policy> d(df);
  return boost::math::cdf(boost::math::complement(d, x));
}

// Standard normal quantile.
inline double norm_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) return std::numeric_limits<double>::quiet_NaN();
  boost::math::normal_distribution<double, math_policy> d(0.0, 1.0);
  return boost::math::quantile(d, p);
}

// Two-sided normal p-value for a z statistic.
inline double norm_two_sided(double z) {
  if (std::isnan(z)) return std::numeric_limits<double>::quiet_NaN();
  boost::math::normal_distribution<double, math_policy> d(0.0, 1.0);
  return 2.0 * boost::math::cdf(boost::math::complement(d, std::fabs(z)));
}

}  // namespace core
}  // namespace survstep

#endif
