# as_flextable(): the cells are the tables' format() --------------------------

skip_if_not_installed("flextable")

test_that("every publication table becomes a flextable with its cells", {
  lung <- survival::lung
  lung$sex <- factor(lung$sex, 1:2, c("male", "female"))
  ct <- cohort_table(lung, by = "sex", vars = c("age", "ph.ecog"),
                     type = c(ph.ecog = "categorical"))
  ft <- flextable::as_flextable(ct, caption = "Table 1")
  expect_s3_class(ft, "flextable")
  body <- ft$body$dataset
  f <- format(ct, indent = "")
  expect_identical(unname(as.list(body)), unname(as.list(f)))
  expect_identical(names(body), names(f))

  kt <- km_table(Surv(time, status) ~ sex, data = lung, times = 365)
  ft2 <- flextable::as_flextable(kt)
  expect_identical(unname(as.list(ft2$body$dataset)),
                   unname(as.list(format(kt))))

  uv <- cox_univariable(Surv(time, status) ~ age + sex, data = lung)
  ft3 <- flextable::as_flextable(cox_table(uv))
  expect_identical(ft3$body$dataset[[1]], format(cox_table(uv))[[1]])
  f <- tempfile(fileext = ".docx")
  # (no caption: Debian's flextable 0.8.4 with officer 0.6.0 fails on
  # captions in save_as_docx(), a mismatch of those two packages)
  flextable::save_as_docx(ft3, path = f)
  expect_gt(file.size(f), 1000)
})
