#!/bin/bash
# The 7.x kernel itself as the oracle of `check --kernel 7.x --as user`: COUNT blobs from the
# differential mutator (tests/kernel/mutate.cc, 2026-format mutations included) are loaded
# with bpf(BPF_BTF_LOAD) by a static /init inside Debian's 7.2/7.3 vmlinuz booted under QEMU
# (software emulation: -accel tcg -cpu max; KVM does not work on these machines), and every
# verdict, errno and log line is compared with check_loader's under that version's rules.
#
#   tests/kernel/qemu_oracle.sh [BUILD_DIR] [SERIES] [COUNT] [SEED]   (default build 7.3 2000 1)
#
# Exit 0 all agree, 1 on any disagreement (the first ones printed), 77 when qemu or the cached
# vmlinuz is missing (tests/bench/realkernel.sh vmlinuz 7.3 fetches it).
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build} ser=${2:-7.3} count=${3:-2000} seed=${4:-1}
. "$src/tests/kernel/qemu.sh"
kfb_qemu_need
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
vz=$(ls "$cache"/linux-binary-"$ser"*/vmlinuz-* 2>/dev/null | head -1 || true)
[ -n "$vz" ] || { echo "SKIP: no cached $ser vmlinuz (tests/bench/realkernel.sh vmlinuz $ser)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/root/blobs"
KFB_DIFF_KERNEL=$ser KFB_DIFF_WRITE=$T/root/blobs KFB_FIXTURES=${KFB_FIXTURES:-$build/testdata} \
  "$build/tests/kernel/kfb_mutate" "$count" "$seed"
mv "$T/root/blobs/expect" "$T/expect"
kfb_qemu_boot "$src/tests/kernel/qemu_init.c" "$T/root" "$vz" "$T/console"
grep -a '^KFB ' "$T/console" > "$T/got" || true
grep -q '^KFB done ' "$T/got" || { tail -20 "$T/console"; echo "FAIL: the init did not finish"; exit 1; }
python3 - "$T/expect" "$T/got" "$ser" <<'PY'
import sys
exp = {}
for line in open(sys.argv[1], encoding="latin-1", newline="\n"):
    i, verdict, *log = line.rstrip("\n").split(" ", 2)
    exp[int(i)] = (verdict, log[0] if log else "")
got = {}
for line in open(sys.argv[2], encoding="latin-1", newline="\n"):
    parts = line.rstrip("\n").split(" ", 3)
    if parts[1] == "done":
        continue
    got[int(parts[1])] = (parts[2], parts[3] if len(parts) > 3 else "")
bad = []
for i, (verdict, klog) in sorted(exp.items()):
    if i not in got:
        bad.append(f"#{i}: no line from the kernel")
        continue
    kv, kl = got[i]
    if kv != verdict or (verdict != "ok" and klog and kl != "<log too big>" and klog not in kl):
        bad.append(f"#{i}: kernel {kv}, check {verdict}\n  check log: [{klog}]\n  kernel log tail: [{kl[-400:]}]")
acc = sum(1 for v, _ in got.values() if v == "ok")
print(f"{sys.argv[3]}: blobs={len(exp)} agree={len(exp) - len(bad)} disagree={len(bad)} "
      f"accepted={acc} rejected={len(got) - acc}")
for b in bad[:10]:
    print("DISAGREE", b)
sys.exit(1 if bad else 0)
PY
