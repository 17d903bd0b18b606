#!/bin/bash
# Program mode on bad input: one message naming file, section and offset, exit 2, nothing on
# stdout (lib/bpf's reader; the objects are the fuzz corpus's corrupted copies of the fixture).
# A struct_ops map whose type the target lacks is the target's finding, with libbpf's text.
. "$(dirname "$0")/lib.sh"
K=${KFB_CACHE:-/var/cache/kfuncbtf}/linux-binary-7.3-amd64/vmlinux-7.3-amd64
[ -r "$K" ] || skip "no 7.3 BTF at $K (install-deps --tests fetches it)"
C=$KFB_SRC/tests/fuzz/corpus/bpf
bad() {  # bad FILE MESSAGE
  expect_exit 2 "$KFUNCBTF" check "$1" --kernel-btf "$K"
  expect_eq "$(cat "$T/err")" "kfuncbtf: $2"
  expect_eq "$(cat "$T/out")" ""
}
printf 'hello' > "$T/notelf.o"
bad "$T/notelf.o" "$T/notelf.o: not an ELF file"
bad "$C/machine-x86" "$C/machine-x86: not a BPF object (e_machine 62, EM_BPF is 247)"
bad "$C/btfext-version" "$C/btfext-version: .BTF.ext+0x2: unsupported version 2"
bad "$C/btfext-line-len" "$C/btfext-line-len: .BTF.ext+0x10: line_info: 0x10000 bytes at 0x9c run past the end of the section (0x238 bytes)"
bad "$C/reltc-outside" "$C/reltc-outside: .reltc+0x0: relocation #0: offset 0x40 is outside section 'tc' (0x18 bytes)"
bad "$C/stops-no-member" "$C/stops-no-member: .rel.struct_ops.link+0x0: relocation #0: map 'fx_ops': struct sched_ext_ops has no member at offset 0x4"
# The target: an unreadable --kernel-btf is exit 2 too.
expect_exit 2 "$KFUNCBTF" check "$C/kfuncs.bpf.o" --kernel-btf "$T/notelf.o"
# A struct_ops type the target does not have: libbpf's message (find_struct_ops_kern_types), for
# each of its programs; the 7.3 verifier's run said the same (bpf_testmod is not in Debian's kernels).
O=$KFB_SRC/testdata/bpfprog/7.3/selftests_bpf/struct_ops_kptr_return_fail__local_kptr.bpf.o
expect_exit 1 "$KFUNCBTF" check "$O" --kernel-btf "$K"
expect_eq "$(cat "$T/out")" "$O: error: kptr_return_fail__local_kptr (struct_ops/test_return_ref_kptr, bpf_testmod_ops.test_return_ref_kptr): libbpf: struct_ops init_kern: struct bpf_struct_ops_bpf_testmod_ops is not found in kernel BTF [target vmlinux-7.3-amd64]"
