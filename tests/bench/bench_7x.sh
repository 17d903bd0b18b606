#!/bin/bash
# Linux 7.x: `kfuncbtf scan` and `kfuncbtf emit` on Debian's 7.3 (and 7.2) debug vmlinux, side by
# side in one hyperfine run with pahole encoding BTF from the same file (its peer in the
# pipeline: `pahole --btf_encode_detached`), plus peak RSS; then what resolve_btfids 7.3 (built
# from linux-source-7.3 into the cache) does on the same finished vmlinux.
# Targets (README.md, "Linux 7.x"): scan <= 0.2 s, emit <= 0.3 s, peak RSS <= 150 MB on 7.3.
#
#   tests/bench/bench_7x.sh [BUILD_DIR] [SERIES...]       (default: 7.3 7.2)
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}; shift || true
series=("$@"); [ ${#series[@]} -gt 0 ] || series=(7.3 7.2)
kfb=$build/kfuncbtf
CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
for t in hyperfine pahole python3 make; do command -v $t >/dev/null || { echo "bench_7x: $t not installed"; exit 77; }; done
[ -x "$kfb" ] || { echo "bench_7x: $kfb not built"; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# resolve_btfids of 7.3, built once from the kernel's own tree (tools/bpf/resolve_btfids).
rb=$CACHE/resolve_btfids-7.3/resolve_btfids
if [ ! -x "$rb" ]; then
  s=$("$src/tests/bench/realkernel.sh" source 7.3)
  mkdir -p "$CACHE/resolve_btfids-7.3"
  make -s -C "$s/tools/bpf/resolve_btfids" OUTPUT="$CACHE/resolve_btfids-7.3/" >&2
fi

for ser in "${series[@]}"; do
  vm=$("$src/tests/bench/realkernel.sh" path "$ser")
  echo "== $ser: $vm ($(($(stat -c %s "$vm") / 1048576)) MB), load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$kfb" scan --stats "$vm" 2>&1 >/dev/null | sed 's/^/  /'
  "$kfb" emit --stats "$vm" -o "$T/emit.btf" 2>&1 | grep stats | sed 's/^/  /'
  for c in scan emit; do
    args=("$vm"); [ $c = emit ] && args+=(-q -o "$T/emit.btf")
    /usr/bin/time -v "$kfb" $c "${args[@]}" 2> "$T/time" >/dev/null
    echo "  $c peak RSS: $(($(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time") / 1024)) MB"
  done
  hyperfine -N -w 1 -r "${RUNS:-5}" --export-json "$T/h.json" \
    "$kfb scan $vm" "$kfb emit $vm -q -o $T/emit.btf" \
    "pahole --btf_encode_detached=$T/pahole.btf $vm" >&2
  python3 - "$T/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
s, e, p = (x["median"] for x in r)
print(f"  scan {s:.3f} s (user {r[0]['user']:.3f}), emit {e:.3f} s (user {r[1]['user']:.3f}), "
      f"pahole -J {p:.2f} s: scan 1/{p/s:.0f}, emit 1/{p/e:.0f} of pahole")
PY
  # resolve_btfids on the finished vmlinux (its .BTF_ids already resolved and sorted by id).
  cp "$vm" "$T/vmlinux"
  llvm-objcopy --dump-section .BTF="$T/in.btf" "$T/vmlinux" /dev/null
  rc=0; "$rb" --btf "$T/in.btf" "$T/vmlinux" > "$T/rb.out" 2>&1 || rc=$?
  echo "  resolve_btfids 7.3 --btf (the vmlinux's own .BTF) on it: exit $rc: $(head -1 "$T/rb.out")"
  rm -f "$T/vmlinux"
done
