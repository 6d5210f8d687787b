# Differential fuzzing of survstep against survival (issue 7).
#
#   Rscript inst/fuzz/fuzz.R --n 2000 --seed 1 [--lib PATH] [--out FILE]
#                            [--batch 25] [--max-n 5000] [--timeout 900]
#                            [--from 1]
#   Rscript inst/fuzz/fuzz.R --replay SEED:INDEX [--lib PATH]
#
# Checks data sets 1..n (or --from..n, to split a run) of run `seed` in batches, each batch in a child R
# process (base system2()), so that a crash is counted and the run goes on.
# Prints the numbers of data sets, comparisons, disagreements by class and
# crashes; writes the unexplained disagreements (seed, index, what differed)
# to --out (default fuzz-unexplained-SEED.csv in the working directory).
# `--replay SEED:INDEX` reruns one data set in this process and prints it.
# `--lib` is the library holding the survstep to test (default: the usual
# library paths). The functions are in fuzz-lib.R next to this script (or
# in the installed package's fuzz/ directory).

args <- commandArgs(trailingOnly = TRUE)
opt <- list(n = "200", seed = "1", lib = "", out = "", batch = "25",
            `max-n` = "5000", timeout = "900", replay = "", from = "1")
i <- 1L
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!key %in% names(opt) || i == length(args)) {
    stop("usage: fuzz.R --n N --seed S [--lib PATH] [--out FILE] ",
         "[--batch B] [--max-n M] [--timeout SECONDS] [--from I] | ",
         "--replay SEED:INDEX",
         call. = FALSE)
  }
  opt[[key]] <- args[i + 1L]
  i <- i + 2L
}
if (nzchar(opt$lib)) .libPaths(c(opt$lib, .libPaths()))
suppressPackageStartupMessages({
  library(survival)
  library(survstep)
})

here <- sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))
lib_file <- if (length(here)) file.path(dirname(here[1]), "fuzz-lib.R") else ""
if (!file.exists(lib_file)) {
  lib_file <- system.file("fuzz", "fuzz-lib.R", package = "survstep")
}
options(survstep.fuzz_lib = normalizePath(lib_file))
source(lib_file)
max_n <- as.integer(opt$`max-n`)

if (nzchar(opt$replay)) {
  si <- as.numeric(strsplit(opt$replay, ":", fixed = TRUE)[[1]])
  fz_replay(si[1], si[2], max_n = max_n)
  quit(status = 0)
}

seed <- as.numeric(opt$seed)
n <- as.integer(opt$n)
first <- as.integer(opt$from)
cat(sprintf("survstep %s, survival %s; seed %s, data sets %d..%d (n <= %d)\n",
            utils::packageVersion("survstep"),
            utils::packageVersion("survival"), seed, first, n, max_n))
t0 <- proc.time()[["elapsed"]]
res <- fz_run_children(seed, n, batch = as.integer(opt$batch),
                       lib = if (nzchar(opt$lib)) opt$lib,
                       timeout = as.numeric(opt$timeout), max_n = max_n,
                       first = first)
cat(sprintf("\nelapsed: %.0f s\n", proc.time()[["elapsed"]] - t0))
s <- fz_print_summary(res)
out <- if (nzchar(opt$out)) opt$out else
  sprintf("fuzz-unexplained-%s.csv", seed)
if (nrow(s$unexplained)) {
  utils::write.csv(s$unexplained, out, row.names = FALSE)
  cat(sprintf("unexplained cases written to %s; replay one with\n", out))
  for (k in unique(s$unexplained$index)) {
    cat(sprintf("  Rscript inst/fuzz/fuzz.R --replay %s:%d%s\n", seed, k,
                if (max_n != 5000L) paste(" --max-n", max_n) else ""))
  }
}
quit(status = if (s$crashes > 0 || nrow(s$unexplained) > 0) 1 else 0)
