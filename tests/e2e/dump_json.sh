#!/bin/bash
# dump --json / --pretty / --format json on the kernel BTF: valid JSON (json.load; json.tool on
# a fixture: it takes ~40 s on vmlinux), equal to bpftool -j's (parsed) and byte-identical to
# bpftool -j and -p.
. "$(dirname "$0")/lib.sh"
need bpftool python3
f=/sys/kernel/btf/vmlinux
[ -r $f ] || skip "$f not readable"
run_kfb dump --json $f > "$T/kfb.json"
run_kfb dump --format json $f | cmp - "$T/kfb.json" || die "--format json differs from --json"
bpftool -j btf dump file $f > "$T/bpftool.json"
for fx in "$KFB_FIXTURES"/gcc-dwarf5.btf "$KFB_FIXTURES"/clang-powerpc64-dwarf5.btf; do
  [ -e "$fx" ] || continue
  run_kfb dump --pretty "$fx" | python3 -m json.tool > /dev/null || die "$fx: not valid JSON"
done
python3 - "$T/kfb.json" "$T/bpftool.json" <<'PY' || die "parsed JSON differs from bpftool -j"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert len(a["types"]) > 1000, len(a["types"])
if a != b:
    for x, y in zip(a["types"], b["types"]):
        if x != y:
            print("first difference:", x, y)
            break
    sys.exit(1)
PY
cmp "$T/kfb.json" "$T/bpftool.json" || die "JSON not byte-identical"
run_kfb dump --pretty $f | cmp - <(bpftool -p btf dump file $f) || die "pretty JSON not byte-identical"
