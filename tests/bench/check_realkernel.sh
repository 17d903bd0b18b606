#!/bin/bash
# Checks `kfuncbtf scan` on a real debug vmlinux against bpftool's dump of the same file's .BTF:
#   * exactly the distinct functions of the kfunc sets (BTF_SET8_KFUNCS set8s) are listed;
#   * each kfunc's btf_id is the FUNC of that name, and its parameter names equal the BTF
#     FUNC_PROTO's (pahole keeps names as written, suffixes included);
#   * each kfunc's flags equal the flag words of its .BTF_ids pairs, matched by BTF id (the
#     sets are sorted by id in a linked vmlinux), read independently here with readelf.
# usage: check_realkernel.sh VMLINUX [expected kfunc count]
set -eu -o pipefail
V=$1
want=${2:-}
: "${KFUNCBTF:=$(dirname "$0")/../../build-scan/kfuncbtf}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$KFUNCBTF" --json scan "$V" > "$T/scan.json"
bpftool btf dump file "$V" format raw > "$T/btf.txt"
python3 - "$T/scan.json" "$T/btf.txt" "$V" "$want" <<'PY'
import json, re, subprocess, struct, sys
scan = json.load(open(sys.argv[1]))["kfuncs"]
vmlinux, want = sys.argv[3], sys.argv[4]
# BTF oracle: FUNC name -> (id, proto id); FUNC_PROTO id -> param names.
funcs, protos, cur = {}, {}, None
for line in open(sys.argv[2]):
    m = re.match(r"\[(\d+)\] (\w+) '([^']*)'(.*)", line)
    if m:
        tid, kind, name, rest = int(m[1]), m[2], m[3], m[4]
        cur = None
        if kind == "FUNC":
            funcs.setdefault(name, (tid, int(re.search(r"type_id=(\d+)", rest)[1])))
        elif kind == "FUNC_PROTO":
            protos[tid] = []
            cur = tid
        continue
    m = re.match(r"\s+'([^']*)' type_id=\d+", line)
    if m and cur is not None:
        protos[cur].append(m[1])
# .BTF_ids oracle: every set8 with BTF_SET8_KFUNCS, pairs (id, flags).
sh = subprocess.run(["readelf", "-SW", vmlinux], capture_output=True, text=True).stdout
sec = re.search(r"\] \.BTF_ids\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)", sh)
addr, off, size = int(sec[1], 16), int(sec[2], 16), int(sec[3], 16)
data = open(vmlinux, "rb").read()[off:off + size]
syms = subprocess.run(["readelf", "-sW", vmlinux], capture_output=True, text=True).stdout
pairs = {}
nsets = 0
for line in syms.splitlines():
    f = line.split()
    if len(f) >= 8 and f[7].startswith("__BTF_ID__set8__"):
        o, sz = int(f[1], 16) - addr, int(f[2])
        cnt, fl = struct.unpack_from("<II", data, o)
        if not fl & 1:
            continue
        nsets += 1
        for i in range(cnt):
            bid, kf = struct.unpack_from("<II", data, o + 8 + 8 * i)
            pairs.setdefault(bid, set()).add(kf)
byid = {tid: name for name, (tid, _) in funcs.items()}
expect = {byid[i]: fl for i, fl in pairs.items() if i in byid}
errors = []
have = {k["name"]: k for k in scan}
if set(have) != set(expect):
    errors.append(f"kfunc names differ: missing {sorted(set(expect)-set(have))}, extra {sorted(set(have)-set(expect))}")
for n in sorted(set(have) & set(expect)):
    k = have[n]
    tid, proto = funcs[n]
    if k["btf_id"] != tid:
        errors.append(f"{n}: btf_id {k['btf_id']} != {tid}")
    if len(expect[n]) != 1 or k["flags_value"] != next(iter(expect[n])):
        errors.append(f"{n}: flags {k['flags_value']:#x} != {expect[n]}")
    names = [p["name"] for p in (k["params"] or [])]
    if names != protos[proto]:
        errors.append(f"{n}: params {names} != BTF {protos[proto]}")
entries = sum(len(v) for v in pairs.values())
print(f"{len(have)} kfuncs from {nsets} kfunc sets ({sum(1 for _ in pairs)} distinct ids); "
      f"params/flags/btf_id checked against bpftool and .BTF_ids")
if want and len(have) != int(want):
    errors.append(f"expected {want} kfuncs, got {len(have)}")
if errors:
    print("\n".join(errors)); sys.exit(1)
print("ok")
PY
