library(testthat)
library(survstep)

test_check("survstep")
