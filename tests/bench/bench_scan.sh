#!/bin/bash
# Times `kfuncbtf scan` on real Debian debug kernels (see README.md, "scan"):
#  1. scan of the 6.12 vmlinux vs `pahole -J` (detached, same input) in one hyperfine run;
#     targets: scan <= 0.3 s wall, <= 1/20 of pahole; peak RSS <= 200 MB (/usr/bin/time -v);
#  2. `scan --all -j2` of the 6.1 vmlinux vs a plain libdw top-level DIE walk (libdw_walk);
#     target <= 1.2x.
# usage: tests/bench/bench_scan.sh [BUILD_DIR]     (kernels fetched by realkernel.sh)
set -eu -o pipefail
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
K=$B/kfuncbtf
W=$B/tests/bench/libdw_walk
for t in hyperfine pahole python3; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
[ -x "$K" ] || { echo "SKIP: $K not built"; exit 77; }
V612=$("$HERE/realkernel.sh" path 6.12)
V61=$("$HERE/realkernel.sh" path 6.1)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "== 1. scan vs pahole -J on $V612"
hyperfine -N -w 1 -r ${RUNS:-5} --export-json "$T/h1.json" \
  "$K scan $V612" \
  "pahole --btf_encode_detached=$T/pahole.btf $V612" >&2
python3 - "$T/h1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
s, p = r[0]["median"], r[1]["median"]
print(f"scan median {s:.3f} s (user {r[0]['user']:.3f}, sys {r[0]['system']:.3f}); "
      f"pahole -J median {p:.2f} s; ratio 1/{p/s:.0f} (targets: <= 0.3 s, <= 1/20)")
PY
/usr/bin/time -v "$K" scan "$V612" 2> "$T/time" > /dev/null
echo "scan peak RSS: $(awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2/1024}' "$T/time") (target <= 200 MB)"
"$K" scan --stats "$V612" 2>&1 >/dev/null | sed 's/^/  /'

echo "== 2. scan --all -j2 vs libdw top-level walk on $V61"
[ -x "$W" ] || { echo "SKIP: $W not built (libdw-dev?)"; exit 77; }
hyperfine -N -w 1 -r ${RUNS:-5} --export-json "$T/h2.json" \
  "$K scan --all -j2 --legacy-kfunc-sets $V61" "$W $V61" >&2
python3 - "$T/h2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
s, w = r[0]["median"], r[1]["median"]
print(f"scan --all -j2 median {s:.3f} s; libdw walk median {w:.3f} s; ratio {s/w:.2f}x (target <= 1.2x)")
PY
"$K" scan --all -j2 --legacy-kfunc-sets --stats "$V61" 2>&1 >/dev/null | sed 's/^/  /'
