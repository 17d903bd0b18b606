#!/bin/bash
# Each bad fixture gives its exact message and exit code (1: rule violation; warnings: 0, or 1
# with --fatal-warnings). Scope and twin problems are emit's and check's: scan passes them.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
F=$KFB_FIXTURES

bad() { # bad FIXTURE EXIT MESSAGE [OPTIONS...]
  local fx=$1 code=$2 msg=$3; shift 3
  need_fixture "$fx"
  expect_exit "$code" run_kfb scan "$@" "$F/$fx"
  expect_grep "$msg" "$T/err"
  [ "$(grep -c . "$T/err")" = 1 ] || { cat "$T/err"; die "$fx: expected exactly one message"; }
}

bad bad-inconsistent-flags.o 1 \
  "kfuncbtf: testdata/src/bad/inconsistent_flags.c:7: bpf_bad_task_get: inconsistent flags across BTF ID sets: 'bad_set_a' has KF_ACQUIRE|KF_RET_NULL, 'bad_set_b' has KF_ACQUIRE"
bad bad-implicit-not-pointer.o 1 \
  "kfuncbtf: testdata/src/bad/implicit_not_pointer.c:7: bpf_bad_magic_scalar: arg 'cookie__magic': implicit argument must be a pointer"
bad bad-sz-not-after-pointer.o 1 \
  "kfuncbtf: testdata/src/bad/sz_not_after_pointer.c:7: bpf_bad_size: arg 'len__sz': size argument must follow a pointer argument"
bad bad-map-on-int.o 1 \
  "kfuncbtf: testdata/src/bad/map_on_int.c:7: bpf_bad_map_int: arg 'm__map': map needs a pointer argument, not 'int'"
bad bad-no-dwarf-def.o 0 \
  "kfuncbtf: $F/bad-no-dwarf-def.o: warning: bpf_missing_kfunc: in set 'bad_missing_ids' but has no DWARF definition"
bad bad-no-dwarf-def.o 1 \
  "kfuncbtf: $F/bad-no-dwarf-def.o: bpf_missing_kfunc: in set 'bad_missing_ids' but has no DWARF definition" \
  --fatal-warnings
expect_grep "bpf_missing_kfunc flags=KF_SLEEPABLE source=set sets=bad_missing_ids" "$T/out"
expect_grep "  (no DWARF definition)" "$T/out"
bad bad-no-btf-func.o 0 \
  "kfuncbtf: testdata/src/bad/no_btf_func.c:15: warning: bpf_dropped_kfunc: has a DWARF definition but no FUNC in BTF (pahole dropped it)"
bad bad-no-btf-func.o 1 \
  "kfuncbtf: testdata/src/bad/no_btf_func.c:15: bpf_dropped_kfunc: has a DWARF definition but no FUNC in BTF (pahole dropped it)" \
  --fatal-warnings
# -q hides warnings, never errors.
expect_exit 0 run_kfb -q scan "$F/bad-no-btf-func.o"
[ ! -s "$T/err" ] || die "-q printed: $(cat "$T/err")"
expect_exit 1 run_kfb -q scan "$F/bad-map-on-int.o"
expect_grep "arg 'm__map': map needs a pointer argument" "$T/err"
# JSON carries the findings too.
expect_exit 1 run_kfb --json scan "$F/bad-implicit-not-pointer.o"
expect_grep '"severity":"error","rule":"kfunc-arg-flag","type_id":6,"kind":"FUNC","name":"bpf_bad_magic_scalar","message":"arg '"'"'cookie__magic'"'"': implicit argument must be a pointer","file":"testdata/src/bad/implicit_not_pointer.c","line":7' "$T/out"
# Those scan reports as written, silently: the kfunc with its implicit argument, scopes and
# calls exactly as the source has them (emit and check judge them, see emit_bad/check_kfunc_bad).
passes() { # passes FIXTURE LINE...: exit 0, nothing on stderr, each LINE in the output
  local fx=$1 l; shift
  need_fixture "$fx"
  expect_exit 0 run_kfb scan "$F/$fx"
  [ ! -s "$T/err" ] || die "$fx: scan printed: $(cat "$T/err")"
  for l in "$@"; do grep -qxF -- "$l" "$T/out" || { cat "$T/out"; die "$fx: line '$l' not in scan's output"; }; done
}
# An explicit argument after an implicit one: upstream's rule, never an error (7.3's
# bpf_list_push_back(head, node, meta, off)).
passes bad-implicit-not-last.o \
  "bpf_bad_aux_first flags=KF_IMPLICIT_ARGS source=both sets=bad_implicit_ids btf_id=11 at=testdata/src/bad/implicit_not_last.c:8" \
  "  arg0: struct bpf_prog_aux *aux [implicit]" "  arg1: int x"
passes bad-impl-mismatch.o \
  "bpf_bad_twin flags=KF_IMPLICIT_ARGS source=both sets=bad_twin_ids btf_id=12 at=testdata/src/bad/impl_mismatch.c:10" \
  "  arg1: struct bpf_prog_aux *aux [implicit]"
passes bad-scope-unknown-member.o "  scope: bad_ops.open" "  scope: bad_ops.no_such_member"
passes bad-scope-nonfunc-member.o "  scope: bad_ops.close" "  scope: bad_ops.flags"
passes bad-scope-cycle.o \
  "bpf_bad_cycle_a flags=0 source=both sets=bad_cycle_ids btf_id=18 at=testdata/src/bad/scope_cycle.c:7" \
  "  calls: bad_ops.close" \
  "bpf_bad_cycle_b flags=0 source=both sets=bad_cycle_ids btf_id=22 at=testdata/src/bad/scope_cycle.c:13" \
  "  calls: bad_ops.open"
