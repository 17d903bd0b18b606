#!/bin/bash
# check accepts the running kernel's own BTF as user BTF, as vmlinux BTF, and a module's
# split BTF on top of it (the kernel loaded all of them).
. "$(dirname "$0")/lib.sh"
[ -r /sys/kernel/btf/vmlinux ] || skip "no /sys/kernel/btf/vmlinux"
expect_exit 0 "$KFUNCBTF" check /sys/kernel/btf/vmlinux
expect_eq "$(cat "$T/out")" ""
expect_exit 0 "$KFUNCBTF" -v check --kernel 6.18 --as vmlinux /sys/kernel/btf/vmlinux
expect_grep "types, loader rules of Linux 6.18, as vmlinux BTF" "$T/out"
# Without --kernel: the running kernel's rules (uname), for its own BTF.
rel=$(uname -r); rel=${rel%%-*}; series=$(echo "$rel" | cut -d. -f1-2)
expect_exit 0 "$KFUNCBTF" -v check --as vmlinux /sys/kernel/btf/vmlinux
case $series in
  6.1[89]|6.[2-9]?|7.0|7.1) expect_grep "types, loader rules of Linux 6.18, as vmlinux BTF" "$T/out" ;;
esac
# 7.x trusts vmlinux BTF to be sorted by name; a 6.x kernel's is not: 7.3's rules say where.
case $series in
  6.*)
    expect_exit 1 "$KFUNCBTF" check --kernel 7.3 --as vmlinux /sys/kernel/btf/vmlinux
    expect_grep "/sys/kernel/btf/vmlinux: types are not sorted by name: [" "$T/out"
    expect_grep "(Linux 7.3 finds vmlinux types by binary search and never checks the order)" "$T/out"
    expect_exit 0 "$KFUNCBTF" check --kernel 7.3 /sys/kernel/btf/vmlinux ;;   # user BTF: not assumed
esac
# 6.1 rejects the kflag on TYPE_TAG ("address_space(1)" attributes) that 6.13+ emits.
# Either accepted, or rejected for exactly that reason.
rc=0; "$KFUNCBTF" check --kernel 6.1 /sys/kernel/btf/vmlinux > "$T/out61" || rc=$?
if [ $rc -ne 0 ]; then
  expect_eq "$rc" 1
  expect_grep "TYPE_TAG '" "$T/out61"
  expect_grep "': Invalid btf_info kind_flag" "$T/out61"
fi
mod=$(ls /sys/kernel/btf | grep -v '^vmlinux$' | head -1 || true)
# The vmlinux half has run; without a module the split half could not.
[ -n "$mod" ] || skip "no module BTF under /sys/kernel/btf (vmlinux accepted; split BTF not checked)"
expect_exit 0 "$KFUNCBTF" check --as module /sys/kernel/btf/"$mod"
expect_exit 0 "$KFUNCBTF" check --as module -B /sys/kernel/btf/vmlinux /sys/kernel/btf/"$mod"
# A module's split BTF is not loadable alone: its first string byte is not NUL or it refers
# to base types, so --as user must reject it.
expect_exit 1 "$KFUNCBTF" check /sys/kernel/btf/"$mod"
