#!/bin/bash
# -o - writes the BTF to stdout (summary to stderr); an existing non-regular OUT (a FIFO here,
# /dev/stdout in practice) is written in place, never replaced by a rename (which would turn a
# device node or a pipe into a regular file); regular files keep their mode.
. "$(dirname "$0")/lib.sh"
need_fixture clang-dwarf5.o
obj=$KFB_FIXTURES/clang-dwarf5.o

"$KFUNCBTF" emit "$obj" -q -o "$T/ref.btf"
"$KFUNCBTF" emit "$obj" -o - > "$T/stdout.btf" 2> "$T/summary"
cmp "$T/ref.btf" "$T/stdout.btf" || die "-o - differs from -o FILE"
expect_grep "emit: $obj -> - (features:" "$T/summary"

mkfifo "$T/pipe"
cat "$T/pipe" > "$T/from-pipe" &
reader=$!
expect_exit 0 "$KFUNCBTF" emit "$obj" -q -o "$T/pipe"
wait $reader
[ -p "$T/pipe" ] || die "the FIFO was replaced"
cmp "$T/ref.btf" "$T/from-pipe" || die "bytes through the FIFO differ"

cp "$T/ref.btf" "$T/mode.btf"
chmod 0600 "$T/mode.btf"
expect_exit 0 "$KFUNCBTF" emit "$obj" -q -o "$T/mode.btf"
expect_eq "$(stat -c %a "$T/mode.btf")" 600
