#!/bin/bash
# build/kfuncbtf-pahole in a kernel build is silent when emit succeeds, as pahole and
# resolve_btfids are: no summary per module in the build log. V=1 (Kbuild exports
# KBUILD_VERBOSE=1) or an option in KFUNCBTF_EMIT that asks for output (-v, --stats, --json)
# brings emit's summary back, exactly as emit prints it; warnings and errors reach stderr always.
. "$(dirname "$0")/lib.sh"
need pahole
need_fixture clang-dwarf5.o
W=$(dirname "$KFUNCBTF")/kfuncbtf-pahole
[ -x "$W" ] || die "no $W (the build installs it beside kfuncbtf)"
fx=$KFB_FIXTURES
unset KBUILD_VERBOSE KFUNCBTF_EMIT

# What emit prints by hand after pahole -J on the same path (the summary names the object).
by_hand() { # by_hand OBJ SRC [EMIT OPTIONS...]: stdout of pahole -J + emit on a fresh OBJ
  local obj=$1 src=$2; shift 2
  cp "$src" "$obj"
  pahole -J "$obj"
  "$KFUNCBTF" emit "$@" --update-elf --in-place "$obj"
}

# 6.x -J, the default: nothing on stdout or stderr, and the object is emit's.
want=$(by_hand "$T/a.o" "$fx/clang-dwarf5.o")
[ -n "$want" ] || die "emit printed no summary by hand"
cp "$T/a.o" "$T/want.o"
cp "$fx/clang-dwarf5.o" "$T/a.o"
expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" ""
expect_eq "$(cat "$T/err")" ""
cmp "$T/want.o" "$T/a.o" || die "quiet: the object is not emit's"

# A module with no kfunc set (most of them: no .BTF_ids at all) is silent too, as resolve_btfids
# is (its pr_debug); in the project's kernel build with 58 modules (kernel_build.sh, KFB_KMODS=1) 50 were.
need_fixture nobtfids.o
cp "$fx/nobtfids.o" "$T/m.o"
expect_exit 0 "$W" -J "$T/m.o"
expect_eq "$(cat "$T/out")" ""
expect_eq "$(cat "$T/err")" ""

# V=1: the summary, exactly; V=2 (reasons only) stays quiet, "1 2" is loud.
cp "$fx/clang-dwarf5.o" "$T/a.o"
KBUILD_VERBOSE=1 expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" "$want"
expect_eq "$(cat "$T/err")" ""
cp "$fx/clang-dwarf5.o" "$T/a.o"
KBUILD_VERBOSE=2 expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" ""
cp "$fx/clang-dwarf5.o" "$T/a.o"
KBUILD_VERBOSE="1 2" expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" "$want"

# KFUNCBTF_EMIT asking for output: -v (the summary), --stats (summary, and stats on stderr),
# --json (the JSON summary).
for opt in -v --verbose; do
  want_v=$(by_hand "$T/a.o" "$fx/clang-dwarf5.o" "$opt")
  cp "$fx/clang-dwarf5.o" "$T/a.o"
  KFUNCBTF_EMIT=$opt expect_exit 0 "$W" -J "$T/a.o"
  expect_eq "$(cat "$T/out")" "$want_v"
done
cp "$fx/clang-dwarf5.o" "$T/a.o"
KFUNCBTF_EMIT=--stats expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" "$want"
expect_grep "peak RSS" "$T/err"
want_j=$(by_hand "$T/a.o" "$fx/clang-dwarf5.o" --json)
cp "$fx/clang-dwarf5.o" "$T/a.o"
KFUNCBTF_EMIT=--json expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" "$want_j"

# 7.x detached (--btf_encode_detached) and a module (--btf_base): quiet too.
cp "$fx/gcc-dwarf5.o" "$T/b.o"
expect_exit 0 "$W" -J --btf_encode_detached="$T/b.BTF.1" "$T/b.o"
expect_eq "$(cat "$T/out")$(cat "$T/err")" ""
[ -s "$T/b.BTF.1" ] || die "detached: no BTF written"
if have_fixture clang-dwarf5-mod.ko; then
  cp "$fx/clang-dwarf5-mod.ko" "$T/m.ko"
  expect_exit 0 "$W" -J --btf_base "$fx/clang-dwarf5.elf" "$T/m.ko"
  expect_eq "$(cat "$T/out")$(cat "$T/err")" ""
fi

# A warning passes through while quiet (an option that asks for no output), and only it.
cp "$fx/clang-dwarf5.o" "$T/a.o"
KFUNCBTF_EMIT=--features=+bogus expect_exit 0 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" ""
expect_eq "$(cat "$T/err")" "kfuncbtf: warning: unknown feature 'bogus' ignored"

# An error: emit's message and the wrapper's line on stderr, nothing on stdout.
printf 'no_such_kfunc sched_ext_ops.enqueue\n' > "$T/bad.scopes"
cp "$fx/clang-dwarf5.o" "$T/a.o"
KFUNCBTF_EMIT="--scopes $T/bad.scopes" expect_exit 1 "$W" -J "$T/a.o"
expect_eq "$(cat "$T/out")" ""
expect_grep "kfuncbtf: $T/bad.scopes:1: " "$T/err"
expect_grep "kfuncbtf-pahole: kfuncbtf emit failed on $T/a.o (exit 1)" "$T/err"
echo "ok: kfuncbtf-pahole is quiet unless asked or something is wrong"
