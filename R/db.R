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
  if (is.null(call$data)) return(FALSE)
  data <- tryCatch(eval(call$data, env), error = function(e) NULL)
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

# subset (translated to SQL), then the missing values of `vars`: counted in
# one query and removed in SQL (na.omit, na.exclude), an error (na.fail), or
# kept (na.pass). Returns the lazy table and the number of rows removed.
sv_db_rows <- function(src, call, vars, fenv) {
  tb <- src$data
  env <- src$env
  sub <- call$subset
  if (!is.null(sub)) {
    sv_db_check_vars(src, setdiff(all.vars(sub), src$cols), env)
  }
  na_fun <- if (is.null(call$na.action)) getOption("na.action", "na.omit") else
    eval(call$na.action, env)
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
  vars <- intersect(vars, src$cols)
  missing_any <- NULL
  for (v in vars) {
    term <- call("is.na", as.name(v))
    missing_any <- if (is.null(missing_any)) term else
      call("|", missing_any, term)
  }
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
  if (!is.null(sub)) tb <- sv_db_verb(dplyr::filter, tb, list(sub), env)
  if (!is.null(missing_any) && num(cnt$.sv_na) > 0) {
    tb <- sv_db_verb(dplyr::filter, tb, list(call("!", missing_any)), env)
  }
  list(tb = tb, n_rows = n_rows - num(cnt$.sv_na), n_dropped = n_na)
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
                                   env))
  agg <- as.data.frame(agg)
  if (!is.null(agg$.sv_wmin) && any(agg$.sv_wmin < 0, na.rm = TRUE)) {
    sv_abort("`weights` must be finite and non-negative.", call = caller)
  }
  agg$.sv_w <- as.double(agg$.sv_w)
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

sv_db_finish_logrank <- function(out, fr) {
  out$n <- as.integer(sum(fr$db_count))
  out$db <- fr$db
  out
}
