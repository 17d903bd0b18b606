#!/bin/bash
# check takes several BPF objects in one run (a project's objects against the same targets,
# each target read once): the report is each object's, in the order given, byte for byte what
# one run per object prints; JSON is an array of the per-object documents, SARIF one run with
# every result. An object that cannot be read is said on stderr as a run of its own would say
# it, the others are still reported, and the run ends 2. A -G name is refused only when no
# object has it.
. "$(dirname "$0")/lib.sh"
need_fixture bpf/kfuncs.bpf.o bpf/prune.bpf.o
A=$KFB_FIXTURES/bpf/kfuncs.bpf.o B=$KFB_FIXTURES/bpf/prune.bpf.o
V=/sys/kernel/btf/vmlinux
[ -r "$V" ] || skip "no $V"
command -v python3 >/dev/null || skip "no python3"
cd "$T"
one() {  # one CODE_VAR OUT ERR ARGS...: a single run's exit code and outputs
  local rc=0
  "$KFUNCBTF" "${@:4}" >"$2" 2>"$3" || rc=$?
  printf -v "$1" %s "$rc"
}
one ra a.out a.err check "$A" --kernel-btf "$V" -v
one rb b.out b.err check "$B" --kernel-btf "$V" -v
[ "$rb" = 1 ] || die "prune.bpf.o alone: expected exit 1 (its unguarded call), got $rb"
expect_exit 1 "$KFUNCBTF" check "$A" "$B" --kernel-btf "$V" -v
cat a.out b.out > want
cmp -s "$T/out" want || die "two objects: not the two single runs' reports: $(diff want "$T/out" | head -5)"
expect_eq "$(cat "$T/err")" "$(cat a.err b.err)"

# An unreadable object between them: its own run's message, the others reported, exit 2.
printf 'not an object' > bad.o
one rx x.out x.err check bad.o --kernel-btf "$V"
[ "$rx" = 2 ] || die "bad.o alone: expected exit 2, got $rx"
expect_exit 2 "$KFUNCBTF" check "$A" bad.o "$B" --kernel-btf "$V" -v
cmp -s "$T/out" want || die "with bad.o: the readable objects' reports changed"
expect_eq "$(cat "$T/err")" "$(cat a.err x.err b.err)"

# JSON: an array, one document per readable object, in order; SARIF: one run, all results.
expect_exit 2 "$KFUNCBTF" --json check "$A" bad.o "$B" --kernel-btf "$V"
python3 - "$T/out" "$A" "$B" <<'PY' || die "JSON of several objects"
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and [o["file"] for o in d] == sys.argv[2:4], d
PY
"$KFUNCBTF" --json check "$B" --kernel-btf "$V" > b.json || true
expect_exit 1 "$KFUNCBTF" check --sarif "$A" "$B" --kernel-btf "$V"
python3 - "$T/out" b.json <<'PY' || die "SARIF of several objects"
import json, sys
s = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert len(s["runs"]) == 1
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in s["runs"][0]["results"]}
assert len(s["runs"][0]["results"]) >= len(b["findings"]) > 0, (len(s["runs"][0]["results"]), len(b["findings"]))
assert any(u.endswith("prune.bpf.c") for u in uris), uris
PY

# -G: a knob of one object is fine; one no object has is refused.
expect_exit 1 "$KFUNCBTF" check "$A" "$B" --kernel-btf "$V" -G use_missing=1
expect_exit 2 "$KFUNCBTF" check "$A" "$B" --kernel-btf "$V" -G nope=1
expect_eq "$(cat "$T/err")" "kfuncbtf: -G nope: none of the 2 objects has a 'const volatile' variable (.rodata)"
echo "ok: several objects in one run report as one run each"
