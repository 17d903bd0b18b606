#!/bin/bash
# A report that cannot be written is never a silent success: with stdout on /dev/full, every
# command (and --version, -h, --list-features, emit -o -) exits 2 with exactly one message,
# "kfuncbtf: standard output: write error: No space left on device".
. "$(dirname "$0")/lib.sh"
[ -w /dev/full ] || skip "no /dev/full"
need python3
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
python3 "$KFB_SRC/tests/e2e/craft.py" btf-name "$T/ok.btf" name
python3 "$KFB_SRC/tests/e2e/craft.py" btf-name "$T/bad.btf" name bad
want="kfuncbtf: standard output: write error: No space left on device"
full() {
  local rc=0
  "$KFUNCBTF" "$@" > /dev/full 2> "$T/err" || rc=$?
  [ $rc -eq 2 ] || { cat "$T/err"; die "exit $rc, not 2: kfuncbtf $* >/dev/full"; }
  expect_eq "$(cat "$T/err")" "$want"
}
full --version
full -h
full emit -h
full emit --list-features
full -v check "$T/ok.btf"                 # check prints nothing on success unless -v
full check "$T/bad.btf"                  # findings (exit 1) that were never shown
full --json check "$T/ok.btf"
full --json check --as vmlinux "$T/ok.btf"
[ ! -r /sys/kernel/btf/vmlinux ] || full --json check --as vmlinux /sys/kernel/btf/vmlinux
full dump "$T/ok.btf"
full --pretty dump "$T/ok.btf"
full scan "$obj"
full --json scan "$obj"
full diff "$T/ok.btf" "$T/bad.btf"
full --json diff "$T/ok.btf" "$T/ok.btf"
full emit "$obj" -o -
# The same commands with a writable stdout are fine (the failures above are the device's).
expect_exit 0 "$KFUNCBTF" --version
expect_exit 1 "$KFUNCBTF" check "$T/bad.btf"
echo "ok: every command reports a stdout write error with exit 2"
