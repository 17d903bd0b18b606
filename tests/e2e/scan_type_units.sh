#!/bin/bash
# DWARF type units (gcc -fdebug-types-section): struct types live in type units and are named
# by DW_FORM_ref_sig8 signatures. In all four forms (DWARF 4 .debug_types, DWARF 5 DW_UT_type
# units; `ld -r` with one COMDAT section per unit, and linked) scan and emit give exactly what
# they give for the same sources without type units, compressed or not. A signature that no
# unit defines is an error naming the DIE and the signature.
. "$(dirname "$0")/lib.sh"
n=0
for v in 4 5; do
  for ext in o elf; do
    tu=$KFB_FIXTURES/gcc-dwarf$v-tu.$ext plain=$KFB_FIXTURES/gcc-dwarf$v.$ext
    [ -f "$tu" ] || continue
    expect_exit 0 run_kfb --json scan --all "$plain"
    mv "$T/out" "$T/plain.json"
    grep -q '"type":"struct task_struct \*"' "$T/plain.json" || die "$plain: no struct parameter to compare"
    for j in 1 3; do
      expect_exit 0 run_kfb -j$j --json scan --all "$tu"
      cmp "$T/plain.json" "$T/out" || die "gcc-dwarf$v-tu.$ext -j$j scans differently from gcc-dwarf$v.$ext"
    done
    run_kfb emit -q "$plain" -o "$T/plain.btf" || die "emit $plain failed"
    run_kfb emit -q "$tu" -o "$T/tu.btf" || die "emit $tu failed"
    cmp "$T/plain.btf" "$T/tu.btf" || die "gcc-dwarf$v-tu.$ext: emit differs"
    n=$((n + 1))
  done
done
[ "$n" -gt 0 ] || skip "no type-unit fixtures (gcc or ld.bfd missing)"
[ "$n" = 4 ] || die "expected 4 type-unit fixtures, found $n"

need objcopy
need readelf
# Compressed (zlib and zstd, as -gz and CONFIG_DEBUG_INFO_COMPRESSED write them): the same.
for f in gcc-dwarf4-tu.o gcc-dwarf5-tu.o gcc-dwarf5-tu.elf; do
  for z in zlib zstd; do
    objcopy --compress-debug-sections=$z "$KFB_FIXTURES/$f" "$T/z-$f"
    expect_exit 0 run_kfb -j2 --json scan --all "$KFB_FIXTURES/${f/-tu/}"
    mv "$T/out" "$T/plain.json"
    expect_exit 0 run_kfb -j2 --json scan --all "$T/z-$f"
    cmp "$T/plain.json" "$T/out" || die "$f compressed with $z scans differently from ${f/-tu/}"
  done
done

# Without its .debug_types sections, the first struct reference names a missing signature
# (the one readelf shows on that DIE's DW_AT_type).
objcopy -R .debug_types -R .rela.debug_types "$KFB_FIXTURES/gcc-dwarf4-tu.o" "$T/notu.o"
expect_exit 2 run_kfb scan "$T/notu.o"
[[ "$(cat "$T/err")" =~ ^kfuncbtf:\ $T/notu.o:\ \.debug_info\+0x([0-9a-f]+):\ DW_FORM_ref_sig8\ (0x[0-9a-f]{16}):\ no\ type\ unit\ has\ that\ signature$ ]] ||
  die "unexpected message: $(cat "$T/err")"
# (readelf's output goes to files: a reader that stops early would SIGPIPE it under pipefail.)
readelf -wi "$KFB_FIXTURES/gcc-dwarf4-tu.o" > "$T/tu4.txt"
grep -A12 "^ <[0-9]><${BASH_REMATCH[1]}>:" "$T/tu4.txt" > "$T/die.txt" || true
grep -q "DW_AT_type *: signature: ${BASH_REMATCH[2]}" "$T/die.txt" ||
  die "DIE 0x${BASH_REMATCH[1]} has no DW_AT_type signature ${BASH_REMATCH[2]}"
# A cycle of DW_AT_signature stubs (ten type units, each type a stub for the next, the last for
# the first): stopped after 8 hops, with the DIE it started from.
f=$KFB_SRC/tests/fuzz/corpus/dwarf/sig-chain-cycle.elf
expect_exit 2 run_kfb scan --all "$f"
expect_eq "$(cat "$T/err")" "kfuncbtf: $f: .debug_info+0x52: more than 8 DW_AT_signature hops from this type"

# DWARF64 type units (the longest unit header, 40 bytes): as the fixture's DWARF 5 .o.
need gcc
need ld
if [ -f "$KFB_FIXTURES/gcc-dwarf5.o" ]; then
  objs=()
  for cu in helpers iter net arena ops; do
    (cd "$KFB_SRC" && gcc -std=gnu11 -O2 -ffreestanding -nostdinc -fno-pic -fno-stack-protector -fno-common \
      -Wno-unused-parameter -fdebug-prefix-map="$KFB_SRC"=. -g -gdwarf-5 -gdwarf64 \
      -fdebug-types-section -c "testdata/src/$cu.c" -o "$T/$cu.o")
    objs+=("$T/$cu.o")
  done
  ld -r -o "$T/tu64.o" "${objs[@]}"
  objcopy --add-section .BTF="$KFB_FIXTURES/gcc-dwarf5.btf" "$T/tu64.o"
  expect_exit 0 run_kfb --json scan --all "$KFB_FIXTURES/gcc-dwarf5.o"
  mv "$T/out" "$T/plain.json"
  expect_exit 0 run_kfb --json scan --all "$T/tu64.o"
  cmp "$T/plain.json" "$T/out" || die "DWARF64 type units scan differently from gcc-dwarf5.o"
fi
echo "checked $n objects with type units, 6 compressed ones, a DWARF64 one, a missing signature and a signature cycle"
