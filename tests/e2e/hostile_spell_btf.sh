#!/bin/bash
# C spellings of BTF types are bounded and cycle-safe (cname.cc): a FUNC_PROTO inside itself
# is "<cycle>" at once, and nested function pointers, whose spelling doubles per level, are cut
# with "..." past about 4 KiB. Before, `diff` of the 65-byte proto-self BTF and `check` of the
# 162-byte pointer cycle (which the loader accepts) ran out of memory, and `check` of 24 levels
# (1 KB) took minutes and printed hundreds of MB. Each run here is bounded (10 s, 1 GB) so a
# regression fails instead of hanging.
. "$(dirname "$0")/lib.sh"
need python3 timeout
craft="$KFB_SRC/tests/e2e/craft.py"
cd "$T"
python3 "$craft" btf-spell self.btf proto-self
python3 "$craft" btf-spell cyc.btf ptr-proto-cycle
python3 "$craft" btf-spell n3.btf fnptr-nest 3
python3 "$craft" btf-spell n24.btf fnptr-nest 24

# A proto returning and taking itself: one step each way.
expect_exit 1 bounded "$KFUNCBTF" diff cyc.btf self.btf
expect_grep "FUNC_PROTO [<cycle> (<cycle>)]: added" out

# A pointer to a proto taking that pointer: the loader accepts it; the kfunc rules spell it.
expect_exit 1 bounded "$KFUNCBTF" check cyc.btf
expect_eq "$(cat out)" "cyc.btf: bpf_cyc: arg 0 'cb__sz': size argument must be a scalar, not 'int (*)(<cycle> (*), <cycle> (*))'
cyc.btf: bpf_cyc: arg 0 'cb__sz': size argument must follow a pointer argument"
expect_exit 1 bounded "$KFUNCBTF" diff self.btf cyc.btf
expect_eq "$(cat out)" "kfunc bpf_cyc: added: int bpf_cyc(int (*cb__sz)(<cycle> (*), <cycle> (*)))
PTR [int (*)(<cycle> (*), <cycle> (*))]: added
FUNC bpf_cyc: added: global int bpf_cyc(int (*cb__sz)(<cycle> (*), <cycle> (*)))
FUNC_PROTO [int (<cycle> (*a), <cycle> (*b))]: added
FUNC_PROTO [int (int (*cb__sz)(<cycle> (*), <cycle> (*)))]: added
DECL_TAG [bpf_kfunc on FUNC bpf_cyc]: added
FUNC_PROTO [<cycle> (<cycle>)]: removed"

# Three levels are spelled in full, as always.
expect_exit 1 bounded "$KFUNCBTF" check n3.btf
l3="int (*)(int (*)(int (*)(int, int), int (*)(int, int)), int (*)(int (*)(int, int), int (*)(int, int)))"
expect_eq "$(head -1 out)" "n3.btf: bpf_deep: arg 0 'cb__sz': size argument must be a scalar, not '$l3'"

# Twenty-four levels (2^24 "int"s in full) are cut: one message line of about 4 KiB that
# starts as the full spelling does and ends in elided parameter lists.
expect_exit 1 bounded "$KFUNCBTF" check n24.btf
[ "$(wc -l < out)" = 2 ] || die "check n24.btf: $(wc -l < out) lines, expected 2"
first=$(head -1 out)
[ "${#first}" -le 4500 ] || die "check n24.btf: a message of ${#first} bytes"
prefix="n24.btf: bpf_deep: arg 0 'cb__sz': size argument must be a scalar, not 'int (*)(int (*)(int (*)("
[ "${first:0:${#prefix}}" = "$prefix" ] || die "check n24.btf: starts with ${first:0:200}"
case $first in *", ...), ...), ...)'") ;; *) die "check n24.btf: not elided: ${first: -200}" ;; esac
expect_eq "$(tail -1 out)" "n24.btf: bpf_deep: arg 0 'cb__sz': size argument must follow a pointer argument"
# diff spells each of the 24 levels (PTR and FUNC_PROTO lines), each line bounded.
expect_exit 1 bounded "$KFUNCBTF" diff self.btf n24.btf
[ "$(wc -l < out)" = 53 ] || die "diff n24.btf: $(wc -l < out) lines, expected 53"
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' out)
[ "$longest" -le 4500 ] || die "diff n24.btf: a line of $longest bytes"
echo "ok: type spelling is bounded and cycle-safe (longest line $longest bytes)"
