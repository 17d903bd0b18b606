#!/bin/bash
# --btf FILE gives the same result as the object's own .BTF; split (module) BTF needs -B; a
# module's .BTF_ids (resolved to split ids, sorted) is named through base + split BTF.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
F=$KFB_FIXTURES
for v in clang-dwarf5 gcc-dwarf4; do
  [ -f "$F/$v.o" ] || die "$v.o missing"
  expect_exit 0 run_kfb --json scan "$F/$v.o"
  mv "$T/out" "$T/own"
  expect_exit 0 run_kfb --json scan --btf "$F/$v.btf" "$F/$v.o"
  cmp -s "$T/own" "$T/out" || die "$v: --btf $v.btf differs from the object's .BTF"
done
for cc in clang gcc; do
  m=$F/$cc-dwarf5-mod.ko
  [ -f "$m" ] || { echo "note: $cc module fixture not built"; continue; }
  expect_exit 2 run_kfb scan "$m"
  expect_grep "split BTF needs its base" "$T/err"
  expect_exit 0 run_kfb scan -B "$F/$cc-dwarf5.elf" "$m"
  expect_grep "bpf_kfb_mod_owner flags=KF_ACQUIRE|KF_RET_NULL|KF_RCU source=" "$T/out"
  expect_grep "at=testdata/src/module/kfb_mod.c:20" "$T/out"
  expect_grep "bpf_kfb_mod_fill flags=KF_SLEEPABLE source=" "$T/out"
  expect_grep "  arg2: u32 buf__sz [size]" "$T/out"
  expect_grep "bpf_kfb_mod_with_aux flags=KF_IMPLICIT_ARGS source=" "$T/out"
  expect_grep "  arg1: struct bpf_prog_aux *aux [implicit]" "$T/out"
  expect_eq "$(grep -c '^bpf_' "$T/out")" 3
done
