#!/bin/bash
# emit on a module judges the module's own types and takes a kernel's BTF under -B as the kernel
# does (btf_parse_module uses vmlinux's BTF as it is, checked when vmlinux was emitted and at
# boot): a module whose own type is wrong keeps its verdict (emit: the input already fails,
# said in a warning; check --as module: refused), a -B base is not checked again, a distilled
# .BTF.base (which the kernel does check with the module) is, and a base that cannot be read
# as BTF stops emit. Made here: raw BTF pairs (craft.py) put into an object with objcopy.
. "$(dirname "$0")/lib.sh"
need python3 objcopy cc
cd "$T"
craft() { python3 "$KFB_SRC/tests/e2e/craft.py" btf-split "$@"; }
craft base.btf split.btf
craft base.btf bad-own.btf bad-own
craft bad-base.btf split2.btf bad-base
cmp split.btf split2.btf || die "craft.py: the split of bad-base differs"
echo 'int x;' | cc -c -x c - -o e.o
objcopy --add-section .BTF=split.btf e.o m.ko
objcopy --add-section .BTF=bad-own.btf e.o bad-own.ko
objcopy --add-section .BTF=split.btf --add-section .BTF.base=bad-base.btf e.o distilled.ko
nodwarf() { echo "kfuncbtf: $1: warning: no DWARF (.debug_info): kfunc parameters come from BTF, scopes from its decl tags"; }

# A good module: written, the bytes its own (nothing to add).
expect_exit 0 "$KFUNCBTF" emit -q m.ko -B base.btf -o out.btf
cmp split.btf out.btf || die "m.ko: emit changed a module without kfuncs"

# A module whose own type is wrong: check refuses it with the kernel's reason; emit, which did
# not make it so, writes the same bytes and says that the input already fails.
expect_exit 1 "$KFUNCBTF" check --as module -B base.btf bad-own.ko
expect_eq "$(head -1 "$T/out")" "bad-own.ko: .BTF+0x18: [2] TYPEDEF '': Invalid name"
expect_exit 0 "$KFUNCBTF" emit bad-own.ko -B base.btf -o out.btf
expect_eq "$(cat "$T/err")" "kfuncbtf: warning: the input BTF already fails the running kernel's loader rules (Invalid name), as BTF built for another target does: only the emitted bytes' structure was checked
$(nodwarf bad-own.ko)"
cmp bad-own.btf out.btf || die "bad-own.ko: emit changed the module"

# A -B base that the loader rules refuse: a kernel's BTF is not checked again by emit (check
# --as module still says so), as the kernel never re-validates vmlinux's BTF for a module.
expect_exit 0 "$KFUNCBTF" emit -q m.ko -B bad-base.btf -o out.btf
cmp split.btf out.btf || die "m.ko on bad-base.btf: emit changed the module"
expect_exit 2 "$KFUNCBTF" check --as module -B bad-base.btf m.ko
expect_grep "base BTF is not valid: bad-base.btf+0x18: [1] INT 'int': nr_bits exceeds type_size" "$T/err"

# The same base as the module's own .BTF.base: the kernel checks it (btf_parse_base), so does emit.
echo sentinel > out.btf
expect_exit 2 "$KFUNCBTF" emit -q distilled.ko -o out.btf
expect_eq "$(cat "$T/err")" "kfuncbtf: base BTF is not valid: base: .BTF+0x18: [1] INT 'int': nr_bits exceeds type_size"
expect_eq "$(cat out.btf)" sentinel

# A base that is not BTF, or whose types cannot be walked, stops emit.
expect_exit 2 "$KFUNCBTF" emit -q m.ko -B e.o -o out.btf
expect_grep "e.o: no .BTF section" "$T/err"
python3 - <<'PY'
import struct
b = bytearray(open("base.btf", "rb").read())
struct.pack_into("<I", b, 12, 14)  # type_len 14: the INT's 16 bytes cut short
struct.pack_into("<I", b, 16, 14)  # the strings start there
del b[24 + 14:24 + 16]
open("cut.btf", "wb").write(b)
PY
expect_exit 2 "$KFUNCBTF" emit -q m.ko -B cut.btf -o out.btf
expect_eq "$(cat "$T/err")" "kfuncbtf: cut.btf+0x24: [1] INT 'int': truncated int data: need 4 bytes, 2 left"
expect_eq "$(cat out.btf)" sentinel
echo "ok: a module's own types judged, a kernel's base taken as the kernel takes it"
