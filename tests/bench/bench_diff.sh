#!/bin/bash
# Benchmark `kfuncbtf diff` on two real kernels: the Debian 6.12 debug vmlinux's .BTF
# (tests/bench/realkernel.sh caches it) against the running kernel's /sys/kernel/btf/vmlinux.
#   1. the output is stable (two runs byte-identical, -j1 == -j2);
#   2. CPU time (median user + sys) of the full text diff; hyperfine: full text diff (-j1, -j2),
#      --stat, --json, a self-diff;
#   3. for context, what pipelines do today: `diff` of two bpftool dumps.
# Usage: tests/bench/bench_diff.sh [BUILD_DIR] [OLD] [NEW]
# Target (tests/bench/README.md): 6.12 vs 6.18 text diff <= 0.3 s wall.
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${KFB_BUILD:-$src/build}}
kfb=$build/kfuncbtf
command -v hyperfine >/dev/null || { echo "bench_diff: hyperfine not installed"; exit 77; }
[ -x "$kfb" ] || { echo "bench_diff: $kfb not built (ninja -C $build kfuncbtf)"; exit 2; }
old=${2:-$("$src/tests/bench/realkernel.sh" path 6.12)}
new=${3:-/sys/kernel/btf/vmlinux}
[ -r "$old" ] && [ -r "$new" ] || { echo "bench_diff: $old or $new not readable"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Stable first: a fast answer that changes between runs is no answer.
rc=0; "$kfb" diff "$old" "$new" > "$tmp/a" || rc=$?
[ "$rc" = 1 ] || { echo "bench_diff: expected exit 1, got $rc"; exit 1; }
"$kfb" diff "$old" "$new" > "$tmp/b" || true
"$kfb" -j2 diff "$old" "$new" > "$tmp/c" || true
cmp "$tmp/a" "$tmp/b" && cmp "$tmp/a" "$tmp/c" || { echo "bench_diff: output not stable"; exit 1; }
echo "diff: $(wc -l < "$tmp/a") lines, $(wc -c < "$tmp/a") bytes"
"$kfb" diff --stat "$old" "$new" | tail -2 || true
uptime

# CPU time (user + sys) holds still under load where wall time does not: median of 11 runs.
if [ -x /usr/bin/time ]; then
  for _ in $(seq 11); do
    /usr/bin/time -f "%U %S %M" -a -o "$tmp/cpu" "$kfb" diff "$old" "$new" > /dev/null || true
  done
  grep -v '^Command' "$tmp/cpu" | awk '{ printf "%.2f %.2f %.2f %d\n", $1 + $2, $1, $2, $3 }' | sort -n |
    awk '{ r[NR] = $0 } END { split(r[int((NR + 1) / 2)], m, " ");
      printf "CPU (median of %d): %.2f s = %.2f user + %.2f sys, %d KB peak RSS\n", NR, m[1], m[2], m[3], m[4] }'
fi

hyperfine -N -w 2 -r 15 -i \
  "$kfb diff $old $new" \
  "$kfb -j2 diff $old $new" \
  "$kfb diff --stat $old $new" \
  "$kfb --json diff $old $new" \
  "$kfb diff $new $new"

if command -v bpftool >/dev/null; then
  echo "== today's way: diff of two bpftool dumps (ids renumbered: $(diff <(bpftool btf dump file "$old") <(bpftool btf dump file "$new") | wc -l) lines)"
  hyperfine -S bash -w 1 -r 3 -i "diff <(bpftool btf dump file $old) <(bpftool btf dump file $new) > /dev/null"
fi
