#!/usr/bin/env python3
"""Compares `kfuncbtf --json scan` output with testdata/src/expected.json (the MANIFEST's facts).

usage: scan_check_expected.py EXPECTED.json SCAN.json {gcc|clang} {all|sets}
Exit 0 when every kfunc matches exactly (name, source, KF word, sets, file:line, return type and
flags, parameter names, types, per-arg flags, implicit, scopes/calls), else 1 with the differences.
"""
import json
import sys

exp_all = json.load(open(sys.argv[1]))["kfuncs"]
got = json.load(open(sys.argv[2]))
cc, mode = sys.argv[3], sys.argv[4]
errors = []

want = {}
for name, e in exp_all.items():
    tag_only = not e["sets"]
    if tag_only and (cc == "gcc" or mode != "all"):
        continue
    want[name] = e

have = {k["name"]: k for k in got["kfuncs"]}
for n in sorted(set(want) - set(have)):
    errors.append(f"missing kfunc {n}")
for n in sorted(set(have) - set(want)):
    errors.append(f"unexpected kfunc {n}")
if [k["name"] for k in got["kfuncs"]] != sorted(have):
    errors.append("kfuncs not sorted by name")

for n in sorted(set(want) & set(have)):
    e, k = want[n], have[n]
    def diff(what, a, b):
        if a != b:
            errors.append(f"{n}: {what}: got {a!r}, want {b!r}")
    source = "tag" if not e["sets"] else ("both" if cc == "clang" else "set")
    diff("source", k["source"], source)
    diff("flags", k["flags_value"], int(e["flags"], 16))
    diff("sets", sorted(k["sets"]), sorted(e["sets"]))
    diff("file", k["file"], e["file"])
    diff("line", k["line"], e["line"])
    diff("ret.type", k["ret"]["type"], e["ret"])
    diff("ret.flags", sorted(k["ret"]["flags"]), sorted(e["ret_flags"]))
    if k["btf_id"] <= 0:
        errors.append(f"{n}: no btf_id")
    diff("param count", len(k["params"]), len(e["params"]))
    for i, (kp, ep) in enumerate(zip(k["params"], e["params"])):
        diff(f"arg{i}.name", kp["name"], ep["name"])
        diff(f"arg{i}.type", kp["type"], ep["type"])
        diff(f"arg{i}.flags", sorted(kp["flags"]), sorted(ep["flags"]))
        diff(f"arg{i}.implicit", kp["implicit"], "implicit" in ep["flags"])
    scopes = [t.split(":", 1)[1] for t in e.get("scope_tags", []) if t.startswith("bpf_kfunc_scope:")]
    calls = [t.split(":", 1)[1] for t in e.get("scope_tags", []) + e.get("calls_tags", [])
             if t.startswith("bpf_kfunc_calls:")]
    diff("scopes", k["scopes"], scopes if cc == "clang" else [])
    diff("calls", k["calls"], calls if cc == "clang" else [])

if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"ok: {len(have)} kfuncs")
