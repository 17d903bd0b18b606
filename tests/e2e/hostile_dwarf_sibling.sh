#!/bin/bash
# A DW_AT_sibling must point past its DIE: one pointing at its own DIE (made here from a
# fixture) hung scan, emit, check and diff, walking the same DIE forever. Now it is one message
# naming the file, .debug_info and the DIE's offset, exit 2 (check, which falls back to
# .BTF_ids and BTF without usable DWARF, says it as its kfunc-no-scan warning). Each run is
# bounded (10 s, 1 GB) so a regression fails instead of hanging.
. "$(dirname "$0")/lib.sh"
need python3 readelf timeout
need_fixture gcc-dwarf5.o
craft="$KFB_SRC/tests/e2e/craft.py"
cd "$T"
python3 "$craft" elf sib.o "$KFB_FIXTURES/gcc-dwarf5.o" sibling-self
# The DIE whose sibling was pointed at itself: the first with a DW_AT_sibling.
die=$(readelf --debug-dump=info -W sib.o | awk '/Abbrev Number: [1-9]/ { d = $1 } /DW_AT_sibling/ && !seen { print d; seen = 1 }')
die=$(echo "$die" | sed 's/^<[0-9]*><\([0-9a-f]*\)>:$/\1/')
[ -n "$die" ] || die "no DW_AT_sibling in sib.o"
# libdwarf 20210528 follows the sibling and kfuncbtf's own check says why; libdwarf 0.x (Debian
# 13) refuses it first, and its error is named.
case $("$KFUNCBTF" --version) in
  *"libdwarf 2021"*) why="its DW_AT_sibling (0x$die) does not point past it" ;;
  *) why="a DW_AT_sibling lies outside its unit (DW_DLE_SIBLING_OFFSET_WRONG)" ;;
esac
want="kfuncbtf: sib.o: .debug_info+0x$die: reading the DIE after this one: $why"
for c in scan "--json scan" diff; do
  # shellcheck disable=SC2086
  expect_exit 2 bounded "$KFUNCBTF" $c sib.o
  expect_eq "$(cat err)" "$want"
  expect_eq "$(cat out)" ""
done
expect_exit 2 bounded "$KFUNCBTF" emit sib.o -o out.o
expect_eq "$(cat err)" "$want"
[ ! -e out.o ] || die "emit wrote out.o"
expect_exit 0 bounded "$KFUNCBTF" check sib.o
expect_eq "$(cat out)" "sib.o: warning: kfuncs from .BTF_ids and BTF only (no source lines, no DWARF rules): ${want#kfuncbtf: }"
echo "ok: a DW_AT_sibling that does not point forward is an error at its DIE"
