# The reconstruction loss and the annealing search. The loss computes every
# target with survstep's engines; the references (the package's
# tests/testthat/helper-g3nelm-reference.R) recompute them with survival.

d <- g3nelm()
rv <- ref_values(d)

test_that("the shipped cohort satisfies every count of the loss", {
  expect_identical(g3nelm_report(d)$counts, "")
})

test_that("the loss's numbers (survstep engines) equal the independent ones", {
  rep <- g3nelm_report(d)
  tg <- rep$targets
  ids <- intersect(tg$id, names(rv))
  expect_gt(length(ids), 150)
  for (id in ids) {
    r <- tg$reproduced[tg$id == id]
    if (is.na(rv[[id]])) {
      expect_true(is.na(r), label = id)
    } else {
      expect_equal(r, rv[[id]], tolerance = 1e-6, label = id)
    }
  }
  # Published values in the loss's target table are those of the CSV.
  for (id in intersect(tg$id, pub$id)) {
    if (is.na(pv(id))) next
    expect_equal(tg$published[tg$id == id], pv(id), label = id)
  }
  for (id in grep("^uv_", pub$id, value = TRUE)) {
    expect_equal(tg$published[tg$id == paste0(id, "_lo")], pl(id))
    expect_equal(tg$published[tg$id == paste0(id, "_hi")], pu(id))
    expect_equal(tg$published[tg$id == paste0(id, "_p")], pnote(id))
  }
  # Every required target passes by the loss's own criteria, too, except
  # the documented misses.
  expect_setequal(tg$id[tg$required & !tg$pass], names(known_misses))
  expect_equal(rep$loss, 207.0805, tolerance = 1e-6)
})

test_that("the search starts feasible and is deterministic", {
  init <- as.data.frame(g3nelm_initial_cpp(7), stringsAsFactors = FALSE)
  expect_identical(g3nelm_report(init)$counts, "")
  # The initial cohort follows the data contract of g3nelm().
  typed <- survstep:::g3nelm_type(init)
  expect_identical(nrow(typed), 36L)
  opt <- list(iterations = 3000, t_start = 300, t_end = 0.01,
              skeleton_iterations = 1000)
  a <- g3nelm_search_cpp(3, opt)
  b <- g3nelm_search_cpp(3, opt)
  c <- g3nelm_search_cpp(4, opt)
  expect_identical(a, b)
  expect_false(identical(a$cohort, c$cohort))
  expect_lt(a$loss, g3nelm_report(
    as.data.frame(g3nelm_initial_cpp(3), stringsAsFactors = FALSE))$loss)
  res <- as.data.frame(a$cohort, stringsAsFactors = FALSE)
  expect_identical(g3nelm_report(res)$counts, "")
  # The search warm-starts its Cox fits; the report fits from 0.
  expect_equal(g3nelm_report(res)$loss, a$loss, tolerance = 1e-4)
})

test_that("a search can restart from a cohort in the CSV layout", {
  opt <- list(iterations = 500, t_start = 1, t_end = 0.01)
  start <- lapply(as.list(d), function(x) {
    if (is.factor(x)) as.character(x) else x
  })
  r <- g3nelm_search_cpp(3, opt, start)
  expect_lte(r$loss, g3nelm_report(d)$loss + 1e-3)
  bad <- start
  bad$status[] <- 0L
  expect_error(g3nelm_search_cpp(3, opt, bad))
})
