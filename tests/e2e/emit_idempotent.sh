#!/bin/bash
# emit on its own output writes identical bytes (raw and --update-elf, with and without
# +sort/+dedup), and the output never depends on -j (-j1, -j2, -j8).
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o

for obj in "$KFB_FIXTURES"/{gcc-dwarf5,clang-dwarf4,clang-dwarf5,clang-powerpc64-dwarf5,clang-i386-dwarf5}.{o,elf}; do
  v=$(basename "$obj")
  feats=(default +sort +dedup all)
  case "$v" in
    *.elf)  # ids in .BTF_ids are resolved: renumbering types would break them
      feats=(default +dedup)
      expect_exit 2 "$KFUNCBTF" emit "$obj" --features=+sort -o "$T/x.btf"
      expect_grep "already resolved" "$T/err"
      [ ! -e "$T/x.btf" ] || die "refused emit wrote its output" ;;
  esac
  for feat in "${feats[@]}"; do
    "$KFUNCBTF" emit "$obj" -q --scopes "$KFB_SRC/testdata/src/scopes.txt" --features="$feat" -o "$T/1.btf"
    # The second run reads the first output as --btf: same DWARF and .BTF_ids, emitted BTF.
    expect_exit 0 "$KFUNCBTF" emit "$obj" --btf "$T/1.btf" --scopes "$KFB_SRC/testdata/src/scopes.txt" \
      --features="$feat" -o "$T/2.btf"
    cmp "$T/1.btf" "$T/2.btf" || die "$v $feat: second emit changed the bytes"
    expect_grep "types:           " "$T/out"
    grep -q "(+0)" "$T/out" || die "$v $feat: second emit added types: $(cat "$T/out")"
  done
  for j in 1 2 8; do
    "$KFUNCBTF" -j$j emit "$obj" -q --scopes "$KFB_SRC/testdata/src/scopes.txt" -o "$T/j$j.btf"
  done
  cmp "$T/j1.btf" "$T/j2.btf" || die "$v: -j2 differs from -j1"
  cmp "$T/j1.btf" "$T/j8.btf" || die "$v: -j8 differs from -j1"
done

# --update-elf twice: byte-identical ELF.
obj=$KFB_FIXTURES/clang-dwarf5.o
"$KFUNCBTF" emit "$obj" -q --update-elf -o "$T/a.o"
"$KFUNCBTF" emit "$T/a.o" -q --update-elf -o "$T/b.o"
cmp "$T/a.o" "$T/b.o" || die "--update-elf on its own output changed the ELF"
