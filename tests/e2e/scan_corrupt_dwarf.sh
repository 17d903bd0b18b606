#!/bin/bash
# Corrupt DWARF (the objects in tests/fuzz/corpus/dwarf/corrupt-*.o, each one byte or field
# broken) gets one message in the project's own words, naming the file, the .debug_info offset
# of the DIE and libdwarf's error code, and exit 2, from scan and from emit; emit writes nothing.
# The words do not depend on the libdwarf version (20210528 and 0.x word some errors apart).
. "$(dirname "$0")/lib.sh"
C=$KFB_SRC/tests/fuzz/corpus/dwarf

corrupt() { # corrupt FILE MESSAGE: both commands give exactly "kfuncbtf: PATH: MESSAGE"
  local f=$C/$1 want="kfuncbtf: $C/$1: $2"
  expect_exit 2 run_kfb scan "$f"
  expect_eq "$(cat "$T/err")" "$want"
  [ ! -s "$T/out" ] || die "$1: scan printed a report: $(head -c 400 "$T/out")"
  expect_exit 2 run_kfb --json scan "$f"
  expect_eq "$(cat "$T/err")" "$want"
  if [ -n "$btf" ]; then
    expect_exit 2 run_kfb emit --btf "$btf" "$f" -o "$T/out.btf"
    expect_eq "$(cat "$T/err")" "$want"
    [ ! -e "$T/out.btf" ] || die "$1: emit left $T/out.btf behind"
    [ -z "$(ls -A "$T" | grep -v -e '^out$' -e '^err$')" ] || die "$1: emit left $(ls -A "$T")"
  fi
}

btf=""
if fixtures >/dev/null 2>&1 && have_fixture gcc-dwarf5.btf; then btf=$KFB_FIXTURES/gcc-dwarf5.btf; fi

corrupt corrupt-abbrev-code.o \
  ".debug_info+0xc: reading the DIE: a DIE's abbreviation code is not in its unit's .debug_abbrev (DW_DLE_DIE_ABBREV_LIST_NULL)"
corrupt corrupt-form.o \
  ".debug_info+0xc: reading the DIE: an attribute form that cannot be read there (DW_DLE_DEBUG_FORM_HANDLING_INCOMPLETE)"
corrupt corrupt-sibling.o \
  ".debug_info+0x9b: reading the DIE after this one: a DW_AT_sibling lies outside its unit (DW_DLE_SIBLING_OFFSET_WRONG)"
corrupt corrupt-str-offsets.o \
  ".debug_info+0x170: reading a name: an attribute's value lies outside its section (DW_DLE_ATTR_FORM_SIZE_BAD)"
corrupt corrupt-unknown-form.o \
  ".debug_info+0xc: reading the DIE: an abbreviation uses an unknown attribute form (DW_DLE_UNKNOWN_FORM)"
[ -n "$btf" ] || skip "scan checked; emit not checked: fixture gcc-dwarf5.btf not configured"
