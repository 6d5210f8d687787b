# Vendor fixtures (tests/testthat/fixtures, sources in README.md there):
# published output of SAS (and other vendors) on public data, compared with
# survstep to the printed digit.

read_fixture <- function(name) {
  utils::read.csv(test_path("fixtures", name), comment.char = "#",
                  stringsAsFactors = FALSE)
}

# TRUE when `x`, rounded to the `digits` decimals the vendor printed, is the
# printed number (NA printed = the vendor's missing value: `x` must be NA).
# The tiny slack only absorbs the binary representation of the decimals.
printed_match <- function(x, printed, digits) {
  stopifnot(length(x) == length(printed))
  ok <- ifelse(is.na(printed), is.na(x),
               !is.na(x) & abs(round(x, digits) - printed) < 1e-9 * 10^-digits)
  ok
}

expect_printed <- function(x, printed, digits, label = "") {
  ok <- printed_match(x, printed, digits)
  expect(all(ok),
         sprintf("%s: survstep %s, printed %s (to %s decimals)", label,
                 paste(format(x, digits = 10), collapse = ", "),
                 paste(format(printed), collapse = ", "),
                 paste(digits, collapse = ", ")))
  invisible(x)
}
