#!/bin/bash
# check in program mode against the real 7.3 and 7.2 verifiers (tests/bpfprog/README.md):
# no error for any program a kernel accepted, an error for every refusal of a class check
# claims (libbpf not found / incompatible / struct_ops, "referenced but wasn't resolved", the
# sched_ext callback scope's "not allowed"), the others counted by class; 7.3's objects against
# 7.2 (verdicts-on-7.2.tsv). Needs the kernels' BTF: install-deps --tests fetches them.
. "$(dirname "$0")/lib.sh"
need python3
CACHE=${KFB_CACHE:-/var/cache/kfuncbtf}
K73=$CACHE/linux-binary-7.3-amd64/vmlinux-7.3-amd64
# The 7.2 the verdicts came from (7.2.13); install-deps --tests fetches the current 7.2.
K72=$(ls "$CACHE"/linux-binary-7.2*/vmlinux-7.2* 2>/dev/null | head -1 || true)
K72=${K72:-$CACHE/linux-binary-7.2/vmlinux-7.2}
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
[ -r "$K72" ] || skip "no 7.2 BTF at $K72 (install-deps --tests fetches it)"
D=$KFB_SRC/testdata/bpfprog
O=$KFB_SRC/tests/bpfprog/check_oracle.py
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts.tsv" "$K73"
python3 "$O" corpus "$KFUNCBTF" "$D/7.2" "$D/7.2/verdicts.tsv" "$K72"
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts-on-7.2.tsv" "$K72"
# The same 7.3 corpus with the shipped scope file: the callback-scope rule adds no false positive.
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts.tsv" "$K73" --scopes "$KFB_SRC/tools/scopes/sched_ext-7.3.scopes"
