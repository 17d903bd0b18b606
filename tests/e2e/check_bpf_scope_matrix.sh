#!/bin/bash
# The 7.3 scope matrices (tests/bpfprog/README.md): 77 sched_ext kfuncs x every member of the cpu
# form (40 of sched_ext_ops) and of the cid form (38 of sched_ext_ops_cid), + SYSCALL + tp_btf,
# one call each, judged by the 7.3 verifier. check with the shipped scope files
# (sched_ext-7.3.scopes for the callbacks, hooks-7.3.scopes for SYSCALL and tracing):
# - cpu form: must say allowed / not allowed exactly as the kernel did for every pair; the 154
#   pairs the kernel refuses at attach (sub_caps_updated, sub_ecaps_updated, the scope file's
#   unsupported: line) must be errors with the kernel's message; the 4 scx_bpf_create_dsq pairs
#   both refuse (the scope file's sleepable narrowing vs the kernel's "program must be sleepable");
# - cid form: check has no rule for its member refusals yet (they are counted): no error for any
#   of the 1,683 programs the kernel accepted, and the 30 SYSCALL/tracing refusals predicted.
. "$(dirname "$0")/lib.sh"
need python3
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
# With 7.3's registrations too (hooks-7.3.scopes): the SYSCALL and tracing rows are compared.
cat "$KFB_SRC/tools/scopes/sched_ext-7.3.scopes" "$KFB_SRC/tools/scopes/hooks-7.3.scopes" > "$T/7.3.scopes"
matrix() {  # matrix FORM [--unclaimed OPS]: the oracle's comparison of one form, in $T/FORM
  local form=$1 sfx=${1#cpu}; shift
  python3 "$KFB_SRC/tests/bpfprog/check_oracle.py" matrix "$KFUNCBTF" "$KFB_SRC/testdata/bpfprog/scope-matrix/7.3$sfx" \
    "$KFB_SRC/testdata/bpfprog/7.3/scope-matrix$sfx.tsv" "$K73" "$T/7.3.scopes" --hooks-from "--scopes $T/7.3.scopes" \
    "$@" | tee "$T/$form"
  grep -q "excluded {}" "$T/$form" || die "$form: pairs were excluded from the comparison"
  grep -qx "  disagree: 0" "$T/$form" || die "$form: check and the kernel disagree"
}
matrix cpu
grep -qx "  agree not_reached: refused at attach, with the kernel's message: 154" "$T/cpu" ||
  die "the 154 attach refusals are not all predicted"
matrix -cid --unclaimed sched_ext_ops_cid
grep -qx "  agree allowed: 1683" "$T/-cid" || die "not every accepted cid-form program is free of errors"
grep -qx "  agree not_allowed: 30" "$T/-cid" || die "the cid form's 30 SYSCALL/tracing refusals are not all predicted"
