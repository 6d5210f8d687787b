pub <- data.frame(
  id = c("m", "p1", "p2", "hr", "nr", "cnt"),
  statistic = c("median_months", "logrank_p", "logrank_p", "hr",
                "median_months", "count"),
  value = c(20, 0.026, 0.067, 2.69, NA, 26),
  lower = c(8.9, NA, NA, 1.07, NA, NA),
  upper = c(31.1, NA, NA, 6.76, NA, NA),
  stringsAsFactors = FALSE
)

test_that("compare_published applies each rule by hand-checked values", {
  rep <- data.frame(
    id = c("m", "p1", "p2", "hr", "nr", "cnt"),
    value = c(20.9, 0.040, 0.045, 3.2, NA, 25),
    lower = c(12.5, NA, NA, 1.2, NA, NA),
    upper = c(31.1, NA, NA, 9, NA, NA)
  )
  out <- compare_published(rep, pub)
  key <- paste(out$id, out$part)
  within <- setNames(out$within, key)
  # median 20 -> 20.9: |0.9| <= 1; lower 8.9 -> 12.5: 3.6 > max(3, 0.445)
  expect_true(within[["m value"]])
  expect_false(within[["m lower"]])
  expect_true(within[["m upper"]])
  # 0.026 -> 0.040: ratio 1.54 <= 1.6, both < 0.05
  expect_true(within[["p1 value"]])
  # 0.067 -> 0.045: ratio 1.49 but crosses 0.05
  expect_false(within[["p2 value"]])
  # hr 2.69 -> 3.2: 19% > 15%; bounds 1.07 -> 1.2 (12%) ok, 6.76 -> 9 (33%) no
  expect_false(within[["hr value"]])
  expect_true(within[["hr lower"]])
  expect_false(within[["hr upper"]])
  expect_true(within[["nr value"]])
  expect_false(within[["cnt value"]])
  expect_equal(out$difference[key == "m value"], 0.9)
  expect_identical(nrow(out), 10L)
})

test_that("rules by id override rules by statistic; numbers work as rel tolerance", {
  rep <- data.frame(id = "m", value = 22)
  expect_false(compare_published(rep, pub)$within[1])
  tol <- compare_tolerance(m = list(abs = 2.5))
  expect_true(compare_published(rep, pub, tol)$within[1])
  expect_true(compare_published(rep, pub, 0.1)$within[1])
  expect_false(compare_published(rep, pub, 0.05)$within[1])
})

test_that("a published NA is matched only by a reproduced NA", {
  expect_false(compare_published(data.frame(id = "nr", value = 50), pub)$within)
  expect_true(compare_published(data.frame(id = "nr", value = NA), pub)$within)
})

test_that("compare_published reads the shipped targets file", {
  path <- system.file("extdata", "du2015-targets.csv", package = "survstep")
  skip_if(path == "")
  tg <- utils::read.csv(path)
  out <- compare_published(data.frame(id = "n_total", value = 36), path)
  expect_true(out$within)
  expect_identical(out$published, 36)
})

test_that("compare_published gives clear errors", {
  rep <- data.frame(id = "m", value = 20)
  expect_error(compare_published(rep, pub[, -2]), class = "survstep_error_input")
  expect_error(compare_published(data.frame(id = "zz", value = 1), pub),
               class = "survstep_error_input")
  expect_error(compare_published(data.frame(value = 1), pub),
               class = "survstep_error_input")
  expect_error(compare_published(rep, pub, tolerance = "x"),
               class = "survstep_error_input")
  expect_error(compare_tolerance(hr = list(foo = 1)), class = "survstep_error_input")
  expect_snapshot(error = TRUE, {
    compare_published(rep, pub[, -2])
    compare_published(data.frame(id = c("m", "zz"), value = 1:2), pub)
    compare_published(rep, "no-such-file.csv")
    compare_tolerance(list(abs = 1))
  })
})
