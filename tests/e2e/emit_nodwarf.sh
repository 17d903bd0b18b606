#!/bin/bash
# An object without DWARF (nodwarf.o: the CUs built with -g0, .BTF = clang-dwarf5.btf): emit
# takes names and flags from .BTF_ids, parameters from the BTF protos and scopes from the BTF's
# source-form tags, and must write exactly what it writes for clang-dwarf5.o with DWARF.
# A module (split BTF, -B base) gets its twin and tags inside its own types.
. "$(dirname "$0")/lib.sh"
need_fixture nodwarf.o

expect_exit 0 "$KFUNCBTF" emit "$KFB_FIXTURES/nodwarf.o" -o "$T/nodwarf.btf"
expect_grep "nodwarf.o: warning: no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags" "$T/err"
expect_grep "6 new _impl, 1 reused, 2 tags copied" "$T/out"
"$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" -q -o "$T/dwarf.btf"
cmp "$T/nodwarf.btf" "$T/dwarf.btf" || die "nodwarf.o: output differs from clang-dwarf5.o's"

# Modules: split BTF on the linked base.
for cc in gcc clang; do
  ko=$KFB_FIXTURES/$cc-dwarf5-mod.ko
  [ -f "$ko" ] || die "missing $ko"
  base=$KFB_FIXTURES/$cc-dwarf5.elf
  expect_exit 0 "$KFUNCBTF" emit "$ko" -B "$base" -o "$T/mod.btf"
  expect_grep "3 processed, 0 without a FUNC" "$T/out"
  expect_grep "1 new _impl, 0 reused" "$T/out"
  "$KFUNCBTF" dump "$T/mod.btf" -B "$base" > "$T/dump"
  impl=$(sed -n "s/^\[\([0-9]*\)\] FUNC 'bpf_kfb_mod_with_aux_impl' .*/\1/p" "$T/dump")
  [ -n "$impl" ] || die "$cc: no twin in the module"
  expect_grep "[$impl] FUNC 'bpf_kfb_mod_with_aux_impl'" "$T/dump"
  expect_grep "DECL_TAG 'bpf_kfunc_arg:implicit' type_id=$impl component_idx=1" "$T/dump"
  expect_grep "DECL_TAG 'bpf_kfunc_arg:size' type_id=" "$T/dump"
  # The same again is a no-op, and --update-elf keeps the module's other sections.
  expect_exit 0 "$KFUNCBTF" emit "$ko" -B "$base" --btf "$T/mod.btf" -o "$T/mod2.btf"
  cmp "$T/mod.btf" "$T/mod2.btf" || die "$cc: module emit not idempotent"
  expect_exit 0 "$KFUNCBTF" emit "$ko" -B "$base" --update-elf -o "$T/mod.ko"
  expect_exit 0 "$KFUNCBTF" dump "$T/mod.ko" -B "$base"
  expect_grep "FUNC 'bpf_kfb_mod_with_aux_impl'" "$T/out"
done

# A module kfunc named like a base kfunc: check's registration rule stops emit.
echo sentinel > "$T/dup.btf"
expect_exit 1 "$KFUNCBTF" emit "$KFB_FIXTURES/bad-module-dup-kfunc.ko" -B "$KFB_FIXTURES/clang-dwarf5.elf" -o "$T/dup.btf"
expect_grep "bad_dup_kfunc.c:12: bpf_task_acquire: kfunc bpf_task_acquire (id: " "$T/err"
expect_grep ") is already present in vmlinux" "$T/err"
expect_eq "$(cat "$T/dup.btf")" sentinel

# A stripped image (strip -s; what extract-vmlinux gives from a vmlinuz): no DWARF and no
# symbols, so the .BTF_ids sets cannot be read; the kfuncs are the FUNCs the BTF tags bpf_kfunc,
# and neither emit nor check flags a twin that is itself tagged (7.3's legacy _impl kfuncs).
need strip
strip -s -o "$T/stripped.elf" "$KFB_FIXTURES/clang-dwarf5.elf"
"$KFUNCBTF" dump "$T/stripped.elf" > "$T/dump"
tagged=$(grep -c "DECL_TAG 'bpf_kfunc' type_id=[0-9]* component_idx=-1" "$T/dump")
[ "$tagged" -ge 40 ] || die "the fixture's BTF tags only $tagged kfuncs"
expect_exit 0 "$KFUNCBTF" emit "$T/stripped.elf" -o "$T/stripped.btf"
expect_grep "  kfuncs:          $tagged processed, 0 without a FUNC" "$T/out"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/stripped.elf: warning: no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags
kfuncbtf: $T/stripped.elf: warning: no symbol table: the .BTF_ids kfunc sets cannot be read; kfuncs are the FUNCs the BTF tags bpf_kfunc, their KF_* flags unknown"
expect_exit 0 "$KFUNCBTF" check --kernel 6.18 --as vmlinux "$T/stripped.elf"  # unsorted: not a 7.x vmlinux
expect_eq "$(cat "$T/out")" "$T/stripped.elf: warning: no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags
$T/stripped.elf: warning: no symbol table: the .BTF_ids kfunc sets cannot be read; kfuncs are the FUNCs the BTF tags bpf_kfunc, their KF_* flags unknown"
