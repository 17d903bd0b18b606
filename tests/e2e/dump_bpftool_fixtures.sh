#!/bin/bash
# dump of every fixture (raw .btf, ELF .o/.elf: both byte orders, ELF32/64) and of a split BTF
# made by pahole on a fixture base is byte-identical to bpftool's, in raw and JSON form.
. "$(dirname "$0")/lib.sh"
need bpftool
fixtures > /dev/null
n=0
for f in "$KFB_FIXTURES"/*.btf "$KFB_FIXTURES"/*.o "$KFB_FIXTURES"/*.elf; do
  [ -e "$f" ] || continue
  # Only inputs bpftool can read are compared; the rest must fail here too.
  if ! bpftool btf dump file "$f" > "$T/bpftool.txt" 2>/dev/null; then
    expect_exit 2 "$KFUNCBTF" dump "$f"
    continue
  fi
  run_kfb dump "$f" > "$T/kfb.txt"
  cmp "$T/kfb.txt" "$T/bpftool.txt" || { diff "$T/kfb.txt" "$T/bpftool.txt" | head; die "$f: raw differs"; }
  run_kfb dump --json "$f" | cmp - <(bpftool -j btf dump file "$f") || die "$f: JSON differs"
  run_kfb dump --pretty "$f" | cmp - <(bpftool -p btf dump file "$f") || die "$f: pretty JSON differs"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no fixtures in $KFB_FIXTURES"

# Split BTF: pahole encodes one object on top of another's BTF.
base="$KFB_FIXTURES/gcc-dwarf5.btf" obj="$KFB_FIXTURES/clang-dwarf4.o"
if command -v pahole >/dev/null && [ -e "$base" ] && [ -e "$obj" ]; then
  cp "$obj" "$T/m.o"
  pahole --btf_base "$base" --btf_encode_detached="$T/split.btf" "$T/m.o"
  run_kfb dump "$T/split.btf" -B "$base" > "$T/kfb.txt"
  bpftool btf dump file "$T/split.btf" -B "$base" > "$T/bpftool.txt"
  cmp "$T/kfb.txt" "$T/bpftool.txt" || die "split: raw differs"
  first=$(head -c 40 "$T/kfb.txt" | sed 's/ .*//')
  [ "$first" != "[1]" ] || die "split dump starts at [1]: base types printed"
  run_kfb dump --json "$T/split.btf" --base-btf "$base" | cmp - <(bpftool -j btf dump file "$T/split.btf" -B "$base") ||
    die "split: JSON differs"
  # The base given as the ELF object whose .BTF it is.
  elf_base="$KFB_FIXTURES/gcc-dwarf5.o"
  if [ -e "$elf_base" ] && cmp -s <(run_kfb dump "$elf_base") <(run_kfb dump "$base"); then
    run_kfb dump "$T/split.btf" -B "$elf_base" | cmp - "$T/kfb.txt" || die "split on an ELF base differs"
  fi
  n=$((n + 1))
fi
echo "compared $n inputs"
