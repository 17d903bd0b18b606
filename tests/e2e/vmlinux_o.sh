#!/bin/bash
# The real 6.1 vmlinux.o checks of tests/bench/vmlinux_o.sh (scan against the raw .BTF_ids,
# emit on pahole's BTF loaded by the kernel, diff against pahole, idempotence, -j), without
# the timings, when a cached vmlinux.o exists (tests/bench/realkernel.sh vmlinux-o builds one
# in ~7 minutes; this test never builds it).
. "$(dirname "$0")/lib.sh"
vo=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-6.1/vmlinux.o
[ -r "$vo" ] || skip "no cached vmlinux.o (run tests/bench/realkernel.sh vmlinux-o)"
need pahole
rc=0
KFB_RUNS=0 KFUNCBTF=$KFUNCBTF "$KFB_SRC/tests/bench/vmlinux_o.sh" "$vo" > "$T/log" 2>&1 || rc=$?
cat "$T/log"
[ $rc -eq 77 ] && skip "$(tail -1 "$T/log")"
[ $rc -eq 0 ] || die "tests/bench/vmlinux_o.sh failed (exit $rc)"
expect_grep "set8 entries: 55 in .BTF_ids; 55 listed by scan --legacy-kfunc-sets" "$T/log"
expect_grep "vmlinux_o: ok (checks only)" "$T/log"
