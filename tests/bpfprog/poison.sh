#!/bin/bash
# Silent poisoning (issue 23): testdata/bpfprog/poison/poison.bpf.c built with the wrong kfunc
# prototypes (poison.bpf.o) and with the kernel's (poison-control.bpf.o, -DKFB_CONTROL), loaded
# in KERNEL under QEMU; the SEC("syscall") programs that load are run (BPF_PROG_TEST_RUN) and
# their globals read back.
#
#   tests/bpfprog/poison.sh [KERNEL]     # default 7.3
#
# Writes testdata/bpfprog/poison/*.bpf.o and testdata/bpfprog/KERNEL/poison.tsv: object, program,
# verdict, errno, message, path taken, the kfunc's result, libbpf's messages (with its
# "poisoning insn" debug lines, the only trace libbpf leaves).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/chroot.sh"
. "$here/qemu.sh"
k=${1:-7.3}
[ "$(id -u)" -eq 0 ] || { echo "poison: needs root (chroot)" >&2; exit 2; }
t0=$SECONDS
src=$("$repo/tests/bench/realkernel.sh" source "$k")
img=$("$repo/tests/bench/realkernel.sh" image "$k")
dir=$repo/testdata/bpfprog/poison
kfb_sid_chroot >/dev/null
mkdir -p "$KFB_SID/kfb" && cp "$here/bpfcc.sh" "$KFB_SID/kfb/"
KFB_BIND_SRC=$KFB_CACHE KFB_BIND_OUT=$repo/testdata/bpfprog kfb_sid_run \
  "cd /out/poison && bash /kfb/bpfcc.sh /src/${src#"$KFB_CACHE"/} /src/${img#"$KFB_CACHE"/} /out/poison 1 \
     poison.bpf.c poison.bpf.c:poison-control:-DKFB_CONTROL"
kfb_loader
d=$KFB_WORK/poison-$k
rm -rf "$d" && mkdir -p "$d"
cp "$dir"/*.bpf.o "$d/"
printf 'run:%s\n' poison.bpf.o poison-control.bpf.o > "$d/list"
kfb_boot "$k" "$d" "$KFB_WORK/poison-$k.console"
rm -rf "$d"
python3 "$here/scope_matrix.py" poison "$KFB_WORK/poison-$k.console" > "$repo/testdata/bpfprog/$k/poison.tsv"
column -t -s $'\t' "$repo/testdata/bpfprog/$k/poison.tsv" | cut -c1-160
echo "poison: $k ($((SECONDS - t0)) s)"
