#!/bin/bash
# A module with a distilled base (.BTF.base, which 7.x's resolve_btfids --distill_base writes into
# out-of-tree modules) is read on that base, whatever -B says: its split ids refer to it. dump
# shows the split types with their names, check --as module needs no -B and finds nothing, and
# diff compares two such modules. Made here: raw BTF pairs put into an object with objcopy.
. "$(dirname "$0")/lib.sh"
need python3 objcopy cc
cd "$T"
python3 "$KFB_SRC/tests/e2e/craft.py" btf-split base.btf split.btf
echo 'int x;' | cc -c -x c - -o e.o
objcopy --add-section .BTF=split.btf --add-section .BTF.base=base.btf e.o m.ko
want=$'[2] TYPEDEF \'t\' type_id=1\n[3] PTR \'(anon)\' type_id=2'
expect_exit 0 "$KFUNCBTF" dump m.ko
expect_eq "$(cat "$T/out")" "$want"
expect_exit 0 "$KFUNCBTF" dump -B base.btf split.btf   # the same BTF, base given by hand
expect_eq "$(cat "$T/out")" "$want"
# A -B of another kernel's BTF is not used for it (ids would point at unrelated types).
python3 "$KFB_SRC/tests/e2e/craft.py" btf-name other.btf other_name
expect_exit 0 "$KFUNCBTF" dump -B other.btf m.ko
expect_eq "$(cat "$T/out")" "$want"
expect_exit 0 "$KFUNCBTF" check --no-kfunc-rules --as module m.ko
expect_eq "$(cat "$T/out")" ""
expect_exit 0 "$KFUNCBTF" diff m.ko m.ko
expect_eq "$(cat "$T/out")" "no differences"
# Without .BTF.base the same split BTF needs its base.
objcopy --add-section .BTF=split.btf e.o n.ko
expect_exit 2 "$KFUNCBTF" dump n.ko
expect_grep "split BTF needs its base" "$T/err"
echo "ok: a module's .BTF.base is its base"
