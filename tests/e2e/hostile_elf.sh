#!/bin/bash
# One ELF, one verdict: each malformed object (made here from a fixture) gets the same message
# and exit 2 from scan, check, dump, diff and emit, naming the file and what is wrong; a symbol
# table that cannot be decoded is never "no kfuncs"; nothing is written.
. "$(dirname "$0")/lib.sh"
need python3 readelf
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
craft="$KFB_SRC/tests/e2e/craft.py"
cd "$T"
one_verdict() {  # one_verdict MUTATION MESSAGE (MESSAGE after "kfuncbtf: <file>: ")
  local m=$1 want="kfuncbtf: $T/$1.o: $2" c
  python3 "$craft" elf "$T/$m.o" "$obj" "$m"
  for c in scan "--json scan" check "--json check" dump "dump --format json" emit; do
    # shellcheck disable=SC2086
    if [ "$c" = emit ]; then
      expect_exit 2 "$KFUNCBTF" emit "$T/$m.o" -o "$T/out.btf"
    else
      expect_exit 2 "$KFUNCBTF" $c "$T/$m.o"
    fi
    expect_eq "$(cat "$T/err")" "$want"
    expect_eq "$(cat "$T/out")" ""
  done
  expect_exit 2 "$KFUNCBTF" diff "$obj" "$T/$m.o"; expect_eq "$(cat "$T/err")" "$want"
  expect_exit 2 "$KFUNCBTF" diff "$T/$m.o" "$obj"; expect_eq "$(cat "$T/err")" "$want"
  [ ! -e "$T/out.btf" ] || die "$m: emit wrote out.btf"
}
symtab=$(readelf -SW "$obj" | sed -n 's/^ *\[ *\([0-9]*\)\] \.symtab .*/\1/p')
[ -n "$symtab" ] || die "no .symtab in $obj"
one_verdict symtab-self-link ".symtab: sh_link $symtab is section .symtab of type 2, not a string table (SHT_STRTAB)"
one_verdict shentsize-16 "bad section header size 16 (expected 64)"
one_verdict class-7 "unknown ELF class 7"
one_verdict btf-nobits ".BTF: SHT_NOBITS section has no data"
one_verdict shstrndx-65534 "section name table index 65534 out of range"
size=$(printf '0x%x' "$(stat -c %s "$obj")")
shoff=$(python3 -c "import sys; print(hex($(stat -c %s "$obj") + 0x1000))")
one_verdict shoff-past-end "truncated: section header table at $shoff is past the end of the file (size $size)"
echo "ok: every command gives the same message for the same malformed ELF"
