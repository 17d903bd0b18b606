#!/bin/bash
# check on the bad fixtures (MANIFEST.md "Bad fixtures"): exactly one kfunc finding each, its
# text, rule and exit code; warnings fail only with --fatal-warnings; JSON carries the fields.
. "$(dirname "$0")/lib.sh"
need python3
need_fixture bad-scope-cycle.o
cd "$KFB_FIXTURES"

# bad_one FILE EXIT RULE LINE: check FILE prints exactly LINE and exits EXIT; JSON: one kfunc
# finding, with RULE.
bad_one() {
  local f=$1 want_rc=$2 rule=$3 line=$4
  expect_exit "$want_rc" "$KFUNCBTF" check "$f"
  expect_eq "$(cat "$T/out")" "$line"
  expect_exit "$want_rc" "$KFUNCBTF" --json check "$f"
  python3 - "$T/out" "$rule" "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "accepted", d          # the kernel loads all of them (MANIFEST)
kf = [f for f in d["findings"] if f["rule"].startswith("kfunc-")]
assert [f["rule"] for f in kf] == [sys.argv[2]], (sys.argv[3], kf)
PY
}

bad_one bad-impl-mismatch.o 1 kfunc-twin-proto \
  "testdata/src/bad/impl_mismatch.c:10: bpf_bad_twin: twin bpf_bad_twin_impl arg 0 'x' is 'long', not 'int' as in bpf_bad_twin"
bad_one bad-implicit-not-pointer.o 1 kfunc-arg-flag \
  "testdata/src/bad/implicit_not_pointer.c:7: bpf_bad_magic_scalar: arg 'cookie__magic': implicit argument must be a pointer"
bad_one bad-inconsistent-flags.o 1 kfunc-set-flags \
  "testdata/src/bad/inconsistent_flags.c:7: bpf_bad_task_get: inconsistent flags across BTF ID sets: 'bad_set_a' has KF_ACQUIRE|KF_RET_NULL, 'bad_set_b' has KF_ACQUIRE"
bad_one bad-map-on-int.o 1 kfunc-arg-flag \
  "testdata/src/bad/map_on_int.c:7: bpf_bad_map_int: arg 'm__map': map needs a pointer argument, not 'int'"
bad_one bad-sz-not-after-pointer.o 1 kfunc-arg-flag \
  "testdata/src/bad/sz_not_after_pointer.c:7: bpf_bad_size: arg 'len__sz': size argument must follow a pointer argument"
bad_one bad-scope-cycle.o 1 kfunc-scope-cycle \
  "testdata/src/bad/scope_cycle.c:7: bpf_bad_cycle_a: cycle: bad_ops.open -> bpf_bad_cycle_a -> bad_ops.close -> bpf_bad_cycle_b -> bad_ops.open"
bad_one bad-scope-nonfunc-member.o 1 kfunc-scope-member \
  "testdata/src/bad/scope_nonfunc_member.c:6: bpf_bad_scope_nonfunc: scope bad_ops.flags: member 'flags' of struct bad_ops is 'u32', not a function pointer"
bad_one bad-scope-unknown-member.o 1 kfunc-scope-member \
  "testdata/src/bad/scope_unknown_member.c:6: bpf_bad_scope_unknown: scope bad_ops.no_such_member: struct bad_ops has no member 'no_such_member'"
bad_one bad-no-btf-func.o 0 kfunc-no-btf-func \
  "testdata/src/bad/no_btf_func.c:15: warning: bpf_dropped_kfunc: has a DWARF definition but no FUNC in BTF (pahole dropped it)"
expect_exit 1 "$KFUNCBTF" check --fatal-warnings bad-no-btf-func.o

# No DWARF and no FUNC: scan's warning and the registration rule's.
expect_exit 0 "$KFUNCBTF" check bad-no-dwarf-def.o
expect_eq "$(cat "$T/out")" "bad-no-dwarf-def.o: warning: bpf_missing_kfunc: in set 'bad_missing_ids' but has no DWARF definition
bad-no-dwarf-def.o: warning: bpf_missing_kfunc: in set 'bad_missing_ids' but has no FUNC in BTF: registering the set fails (-EINVAL)"
expect_exit 1 "$KFUNCBTF" check --fatal-warnings bad-no-dwarf-def.o
expect_grep "bad-no-dwarf-def.o: bpf_missing_kfunc: in set 'bad_missing_ids' but has no FUNC in BTF" "$T/out"

# A module kfunc whose name vmlinux has already (the kernel's own message).
if [ -e bad-module-dup-kfunc.ko ]; then
  expect_exit 1 "$KFUNCBTF" --json check --as module -B clang-dwarf5.elf bad-module-dup-kfunc.ko
  python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
(f,) = d["findings"]
id_ = f["type_id"]
assert f == {"severity": "error", "rule": "kfunc-reg-name", "type_id": id_, "kind": "FUNC",
             "name": "bpf_task_acquire",
             "message": "kfunc bpf_task_acquire (id: %d) is already present in vmlinux" % id_,
             "file": "testdata/src/module/bad_dup_kfunc.c", "line": 12}, f
assert id_ > 0, id_
PY
fi

# --no-kfunc-rules: only the loader, which accepts.
expect_exit 0 "$KFUNCBTF" check --no-kfunc-rules bad-scope-cycle.o
expect_eq "$(cat "$T/out")" ""
# An explicit argument after an implicit one is upstream's rule, not a finding; emit's output
# of it (BPF sees bpf_bad_aux_first(void), the twin has both) checks clean too.
expect_exit 0 "$KFUNCBTF" check bad-implicit-not-last.o
expect_eq "$(cat "$T/out")" ""
expect_exit 0 "$KFUNCBTF" emit bad-implicit-not-last.o -o "$T/inl.btf"
expect_exit 0 "$KFUNCBTF" check "$T/inl.btf"
expect_exit 0 "$KFUNCBTF" dump "$T/inl.btf"
expect_eq "$(grep -m1 -A3 "FUNC 'bpf_bad_aux_first'" "$T/out")" "[11] FUNC 'bpf_bad_aux_first' type_id=14 linkage=static
[12] DECL_TAG 'bpf_kfunc' type_id=11 component_idx=-1
[13] FUNC 'bpf_bad_aux_first_impl' type_id=10 linkage=static
[14] FUNC_PROTO '(anon)' ret_type_id=4 vlen=0"
