#!/bin/bash
# check's loader rules vs the kernel's own BPF_BTF_LOAD on the same blob, side by side.
#
#   tests/bench/bench_check.sh [BUILD_DIR] [FILE]     (defaults: build, /sys/kernel/btf/vmlinux)
#
# 1. bench_loader: one process alternates bpf(BPF_BTF_LOAD) (log level 0) and check_loader on
#    the same bytes, 30 rounds; medians of wall and thread CPU time, and their ratio.
# 2. hyperfine: the whole `kfuncbtf check --no-kfunc-rules FILE` process (read, loader rules)
#    against `btfload -l 0 FILE` (read, one syscall), when hyperfine is installed.
# Needs root for the syscall (otherwise bench_loader prints SKIP).
set -eu -o pipefail
BUILD=${1:-build}
FILE=${2:-/sys/kernel/btf/vmlinux}
ROUNDS=${ROUNDS:-30}
"$BUILD/tests/kernel/bench_loader" "$FILE" "$ROUNDS"
if command -v hyperfine >/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp "$FILE" "$tmp/in.btf"   # a regular file: sysfs reads are slower than mmap for both
  extra=""
  grep -q -- --no-kfunc-rules <<<"$("$BUILD/kfuncbtf" check --help 2>/dev/null)" && extra=--no-kfunc-rules
  hyperfine -N -w 3 -r "$ROUNDS" --export-json "$tmp/h.json" \
    "$BUILD/kfuncbtf check $extra $tmp/in.btf" "$BUILD/tests/kernel/btfload -q -l 0 $tmp/in.btf" \
    > /dev/null
  python3 - "$tmp/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
c, k = r[0], r[1]
print("process: kfuncbtf check median %.1f ms (user %.1f + sys %.1f), btfload median %.1f ms "
      "(user %.1f + sys %.1f), ratio %.2f" % (c["median"] * 1e3, c["user"] * 1e3, c["system"] * 1e3,
      k["median"] * 1e3, k["user"] * 1e3, k["system"] * 1e3, c["median"] / k["median"]))
PY
fi
