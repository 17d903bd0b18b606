#!/bin/bash
# dump of real distribution kernels (Debian's 6.1 and 6.12 debug vmlinux ELF files, cached by
# tests/bench/realkernel.sh fetch) is byte-identical to bpftool's. Skipped when not cached.
. "$(dirname "$0")/lib.sh"
need bpftool
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
n=0
for v in "$cache"/*/vmlinux-*; do
  [ -f "$v" ] || continue
  run_kfb dump "$v" > "$T/kfb.txt"
  bpftool btf dump file "$v" > "$T/bpftool.txt"
  cmp "$T/kfb.txt" "$T/bpftool.txt" || die "$v differs"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no cached vmlinux in $cache (tests/bench/realkernel.sh fetch)"
echo "compared $n kernels"
