#!/bin/bash
# Builds the BPF-program corpus of issue 23 from public sources only: for each kernel (7.3, 7.2),
# that kernel's own tools/sched_ext/*.bpf.c, tools/testing/selftests/sched_ext/*.bpf.c and the
# tools/testing/selftests/bpf/progs files named in selftests-bpf.list, compiled with Debian
# unstable's clang 21 against a vmlinux.h that bpftool 7.8 writes from that kernel's BTF, with the
# flags and include paths of their own Makefiles (compile.sh says which).
#
#   tests/bpfprog/build-corpus.sh [KERNEL...]      # default: 7.3 7.2
#
# Writes testdata/bpfprog/<kernel>/<suite>/<name>.bpf.o (suite: sched_ext, sched_ext_selftests,
# selftests_bpf), <kernel>/build.tsv (every source: built or failed, with the first error) and
# <kernel>/toolchain.txt. Objects keep .BTF, .BTF.ext, their relocations and the symbol table;
# only the DWARF sections (.debug_*) are stripped (llvm-strip --strip-debug), which the corpus
# does not need (line info is in .BTF.ext) and which would triple its size. A source that does not
# compile is listed in build.tsv, never fatal.
#
# Needs root (debootstrap, chroot, mount). Caches under $KFB_CACHE (default /var/cache/kfuncbtf):
# the sid chroot (sid-chroot, ~5 min the first time), the linux-source-7.x trees and the kernels'
# images (tests/bench/realkernel.sh). JOBS (default 2) compiles at a time.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/chroot.sh"
jobs=${JOBS:-2}
[ $# -gt 0 ] || set -- 7.3 7.2
[ "$(id -u)" -eq 0 ] || { echo "build-corpus: needs root (chroot, mount)" >&2; exit 2; }

t0=$SECONDS
kfb_sid_chroot >/dev/null
echo "build-corpus: sid chroot ready ($((SECONDS - t0)) s)"
mkdir -p "$KFB_SID/kfb"
cp "$here/compile.sh" "$here/selftests-bpf.list" "$KFB_SID/kfb/"
for k in "$@"; do
  t1=$SECONDS
  src=$("$repo/tests/bench/realkernel.sh" source "$k")
  img=$("$repo/tests/bench/realkernel.sh" image "$k")
  case $src:$img in "$KFB_CACHE"/*:"$KFB_CACHE"/*) ;; *)
    echo "build-corpus: $src and $img must be under $KFB_CACHE" >&2; exit 2 ;;
  esac
  out=$repo/testdata/bpfprog/$k
  rm -rf "$out/sched_ext" "$out/sched_ext_selftests" "$out/selftests_bpf"
  mkdir -p "$out"
  KFB_BIND_SRC=$KFB_CACHE KFB_BIND_OUT=$repo/testdata/bpfprog kfb_sid_run \
    "bash /kfb/compile.sh /src/${src#"$KFB_CACHE"/} /src/${img#"$KFB_CACHE"/} /out/$k /kfb/selftests-bpf.list $jobs &&
     find /out/$k -name '*.bpf.o' -exec llvm-strip --strip-debug {} +"
  echo "build-corpus: $k: $(find "$out" -name '*.bpf.o' | wc -l) objects, $(du -sh "$out" | cut -f1) ($((SECONDS - t1)) s)"
done
