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
work=$KFB_CACHE/bpfprog
mkdir -p "$work"

# The loader: static, against the libbpf of linux-source-7.3's tools/lib/bpf (libbpf 1.8, the
# one tools/sched_ext/Makefile links the schedulers with; sid's libbpf-dev is 1.7) and sid's
# libelf.a, libz.a, libzstd.a; rebuilt when loader.c changes.
kfb_sid_chroot >/dev/null
mkdir -p "$KFB_SID/kfb"
cp "$here/loader.c" "$here/tables.py" "$KFB_SID/kfb/"
src73=$("$repo/tests/bench/realkernel.sh" source 7.3)
sum=$( (cat "$here/loader.c"; echo "$src73") | sha256sum | cut -c1-16)
if [ "$(cat "$work/init.sum" 2>/dev/null)" != "$sum" ]; then
  # libbpf is built once per source tree (/build/libbpf/src says which).
  KFB_BIND_SRC=$KFB_CACHE kfb_sid_run "set -e
    if [ \"\$(cat /build/libbpf/src 2>/dev/null)\" != '$src73' ]; then
      rm -rf /build/libbpf && mkdir -p /build/libbpf
      make -s -C /src/${src73#"$KFB_CACHE"/}/tools/lib/bpf OUTPUT=/build/libbpf/ DESTDIR=/build/libbpf/root \
        prefix=/usr -j2 install >/dev/null
      echo '$src73' > /build/libbpf/src
    fi
    gcc -static -O2 -Wall -I/build/libbpf/root/usr/include -o /kfb/init /kfb/loader.c \
      /build/libbpf/root/usr/lib64/libbpf.a -lelf -lz -lzstd"
  cp "$KFB_SID/kfb/init" "$work/init"
  echo "$sum" > "$work/init.sum"
fi
libbpf="$(sed -n 's/^#define LIBBPF_M[AI][JN]OR_VERSION //p' "$src73/tools/lib/bpf/libbpf_version.h" | paste -sd.) (linux-source-7.3)"

# kconfig VMLINUZ: prints the path of that kernel's config (Debian ships it as
# usr/lib/modules/<abi>/config in linux-base-<abi>), cached beside the vmlinuz. libbpf reads it
# (as /boot/config-<release>) for the objects' CONFIG_* externs; without it they stop in libbpf
# ("failed to open system Kconfig"). Downloaded through realkernel.sh's private apt
# configuration for unstable/experimental ($KFB_CACHE/apt, made when the vmlinuz was fetched).
kconfig() {
  local abi=${1##*/vmlinuz-} dir
  dir=$(dirname "$1")
  if [ ! -s "$dir/config-$abi" ]; then
    local a=$KFB_CACHE/apt t
    t=$(mktemp -d)
    (cd "$t" && apt-get -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=- \
       -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" -o Acquire::Check-Valid-Until=false \
       -o Debug::NoLocking=1 -o APT::Sandbox::User=root download -qq "linux-base-$abi" >&2)
    dpkg-deb --fsys-tarfile "$t"/*.deb | tar -x -C "$t" "./usr/lib/modules/$abi/config"
    mv "$t/usr/lib/modules/$abi/config" "$dir/config-$abi"
    rm -rf "$t"
  fi
  echo "$dir/config-$abi"
}

for run in "$@"; do
  k=${run%%:*} c=${run#*:}
  t0=$SECONDS
  corpus=$repo/testdata/bpfprog/$c
  [ -d "$corpus" ] || { echo "oracle: no corpus $corpus (tests/bpfprog/build-corpus.sh $c)" >&2; exit 2; }
  vz=$("$repo/tests/bench/realkernel.sh" vmlinuz "$k")
  root=$work/root-$k-$c
  rm -rf "$root" && mkdir -p "$root/objs" "$root/dev"
  (cd "$corpus" && find . -name '*.bpf.o' | sed 's|^\./||' | LC_ALL=C sort) > "$root/objs/list.rel"
  while read -r o; do mkdir -p "$root/objs/$(dirname "$o")"; cp "$corpus/$o" "$root/objs/$o"; done < "$root/objs/list.rel"
  sed 's|^|/objs/|' "$root/objs/list.rel" > "$root/objs/list"
  mkdir -p "$root/boot"
  cp "$(kconfig "$vz")" "$root/boot/config-${vz##*/vmlinuz-}"
  cp "$work/init" "$root/init"
  mknod "$root/dev/console" c 5 1
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$root.cpio.gz"
  console=$work/$k-on-$c.console
  # One CPU, software emulation: KVM does not work on these machines (kernel-7.md §2).
  timeout 7200 qemu-system-x86_64 -accel tcg -cpu max -m 3072 -smp 1 -nographic -no-reboot \
    -kernel "$vz" -initrd "$root.cpio.gz" -append "console=ttyS0 quiet panic=-1" 2>&1 |
    tr -d '\r' > "$console" || true
  rm -rf "$root" "$root.cpio.gz"
  n=$(grep -a -c $'^KFB\t' "$console" || true)
  grep -aq '^KFB done' "$console" || { tail -20 "$console"; echo "oracle: $run: the loader did not finish" >&2; exit 1; }
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
