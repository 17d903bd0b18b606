#!/bin/bash
# The emitted BTF of every native fixture (and with +sort, +dedup) is accepted by the running
# kernel (bpf(BPF_BTF_LOAD), tests/kernel/btfload.c), parses with libbpf (btf__parse, names
# found) and dumps with bpftool. The cross fixtures are not loadable by construction (the
# kernel refuses big-endian BTF and 4-byte pointers, see MANIFEST.md): libbpf and bpftool
# must still read them.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o
need cc bpftool
need_root
[ -f /usr/include/bpf/btf.h ] || skip "libbpf-dev is not installed"

cc -O1 -o "$T/btfload" "$KFB_SRC/tests/kernel/btfload.c" || die "cannot build btfload"
cc -O1 -o "$T/parse" "$KFB_SRC/tests/e2e/emit_libbpf_parse.c" -lbpf || die "cannot build the libbpf parser"

# A probe: can we call BPF_BTF_LOAD at all?
"$KFUNCBTF" emit "$KFB_FIXTURES/clang-dwarf5.o" -q -o "$T/probe.btf"
rc=0; "$T/btfload" -q "$T/probe.btf" > "$T/probe.out" || rc=$?
[ $rc -eq 77 ] && skip "$(cat "$T/probe.out")"

names=(bpf_obj_drop func bpf_obj_drop_impl func bpf_wq_set_callback_impl func scx_bpf_create_dsq_impl func
       bpf_kfunc_arg:implicit decl_tag bpf_kfunc_scope:sched_ext_ops:0xb decl_tag)
loaded=0
for obj in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf} "$KFB_FIXTURES"/clang-{powerpc64,i386,powerpc}-dwarf5.{o,elf}; do
  v=$(basename "$obj")
  feats=(default +sort +dedup)
  case "$v" in *.elf) feats=(default +dedup) ;; esac  # sort would break resolved .BTF_ids
  for feat in "${feats[@]}"; do
    out=$T/$v.$feat.btf
    expect_exit 0 "$KFUNCBTF" emit "$obj" --scopes "$KFB_SRC/testdata/src/scopes.txt" --features="$feat" -o "$out"
    expect_exit 0 "$T/parse" "$out" "${names[@]}"
    expect_grep "bpf_obj_drop_impl func" "$T/out"
    expect_exit 0 bpftool btf dump file "$out"
    expect_grep "FUNC 'bpf_wq_set_callback_impl'" "$T/out"
    case "$v" in
      clang-powerpc64-*|clang-i386-*|clang-powerpc-*) continue ;;
    esac
    rc=0; "$T/btfload" "$out" > "$T/load.out" || rc=$?
    [ $rc -eq 0 ] || { cat "$T/load.out" | tail -5; die "$v ($feat): the kernel rejected the emitted BTF"; }
    loaded=$((loaded + 1))
  done
done
expect_eq "$loaded" 20
