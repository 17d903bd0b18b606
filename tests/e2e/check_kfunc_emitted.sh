#!/bin/bash
# What emit writes passes check's kfunc rules: every fixture's emitted BTF (raw, judged from
# BTF alone) and its --update-elf copy (ELF scanned) has no kfunc finding at all, not even a
# pending twin. Then same-length string mutations of clang-dwarf5's emitted BTF must each give
# exactly the expected finding (the rules have teeth on emit's encodings).
. "$(dirname "$0")/lib.sh"
need python3
need_fixture clang-dwarf5.o
n=0
for f in "$KFB_FIXTURES"/{gcc,clang}-dwarf{4,5}.{o,elf} "$KFB_FIXTURES"/clang-{i386,powerpc,powerpc64}-dwarf5.{o,elf} \
         "$KFB_FIXTURES"/{nodwarf,nobtfids}.o; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  scopes=()
  case "$b" in gcc-*|nodwarf.o) scopes=(--scopes "$KFB_SRC/testdata/src/scopes.txt") ;; esac
  "$KFUNCBTF" -q emit --all "${scopes[@]}" -o "$T/$b.btf" "$f" || die "emit $b failed"
  "$KFUNCBTF" -q emit --all "${scopes[@]}" --update-elf -o "$T/$b" "$f" || die "emit --update-elf $b failed"
  for out in "$T/$b.btf" "$T/$b"; do
    rc=0; "$KFUNCBTF" -v --json check "$out" > "$T/c.json" || rc=$?
    python3 - "$T/c.json" "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kf = [f for f in d["findings"] if f["rule"].startswith("kfunc-")
      and f["rule"] not in ("kfunc-no-btf-ids", "kfunc-no-scan", "kfunc-no-debug-info")]
assert not kf, (sys.argv[2], kf)
PY
    case "$b" in
      *i386*|*powerpc*) [ $rc -le 1 ] || die "$out: exit $rc" ;;  # the running kernel's loader only
      *) [ $rc -eq 0 ] || die "$out: exit $rc" ;;
    esac
  done
  n=$((n + 1))
done
expect_exit 0 "$KFUNCBTF" -v check "$T/clang-dwarf5.o"
expect_grep "kfunc rules: 46 kfuncs (ELF scanned), 0 errors, 0 warnings, 0 notes" "$T/out"
expect_exit 0 "$KFUNCBTF" -v check "$T/gcc-dwarf5.o.btf"
expect_grep "kfunc rules: 45 kfuncs (BTF alone), 0 errors, 0 warnings, 0 notes" "$T/out"

# Mutations: replace one string of the emitted bytes with another of the same length.
mutate() {  # mutate IN OUT OLD NEW
  python3 - "$@" <<'PY'
import sys
src, dst, old, new = sys.argv[1], sys.argv[2], sys.argv[3].encode() + b"\0", sys.argv[4].encode() + b"\0"
b = open(src, "rb").read()
assert len(old) == len(new) and b.count(old) == 1, (old, b.count(old))
open(dst, "wb").write(b.replace(old, new))
PY
}
m="$T/m.btf"
mutate "$T/clang-dwarf5.o.btf" "$m" "bpf_kfunc_scope:sched_ext_ops:0xb" "bpf_kfunc_scope:sched_ext_ops:0x9"
expect_exit 1 "$KFUNCBTF" check "$m"
expect_eq "$(cat "$T/out")" "$m: scx_bpf_dsq_insert: scope sched_ext_ops.enqueue (bit 1) is not in the mask tag 'bpf_kfunc_scope:sched_ext_ops:0x9'"
mutate "$T/clang-dwarf5.o.btf" "$m" "bpf_kfunc_scope:hid_bpf_ops:0x6" "bpf_kfunc_scope:hid_bpf_ops:0x7"
expect_exit 1 "$KFUNCBTF" check "$m"
expect_eq "$(cat "$T/out")" "$m: hid_bpf_get_data: scope mask 'bpf_kfunc_scope:hid_bpf_ops:0x7': bit 0 names member 'hid_id' of struct hid_bpf_ops, which is 'int', not a function pointer"
mutate "$T/clang-dwarf5.o.btf" "$m" "bpf_kfunc_calls:sched_ext_ops:0x2" "bpf_kfunc_calls:sched_ext_ops:0x8"
expect_exit 1 "$KFUNCBTF" check "$m"
expect_eq "$(cat "$T/out")" "$m: scx_bpf_reenqueue_local: calls sched_ext_ops.enqueue (bit 1) is not in the mask tag 'bpf_kfunc_calls:sched_ext_ops:0x8'"
mutate "$T/clang-dwarf5.o.btf" "$m" "bpf_kfunc_arg:size" "bpf_kfunc_arg:sizf"
expect_exit 1 "$KFUNCBTF" --json check "$m"
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["rule"], f["kind"], f["name"], f["message"]) for f in d["findings"])
want = sorted(("kfunc-arg-tag", "DECL_TAG", n, "unknown argument flag 'sizf'") for n in
              ("bpf_copy_from_user_str", "bpf_fill_random", "bpf_stream_printk_prog", "bpf_path_d_path"))
assert got == want, got
PY
# The twin renamed away in an ELF: its set says KF_IMPLICIT_ARGS, so the verifier's message.
mutate "$T/clang-dwarf5.o" "$T/m.o" "bpf_obj_drop_impl" "bpf_obj_drop_impX"
expect_exit 1 "$KFUNCBTF" check "$T/m.o"
expect_eq "$(cat "$T/out")" "testdata/src/helpers.c:36: bpf_obj_drop: cannot find function bpf_obj_drop_impl in BTF"
# --first: one finding only.
mutate "$T/clang-dwarf5.o.btf" "$m" "bpf_kfunc_arg:size" "bpf_kfunc_arg:sizf"
expect_exit 1 "$KFUNCBTF" check --first "$m"
expect_eq "$(wc -l < "$T/out")" "1"
echo "$n fixtures emitted and checked clean; 5 mutations caught"
