#!/bin/bash
# build/kfuncbtf-pahole, the PAHOLE= wrapper for a kernel build: pahole's own behaviour passes
# through (--version, exit codes, messages), and the BTF pahole wrote is what `kfuncbtf emit`
# makes of it, byte for byte, in each of the kernel's three forms: 7.x's detached .BTF.1, 6.x's
# -J into the ELF, a module with --btf_base. Failures stop the build with emit's message and
# leave no BTF behind.
. "$(dirname "$0")/lib.sh"
need pahole
need_fixture clang-dwarf5.o
W=$(dirname "$KFUNCBTF")/kfuncbtf-pahole
[ -x "$W" ] || die "no $W (the build installs it beside kfuncbtf)"
fx=$KFB_FIXTURES
sc=$KFB_SRC/testdata/src/scopes.txt

# pahole's own answers, unchanged (Kconfig reads CONFIG_PAHOLE_VERSION from --version).
expect_eq "$("$W" --version)" "$(pahole --version)"
rc=0; pahole -J "$T/nonexistent" > "$T/p.out" 2> "$T/p.err" || rc=$?
[ "$rc" -ne 0 ] || die "pahole -J accepted a missing file"
expect_exit "$rc" "$W" -J "$T/nonexistent"
expect_grep "kfuncbtf-pahole: pahole failed (exit $rc); kfuncbtf emit did not run" "$T/err"
expect_eq "$(grep -v '^kfuncbtf-pahole: ' "$T/err")" "$(cat "$T/p.err")"

# 7.x: pahole -J --btf_encode_detached=F OBJ, then emit rewrote F; the same as doing both by hand.
cp "$fx/gcc-dwarf5.o" "$T/a.o"
pahole -J --btf_encode_detached="$T/want.BTF.1" "$T/a.o"
"$KFUNCBTF" emit -q --scopes "$sc" --btf "$T/want.BTF.1" -o "$T/want.btf" "$T/a.o"
KFUNCBTF_EMIT="-q --scopes $sc" expect_exit 0 "$W" -J --btf_encode_detached="$T/got.BTF.1" "$T/a.o"
cmp "$T/want.btf" "$T/got.BTF.1" || die "detached: the wrapper's BTF is not emit's"
cmp -s "$T/want.BTF.1" "$T/got.BTF.1" && die "detached: emit changed nothing"
# the separate-argument spelling and --btf_base as gen-btf.sh passes them (module below)
KFUNCBTF_EMIT="-q --scopes $sc" expect_exit 0 "$W" -J --btf_encode_detached "$T/got2.BTF.1" "$T/a.o"
cmp "$T/want.btf" "$T/got2.BTF.1" || die "detached (two words): the wrapper's BTF is not emit's"

# 6.x: pahole -J OBJ writes .BTF into OBJ; emit --update-elf --in-place rewrote it.
cp "$fx/clang-dwarf5.o" "$T/b.o"; cp "$fx/clang-dwarf5.o" "$T/c.o"
pahole -J "$T/b.o"
"$KFUNCBTF" emit -q --update-elf --in-place "$T/b.o"
KFUNCBTF_EMIT=-q expect_exit 0 "$W" -J "$T/c.o"
cmp "$T/b.o" "$T/c.o" || die "-J: the wrapper's object is not emit --update-elf's"
cmp -s "$T/c.o" "$fx/clang-dwarf5.o" && die "-J: nothing changed"

# A module: split BTF on the base named by --btf_base (both spellings).
if have_fixture clang-dwarf5-mod.ko; then
  base=$fx/clang-dwarf5.elf
  cp "$fx/clang-dwarf5-mod.ko" "$T/m1.ko"; cp "$fx/clang-dwarf5-mod.ko" "$T/m2.ko"
  pahole -J --btf_base "$base" "$T/m1.ko"
  "$KFUNCBTF" emit -q -B "$base" --update-elf --in-place "$T/m1.ko"
  KFUNCBTF_EMIT=-q expect_exit 0 "$W" -J --btf_base "$base" "$T/m2.ko"
  cmp "$T/m1.ko" "$T/m2.ko" || die "module: the wrapper's .ko is not emit's"
  cp "$fx/clang-dwarf5-mod.ko" "$T/m3.ko"
  KFUNCBTF_EMIT=-q expect_exit 0 "$W" -J --btf_base="$base" "$T/m3.ko"
  cmp "$T/m1.ko" "$T/m3.ko" || die "module (--btf_base=): the wrapper's .ko is not emit's"
  # One KFUNCBTF_EMIT serves the whole build: on a module, scope-file lines about kfuncs it does
  # not have (vmlinux's) are skipped and counted, where on vmlinux they would be errors (V=1:
  # the summary that says so).
  n=$(grep -c '^[a-z]' "$sc")
  cp "$fx/clang-dwarf5-mod.ko" "$T/m4.ko"
  KBUILD_VERBOSE=1 KFUNCBTF_EMIT="--scopes $sc" expect_exit 0 "$W" -J --btf_base "$base" "$T/m4.ko"
  expect_grep "  scope tags:      0 bpf_kfunc_scope, 0 bpf_kfunc_calls, 0 bpf_kfunc_hooks ($n scope-file lines name kfuncs this module does not have)" "$T/out"
  cmp "$T/m1.ko" "$T/m4.ko" || die "module: the skipped scope lines changed the .ko"
fi

# A wrong scope file stops the build with emit's message (file:line), and the detached BTF pahole
# wrote is gone, so nothing downstream reads BTF emit refused.
printf 'scx_bpf_dsq_insert sched_ext_ops.enqueue\nno_such_kfunc sched_ext_ops.enqueue\n' > "$T/bad.scopes"
KFUNCBTF_EMIT="-q --scopes $T/bad.scopes" expect_exit 1 "$W" -J --btf_encode_detached="$T/bad.BTF.1" "$T/a.o"
expect_grep "kfuncbtf: $T/bad.scopes:2: " "$T/err"
expect_grep "kfuncbtf-pahole: kfuncbtf emit failed on $T/a.o (exit 1); removed $T/bad.BTF.1" "$T/err"
[ ! -e "$T/bad.BTF.1" ] || die "a refused detached BTF was left behind"
# A kfunc that breaks a rule: emit's message with the source line.
if have_fixture bad-scope-unknown-member.o; then
  cp "$fx/bad-scope-unknown-member.o" "$T/r.o"
  KFUNCBTF_EMIT=-q expect_exit 1 "$W" -J --btf_encode_detached="$T/r.BTF.1" "$T/r.o"
  expect_grep "kfuncbtf: testdata/src/bad/scope_unknown_member.c:6: bpf_bad_scope_unknown: scope 'bad_ops.no_such_member': struct bad_ops has no member 'no_such_member'" "$T/err"
  [ ! -e "$T/r.BTF.1" ] || die "a refused detached BTF was left behind"
fi
# -J into the ELF: the object keeps pahole's .BTF (emit writes nothing on failure).
cp "$fx/clang-dwarf5.o" "$T/d.o"; cp "$fx/clang-dwarf5.o" "$T/e.o"
pahole -J "$T/d.o"
KFUNCBTF_EMIT="-q --scopes $T/bad.scopes" expect_exit 1 "$W" -J "$T/e.o"
cmp "$T/d.o" "$T/e.o" || die "-J: a failed emit changed the object"
# A module without its base: pahole's own failure, reported as pahole's.
cp "$fx/clang-dwarf5.o" "$T/f.o"
rc=0; pahole -J --btf_base "$T/nobase" "$T/f.o" > /dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || die "pahole accepted a missing base"
expect_exit "$rc" "$W" -J --btf_base "$T/nobase" "$T/f.o"
expect_grep "kfuncbtf-pahole: pahole failed (exit $rc); kfuncbtf emit did not run" "$T/err"

# The wrapper never runs itself as pahole.
mkdir -p "$T/bin"; ln -s "$W" "$T/bin/pahole"
PATH=$T/bin:$PATH expect_eq "$("$T/bin/pahole" --version)" "$(pahole --version)"
echo "ok: kfuncbtf-pahole"
