#!/usr/bin/env bash
# Installs what survstep needs to build, test and render its vignettes:
# R packages Rcpp, RcppEigen, BH, generics, roxygen2, pkgbuild, knitr,
# rmarkdown (plus pandoc and qpdf for R CMD check). Uses Debian's prebuilt
# r-cran-* packages when running as root on Debian/Ubuntu, otherwise the
# CRAN repository configured in R (getOption("repos")).
set -euo pipefail

need=$(Rscript --vanilla -e '
  pk <- c("Rcpp", "RcppEigen", "BH", "generics", "survival", "testthat",
          "roxygen2", "pkgbuild", "knitr", "rmarkdown")
  cat(setdiff(pk, rownames(installed.packages())), sep = " ")')
missing_tools=""
command -v pandoc >/dev/null 2>&1 || missing_tools="$missing_tools pandoc"
command -v qpdf >/dev/null 2>&1 || missing_tools="$missing_tools qpdf"

if [ -z "$need" ] && [ -z "$missing_tools" ]; then
  echo "install-deps: every required package is already installed"
else
  echo "install-deps: missing R packages: ${need:-none}; tools: ${missing_tools:-none}"

  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    debs="$missing_tools"
    for p in $need; do debs="$debs r-cran-$(echo "$p" | tr 'A-Z' 'a-z')"; done
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $debs >/dev/null
  else
    if [ -n "$need" ]; then
      # not --vanilla: the repository is set in the site profile
      Rscript -e "
        repos <- getOption('repos')
        if (is.null(repos) || identical(unname(repos['CRAN']), '@CRAN@'))
          stop('No CRAN repository is configured: set options(repos = ...)')
        install.packages(strsplit('$need', ' ')[[1]], repos = repos)"
    fi
    if [ -n "$missing_tools" ]; then
      echo "install-deps: please install$missing_tools with your system's package manager" >&2
    fi
  fi
fi

still=$(Rscript --vanilla -e '
  pk <- c("Rcpp", "RcppEigen", "BH", "generics", "survival", "testthat",
          "roxygen2", "pkgbuild", "knitr", "rmarkdown")
  cat(setdiff(pk, rownames(installed.packages())), sep = " ")')
if [ -n "$still" ]; then
  echo "install-deps: could not install: $still" >&2
  exit 1
fi
# optional (Suggests): figures in ggplot2, Word tables, broom's columns,
# database tables, rms (the layout of validate.cph()), coin; tests skip without them
opt=$(Rscript --vanilla -e '
  pk <- c("ggplot2", "patchwork", "flextable", "broom", "coin", "DBI", "RSQLite", "dbplyr",
          "dplyr", "rms")
  cat(setdiff(pk, rownames(installed.packages())), sep = " ")')
if [ -n "$opt" ]; then
  echo "install-deps: optional packages: $opt"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    debs=""
    for p in $opt; do debs="$debs r-cran-$(echo "$p" | tr 'A-Z' 'a-z')"; done
    apt-get update -qq >/dev/null || true
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $debs >/dev/null ||
      echo "install-deps: could not install the optional$debs (their tests will skip)" >&2
  else
    Rscript -e "try(install.packages(strsplit('$opt', ' ')[[1]], repos = getOption('repos')))" ||
      echo "install-deps: could not install the optional $opt (their tests will skip)" >&2
  fi
fi
# optional packages that Debian does not build (coxphf: the Firth oracle of
# test-firth-coxphf.R), from the CRAN repository configured in R
cran_opt=$(Rscript --vanilla -e '
  pk <- c("coxphf")
  cat(setdiff(pk, rownames(installed.packages())), sep = " ")')
if [ -n "$cran_opt" ]; then
  echo "install-deps: optional packages from CRAN: $cran_opt"
  Rscript -e "r <- getOption('repos'); if (!identical(unname(r['CRAN']), '@CRAN@')) try(install.packages(strsplit('$cran_opt', ' ')[[1]], repos = r)) else message('no CRAN repository configured')" || true
  # (install.packages() only warns when it fails: look again)
  cran_left=$(Rscript --vanilla -e "cat(setdiff(strsplit('$cran_opt', ' ')[[1]], rownames(installed.packages())), sep = ' ')")
  if [ -n "$cran_left" ]; then
    echo "install-deps: could not install the optional $cran_left (their tests will skip)" >&2
  fi
fi
echo "install-deps: done"
