#!/bin/bash
# check in program mode against libbpf's open + load, side by side (tests/bench/README.md):
#   1. every object of the 7.3 corpus (testdata/bpfprog/7.3) that libbpf loads in the running
#      kernel: `kfuncbtf check OBJ` against the running kernel's BTF and modules
#      (/sys/kernel/btf) versus `bpf_open_load OBJ` (libbpf open + load + close), per object,
#      the median of KFB_RUNS (5) whole-process runs each, and the ratio;
#   2. the whole corpus checked against the 7.3 BTF (the image's vmlinux BTF, plus the modules'
#      BTF of linux-modules-7.3 when KFB_MODULES_73 names their directory): per object, median;
#   3. the same objects in one run (`check OBJ...`: each target read once), per object;
#   4. the objects of 1. in one run against the running kernel, beside libbpf's open + load of
#      each (the sum of 1.'s peer column), and the ratio.
# usage: bench_bpfprog.sh [BUILD_DIR]      (root; needs libbpf-dev and gcc for the peer)
set -eu -o pipefail
B=${1:-build}
K=$B/kfuncbtf
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
K73=$CACHE/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -x "$K" ] || { echo "no $K" >&2; exit 77; }
[ -r /usr/include/bpf/libbpf.h ] || { echo "bench_bpfprog: libbpf-dev is missing" >&2; exit 77; }
[ -r "$K73" ] || { echo "bench_bpfprog: no 7.3 BTF at $K73" >&2; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gcc -O2 -o "$T/bpf_open_load" "$SRC/tests/bench/bpf_open_load.c" -lbpf
python3 - "$K" "$T/bpf_open_load" "$SRC/testdata/bpfprog/7.3" "$K73" "${KFB_MODULES_73:-}" "${KFB_RUNS:-5}" <<'PY'
import glob, os, statistics, subprocess, sys, time
kfb, peer, corpus, k73, mods73, runs = sys.argv[1:7]
runs = int(runs)
objs = sorted(glob.glob(os.path.join(corpus, "*", "*.bpf.o")))

def wall(cmd):
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)

first = subprocess.run([peer] + objs, capture_output=True, text=True).stdout.split("\n")
loads = [l.split()[0] for l in first if l and l.split()[1] == "0"]
print(f"1. {len(loads)} of {len(objs)} objects load in the running kernel ({os.uname().release}); "
      f"median of {runs} whole-process runs each")
rows = []
for o in loads:
    c = wall([kfb, "-q", "check", o, "--kernel-btf", "/sys/kernel/btf/vmlinux", "--module-btf", "/sys/kernel/btf"])
    p = wall([peer, o])
    rows.append((os.path.relpath(o, corpus), c, p))
    print(f"   {rows[-1][0]:50s} check {c * 1000:7.1f} ms   libbpf open+load {p * 1000:7.1f} ms   ratio {c / p:.3f}")
tc, tp = sum(r[1] for r in rows), sum(r[2] for r in rows)
if rows:
    print(f"   total: check {tc * 1000:.1f} ms, libbpf {tp * 1000:.1f} ms, ratio {tc / tp:.3f}; "
          f"check per object: median {statistics.median(r[1] for r in rows) * 1000:.1f} ms, "
          f"max {max(r[1] for r in rows) * 1000:.1f} ms")
extra = ["--module-btf", mods73] if mods73 else []
print(f"2. the whole corpus ({len(objs)} objects) against {os.path.basename(k73)}"
      + (f" + modules of {mods73}" if mods73 else " (vmlinux BTF only)"))
ts = [wall([kfb, "-q", "check", o, "--kernel-btf", k73] + extra) for o in objs]
print(f"   per object: median {statistics.median(ts) * 1000:.1f} ms, p90 "
      f"{sorted(ts)[int(len(ts) * 0.9)] * 1000:.1f} ms, max {max(ts) * 1000:.1f} ms; total {sum(ts):.2f} s")
one = wall([kfb, "-q", "check"] + objs + ["--kernel-btf", k73] + extra)
print(f"3. the same {len(objs)} objects in one run: {one * 1000:.1f} ms, {one / len(objs) * 1000:.2f} ms per object")
if rows:
    mine = wall([kfb, "-q", "check"] + loads + ["--kernel-btf", "/sys/kernel/btf/vmlinux", "--module-btf", "/sys/kernel/btf"])
    print(f"4. the {len(rows)} objects of 1. in one run: {mine * 1000:.1f} ms ({mine / len(rows) * 1000:.2f} ms per object) "
          f"vs libbpf open+load of each {tp * 1000:.1f} ms: ratio {mine / tp:.3f}")
PY
