#!/bin/bash
# Nothing lost: every input type is in the output unchanged, at the same id, except the
# type_id of the 11 FUNCs that got a new proto (7 kfuncs with implicit arguments: a trimmed one;
# 4 arena kfuncs: one with address_space(1) pointers); new
# types only come after the input's last id. Checked on every native and cross variant.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o

twins="bpf_arena_alloc_pages bpf_arena_copy bpf_arena_free_pages bpf_arena_reserve_pages bpf_obj_drop bpf_obj_new bpf_refcount_acquire bpf_task_work_schedule_resume bpf_task_work_schedule_signal bpf_wq_set_callback scx_bpf_create_dsq"
for obj in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf} "$KFB_FIXTURES"/clang-{powerpc64,i386,powerpc}-dwarf5.{o,elf}; do
  v=$(basename "$obj")
  expect_exit 0 "$KFUNCBTF" emit "$obj" --scopes "$KFB_SRC/testdata/src/scopes.txt" -o "$T/out.btf"
  "$KFUNCBTF" dump "$obj" > "$T/in.dump"
  "$KFUNCBTF" dump "$T/out.btf" > "$T/out.dump"
  last=$(grep -c '^\[' "$T/in.dump")
  # The output's records [1..last], continuation lines included.
  awk -v last="$last" '/^\[/ { id = substr($1, 2, length($1) - 2) + 0 } id <= last' "$T/out.dump" > "$T/out.head"
  [ "$(grep -c '^\[' "$T/out.head")" = "$last" ] || die "$v: output lost records"
  { diff "$T/in.dump" "$T/out.head" || true; } | { grep '^>' || true; } | sed 's/^> //' > "$T/changed"
  got=$(sed -n "s/^\[[0-9]*\] FUNC '\([a-z_]*\)' type_id=[0-9]* linkage=static$/\1/p" "$T/changed" | sort | tr '\n' ' ')
  expect_eq "$got" "$twins "
  expect_eq "$(wc -l < "$T/changed")" 11
  # ... and those 11 only changed their type_id.
  { diff "$T/in.dump" "$T/out.head" || true; } | { grep '^<' || true; } | sed 's/^< //; s/type_id=[0-9]*/type_id=N/' | sort > "$T/a"
  sed 's/type_id=[0-9]*/type_id=N/' "$T/changed" | sort > "$T/b"
  cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b"; die "$v: changes other than a FUNC's proto"; }
done
