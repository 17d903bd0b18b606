#!/bin/bash
# Program mode with a real module's BTF: libbpf looks a kfunc up in vmlinux, then in each
# module's own types. test_bpf_nf_fail.bpf.o (7.3's selftest) calls nf_conntrack's kfuncs
# (bpf_xdp_ct_lookup, bpf_ct_change_status, ...): against the 7.3 image alone every program
# fails in libbpf ("not found in kernel or module BTFs", as the module-less QEMU guests said);
# with Debian 7.3's nf_conntrack BTF (testdata/bpfprog/7.3/modules, split on that image) they
# resolve there, as a directory (/sys/kernel/btf's layout) or as one file.
. "$(dirname "$0")/lib.sh"
need python3
K73=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K73" ] || skip "no 7.3 BTF at $K73 (install-deps --tests fetches it)"
O=$KFB_SRC/testdata/bpfprog/7.3/selftests_bpf/test_bpf_nf_fail.bpf.o
M=$KFB_SRC/testdata/bpfprog/7.3/modules
progs_with() {  # progs_with RULE: the programs with an error of RULE in $T/out (JSON)
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({f["program"] for f in d["findings"] if f["rule"] == sys.argv[2]}))' "$T/out" "$1"
}
expect_exit 1 "$KFUNCBTF" --json check "$O" --kernel-btf "$K73"
expect_eq "$(progs_with libbpf-not-found)" 12
expect_grep "libbpf: extern (func ksym) 'bpf_ct_change_status': not found in kernel or module BTFs" "$T/out"
for mods in "$M" "$M/nf_conntrack"; do
  expect_exit 0 "$KFUNCBTF" --json -v check "$O" --kernel-btf "$K73" --module-btf "$mods"
  expect_eq "$(progs_with libbpf-not-found)" 0
  expect_grep '"modules":1' "$T/out"
done
