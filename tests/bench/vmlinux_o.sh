#!/bin/bash
# scan and emit on a real vmlinux.o: Debian's linux-source-6.1 built as /work/shared/kernel-build.md
# says (ET_REL, ~9,800 sections, 769 CUs, DWARF 5 from gcc 12, .rela.debug_* to apply; cached by
# `tests/bench/realkernel.sh vmlinux-o`, ~7 min the first time).
#
#   KFUNCBTF=build/kfuncbtf tests/bench/vmlinux_o.sh [VMLINUX.O]
#
# Checks, against oracles that do not use kfuncbtf:
#   1. `scan --legacy-kfunc-sets` lists every set8 entry (set, function, KF_* flag word) that
#      testdata/tools/btfids-dump reads from the raw .BTF_ids section and symbols: 55 on 6.1,
#      where every id and count is still 0 and no set has BTF_SET8_KFUNCS; without the flag
#      scan finds none.
#   2. pahole -J (with the flags scripts/pahole-flags.sh gives this pahole) writes the BTF;
#      `emit --legacy-kfunc-sets --btf` on it: `bpf_kfunc` tags on exactly the oracle's
#      functions, the running kernel loads the result, `kfuncbtf diff` of pahole's BTF against
#      it shows only added DECL_TAGs, and `diff OBJ --btf` (DWARF prototypes against pahole's
#      FUNCs) finds no difference.
#   3. emit is idempotent and -j1 / -j2 write the same bytes.
# Then times pahole -J and `kfuncbtf emit` side by side (best of KFB_RUNS, default 3; 0: checks
# only, as e2e/vmlinux_o runs it) and prints the ratio and peak RSS; the same for a copy with
# zlib-compressed debug sections (as CONFIG_DEBUG_INFO_COMPRESSED_ZLIB builds it; made once
# with objcopy next to the vmlinux.o), whose scan must equal the plain one's. Exit 0 ok, 1 mismatch, 77
# skipped (no vmlinux.o, no BPF_BTF_LOAD).
set -eu -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
kfb=${KFUNCBTF:-$src/build/kfuncbtf}
vo=${1:-$(ls "${KFB_CACHE:-/var/cache/kfuncbtf}"/linux-6.1/vmlinux.o 2>/dev/null || true)}
[ -n "$vo" ] && [ -r "$vo" ] || { echo "vmlinux_o: no vmlinux.o (tests/bench/realkernel.sh vmlinux-o)"; exit 77; }
command -v pahole >/dev/null || { echo "vmlinux_o: pahole not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "vmlinux_o: $*"; exit 1; }

# 1. scan vs the raw .BTF_ids oracle.
python3 "$src/testdata/tools/btfids-dump" "$vo" > "$T/ids"
awk -F'\t' '$1 == "set8" { s[$2] = 1 }
            $1 == "entry" && s[$2] { sub("flags=", "", $6); print $2, $7, $6 }' \
  "$T/ids" | sort > "$T/want"
"$kfb" --json scan --legacy-kfunc-sets "$vo" > "$T/scan.json"
python3 - "$T/scan.json" > "$T/got" <<'EOF'
import json, sys
for k in json.load(open(sys.argv[1]))["kfuncs"]:
    for s in k["sets"]:
        print(s, k["name"], hex(k["flags_value"]))
    if not k["file"] or not k["line"]:
        print("NO-SOURCE-LINE", k["name"])
EOF
sort -o "$T/got" "$T/got"
echo "set8 entries: $(wc -l < "$T/want") in .BTF_ids; $(wc -l < "$T/got") listed by scan --legacy-kfunc-sets"
diff -u "$T/want" "$T/got" || fail "scan differs from the .BTF_ids oracle"
[ "$(wc -l < "$T/want")" -ge 50 ] || fail "only $(wc -l < "$T/want") entries: oracle broken?"
n=$("$kfb" --json scan "$vo" 2> /dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["kfuncs"]))')
[ "$n" = 0 ] || fail "without --legacy-kfunc-sets scan found $n kfuncs (6.1 sets have no KFUNCS flag)"

# 2. pahole's BTF, emit, the kernel, diff.
flags="--btf_gen_floats -j --lang_exclude=rust"  # scripts/pahole-flags.sh for pahole 1.24
pahole -J $flags --btf_encode_detached="$T/pahole.btf" "$vo"
"$kfb" emit --legacy-kfunc-sets --btf "$T/pahole.btf" "$vo" --stats -o "$T/out.btf"
awk '{print $2}' "$T/want" | sort -u > "$T/want-names"
"$kfb" dump "$T/out.btf" | awk '
  /^\[/ { id = substr($1, 2, length($1) - 2); n = $3; gsub("\047", "", n); name[id] = n; kind[id] = $2
          if ($2 == "DECL_TAG" && n == "bpf_kfunc") for (i = 4; i <= NF; i++) if ($i ~ /^type_id=/) tagged[substr($i, 9)] = 1 }
  END { for (t in tagged) print (kind[t] == "FUNC" ? name[t] : "NOT-A-FUNC:" t) }' | sort -u > "$T/tagged"
diff -u "$T/want-names" "$T/tagged" || fail "FUNCs tagged bpf_kfunc differ from the set8 functions"
cc -O1 -o "$T/btfload" "$src/tests/kernel/btfload.c"
rc=0; "$T/btfload" -q "$T/out.btf" || rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "the kernel rejected the emitted BTF"
rc=0; "$kfb" diff --stat "$T/pahole.btf" "$T/out.btf" > "$T/stat" || rc=$?
cat "$T/stat"
[ $rc -eq 1 ] || fail "diff pahole emit: exit $rc, want 1"
awk '$1 != "kind" && $1 != "total" && $1 != "kfunc" && $1 != "DECL_TAG" && ($2 + $3 + $4) != 0 { bad = 1; print "unexpected:", $0 }
     $1 == "DECL_TAG" && ($3 + $4) != 0 { bad = 1; print "unexpected:", $0 }
     END { exit bad }' "$T/stat" || fail "emit changed more than DECL_TAGs"
"$kfb" diff "$vo" --btf "$T/pahole.btf" --legacy-kfunc-sets || fail "DWARF prototypes differ from pahole's FUNCs"

# 3. Idempotent, -j independent.
"$kfb" emit --legacy-kfunc-sets --btf "$T/out.btf" "$vo" -q -o "$T/again.btf"
cmp "$T/out.btf" "$T/again.btf" || fail "a second emit changed the bytes"
"$kfb" -j2 emit --legacy-kfunc-sets --btf "$T/pahole.btf" "$vo" -q -o "$T/j2.btf"
cmp "$T/out.btf" "$T/j2.btf" || fail "-j2 differs from -j1"

[ "${KFB_RUNS:-3}" -gt 0 ] || { echo "vmlinux_o: ok (checks only)"; exit 0; }

# Side by side: best wall time of KFB_RUNS, and peak RSS.
best() { # best NAME CMD...: prints "NAME wall_s rss_mb" (best of KFB_RUNS)
  local name=$1 i w m bw= bm=
  shift
  for i in $(seq "${KFB_RUNS:-3}"); do
    /usr/bin/time -f '%e %M' -o "$T/time" "$@" > /dev/null 2>&1
    read -r w m < "$T/time"
    if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w bm=$m; fi
  done
  echo "$name $bw $((bm / 1024))"
}
# 4. Compressed debug sections: the same kfuncs.
vz=${vo%.o}.zlib.o  # not vmlinux-*: tests take those for Debian vmlinux files
if [ ! -f "$vz" ] || [ "$vz" -ot "$vo" ]; then
  objcopy --compress-debug-sections=zlib "$vo" "$vz.tmp" && mv "$vz.tmp" "$vz"
fi
"$kfb" --json scan --legacy-kfunc-sets "$vo" > "$T/plain.json"
"$kfb" --json scan --legacy-kfunc-sets "$vz" > "$T/zlib.json"
cmp "$T/plain.json" "$T/zlib.json" || fail "scan of the zlib-compressed copy differs"
{
  best "pahole-J" pahole -J $flags --btf_encode_detached="$T/p.btf" "$vo"
  best "emit-j1" "$kfb" emit --legacy-kfunc-sets --btf "$T/pahole.btf" "$vo" -q -o "$T/e.btf"
  best "emit-j2" "$kfb" -j2 emit --legacy-kfunc-sets --btf "$T/pahole.btf" "$vo" -q -o "$T/e.btf"
  best "scan-j1" "$kfb" scan --legacy-kfunc-sets "$vo"
  best "pahole-J-zlib" pahole -J $flags --btf_encode_detached="$T/p.btf" "$vz"
  best "emit-zlib" "$kfb" emit --legacy-kfunc-sets --btf "$T/pahole.btf" "$vz" -q -o "$T/e.btf"
  best "scan-zlib" "$kfb" scan --legacy-kfunc-sets "$vz"
} > "$T/times"
# Ratios to pahole -J on the same file (plain rows to the first, zlib rows to pahole-J-zlib).
awk '/^pahole/ { p = $2 }
     { printf "%-14s %7.2f s  %5d MB  ratio to pahole -J %.3f\n", $1, $2, $3, $2 / p }' "$T/times"
echo "vmlinux_o: ok (load $(cut -d' ' -f1-3 /proc/loadavg))"
