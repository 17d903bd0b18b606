#!/bin/bash
# The per-module cost of `kfuncbtf emit` in a distribution's kernel build: every .ko of Debian's
# 7.3 (linux-modules-7.3-amd64, 4,223 modules; BTF only, no DWARF), each emitted on its own
# onto the 7.3 vmlinux BTF, as the pahole wrapper runs it once per module:
#
#   kfuncbtf emit M.ko -B vmlinux-7.3-amd64 -o /dev/null
#
# and the CPU time (user + sys, wait4's rusage: microseconds, where /usr/bin/time rounds to 10 ms)
# of each run. Prints the distribution (median, p90, p99, max, total) per binary, and the
# median of `BINARY --version` (the process start-up, a floor no emit goes under), so a before
# and an after can sit side by side; the binaries run interleaved, module by module:
#
#   tests/bench/modules.sh build/kfuncbtf                      # all modules
#   tests/bench/modules.sh /tmp/kfuncbtf-main build/kfuncbtf   # main's binary vs this build
#   KFB_MODULES_MAX=300 tests/bench/modules.sh build/kfuncbtf  # the first 300 (sorted by path)
#   KFB_MODULES_EVERY=2 tests/bench/modules.sh A B              # every other module
#
# Environment: KFB_MODULES_JOBS runs (default 2) at a time (CPU time is per process, so it
# holds still under load; wall time does not); KFB_MODULES_OUT keeps the per-module CSV
# (module, exit code, cpu seconds) in $KFB_MODULES_OUT.N.csv, N the binary's position. Inputs come from tests/bench/realkernel.sh
# (`modules 7.3`, `image 7.3`: the stripped 7.3 vmlinux ELF with its .BTF). Exits 77 when an
# input cannot be had, 1 when a binary refuses a module the first one accepted.
set -eu -o pipefail

[ $# -ge 1 ] || { echo "usage: $0 KFUNCBTF [KFUNCBTF...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
mods=$("$here/realkernel.sh" modules 7.3) || { echo "SKIP: no 7.3 modules"; exit 77; }
base=$("$here/realkernel.sh" image 7.3) || { echo "SKIP: no 7.3 vmlinux image"; exit 77; }

python3 - "$mods" "$base" "$@" <<'EOF'
import os, subprocess, sys, concurrent.futures as cf

mods, base, bins = sys.argv[1], sys.argv[2], sys.argv[3:]
kos = sorted(os.path.join(d, f) for d, _, fs in os.walk(mods) for f in fs if f.endswith(".ko"))
if os.environ.get("KFB_MODULES_EVERY"):
    kos = kos[::int(os.environ["KFB_MODULES_EVERY"])]
if os.environ.get("KFB_MODULES_MAX"):
    kos = kos[:int(os.environ["KFB_MODULES_MAX"])]
jobs = int(os.environ.get("KFB_MODULES_JOBS", "2"))

def run(binary, ko):
    return run_args(binary, ["emit", ko, "-B", base, "-o", "/dev/null"])

def run_args(binary, args):
    p = subprocess.Popen([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_utime + ru.ru_stime, err.decode(errors="replace")

def pct(xs, q):  # nearest rank
    return xs[min(len(xs) - 1, max(0, int(round(q * len(xs) + 0.5)) - 1))]

print(f"{len(kos)} modules of {mods}, base {base}, {jobs} at a time")
print(f"{'binary':<40} {'ok':>5} {'median ms':>9} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'total s':>8} {'--version ms':>12}")
first_ok = None
rc = 0
# Interleaved: each module is emitted by every binary back to back (module i starts with binary
# i mod N), so a drift of the machine's speed (several ms within minutes on a shared VM) falls
# on all binaries alike instead of on whichever ran last.
def run_all(i_ko):
    i, ko = i_ko
    out = [None] * len(bins)
    for k in range(len(bins)):
        n = (i + k) % len(bins)
        out[n] = run(bins[n], ko)
    return out

with cf.ThreadPoolExecutor(jobs) as ex:
    allres = list(ex.map(run_all, enumerate(kos)))
for n, b in enumerate(bins):
    res = [r[n] for r in allres]
    if os.environ.get("KFB_MODULES_OUT"):
        with open(f"{os.environ['KFB_MODULES_OUT']}.{n}.csv", "w") as f:
            for ko, (code, cpu, _) in zip(kos, res):
                f.write(f"{os.path.relpath(ko, mods)},{code},{cpu:.6f}\n")
    ok = [code == 0 for code, _, _ in res]
    cpu = sorted(c for _, c, _ in res)
    # The floor: the same binary's start-up alone (dynamic loading, static initializers).
    floor = sorted(run_args(b, ["--version"])[1] for _ in range(51))
    print(f"{b:<40} {sum(ok):>5} {1e3 * pct(cpu, 0.5):>9.1f} {1e3 * pct(cpu, 0.9):>7.1f} "
          f"{1e3 * pct(cpu, 0.99):>7.1f} {1e3 * cpu[-1]:>7.1f} {sum(cpu):>8.2f} {1e3 * pct(floor, 0.5):>12.1f}")
    for i, (ko, (code, _, err)) in enumerate(zip(kos, res)):
        if code != 0 and (first_ok is None or first_ok[i]):
            last = (err.strip().splitlines() or [""])[-1]
            print(f"  {os.path.relpath(ko, mods)}: exit {code}: {last}")
    if first_ok is None:
        first_ok = ok
    elif any(a and not c for a, c in zip(first_ok, ok)):
        rc = 1
sys.exit(rc)
EOF
