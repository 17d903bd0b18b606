#!/bin/bash
# DWARF type units are refused with one clear message and exit 2, wherever they are: DWARF 4
# .debug_types, DWARF 5 COMDAT .debug_info sections of an `ld -r` object, DW_UT_type units in
# the single .debug_info of a linked object.
. "$(dirname "$0")/lib.sh"
msg="DWARF type units (gcc -fdebug-types-section) are not supported; build without them"
n=0
for v in 4 5; do
  f=$KFB_FIXTURES/gcc-dwarf$v-tu.o
  [ -f "$f" ] || continue
  expect_exit 2 run_kfb scan "$f"
  [ $v = 4 ] && expect_eq "$(cat "$T/err")" "kfuncbtf: $f: .debug_types: $msg"
  [ $v = 5 ] && expect_eq "$(cat "$T/err")" "kfuncbtf: $f: 21 .debug_info sections: $msg"
  expect_exit 2 run_kfb emit "$f" -o "$T/out.btf"
  [ ! -e "$T/out.btf" ] || die "emit wrote an output for $f"
  n=$((n + 1))
done
need gcc
need ld
cat > "$T/tu.c" <<'C'
struct kfb_tu { int a; long b; };
int kfb_tu_use(struct kfb_tu *p) { return p->a; }
C
gcc -O2 -g -gdwarf-5 -fdebug-types-section -c "$T/tu.c" -o "$T/tu.o"
ld -e 0 -o "$T/tu.elf" "$T/tu.o"
expect_exit 2 run_kfb scan --all "$T/tu.elf"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/tu.elf: .debug_info+0x0: $msg"
echo "checked $((n + 1)) objects"
