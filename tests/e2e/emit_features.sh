#!/bin/bash
# --features / --features-strict / --list-features, and what turning a feature off removes.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
sc=(--scopes "$KFB_SRC/testdata/src/scopes.txt")

expect_exit 0 "$KFUNCBTF" emit --list-features
cat > "$T/want" <<'WANT'
tags       default  bpf_kfunc and bpf_fastcall decl tags on every kfunc
twins      default  F_impl twins and trimmed prototypes for kfuncs with implicit arguments
arg_flags  default  bpf_kfunc_arg:<flag> and bpf_kfunc_ret:<flag> tags (per-argument flag sets)
scopes     default  bpf_kfunc_scope:<ops>:0x<mask> and bpf_kfunc_calls:<ops>:0x<mask> tags
arena      default  address_space(1) type attributes on arena pointers (KF_ARENA_*, __arena), as resolve_btfids 7.3
sort                re-sort all own types by name like resolve_btfids (renumbers every type)
dedup               reuse an identical existing FUNC_PROTO (and arena pointer) instead of adding one
WANT
diff -u "$T/want" "$T/out" || die "--list-features output changed"

# count FEATURES: types added.
count() { "$KFUNCBTF" --json emit "$obj" "${sc[@]}" --features="$1" -o "$T/x.btf" | sed -n 's/.*"types_before":\([0-9]*\),"types_after":\([0-9]*\).*/\2 \1/p' | awk '{print $1 - $2}'; }
expect_eq "$(count default)" 166
expect_eq "$(count -tags)" 116        # 45 bpf_kfunc + 5 bpf_fastcall
expect_eq "$(count -arg_flags)" 88    # 61 arg + 17 ret tags
expect_eq "$(count -scopes)" 157      # 8 scope + 1 calls
expect_eq "$(count -twins)" 146        # -13 twin types, -14 tags on new twins, +7 implicit tags on F
expect_eq "$(count -arena)" 150       # 6 attributes + 6 pointers + 4 prototypes
expect_eq "$(count arena)" 16
expect_eq "$(count tags)" 50
expect_eq "$(count twins)" 13         # 6 new FUNCs + 7 protos
expect_eq "$(count -all)" 0
expect_grep '"features":"twins"' <(echo "$("$KFUNCBTF" --json emit "$obj" --features=twins -o "$T/x.btf")")

# Unknown names: a warning, or with --features-strict an error (exit 2) and nothing written.
expect_exit 0 "$KFUNCBTF" emit "$obj" --features=+bogus -o "$T/y.btf"
expect_grep "kfuncbtf: warning: unknown feature 'bogus' ignored" "$T/err"
rm -f "$T/z.btf"
expect_exit 2 "$KFUNCBTF" emit "$obj" --features=+bogus --features-strict -o "$T/z.btf"
expect_grep "kfuncbtf: unknown feature 'bogus' (see --list-features)" "$T/err"
[ ! -e "$T/z.btf" ] || die "strict failure wrote output"
