#!/bin/bash
# The 7.3 scope matrix of the cid form (tests/bpfprog/README.md): 77 sched_ext kfuncs x 38
# sched_ext_ops_cid members + SYSCALL + tp_btf, one call each, judged by the 7.3 verifier
# (OPS=sched_ext_ops_cid tests/bpfprog/scope-matrix.sh). check has no rule for the cid form's
# member refusals yet (the same allow table by member offset, plus scx_kfunc_ids_cpu_only refused
# from every member): they are counted, and check must give no error for any of the 1,683
# programs the kernel accepted; the SYSCALL and tracing rows are compared in full.
. "$(dirname "$0")/lib.sh"
need python3
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
cat "$KFB_SRC/tools/scopes/sched_ext-7.3.scopes" "$KFB_SRC/tools/scopes/hooks-7.3.scopes" > "$T/7.3.scopes"
python3 "$KFB_SRC/tests/bpfprog/check_oracle.py" matrix "$KFUNCBTF" "$KFB_SRC/testdata/bpfprog/scope-matrix/7.3-cid" \
  "$KFB_SRC/testdata/bpfprog/7.3/scope-matrix-cid.tsv" "$K73" "$T/7.3.scopes" --hooks-from "--scopes $T/7.3.scopes" \
  --unclaimed sched_ext_ops_cid | tee "$T/matrix"
grep -qx "  agree allowed: 1683" "$T/matrix" || die "not every accepted cid-form program is free of errors"
grep -qx "  agree not_allowed: 30" "$T/matrix" || die "the 30 SYSCALL/tracing refusals are not all predicted"
grep -qx "  disagree: 0" "$T/matrix" || die "check and the kernel disagree"
grep -q "excluded {}" "$T/matrix" || die "pairs were excluded from the comparison"
