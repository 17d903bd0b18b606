#!/bin/bash
# The 7.3 scope matrix (tests/bpfprog/README.md): 77 sched_ext kfuncs x 40 sched_ext_ops members
# + SYSCALL + tp_btf, one call each, judged by the 7.3 verifier. check with the shipped scope files
# (sched_ext-7.3.scopes for the callbacks, hooks-7.3.scopes for SYSCALL and tracing)
# must say allowed / not allowed exactly as the kernel did for every pair; the 154 pairs the
# kernel refuses at attach (sub_caps_updated, sub_ecaps_updated of the cpu form, the scope file's
# unsupported: line) must be errors with the kernel's message; the 4 scx_bpf_create_dsq pairs
# both refuse (the scope file's sleepable narrowing vs the kernel's "program must be sleepable").
. "$(dirname "$0")/lib.sh"
need python3
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
# With 7.3's registrations too (hooks-7.3.scopes): the SYSCALL and tracing rows are compared.
cat "$KFB_SRC/tools/scopes/sched_ext-7.3.scopes" "$KFB_SRC/tools/scopes/hooks-7.3.scopes" > "$T/7.3.scopes"
python3 "$KFB_SRC/tests/bpfprog/check_oracle.py" matrix "$KFUNCBTF" "$KFB_SRC/testdata/bpfprog/scope-matrix/7.3" \
  "$KFB_SRC/testdata/bpfprog/7.3/scope-matrix.tsv" "$K73" "$T/7.3.scopes" --hooks-from "--scopes $T/7.3.scopes" \
  | tee "$T/matrix"
grep -qx "  agree not_reached: refused at attach, with the kernel's message: 154" "$T/matrix" ||
  die "the 154 attach refusals are not all predicted"
grep -q "excluded {}" "$T/matrix" || die "pairs were excluded from the comparison"
