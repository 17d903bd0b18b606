#!/bin/bash
# Benchmarks for lib/btf and `kfuncbtf dump` on the running kernel's BTF:
#   1. kfuncbtf dump vs bpftool btf dump file (raw text), side by side in one hyperfine run;
#   2. kfuncbtf dump --json vs bpftool -j;
#   3. parse + write round trip inside one process (tests/bench/btf_roundtrip.cc).
# Usage: tests/bench/bench_btf.sh [BUILD_DIR] [BTF_FILE]   (defaults: build, /sys/kernel/btf/vmlinux)
# Targets (tests/bench/README.md): dump <= 0.1 x bpftool's time; round trip <= 20 ms.
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${KFB_BUILD:-$src/build}}
btf=${2:-/sys/kernel/btf/vmlinux}
kfb=$build/kfuncbtf
rt=$build/tests/bench/btf_roundtrip
for t in hyperfine bpftool; do command -v $t >/dev/null || { echo "bench_btf: $t not installed"; exit 77; }; done
[ -x "$kfb" ] || { echo "bench_btf: $kfb not built (ninja -C $build kfuncbtf)"; exit 2; }
[ -r "$btf" ] || { echo "bench_btf: $btf not readable"; exit 77; }

# Same bytes first: a fast wrong answer is no answer.
cmp <("$kfb" dump "$btf") <(bpftool btf dump file "$btf") || { echo "bench_btf: outputs differ"; exit 1; }

echo "== raw dump"
hyperfine -N -w 3 -r 20 --export-json /tmp/bench_btf_raw.json \
  "$kfb dump $btf" "bpftool btf dump file $btf"
echo "== JSON dump"
hyperfine -N -w 2 -r 10 "$kfb dump --json $btf" "bpftool -j btf dump file $btf"
python3 - /tmp/bench_btf_raw.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
k, b = r[0]["mean"], r[1]["mean"]
print(f"raw dump: kfuncbtf {k*1000:.1f} ms, bpftool {b*1000:.1f} ms, ratio {k/b:.3f} (target <= 0.1)")
PY

echo "== parse + write round trip (in process)"
if [ -x "$rt" ]; then
  "$rt" "$btf" 30
  hyperfine -N -w 3 -r 20 "$rt $btf 1" "$kfb dump --format none $btf"
else
  echo "btf_roundtrip not built (ninja -C $build btf_roundtrip)"
fi
