#!/bin/bash
# --stats on every command: one "kfuncbtf: stats: <phase> <s> s, ...; total <s> s, peak RSS <n> MB"
# line on stderr naming the command's phases, and stdout exactly as without it.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o
o=$KFB_FIXTURES/clang-dwarf5.o
num='[0-9]+\.[0-9]{3} s'
stats_line() {  # stats_line PHASES-REGEX CMD...: run with and without --stats, compare
  local phases=$1; shift
  rc=0; "$KFUNCBTF" "$@" > "$T/plain" 2>/dev/null || rc=$?
  rc2=0; "$KFUNCBTF" "$@" --stats > "$T/out" 2> "$T/err" || rc2=$?
  [ "$rc" = "$rc2" ] || die "$*: exit $rc without --stats, $rc2 with"
  cmp -s "$T/plain" "$T/out" || die "$*: --stats changed stdout"
  grep -Eq "^kfuncbtf: stats: $phases; total $num, peak RSS [0-9]+ MB\$" "$T/err" ||
    { cat "$T/err"; die "$*: no stats line of the form '$phases; total ...'"; }
}
stats_line "read $num, loader rules $num, kfunc rules $num, output $num" check "$o"
stats_line "read $num, format $num" dump "$o"
stats_line "read $num, diff and output $num" diff "$o" "$KFB_FIXTURES/gcc-dwarf5.o"
stats_line "read $num, diff $num" diff --stat "$o" "$KFB_FIXTURES/gcc-dwarf5.o"
stats_line "elf\+symbols $num, btf $num, .*join $num; [0-9]+ kfuncs" scan "$o"
"$KFUNCBTF" emit "$o" -q -o "$T/e.btf" --stats 2> "$T/err"
grep -Eq "^kfuncbtf: stats: read $num, scan $num \([0-9]+ of [0-9]+ CUs read, [0-9]+ DIEs\), emit $num, write $num, check $num, output $num; [0-9]+ kfuncs, [0-9]+ twins \([0-9]+ new\), [0-9]+ tags added, [0-9]+ types added; total $num, peak RSS [0-9]+ MB\$" "$T/err" ||
  { cat "$T/err"; die "emit: no stats line"; }
[ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; die "emit: more than the one stats line"; }
