#!/bin/bash
# check's kfunc rules on real kernels: the running kernel's BTF (every bpf_kfunc FUNC, BTF
# alone: registration, twins, name-suffix rules) and its modules' split BTF must be clean; so
# must a cached Debian 6.12 vmlinux with its .BTF_ids and DWARF (iterator rules need the set
# flags), and a 6.1 one, whose set8s predate BTF_SET8_KFUNCS: its linux_banner says 6.1, so
# every set8 is read as a kfunc set without --legacy-kfunc-sets.
. "$(dirname "$0")/lib.sh"
[ -r /sys/kernel/btf/vmlinux ] || skip "no /sys/kernel/btf/vmlinux"
need bpftool
tags=$(bpftool btf dump file /sys/kernel/btf/vmlinux | grep -c "DECL_TAG 'bpf_kfunc' " || true)
expect_exit 0 "$KFUNCBTF" -v check /sys/kernel/btf/vmlinux
expect_grep "/sys/kernel/btf/vmlinux: kfunc rules: $tags kfuncs (BTF alone), 0 errors, 0 warnings, 0 notes" "$T/out"
echo "running kernel: $tags bpf_kfunc tags, all clean"
for m in /sys/kernel/btf/*; do
  [ "$(basename "$m")" = vmlinux ] && continue
  expect_exit 0 "$KFUNCBTF" check --as module "$m"
  expect_eq "$(cat "$T/out")" ""
done
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
v612=$(ls "$cache"/linux-image-6.12*/vmlinux-6.12* 2>/dev/null | head -1 || true)
if [ -n "$v612" ]; then
  expect_exit 0 "$KFUNCBTF" -v check --as vmlinux "$v612"
  expect_grep "kfunc rules: " "$T/out"
  expect_grep "kfuncs (ELF scanned), 0 errors, 0 warnings, 0 notes" "$T/out"
  grep -o "kfunc rules: [0-9]* kfuncs" "$T/out"
else
  echo "note: no cached 6.12 vmlinux in $cache (tests/bench/realkernel.sh fetches one)"
fi
v61=$(ls "$cache"/linux-image-6.1.0*/vmlinux-6.1.0* 2>/dev/null | head -1 || true)
if [ -n "$v61" ]; then
  expect_exit 0 "$KFUNCBTF" -v check --as vmlinux "$v61"
  expect_grep "ok (" "$T/out"
  expect_grep " types, loader rules of Linux 6.1, as vmlinux BTF)" "$T/out"   # from linux_banner
  expect_grep "kfuncs (ELF scanned), 0 errors, 0 warnings, 0 notes" "$T/out"
  n=$(grep -o "kfunc rules: [0-9]* kfuncs" "$T/out")
  expect_exit 0 "$KFUNCBTF" -v check --as vmlinux --kernel 6.1 --legacy-kfunc-sets "$v61"
  expect_grep "$n (ELF scanned), 0 errors, 0 warnings, 0 notes" "$T/out"
  [ "${n//[^0-9]/}" -gt 0 ] || die "6.1: no kfuncs"
  echo "6.1: $n"
fi
