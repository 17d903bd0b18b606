#!/bin/bash
# check's kfunc rules on pahole's BTF of every good fixture (ELF scanned, and the raw .btf
# alone): no kfunc error or warning; with -v exactly the twins emit will add are notes
# (MANIFEST.md: 6 new _impl twins; bpf_obj_new reuses bpf_obj_new_impl). The cross targets
# fail only the running kernel's loader rules (MANIFEST), never a kfunc rule.
. "$(dirname "$0")/lib.sh"
need python3
fixtures >/dev/null || skip "no fixtures in $KFB_FIXTURES"
twins="bpf_obj_drop bpf_refcount_acquire bpf_task_work_schedule_resume bpf_task_work_schedule_signal bpf_wq_set_callback scx_bpf_create_dsq"
n=0
for f in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf,btf} "$KFB_FIXTURES"/clang-{i386,powerpc,powerpc64}-dwarf5.{o,elf,btf} \
         "$KFB_FIXTURES"/{nodwarf,nobtfids,manysections}.o "$KFB_FIXTURES"/gcc-dwarf{4,5}-tu.o; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  rc=0; "$KFUNCBTF" -v --json check "$f" > "$T/out" 2> "$T/err" || rc=$?
  [ $rc -le 1 ] || { cat "$T/err"; die "$b: exit $rc"; }
  # Which twins are pending depends on what is known: with the sets (an ELF with .BTF_ids) all
  # six; from BTF alone only the two with an implicit suffix; gcc BTF alone has no kfunc at all.
  case "$b" in
    *.btf|nobtfids.o) want="bpf_task_work_schedule_resume bpf_task_work_schedule_signal" ;;
    *) want=$twins ;;
  esac
  case "$b" in gcc-*.btf) want="" ;; esac
  python3 - "$T/out" "$b" "$want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b, want = sys.argv[2], sorted(sys.argv[3].split())
kf = [f for f in d["findings"] if f["rule"].startswith("kfunc-")]
bad = [f for f in kf if f["severity"] != "note" and f["rule"] not in ("kfunc-no-btf-ids", "kfunc-no-scan", "kfunc-no-debug-info")]
assert not bad, (b, bad)
# kfunc-no-btf-ids is a note since the wrapper must be silent on kfunc-less modules.
kf = [f for f in kf if f["rule"] != "kfunc-no-btf-ids"]
notes = sorted(f["name"] for f in kf if f["severity"] == "note")
assert all(f["rule"] == "kfunc-twin-pending" for f in kf if f["severity"] == "note"), (b, kf)
assert notes == want, (b, notes, want)
# a loader failure only where MANIFEST says the running kernel rejects the BTF
loader = [f for f in d["findings"] if f["rule"].startswith("loader-") and f["severity"] == "error"]
cross = "i386" in b or "powerpc" in b
assert bool(loader) == cross, (b, loader)
PY
  if [ "$rc" -eq 1 ]; then case "$b" in *i386*|*powerpc*) ;; *) die "$b: exit 1" ;; esac; fi
  n=$((n + 1))
done
[ $n -gt 0 ] || skip "no fixtures found"
# Source lines come from DWARF.
expect_exit 0 "$KFUNCBTF" -v check "$KFB_FIXTURES/clang-dwarf5.o"
expect_grep "testdata/src/ops.c:112: note: scx_bpf_create_dsq: arg 2 'aux' is implicit and there is no scx_bpf_create_dsq_impl yet: emit adds the twin" "$T/out"
expect_grep "clang-dwarf5.o: kfunc rules: 46 kfuncs (ELF scanned), 0 errors, 0 warnings, 6 notes" "$T/out"
expect_exit 0 "$KFUNCBTF" -v check "$KFB_FIXTURES/gcc-dwarf5.o"
expect_grep "gcc-dwarf5.o: kfunc rules: 45 kfuncs (ELF scanned), 0 errors, 0 warnings, 6 notes" "$T/out"
# Without -v the notes stay quiet: a clean fixture prints nothing.
expect_exit 0 "$KFUNCBTF" check "$KFB_FIXTURES/clang-dwarf5.o"
expect_eq "$(cat "$T/out")" ""
# The module: split BTF on its base.
if [ -e "$KFB_FIXTURES/clang-dwarf5-mod.ko" ]; then
  expect_exit 0 "$KFUNCBTF" -v check --as module -B "$KFB_FIXTURES/clang-dwarf5.elf" "$KFB_FIXTURES/clang-dwarf5-mod.ko"
  expect_grep "testdata/src/module/kfb_mod.c:34: note: bpf_kfb_mod_with_aux: arg 1 'aux' is implicit and there is no bpf_kfb_mod_with_aux_impl yet: emit adds the twin" "$T/out"
  expect_grep "kfunc rules: 3 kfuncs (ELF scanned), 0 errors, 0 warnings, 1 notes" "$T/out"
fi
echo "$n fixtures: no kfunc findings but the pending twins"
