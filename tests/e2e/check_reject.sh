#!/bin/bash
# check reports the kernel's first failure: text (file: .BTF+0xOFF: [id] KIND 'name': message),
# the kernel's log with -v, the JSON finding, and exit 1; exit 2 when it cannot run.
. "$(dirname "$0")/lib.sh"
need python3
# [1] INT int, [2] STRUCT s { int a @ bit 8; } size 4: the member sticks out.
python3 - "$T/bad.btf" <<'PY'
import struct, sys
strs = b"\0int\0s\0a\0"
types = struct.pack("<IIII", 1, 1 << 24, 4, 32)
types += struct.pack("<III", 5, (4 << 24) | 1, 4) + struct.pack("<III", 7, 1, 8)
hdr = struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
open(sys.argv[1], "wb").write(hdr + types + strs)
PY
expect_exit 1 "$KFUNCBTF" check "$T/bad.btf"
expect_eq "$(cat "$T/out")" "$T/bad.btf: .BTF+0x34: [2] STRUCT 's': member 'a': Member exceeds struct_size"
expect_exit 1 "$KFUNCBTF" -v check "$T/bad.btf"
expect_grep "  errno: EINVAL" "$T/out"
expect_grep "[2] STRUCT s size=4 vlen=1" "$T/out"
expect_grep "	a type_id=1 bits_offset=8 Member exceeds struct_size" "$T/out"
expect_exit 1 "$KFUNCBTF" --json check "$T/bad.btf"
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "rejected" and d["errno"] == "EINVAL", d
f = d["findings"][0]
assert f == {"severity": "error", "rule": "loader-resolve", "type_id": 2, "kind": "STRUCT",
             "name": "s", "message": "member 'a': Member exceeds struct_size", "errno": "EINVAL",
             "offset": 52,
             "kernel_log": "[2] STRUCT s size=4 vlen=1\n\ta type_id=1 bits_offset=8 Member exceeds struct_size\n"}, f
PY
# vmlinux rules have no resolve pass: the same blob is fine there.
expect_exit 0 "$KFUNCBTF" check --as vmlinux "$T/bad.btf"
# Cannot run: missing file, module without a base.
expect_exit 2 "$KFUNCBTF" check "$T/missing.btf"
expect_exit 2 "$KFUNCBTF" check --as module "$T/bad.btf"
expect_grep "needs the base BTF" "$T/err"
