#!/usr/bin/env bash
# Runs survstep's whole test suite from a source checkout:
#   bash inst/scripts/test.sh
# Installs missing dependencies, installs the package into a private library
# (nothing in the checkout or the user library changes) and runs every
# testthat file, snapshots included. Ends with "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bash "$here/inst/scripts/install-deps.sh"
lib=$(mktemp -d)
trap 'rm -rf "$lib"' EXIT
R CMD INSTALL --no-test-load -l "$lib" "$here" >"$lib/install.log" 2>&1 || {
  cat "$lib/install.log" >&2
  echo "0 passed, 1 failed"
  exit 1
}
cd "$here/tests/testthat"
NOT_CRAN=true R_LIBS="$lib${R_LIBS:+:$R_LIBS}" Rscript --vanilla -e '
  library(testthat)
  library(survstep)
  res <- test_dir(".", package = "survstep", load_package = "installed",
                  reporter = ProgressReporter$new(show_praise = FALSE),
                  stop_on_failure = FALSE)
  df <- as.data.frame(res)
  failed <- sum(df$failed) + sum(df$error)
  passed <- sum(df$nb) - sum(df$failed) - sum(df$skipped)
  cat(sprintf("\n%d passed, %d failed, %d skipped\n", passed, failed,
              sum(df$skipped)))
  quit(status = if (failed > 0) 1 else 0)
'
