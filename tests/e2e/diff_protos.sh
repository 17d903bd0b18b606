#!/bin/bash
# One-object form: DWARF prototypes of the kfuncs against their BTF. pahole's BTF matches
# (exit 0); after `emit --update-elf` the trimmed kfuncs differ in parameter count (exit 1).
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
obj=$KFB_FIXTURES/clang-dwarf5.o
[ -f "$obj" ] || skip "fixture clang-dwarf5.o missing"
expect_exit 0 "$KFUNCBTF" diff -q "$obj"
expect_eq "$(cat "$T/out")" "no differences"
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
