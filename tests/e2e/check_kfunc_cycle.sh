#!/bin/bash
# The callback -> kfunc (scope) -> callback (calls) graph must be acyclic; a cycle is reported
# as the full path from its first callback (member order) back to it. Three ways in: a
# hand-made BTF blob with emit's mask tags, emit given a scope file that closes a cycle (it
# refuses to write), and the bad-scope-cycle fixture (pahole's source-form tags).
. "$(dirname "$0")/lib.sh"
need python3
# [1] int, [2] int(void), [3] ptr -> 2, [4] struct fixture_ops { dispatch; select; kick } (all
# int (*)(void)), [5] FUNC scx_fixture_kick, [6] FUNC scx_fixture_dispatch, then decl tags.
python3 - "$T/cycle.btf" <<'PY'
import struct, sys
strs = b"\0"
def s(x):
    global strs
    off = len(strs); strs += x.encode() + b"\0"; return off
types = b""
def t(name, kind, vlen, st, extra=b""):
    global types
    types += struct.pack("<III", name, (kind << 24) | vlen, st) + extra
t(s("int"), 1, 0, 4, struct.pack("<I", (1 << 24) | 32))
t(0, 13, 0, 1)
t(0, 2, 0, 2)
t(s("fixture_ops"), 4, 3, 24, b"".join(struct.pack("<III", s(m), 3, o)
                                        for m, o in (("dispatch", 0), ("select", 64), ("kick", 128))))
t(s("scx_fixture_kick"), 12, 0, 2)
t(s("scx_fixture_dispatch"), 12, 0, 2)
for name, target in (("bpf_kfunc", 5), ("bpf_kfunc", 6),
                     ("bpf_kfunc_scope:fixture_ops:0x1", 5), ("bpf_kfunc_calls:fixture_ops:0x2", 5),
                     ("bpf_kfunc_scope:fixture_ops:0x2", 6), ("bpf_kfunc_calls:fixture_ops:0x1", 6)):
    t(s(name), 17, 0, target, struct.pack("<i", -1))
hdr = struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
open(sys.argv[1], "wb").write(hdr + types + strs)
PY
expect_exit 1 "$KFUNCBTF" check "$T/cycle.btf"
expect_eq "$(cat "$T/out")" "$T/cycle.btf: scx_fixture_kick: cycle: fixture_ops.dispatch -> scx_fixture_kick -> fixture_ops.select -> scx_fixture_dispatch -> fixture_ops.dispatch"
expect_exit 1 "$KFUNCBTF" --json check "$T/cycle.btf"
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "accepted", d
(f,) = d["findings"]
assert (f["severity"], f["rule"], f["type_id"], f["kind"], f["name"]) == \
       ("error", "kfunc-scope-cycle", 5, "FUNC", "scx_fixture_kick"), f
PY
# --no-kfunc-rules: the kernel's loader has nothing against it.
expect_exit 0 "$KFUNCBTF" check --no-kfunc-rules "$T/cycle.btf"

# emit with a scope file whose calls: edge closes a cycle refuses and writes nothing.
ways=1
if have_fixture gcc-dwarf5.o; then
  { cat "$KFB_SRC/testdata/src/scopes.txt"; echo "calls:scx_bpf_dsq_insert sched_ext_ops.cpu_release"; } > "$T/scopes"
  expect_exit 1 "$KFUNCBTF" emit --scopes "$T/scopes" -o "$T/out.btf" "$KFB_FIXTURES/gcc-dwarf5.o"
  expect_grep "scx_bpf_dsq_insert: cycle: sched_ext_ops.enqueue -> scx_bpf_dsq_insert -> sched_ext_ops.cpu_release -> scx_bpf_reenqueue_local -> sched_ext_ops.enqueue" "$T/err"
  [ ! -e "$T/out.btf" ] || die "emit wrote output despite the cycle"
  ways=$((ways + 1))
fi
if have_fixture bad-scope-cycle.o; then
  expect_exit 1 "$KFUNCBTF" check "$KFB_FIXTURES/bad-scope-cycle.o"
  expect_grep "bpf_bad_cycle_a: cycle: bad_ops.open -> bpf_bad_cycle_a -> bad_ops.close -> bpf_bad_cycle_b -> bad_ops.open" "$T/out"
  ways=$((ways + 1))
fi
[ $ways -eq 3 ] || skip "only $ways of 3 ways checked: fixtures gcc-dwarf5.o / bad-scope-cycle.o not configured"
