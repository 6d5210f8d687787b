// Every core header in one translation unit: a duplicate definition (an
// ODR violation between headers) or a header that does not stand on its own
// fails to compile. Checked by .ci/run (step 2b); not part of the package.
#include "survstep/best_subsets.hpp"
#include "survstep/bootstrap.hpp"
#include "survstep/cholesky.hpp"
#include "survstep/concordance.hpp"
#include "survstep/cox_aggregate.hpp"
#include "survstep/cox_counting.hpp"
#include "survstep/cox_exact.hpp"
#include "survstep/cox_firth.hpp"
#include "survstep/cox_loglik.hpp"
#include "survstep/cox_model.hpp"
#include "survstep/cox_newton.hpp"
#include "survstep/cox_residuals.hpp"
#include "survstep/cox_survfit.hpp"
#include "survstep/distributions.hpp"
#include "survstep/interrupt.hpp"
#include "survstep/km.hpp"
#include "survstep/logrank.hpp"
#include "survstep/newton.hpp"
#include "survstep/options.hpp"
#include "survstep/permutation.hpp"
#include "survstep/risk_sets.hpp"
#include "survstep/stepwise.hpp"

int main() { return 0; }
