#!/usr/bin/env bash
# The main job: reproduce Du et al. 2015 (Medicine 94:e1429) with survstep.
#   bash inst/scripts/reproduce.sh [output-folder]     (default: ./output)
# Installs missing dependencies, installs survstep from this checkout, then
# writes Tables 1-3 (CSV, Markdown), Figure 1A-C (PNG, PDF) and the
# published-versus-reproduced comparison into the output folder.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-output}
bash "$here/inst/scripts/install-deps.sh"
log=$(mktemp)
echo "reproduce: installing survstep from $here"
R CMD INSTALL --no-test-load "$here" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm -f "$log"
Rscript --vanilla "$here/inst/scripts/reproduce-g3nelm.R" "$out"
