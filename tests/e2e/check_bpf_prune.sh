#!/bin/bash
# Program mode prunes what the target's verifier prunes (bpf/prune.h), from the command line:
# the running kernel's version (uname) decides LINUX_KERNEL_VERSION for /sys/kernel/btf/vmlinux,
# -G NAME=VALUE sets a 'const volatile' knob (veristat's form, spaces allowed), and a -G name the
# object does not have is refused with exit 2. testdata/bpf/prune.bpf.c calls kfb_missing, which
# no kernel has, behind each guard (kfb_present, the other ksym, is missing too: its else runs).
. "$(dirname "$0")/lib.sh"
need_fixture bpf/prune.bpf.o
O=$KFB_FIXTURES/bpf/prune.bpf.o
V=/sys/kernel/btf/vmlinux
[ -r "$V" ] || skip "no $V"
rel=$(uname -r)
errs() { grep -o 'error: [a-z_]* (syscall)' "$T/out" | sed 's/error: //; s/ (syscall)//' | sort | tr '\n' ' '; }
want_version=""
case $rel in
  [0-6].*|7.[0-2].*) ;;      # before 7.3: by_version's call is pruned
  *) want_version="by_version " ;;
esac
expect_exit 1 "$KFUNCBTF" check "$O" --kernel-btf "$V"
expect_eq "$(errs)" "by_other_ksym ${want_version}unguarded "
expect_exit 1 "$KFUNCBTF" check "$O" --kernel-btf "$V" -G "use_missing = 1" -G mode=0x3
expect_eq "$(errs)" "by_knob by_mode by_other_ksym by_subprog ${want_version}unguarded "
expect_exit 2 "$KFUNCBTF" check "$O" --kernel-btf "$V" -G nope=1
expect_eq "$(cat "$T/err")" "kfuncbtf: -G nope: $O has no such 'const volatile' variable (.rodata)"
expect_exit 2 "$KFUNCBTF" check "$O" --kernel-btf "$V" -G mode=x
expect_eq "$(cat "$T/err")" "kfuncbtf: -G 'mode=x': 'x' is not a number"
