#!/usr/bin/env Rscript
# Tests of the search (survstep installed from this tree first):
#   Rscript analysis/du2015/test.R
# About two minutes, most of it compiling the search.
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
here <- if (length(file_arg)) {
  dirname(normalizePath(sub("^--file=", "", file_arg[1])))
} else {
  normalizePath(file.path("analysis", "du2015"))
}
res <- testthat::test_dir(file.path(here, "tests"), stop_on_failure = TRUE)
