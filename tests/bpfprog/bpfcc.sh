#!/bin/bash
# Runs inside the sid chroot (scope-matrix.sh, poison.sh copy it there): compiles generated or
# hand-written BPF programs against one kernel's vmlinux.h, as compile.sh does for the corpus.
#
#   bpfcc.sh SRC BTF OUT JOBS FILE[:NAME[:CFLAGS]]...
#
#   SRC   the unpacked linux-source-7.x tree (libbpf's BPF headers)   BTF  an ELF with the .BTF
#   OUT   where NAME.bpf.o goes (NAME defaults to FILE's basename without .bpf.c)
# Flags: tools/sched_ext/Makefile's (-O2 -mcpu=v3 -g, then --strip-debug: .BTF and .BTF.ext stay).
set -eu -o pipefail
src=$1 btf=$2 out=$3 jobs=$4
shift 4
inc=/build/bpfcc-$(basename "$(dirname "$btf")")/include
if [ ! -s "$inc/vmlinux.h" ] || [ "$btf" -nt "$inc/vmlinux.h" ]; then
  rm -rf "$inc" && mkdir -p "$inc/bpf"
  bpftool btf dump file "$btf" format c > "$inc/vmlinux.h"
  for h in bpf_helpers.h bpf_tracing.h bpf_core_read.h bpf_endian.h; do
    cp "$src/tools/lib/bpf/$h" "$inc/bpf/"
  done
  python3 "$src/scripts/bpf_doc.py" --header --file "$src/tools/include/uapi/linux/bpf.h" \
    > "$inc/bpf/bpf_helper_defs.h"
fi
mkdir -p "$out"
one() {  # one FILE[:NAME[:CFLAGS]]
  local f=${1%%:*} rest name flags
  rest=${1#"$f"}; rest=${rest#:}
  name=${rest%%:*}; flags=${rest#"$name"}; flags=${flags#:}
  [ -n "$name" ] || name=$(basename "$f" .bpf.c)
  [ "$out/$name.bpf.o" -nt "$f" ] && [ "$out/$name.bpf.o" -nt "$inc/vmlinux.h" ] && [ -z "$flags" ] && return 0
  # shellcheck disable=SC2086
  if clang -g -O2 -mcpu=v3 -target bpf -D__TARGET_ARCH_x86 -mlittle-endian -Wall -Wno-unused-variable \
       -I"$inc" $flags -c "$f" -o "$out/$name.bpf.o.tmp" 2> "$out/$name.log"; then
    llvm-strip --strip-debug "$out/$name.bpf.o.tmp"
    mv "$out/$name.bpf.o.tmp" "$out/$name.bpf.o"
    rm -f "$out/$name.log"
  else
    rm -f "$out/$name.bpf.o.tmp"
    echo "bpfcc: $name: $(grep -m1 'error:' "$out/$name.log")" >&2
    return 1
  fi
}
export -f one
export inc out
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'one "$1"' _ {}
