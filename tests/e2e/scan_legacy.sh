#!/bin/bash
# --legacy-kfunc-sets counts set8s without BTF_SET8_KFUNCS (pre-6.9 kernels): the fixture's legacy
# bpf_rstat_kfunc_ids then adds bpf_rstat_updated, and its 0 flag word for bpf_task_release
# contradicts generic_btf_ids' KF_RELEASE. Without the option neither happens.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
for v in clang-dwarf5.o gcc-dwarf4.elf; do
  f=$KFB_FIXTURES/$v
  [ -f "$f" ] || die "$v missing"
  expect_exit 0 run_kfb scan "$f"
  ! grep -q '^bpf_rstat_updated ' "$T/out" || die "$v: legacy set counted without the option"
  expect_exit 1 run_kfb scan --legacy-kfunc-sets "$f"
  expect_grep "bpf_rstat_updated flags=0 source=set sets=bpf_rstat_kfunc_ids" "$T/out"
  expect_grep "bpf_task_release flags=KF_RELEASE source=" "$T/out"
  expect_grep "sets=generic_btf_ids,bpf_rstat_kfunc_ids" "$T/out"
  expect_grep "kfuncbtf: testdata/src/helpers.c:55: bpf_task_release: inconsistent flags across BTF ID sets: 'generic_btf_ids' has KF_RELEASE, 'bpf_rstat_kfunc_ids' has 0" "$T/err"
done
