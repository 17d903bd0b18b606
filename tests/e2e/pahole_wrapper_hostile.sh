#!/bin/bash
# kfuncbtf-pahole reads pahole's command line as pahole does and finds the real pahole by what
# the file is: an option's value (`--lang_exclude rust`) is never taken for the object; a
# detached BTF is removed only when emit refused it (exit 1), never when emit could not run; the
# wrapper installed as `pahole` with its directory twice on PATH (or a copy of it earlier on
# PATH, or KFUNCBTF_PAHOLE naming it) never calls itself forever.
. "$(dirname "$0")/lib.sh"
need pahole
need_fixture clang-dwarf5.o gcc-dwarf5.o
W=$(dirname "$KFUNCBTF")/kfuncbtf-pahole
[ -x "$W" ] || die "no $W (the build installs it beside kfuncbtf)"
cd "$T"

# Values of pahole options are not objects: the same result as without them.
cp "$KFB_FIXTURES/clang-dwarf5.o" want.o
pahole -J want.o
"$KFUNCBTF" emit -q --update-elf --in-place want.o
for args in "--lang_exclude rust" "--lang_exclude=rust" "--hashbits 15" "-X zzz_no_such_cu" "-XJzzz"; do
  cp "$KFB_FIXTURES/clang-dwarf5.o" got.o
  # shellcheck disable=SC2086
  KFUNCBTF_EMIT=-q expect_exit 0 timeout 60 "$W" -J got.o $args
  cmp want.o got.o || die "-J got.o $args: not what emit makes of got.o"
done
# Detached: emit that cannot run (exit 2) leaves pahole's F as pahole wrote it.
cp "$KFB_FIXTURES/gcc-dwarf5.o" a.o
pahole -J --btf_encode_detached=pahole.BTF a.o
KFUNCBTF_EMIT="-q --scopes $T/no-such.scopes" expect_exit 2 timeout 60 "$W" -J --btf_encode_detached=F.BTF a.o --lang_exclude rust
expect_grep "kfuncbtf: $T/no-such.scopes: cannot open" "$T/err"
expect_grep "kfuncbtf-pahole: kfuncbtf emit failed on a.o (exit 2); F.BTF is pahole's, unchanged" "$T/err"
cmp pahole.BTF F.BTF || die "a failed emit changed or removed pahole's detached BTF"

# Installed as pahole: a directory twice on PATH (once through a symlink), a copy earlier on
# PATH, the wrapper named by KFUNCBTF_PAHOLE.
mkdir bin copy; ln -s "$W" bin/pahole; ln -s bin bin2; cp "$W" copy/pahole
want=$(pahole --version)
PATH=$T/bin:$T/bin2:$PATH expect_exit 0 timeout 20 "$T/bin/pahole" --version
expect_eq "$(cat "$T/out")" "$want"
PATH=$T/bin2:$T/bin:$PATH expect_exit 0 timeout 20 "$T/bin2/pahole" --version
expect_eq "$(cat "$T/out")" "$want"
PATH=$T/copy:$T/bin:$PATH expect_exit 0 timeout 20 "$T/bin/pahole" --version
expect_eq "$(cat "$T/out")" "$want"
KFUNCBTF_PAHOLE=$T/copy/pahole expect_exit 2 timeout 20 "$W" --version
expect_grep "kfuncbtf-pahole: pahole $T/copy/pahole is this wrapper again, not the real pahole (set KFUNCBTF_PAHOLE to it)" "$T/err"
echo "ok: kfuncbtf-pahole parses pahole's options and never runs itself"
