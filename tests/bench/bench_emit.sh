#!/bin/bash
# Benchmark `kfuncbtf emit` on Debian's 6.12 debug vmlinux (scan + rewrite + check + write)
# against `pahole -J` on the same file, side by side in one hyperfine run, plus emit's peak RSS.
#
#   tests/bench/bench_emit.sh [BUILD_DIR] [VMLINUX]
#
# pahole runs as `pahole --btf_encode_detached=OUT` (the encoding work of -J without rewriting
# the 350 MB input in place). Targets (tests/bench/README.md): emit <= 1/20 of pahole's wall
# time, peak RSS <= 200 MB.
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${KFB_BUILD:-$src/build}}
kfb=$build/kfuncbtf
vm=${2:-$("$src/tests/bench/realkernel.sh" path 6.12 2>/dev/null || true)}
for t in hyperfine pahole python3; do command -v $t >/dev/null || { echo "bench_emit: $t not installed"; exit 77; }; done
[ -x "$kfb" ] || { echo "bench_emit: $kfb not built (ninja -C $build kfuncbtf)"; exit 2; }
[ -n "$vm" ] && [ -r "$vm" ] || { echo "bench_emit: no 6.12 vmlinux (tests/bench/realkernel.sh fetch)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# A correct run first (and the page cache warm for both tools).
"$kfb" emit "$vm" --stats -o "$T/emit.btf"
/usr/bin/time -v "$kfb" emit "$vm" -q -o "$T/emit.btf" 2> "$T/time"
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time")
echo "emit peak RSS: $((rss / 1024)) MB (target <= 200 MB)"

hyperfine -N -w 1 -r "${RUNS:-5}" --export-json "$T/h.json" \
  "$kfb emit $vm -q -o $T/emit.btf" \
  "pahole --btf_encode_detached=$T/pahole.btf $vm"
python3 - "$T/h.json" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
e, p = r[0]["mean"], r[1]["mean"]
print(f"emit {e:.3f} s, pahole -J {p:.3f} s, ratio {e/p:.4f} (target <= 0.05); "
      f"emit peak RSS {int(sys.argv[2])//1024} MB")
PY
