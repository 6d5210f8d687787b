# Ctrl-C in a child process: how long after SIGINT does a long computation
# of survstep stop?
#
# The child runs `setup` (code lines that build the data), then `expr` (one
# line), logging wall-clock times to a file, including the moment the C++
# glue function `engine` is entered (a tracer on it). The parent sends
# SIGINT `delay` seconds into the engine and reads when the child caught R's
# interrupt condition. On a loaded machine the child may not be scheduled in
# time (wall-clock latency), so up to `attempts` attempts are made, and on
# Linux the CPU time the child spent between the signal and the catch is
# measured too (without interrupt checks it is the rest of the computation).
# Returns list(result = "interrupted" / "done" / ..., wall, cpu).
sv_interrupt_latency <- function(setup, expr, engine, delay = 0.3,
                                 attempts = 3L, limit = 0.5) {
  child <- tempfile(fileext = ".R")
  on.exit(unlink(child), add = TRUE)
  writeLines(c(
    sprintf(".libPaths(%s)", paste(deparse(.libPaths()), collapse = "")),
    "suppressPackageStartupMessages(library(survstep))",
    "out <- commandArgs(TRUE)[1]",
    "child_log <- function(...) cat(..., '\\n', file = out, append = TRUE)",
    setup,
    "child_log('pid', Sys.getpid())",
    sprintf(paste0("trace('%s', where = asNamespace('survstep'), ",
                   "print = FALSE, tracer = quote(child_log('engine')))"),
            engine),
    "r <- tryCatch({",
    "  child_log('start', sprintf('%.3f', as.numeric(Sys.time())))",
    paste0("  ", expr),
    "  'done'",
    "}, interrupt = function(e) 'interrupted')",
    paste0("child_log(r, sprintf('%.3f', as.numeric(Sys.time())), ",
           "sum(proc.time()[1:2]))")
  ), child)
  attempt <- function() {
    out <- tempfile()
    on.exit(unlink(out))
    system2(file.path(R.home("bin"), "Rscript"), c("--vanilla", child, out),
            wait = FALSE, stdout = FALSE, stderr = FALSE)
    rd <- function() if (file.exists(out)) readLines(out) else character()
    deadline <- Sys.time() + 120
    while (!any(grepl("^(engine|done)", rd())) && Sys.time() < deadline) {
      Sys.sleep(0.02)
    }
    pid <- as.integer(sub("^pid ", "", grep("^pid", rd(), value = TRUE)))
    if (!length(pid)) return(list(result = "no child", wall = NA, cpu = NA))
    Sys.sleep(delay)
    stat <- sprintf("/proc/%d/stat", pid)
    cpu_sig <- if (file.exists(stat)) {
      v <- scan(stat, what = "", quiet = TRUE)
      (as.numeric(v[14]) + as.numeric(v[15])) / 100  # clock ticks (USER_HZ)
    } else NA_real_
    t_sig <- as.numeric(Sys.time())
    tools::pskill(pid, tools::SIGINT)
    while (!any(grepl("^(done|interrupted)", rd())) && Sys.time() < deadline) {
      Sys.sleep(0.01)
    }
    fin <- grep("^(done|interrupted)", rd(), value = TRUE)
    if (!length(fin)) {
      tools::pskill(pid, tools::SIGKILL)
      return(list(result = "timeout", wall = NA, cpu = NA))
    }
    fin <- strsplit(trimws(fin), " ")[[1]]
    list(result = fin[1], wall = as.numeric(fin[2]) - t_sig,
         cpu = as.numeric(fin[3]) - cpu_sig)
  }
  for (i in seq_len(attempts)) {
    r <- attempt()
    if (r$result != "interrupted" || r$wall <= limit) break
  }
  r
}

# The expectation of the Ctrl-C tests: interrupted, within `limit` seconds of
# wall-clock time (or of the child's CPU time, on a loaded machine).
expect_interrupted_within <- function(r, limit = 0.5) {
  expect_identical(r$result, "interrupted")
  expect_true(isTRUE(r$wall <= limit) || isTRUE(r$cpu <= limit),
              label = sprintf("%s: latency %.2f s (child CPU %.2f s)",
                              r$result, r$wall, r$cpu))
}
