#!/bin/bash
# Silent poisoning (tests/bpfprog/README.md): a weak kfunc extern whose prototype differs from
# 7.3's is replaced by libbpf without a message. check warns at exactly the two guarded calls
# (both prototypes shown), errs at the unguarded one with the kernel's text, and says nothing
# about the control object (the kernel's prototypes).
. "$(dirname "$0")/lib.sh"
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
P=$KFB_SRC/testdata/bpfprog/poison
expect_exit 1 "$KFUNCBTF" check "$P/poison.bpf.o" --kernel-btf "$K73"
expect_eq "$(grep -c ': warning: ' "$T/out")" 2
expect_grep "poison.bpf.c:63:8: warning: guarded (syscall): weak kfunc 'scx_bpf_dsq_nr_queued___kfb' will be silently poisoned: its prototype is incompatible with vmlinux's 'scx_bpf_dsq_nr_queued'" "$T/out"
expect_grep "poison.bpf.c:83:3: warning: dispatch (struct_ops/dispatch, sched_ext_ops.dispatch): weak kfunc 'scx_bpf_dsq_move_to_local___v2' will be silently poisoned" "$T/out"
expect_grep "    local:  s32 (u64, const struct bpf_prog_aux *)" "$T/out"
expect_grep "    kernel: s32 (u64)" "$T/out"
expect_grep "    local:  bool (u64, u64)" "$T/out"
expect_grep "poison.bpf.c:74:7: error: unguarded (syscall): kfunc 'scx_bpf_dsq_nr_queued___kfb' is referenced but wasn't resolved [target vmlinux-7.3-amd64]" "$T/out"
expect_eq "$(grep -c ': error: ' "$T/out")" 1
# --fatal-warnings: the same findings, warnings as errors.
expect_exit 1 "$KFUNCBTF" check --fatal-warnings "$P/poison.bpf.o" --kernel-btf "$K73"
expect_eq "$(grep -c ': error: ' "$T/out")" 3
# The control: the kernel's prototypes, nothing to say.
expect_exit 0 "$KFUNCBTF" check "$P/poison-control.bpf.o" --kernel-btf "$K73"
expect_eq "$(cat "$T/out")" ""
# JSON: one object, the finding keys of every diagnostic plus program/section/member/kfunc/target/col.
expect_exit 1 "$KFUNCBTF" --json check "$P/poison.bpf.o" --kernel-btf "$K73"
python3 - "$T/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert [t["name"] for t in r["targets"]] == ["vmlinux-7.3-amd64"], r["targets"]
f = r["findings"]
assert len(f) == 3, f
for k in ("severity", "rule", "message", "file", "line", "col", "program", "section", "member", "kfunc", "target"):
    assert all(k in x for x in f), k
assert [x["program"] for x in f] == ["guarded", "unguarded", "dispatch"], [x["program"] for x in f]
PY
# SARIF 2.1.0: the same three results, with locations.
expect_exit 1 "$KFUNCBTF" check --sarif "$P/poison.bpf.o" --kernel-btf "$K73"
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and d["$schema"].endswith("sarif-2.1.0.json")
run = d["runs"][0]
assert run["tool"]["driver"]["name"] == "kfuncbtf"
res = run["results"]
assert [(x["level"], x["locations"][0]["physicalLocation"]["region"]["startLine"]) for x in res] == \
    [("warning", 63), ("error", 74), ("warning", 83)], res
assert {x["ruleId"] for x in res} <= {r["id"] for r in run["tool"]["driver"]["rules"]}
PY
