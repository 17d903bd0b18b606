#!/bin/bash
# The oracle of issue 23: the real 7.3 and 7.2 verifiers judge the corpus of build-corpus.sh.
# Boots each kernel (Debian's vmlinuz, QEMU software emulation) with an initramfs whose /init is
# a static libbpf loader (loader.c) that loads every program of every object alone and prints
# the verdict; writes the tables.
#
#   tests/bpfprog/oracle.sh [RUN...]     # RUN: KERNEL (its own corpus) or KERNEL:CORPUS;
#                                        # default: 7.3 7.2 7.2:7.3
#
# For RUN k (corpus k):  testdata/bpfprog/k/verdicts.tsv   object, program, section, verdict,
#                                                           errno, message, libbpf
#                        testdata/bpfprog/k/expected.tsv   the selftests' annotations beside the
#                                                           kernel's verdict, and whether they agree
#                        testdata/bpfprog/k/refusals.log.gz every refusal's verifier log
# For RUN k:c (c's objects judged by kernel k): testdata/bpfprog/c/verdicts-on-k.tsv
# The raw console stays in $KFB_CACHE/bpfprog/<run>.console. Needs root (the sid chroot builds
# the loader), qemu-system-x86_64 and cpio; the vmlinuz comes from tests/bench/realkernel.sh.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/chroot.sh"
[ $# -gt 0 ] || set -- 7.3 7.2 7.2:7.3
[ "$(id -u)" -eq 0 ] || { echo "oracle: needs root (chroot)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null ||
  { echo "oracle: needs qemu-system-x86_64 and cpio" >&2; exit 2; }
. "$here/qemu.sh"
kfb_loader
work=$KFB_WORK

for run in "$@"; do
  k=${run%%:*} c=${run#*:}
  t0=$SECONDS
  corpus=$repo/testdata/bpfprog/$c
  [ -d "$corpus" ] || { echo "oracle: no corpus $corpus (tests/bpfprog/build-corpus.sh $c)" >&2; exit 2; }
  vz=$("$repo/tests/bench/realkernel.sh" vmlinuz "$k")
  objs=$work/objs-$k-$c
  rm -rf "$objs" && mkdir -p "$objs"
  (cd "$corpus" && find . -name '*.bpf.o' | sed 's|^\./||' | LC_ALL=C sort) > "$objs/list"
  while read -r o; do mkdir -p "$objs/$(dirname "$o")"; cp "$corpus/$o" "$objs/$o"; done < "$objs/list"
  console=$work/$k-on-$c.console
  kfb_boot "$k" "$objs" "$console" || exit 1
  rm -rf "$objs"
  n=$(grep -a -c $'^KFB\t' "$console" || true)
  if [ "$k" = "$c" ]; then
    out=$corpus/verdicts.tsv
    python3 "$here/tables.py" verdicts "$console" > "$out"
    KFB_BIND_OUT=$repo/testdata/bpfprog kfb_sid_run "python3 /kfb/tables.py tags /out/$c" > "$work/$c.tags"
    python3 "$here/tables.py" expected "$work/$c.tags" "$console" > "$corpus/expected.tsv"
    python3 "$here/tables.py" logs "$console" | gzip -n -9 > "$corpus/refusals.log.gz"
  else
    out=$corpus/verdicts-on-$k.tsv
    python3 "$here/tables.py" verdicts "$console" > "$out"
  fi
  echo "oracle: $run: $(basename "$vz"), libbpf $libbpf: $n programs," \
    "$(awk -F'\t' '$4=="accepted"' "$out" | wc -l) accepted, $(awk -F'\t' '$4=="refused"' "$out" | wc -l) refused" \
    "($((SECONDS - t0)) s)"
done
