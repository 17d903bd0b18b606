#!/bin/bash
# Inputs scan cannot use: exit 2 with a message naming the file; no .BTF_ids is a warning.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
F=$KFB_FIXTURES

echo "just text" > "$T/notelf"
expect_exit 2 run_kfb scan "$T/notelf"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/notelf: not an ELF file"

expect_exit 2 run_kfb scan "$T/missing.o"
expect_grep "kfuncbtf: $T/missing.o: cannot open" "$T/err"

[ -f "$F/clang-dwarf5.o" ] || die "clang-dwarf5.o missing"
size=$(stat -c %s "$F/clang-dwarf5.o")
head -c $((size / 2)) "$F/clang-dwarf5.o" > "$T/half.o"
expect_exit 2 run_kfb scan "$T/half.o"
expect_grep "kfuncbtf: $T/half.o: truncated: " "$T/err"
head -c 40 "$F/clang-dwarf5.o" > "$T/hdr.o"
expect_exit 2 run_kfb scan "$T/hdr.o"
expect_eq "$(cat "$T/err")" "kfuncbtf: $T/hdr.o: truncated ELF header (40 of 64 bytes)"

[ -f "$F/nodwarf.o" ] || die "nodwarf.o missing"
expect_exit 2 run_kfb scan "$F/nodwarf.o"
expect_eq "$(cat "$T/err")" "kfuncbtf: $F/nodwarf.o: no DWARF debug information (.debug_info); build with CONFIG_DEBUG_INFO"

[ -f "$F/nobtfids.o" ] || die "nobtfids.o missing"
expect_exit 0 run_kfb --json scan "$F/nobtfids.o"
expect_eq "$(cat "$T/err")" ""
expect_grep '"severity":"note","rule":"kfunc-no-btf-ids"' "$T/out"
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ks=d["kfuncs"]
assert all(k["source"]=="tag" and k["flags_value"]==0 and k["sets"]==[] and k["btf_id"]>0 for k in ks), ks
print(len(ks))' "$T/out")
expect_eq "$n" 46
# A note, not a warning: --fatal-warnings passes, -v shows it.
expect_exit 0 run_kfb scan --fatal-warnings "$F/nobtfids.o"
expect_exit 0 run_kfb -v scan "$F/nobtfids.o"
expect_eq "$(cat "$T/err")" "kfuncbtf: $F/nobtfids.o: note: no .BTF_ids section: kfuncs come from DWARF bpf_kfunc annotations only"
