#!/usr/bin/env bash
# Builds survstep with AddressSanitizer + UndefinedBehaviorSanitizer into a
# private library and runs the test suite and a fuzz run under it.
#
#   bash inst/scripts/sanitize.sh [--fuzz N] [--max-n M] [--filter REGEX]
#                                 [--out DIR] [--halt] [--valgrind]
#
#   --fuzz N       data sets of the fuzz run (default 100; 0 = none)
#   --max-n M      largest data set of the fuzz run (default 1000)
#   --filter REGEX only the testthat files matching REGEX (default: all)
#   --out DIR      where the build log and the reports go (default: a new
#                  directory under ${TMPDIR:-/tmp})
#   --halt         stop at the first UBSan report (-fno-sanitize-recover);
#                  by default every report is logged and the run goes on
#   --valgrind     instead of the sanitizers: an ordinary -O1 -g build, the
#                  tests and the fuzz run under valgrind memcheck (very slow:
#                  use --filter and a small --fuzz)
#
# Nothing outside the output directory changes: the compiler flags come from
# a private R_MAKEVARS_USER file (never ~/.R/Makevars). R itself is not
# instrumented, so the ASan runtime is preloaded (LD_PRELOAD) with leak
# detection off. Every report is written to a file (ASan/UBSan log_path,
# valgrind --log-file) so none is lost in the test output. Ends with a
# verdict: "clean" or "N reports" and the report files.
set -uo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
fuzz=100
max_n=1000
filter=""
out=""
halt=0
valgrind=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzz) fuzz=$2; shift 2 ;;
    --max-n) max_n=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --halt) halt=1; shift ;;
    --valgrind) valgrind=1; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/survstep-sanitize.XXXXXX")
mkdir -p "$out/lib" "$out/reports"
out=$(cd "$out" && pwd)
lib="$out/lib"
mk="$out/Makevars"

cxx="g++"
command -v ccache >/dev/null 2>&1 && cxx="ccache g++"
cc="gcc"
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
if [ "$valgrind" = 1 ]; then
  san=""
  command -v valgrind >/dev/null 2>&1 || { echo "valgrind not found" >&2; exit 2; }
else
  san="-fsanitize=address,undefined -fno-omit-frame-pointer"
  [ "$halt" = 1 ] && san="$san -fno-sanitize-recover=undefined"
fi
cat > "$mk" <<EOF
CC = $cc
CXX = $cxx
CXX11 = $cxx
CXX14 = $cxx
CXX17 = $cxx
CFLAGS = -O1 -g $san
CXXFLAGS = -O1 -g $san
CXX11FLAGS = -O1 -g $san
CXX14FLAGS = -O1 -g $san
CXX17FLAGS = -O1 -g $san
LDFLAGS = $san
EOF

# build from a copy: R CMD INSTALL compiles in the source directory, and
# instrumented objects must not be left where an ordinary build reuses them
src="$out/source"
rm -rf "$src"
mkdir -p "$src"
(cd "$here" && tar --exclude=.git --exclude='*.o' --exclude='*.so' \
  --exclude='*.dll' -cf - .) | (cd "$src" && tar -xf -)

echo "== building survstep ($([ "$valgrind" = 1 ] && echo "for valgrind" || echo "$san")) into $lib"
if ! MAKEFLAGS=-j2 R_MAKEVARS_USER="$mk" R CMD INSTALL --no-test-load \
    -l "$lib" "$src" > "$out/install.log" 2>&1; then
  tail -40 "$out/install.log"
  echo "VERDICT: build failed (see $out/install.log)"
  exit 1
fi

reports="$out/reports"
run_env=(NOT_CRAN=true R_LIBS="$lib${R_LIBS:+:$R_LIBS}")
rdebug=()
if [ "$valgrind" = 1 ]; then
  rdebug=(-d "valgrind --error-exitcode=0 --track-origins=yes --trace-children=no --log-file=$reports/valgrind.%p")
else
  asan=$(gcc -print-file-name=libasan.so)
  [ -f "$asan" ] || { echo "libasan.so not found" >&2; exit 2; }
  run_env+=(
    LD_PRELOAD="$asan"
    ASAN_OPTIONS="detect_leaks=0:detect_odr_violation=0:log_path=$reports/asan:abort_on_error=0:print_summary=1"
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=$halt:log_path=$reports/ubsan"
  )
fi

echo "== test suite${filter:+ (files matching $filter)}"
cd "$here/tests/testthat"
env "${run_env[@]}" FILTER="$filter" R "${rdebug[@]}" --vanilla --no-echo -e '
  library(testthat)
  library(survstep)
  f <- Sys.getenv("FILTER"); if (!nzchar(f)) f <- NULL
  res <- test_dir(".", filter = f, package = "survstep",
                  load_package = "installed",
                  reporter = ProgressReporter$new(show_praise = FALSE),
                  stop_on_failure = FALSE)
  df <- as.data.frame(res)
  failed <- sum(df$failed) + sum(df$error)
  cat(sprintf("\n%d passed, %d failed, %d skipped\n",
              sum(df$nb) - sum(df$failed) - sum(df$skipped), failed,
              sum(df$skipped)))
' > "$out/tests.log" 2>&1
test_status=$?
tail -3 "$out/tests.log"

fuzz_status=0
if [ "$fuzz" -gt 0 ]; then
  echo "== fuzz run: $fuzz data sets (n <= $max_n)"
  cd "$out"
  if [ "$valgrind" = 1 ]; then
    # one process (valgrind does not follow the children of system2())
    env "${run_env[@]}" FUZZ_LIB="$here/inst/fuzz/fuzz-lib.R" FUZZ_N="$fuzz" \
      FUZZ_MAX_N="$max_n" R "${rdebug[@]}" --vanilla --no-echo -e '
      suppressPackageStartupMessages({library(survival); library(survstep)})
      source(Sys.getenv("FUZZ_LIB"))
      res <- fz_run(1, seq_len(as.integer(Sys.getenv("FUZZ_N"))),
                    max_n = as.integer(Sys.getenv("FUZZ_MAX_N")))
      fz_print_summary(res)
    ' > "$out/fuzz.log" 2>&1
  else
    env "${run_env[@]}" Rscript --vanilla "$here/inst/fuzz/fuzz.R" \
      --n "$fuzz" --seed 1 --lib "$lib" --max-n "$max_n" --batch 20 \
      --out "$out/fuzz-unexplained.csv" > "$out/fuzz.log" 2>&1
  fi
  fuzz_status=$?
  grep -E "^(data sets|comparisons|disagreements|crashes|unexplained):" \
    "$out/fuzz.log"
fi

# verdict ----------------------------------------------------------------------
cd "$out"
if [ "$valgrind" = 1 ]; then
  files=$(grep -L "ERROR SUMMARY: 0 errors" "$reports"/valgrind.* 2>/dev/null)
else
  files=$(find "$reports" -type f -size +0 | sort)
fi
n=$(printf "%s" "$files" | grep -c . || true)
echo
echo "== output in $out (install.log, tests.log, fuzz.log, reports/)"
if [ "$n" -eq 0 ]; then
  echo "VERDICT: clean (0 sanitizer reports; tests exit $test_status, fuzz exit $fuzz_status)"
  exit 0
fi
echo "VERDICT: $n report file(s); tests exit $test_status, fuzz exit $fuzz_status"
for f in $files; do
  echo "--- $f"
  grep -E "runtime error|ERROR: AddressSanitizer|SUMMARY|Invalid|uninitialised" "$f" | head -5
  grep -E "^ +#[0-9]+ .*(survstep|inst/include)" "$f" | head -3
done
exit 1
