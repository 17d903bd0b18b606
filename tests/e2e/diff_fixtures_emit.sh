#!/bin/bash
# diff of each fixture's pahole BTF against `kfuncbtf emit`'s output lists exactly the
# additions (and the kfuncs repointed at trimmed protos), nothing removed; a BTF against
# itself gives "no differences" and exit 0; the reverse diff is the mirror image.
. "$(dirname "$0")/lib.sh"
fixtures >/dev/null
n=0
for btf in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.btf "$KFB_FIXTURES"/clang-powerpc64-dwarf5.btf; do
  [ -f "$btf" ] || continue
  obj=${btf%.btf}.o
  name=$(basename "$btf" .btf)
  run_kfb emit "$obj" -o "$T/$name.emit.btf" >/dev/null 2>&1 || die "emit failed on $obj"

  expect_exit 0 "$KFUNCBTF" diff "$btf" "$btf"
  expect_eq "$(cat "$T/out")" "no differences"

  expect_exit 1 "$KFUNCBTF" diff "$btf" "$T/$name.emit.btf"
  cp "$T/out" "$T/$name.fwd"
  # Every line about a type is an addition, or about a FUNC (a kfunc repointed at its trimmed
  # proto); nothing removed (checked with --stat below).
  bad=$(grep -E '^[A-Z_]+ ' "$T/$name.fwd" | grep -vE ': added(: |$)' | grep -v '^FUNC ' || true)
  [ -z "$bad" ] || die "$name: unexpected changes: $bad"

  # The counts: added = the number of types emit appended.
  run_kfb dump "$btf" | grep -c '^\[' > "$T/na"
  run_kfb dump "$T/$name.emit.btf" | grep -c '^\[' > "$T/nb"
  expect_exit 1 "$KFUNCBTF" diff --stat "$btf" "$T/$name.emit.btf"
  read -r _ added removed changed same < <(grep '^total ' "$T/out")
  expect_eq "$added" "$(( $(cat "$T/nb") - $(cat "$T/na") ))"
  expect_eq "$removed" 0
  expect_eq "$(( removed + changed + same ))" "$(cat "$T/na")"

  # Mirror: B A says "removed" where A B says "added".
  expect_exit 1 "$KFUNCBTF" diff "$T/$name.emit.btf" "$btf"
  sed -e 's/: added\(: \|$\)/: @@\1/' -e 's/: removed\(: \|$\)/: added\1/' -e 's/: @@\(: \|$\)/: removed\1/' \
      "$T/$name.fwd" | grep -v ': changed: ' | sort > "$T/a"
  grep -v ': changed: ' "$T/out" | sort > "$T/b"
  cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b" | head; die "$name: reverse diff is not the mirror image"; }
  n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "no fixture .btf files"
echo "ok: $n fixtures"
