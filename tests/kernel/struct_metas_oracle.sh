#!/bin/bash
# The kernels themselves as the oracle of the struct-meta rules: every blob of
# testdata/kernel-verdicts/struct-metas.txt (made by tests/kernel/struct_metas.py) is loaded with
# bpf(BPF_BTF_LOAD) by KERNEL, and its verdict (ok or the errno's name) is compared with the
# file's column for that kernel and with `check --kernel SERIES --as user`.
#
#   tests/kernel/struct_metas_oracle.sh [BUILD_DIR] SERIES [--update]
#
# SERIES 7.2 / 7.3: Debian's cached vmlinuz booted under QEMU (tests/kernel/qemu.sh; about a
# minute each with software emulation); SERIES 6.18: the running kernel (root, 6.18 only).
# --update writes the kernel's verdicts into the file's column instead of comparing them with it
# (check is still compared, and printed). Exit 0 all agree, 1 on a disagreement, 77 when the
# kernel cannot be reached. The normal suite compares check with the file without any kernel
# (tests/e2e/check_struct_metas_verdicts.sh).
#
# Note: 6.18 WARNs (and taints itself, TAINT_WARN) on the blobs that hold two locks or two
# refcounts: btf_parse_fields's WARN_ON_ONCE, the bug 7.x fixed by refusing them.
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build} ser=${2:-7.3} update=${3:-}
file=$src/testdata/kernel-verdicts/struct-metas.txt
kfb=$build/kfuncbtf
[ -x "$kfb" ] || { echo "no $kfb: build first"; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/root/blobs"
python3 "$src/tests/kernel/struct_metas.py" blobs "$T/root/blobs" "$file"

case $ser in
  6.18)
    case $(uname -r) in 6.18.*) ;; *) echo "SKIP: the running kernel is $(uname -r), not 6.18"; exit 77 ;; esac
    btfload=$build/tests/kernel/btfload
    n=0
    while [ -e "$T/root/blobs/b$n" ]; do
      rc=0; out=$("$btfload" -q "$T/root/blobs/b$n") || rc=$?
      [ $rc -ne 77 ] || { echo "SKIP: $out"; exit 77; }
      case $out in ok) v=ok ;; "rejected: "*) v=${out#rejected: } ;; *) v="?" ;; esac
      echo "KFB $n $v" >> "$T/got"
      n=$((n + 1))
    done
    ;;
  7.2|7.3)
    . "$src/tests/kernel/qemu.sh"
    kfb_qemu_need
    cache=${KFB_CACHE:-/var/cache/kfuncbtf}
    vz=$(ls "$cache"/linux-binary-"$ser"*/vmlinuz-* 2>/dev/null | head -1 || true)
    [ -n "$vz" ] || { echo "SKIP: no cached $ser vmlinuz (tests/bench/realkernel.sh vmlinuz $ser)"; exit 77; }
    kfb_qemu_boot "$src/tests/kernel/qemu_init.c" "$T/root" "$vz" "$T/console" 900
    grep -a '^KFB ' "$T/console" | cut -d' ' -f1-3 > "$T/got" || true
    grep -q '^KFB done ' "$T/got" || { tail -20 "$T/console"; echo "FAIL: the init did not finish"; exit 1; }
    ;;
  *) echo "usage: $0 [BUILD_DIR] 6.18|7.2|7.3 [--update]"; exit 2 ;;
esac

n=0
while [ -e "$T/root/blobs/b$n" ]; do
  rc=0; "$kfb" --json check --kernel "$ser" --as user "$T/root/blobs/b$n" > "$T/c" 2>/dev/null || rc=$?
  case $rc in
    0) echo ok ;;
    1) python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errno"])' "$T/c" ;;
    *) echo "exit$rc" ;;
  esac >> "$T/check"
  n=$((n + 1))
done

python3 - "$file" "$T/got" "$T/check" "$ser" "$update" <<'PY'
import sys
path, got_path, check_path, ser, update = sys.argv[1:]
lines = open(path).read().split("\n")
head = next(l for l in lines if l.startswith("# case"))
col = head[1:].split().index(ser)
kernel = {}
for l in open(got_path):
    p = l.split()
    if p[1] != "done":
        kernel[int(p[1])] = p[2]
check = open(check_path).read().split()
bad, out, i = [], [], 0
for l in lines:
    if l.startswith("#") or not l.strip():
        out.append(l)
        continue
    p = l.split()
    k = kernel.get(i, "missing")
    if update:
        p[col] = k
    elif p[col] != k:
        bad.append(f"{p[0]}: kernel {ser} {k}, file says {p[col]}")
    if check[i] != k:
        bad.append(f"{p[0]}: kernel {ser} {k}, check --kernel {ser} {check[i]}")
    print(f"{p[0]:34} kernel {k:7} check {check[i]}")
    out.append(" ".join(p))
    i += 1
if update:
    open(path, "w").write("\n".join(out))
print(f"{ser}: {i} blobs, {i - len(bad)} agree" if not bad else "\n".join("DISAGREE " + b for b in bad))
sys.exit(1 if bad else 0)
PY
