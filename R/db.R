# Data in a database: km(), logrank_test() and cox() on a remote table -------
#
# A remote table (a `dplyr::tbl()` on a DBI connection, dbplyr's `tbl_sql`)
# given as `data` is never pulled into R. Every estimator of survstep for
# right-censored data depends on the rows only through sums per (stratum,
# group, time), so the database computes those sums (GROUP BY, SUM, COUNT,
# CASE, EXP) and the C++ core does the rest (vignettes/large-data.Rmd):
#
# * km(), logrank_test(), logrank_pairwise(), followup_median(): one
#   aggregate query gives a row per distinct combination of the formula's
#   columns (time, status, groups, strata; start and stop for counting-
#   process data) with its number of rows and the sum of its case weights.
#   These rows, with the summed weights as case weights, ARE a data set on
#   which the one model frame (sv_frame()) and the existing engines give the
#   in-memory numbers: every estimator there is a function of weighted sums
#   at each distinct time, and the distinct times (so the timefix merge of
#   near-tied times, risk_sets.hpp) are the same. The formula itself is
#   evaluated on the aggregated rows, so it may use any R function.
# * cox(): see cox_db() below (one aggregate query per Newton iteration).
#
# `subset` is translated to SQL by dbplyr; `na.action = na.omit` removes the
# rows with a missing value in SQL (one counting query; their number is
# `n_dropped`, there are no row indices); `na.fail` gives the in-memory
# error. The fit's `db` element records the backend, every query and the
# number of rows transferred.

# Is `data` of a front end's call a remote table?
sv_db_is_remote <- function(call, env) {
  d <- call$data
  if (is.null(d)) return(FALSE)
  # (a name, the usual case: looked up without evaluating a call)
  data <- if (is.name(d)) get0(as.character(d), envir = env) else
    tryCatch(eval(d, env), error = function(e) NULL)
  inherits(data, "tbl_sql")
}

sv_db_need <- function(caller) {
  for (pkg in c("DBI", "dbplyr", "dplyr")) {
    if (!requireNamespace(pkg, quietly = TRUE)) {
      sv_abort(sprintf(paste0("Package \"%s\" is needed for a remote table ",
                              "as `data`; install it."), pkg),
               class = c("survstep_error_db", "survstep_error_input"),
               call = caller)
    }
  }
}

# The backend's name for messages: the connection's class and DBMS.
sv_db_backend <- function(con) {
  info <- tryCatch(DBI::dbGetInfo(con), error = function(e) list())
  name <- class(con)[1L]
  ver <- info$db.version
  if (is.null(ver)) ver <- info$serverVersion
  if (!is.null(ver) && length(ver) == 1L) name <- paste0(name, " (", ver, ")")
  name
}

# A source: the remote table, its connection and columns, the query log.
sv_db_source <- function(call, env, caller) {
  sv_db_need(caller)
  data <- eval(call$data, env)
  con <- dbplyr::remote_con(data)
  if (is.null(con) || !isTRUE(tryCatch(DBI::dbIsValid(con),
                                       error = function(e) FALSE))) {
    sv_abort(paste0("Can't read the remote table `data`: its database ",
                    "connection is closed or invalid; reconnect and ",
                    "recreate the table with `dplyr::tbl()`."),
             class = c("survstep_error_db_connection", "survstep_error_db",
                       "survstep_error_input"), call = caller)
  }
  log <- new.env(parent = emptyenv())
  log$queries <- character(0)
  log$rows <- 0
  log$seconds <- 0
  list(data = data, con = con, cols = colnames(data),
       backend = sv_db_backend(con), log = log, env = env, caller = caller)
}

# Run a lazy query (or SQL text) and log it; database errors become classed
# errors naming the backend.
sv_db_run <- function(src, lazy) {
  sql <- if (is.character(lazy)) lazy else
    as.character(dbplyr::sql_render(lazy, con = src$con))
  t0 <- proc.time()[[3L]]
  res <- tryCatch(DBI::dbGetQuery(src$con, sql), error = function(e) {
    sv_abort(c(sprintf("The database (%s) could not run a query of survstep:",
                       src$backend), conditionMessage(e)),
             class = c("survstep_error_db", "survstep_error_input"),
             call = src$caller)
  })
  src$log$seconds <- src$log$seconds + proc.time()[[3L]] - t0
  src$log$queries <- c(src$log$queries, sql)
  src$log$rows <- src$log$rows + nrow(res)
  res
}

# An aggregate query: SELECT `by`, `sums` FROM (`from`) GROUP BY `by`, with
# `from` a lazy table or SQL text and `sums` named SQL expressions of
# internal columns. Written as text: dbplyr's summarise() spends ~25 ms per
# expression building messages, which at p = 10 is seconds per query.
sv_db_agg <- function(src, from, sums, by = character()) {
  if (!is.character(from)) {
    from <- as.character(dbplyr::sql_render(from, con = src$con))
  }
  sql <- paste0("SELECT ", paste(c(sv_db_q(src, by),
                                   paste0(sums, " AS ", sv_db_q(src, names(sums)))),
                                 collapse = ",\n  "),
                "\nFROM (", from, ") ", sv_db_q(src, ".sv_q"),
                if (length(by)) paste0("\nGROUP BY ",
                                       paste(sv_db_q(src, by), collapse = ", ")))
  as.data.frame(sv_db_run(src, sql))
}

# Quoted identifiers and SQL numbers and counts for sv_db_agg().
sv_db_q <- function(src, x) {
  if (!length(x)) return(character(0))
  as.character(DBI::dbQuoteIdentifier(src$con, x))
}
sv_db_lit <- function(x) sprintf("(%.17g)", x)
sv_db_count_if <- function(cond) paste0("SUM(CASE WHEN ", cond, " THEN 1 ELSE 0 END)")

# A query the backend evaluates as a unit. SQLite's query flattener would
# substitute a computed column (w exp(eta)) into every aggregate that uses
# it, evaluating it 1 + p + p(p+1)/2 times per row (about 4x slower at
# p = 10); `LIMIT -1` (no limit) keeps the subquery whole. Other backends
# are left alone (DuckDB eliminates common subexpressions itself).
sv_db_fence_sql <- function(src, sql) {
  if (inherits(src$con, "SQLiteConnection")) paste0(sql, "\nLIMIT -1") else sql
}

# Apply a dplyr verb to the lazy table with R expressions (evaluated, for
# symbols that are not columns, in the caller's environment).
sv_db_verb <- function(verb, tb, exprs, env) {
  e <- new.env(parent = env)
  assign(".sv_tb", tb, envir = e)
  cl <- as.call(c(list(verb, quote(.sv_tb)), exprs))
  eval(cl, e)
}

# The in-memory error for a variable that is neither a column nor defined.
sv_db_check_vars <- function(src, vars, env) {
  for (v in vars) {
    if (v %in% src$cols || exists(v, envir = env)) next
    sv_abort(c("Can't build the model frame from `formula` and `data`:",
               sprintf("object '%s' not found", v)), call = src$caller)
  }
}

# What a remote table does not support yet: a classed error.
sv_db_not_yet <- function(what, call) {
  sv_abort(sprintf("%s is not available for a remote table yet.", what),
           class = c("survstep_error_not_implemented", "survstep_error_input"),
           call = call)
}

# The formula terms no remote fit supports yet: `.`, offsets (a term or the
# `offset` argument), cluster() and interactions.
sv_db_check_terms <- function(formula, call, caller) {
  if ("." %in% all.names(formula[[3L]])) {
    sv_db_not_yet("A `.` in `formula` (all the other columns)", caller)
  }
  tt <- stats::terms(formula, specials = c("strata", "cluster", "offset"))
  if (length(attr(tt, "specials")$offset) || !is.null(attr(tt, "offset")) ||
      !is.null(call$offset)) {
    sv_db_not_yet("An offset", caller)
  }
  if (length(attr(tt, "specials")$cluster)) {
    sv_db_not_yet("A `cluster()` term (a robust variance)", caller)
  }
  if (any(attr(tt, "order") > 1L)) sv_db_not_yet("An interaction term", caller)
  invisible()
}

# The largest value of `expr` over every row of the table (no subset, no
# na.action): Surv()'s 1/2 coding is decided on all of them, as
# model.frame() evaluates Surv() before `subset` and na.action.
sv_db_table_max <- function(src, expr, fenv) {
  m <- sv_db_run(src, sv_db_verb(dplyr::summarise, src$data, list(
    .sv_m = call("max", expr, na.rm = TRUE)), fenv))$.sv_m
  as.numeric(m[1L])
}

# Surv() decides between 0/1 and 1/2 status coding on all the rows it is
# given, and model.frame() gives it every row of the data (before `subset`
# and na.action). The aggregated rows are what is left after them: when the
# table's largest status is 2 but the rows left have none, Surv() would read
# their 1s as events; refuse instead of counting censored rows as deaths.
sv_db_check_coding <- function(src, agg, lhs, fenv, caller) {
  if (!nrow(agg)) return(invisible())
  sargs <- tryCatch(sv_db_surv_args(lhs, caller), error = function(e) NULL)
  if (is.null(sargs)) return(invisible())
  st <- sargs[[length(sargs)]]
  local <- tryCatch(eval(st, agg, fenv), error = function(e) NULL)
  # (only rows all with status 1 are ambiguous; then one query asks the table)
  if (!is.numeric(local) || !length(local) || !all(local == 1, na.rm = TRUE)) {
    return(invisible())
  }
  if (isTRUE(sv_db_table_max(src, st, fenv) == 2)) {
    sv_abort(sprintf(paste0("The status `%s` is coded 1/2 in the table but ",
                            "the rows used have no 2: in memory Surv() reads ",
                            "their 1s as censored, which the database path ",
                            "cannot reproduce. Recode the status to 0/1 ",
                            "(for example `%s == 2`)."),
                     deparse1(st), deparse1(st)),
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = caller)
  }
  invisible()
}

# `weights` on a remote table is a column or an expression of columns
# (scalars of the formula's environment allowed): a local vector, such as
# `weights = df$w`, cannot be sent to the database.
sv_db_check_weights <- function(src, weights, fenv) {
  if (is.null(weights)) return(invisible())
  for (v in setdiff(all.vars(weights), src$cols)) {
    val <- get0(v, envir = fenv)
    if (length(val) > 1L) {
      sv_abort(sprintf(paste0("`weights` must be a column of the remote table ",
                              "(or an expression of its columns), not `%s`, ",
                              "which uses the local object `%s`; write the ",
                              "weights to a column of the table."),
                       deparse1(weights), v),
               call = src$caller)
    }
  }
  invisible()
}

# subset (translated to SQL), then the missing values of `vars`: counted in
# one query and removed in SQL (na.omit, na.exclude), an error (na.fail), or
# kept (na.pass; with `na_pass = FALSE` an error, as na.fail, for a caller
# whose in-memory path fails on a missing value). Returns the lazy table,
# the number of rows removed and `keep`, the condition (an R expression for
# dbplyr, NULL: every row) of the rows kept.
sv_db_rows <- function(src, call, vars, fenv, na_pass = TRUE) {
  tb <- src$data
  # `subset` (and the formula's and the weights' free variables, elsewhere)
  # in the formula's environment, as model.frame() evaluates them;
  # `na.action`, an ordinary argument, in the caller's
  env <- fenv
  sv_db_check_weights(src, call$weights, fenv)
  sub <- call$subset
  if (!is.null(sub)) {
    sv_db_check_vars(src, setdiff(all.vars(sub), src$cols), env)
  }
  na_fun <- if (is.null(call$na.action)) getOption("na.action", "na.omit") else
    eval(call$na.action, src$env)
  na_name <- if (is.character(na_fun)) na_fun else {
    hit <- vapply(c("na.omit", "na.exclude", "na.fail", "na.pass"),
                  function(f) identical(na_fun, get(f, envir = asNamespace("stats"))),
                  logical(1))
    if (any(hit)) names(hit)[hit][1L] else "other"
  }
  if (!na_name %in% c("na.omit", "na.exclude", "na.fail", "na.pass")) {
    sv_abort(paste0("`na.action` must be `na.omit`, `na.exclude`, `na.fail` ",
                    "or `na.pass` for a remote table."),
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = src$caller)
  }
  if (!na_pass && na_name == "na.pass") na_name <- "na.fail"
  vars <- intersect(vars, src$cols)
  missing_any <- NULL
  for (v in vars) {
    term <- call("is.na", as.name(v))
    missing_any <- if (is.null(missing_any)) term else
      call("|", missing_any, term)
  }
  # (dbplyr renders the call tree without parentheses)
  if (!is.null(missing_any)) missing_any <- call("(", missing_any)
  if (!is.null(sub)) sub <- call("(", sub)
  # one counting query on the whole table: rows kept by `subset`, rows
  # where `subset` is NA (model.frame() turns them into rows of NAs, which
  # na.action then removes) and kept rows with a missing value
  one <- function(cond) call("sum", call("ifelse", cond, 1L, 0L), na.rm = TRUE)
  count <- list(.sv_rows = if (is.null(sub)) quote(dplyr::n()) else one(sub))
  if (!is.null(sub)) count$.sv_subna <- one(call("is.na", sub))
  if (!is.null(missing_any)) {
    count$.sv_na <- one(if (is.null(sub)) missing_any else
      call("&", sub, missing_any))
  }
  cnt <- sv_db_run(src, sv_db_verb(dplyr::summarise, tb, count, env))
  num <- function(x) if (is.null(x) || is.na(x[1L])) 0 else as.numeric(x[1L])
  n_rows <- num(cnt$.sv_rows)
  n_na <- num(cnt$.sv_na) + num(cnt$.sv_subna)
  if (n_na > 0 && na_name == "na.fail") {
    sv_abort(c("Can't build the model frame from `formula` and `data`:",
               "missing values in object"), call = src$caller)
  }
  if (na_name == "na.pass") {
    n_na <- num(cnt$.sv_subna)
    missing_any <- NULL
  }
  keep <- sub
  if (!is.null(sub)) tb <- sv_db_verb(dplyr::filter, tb, list(sub), env)
  if (!is.null(missing_any) && num(cnt$.sv_na) > 0) {
    complete <- call("!", missing_any)
    tb <- sv_db_verb(dplyr::filter, tb, list(complete), env)
    keep <- if (is.null(keep)) complete else call("&", keep, complete)
  }
  list(tb = tb, n_rows = n_rows - num(cnt$.sv_na), n_dropped = n_na,
       n_frame = n_rows + num(cnt$.sv_subna), subset = sub, keep = keep)
}

# Does the remote table itself have no rows? (the "`data` has no rows"
# message of the in-memory path)
sv_db_empty <- function(src) {
  cnt <- sv_db_run(src, sv_db_verb(dplyr::summarise, src$data,
                                   list(.sv_rows = quote(dplyr::n())),
                                   src$env))
  as.numeric(cnt$.sv_rows[1L]) == 0
}

# The record of the queries for fit$db.
sv_db_record <- function(src, n_rows, n_dropped, n_aggregated, ...) {
  c(list(backend = src$backend, n_queries = length(src$log$queries),
         rows_transferred = src$log$rows, rows = n_rows,
         n_dropped = n_dropped, aggregated_rows = n_aggregated,
         seconds = src$log$seconds, queries = src$log$queries), list(...))
}

# sv_frame() for a remote table (no design matrix): the aggregated rows as a
# local data set with case weights, built by sv_frame() itself.
sv_db_frame <- function(call, env, caller, group, counting) {
  src <- sv_db_source(call, env, caller)
  formula <- eval(call$formula, env)
  fenv <- environment(formula)
  if (is.null(fenv)) fenv <- env
  fvars <- all.vars(formula)
  wvars <- if (is.null(call$weights)) character(0) else all.vars(call$weights)
  sv_db_check_vars(src, setdiff(c(fvars, wvars), src$cols), fenv)
  keys <- intersect(fvars, src$cols)
  rows <- sv_db_rows(src, call, c(keys, wvars), fenv)
  tb <- dplyr::group_by(rows$tb, dplyr::across(dplyr::all_of(keys)))
  w <- if (is.null(call$weights)) quote(dplyr::n()) else
    call("sum", call$weights, na.rm = TRUE)
  sums <- list(.sv_n = quote(dplyr::n()), .sv_w = w)
  if (!is.null(call$weights)) sums$.sv_wmin <- call("min", call$weights,
                                                    na.rm = TRUE)
  agg <- sv_db_run(src, sv_db_verb(dplyr::summarise, tb, c(sums,
                                                         list(.groups = "drop")),
                                   fenv))
  agg <- as.data.frame(agg)
  if (!is.null(agg$.sv_wmin) && any(agg$.sv_wmin < 0, na.rm = TRUE)) {
    sv_abort("`weights` must be finite and non-negative.", call = caller)
  }
  agg$.sv_w <- as.double(agg$.sv_w)
  sv_db_check_coding(src, agg, formula[[2L]], fenv, caller)
  # the local frame: the user's formula on the aggregated rows
  call2 <- call
  call2$data <- quote(.sv_agg)
  call2$subset <- NULL
  call2$na.action <- NULL
  call2$weights <- quote(.sv_w)
  e <- new.env(parent = env)
  assign(".sv_agg", agg, envir = e)
  fr <- sv_frame(call2, e, caller, group = group, counting = counting)
  empty <- nrow(agg) == 0L && sv_db_empty(src)
  fr$data <- if (empty) agg[0L, , drop = FALSE] else NULL
  fr$na.action <- NULL
  fr$n_dropped <- rows$n_dropped
  fr$db <- sv_db_record(src, n_rows = rows$n_rows, n_dropped = rows$n_dropped,
                        n_aggregated = nrow(agg),
                        weighted = !is.null(call$weights))
  fr$db_count <- agg$.sv_n
  fr
}

# The finishing touches of a km() fit on a remote table: rows per curve
# (the aggregated rows' counts), whether the user gave weights, the record.
sv_db_finish_km <- function(out, fr) {
  counts <- fr$db_count
  k <- length(out$records)
  rec <- if (is.null(fr$group)) sum(counts) else
    vapply(split(counts, factor(fr$group, levels = seq_len(k) - 1L)), sum,
           numeric(1))
  out$records[] <- as.integer(rec)
  out$weighted <- fr$db$weighted
  out$db <- fr$db
  out
}

# Permutation distributions permute rows: not from aggregated rows.
sv_db_check_permutation <- function(fr, perm, caller) {
  if (!is.null(fr$db) && !is.null(perm) && perm$distribution != "asymptotic") {
    sv_db_abort_local("A permutation distribution of the log-rank test",
                      caller)
  }
  invisible()
}

sv_db_finish_logrank <- function(out, fr) {
  out$n <- as.integer(sum(fr$db_count))
  out$db <- fr$db
  out
}

# cox() on a remote table ------------------------------------------------------
#
# Queries of one fit (vignettes/large-data.Rmd, "What a backend must
# support"): the counting query of sv_db_rows(); one row to learn the column
# types; the distinct values of each factor (at most `max_levels` + 1 read);
# the sums of the weights and of each covariate (weighted means, whether a
# column is all in {-1, 0, 1} and is centred, as coxph()); the weighted
# absolute deviations from the means (coxfit6's scales); a probe of EXP();
# then one aggregate query per log-likelihood evaluation of the Newton
# solver (inst/include/survstep/cox_aggregate.hpp), grouped by (strata,
# time, status), with SUM(w), SUM(w z), SUM(w EXP(eta)), SUM(w EXP(eta) z)
# and SUM(w EXP(eta) z z'), z the centred and scaled covariates.

# The expression the EXP() probe evaluates (a function so tests can replace
# it by one the backend lacks).
sv_db_state <- new.env(parent = emptyenv())
sv_db_state$exp_probe <- quote(exp(0))
sv_db_exp_probe <- function() sv_db_state$exp_probe

# A double as exact SQL text.
sv_db_num <- function(x) dbplyr::sql(sprintf("%.17g", x))

# The Surv() arguments of the response: (time, status) or, for
# counting-process data, (start, stop, status); positional.
sv_db_surv_args <- function(lhs, caller) {
  if (!is.call(lhs) || !identical(deparse(lhs[[1L]]), "Surv") &&
      !identical(deparse(lhs[[1L]]), "survival::Surv")) {
    sv_abort(paste0("`formula` must have a `Surv(time, status)` response for ",
                    "a remote table."), call = caller)
  }
  bad <- function() {
    sv_abort(paste0("`Surv()` must have a time and a status, or a start, a ",
                    "stop and a status, for a remote table."),
             call = caller)
  }
  # the arguments as Surv() matches them (by name, then position)
  a <- tryCatch(as.list(match.call(survival::Surv, lhs))[-1L],
                error = function(e) bad())
  if (!is.null(a$type)) {
    ty <- a$type
    if (!is.character(ty) || !ty %in% c("right", "counting")) bad()
    a$type <- NULL
  }
  if (!all(names(a) %in% c("time", "time2", "event")) || is.null(a$time)) bad()
  args <- if (is.null(a$event)) list(a$time, a$time2) else
    if (is.null(a$time2)) list(a$time, a$event) else list(a$time, a$time2, a$event)
  if (any(vapply(args, is.null, TRUE))) bad()
  args
}

# Methods that need the rows of the data: a classed error.
sv_db_abort_local <- function(what, call = sys.call(-1)) {
  sv_abort(sprintf(paste0("%s needs the data row by row, which a fit on a ",
                          "remote table does not keep; collect the rows ",
                          "(`dplyr::collect()`) and refit in memory."), what),
           class = c("survstep_error_needs_local_data", "survstep_error_input"),
           call = call)
}

cox_db <- function(call, env, ties, control, init, max_levels, caller) {
  src <- sv_db_source(call, env, caller)
  formula <- eval(call$formula, env)
  check_formula(formula, call = caller, allow = "cluster")
  fenv <- environment(formula)
  if (is.null(fenv)) fenv <- env
  if (!is.numeric(max_levels) || length(max_levels) != 1L ||
      is.na(max_levels) || max_levels < 2) {
    sv_abort(sprintf("`max_levels` must be a number >= 2, not %s.",
                     sv_obj_type(max_levels)), call = caller)
  }
  if (!ties %in% c("efron", "breslow")) {
    sv_abort(sprintf(paste0("`ties = \"%s\"` is not available for a remote ",
                            "table; use \"efron\" or \"breslow\"."), ties),
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = caller)
  }
  sv_db_check_terms(formula, call, caller)
  tt <- stats::terms(formula, specials = "strata")
  sargs <- sv_db_surv_args(formula[[2L]], caller)
  fvars <- all.vars(formula)
  wvars <- if (is.null(call$weights)) character(0) else all.vars(call$weights)
  sv_db_check_vars(src, setdiff(c(fvars, wvars), src$cols), fenv)
  rows <- sv_db_rows(src, call, c(fvars, wvars), fenv)
  tb <- rows$tb
  if (rows$n_rows == 0) cox_db_abort_no_rows(src, rows, tt, caller)
  # column types from one row; the response built on it as in memory
  one <- as.data.frame(sv_db_run(src, utils::head(tb, 1L)))
  tryCatch(eval(formula[[2L]], one, fenv), error = function(e) {
    sv_abort(c("Can't build the model frame from `formula` and `data`:",
               conditionMessage(e)), call = caller)
  })
  # the terms: strata() and plain covariates or factors (treatment contrasts)
  labels <- attr(tt, "term.labels")
  st_idx <- attr(tt, "specials")$strata
  st_terms <- if (length(st_idx))
    survival::untangle.specials(tt, "strata", 1)$terms else integer(0)
  st_vars <- character(0)
  for (k in st_terms) {
    e <- str2lang(labels[k])
    for (a in as.list(e)[-1L]) {
      if (!is.name(a)) {
        sv_abort("`strata()` terms must name columns for a remote table.",
                 call = caller)
      }
      st_vars <- c(st_vars, as.character(a))
    }
  }
  cov_terms <- setdiff(seq_along(labels), st_terms)
  exprs <- list()
  cn <- character(0)
  assign_ <- integer(0)
  term_of_col <- character(0)
  xlevels <- list()
  contrasts <- list()
  for (k in cov_terms) {
    lab <- labels[k]
    e <- str2lang(lab)
    col <- NULL
    if (is.call(e) && deparse(e[[1L]]) %in% c("factor", "as.factor") &&
        length(e) == 2L && is.name(e[[2L]])) {
      col <- as.character(e[[2L]])
    } else if (is.name(e) && as.character(e) %in% names(one)) {
      v <- one[[as.character(e)]]
      if (is.character(v) || is.factor(v) || is.logical(v)) {
        col <- as.character(e)
      }
    }
    if (is.call(e) && identical(e[[1L]], as.name("I"))) {
      sv_abort(sprintf(paste0("`%s`: `I()` terms are not supported on a remote ",
                              "table yet; add the column to the table first ",
                              "(for example with `dplyr::mutate()`)."), lab),
               class = c("survstep_error_not_implemented", "survstep_error_input"),
               call = caller)
    }
    if (is.null(col)) {
      exprs[[length(exprs) + 1L]] <- e
      cn <- c(cn, lab)
      assign_ <- c(assign_, k)
      term_of_col <- c(term_of_col, lab)
      next
    }
    lv_q <- utils::head(dplyr::distinct(dplyr::select(tb, dplyr::all_of(col))),
                        max_levels + 1L)
    lv <- sv_db_run(src, lv_q)[[1L]]
    if (length(lv) > max_levels) {
      sv_abort(sprintf(paste0("Can't expand `%s` into indicator columns in ",
                              "the database: it has more than %d values ",
                              "(`max_levels`). Raise `max_levels`, or group ",
                              "the values into fewer classes."),
                       lab, as.integer(max_levels)),
               class = c("survstep_error_too_many_levels", "survstep_error_input"),
               call = caller)
    }
    lv <- sort(unique(lv))
    if (length(lv) < 2L) {
      sv_abort(sprintf(paste0("Can't fit a Cox model: %s constant ",
                              "(the same value in every row used)."),
                       sv_name_list(col, "covariate")), call = caller)
    }
    xlevels[[lab]] <- as.character(lv)
    contrasts[[lab]] <- "contr.treatment"
    for (l in lv[-1L]) {
      lit <- if (is.character(l)) l else if (is.logical(l)) l else
        sv_db_num(l)
      exprs[[length(exprs) + 1L]] <- call("ifelse",
                                          call("==", as.name(col), lit), 1, 0)
      cn <- c(cn, paste0(lab, l))
      assign_ <- c(assign_, k)
      term_of_col <- c(term_of_col, lab)
    }
  }
  p <- length(exprs)
  xn <- paste0(".sv_x", seq_len(p))
  names(exprs) <- xn
  wexpr <- if (is.null(call$weights)) 1 else call$weights
  counting <- length(sargs) == 3L
  design <- c(if (counting) list(.sv_t0 = sargs[[1L]]),
              list(.sv_t = sargs[[length(sargs) - 1L]],
                   .sv_s = sargs[[length(sargs)]], .sv_w = wexpr),
              exprs)
  tb2 <- sv_db_verb(dplyr::transmute, tb,
                    c(lapply(st_vars, as.name), design), fenv)

  # sums: weights, status, covariates
  stats_q <- function(tbx) {
    qq <- function(x) sv_db_q(src, x)
    w <- qq(".sv_w")
    s <- c(.sv_n = "COUNT(*)", .sv_sw = paste0("SUM(", w, ")"),
           .sv_neg = sv_db_count_if(paste(w, "< 0")),
           .sv_zero = sv_db_count_if(paste(w, "= 0")),
           .sv_smin = paste0("MIN(", qq(".sv_s"), ")"),
           .sv_smax = paste0("MAX(", qq(".sv_s"), ")"),
           .sv_tmin = paste0("MIN(", qq(".sv_t"), ")"))
    if (counting) {
      s[[".sv_bad"]] <- sv_db_count_if(paste(qq(".sv_t0"), ">=", qq(".sv_t")))
    }
    for (j in seq_len(p)) {
      x <- qq(xn[j])
      s[[paste0(".sv_wx", j)]] <- paste0("SUM(", w, " * ", x, ")")
      if (counting) s[[paste0(".sv_sx", j)]] <- paste0("SUM(", x, ")")
      s[[paste0(".sv_nu", j)]] <- sv_db_count_if(paste(x, "NOT IN (-1, 0, 1)"))
      s[[paste0(".sv_lo", j)]] <- paste0("MIN(", x, ")")
      s[[paste0(".sv_hi", j)]] <- paste0("MAX(", x, ")")
    }
    as.list(sv_db_agg(src, tbx, s))
  }
  st <- stats_q(tb2)
  if (st$.sv_neg > 0) {
    sv_abort(sprintf("`weights` must be positive for %s; found %d negative %s.",
                     "a Cox model", as.integer(st$.sv_neg),
                     if (st$.sv_neg == 1) "weight" else "weights"),
             call = caller)
  }
  if (st$.sv_zero > 0) {
    nz <- as.integer(st$.sv_zero)
    if (nz == st$.sv_n) {
      sv_abort("`weights` must be positive for a Cox model; all are zero.",
               call = caller)
    }
    sv_warn(sprintf(paste0("%d %s with zero weight %s left out (%s uses ",
                           "positive weights only)."),
                    nz, if (nz == 1L) "row" else "rows",
                    if (nz == 1L) "was" else "were", "a Cox model"),
            class = "survstep_warning_zero_weights", call = caller)
    tb2 <- sv_db_verb(dplyr::filter, tb2, list(quote(.sv_w > 0)), env)
    st <- stats_q(tb2)
  }
  if (counting && st$.sv_bad > 0) sv_abort_start_stop(caller)
  if (!counting && st$.sv_tmin < 0) {
    sv_check_y(cbind(time = st$.sv_tmin, status = 0), caller, FALSE)
  }
  # Surv()'s coding: 0/1, or 1/2 when the largest status is 2, decided (as
  # model.frame() evaluates Surv() before `subset` and na.action) over every
  # row of the table with a status
  # (only rows all with status 1 are ambiguous: then one query asks the table)
  shift <- if (isTRUE(st$.sv_smax == 2)) 1 else 0
  if (isTRUE(st$.sv_smin == 1 && st$.sv_smax == 1) &&
      isTRUE(sv_db_table_max(src, sargs[[length(sargs)]], fenv) == 2)) {
    shift <- 1
  }
  if (st$.sv_smin - shift < 0 || st$.sv_smax - shift > 1) {
    sv_abort("The status of `Surv()` must be 0/1 (or 1/2) for a remote table.",
             call = caller)
  }
  if (st$.sv_smax - shift < 1) {
    sv_abort("Can't fit a Cox model: there are no events (every time is censored).",
             call = caller)
  }
  lo <- vapply(seq_len(p), function(j) as.numeric(st[[paste0(".sv_lo", j)]]), 0)
  hi <- vapply(seq_len(p), function(j) as.numeric(st[[paste0(".sv_hi", j)]]), 0)
  if (any(lo == hi)) {
    sv_abort(sprintf(paste0("Can't fit a Cox model: %s constant ",
                            "(the same value in every row used)."),
                     sv_name_list(unique(term_of_col[lo == hi]), "covariate")),
             call = caller)
  }
  sw <- as.numeric(st$.sv_sw)
  centre <- vapply(seq_len(p), function(j) st[[paste0(".sv_nu", j)]] > 0, NA)
  means <- vapply(seq_len(p), function(j) {
    # coxph's centring (as in memory): the weighted mean, the plain mean
    # for counting-process data (agreg.fit)
    if (!centre[j]) 0 else if (counting)
      as.numeric(st[[paste0(".sv_sx", j)]]) / as.numeric(st$.sv_n) else
      as.numeric(st[[paste0(".sv_wx", j)]]) / sw
  }, 0)
  scale <- rep(1, p)
  if (any(centre)) {
    cj <- which(centre)
    s <- paste0("SUM(", sv_db_q(src, ".sv_w"), " * ABS(", sv_db_q(src, xn[cj]),
                " - ", sv_db_lit(means[cj]), "))")
    names(s) <- paste0(".sv_a", cj)
    sa <- sv_db_agg(src, tb2, s)
    for (j in which(centre)) {
      a <- as.numeric(sa[[paste0(".sv_a", j)]])
      scale[j] <- if (a > 0) sw / a else 1
    }
  }
  # EXP(): present in the backend?
  tryCatch(
    DBI::dbGetQuery(src$con, as.character(dbplyr::sql_render(
      sv_db_verb(dplyr::summarise, utils::head(tb2, 1L),
                 list(.sv_e = sv_db_exp_probe()), env), con = src$con))),
    error = function(e) {
      sv_abort(c(sprintf(paste0("The database backend %s lacks the SQL ",
                                "function EXP(), which `cox()` needs for ",
                                "exp(linear predictor)."), src$backend),
                 paste0("For SQLite, load the math functions with ",
                        "`RSQLite::initExtension(con, \"math\")`; or use a ",
                        "backend that has EXP() (DuckDB, PostgreSQL, Spark)."),
                 paste0("The database said: ", conditionMessage(e))),
               class = c("survstep_error_db_function", "survstep_error_db",
                         "survstep_error_input"), call = caller)
    })
  src$log$queries <- c(src$log$queries, "(EXP() probe)")

  if (!is.null(init)) {
    if (!is.numeric(init) || length(init) != p || anyNA(init) ||
        any(!is.finite(init))) {
      sv_abort(sprintf("`init` must be %d finite %s (one per coefficient), not %s.",
                       p, if (p == 1L) "number" else "numbers",
                       sv_obj_type(init)), call = caller)
    }
    init <- as.double(init)
  }
  # centred and scaled columns, the status 0/1, the grouping
  zn <- paste0(".sv_z", seq_len(p))
  zexpr <- lapply(seq_len(p), function(j) {
    call("*", call("(", call("-", as.name(xn[j]), sv_db_num(means[j]))),
         sv_db_num(scale[j]))
  })
  names(zexpr) <- zn
  dexpr <- if (shift == 0) quote(.sv_s) else call("-", quote(.sv_s), shift)
  tbz <- sv_db_verb(dplyr::transmute, tb2,
                    c(lapply(st_vars, as.name),
                      if (counting) list(.sv_t0 = quote(.sv_t0)),
                      list(.sv_t = quote(.sv_t), .sv_d = dexpr,
                           .sv_w = quote(.sv_w)), zexpr), env)
  keys <- c(st_vars, ".sv_t", ".sv_d")
  pk <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
  pk <- pk[order(pk[, 2L], pk[, 1L]), , drop = FALSE]
  # The Newton queries (sv_db_agg()): w exp(eta) computed once per row in a
  # fenced subquery over the centred columns, then plain SUM()s of column
  # products, grouped by (strata, time, status) and, for counting-process
  # data, by (strata, start time)
  zsql <- as.character(dbplyr::sql_render(tbz, con = src$con))
  zq <- sv_db_q(src, zn)
  wq <- sv_db_q(src, ".sv_w")
  rq <- sv_db_q(src, ".sv_r")
  named <- function(x, nm) stats::setNames(x, nm)
  base_sums <- c(.sv_n = "COUNT(*)", .sv_sw = paste0("SUM(", wq, ")"),
                 named(paste0("SUM(", wq, " * ", zq, ")"),
                       paste0(".sv_wz", seq_len(p))))
  risk_sums <- function(derivatives) {
    c(.sv_r = paste0("SUM(", rq, ")"),
      if (derivatives) c(
        named(paste0("SUM(", rq, " * ", zq, ")"), paste0(".sv_rz", seq_len(p))),
        named(paste0("SUM(", rq, " * (", zq[pk[, 1L]], " * ", zq[pk[, 2L]], "))"),
              paste0(".sv_rzz", seq_len(nrow(pk))))))
  }
  fetch <- function(bs, derivatives) {
    nz <- which(bs != 0)
    rexpr <- if (!length(nz)) wq else
      paste0(wq, " * EXP(", paste0("(", zq[nz], " * ", sv_db_lit(bs[nz]), ")",
                                   collapse = " + "), ")")
    rsql <- sv_db_fence_sql(src, paste0("SELECT *, ", rexpr, " AS ", rq,
                                        "\nFROM (", zsql, ") ",
                                        sv_db_q(src, ".sv_z")))
    query <- function(by, sums) sv_db_agg(src, rsql, sums, by)
    g <- query(keys, c(base_sums, risk_sums(derivatives)))
    key_of <- function(d) {
      if (length(st_vars)) do.call(paste, c(unname(d[st_vars]),
                                            list(sep = "\r"))) else
        rep("", nrow(d))
    }
    mat <- function(d, nm) {
      if (!length(nm)) return(matrix(0, nrow(d), 0L))
      m <- as.matrix(d[nm])
      storage.mode(m) <- "double"
      unname(m)
    }
    key <- key_of(g)
    levs <- unique(key)
    out <- list(stratum = match(key, levs) - 1L, time = as.double(g$.sv_t),
                status = as.integer(g$.sv_d), count = as.double(g$.sv_n),
                wsum = as.double(g$.sv_sw), r = as.double(g$.sv_r),
                wz = mat(g, paste0(".sv_wz", seq_len(p))),
                rz = if (derivatives) mat(g, paste0(".sv_rz", seq_len(p))),
                rzz = if (derivatives) mat(g, paste0(".sv_rzz",
                                                     seq_len(nrow(pk)))))
    if (counting) {
      # every row has a stop, so every entry's stratum is among `levs`
      ge <- query(c(st_vars, ".sv_t0"), risk_sums(derivatives))
      out$entry_stratum <- match(key_of(ge), levs) - 1L
      out$entry_time <- as.double(ge$.sv_t0)
      out$entry_r <- as.double(ge$.sv_r)
      if (derivatives) {
        out$entry_rz <- mat(ge, paste0(".sv_rz", seq_len(p)))
        out$entry_rzz <- mat(ge, paste0(".sv_rzz", seq_len(nrow(pk))))
      }
    }
    out
  }
  if (p == 0L) {
    sv_abort("`cox()` on a remote table needs at least one covariate.",
             class = c("survstep_error_not_implemented", "survstep_error_input"),
             call = caller)
  }
  tol <- if (control$timefix) sqrt(.Machine$double.eps) else 0
  res <- cox_db_fit_cpp(fetch, scale, init, ties, control$eps,
                        control$toler_chol, control$iter_max,
                        control$toler_inf, tol)
  res$means <- means
  n <- as.integer(st$.sv_n)
  nev <- sv_db_agg(src, tbz, c(.sv_e = paste0("SUM(", sv_db_q(src, ".sv_d"),
                                              ")")))
  res$nevent <- as.integer(nev$.sv_e)
  if (res$status != 0L) {
    cox_signal_status(res, n, FALSE, cox_col_labels(cn, term_of_col), control,
                      NULL, NULL, init, caller)
  }
  fit <- cox_engine_result(res, cn, p, ties, n)
  fit$linear.predictors <- NULL
  # Harrell's C needs the rows (their risk scores): not available
  fit$concordance <- stats::setNames(rep(NA_real_, 7L), c(
    "concordant", "discordant", "tied.x", "tied.y", "tied.xy", "concordance",
    "std"))
  fit$call <- call
  fit$formula <- stats::formula(tt)
  fit$terms <- tt
  fit$assign <- lapply(split(seq_len(p), factor(term_of_col,
                                                levels = unique(term_of_col))),
                       identity)
  fit$xlevels <- if (length(xlevels)) xlevels
  fit$contrasts <- if (length(contrasts)) contrasts
  fit$na.action <- NULL
  fit$n_dropped <- rows$n_dropped
  fit$offset_mean <- 0
  fit$control <- control
  fit$firth <- FALSE
  fit$db <- sv_db_record(src, n_rows = n, n_dropped = rows$n_dropped,
                         n_aggregated = NA_integer_,
                         weighted = !is.null(call$weights),
                         newton_queries = res$n_fetch * (1L + counting))
  class(fit) <- c("survstep_cox_db", "survstep_cox")
  fit
}

# No rows left: the in-memory message (cox_abort_no_rows()), which names the
# model-frame variables without any value among the rows that `subset` keeps
# (or makes NA) when there are such rows.
cox_db_abort_no_rows <- function(src, rows, tt, caller) {
  fr <- list(data = NULL, all_missing = NULL)
  if (sv_db_empty(src)) {
    fr$data <- data.frame()
  } else if (rows$n_frame > 0) {
    vars <- attr(tt, "variables")[-1L]
    s <- list()
    for (k in seq_along(vars)) {
      cols <- intersect(all.vars(vars[[k]]), src$cols)
      cond <- NULL
      for (v in cols) {
        term <- call("!", call("is.na", as.name(v)))
        cond <- if (is.null(cond)) term else call("&", cond, term)
      }
      if (is.null(cond)) next
      s[[paste0(".sv_v", k)]] <- call("sum", call("ifelse", call("(", cond),
                                                  1L, 0L), na.rm = TRUE)
    }
    tb <- src$data
    fe <- environment(tt)
    if (is.null(fe)) fe <- src$env
    if (!is.null(rows$subset)) {
      tb <- sv_db_verb(dplyr::filter, tb, list(rows$subset), fe)
    }
    if (length(s)) {
      cnt <- sv_db_run(src, sv_db_verb(dplyr::summarise, tb, s, fe))
      none <- vapply(names(s), function(nm) {
        is.na(cnt[[nm]][1L]) || cnt[[nm]][1L] == 0
      }, logical(1))
      k <- as.integer(sub(".sv_v", "", names(s)[none], fixed = TRUE))
      fr$all_missing <- vapply(vars[k], deparse1, "")
    }
  }
  cox_abort_no_rows(fr, caller)
}

# Methods of a Cox fit on a remote table that need its rows --------------------

#' @export
residuals.survstep_cox_db <- function(object, ...) {
  sv_db_abort_local("`residuals()` of a Cox model")
}

#' @export
predict.survstep_cox_db <- function(object, ...) {
  sv_db_abort_local("`predict()` of a Cox model")
}

#' @export
fitted.survstep_cox_db <- function(object, ...) {
  sv_db_abort_local("`fitted()` of a Cox model")
}

#' @export
model.frame.survstep_cox_db <- function(formula, ...) {
  sv_db_abort_local("`model.frame()` of a Cox model")
}

#' @export
model.matrix.survstep_cox_db <- function(object, ...) {
  sv_db_abort_local("`model.matrix()` of a Cox model")
}

#' @export
survfit.survstep_cox_db <- function(formula, ...) {
  sv_db_abort_local("Predicted survival curves of a Cox model")
}

#' @export
plot.survstep_cox_db <- function(x, ...) {
  sv_db_abort_local("`plot()` of a Cox model")
}

# cox_univariable() on a remote table: one cox_db() fit per term (its own
# aggregate queries) on the common analysis set, the rows that `subset`
# keeps and that are complete in every column of the formula and the
# weights, as the in-memory screen's `analysis_set = "common"`. The rows of
# the table are built as in memory (sw_univariable_row()); the observations
# and events per level of each factor term come from one GROUP BY query
# each (sv_db_level_counts()).
cox_univariable_db <- function(call, env, ties, control, conf_level,
                               exponentiate, term_test, analysis_set, robust,
                               firth) {
  if (firth) sv_db_not_yet("`firth = TRUE`", call)
  if (!is.null(robust)) check_flag(robust, "robust", call = call)
  if (isTRUE(robust)) sv_db_not_yet("`robust = TRUE`", call)
  if (analysis_set != "common") {
    sv_db_not_yet("`analysis_set = \"available\"`", call)
  }
  src <- sv_db_source(call, env, call)
  formula <- eval(call$formula, env)
  check_formula(formula, call = call, allow = "cluster")
  fenv <- environment(formula)
  if (is.null(fenv)) fenv <- env
  sv_db_check_terms(formula, call, call)
  tt <- stats::terms(formula, specials = "strata")
  labels <- attr(tt, "term.labels")
  st_terms <- if (length(attr(tt, "specials")$strata))
    survival::untangle.specials(tt, "strata", 1)$terms else integer(0)
  cov_labels <- labels[setdiff(seq_along(labels), st_terms)]
  if (!length(cov_labels)) {
    sv_abort("`formula` has no covariate terms to screen.", call = call)
  }
  fvars <- all.vars(formula)
  wvars <- if (is.null(call$weights)) character(0) else all.vars(call$weights)
  sv_db_check_vars(src, setdiff(c(fvars, wvars), src$cols), fenv)
  # the common analysis set: the rows that `subset` keeps without a missing
  # value in the formula and the weights (dropped and counted as the
  # in-memory frame of the whole formula counts them); with na.pass the
  # in-memory screen fails on a missing value, so missing values are an
  # error here too
  rows <- sv_db_rows(src, call, c(fvars, wvars), fenv, na_pass = FALSE)
  if (rows$n_rows == 0) cox_db_abort_no_rows(src, rows, tt, call)
  sub <- rows$keep
  sargs <- sv_db_surv_args(formula[[2L]], call)
  z <- stats::qnorm((1 + conf_level) / 2)
  xlevels <- list()
  dbs <- list()
  counts <- list()
  nevent <- NA_integer_
  df_all <- 0L
  out_rows <- lapply(cov_labels, function(lab) {
    tcall <- call[c(1L, match(c("formula", "data", "weights"), names(call),
                              nomatch = 0L))]
    tcall$formula <- stats::reformulate(c(lab, labels[st_terms]),
                                        response = formula[[2L]], env = fenv)
    tcall$subset <- sub
    # (the warning about zero weights, about rows common to every term,
    # once: with the first term)
    fit <- withCallingHandlers(
      cox_db(tcall, env, ties, control, NULL, 50L, call),
      survstep_warning_zero_weights = function(w) {
        if (length(dbs)) invokeRestart("muffleWarning")
      })
    xlevels[names(fit$xlevels)] <<- fit$xlevels
    nevent <<- fit$nevent
    dbs[[lab]] <<- fit$db
    df_all <<- df_all + length(fit$coefficients)
    if (!is.null(fit$xlevels[[lab]])) {
      counts[[lab]] <<- sv_db_level_counts(src, lab, fit$xlevels[[lab]], sub,
                                           sargs[[length(sargs)]], fenv)
    }
    sw_univariable_row(fit, lab, names(fit$coefficients), fit$n, term_test,
                       z, exponentiate, FALSE)
  })
  cox_warn_epv(nevent, df_all, "univariable", FALSE, call)
  epv <- c(events = nevent, df = df_all,
           epv = if (df_all > 0L) nevent / df_all else NA_real_)
  out <- sw_univariable_table(out_rows, conf_level, exponentiate, term_test,
                              analysis_set, as.integer(rows$n_dropped), FALSE,
                              epv, if (length(xlevels)) xlevels else sv_no_xlevels,
                              counts)
  # what crossed the wire: the counting query, then each term's fit
  attr(out, "db") <- list(
    backend = src$backend,
    n_queries = length(src$log$queries) +
      sum(vapply(dbs, function(b) b$n_queries, numeric(1))),
    rows_transferred = src$log$rows +
      sum(vapply(dbs, function(b) b$rows_transferred, numeric(1))),
    terms = dbs)
  out
}

# The observations and events (`status`, the Surv() status expression) per
# level of the factor term `lab` (a column, or factor() of one) among the
# rows that `sub` keeps (NULL: all), in the shape of sw_level_counts()
# (unweighted, as in memory): one GROUP BY query.
sv_db_level_counts <- function(src, lab, levels, sub, status, fenv) {
  e <- str2lang(lab)
  if (is.call(e) && length(e) == 2L) e <- e[[2L]]
  if (!is.name(e)) return(NULL)
  col <- as.character(e)
  tb <- src$data
  if (!is.null(sub)) tb <- sv_db_verb(dplyr::filter, tb, list(sub), fenv)
  tb <- dplyr::group_by(tb, dplyr::across(dplyr::all_of(col)))
  agg <- as.data.frame(sv_db_run(src, sv_db_verb(dplyr::summarise, tb, list(
    .sv_n = quote(dplyr::n()),
    .sv_e = call("sum", status, na.rm = TRUE),
    .groups = "drop"), fenv)))
  k <- match(levels, as.character(agg[[col]]))
  n <- ifelse(is.na(k), 0, as.numeric(agg$.sv_n[k]))
  ev <- ifelse(is.na(k), 0, as.numeric(agg$.sv_e[k]))
  list(n = stats::setNames(n, levels), events = stats::setNames(ev, levels))
}
