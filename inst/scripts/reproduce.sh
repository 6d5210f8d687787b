#!/usr/bin/env bash
# The main job: reproduce Du et al. 2015 (Medicine 94:e1429) with survstep.
#   bash inst/scripts/reproduce.sh [output-folder]     (default: ./output)
# Installs missing dependencies, builds survstep from this checkout with its
# vignettes and installs it (so vignette("du2015-g3-nelm", package =
# "survstep") works afterwards), then writes Tables 1-3 (CSV, Markdown),
# Figure 1A-C (PNG, PDF), the published-versus-reproduced comparison and the
# rendered vignettes (HTML, in vignettes/) into the output folder.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-output}
bash "$here/inst/scripts/install-deps.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "reproduce: building survstep and its vignettes from $here"
(cd "$work" && R CMD build "$here" >"$work/build.log" 2>&1) ||
  { cat "$work/build.log" >&2; exit 1; }
echo "reproduce: installing $(basename "$work"/survstep_*.tar.gz)"
R CMD INSTALL --no-test-load "$work"/survstep_*.tar.gz >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; exit 1; }
Rscript --vanilla "$here/inst/scripts/reproduce-g3nelm.R" "$out"
mkdir -p "$out/vignettes"
doc=$(Rscript --vanilla -e 'cat(system.file("doc", package = "survstep"))')
cp "$doc"/*.html "$out/vignettes/"
echo "reproduce: vignettes (HTML) in $out/vignettes: $(cd "$out/vignettes" && ls | tr '\n' ' ')"
