#!/bin/bash
# dwz'd DWARF (types moved into DW_TAG_partial_unit, reached through DW_FORM_ref_addr): scan and
# emit give exactly what they give on the same linked object before dwz.
. "$(dirname "$0")/lib.sh"
n=0
for v in 4 5; do
  dwz=$KFB_FIXTURES/gcc-dwarf$v-dwz.elf plain=$KFB_FIXTURES/gcc-dwarf$v.elf
  [ -f "$dwz" ] || continue
  expect_exit 0 run_kfb --json scan --all "$plain"
  mv "$T/out" "$T/plain.json"
  expect_exit 0 run_kfb --json scan --all "$dwz"
  cmp "$T/plain.json" "$T/out" || die "gcc-dwarf$v-dwz.elf scans differently from gcc-dwarf$v.elf"
  expect_exit 0 run_kfb -j3 --json scan --all "$dwz"
  cmp "$T/plain.json" "$T/out" || die "gcc-dwarf$v-dwz.elf: -j3 differs"
  run_kfb emit -q "$plain" -o "$T/plain.btf" || die "emit $plain failed"
  run_kfb emit -q "$dwz" -o "$T/dwz.btf" || die "emit $dwz failed"
  cmp "$T/plain.btf" "$T/dwz.btf" || die "gcc-dwarf$v-dwz.elf: emit differs"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no dwz fixtures (dwz not installed)"
echo "checked $n dwz objects"
