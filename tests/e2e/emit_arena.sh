#!/bin/bash
# Feature "arena" (default): resolve_btfids 7.3's address_space(1) type attributes. The returned
# pointer under KF_ARENA_RET, argument 0/1 under KF_ARENA_ARG1/2 and every *__arena or
# *__arena__nullable argument point through a TYPE_TAG 'address_space(1)' with kflag, in a new
# FUNC_PROTO the kfunc is repointed at (the original proto stays as it was). Nothing is tagged
# twice: emit on its own output adds nothing. -arena adds no attribute.
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o

expect_exit 0 "$KFUNCBTF" emit "$obj" -o "$T/out.btf"
expect_grep "  arena:           6 address_space(1) attributes, 4 prototypes" "$T/out"
"$KFUNCBTF" dump "$T/out.btf" > "$T/dump"
"$KFUNCBTF" dump "$obj" > "$T/in"
# bpf_arena_alloc_pages(void *p__map, void *addr, u32 page_cnt, int node_id, u64 flags) with
# KF_ARENA_RET | KF_ARENA_ARG2 (testdata/src/arena.c): the return value and addr.
proto_of() { sed -n "s/^\[[0-9]*\] FUNC 'bpf_arena_alloc_pages' type_id=\([0-9]*\) .*/\1/p" "$1"; }
old=$(proto_of "$T/in") proto=$(proto_of "$T/dump")
[ -n "$old" ] && [ -n "$proto" ] || die "no FUNC bpf_arena_alloc_pages"
[ "$proto" -gt "$(grep -c '^\[' "$T/in")" ] || die "the arena proto [$proto] is not a new type"
param() { grep -A5 "^\[$2\] FUNC_PROTO" "$1" | sed -n "s/^\t'$3' type_id=//p"; }
ptr_type=$(sed -n "s/^\[$(param "$T/in" "$old" addr)\] PTR '(anon)' type_id=//p" "$T/in")
expect_eq "$(grep -A5 "^\[$proto\] FUNC_PROTO" "$T/dump")" "[$proto] FUNC_PROTO '(anon)' ret_type_id=$((proto - 3)) vlen=5
	'p__map' type_id=$(param "$T/in" "$old" p__map)
	'addr' type_id=$((proto - 1))
	'page_cnt' type_id=$(param "$T/in" "$old" page_cnt)
	'node_id' type_id=$(param "$T/in" "$old" node_id)
	'flags' type_id=$(param "$T/in" "$old" flags)"
expect_eq "$(grep -E "^\[($((proto - 4))|$((proto - 3))|$((proto - 2))|$((proto - 1)))\] " "$T/dump")" \
"[$((proto - 4))] TYPE_TAG 'address_space(1)' type_id=0
[$((proto - 3))] PTR '(anon)' type_id=$((proto - 4))
[$((proto - 2))] TYPE_TAG 'address_space(1)' type_id=$ptr_type
[$((proto - 1))] PTR '(anon)' type_id=$((proto - 2))"
# The attributes carry kflag (a type attribute, not a btf_type_tag): the diff says so.
expect_exit 1 "$KFUNCBTF" diff "$obj" "$T/out.btf"
expect_grep "__attribute__((address_space(1)))" "$T/out"
# The original proto is untouched: same record at the same id.
expect_eq "$(grep -A5 "^\[$old\] FUNC_PROTO" "$T/dump")" "$(grep -A5 "^\[$old\] FUNC_PROTO" "$T/in")"
# Idempotent: the pointers are already tagged.
expect_exit 0 "$KFUNCBTF" emit "$obj" --btf "$T/out.btf" -o "$T/again.btf"
expect_grep "  arena:           0 address_space(1) attributes, 0 prototypes" "$T/out"
cmp "$T/out.btf" "$T/again.btf" || die "second emit changed the bytes"
expect_exit 0 "$KFUNCBTF" check "$T/out.btf"
# Off: no TYPE_TAG added at all.
expect_exit 0 "$KFUNCBTF" emit "$obj" --features=-arena -o "$T/off.btf"
expect_grep "  arena:           0 address_space(1) attributes, 0 prototypes" "$T/out"
[ "$("$KFUNCBTF" dump "$T/off.btf" | grep -c "TYPE_TAG 'address_space(1)'")" = 0 ] || die "-arena added attributes"
# dedup: one attributed pointer per target, as btf__dedup leaves resolve_btfids 7.3's output (the
# six attributes of the fixture point at two targets: void and the arena struct).
expect_exit 0 "$KFUNCBTF" emit "$obj" --features=+dedup -o "$T/dedup.btf"
expect_grep "  arena:           2 address_space(1) attributes, 4 prototypes" "$T/out"
expect_eq "$("$KFUNCBTF" dump "$T/dedup.btf" | grep -c "TYPE_TAG 'address_space(1)'")" 2
expect_exit 0 "$KFUNCBTF" check "$T/dedup.btf"
# On a 7.3 kernel the attributes are left to resolve_btfids unless `arena` is named.
k73=$(ls /var/tmp/kfuncbtf-kbuild/7.3/keep/tmp_vmlinux1 2>/dev/null || true)
if [ -n "$k73" ]; then  # a real 7.3 build's .tmp_vmlinux1 + pahole BTF (tests/bench/kernel_build.sh)
  keep=$(dirname "$k73")
  expect_exit 0 "$KFUNCBTF" emit --btf "$keep/vmlinux.BTF.1" -o "$T/k.btf" "$k73"
  expect_grep "  arena:           0 address_space(1) attributes, 0 prototypes" "$T/out"
  expect_exit 0 "$KFUNCBTF" emit --features=+arena,+dedup --btf "$keep/vmlinux.BTF.1" -o "$T/k.btf" "$k73"
  expect_grep "  arena:           5 address_space(1) attributes, 8 prototypes" "$T/out"
else
  echo "note: no 7.3 build kept (tests/bench/kernel_build.sh); the 7.3 default is not checked here"
fi
