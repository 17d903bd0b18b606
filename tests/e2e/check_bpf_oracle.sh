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
S=$KFB_SRC/tools/scopes
# Without scope files: the scope and program-type rules say "not applied".
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts.tsv" "$K73"
# With each kernel's registrations (hooks-7.x.scopes, gen-hooks from linux-source-7.x): the
# program-type refusals are predicted, and no accepted program gets an error.
python3 "$O" corpus "$KFUNCBTF" "$D/7.2" "$D/7.2/verdicts.tsv" "$K72" --scopes "$S/hooks-7.2.scopes" \
  --hooks-from "--scopes $S/hooks-7.2.scopes"
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts-on-7.2.tsv" "$K72" --scopes "$S/hooks-7.2.scopes"
# The 7.3 corpus with the sched_ext scope file and the registrations in one file.
cat "$S/sched_ext-7.3.scopes" "$S/hooks-7.3.scopes" > "$T/7.3.scopes"
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts.tsv" "$K73" --scopes "$T/7.3.scopes"
# emit carries them: the 7.3 image's BTF rewritten with that file holds bpf_kfunc_hooks and
# scope tags, and check reads the rules from the tags alone.
expect_exit 0 "$KFUNCBTF" -q emit "$K73" --scopes "$T/7.3.scopes" -o "$T/7.3-emitted.btf"
python3 "$O" corpus "$KFUNCBTF" "$D/7.3" "$D/7.3/verdicts.tsv" "$T/7.3-emitted.btf" --scopes "$T/7.3.scopes" \
  --hooks-from "bpf_kfunc_hooks tags"
