#!/bin/bash
# Compressed debug sections that lie are errors naming the section, exit 2, from scan, emit and
# the one-object diff (check falls back to .BTF_ids and BTF, saying why). Made here from a
# fixture compressed with objcopy: a .debug_str whose header claims 0 bytes (scan and emit
# exited 0 with 45 false "no DWARF definition" warnings: libdwarf never loaded an empty
# section), and a broken zlib stream in .debug_str or .debug_abbrev (blamed on .debug_info:
# "reading a name: corrupt DWARF (DW_DLE_ELF_SECT_ERR)").
. "$(dirname "$0")/lib.sh"
need python3 objcopy timeout
need_fixture gcc-dwarf5.o
craft="$KFB_SRC/tests/e2e/craft.py"
cd "$T"
objcopy --compress-debug-sections=zlib "$KFB_FIXTURES/gcc-dwarf5.o" z.o
# The intact compressed object reads as the plain one.
expect_exit 0 "$KFUNCBTF" scan z.o
"$KFUNCBTF" scan "$KFB_FIXTURES/gcc-dwarf5.o" | sed "s|$KFB_FIXTURES/gcc-dwarf5.o|z.o|g" > plain.txt
expect_eq "$(cat out)" "$(cat plain.txt)"
size() {  # the inflated size of section $2 of $1 (its Elf64_Chdr.ch_size)
  python3 - "$1" "$2" "$KFB_SRC/tests/e2e" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[3])
import craft
b = open(sys.argv[1], "rb").read()
h, _ = craft.section(b, sys.argv[2])
off, = struct.unpack_from("<Q", b, h + 0x18)
print(struct.unpack_from("<Q", b, off + 8)[0])
PY
}
lying() {  # lying MUTATION MESSAGE
  local m=$1 want="kfuncbtf: $1.o: $2" c
  python3 "$craft" elf "$m.o" z.o "$m"
  for c in scan "--json scan" diff; do
    # shellcheck disable=SC2086
    expect_exit 2 bounded "$KFUNCBTF" $c "$m.o"
    expect_eq "$(cat err)" "$want"
    expect_eq "$(cat out)" ""
  done
  expect_exit 2 bounded "$KFUNCBTF" emit "$m.o" -o out.o
  expect_eq "$(cat err)" "$want"
  [ ! -e out.o ] || die "$m: emit wrote out.o"
  expect_exit 0 bounded "$KFUNCBTF" check "$m.o"
  expect_grep "$m.o: warning: kfuncs from .BTF_ids and BTF only (no source lines, no DWARF rules): ${want#kfuncbtf: }" out
}
str=$(size z.o .debug_str) abbrev=$(size z.o .debug_abbrev)
lying zstr-size-0 ".debug_str: corrupt zlib stream (or not 0 bytes when inflated)"
lying zstr-corrupt ".debug_str: corrupt zlib stream (or not $str bytes when inflated)"
lying zabbrev-corrupt ".debug_abbrev: corrupt zlib stream (or not $abbrev bytes when inflated)"
echo "ok: a compressed debug section that lies is named, exit 2"
