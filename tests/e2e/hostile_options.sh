#!/bin/bash
# Options are never swallowed: an empty or missing value, or a value that is another option, is a
# usage error (exit 2, one line starting "kfuncbtf: ", nothing written); -j takes a number of jobs.
. "$(dirname "$0")/lib.sh"
need_fixture gcc-dwarf5.o
obj=$KFB_FIXTURES/gcc-dwarf5.o
cd "$T"
usage() {  # usage MESSAGE ARGS...: exit 2, exactly MESSAGE on stderr, no stdout, no f.btf
  local want=$1; shift
  expect_exit 2 "$KFUNCBTF" "$@"
  expect_eq "$(cat "$T/err")" "$want"
  expect_eq "$(cat "$T/out")" ""
  [ ! -e f.btf ] || die "f.btf written by: kfuncbtf $*"
}
# "--opt=" is an empty value, never the next word (it was: --output= x.btf wrote x.btf).
usage "kfuncbtf: --features: an empty value (usage: kfuncbtf emit --help)" \
  emit "$obj" --features= --stats -o f.btf
usage "kfuncbtf: --output: an empty value (usage: kfuncbtf emit --help)" emit "$obj" --output= f.btf
usage "kfuncbtf: --scopes: an empty value (usage: kfuncbtf emit --help)" emit "$obj" --scopes= f.btf -o f.btf
usage "kfuncbtf: --features: an empty value (usage: kfuncbtf emit --help)" emit "$obj" --features= all -o f.btf
usage "kfuncbtf: --jobs: an empty value (usage: kfuncbtf scan --help)" --jobs= 4 scan "$obj"
usage "kfuncbtf: --jobs: an empty value (usage: kfuncbtf scan --help)" scan "$obj" --jobs=
usage "kfuncbtf: --features: expected a value, got the option '--list-features' (usage: kfuncbtf emit --help)" \
  emit "$obj" --features --list-features
usage "kfuncbtf: --features: an empty value (usage: kfuncbtf emit --help)" emit "$obj" -o f.btf --features=
usage "kfuncbtf: --scopes: expected a value, got the option '--stats' (usage: kfuncbtf emit --help)" \
  emit "$obj" --scopes --stats -o f.btf
usage "kfuncbtf: --output: 1 required TEXT missing (usage: kfuncbtf emit --help)" emit "$obj" -o
usage "kfuncbtf: --output: an empty value (usage: kfuncbtf emit --help)" emit "$obj" -o ""
usage "kfuncbtf: --jobs: expected a number of jobs >= 0, not '-1' (usage: kfuncbtf scan --help)" -j-1 scan "$obj"
usage "kfuncbtf: --jobs: expected a number of jobs >= 0, not 'abc' (usage: kfuncbtf scan --help)" -jabc scan "$obj"
usage "kfuncbtf: --jobs: expected a number of jobs >= 0, not '-1' (usage: kfuncbtf scan --help)" scan "$obj" --jobs=-1
usage "kfuncbtf: OBJ is required (usage: kfuncbtf scan --help)" scan
usage "kfuncbtf: The following argument was not expected: frob (usage: kfuncbtf --help)" frob
usage "kfuncbtf: The following argument was not expected: --bogus (usage: kfuncbtf emit --help)" emit "$obj" --bogus
# The well-formed spellings still work: -j0 and -j alone are one job per online CPU.
expect_exit 0 "$KFUNCBTF" -j1 scan "$obj"; cp "$T/out" one
# -j is decimal, as make's: -j08 is 8 jobs (CLI11 read it as octal and refused it).
for j in -j0 -j -j2 --jobs=3 -j08 --jobs=010; do
  expect_exit 0 "$KFUNCBTF" $j scan "$obj"
  cmp -s "$T/out" one || die "$j: scan output differs from -j1"
done
expect_exit 0 "$KFUNCBTF" emit "$obj" --features=-sort,+dedup -o f.btf
expect_exit 0 "$KFUNCBTF" emit --list-features
expect_grep "twins" "$T/out"
echo "ok: option values are never taken from the next option; usage errors are one kfuncbtf: line"
