#!/bin/bash
# emit on a real kernel: Debian's 6.12 debug vmlinux (cached by realkernel.sh).
#
#   KFUNCBTF=build/kfuncbtf tests/bench/emit_realkernel.sh [VMLINUX]
#
# Checks, against an oracle that does not use kfuncbtf (testdata/tools/btfids-dump reads the
# resolved .BTF_ids sets and names each id through the ELF's own BTF):
#   1. the FUNCs carrying a `bpf_kfunc` decl tag in the output are exactly the distinct
#      kfuncs of the kfunc set8 sets (132 on 6.12.117), nothing else is tagged bpf_kfunc;
#   2. the output loads into the running kernel (bpf(BPF_BTF_LOAD), tests/kernel/btfload.c);
#   3. a second emit on the output adds nothing (idempotence), and -j1 / -j2 agree.
# Exit 0 ok, 1 mismatch, 77 skipped (no vmlinux, no BPF_BTF_LOAD).
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
kfb=${KFUNCBTF:-$src/build/kfuncbtf}
vm=${1:-$("$src/tests/bench/realkernel.sh" path 6.12 2>/dev/null || true)}
[ -n "$vm" ] && [ -r "$vm" ] || { echo "emit_realkernel: no 6.12 vmlinux (tests/bench/realkernel.sh fetch)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$kfb" emit "$vm" --stats -o "$T/out.btf" | tee "$T/summary"

# 1. bpf_kfunc tags vs the .BTF_ids oracle.
python3 "$src/testdata/tools/btfids-dump" "$vm" > "$T/ids"
awk -F'\t' '$1 == "set8" { split($4, f, "="); kf[$2] = (f[2] ~ /[13579bdf]$/) }
            $1 == "entry" && kf[$2] { split($5, x, " "); print $5 }' "$T/ids" | awk '{print $NF}' | sort -u > "$T/want"
"$kfb" dump "$T/out.btf" | awk '
  /^\[/ { id = substr($1, 2, length($1) - 2); n = $3; gsub("\047", "", n); name[id] = n; kind[id] = $2
          if ($2 == "DECL_TAG" && n == "bpf_kfunc") for (i = 4; i <= NF; i++) if ($i ~ /^type_id=/) tagged[substr($i, 9)] = 1 }
  END { for (t in tagged) print (kind[t] == "FUNC" ? name[t] : "NOT-A-FUNC:" t) }' | sort -u > "$T/got"
want=$(wc -l < "$T/want")
echo "kfuncs in kfunc sets: $want; FUNCs tagged bpf_kfunc: $(wc -l < "$T/got")"
diff -u "$T/want" "$T/got" || { echo "emit_realkernel: tagged FUNCs differ from the set8 kfuncs"; exit 1; }
[ "$want" -gt 100 ] || { echo "emit_realkernel: only $want kfuncs: oracle broken?"; exit 1; }

# 2. The running kernel accepts it.
cc -O1 -o "$T/btfload" "$src/tests/kernel/btfload.c"
rc=0; "$T/btfload" -q "$T/out.btf" > "$T/load" || rc=$?
cat "$T/load"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "emit_realkernel: the kernel rejected the emitted BTF"; exit 1; }

# 3. Idempotent, -j independent.
"$kfb" emit "$vm" --btf "$T/out.btf" -q -o "$T/again.btf"
cmp "$T/out.btf" "$T/again.btf" || { echo "emit_realkernel: second emit changed the bytes"; exit 1; }
"$kfb" -j2 emit "$vm" -q -o "$T/j2.btf"
cmp "$T/out.btf" "$T/j2.btf" || { echo "emit_realkernel: -j2 differs"; exit 1; }
echo "emit_realkernel: ok"
