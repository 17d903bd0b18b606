#!/bin/bash
# The 7.3 scope matrices (tests/bpfprog/README.md): 77 sched_ext kfuncs x every member of the cpu
# form (40 of sched_ext_ops) and of the cid form (38 of sched_ext_ops_cid), + SYSCALL + tp_btf,
# one call each, judged by the 7.3 verifier. check with the shipped scope files
# (sched_ext-7.3.scopes for the callbacks, hooks-7.3.scopes for SYSCALL and tracing):
# - cpu form: must say allowed / not allowed exactly as the kernel did for every pair; the 154
#   pairs the kernel refuses at attach (sub_caps_updated, sub_ecaps_updated, the scope file's
#   unsupported: line) must be errors with the kernel's message; the 4 scx_bpf_create_dsq pairs
#   both refuse (the scope file's sleepable narrowing vs the kernel's "program must be sleepable");
# - cid form: the file's same-offsets: and deny: lines (the cpu form's slots, minus
#   scx_kfunc_ids_cpu_only) must say allowed / not allowed exactly as the kernel did for all
#   3,080 pairs (1,367 member refusals, 30 SYSCALL/tracing);
# - both forms again on the 7.3 BTF that emit --scopes wrote (the rules carried as tags: the cid
#   form's masks, 0x0 for the denied kfuncs), the scope file then giving only unsupported:.
. "$(dirname "$0")/lib.sh"
need python3
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
# With 7.3's registrations too (hooks-7.3.scopes): the SYSCALL and tracing rows are compared.
cat "$KFB_SRC/tools/scopes/sched_ext-7.3.scopes" "$KFB_SRC/tools/scopes/hooks-7.3.scopes" > "$T/7.3.scopes"
matrix() {  # matrix NAME KERNEL_BTF HOOKS_FROM [--ops OPS]: the oracle's comparison, in $T/NAME
  local name=$1 kbtf=$2 hooks=$3 sfx=; shift 3
  [ "$*" = "--ops sched_ext_ops_cid" ] && sfx=-cid
  python3 "$KFB_SRC/tests/bpfprog/check_oracle.py" matrix "$KFUNCBTF" "$KFB_SRC/testdata/bpfprog/scope-matrix/7.3$sfx" \
    "$KFB_SRC/testdata/bpfprog/7.3/scope-matrix$sfx.tsv" "$kbtf" "$T/7.3.scopes" --hooks-from "$hooks" \
    "$@" | tee "$T/$name"
  grep -q "excluded {}" "$T/$name" || die "$name: pairs were excluded from the comparison"
  grep -qx "  disagree: 0" "$T/$name" || die "$name: check and the kernel disagree"
}
cpu() {  # cpu NAME: the cpu form's counts
  grep -qx "  agree not_reached: refused at attach, with the kernel's message: 154" "$T/$1" ||
    die "$1: the 154 attach refusals are not all predicted"
  grep -qx "  agree not_allowed: 595" "$T/$1" || die "$1: not every not-allowed pair is predicted"
}
cid() {  # cid NAME: the cid form's counts (1,397 = 1,367 member refusals + 30 SYSCALL/tracing)
  grep -qx "  agree allowed: 1679" "$T/$1" || die "$1: not every accepted cid-form program is free of errors"
  grep -qx "  agree not_allowed: 1397" "$T/$1" || die "$1: the cid form's refusals are not all predicted"
}
matrix cpu "$K73" "--scopes $T/7.3.scopes"
cpu cpu
matrix cid "$K73" "--scopes $T/7.3.scopes" --ops sched_ext_ops_cid
cid cid
"$KFUNCBTF" -q emit --scopes "$T/7.3.scopes" -o "$T/7.3e.btf" "$K73" || die "emit --scopes of the 7.3 image failed"
"$KFUNCBTF" -q check "$T/7.3e.btf" || die "check refuses the BTF emit wrote (0x0 scope masks)"
matrix cpu-tags "$T/7.3e.btf" "bpf_kfunc_hooks tags"
cpu cpu-tags
matrix cid-tags "$T/7.3e.btf" "bpf_kfunc_hooks tags" --ops sched_ext_ops_cid
cid cid-tags
