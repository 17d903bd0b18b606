#!/usr/bin/env bash
# fixtures_sanity: every compiled fixture (testdata/CMakeLists.txt) has the shape
# testdata/src/MANIFEST.md promises, so the tests built on them test what they think they test:
#   - ELF type/class/byte order as intended (readelf -h); .BTF and .BTF_ids present;
#   - 13 __BTF_ID__set8__ and 51 __BTF_ID__func__ symbols, in the .o and the .elf;
#   - the .btf file is the .o's .BTF byte for byte, in the ELF's byte order;
#   - decl tags (bpftool): 46 bpf_kfunc + 12 scope + 1 calls in clang objects, none in gcc's;
#   - .BTF_ids contents vs MANIFEST (tools/check-btfids): KF words, set flags, ids 0 in .o;
#     in .elf ids filled, FUNCs, sets sorted by id, same (name, flags) as the .o;
#   - MANIFEST's file:line for every kfunc equals DW_AT_decl_file/line (llvm-dwarfdump), and
#     its BTF parameter names are those of the C definition there (tools/check-protos);
#   - expected.json = tools/gen-expected output, consistent with MANIFEST and clang decl tags;
#   - each bad fixture has exactly its problem; the committed sample is current.
. "$(dirname "$0")/lib.sh"
need readelf bpftool python3

fix=$KFB_FIXTURES
# The real interpreter, not a (slow) pyenv-style shim.
PY=$(python3 -c 'import sys; print(sys.executable)')
tools=$KFB_SRC/testdata/tools
manifest=$KFB_SRC/testdata/src/MANIFEST.md
[ -f "$fix/clang-dwarf5.o" ] || [ -f "$fix/gcc-dwarf5.o" ] || skip "fixtures not built in $fix"

# elf_header FILE -> "TYPE CLASS DATA", e.g. "REL ELF64 little"
elf_header() {
  readelf -h "$1" | awk -F: '
    /^ *Class:/ {c=$2} /^ *Data:/ {d=$2} /^ *Type:/ {t=$2}
    END {gsub(/ /, "", c); split(t, a, " "); split(d, b, ","); sub(/^ *2.s complement */, "", b[2]);
         split(b[2], e, " "); print a[1], c, e[1]}'
}
has_section() { readelf -SW "$1" | grep -E "\] $2 " >/dev/null; }
count_syms() { readelf -sW "$1" | awk -v p="$2" 'index($8, p) == 1 {n++} END {print n + 0}'; }
# count_tags FILE PREFIX: DECL_TAGs whose name starts with PREFIX (one bpftool run per FILE).
# btfdump FILE: path of FILE's cached `bpftool btf dump` (never pipe into grep -q: SIGPIPE).
btfdump() {
  local d=$T/dump.$(echo "$1" | tr / _)
  [ -f "$d" ] || bpftool btf dump file "$1" > "$d"
  echo "$d"
}
count_tags() { grep -c "DECL_TAG '$2" "$(btfdump "$1")" || true; }

# section_bytes FILE SECTION OUT: extract a section (any ELF class/byte order) with python.
section_bytes() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["KFB_SRC"] + "/testdata/tools")
from kfbelf import Elf
e = Elf(open(sys.argv[1], "rb").read())
s = e.section(sys.argv[2])
open(sys.argv[3], "wb").write(e.bytes_of(s) if s else b"")
EOF
}
export KFB_SRC

variants=0
check_variant() {
  local v=$1 class=$2 data=$3 cc=$4
  local o=$fix/$v.o elf=$fix/$v.elf btf=$fix/$v.btf
  if [ ! -e "$o" ] && [ ! -e "$elf" ] && [ ! -e "$btf" ]; then
    echo "note: $v not built (tool missing at configure time)"
    return
  fi
  for f in "$o" "$elf" "$btf"; do [ -f "$f" ] || die "$v: $f missing while its siblings exist"; done
  variants=$((variants + 1))

  expect_eq "$(elf_header "$o")" "REL $class $data"
  expect_eq "$(elf_header "$elf")" "EXEC $class $data"
  for f in "$o" "$elf"; do
    has_section "$f" .BTF || die "$f: no .BTF"
    has_section "$f" .BTF_ids || die "$f: no .BTF_ids"
    has_section "$f" .debug_info || die "$f: no .debug_info"
    expect_eq "$(count_syms "$f" __BTF_ID__set8__)" 13
    expect_eq "$(count_syms "$f" __BTF_ID__func__)" 51
    expect_eq "$(count_syms "$f" __BTF_ID__set__)" 1
  done
  # The .elf keeps its relocations, like vmlinux (--emit-relocs).
  readelf -SW "$elf" | grep -E '\.rela?\.debug_info' >/dev/null || die "$elf: .rel[a].debug_info not kept"

  # .btf = the .o's .BTF, and BTF's byte order is the ELF's.
  section_bytes "$o" .BTF "$T/$v.BTF"
  cmp -s "$T/$v.BTF" "$btf" || die "$btf differs from $o's .BTF section"
  local magic
  magic=$(od -An -tx1 -N2 "$btf" | tr -d ' ')
  if [ "$data" = little ]; then expect_eq "$magic" 9feb; else expect_eq "$magic" eb9f; fi

  # Decl tags: clang has them (46 bpf_kfunc, 12 scope, 1 calls), gcc none (its BTF is made without decl tags: testdata/CMakeLists.txt).
  for f in "$o" "$elf" "$btf"; do
    if [ "$cc" = clang ]; then
      expect_eq "$(count_tags "$f" "bpf_kfunc'")" 46
      expect_eq "$(count_tags "$f" "bpf_kfunc_scope:")" 12
      expect_eq "$(count_tags "$f" "bpf_kfunc_calls:")" 1
      expect_eq "$(count_tags "$f" "")" 59
    else
      expect_eq "$(count_tags "$f" "")" 0
    fi
  done
  grep -q "FUNC 'bpf_obj_new_impl'" "$(btfdump "$o")" || die "$o: no FUNC bpf_obj_new_impl"

  # .BTF_ids against MANIFEST; .elf resolved and sorted.
  "$PY" "$tools/check-btfids" "$manifest" "$o" "$elf" || die "$v: .BTF_ids check failed"
  # Every kfunc's BTF parameter names = its C definition at MANIFEST's file:line.
  "$PY" "$tools/check-protos" "$KFB_SRC" "$manifest" "$o" "$elf" || die "$v: BTF protos disagree with MANIFEST"
  echo "ok: $v"
}

check_variant gcc-dwarf4 ELF64 little gcc
check_variant gcc-dwarf5 ELF64 little gcc
check_variant clang-dwarf4 ELF64 little clang
check_variant clang-dwarf5 ELF64 little clang
check_variant clang-powerpc64-dwarf5 ELF64 big clang
check_variant clang-i386-dwarf5 ELF32 little clang
check_variant clang-powerpc-dwarf5 ELF32 big clang
[ "$variants" -ge 1 ] || die "no fixture variant found"

# MANIFEST file:line == DWARF decl_file:decl_line of the defining DIE (both compilers).
if command -v llvm-dwarfdump >/dev/null 2>&1; then
  grep -oE '^\| `[a-z_0-9]+` \| testdata/src/[a-z_]+\.c:[0-9]+' "$manifest" |
    sed -E 's/^\| `([a-z_0-9]+)` \| /\1 /' | sort > "$T/manifest-lines"
  expect_eq "$(wc -l < "$T/manifest-lines")" 46
  for v in clang-dwarf5.o gcc-dwarf4.o clang-powerpc-dwarf5.o gcc-dwarf4-tu.o gcc-dwarf5-tu.o \
           gcc-dwarf5-dwz.elf; do
    [ -f "$fix/$v" ] || continue
    llvm-dwarfdump --debug-info "$fix/$v" | awk '
      function flush() { if (sub_ && name != "" && lowpc) print name, file ":" line; sub_ = 0 }
      /DW_TAG_/ { flush(); sub_ = ($2 == "DW_TAG_subprogram"); name = ""; file = ""; line = ""; lowpc = 0; next }
      sub_ && /DW_AT_name/ { name = $2 }
      sub_ && /DW_AT_decl_file/ { file = $2 }
      sub_ && /DW_AT_decl_line/ { line = $2 }
      sub_ && /DW_AT_low_pc/ { lowpc = 1 }
      END { flush() }' | tr -d '"()' | sed -E 's#\./+##g' | sort -u > "$T/$v-dwarf-lines"
    join "$T/manifest-lines" "$T/$v-dwarf-lines" > "$T/$v-joined"
    expect_eq "$(wc -l < "$T/$v-joined")" 46
    awk '$2 != $3 {print "MANIFEST " $1 " " $2 " but DWARF " $3; bad = 1} END {exit bad}' \
      "$T/$v-joined" || die "$v: MANIFEST lines disagree with DWARF"
  done
  echo "ok: MANIFEST lines match DWARF"
else
  echo "note: llvm-dwarfdump missing, MANIFEST lines not checked"
fi

# expected.json: generated by tools/gen-expected (whose per-arg flags are cross-derived from
# the rules of man kfuncbtf(1)), agrees with MANIFEST's table and with the decl tags of every clang object.
"$PY" "$tools/gen-expected" > "$T/expected.json"
cmp -s "$T/expected.json" "$KFB_SRC/testdata/src/expected.json" ||
  die "testdata/src/expected.json is not tools/gen-expected's output"
clang_objs=()
for f in clang-dwarf4.o clang-dwarf5.o clang-powerpc64-dwarf5.o clang-i386-dwarf5.o \
         clang-powerpc-dwarf5.o clang-dwarf5.elf nobtfids.o nodwarf.o; do
  [ -f "$fix/$f" ] && clang_objs+=("$fix/$f")
done
"$PY" "$tools/check-expected" "$manifest" "$KFB_SRC/testdata/src/expected.json" "${clang_objs[@]}" ||
  die "expected.json disagrees with MANIFEST.md or the clang objects"
echo "ok: expected.json"

# ---- bad fixtures: present, ET_REL with .BTF/.BTF_ids, and carrying exactly their problem ----
if [ -f "$fix/bad-inconsistent-flags.o" ]; then
  dump() { "$PY" "$tools/btfids-dump" "$1"; }
  for b in inconsistent-flags implicit-not-last implicit-not-pointer sz-not-after-pointer map-on-int \
           impl-mismatch scope-unknown-member scope-nonfunc-member scope-cycle no-dwarf-def no-btf-func; do
    f=$fix/bad-$b.o
    [ -f "$f" ] || die "bad-$b.o missing"
    expect_eq "$(elf_header "$f")" "REL ELF64 little"
    has_section "$f" .BTF && has_section "$f" .BTF_ids && has_section "$f" .debug_info ||
      die "$f: .BTF/.BTF_ids/.debug_info missing"
  done
  expect_eq "$(dump "$fix/bad-inconsistent-flags.o" | awk -F'\t' '$1 == "entry" {print $2, $6, $7}' | sort | tr '\n' ';')" \
            "bad_set_a flags=0x5 bpf_bad_task_get;bad_set_b flags=0x1 bpf_bad_task_get;"
  grep -q "'bpf_missing_kfunc'" "$(btfdump "$fix/bad-no-dwarf-def.o")" && die "bpf_missing_kfunc in BTF"
  dump "$fix/bad-no-dwarf-def.o" > "$T/missing"
  grep -qP '\tflags=0x20\tbpf_missing_kfunc$' "$T/missing" || die "no set slot for bpf_missing_kfunc"
  grep -q "FUNC 'bpf_dropped_kfunc'" "$(btfdump "$fix/bad-no-btf-func.o")" && die "bpf_dropped_kfunc in BTF"
  grep -q "FUNC 'bpf_kept_kfunc'" "$(btfdump "$fix/bad-no-btf-func.o")" || die "bpf_kept_kfunc not in BTF"
  if command -v llvm-dwarfdump >/dev/null 2>&1; then
    llvm-dwarfdump --name=bpf_dropped_kfunc "$fix/bad-no-btf-func.o" > "$T/dropped"
    grep -q DW_TAG_subprogram "$T/dropped" ||
      die "bpf_dropped_kfunc has no DWARF definition"
  fi
  bpftool btf dump file "$fix/bad-impl-mismatch.o" > "$T/twin"
  expect_grep "FUNC 'bpf_bad_twin'" "$T/twin"
  expect_grep "FUNC 'bpf_bad_twin_impl'" "$T/twin"
  expect_grep "DECL_TAG 'bpf_kfunc_scope:bad_ops.no_such_member'" <(bpftool btf dump file "$fix/bad-scope-unknown-member.o")
  expect_grep "DECL_TAG 'bpf_kfunc_scope:bad_ops.flags'" <(bpftool btf dump file "$fix/bad-scope-nonfunc-member.o")
  bpftool btf dump file "$fix/bad-scope-cycle.o" > "$T/cycle"
  expect_grep "DECL_TAG 'bpf_kfunc_calls:bad_ops.close'" "$T/cycle"
  expect_grep "DECL_TAG 'bpf_kfunc_calls:bad_ops.open'" "$T/cycle"

  expect_eq "$(elf_header "$fix/nodwarf.o")" "REL ELF64 little"
  has_section "$fix/nodwarf.o" .debug_info && die "nodwarf.o has .debug_info"
  has_section "$fix/nodwarf.o" .BTF_ids || die "nodwarf.o: no .BTF_ids"
  section_bytes "$fix/nodwarf.o" .BTF "$T/nodwarf.BTF"
  cmp -s "$T/nodwarf.BTF" "$fix/clang-dwarf5.btf" || die "nodwarf.o's .BTF is not clang-dwarf5.btf"
  has_section "$fix/nobtfids.o" .BTF_ids && die "nobtfids.o has .BTF_ids"
  expect_eq "$(count_tags "$fix/nobtfids.o" "bpf_kfunc'")" 46
  echo "ok: bad fixtures, nodwarf.o, nobtfids.o"
else
  echo "note: clang fixtures not built; bad fixtures not checked"
fi

# ---- type units and dwz partial units (gcc) ----
for v in 4 5; do
  tu=$fix/gcc-dwarf$v-tu.o dwz=$fix/gcc-dwarf$v-dwz.elf
  if [ -f "$tu" ] && command -v llvm-dwarfdump >/dev/null 2>&1; then
    expect_eq "$(elf_header "$tu")" "REL ELF64 little"
    llvm-dwarfdump --debug-info --debug-types "$tu" > "$T/tu$v"
    [ "$(grep -cE 'unit_type = DW_UT_type|^0x[0-9a-f]+: Type Unit' "$T/tu$v")" -ge 10 ] || die "$tu: no type units"
    grep -E 'DW_AT_type[[:space:]]+\(0x[0-9a-f]{16}( "[^"]*")?\)' "$T/tu$v" >/dev/null || die "$tu: no DW_FORM_ref_sig8 type reference"
    section_bytes "$tu" .BTF "$T/tu$v.BTF"
    cmp -s "$T/tu$v.BTF" "$fix/gcc-dwarf$v.btf" || die "$tu: .BTF is not gcc-dwarf$v.btf"
    "$PY" "$tools/check-btfids" "$manifest" "$tu" || die "$tu: .BTF_ids check failed"
    echo "ok: gcc-dwarf$v-tu.o"
  fi
  if [ -f "$dwz" ] && command -v llvm-dwarfdump >/dev/null 2>&1; then
    expect_eq "$(elf_header "$dwz")" "EXEC ELF64 little"
    llvm-dwarfdump --debug-info "$dwz" > "$T/dwz$v"
    [ "$(grep -c DW_TAG_partial_unit "$T/dwz$v")" -ge 1 ] || die "$dwz: no DW_TAG_partial_unit"
    [ "$(grep -c DW_TAG_imported_unit "$T/dwz$v")" -ge 1 ] || die "$dwz: no DW_TAG_imported_unit"
    "$PY" "$tools/check-btfids" "$manifest" "$fix/gcc-dwarf$v.o" "$dwz" || die "$dwz: .BTF_ids check failed"
    echo "ok: gcc-dwarf$v-dwz.elf"
  fi
done

# ---- manysections.o: > 65535 sections (SHN_XINDEX), otherwise the clang DWARF 5 fixture ----
if [ -f "$fix/manysections.o" ]; then
  f=$fix/manysections.o
  readelf -h "$f" > "$T/many.h"
  expect_grep "Number of section headers:         0 (70030)" "$T/many.h"
  expect_grep "Section header string table index: 65535 (" "$T/many.h"
  idx=$(readelf -SW "$f" | sed -nE 's/^ *\[ *([0-9]+)\] \.BTF_ids .*/\1/p')
  [ "${idx:-0}" -gt 65535 ] || die "manysections.o: .BTF_ids index $idx is not above 65535"
  readelf -SW "$f" | grep -E '\] \.symtab_shndx ' >/dev/null || die "manysections.o: no .symtab_shndx"
  expect_eq "$(count_syms "$f" __BTF_ID__set8__)" 13
  expect_eq "$(count_tags "$f" "bpf_kfunc'")" 46
  "$PY" "$tools/check-btfids" "$manifest" "$f" || die "manysections.o: .BTF_ids check failed"
  echo "ok: manysections.o"
fi

# ---- modules: ET_REL, split BTF on <cc>-dwarf5.elf, .BTF_ids resolved to split ids ----
for cc in gcc clang; do
  ko=$fix/$cc-dwarf5-mod.ko base=$fix/$cc-dwarf5.elf
  [ -f "$ko" ] || continue
  expect_eq "$(elf_header "$ko")" "REL ELF64 little"
  nbase=$(bpftool btf dump file "$base" | grep -c '^\[')
  bpftool btf dump -B "$base" file "$ko" > "$T/$cc-mod.dump" || die "$ko: split BTF does not load on $base"
  first=$(sed -nE '1s/^\[([0-9]+)\].*/\1/p' "$T/$cc-mod.dump")
  expect_eq "$first" "$((nbase + 1))"
  "$PY" "$tools/btfids-dump" -b "$base" "$ko" > "$T/$cc-mod.ids"
  expect_eq "$(awk -F'\t' '$1 == "set8" {print $2, $3, $4}' "$T/$cc-mod.ids")" "kfb_mod_kfunc_ids cnt=3 flags=0x1"
  # Sorted split ids (all above the base), each with its kfunc's flags.
  awk -F'\t' -v n="$nbase" '$1 == "entry" {sub(/id=/, "", $4); if ($4 <= n || $4 <= prev) exit 1; prev = $4}' \
    "$T/$cc-mod.ids" || die "$ko: ids not sorted split ids"
  expect_eq "$(awk -F'\t' '$1 == "entry" {print $5, $6}' "$T/$cc-mod.ids" | sort | tr '\n' ';')" \
    "bpf_kfb_mod_fill flags=0x20;bpf_kfb_mod_owner flags=0x85;bpf_kfb_mod_with_aux flags=0x10000;"
  if [ "$cc" = clang ]; then want=3; else want=0; fi
  expect_eq "$(grep -c "DECL_TAG 'bpf_kfunc'" "$T/$cc-mod.dump" || true)" "$want"
  echo "ok: $cc-dwarf5-mod.ko"
done
if [ -f "$fix/bad-module-dup-kfunc.ko" ]; then
  base=$fix/clang-dwarf5.elf
  bpftool btf dump -B "$base" file "$fix/bad-module-dup-kfunc.ko" > "$T/dup.dump"
  expect_grep "FUNC 'bpf_task_acquire'" "$T/dup.dump"
  # resolve_btfids finds the base's bpf_task_acquire first.
  expect_eq "$("$PY" "$tools/btfids-dump" -b "$base" "$fix/bad-module-dup-kfunc.ko" | awk -F'\t' '$7 == "bpf_task_acquire" {print $4}')" \
            "id=$(bpftool btf dump file "$base" | sed -nE "s/^\[([0-9]+)\] FUNC 'bpf_task_acquire'.*/\1/p")"
  echo "ok: bad-module-dup-kfunc.ko"
fi

# ---- the committed sample: current with the sources (when built by the same clang) ----
sample=$KFB_SRC/testdata/sample/kfuncs.o
[ -f "$sample" ] || die "testdata/sample/kfuncs.o missing"
if [ -f "$fix/clang-dwarf5.o" ]; then
  # Byte equality only with the toolchain that made the committed file (sample/README.md).
  if clang --version 2>/dev/null | grep >/dev/null 'clang version 14\.0\.6' &&
     [ "$(pahole --version 2>/dev/null)" = v1.24 ]; then
    cmp -s "$sample" "$fix/clang-dwarf5.o" || die "testdata/sample/kfuncs.o is stale: run 'ninja regen-sample'"
  fi
  # Any compiler: the same sets, slots and flag words.
  expect_eq "$("$PY" "$tools/btfids-dump" "$sample" | cut -f1-3,6-)" \
            "$("$PY" "$tools/btfids-dump" "$fix/clang-dwarf5.o" | cut -f1-3,6-)"
fi
echo "ok: sample"
