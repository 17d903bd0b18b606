#!/bin/bash
# The scope matrix of issue 23: every sched_ext kfunc called once from every sched_ext_ops member,
# from a SEC("syscall") and from a SEC("tp_btf/sched_switch") program, judged by the 7.3 kernel.
#
#   tests/bpfprog/scope-matrix.sh [KERNEL]     # default 7.3
#
# 1. scope_matrix.py gen: the kfunc sets and flags from the kernel's kernel/sched/ext/*.c, the
#    prototypes and struct sched_ext_ops from its BTF; one generated source per kfunc
#    (40 struct_ops programs in one .struct_ops.link map, plus syscall and tracing).
# 2. bpfcc.sh in the sid chroot (clang 21, JOBS at a time, default 2):
#    testdata/bpfprog/scope-matrix/KERNEL/<kfunc>.bpf.o and kfuncs.tsv.
# 3. BOOTS (default 2) QEMU boots of KERNEL, side by side, each with a share of the objects; the
#    loader (loader.c) loads each program alone with its own map slot. Verdicts are cached by
#    object content, so a rerun boots only for the objects that changed.
# 4. testdata/bpfprog/KERNEL/scope-matrix.tsv (kfunc, context, class, verdict, errno,
#    sleepable, first error) and scope-matrix-vs-scopes.tsv: the pairs where the kernel and
#    tools/scopes/sched_ext-KERNEL.scopes disagree.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/chroot.sh"
. "$here/qemu.sh"
k=${1:-7.3}
jobs=${JOBS:-2} boots=${BOOTS:-2}
# OPS=sched_ext_ops_cid: the cid form's matrix (its own objects, cache and table: KERNEL-cid).
ops=${OPS:-sched_ext_ops}
v=$k
sfx=""
[ "$ops" = sched_ext_ops ] || sfx=-${ops#sched_ext_ops_} v=$k-${ops#sched_ext_ops_}
[ "$(id -u)" -eq 0 ] || { echo "scope-matrix: needs root (chroot)" >&2; exit 2; }
t0=$SECONDS
src=$("$repo/tests/bench/realkernel.sh" source "$k")
img=$("$repo/tests/bench/realkernel.sh" image "$k")
objs=$repo/testdata/bpfprog/scope-matrix/$v
kfb_sid_chroot >/dev/null
gen=$KFB_SID/build/scope-matrix-$v
# The generated sources stay in the chroot: an unchanged source keeps its object (bpfcc.sh).
mkdir -p "$gen" "$objs"
python3 "$here/scope_matrix.py" gen "$src" "$img" "$gen" "$ops"
mv "$gen/kfuncs.tsv" "$objs/kfuncs.tsv"
mkdir -p "$KFB_SID/kfb" && cp "$here/bpfcc.sh" "$KFB_SID/kfb/"
KFB_BIND_SRC=$KFB_CACHE KFB_BIND_OUT=$repo/testdata/bpfprog kfb_sid_run \
  "cd /build/scope-matrix-$v && bash /kfb/bpfcc.sh /src/${src#"$KFB_CACHE"/} /src/${img#"$KFB_CACHE"/} \
     /out/scope-matrix/$v $jobs *.bpf.c"
echo "scope-matrix: $(find "$objs" -name '*.bpf.o' | wc -l) objects, $(du -sh "$objs" | cut -f1) ($((SECONDS - t0)) s)"

t1=$SECONDS
# The kernel's verdicts are cached per object content ($KFB_WORK/scope-matrix-$v/<sha256>): a
# rerun boots only the objects that changed.
cache=$KFB_WORK/scope-matrix-$v
mkdir -p "$cache"
todo=()
for o in $(cd "$objs" && ls *.bpf.o | LC_ALL=C sort); do
  h=$(sha256sum < "$objs/$o" | cut -c1-64)
  [ -s "$cache/$h" ] || todo+=("$o")
done
echo "scope-matrix: ${#todo[@]} objects to judge, $(( $(ls "$objs"/*.bpf.o | wc -l) - ${#todo[@]} )) cached"
if [ ${#todo[@]} -gt 0 ]; then
  kfb_loader
  pids=()
  for ((b = 0; b < boots; b++)); do
    d=$KFB_WORK/scope-matrix-$v-$b
    rm -rf "$d" && mkdir -p "$d"
    printf '%s\n' "${todo[@]}" | awk -v b=$b -v n=$boots 'NR % n == b' > "$d/list"
    while read -r o; do cp "$objs/$o" "$d/"; done < "$d/list"
    kfb_boot "$k" "$d" "$d.console" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for ((b = 0; b < boots; b++)); do
    d=$KFB_WORK/scope-matrix-$v-$b
    while read -r o; do
      [ -n "$o" ] || continue
      grep -a "^KFB	/objs/$o	" "$d.console" > "$cache/tmp" || true
      [ -s "$cache/tmp" ] && mv "$cache/tmp" "$cache/$(sha256sum < "$objs/$o" | cut -c1-64)"
    done < "$d/list"
    rm -rf "$d"
  done
fi
for o in $(cd "$objs" && ls *.bpf.o | LC_ALL=C sort); do
  cat "$cache/$(sha256sum < "$objs/$o" | cut -c1-64)"
done > "$KFB_WORK/scope-matrix-$v.console"
out=$repo/testdata/bpfprog/$k
python3 "$here/scope_matrix.py" table "$KFB_WORK/scope-matrix-$v.console" | LC_ALL=C sort > "$out/scope-matrix$sfx.tsv"
python3 "$here/scope_matrix.py" compare "$out/scope-matrix$sfx.tsv" "$objs/kfuncs.tsv" \
  "$repo/tools/scopes/sched_ext-$k.scopes" > "$out/scope-matrix$sfx-vs-scopes.tsv"
echo "scope-matrix: $v: $(grep -vc '^#' "$out/scope-matrix$sfx.tsv") programs:" \
  "$(awk -F'\t' '!/^#/ {n[$3]++} END {for (c in n) printf "%s %d ", c, n[c]}' "$out/scope-matrix$sfx.tsv")" \
  "($((SECONDS - t1)) s)"
