#!/bin/bash
# One-object form: DWARF prototypes of the kfuncs against their BTF. pahole's BTF matches
# (exit 0) for every compiler and DWARF version (gcc's BTF spells "long unsigned int" where the
# C prototype says "unsigned long": not a difference), also with the BTF given by --btf as
# a 6.1 vmlinux.o needs; after `emit --update-elf` the trimmed kfuncs differ in parameter
# count (exit 1).
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
obj=$KFB_FIXTURES/clang-dwarf5.o
[ -f "$obj" ] || skip "fixture clang-dwarf5.o missing"
expect_exit 0 "$KFUNCBTF" diff -q "$obj"
expect_eq "$(cat "$T/out")" "no differences"
for v in gcc-dwarf4 gcc-dwarf5 clang-dwarf4 clang-dwarf5; do
  for f in "$KFB_FIXTURES/$v.o" "$KFB_FIXTURES/$v.elf"; do
    expect_exit 0 "$KFUNCBTF" diff -q "$f"
    expect_eq "$(cat "$T/out")" "no differences"
  done
  objcopy --remove-section=.BTF "$KFB_FIXTURES/$v.o" "$T/nobtf.o"
  expect_exit 0 "$KFUNCBTF" diff -q "$T/nobtf.o" --btf "$KFB_FIXTURES/$v.btf" --legacy-kfunc-sets
  expect_eq "$(cat "$T/out")" "no differences"
done
expect_exit 2 "$KFUNCBTF" diff -q "$obj" "$obj" --btf "$KFB_FIXTURES/clang-dwarf5.btf"
expect_grep "diff: --btf and --legacy-kfunc-sets apply to the one-argument form (diff OBJ)" "$T/err"
run_kfb emit "$obj" --update-elf -o "$T/e.o" >/dev/null 2>&1 || die "emit --update-elf failed"
expect_exit 1 "$KFUNCBTF" diff -q "$T/e.o"
expect_grep "kfunc bpf_wq_set_callback: params: changed: 4 -> 3" "$T/out"
expect_grep "kfunc bpf_wq_set_callback: param 3: removed: struct bpf_prog_aux *aux" "$T/out"
expect_grep "kfunc bpf_obj_new: params: changed: 2 -> 1" "$T/out"
# Only parameter-count facts: names and types of the kept parameters agree.
if grep -vE ': params: changed: |: param [0-9]+: removed: ' "$T/out"; then die "unexpected lines"; fi
expect_exit 1 "$KFUNCBTF" diff -q --json "$T/e.o"
expect_grep '"field":"params","change":"changed","old":"4","new":"3"' "$T/out"
echo ok
