#!/bin/bash
# --features=+sort: own types in name order (anonymous first, strcmp order, ties by id) with
# every reference remapped: the name-based view of kfuncs, tags and protos is exactly the
# unsorted one. --features=+dedup: same view, and the one FUNC_PROTO of the fixtures that is
# equal to one pahole wrote is reused, and one attributed pointer per arena target (nine types
# fewer). Both idempotent (see
# emit_idempotent.sh) and loadable (emit_loads.sh).
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o

# view FILE [-B BASE]: "<func> <tag> <component_idx>" + "<func> -> <ret> (<param types>)" by name.
view() {
  "$KFUNCBTF" dump "$@" | awk '
    /^\[/ { id = substr($1, 2, length($1) - 2) + 0; kind[id] = $2; n = $3; gsub("\047", "", n); name[id] = n
            for (i = 4; i <= NF; i++) { if ($i ~ /^(type_id|ret_type_id)=/) { split($i, a, "="); ty[id] = a[2] + 0 }
                                        if ($i ~ /^component_idx=/) ci[id] = substr($i, 15) }
            cur = id; next }
    /^\t/ { split($NF, a, "="); pt[cur] = pt[cur] " " $1 ":" a[2] }
    END {
      for (id in kind) {
        if (kind[id] == "DECL_TAG" && kind[ty[id]] == "FUNC") print name[ty[id]], name[id], ci[id]
        if (kind[id] == "FUNC") { p = ty[id]; s = pt[p]; out = ""
          n = split(s, xs, " "); for (i = 1; i <= n; i++) { split(xs[i], q, ":"); out = out " " q[1] "/" kind[q[2]] ":" name[q[2]] }
          print name[id], "->", kind[ty[p]] ":" name[ty[p]], "(" out " )" }
      }
    }' | LC_ALL=C sort
}

for v in gcc-dwarf5.o clang-dwarf5.o clang-powerpc64-dwarf5.o; do
  have_fixture "$v" || continue
  obj=$KFB_FIXTURES/$v
  sc=(--scopes "$KFB_SRC/testdata/src/scopes.txt")
  expect_exit 0 "$KFUNCBTF" --json emit "$obj" "${sc[@]}" -o "$T/plain.btf"
  plain_types=$(sed -n 's/.*"types_after":\([0-9]*\).*/\1/p' "$T/out")
  expect_eq "$(sed -n 's/.*"protos_reused":\([0-9]*\).*/\1/p' "$T/out")" 0
  expect_exit 0 "$KFUNCBTF" emit "$obj" "${sc[@]}" --features=+sort -o "$T/sorted.btf"
  expect_grep ", sorted by name" "$T/out"
  # Sorted: names in id order never decrease (anonymous = "" first).
  "$KFUNCBTF" dump "$T/sorted.btf" | sed -n "s/^\[[0-9]*\] [A-Z_0-9]* '\([^']*\)'.*/\1/p" | sed 's/^(anon)$//' > "$T/names"
  LC_ALL=C sort -c "$T/names" || die "$v: +sort output is not in name order"
  [ "$(head -1 "$T/names")" = "" ] || die "$v: anonymous types do not come first"
  # Same kfuncs, tags, protos by name.
  view "$T/plain.btf" > "$T/v.plain"
  view "$T/sorted.btf" > "$T/v.sorted"
  diff -u "$T/v.plain" "$T/v.sorted" > /dev/null || { diff -u "$T/v.plain" "$T/v.sorted" | head -20; die "$v: sort changed the content"; }
  [ "$(wc -l < "$T/v.plain")" -gt 200 ] || die "$v: view too small"
  expect_eq "$(stat -c %s "$T/plain.btf")" "$(stat -c %s "$T/sorted.btf")"

  expect_exit 0 "$KFUNCBTF" --json emit "$obj" "${sc[@]}" --features=+dedup -o "$T/dedup.btf"
  view "$T/dedup.btf" > "$T/v.dedup"
  diff -u "$T/v.plain" "$T/v.dedup" > /dev/null || { diff -u "$T/v.plain" "$T/v.dedup" | head -20; die "$v: dedup changed the content"; }
  added=$(sed -n 's/.*"protos_added":\([0-9]*\).*/\1/p' "$T/out")
  reused=$(sed -n 's/.*"protos_reused":\([0-9]*\).*/\1/p' "$T/out")
  expect_eq "$added/$reused" 6/1
  # one trimmed proto fewer, and the six arena attributes share two targets: 4 TYPE_TAGs and
  # their 4 PTRs fewer
  expect_eq "$(sed -n 's/.*"arena_attrs":\([0-9]*\).*/\1/p' "$T/out")" 2
  expect_eq "$(sed -n 's/.*"types_after":\([0-9]*\).*/\1/p' "$T/out")" "$((plain_types - 9))"
  [ "$(stat -c %s "$T/dedup.btf")" -lt "$(stat -c %s "$T/plain.btf")" ] || die "$v: dedup did not shrink the output"
done
