#!/bin/bash
# scan finds exactly the kfuncs of testdata/src/expected.json (MANIFEST) in every fixture variant:
# gcc/clang x DWARF 4/5 x .o (ET_REL, ids 0) / .elf (linked, sets sorted by id), the cross
# builds (ELF64 BE, ELF32 LE/BE) and the 70,030-section object; flags, sets, file:line,
# prototypes, per-arg flags, implicit args, scopes. Tag-only kfuncs only with --all.
. "$(dirname "$0")/lib.sh"
need python3
fixtures >/dev/null
exp=$KFB_SRC/testdata/src/expected.json
check=$KFB_SRC/tests/e2e/scan_check_expected.py
n=0
for v in gcc-dwarf4 gcc-dwarf5 clang-dwarf4 clang-dwarf5 \
         clang-powerpc64-dwarf5 clang-i386-dwarf5 clang-powerpc-dwarf5; do
  for e in o elf; do
    f=$KFB_FIXTURES/$v.$e
    if [ ! -f "$f" ]; then
      case $v in clang-*-dwarf5) echo "note: cross fixture $v.$e not built"; continue ;; esac
      die "fixture $f missing"
    fi
    cc=${v%%-*}
    expect_exit 0 run_kfb --json scan --all "$f"
    cp "$T/out" "$T/$v.$e.all.json"
    python3 "$check" "$exp" "$T/$v.$e.all.json" "$cc" all || die "$v.$e --all differs from expected.json"
    expect_exit 0 run_kfb --json scan "$f"
    cp "$T/out" "$T/$v.$e.json"
    python3 "$check" "$exp" "$T/$v.$e.json" "$cc" sets || die "$v.$e differs from expected.json"
    n=$((n + 1))
  done
done
f=$KFB_FIXTURES/manysections.o
if [ -f "$f" ]; then
  # 70,030 sections (more than libdwarf's 16-bit section numbers): the same kfuncs, prototypes
  # and lines as the clang DWARF 5 object it was linked from, for any -j.
  expect_exit 0 run_kfb --json scan "$f"
  mv "$T/out" "$T/many.json"
  expect_exit 0 run_kfb --json scan "$KFB_FIXTURES/clang-dwarf5.o"
  cmp "$T/many.json" "$T/out" || die "manysections.o scans differently from clang-dwarf5.o"
  expect_exit 0 run_kfb -j3 --json scan "$f"
  cmp "$T/many.json" "$T/out" || die "manysections.o: -j3 differs"
  n=$((n + 1))
fi
[ "$n" -ge 8 ] || die "only $n variants checked"
echo "checked $n objects"
