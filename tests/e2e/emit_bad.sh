#!/bin/bash
# Bad fixtures: the exact message with file:line, exit 1 for rule violations (2 for cannot run),
# and nothing written: a pre-existing OUT is left untouched. Warnings (no DWARF definition, no
# BTF FUNC) do not stop emit unless --fatal-warnings.
. "$(dirname "$0")/lib.sh"
need_fixture bad-impl-mismatch.o

# bad NAME EXIT MESSAGE [OPTION...]: emit on bad-NAME.o exits EXIT, prints MESSAGE, leaves OUT alone.
bad() {
  local obj=$KFB_FIXTURES/bad-$1.o code=$2 msg=$3
  shift 3
  echo "sentinel" > "$T/out.btf"
  expect_exit "$code" "$KFUNCBTF" emit "$obj" "$@" -o "$T/out.btf"
  expect_grep "$msg" "$T/err"
  expect_grep "nothing written" "$T/err"
  expect_eq "$(cat "$T/out.btf")" "sentinel"
  # The same through --update-elf: the ELF copy is not written either.
  rm -f "$T/copy.o"
  expect_exit "$code" "$KFUNCBTF" emit "$obj" "$@" --update-elf -o "$T/copy.o"
  [ ! -e "$T/copy.o" ] || die "$1: --update-elf wrote a copy despite errors"
}

bad impl-mismatch 1 "kfuncbtf: testdata/src/bad/impl_mismatch.c:10: bpf_bad_twin: existing FUNC 'bpf_bad_twin_impl' ["
expect_grep "]: arg 0 'x' is 'long', expected 'int' as in bpf_bad_twin" "$T/err"
bad implicit-not-pointer 1 "kfuncbtf: testdata/src/bad/implicit_not_pointer.c:7: bpf_bad_magic_scalar: arg 'cookie__magic': implicit argument must be a pointer"
bad inconsistent-flags 1 "kfuncbtf: testdata/src/bad/inconsistent_flags.c:7: bpf_bad_task_get: inconsistent flags across BTF ID sets: 'bad_set_a' has KF_ACQUIRE|KF_RET_NULL, 'bad_set_b' has KF_ACQUIRE"
bad map-on-int 1 "kfuncbtf: testdata/src/bad/map_on_int.c:7: bpf_bad_map_int: arg 'm__map': map needs a pointer argument, not 'int'"
bad sz-not-after-pointer 1 "kfuncbtf: testdata/src/bad/sz_not_after_pointer.c:7: bpf_bad_size: arg 'len__sz': size argument must follow a pointer argument"
bad scope-unknown-member 1 "kfuncbtf: testdata/src/bad/scope_unknown_member.c:6: bpf_bad_scope_unknown: scope 'bad_ops.no_such_member': struct bad_ops has no member 'no_such_member'"
bad scope-nonfunc-member 1 "kfuncbtf: testdata/src/bad/scope_nonfunc_member.c:6: bpf_bad_scope_nonfunc: scope 'bad_ops.flags': member 'flags' of struct bad_ops is not a function pointer (u32)"
bad scope-cycle 1 "kfuncbtf: testdata/src/bad/scope_cycle.c:7: bpf_bad_cycle_a: cycle: bad_ops.open -> bpf_bad_cycle_a -> bad_ops.close -> bpf_bad_cycle_b -> bad_ops.open"

# Warnings: written, exit 0; --fatal-warnings makes them errors.
for w in "no-btf-func:testdata/src/bad/no_btf_func.c:15: warning: bpf_dropped_kfunc: has a DWARF definition but no FUNC in BTF (pahole dropped it)" \
         "no-dwarf-def:bad-no-dwarf-def.o: warning: bpf_missing_kfunc: in set 'bad_missing_ids' but has no DWARF definition"; do
  name=${w%%:*}; msg=${w#*:}
  rm -f "$T/w.btf"
  expect_exit 0 "$KFUNCBTF" emit "$KFB_FIXTURES/bad-$name.o" -o "$T/w.btf"
  expect_grep "$msg" "$T/err"
  [ -s "$T/w.btf" ] || die "$name: no output despite only warnings"
  bad "$name" 1 "${msg/warning: /}" --fatal-warnings
  expect_exit 0 "$KFUNCBTF" emit "$KFB_FIXTURES/bad-$name.o" -q -o "$T/w.btf"
  [ ! -s "$T/err" ] || die "$name: -q still printed warnings: $(cat "$T/err")"
done

# Cannot run: exit 2, nothing written.
echo "sentinel" > "$T/out.btf"
expect_exit 2 "$KFUNCBTF" emit /nonexistent.o -o "$T/out.btf"
expect_grep "/nonexistent.o: cannot open" "$T/err"
expect_exit 2 "$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" --features=bogus --features-strict -o "$T/out.btf"
expect_grep "unknown feature 'bogus' (see --list-features)" "$T/err"
expect_exit 2 "$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" --scopes /nonexistent.txt -o "$T/out.btf"
expect_eq "$(cat "$T/out.btf")" "sentinel"
