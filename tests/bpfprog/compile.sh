#!/bin/bash
# Runs inside the sid chroot (tests/bpfprog/build-corpus.sh copies it there): compiles one
# kernel's share of the corpus with the flags and include paths of the objects' own Makefiles.
#
#   compile.sh SRC BTF OUT LIST JOBS
#
#   SRC   the unpacked linux-source-7.x tree          BTF   an ELF of that kernel with its .BTF
#   OUT   testdata/bpfprog/<kernel>                   LIST  the selftests/bpf/progs files to build
#   JOBS  parallel compiles
#
# Writes OUT/<suite>/<name>.bpf.o, OUT/build.tsv (suite, name, built|failed, first error line),
# and OUT/toolchain.txt (clang, bpftool, libbpf versions). The three Makefiles it follows, as of
# 7.3: tools/sched_ext/Makefile, tools/testing/selftests/sched_ext/Makefile (BPF_CFLAGS) and
# tools/testing/selftests/bpf/Makefile (BPF_CFLAGS + CLANG_CFLAGS, -DENABLE_ATOMICS_TESTS,
# CLANG_BPF_BUILD_RULE, -mcpu=v3: the flavour of test_progs itself).
set -eu -o pipefail
src=$1 btf=$2 out=$3 list=$4 jobs=${5:-2}
work=/build/$(basename "$out")
rm -rf "$work" && mkdir -p "$work/include/bpf" "$work/log"

# The headers a kernel build would install for BPF programs: that kernel's vmlinux.h (bpftool
# from the same BTF) and libbpf's BPF-side headers from the same source tree, with
# bpf_helper_defs.h generated the way tools/lib/bpf/Makefile does.
bpftool btf dump file "$btf" format c > "$work/include/vmlinux.h"
for h in bpf_helpers.h bpf_tracing.h bpf_core_read.h bpf_endian.h usdt.bpf.h; do
  cp "$src/tools/lib/bpf/$h" "$work/include/bpf/"
done
python3 "$src/scripts/bpf_doc.py" --header --file "$src/tools/include/uapi/linux/bpf.h" \
  > "$work/include/bpf/bpf_helper_defs.h"

# get_sys_includes of the Makefiles: clang's default search list, as -idirafter.
sys_includes=$(clang -v -E - </dev/null 2>&1 |
  sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }' | tr '\n' ' ')

scx=$src/tools/sched_ext
scxt=$src/tools/testing/selftests/sched_ext
bpft=$src/tools/testing/selftests/bpf
flags_sched_ext="-g -D__TARGET_ARCH_x86 -mlittle-endian -I$scx/include -I$scx/include/bpf-compat
  -I$work/include -I$src/tools/include/uapi -I$src/include $sys_includes -Wall
  -Wno-compare-distinct-pointer-types -Wno-microsoft-anon-tag -fms-extensions -O2 -mcpu=v3 -target bpf"
flags_sched_ext_selftests="-g -D__TARGET_ARCH_x86 -mlittle-endian -I$scxt/include -I$scxt/include/bpf-compat
  -I$work/include -I$src/tools/include/uapi -I$scx/include -I$src/include $sys_includes -Wall
  -Wno-compare-distinct-pointer-types -Wno-incompatible-function-pointer-types -Wno-microsoft-anon-tag
  -fms-extensions -O2 -mcpu=v3 -target bpf"
flags_selftests_bpf="-g -Wall -Werror -D__TARGET_ARCH_x86 -mlittle-endian -I$work/include -I$bpft
  -I$src/tools/include/uapi -I$src/tools/include -I$bpft/libarena/include -std=gnu11 -fno-strict-aliasing
  -Wno-microsoft-anon-tag -fms-extensions -Wno-compare-distinct-pointer-types -Wno-initializer-overrides
  $sys_includes -DENABLE_ATOMICS_TESTS -O2 --target=bpfel -mcpu=v3"

# One line per job: suite, name, source, working directory (the Makefiles compile in their dir).
{
  for f in "$scx"/*.bpf.c; do
    n=$(basename "$f" .bpf.c); echo "sched_ext $n $f $scx"
  done
  for f in "$scxt"/*.bpf.c; do
    n=$(basename "$f" .bpf.c); echo "sched_ext_selftests $n $f $scxt"
  done
  while read -r n; do
    case $n in ""|"#"*) continue ;; esac
    [ -f "$bpft/progs/$n.c" ] && echo "selftests_bpf $n $bpft/progs/$n.c $bpft"
  done < "$list"
} > "$work/jobs"

compile_one() {  # compile_one SUITE NAME SOURCE DIR
  local var=flags_$1 o=$out/$1/$2.bpf.o
  mkdir -p "$out/$1"
  # shellcheck disable=SC2086
  if (cd "$4" && clang ${!var} -c "$3" -o "$o.tmp") > "$work/log/$1.$2" 2>&1; then
    mv "$o.tmp" "$o"; echo "$1	$2	built	"
  else
    rm -f "$o.tmp" "$o"
    echo "$1	$2	failed	$(grep -m1 'error:' "$work/log/$1.$2" | sed "s|$src/||g" | tr '\t' ' ')"
  fi
}
export -f compile_one
export out work src flags_sched_ext flags_sched_ext_selftests flags_selftests_bpf
xargs -P "$jobs" -L 1 bash -c 'compile_one "$@"' _ < "$work/jobs" | LC_ALL=C sort > "$out/build.tsv"

{
  clang --version | head -1
  bpftool version | head -2
  echo "vmlinux.h: bpftool btf dump file $(basename "$btf") format c"
} > "$out/toolchain.txt"
awk -F'\t' '{n[$3]++} END {printf "compile: %d built, %d failed\n", n["built"], n["failed"]}' "$out/build.tsv"
