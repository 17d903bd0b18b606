#!/bin/bash
# kfuncbtf inside a real kernel build, end to end (integration, not CI: two kernel builds of about
# 11 minutes each on 2 cores, then two QEMU boots).
#
#   tests/bench/kernel_build.sh [all]        config, build plain + wrapped, diff, boot, report
#   tests/bench/kernel_build.sh config       configure the small bootable kernel in both trees
#   tests/bench/kernel_build.sh build plain|wrapped
#   tests/bench/kernel_build.sh diff         kfuncbtf diff of the two kernels' vmlinux BTF
#   tests/bench/kernel_build.sh boot plain|wrapped
#   tests/bench/kernel_build.sh report       the BTF steps' times from the build logs
#   tests/bench/kernel_build.sh report-summary   the same figures from a kept report.raw
#
# The kernel: Debian's linux-source-$KFB_KSERIES (7.3 by default, or 6.12, Debian 12's own;
# tests/bench/realkernel.sh source fetches it), tinyconfig plus 64BIT, SMP, serial console, initrd,
# BPF syscall and JIT, DWARF 5 + BTF (also for modules), sched_ext, cgroups, NET/INET with the BPF
# TCP congestion controls, HID_BPF. Built out of tree twice with the machine's own gcc and pahole:
# once plainly, once with `make PAHOLE=build/kfuncbtf-pahole` (no kernel patch), KFUNCBTF_EMIT
# carrying the shipped scope file tools/scopes/sched_ext-$KFB_KSERIES.scopes. Each build also makes
# the out-of-tree module tests/kernel/kfb_kmod (a kfunc with an __implicit argument, one with __sz)
# the way the kernel builds every module's BTF: pahole -J --btf_base vmlinux, resolve_btfids -b.
# On 7.x resolve_btfids makes the _impl twins; on 6.12 only kfuncbtf does, and the booted plain
# kernel must refuse the trimmed call the wrapped one accepts. Work dir: $KFB_KBUILD (default
# /var/tmp/kfuncbtf-kbuild)/$KFB_KSERIES.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/kernel/qemu.sh"
bin=${KFB_BUILD:-$root/build}
series=${KFB_KSERIES:-7.3}
cache=${KFB_CACHE:-/var/cache/kfuncbtf}
work=${KFB_KBUILD:-/var/tmp/kfuncbtf-kbuild}/$series
src=$cache/linux-source-$series
scopes=$root/tools/scopes/sched_ext-$series.scopes

die() { echo "kernel_build: $*" >&2; exit 2; }

config() {
  [ -f "$src/Makefile" ] || "$here/realkernel.sh" source "$series" >/dev/null
  local need=() p
  for p in flex bison bc libssl-dev libelf-dev dwarves make gcc cpio; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
  for t in plain wrapped; do
    local o=$work/$t
    mkdir -p "$o"
    make -s -C "$src" O="$o" tinyconfig >/dev/null
    "$src/scripts/config" --file "$o/.config" \
      -e 64BIT -e SMP -e PRINTK -e TTY -e SERIAL_8250 -e SERIAL_8250_CONSOLE \
      -e BLK_DEV_INITRD -e RD_GZIP -e BINFMT_ELF -e BINFMT_SCRIPT -e PROC_FS -e SYSFS \
      -e DEVTMPFS -e MULTIUSER -e FUTEX -e EPOLL -e POSIX_TIMERS \
      -e BPF -e BPF_SYSCALL -e BPF_JIT -e BPF_JIT_ALWAYS_ON \
      -e DEBUG_KERNEL -d DEBUG_INFO_NONE -e DEBUG_INFO_DWARF5 -d DEBUG_INFO_REDUCED \
      -d DEBUG_INFO_SPLIT -e DEBUG_INFO_BTF -e MODULES -e DEBUG_INFO_BTF_MODULES \
      -e CGROUPS -e CGROUP_BPF -e CGROUP_SCHED -e FAIR_GROUP_SCHED -e SCHED_CLASS_EXT \
      -e NET -e INET -e TCP_CONG_ADVANCED -e TCP_CONG_CUBIC -e TCP_CONG_DCTCP -e TCP_CONG_BBR \
      -e PERF_EVENTS -e KPROBES -e FTRACE -e FUNCTION_TRACER -e DYNAMIC_FTRACE \
      -e DYNAMIC_FTRACE_WITH_DIRECT_CALLS -e KPROBE_EVENTS -e BPF_EVENTS \
      -e HID_SUPPORT -e HID -e HID_BPF
    # KFB_KMODS=1: a few dozen real modules with DWARF and BTF (netfilter with its BPF kfuncs,
    # file systems, network drivers), for modules-report.
    [ -z "${KFB_KMODS:-}" ] || "$src/scripts/config" --file "$o/.config" \
      -e BLOCK -e NETDEVICES -e NET_CORE -e NETFILTER -e NETFILTER_ADVANCED -e INET_DIAG \
      -m NF_CONNTRACK -m NF_NAT -m NF_TABLES -m NFT_CT -m NFT_NAT -m NFT_MASQ -m NFT_REJECT \
      -m NF_FLOW_TABLE -m NFT_FLOW_OFFLOAD -m NF_FLOW_TABLE_INET -m NETFILTER_XTABLES \
      -m NETFILTER_XT_MATCH_CONNTRACK -m IP_NF_IPTABLES -m IP_NF_FILTER -m IP_NF_NAT \
      -m NF_CONNTRACK_FTP -m NF_CONNTRACK_SIP -m BRIDGE -m VETH -m TUN -m DUMMY -m MACVLAN \
      -m NET_IPIP -m NET_FOU -m INET_DIAG -m TCP_CONG_HTCP -m TCP_CONG_VEGAS \
      -m EXT4_FS -m FAT_FS -m VFAT_FS -m ISO9660_FS -m FUSE_FS -m OVERLAY_FS -m SQUASHFS \
      -m BTRFS_FS -m CRYPTO_CRC32C
    make -s -C "$src" O="$o" olddefconfig >/dev/null
    for opt in DEBUG_INFO_BTF DEBUG_INFO_BTF_MODULES SCHED_CLASS_EXT HID_BPF BPF_JIT TCP_CONG_BBR SERIAL_8250_CONSOLE; do
      grep -q "^CONFIG_$opt=y" "$o/.config" || die "$t: CONFIG_$opt did not stay enabled"
    done
  done
  cmp -s "$work/plain/.config" "$work/wrapped/.config" || die "the two configs differ"
}

# shim NAME LOG REAL [AFTER]: a script that runs REAL with its arguments, appends
# "NAME <seconds> <args>" to LOG (how the report times the BTF steps inside the build), then runs
# the shell text AFTER.
shim() {
  { printf '#!/bin/bash\nt0=$EPOCHREALTIME\n"%s" "$@"\nrc=$?\n' "$3"
    printf 'echo "%s $(echo "$EPOCHREALTIME - $t0" | bc) $*" >> "%s"\n' "$1" "$2"
    printf '%s\nexit $rc\n' "${4:-}"; } > "$work/bin/$1"
  chmod +x "$work/bin/$1"
}

build() {
  local t=$1 o=$work/$1 pahole
  [ -f "$o/.config" ] || config
  pahole=$(command -v pahole) || die "pahole is not installed (apt-get install dwarves)"
  mkdir -p "$work/bin"
  : > "$o/times.txt"
  if [ "$t" = wrapped ]; then
    [ -x "$bin/kfuncbtf-pahole" ] || die "no $bin/kfuncbtf-pahole (build the project first)"
    [ -f "$scopes" ] || die "no scope file $scopes"
    # A snapshot of the tool: rebuilding the project during the kernel build must not change
    # (or, mid-link, remove) the binary the build runs.
    cp "$bin/kfuncbtf" "$bin/kfuncbtf-pahole" "$work/bin/"
    shim pahole-$t "$o/times.txt" "$work/bin/kfuncbtf-pahole"
    export KFUNCBTF_PAHOLE=$pahole
    export KFUNCBTF_EMIT="${KFUNCBTF_EMIT:---stats --scopes $scopes}"
  else
    # keeps pahole's input and output of the vmlinux step for standalone runs (perf, hyperfine)
    # (vmlinux's only: a module's pahole has --btf_base)
    shim pahole-$t "$o/times.txt" "$pahole" "for a; do case \$a in --btf_encode_detached=*) f=\${a#*=} ;; --btf_base*) m=1 ;; esac; done
if [ -n \"\${f:-}\" ] && [ -f \"\$f\" ] && [ -z \"\${m:-}\" ]; then
  mkdir -p $work/keep && cp \"\$f\" $work/keep/vmlinux.BTF.1 && cp \"\${@: -1}\" $work/keep/tmp_vmlinux1
fi"
  fi
  shim resolve_btfids-$t "$o/times.txt" "$o/tools/bpf/resolve_btfids/resolve_btfids"
  local extra=(PAHOLE="$work/bin/pahole-$t" RESOLVE_BTFIDS="$work/bin/resolve_btfids-$t")
  # A fixed KBUILD_BUILD_TIMESTAMP: Makefile.btf then runs pahole < 1.27 without -j, whose
  # output is not reproducible (FUNCs of same-named statics differ run to run), so the two
  # kernels' BTF differs only by what kfuncbtf did.
  local t0=$SECONDS
  KBUILD_BUILD_TIMESTAMP="2026-12-01 00:00:00 UTC" KBUILD_BUILD_USER=kfuncbtf KBUILD_BUILD_HOST=kbuild \
  make -C "$src" O="$o" -j"$(nproc)" "${extra[@]}" bzImage modules > "$o/build.log" 2>&1 ||
    { tail -30 "$o/build.log" >&2; die "$t: kernel build failed (log $o/build.log)"; }
  # The out-of-tree module: its BTF is pahole's -J on the .ko with --btf_base vmlinux (the
  # wrapper's module form), then resolve_btfids -b vmlinux.
  rm -rf "$o/kfb_kmod" && cp -r "$root/tests/kernel/kfb_kmod" "$o/kfb_kmod"
  KBUILD_BUILD_TIMESTAMP="2026-12-01 00:00:00 UTC" KBUILD_BUILD_USER=kfuncbtf KBUILD_BUILD_HOST=kbuild \
  make -C "$src" O="$o" M="$o/kfb_kmod" "${extra[@]}" modules >> "$o/build.log" 2>&1 ||
    { tail -30 "$o/build.log" >&2; die "$t: module build failed (log $o/build.log)"; }
  echo "$t: built in $((SECONDS - t0)) s: $o/arch/x86/boot/bzImage, $o/kfb_kmod/kfb_kmod.ko"
}

# Both kernels' BTF as the booted kernel shows it (the .BTF of vmlinux): kfuncbtf diff must list
# only extension tags added; check --as vmlinux holds both to their kernel's loader rules (7.x: and sort).
diff_btf() {
  local kfb=$bin/kfuncbtf p=$work/plain/vmlinux w=$work/wrapped/vmlinux rc=0
  for t in plain wrapped; do
    "$kfb" check --as vmlinux "$work/$t/vmlinux" > "$work/$t/check.txt" 2>&1 ||
      { cat "$work/$t/check.txt" >&2; die "$t: check --as vmlinux failed"; }
    echo "$t: check --as vmlinux: ok (the loader rules of its own kernel; on 7.x also sorted by name)"
  done
  "$kfb" diff "$p" "$w" > "$work/diff.txt" 2>&1 || rc=$?
  [ $rc -le 1 ] || { cat "$work/diff.txt" >&2; die "kfuncbtf diff failed (exit $rc)"; }
  "$kfb" --json diff "$p" "$w" > "$work/diff.json" 2>/dev/null || true
  [ $rc -eq 1 ] || die "kfuncbtf diff found no difference at all (the wrapper did not run?)"
  only_extension_tags "$work/diff.json" vmlinux
  # The module's split BTF, each on its own kernel's vmlinux.
  rc=0
  "$kfb" diff --old-base "$p" --new-base "$w" "$work/plain/kfb_kmod/kfb_kmod.ko" \
    "$work/wrapped/kfb_kmod/kfb_kmod.ko" > "$work/diff-kmod.txt" 2>&1 || rc=$?
  [ $rc -eq 1 ] || { cat "$work/diff-kmod.txt" >&2; die "kfuncbtf diff of the module: exit $rc (want 1)"; }
  "$kfb" --json diff --old-base "$p" --new-base "$w" "$work/plain/kfb_kmod/kfb_kmod.ko" \
    "$work/wrapped/kfb_kmod/kfb_kmod.ko" > "$work/diff-kmod.json" 2>/dev/null || true
  if [ "${series%%.*}" -ge 7 ]; then
    only_extension_tags "$work/diff-kmod.json" kfb_kmod.ko  # 7.x's resolve_btfids made the twin too
  else
    sed 's/^/diff kfb_kmod.ko: /' "$work/diff-kmod.txt"
    grep -q 'kfb_kmod_add_impl' "$work/diff-kmod.txt" ||
      die "kfb_kmod.ko: no kfb_kmod_add_impl twin in the wrapped kernel's module (6.x: kfuncbtf makes it)"
  fi
}

# only_extension_tags DIFF.json WHAT: the diff lists only kfuncbtf's extension tags added (on 6.x,
# whose pahole 1.24 writes no decl tags for kfuncs, also bpf_kfunc and bpf_fastcall tags).
only_extension_tags() {
  python3 - "$1" "$2" "${series%%.*}" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
what, major = sys.argv[2], int(sys.argv[3])
ext = ("bpf_kfunc_arg:", "bpf_kfunc_ret:", "bpf_kfunc_scope:", "bpf_kfunc_calls:")
own = ("bpf_kfunc ", "bpf_fastcall ") if major < 7 else ()
count, bad = collections.Counter(), []
for e in d.get("types", []):
    nm = e["name"].lstrip("[")
    ok = e["kind"] == "DECL_TAG" and e["change"] == "added" and (nm.startswith(ext) or nm.startswith(own))
    count["types: DECL_TAG added" if ok else "types: other"] += 1
    if not ok:
        bad.append(e)
for e in d.get("kfuncs", []):
    f = e.get("field", "")
    ok = e["change"] == "added" and f.startswith("tag ") and f[4:].startswith(ext)
    label = f[4:].split(':')[0] if ok else "other"
    if major < 7 and e["change"] == "added" and not f:
        ok, label = True, "newly tagged bpf_kfunc"  # the kfunc has its first bpf_kfunc tag
    count[f"kfuncs: {e['kind']} {label}"] += 1
    if not ok:
        bad.append(e)
for k, n in sorted(count.items()):
    print(f"diff {what}: {n:5} {k}")
for e in bad[:20]:
    print(f"diff {what}: NOT AN EXTENSION TAG:", json.dumps(e))
if bad or not count:
    sys.exit(1)
print(f"diff {what}: only kfuncbtf's tags added; nothing removed or changed")
PY
}

boot() {
  local t=$1 o=$work/$1 r
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"
  command -v cpio >/dev/null || die "cpio is not installed"
  r=$(mktemp -d)
  mkdir -p "$r/root"
  cp "$o/kfb_kmod/kfb_kmod.ko" "$r/root/"
  local t0=$SECONDS
  kfb_qemu_boot "$root/tests/kernel/kbuild_init.c" "$r/root" "$o/arch/x86/boot/bzImage" "$o/console.txt" 300 >/dev/null
  rm -rf "$r"
  grep -a '^KFB ' "$o/console.txt" > "$o/boot.txt" || true
  echo "$t: booted and checked in $((SECONDS - t0)) s"
  sed "s/^/$t: /" "$o/boot.txt"
  grep -q '^KFB done 0$' "$o/boot.txt" || die "$t: a check failed in the booted kernel (console: $o/console.txt)"
  local want=(kernel-log vmlinux-btf impl kmod-load kmod-implicit kmod-argflags kmod-negative) c
  [ "${series%%.*}" -lt 7 ] || want+=(btf-sorted implicit argflags negative)
  for c in "${want[@]}"; do
    grep -q "^KFB check $c ok " "$o/boot.txt" || die "$t: check $c did not run (console: $o/console.txt)"
  done
}

# What the booted kernels showed: no extension tag in the plain one, all three kinds (per-argument,
# return, scope masks from the scope file) in the wrapped one.
boot_tags() {
  local p=$work/plain/boot.txt w=$work/wrapped/boot.txt n
  for k in bpf_kfunc_arg: bpf_kfunc_ret: bpf_kfunc_scope:; do
    n=$(sed -n "s/^KFB tags $k //p" "$p"); [ "$n" = 0 ] || die "plain kernel: $n $k tags (want 0)"
    n=$(sed -n "s/^KFB tags $k //p" "$w"); [ "${n:-0}" -gt 0 ] || die "wrapped kernel: no $k tag"
    echo "booted: $k plain 0, wrapped $n"
  done
  if [ "${series%%.*}" -ge 7 ]; then
    grep -q '^KFB tag bpf_strlen bpf_kfunc_arg:ignore 0$' "$w" || die "wrapped kernel: bpf_strlen lacks bpf_kfunc_arg:ignore"
    grep -q '^KFB kmod twin yes$' "$p" || die "plain 7.x kernel: resolve_btfids made no kfb_kmod_add_impl"
  else
    n=$(sed -n "s/^KFB tags bpf_kfunc //p" "$p"); [ "$n" = 0 ] || die "plain 6.x kernel: $n bpf_kfunc tags (want 0)"
    n=$(sed -n "s/^KFB tags bpf_kfunc //p" "$w"); [ "${n:-0}" -gt 0 ] || die "wrapped 6.x kernel: no bpf_kfunc tag"
    echo "booted: bpf_kfunc plain 0, wrapped $n (pahole 1.24 writes none; kfuncbtf does)"
    grep -q '^KFB kmod twin no$' "$p" || die "plain 6.x kernel: a kfb_kmod_add_impl nobody should have made"
  fi
  grep -q '^KFB kmod twin yes$' "$w" || die "wrapped kernel: no kfb_kmod_add_impl twin in the module"
  grep -q '^KFB tag kfb_kmod_sum bpf_kfunc_arg:' "$w" || die "wrapped kernel: kfb_kmod_sum has no per-argument tag"
  echo "booted: kfb_kmod.ko: twin plain $(sed -n 's/^KFB kmod twin //p' "$p"), wrapped yes"
  grep -q '^KFB tag scx_bpf_create_dsq bpf_kfunc_scope:sched_ext_ops:0x' "$w" ||
    die "wrapped kernel: scx_bpf_create_dsq has no scope mask"
}

# The BTF steps' cost inside the build: relink both trees (vmlinux.o, link, BTF, bzImage),
# alternating, with the shims timing pahole and resolve_btfids and emit's own --stats.
report() {
  local rounds=${KFB_ROUNDS:-3} i t
  for i in $(seq "$rounds"); do
    for t in plain wrapped; do
      rm -f "$work/$t/vmlinux.o"
      local t0=$EPOCHREALTIME
      build "$t" > /dev/null
      echo "$t link $(echo "$EPOCHREALTIME - $t0" | bc)" >> "$work/report.raw"
      sed "s/^/$t /" "$work/$t/times.txt" >> "$work/report.raw"
      # emit's own total for vmlinux (the stats line after its "emit: .tmp_vmlinux1" summary)
      awk -v t="$t" '/^emit: \.tmp_vmlinux1 /{v=1} v && /^kfuncbtf: stats: .*; total /{print t, "emit", $(NF-1); v=0}' \
        "$work/$t/build.log" >> "$work/report.raw"
    done
  done
  report_summary "$rounds"
  rm -f "$work/report.raw"
}

# The medians of report.raw: vmlinux's steps only (a module's pahole and resolve_btfids runs are
# left out); 7.x runs resolve_btfids twice (--btf, --patch_btfids), 6.x once on vmlinux.
report_summary() {
  python3 - "$work/report.raw" "$1" <<'PY'
import sys, statistics, collections
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    tree, step, sec = f[0], f[1], float(f[2])
    if step.startswith("pahole-") and "-J" not in f:
        continue  # pahole --version, from Kconfig
    if any(a.endswith(".ko") for a in f[3:]):
        continue  # a module
    if step.startswith("pahole-"):
        step = "pahole+emit" if tree == "wrapped" else "pahole"
    elif step.startswith("resolve_btfids-"):
        step = ("resolve_btfids --patch_btfids" if "--patch_btfids" in f else
                "resolve_btfids --btf" if "--btf" in f else "resolve_btfids")
    v[(tree, step)].append(sec)
m = {k: statistics.median(x) for k, x in v.items()}
pahole, emit = m[("plain", "pahole")], m[("wrapped", "emit")]
btf = pahole + sum(x for (tree, step), x in m.items() if tree == "plain" and step.startswith("resolve_btfids"))
print(f"medians of {sys.argv[2]} relinks per tree (s):")
for (tree, step), sec in sorted(m.items()):
    print(f"  {tree:8} {step:30} {sec:8.3f}")
print(f"kfuncbtf emit / pahole on the same .tmp_vmlinux1: {emit:.3f} / {pahole:.3f} = {100 * emit / pahole:.1f} % (target <= 5 %)")
print(f"kfuncbtf share of the BTF steps (pahole + emit + resolve_btfids): {100 * emit / (btf + emit):.1f} %")
print(f"kfuncbtf share of the whole relink: {100 * emit / m[('wrapped', 'link')]:.1f} % "
      f"(relink plain {m[('plain', 'link')]:.1f} s, wrapped {m[('wrapped', 'link')]:.1f} s)")
PY
}

# modules-report [wrapped]: the tree's modules (KFB_KMODS=1 builds a few dozen), each timed
# three times, CPU (user+sys) medians: pahole -J --btf_base vmlinux on the module relinked as
# Makefile.modfinal links it (the build's step) and kfuncbtf emit -B vmlinux on the BTF pahole wrote (the wrapper's step); the
# distribution, the totals and emit/pahole. Then the build log's kfuncbtf lines (want none: the
# wrapper is silent when emit succeeds).
modules_report() {
  local o=$work/$1 kfb=$bin/kfuncbtf pahole
  pahole=$(command -v pahole) || die "pahole is not installed"
  [ -f "$o/vmlinux" ] || die "no $o/vmlinux: build $1 first"
  python3 - "$o" "$kfb" "$pahole" "$scopes" <<'PY'
import glob, os, resource, shutil, statistics, subprocess, sys, tempfile
o, kfb, pahole, scopes = sys.argv[1:5]
kos = sorted(k for k in glob.glob(os.path.join(o, "**", "*.ko"), recursive=True) if "/kfb_kmod/" not in k)
tmp = tempfile.mkdtemp()

def cpu(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p

rows = []
for ko in kos:
    ph, em = [], []
    base = ko[:-3]
    for _ in range(3):
        # The module as Makefile.modfinal links it, before its BTF step: ld -r of <m>.o and
        # <m>.mod.o with the module linker script (the built .ko has resolved .BTF_ids already).
        c = os.path.join(tmp, "m.ko")
        p = subprocess.run(["ld", "-r", "-m", "elf_x86_64", "-z", "noexecstack", "--build-id=sha1", "-T",
                            os.path.join(o, "scripts", "module.lds"), "-o", c, base + ".o", base + ".mod.o"],
                           capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"ld -r failed for {ko}: {p.stderr}")
        t, p = cpu([pahole, "-J", "--btf_gen_floats", "--lang_exclude=rust", "--btf_base", os.path.join(o, "vmlinux"),
                    "--btf_encode_detached=" + os.path.join(tmp, "m.btf"), c])
        if p.returncode:
            sys.exit(f"pahole failed on {ko}: {p.stderr}")
        ph.append(t)
        t, p = cpu([kfb, "-q", "emit", "-B", os.path.join(o, "vmlinux"), "--scopes", scopes,
                    "--btf", os.path.join(tmp, "m.btf"), "-o", os.path.join(tmp, "e.btf"), c])
        if p.returncode:
            sys.exit(f"emit failed on {ko}: {p.stderr}")
        em.append(t)
    rows.append((os.path.relpath(ko, o), statistics.median(ph), statistics.median(em)))
shutil.rmtree(tmp)
e = sorted(r[2] for r in rows)
p = sorted(r[1] for r in rows)
q = lambda v, f: v[min(len(v) - 1, int(len(v) * f))] * 1000
print(f"{len(rows)} modules (DWARF + BTF, built in {o}); CPU per module, median of 3 runs each:")
print(f"  kfuncbtf emit: median {q(e, .5):.1f} ms, p99 {q(e, .99):.1f} ms, max {e[-1] * 1000:.1f} ms, total {sum(e):.2f} s")
print(f"  pahole -J:     median {q(p, .5):.1f} ms, p99 {q(p, .99):.1f} ms, max {p[-1] * 1000:.1f} ms, total {sum(p):.2f} s")
print(f"  emit / pahole: {100 * sum(e) / sum(p):.1f} % of the total; per module median "
      f"{100 * statistics.median(r[2] / r[1] for r in rows):.1f} %")
for r in sorted(rows, key=lambda r: -r[2])[:5]:
    print(f"  slowest emit: {r[0]:45s} emit {r[2] * 1000:6.1f} ms  pahole {r[1] * 1000:7.1f} ms")
PY
  local n pat='^(kfuncbtf|emit)[: ]|kfuncbtf-pahole:'
  n=$(grep -c -E "$pat" "$o/build.log" || true)
  echo "build log $o/build.log: $(wc -l < "$o/build.log") lines, $(grep -c 'BTF \[M\]' "$o/build.log") module BTF steps, $n from kfuncbtf"
  grep -E "$pat" "$o/build.log" | head -5 || true
}

case ${1:-all} in
  all)
    config
    build plain
    build wrapped
    diff_btf
    boot plain
    boot wrapped
    boot_tags
    report ;;
  config) config ;;
  build) build "${2:?plain or wrapped}" ;;
  diff) diff_btf ;;
  boot) boot "${2:?plain or wrapped}" ;;
  boot-tags) boot_tags ;;
  report) report ;;
  report-summary) report_summary "${KFB_ROUNDS:-3}" ;;  # again, from a kept report.raw
  modules-report) modules_report "${2:-wrapped}" ;;
  *) die "unknown step '$1'" ;;
esac
