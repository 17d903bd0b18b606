#!/bin/bash
# dump of the running kernel's BTF (vmlinux and every module, split on vmlinux) is
# byte-identical to bpftool's `btf dump file`.
. "$(dirname "$0")/lib.sh"
need bpftool
[ -r /sys/kernel/btf/vmlinux ] || skip "/sys/kernel/btf/vmlinux not readable"
n=0
for f in /sys/kernel/btf/*; do
  run_kfb dump "$f" > "$T/kfb.txt"
  bpftool btf dump file "$f" > "$T/bpftool.txt"
  cmp "$T/kfb.txt" "$T/bpftool.txt" || { diff "$T/kfb.txt" "$T/bpftool.txt" | head -20; die "$f differs"; }
  [ -s "$T/kfb.txt" ] || die "$f: empty dump"
  n=$((n + 1))
done
# An explicit -B gives the same as the automatic base.
for f in /sys/kernel/btf/*; do
  [ "$f" = /sys/kernel/btf/vmlinux ] && continue
  run_kfb dump "$f" -B /sys/kernel/btf/vmlinux | cmp - <(bpftool btf dump file "$f") || die "$f -B differs"
  break
done
echo "compared $n BTF files"
