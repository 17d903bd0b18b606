#!/bin/bash
# No threads is not a crash: with 40 MB of address space (`ulimit -v 40000`) -j8 cannot create
# its threads (each wants an 8 MB stack); the work they would have done runs on the main thread
# and every command prints what -j1 prints, with its usual exit code. (Before: "terminate called
# without an active exception", exit 134.)
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o clang-dwarf5.o
a=$KFB_FIXTURES/gcc-dwarf5.o b=$KFB_FIXTURES/clang-dwarf5.o
(ulimit -v 40000 && "$KFUNCBTF" --version >/dev/null 2>&1) ||
  skip "kfuncbtf does not start in 40 MB of address space (a sanitizer build reserves more)"
cd "$T"
same_as_j1() {  # same_as_j1 CODE ARGS...: -j8 under the limit = -j1 without it
  local code=$1; shift
  expect_exit "$code" "$KFUNCBTF" -j1 "$@"; mv "$T/out" "$T/want"
  expect_exit "$code" bash -c 'ulimit -v 40000 && exec timeout 60 "$@"' - "$KFUNCBTF" -j8 "$@"
  expect_eq "$(cat "$T/err")" ""
  cmp -s "$T/out" "$T/want" || die "-j8 in 40 MB: other output than -j1: $*"
}
same_as_j1 0 scan "$a"
same_as_j1 0 scan "$b"
same_as_j1 0 check "$a"
same_as_j1 1 diff "$a" "$b"
same_as_j1 0 emit -q "$a" -o /dev/stdout
echo "ok: -j8 without the address space for threads runs on fewer, with -j1's output"
