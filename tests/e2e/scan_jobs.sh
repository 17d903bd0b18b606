#!/bin/bash
# scan output (text and JSON, with --all) is byte-identical for -j1, -j2 and -j8.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
n=0
for f in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf} "$KFB_FIXTURES"/clang-powerpc64-dwarf5.elf; do
  [ -f "$f" ] || continue
  for fmt in "" --json; do
    run_kfb $fmt scan --all -j1 "$f" > "$T/j1"
    [ -s "$T/j1" ] || die "empty output for $f"
    for j in 2 8; do
      run_kfb $fmt scan --all -j$j "$f" > "$T/j$j"
      cmp -s "$T/j1" "$T/j$j" || die "$f: -j$j output differs from -j1 ($fmt)"
    done
  done
  n=$((n + 1))
done
[ "$n" -ge 8 ] || die "only $n objects checked"
