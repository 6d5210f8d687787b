# Reproduce Du et al. 2015 with survstep:
#   Rscript inst/scripts/reproduce-g3nelm.R [output-folder]
# The cohort is SYNTHETIC (reconstructed from the paper's published
# summaries; see ?survstep::g3nelm).
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "output"
options(width = 160)
res <- survstep::du2015_reproduce(out)
print(res)
