# Shared harness for the end-to-end scripts (mold's test/common.inc style).
#
#   . "$(dirname "$0")/lib.sh"
#   need bpftool                       # skip (exit 77) with the reason when missing
#   run_kfb dump "$fix/clang-dwarf5.o" > "$T/out"
#   expect_exit 2 "$KFUNCBTF" dump /nonexistent
#   expect_eq "$(cat "$T/out")" "..."
#
# Each script tests one behaviour. $T is a fresh temp dir, removed on success and kept (its
# path printed) on failure. Environment from CTest: KFUNCBTF, KFB_SRC, KFB_BUILD, KFB_FIXTURES.
set -eu -o pipefail

: "${KFUNCBTF:?run through ctest, or set KFUNCBTF to the built binary}"
: "${KFB_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${KFB_FIXTURES:=$(dirname "$KFUNCBTF")/testdata}"
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/kfb-$TEST_NAME.XXXXXX")

on_exit() {
  local rc=$?
  if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then
    rm -rf "$T"
  else
    echo "FAIL: $TEST_NAME (exit $rc); temp dir kept: $T" >&2
  fi
  exit $rc
}
trap on_exit EXIT

skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }
die() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
need() { for t in "$@"; do command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"; done; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }

run_kfb() { "$KFUNCBTF" "$@"; }

# expect_exit CODE CMD...: run CMD, capture stdout/stderr in $T/out, $T/err; check the code.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "--- stdout"; head -c 4000 "$T/out"; echo "--- stderr"; head -c 4000 "$T/err"
    die "expected exit $want, got $rc: $*"
  fi
}

expect_eq() {
  [ "$1" = "$2" ] || die "expected: [$2]
got:      [$1]"
}

# expect_grep PATTERN FILE: fixed-string match.
expect_grep() { grep -qF -- "$1" "$2" || { echo "--- $2"; head -c 4000 "$2"; die "'$1' not found in $2"; }; }

# have_fixture NAME: true when the compiled fixture NAME (relative to $KFB_FIXTURES) is there,
# false when this build did not configure it (its compiler, linker or pahole is missing); a
# fixture the build configured (testdata/configured.txt) but that is missing fails the test.
have_fixture() {
  [ -e "$KFB_FIXTURES/$1" ] && return 0
  if grep -qxF -- "$1" "$KFB_FIXTURES/configured.txt" 2>/dev/null; then
    die "fixture $1 was configured by this build but is missing from $KFB_FIXTURES"
  fi
  return 1
}
# need_fixture NAME...: skip unless every one is there (fail when configured and missing).
need_fixture() {
  local f
  for f in "$@"; do have_fixture "$f" || skip "fixture $f not configured (its compiler, linker or pahole is missing)"; done
}

# The compiled fixtures (testdata/CMakeLists.txt). Skip cleanly if they were not built.
fixtures() {
  [ -d "$KFB_FIXTURES" ] || skip "fixtures not built at $KFB_FIXTURES"
  ls "$KFB_FIXTURES"/*.o 2>/dev/null
}

# bounded CMD...: CMD with 10 s and, where kfuncbtf can start in it, 1 GB of address space (a
# sanitizer build reserves terabytes of shadow memory: there only the time bound applies).
bounded() {
  if [ -z "${KFB_VLIMIT:-}" ]; then
    KFB_VLIMIT=unlimited
    if { ( ulimit -v 1000000; ASAN_OPTIONS=abort_on_error=0 exec "$KFUNCBTF" --version ) >/dev/null 2>&1; } 2>/dev/null; then
      KFB_VLIMIT=1000000
    fi
  fi
  ( ulimit -v "$KFB_VLIMIT"; exec timeout 10 "$@" )
}
