#!/bin/bash
# The threaded paths (scan -j, emit -j, diff -j) under ThreadSanitizer: any report fails, and
# each -jN output equals -j1 byte for byte. Run by tests/run-all's third pass with KFUNCBTF a
# -DKFUNCBTF_TSAN=ON build of the tool and KFB_FIXTURES the first pass's fixtures.
. "$(dirname "$0")/../e2e/lib.sh"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
need_fixture clang-dwarf5.o gcc-dwarf5.o gcc-dwarf5.elf
"$KFUNCBTF" --version | grep -q . || die "$KFUNCBTF does not run"

same() {  # same NAME CMD-WITH-@J@...: -j1 and -j2/-j4 give the same bytes and exit code
  local name=$1; shift
  local j rc1=0 rc
  "${@//@J@/-j1}" > "$T/$name.1" 2> "$T/$name.1.err" || rc1=$?
  [ $rc1 -le 1 ] || { cat "$T/$name.1.err"; die "$name -j1: exit $rc1"; }
  for j in 2 4; do
    rc=0
    "${@//@J@/-j$j}" > "$T/$name.$j" 2> "$T/$name.$j.err" || rc=$?
    [ $rc -ne 66 ] || { cat "$T/$name.$j.err"; die "$name -j$j: ThreadSanitizer report"; }
    [ $rc -eq $rc1 ] || { cat "$T/$name.$j.err"; die "$name -j$j: exit $rc, -j1 exited $rc1"; }
    cmp -s "$T/$name.1" "$T/$name.$j" || die "$name -j$j: output differs from -j1"
  done
  echo "ok: $name"
}

# emit's output file, on stdout.
emit_cat() { local out; out=$(mktemp "$T/emit.XXXXXX"); "$KFUNCBTF" -q emit "$@" -o "$out" && cat "$out"; }

F=$KFB_FIXTURES
for o in clang-dwarf5.o gcc-dwarf5.o gcc-dwarf5.elf; do
  same "scan-$o" "$KFUNCBTF" --json scan --all @J@ "$F/$o"
  same "emit-$o" emit_cat @J@ --scopes "$KFB_SRC/testdata/src/scopes.txt" "$F/$o"
done
if have_fixture gcc-dwarf5-tu.o; then
  same scan-tu "$KFUNCBTF" --json scan --all @J@ "$F/gcc-dwarf5-tu.o"
fi
"$KFUNCBTF" -q emit --scopes "$KFB_SRC/testdata/src/scopes.txt" -o "$T/new.btf" "$F/gcc-dwarf5.o"
same diff-fixture "$KFUNCBTF" diff @J@ "$F/gcc-dwarf5.btf" "$T/new.btf"
if [ -r /sys/kernel/btf/vmlinux ]; then
  # The running kernel's BTF against the fixture's: large on both sides.
  same diff-vmlinux "$KFUNCBTF" diff --kfuncs-only @J@ /sys/kernel/btf/vmlinux "$T/new.btf"
fi
