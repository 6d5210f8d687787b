# Setup of the compendium's tests (run by ../test.R; the working directory is
# this folder): the search compiled against the installed survstep, and the
# package's independent reference values for the cohort.
library(testthat)
library(survival)
library(survstep)

compendium <- normalizePath("..")
source(file.path(compendium, "search.R"))
load_g3nelm_search(compendium, environment())
source(file.path(compendium, "..", "..", "tests", "testthat",
                 "helper-g3nelm-reference.R"))
