#!/bin/bash
# The DWARF type speller (dwarf/types.cc) is bounded and cycle-safe like the BTF one: 22 lines
# of plain C whose nested function-pointer types double their spelling per level (clang: a 3 KB
# object) took seconds and printed 14 MB per command before; a subroutine type taking pointers
# to itself (a cycle, made here from that object) never ended. Now each spelling is cut with
# "..." past about 4 KiB, a cycle is "<cycle>", and scan, emit, check and the one-object diff
# (DWARF against BTF: cut spellings compare up to the cut) run in bounded time and memory.
. "$(dirname "$0")/lib.sh"
need clang python3 readelf timeout
craft="$KFB_SRC/tests/e2e/craft.py"
cd "$T"
{
  echo "extern int (*v1)(int, int);"
  for i in $(seq 2 20); do echo "extern int (*v$i)(__typeof__(v$((i - 1))), __typeof__(v$((i - 1))));"; done
  echo '__attribute__((btf_decl_tag("bpf_kfunc"), used, noinline))'
  echo 'int bpf_deep(__typeof__(v20) cb) { return cb != 0; }'
} > deep.c
[ "$(wc -l < deep.c)" = 22 ] || die "deep.c is not 22 lines"
clang -g -O1 -c deep.c -o deep.o
python3 "$craft" elf cyc.o deep.o type-cycle

expect_exit 0 bounded "$KFUNCBTF" scan deep.o
expect_eq "$(cat err)" ""
expect_eq "$(sed -n 1,2p out)" "bpf_deep flags=0 source=tag at=deep.c:22
  ret: int"
arg=$(sed -n 3p out)
[ "${#arg}" -le 6500 ] || die "scan deep.o: arg0 spelled in ${#arg} bytes"
case $arg in
  "  arg0: int (*)(int (*)(int (*)(int (*)("*", ...), ...), ...) cb") ;;
  *) die "scan deep.o: arg0 is not the cut spelling: ${arg:0:100} ... ${arg: -100}" ;;
esac

expect_exit 0 bounded "$KFUNCBTF" scan cyc.o
expect_eq "$(cat out)" "bpf_deep flags=0 source=tag at=deep.c:22
  ret: int
  arg0: int (*)(<cycle> (*), <cycle> (*)) cb"

# The BTF side (pahole) of deep.o: emit, check and the one-object diff read the DWARF too.
command -v pahole >/dev/null || skip "scan checked; emit, check and diff need pahole"
pahole -J deep.o
expect_exit 0 bounded "$KFUNCBTF" emit deep.o -o out.o
expect_exit 0 bounded "$KFUNCBTF" check deep.o
expect_eq "$(cat out)" ""
expect_exit 0 bounded "$KFUNCBTF" diff deep.o
expect_eq "$(cat out)" "no differences"
echo "ok: DWARF type spelling is bounded and cycle-safe"
